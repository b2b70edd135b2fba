// The W (wchar_t) forms against the fixture's real Postfix and Dovecot (issue 13 item 3), on
// every platform: wchar_t text is UTF-32 on Linux and UTF-16 under Wine. Connect with
// STARTTLS and AUTH, compose and send a message with an attachment behind a wchar_t path
// ("Zürich-報告.txt") and a subject outside the BMP, read it back over IMAP and parse it, all
// through the W names.
#include "common/portable.h"

#include <gtest/gtest.h>

#include <mailwire/imap.h>
#include <mailwire/mime.h>
#include <mailwire/smtp.h>

#include <cstdio>
#include <cwchar>
#include <string>
#include <vector>

#include "smtp/smtp_test_util.hpp"

using mwtest::Fx;
using mwtest::Unique;

namespace
{

const wchar_t *const kAttachment = L"Z\u00fcrich-\u5831\u544a.txt";
const wchar_t *const kSubjectPrefix = L"\U0001F4E7 Gr\u00fc\u00dfe ";

// ASCII (the fixture's values, temporary directories, tokens) as wchar_t.
std::wstring W(const std::string &s)
{
    std::wstring w;
    for (unsigned char c : s) {
        EXPECT_LT(c, 0x80u) << "not ASCII: " << s;
        w += static_cast<wchar_t>(c);
    }
    return w;
}

// A file behind a UTF-8 path, read with the tests' wide-aware fopen.
std::string ReadPath(const std::string &path)
{
    std::string out;
    FILE *f = mwt_fopen(path.c_str(), "rb");
    if (!f)
        return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    std::fclose(f);
    return out;
}

std::string ErrorDetail()
{
    return MailwireGetLastErrorDetail();
}

// A scratch directory (ASCII path) for files under wchar_t names, removed at the end.
struct WideScratch {
    char dir[1024] = {0};
    std::vector<std::string> files; // UTF-8 paths, for the test's own clean-up
    WideScratch()
    {
        EXPECT_EQ(mwt_make_temp_dir("mw-widereal-", dir, sizeof dir), 0);
    }
    ~WideScratch()
    {
        for (const auto &f : files)
            mwt_remove_file(f.c_str());
#ifdef _WIN32
        RemoveDirectoryA(dir);
#else
        rmdir(dir);
#endif
    }
    std::wstring Path(const wchar_t *name, const std::string &utf8Name)
    {
        files.push_back(std::string(dir) + "/" + utf8Name);
        return W(dir) + L"/" + name;
    }
};

} // namespace

TEST(WideReal, SendWithWideNamesAndReadBackOverImap)
{
    WideScratch s;
    // The attachment (written by the test under its UTF-8 name) and the CA behind wchar_t paths.
    std::wstring att = s.Path(kAttachment, u8"Z\u00fcrich-\u5831\u544a.txt");
    {
        FILE *f = mwt_fopen(s.files.back().c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::fputs("Gr\xC3\xBC"
                   "ezi aus Z\xC3\xBC"
                   "rich\n",
                   f);
        std::fclose(f);
    }
    std::wstring ca = s.Path(L"\u5831\u544a-ca.pem", u8"\u5831\u544a-ca.pem");
    {
        std::string pem = mwtest::ReadFile(Fx().Value("MW_CA_FILE"));
        FILE *f = mwt_fopen(s.files.back().c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::fwrite(pem.data(), 1, pem.size(), f);
        std::fclose(f);
    }
    LPSECURITYCREDENTIALSW cred = nullptr;
    ASSERT_EQ(SmtpCreateSecurityCredentialsW(0, nullptr, nullptr, nullptr, ca.c_str(), &cred), 0)
        << ErrorDetail();

    std::string token = Unique("wide");
    std::wstring user = W(Fx().Value("MW_USER1")), pass = W(Fx().Value("MW_PASS1"));
    std::wstring to = user + L"@" + W(Fx().Value("MW_DOMAIN"));
    std::wstring subject = kSubjectPrefix + W(token);

    HCLIENT h = SmtpConnectW(L"localhost", Fx().Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_SECURE,
                             nullptr, cred);
    ASSERT_NE(h, INVALID_CLIENT) << ErrorDetail();
    SECURITYINFOW info{};
    info.dwSize = sizeof info;
    ASSERT_EQ(SmtpGetSecurityInfoW(h, &info), 0) << ErrorDetail();
    EXPECT_TRUE(info.bVerified);
    EXPECT_EQ(std::wstring(info.szProtocol).substr(0, 3), L"TLS");
    ASSERT_EQ(SmtpAuthenticateW(h, SMTP_AUTH_AUTO, user.c_str(), pass.c_str()), 0) << ErrorDetail();
    const wchar_t *lines = nullptr;
    uint32_t ext = 0;
    ASSERT_EQ(SmtpGetExtendedOptionsExW(h, &ext, nullptr, &lines), 0);
    ASSERT_NE(lines, nullptr);
    EXPECT_NE(std::wstring(lines).find(L"AUTH"), std::wstring::npos);

    HMESSAGE m =
        MimeComposeMessageW(L"Alice <alice@localhost>", to.c_str(), nullptr, subject.c_str(),
                            L"attached \u5831\u544a", nullptr, nullptr, 0);
    ASSERT_NE(m, nullptr) << ErrorDetail();
    ASSERT_EQ(MimeAddMessageHeaderW(m, 0, L"X-Token", W(token).c_str()), 0) << ErrorDetail();
    ASSERT_GT(MimeAttachFileW(m, att.c_str(), nullptr, 0), 0) << ErrorDetail();
    ASSERT_EQ(SmtpSendMimeMessageW(h, m, L"alice@localhost", to.c_str(), 0), 0) << ErrorDetail();
    wchar_t reply[256];
    EXPECT_GT(SmtpGetResultStringW(h, reply, 256), 0);
    EXPECT_EQ(SmtpGetResultCode(h), 250) << ErrorDetail();
    MimeDeleteMessage(m);
    // A message streamed from a file behind a wchar_t path (SMTP_MESSAGE_FILE).
    std::string token2 = token + "-file";
    std::wstring file = s.Path(L"\u5831\u544a-send.eml", u8"\u5831\u544a-send.eml");
    {
        std::string raw = "From: alice@localhost\r\nSubject: " + token2 + "\r\n\r\nfrom a file\r\n";
        FILE *f = mwt_fopen(s.files.back().c_str(), "wb");
        ASSERT_NE(f, nullptr);
        std::fwrite(raw.data(), 1, raw.size(), f);
        std::fclose(f);
    }
    ASSERT_EQ(
        SmtpSendMessageW(h, L"alice@localhost", to.c_str(), file.c_str(), 0, SMTP_MESSAGE_FILE), 0)
        << ErrorDetail();
    SmtpDisconnect(h);
    ASSERT_FALSE(mwtest::WaitForMessage(Fx().Value("MW_USER1"), "Subject: " + token2).empty())
        << "the file message was not delivered";
    ASSERT_FALSE(mwtest::WaitForMessage(Fx().Value("MW_USER1"), "X-Token: " + token).empty())
        << "not delivered";

    // Read back with the IMAP W forms, saved to a wchar_t path and parsed with the MIME ones.
    h = ImapConnectW(W(Fx().Value("MW_HOST")).c_str(), Fx().Port("MW_IMAP_PORT"), 20,
                     IMAP_OPTION_SECURE, cred);
    ASSERT_NE(h, INVALID_CLIENT) << ErrorDetail();
    ASSERT_EQ(ImapLoginW(h, IMAP_AUTH_LOGIN, user.c_str(), pass.c_str()), 0) << ErrorDetail();
    wchar_t caps[1024];
    ASSERT_EQ(ImapGetCapabilitiesW(h, caps, 1024), 0) << ErrorDetail();
    EXPECT_NE(std::wstring(caps).find(L"IMAP4rev1"), std::wstring::npos);
    EXPECT_EQ(ImapHasCapabilityW(h, L"imap4rev1"), 1);
    IMAPMAILBOX mb{};
    ASSERT_EQ(ImapSelectMailboxW(h, L"INBOX", &mb), 0) << ErrorDetail();
    ASSERT_NE(ImapGetResultStringW(h), nullptr);
    std::wstring criteria = L"HEADER X-Token \"" + W(token) + L"\"";
    uint32_t ids[4];
    size_t n = 4;
    ASSERT_EQ(ImapSearchMailboxW(h, nullptr, criteria.c_str(), IMAP_FETCH_UID, ids, &n), 0)
        << ErrorDetail();
    ASSERT_EQ(n, 1u);
    std::wstring eml = s.Path(L"\u5831\u544a.eml", u8"\u5831\u544a.eml");
    ASSERT_EQ(ImapSaveMessageW(h, ids[0], IMAP_FETCH_UID, eml.c_str()), 0) << ErrorDetail();
    IMAPMAILBOXINFOW box{};
    ASSERT_EQ(ImapGetFirstMailboxW(h, L"", L"INBOX", IMAP_LIST_DEFAULT, &box), 0) << ErrorDetail();
    EXPECT_EQ(std::wstring(box.szMailbox), L"INBOX");
    ImapDisconnect(h);
    SmtpDeleteSecurityCredentialsW(cred);

    HMESSAGE back = MimeCreateMessage();
    ASSERT_EQ(MimeImportMessageW(back, eml.c_str(), 0), 0) << ErrorDetail();
    wchar_t got[128];
    ASSERT_GT(MimeGetMessageHeaderW(back, 0, L"Subject", got, 128), 0);
    EXPECT_EQ(std::wstring(got), subject);
    bool found = false;
    for (int i = 1; i < MimeGetMessagePartCount(back); i++) {
        MIMEPARTINFOW pi{};
        pi.dwSize = sizeof pi;
        ASSERT_EQ(MimeGetMessagePartInfoW(back, i, &pi), 0) << ErrorDetail();
        if (pi.lpszFileName && std::wstring(pi.lpszFileName) == kAttachment) {
            found = true;
            std::wstring out = s.Path(L"\u5831\u544a-out.txt", u8"\u5831\u544a-out.txt");
            ASSERT_EQ(MimeExtractFileW(back, i, out.c_str(), 0), 0) << ErrorDetail();
            EXPECT_EQ(ReadPath(s.files.back()), "Gr\xC3\xBC"
                                                "ezi aus Z\xC3\xBC"
                                                "rich\n");
        }
    }
    EXPECT_TRUE(found) << "no part named " << s.files.front();
    MimeDeleteMessage(back);
}
