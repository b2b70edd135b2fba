// The SMTP client against Exim 4.96 and OpenSMTPD 6.8 (tests/fixtures/interop.sh): the
// end-to-end cases the Postfix tests run, once per server, read back over IMAP from the server
// each delivers to (Exim -> Cyrus over LMTP, OpenSMTPD -> Courier's Maildirs).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "interop_util.hpp"

namespace
{

using namespace mwtest::interop;

class InteropSmtp : public ::testing::TestWithParam<std::string>
{
  protected:
    const SmtpServer &S() const
    {
        return Smtp(GetParam());
    }
    HCLIENT Open(Tls tls) const
    {
        Ca ca;
        uint32_t opt = SMTP_OPTION_EXTENDED | (tls == Tls::StartTls   ? SMTP_OPTION_SECURE
                                               : tls == Tls::Implicit ? SMTP_OPTION_SECURE_IMPLICIT
                                                                      : 0);
        return SmtpConnect(tls == Tls::None ? "127.0.0.1" : "localhost",
                           Fx().Port(tls == Tls::Implicit ? S().tls_port_key : S().port_key), 20,
                           opt, "client.mailwire.test", &ca.get());
    }
    std::vector<Tls> Modes() const
    {
        std::vector<Tls> m = {Tls::None};
        if (S().starttls)
            m.push_back(Tls::StartTls);
        if (S().tls_port_key)
            m.push_back(Tls::Implicit);
        return m;
    }
    // The message as the reader stores it, found by its subject in alice's INBOX.
    std::string ReadBack(const std::string &subject) const
    {
        HCLIENT h = ImapSession(Imap(S().reader), 1);
        if (h == INVALID_CLIENT)
            return "(no IMAP session: " + std::string(MailwireGetLastErrorDetail()) + ")";
        std::string got;
        for (int i = 0; i < 200 && got.empty(); i++) {
            IMAPMAILBOX mb{};
            ImapExamineMailbox(h, "INBOX", &mb);
            uint32_t ids[4];
            size_t n = 4;
            IMAPSEARCH *q = ImapSearchCreate();
            ImapSearchAdd(q, "HEADER Subject", subject.c_str());
            if (ImapSearchMailbox(h, q, nullptr, 0, ids, &n) == 0 && n > 0) {
                std::vector<char> buf(1 << 16);
                size_t len = buf.size();
                if (ImapGetMessage(h, ids[0], 0, buf.data(), &len, 0) == 0)
                    got.assign(buf.data(), len);
            }
            ImapSearchFree(q);
            if (got.empty())
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ImapDisconnect(h);
        return got;
    }
};

TEST_P(InteropSmtp, SendsOverEveryTransportAndReadsBackIdentically)
{
    for (Tls tls : Modes()) {
        HCLIENT h = Open(tls);
        ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        SECURITYINFO si{};
        si.dwSize = sizeof si;
        ASSERT_EQ(SmtpGetSecurityInfo(h, &si), 0);
        if (tls == Tls::None) {
            EXPECT_EQ(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_NONE);
        } else {
            EXPECT_TRUE(si.bVerified);
        }
        if (!S().auth.empty() && tls != Tls::None) {
            ASSERT_EQ(SmtpAuthenticate(h, SMTP_AUTH_AUTO, User(2).c_str(), Pass(2).c_str()), 0)
                << MailwireGetLastErrorDetail();
        }
        std::string subject = Unique(S().name);
        std::string msg =
            Message(subject, "line one\r\n.leading dot\r\n\r\n\xe2\x82\xac tail  \r\n" +
                                 std::string(900, 'z') + "\r\n" + std::string(900, 'z') + "\r\n");
        ASSERT_EQ(SmtpSendMessage(h, "bob@localhost", "alice@localhost", msg.data(), msg.size(), 0),
                  0)
            << MailwireGetLastErrorDetail();
        EXPECT_EQ(SmtpGetResultCode(h) / 100, 2);
        SmtpDisconnect(h);
        std::string got = ReadBack(subject);
        EXPECT_TRUE(EndsWith(got, msg)) << S().name << " -> " << S().reader << ": " << got;
    }
}

// Every mechanism offered (after TLS), for both users; a wrong password fails and the session
// goes on. OpenSMTPD offers none in cleartext.
TEST_P(InteropSmtp, EveryAuthMechanismOffered)
{
    if (S().auth.empty()) {
        HCLIENT h = Open(Tls::None);
        ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        uint32_t ext = 0;
        ASSERT_EQ(SmtpGetExtendedOptions(h, &ext), 0);
        EXPECT_EQ(ext & (SMTP_EXTOPT_AUTHLOGIN | SMTP_EXTOPT_AUTHPLAIN | SMTP_EXTOPT_AUTHCRAMMD5),
                  0u);
        EXPECT_EQ(SmtpAuthenticate(h, SMTP_AUTH_AUTO, User(1).c_str(), Pass(1).c_str()),
                  SMTP_ERROR);
        SmtpDisconnect(h);
        return;
    }
    for (unsigned type : S().auth) {
        for (int user : {1, 2}) {
            HCLIENT h = Open(Tls::StartTls);
            ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
            EXPECT_EQ(SmtpAuthenticate(h, type, User(user).c_str(), Pass(user).c_str()), 0)
                << type << " " << User(user) << ": " << MailwireGetLastErrorDetail();
            EXPECT_EQ(SmtpGetResultCode(h), 235);
            SmtpDisconnect(h);
        }
        HCLIENT h = Open(Tls::StartTls);
        ASSERT_NE(h, INVALID_CLIENT);
        EXPECT_EQ(SmtpAuthenticate(h, type, User(2).c_str(), "wrong"), SMTP_ERROR);
        EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED)
            << type << ": " << MailwireGetLastErrorDetail();
        EXPECT_EQ(SmtpAuthenticate(h, type, User(2).c_str(), Pass(2).c_str()), 0)
            << MailwireGetLastErrorDetail();
        SmtpDisconnect(h);
    }
}

// Issue 17, finding 6: Exim refuses the message after its last BDAT chunk (its data ACL); the
// result code is that 550, not the 250 of the RSET the library sends after it. The same over
// DATA (SMTP_OPTION_NOCHUNKING), and the session sends the next message.
TEST(InteropExim, RefusedMessageKeepsTheRefusalAsResult)
{
    const SmtpServer &exim = Smtp("Exim");
    for (uint32_t extra : {0u, (uint32_t)SMTP_OPTION_NOCHUNKING}) {
        Ca ca;
        HCLIENT h = SmtpConnect("localhost", Fx().Port(exim.port_key), 20,
                                SMTP_OPTION_EXTENDED | SMTP_OPTION_SECURE | extra,
                                "client.mailwire.test", &ca.get());
        ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        ASSERT_EQ(SmtpAuthenticate(h, SMTP_AUTH_AUTO, User(1).c_str(), Pass(1).c_str()), 0);
        std::string msg = Message("please refuse-me", "no\r\n");
        EXPECT_EQ(SmtpSendMessage(h, "alice@localhost", "bob@localhost", msg.data(), msg.size(), 0),
                  SMTP_ERROR);
        EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
        EXPECT_EQ(SmtpGetResultCode(h), 550) << (extra ? "DATA" : "BDAT");
        char text[256] = "";
        SmtpGetResultString(h, text, sizeof text);
        EXPECT_NE(std::string(text).find("Administrative prohibition"), std::string::npos) << text;
        std::string ok = Message(Unique("after"), "yes\r\n");
        EXPECT_EQ(SmtpSendMessage(h, "alice@localhost", "bob@localhost", ok.data(), ok.size(), 0),
                  0)
            << MailwireGetLastErrorDetail();
        EXPECT_EQ(SmtpGetResultCode(h), 250);
        SmtpDisconnect(h);
    }
}

INSTANTIATE_TEST_SUITE_P(Servers, InteropSmtp, ::testing::Values("Exim", "OpenSMTPD"),
                         [](const auto &info) { return info.param; });

} // namespace
