// Transport and TLS behaviour against the scripted fake server: certificate matrix, trusted
// site and pinning, legacy fallback, client certificates, STARTTLS in place and response
// injection, truncation, plaintext instead of a ServerHello, and the trace redaction.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gnutls/gnutls.h>

#include <string>

#include "common/portable.h"
#include "common/test_client.hpp"
#include "common/tls_helpers.hpp"
#include "fake_server.hpp"
#include "test_certs.hpp"

extern "C" {
#include "core/net/tls.h"
}

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;
using mwtest::TestClient;

FakeServerOptions Tls(const std::string &leaf, bool implicit = true)
{
    FakeServerOptions o;
    o.implicit_tls = implicit;
    o.tls.cert_file = TestCertPath(leaf + ".pem");
    o.tls.key_file = TestCertPath(leaf + "-key.pem");
    o.timeout = std::chrono::milliseconds(5000);
    return o;
}

// Credentials that trust the test CA.
struct Creds : mwtest::Creds {
    Creds() : mwtest::Creds(TestCertPath("ca.pem")) {}
};

using mwtest::Fingerprint;

// The common case: trust the test CA, nothing else (the session copies the strings).
void TrustTestCa(TestClient &c)
{
    Creds cr;
    ASSERT_EQ(c.SetCredentials(cr.get()), 0u);
}

TEST(Tls, ValidCertificateConnectsAndReportsTheSession)
{
    FakeServer srv(Tls("valid"));
    srv.Send("220 tls greeting\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    EXPECT_EQ(c.Replies(), "220 tls greeting\n");
    SECURITYINFO si = c.Security();
    EXPECT_EQ(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS13);
    EXPECT_STREQ(si.szProtocol, "TLS1.3");
    EXPECT_NE(std::string(si.szCipherSuite), "");
    EXPECT_TRUE(si.bVerified);
    EXPECT_FALSE(si.bTrustedSite);
    EXPECT_EQ(si.dwCertStatus, 0u);
    EXPECT_NE(std::string(si.szSubject).find("localhost"), std::string::npos) << si.szSubject;
    EXPECT_NE(std::string(si.szIssuer).find("mailwire test CA"), std::string::npos) << si.szIssuer;
    EXPECT_EQ(si.szFingerprint, Fingerprint(TestCertPath("valid.pem")));
    EXPECT_GT(si.tNotAfter, si.tNotBefore);
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_CONNECT, ST_ERROR_NONE));
}

// The client offers one TLS 1.3 key share (X25519); a server that has only P-256 asks for it
// with a HelloRetryRequest (RFC 8446 section 4.1.4) and the handshake still succeeds.
TEST(Tls, ServerWithoutX25519GetsItsGroupAfterARetry)
{
    FakeServerOptions o = Tls("valid");
    o.tls.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-SECP256R1";
    FakeServer srv(o);
    srv.Send("220 p-256 only\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    EXPECT_EQ(c.Replies(), "220 p-256 only\n");
    EXPECT_STREQ(c.Security().szProtocol, "TLS1.3");
}

TEST(Tls, IpLiteralIsCheckedAgainstTheIpSan)
{
    FakeServer srv(Tls("valid"));
    srv.Send("220 hi\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u) << c.Detail();
    EXPECT_TRUE(c.Security().bVerified);
}

TEST(Tls, IpLiteralNotInTheCertificateIsRejected)
{
    // wronghost.pem carries neither a localhost nor an IP SAN.
    FakeServer srv(Tls("wronghost"));
    srv.Send("220 hi\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    EXPECT_TRUE(c.Security().dwCertStatus & SECURITY_CERT_UNEXPECTED_OWNER);
}

TEST(Tls, IpLiteralStillNeedsTheServerKeyPurpose)
{
    FakeServer srv(Tls("noserverauth"));
    srv.Send("220 hi\r\n").Stall().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    EXPECT_TRUE(c.Security().dwCertStatus & SECURITY_CERT_PURPOSE_MISMATCH);
}

struct BadCert {
    const char *leaf;
    unsigned bit;
};

void PrintTo(const BadCert &b, std::ostream *os)
{
    *os << b.leaf;
}

class BadCertificate : public ::testing::TestWithParam<BadCert>
{
};

TEST_P(BadCertificate, FailsWithTheReasonAndSendsNothing)
{
    FakeServer srv(Tls(GetParam().leaf));
    srv.Send("220 must never be seen\r\n").Stall().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    SECURITYINFO si = c.Security();
    EXPECT_TRUE(si.dwCertStatus & SECURITY_CERT_INVALID);
    EXPECT_TRUE(si.dwCertStatus & GetParam().bit) << std::hex << si.dwCertStatus;
    EXPECT_FALSE(si.bVerified);
    EXPECT_NE(std::string(si.szStatusText), "");
    EXPECT_NE(c.Detail().find("rejected"), std::string::npos) << c.Detail();
    EXPECT_EQ(c.Replies(), "") << "nothing from an unverified server is taken";
    EXPECT_EQ(mw_session_phase(c.session()), MW_PH_CLOSED);
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_CONNECT, ST_ERROR_CERTIFICATE_REJECTED));
}

INSTANTIATE_TEST_SUITE_P(Matrix, BadCertificate,
                         ::testing::Values(BadCert{"expired", SECURITY_CERT_EXPIRED},
                                           BadCert{"notyetvalid", SECURITY_CERT_NOT_ACTIVATED},
                                           BadCert{"wronghost", SECURITY_CERT_UNEXPECTED_OWNER},
                                           BadCert{"selfsigned", SECURITY_CERT_SIGNER_NOT_FOUND},
                                           BadCert{"unknownca", SECURITY_CERT_SIGNER_NOT_FOUND},
                                           BadCert{"noserverauth", SECURITY_CERT_PURPOSE_MISMATCH},
                                           BadCert{"weakkey", SECURITY_CERT_INSECURE_ALGORITHM},
                                           BadCert{"sha1", SECURITY_CERT_INSECURE_ALGORITHM}),
                         [](const auto &info) { return std::string(info.param.leaf); });

class TrustedSite : public ::testing::TestWithParam<BadCert>
{
};

TEST_P(TrustedSite, ConnectsEncryptedAndReportsFingerprintAndStatus)
{
    FakeServer srv(Tls(GetParam().leaf));
    srv.Send("220 trusted\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT | MAILWIRE_OPTION_TRUSTEDSITE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    SECURITYINFO si = c.Security();
    EXPECT_TRUE(si.bTrustedSite);
    EXPECT_FALSE(si.bVerified);
    EXPECT_NE(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_NONE) << "still encrypted";
    EXPECT_EQ(si.szFingerprint, Fingerprint(TestCertPath(std::string(GetParam().leaf) + ".pem")));
    EXPECT_TRUE(si.dwCertStatus & GetParam().bit) << "the reason is still reported";
}

INSTANTIATE_TEST_SUITE_P(Matrix, TrustedSite,
                         ::testing::Values(BadCert{"expired", SECURITY_CERT_EXPIRED},
                                           BadCert{"wronghost", SECURITY_CERT_UNEXPECTED_OWNER},
                                           BadCert{"selfsigned", SECURITY_CERT_SIGNER_NOT_FOUND},
                                           BadCert{"unknownca", SECURITY_CERT_SIGNER_NOT_FOUND}),
                         [](const auto &info) { return std::string(info.param.leaf); });

TEST(Tls, PinnedFingerprintAcceptsOnlyThatCertificate)
{
    {
        FakeServer srv(Tls("selfsigned"));
        srv.Send("220 pinned\r\n").Start();
        TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT | MAILWIRE_OPTION_TRUSTEDSITE);
        Creds cr;
        cr.pin = Fingerprint(TestCertPath("selfsigned.pem"));
        c.SetCredentials(cr.get());
        EXPECT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    }
    {
        FakeServer srv(Tls("unknownca"));
        srv.Send("220 other\r\n").Stall().Start();
        TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT | MAILWIRE_OPTION_TRUSTEDSITE);
        Creds cr;
        cr.pin = Fingerprint(TestCertPath("selfsigned.pem"));
        c.SetCredentials(cr.get());
        EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
        EXPECT_TRUE(c.Security().dwCertStatus & SECURITY_CERT_PIN_MISMATCH);
        EXPECT_EQ(c.Replies(), "");
    }
    {
        // A pin also applies to a certificate that verifies.
        FakeServer srv(Tls("valid"));
        srv.Send("220 valid\r\n").Stall().Start();
        TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
        Creds cr;
        cr.pin = Fingerprint(TestCertPath("selfsigned.pem"));
        c.SetCredentials(cr.get());
        EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    }
}

TEST(Tls, MalformedPinIsAnInvalidArgument)
{
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    Creds cr;
    cr.pin = "not-hex";
    EXPECT_EQ(c.SetCredentials(cr.get()), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

TEST(Tls, Tls10OnlyServerFailsByDefaultAndWorksWithFallback)
{
    FakeServerOptions o = Tls("valid");
    o.tls.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.0";
    {
        // A failed handshake ends a fake server's script: one server per attempt.
        FakeServer srv(o);
        srv.Send("220 legacy\r\n").Start();
        TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
        TrustTestCa(c);
        EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_TLS_HANDSHAKE_FAILED)
            << c.Detail();
    }
    FakeServer srv(o);
    srv.Send("220 legacy\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT | MAILWIRE_OPTION_SECURE_FALLBACK);
    TrustTestCa(c);
    unsigned err = c.Connect("localhost", srv.port());
    if (!mw_tls_legacy_available()) {
        // The system's GnuTLS policy removed TLS 1.0: the error says so.
        EXPECT_EQ(err, (unsigned)ST_ERROR_TLS_LEGACY_UNAVAILABLE) << c.Detail();
        return;
    }
    ASSERT_EQ(err, 0u) << c.Detail() << " / server: " << srv.tls_error();
    EXPECT_EQ(c.Security().dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS10);
    EXPECT_TRUE(c.Security().bVerified) << "certificate checks stay on in fallback mode";
}

TEST(Tls, FallbackStillRejectsBadCertificates)
{
    FakeServer srv(Tls("expired"));
    srv.Send("220 x\r\n").Stall().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT | MAILWIRE_OPTION_SECURE_FALLBACK);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
}

FakeServerOptions ClientCertServer()
{
    FakeServerOptions o = Tls("valid");
    o.tls.require_client_cert = true;
    o.tls.client_ca_file = TestCertPath("client-ca.pem");
    return o;
}

TEST(Tls, ClientCertificateFromPemIsAccepted)
{
    FakeServer srv(ClientCertServer());
    srv.Send("220 hello client\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    Creds cr;
    cr.cert = TestCertPath("client.pem");
    cr.key = TestCertPath("client-key.pem");
    c.SetCredentials(cr.get());
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_TRUE(srv.client_cert_seen());
}

TEST(Tls, ClientCertificateFromPkcs12IsAccepted)
{
    FakeServer srv(ClientCertServer());
    srv.Send("220 hello p12\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    Creds cr;
    cr.cert = TestCertPath("client.p12");
    cr.pass = "p12pass";
    c.SetCredentials(cr.get());
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    EXPECT_TRUE(srv.client_cert_seen());
}

TEST(Tls, WrongPkcs12PasswordIsACredentialsError)
{
    FakeServer srv(ClientCertServer());
    srv.Stall().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    Creds cr;
    cr.cert = TestCertPath("client.p12");
    cr.pass = "wrong";
    c.SetCredentials(cr.get());
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_CREDENTIALS);
    EXPECT_NE(c.Detail().find("client.p12"), std::string::npos) << c.Detail();
}

TEST(Tls, ServerRequiringACertificateRefusesAClientWithout)
{
    FakeServer srv(ClientCertServer());
    srv.Send("220 never\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    unsigned err = c.Connect("localhost", srv.port());
    // TLS 1.3 reports the refusal after the client's Finished, as an alert or a close.
    EXPECT_TRUE(err == ST_ERROR_TLS_HANDSHAKE_FAILED || err == ST_ERROR_PROTOCOL_VIOLATION ||
                err == ST_ERROR_CONNECTION_CLOSED)
        << err << " " << c.Detail();
    EXPECT_EQ(c.Replies(), "");
}

TEST(Tls, PlaintextInsteadOfServerHelloFails)
{
    FakeServerOptions o;
    FakeServer srv(o);
    srv.SendRaw("220 plaintext greeting where a ServerHello belongs\r\n").Stall().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_TLS_HANDSHAKE_FAILED);
    EXPECT_EQ(c.Replies(), "");
}

TEST(Tls, AlertDuringHandshakeNamesTheAlert)
{
    FakeServer srv;
    srv.ReadBytes(5).SendTlsAlert(40).Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_TLS_HANDSHAKE_FAILED);
    EXPECT_NE(c.Detail().find("alert"), std::string::npos) << c.Detail();
}

TEST(Tls, ResetDuringTheHandshakeIsAnError)
{
    FakeServer srv;
    srv.ReadBytes(5).Reset().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    unsigned err = c.Connect("localhost", srv.port());
    EXPECT_TRUE(err == ST_ERROR_CONNECTION_CLOSED || err == ST_ERROR_TLS_HANDSHAKE_FAILED)
        << MailwireGetErrorString(err) << ": " << c.Detail();
    EXPECT_EQ(c.Replies(), "");
}

TEST(Tls, RenegotiationRequestIsRefusedAndTheSessionGoesOn)
{
    // TLS 1.2 only: TLS 1.3 has no renegotiation (security checklist item 22). A server without
    // RFC 5746 secure renegotiation is refused; one with it is followed
    // (test_tls_renegotiation.cpp).
    FakeServerOptions o = Tls("valid");
    o.tls.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2:%DISABLE_SAFE_RENEGOTIATION";
    FakeServer srv(o);
    srv.Send("220-first half\r\n")
        .Call([](mwtest::Conn &conn) {
            int rc = gnutls_rehandshake(conn.tls_session());
            if (rc < 0)
                conn.Fail(std::string("gnutls_rehandshake: ") + gnutls_strerror(rc));
        })
        .Sleep(100)
        .Send("220 second half\r\n")
        .Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    EXPECT_EQ(c.Replies(), "220-first half\n220 second half\n");
    EXPECT_EQ(c.Security().dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
    EXPECT_EQ(srv.error(), "");
}

TEST(Tls, TruncationWithoutCloseNotifyIsAnError)
{
    FakeServer srv(Tls("valid"));
    srv.Send("220-first line of a reply that never ends\r\n").CloseWithoutCloseNotify().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_TLS_TRUNCATED) << c.Detail();
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_DISCONNECT, ST_ERROR_TLS_TRUNCATED));
}

TEST(Tls, CloseNotifyMidReplyIsAClosedConnectionNotSuccess)
{
    FakeServer srv(Tls("valid"));
    srv.Send("220-partial\r\n").Close().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    TrustTestCa(c);
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_CONNECTION_CLOSED);
}

// ---- STARTTLS in place ---------------------------------------------------------------------

FakeServerOptions StartTlsServer()
{
    FakeServerOptions o = Tls("valid", false);
    return o;
}

TEST(StartTls, UpgradesTheSameConnectionAndForgetsPlaintextState)
{
    FakeServer srv(StartTlsServer());
    srv.Send("220 plain greeting\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 go ahead\r\n")
        .StartTls()
        .ExpectLine("EHLO")
        .Send("250 protected\r\n")
        .Start();
    TestClient c(MAILWIRE_OPTION_SECURE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    EXPECT_FALSE(mw_session_is_tls(c.session()));
    ASSERT_EQ(c.StartTls(), 0u) << c.Detail();
    EXPECT_TRUE(mw_session_is_tls(c.session()));
    EXPECT_EQ(c.engine().tls_started_count, 1) << "the engine was told to forget pre-TLS state";
    ASSERT_EQ(c.Command("EHLO client\r\n"), 0u) << c.Detail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    EXPECT_TRUE(srv.handshake_done());
    EXPECT_EQ(c.Replies(), "220 plain greeting\n220 go ahead\n250 protected\n");
    EXPECT_EQ(c.Security().dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS13);
}

TEST(StartTls, BytesInjectedAfterTheGoAheadInOneSegmentAreAViolation)
{
    FakeServer srv(StartTlsServer());
    srv.Send("220 plain\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 go ahead\r\n250-AUTH PLAIN\r\n250 injected\r\n")
        .Stall()
        .Start();
    TestClient c(MAILWIRE_OPTION_SECURE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u);
    EXPECT_EQ(c.StartTls(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
    EXPECT_NE(c.Detail().find("STARTTLS"), std::string::npos) << c.Detail();
    EXPECT_EQ(c.Replies(), "220 plain\n220 go ahead\n")
        << "the injected lines never reach the engine";
    EXPECT_FALSE(srv.client_hello_seen());
    // Nothing after STARTTLS: no ClientHello, no command.
    EXPECT_EQ(srv.received(), "STARTTLS\r\n");
}

TEST(StartTls, BytesInjectedInALaterSegmentBreakTheHandshake)
{
    FakeServer srv(StartTlsServer());
    srv.Send("220 plain\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 go ahead\r\n")
        .Sleep(100)
        .SendRaw("250 injected after the go-ahead\r\n")
        .Stall()
        .Start();
    TestClient c(MAILWIRE_OPTION_SECURE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u);
    EXPECT_EQ(c.StartTls(), (unsigned)ST_ERROR_TLS_HANDSHAKE_FAILED) << c.Detail();
    EXPECT_EQ(c.Replies().find("injected"), std::string::npos);
}

TEST(StartTls, GoAheadSplitByteByByteStillWorks)
{
    FakeServer srv(StartTlsServer());
    srv.SendBytewise("220 plain\r\n")
        .ExpectLine("STARTTLS")
        .SendBytewise("220 go ahead\r\n")
        .StartTls()
        .Send("220 tls\r\n")
        .Start();
    TestClient c(MAILWIRE_OPTION_SECURE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u);
    ASSERT_EQ(c.StartTls(), 0u) << c.Detail();
    mwt_le_expect(&c.engine(), 1);
    ASSERT_EQ(mw_session_begin(c.session()), 0u);
    ASSERT_EQ(mw_client_run(c.session()), 0u) << c.Detail();
    EXPECT_EQ(c.Replies(), "220 plain\n220 go ahead\n220 tls\n");
}

TEST(StartTls, BadCertificateAfterStartTlsIsRejected)
{
    FakeServer srv(Tls("wronghost", false));
    srv.Send("220 plain\r\n").ExpectLine("STARTTLS").Send("220 go\r\n").StartTls().Stall().Start();
    TestClient c(MAILWIRE_OPTION_SECURE);
    TrustTestCa(c);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u);
    EXPECT_EQ(c.StartTls(), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    EXPECT_TRUE(c.Security().dwCertStatus & SECURITY_CERT_UNEXPECTED_OWNER);
}

// ---- trace ---------------------------------------------------------------------------------

TEST(Trace, SecretsAreRedactedButSentIntact)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("AUTH PLAIN").Send("235 ok\r\n").Start();
    TestClient c(0);
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    const std::string cmd = "AUTH PLAIN AGFsaWNlAHMzY3JldC1wYXNzd29yZA==\r\n";
    ASSERT_EQ(c.Command(cmd, 11), 0u);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_NE(srv.received().find(cmd), std::string::npos) << "the server got the real bytes";
    const std::string &t = c.TraceText();
    EXPECT_EQ(t.find("AGFsaWNlAHMzY3JldC1wYXNzd29yZA"), std::string::npos) << t;
    EXPECT_NE(t.find("S: AUTH PLAIN <redacted"), std::string::npos) << t;
    EXPECT_NE(t.find("R: 235 ok"), std::string::npos) << t;
    EXPECT_NE(t.find("phase CONNECTING -> OPEN"), std::string::npos) << t;
}

struct PublicTrace {
    std::string text;
    HCLIENT handle = INVALID_CLIENT;
};

void MAILWIRE_CALLBACK RecordTrace(HCLIENT h, unsigned dir, const char *data, size_t len,
                                   void *user)
{
    auto *t = static_cast<PublicTrace *>(user);
    t->handle = h;
    t->text += static_cast<char>(dir);
    t->text += ": ";
    t->text.append(data, len);
}

// The application's trace: set on a handle, and as the default a blocking connect inherits.
// Secrets are redacted for it exactly as for the internal trace.
TEST(Trace, PublicTraceSeesTheDialogueWithSecretsRedacted)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("AUTH PLAIN").Send("235 ok\r\n").Start();
    PublicTrace from_default;
    MailwireSetDefaultTrace(RecordTrace, &from_default);
    TestClient c(0);
    MailwireSetDefaultTrace(nullptr, nullptr);
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    const std::string cmd = "AUTH PLAIN AGFsaWNlAHMzY3JldC1wYXNzd29yZA==\r\n";
    ASSERT_EQ(c.Command(cmd, 11), 0u);
    EXPECT_EQ(from_default.handle, c.handle());
    EXPECT_NE(from_default.text.find("R: 220 hi"), std::string::npos) << from_default.text;
    EXPECT_NE(from_default.text.find("S: AUTH PLAIN <redacted"), std::string::npos);
    EXPECT_EQ(from_default.text.find("AGFsaWNl"), std::string::npos) << from_default.text;
    // Switched off per handle.
    ASSERT_EQ(MailwireSetTrace(c.handle(), nullptr, nullptr), 0);
    size_t before = from_default.text.size();
    mwt_le_command(&c.engine(), "NOOP\r\n", static_cast<size_t>(-1));
    EXPECT_EQ(mw_session_begin(c.session()), 0u);
    mw_client_run(c.session()); // the script has ended: the result does not matter here
    EXPECT_EQ(from_default.text.size(), before);
    // A session created after the default was cleared has no trace.
    EXPECT_EQ(MailwireSetTrace(INVALID_CLIENT, RecordTrace, nullptr), MAILWIRE_ERROR);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
}

TEST(Trace, FileTraceWritesOneLinePerProtocolLine)
{
    char dir[1024];
    ASSERT_EQ(mwt_make_temp_dir("mw-trace-", dir, sizeof dir), 0);
    const std::string path_s = std::string(dir) + "/trace.txt";
    const char *path = path_s.c_str();
    FakeServer srv;
    srv.Send("220-first\r\n220 second\r\n").ExpectLine("AUTH LOGIN").Send("235 ok\r\n").Start();
    ASSERT_EQ(MailwireEnableTrace(path, 0), 0);
    {
        TestClient c(0);
        ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
        ASSERT_EQ(c.Command("AUTH LOGIN c2VjcmV0\r\n", 11), 0u);
        ASSERT_EQ(MailwireEnableTrace(nullptr, 0), 0); // closes the file for every session
        c.Command("NOOP\r\n");                         // not traced any more
    }
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string t = ss.str();
    in.close();
    std::remove(path);
    std::filesystem::remove(std::filesystem::u8path(dir));
    EXPECT_NE(t.find(" S: 220-first\n"), std::string::npos) << t;
    EXPECT_NE(t.find(" S: 220 second\n"), std::string::npos) << t;
    EXPECT_NE(t.find(" C: AUTH LOGIN <redacted"), std::string::npos) << t;
    EXPECT_EQ(t.find("c2VjcmV0"), std::string::npos) << t;
    EXPECT_EQ(t.find("NOOP"), std::string::npos) << t;
    EXPECT_EQ(MailwireEnableTrace("/nonexistent-dir/x", 0), MAILWIRE_ERROR);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_FILE);
    EXPECT_EQ(MailwireEnableTrace(nullptr, 1), MAILWIRE_ERROR);
}

} // namespace
