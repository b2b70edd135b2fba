// Shared TLS client credentials (core/net/tls_creds.h): sessions with the same trust and
// client-certificate settings load them once; a changed file, another CA or a client
// certificate gets credentials of its own; a failure to load is reported, not shared.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/portable.h"
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

// The trust of a connection without a CA file comes from the process default or from
// SSL_CERT_FILE / SSL_CERT_DIR (issue 15): the cache must key on that effective trust, or a
// connection would get the credentials loaded for another setting.
TEST(TlsCreds, TheKeyIsTheEffectiveTrust)
{
    mwt_setenv("SSL_CERT_FILE", nullptr);
    mwt_setenv("SSL_CERT_DIR", nullptr);
    ASSERT_EQ(mw_tls_set_default_ca(nullptr, nullptr), 0u);
    Config none("");
    mw_tls_creds *plain = Get(none);

    mwt_setenv("SSL_CERT_FILE", TestCertPath("ca.pem").c_str());
    mw_tls_creds *env_a = Get(none);
    mwt_setenv("SSL_CERT_FILE", TestCertPath("client-ca.pem").c_str());
    mw_tls_creds *env_b = Get(none);
    EXPECT_NE(env_a, plain) << "SSL_CERT_FILE adds to the system store";
    EXPECT_NE(env_a, env_b) << "another SSL_CERT_FILE";

    ASSERT_EQ(mw_tls_set_default_ca(TestCertPath("ca.pem").c_str(), nullptr), 0u);
    mw_tls_creds *def = Get(none);
    EXPECT_NE(def, env_b) << "the default is used, not the variable";
    Config call(TestCertPath("client-ca.pem"));
    mw_tls_creds *percall = Get(call);
    EXPECT_NE(percall, def) << "a per-call CA is used, not the default";

    // Cleared again: the variable applies again, sharing the entry already loaded for it.
    ASSERT_EQ(mw_tls_set_default_ca("", nullptr), 0u);
    mw_tls_creds *env_b2 = Get(none);
    EXPECT_EQ(env_b2, env_b);
    mwt_setenv("SSL_CERT_FILE", nullptr);
    mw_tls_creds *plain2 = Get(none);
    EXPECT_EQ(plain2, plain);

    // A default that does not load names itself.
    ASSERT_EQ(mw_tls_set_default_ca(nullptr, "/nonexistent-dir"), 0u);
    mw_tls_creds *out = nullptr;
    char d[256] = "";
    EXPECT_EQ(mw_tls_creds_get(&none.cfg, &out, d, sizeof d), (unsigned)ST_ERROR_CREDENTIALS);
    EXPECT_NE(std::string(d).find("default CA directory \"/nonexistent-dir\""), std::string::npos)
        << d;
    ASSERT_EQ(mw_tls_set_default_ca(nullptr, nullptr), 0u);
    for (mw_tls_creds *c : {plain, env_a, env_b, def, percall, env_b2, plain2})
        mw_tls_creds_put(c);
}

} // namespace
