// Error codes: every code has its own text; the last error is per thread.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

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
