// OCSP stapling against the scripted fake server (security checklist item 19): the client asks
// for a staple; a staple that is not a current, verified "good" for the server's certificate
// fails the handshake, and so does a must-staple certificate without one; SECURITYINFO tells
// what came. The responses are made at test time (ocsp_responses.hpp), in TLS 1.3 (staple in
// the Certificate message) and TLS 1.2 (CertificateStatus message).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/test_client.hpp"
#include "common/tls_helpers.hpp"
#include "fake_server.hpp"
#include "ocsp_responses.hpp"
#include "test_certs.hpp"

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::OcspSpec;
using mwtest::TestCertPath;
using mwtest::TestClient;

const char *const kVersions[] = {"NORMAL", "NORMAL:-VERS-ALL:+VERS-TLS1.2"};

// A response about `leaf`, signed by the test CA (which issued it): "good" unless changed.
OcspSpec Spec(const std::string &leaf = "valid")
{
    OcspSpec s;
    s.cert = TestCertPath(leaf + ".pem");
    s.issuer = TestCertPath("ca.pem");
    s.signer_cert = TestCertPath("ca.pem");
    s.signer_key = TestCertPath("ca-key.pem");
    return s;
}

FakeServerOptions Server(const std::string &leaf, const std::string &staple,
                         const std::string &priority)
{
    FakeServerOptions o;
    o.implicit_tls = true;
    o.tls.cert_file = TestCertPath(leaf + ".pem");
    o.tls.key_file = TestCertPath(leaf + "-key.pem");
    o.tls.priority = priority;
    o.tls.ocsp_response = staple;
    o.timeout = std::chrono::milliseconds(5000);
    return o;
}

struct Result {
    unsigned err;
    SECURITYINFO si;
    std::string detail;
};

Result Connect(const std::string &leaf, const std::string &staple, const std::string &priority,
               uint32_t extra_options = 0, const std::string &host = "localhost")
{
    FakeServer srv(Server(leaf, staple, priority));
    srv.Send("220 tls greeting\r\n").Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT | extra_options);
    mwtest::Creds cr(TestCertPath("ca.pem"));
    EXPECT_EQ(c.SetCredentials(cr.get()), 0u);
    Result r;
    r.err = c.Connect(host, srv.port());
    r.si = c.Security();
    r.detail = c.Detail();
    if (r.err == 0) {
        EXPECT_EQ(c.Replies(), "220 tls greeting\n");
    }
    return r;
}

// A rejection for the staple: the error, the status bits, the staple status, and the reason
// in words.
void ExpectRejected(const Result &r, uint32_t ocsp, unsigned cert_bit, const std::string &words,
                    const std::string &ctx)
{
    EXPECT_EQ(r.err, (unsigned)ST_ERROR_CERTIFICATE_REJECTED) << ctx << ": " << r.detail;
    EXPECT_EQ(r.si.dwOcspStatus, ocsp) << ctx;
    EXPECT_TRUE(r.si.dwCertStatus & SECURITY_CERT_INVALID) << ctx;
    EXPECT_TRUE(r.si.dwCertStatus & cert_bit) << ctx << ": 0x" << std::hex << r.si.dwCertStatus;
    EXPECT_FALSE(r.si.bVerified) << ctx;
    EXPECT_NE(r.detail.find(words), std::string::npos) << ctx << ": " << r.detail;
}

TEST(TlsOcsp, GoodStapleConnectsAndIsReported)
{
    std::string staple = mwtest::MakeOcspResponse(Spec());
    for (const char *prio : kVersions) {
        Result r = Connect("valid", staple, prio);
        ASSERT_EQ(r.err, 0u) << prio << ": " << r.detail;
        EXPECT_EQ(r.si.dwOcspStatus, (uint32_t)SECURITY_OCSP_GOOD) << prio;
        EXPECT_EQ(r.si.dwCertStatus, 0u) << prio;
        EXPECT_TRUE(r.si.bVerified) << prio;
    }
}

TEST(TlsOcsp, NoStapleOnAnOrdinaryCertificateIsFine)
{
    for (const char *prio : kVersions) {
        Result r = Connect("valid", "", prio);
        ASSERT_EQ(r.err, 0u) << prio << ": " << r.detail;
        EXPECT_EQ(r.si.dwOcspStatus, (uint32_t)SECURITY_OCSP_NONE) << prio;
        EXPECT_TRUE(r.si.bVerified) << prio;
    }
}

TEST(TlsOcsp, RevokedStapleFailsTheHandshake)
{
    OcspSpec s = Spec();
    s.cert_status = 1;
    std::string staple = mwtest::MakeOcspResponse(s);
    for (const char *prio : kVersions)
        ExpectRejected(Connect("valid", staple, prio), SECURITY_OCSP_REVOKED, SECURITY_CERT_REVOKED,
                       "revoked", prio);
}

TEST(TlsOcsp, RevokedStapleFailsForAnIpLiteralToo)
{
    OcspSpec s = Spec();
    s.cert_status = 1;
    ExpectRejected(Connect("valid", mwtest::MakeOcspResponse(s), "NORMAL", 0, "127.0.0.1"),
                   SECURITY_OCSP_REVOKED, SECURITY_CERT_REVOKED, "revoked", "ip");
    ExpectRejected(Connect("muststaple", "", "NORMAL", 0, "127.0.0.1"), SECURITY_OCSP_MISSING,
                   SECURITY_CERT_OCSP_PROBLEM, "must-staple", "ip must-staple");
}

TEST(TlsOcsp, StapleSignedWithAWrongKeyFails)
{
    OcspSpec s = Spec();
    s.signer_key = TestCertPath("other-ca-key.pem"); // names the CA, signed by another key
    std::string staple = mwtest::MakeOcspResponse(s);
    for (const char *prio : kVersions)
        ExpectRejected(Connect("valid", staple, prio), SECURITY_OCSP_INVALID,
                       SECURITY_CERT_OCSP_PROBLEM, "OCSP staple is invalid", prio);
}

TEST(TlsOcsp, StapleFromAnUnauthorisedResponderFails)
{
    // Signed by a CA that did not issue the certificate and was not delegated by its issuer
    // (RFC 6960 section 4.2.2.2), its certificate included.
    OcspSpec s = Spec();
    s.signer_cert = TestCertPath("other-ca.pem");
    s.signer_key = TestCertPath("other-ca-key.pem");
    s.include_signer_cert = true;
    std::string staple = mwtest::MakeOcspResponse(s);
    for (const char *prio : kVersions)
        ExpectRejected(Connect("valid", staple, prio), SECURITY_OCSP_INVALID,
                       SECURITY_CERT_OCSP_PROBLEM, "OCSP staple is invalid", prio);
}

TEST(TlsOcsp, StapleForAnotherCertificateFails)
{
    std::string staple = mwtest::MakeOcspResponse(Spec("valid2")); // "good", but for valid2
    for (const char *prio : kVersions)
        ExpectRejected(Connect("valid", staple, prio), SECURITY_OCSP_WRONG_CERT,
                       SECURITY_CERT_OCSP_PROBLEM, "another certificate", prio);
}

TEST(TlsOcsp, ExpiredStapleFails)
{
    OcspSpec s = Spec();
    s.this_update = -3 * 86400;
    s.next_update = -86400; // past its nextUpdate: GnuTLS alone would let it pass
    std::string staple = mwtest::MakeOcspResponse(s);
    for (const char *prio : kVersions)
        ExpectRejected(Connect("valid", staple, prio), SECURITY_OCSP_EXPIRED,
                       SECURITY_CERT_OCSP_PROBLEM, "out of date", prio);
}

TEST(TlsOcsp, TooOldStapleWithoutNextUpdateFails)
{
    OcspSpec s = Spec();
    s.this_update = -60L * 86400;
    s.next_update = std::nullopt;
    ExpectRejected(Connect("valid", mwtest::MakeOcspResponse(s), "NORMAL"), SECURITY_OCSP_EXPIRED,
                   SECURITY_CERT_OCSP_PROBLEM, "out of date", "old");
}

TEST(TlsOcsp, UnknownStapleFails)
{
    OcspSpec s = Spec();
    s.cert_status = 2;
    ExpectRejected(Connect("valid", mwtest::MakeOcspResponse(s), "NORMAL"), SECURITY_OCSP_UNKNOWN,
                   SECURITY_CERT_OCSP_PROBLEM, "unknown", "unknown");
}

TEST(TlsOcsp, ErrorResponsesFail)
{
    // RFC 6960 section 4.2.1: tryLater (3) and unauthorized (6) carry no statement.
    for (int status : {3, 6}) {
        OcspSpec s = Spec();
        s.response_status = status;
        std::string staple = mwtest::MakeOcspResponse(s);
        for (const char *prio : kVersions)
            ExpectRejected(Connect("valid", staple, prio), SECURITY_OCSP_ERROR_STATUS,
                           SECURITY_CERT_OCSP_PROBLEM, "error response",
                           std::string(prio) + " status " + std::to_string(status));
    }
}

TEST(TlsOcsp, GarbageStapleFails)
{
    ExpectRejected(Connect("valid", std::string("\x30\x03\x0a\x01", 4), "NORMAL"),
                   SECURITY_OCSP_INVALID, SECURITY_CERT_OCSP_PROBLEM, "OCSP staple is invalid",
                   "garbage");
}

TEST(TlsOcsp, MustStapleWithoutStapleFails)
{
    for (const char *prio : kVersions)
        ExpectRejected(Connect("muststaple", "", prio), SECURITY_OCSP_MISSING,
                       SECURITY_CERT_OCSP_PROBLEM, "must-staple", prio);
}

TEST(TlsOcsp, MustStapleWithAGoodStapleConnects)
{
    std::string staple = mwtest::MakeOcspResponse(Spec("muststaple"));
    for (const char *prio : kVersions) {
        Result r = Connect("muststaple", staple, prio);
        ASSERT_EQ(r.err, 0u) << prio << ": " << r.detail;
        EXPECT_EQ(r.si.dwOcspStatus, (uint32_t)SECURITY_OCSP_GOOD) << prio;
    }
}

TEST(TlsOcsp, TrustedSiteReportsTheStapleButDoesNotEnforceIt)
{
    OcspSpec s = Spec();
    s.cert_status = 1;
    Result r = Connect("valid", mwtest::MakeOcspResponse(s), "NORMAL", MAILWIRE_OPTION_TRUSTEDSITE);
    ASSERT_EQ(r.err, 0u) << r.detail;
    EXPECT_TRUE(r.si.bTrustedSite);
    EXPECT_FALSE(r.si.bVerified);
    EXPECT_EQ(r.si.dwOcspStatus, (uint32_t)SECURITY_OCSP_REVOKED);
    EXPECT_TRUE(r.si.dwCertStatus & SECURITY_CERT_REVOKED);
    r = Connect("muststaple", "", "NORMAL", MAILWIRE_OPTION_TRUSTEDSITE);
    ASSERT_EQ(r.err, 0u) << r.detail;
    EXPECT_EQ(r.si.dwOcspStatus, (uint32_t)SECURITY_OCSP_MISSING);
}

} // namespace
