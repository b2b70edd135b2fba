// The W (wchar_t) and A forms of the C API (include/mailwire/wide.h, issue 13 item 3), on
// every platform: wchar_t is UTF-32 on Linux and UTF-16 under Wine, where the same tests run.
// Characters outside the BMP (a surrogate pair in UTF-16), text that is not Unicode refused
// with a clear error, output buffers sized in wchar_t and cut at character boundaries, the
// pointer results' per-thread buffers.
#include "common/portable.h"

#include <gtest/gtest.h>

#include <mailwire/imap.h>
#include <mailwire/mime.h>
#include <mailwire/smtp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <string>
#include <thread>

extern "C" {
#include "core/wide/wconv.h"
}

namespace
{

// U+1F600 (outside the BMP: two wchar_t in UTF-16), U+00FC, U+5831 U+544A.
const wchar_t *const kSubject = L"Gr\u00fc\u00dfe \U0001F600 Z\u00fcrich-\u5831\u544a";
const wchar_t *const kFileName = L"Z\u00fcrich-\u5831\u544a.txt";

std::wstring Ascii(const char *s)
{
    std::wstring w;
    for (; s && *s; s++)
        w += static_cast<wchar_t>(static_cast<unsigned char>(*s));
    return w;
}

// A wchar_t string with one unpaired high surrogate in the middle (not Unicode on either
// platform: UTF-16 needs a low surrogate after it, UTF-32 has no surrogates at all).
std::wstring Unpaired()
{
    std::wstring w = L"ab";
    w += static_cast<wchar_t>(0xD83D);
    w += L"cd";
    return w;
}

HMESSAGE Composed()
{
    return MimeComposeMessageW(L"Alice <alice@example.org>", L"bob@example.org", nullptr, kSubject,
                               L"Hello \U0001F600", nullptr, nullptr, 0);
}

} // namespace

// A subject with a non-BMP character goes in as wchar_t, is RFC 2047 encoded by the one UTF-8
// implementation and comes back decoded, the same wchar_t text.
TEST(WideApi, NonBmpTextRoundTripsThroughTheUtf8Core)
{
    HMESSAGE m = Composed();
    ASSERT_NE(m, nullptr) << MailwireGetLastErrorDetail();
    wchar_t buf[128];
    int n = MimeGetMessageHeaderW(m, 0, L"Subject", buf, 128);
    EXPECT_EQ(n, static_cast<int>(std::wcslen(kSubject)));
    EXPECT_EQ(std::wstring(buf), kSubject);
    // The A form is the UTF-8 function itself: the same subject in UTF-8 octets.
    char a[128];
    EXPECT_GT(MimeGetMessageHeaderA(m, 0, "Subject", a, sizeof a), 0);
    EXPECT_STREQ(a, u8"Gr\u00fc\u00dfe \U0001F600 Z\u00fcrich-\u5831\u544a");
    wchar_t text[64];
    EXPECT_GT(MimeGetMessageTextW(m, text, 64), 0);
    EXPECT_EQ(std::wstring(text).substr(0, 9), std::wstring(L"Hello \U0001F600"));
    MimeDeleteMessage(m);
}

// Text that is not Unicode fails with ST_ERROR_INVALID_ARGUMENT, names the parameter, and
// nothing is made or sent.
TEST(WideApi, UnpairedSurrogateIsRefusedWithAClearError)
{
    std::wstring bad = Unpaired();
    MailwireSetLastError(ST_ERROR_NONE);
    EXPECT_EQ(MimeComposeMessageW(L"a@example.org", L"b@example.org", nullptr, bad.c_str(), L"x",
                                  nullptr, nullptr, 0),
              nullptr);
    EXPECT_EQ(MailwireGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_NE(std::strstr(MailwireGetLastErrorDetail(), "lpszSubject"), nullptr)
        << MailwireGetLastErrorDetail();
    EXPECT_NE(std::strstr(MailwireGetLastErrorDetail(), "index 2"), nullptr)
        << MailwireGetLastErrorDetail();

    // A host name that is not Unicode: refused before any connection is tried.
    EXPECT_EQ(SmtpConnectW(bad.c_str(), 25, 5, SMTP_OPTION_NONE, nullptr, nullptr), INVALID_CLIENT);
    EXPECT_EQ(SmtpGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));

    // In a structure: the member is named.
    const wchar_t *atts[] = {L"ok.txt", bad.c_str(), nullptr};
    SMTPMESSAGEW msg{};
    msg.dwSize = sizeof msg;
    msg.lpszFrom = L"a@example.org";
    msg.lpszTo = L"b@example.org";
    msg.lpszAttachments = atts;
    SMTPSERVERW srv{};
    srv.lpszHostName = L"localhost";
    EXPECT_EQ(SmtpSubmitMessageW(&srv, &msg), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_NE(std::strstr(MailwireGetLastErrorDetail(), "SMTPMESSAGEW.lpszAttachments"), nullptr)
        << MailwireGetLastErrorDetail();

    // A value past U+10FFFF (only a 32-bit wchar_t can hold one) and a lone low surrogate.
    if (sizeof(wchar_t) == 4) {
        std::wstring big = L"x";
        big += static_cast<wchar_t>(0x110000);
        EXPECT_EQ(ImapConnectW(big.c_str(), 143, 5, 0, nullptr), INVALID_CLIENT);
        EXPECT_EQ(ImapGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    }
    std::wstring low = L"x";
    low += static_cast<wchar_t>(0xDC00);
    EXPECT_EQ(ImapConnectW(low.c_str(), 143, 5, 0, nullptr), INVALID_CLIENT);
    EXPECT_EQ(ImapGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
}

// UTF-8 that is not valid never reaches a caller's wchar_t buffer: the converter the W forms
// use refuses it with ST_ERROR_NOT_SUPPORTED (a server's raw octets, say) and stores "".
TEST(WideApi, InvalidUtf8ComingBackIsAnError)
{
    const char *bad[] = {"\xC3", "a\x80z", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF"};
    for (const char *s : bad) {
        wchar_t w[8] = {L'x', L'x'};
        MailwireSetLastError(ST_ERROR_NONE);
        EXPECT_EQ(mw_w_store(w, 8, s, nullptr, nullptr), -1) << s;
        EXPECT_EQ(MailwireGetLastError(), static_cast<unsigned>(ST_ERROR_NOT_SUPPORTED));
        EXPECT_EQ(w[0], L'\0');
        mw_w_slot slot{};
        EXPECT_EQ(mw_w_slot_set(&slot, s), nullptr);
        free(slot.w);
    }
    size_t full = 0;
    wchar_t w[8];
    EXPECT_EQ(mw_w_store(w, 8, u8"\U0010FFFF", &full, nullptr), 0);
    EXPECT_EQ(full, sizeof(wchar_t) == 2 ? 2u : 1u);
}

// Output buffers are sized in wchar_t; a cut never splits a character (a surrogate pair in
// UTF-16), the result follows the A form's rule: the full length (MimeGetMessageHeaderW),
// the count stored (SmtpGetErrorStringW), or an error when it must fit (ImapGetCapabilities).
TEST(WideApi, OutputBuffersAreCutAtCharacterBoundaries)
{
    HMESSAGE m = Composed();
    ASSERT_NE(m, nullptr);
    const int full = static_cast<int>(std::wcslen(kSubject));
    // "Grüße " is 6 wchar_t; the emoji is 1 (UTF-32) or 2 (UTF-16).
    wchar_t buf[8];
    std::wmemset(buf, L'#', 8);
    EXPECT_EQ(MimeGetMessageHeaderW(m, 0, L"Subject", buf, 8), full);
    if (sizeof(wchar_t) == 2)
        EXPECT_EQ(std::wstring(buf), L"Gr\u00fc\u00dfe ") << "a surrogate pair was split";
    else
        EXPECT_EQ(std::wstring(buf), L"Gr\u00fc\u00dfe \U0001F600");
    // Length only: NULL buffer.
    EXPECT_EQ(MimeGetMessageHeaderW(m, 0, L"Subject", nullptr, 0), full);
    // Exactly enough room.
    std::wstring exact(static_cast<size_t>(full) + 1, L'#');
    EXPECT_EQ(MimeGetMessageHeaderW(m, 0, L"Subject", &exact[0], exact.size()), full);
    EXPECT_EQ(std::wstring(exact.c_str()), kSubject);
    // A text longer than the first UTF-8 guess (the W form grows its buffer and asks again).
    std::wstring longText(3000, L'\u5831');
    ASSERT_EQ(MimeSetMessageTextW(m, longText.c_str(), nullptr), 0) << MailwireGetLastErrorDetail();
    wchar_t small[4];
    int n = MimeGetMessageTextW(m, small, 4);
    EXPECT_GE(n, 3000);
    EXPECT_EQ(std::wstring(small), L"\u5831\u5831\u5831");
    MimeDeleteMessage(m);

    wchar_t err[8];
    int copied = SmtpGetErrorStringW(ST_ERROR_TIMEOUT, err, 8);
    EXPECT_EQ(copied, 7);
    EXPECT_EQ(std::wstring(err), L"the ope");
    EXPECT_EQ(SmtpGetErrorStringW(ST_ERROR_TIMEOUT, nullptr, 0), 0);

    // ImapGetCapabilities needs the whole list: too small is ST_ERROR_INVALID_ARGUMENT (no
    // session here, so the handle is checked first; a NULL buffer is the A form's error).
    wchar_t caps[4];
    EXPECT_EQ(ImapGetCapabilitiesW(INVALID_CLIENT, caps, 4), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_HANDLE));
}

// Every error text comes back as the same text in wchar_t, from the pointer and the buffer
// forms; the A forms are the UTF-8 functions; a pointer stays valid until its function is
// called again on the same thread, and other threads have their own.
TEST(WideApi, ErrorTextsRoundTrip)
{
    for (unsigned e = 0; e <= ST_ERROR_COUNT; e++) {
        std::wstring expect = Ascii(SmtpGetErrorText(e));
        ASSERT_NE(SmtpGetErrorTextW(e), nullptr);
        EXPECT_EQ(std::wstring(SmtpGetErrorTextW(e)), expect) << e;
        EXPECT_EQ(std::wstring(ImapGetErrorTextW(e)), Ascii(ImapGetErrorText(e))) << e;
        EXPECT_EQ(std::wstring(MailwireGetErrorStringW(e)), Ascii(MailwireGetErrorString(e)));
        EXPECT_EQ(SmtpGetErrorTextA(e), SmtpGetErrorText(e));
        wchar_t buf[256];
        EXPECT_EQ(ImapGetErrorStringW(e, buf, 256), static_cast<int>(expect.size()));
        EXPECT_EQ(std::wstring(buf), expect);
    }
    const wchar_t *timeout = SmtpGetErrorTextW(ST_ERROR_TIMEOUT);
    const wchar_t *other = ImapGetErrorTextW(ST_ERROR_CANCELLED);
    std::wstring seenByThread;
    std::thread t([&] { seenByThread = SmtpGetErrorTextW(ST_ERROR_FILE); });
    t.join();
    EXPECT_EQ(std::wstring(timeout), Ascii(SmtpGetErrorText(ST_ERROR_TIMEOUT)));
    EXPECT_EQ(std::wstring(other), Ascii(ImapGetErrorText(ST_ERROR_CANCELLED)));
    EXPECT_EQ(seenByThread, Ascii(SmtpGetErrorText(ST_ERROR_FILE)));

    // The detail of a failure, in wchar_t.
    MailwireSetLastError(ST_ERROR_NONE);
    EXPECT_EQ(MimeAttachFileW(nullptr, kFileName, nullptr, 0), MIME_ERROR);
    std::wstring detail = MailwireGetLastErrorDetailW();
    EXPECT_EQ(detail, Ascii(MailwireGetLastErrorDetail()));
    EXPECT_NE(std::wstring(MailwireGetVersionW()), L"");
}

// A file behind a non-ASCII wchar_t path is attached and named by its wchar_t name; the
// MIMEPARTINFOW members point to wchar_t text.
TEST(WideApi, AttachmentPathAndPartInfoInWchar)
{
    char dir[1024];
    ASSERT_EQ(mwt_make_temp_dir("mw-wide-", dir, sizeof dir), 0);
    std::string path8 = std::string(dir) + u8"/Z\u00fcrich-\u5831\u544a.txt";
    FILE *f = mwt_fopen(path8.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("Gr\xC3\xBC"
               "ezi\n",
               f);
    std::fclose(f);
    std::wstring path = Ascii(dir) + L"/" + kFileName;

    HMESSAGE m = Composed();
    ASSERT_NE(m, nullptr);
    int part = MimeAttachFileW(m, path.c_str(), nullptr, 0);
    ASSERT_GT(part, 0) << MailwireGetLastErrorDetail();
    MIMEPARTINFOW info{};
    info.dwSize = sizeof info;
    ASSERT_EQ(MimeGetMessagePartInfoW(m, part, &info), 0) << MailwireGetLastErrorDetail();
    ASSERT_NE(info.lpszFileName, nullptr);
    EXPECT_EQ(std::wstring(info.lpszFileName), kFileName);
    EXPECT_EQ(std::wstring(info.lpszContentType), L"text/plain");
    // Exported to a wchar_t path and imported again.
    std::wstring eml = Ascii(dir) + L"/\u5831\u544a.eml";
    ASSERT_EQ(MimeExportMessageW(m, eml.c_str(), 0), 0) << MailwireGetLastErrorDetail();
    HMESSAGE back = MimeCreateMessage();
    ASSERT_EQ(MimeImportMessageW(back, eml.c_str(), 0), 0) << MailwireGetLastErrorDetail();
    wchar_t subject[64];
    EXPECT_GT(MimeGetMessageHeaderW(back, 0, L"Subject", subject, 64), 0);
    EXPECT_EQ(std::wstring(subject), kSubject);
    wchar_t name[64], addr[64];
    EXPECT_EQ(MimeGetAddressW(back, 0, L"From", 0, name, 64, addr, 64), 0);
    EXPECT_EQ(std::wstring(name), L"Alice");
    EXPECT_EQ(std::wstring(addr), L"alice@example.org");
    MimeDeleteMessage(back);
    MimeDeleteMessage(m);
    mwt_remove_file(path8.c_str());
    mwt_remove_file((std::string(dir) + u8"/\u5831\u544a.eml").c_str());
#ifdef _WIN32
    RemoveDirectoryA(dir);
#else
    rmdir(dir);
#endif
}

// The W credentials: made from wchar_t paths (one allocation), given to the W connect forms,
// freed (the password wiped); text that is not Unicode is refused.
TEST(WideApi, CredentialsInWchar)
{
    LPSECURITYCREDENTIALSW c = nullptr;
    ASSERT_EQ(SmtpCreateSecurityCredentialsW(0, nullptr, nullptr, L"s\u00e9cret", kFileName, &c), 0)
        << MailwireGetLastErrorDetail();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->dwSize, sizeof *c);
    EXPECT_EQ(c->lpszCertificateFile, nullptr);
    EXPECT_EQ(std::wstring(c->lpszCAFile), kFileName);
    EXPECT_EQ(std::wstring(c->lpszPassword), L"s\u00e9cret");
    SmtpDeleteSecurityCredentialsW(c);
    std::wstring bad = Unpaired();
    c = reinterpret_cast<LPSECURITYCREDENTIALSW>(1);
    EXPECT_EQ(MailwireCreateSecurityCredentialsW(0, bad.c_str(), nullptr, nullptr, nullptr, &c),
              MAILWIRE_ERROR);
    EXPECT_EQ(c, nullptr);
    EXPECT_EQ(MailwireGetLastError(), static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    MailwireDeleteSecurityCredentialsW(nullptr);
}

// MimeDecodeHeaderW: an RFC 2047 encoded word with a non-BMP character.
TEST(WideApi, DecodeHeaderGivesWchar)
{
    wchar_t out[32];
    int n = MimeDecodeHeaderW(L"=?utf-8?B?8J+YgA==?= ok", out, 32);
    EXPECT_EQ(std::wstring(out), L"\U0001F600 ok");
    EXPECT_EQ(n, static_cast<int>(std::wcslen(L"\U0001F600 ok")));
}
