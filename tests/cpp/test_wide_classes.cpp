// The C++ classes with wide text (issue 13 item 3): mailwire::TextArg from every string type,
// a CString stand-in (what ATL/MFC's CStringT offers: GetString()), and a session driven with
// std::wstring, L"" and W credentials against the fixture's Postfix and Dovecot. wchar_t is
// UTF-32 here and UTF-16 under Wine, where this program runs too.
#include "common/portable.h"

#include <gtest/gtest.h>

#include <mailwire/ImapClient.hpp>
#include <mailwire/SmtpClient.hpp>

#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "smtp/smtp_test_util.hpp"

namespace
{

// CStringT's interface as the classes use it; Char is char (CStringA) or wchar_t (CStringW).
template <class Char> class CStringStandIn
{
  public:
    CStringStandIn(const Char *s) : m_s(s) {}
    const Char *GetString() const
    {
        return m_s.c_str();
    }
    operator const Char *() const
    {
        return m_s.c_str();
    }

  private:
    std::basic_string<Char> m_s;
};

std::string Utf8(const mailwire::TextArg &t)
{
    return t.c_str() ? t.c_str() : "(null)";
}

std::wstring W(const std::string &ascii)
{
    return std::wstring(ascii.begin(), ascii.end());
}

std::string Env(const char *key)
{
    return mwtest::Fixture::Get().Value(key);
}

} // namespace

// Every accepted string type gives the same UTF-8; a null pointer stays null; wide text that
// is not Unicode throws before any call.
TEST(CppWide, TextArgTakesEveryStringType)
{
    const char *u8 = u8"Z\u00fcrich-\u5831\u544a \U0001F600";
    const wchar_t *w = L"Z\u00fcrich-\u5831\u544a \U0001F600";
    EXPECT_EQ(Utf8(u8), u8);
    EXPECT_EQ(Utf8(std::string(u8)), u8);
    EXPECT_EQ(Utf8(std::string_view(u8, 7)), std::string(u8, 7));
    EXPECT_EQ(Utf8(w), u8);
    EXPECT_EQ(Utf8(std::wstring(w)), u8);
    EXPECT_EQ(Utf8(std::wstring_view(w)), u8);
    EXPECT_EQ(Utf8(CStringStandIn<wchar_t>(w)), u8);
    EXPECT_EQ(Utf8(CStringStandIn<char>(u8)), u8);
    EXPECT_EQ(Utf8(static_cast<const wchar_t *>(nullptr)), "(null)");
    EXPECT_EQ(Utf8(nullptr), "(null)");
    EXPECT_EQ(Utf8(L""), "");

    // A copy of a converted text owns its own copy.
    mailwire::TextArg a(std::wstring(L"abc"));
    mailwire::TextArg b(a);
    EXPECT_NE(a.c_str(), b.c_str());
    EXPECT_STREQ(b.c_str(), "abc");

    std::wstring bad = L"x";
    bad += static_cast<wchar_t>(0xDC00);
    EXPECT_THROW(mailwire::TextArg{bad}, std::invalid_argument);
    CSmtpClient smtp;
    EXPECT_THROW(smtp.Connect(bad, 25), std::invalid_argument);
    EXPECT_FALSE(smtp.IsConnected());

    mailwire::CMailMessage m;
    m.SetFrom(CStringStandIn<wchar_t>(L"Alice <alice@example.org>"))
        .AddTo(L"bob@example.org")
        .SetSubject(std::wstring(w));
    EXPECT_TRUE(m.AddHeader(L"X-Wide", CStringStandIn<char>("yes")));
    EXPECT_FALSE(m.AddHeader(L"X-Bad", L"a\r\nBcc: evil@example.org"));
    EXPECT_GT(m.AttachData("data", L"Z\u00fcrich-\u5831\u544a.txt"), 0) << m.GetLastErrorDetail();
    EXPECT_EQ(m.GetHeader(L"Subject"), u8);
    EXPECT_EQ(m.GetHeader(CStringStandIn<wchar_t>(L"From")), "Alice <alice@example.org>");
    EXPECT_EQ(m.GetHeader("X-Wide"), "yes");
}

// A session with wide text throughout: W credentials made from a wchar_t CA path, the host,
// user and password as std::wstring and CString, a message sent with wide addresses and read
// back with a wide mailbox name and search criteria.
TEST(CppWide, SessionWithWideTextAgainstTheServers)
{
    std::wstring ca = W(Env("MW_CA_FILE"));
    LPSECURITYCREDENTIALSW cred = nullptr;
    ASSERT_TRUE(
        CSmtpClient::CreateSecurityCredentials(0, nullptr, nullptr, nullptr, ca.c_str(), &cred))
        << mailwire::GetLastErrorDetail();
    std::string token = mwtest::Unique("cppwide");
    std::wstring user = W(Env("MW_USER1")), to = user + L"@" + W(Env("MW_DOMAIN"));
    CStringStandIn<wchar_t> pass(W(Env("MW_PASS1")).c_str());

    CSmtpClient smtp;
    ASSERT_TRUE(smtp.Connect(L"localhost", mwtest::Fixture::Get().Port("MW_SUBMISSION_PORT"), 20,
                             SMTP_OPTION_SECURE, nullptr, cred))
        << smtp.GetLastErrorDetail();
    SECURITYINFOW info{};
    ASSERT_TRUE(smtp.GetSecurityInfo(info));
    EXPECT_TRUE(info.bVerified);
    ASSERT_TRUE(smtp.Authenticate(user, pass)) << smtp.GetLastErrorDetail();
    std::string msg = "From: alice@localhost\r\nSubject: " + token + "\r\n\r\nwide\r\n";
    ASSERT_TRUE(smtp.SendMessage(L"alice@localhost", to, msg)) << smtp.GetLastErrorDetail();
    smtp.Disconnect();
    ASSERT_FALSE(mwtest::WaitForMessage(Env("MW_USER1"), "Subject: " + token).empty());

    CImapClient imap;
    ASSERT_TRUE(imap.Connect(W(Env("MW_HOST")), mwtest::Fixture::Get().Port("MW_IMAP_PORT"), 20,
                             IMAP_OPTION_SECURE, cred))
        << imap.GetLastErrorDetail();
    ASSERT_TRUE(imap.Login(user, pass)) << imap.GetLastErrorDetail();
    ASSERT_TRUE(imap.SelectMailbox(L"INBOX")) << imap.GetLastErrorDetail();
    std::vector<uint32_t> ids;
    std::wstring criteria = L"SUBJECT \"" + W(token) + L"\"";
    ASSERT_TRUE(imap.SearchMailbox(criteria, ids)) << imap.GetLastErrorDetail();
    EXPECT_EQ(ids.size(), 1u);
    imap.Disconnect();
    CSmtpClient::DeleteSecurityCredentials(cred);
}
