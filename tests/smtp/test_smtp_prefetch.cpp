// A non-blocking TLS session's trust (the system store and its CA file) is loaded on a worker
// thread from SmtpAsyncConnect() on: no SmtpExecute() step has to hold the event loop while
// the store loads. Shown by the credentials cache holding them while the application has not
// stepped the session at all (the server never answers).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <mailwire/smtp.h>

#include "common/portable.h"
#include "fake_server.hpp"
#include "test_certs.hpp"

extern "C" {
#include "core/net/tls.h"
#include "core/net/tls_creds.h"
}

namespace
{

TEST(SmtpTlsPrefetch, TrustIsLoadedBeforeTheFirstStep)
{
    // A CA file of its own path, so no earlier test of this process loaded the same trust.
    std::ifstream in(mwtest::TestCertPath("ca.pem"), std::ios::binary);
    std::stringstream pem;
    pem << in.rdbuf();
    std::string path =
        ::testing::TempDir() + "prefetch-ca-" + std::to_string(mwt_getpid()) + ".pem";
    std::ofstream(path, std::ios::binary) << pem.str();
    SECURITYCREDENTIALS c{};
    c.dwSize = sizeof c;
    c.lpszCAFile = path.c_str();
    mw_tls_config cfg{};
    char detail[256];
    ASSERT_EQ(mw_tls_config_set(&cfg, &c, detail, sizeof detail), 0u) << detail;
    EXPECT_EQ(mw_tls_creds_loaded(&cfg), 0) << "nothing loaded this trust yet";

    mwtest::FakeServer srv; // never started: the connection waits in the backlog, unanswered
    HCLIENT h = SmtpAsyncConnect("localhost", srv.port(), 5, SMTP_OPTION_SECURE, "client.test", &c);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!mw_tls_creds_loaded(&cfg) && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(mw_tls_creds_loaded(&cfg), 1) << "loaded without a single SmtpExecute()";
    SmtpDisconnect(h);
    mw_tls_config_clear(&cfg);
    std::remove(path.c_str());
}

} // namespace
