// The transport against real servers: Postfix (SMTP with STARTTLS, submission, implicit TLS
// with good and bad certificates, client certificates) and Dovecot (IMAP STARTTLS, IMAPS),
// and LMTP delivery from Postfix into the Maildir that Dovecot serves.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/fixture_env.hpp"
#include "common/portable.h"
#include "common/test_client.hpp"
#include "common/tls_helpers.hpp"

namespace
{

using mwtest::Fixture;
using mwtest::TestClient;

std::string Cert(const std::string &name)
{
    return Fixture::Get().Value("MW_CERT_DIR") + "/" + name;
}

struct Creds : mwtest::Creds {
    Creds() : mwtest::Creds(Cert("ca.pem")) {}
};

// Trust the fixture's CA, nothing else (the session copies the strings).
void TrustTestCa(TestClient &c)
{
    Creds cr;
    ASSERT_EQ(c.SetCredentials(cr.get()), 0u);
}

TEST(RealTls, PostfixImplicitTlsWithTheValidCertificate)
{
    for (const char *host : {"localhost", "127.0.0.1"}) {
        TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
        TrustTestCa(c);
        ASSERT_EQ(c.Connect(host, Fixture::Get().Port("MW_SMTPS_PORT")), 0u)
            << host << ": " << c.Detail();
        EXPECT_EQ(c.Replies().rfind("220 ", 0), 0u) << c.Replies();
        SECURITYINFO si = c.Security();
        EXPECT_TRUE(si.bVerified) << host;
        EXPECT_GE(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
        EXPECT_EQ(si.szFingerprint, mwtest::Fingerprint(Cert("valid.pem")));
    }
}

struct BadPort {
    const char *port_key;
    const char *leaf;
    unsigned bit;
};

void PrintTo(const BadPort &b, std::ostream *os)
{
    *os << b.leaf;
}

class RealBadCertificate : public ::testing::TestWithParam<BadPort>
{
};

TEST_P(RealBadCertificate, IsRejectedWithTheReason)
{
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("localhost", Fixture::Get().Port(GetParam().port_key)),
              (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    EXPECT_TRUE(c.Security().dwCertStatus & GetParam().bit)
        << std::hex << c.Security().dwCertStatus;
    EXPECT_EQ(c.Replies(), "");
}

TEST_P(RealBadCertificate, TrustedSiteConnectsAndReportsTheFingerprint)
{
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT | MAILWIRE_OPTION_TRUSTEDSITE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", Fixture::Get().Port(GetParam().port_key)), 0u) << c.Detail();
    EXPECT_EQ(c.Replies().rfind("220 ", 0), 0u);
    SECURITYINFO si = c.Security();
    EXPECT_TRUE(si.bTrustedSite);
    EXPECT_EQ(si.szFingerprint, mwtest::Fingerprint(Cert(std::string(GetParam().leaf) + ".pem")));
    EXPECT_TRUE(si.dwCertStatus & GetParam().bit);
}

INSTANTIATE_TEST_SUITE_P(
    Postfix, RealBadCertificate,
    ::testing::Values(
        BadPort{"MW_SMTPS_EXPIRED_PORT", "expired", SECURITY_CERT_EXPIRED},
        BadPort{"MW_SMTPS_WRONGHOST_PORT", "wronghost", SECURITY_CERT_UNEXPECTED_OWNER},
        BadPort{"MW_SMTPS_UNKNOWNCA_PORT", "unknownca", SECURITY_CERT_SIGNER_NOT_FOUND},
        BadPort{"MW_SMTPS_SELFSIGNED_PORT", "selfsigned", SECURITY_CERT_SIGNER_NOT_FOUND}),
    [](const auto &info) { return std::string(info.param.leaf); });

TEST(RealTls, ClientCertificateIsAcceptedByAServerThatRequiresOne)
{
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    Creds cr;
    cr.cert = Cert("client.pem");
    cr.key = Cert("client-key.pem");
    c.SetCredentials(cr.get());
    ASSERT_EQ(c.Connect("localhost", Fixture::Get().Port("MW_SMTPS_CLIENTCERT_PORT")), 0u)
        << c.Detail();
    EXPECT_EQ(c.Replies().rfind("220 ", 0), 0u) << c.Replies();
}

TEST(RealTls, ServerRequiringAClientCertificateRefusesOneWithout)
{
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT, 5000);
    TrustTestCa(c);
    // Postfix completes the handshake and then refuses in place of the greeting.
    ASSERT_EQ(c.Connect("localhost", Fixture::Get().Port("MW_SMTPS_CLIENTCERT_PORT")), 0u)
        << c.Detail();
    EXPECT_EQ(c.Replies().rfind("421 4.7.1", 0), 0u) << c.Replies();
    EXPECT_NE(c.Replies().find("No client certificate"), std::string::npos) << c.Replies();
}

TEST(RealTls, PostfixStartTlsUpgradesInPlaceAndEhloIsRepeated)
{
    TestClient c(MAILWIRE_OPTION_SECURE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", Fixture::Get().Port("MW_SMTP_PORT")), 0u) << c.Detail();
    ASSERT_EQ(c.Command("EHLO client.example\r\n"), 0u);
    EXPECT_NE(c.Replies().find("STARTTLS"), std::string::npos) << c.Replies();
    ASSERT_EQ(c.StartTls(), 0u) << c.Detail();
    EXPECT_TRUE(mw_session_is_tls(c.session()));
    EXPECT_TRUE(c.Security().bVerified);
    ASSERT_EQ(c.Command("EHLO client.example\r\n"), 0u) << c.Detail();
    std::string after = c.Replies().substr(c.Replies().rfind("220 "));
    EXPECT_EQ(after.find("STARTTLS"), std::string::npos)
        << "no STARTTLS offered over TLS: " << after;
    ASSERT_EQ(c.Command("QUIT\r\n"), 0u);
}

TEST(RealTls, SubmissionOffersAuthOnlyAfterStartTls)
{
    TestClient c(MAILWIRE_OPTION_SECURE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", Fixture::Get().Port("MW_SUBMISSION_PORT")), 0u) << c.Detail();
    ASSERT_EQ(c.Command("EHLO client.example\r\n"), 0u);
    std::string before = c.Replies();
    EXPECT_EQ(before.find("AUTH"), std::string::npos) << before;
    ASSERT_EQ(c.StartTls(), 0u) << c.Detail();
    ASSERT_EQ(c.Command("EHLO client.example\r\n"), 0u);
    std::string after = c.Replies().substr(before.size());
    EXPECT_NE(after.find("AUTH"), std::string::npos) << after;
}

TEST(RealTls, DovecotImapsGreeting)
{
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT, 5000, MWT_LE_LINES);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", Fixture::Get().Port("MW_IMAPS_PORT")), 0u) << c.Detail();
    EXPECT_EQ(c.Replies().rfind("* OK", 0), 0u) << c.Replies();
    EXPECT_TRUE(c.Security().bVerified);
    EXPECT_EQ(c.Security().szFingerprint, mwtest::Fingerprint(Cert("valid.pem")));
}

TEST(RealTls, DovecotImapStartTls)
{
    TestClient c(MAILWIRE_OPTION_SECURE, 5000, MWT_LE_LINES);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", Fixture::Get().Port("MW_IMAP_PORT")), 0u) << c.Detail();
    EXPECT_NE(c.Replies().find("STARTTLS"), std::string::npos) << c.Replies();
    ASSERT_EQ(c.StartTls("a1 STARTTLS\r\n"), 0u) << c.Detail();
    EXPECT_TRUE(c.Security().bVerified);
    mwt_le_command(&c.engine(), "a2 CAPABILITY\r\n", static_cast<size_t>(-1));
    mwt_le_expect(&c.engine(), 1); // untagged CAPABILITY + tagged OK
    ASSERT_EQ(mw_session_begin(c.session()), 0u);
    ASSERT_EQ(mw_client_run(c.session()), 0u) << c.Detail();
    EXPECT_NE(c.Replies().find("a2 OK"), std::string::npos) << c.Replies();
    EXPECT_NE(c.Replies().find("AUTH=PLAIN"), std::string::npos) << c.Replies();
}

// A message sent by SMTP reaches the Maildir Dovecot serves (Postfix -> LMTP -> Dovecot), so
// the SMTP and IMAP work can read back what it sends.
TEST(RealServers, SmtpDeliveryReachesTheMaildirThroughLmtp)
{
    const std::string token =
        "mw-fixture-" + std::to_string(mwt_getpid()) + "-" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    const std::string user = Fixture::Get().Value("MW_USER1");
    TestClient c(0);
    ASSERT_EQ(c.Connect("127.0.0.1", Fixture::Get().Port("MW_SMTP_PORT")), 0u) << c.Detail();
    for (const std::string &cmd : std::vector<std::string>{
             "EHLO client.example\r\n", "MAIL FROM:<sender@example.test>\r\n",
             "RCPT TO:<" + user + "@" + Fixture::Get().Value("MW_DOMAIN") + ">\r\n", "DATA\r\n",
             "Subject: " + token + "\r\n\r\nbody line\r\n.\r\n", "QUIT\r\n"})
        ASSERT_EQ(c.Command(cmd), 0u) << cmd << c.Detail();
    EXPECT_NE(c.Replies().find("354"), std::string::npos) << c.Replies();
    EXPECT_NE(c.Replies().find("250 2.0.0 Ok: queued"), std::string::npos) << c.Replies();

    const std::string dir = Fixture::Get().Value("MW_MAILDIR_ROOT") + "/" + user + "/Maildir/new";
    // Up to 60 s: other tests may have filled the queue with thousands of messages (the batch
    // tests send 1,200), which Postfix delivers first. Each file is read once, however many
    // rounds it takes.
    bool found = false;
    std::set<std::string> seen;
    for (int i = 0; i < 600 && !found; ++i) {
        std::error_code ec;
        for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
            const std::string name = e.path().filename().string();
            if (name[0] == '.' || !seen.insert(name).second)
                continue;
            std::ifstream f(e.path());
            std::stringstream ss;
            ss << f.rdbuf();
            if (ss.str().find("Subject: " + token) != std::string::npos)
                found = true;
        }
        if (!found)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(found) << "no message with " << token << " in " << dir;
}

} // namespace
