// Certificates the way users expect (issue 15): the fixture's servers use a private CA that
// the system store does not hold, so a plain connect fails; SSL_CERT_FILE / SSL_CERT_DIR, or
// the process default of MailwireSetDefaultCertificateAuthority(), make it pass; a CA given
// with the call takes precedence over both (a wrong one still fails); and the shared
// credentials cache never hands one connection the trust of another setting.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <mailwire/mailwire.h>

#include "common/fixture_env.hpp"
#include "common/portable.h"
#include "common/tls_helpers.hpp"

namespace
{

using mwtest::Fixture;

// SSL_CERT_DIR lists folders as OpenSSL does: ':' between them, ';' on Windows (whose paths
// hold ':').
#ifdef _WIN32
constexpr char kDirListSep = ';';
#else
constexpr char kDirListSep = ':';
#endif

std::string Cert(const std::string &name)
{
    return Fixture::Get().Value("MW_CERT_DIR") + "/" + name;
}

// Every test starts and ends with no default and no variable, whatever it set.
class DefaultCa : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        Clear();
    }
    void TearDown() override
    {
        Clear();
        if (!dir_.empty())
            std::filesystem::remove_all(dir_);
    }
    static void Clear()
    {
        mwt_setenv("SSL_CERT_FILE", nullptr);
        mwt_setenv("SSL_CERT_DIR", nullptr);
        ASSERT_EQ(MailwireSetDefaultCertificateAuthority(nullptr, nullptr), 0);
    }
    // A directory holding a copy of the fixture's CA under an OpenSSL-style name.
    std::string CaDir()
    {
        dir_ = (std::filesystem::temp_directory_path() /
                ("mw-default-ca-" + std::to_string(mwt_getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                   .string();
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        std::filesystem::copy_file(Cert("ca.pem"), dir_ + "/0a1b2c3d.0");
        return dir_;
    }

    // SmtpConnect to Postfix's implicit-TLS port; the error (0 when connected) and its detail.
    static unsigned Smtp(const SECURITYCREDENTIALS *cred, std::string *detail = nullptr)
    {
        HCLIENT h = SmtpConnect("localhost", Fixture::Get().Port("MW_SMTPS_PORT"), 10,
                                SMTP_OPTION_SECURE_IMPLICIT, "client.mailwire.test", cred);
        unsigned err = h == INVALID_CLIENT ? SmtpGetLastError() : 0u;
        if (detail)
            *detail = MailwireGetLastErrorDetail();
        if (h != INVALID_CLIENT) {
            SECURITYINFO si{};
            si.dwSize = sizeof si;
            EXPECT_EQ(MailwireGetSecurityInfo(h, &si), 0);
            EXPECT_TRUE(si.bVerified) << "connected, so the chain was verified";
            SmtpDisconnect(h);
        }
        return err;
    }

    std::string dir_;
};

TEST_F(DefaultCa, TheSystemStoreAloneRejectsThePrivateCa)
{
    EXPECT_EQ(Smtp(nullptr), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
}

TEST_F(DefaultCa, SslCertFileIsHonouredWhenNoCaIsGiven)
{
    mwt_setenv("SSL_CERT_FILE", Cert("ca.pem").c_str());
    std::string d;
    EXPECT_EQ(Smtp(nullptr, &d), 0u) << d;
    // Credentials without a CA file (a pin, a client certificate...) still use the variable.
    mwtest::Creds cr("");
    SECURITYCREDENTIALS c = cr.get();
    c.lpszCAFile = nullptr;
    EXPECT_EQ(Smtp(&c, &d), 0u) << d;

    // The cache keys on the effective CA: without the variable the same call fails again.
    mwt_setenv("SSL_CERT_FILE", nullptr);
    EXPECT_EQ(Smtp(nullptr), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
}

TEST_F(DefaultCa, SslCertDirIsHonouredWhenNoCaIsGiven)
{
    mwt_setenv("SSL_CERT_DIR",
               ("/nonexistent-first" + std::string(1, kDirListSep) + CaDir()).c_str());
    std::string d;
    // A list: every directory must load; the missing one is named.
    EXPECT_EQ(Smtp(nullptr, &d), (unsigned)ST_ERROR_CREDENTIALS);
    EXPECT_NE(d.find("SSL_CERT_DIR \"/nonexistent-first\""), std::string::npos) << d;
    mwt_setenv("SSL_CERT_DIR", CaDir().c_str());
    EXPECT_EQ(Smtp(nullptr, &d), 0u) << d;
}

TEST_F(DefaultCa, AnUnreadableSslCertFileIsAnErrorNamingTheVariable)
{
    mwt_setenv("SSL_CERT_FILE", "/nonexistent/ca.pem");
    std::string d;
    EXPECT_EQ(Smtp(nullptr, &d), (unsigned)ST_ERROR_CREDENTIALS);
    EXPECT_NE(d.find("SSL_CERT_FILE \"/nonexistent/ca.pem\""), std::string::npos) << d;
}

TEST_F(DefaultCa, TheProcessDefaultFileOrDirectoryIsUsed)
{
    std::string d;
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority(Cert("ca.pem").c_str(), nullptr), 0);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(Smtp(nullptr, &d), 0u) << d;
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority(nullptr, CaDir().c_str()), 0);
    EXPECT_EQ(Smtp(nullptr, &d), 0u) << d;
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority("", ""), 0) << "empty strings clear it";
    EXPECT_EQ(Smtp(nullptr), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);

    // IMAP reads the same default (Dovecot, implicit TLS).
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority(Cert("ca.pem").c_str(), nullptr), 0);
    HCLIENT h = ImapConnect("localhost", Fixture::Get().Port("MW_IMAPS_PORT"), 10,
                            IMAP_OPTION_SECURE_IMPLICIT, nullptr);
    EXPECT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    if (h != INVALID_CLIENT)
        ImapDisconnect(h);
}

TEST_F(DefaultCa, TheDefaultTakesPrecedenceOverTheEnvironment)
{
    std::string d;
    mwt_setenv("SSL_CERT_FILE", Cert("ca.pem").c_str());
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority(Cert("other-ca.pem").c_str(), nullptr), 0);
    EXPECT_EQ(Smtp(nullptr), (unsigned)ST_ERROR_CERTIFICATE_REJECTED)
        << "the default (a CA that did not sign the server) is used, not SSL_CERT_FILE";
    mwt_setenv("SSL_CERT_FILE", Cert("other-ca.pem").c_str());
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority(Cert("ca.pem").c_str(), nullptr), 0);
    EXPECT_EQ(Smtp(nullptr, &d), 0u) << d;
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority("/nonexistent/default.pem", nullptr), 0);
    EXPECT_EQ(Smtp(nullptr, &d), (unsigned)ST_ERROR_CREDENTIALS);
    EXPECT_NE(d.find("default CA file \"/nonexistent/default.pem\""), std::string::npos) << d;
}

TEST_F(DefaultCa, APerCallCaWinsOverTheDefaultAndTheEnvironment)
{
    std::string d;
    ASSERT_EQ(MailwireSetDefaultCertificateAuthority(Cert("ca.pem").c_str(), nullptr), 0);
    mwt_setenv("SSL_CERT_FILE", Cert("ca.pem").c_str());
    mwtest::Creds wrong(Cert("other-ca.pem"));
    EXPECT_EQ(Smtp(&wrong.get()), (unsigned)ST_ERROR_CERTIFICATE_REJECTED)
        << "a bad per-call CA is not rescued by a good default";

    ASSERT_EQ(MailwireSetDefaultCertificateAuthority(Cert("other-ca.pem").c_str(), nullptr), 0);
    mwt_setenv("SSL_CERT_FILE", Cert("other-ca.pem").c_str());
    mwtest::Creds right(Cert("ca.pem"));
    EXPECT_EQ(Smtp(&right.get(), &d), 0u) << d;
}

} // namespace
