// A non-blocking TLS session's trust (the system store and its CA file) is loaded on a worker
// thread from SmtpAsyncConnect() on: no SmtpExecute() step has to hold the event loop while
// the store loads. Shown by the credentials cache holding them while the application has not
// stepped the session at all (the server never answers). A session that reaches TLS while the
// worker still loads waits for it (it never loads a second time inline): no step holds the
// loop for the load, and a blocking connect waiting for it can be cancelled.
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

// A trust file that takes GnuTLS a long time to read: the test CA followed by thousands of
// copies of it (each one is parsed). Its own path, so no earlier test loaded it.
std::string SlowCaFile(const char *tag)
{
    std::ifstream in(mwtest::TestCertPath("ca.pem"), std::ios::binary);
    std::stringstream pem;
    pem << in.rdbuf();
    std::string path =
        ::testing::TempDir() + "slow-ca-" + tag + "-" + std::to_string(mwt_getpid()) + ".pem";
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 3000; i++)
        out << pem.str();
    return path;
}

// Credentials naming a SlowCaFile(), and the library's view of them; both gone at the end.
struct SlowTrust {
    std::string path;
    SECURITYCREDENTIALS c{};
    mw_tls_config cfg{};
    char detail[256] = "";
    unsigned err;
    explicit SlowTrust(const char *tag) : path(SlowCaFile(tag))
    {
        c.dwSize = sizeof c;
        c.lpszCAFile = path.c_str();
        err = mw_tls_config_set(&cfg, &c, detail, sizeof detail);
    }
    ~SlowTrust()
    {
        mw_tls_config_clear(&cfg);
        std::remove(path.c_str());
    }
};

mwtest::FakeServerOptions ImplicitTls()
{
    mwtest::FakeServerOptions o;
    o.implicit_tls = true;
    o.tls.cert_file = mwtest::TestCertPath("valid.pem");
    o.tls.key_file = mwtest::TestCertPath("valid-key.pem");
    o.timeout = std::chrono::milliseconds(60000);
    return o;
}

double Ms(std::chrono::steady_clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

TEST(SmtpTlsPrefetch, NoStepHoldsTheLoopWhileTheTrustStoreLoads)
{
    SlowTrust t("steps");
    ASSERT_EQ(t.err, 0u) << t.detail;
    SECURITYCREDENTIALS &c = t.c;
    mw_tls_config &cfg = t.cfg;

    mwtest::FakeServer srv(ImplicitTls());
    srv.Send("220 tls greeting\r\n").ExpectLine("EHLO").Send("250 ok\r\n").Start();
    auto t0 = std::chrono::steady_clock::now();
    HCLIENT h =
        SmtpAsyncConnect("localhost", srv.port(), 60,
                         SMTP_OPTION_SECURE_IMPLICIT | SMTP_OPTION_EXTENDED, "client.test", &c);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    // Step as an event loop would, as fast as it may: the session is in TLS long before the
    // worker has read the file, so every step until then finds the load unfinished.
    double slowest = 0, loaded_at = 0;
    int rc;
    for (;;) {
        auto s0 = std::chrono::steady_clock::now();
        rc = SmtpExecute(h);
        double step = Ms(std::chrono::steady_clock::now() - s0);
        if (step > slowest)
            slowest = step;
        if (!loaded_at && mw_tls_creds_loaded(&cfg))
            loaded_at = Ms(std::chrono::steady_clock::now() - t0);
        if (rc != SMTP_IN_PROGRESS)
            break;
        mwt_sleep_ms(1);
    }
    EXPECT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "") << "server script";
    // The file must make the load slow, or the test shows nothing.
    std::printf("trust store loaded after %.1f ms; slowest SmtpExecute() %.2f ms\n", loaded_at,
                slowest);
    ASSERT_GT(loaded_at, 100.0) << "the trust file loaded too fast to tell";
    EXPECT_LT(slowest, loaded_at / 3) << "a step took " << slowest << " ms of a " << loaded_at
                                      << " ms load: the step loaded the trust store itself";
    SmtpDisconnect(h);
}

TEST(SmtpTlsPrefetch, CancelEndsTheWaitForTheTrustStore)
{
    SlowTrust t("cancel");
    ASSERT_EQ(t.err, 0u) << t.detail;
    SECURITYCREDENTIALS &c = t.c;
    mw_tls_config &cfg = t.cfg;
    mwtest::FakeServer srv(ImplicitTls());
    srv.Start(); // accepts, then its TLS handshake waits for the client's hello
    auto t0 = std::chrono::steady_clock::now();
    HCLIENT h =
        SmtpAsyncConnect("localhost", srv.port(), 60,
                         SMTP_OPTION_SECURE_IMPLICIT | SMTP_OPTION_EXTENDED, "client.test", &c);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    // Up to TLS (the TCP connect on loopback takes a step or two), then cancel.
    for (int i = 0; i < 20; i++) {
        ASSERT_EQ(SmtpExecute(h), SMTP_IN_PROGRESS) << MailwireGetLastErrorDetail();
        mwt_sleep_ms(1);
    }
    ASSERT_EQ(mw_tls_creds_loaded(&cfg), 0) << "the trust file loaded too fast to tell";
    auto c0 = std::chrono::steady_clock::now();
    EXPECT_EQ(SmtpCancel(h), 0);
    EXPECT_EQ(SmtpExecute(h), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_CANCELLED) << MailwireGetLastErrorDetail();
    double cancel_ms = Ms(std::chrono::steady_clock::now() - c0);
    // The worker goes on loading: the cancel must not have waited for it.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!mw_tls_creds_loaded(&cfg) && std::chrono::steady_clock::now() < until)
        mwt_sleep_ms(5);
    double load_ms = Ms(std::chrono::steady_clock::now() - t0);
    EXPECT_LT(cancel_ms, load_ms / 3)
        << "the cancel took " << cancel_ms << " ms of a " << load_ms << " ms load";
    SmtpDisconnect(h);
}

// The last MailwireUninitialize() lets a load in flight end before it returns: a program that
// then exits does not end the worker in the middle of the store (under Wine that held up every
// other program opening it, include/mailwire/common.h). The connection is dropped before the
// worker could have read a tenth of the file.
TEST(SmtpTlsPrefetch, LastUninitializeWaitsForALoadInFlight)
{
    SlowTrust t("uninit");
    ASSERT_EQ(t.err, 0u) << t.detail;
    ASSERT_TRUE(MailwireInitialize());
    mwtest::FakeServer srv; // never started: the connection waits in the backlog, unanswered
    auto t0 = std::chrono::steady_clock::now();
    HCLIENT h =
        SmtpAsyncConnect("localhost", srv.port(), 5, SMTP_OPTION_SECURE, "client.test", &t.c);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    SmtpDisconnect(h);
    ASSERT_EQ(mw_tls_creds_prefetching(), 1) << "the trust file loaded too fast to tell";
    MailwireUninitialize();
    double took = Ms(std::chrono::steady_clock::now() - t0);
    EXPECT_EQ(mw_tls_creds_prefetching(), 0) << "returned with the load in flight";
    std::printf("the last MailwireUninitialize() returned %.1f ms after the connect\n", took);
    // An earlier reference is not the last: that call does not wait.
    ASSERT_TRUE(MailwireInitialize());
    ASSERT_TRUE(MailwireInitialize());
    SlowTrust u("uninit2");
    h = SmtpAsyncConnect("localhost", srv.port(), 5, SMTP_OPTION_SECURE, "client.test", &u.c);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    SmtpDisconnect(h);
    MailwireUninitialize();
    EXPECT_EQ(mw_tls_creds_prefetching(), 1) << "a reference that was not the last waited";
    MailwireUninitialize();
    EXPECT_EQ(mw_tls_creds_prefetching(), 0);
}

} // namespace
