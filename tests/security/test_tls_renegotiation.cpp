// Keys and handshakes changing under a long IDLE or transfer (security checklist item 22),
// against the scripted fake server: TLS 1.3 KeyUpdate (with and without update_requested,
// RFC 8446 section 4.6.3) and TLS 1.2 renegotiation (RFC 5246 section 7.4.1.1) in the middle
// of an IMAP IDLE, a large FETCH literal and a multi-line SMTP reply. The client goes on with
// the data intact; a renegotiation that changes the server's certificate, or one without
// RFC 5746 secure renegotiation, is refused with a clear error; the non-blocking path neither
// spins nor stalls while a renegotiation waits for the server.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include <mailwire/imap.h>

#include "common/test_client.hpp"
#include "common/tls_helpers.hpp"
#include "fake_server.hpp"
#include "imap/imap_test_util.hpp"
#include "test_certs.hpp"

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;

const char kTls12[] = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
const char kTls13[] = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

FakeServerOptions Server(const std::string &priority)
{
    FakeServerOptions o;
    o.implicit_tls = true;
    o.tls.cert_file = TestCertPath("valid.pem");
    o.tls.key_file = TestCertPath("valid-key.pem");
    o.tls.priority = priority;
    o.timeout = std::chrono::milliseconds(5000);
    return o;
}

struct Ca : mwtest::Creds {
    Ca() : mwtest::Creds(TestCertPath("ca.pem")) {}
};

// The greeting (without capabilities, so the client asks for them), CAPABILITY and LOGIN:
// the next tag is A3.
FakeServer &Greet(FakeServer &srv)
{
    return srv.Send("* OK hi\r\n")
        .ExpectLine("A1 CAPABILITY")
        .Send("* CAPABILITY IMAP4rev1 IDLE\r\nA1 OK caps\r\n")
        .ExpectLine("A2 LOGIN u p")
        .Send("A2 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n");
}

// Greet(), then SELECT INBOX (tag A3; the next is A4): EXISTS is a change once selected.
FakeServer &Selected(FakeServer &srv)
{
    return Greet(srv)
        .ExpectLine("A3 SELECT")
        .Send("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\nA3 OK [READ-WRITE] selected\r\n");
}

FakeServer &Logout(FakeServer &srv, const std::string &tag)
{
    return srv.ExpectLine(tag + " LOGOUT").Send("* BYE bye\r\n" + tag + " OK bye\r\n");
}

// A message body of `size` bytes in lines that number themselves: a lost, repeated or
// reordered byte shows.
std::string Body(std::size_t size)
{
    std::string b;
    for (unsigned i = 0; b.size() < size; i++)
        b += "line " + std::to_string(i) + " of a long message body, 0123456789abcdef\r\n";
    b.resize(size);
    return b;
}

// What the server does in the middle: a KeyUpdate (flags) or a renegotiation.
enum class Mid { kKeyUpdate, kKeyUpdatePeer, kRenegotiate };

struct Case {
    const char *name;
    const char *priority;
    Mid mid;
};
const Case kCases[] = {
    {"TLS 1.3 KeyUpdate", kTls13, Mid::kKeyUpdate},
    {"TLS 1.3 KeyUpdate update_requested", kTls13, Mid::kKeyUpdatePeer},
    {"TLS 1.2 renegotiation", kTls12, Mid::kRenegotiate},
};

FakeServer &Middle(FakeServer &srv, Mid mid)
{
    switch (mid) {
    case Mid::kKeyUpdate:
        return srv.KeyUpdate(0);
    case Mid::kKeyUpdatePeer:
        return srv.KeyUpdate(GNUTLS_KU_PEER);
    case Mid::kRenegotiate:
        break;
    }
    return srv.Renegotiate();
}

HCLIENT ConnectImap(FakeServer &srv, Ca &ca)
{
    HCLIENT h = ImapConnect("localhost", srv.port(), 5, IMAP_OPTION_SECURE_IMPLICIT, &ca.get());
    if (h != INVALID_CLIENT && ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p") != 0) {
        ImapDisconnect(h);
        return INVALID_CLIENT;
    }
    return h;
}

HCLIENT ConnectSelected(FakeServer &srv, Ca &ca)
{
    HCLIENT h = ConnectImap(srv, ca);
    if (h != INVALID_CLIENT && ImapSelectMailbox(h, "INBOX", nullptr) != 0) {
        ImapDisconnect(h);
        return INVALID_CLIENT;
    }
    return h;
}

TEST(TlsRekey, DuringIdleTheSessionGoesOn)
{
    for (const Case &k : kCases) {
        FakeServer srv(Server(k.priority));
        Selected(srv).ExpectLine("A4 IDLE").Send("+ idling\r\n").Sleep(100);
        Middle(srv, k.mid)
            .Sleep(50)
            .Send("* 4 EXISTS\r\n")
            .ExpectLine("DONE")
            .Send("A4 OK idle done\r\n");
        // A command after the IDLE still works in both directions.
        srv.ExpectLine("A5 NOOP").Send("* 5 EXISTS\r\nA5 OK noop\r\n");
        Logout(srv, "A6").Start();
        Ca ca;
        HCLIENT h = ConnectSelected(srv, ca);
        ASSERT_NE(h, INVALID_CLIENT)
            << k.name << ": " << MailwireGetLastErrorDetail() << " " << srv.error();
        unsigned changes = 0;
        EXPECT_EQ(ImapIdle(h, 5, IMAP_IDLE_WAIT, &changes), 0)
            << k.name << ": " << MailwireGetLastErrorDetail();
        EXPECT_EQ(changes, 1u) << k.name;
        EXPECT_EQ(ImapNoop(h), 0) << k.name << ": " << MailwireGetLastErrorDetail();
        SECURITYINFO si{};
        si.dwSize = sizeof si;
        ASSERT_EQ(ImapGetSecurityInfo(h, &si), 0);
        EXPECT_TRUE(si.bVerified) << k.name;
        EXPECT_EQ(si.dwCertStatus, 0u) << k.name;
        EXPECT_EQ(ImapDisconnect(h), 0) << k.name;
        EXPECT_TRUE(srv.WaitDone()) << k.name;
        EXPECT_EQ(srv.error(), "") << k.name;
    }
}

TEST(TlsRekey, InTheMiddleOfAFetchLiteralTheDataIsIntact)
{
    const std::string body = Body(3u << 20); // 3 MiB
    const std::size_t half = body.size() / 2 + 7;
    for (const Case &k : kCases) {
        FakeServer srv(Server(k.priority));
        Greet(srv)
            .ExpectLine("A3 SELECT")
            .Send("* 1 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\nA3 OK [READ-WRITE] selected\r\n")
            .ExpectLine("A4 FETCH 1")
            .Send("* 1 FETCH (BODY[] {" + std::to_string(body.size()) + "}\r\n" +
                  body.substr(0, half));
        Middle(srv, k.mid).Send(body.substr(half) + ")\r\nA4 OK fetched\r\n");
        Logout(srv, "A5").Start();
        Ca ca;
        HCLIENT h = ConnectImap(srv, ca);
        ASSERT_NE(h, INVALID_CLIENT)
            << k.name << ": " << MailwireGetLastErrorDetail() << " " << srv.error();
        ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), 0) << MailwireGetLastErrorDetail();
        mwtest::Collect col;
        EXPECT_EQ(ImapFetchMessage(h, 1, 0, nullptr, 0, 0, mwtest::Collect::Fn, &col), 0)
            << k.name << ": " << MailwireGetLastErrorDetail();
        EXPECT_EQ(col.data.size(), body.size()) << k.name;
        EXPECT_TRUE(col.data == body) << k.name << ": the fetched bytes differ";
        EXPECT_EQ(ImapDisconnect(h), 0) << k.name;
        EXPECT_TRUE(srv.WaitDone()) << k.name;
        EXPECT_EQ(srv.error(), "") << k.name;
    }
}

TEST(TlsRekey, InTheMiddleOfAMultiLineSmtpReply)
{
    std::string first, second, expect;
    for (int i = 0; i < 120; i++) {
        std::string line = "250-X-FILLER-" + std::to_string(i) + " some capability text";
        (i < 60 ? first : second) += line + "\r\n";
        expect += line + "\n";
    }
    second += "250 end of a long reply\r\n";
    expect += "250 end of a long reply\n";
    for (const Case &k : kCases) {
        FakeServer srv(Server(k.priority));
        srv.Send("220 tls greeting\r\n").ExpectLine("NOOP").Send(first);
        Middle(srv, k.mid).Send(second).ExpectLine("QUIT").Send("221 bye\r\n").Start();
        mwtest::TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT);
        Ca ca;
        ASSERT_EQ(c.SetCredentials(ca.get()), 0u);
        ASSERT_EQ(c.Connect("localhost", srv.port()), 0u) << k.name << ": " << c.Detail();
        ASSERT_EQ(c.Command("NOOP\r\n"), 0u) << k.name << ": " << c.Detail();
        EXPECT_EQ(c.Replies(), "220 tls greeting\n" + expect) << k.name;
        EXPECT_EQ(c.Command("QUIT\r\n"), 0u) << k.name << ": " << c.Detail();
        EXPECT_TRUE(srv.WaitDone()) << k.name;
        EXPECT_EQ(srv.error(), "") << k.name;
    }
}

// RFC 5746 and GnuTLS's identity check: a renegotiation that presents another certificate,
// even one that verifies, is refused and ends the session with a certificate error.
TEST(TlsRenegotiation, AChangedServerCertificateIsRefused)
{
    FakeServer srv(Server(kTls12));
    Selected(srv).ExpectLine("A4 IDLE").Send("+ idling\r\n").Sleep(50);
    srv.Renegotiate(TestCertPath("valid2.pem"), TestCertPath("valid2-key.pem"))
        .Send("* 4 EXISTS\r\n")
        .Start();
    Ca ca;
    HCLIENT h = ConnectSelected(srv, ca);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail() << " " << srv.error();
    EXPECT_EQ(ImapIdle(h, 5, IMAP_IDLE_WAIT, nullptr), IMAP_ERROR);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    std::string detail = MailwireGetLastErrorDetail();
    EXPECT_NE(detail.find("different certificate"), std::string::npos) << detail;
    SECURITYINFO si{};
    si.dwSize = sizeof si;
    ASSERT_EQ(ImapGetSecurityInfo(h, &si), 0);
    EXPECT_FALSE(si.bVerified);
    EXPECT_TRUE(si.dwCertStatus & SECURITY_CERT_INVALID);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_NE(srv.error().find("Renegotiate"), std::string::npos) << srv.error();
    EXPECT_EQ(srv.received().find("* 4 EXISTS"), std::string::npos);
    ImapDisconnect(h);
}

// A server without RFC 5746 support may still connect (GnuTLS's default %PARTIAL_RENEGOTIATION
// keeps such servers reachable), but its renegotiation request is refused with a
// no_renegotiation warning alert (RFC 5246 section 7.4.1.1), which leaves the server free to
// go on: the 2009 prefix-injection attack (CVE-2009-3555) needs exactly that renegotiation.
TEST(TlsRenegotiation, WithoutSecureRenegotiationItIsRefusedAndTheSessionGoesOn)
{
    FakeServer srv(Server(std::string(kTls12) + ":%DISABLE_SAFE_RENEGOTIATION"));
    bool alert = false;
    Selected(srv).ExpectLine("A4 IDLE").Send("+ idling\r\n").Sleep(50);
    srv.Call([](mwtest::Conn &conn) {
           int rc = gnutls_rehandshake(conn.tls_session());
           if (rc < 0)
               conn.Fail(std::string("gnutls_rehandshake: ") + gnutls_strerror(rc));
       })
        .Call([&alert](mwtest::Conn &conn) {
            // The client's answer: the warning alert, and no ClientHello.
            char b[64];
            auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
            while (std::chrono::steady_clock::now() < until) {
                ssize_t r = gnutls_record_recv(conn.tls_session(), b, sizeof b);
                if (r == GNUTLS_E_WARNING_ALERT_RECEIVED) {
                    alert = gnutls_alert_get(conn.tls_session()) == GNUTLS_A_NO_RENEGOTIATION;
                    return;
                }
                if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED) {
                    conn.Fail(std::string("no alert: ") + gnutls_strerror(static_cast<int>(r)));
                    return;
                }
                conn.Sleep(std::chrono::milliseconds(5));
            }
            conn.Fail("no alert in time");
        })
        .Send("* 4 EXISTS\r\n")
        .ExpectLine("DONE")
        .Send("A4 OK idle done\r\n");
    Logout(srv, "A5").Start();
    Ca ca;
    HCLIENT h = ConnectSelected(srv, ca);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail() << " " << srv.error();
    unsigned changes = 0;
    EXPECT_EQ(ImapIdle(h, 5, IMAP_IDLE_WAIT, &changes), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(changes, 1u);
    EXPECT_EQ(ImapDisconnect(h), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    EXPECT_TRUE(alert);
}

// The non-blocking face: IDLE through ImapExecute(). The server holds its side of the
// renegotiation 400 ms after the HelloRequest (or is quiet 400 ms after a KeyUpdate): the
// session must neither spin (ImapExecute() asked for again without a wait) nor stall, and data
// before and after arrives in order.
TEST(TlsRenegotiation, NonBlockingIdleNeitherSpinsNorLosesData)
{
    // 0: renegotiation; 1: renegotiation to another certificate; 2: TLS 1.3 KeyUpdate with
    // update_requested, then 400 ms of quiet.
    for (int variant = 0; variant < 3; variant++) {
        FakeServer srv(Server(variant == 2 ? kTls13 : kTls12));
        Selected(srv).ExpectLine("A4 IDLE").Send("+ idling\r\n* 2 EXISTS\r\n").Sleep(50);
        if (variant == 1)
            srv.Renegotiate(TestCertPath("valid2.pem"), TestCertPath("valid2-key.pem"), "", 400);
        else
            (variant == 2 ? srv.KeyUpdate(GNUTLS_KU_PEER).Sleep(400)
                          : srv.Renegotiate("", "", "", 400))
                .Send("* 3 EXISTS\r\n")
                .ExpectLine("DONE")
                .Send("A4 OK idle done\r\n")
                .ExpectLine("A5 LOGOUT")
                .Stall();
        srv.Start();
        Ca ca;
        HCLIENT h =
            ImapAsyncConnect("localhost", srv.port(), 5, IMAP_OPTION_SECURE_IMPLICIT, &ca.get());
        ASSERT_NE(h, INVALID_CLIENT);
        ASSERT_EQ(mwtest::Pump(h, std::chrono::seconds(3)), 0) << MailwireGetLastErrorDetail();
        ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p"), MAILWIRE_IN_PROGRESS);
        ASSERT_EQ(mwtest::Pump(h, std::chrono::seconds(3)), 0) << MailwireGetLastErrorDetail();
        ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), MAILWIRE_IN_PROGRESS);
        ASSERT_EQ(mwtest::Pump(h, std::chrono::seconds(3)), 0) << MailwireGetLastErrorDetail();
        mwtest::Trace tr;
        tr.Attach(h);
        ASSERT_EQ(ImapIdle(h, 0, IMAP_IDLE_NOWAIT, nullptr), MAILWIRE_IN_PROGRESS);
        // Count the steps, and those the session asked for without any wait.
        int steps = 0, immediate = 0, rc = MAILWIRE_IN_PROGRESS;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
        while (std::chrono::steady_clock::now() < deadline &&
               tr.Received().find("* 3 EXISTS") == std::string::npos) {
            MAILWIRE_SOCKET sock;
            unsigned want;
            int t;
            ImapGetPollInfo(h, &sock, &want, &t);
            immediate += t == 0;
            mwt_wait_socket(sock, want, t < 0 || t > 50 ? 50 : t);
            steps++;
            rc = ImapExecute(h);
            if (rc != MAILWIRE_IN_PROGRESS)
                break;
        }
        if (variant == 1) {
            EXPECT_EQ(rc, IMAP_ERROR);
            EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
        } else {
            EXPECT_EQ(rc, MAILWIRE_IN_PROGRESS) << MailwireGetLastErrorDetail();
            std::string got = tr.Received();
            std::size_t p2 = got.find("* 2 EXISTS"), p3 = got.find("* 3 EXISTS");
            EXPECT_NE(p2, std::string::npos) << got;
            EXPECT_NE(p3, std::string::npos) << got;
            EXPECT_LT(p2, p3) << got;
        }
        // 400 ms at most 50 ms a wait: about ten steps; a busy loop makes thousands.
        EXPECT_LT(steps, 100) << variant;
        EXPECT_LT(immediate, 20) << variant;
        ImapDisconnect(h);
        EXPECT_TRUE(srv.WaitDone()) << variant;
        if (variant != 1) {
            EXPECT_EQ(srv.error(), "");
        }
    }
}

} // namespace
