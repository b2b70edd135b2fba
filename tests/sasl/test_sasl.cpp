// SASL mechanisms without a server proof (PLAIN, LOGIN, CRAM-MD5, ANONYMOUS, XOAUTH2,
// OAUTHBEARER): the exact bytes each one sends, the argument rules, names and the choice.
#include <gtest/gtest.h>

#include <string>

#include "sasl_test_util.hpp"

namespace
{

using mwtest::Finish;
using mwtest::Initial;
using mwtest::NewSasl;
using mwtest::Step;

using namespace std::string_literals;

// Result of mw_sasl_new for the arguments, and the detail it gave.
unsigned NewErr(int mech, const char *user, const char *pass, std::string *detail = nullptr,
                const char *host = nullptr, unsigned port = 0)
{
    mw_sasl *m = nullptr;
    char d[256] = "unset";
    unsigned err = mw_sasl_new(&m, mech, user, pass, host, port, d, sizeof d);
    if (detail)
        *detail = d;
    if (err == ST_ERROR_NONE)
        EXPECT_NE(m, nullptr);
    else
        EXPECT_EQ(m, nullptr);
    mw_sasl_free(m);
    return err;
}

TEST(SaslPlain, InitialIsNulUserNulPassword)
{
    auto m = NewSasl(MW_SASL_PLAIN, "tim", "tanstaaftanstaaf");
    EXPECT_EQ(Initial(m.get()), "\0tim\0tanstaaftanstaaf"s);
    EXPECT_EQ(Finish(m.get()), ST_ERROR_NONE);
}

TEST(SaslPlain, WithoutSaslIrTheEmptyChallengeYieldsTheSameBytes)
{
    auto m = NewSasl(MW_SASL_PLAIN, "user@example.org", "p\xc3\xa4ss word");
    EXPECT_EQ(Step(m.get(), ""), "\0user@example.org\0p\xc3\xa4ss word"s);
}

TEST(SaslPlain, AChallengeAfterTheResponseFails)
{
    auto m = NewSasl(MW_SASL_PLAIN, "u", "p");
    Initial(m.get());
    EXPECT_EQ(Step(m.get(), "more?"), "<FAILED>");
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_PROTOCOL_VIOLATION);
    EXPECT_NE(std::string(mw_sasl_detail(m.get())).find("unexpected"), std::string::npos);
    EXPECT_EQ(Finish(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
}

TEST(SaslPlain, InitialTwiceFails)
{
    auto m = NewSasl(MW_SASL_PLAIN, "u", "p");
    Initial(m.get());
    EXPECT_EQ(Initial(m.get()), "<FAILED>");
}

TEST(SaslLogin, AnswersUserThenPasswordWhateverThePrompts)
{
    auto m = NewSasl(MW_SASL_LOGIN, "alice", "s3cret");
    EXPECT_EQ(Initial(m.get()), "<NO_INITIAL>");
    EXPECT_EQ(Step(m.get(), "Password:"), "alice"); // the order counts, not the text
    EXPECT_EQ(Step(m.get(), "Username:"), "s3cret");
    EXPECT_EQ(Step(m.get(), "Again:"), "<FAILED>");
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(SaslLogin, EmptyPromptsWork)
{
    auto m = NewSasl(MW_SASL_LOGIN, "alice", "s3cret");
    EXPECT_EQ(Step(m.get(), ""), "alice");
    EXPECT_EQ(Step(m.get(), ""), "s3cret");
    EXPECT_EQ(Finish(m.get()), ST_ERROR_NONE);
}

TEST(SaslCramMd5, Rfc2195Example)
{
    auto m = NewSasl(MW_SASL_CRAM_MD5, "tim", "tanstaaftanstaaf");
    EXPECT_EQ(Initial(m.get()), "<NO_INITIAL>");
    EXPECT_EQ(Step(m.get(), "<1896.697170952@postoffice.reston.mci.net>"),
              "tim b913a602c7eda7a495b4e6e7334d3890");
    EXPECT_EQ(Finish(m.get()), ST_ERROR_NONE);
}

TEST(SaslCramMd5, EmptyChallengeFails)
{
    auto m = NewSasl(MW_SASL_CRAM_MD5, "tim", "tanstaaftanstaaf");
    EXPECT_EQ(Step(m.get(), ""), "<FAILED>");
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_PROTOCOL_VIOLATION);
    EXPECT_STRNE(mw_sasl_detail(m.get()), "");
}

TEST(SaslAnonymous, TraceOrEmpty)
{
    auto m = NewSasl(MW_SASL_ANONYMOUS, "sirhc@example.com", nullptr);
    EXPECT_EQ(Initial(m.get()), "sirhc@example.com");
    auto e = NewSasl(MW_SASL_ANONYMOUS, nullptr, "ignored\r\n");
    EXPECT_EQ(Initial(e.get()), "");
    auto u = NewSasl(MW_SASL_ANONYMOUS, "", nullptr);
    EXPECT_EQ(Step(u.get(), ""), "");
}

TEST(SaslAnonymous, TraceRules)
{
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, "a\r\nb", nullptr), ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, "tab\there", nullptr), ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, "bad \xff utf8", nullptr), ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, "C1 \xc2\x85", nullptr), ST_ERROR_INVALID_ARGUMENT);
    std::string max(255, 'x'), over(256, 'x'), wide;
    for (int i = 0; i < 255; i++)
        wide += "\xc3\xa9"; // 255 characters, 510 bytes
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, max.c_str(), nullptr), ST_ERROR_NONE);
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, wide.c_str(), nullptr), ST_ERROR_NONE);
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, over.c_str(), nullptr), ST_ERROR_INVALID_ARGUMENT);
}

TEST(SaslXoauth2, InitialResponse)
{
    auto m = NewSasl(MW_SASL_XOAUTH2, "someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdGE");
    EXPECT_EQ(Initial(m.get()), "user=someuser@example.com\x01"
                                "auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdGE\x01\x01");
}

TEST(SaslXoauth2, ErrorChallengeGetsEmptyResponseAndBecomesTheDetail)
{
    auto m = NewSasl(MW_SASL_XOAUTH2, "someuser@example.com", "tok");
    Initial(m.get());
    const std::string json =
        R"({"status":"401","schemes":"bearer mac","scope":"https://mail.google.com/"})";
    EXPECT_EQ(Step(m.get(), json), "");
    EXPECT_EQ(std::string(mw_sasl_detail(m.get())), json);
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
    // A server that then claims success contradicts itself.
    EXPECT_EQ(Finish(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_EQ(Step(m.get(), json), "<FAILED>");
}

TEST(SaslOauthBearer, Rfc7628Section4_1Example)
{
    auto m = NewSasl(MW_SASL_OAUTHBEARER, "user@example.com",
                     "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", "server.example.com", 143);
    EXPECT_EQ(Initial(m.get()), "n,a=user@example.com,\x01host=server.example.com\x01port=143\x01"
                                "auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01");
    EXPECT_EQ(Finish(m.get()), ST_ERROR_NONE);
}

TEST(SaslOauthBearer, AuthzidEscapingAndNoHostOrPort)
{
    auto m = NewSasl(MW_SASL_OAUTHBEARER, "a,b=c", "tok");
    EXPECT_EQ(Step(m.get(), ""), "n,a=a=2Cb=3Dc,\x01"
                                 "auth=Bearer tok\x01\x01");
}

TEST(SaslOauthBearer, ErrorChallengeGetsCtrlAAndKeepsTheJson)
{
    auto m = NewSasl(MW_SASL_OAUTHBEARER, "user@example.com", "tok", "server.example.com", 993);
    Initial(m.get());
    const std::string json = R"({"status":"invalid_token","scope":"example_scope",)"
                             R"("openid-configuration":"https://example.com/.well-known/openid"})";
    EXPECT_EQ(Step(m.get(), json), "\x01");
    EXPECT_EQ(std::string(mw_sasl_detail(m.get())), json);
    EXPECT_EQ(Finish(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
}

TEST(SaslOauthBearer, ControlBytesInTheErrorAreNotCopiedToTheDetail)
{
    auto m = NewSasl(MW_SASL_OAUTHBEARER, "u", "tok");
    Initial(m.get());
    EXPECT_EQ(Step(m.get(), "{\"a\":\r\n\"b\"}"), "\x01");
    EXPECT_EQ(std::string(mw_sasl_detail(m.get())), "{\"a\":??\"b\"}");
}

TEST(SaslArgs, UserRequiredExceptAnonymous)
{
    for (int mech = MW_SASL_LOGIN; mech < MW_SASL_MECH_COUNT; mech++) {
        std::string d;
        EXPECT_EQ(NewErr(mech, nullptr, "pw", &d), ST_ERROR_INVALID_ARGUMENT) << mech;
        EXPECT_NE(d, "unset");
        EXPECT_FALSE(d.empty());
        EXPECT_EQ(NewErr(mech, "", "pw"), ST_ERROR_INVALID_ARGUMENT) << mech;
    }
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, nullptr, nullptr), ST_ERROR_NONE);
}

TEST(SaslArgs, UserWithEmptyPasswordIsInvalid)
{
    for (int mech = MW_SASL_LOGIN; mech < MW_SASL_MECH_COUNT; mech++) {
        std::string d;
        EXPECT_EQ(NewErr(mech, "user", "", &d), ST_ERROR_INVALID_ARGUMENT) << mech;
        EXPECT_NE(d.find("without"), std::string::npos) << d;
        EXPECT_EQ(NewErr(mech, "user", nullptr), ST_ERROR_INVALID_ARGUMENT) << mech;
    }
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, "trace", ""), ST_ERROR_NONE);
}

TEST(SaslArgs, CrOrLfAnywhereIsInvalid)
{
    const char *bad[] = {"a\rb", "a\nb", "\r\n", "x\r"};
    for (int mech = MW_SASL_LOGIN; mech < MW_SASL_MECH_COUNT; mech++) {
        for (const char *b : bad) {
            std::string d;
            EXPECT_EQ(NewErr(mech, b, "pw", &d), ST_ERROR_INVALID_ARGUMENT) << mech;
            EXPECT_NE(d.find("CR or LF"), std::string::npos) << d;
            EXPECT_EQ(NewErr(mech, "user", b), ST_ERROR_INVALID_ARGUMENT) << mech;
        }
    }
    EXPECT_EQ(NewErr(MW_SASL_ANONYMOUS, "a\nb", nullptr), ST_ERROR_INVALID_ARGUMENT);
}

TEST(SaslArgs, TokenRules)
{
    for (int mech : {MW_SASL_XOAUTH2, MW_SASL_OAUTHBEARER}) {
        EXPECT_EQ(NewErr(mech, "u", "to\x01ken"), ST_ERROR_INVALID_ARGUMENT);
        EXPECT_EQ(NewErr(mech, "u\x01x", "token"), ST_ERROR_INVALID_ARGUMENT);
        EXPECT_EQ(NewErr(mech, "u", "to ken"), ST_ERROR_INVALID_ARGUMENT);
        EXPECT_EQ(NewErr(mech, "u", "tok\xc3\xa9"), ST_ERROR_INVALID_ARGUMENT);
        EXPECT_EQ(NewErr(mech, "u", "a-._~+/b=="), ST_ERROR_NONE);
    }
    EXPECT_EQ(NewErr(MW_SASL_OAUTHBEARER, "u", "t", nullptr, "ho\x01st"),
              ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(NewErr(MW_SASL_OAUTHBEARER, "u", "t", nullptr, "host", 65536),
              ST_ERROR_INVALID_ARGUMENT);
    // Passwords of the other mechanisms may hold any byte but CR and LF.
    EXPECT_EQ(NewErr(MW_SASL_PLAIN, "u", "pa\x01ss w\xc3\xb6rd"), ST_ERROR_NONE);
    EXPECT_EQ(NewErr(MW_SASL_LOGIN, "u", "pa\x01ss"), ST_ERROR_NONE);
}

TEST(SaslArgs, UnknownMechanism)
{
    std::string d;
    EXPECT_EQ(NewErr(MW_SASL_NONE, "u", "p", &d), ST_ERROR_INVALID_AUTHENTICATION_TYPE);
    EXPECT_FALSE(d.empty());
    EXPECT_EQ(NewErr(MW_SASL_MECH_COUNT, "u", "p"), ST_ERROR_INVALID_AUTHENTICATION_TYPE);
    EXPECT_EQ(NewErr(-3, "u", "p"), ST_ERROR_INVALID_AUTHENTICATION_TYPE);
}

TEST(SaslArgs, OverlongArgument)
{
    std::string big(70000, 'a');
    EXPECT_EQ(NewErr(MW_SASL_PLAIN, "u", big.c_str()), ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(NewErr(MW_SASL_PLAIN, big.c_str(), "p"), ST_ERROR_INVALID_ARGUMENT);
}

TEST(SaslNames, FromNameIsExactAndCaseInsensitive)
{
    struct {
        const char *name;
        int mech;
    } cases[] = {{"PLAIN", MW_SASL_PLAIN},
                 {"plain", MW_SASL_PLAIN},
                 {"Login", MW_SASL_LOGIN},
                 {"cram-md5", MW_SASL_CRAM_MD5},
                 {"XOAUTH2", MW_SASL_XOAUTH2},
                 {"oauthbearer", MW_SASL_OAUTHBEARER},
                 {"SCRAM-SHA-1", MW_SASL_SCRAM_SHA1},
                 {"scram-sha-256", MW_SASL_SCRAM_SHA256},
                 {"ANONYMOUS", MW_SASL_ANONYMOUS},
                 {"SCRAM-SHA-1-PLUS", MW_SASL_NONE},
                 {"SCRAM-SHA-256-PLUS", MW_SASL_NONE},
                 {"PLAIN ", MW_SASL_NONE},
                 {"PLAI", MW_SASL_NONE},
                 {"GSSAPI", MW_SASL_NONE},
                 {"", MW_SASL_NONE}};
    for (auto &c : cases)
        EXPECT_EQ(mw_sasl_mech_from_name(c.name, strlen(c.name)), c.mech) << c.name;
    // Length-delimited: the name inside a longer EHLO line.
    const char *line = "AUTH LOGIN PLAIN";
    EXPECT_EQ(mw_sasl_mech_from_name(line + 5, 5), MW_SASL_LOGIN);
    EXPECT_EQ(mw_sasl_mech_from_name(nullptr, 0), MW_SASL_NONE);
    for (int mech = 1; mech < MW_SASL_MECH_COUNT; mech++) {
        const char *n = mw_sasl_mech_name(mech);
        EXPECT_EQ(mw_sasl_mech_from_name(n, strlen(n)), mech);
    }
    EXPECT_STREQ(mw_sasl_mech_name(MW_SASL_NONE), "");
    EXPECT_STREQ(mw_sasl_mech_name(99), "");
    EXPECT_STREQ(mw_sasl_mech_name(MW_SASL_OAUTHBEARER), "OAUTHBEARER");
}

TEST(SaslPick, OrderAndNeverTokensOrAnonymous)
{
    auto B = [](int m) { return MW_SASL_BIT(m); };
    unsigned all = 0;
    for (int m = 1; m < MW_SASL_MECH_COUNT; m++)
        all |= B(m);
    EXPECT_EQ(mw_sasl_pick(all), MW_SASL_SCRAM_SHA256);
    EXPECT_EQ(mw_sasl_pick(all & ~B(MW_SASL_SCRAM_SHA256)), MW_SASL_SCRAM_SHA1);
    unsigned rest = all & ~B(MW_SASL_SCRAM_SHA256) & ~B(MW_SASL_SCRAM_SHA1);
    EXPECT_EQ(mw_sasl_pick(rest), MW_SASL_PLAIN);
    EXPECT_EQ(mw_sasl_pick(rest & ~B(MW_SASL_PLAIN)), MW_SASL_LOGIN);
    EXPECT_EQ(mw_sasl_pick(B(MW_SASL_CRAM_MD5) | B(MW_SASL_XOAUTH2)), MW_SASL_CRAM_MD5);
    EXPECT_EQ(mw_sasl_pick(B(MW_SASL_XOAUTH2) | B(MW_SASL_OAUTHBEARER) | B(MW_SASL_ANONYMOUS)),
              MW_SASL_NONE);
    EXPECT_EQ(mw_sasl_pick(0), MW_SASL_NONE);
}

TEST(SaslExposes, CleartextEquivalentMechanisms)
{
    for (int m = 0; m < MW_SASL_MECH_COUNT; m++) {
        bool want = m == MW_SASL_PLAIN || m == MW_SASL_LOGIN || m == MW_SASL_XOAUTH2 ||
                    m == MW_SASL_OAUTHBEARER;
        EXPECT_EQ(mw_sasl_mech_exposes_secret(m) != 0, want) << m;
    }
}

TEST(SaslObject, AccessorsAndNullSafety)
{
    auto m = NewSasl(MW_SASL_LOGIN, "u", "p");
    EXPECT_EQ(mw_sasl_mech(m.get()), MW_SASL_LOGIN);
    EXPECT_STREQ(mw_sasl_detail(m.get()), "");
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_NONE);
    mw_sasl_free(nullptr);
    EXPECT_EQ(mw_sasl_mech(nullptr), MW_SASL_NONE);
    EXPECT_EQ(mw_sasl_finish(nullptr, nullptr, 0), ST_ERROR_AUTHENTICATION_FAILED);
    char d[8];
    EXPECT_EQ(mw_sasl_new(nullptr, MW_SASL_PLAIN, "u", "p", nullptr, 0, d, sizeof d),
              ST_ERROR_INVALID_ARGUMENT);
}

} // namespace
