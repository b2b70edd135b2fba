// SmtpSendMessages() against the scripted fake server: the next message's envelope follows
// the end of the current one's data without waiting for its final reply when the server
// offers PIPELINING (RFC 2920 section 3.1), and does not when it does not; refusals in the
// middle of a batch (recipients, MAIL, DATA, the end of data, a BDAT chunk) fail their own
// message only, each with its own result. A script whose server waits for the next MAIL
// before answering the "." deadlocks (and fails on its timeout) unless the client pipelines.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <mailwire/smtp.h>

#include "common/portable.h"
#include "fake_server.hpp"
#include "test_certs.hpp"

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;

HCLIENT Connect(const FakeServer &srv, bool async)
{
    std::string ca = TestCertPath("ca.pem");
    SECURITYCREDENTIALS c{};
    c.dwSize = sizeof c;
    c.lpszCAFile = ca.c_str();
    return async ? SmtpAsyncConnect("localhost", srv.port(), 5, SMTP_OPTION_EXTENDED, "client.test",
                                    &c)
                 : SmtpConnect("localhost", srv.port(), 5, SMTP_OPTION_EXTENDED, "client.test", &c);
}

struct Completions {
    int complete = 0;
    unsigned err = 0;
    static void MAILWIRE_CALLBACK Fn(HCLIENT, unsigned ev, unsigned err, void *u)
    {
        auto *self = static_cast<Completions *>(u);
        if (ev == SMTP_EVENT_COMPLETE) {
            self->complete++;
            self->err = err;
        }
    }
};

// Drive a non-blocking session until its operation ends; the last SmtpExecute() result.
int Pump(HCLIENT h)
{
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    int r = SMTP_IN_PROGRESS;
    while (r == SMTP_IN_PROGRESS && std::chrono::steady_clock::now() < until) {
        MAILWIRE_SOCKET s;
        unsigned ev = 0;
        int timeout = 0;
        if (SmtpGetPollInfo(h, &s, &ev, &timeout) == 0 && timeout != 0)
            mwt_wait_socket(static_cast<mwt_socket>(s), ev,
                            timeout < 0 || timeout > 200 ? 200 : timeout);
        r = SmtpExecute(h);
    }
    return r;
}

// The batch's elements over messages kept alive by the caller.
struct Batch {
    std::vector<std::string> bodies, to;
    std::vector<SMTPBATCHMESSAGE> m;
    explicit Batch(const std::vector<std::string> &recipients) : to(recipients)
    {
        for (size_t i = 0; i < to.size(); i++)
            bodies.push_back("Subject: " + std::to_string(i + 1) + "\r\n\r\nbody " +
                             std::to_string(i + 1) + "\r\n");
        m.resize(to.size());
        for (size_t i = 0; i < to.size(); i++) {
            std::memset(&m[i], 0, sizeof m[i]);
            m[i].dwSize = sizeof m[i];
            m[i].lpszFrom = "a@example.org";
            m[i].lpszRecipients = to[i].c_str();
            m[i].lpvMessage = bodies[i].data();
            m[i].cbMessage = bodies[i].size();
            m[i].dwOptions = SMTP_MESSAGE_MEMORY;
        }
    }
    // Connect, send the batch, and (non-blocking) pump it: the send's result.
    int Run(const FakeServer &srv, bool async, HCLIENT *out, Completions *ev)
    {
        HCLIENT h = Connect(srv, async);
        *out = h;
        if (h == INVALID_CLIENT)
            return SMTP_ERROR;
        if (async && Pump(h) != 0)
            return SMTP_ERROR;
        SmtpRegisterEvent(h, SMTP_EVENT_COMPLETE, Completions::Fn, ev);
        int rc = SmtpSendMessages(h, m.data(), (unsigned)m.size(), 0);
        return async && rc == SMTP_IN_PROGRESS ? Pump(h) : rc;
    }
};

const char *kEhloPipelining = "250-fake\r\n250-PIPELINING\r\n250 ENHANCEDSTATUSCODES\r\n";

class Batches : public ::testing::TestWithParam<bool>
{
};

TEST_P(Batches, NextEnvelopeFollowsTheDotBeforeItsReplyWithPipelining)
{
    FakeServerOptions o;
    o.timeout = std::chrono::milliseconds(3000);
    FakeServer srv(o);
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send(kEhloPipelining)
        .ExpectLine("MAIL FROM:<a@example.org>")
        .ExpectLine("RCPT TO:<b1@example.org>")
        .ExpectLine("DATA")
        .Send("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")
        .ReadUntil("body 1\r\n.\r\n")
        // No reply to the "." yet: the second transaction must already be on its way.
        .ExpectLine("MAIL FROM:<a@example.org>")
        .ExpectLine("RCPT TO:<b2@example.org>")
        .ExpectLine("DATA")
        .Send("250 2.0.0 queued as ONE\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")
        .ReadUntil("body 2\r\n.\r\n")
        .Send("250 2.0.0 queued as TWO\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Close()
        .Start();
    Batch b({"b1@example.org", "b2@example.org"});
    HCLIENT h;
    Completions ev;
    EXPECT_EQ(b.Run(srv, GetParam(), &h, &ev), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(b.m[0].dwError, (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(b.m[0].nResultCode, 250);
    EXPECT_STREQ(b.m[0].szResultString, "2.0.0 queued as ONE");
    EXPECT_EQ(b.m[1].dwError, (unsigned)ST_ERROR_NONE);
    EXPECT_STREQ(b.m[1].szResultString, "2.0.0 queued as TWO");
    EXPECT_EQ(b.m[1].nRecipients, 1u);
    EXPECT_EQ(b.m[1].nAccepted, 1u);
    EXPECT_EQ(ev.complete, GetParam() ? 1 : 0) << "one COMPLETE for the whole batch";
    SmtpDisconnect(h);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

TEST_P(Batches, WithoutPipeliningTheNextMailWaitsForTheFinalReply)
{
    FakeServer srv;
    bool early = false;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250 ENHANCEDSTATUSCODES\r\n")
        .ExpectLine("MAIL")
        .Send("250 ok\r\n")
        .ExpectLine("RCPT")
        .Send("250 ok\r\n")
        .ExpectLine("DATA")
        .Send("354 go\r\n")
        .ReadUntil("body 1\r\n.\r\n")
        .Call([&](mwtest::Conn &c) {
            // Nothing may follow the "." until it is answered (RFC 2920 is not offered).
            bool got = mwt_wait_socket(static_cast<mwt_socket>(c.fd()), 1 /* read */, 300) > 0;
            std::string r = srv.received();
            early = got || r.size() < 5 || r.compare(r.size() - 5, 5, "\r\n.\r\n") != 0;
        })
        .Send("250 2.0.0 queued as ONE\r\n")
        .ExpectLine("MAIL")
        .Send("250 ok\r\n")
        .ExpectLine("RCPT")
        .Send("250 ok\r\n")
        .ExpectLine("DATA")
        .Send("354 go\r\n")
        .ReadUntil("body 2\r\n.\r\n")
        .Send("250 2.0.0 queued as TWO\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Close()
        .Start();
    Batch b({"b1@example.org", "b2@example.org"});
    HCLIENT h;
    Completions ev;
    EXPECT_EQ(b.Run(srv, GetParam(), &h, &ev), 0) << MailwireGetLastErrorDetail();
    EXPECT_FALSE(early) << "the next MAIL went out before the final reply without PIPELINING";
    EXPECT_STREQ(b.m[1].szResultString, "2.0.0 queued as TWO");
    SmtpDisconnect(h);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

// DATA path: a message without an accepted recipient (RSET after it), one accepted, one whose
// MAIL is refused (its RCPT and DATA too), one refused at the end of its data while the next
// envelope is already out, and a last one accepted behind it.
TEST_P(Batches, RefusalsMidBatchFailTheirOwnMessageOnly)
{
    FakeServerOptions o;
    o.timeout = std::chrono::milliseconds(3000);
    FakeServer srv(o);
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send(kEhloPipelining)
        // 1: the only recipient refused
        .ExpectLine("MAIL")
        .ExpectLine("RCPT TO:<nobody@example.org>")
        .ExpectLine("DATA")
        .Send("250 2.1.0 ok\r\n550 5.1.1 <nobody@example.org>: User unknown\r\n"
              "554 5.5.1 Error: no valid recipients\r\n")
        .ExpectLine("RSET")
        .Send("250 2.0.0 ok\r\n")
        // 2: accepted; 3's envelope follows its "."
        .ExpectLine("MAIL")
        .ExpectLine("RCPT TO:<b2@example.org>")
        .ExpectLine("DATA")
        .Send("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")
        .ReadUntil("body 2\r\n.\r\n")
        .ExpectLine("MAIL")
        .ExpectLine("RCPT TO:<b3@example.org>")
        .ExpectLine("DATA")
        // 3: MAIL refused, so are its RCPT and DATA; no transaction, no RSET
        .Send("250 2.0.0 queued as TWO\r\n452 4.3.1 Insufficient system storage\r\n"
              "503 5.5.1 Error: need MAIL command\r\n503 5.5.1 Error: need RCPT command\r\n")
        // 4: refused at the end of its data, 5's envelope already behind it
        .ExpectLine("MAIL")
        .ExpectLine("RCPT TO:<b4@example.org>")
        .ExpectLine("DATA")
        .Send("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")
        .ReadUntil("body 4\r\n.\r\n")
        .ExpectLine("MAIL")
        .ExpectLine("RCPT TO:<b5@example.org>")
        .ExpectLine("DATA")
        .Send("554 5.7.1 Content rejected\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")
        .ReadUntil("body 5\r\n.\r\n")
        .Send("250 2.0.0 queued as FIVE\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Close()
        .Start();
    Batch b({"nobody@example.org", "b2@example.org", "b3@example.org", "b4@example.org",
             "b5@example.org"});
    HCLIENT h;
    Completions ev;
    EXPECT_EQ(b.Run(srv, GetParam(), &h, &ev), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
    EXPECT_STREQ(MailwireGetLastErrorDetail(),
                 "3 of 5 messages failed; the first, message 1: no recipient was accepted: "
                 "<nobody@example.org> 550 5.1.1 <nobody@example.org>: User unknown");
    EXPECT_EQ(b.m[0].dwError, (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
    EXPECT_EQ(b.m[0].nRecipients, 1u);
    EXPECT_EQ(b.m[0].nAccepted, 0u);
    EXPECT_EQ(b.m[1].dwError, (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(b.m[1].nResultCode, 250);
    EXPECT_STREQ(b.m[1].szResultString, "2.0.0 queued as TWO");
    EXPECT_EQ(b.m[2].dwError, (unsigned)ST_ERROR_SERVER_TEMPORARY);
    EXPECT_STREQ(b.m[2].szResultString, "MAIL FROM: 452 4.3.1 Insufficient system storage");
    EXPECT_EQ(b.m[3].dwError, (unsigned)ST_ERROR_SERVER_PERMANENT);
    EXPECT_EQ(b.m[3].nResultCode, 554);
    EXPECT_STREQ(b.m[3].szEnhancedCode, "5.7.1");
    EXPECT_EQ(b.m[3].nAccepted, 1u);
    EXPECT_EQ(b.m[4].dwError, (unsigned)ST_ERROR_NONE);
    EXPECT_STREQ(b.m[4].szResultString, "2.0.0 queued as FIVE");
    EXPECT_EQ(ev.complete, GetParam() ? 1 : 0);
    SmtpDisconnect(h);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

// CHUNKING: once a message's envelope is accepted, RSET, MAIL and RCPT of the next follow its
// BDAT LAST; a refused chunk then needs no RSET of its own (the next one's clears it), and the
// next message goes through.
TEST_P(Batches, RefusedBdatBeforeAnEnvelopeAlreadySent)
{
    FakeServerOptions o;
    o.timeout = std::chrono::milliseconds(3000);
    FakeServer srv(o);
    Batch b({"b1@example.org", "b2@example.org"});
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send("250-fake\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 ENHANCEDSTATUSCODES\r\n")
        .ExpectLine("MAIL")
        .ExpectLine("RCPT TO:<b1@example.org>")
        .Send("250 2.1.0 ok\r\n250 2.1.5 ok\r\n")
        .ExpectLine("BDAT " + std::to_string(b.bodies[0].size()) + " LAST")
        .ReadBytes(b.bodies[0].size())
        .ExpectLine("RSET")
        .ExpectLine("MAIL")
        .ExpectLine("RCPT TO:<b2@example.org>")
        .Send("554 5.6.0 Message content rejected\r\n250 2.0.0 ok\r\n250 2.1.0 ok\r\n"
              "250 2.1.5 ok\r\n")
        .ExpectLine("BDAT " + std::to_string(b.bodies[1].size()) + " LAST")
        .ReadBytes(b.bodies[1].size())
        .Send("250 2.0.0 queued as TWO\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Close()
        .Start();
    HCLIENT h;
    Completions ev;
    EXPECT_EQ(b.Run(srv, GetParam(), &h, &ev), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
    EXPECT_EQ(b.m[0].dwError, (unsigned)ST_ERROR_SERVER_PERMANENT);
    EXPECT_EQ(b.m[0].nResultCode, 554);
    EXPECT_STREQ(b.m[0].szResultString, "BDAT: 554 5.6.0 Message content rejected");
    EXPECT_EQ(b.m[1].dwError, (unsigned)ST_ERROR_NONE);
    EXPECT_STREQ(b.m[1].szResultString, "2.0.0 queued as TWO");
    SmtpDisconnect(h);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

// A message the library refuses before its envelope (a NUL byte) is skipped with its own
// error; the others go. A malformed address refuses the whole call with nothing sent.
TEST_P(Batches, LocalRefusalsSkipOneMessageOrTheCall)
{
    FakeServer srv;
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send(kEhloPipelining)
        .ExpectLine("MAIL")
        .ExpectLine("RCPT TO:<b2@example.org>")
        .ExpectLine("DATA")
        .Send("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")
        .ReadUntil("body 2\r\n.\r\n")
        .Send("250 2.0.0 queued as TWO\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Close()
        .Start();
    Batch b({"b1@example.org", "b2@example.org"});
    static const char kNul[] = "Subject: x\r\n\r\na\0b\r\n";
    b.bodies[0] = std::string(kNul, sizeof kNul - 1);
    b.m[0].lpvMessage = b.bodies[0].data();
    b.m[0].cbMessage = b.bodies[0].size();
    HCLIENT h;
    Completions ev;
    EXPECT_EQ(b.Run(srv, GetParam(), &h, &ev), SMTP_ERROR);
    EXPECT_EQ(b.m[0].dwError, (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(b.m[0].nResultCode, 0) << "nothing of it was sent";
    EXPECT_NE(std::string(b.m[0].szResultString).find("NUL byte"), std::string::npos);
    EXPECT_EQ(b.m[1].dwError, (unsigned)ST_ERROR_NONE);

    Batch bad({"b1@example.org", "b2@example.org\r\nRSET"});
    EXPECT_EQ(SmtpSendMessages(h, bad.m.data(), 2, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(MailwireGetLastErrorDetail()).find("message 2"), std::string::npos)
        << MailwireGetLastErrorDetail();
    SmtpDisconnect(h);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

// A cancel in the middle of a batch: what the server confirmed stays confirmed, the message
// whose reply never came and those never started are CANCELLED (not "connection closed":
// the application closed it), and the call's error says so.
TEST_P(Batches, CancelMidBatchGivesCancelledToWhatWasNotConfirmed)
{
    FakeServerOptions o;
    o.timeout = std::chrono::milliseconds(5000);
    FakeServer srv(o);
    srv.Send("220 fake\r\n")
        .ExpectLine("EHLO")
        .Send(kEhloPipelining)
        .ExpectLine("MAIL")
        .ExpectLine("RCPT")
        .ExpectLine("DATA")
        .Send("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")
        .ReadUntil("body 1\r\n.\r\n")
        .ExpectLine("MAIL")
        .ExpectLine("RCPT")
        .ExpectLine("DATA")
        .Send("250 2.0.0 queued as ONE\r\n250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n")
        .ReadUntil("body 2\r\n.\r\n")
        .Stall() // message 2's final reply never comes
        .Start();
    Batch b({"b1@example.org", "b2@example.org", "b3@example.org"});
    HCLIENT h = Connect(srv, GetParam());
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    if (GetParam()) {
        ASSERT_EQ(Pump(h), 0) << MailwireGetLastErrorDetail();
    }
    std::thread canceller([&] {
        EXPECT_TRUE(srv.WaitReceived("body 2\r\n.\r\n"));
        mwt_sleep_ms(100);
        EXPECT_EQ(SmtpCancel(h), 0);
    });
    int rc = SmtpSendMessages(h, b.m.data(), (unsigned)b.m.size(), 0);
    if (GetParam() && rc == SMTP_IN_PROGRESS)
        rc = Pump(h);
    canceller.join();
    EXPECT_EQ(rc, SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_CANCELLED) << MailwireGetLastErrorDetail();
    EXPECT_EQ(b.m[0].dwError, (unsigned)ST_ERROR_NONE);
    EXPECT_STREQ(b.m[0].szResultString, "2.0.0 queued as ONE");
    EXPECT_EQ(b.m[1].dwError, (unsigned)ST_ERROR_CANCELLED);
    EXPECT_EQ(b.m[2].dwError, (unsigned)ST_ERROR_CANCELLED);
    SmtpDisconnect(h);
}

INSTANTIATE_TEST_SUITE_P(Faces, Batches, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool> &i) {
                             return std::string(i.param ? "NonBlocking" : "Blocking");
                         });

} // namespace
