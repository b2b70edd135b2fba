// The SMTP API against the fixture's real Postfix: every port and option, every AUTH
// mechanism it offers, messages read back from the Maildir, many messages over one
// connection, and many non-blocking sessions driven by one thread.
#include <gtest/gtest.h>

#include "common/portable.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "smtp_test_util.hpp"

extern "C" {
#include "core/session/client.h"
#include "core/smtp/engine.h"
}

namespace
{

using mwtest::AsStored;
using mwtest::CaCreds;
using mwtest::EndsWith;
using mwtest::Fx;
using mwtest::Unique;
using mwtest::WaitForMessage;

uint16_t Port(const char *key)
{
    return Fx().Port(key);
}

// A connected handle, disconnected at scope end.
struct Conn {
    HCLIENT h = INVALID_CLIENT;
    Conn(uint16_t port, uint32_t options)
    {
        CaCreds ca;
        h = SmtpConnect("localhost", port, 10, options, "client.mailwire.test", ca.get());
    }
    ~Conn()
    {
        if (h != INVALID_CLIENT)
            SmtpDisconnect(h);
    }
    operator HCLIENT() const
    {
        return h;
    }
    std::string Result() const
    {
        char buf[1024] = "";
        SmtpGetResultString(h, buf, sizeof buf);
        return std::to_string(SmtpGetResultCode(h)) + " " + buf + " / " +
               MailwireGetLastErrorDetail();
    }
};

const uint32_t kPostfixCaps = SMTP_EXTOPT_PIPELINING | SMTP_EXTOPT_SIZE | SMTP_EXTOPT_8BITMIME |
                              SMTP_EXTOPT_SMTPUTF8 | SMTP_EXTOPT_DSN | SMTP_EXTOPT_CHUNKING |
                              SMTP_EXTOPT_ENHANCEDSTATUSCODES;

TEST(SmtpReal, PlainPortCapabilitiesMatchPostfix)
{
    Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    uint32_t caps = 0;
    uint64_t limit = 0;
    const char *lines = nullptr;
    ASSERT_EQ(SmtpGetExtendedOptionsEx(c, &caps, &limit, &lines), 0);
    EXPECT_EQ(caps & kPostfixCaps, kPostfixCaps);
    EXPECT_TRUE(caps & SMTP_EXTOPT_STARTTLS);
    EXPECT_FALSE(caps & SMTP_EXTOPT_AUTH) << "port 25 of the fixture offers no AUTH";
    EXPECT_EQ(limit, std::stoull(Fx().Value("MW_MESSAGE_SIZE_LIMIT")));
    EXPECT_NE(std::string(lines).find("PIPELINING"), std::string::npos);
    SECURITYINFO si{};
    si.dwSize = sizeof si;
    ASSERT_EQ(SmtpGetSecurityInfo(c, &si), 0);
    EXPECT_EQ(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_NONE);
    EXPECT_EQ(SmtpGetResultCode(c), 250);
}

TEST(SmtpReal, StartTlsOnThePlainPortThenCapabilitiesFromAfterTls)
{
    Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_SECURE);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    SECURITYINFO si{};
    si.dwSize = sizeof si;
    ASSERT_EQ(SmtpGetSecurityInfo(c, &si), 0);
    EXPECT_GE(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
    EXPECT_TRUE(si.bVerified);
    uint32_t caps = 0;
    ASSERT_EQ(SmtpGetExtendedOptions(c, &caps), 0);
    EXPECT_FALSE(caps & SMTP_EXTOPT_STARTTLS) << "Postfix drops STARTTLS after TLS: the "
                                                 "capabilities are the post-TLS ones";
    EXPECT_EQ(caps & kPostfixCaps, kPostfixCaps);
}

TEST(SmtpReal, WithoutExtendedHeloAndNoExtensions)
{
    Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_NONE);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    uint32_t caps = 1;
    ASSERT_EQ(SmtpGetExtendedOptions(c, &caps), 0);
    EXPECT_EQ(caps, 0u);
    std::string token = Unique("helo");
    std::string msg = "Subject: " + token + "\r\n\r\nsent after HELO\r\n";
    ASSERT_EQ(SmtpSendMessage(c, "me@example.org", "alice@localhost", msg.data(), msg.size(), 0), 0)
        << c.Result();
    EXPECT_TRUE(EndsWith(WaitForMessage("alice", token), AsStored(msg)));
}

TEST(SmtpReal, SubmissionRequiresTls)
{
    // Without SECURE the submission port offers no AUTH before TLS.
    Conn c(Port("MW_SUBMISSION_PORT"), SMTP_OPTION_EXTENDED);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(SmtpAuthenticate(c, SMTP_AUTH_PLAIN, "alice", "alice-secret"), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_AUTHENTICATION_TYPE);
    std::string msg = "Subject: x\r\n\r\nx\r\n";
    EXPECT_EQ(SmtpSendMessage(c, "alice@localhost", "bob@localhost", msg.data(), msg.size(), 0),
              SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT) << c.Result();
}

struct Mech {
    unsigned type;
    const char *name;
};

void PrintTo(const Mech &m, std::ostream *os)
{
    *os << m.name;
}

class SmtpRealAuth : public ::testing::TestWithParam<Mech>
{
};

TEST_P(SmtpRealAuth, SubmissionWithStartTls)
{
    for (auto [user, pass] :
         {std::pair<std::string, std::string>{Fx().Value("MW_USER1"), Fx().Value("MW_PASS1")},
          {Fx().Value("MW_USER2"), Fx().Value("MW_PASS2")}}) {
        Conn c(Port("MW_SUBMISSION_PORT"), SMTP_OPTION_SECURE | SMTP_OPTION_EXTENDED);
        ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        ASSERT_EQ(SmtpAuthenticate(c, GetParam().type, user.c_str(), pass.c_str()), 0)
            << user << ": " << c.Result();
        EXPECT_EQ(SmtpGetResultCode(c), 235);
        std::string token = Unique(GetParam().name);
        std::string msg = "Subject: " + token + "\r\n\r\nauthenticated\r\n";
        std::string from = user + "@localhost";
        ASSERT_EQ(SmtpSendMessage(c, from.c_str(), "alice@localhost", msg.data(), msg.size(), 0), 0)
            << c.Result();
        EXPECT_TRUE(EndsWith(WaitForMessage("alice", token), AsStored(msg)));
    }
}

TEST_P(SmtpRealAuth, WrongPasswordIsAuthFailedAndTheSessionGoesOn)
{
    Conn c(Port("MW_SUBMISSION_PORT"), SMTP_OPTION_SECURE);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(SmtpAuthenticate(c, GetParam().type, "alice", "wrong"), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED) << c.Result();
    EXPECT_EQ(SmtpAuthenticate(c, GetParam().type, "alice", "alice-secret"), 0) << c.Result();
}

INSTANTIATE_TEST_SUITE_P(
    Mechanisms, SmtpRealAuth,
    ::testing::Values(Mech{SMTP_AUTH_PLAIN, "PLAIN"}, Mech{SMTP_AUTH_LOGIN, "LOGIN"},
                      Mech{SMTP_AUTH_CRAMMD5, "CRAMMD5"}, Mech{SMTP_AUTH_SCRAMSHA1, "SCRAMSHA1"},
                      Mech{SMTP_AUTH_SCRAMSHA256, "SCRAMSHA256"}, Mech{SMTP_AUTH_AUTO, "AUTO"}),
    [](const auto &info) { return std::string(info.param.name); });

TEST(SmtpReal, ImplicitTlsPortWithAuth)
{
    Conn c(Port("MW_SMTPS_PORT"), SMTP_OPTION_SECURE_IMPLICIT | SMTP_OPTION_EXTENDED);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    SECURITYINFO si{};
    si.dwSize = sizeof si;
    ASSERT_EQ(SmtpGetSecurityInfo(c, &si), 0);
    EXPECT_TRUE(si.bVerified);
    ASSERT_EQ(SmtpAuthenticate(c, SMTP_AUTH_AUTO, "carol", "carol-secret"), 0) << c.Result();
    std::string token = Unique("smtps");
    std::string msg = "Subject: " + token + "\r\n\r\nover implicit TLS\r\n";
    ASSERT_EQ(SmtpSendMessage(c, "carol@localhost", "carol@localhost", msg.data(), msg.size(), 0),
              0)
        << c.Result();
    EXPECT_TRUE(EndsWith(WaitForMessage("carol", token), AsStored(msg)));
}

TEST(SmtpReal, BadCertificateIsRejected)
{
    Conn c(Port("MW_SMTPS_WRONGHOST_PORT"), SMTP_OPTION_SECURE_IMPLICIT);
    EXPECT_EQ(c.h, INVALID_CLIENT);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
}

TEST(SmtpReal, TrustedSiteSkipsValidationButKeepsTls)
{
    Conn c(Port("MW_SMTPS_WRONGHOST_PORT"), SMTP_OPTION_SECURE_IMPLICIT | SMTP_OPTION_TRUSTEDSITE);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    SECURITYINFO si{};
    si.dwSize = sizeof si;
    ASSERT_EQ(SmtpGetSecurityInfo(c, &si), 0);
    EXPECT_TRUE(si.bTrustedSite);
    EXPECT_FALSE(si.bVerified);
    EXPECT_GE(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
}

TEST(SmtpReal, ThreadOwnershipAndFreeThread)
{
    Conn owned(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED | SMTP_OPTION_PREFER_IPV6);
    Conn shared(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED | SMTP_OPTION_FREETHREAD);
    ASSERT_NE(owned.h, INVALID_CLIENT);
    ASSERT_NE(shared.h, INVALID_CLIENT);
    int owned_rc = 0, shared_rc = 0;
    unsigned owned_err = 0;
    std::thread t([&] {
        owned_rc = SmtpCommand(owned, "NOOP");
        owned_err = SmtpGetLastError();
        shared_rc = SmtpCommand(shared, "NOOP");
    });
    t.join();
    EXPECT_EQ(owned_rc, SMTP_ERROR);
    EXPECT_EQ(owned_err, (unsigned)ST_ERROR_NOT_OWNER);
    EXPECT_EQ(shared_rc, 250);
    // Hand the owned handle to another thread, which takes it and sends QUIT.
    std::thread t2([&] {
        EXPECT_NE(SmtpAttachThread(owned, 0), 0u);
        EXPECT_EQ(SmtpCommand(owned, "NOOP"), 250);
        EXPECT_EQ(SmtpDisconnect(owned), 0);
    });
    t2.join();
    owned.h = INVALID_CLIENT;
}

// Bodies that need normalisation or dot-stuffing arrive as the RFC says they should.
TEST(SmtpReal, BodiesReadBackFromTheMaildir)
{
    const std::vector<std::string> bodies = {
        ".leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n",
        "bare LF\nline two\n.\nend\n",
        "bare CR\rline two\r.\rend",
        "no final CRLF",
        "8-bit: gr\xc3\xbc\xc3\x9f"
        "e \xe2\x82\xac\r\n",
        std::string(998, 'L') + "\r\n" + std::string(997, 'M') + "\r\n", // the longest lines
        "mixed\r\n\n\r\r\n.\r\n..\r\n",
    };
    for (uint32_t opts : {SMTP_OPTION_EXTENDED, SMTP_OPTION_EXTENDED | SMTP_OPTION_NOCHUNKING |
                                                    SMTP_OPTION_NOPIPELINING}) {
        Conn c(Port("MW_SMTP_PORT"), opts);
        ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        for (const auto &body : bodies) {
            std::string token = Unique("body");
            std::string msg = "Subject: " + token + "\r\n\r\n" + body;
            ASSERT_EQ(
                SmtpSendMessage(c, "me@example.org", "carol@localhost", msg.data(), msg.size(), 0),
                0)
                << c.Result();
            std::string got = WaitForMessage("carol", token);
            EXPECT_TRUE(EndsWith(got, AsStored(msg))) << testing::PrintToString(body) << "\n---\n"
                                                      << got;
        }
    }
}

// The transaction API: the same bodies written in awkward pieces.
TEST(SmtpReal, TransactionApiWritesInPieces)
{
    Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    std::string token = Unique("tx");
    std::string msg = "Subject: " + token + "\r\n\r\n.a\r\n.\r\nb\rc\nd\r\n.";
    for (size_t piece : {size_t(1), size_t(2), size_t(7)}) {
        ASSERT_EQ(SmtpCreateMessage(c, "me@example.org", msg.size(), 0), 0) << c.Result();
        ASSERT_EQ(SmtpAddRecipient(c, "nobody-here@localhost"), SMTP_ERROR);
        EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
        ASSERT_EQ(SmtpAddRecipient(c, "Carol <carol@localhost>"), 0) << c.Result();
        for (size_t off = 0; off < msg.size(); off += piece)
            ASSERT_EQ(SmtpWrite(c, msg.data() + off, std::min(piece, msg.size() - off)), 0)
                << c.Result();
        ASSERT_EQ(SmtpCloseMessage(c), 0) << c.Result();
        EXPECT_EQ(SmtpGetRecipientCount(c), 2);
    }
    std::string got = WaitForMessage("carol", token);
    EXPECT_TRUE(EndsWith(got, AsStored(msg))) << got;
}

// Checklist item 39: a piece that would make a line longer than 998 octets is refused before
// any of it is sent, so the message stays intact; the caller can end the line and go on.
TEST(SmtpReal, TransactionApiRefusesAnOverlongLineAndGoesOn)
{
    Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    std::string token = Unique("long");
    std::string head = "Subject: " + token + "\r\n\r\n";
    ASSERT_EQ(SmtpCreateMessage(c, "me@example.org", 0, 0), 0) << c.Result();
    ASSERT_EQ(SmtpAddRecipient(c, "carol@localhost"), 0) << c.Result();
    ASSERT_EQ(SmtpWrite(c, head.data(), head.size()), 0);
    std::string a(600, 'a'), b(400, 'b'), end = "\r\nend\r\n";
    ASSERT_EQ(SmtpWrite(c, a.data(), a.size()), 0);
    EXPECT_EQ(SmtpWrite(c, b.data(), b.size()), SMTP_ERROR); // 1000 octets on one line
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(MailwireGetLastErrorDetail()).find("998"), std::string::npos);
    ASSERT_EQ(SmtpWrite(c, end.data(), end.size()), 0);
    ASSERT_EQ(SmtpCloseMessage(c), 0) << c.Result();
    std::string got = WaitForMessage("carol", token);
    EXPECT_TRUE(EndsWith(got, AsStored(head + a + end))) << got;
}

// The transaction API on a non-blocking session: every call returns "in progress" and the
// caller's buffer may be reused at once (SmtpWrite copies it).
TEST(SmtpReal, NonBlockingTransactionApi)
{
    CaCreds ca;
    HCLIENT h = SmtpAsyncConnect("localhost", Port("MW_SMTP_PORT"), 10, SMTP_OPTION_SECURE, nullptr,
                                 ca.get());
    ASSERT_NE(h, INVALID_CLIENT);
    auto pump = [h]() -> int {
        int r;
        while ((r = SmtpExecute(h)) == SMTP_IN_PROGRESS) {
            MAILWIRE_SOCKET sock;
            unsigned events;
            int t;
            if (SmtpGetPollInfo(h, &sock, &events, &t) != 0)
                return SMTP_ERROR;
            mwt_wait_socket(sock, events, t < 0 ? 10000 : t);
        }
        return r;
    };
    ASSERT_EQ(pump(), 0) << MailwireGetLastErrorDetail();
    std::string token = Unique("nbtx");
    std::string msg = "Subject: " + token + "\r\n\r\n.one\r\ntwo\nthree\r";
    ASSERT_EQ(SmtpCreateMessage(h, "me@example.org", msg.size(), 0), SMTP_IN_PROGRESS);
    ASSERT_EQ(pump(), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(SmtpAddRecipient(h, "carol@localhost"), SMTP_IN_PROGRESS);
    ASSERT_EQ(pump(), 0) << MailwireGetLastErrorDetail();
    std::string buf;
    for (size_t off = 0; off < msg.size(); off += 5) {
        buf = msg.substr(off, 5);
        ASSERT_EQ(SmtpWrite(h, buf.data(), buf.size()), SMTP_IN_PROGRESS);
        ASSERT_EQ(pump(), 0) << MailwireGetLastErrorDetail();
        // The buffer is the caller's until the operation has ended (common.h); after that
        // the library no longer reads it.
        buf.assign(buf.size(), '#');
    }
    ASSERT_EQ(SmtpCloseMessage(h), SMTP_IN_PROGRESS);
    ASSERT_EQ(pump(), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(SmtpGetResultCode(h), 250);
    EXPECT_EQ(SmtpDisconnect(h), 0);
    EXPECT_TRUE(EndsWith(WaitForMessage("carol", token), AsStored(msg)));
}

TEST(SmtpReal, RefusedRecipientsAreReportedOrFatalOnRequest)
{
    std::string token = Unique("rcpt");
    std::string msg = "Subject: " + token + "\r\n\r\nhello\r\n";
    {
        Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED);
        ASSERT_NE(c.h, INVALID_CLIENT);
        ASSERT_EQ(SmtpSendMessage(c, "me@example.org", "alice@localhost, nosuch@localhost",
                                  msg.data(), msg.size(), 0),
                  0)
            << c.Result();
        ASSERT_EQ(SmtpGetRecipientCount(c), 2);
        SMTPRECIPIENT r{};
        r.dwSize = sizeof r;
        ASSERT_EQ(SmtpGetRecipientResult(c, 1, &r), 0);
        EXPECT_EQ(r.nResultCode, 550);
        EXPECT_STREQ(r.szEnhancedCode, "5.1.1");
        EXPECT_STREQ(r.lpszAddress, "nosuch@localhost");
        ASSERT_EQ(SmtpGetRecipientResult(c, 0, &r), 0);
        EXPECT_EQ(r.nResultCode, 250);
        EXPECT_FALSE(WaitForMessage("alice", token).empty());

        // Every recipient refused.
        EXPECT_EQ(
            SmtpSendMessage(c, "me@example.org", "nosuch@localhost", msg.data(), msg.size(), 0),
            SMTP_ERROR);
        EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
        // Postfix's own words, without a SmtpGetRecipientResult() loop (issue 15).
        std::string detail = MailwireGetLastErrorDetail();
        EXPECT_EQ(detail.rfind("no recipient was accepted: <nosuch@localhost> 550 5.1.1 ", 0), 0u)
            << detail;
        EXPECT_NE(detail.find("User unknown"), std::string::npos) << detail;
        // The session is still usable afterwards.
        EXPECT_EQ(SmtpCommand(c, "NOOP"), 250);
    }
    {
        std::string t2 = Unique("strict");
        std::string m2 = "Subject: " + t2 + "\r\n\r\nnot sent\r\n";
        Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED | SMTP_OPTION_ALLRECIPIENTS);
        ASSERT_NE(c.h, INVALID_CLIENT);
        EXPECT_EQ(SmtpSendMessage(c, "me@example.org", "bob@localhost;nosuch@localhost", m2.data(),
                                  m2.size(), 0),
                  SMTP_ERROR);
        EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
        EXPECT_EQ(WaitForMessage("bob", t2, 1500), "") << "nothing delivered";
        EXPECT_EQ(SmtpCommand(c, "NOOP"), 250);
    }
}

TEST(SmtpReal, BccIsEnvelopeOnly)
{
    std::string token = Unique("bcc");
    std::string msg = "To: alice@localhost\r\nSubject: " + token + "\r\n\r\nhi\r\n";
    Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED);
    ASSERT_NE(c.h, INVALID_CLIENT);
    ASSERT_EQ(SmtpSendMessage(c, "me@example.org", "alice@localhost, \"Bob B.\" <bob@localhost>",
                              msg.data(), msg.size(), 0),
              0)
        << c.Result();
    std::string a = WaitForMessage("alice", token), b = WaitForMessage("bob", token);
    EXPECT_TRUE(EndsWith(a, AsStored(msg)));
    EXPECT_TRUE(EndsWith(b, AsStored(msg)));
    EXPECT_EQ(b.find("bob@localhost>\n"), b.find("bob@localhost>")) << "only in trace headers";
}

TEST(SmtpReal, DsnSizeUtf8AndSimpleCommands)
{
    Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED);
    ASSERT_NE(c.h, INVALID_CLIENT);
    ASSERT_EQ(SmtpSetDeliveryOptions(c,
                                     SMTP_NOTIFY_FAILURE | SMTP_NOTIFY_DELAY | SMTP_RETURN_HEADERS |
                                         SMTP_NOTIFY_ORCPT,
                                     "env-id+1"),
              0);
    std::string token = Unique("dsn");
    std::string msg = "Subject: " + token + "\r\n\r\nwith DSN\r\n";
    ASSERT_EQ(SmtpSendMessage(c, "me@example.org", "alice@localhost", msg.data(), msg.size(), 0), 0)
        << c.Result();
    EXPECT_FALSE(WaitForMessage("alice", token).empty());
    ASSERT_EQ(SmtpSetDeliveryOptions(c, 0, nullptr), 0);

    // SIZE: refused before anything is sent.
    EXPECT_EQ(SmtpCreateMessage(c, "me@example.org", 200ull * 1024 * 1024, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_MESSAGE_TOO_LARGE);

    // SMTPUTF8: a UTF-8 recipient and UTF-8 headers, delivered to carol's alias.
    std::string utf8 = Fx().Value("MW_UTF8_RCPT");
    std::string t2 = Unique("utf8");
    std::string m2 = "Subject: " + t2 + " \xce\xb4\xce\xbf\xce\xba\r\n\r\nUTF-8 \xce\xb4\r\n";
    ASSERT_EQ(SmtpSendMessage(c, "me@example.org", utf8.c_str(), m2.data(), m2.size(), 0), 0)
        << c.Result();
    EXPECT_TRUE(EndsWith(WaitForMessage("carol", t2), AsStored(m2)));

    EXPECT_EQ(SmtpVerifyAddress(c, "alice@localhost"), 0) << c.Result();
    EXPECT_EQ(SmtpGetResultCode(c), 252);
    EXPECT_EQ(SmtpExpandAddress(c, "alice", nullptr, 0), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
    EXPECT_EQ(SmtpGetResultCode(c) / 100, 5) << "Postfix does not implement EXPN";
    EXPECT_EQ(SmtpReset(c), 0);
    EXPECT_EQ(SmtpCommand(c, "NOOP"), 250);
    EXPECT_EQ(SmtpCommand(c, "HELP") / 100, 5) << "a raw command returns whatever code comes";
    EXPECT_EQ(SmtpCommand(c, "NOOP\r\nRSET"), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

// A large message from a file, with progress events and the transfer status read from them.
struct Progress {
    HCLIENT h;
    int events = 0;
    uint64_t last = 0, total = 0;
    bool monotonic = true;
};

void OnProgress(HCLIENT h, unsigned ev, unsigned, void *user)
{
    auto *p = static_cast<Progress *>(user);
    if (ev != SMTP_EVENT_PROGRESS)
        return;
    SMTPTRANSFERSTATUS st{};
    st.dwSize = sizeof st;
    if (SmtpGetTransferStatus(h, &st) != 0)
        return;
    p->events++;
    p->monotonic &= st.qwBytesCopied >= p->last;
    p->last = st.qwBytesCopied;
    p->total = st.qwBytesTotal;
}

TEST(SmtpReal, TenMebibyteMessageFromAFileWithProgress)
{
    std::string token = Unique("big");
    std::string path = "/tmp/mw-smtp-big-" + token + ".eml";
    std::string msg = "Subject: " + token +
                      "\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: application/octet-stream\r\n"
                      "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string line;
    for (int i = 0; i < 76; ++i)
        line += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(i * 7) % 64];
    while (msg.size() < 10u * 1024 * 1024)
        msg += line + "\r\n";
    msg += ".\r\n"; // a line that must be stuffed, at the very end
    {
        FILE *f = fopen(path.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        fwrite(msg.data(), 1, msg.size(), f);
        fclose(f);
    }
    for (uint32_t extra : {0u, (uint32_t)SMTP_OPTION_NOCHUNKING}) {
        Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED | extra);
        ASSERT_NE(c.h, INVALID_CLIENT);
        Progress p{c.h};
        ASSERT_EQ(SmtpRegisterEvent(c, SMTP_EVENT_PROGRESS, OnProgress, &p), 0);
        std::string m = msg;
        std::string t = token + (extra ? "-data" : "-bdat");
        m.replace(m.find(token), token.size(), t);
        FILE *f = fopen(path.c_str(), "wb");
        fwrite(m.data(), 1, m.size(), f);
        fclose(f);
        auto t0 = std::chrono::steady_clock::now();
        ASSERT_EQ(SmtpSendMessage(c, "me@example.org", "carol@localhost", path.c_str(), 0,
                                  SMTP_MESSAGE_FILE),
                  0)
            << c.Result();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("[ figures ] 10 MiB from a file (%s): %.1f MiB/s\n", extra ? "DATA" : "BDAT",
                    10.0 / s);
        EXPECT_GT(p.events, 10);
        EXPECT_TRUE(p.monotonic);
        EXPECT_EQ(p.total, m.size());
        EXPECT_EQ(p.last, m.size());
        std::string got = WaitForMessage("carol", t, 30000);
        EXPECT_TRUE(EndsWith(got, AsStored(m))) << "size " << got.size();
    }
    std::remove(path.c_str());
}

// Resident memory in KiB (Linux).
long RssKiB()
{
    long pages = 0, rss = 0;
    if (FILE *f = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(f, "%ld %ld", &pages, &rss) != 2)
            rss = 0;
        std::fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

struct RssWatch {
    long base = RssKiB(), peak = 0;
};

void OnProgressRss(HCLIENT, unsigned ev, unsigned, void *user)
{
    if (ev == SMTP_EVENT_PROGRESS) {
        auto *w = static_cast<RssWatch *>(user);
        w->peak = std::max(w->peak, RssKiB());
    }
}

// A 50 MiB message streams from its file: resident memory stays flat during the transfer.
TEST(SmtpReal, FiftyMebibyteFileStreamsInFlatMemory)
{
    std::string path = "/tmp/mw-smtp-50m-" + Unique("f") + ".eml";
    {
        FILE *f = fopen(path.c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::string head = "Subject: fifty\r\n\r\n";
        fwrite(head.data(), 1, head.size(), f);
        std::string line(998, 'x');
        line += "\n"; // bare LF: normalised on the way
        for (size_t done = 0; done < 50u * 1024 * 1024; done += line.size())
            fwrite(line.data(), 1, line.size(), f);
        fclose(f);
    }
    for (uint32_t extra : {0u, (uint32_t)SMTP_OPTION_NOCHUNKING}) {
        Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED | extra);
        ASSERT_NE(c.h, INVALID_CLIENT);
        RssWatch w;
        ASSERT_EQ(SmtpRegisterEvent(c, SMTP_EVENT_PROGRESS, OnProgressRss, &w), 0);
        auto t0 = std::chrono::steady_clock::now();
        ASSERT_EQ(SmtpSendMessage(c, "me@example.org", "sink@example.net", path.c_str(), 0,
                                  SMTP_MESSAGE_FILE),
                  0)
            << c.Result();
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("[ figures ] 50 MiB file (%s): %.0f MiB/s, resident memory growth %ld KiB\n",
                    extra ? "DATA" : "BDAT", 50 / s, w.peak - w.base);
        EXPECT_LT(w.peak - w.base, 8 * 1024) << "memory must not grow with the message";
    }
    std::remove(path.c_str());
}

TEST(SmtpReal, ThousandMessagesOverOneConnection)
{
    for (uint32_t extra : {0u, (uint32_t)(SMTP_OPTION_NOPIPELINING | SMTP_OPTION_NOCHUNKING)}) {
        Conn c(Port("MW_SMTP_PORT"), SMTP_OPTION_EXTENDED | extra);
        ASSERT_NE(c.h, INVALID_CLIENT);
        std::string token = Unique("many");
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 1000; ++i) {
            std::string msg = "Subject: " + token + " " + std::to_string(i) + "\r\n\r\nmessage " +
                              std::to_string(i) + "\r\n";
            // example.net is accepted and discarded by the fixture (no delivery cost).
            ASSERT_EQ(
                SmtpSendMessage(c, "me@example.org", "sink@example.net", msg.data(), msg.size(), 0),
                0)
                << i << ": " << c.Result();
        }
        double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("[ figures ] 1000 messages over one connection (%s): %.0f messages/s\n",
                    extra ? "lock-step, DATA" : "PIPELINING + CHUNKING", 1000 / s);
        // The last one, to a real mailbox, arrives.
        std::string last = "Subject: " + token + " last\r\n\r\nlast\r\n";
        ASSERT_EQ(
            SmtpSendMessage(c, "me@example.org", "bob@localhost", last.data(), last.size(), 0), 0);
        EXPECT_FALSE(WaitForMessage("bob", token + " last").empty());
    }
}

// One thread drives 20 non-blocking sessions, each sending 50 messages, with poll().
TEST(SmtpReal, TwentyNonBlockingSessionsFromOneThread)
{
    const int kSessions = 20, kMessages = 50;
    struct Sess {
        HCLIENT h = INVALID_CLIENT;
        int sent = 0;
        bool connected = false, failed = false;
        std::string msg;
    };
    std::vector<Sess> ss(kSessions);
    CaCreds ca;
    std::string token = Unique("nb");
    for (auto &s : ss) {
        s.h = SmtpAsyncConnect("localhost", Port("MW_SMTP_PORT"), 10, SMTP_OPTION_SECURE, nullptr,
                               ca.get());
        ASSERT_NE(s.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    }
    auto start_next = [&](Sess &s) {
        s.msg = "Subject: " + token + " " + std::to_string(s.sent) + "\r\n\r\nbody\r\n";
        int r =
            SmtpSendMessage(s.h, "me@example.org", "dave@localhost", s.msg.data(), s.msg.size(), 0);
        if (r != SMTP_IN_PROGRESS) {
            ADD_FAILURE() << "send did not start: " << r << " " << MailwireGetLastErrorDetail();
            s.failed = true;
        }
    };
    auto t0 = std::chrono::steady_clock::now();
    int done = 0;
    while (done < kSessions) {
        std::vector<mwt_pollfd> pfds;
        std::vector<Sess *> who;
        int timeout = 10000;
        for (auto &s : ss) {
            if (s.failed || s.sent == kMessages)
                continue;
            MAILWIRE_SOCKET sock;
            unsigned events;
            int t;
            ASSERT_EQ(SmtpGetPollInfo(s.h, &sock, &events, &t), 0);
            short ev = (short)(((events & MAILWIRE_POLL_READ) ? POLLIN : 0) |
                               ((events & MAILWIRE_POLL_WRITE) ? POLLOUT : 0));
            pfds.push_back({sock, ev, 0});
            who.push_back(&s);
            if (t >= 0 && t < timeout)
                timeout = t;
        }
        ASSERT_GE(mwt_poll(pfds.data(), pfds.size(), timeout), 0);
        for (size_t i = 0; i < pfds.size(); ++i) {
            Sess &s = *who[i];
            int r = SmtpExecute(s.h);
            if (r == SMTP_IN_PROGRESS)
                continue;
            if (r == SMTP_ERROR) {
                ADD_FAILURE() << "session failed: " << MailwireGetLastErrorDetail();
                s.failed = true;
                done++;
                continue;
            }
            if (!s.connected)
                s.connected = true;
            else
                s.sent++;
            if (s.sent == kMessages)
                done++;
            else
                start_next(s);
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    int total = 0;
    for (auto &s : ss) {
        total += s.sent;
        EXPECT_EQ(SmtpDisconnect(s.h), 0);
    }
    EXPECT_EQ(total, kSessions * kMessages);
    std::printf("[ figures ] %d non-blocking STARTTLS sessions x %d messages, one thread: "
                "%.0f messages/s\n",
                kSessions, kMessages, total / secs);
    // Accepted is not enough: every one of them reaches the mailbox.
    EXPECT_EQ(mwtest::WaitForMessageCount("dave", token + " ", (size_t)total), (size_t)total);
}

// Issue 11: into Postfix's smtpd, which offers CHUNKING (Postfix 3.4 and later), a message of one
// BDAT chunk sent with its envelope unanswered made Postfix hold its final reply behind a
// delayed ACK: 40 ms a message, 8 s for 200. Both write patterns are run: where the session
// acknowledges received data at once (Linux: TCP_QUICKACK, the default here) the chunk goes
// with the envelope; otherwise (the portable pattern, forced here through the engine) it waits
// for the envelope replies. DATA (CHUNKING off) and STARTTLS too. The bound is far above what
// a loaded machine needs (about 0.5 s) and far below the stall.
struct ThroughputCase {
    const char *name;
    uint32_t options;
    bool acks_at_once;
};

void PrintTo(const ThroughputCase &c, std::ostream *os)
{
    *os << c.name;
}

class SmtpPostfixThroughput : public ::testing::TestWithParam<ThroughputCase>
{
};

TEST_P(SmtpPostfixThroughput, TwoHundredMessagesOverOneConnectionWithoutAStall)
{
    const ThroughputCase &tc = GetParam();
    const int kMessages = 200;
    Conn c(Port("MW_SMTP_PORT"), tc.options);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    if (!tc.acks_at_once) {
        mw_session *s;
        void *data;
        ASSERT_EQ(mw_client_lookup(c.h, MW_PROTO_SMTP, &s, &data), 0u);
        mw_smtp_set_acks_at_once(static_cast<mw_smtp *>(mw_session_engine(s)), 0);
    }
    uint32_t ext = 0;
    ASSERT_EQ(SmtpGetExtendedOptions(c, &ext), 0);
    EXPECT_TRUE(ext & SMTP_EXTOPT_CHUNKING) << "the fixture's Postfix offers CHUNKING (the "
                                               "client's NOCHUNKING only stops it using it)";
    std::string token = Unique(std::string("tput-") + tc.name);
    std::string body;
    while (body.size() < 4000)
        body += std::string(70, 'b') + "\r\n";
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kMessages; i++) {
        std::string msg = "Subject: " + token + " " + std::to_string(i) + "\r\n\r\n" + body;
        ASSERT_EQ(SmtpSendMessage(c, "me@example.org", "dave@localhost", msg.data(), msg.size(), 0),
                  0)
            << c.Result();
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ figures ] %s: %d messages in %.2f s (%.0f msg/s)\n", tc.name, kMessages, secs,
                kMessages / secs);
    EXPECT_LT(secs, 4.0) << "a 40 ms stall per message would take 8 s";
    EXPECT_EQ(mwtest::WaitForMessageCount("dave", token + " ", kMessages, 60000),
              (size_t)kMessages);
}

// The same 200 messages in one SmtpSendMessages() call: the next envelope pipelined behind
// each message's end of data (RFC 2920 section 3.1; with CHUNKING behind BDAT LAST, led by an
// RSET), every message with its own result, all of them in the mailbox.
class SmtpPostfixBatch : public ::testing::TestWithParam<ThroughputCase>
{
};

TEST_P(SmtpPostfixBatch, TwoHundredMessagesPipelinedAcrossTransactions)
{
    const ThroughputCase &tc = GetParam();
    const int kMessages = 200;
    Conn c(Port("MW_SMTP_PORT"), tc.options);
    ASSERT_NE(c.h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    if (!tc.acks_at_once) {
        mw_session *s;
        void *data;
        ASSERT_EQ(mw_client_lookup(c.h, MW_PROTO_SMTP, &s, &data), 0u);
        mw_smtp_set_acks_at_once(static_cast<mw_smtp *>(mw_session_engine(s)), 0);
    }
    std::string token = Unique(std::string("batch-") + tc.name);
    std::string body;
    while (body.size() < 4000)
        body += std::string(70, 'b') + "\r\n";
    std::vector<std::string> msgs;
    std::vector<SMTPBATCHMESSAGE> m(kMessages);
    for (int i = 0; i < kMessages; i++)
        msgs.push_back("Subject: " + token + " " + std::to_string(i) + "\r\n\r\n" + body);
    for (int i = 0; i < kMessages; i++) {
        m[i] = SMTPBATCHMESSAGE{};
        m[i].dwSize = sizeof m[i];
        m[i].lpszFrom = "me@example.org";
        m[i].lpszRecipients = "dave@localhost";
        m[i].lpvMessage = msgs[i].data();
        m[i].cbMessage = msgs[i].size();
    }
    auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(SmtpSendMessages(c, m.data(), kMessages, 0), 0) << c.Result();
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (int i = 0; i < kMessages; i++) {
        EXPECT_EQ(m[i].dwError, (unsigned)ST_ERROR_NONE) << i << ": " << m[i].szResultString;
        EXPECT_EQ(m[i].nResultCode, 250) << i;
        EXPECT_EQ(m[i].nAccepted, 1u) << i;
    }
    std::printf("[ figures ] batch %s: %d messages in %.2f s (%.0f msg/s)\n", tc.name, kMessages,
                secs, kMessages / secs);
    EXPECT_LT(secs, 4.0) << "a 40 ms stall per message would take 8 s";
    EXPECT_EQ(mwtest::WaitForMessageCount("dave", token + " ", kMessages, 60000),
              (size_t)kMessages);
}

INSTANTIATE_TEST_SUITE_P(
    Patterns, SmtpPostfixThroughput,
    ::testing::Values(
        ThroughputCase{"chunking_acks_at_once", SMTP_OPTION_EXTENDED, true},
        ThroughputCase{"chunking_waits_for_the_envelope", SMTP_OPTION_EXTENDED, false},
        ThroughputCase{"chunking_starttls", SMTP_OPTION_SECURE, true},
        ThroughputCase{"chunking_starttls_waits", SMTP_OPTION_SECURE, false},
        ThroughputCase{"data", SMTP_OPTION_EXTENDED | SMTP_OPTION_NOCHUNKING, true},
        ThroughputCase{"data_starttls", SMTP_OPTION_SECURE | SMTP_OPTION_NOCHUNKING, true}),
    [](const ::testing::TestParamInfo<ThroughputCase> &i) { return std::string(i.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Patterns, SmtpPostfixBatch,
    ::testing::Values(
        ThroughputCase{"chunking_acks_at_once", SMTP_OPTION_EXTENDED, true},
        ThroughputCase{"chunking_waits_for_the_envelope", SMTP_OPTION_EXTENDED, false},
        ThroughputCase{"chunking_starttls", SMTP_OPTION_SECURE, true},
        ThroughputCase{"chunking_starttls_waits", SMTP_OPTION_SECURE, false},
        ThroughputCase{"data", SMTP_OPTION_EXTENDED | SMTP_OPTION_NOCHUNKING, true},
        ThroughputCase{"data_starttls", SMTP_OPTION_SECURE | SMTP_OPTION_NOCHUNKING, true}),
    [](const ::testing::TestParamInfo<ThroughputCase> &i) { return std::string(i.param.name); });

} // namespace
