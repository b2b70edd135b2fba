// CSmtpClient and CMailMessage against the fixture's real Postfix, through the classes alone:
// messages are read back from the recipients' Maildirs, errors checked by code, the wire by
// the class's own trace.
// First: on Windows it includes <windows.h>, whose SendMessage macro must rename the class's
// method and the calls alike.
#include "common/portable.h"

#include <gtest/gtest.h>

#include <mailwire/SmtpClient.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cpp/seed_connect.hpp"
#include "smtp/smtp_test_util.hpp"

using mwtest::AsStored;
using mwtest::Unique;
using mwtest::WaitForMessage;

namespace
{

unsigned Port(const char *key)
{
    return mwtest::Fixture::Get().Port(key);
}

std::string Env(const char *key)
{
    return mwtest::Fixture::Get().Value(key);
}

// Trust in the fixture's CA, through the RAII credentials class.
const SECURITYCREDENTIALS *Ca()
{
    static mailwire::CSecurityCredentials creds = [] {
        mailwire::CSecurityCredentials c;
        c.Create(0, nullptr, nullptr, nullptr, Env("MW_CA_FILE").c_str());
        return c;
    }();
    return creds.Get();
}

// The dialogue of a client, kept alive past the client by the shared pointers.
struct Wire {
    std::shared_ptr<std::string> sent = std::make_shared<std::string>();
    std::shared_ptr<std::string> received = std::make_shared<std::string>();
    template <class Client> void Watch(Client &c)
    {
        auto s = sent, r = received;
        ASSERT_TRUE(c.SetTrace([s, r](unsigned dir, std::string_view data) {
            if (dir == MAILWIRE_TRACE_SENT)
                s->append(data);
            else if (dir == MAILWIRE_TRACE_RECEIVED)
                r->append(data);
        }));
    }
};

std::string Message(const std::string &token, const std::string &body = "hello\r\n")
{
    return "From: me@example.org\r\nSubject: " + token + "\r\n\r\n" + body;
}

// A connected client on the plain port with ESMTP.
CSmtpClient Plain(uint32_t extra = 0)
{
    CSmtpClient c;
    EXPECT_TRUE(c.Connect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED | extra))
        << c.GetLastErrorDetail();
    return c;
}

} // namespace

TEST(CppSmtp, SeedConnectCallFormsCompileAndConnect)
{
    CSmtpClient c;
    ASSERT_TRUE(SeedConnectWithNullWindow(c, "localhost", Port("MW_SMTP_PORT")))
        << c.GetLastErrorDetail();
    EXPECT_NE(c.GetExtendedOptions() & SMTP_EXTOPT_PIPELINING, 0u);
    ASSERT_TRUE(c.Disconnect());

    ASSERT_TRUE(SeedConnectWithWindowVariables(c, "localhost", Port("MW_SMTP_PORT"), nullptr));
    ASSERT_TRUE(c.Disconnect());
    // A real window would need Windows messages: refused, nothing opened.
    int window = 0;
    EXPECT_FALSE(SeedConnectWithWindowVariables(c, "localhost", Port("MW_SMTP_PORT"), &window));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
    EXPECT_FALSE(c.IsConnected());

    ASSERT_TRUE(SeedConnectShortForms(c, "localhost", Port("MW_SMTP_PORT")))
        << c.GetLastErrorDetail();
    // SMTP_OPTION_NONE means HELO: no extensions.
    EXPECT_EQ(c.GetExtendedOptions(), 0u);
}

TEST(CppSmtp, ConnectOnEachPortAndAuthenticate)
{
    const std::string user = Env("MW_USER1"), pass = Env("MW_PASS1");

    // Plain port: capabilities, STARTTLS offered, no TLS yet.
    CSmtpClient plain = Plain();
    mailwire::SmtpExtendedOptions ext = plain.GetExtendedOptionsEx();
    EXPECT_NE(ext.options & SMTP_EXTOPT_STARTTLS, 0u);
    EXPECT_GT(ext.sizeLimit, 0u);
    bool pipelining = false;
    for (const std::string &line : ext.lines)
        pipelining |= line == "PIPELINING";
    EXPECT_TRUE(pipelining);
    EXPECT_EQ(plain.GetSecurityInfo().dwProtocol, (uint32_t)SECURITY_PROTOCOL_NONE);

    // Submission with mandatory STARTTLS, AUTH with the default (AUTO) type.
    CSmtpClient sub;
    ASSERT_TRUE(
        sub.Connect("localhost", Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_SECURE, nullptr, Ca()))
        << sub.GetLastErrorDetail();
    SECURITYINFO info{};
    ASSERT_TRUE(sub.GetSecurityInfo(info));
    EXPECT_GE(info.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
    EXPECT_TRUE(info.bVerified);
    // A wrong password is an authentication failure and the session goes on.
    EXPECT_FALSE(sub.Authenticate(user.c_str(), "wrong password"));
    EXPECT_EQ(sub.GetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_FALSE(sub.GetLastErrorDetail().empty());
    EXPECT_TRUE(sub.Authenticate(user.c_str(), pass.c_str())) << sub.GetLastErrorDetail();
    EXPECT_EQ(sub.GetLastError(), (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(sub.GetResultCode(), 235);

    // Implicit TLS, an explicit mechanism, and bob's password that needs quoting.
    CSmtpClient smtps;
    ASSERT_TRUE(smtps.Connect("localhost", Port("MW_SMTPS_PORT"), 20,
                              SMTP_OPTION_SECURE_IMPLICIT | SMTP_OPTION_EXTENDED, nullptr, Ca()))
        << smtps.GetLastErrorDetail();
    EXPECT_TRUE(
        smtps.Authenticate(Env("MW_USER2").c_str(), Env("MW_PASS2").c_str(), SMTP_AUTH_SCRAMSHA256))
        << smtps.GetLastErrorDetail();

    // Without the CA the certificate is refused; nothing is held.
    CSmtpClient untrusted;
    EXPECT_FALSE(
        untrusted.Connect("localhost", Port("MW_SMTPS_PORT"), 20, SMTP_OPTION_SECURE_IMPLICIT));
    EXPECT_EQ(untrusted.GetLastError(), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    EXPECT_FALSE(untrusted.IsConnected());

    // Submission without TLS: Postfix offers no AUTH before STARTTLS, so none is attempted.
    CSmtpClient subClear;
    ASSERT_TRUE(
        subClear.Connect("localhost", Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_EXTENDED));
    EXPECT_FALSE(subClear.Authenticate(user.c_str(), pass.c_str()));
    EXPECT_EQ(subClear.GetLastError(), (unsigned)ST_ERROR_INVALID_AUTHENTICATION_TYPE);

    // A second Connect on a connected object is refused and keeps the session.
    EXPECT_FALSE(plain.Connect("localhost", Port("MW_SMTP_PORT")));
    EXPECT_EQ(plain.GetLastError(), (unsigned)ST_ERROR_ALREADY_CONNECTED);
    EXPECT_EQ(plain.Command("NOOP"), 250);
}

TEST(CppSmtp, SendMessageFromMemoryAndFileReadsBack)
{
    CSmtpClient c = Plain();
    std::string token = Unique("cppsend");
    std::string msg = Message(token, ".leading dot\r\nbare LF\nend");
    ASSERT_TRUE(c.SendMessage("me@example.org", "carol@localhost", msg)) << c.GetLastErrorDetail();
    EXPECT_EQ(c.GetResultCode(), 250);
    SMTPTRANSFERSTATUS status = c.GetTransferStatus();
    EXPECT_EQ(status.qwBytesTotal, msg.size());
    std::string got = WaitForMessage("carol", token);
    EXPECT_TRUE(mwtest::EndsWith(got, AsStored(msg))) << got;

    // From a file, streamed.
    std::string fileToken = Unique("cppfile");
    std::string path = ::testing::TempDir() + fileToken + ".eml";
    std::string lines;
    for (int i = 0; i < 100; ++i)
        lines += std::string(70, 'x') + std::to_string(i) + "\n";
    std::ofstream(path, std::ios::binary) << Message(fileToken, lines);
    ASSERT_TRUE(c.SendMessageFile("me@example.org", "carol@localhost", path.c_str()))
        << c.GetLastErrorDetail();
    EXPECT_TRUE(
        mwtest::EndsWith(WaitForMessage("carol", fileToken), AsStored(Message(fileToken, lines))));
    std::remove(path.c_str());

    // Errors come back as codes; the session goes on.
    EXPECT_FALSE(c.SendMessage("me@example.org", "nosuch@localhost", msg));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
    EXPECT_FALSE(c.SendMessage("me@example.org", "carol@localhost\r\nRCPT TO:<x@y>", msg));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_FALSE(c.SendMessageFile("me@example.org", "carol@localhost", "/nonexistent/file"));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_FILE);
    EXPECT_EQ(c.Command("NOOP"), 250);
}

// SendMessages(): three messages in one call, the middle one to an unknown recipient (Postfix
// refuses it; CHUNKING is offered, so the others' envelopes are pipelined behind BDAT LAST):
// each element holds its own result, the first and last arrive.
TEST(CppSmtp, SendMessagesGivesEachMessageItsResult)
{
    CSmtpClient c = Plain();
    std::string t1 = Unique("cppbatch1"), t3 = Unique("cppbatch3");
    std::string m1 = Message(t1, "one"), m2 = Message(Unique("cppbatch2"), "two"),
                m3 = Message(t3, "three");
    const char *to[3] = {"carol@localhost", "nosuch@localhost", "carol@localhost"};
    const std::string *body[3] = {&m1, &m2, &m3};
    SMTPBATCHMESSAGE b[3];
    for (int i = 0; i < 3; i++) {
        b[i] = SMTPBATCHMESSAGE{};
        b[i].dwSize = sizeof b[i];
        b[i].lpszFrom = "me@example.org";
        b[i].lpszRecipients = to[i];
        b[i].lpvMessage = body[i]->data();
        b[i].cbMessage = body[i]->size();
    }
    EXPECT_FALSE(c.SendMessages(b, 3));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NO_VALID_RECIPIENTS) << c.GetLastErrorDetail();
    EXPECT_EQ(b[0].dwError, (unsigned)ST_ERROR_NONE) << b[0].szResultString;
    EXPECT_EQ(b[0].nResultCode, 250);
    EXPECT_EQ(b[1].dwError, (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
    EXPECT_EQ(b[1].nRecipients, 1u);
    EXPECT_EQ(b[1].nAccepted, 0u);
    EXPECT_NE(std::string(b[1].szResultString).find("<nosuch@localhost> 550"), std::string::npos)
        << b[1].szResultString;
    EXPECT_EQ(b[2].dwError, (unsigned)ST_ERROR_NONE) << b[2].szResultString;
    EXPECT_TRUE(mwtest::EndsWith(WaitForMessage("carol", t1), AsStored(m1)));
    EXPECT_TRUE(mwtest::EndsWith(WaitForMessage("carol", t3), AsStored(m3)));
    EXPECT_EQ(c.Command("NOOP"), 250);
}

TEST(CppSmtp, TransactionCallsAndSimpleCommands)
{
    CSmtpClient c = Plain();
    std::string token = Unique("cpptx");
    std::string msg = Message(token, "line one\r\nline two\r\n");

    ASSERT_TRUE(c.SetDeliveryOptions(SMTP_NOTIFY_FAILURE | SMTP_RETURN_HEADERS, "env-1"));
    EXPECT_FALSE(c.SetDeliveryOptions(SMTP_NOTIFY_NEVER | SMTP_NOTIFY_FAILURE));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);

    ASSERT_TRUE(c.CreateMessage("me@example.org", msg.size())) << c.GetLastErrorDetail();
    ASSERT_TRUE(c.AddRecipient("carol@localhost")) << c.GetLastErrorDetail();
    EXPECT_FALSE(c.AddRecipient("nosuch@localhost"));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
    for (size_t i = 0; i < msg.size(); i += 7)
        ASSERT_TRUE(c.Write(std::string_view(msg).substr(i, 7))) << c.GetLastErrorDetail();
    ASSERT_TRUE(c.CloseMessage()) << c.GetLastErrorDetail();

    std::vector<mailwire::SmtpRecipientResult> results = c.GetRecipientResults();
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].address, "carol@localhost");
    EXPECT_EQ(results[0].resultCode, 250);
    EXPECT_EQ(results[1].resultCode, 550);
    EXPECT_EQ(results[1].enhancedCode, "5.1.1");
    EXPECT_FALSE(results[1].resultString.empty());
    EXPECT_TRUE(mwtest::EndsWith(WaitForMessage("carol", token), AsStored(msg)));

    // RSET abandons an open transaction.
    ASSERT_TRUE(c.SetDeliveryOptions(0));
    ASSERT_TRUE(c.CreateMessage("me@example.org"));
    ASSERT_TRUE(c.Reset());
    EXPECT_EQ(c.GetResultCode(), 250);

    // VRFY and EXPN as Postfix answers them; raw commands; the reply text.
    EXPECT_EQ(c.Command("NOOP"), 250);
    EXPECT_FALSE(c.GetResultString().empty());
    char buf[8];
    EXPECT_GT(c.GetResultString(buf, sizeof buf), 0);
    bool verified = c.VerifyAddress("carol@localhost");
    EXPECT_TRUE(verified || c.GetLastError() == ST_ERROR_SERVER_PERMANENT);
    std::string members;
    if (!c.ExpandAddress("carol@localhost", members)) {
        EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
    }
    EXPECT_EQ(c.Command("STARTTLS"), MAILWIRE_ERROR); // state changes need their own calls
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(c.Command("NOOP\r\nQUIT"), MAILWIRE_ERROR);
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

TEST(CppSmtp, SubmitMessageWithAttachmentsReadsBack)
{
    std::string token = Unique("cppsubmit");
    std::string dir = ::testing::TempDir();
    std::string att1 = dir + token + "-notes.txt", att2 = dir + token + "-data.bin";
    std::ofstream(att1) << "attached notes " << token << "\n";
    {
        std::ofstream bin(att2, std::ios::binary);
        for (int i = 0; i < 4096; ++i)
            bin.put(static_cast<char>(i & 0xff));
    }

    mailwire::CMailMessage m;
    m.SetFrom("Alice <alice@localhost>")
        .AddTo("carol@localhost")
        .AddCc("bob@localhost")
        .AddBcc("dave@localhost")
        .SetSubject("Gr\xc3\xbc\xc3\x9f"
                    "e " +
                    token)
        .SetText("Hello Carol\n")
        .SetHtml("<p>Hello Carol</p>\n")
        .AddAttachment(att1)
        .AddAttachment(att2);
    EXPECT_TRUE(m.AddHeader("X-Token", token));
    EXPECT_FALSE(m.AddHeader("X-Evil", "a\r\nBcc: everyone@example.org"));
    EXPECT_FALSE(m.AddHeader("X-Evil\n", "a"));
    EXPECT_FALSE(m.AddHeader("", "a"));

    SMTPSERVER server{};
    server.lpszHostName = "localhost";
    std::string pass = Env("MW_PASS1"), user = Env("MW_USER1");
    server.lpszUserName = user.c_str();
    server.lpszPassword = pass.c_str();
    server.nHostPort = Port("MW_SUBMISSION_PORT");
    server.dwOptions = SMTP_OPTION_SECURE;
    std::string trace;
    ASSERT_TRUE(CSmtpClient::SubmitMessageEx(server, m, Ca(), [&](unsigned, std::string_view data) {
        trace.append(data);
    })) << mailwire::GetLastErrorDetail();
    EXPECT_NE(trace.find("AUTH"), std::string::npos);
    EXPECT_EQ(trace.find(pass), std::string::npos) << "the password reached the trace";

    std::string got = WaitForMessage("carol", "X-Token: " + token);
    ASSERT_FALSE(got.empty());
    EXPECT_NE(got.find("Subject: =?"), std::string::npos); // RFC 2047 encoded
    EXPECT_NE(got.find(token + "-notes.txt"), std::string::npos);
    EXPECT_NE(got.find(token + "-data.bin"), std::string::npos);
    EXPECT_NE(got.find("multipart/alternative"), std::string::npos);
    EXPECT_EQ(got.find("Bcc:"), std::string::npos);
    EXPECT_EQ(got.find("X-Evil"), std::string::npos);
    // Bcc and Cc recipients got their copies.
    EXPECT_FALSE(WaitForMessage("dave", "X-Token: " + token).empty());
    EXPECT_FALSE(WaitForMessage("bob", "X-Token: " + token).empty());

    // The plain static form (no credentials, no AUTH) on port 25; errors in the thread's
    // last error.
    mailwire::CMailMessage plain;
    std::string plainToken = Unique("cppplain");
    plain.SetFrom("me@example.org").AddTo("carol@localhost").SetSubject(plainToken).SetText("x");
    SMTPSERVER port25{};
    port25.lpszHostName = "localhost";
    port25.nHostPort = Port("MW_SMTP_PORT");
    port25.dwOptions = SMTP_OPTION_EXTENDED;
    ASSERT_TRUE(CSmtpClient::SubmitMessage(port25, plain)) << mailwire::GetLastErrorDetail();
    EXPECT_FALSE(WaitForMessage("carol", plainToken).empty());
    plain.AddAttachment("/nonexistent/attachment.pdf");
    EXPECT_FALSE(CSmtpClient::SubmitMessage(port25, plain));
    EXPECT_EQ(mailwire::GetLastError(), (unsigned)ST_ERROR_FILE);

    // A throwing trace stops the submission at the C boundary.
    EXPECT_FALSE(CSmtpClient::SubmitMessageEx(server, m, Ca(), [](unsigned, std::string_view) {
        throw std::runtime_error("trace says no");
    }));
    EXPECT_EQ(mailwire::GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    std::remove(att1.c_str());
    std::remove(att2.c_str());
}

// SocketTools calls the static SubmitMessage through an object and then asks the object for
// the error: the object reports the static call until its own next call, and the other way
// round.
TEST(CppSmtp, StaticCallThroughObjectSetsItsLastError)
{
    mailwire::CMailMessage m;
    m.SetFrom("me@example.org").AddTo("carol@localhost").SetSubject(Unique("cppstatic"));
    m.SetText("x");
    SMTPSERVER server{};
    server.lpszHostName = "localhost";
    std::string user = Env("MW_USER1");
    server.lpszUserName = user.c_str();
    server.lpszPassword = "wrong password";
    server.nHostPort = Port("MW_SUBMISSION_PORT");
    server.dwOptions = SMTP_OPTION_SECURE;

    CSmtpClient client;
    ASSERT_TRUE(client.Connect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED))
        << client.GetLastErrorDetail();
    EXPECT_EQ(client.GetLastError(), (unsigned)ST_ERROR_NONE);
    EXPECT_FALSE(client.SubmitMessageEx(server, m, Ca()));
    EXPECT_EQ(client.GetLastErrorDetail(), mailwire::GetLastErrorDetail());
    EXPECT_EQ(client.GetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_EQ(client.GetErrorString(), CSmtpClient::GetErrorString(ST_ERROR_AUTHENTICATION_FAILED));
    // The server's reply, e.g. "AUTH: 535 5.7.8 Error: authentication failed".
    EXPECT_NE(client.GetLastErrorDetail().find("535"), std::string::npos)
        << client.GetLastErrorDetail();

    // The object's own next call replaces it.
    EXPECT_EQ(client.Command("NOOP"), 250);
    EXPECT_EQ(client.GetLastError(), (unsigned)ST_ERROR_NONE);
    EXPECT_TRUE(client.GetLastErrorDetail().empty());

    // A refused recipient through the plain form, then a static call that succeeds.
    SMTPSERVER port25{};
    port25.lpszHostName = "localhost";
    port25.nHostPort = Port("MW_SMTP_PORT");
    port25.dwOptions = SMTP_OPTION_EXTENDED;
    mailwire::CMailMessage refused;
    refused.SetFrom("me@example.org").AddTo("nosuch@localhost").SetSubject("x").SetText("x");
    EXPECT_FALSE(client.SubmitMessage(port25, refused));
    EXPECT_EQ(client.GetLastError(), (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
    EXPECT_FALSE(client.GetLastErrorDetail().empty());
    ASSERT_TRUE(client.SubmitMessage(port25, m)) << client.GetLastErrorDetail();
    EXPECT_EQ(client.GetLastError(), (unsigned)ST_ERROR_NONE);

    // Another thread's static call is its own.
    std::thread([&] { EXPECT_FALSE(CSmtpClient::SubmitMessage(port25, refused)); }).join();
    EXPECT_EQ(client.GetLastError(), (unsigned)ST_ERROR_NONE);
}

namespace
{
struct Counter {
    int calls = 0;
    void operator()(unsigned, unsigned)
    {
        ++calls;
    }
};
struct Listener {
    std::vector<int> codes;
    void OnCommand(CSmtpClient &c)
    {
        codes.push_back(c.GetResultCode());
    }
};
} // namespace

TEST(CppSmtp, EventHandlersTakeAnyCallable)
{
    CSmtpClient c;
    // Registered before the session exists: installed when AsyncConnect opens it.
    std::vector<unsigned> connectErrors;
    ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_CONNECT,
                                [&](unsigned, unsigned error) { connectErrors.push_back(error); }));
    Listener listener;
    ASSERT_TRUE(
        c.RegisterEvent(SMTP_EVENT_COMMAND, [&listener](CSmtpClient &client, unsigned, unsigned) {
            listener.OnCommand(client); // a member function through a lambda
        }));
    auto counter = std::make_shared<int>(0);
    std::function<void()> progress = [counter] { ++*counter; };
    ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_PROGRESS, progress));
    EXPECT_FALSE(c.RegisterEvent(0, [] {}));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_FALSE(c.RegisterEvent(MAILWIRE_EVENT_MAX, [] {}));

    ASSERT_TRUE(c.AsyncConnect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED));
    EXPECT_TRUE(c.IsInProgress());
    auto pump = [&c] {
        for (int rounds = 0; rounds < 10000; ++rounds) {
            mailwire::PollInfo p = c.GetPollInfo();
            if (p.timeout != 0)
                mwt_wait_socket(p.socket, p.events,
                                p.timeout < 0 || p.timeout > 1000 ? 1000 : p.timeout);
            int rc = c.Execute();
            if (rc != MAILWIRE_IN_PROGRESS)
                return rc;
        }
        return MAILWIRE_ERROR;
    };
    ASSERT_EQ(pump(), 0) << c.GetLastErrorDetail();
    ASSERT_EQ(connectErrors.size(), 1u);
    EXPECT_EQ(connectErrors[0], (unsigned)ST_ERROR_NONE);

    // A functor, then a message big enough for PROGRESS, sent non-blocking.
    Counter functorCopy;
    ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_CONNECT, functorCopy));
    std::string token = Unique("cppevents");
    std::string msg = Message(token, std::string(600 * 1024, 'p') + "\r\n");
    for (size_t i = 998; i < msg.size(); i += 999)
        msg[i] = '\n';
    listener.codes.clear();
    ASSERT_TRUE(c.SendMessage("me@example.org", "carol@localhost", msg));
    EXPECT_TRUE(c.IsInProgress());
    ASSERT_EQ(pump(), 0) << c.GetLastErrorDetail();
    EXPECT_GT(*counter, 0);
    ASSERT_FALSE(listener.codes.empty());
    EXPECT_EQ(listener.codes.back(), 250);
    EXPECT_FALSE(WaitForMessage("carol", token).empty());

    // Removal: no more calls.
    ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_COMMAND, nullptr));
    listener.codes.clear();
    ASSERT_TRUE(c.Reset());
    ASSERT_EQ(pump(), 0);
    EXPECT_TRUE(listener.codes.empty());
}

TEST(CppSmtp, ThrowingHandlersNeverCrossTheCBoundary)
{
    // A PROGRESS handler that throws: the send is cancelled, the method reports it.
    {
        CSmtpClient c = Plain();
        ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_PROGRESS, [](unsigned) {
            throw std::runtime_error("progress handler gave up");
        }));
        std::string token = Unique("cppthrow");
        std::string msg = Message(token, std::string(2 << 20, 'z'));
        for (size_t i = 990; i < msg.size(); i += 991)
            msg[i] = '\n';
        EXPECT_FALSE(c.SendMessage("me@example.org", "carol@localhost", msg));
        EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
        EXPECT_NE(c.GetLastErrorDetail().find("progress handler gave up"), std::string::npos)
            << c.GetLastErrorDetail();
        EXPECT_EQ(mailwire::GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
        // The session was cancelled mid-message; it is closed, not corrupted.
        EXPECT_EQ(c.Command("NOOP"), MAILWIRE_ERROR);
        EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NOT_CONNECTED);
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        EXPECT_TRUE(WaitForMessage("carol", token, 500).empty())
            << "a cancelled message was delivered";
    }
    // Something that is not a std::exception, from a COMMAND handler in a nested call.
    {
        CSmtpClient c = Plain();
        ASSERT_TRUE(
            c.RegisterEvent(SMTP_EVENT_COMMAND, [](CSmtpClient &client, unsigned, unsigned) {
                if (client.GetResultCode() == 250)
                    throw 42;
            }));
        EXPECT_EQ(c.Command("NOOP"), MAILWIRE_ERROR);
        EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
        EXPECT_NE(c.GetLastErrorDetail().find("not derived from std::exception"),
                  std::string::npos);
    }
    // A throwing trace.
    {
        CSmtpClient c = Plain();
        ASSERT_TRUE(c.SetTrace([](unsigned dir, std::string_view) {
            if (dir == MAILWIRE_TRACE_SENT)
                throw std::logic_error("trace failed");
        }));
        EXPECT_EQ(c.Command("NOOP"), MAILWIRE_ERROR);
        EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
        EXPECT_NE(c.GetLastErrorDetail().find("trace failed"), std::string::npos);
    }
}

TEST(CppSmtp, MoveSemantics)
{
    CSmtpClient a = Plain();
    HCLIENT h = a.GetHandle();
    ASSERT_NE(h, INVALID_CLIENT);
    CSmtpClient *seen = nullptr;
    ASSERT_TRUE(a.RegisterEvent(SMTP_EVENT_COMMAND,
                                [&seen](CSmtpClient &c, unsigned, unsigned) { seen = &c; }));

    CSmtpClient b(std::move(a));
    EXPECT_EQ(b.GetHandle(), h);
    EXPECT_EQ(a.GetHandle(), INVALID_CLIENT); // NOLINT(bugprone-use-after-move)
    EXPECT_FALSE(a.IsConnected());
    EXPECT_EQ(a.Command("NOOP"), MAILWIRE_ERROR);
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_FALSE(a.Disconnect());
    // The handler gets the object that holds the session now.
    EXPECT_EQ(b.Command("NOOP"), 250);
    EXPECT_EQ(seen, &b);

    // Move assignment disconnects the target's own session first (QUIT on its wire).
    CSmtpClient target = Plain();
    Wire wire;
    wire.Watch(target);
    target = std::move(b);
    EXPECT_NE(wire.sent->find("QUIT\r\n"), std::string::npos);
    EXPECT_NE(wire.received->find("221"), std::string::npos);
    EXPECT_EQ(target.GetHandle(), h);
    EXPECT_EQ(target.Command("NOOP"), 250);
    EXPECT_EQ(seen, &target);

    // A moved-from object can be reused.
    ASSERT_TRUE(a.Connect("localhost", Port("MW_SMTP_PORT"))) << a.GetLastErrorDetail();
    EXPECT_EQ(a.Command("NOOP"), 250);
    CSmtpClient empty;
    CSmtpClient fromEmpty(std::move(empty));
    EXPECT_FALSE(fromEmpty.IsConnected());
}

TEST(CppSmtp, DestructorSendsQuit)
{
    Wire wire;
    HCLIENT h;
    {
        CSmtpClient c = Plain();
        h = c.GetHandle();
        wire.Watch(c);
        ASSERT_EQ(c.Command("NOOP"), 250);
        bool handlerRan = false;
        ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_COMMAND, [&handlerRan] { handlerRan = true; }));
        (void)handlerRan;
    } // handlers are not called on a dying object; the trace sees QUIT
    EXPECT_NE(wire.sent->find("QUIT\r\n"), std::string::npos) << *wire.sent;
    EXPECT_NE(wire.received->find("221"), std::string::npos) << *wire.received;
    // The handle is gone.
    EXPECT_EQ(SmtpGetResultCode(h), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
}

TEST(CppSmtp, ThreadOwnershipAttachThreadAndFreeThread)
{
    CSmtpClient owned = Plain();
    CSmtpClient shared = Plain(SMTP_OPTION_FREETHREAD);
    int ownedRc = 0, sharedRc = 0;
    unsigned ownedErr = 0;
    std::thread([&] {
        ownedRc = owned.Command("NOOP");
        ownedErr = owned.GetLastError();
        sharedRc = shared.Command("NOOP");
    }).join();
    EXPECT_EQ(ownedRc, MAILWIRE_ERROR);
    EXPECT_EQ(ownedErr, (unsigned)ST_ERROR_NOT_OWNER);
    EXPECT_EQ(sharedRc, 250);

    // Hand the session to a worker, which uses it and hands it back.
    uint32_t me = MailwireGetCurrentThreadId();
    std::thread([&] {
        EXPECT_EQ(owned.AttachThread(), me);
        EXPECT_EQ(owned.Command("NOOP"), 250);
        EXPECT_NE(owned.AttachThread(me), 0u);
    }).join();
    EXPECT_EQ(owned.Command("NOOP"), 250);

    // Cancel from another thread ends a long blocking send.
    CSmtpClient big = Plain();
    std::atomic<bool> started{false};
    ASSERT_TRUE(big.RegisterEvent(SMTP_EVENT_PROGRESS, [&started] { started = true; }));
    std::string token = Unique("cppcancel");
    std::string msg = Message(token, "");
    std::string line(900, 'c');
    line += "\r\n";
    while (msg.size() < (64u << 20))
        msg += line;
    std::thread canceller([&] {
        for (int i = 0; i < 20000 && !started; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        EXPECT_TRUE(big.Cancel());
    });
    bool sent = big.SendMessage("me@example.org", "carol@localhost", msg);
    canceller.join();
    EXPECT_FALSE(sent);
    EXPECT_EQ(big.GetLastError(), (unsigned)ST_ERROR_CANCELLED);
}

TEST(CppSmtp, AttachAndDetachMixWithTheCApi)
{
    CSmtpClient c = Plain();
    HCLIENT h = c.Detach();
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_FALSE(c.IsConnected());
    EXPECT_EQ(SmtpCommand(h, "NOOP"), 250); // C code owns it now
    ASSERT_TRUE(c.Attach(h));
    EXPECT_EQ(c.Command("NOOP"), 250);
    EXPECT_FALSE(c.Attach(h));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_ALREADY_CONNECTED);

    HCLIENT fromC =
        SmtpConnect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED, nullptr, nullptr);
    ASSERT_NE(fromC, INVALID_CLIENT);
    CSmtpClient adopted;
    ASSERT_TRUE(adopted.Attach(fromC));
    EXPECT_EQ(adopted.Command("NOOP"), 250);

    // Not an SMTP session: refused.
    HCLIENT imap = ImapConnect("localhost", Port("MW_IMAP_PORT"), 20, 0, nullptr);
    ASSERT_NE(imap, INVALID_CLIENT);
    CSmtpClient wrong;
    EXPECT_FALSE(wrong.Attach(imap));
    EXPECT_EQ(wrong.GetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_FALSE(wrong.Attach(INVALID_CLIENT));
    EXPECT_EQ(ImapDisconnect(imap), 0);

    // Detach removes the object's handlers from the handle: C use afterwards is safe.
    int calls = 0;
    ASSERT_TRUE(adopted.RegisterEvent(SMTP_EVENT_COMMAND, [&calls] { ++calls; }));
    EXPECT_EQ(adopted.Command("NOOP"), 250);
    EXPECT_EQ(calls, 1);
    // Only the owner can take the callbacks off: another thread's Detach is refused and the
    // object keeps the session.
    HCLIENT stolen = INVALID_CLIENT;
    unsigned stolenErr = 0;
    std::thread([&] {
        stolen = adopted.Detach();
        stolenErr = adopted.GetLastError();
    }).join();
    EXPECT_EQ(stolen, INVALID_CLIENT);
    EXPECT_EQ(stolenErr, (unsigned)ST_ERROR_NOT_OWNER);
    EXPECT_TRUE(adopted.IsConnected());
    HCLIENT back = adopted.Detach();
    EXPECT_EQ(SmtpCommand(back, "NOOP"), 250);
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(SmtpDisconnect(back), 0);
}
