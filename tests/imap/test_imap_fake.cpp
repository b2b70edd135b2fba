// The IMAP client against the scripted fake server: what a real server will not do on demand
// (STARTTLS stripping and injection, PREAUTH, BYE mid-command, malformed and oversized
// responses, stalls, refused literals, LOGINDISABLED).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include <mailwire/smtp.h>

#include "common/tls_helpers.hpp"
#include "fake_server.hpp"
#include "imap_test_util.hpp"
#include "test_certs.hpp"

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;

FakeServerOptions StartTlsServer()
{
    FakeServerOptions o;
    o.tls.cert_file = TestCertPath("valid.pem");
    o.tls.key_file = TestCertPath("valid-key.pem");
    o.timeout = std::chrono::milliseconds(5000);
    return o;
}

struct Ca : mwtest::Creds {
    Ca() : mwtest::Creds(TestCertPath("ca.pem")) {}
};

// A session logged in on the fake server (the server script starts with the greeting and the
// LOGIN exchange).
HCLIENT LoggedIn(FakeServer &srv)
{
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 2, 0, nullptr);
    if (h == INVALID_CLIENT)
        return h;
    if (ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p") != 0) {
        ImapDisconnect(h);
        return INVALID_CLIENT;
    }
    return h;
}

FakeServer &Greet(FakeServer &srv, const std::string &caps = "IMAP4rev1 IDLE")
{
    return srv.Send("* OK [CAPABILITY " + caps + "] fake\r\n")
        .ExpectLine("A1 LOGIN u p")
        .Send("A1 OK [CAPABILITY " + caps + "] in\r\n");
}

// TLS connects here get 30 s, not 3: under Wine on a loaded machine loading the Windows trust
// store takes a second or more. (Two CI stops in "loading the trust store", 3 s and 30 s, were
// another program ending mid-load: see MailwireUninitialize() and tests/common/exit_env.cpp.)
TEST(ImapFake, StartTlsMissingIsRefusedBeforeAnythingIsSent)
{
    FakeServer srv(StartTlsServer());
    srv.Send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] no tls here\r\n").Stall().Start();
    Ca ca;
    HCLIENT h = ImapConnect("localhost", srv.port(), 30, IMAP_OPTION_SECURE, &ca.get());
    EXPECT_EQ(h, INVALID_CLIENT);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE);
    srv.WaitDone();
    EXPECT_EQ(srv.received(), "");
}

TEST(ImapFake, StartTlsResponseInjectionIsAViolation)
{
    for (int split = 0; split < 2; split++) {
        FakeServer srv(StartTlsServer());
        srv.Send("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n").ExpectLine("A1 STARTTLS");
        if (split)
            srv.Send("A1 OK begin TLS\r\n").Send("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
        else
            srv.Send("A1 OK begin TLS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
        srv.Stall().Start();
        Ca ca;
        HCLIENT h = ImapConnect("localhost", srv.port(), 30, IMAP_OPTION_SECURE, &ca.get());
        EXPECT_EQ(h, INVALID_CLIENT) << split;
        unsigned err = ImapGetLastError();
        // In one segment the injection is seen before TLS starts; split, it arrives where the
        // ServerHello should be.
        EXPECT_TRUE(err == ST_ERROR_PROTOCOL_VIOLATION || err == ST_ERROR_TLS_HANDSHAKE_FAILED)
            << split << " " << err << " " << MailwireGetLastErrorDetail();
        srv.WaitDone();
        std::string rx = srv.received();
        EXPECT_EQ(rx.find("LOGIN"), std::string::npos);
        EXPECT_EQ(rx.rfind("A1 STARTTLS\r\n", 0), 0u);
        if (!split) {
            EXPECT_EQ(rx, "A1 STARTTLS\r\n") << "no ClientHello after an injection";
        }
    }
}

TEST(ImapFake, StartTlsUpgradesAndAsksForCapabilitiesAgain)
{
    FakeServer srv(StartTlsServer());
    srv.Send("* OK [CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN] hi\r\n")
        .ExpectLine("A1 STARTTLS")
        .Send("A1 OK begin TLS\r\n")
        .StartTls()
        .ExpectLine("A2 CAPABILITY")
        .Send("* CAPABILITY IMAP4rev1 IDLE\r\nA2 OK\r\n")
        .ExpectLine("A3 LOGOUT")
        .Send("* BYE\r\nA3 OK\r\n")
        .Start();
    Ca ca;
    HCLIENT h = ImapConnect("localhost", srv.port(), 30, IMAP_OPTION_SECURE, &ca.get());
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_FALSE(ImapHasCapability(h, "AUTH=PLAIN"));
    EXPECT_TRUE(ImapHasCapability(h, "IDLE"));
    EXPECT_EQ(ImapDisconnect(h), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

TEST(ImapFake, PreauthWhileTlsIsRequiredAborts)
{
    FakeServer srv(StartTlsServer());
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] logged in\r\n").Stall().Start();
    Ca ca;
    HCLIENT h = ImapConnect("localhost", srv.port(), 30, IMAP_OPTION_SECURE, &ca.get());
    EXPECT_EQ(h, INVALID_CLIENT);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE);
    srv.WaitDone();
    EXPECT_EQ(srv.received(), "");
}

TEST(ImapFake, PreauthWithoutTlsRequirementIsAuthenticated)
{
    FakeServer srv;
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1] hello\r\n").Stall().Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p"), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_ALREADY_AUTHENTICATED);
    ImapDisconnect(h);
}

// With implicit TLS the greeting is the first thing over TLS: a PREAUTH greeting there is the
// greeting, not a PREAUTH after it (it failed the connect with PROTOCOL_VIOLATION).
TEST(ImapFake, PreauthGreetingOverImplicitTlsIsAuthenticated)
{
    FakeServerOptions o = StartTlsServer();
    o.implicit_tls = true;
    FakeServer srv(o);
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hello\r\n")
        .ExpectLine("A1 LOGOUT")
        .Send("* BYE bye\r\nA1 OK\r\n")
        .Start();
    Ca ca;
    HCLIENT h = ImapConnect("localhost", srv.port(), 30, IMAP_OPTION_SECURE_IMPLICIT, &ca.get());
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(ImapHasCapability(h, "IDLE"));
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p"), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_ALREADY_AUTHENTICATED);
    EXPECT_EQ(ImapDisconnect(h), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

// A PREAUTH session gets no login, so ENABLE goes out right after the greeting when the
// server offers it: UTF-8 mailbox names work there too (RFC 5161, RFC 6855).
TEST(ImapFake, PreauthSessionEnablesUtf8)
{
    FakeServer srv;
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT] hello\r\n")
        .ExpectLine("A1 ENABLE UTF8=ACCEPT")
        .Send("* ENABLED UTF8=ACCEPT\r\nA1 OK enabled\r\n")
        .ExpectLine("A2 CREATE \"Entw\xc3\xbcrfe\"")
        .Send("A2 OK\r\n")
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapCreateMailbox(h, "Entw\xc3\xbcrfe"), 0) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    ImapDisconnect(h);
}

// A handle of one protocol given to the other protocol's calls is not a valid handle there,
// also for the calls any thread may make (cancel, attach), so nothing acts on the wrong
// session.
TEST(ImapFake, AnImapHandleIsNotAnSmtpHandleAndViceVersa)
{
    FakeServer srv;
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1] hello\r\n")
        .ExpectLine("A1 LOGOUT")
        .Send("* BYE bye\r\nA1 OK\r\n")
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(SmtpCancel(h), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(SmtpAttachThread(h, 0), 0u);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(SmtpRegisterEvent(h, MAILWIRE_EVENT_COMMAND, nullptr, nullptr), SMTP_ERROR);
    EXPECT_EQ(SmtpExecute(h), SMTP_ERROR);
    EXPECT_EQ(SmtpDisconnect(h), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);

    FakeServer smtp;
    smtp.Send("220 fake\r\n")
        .ExpectLine("HELO")
        .Send("250 fake\r\n")
        .ExpectLine("QUIT")
        .Send("221 bye\r\n")
        .Start();
    HCLIENT s = SmtpConnect("127.0.0.1", smtp.port(), 3, SMTP_OPTION_NONE, "client.test", nullptr);
    ASSERT_NE(s, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapCancel(s), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(ImapAttachThread(s, 0), 0u);
    EXPECT_EQ(ImapRegisterEvent(s, MAILWIRE_EVENT_COMMAND, nullptr, nullptr), IMAP_ERROR);
    SECURITYINFO si{};
    si.dwSize = sizeof si;
    EXPECT_EQ(ImapGetSecurityInfo(s, &si), IMAP_ERROR);
    EXPECT_EQ(ImapExecute(s), IMAP_ERROR);
    MAILWIRE_SOCKET sock;
    unsigned ev;
    int t;
    EXPECT_EQ(ImapGetPollInfo(s, &sock, &ev, &t), IMAP_ERROR);
    EXPECT_EQ(ImapDisconnect(s), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    // Each still works with its own calls.
    EXPECT_EQ(ImapDisconnect(h), 0);
    EXPECT_EQ(SmtpDisconnect(s), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_TRUE(smtp.WaitDone());
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(smtp.error(), "");
}

TEST(ImapFake, ByeGreetingAndByeMidCommand)
{
    {
        FakeServer srv;
        srv.Send("* BYE too many connections\r\n").Close().Start();
        EXPECT_EQ(ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr), INVALID_CLIENT);
        EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_CONNECTION_CLOSED);
        EXPECT_NE(std::string(MailwireGetLastErrorDetail()).find("too many"), std::string::npos);
    }
    FakeServer srv;
    Greet(srv)
        .ExpectLine("A2 SELECT INBOX")
        .Send("* 3 EXISTS\r\n* BYE server shutting down\r\n")
        .Close()
        .Start();
    HCLIENT h = LoggedIn(srv);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    mwtest::Events ev;
    ev.Attach(h);
    EXPECT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_CONNECTION_CLOSED);
    EXPECT_NE(std::string(MailwireGetLastErrorDetail()).find("shutting down"), std::string::npos);
    EXPECT_EQ(ImapNoop(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_NOT_CONNECTED);
    EXPECT_EQ(ImapDisconnect(h), 0);
}

TEST(ImapFake, MalformedAndOversizedResponses)
{
    const char *cases[] = {"* 1 FETCH (UID 5\r\n",  "* LIST () \"/\" {99999999999}\r\n",
                           "* 1 FETCH (UID x)\r\n", "A9 OK unknown tag\r\n",
                           "+ unexpected\r\n",      "* SEARCH 1 0 2\r\n"};
    unsigned expect[] = {ST_ERROR_PROTOCOL_VIOLATION, ST_ERROR_LIMIT_EXCEEDED,
                         ST_ERROR_PROTOCOL_VIOLATION, ST_ERROR_PROTOCOL_VIOLATION,
                         ST_ERROR_PROTOCOL_VIOLATION, ST_ERROR_PROTOCOL_VIOLATION};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FakeServer srv;
        Greet(srv).ExpectLine("A2 NOOP").Send(cases[i]).Stall().Start();
        HCLIENT h = LoggedIn(srv);
        ASSERT_NE(h, INVALID_CLIENT);
        EXPECT_EQ(ImapNoop(h), IMAP_ERROR) << cases[i];
        EXPECT_EQ(ImapGetLastError(), expect[i]) << cases[i] << MailwireGetLastErrorDetail();
        ImapDisconnect(h);
    }
}

// RFC 9051 section 6.1.3: the client sends LOGOUT and may close. A non-blocking session does
// not wait for the reply (nor for the timeout when the server never answers), also when it
// has to end a running IDLE first; the server still receives DONE and LOGOUT.
TEST(ImapFake, NonBlockingDisconnectDoesNotWaitForTheLogoutReply)
{
    for (int idle = 0; idle < 2; idle++) {
        FakeServer srv;
        srv.Send("* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hello\r\n");
        if (idle)
            srv.ExpectLine("A1 IDLE")
                .Send("+ idling\r\n")
                .ExpectLine("DONE")
                .ExpectLine("A2 LOGOUT");
        else
            srv.ExpectLine("A1 LOGOUT");
        srv.Stall().Start();
        HCLIENT h = ImapAsyncConnect("127.0.0.1", srv.port(), 5, 0, nullptr);
        ASSERT_NE(h, INVALID_CLIENT);
        ASSERT_EQ(mwtest::Pump(h, std::chrono::seconds(3)), 0) << MailwireGetLastErrorDetail();
        mwtest::Trace tr; // attached for the rest of the session: declared to outlive it
        if (idle) {
            tr.Attach(h);
            ASSERT_EQ(ImapIdle(h, 0, IMAP_IDLE_NOWAIT, nullptr), MAILWIRE_IN_PROGRESS);
            EXPECT_EQ(
                mwtest::Pump(h, std::chrono::seconds(3),
                             [&] { return tr.Received().find("+ idling") != std::string::npos; }),
                MAILWIRE_IN_PROGRESS);
        }
        auto t0 = std::chrono::steady_clock::now();
        EXPECT_EQ(ImapDisconnect(h), 0);
        EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(1000))
            << "the 5 s timeout is not waited for";
        EXPECT_TRUE(srv.WaitDone()) << idle;
        EXPECT_EQ(srv.error(), "") << idle;
    }
}

// An event handler may disconnect the handle while a blocking call runs: the call returns
// with ST_ERROR_INVALID_HANDLE and touches nothing of the freed session (ASan checks).
TEST(ImapFake, DisconnectFromAnEventHandlerDuringABlockingCall)
{
    FakeServer srv;
    srv.Send("* PREAUTH [CAPABILITY IMAP4rev1] hello\r\n")
        .ExpectLine("A1 NOOP")
        .Send("A1 OK\r\n")
        .Stall()
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    struct Ctx {
        HCLIENT h;
        int rc = -99;
    } ctx{h};
    ASSERT_EQ(ImapRegisterEvent(
                  h, MAILWIRE_EVENT_COMMAND,
                  [](HCLIENT, unsigned, unsigned, void *u) {
                      auto *c = static_cast<Ctx *>(u);
                      c->rc = ImapDisconnect(c->h);
                  },
                  &ctx),
              0);
    EXPECT_EQ(ImapNoop(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(ctx.rc, 0) << "the handler's disconnect succeeded";
    EXPECT_EQ(ImapNoop(h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE) << "the handle is gone";
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.received().find("LOGOUT"), std::string::npos)
        << "no LOGOUT while the NOOP was still ending";
}

TEST(ImapFake, StalledServerTimesOut)
{
    FakeServer srv;
    Greet(srv).ExpectLine("A2 SELECT").Stall().Start();
    HCLIENT h = LoggedIn(srv);
    ASSERT_NE(h, INVALID_CLIENT);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_TIMEOUT);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
    ImapDisconnect(h);
}

TEST(ImapFake, RefusedSynchronisingLiteralIsNeverSent)
{
    // Without LITERAL+ a password with CR LF goes as a synchronising literal; the server says
    // NO before the "+": the literal (which would otherwise be read as a command) never goes.
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1] fake\r\n")
        .ExpectLine("A1 LOGIN u {18}")
        .Send("A1 NO [CANNOT] no literals today\r\n")
        .ExpectLine("A2 LOGIN u p")
        .Send("A2 OK [CAPABILITY IMAP4rev1] in\r\n")
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p\r\nA9 DELETE INBOX"), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p"), 0) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(srv.received().find("A9"), std::string::npos) << srv.received();
    ImapDisconnect(h);
}

TEST(ImapFake, AcceptedSynchronisingLiteralFollowsThePlus)
{
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1] fake\r\n")
        .ExpectLine("A1 LOGIN u {4}")
        .Send("+ go\r\n")
        .ReadBytes(6)
        .Send("A1 OK [CAPABILITY IMAP4rev1] in\r\n")
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    mwtest::Trace tr;
    tr.Attach(h);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p\r\nq"), 0) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    EXPECT_NE(srv.received().find("A1 LOGIN u {4}\r\np\r\nq\r\n"), std::string::npos);
    EXPECT_EQ(tr.Sent().find("p\r\nq"), std::string::npos) << "the literal password is redacted";
    ImapDisconnect(h);
}

TEST(ImapFake, InjectionThroughArgumentsIsImpossible)
{
    FakeServer srv;
    Greet(srv).ExpectLine("A2 NOOP").Send("A2 OK\r\n").Start();
    HCLIENT h = LoggedIn(srv);
    ASSERT_NE(h, INVALID_CLIENT);
    uint32_t ids[4];
    size_t n = 4;
    EXPECT_EQ(ImapSearchMailbox(h, nullptr, "ALL\r\nA5 DELETE INBOX", 0, ids, &n), IMAP_ERROR);
    EXPECT_EQ(ImapCommand(h, "NOOP\r\nA5 DELETE INBOX"), IMAP_ERROR);
    EXPECT_EQ(ImapCommand(h, "STARTTLS"), IMAP_ERROR);
    // Raw commands that would bypass the credential rules and the trace redaction, or move
    // the selected-mailbox state behind the engine's back, have their own functions.
    for (const char *cmd :
         {"LOGIN alice secret", "login alice secret", "AUTHENTICATE PLAIN", "SELECT INBOX",
          "EXAMINE INBOX", "CLOSE", "UNSELECT", "ENABLE UTF8=ACCEPT"}) {
        EXPECT_EQ(ImapCommand(h, cmd), IMAP_ERROR) << cmd;
        EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT) << cmd;
    }
    // Any control character, not only CR and LF; a literal in raw criteria would announce
    // bytes the engine never sends.
    EXPECT_EQ(ImapCommand(h, "SELECT\tINBOX"), IMAP_ERROR);
    EXPECT_EQ(ImapCommand(h, "NOOP\x7f"), IMAP_ERROR);
    n = 4;
    EXPECT_EQ(ImapSearchMailbox(h, nullptr, "SUBJECT {3}", 0, ids, &n), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    // Calls that could never return or make no sense are refused before any I/O.
    EXPECT_EQ(ImapIdle(h, 0, IMAP_IDLE_NOWAIT, nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(ImapFetchMessages(h, 5, 2, 0, mwtest::Collect::Fn, nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(ImapStoreFlags(h, "1\r\n", IMAP_STORE_ADD, IMAP_FLAG_SEEN, nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapStoreFlags(h, "1", IMAP_STORE_ADD, 0, "a\r\nb"), IMAP_ERROR);
    EXPECT_EQ(ImapFetchMessage(h, 1, 0, "]\r\nA5 X", 0, 0, mwtest::Collect::Fn, nullptr),
              IMAP_ERROR);
    EXPECT_EQ(ImapNoop(h), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.received().find("A5"), std::string::npos) << srv.received();
    ImapDisconnect(h);
}

TEST(ImapFake, LoginDisabledRefusesLogin)
{
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1 LOGINDISABLED] no login\r\n").Stall().Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 1, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, "u", "p"), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_CLEARTEXT_REFUSED);
    ImapDisconnect(h);
    srv.WaitDone();
    EXPECT_EQ(srv.received().find("LOGIN"), std::string::npos);
}

TEST(ImapFake, MoveFallbackCopiesThenDeletesOnlyAfterTheCopySucceeded)
{
    FakeServer srv;
    Greet(srv, "IMAP4rev1 UIDPLUS")
        .ExpectLine("A2 SELECT INBOX")
        .Send("* 3 EXISTS\r\nA2 OK [READ-WRITE] sel\r\n")
        .ExpectLine("A3 UID COPY 7 Archive")
        .Send("A3 NO [TRYCREATE] no such mailbox\r\n")
        .ExpectLine("A4 UID COPY 7 Archive")
        .Send("A4 OK [COPYUID 1 7 1] done\r\n")
        .ExpectLine("A5 UID STORE 7 +FLAGS.SILENT (\\Deleted)")
        .ExpectLine("A6 UID EXPUNGE 7")
        .Send("A5 OK\r\n* 2 EXPUNGE\r\nA6 OK\r\n")
        .Start();
    HCLIENT h = LoggedIn(srv);
    ASSERT_NE(h, INVALID_CLIENT);
    ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), 0);
    EXPECT_EQ(ImapMoveMessage(h, "7", "Archive", IMAP_FETCH_UID), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
    EXPECT_EQ(ImapMoveMessage(h, "7", "Archive", IMAP_FETCH_UID), 0)
        << MailwireGetLastErrorDetail();
    unsigned n = 0;
    ImapGetMessageCount(h, &n);
    EXPECT_EQ(n, 2u);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    ImapDisconnect(h);
}

// Without UIDPLUS the fallback must not EXPUNGE: that would also remove other messages that
// are marked \Deleted. The originals stay marked; the next command is the caller's NOOP.
TEST(ImapFake, MoveFallbackWithoutUidplusNeverExpungesOtherMessages)
{
    FakeServer srv;
    Greet(srv, "IMAP4rev1")
        .ExpectLine("A2 SELECT INBOX")
        .Send("* 3 EXISTS\r\nA2 OK [READ-WRITE] sel\r\n")
        .ExpectLine("A3 UID COPY 7 Archive")
        .Send("A3 OK done\r\n")
        .ExpectLine("A4 UID STORE 7 +FLAGS.SILENT (\\Deleted)")
        .Send("A4 OK\r\n")
        .ExpectLine("A5 NOOP")
        .Send("A5 OK\r\n")
        .Start();
    HCLIENT h = LoggedIn(srv);
    ASSERT_NE(h, INVALID_CLIENT);
    ASSERT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), 0);
    EXPECT_EQ(ImapMoveMessage(h, "7", "Archive", IMAP_FETCH_UID), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapNoop(h), 0);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(srv.received().find("EXPUNGE"), std::string::npos) << srv.received();
    ImapDisconnect(h);
}

// base64 of a string (test side, independent of the library's encoder).
std::string B64(const std::string &in)
{
    static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v =
            (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16;
        out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
}

TEST(ImapFake, Xoauth2WithSaslIr)
{
    std::string ir = B64(std::string("user=me@example.org\x01"
                                     "auth=Bearer tok123\x01\x01"));
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER] hi\r\n")
        .ExpectLine("A1 AUTHENTICATE XOAUTH2 " + ir)
        .Send("A1 OK [CAPABILITY IMAP4rev1 IDLE] welcome\r\n")
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    mwtest::Trace tr;
    tr.Attach(h);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_XOAUTH2, "me@example.org", "tok123"), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(tr.Sent().find(ir), std::string::npos) << "the token is redacted";
    EXPECT_TRUE(ImapHasCapability(h, "IDLE"));
    ImapDisconnect(h);
}

TEST(ImapFake, Xoauth2ErrorChallengeGetsTheEmptyResponse)
{
    std::string err = B64("{\"status\":\"401\",\"schemes\":\"bearer\"}");
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1 AUTH=XOAUTH2] hi\r\n")
        .ExpectLine("A1 AUTHENTICATE XOAUTH2")
        .Send("+ \r\n")
        .ExpectLine("dXNlcj1")
        .Send("+ " + err + "\r\n")
        .ExpectLine("") // the empty response
        .Send("A1 NO [AUTHENTICATIONFAILED] invalid credentials\r\n")
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_XOAUTH2, "me@example.org", "expired"), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    auto lines = srv.received_lines();
    ASSERT_GE(lines.size(), 3u);
    EXPECT_EQ(lines[2], "");
    ImapDisconnect(h);
}

TEST(ImapFake, OauthBearerAndPlainWithoutSaslIr)
{
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1 AUTH=OAUTHBEARER AUTH=PLAIN] hi\r\n")
        .ExpectLine("A1 AUTHENTICATE OAUTHBEARER")
        .Send("+ \r\n")
        .ExpectLine(B64("n,a=me@example.org,\x01host=127.0.0.1\x01").substr(0, 20))
        .Send("A1 OK [CAPABILITY IMAP4rev1] ok\r\n")
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_BEARER, "me@example.org", "tok"), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    ImapDisconnect(h);

    FakeServer p;
    p.Send("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN AUTH=ANONYMOUS] hi\r\n")
        .ExpectLine("A1 AUTHENTICATE PLAIN")
        .Send("+ \r\n")
        .ExpectLine(B64(std::string("\0u\0p", 4)))
        .Send("A1 NO wrong\r\n")
        .ExpectLine("A2 AUTHENTICATE ANONYMOUS")
        .Send("+ \r\n")
        .ExpectLine(B64("trace"))
        .Send("A2 OK [CAPABILITY IMAP4rev1] anonymous\r\n")
        .Start();
    h = ImapConnect("127.0.0.1", p.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_PLAIN, "u", "p"), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_ANONYMOUS, "trace", nullptr), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_TRUE(p.WaitDone());
    EXPECT_EQ(p.error(), "");
    ImapDisconnect(h);
}

TEST(ImapFake, ScramServerWithoutProofIsRejected)
{
    // A server that says OK without sending the SCRAM server-final message has not proved it
    // knows the password.
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256] hi\r\n")
        .ExpectLine("A1 AUTHENTICATE SCRAM-SHA-256 ")
        .Send("A1 OK [CAPABILITY IMAP4rev1] trust me\r\n")
        .Stall()
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_SCRAM_SHA256, "u", "p"), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    ImapDisconnect(h);
}

TEST(ImapFake, EnabledUtf8SendsMailboxNamesAsUtf8)
{
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT LITERAL+] hi\r\n")
        .ExpectLine("A1 LOGIN u p")
        .Send("A1 OK [CAPABILITY IMAP4rev1 ENABLE UTF8=ACCEPT LITERAL+] in\r\n")
        .ExpectLine("A2 ENABLE UTF8=ACCEPT")
        .Send("* ENABLED UTF8=ACCEPT\r\nA2 OK\r\n")
        .ExpectLine("A3 CREATE \"Entw\xc3\xbcrfe\"")
        .Send("A3 OK\r\n")
        .Start();
    HCLIENT h = LoggedIn(srv);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapCreateMailbox(h, "Entw\xc3\xbcrfe"), 0) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    ImapDisconnect(h);
}

TEST(ImapFake, IdentifySendsIdWhenOffered)
{
    FakeServer srv;
    srv.Send("* OK [CAPABILITY IMAP4rev1 ID] hi\r\n")
        .ExpectLine("A1 ID (\"name\" \"mailwire\")")
        .Send("* ID (\"name\" \"fake\")\r\nA1 OK\r\n")
        .Start();
    HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, IMAP_OPTION_IDENTIFY, nullptr);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
    ImapDisconnect(h);
}

TEST(ImapFake, HandlesBelongToTheirThreadUnlessFreeThread)
{
    for (uint32_t opt : {0u, (uint32_t)IMAP_OPTION_FREETHREAD}) {
        FakeServer srv;
        srv.Send("* OK [CAPABILITY IMAP4rev1] hi\r\n")
            .ExpectLine("A1 NOOP")
            .Send("A1 OK\r\n")
            .Start();
        HCLIENT h = ImapConnect("127.0.0.1", srv.port(), 3, opt, nullptr);
        ASSERT_NE(h, INVALID_CLIENT);
        int rc = 0;
        unsigned err = 0;
        std::thread t([&] {
            rc = ImapNoop(h);
            err = ImapGetLastError();
        });
        t.join();
        if (opt) {
            EXPECT_EQ(rc, 0) << "FREETHREAD: any thread may call";
        } else {
            EXPECT_EQ(rc, IMAP_ERROR);
            EXPECT_EQ(err, (unsigned)ST_ERROR_NOT_OWNER);
            // Hand the handle over, use it there, and take it back.
            std::thread u([&] {
                ImapAttachThread(h, 0);
                rc = ImapNoop(h);
            });
            u.join();
            EXPECT_EQ(rc, 0) << MailwireGetLastErrorDetail();
        }
        ImapAttachThread(h, 0);
        ImapDisconnect(h);
    }
}

// A Cancel from a PROGRESS callback stops an APPEND where it is, even when the socket takes
// everything at once: the line ending that would complete the command never goes out, so the
// server appends nothing.
void MAILWIRE_CALLBACK CancelOnProgress(HCLIENT h, unsigned ev, unsigned, void *)
{
    if (ev == IMAP_EVENT_PROGRESS)
        ImapCancel(h);
}

TEST(ImapFake, CancelFromAProgressCallbackLeavesTheAppendIncomplete)
{
    FakeServer srv;
    Greet(srv, "IMAP4rev1 LITERAL+").ExpectLine("A2 APPEND").Stall().Start();
    HCLIENT h = LoggedIn(srv);
    ASSERT_NE(h, INVALID_CLIENT);
    ASSERT_EQ(ImapRegisterEvent(h, IMAP_EVENT_PROGRESS, CancelOnProgress, nullptr), 0);
    std::string msg = "Subject: cancel\r\n\r\n";
    for (int i = 0; i < 600 * 1024 / 64; i++)
        msg += std::string(62, 'x') + "\r\n";
    EXPECT_EQ(ImapCreateMessage(h, "INBOX", 0, nullptr, msg.data(), msg.size(), nullptr),
              IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_CANCELLED);
    ImapDisconnect(h);
    ASSERT_TRUE(srv.WaitDone());
    std::string got = srv.received();
    size_t at = got.find("A2 APPEND");
    ASSERT_NE(at, std::string::npos);
    size_t literal = got.find("\r\n", at) + 2;
    EXPECT_LE(got.size() - literal, msg.size()) << "the APPEND was completed after a cancel";
}

} // namespace
