// Error codes: every code has its own text; the last error is per thread.
#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <mailwire/mailwire.h>

TEST(Errors, EveryCodeHasADistinctText)
{
    std::set<std::string> seen;
    for (unsigned code = 0; code < ST_ERROR_COUNT; ++code) {
        const char *text = MailwireGetErrorString(code);
        ASSERT_NE(text, nullptr) << code;
        EXPECT_STRNE(text, "unknown error") << "code " << code << " has no text";
        EXPECT_TRUE(seen.insert(text).second) << "duplicate text for code " << code << ": " << text;
    }
}

TEST(Errors, UnknownCodesStillGetAText)
{
    EXPECT_STREQ(MailwireGetErrorString(ST_ERROR_COUNT), "unknown error");
    EXPECT_STREQ(MailwireGetErrorString(0xffffffffu), "unknown error");
}

TEST(Errors, LastErrorIsPerThread)
{
    MailwireSetLastError(ST_ERROR_TIMEOUT);
    unsigned other = 12345;
    std::thread t([&] {
        other = MailwireGetLastError();
        MailwireSetLastError(ST_ERROR_CANCELLED);
    });
    t.join();
    EXPECT_EQ(other, ST_ERROR_NONE) << "a new thread starts without an error";
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_TIMEOUT)
        << "untouched by the other thread";
    EXPECT_STREQ(MailwireGetLastErrorDetail(), "");
}

TEST(Errors, InitializeIsReferenceCounted)
{
    EXPECT_TRUE(MailwireInitialize());
    EXPECT_TRUE(MailwireInitialize());
    MailwireUninitialize();
    MailwireUninitialize();
    MailwireUninitialize(); // one too many: harmless
    EXPECT_TRUE(MailwireInitialize());
    MailwireUninitialize();
}

TEST(Errors, VersionMatchesTheHeader)
{
    EXPECT_STREQ(MailwireGetVersion(), MAILWIRE_VERSION_STRING);
}

TEST(Errors, SecurityCredentialsAreCopiedAndFreed)
{
    LPSECURITYCREDENTIALS cred = nullptr;
    std::string pass = "secret";
    ASSERT_EQ(MailwireCreateSecurityCredentials(0, "c.pem", nullptr, pass.c_str(), "ca.pem", &cred),
              0);
    ASSERT_NE(cred, nullptr);
    pass[0] = 'X';
    EXPECT_EQ(cred->dwSize, sizeof(SECURITYCREDENTIALS));
    EXPECT_STREQ(cred->lpszCertificateFile, "c.pem");
    EXPECT_EQ(cred->lpszPrivateKeyFile, nullptr);
    EXPECT_STREQ(cred->lpszPassword, "secret");
    EXPECT_STREQ(cred->lpszCAFile, "ca.pem");
    MailwireDeleteSecurityCredentials(cred);
    MailwireDeleteSecurityCredentials(nullptr);
    EXPECT_EQ(MailwireCreateSecurityCredentials(0, nullptr, nullptr, nullptr, nullptr, nullptr),
              -1);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

// The SocketTools form: SmtpGetErrorString(dwError, lpszBuffer, nMaxLength) copies the text
// and returns its length; the pointer form lives on as SmtpGetErrorText.
TEST(Errors, GetErrorStringCopiesIntoTheCallersBuffer)
{
    using Fn = int (*)(unsigned, char *, int);
    using TextFn = const char *(*)(unsigned);
    const std::pair<Fn, TextFn> faces[] = {{SmtpGetErrorString, SmtpGetErrorText},
                                           {ImapGetErrorString, ImapGetErrorText}};
    for (const auto &f : faces) {
        const std::string full = MailwireGetErrorString(ST_ERROR_TIMEOUT);
        EXPECT_EQ(f.second(ST_ERROR_TIMEOUT), full);
        char buf[128];
        std::memset(buf, 'x', sizeof buf);
        EXPECT_EQ(f.first(ST_ERROR_TIMEOUT, buf, (int)sizeof buf), (int)full.size());
        EXPECT_EQ(std::string(buf), full);

        // Cut to nMaxLength - 1 characters, always terminated; nothing written past the end.
        std::memset(buf, 'x', sizeof buf);
        EXPECT_EQ(f.first(ST_ERROR_TIMEOUT, buf, 5), 4);
        EXPECT_EQ(std::string(buf), full.substr(0, 4));
        EXPECT_EQ(buf[5], 'x');
        EXPECT_EQ(f.first(ST_ERROR_TIMEOUT, buf, 1), 0);
        EXPECT_EQ(buf[0], '\0');

        // Unknown codes get the unknown text; bad arguments write nothing, return 0, and leave
        // the last error as it was (the call is how programs print it).
        EXPECT_EQ(f.first(0xffffffffu, buf, (int)sizeof buf), (int)std::strlen("unknown error"));
        EXPECT_STREQ(buf, "unknown error");
        MailwireSetLastError(ST_ERROR_CANCELLED);
        std::memset(buf, 'x', sizeof buf);
        EXPECT_EQ(f.first(ST_ERROR_TIMEOUT, buf, 0), 0);
        EXPECT_EQ(f.first(ST_ERROR_TIMEOUT, buf, -3), 0);
        EXPECT_EQ(f.first(ST_ERROR_TIMEOUT, nullptr, 64), 0);
        EXPECT_EQ(buf[0], 'x');
        EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_CANCELLED);
        MailwireSetLastError(ST_ERROR_NONE);
    }
}
