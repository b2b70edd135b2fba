// Shared TLS client credentials (core/net/tls_creds.h): sessions with the same trust and
// client-certificate settings load them once; a changed file, another CA or a client
// certificate gets credentials of its own; a failure to load is reported, not shared.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "test_certs.hpp"

extern "C" {
#include "core/net/tls.h"
#include "core/net/tls_creds.h"
}

namespace
{

using mwtest::TestCertPath;

struct Config {
    mw_tls_config cfg{};
    Config(const std::string &ca, const std::string &cert = "", const std::string &key = "")
    {
        SECURITYCREDENTIALS c{};
        c.dwSize = sizeof c;
        c.lpszCAFile = ca.empty() ? nullptr : ca.c_str();
        c.lpszCertificateFile = cert.empty() ? nullptr : cert.c_str();
        c.lpszPrivateKeyFile = key.empty() ? nullptr : key.c_str();
        char d[256];
        EXPECT_EQ(mw_tls_config_set(&cfg, &c, d, sizeof d), 0u) << d;
    }
    ~Config()
    {
        mw_tls_config_clear(&cfg);
    }
};

mw_tls_creds *Get(const Config &c)
{
    mw_tls_creds *out = nullptr;
    char d[256] = "";
    EXPECT_EQ(mw_tls_creds_get(&c.cfg, &out, d, sizeof d), 0u) << d;
    return out;
}

TEST(TlsCreds, SameSettingsShareOneLoad)
{
    Config a(TestCertPath("ca.pem")), b(TestCertPath("ca.pem"));
    mw_tls_creds *x = Get(a), *y = Get(b);
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x, y) << "the same CA file: one set of credentials";
    EXPECT_EQ(mw_tls_creds_gnutls(x), mw_tls_creds_gnutls(y));

    Config other(TestCertPath("client-ca.pem"));
    mw_tls_creds *z = Get(other);
    EXPECT_NE(z, x) << "another CA file";
    Config client(TestCertPath("ca.pem"), TestCertPath("client.pem"),
                  TestCertPath("client-key.pem"));
    mw_tls_creds *w = Get(client);
    EXPECT_NE(w, x) << "a client certificate";
    for (mw_tls_creds *c : {x, y, z, w})
        mw_tls_creds_put(c);

    // Released, then asked for again: the idle entry is reused.
    mw_tls_creds *again = Get(a);
    EXPECT_EQ(again, x);
    mw_tls_creds_put(again);
}

TEST(TlsCreds, AChangedFileIsLoadedAgain)
{
    std::string path = ::testing::TempDir() + "mw-creds-ca.pem";
    {
        std::ifstream in(TestCertPath("ca.pem"), std::ios::binary);
        std::ofstream out(path, std::ios::binary);
        out << in.rdbuf();
    }
    Config c(path);
    mw_tls_creds *first = Get(c);
    {
        // Same certificate appended twice: another size, so another entry.
        std::ifstream in(TestCertPath("ca.pem"), std::ios::binary);
        std::ofstream out(path, std::ios::binary | std::ios::app);
        out << in.rdbuf();
    }
    mw_tls_creds *second = Get(c);
    EXPECT_NE(first, second) << "the file changed on disk";
    mw_tls_creds_put(first);
    mw_tls_creds_put(second);
    std::remove(path.c_str());
}

TEST(TlsCreds, AFileThatDoesNotLoadIsAnError)
{
    Config c("/nonexistent/ca.pem");
    mw_tls_creds *out = reinterpret_cast<mw_tls_creds *>(1);
    char d[256] = "";
    EXPECT_EQ(mw_tls_creds_get(&c.cfg, &out, d, sizeof d), (unsigned)ST_ERROR_CREDENTIALS);
    EXPECT_EQ(out, nullptr);
    EXPECT_NE(std::string(d).find("/nonexistent/ca.pem"), std::string::npos) << d;
}

} // namespace
