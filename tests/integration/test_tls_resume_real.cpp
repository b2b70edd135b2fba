// TLS session resumption against the real servers (security checklist item 20), through the
// public API: a second connection to Postfix (SMTP with STARTTLS) and to Dovecot (IMAPS)
// resumes the first one's session, reports it in SECURITYINFO with the certificate still
// verified, and NORESUME turns it off. The key changes are shown against the fake-server kit
// (tests/security/test_tls_resume.cpp).
#include <gtest/gtest.h>

#include <string>

#include <mailwire/mailwire.h>

#include "common/fixture_env.hpp"
#include "common/tls_helpers.hpp"

namespace
{

using mwtest::Fixture;

std::string Cert(const std::string &name)
{
    return Fixture::Get().Value("MW_CERT_DIR") + "/" + name;
}

struct Result {
    bool ok = false;
    std::string error;
    SECURITYINFO si{};
};

// SMTP with STARTTLS on the submission-less port, then QUIT.
Result Smtp(uint32_t extra)
{
    Result r;
    mwtest::Creds cr(Cert("ca.pem"));
    HCLIENT h =
        SmtpConnect("localhost", Fixture::Get().Port("MW_SMTP_PORT"), 10,
                    SMTP_OPTION_EXTENDED | SMTP_OPTION_SECURE | extra, "client.test", &cr.get());
    if (h == INVALID_CLIENT) {
        r.error = MailwireGetLastErrorDetail();
        return r;
    }
    r.si.dwSize = sizeof r.si;
    r.ok = SmtpGetSecurityInfo(h, &r.si) == 0;
    SmtpDisconnect(h);
    return r;
}

// IMAP over implicit TLS, then LOGOUT.
Result Imap(uint32_t extra)
{
    Result r;
    mwtest::Creds cr(Cert("ca.pem"));
    HCLIENT h = ImapConnect("localhost", Fixture::Get().Port("MW_IMAPS_PORT"), 10,
                            IMAP_OPTION_SECURE_IMPLICIT | extra, &cr.get());
    if (h == INVALID_CLIENT) {
        r.error = MailwireGetLastErrorDetail();
        return r;
    }
    r.si.dwSize = sizeof r.si;
    r.ok = ImapGetSecurityInfo(h, &r.si) == 0;
    ImapDisconnect(h);
    return r;
}

void ExpectResumes(Result (*connect)(uint32_t))
{
    Result first = connect(0);
    ASSERT_TRUE(first.ok) << first.error;
    EXPECT_FALSE(first.si.bResumed) << "nothing cached yet in this process";
    // NORESUME neither offers nor takes the ticket the first connection left.
    Result off = connect(MAILWIRE_OPTION_NORESUME);
    ASSERT_TRUE(off.ok) << off.error;
    EXPECT_FALSE(off.si.bResumed);
    Result second = connect(0);
    ASSERT_TRUE(second.ok) << second.error;
    EXPECT_TRUE(second.si.bResumed) << second.si.szProtocol;
    EXPECT_TRUE(second.si.bVerified);
    EXPECT_EQ(second.si.dwCertStatus, 0u);
    EXPECT_STREQ(second.si.szSubject, first.si.szSubject);
    EXPECT_EQ(second.si.szFingerprint, mwtest::Fingerprint(Cert("valid.pem")));
    EXPECT_EQ(second.si.dwProtocol, first.si.dwProtocol);
    // Whether a third resumes depends on the server: a TLS 1.3 ticket is used once, and
    // OpenSSL servers (Postfix, Dovecot) send no new one on a resumption they do not renew.
}

TEST(RealTlsResume, PostfixStartTlsReconnectResumes)
{
    ExpectResumes(&Smtp);
}

TEST(RealTlsResume, DovecotImapsReconnectResumes)
{
    ExpectResumes(&Imap);
}

} // namespace
