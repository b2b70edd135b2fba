// The SMTP API against the scripted fake server, for what a real server will not do on
// demand: STARTTLS response injection and stripping, refused STARTTLS, HELO fallback,
// malformed and multi-line replies, token mechanisms (XOAUTH2, OAUTHBEARER), 421 in the
// middle of a session, stalls, injection attempts through the API, and the redacted trace.
#include <gtest/gtest.h>

#include "common/portable.h"

#include <chrono>
#include <thread>
#include <string>
#include <vector>

#include <mailwire/smtp.h>

extern "C" {
#include "core/session/client.h"
#include "core/session/session.h"
#include "core/util/base64.h"
}
#include "fake_server.hpp"
#include "test_certs.hpp"

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;

FakeServerOptions TlsOptions()
{
    FakeServerOptions o;
    o.tls.cert_file = TestCertPath("valid.pem");
    o.tls.key_file = TestCertPath("valid-key.pem");
    o.timeout = std::chrono::milliseconds(5000);
    return o;
}

struct Ca {
    std::string ca = TestCertPath("ca.pem");
    SECURITYCREDENTIALS c{};
    Ca()
    {
        c.dwSize = sizeof c;
        c.lpszCAFile = ca.c_str();
    }
};

HCLIENT Connect(const FakeServer &srv, uint32_t options, unsigned timeout = 5)
{
    Ca ca;
    return SmtpConnect("localhost", srv.port(), timeout, options, "client.test", &ca.c);
}

std::string B64(const std::string &s)
{
    std::string out(MW_B64_ENCODED_LEN(s.size()), '\0');
    out.resize(mw_b64_encode(s.data(), s.size(), out.data()));
    return out;
}

bool AnyLineStarts(const std::vector<std::string> &lines, const std::string &prefix)
{
    for (auto &l : lines)
        if (l.rfind(prefix, 0) == 0)
            return true;
    return false;
}

TEST(SmtpFake, StartTlsResponseInjectionInOneSegmentIsRejected)
{
    FakeServer srv(TlsOptions());
    srv.Send("220 fake ESMTP\r\n")
        .ExpectLine("EHLO client.test")
        .Send("250-fake\r\n250 STARTTLS\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 2.0.0 Ready to start TLS\r\n250-fake\r\n250 AUTH PLAIN\r\n")
        .Stall()
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_SECURE);
    EXPECT_EQ(h, INVALID_CLIENT);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION)
        << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    // Nothing after STARTTLS: no ClientHello either (security checklist items 4 and 5).
    EXPECT_EQ(srv.received(), "EHLO client.test\r\nSTARTTLS\r\n");
}

TEST(SmtpFake, StartTlsInjectionInALaterSegmentNeverReachesTheProtocol)
{
    FakeServer srv(TlsOptions());
    srv.Send("220 fake ESMTP\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 STARTTLS\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 go\r\n")
        .Send("250-fake\r\n250 AUTH PLAIN\r\n")
        .Stall()
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_SECURE, 2);
    EXPECT_EQ(h, INVALID_CLIENT);
    unsigned e = SmtpGetLastError();
    EXPECT_TRUE(e == ST_ERROR_PROTOCOL_VIOLATION || e == ST_ERROR_TLS_HANDSHAKE_FAILED)
        << e << " " << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_FALSE(AnyLineStarts(srv.received_lines(), "AUTH"));
    EXPECT_FALSE(AnyLineStarts(srv.received_lines(), "MAIL"));
}

TEST(SmtpFake, StrippedStartTlsIsAnErrorNotACleartextSession)
{
    FakeServer srv;
    srv.Send("220 fake ESMTP\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 AUTH PLAIN LOGIN\r\n")
        .Stall()
        .Start();
    EXPECT_EQ(Connect(srv, SMTP_OPTION_SECURE | SMTP_OPTION_EXTENDED), INVALID_CLIENT);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.received_lines(), std::vector<std::string>{"EHLO client.test"});
}

TEST(SmtpFake, RefusedStartTlsIsAnError)
{
    for (const char *answer : {"454 4.7.0 TLS not available\r\n", "502 no\r\n", "221 bye\r\n"}) {
        FakeServer srv;
        srv.Send("220 fake\r\n")
            .ExpectLine("EHLO")
            .Send("250-fake\r\n250 STARTTLS\r\n")
            .ExpectLine("STARTTLS")
            .Send(answer)
            .Stall()
            .Start();
        EXPECT_EQ(Connect(srv, SMTP_OPTION_SECURE), INVALID_CLIENT) << answer;
        EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE) << answer;
        EXPECT_TRUE(srv.WaitDone());
        EXPECT_EQ(srv.received_lines().size(), 2u) << answer;
    }
}

// After STARTTLS the client asks again and uses only what it hears over TLS: here the
// cleartext EHLO offered PLAIN, the protected one only XOAUTH2.
TEST(SmtpFake, CapabilitiesAfterTlsAndXoauth2)
{
    const std::string ir = "user=me@example.org\x01"
                           "auth=Bearer tok-123\x01\x01";
    FakeServer srv(TlsOptions());
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 go\r\n")
        .StartTls()
        .ExpectLine("EHLO client.test")
        .Send("250-fake\r\n250-AUTH XOAUTH2 OAUTHBEARER\r\n250 SIZE 100\r\n")
        .ExpectLine("AUTH XOAUTH2 " + B64(ir))
        .Send("235 2.7.0 Accepted\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_SECURE);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    uint32_t caps = 0;
    ASSERT_EQ(SmtpGetExtendedOptions(h, &caps), 0);
    EXPECT_EQ(caps & (SMTP_EXTOPT_AUTHPLAIN | SMTP_EXTOPT_STARTTLS), 0u);
    EXPECT_TRUE(caps & SMTP_EXTOPT_AUTHXOAUTH2);
    EXPECT_EQ(SmtpAuthenticate(h, SMTP_AUTH_PLAIN, "me", "pw"), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_AUTHENTICATION_TYPE);
    EXPECT_EQ(SmtpAuthenticate(h, SMTP_AUTH_AUTO, "me", "pw"), SMTP_ERROR)
        << "token mechanisms are never picked automatically";
    ASSERT_EQ(SmtpAuthenticate(h, SMTP_AUTH_XOAUTH2, "me@example.org", "tok-123"), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(SmtpDisconnect(h), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

TEST(SmtpFake, OauthBearerAndItsErrorChallenge)
{
    const std::string json = R"({"status":"invalid_token","schemes":"bearer","scope":"x"})";
    FakeServer srv(TlsOptions());
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 STARTTLS\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 go\r\n")
        .StartTls()
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 AUTH OAUTHBEARER\r\n")
        .ExpectLine("AUTH OAUTHBEARER ")
        .Send("334 " + B64(json) + "\r\n")
        .ExpectLine("AQ==") // RFC 7628 section 3.2.3: a dummy %x01 response
        .Send("535 5.7.8 invalid token\r\n")
        .ExpectLine("AUTH OAUTHBEARER ")
        .Send("235 ok\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_SECURE);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(SmtpAuthenticate(h, SMTP_AUTH_BEARER, "me@example.org", "expired"), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_NE(std::string(MailwireGetLastErrorDetail()).find("invalid_token"), std::string::npos)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(SmtpAuthenticate(h, SMTP_AUTH_BEARER, "me@example.org", "fresh"), 0)
        << MailwireGetLastErrorDetail();
    auto lines = srv.received_lines();
    ASSERT_GE(lines.size(), 5u);
    EXPECT_EQ(lines[3].substr(0, 17), "AUTH OAUTHBEARER ");
    std::string ir = lines[3].substr(17);
    std::vector<unsigned char> dec(MW_B64_DECODED_MAX(ir.size()));
    size_t n = 0;
    ASSERT_EQ(mw_b64_decode(ir.data(), ir.size(), dec.data(), &n), 0);
    std::string gs2(dec.begin(), dec.begin() + n);
    EXPECT_EQ(gs2.rfind("n,a=me@example.org,", 0), 0u) << gs2;
    EXPECT_NE(gs2.find("auth=Bearer expired\x01\x01"), std::string::npos);
    SmtpDisconnect(h);
}

TEST(SmtpFake, HeloFallbackAndMultiLineReplies)
{
    FakeServer srv;
    srv.Send("220-fake first line\r\n220-second\r\n220 third\r\n")
        .ExpectLine("EHLO client.test")
        .Send("500 5.5.1 what?\r\n")
        .ExpectLine("HELO client.test")
        .Send("250 fake\r\n")
        .ExpectLine("NOOP")
        .Send("250-one\r\n250-two\r\n250 2.0.0 three\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    uint32_t caps = 1;
    SmtpGetExtendedOptions(h, &caps);
    EXPECT_EQ(caps, 0u);
    EXPECT_EQ(SmtpCommand(h, "NOOP"), 250);
    char buf[64];
    EXPECT_EQ(SmtpGetResultString(h, buf, sizeof buf), 19);
    EXPECT_STREQ(buf, "one\ntwo\n2.0.0 three");
    SmtpDisconnect(h);
}

TEST(SmtpFake, MalformedRepliesDropTheSession)
{
    for (const std::string &bad :
         {std::string("250-fake\r\n251 mixed\r\n"), std::string("25x ok\r\n"),
          std::string("250 a\0b\r\n", 9), "250 " + std::string(5000, 'x') + "\r\n"}) {
        FakeServer srv;
        srv.Send("220 fake\r\n").ExpectLine("EHLO").Send(bad).Stall().Start();
        EXPECT_EQ(Connect(srv, SMTP_OPTION_EXTENDED), INVALID_CLIENT);
        unsigned e = SmtpGetLastError();
        EXPECT_TRUE(e == ST_ERROR_PROTOCOL_VIOLATION || e == ST_ERROR_LIMIT_EXCEEDED) << e;
    }
}

TEST(SmtpFake, ServiceClosingMidSession)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 PIPELINING\r\n")
        .ExpectLine("MAIL FROM:<a@example.org>")
        .ExpectLine("RCPT TO:<b@example.org>")
        .ExpectLine("DATA")
        .Send("421 4.3.2 shutting down\r\n")
        .Close()
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED);
    ASSERT_NE(h, INVALID_CLIENT);
    const char msg[] = "Subject: x\r\n\r\nx\r\n";
    EXPECT_EQ(SmtpSendMessage(h, "a@example.org", "b@example.org", msg, 0, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_SERVER_TEMPORARY);
    EXPECT_EQ(SmtpGetResultCode(h), 421);
    EXPECT_EQ(SmtpCommand(h, "NOOP"), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_NOT_CONNECTED);
    EXPECT_EQ(SmtpDisconnect(h), 0);
}

TEST(SmtpFake, StallAfterTheMessageTimesOut)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250 fake\r\n")
        .ExpectLine("MAIL")
        .Send("250 ok\r\n")
        .ExpectLine("RCPT")
        .Send("250 ok\r\n")
        .ExpectLine("DATA")
        .Send("354 go\r\n")
        .Stall()
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED, 1);
    ASSERT_NE(h, INVALID_CLIENT);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(SmtpSendMessage(h, "a@example.org", "b@example.org", "m", 1, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_TIMEOUT);
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    EXPECT_GE(ms, 900);
    EXPECT_LE(ms, 3000);
    SmtpDisconnect(h);
}

TEST(SmtpFake, CancelFromAnotherThreadEndsAStalledSend)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250 fake\r\n")
        .ExpectLine("MAIL")
        .Stall()
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED, 20);
    ASSERT_NE(h, INVALID_CLIENT);
    // Once the server has the MAIL command the send is blocked on its reply; a cancel sent
    // before the call began would be void, so a fixed sleep could race a slow start.
    std::thread t([h, &srv] {
        EXPECT_TRUE(srv.WaitReceived("MAIL"));
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        EXPECT_EQ(SmtpCancel(h), 0);
    });
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(SmtpSendMessage(h, "a@example.org", "b@example.org", "m", 1, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_CANCELLED);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    t.join();
    EXPECT_EQ(SmtpCommand(h, "NOOP"), SMTP_ERROR) << "the session is closed after a cancel";
    SmtpDisconnect(h);
}

// A Cancel from a callback on the calling thread must stop the message where it is, even when
// the socket never blocks: the server then sees no end of data and delivers nothing. (The
// whole rest of a message used to go out, end-of-data included, before the cancel was acted
// on: the server had the message and the caller was told it was cancelled.)
static void MAILWIRE_CALLBACK CancelOnProgress(HCLIENT h, unsigned ev, unsigned, void *)
{
    if (ev == SMTP_EVENT_PROGRESS)
        SmtpCancel(h);
}

// chunking: the server offers PIPELINING and CHUNKING, so the message goes in BDAT pieces
// and the end is "BDAT n LAST"; else it goes after DATA and ends with CRLF.CRLF.
static void ExpectCancelledMidMessage(bool chunking)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send(chunking ? "250-fake\r\n250-PIPELINING\r\n250 CHUNKING\r\n" : "250 fake\r\n")
        .ExpectLine("MAIL")
        .Send("250 ok\r\n")
        .ExpectLine("RCPT")
        .Send("250 ok\r\n");
    if (!chunking)
        srv.ExpectLine("DATA").Send("354 go\r\n");
    srv.Stall().Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED, 20);
    ASSERT_NE(h, INVALID_CLIENT);
    ASSERT_EQ(SmtpRegisterEvent(h, SMTP_EVENT_PROGRESS, CancelOnProgress, nullptr), 0);
    // 600 KiB: three body pieces, small enough for loopback socket buffers to take at once.
    std::string msg = "Subject: cancel\r\n\r\n";
    for (int i = 0; i < 600 * 1024 / 64; i++)
        msg += std::string(62, 'x') + "\r\n";
    EXPECT_EQ(SmtpSendMessage(h, "a@example.org", "b@example.org", msg.data(), msg.size(), 0),
              SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_CANCELLED);
    SmtpDisconnect(h);
    ASSERT_TRUE(srv.WaitDone());
    std::string got = srv.received();
    EXPECT_EQ(got.find(chunking ? " LAST" : "\r\n.\r\n"), std::string::npos)
        << "the message was ended after a cancel";
    EXPECT_LT(got.size(), msg.size() / 2) << "the message went on after the cancel";
}

TEST(SmtpFake, CancelFromAProgressCallbackStopsDataBeforeItsEnd)
{
    ExpectCancelledMidMessage(false);
}

TEST(SmtpFake, CancelFromAProgressCallbackStopsBdatBeforeTheLastChunk)
{
    ExpectCancelledMidMessage(true);
}

// FREETHREAD: a Disconnect from another thread while a call is blocked on the handle must not
// free the session under that call (it would be a use-after-free, seen by ASan). It cancels
// the call and fails with ST_ERROR_BUSY; once the call has returned, Disconnect works.
TEST(SmtpFake, DisconnectDuringACallOnAnotherThreadIsRefused)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250 fake\r\n")
        .ExpectLine("NOOP")
        .Stall()
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED | SMTP_OPTION_FREETHREAD, 20);
    ASSERT_NE(h, INVALID_CLIENT);
    unsigned call_error = 0;
    std::thread t([h, &call_error] {
        EXPECT_EQ(SmtpCommand(h, "NOOP"), SMTP_ERROR);
        call_error = SmtpGetLastError();
    });
    EXPECT_TRUE(srv.WaitReceived("NOOP")); // the call is now waiting for the reply
    EXPECT_EQ(SmtpDisconnect(h), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_BUSY);
    t.join();
    EXPECT_EQ(call_error, (unsigned)ST_ERROR_CANCELLED);
    EXPECT_EQ(SmtpDisconnect(h), 0);
    EXPECT_EQ(SmtpCommand(h, "NOOP"), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
}

// Checklist item 39: a ready message with a line over 998 octets (also one hidden behind a
// bare CR) is refused before the envelope goes out; nothing is wrapped or sent.
TEST(SmtpFake, OverlongLinesAreRefusedBeforeTheEnvelope)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 PIPELINING\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED);
    ASSERT_NE(h, INVALID_CLIENT);
    const std::string bodies[] = {
        "Subject: x\r\n\r\n" + std::string(999, 'x') + "\r\n",
        "Subject: x\r\n\r\nshort\r" + std::string(999, 'y'),
        "Subject: " + std::string(999, 'z') + "\r\n\r\nbody\r\n",
    };
    for (const auto &m : bodies) {
        EXPECT_EQ(SmtpSendMessage(h, "a@example.org", "b@example.org", m.data(), m.size(), 0),
                  SMTP_ERROR);
        EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
        EXPECT_NE(std::string(MailwireGetLastErrorDetail()).find("998"), std::string::npos);
    }
    EXPECT_EQ(SmtpDisconnect(h), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.received().find("MAIL"), std::string::npos) << srv.received();
}

// CR, LF or NUL in any value: an invalid argument and nothing on the wire (item 31).
TEST(SmtpFake, InjectionThroughTheApiSendsNothing)
{
    Ca ca;
    EXPECT_EQ(SmtpConnect("localhost", 1, 5, 0, "evil\r\nMAIL FROM:<x>", &ca.c), INVALID_CLIENT);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);

    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 VRFY\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED);
    ASSERT_NE(h, INVALID_CLIENT);
    const char msg[] = "Subject: x\r\n\r\nx\r\n";
    EXPECT_EQ(SmtpSendMessage(h, "a@x\r\nRCPT TO:<victim@y>", "b@y", msg, 0, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(SmtpSendMessage(h, "a@x", "b@y>\r\nDATA", msg, 0, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(SmtpSendMessage(h, "a@x", "b@y", "a\r\n\0.\r\n", 7, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(SmtpVerifyAddress(h, "x\r\nDATA"), SMTP_ERROR);
    EXPECT_EQ(SmtpCommand(h, "NOOP\nRSET"), SMTP_ERROR);
    EXPECT_EQ(SmtpCommand(h, "STARTTLS"), SMTP_ERROR);
    EXPECT_EQ(SmtpAuthenticate(h, SMTP_AUTH_PLAIN, "user", ""), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(SmtpSetDeliveryOptions(h, SMTP_NOTIFY_SUCCESS, "id\r\nx"), SMTP_ERROR);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(srv.received(), "EHLO client.test\r\n");
    SmtpDisconnect(h);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.received(), "EHLO client.test\r\nQUIT\r\n");
}

void Trace(HCLIENT, unsigned dir, const char *data, size_t len, void *user)
{
    if (dir == SMTP_TRACE_SENT)
        static_cast<std::string *>(user)->append(data, len);
}

TEST(SmtpFake, AuthResponsesAreRedactedInTheTrace)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 AUTH LOGIN PLAIN\r\n")
        .ExpectLine("AUTH LOGIN")
        .Send("334 VXNlcm5hbWU6\r\n")
        .ExpectLine(B64("alice"))
        .Send("334 UGFzc3dvcmQ6\r\n")
        .ExpectLine(B64("s3cret-pw"))
        .Send("235 ok\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Start();
    HCLIENT h = Connect(srv, SMTP_OPTION_EXTENDED);
    ASSERT_NE(h, INVALID_CLIENT);
    std::string trace;
    ASSERT_EQ(SmtpSetTrace(h, Trace, &trace), 0);
    // The peer is loopback: cleartext AUTH is allowed there.
    ASSERT_EQ(SmtpAuthenticate(h, SMTP_AUTH_LOGIN, "alice", "s3cret-pw"), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(trace.find(B64("s3cret-pw")), std::string::npos) << trace;
    EXPECT_EQ(trace.find(B64("alice")), std::string::npos) << trace;
    EXPECT_NE(trace.find("<redacted"), std::string::npos) << trace;
    SmtpDisconnect(h);
}

TEST(SmtpFake, NonBlockingConnectRaisesConnectAndCommandEvents)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250 fake\r\n")
        .ExpectLine("NOOP")
        .Send("250 ok\r\n")
        .Stall()
        .Start();
    struct Seen {
        std::vector<std::pair<unsigned, unsigned>> ev;
    } seen;
    Ca ca;
    HCLIENT h =
        SmtpAsyncConnect("localhost", srv.port(), 5, SMTP_OPTION_EXTENDED, "client.test", &ca.c);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_IN_PROGRESS);
    auto cb = [](HCLIENT, unsigned ev, unsigned err, void *u) {
        static_cast<Seen *>(u)->ev.emplace_back(ev, err);
    };
    for (unsigned ev : {SMTP_EVENT_CONNECT, SMTP_EVENT_COMMAND})
        ASSERT_EQ(SmtpRegisterEvent(h, ev, cb, &seen), 0);
    auto pump = [&] {
        int r;
        while ((r = SmtpExecute(h)) == SMTP_IN_PROGRESS) {
            MAILWIRE_SOCKET sock;
            unsigned events;
            int t;
            ASSERT_EQ(SmtpGetPollInfo(h, &sock, &events, &t), 0);
            mwt_wait_socket(sock, events, t < 0 ? 5000 : t);
        }
        ASSERT_EQ(r, 0) << MailwireGetLastErrorDetail();
    };
    pump();
    EXPECT_EQ(SmtpCommand(h, "NOOP"), SMTP_IN_PROGRESS);
    pump();
    EXPECT_EQ(SmtpGetResultCode(h), 250);
    std::vector<std::pair<unsigned, unsigned>> want = {{SMTP_EVENT_COMMAND, 0},
                                                       {SMTP_EVENT_COMMAND, 0},
                                                       {SMTP_EVENT_CONNECT, 0},
                                                       {SMTP_EVENT_COMMAND, 0}};
    EXPECT_EQ(seen.ev, want);
    SmtpDisconnect(h);
}

// SocketTools' READ and WRITE, on a non-blocking session only: READ once what arrived has
// been processed, WRITE when the socket takes data again after a send had to wait. A
// blocking session raises neither (its calls do their own reading and writing).
TEST(SmtpFake, ReadAndWriteEventsOnANonBlockingSessionOnly)
{
    std::string msg = "Subject: rw\r\n\r\n";
    while (msg.size() < (16u << 20))
        msg += std::string(76, 'w') + "\r\n";
    auto script = [](FakeServer &srv) {
        srv.Send("220 fake\r\n")
            .ExpectLine("EHLO")
            .Send("250 fake\r\n")
            .ExpectLine("MAIL FROM")
            .Send("250 ok\r\n")
            .ExpectLine("RCPT TO")
            .Send("250 ok\r\n")
            .ExpectLine("DATA")
            .Send("354 go\r\n")
            .Sleep(300) // the client's sends block meanwhile
            .ReadUntil("\r\n.\r\n")
            .Send("250 queued\r\n")
            .ExpectLine("QUIT")
            .Send("221 bye\r\n")
            .Stall()
            .Start();
    };
    struct Count {
        int read = 0, write = 0;
    };
    auto cb = [](HCLIENT, unsigned ev, unsigned, void *u) {
        auto *c = static_cast<Count *>(u);
        (ev == SMTP_EVENT_READ ? c->read : c->write)++;
    };
    {
        FakeServer srv;
        script(srv);
        Count n;
        HCLIENT h = SmtpAsyncConnect("127.0.0.1", srv.port(), 10, SMTP_OPTION_EXTENDED,
                                     "client.test", nullptr);
        ASSERT_NE(h, INVALID_CLIENT);
        ASSERT_EQ(SmtpRegisterEvent(h, SMTP_EVENT_READ, cb, &n), 0);
        ASSERT_EQ(SmtpRegisterEvent(h, SMTP_EVENT_WRITE, cb, &n), 0);
        auto pump = [&] {
            int r;
            while ((r = SmtpExecute(h)) == SMTP_IN_PROGRESS) {
                MAILWIRE_SOCKET sock;
                unsigned events;
                int t;
                ASSERT_EQ(SmtpGetPollInfo(h, &sock, &events, &t), 0);
                mwt_wait_socket(sock, events, t < 0 ? 5000 : t);
            }
            ASSERT_EQ(r, 0) << MailwireGetLastErrorDetail();
        };
        pump();
        EXPECT_EQ(n.read, 2) << "the greeting and the EHLO reply";
        EXPECT_EQ(n.write, 0);
        ASSERT_EQ(SmtpSendMessage(h, "a@x", "b@y", msg.data(), msg.size(), 0), SMTP_IN_PROGRESS);
        pump();
        EXPECT_GE(n.write, 1) << "16 MiB to a server that sleeps: a send had to wait";
        EXPECT_EQ(n.read, 2 + 4) << "MAIL, RCPT, DATA and the final reply";
        SmtpDisconnect(h);
    }
    {
        FakeServer srv;
        script(srv);
        Count n;
        HCLIENT h =
            SmtpConnect("127.0.0.1", srv.port(), 10, SMTP_OPTION_EXTENDED, "client.test", nullptr);
        ASSERT_NE(h, INVALID_CLIENT);
        ASSERT_EQ(SmtpRegisterEvent(h, SMTP_EVENT_READ, cb, &n), 0);
        ASSERT_EQ(SmtpRegisterEvent(h, SMTP_EVENT_WRITE, cb, &n), 0);
        ASSERT_EQ(SmtpSendMessage(h, "a@x", "b@y", msg.data(), msg.size(), 0), 0);
        EXPECT_EQ(n.read + n.write, 0) << "a blocking session raises neither";
        SmtpDisconnect(h);
    }
}

} // namespace
