// TLS session resumption against the fake-server kit (security checklist item 20): a
// reconnect resumes with TLS 1.3 and TLS 1.2 tickets and still reports the certificate; each
// part of the cache key (port, host name, trust mode, CA file, pin, client certificate,
// priority, NORESUME) keeps a session from being offered; an unverified handshake is never
// stored; a TLS 1.3 ticket is used once; entries expire and the cache per key is bounded.
//
// Servers that should not resume a session they did not issue share one ticket key, so a
// session the client offers would be accepted: "not resumed" then means "not offered".
#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gnutls/gnutls.h>

#include "common/portable.h"
#include "common/test_client.hpp"
#include "common/tls_helpers.hpp"
#include "fake_server.hpp"
#include "ocsp_responses.hpp"
#include "test_certs.hpp"

extern "C" {
#include "core/net/tls_resume.h"
}

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;
using mwtest::TestClient;

const char kTls12[] = "NORMAL:-VERS-ALL:+VERS-TLS1.2";

// One ticket key for every server of a test.
std::string SharedTicketKey()
{
    static const std::string key = [] {
        gnutls_datum_t k{nullptr, 0};
        if (gnutls_session_ticket_key_generate(&k) < 0)
            return std::string();
        std::string s(reinterpret_cast<const char *>(k.data), k.size);
        gnutls_free(k.data);
        return s;
    }();
    return key;
}

// An implicit-TLS server issuing tickets, answering each of `conns` connections with a
// greeting and then waiting for the client to go.
FakeServerOptions Resuming(int conns, const std::string &leaf = "valid",
                           const std::string &priority = "NORMAL")
{
    FakeServerOptions o;
    o.implicit_tls = true;
    o.accept_count = conns;
    o.tls.cert_file = TestCertPath(leaf + ".pem");
    o.tls.key_file = TestCertPath(leaf + "-key.pem");
    o.tls.priority = priority;
    o.tls.session_tickets = true;
    o.tls.session_ticket_key = SharedTicketKey();
    o.timeout = std::chrono::milliseconds(5000);
    return o;
}

// A greeting, then the server waits for the client to go. The client is the one that closes:
// a server close racing the client's read of the greeting failed a first connection under
// Wine once (CONNECTION_CLOSED), and no test here is about a server that hangs up.
void Script(FakeServer &srv)
{
    srv.Send("220 hi\r\n").Stall().Start();
}

// A greeting, then a close: the server goes on to the next connection at once, while the
// client may still hold this one, unread (for the tests that keep several connections open).
void ScriptMovingOn(FakeServer &srv)
{
    srv.Send("220 hi\r\n").Close().Start();
}

// Read the greeting of a connection made with Connect(host, port, 0).
unsigned ReadGreeting(TestClient &c)
{
    mwt_le_expect(&c.engine(), 1);
    unsigned err = mw_session_begin(c.session());
    return err ? err : mw_client_run(c.session());
}

// Every test starts with an empty cache (ctest runs each in a process of its own; a plain run
// of the program does not).
class TlsResume : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        mw_global_lock();
        mw_tls_resume_flush_locked();
        mw_global_unlock();
        mw_tls_resume_set_lifetime(3600);
    }
};

struct Creds : mwtest::Creds {
    Creds() : mwtest::Creds(TestCertPath("ca.pem")) {}
};

// What one connection saw.
struct Seen {
    unsigned err = 0;
    SECURITYINFO si{};
    std::string detail;
    bool resumed() const
    {
        return err == 0 && si.bResumed != 0;
    }
};

// Connect (greeting read, so a TLS 1.3 ticket has arrived) and disconnect.
Seen Connect(const std::string &host, uint16_t port, uint32_t options, mwtest::Creds cr)
{
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT | options);
    Seen s;
    s.err = c.SetCredentials(cr.get());
    if (s.err == 0)
        s.err = c.Connect(host, port);
    s.si = c.Security();
    s.detail = c.Detail();
    return s;
}

Seen Connect(uint16_t port, uint32_t options = 0)
{
    return Connect("localhost", port, options, Creds());
}

TEST_F(TlsResume, Tls13ReconnectResumesAndStillReportsTheCertificate)
{
    FakeServer srv(Resuming(3));
    Script(srv);
    Seen first = Connect(srv.port());
    ASSERT_EQ(first.err, 0u) << first.detail;
    EXPECT_FALSE(first.si.bResumed);
    EXPECT_EQ(mw_tls_resume_count(), 1u) << "the ticket that came after the handshake is kept";
    Seen second = Connect(srv.port());
    ASSERT_EQ(second.err, 0u) << second.detail;
    EXPECT_TRUE(second.si.bResumed);
    EXPECT_EQ(second.si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS13);
    // The resumed session still names and vouches for the server.
    EXPECT_TRUE(second.si.bVerified);
    EXPECT_EQ(second.si.dwCertStatus, 0u);
    EXPECT_STREQ(second.si.szSubject, first.si.szSubject);
    EXPECT_EQ(second.si.szFingerprint, mwtest::Fingerprint(TestCertPath("valid.pem")));
    // The server agrees, and the resumed connection brought a fresh ticket for the next one.
    Seen third = Connect(srv.port());
    EXPECT_TRUE(third.resumed()) << third.detail;
    EXPECT_EQ(srv.resumed_handshakes(), 2);
}

TEST_F(TlsResume, SecurityInfoOfTheFirstVersionIsStillFilled)
{
    // A program built before bResumed existed passes the shorter size: it gets its members,
    // and nothing is written past them.
    FakeServer srv(Resuming(2));
    Script(srv);
    ASSERT_EQ(Connect(srv.port()).err, 0u);
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
    Creds cr;
    ASSERT_EQ(c.SetCredentials(cr.get()), 0u);
    ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    SECURITYINFO si;
    std::memset(&si, 0x5a, sizeof si);
    si.dwSize = static_cast<uint32_t>(offsetof(SECURITYINFO, bResumed));
    ASSERT_EQ(MailwireGetSecurityInfo(c.handle(), &si), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(si.dwSize, offsetof(SECURITYINFO, bResumed));
    EXPECT_TRUE(si.bVerified);
    EXPECT_EQ(si.szFingerprint, mwtest::Fingerprint(TestCertPath("valid.pem")));
    EXPECT_EQ(si.bResumed, 0x5a5a5a5a) << "past the caller's size: untouched";
    si.dwSize = sizeof si;
    ASSERT_EQ(MailwireGetSecurityInfo(c.handle(), &si), 0);
    EXPECT_EQ(si.bResumed, 1);
    si.dwSize = static_cast<uint32_t>(offsetof(SECURITYINFO, bResumed) - 1);
    EXPECT_EQ(MailwireGetSecurityInfo(c.handle(), &si), -1);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

TEST_F(TlsResume, Tls12TicketResumes)
{
    FakeServer srv(Resuming(3, "valid", kTls12));
    Script(srv);
    Seen first = Connect(srv.port());
    ASSERT_EQ(first.err, 0u) << first.detail;
    EXPECT_EQ(first.si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
    EXPECT_FALSE(first.si.bResumed);
    Seen second = Connect(srv.port());
    ASSERT_EQ(second.err, 0u) << second.detail;
    EXPECT_EQ(second.si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
    EXPECT_TRUE(second.si.bResumed);
    EXPECT_TRUE(second.si.bVerified);
    EXPECT_EQ(second.si.szFingerprint, mwtest::Fingerprint(TestCertPath("valid.pem")));
    EXPECT_TRUE(Connect(srv.port()).resumed());
    EXPECT_EQ(srv.resumed_handshakes(), 2);
    EXPECT_EQ(mw_tls_resume_count(), 1u) << "one reusable TLS 1.2 session per key";
}

TEST_F(TlsResume, NoResumeOptionNeitherOffersNorStores)
{
    FakeServer srv(Resuming(4));
    Script(srv);
    ASSERT_EQ(Connect(srv.port(), MAILWIRE_OPTION_NORESUME).err, 0u);
    EXPECT_EQ(mw_tls_resume_count(), 0u);
    ASSERT_EQ(Connect(srv.port()).err, 0u); // stores a ticket
    Seen s = Connect(srv.port(), MAILWIRE_OPTION_NORESUME);
    ASSERT_EQ(s.err, 0u) << s.detail;
    EXPECT_FALSE(s.si.bResumed);
    EXPECT_TRUE(Connect(srv.port()).resumed()) << "the ticket was left for the next connection";
    EXPECT_EQ(srv.resumed_handshakes(), 1);
}

TEST_F(TlsResume, AnotherPortDoesNotResume)
{
    FakeServer a(Resuming(2)), b(Resuming(1)); // same certificate, same ticket key
    Script(a);
    Script(b);
    ASSERT_EQ(Connect(a.port()).err, 0u);
    Seen other = Connect(b.port());
    ASSERT_EQ(other.err, 0u) << other.detail;
    EXPECT_FALSE(other.si.bResumed);
    EXPECT_TRUE(Connect(a.port()).resumed());
}

TEST_F(TlsResume, AnotherHostNameDoesNotResume)
{
    // valid.pem names localhost and 127.0.0.1: both verify, but they are two keys.
    FakeServer srv(Resuming(4));
    Script(srv);
    ASSERT_EQ(Connect("localhost", srv.port(), 0, Creds()).err, 0u);
    Seen ip = Connect("127.0.0.1", srv.port(), 0, Creds());
    ASSERT_EQ(ip.err, 0u) << ip.detail;
    EXPECT_FALSE(ip.si.bResumed);
    EXPECT_TRUE(Connect("LOCALHOST", srv.port(), 0, Creds()).resumed())
        << "host names compare without regard to case";
    EXPECT_TRUE(Connect("127.0.0.1", srv.port(), 0, Creds()).resumed());
}

TEST_F(TlsResume, TrustedSiteAndVerifiedSessionsAreKeptApart)
{
    FakeServer srv(Resuming(5));
    Script(srv);
    Creds pinned;
    pinned.pin = mwtest::Fingerprint(TestCertPath("valid.pem"));
    ASSERT_EQ(Connect(srv.port()).err, 0u); // verified: stored
    Seen ts = Connect("localhost", srv.port(), MAILWIRE_OPTION_TRUSTEDSITE, pinned);
    ASSERT_EQ(ts.err, 0u) << ts.detail;
    EXPECT_FALSE(ts.si.bResumed) << "a verified session is not offered under TRUSTEDSITE";
    EXPECT_TRUE(ts.si.bTrustedSite);
    // Each mode finds its own session.
    Seen v = Connect(srv.port());
    EXPECT_TRUE(v.resumed()) << v.detail;
    EXPECT_FALSE(v.si.bTrustedSite);
    EXPECT_TRUE(v.si.bVerified);
    Seen ts2 = Connect("localhost", srv.port(), MAILWIRE_OPTION_TRUSTEDSITE, pinned);
    EXPECT_TRUE(ts2.resumed()) << ts2.detail;
    EXPECT_TRUE(ts2.si.bTrustedSite);
    EXPECT_FALSE(ts2.si.bVerified);
}

TEST_F(TlsResume, UnpinnedTrustedSiteSessionsAreNeverStored)
{
    FakeServer srv(Resuming(2, "unknownca"));
    Script(srv);
    Seen a = Connect(srv.port(), MAILWIRE_OPTION_TRUSTEDSITE);
    ASSERT_EQ(a.err, 0u) << a.detail;
    EXPECT_EQ(mw_tls_resume_count(), 0u);
    Seen b = Connect(srv.port(), MAILWIRE_OPTION_TRUSTEDSITE);
    ASSERT_EQ(b.err, 0u) << b.detail;
    EXPECT_FALSE(b.si.bResumed);
}

TEST_F(TlsResume, FailedVerificationIsNeverStored)
{
    // TLS 1.2, whose session is complete (and would be stored) when the handshake ends: the
    // handshake fails inside GnuTLS (wrong host), or completes and then fails the pin check.
    FakeServer wrong(Resuming(1, "wronghost", kTls12));
    Script(wrong);
    EXPECT_EQ(Connect(wrong.port()).err, (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    FakeServer srv(Resuming(1, "valid", kTls12));
    Script(srv);
    Creds badpin;
    badpin.pin = mwtest::Fingerprint(TestCertPath("expired.pem"));
    EXPECT_EQ(Connect("localhost", srv.port(), 0, badpin).err,
              (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    EXPECT_EQ(mw_tls_resume_count(), 0u);
}

TEST_F(TlsResume, AnotherPinDoesNotResume)
{
    FakeServer srv(Resuming(3));
    Script(srv);
    Creds pinned;
    pinned.pin = mwtest::Fingerprint(TestCertPath("valid.pem"));
    ASSERT_EQ(Connect(srv.port()).err, 0u);
    Seen p = Connect("localhost", srv.port(), 0, pinned);
    ASSERT_EQ(p.err, 0u) << p.detail;
    EXPECT_FALSE(p.si.bResumed);
    EXPECT_TRUE(Connect(srv.port()).resumed());
}

// A file in a directory of the test's own, removed at the end.
struct TempDir {
    std::filesystem::path dir;
    TempDir()
    {
        char buf[1024];
        if (mwt_make_temp_dir("mw-resume-", buf, sizeof buf) == 0)
            dir = std::filesystem::u8path(buf);
    }
    ~TempDir()
    {
        std::error_code ec;
        if (!dir.empty())
            std::filesystem::remove_all(dir, ec);
    }
    std::string Copy(const std::string &from, const std::string &name)
    {
        std::filesystem::path to = dir / name;
        std::filesystem::copy_file(std::filesystem::u8path(from), to,
                                   std::filesystem::copy_options::overwrite_existing);
        return to.u8string();
    }
};

TEST_F(TlsResume, AnotherCaFileDoesNotResume)
{
    TempDir tmp;
    ASSERT_FALSE(tmp.dir.empty());
    // The same anchor under another name: the trust settings differ, the outcome would not.
    Creds other;
    other.ca = tmp.Copy(TestCertPath("ca.pem"), "other-ca.pem");
    FakeServer srv(Resuming(3));
    Script(srv);
    ASSERT_EQ(Connect(srv.port()).err, 0u);
    Seen o = Connect("localhost", srv.port(), 0, other);
    ASSERT_EQ(o.err, 0u) << o.detail;
    EXPECT_FALSE(o.si.bResumed);
    EXPECT_TRUE(Connect(srv.port()).resumed());
}

TEST_F(TlsResume, AnotherClientCertificateDoesNotResume)
{
    TempDir tmp;
    ASSERT_FALSE(tmp.dir.empty());
    FakeServerOptions o = Resuming(5);
    o.tls.client_ca_file = TestCertPath("client-ca.pem"); // asks for a certificate
    o.tls.send_ca_list = false;
    FakeServer srv(o);
    Script(srv);
    Creds cert;
    cert.cert = tmp.Copy(TestCertPath("client.pem"), "me.pem");
    cert.key = tmp.Copy(TestCertPath("client-key.pem"), "me-key.pem");
    ASSERT_EQ(Connect(srv.port()).err, 0u); // no client certificate: stored
    Seen c1 = Connect("localhost", srv.port(), 0, cert);
    ASSERT_EQ(c1.err, 0u) << c1.detail;
    EXPECT_FALSE(c1.si.bResumed) << "a session without a client certificate is not offered";
    Seen c2 = Connect("localhost", srv.port(), 0, cert);
    EXPECT_TRUE(c2.resumed()) << c2.detail;
    // Another certificate under the same file names: identified by content, not by name.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    tmp.Copy(TestCertPath("valid.pem"), "me.pem");
    tmp.Copy(TestCertPath("valid-key.pem"), "me-key.pem");
    Seen c3 = Connect("localhost", srv.port(), 0, cert);
    ASSERT_EQ(c3.err, 0u) << c3.detail;
    EXPECT_FALSE(c3.si.bResumed);
    EXPECT_TRUE(Connect(srv.port()).resumed());
}

TEST_F(TlsResume, FallbackPriorityDoesNotResume)
{
    FakeServer srv(Resuming(3, "valid", kTls12));
    Script(srv);
    ASSERT_EQ(Connect(srv.port()).err, 0u);
    Seen f = Connect(srv.port(), MAILWIRE_OPTION_SECURE_FALLBACK);
    ASSERT_EQ(f.err, 0u) << f.detail;
    EXPECT_FALSE(f.si.bResumed);
    EXPECT_TRUE(Connect(srv.port()).resumed());
}

TEST_F(TlsResume, Tls13TicketIsUsedOnce)
{
    FakeServer srv(Resuming(4));
    ScriptMovingOn(srv);
    ASSERT_EQ(Connect(srv.port()).err, 0u);
    ASSERT_EQ(mw_tls_resume_count(), 1u);
    // Two connections open at once: the first takes the only ticket; the second, made before
    // the first has read the ticket its server sent it, finds none and does a full handshake.
    TestClient a(MAILWIRE_OPTION_SECURE_IMPLICIT), b(MAILWIRE_OPTION_SECURE_IMPLICIT);
    Creds cr;
    ASSERT_EQ(a.SetCredentials(cr.get()), 0u);
    ASSERT_EQ(b.SetCredentials(cr.get()), 0u);
    ASSERT_EQ(a.Connect("localhost", srv.port(), 0), 0u) << a.Detail();
    EXPECT_TRUE(a.Security().bResumed);
    EXPECT_EQ(mw_tls_resume_count(), 0u) << "taken out of the cache";
    ASSERT_EQ(b.Connect("localhost", srv.port(), 0), 0u) << b.Detail();
    EXPECT_FALSE(b.Security().bResumed);
    // Once the first reads its greeting, the new ticket that came with it is there to use.
    ASSERT_EQ(ReadGreeting(a), 0u) << a.Detail();
    EXPECT_GE(mw_tls_resume_count(), 1u);
    EXPECT_TRUE(Connect(srv.port()).resumed());
    EXPECT_EQ(srv.resumed_handshakes(), 2);
}

TEST_F(TlsResume, EntriesExpire)
{
    mw_tls_resume_set_lifetime(1);
    FakeServer srv(Resuming(2));
    Script(srv);
    ASSERT_EQ(Connect(srv.port()).err, 0u);
    EXPECT_EQ(mw_tls_resume_count(), 1u);
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    EXPECT_EQ(mw_tls_resume_count(), 0u);
    Seen s = Connect(srv.port());
    mw_tls_resume_set_lifetime(3600);
    ASSERT_EQ(s.err, 0u) << s.detail;
    EXPECT_FALSE(s.si.bResumed);
}

TEST_F(TlsResume, TicketsPerServerAreBounded)
{
    FakeServer srv(Resuming(7));
    ScriptMovingOn(srv);
    // Six connections at once, none resuming; each then reads its ticket and stores it.
    std::vector<std::unique_ptr<TestClient>> clients;
    Creds cr;
    for (int i = 0; i < 6; ++i) {
        clients.push_back(std::make_unique<TestClient>(MAILWIRE_OPTION_SECURE_IMPLICIT));
        ASSERT_EQ(clients.back()->SetCredentials(cr.get()), 0u);
        ASSERT_EQ(clients.back()->Connect("localhost", srv.port(), 0), 0u);
        EXPECT_FALSE(clients.back()->Security().bResumed);
    }
    for (auto &c : clients)
        ASSERT_EQ(ReadGreeting(*c), 0u) << c->Detail();
    EXPECT_EQ(mw_tls_resume_count(), 4u) << "at most four tickets per server";
    EXPECT_TRUE(Connect(srv.port()).resumed());
}

// A must-staple certificate (RFC 7633) whose first handshake brought a good staple: the
// resumed connection carries no certificate exchange and so no staple, and still resumes
// (the staple was judged when the session was made; the cache forgets it within the hour).
TEST_F(TlsResume, MustStapleSessionResumesWithoutAStaple)
{
    mwtest::OcspSpec spec;
    spec.cert = TestCertPath("muststaple.pem");
    spec.issuer = spec.signer_cert = TestCertPath("ca.pem");
    spec.signer_key = TestCertPath("ca-key.pem");
    FakeServerOptions o = Resuming(2, "muststaple");
    o.tls.ocsp_response = mwtest::MakeOcspResponse(spec);
    FakeServer srv(o);
    Script(srv);
    Seen first = Connect(srv.port());
    ASSERT_EQ(first.err, 0u) << first.detail;
    EXPECT_EQ(first.si.dwOcspStatus, (uint32_t)SECURITY_OCSP_GOOD);
    Seen second = Connect(srv.port());
    ASSERT_EQ(second.err, 0u) << second.detail;
    EXPECT_TRUE(second.si.bResumed);
    EXPECT_TRUE(second.si.bVerified);
    EXPECT_EQ(second.si.dwCertStatus, 0u);
}

} // namespace
