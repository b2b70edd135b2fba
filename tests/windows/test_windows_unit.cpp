// The Windows fixes of issue 13, checked on every platform (and under Wine in the Windows
// build, where they matter): Winsock started by the library on first use, file paths in
// UTF-8 (trace file, attachment), error texts in UTF-8 on one line, the atomics header's
// Interlocked branch, mw_strncasecmp in place of <strings.h>.
//
// Each ctest test is its own process (gtest_discover_tests), so the first-use test really
// is the process's first socket call: nothing before it (not gtest, not the test hooks)
// starts Winsock.
#include "common/portable.h"

#include <gtest/gtest.h>

#include <mailwire/smtp.h>

#include <cstring>
#include <string>

#include "windows/atomic_probe.h"

extern "C" {
#include "core/mime/compose.h"
#include "core/util/str.h"
}

namespace
{

// "Zürich-報告": a Latin-1 letter and two CJK ones, in no single ANSI code page.
const char *const kName = u8"Z\u00fcrich-\u5831\u544a";
// The attachment's content; base64: R3LDvGV6aSBhdXMgWsO8cmljaAo=
const char *const kGreeting = u8"Gr\u00fcezi aus Z\u00fcrich\n";

// Whether s is well-formed UTF-8 (RFC 3629: shortest forms, no surrogates, at most U+10FFFF).
bool IsUtf8(const std::string &s)
{
    size_t i = 0, n = s.size();
    while (i < n) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > n)
            return false;
        unsigned long cp = len == 1 ? c : c & (0x7f >> len);
        for (size_t k = 1; k < len; ++k) {
            unsigned char t = static_cast<unsigned char>(s[i + k]);
            if ((t & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (t & 0x3f);
        }
        static const unsigned long kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

// A scratch directory, removed with its files at the end.
struct TempDir {
    char path[1024] = {0};
    TempDir()
    {
        EXPECT_EQ(mwt_make_temp_dir("mw-win-", path, sizeof path), 0);
    }
    ~TempDir()
    {
        std::string dir = path;
        mwt_list_dir(
            path,
            [](const char *name, void *user) {
                mwt_remove_file((*static_cast<std::string *>(user) + "/" + name).c_str());
                return 0;
            },
            &dir);
#ifdef _WIN32
        RemoveDirectoryA(path); // ASCII name (mw-win-XXXXXX under the temporary directory)
#else
        rmdir(path);
#endif
    }
    std::string File(const std::string &name) const
    {
        return std::string(path) + "/" + name;
    }
};

bool Contains(const char *dir, const std::string &want)
{
    struct Look {
        std::string want;
        bool found = false;
    } look{want};
    mwt_list_dir(
        dir,
        [](const char *name, void *user) {
            auto *l = static_cast<Look *>(user);
            l->found = l->found || l->want == name;
            return 0;
        },
        &look);
    return look.found;
}

} // namespace

// issue 13: MailwireInitialize() is optional; without it WSAStartup never ran and the first
// connection failed with "out of memory". A connection to a port where nothing listens must
// now be refused by the network, and say so.
TEST(WindowsFirstUse, ConnectionWithoutMailwireInitializeReachesTheNetwork)
{
#ifdef _WIN32
    // Nothing in this process has started Winsock (WSACleanup() fails with
    // WSANOTINITIALISED when nobody has): the library must do it itself.
    ASSERT_EQ(WSACleanup(), SOCKET_ERROR);
    ASSERT_EQ(WSAGetLastError(), WSANOTINITIALISED);
#endif
    HCLIENT h = SmtpConnect("127.0.0.1", 1, 5, 0, nullptr, nullptr);
    EXPECT_EQ(h, INVALID_CLIENT);
    EXPECT_EQ(SmtpGetLastError(), static_cast<unsigned>(ST_ERROR_CONNECT_REFUSED))
        << MailwireGetLastErrorDetail();
}

// The detail of a system error: the system's text (FormatMessageW on Windows, in UTF-8), on
// one line: no CR LF at its end (Windows' messages carry one), no line break inside.
TEST(WindowsFirstUse, SystemErrorTextIsOneLineOfUtf8)
{
    ASSERT_EQ(SmtpConnect("127.0.0.1", 1, 5, 0, nullptr, nullptr), INVALID_CLIENT);
    std::string detail = MailwireGetLastErrorDetail();
    EXPECT_FALSE(detail.empty());
    EXPECT_EQ(detail.find_first_of("\r\n"), std::string::npos) << detail;
    EXPECT_TRUE(IsUtf8(detail)) << detail;
    EXPECT_NE(detail.back(), ' ') << detail;
}

TEST(WindowsUtf8Paths, TraceFileIsCreatedUnderItsUtf8Name)
{
    TempDir dir;
    std::string name = std::string(kName) + ".trace";
    ASSERT_EQ(MailwireEnableTrace(dir.File(name).c_str(), 0), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(MailwireEnableTrace(nullptr, 0), 0);
    EXPECT_TRUE(Contains(dir.path, name)) << "no " << name << " in " << dir.path;
}

// The composer opens attachments by their UTF-8 path (Windows: _wfopen and _wstat64 inside)
// and names them by the last path component, whichever separator precedes it.
TEST(WindowsUtf8Paths, AttachmentIsReadFromItsUtf8Path)
{
    TempDir dir;
    std::string path = dir.File(std::string(kName) + ".txt");
#ifdef _WIN32
    for (char &c : path)
        if (c == '/')
            c = '\\';
#endif
    FILE *f = mwt_fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs(kGreeting, f);
    std::fclose(f);

    const char *atts[] = {path.c_str(), nullptr};
    SMTPMESSAGE msg{};
    msg.dwSize = sizeof msg;
    msg.lpszFrom = "a@example.org";
    msg.lpszTo = "b@example.org";
    msg.lpszText = "see attached";
    msg.lpszAttachments = atts;
    mw_mime *m = nullptr;
    char detail[512] = {0};
    ASSERT_EQ(mw_mime_new(&m, &msg, "example.org", detail, sizeof detail), 0u) << detail;
    std::string out;
    char buf[4096];
    long n;
    while ((n = mw_mime_read(m, buf, sizeof buf)) > 0)
        out.append(buf, static_cast<size_t>(n));
    EXPECT_EQ(n, 0) << mw_mime_detail(m);
    mw_mime_free(m);
    // The content, base64 of "Grüezi aus Zürich\n"; the name, RFC 2231 percent-encoded UTF-8.
    EXPECT_NE(out.find("R3LDvGV6aSBhdXMgWsO8cmljaAo="), std::string::npos) << out;
    EXPECT_NE(out.find("Z%C3%BCrich-%E5%A0%B1%E5%91%8A.txt"), std::string::npos) << out;
}

TEST(WindowsUtf8Paths, MissingAttachmentIsAFileErrorNamingThePath)
{
    TempDir dir;
    std::string path = dir.File(std::string(kName) + "-missing.txt");
    const char *atts[] = {path.c_str(), nullptr};
    SMTPMESSAGE msg{};
    msg.dwSize = sizeof msg;
    msg.lpszFrom = "a@example.org";
    msg.lpszTo = "b@example.org";
    msg.lpszText = "x";
    msg.lpszAttachments = atts;
    mw_mime *m = nullptr;
    char detail[1024] = {0};
    EXPECT_EQ(mw_mime_new(&m, &msg, "example.org", detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_FILE));
    std::string d = detail;
    EXPECT_NE(d.find(kName), std::string::npos) << d;
    EXPECT_EQ(d.find_first_of("\r\n"), std::string::npos) << d;
    EXPECT_TRUE(IsUtf8(d)) << d;
}

// <strings.h> is not in MSVC: the library's own ASCII comparison, locale-independent.
TEST(WindowsPortableCore, CaseInsensitiveComparisonIsAsciiOnly)
{
    EXPECT_EQ(mw_strncasecmp("STARTTLS", "starttls", 8), 0);
    EXPECT_EQ(mw_strncasecmp("AUTH PLAIN", "auth login", 5), 0);
    EXPECT_GT(mw_strncasecmp("AUTH PLAIN", "auth login", 6), 0); // p > l
    EXPECT_GT(mw_strncasecmp("b", "A", 1), 0);
    EXPECT_NE(mw_strncasecmp("\xc3\x9c", "\xc3\xbc", 2), 0) << "only ASCII letters fold";
    EXPECT_EQ(mw_strncasecmp("abc", "ABD", 2), 0);
    EXPECT_LT(mw_strncasecmp("ab", "abc", 3), 0);
    EXPECT_EQ(mw_strcasecmp("Header", "HEADER"), 0);
    EXPECT_NE(mw_strcasecmp("HEADER", "HEADERS"), 0);
    EXPECT_NE(mw_strcasecmp("uid", u8"u\u0131d"), 0) << "no dotless-i folding";
}

// core/platform/atomic.h: C11 <stdatomic.h>, and on Windows the Interlocked form MSVC builds
// take (C11 atomics are experimental there), both run from C.
TEST(WindowsPortableCore, AtomicsBehaveTheSameInBothForms)
{
    EXPECT_EQ(mwt_atomic_probe_c11(), 0);
#ifdef _WIN32
    EXPECT_EQ(mwt_atomic_probe_interlocked(), 0);
#endif
}
