// SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677): the RFC exchanges byte for byte, and
// every way a server (or an attacker in its place) can get the exchange wrong.
#include <gtest/gtest.h>

#include <string>

#include "sasl_test_util.hpp"

namespace
{

using mwtest::Finish;
using mwtest::Initial;
using mwtest::NewSasl;
using mwtest::SaslPtr;
using mwtest::Step;

// RFC 5802 section 5.
const char *const kSha1Nonce = "fyko+d2lbbFgONRv9qkxdawL";
const char *const kSha1ServerFirst =
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
const char *const kSha1ClientFinal =
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
const char *const kSha1ServerFinal = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

// RFC 7677 section 3.
const char *const kSha256Nonce = "rOprNGfwEbeRWgbNEkqO";
const char *const kSha256ServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const char *const kSha256ClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const char *const kSha256ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

SaslPtr Sha1()
{
    auto m = NewSasl(MW_SASL_SCRAM_SHA1, "user", "pencil");
    mw_sasl_set_test_nonce(kSha1Nonce);
    return m;
}

// A SCRAM-SHA-1 exchange up to (and including) the client-final message.
SaslPtr Sha1AfterClientFinal()
{
    auto m = Sha1();
    EXPECT_EQ(Initial(m.get()), std::string("n,,n=user,r=") + kSha1Nonce);
    EXPECT_EQ(Step(m.get(), kSha1ServerFirst), kSha1ClientFinal);
    return m;
}

TEST(Scram, Rfc5802Sha1Exchange)
{
    auto m = Sha1AfterClientFinal();
    EXPECT_EQ(Step(m.get(), kSha1ServerFinal), ""); // empty response to the server-final
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_NONE);
    EXPECT_EQ(Finish(m.get()), ST_ERROR_NONE);
}

TEST(Scram, Rfc7677Sha256Exchange)
{
    auto m = NewSasl(MW_SASL_SCRAM_SHA256, "user", "pencil");
    mw_sasl_set_test_nonce(kSha256Nonce);
    EXPECT_EQ(Initial(m.get()), std::string("n,,n=user,r=") + kSha256Nonce);
    EXPECT_EQ(Step(m.get(), kSha256ServerFirst), kSha256ClientFinal);
    EXPECT_EQ(Step(m.get(), kSha256ServerFinal), "");
    EXPECT_EQ(Finish(m.get()), ST_ERROR_NONE);
}

TEST(Scram, WithoutSaslIrTheEmptyChallengeYieldsTheClientFirst)
{
    auto m = Sha1();
    EXPECT_EQ(Step(m.get(), ""), std::string("n,,n=user,r=") + kSha1Nonce);
    EXPECT_EQ(Step(m.get(), kSha1ServerFirst), kSha1ClientFinal);
}

TEST(Scram, ServerFinalWithTheSuccessReply)
{
    auto m = Sha1AfterClientFinal();
    EXPECT_EQ(Finish(m.get(), kSha1ServerFinal), ST_ERROR_NONE);
}

TEST(Scram, ForgedServerFinalWithTheSuccessReplyFails)
{
    auto m = Sha1AfterClientFinal();
    EXPECT_EQ(Finish(m.get(), "v=AAAAAAAAAAAAAAAAAAAAAAAAAAA="), ST_ERROR_AUTHENTICATION_FAILED);
}

TEST(Scram, SuccessWithoutServerFinalFails)
{
    auto m = Sha1AfterClientFinal();
    EXPECT_EQ(Finish(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_NE(std::string(mw_sasl_detail(m.get())).find("without proving"), std::string::npos);
    // Success straight after the client-first message is no better.
    auto early = Sha1();
    Initial(early.get());
    EXPECT_EQ(Finish(early.get()), ST_ERROR_AUTHENTICATION_FAILED);
}

TEST(Scram, TamperedServerSignatureFails)
{
    auto m = Sha1AfterClientFinal();
    // Last significant character changed: same length, valid base64, wrong signature.
    EXPECT_EQ(Step(m.get(), "v=rmF9pqV8S7suAoZWja4dJRkFsKA="), "<FAILED>");
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_EQ(Finish(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
}

TEST(Scram, WrongSignatureLengthOrEncodingFails)
{
    for (const char *v : {"v=rmF9pqV8S7suAoZWja4dJRkFsKQ", "v=", "v=rmF9pqV8S7su AoZWja4dJRkFsKQ=",
                          "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="}) {
        auto m = Sha1AfterClientFinal();
        EXPECT_EQ(Step(m.get(), v), "<FAILED>") << v;
        EXPECT_EQ(Finish(m.get()), ST_ERROR_AUTHENTICATION_FAILED) << v;
    }
}

TEST(Scram, ServerErrorAttribute)
{
    auto m = Sha1AfterClientFinal();
    EXPECT_EQ(Step(m.get(), "e=invalid-proof"), "<FAILED>");
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_NE(std::string(mw_sasl_detail(m.get())).find("invalid-proof"), std::string::npos);
    EXPECT_EQ(Finish(m.get()), ST_ERROR_AUTHENTICATION_FAILED);
}

// The server-first message `sf` must be refused with `err`.
void ExpectServerFirstRefused(const std::string &sf, unsigned err)
{
    auto m = Sha1();
    Initial(m.get());
    EXPECT_EQ(Step(m.get(), sf), "<FAILED>") << sf;
    EXPECT_EQ(mw_sasl_error(m.get()), err) << sf;
    EXPECT_STRNE(mw_sasl_detail(m.get()), "") << sf;
    EXPECT_EQ(Finish(m.get()), ST_ERROR_AUTHENTICATION_FAILED) << sf;
}

TEST(Scram, ServerNonceMustExtendTheClientNonce)
{
    ExpectServerFirstRefused(
        "r=Xyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        ST_ERROR_PROTOCOL_VIOLATION);
    // Equal to the client nonce: the server added nothing.
    ExpectServerFirstRefused("r=fyko+d2lbbFgONRv9qkxdawL,s=QSXCR+Q6sek8bf92,i=4096",
                             ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused("r=fyko,s=QSXCR+Q6sek8bf92,i=4096", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused("r=fyko+d2lbbFgONRv9qkxdawL3rfc\x7f,s=QSXCR+Q6sek8bf92,i=4096",
                             ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(Scram, IterationCountLimits)
{
    const std::string head = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=";
    ExpectServerFirstRefused(head + "0", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(head + "10000000", ST_ERROR_LIMIT_EXCEEDED);
    ExpectServerFirstRefused(head + "1000001", ST_ERROR_LIMIT_EXCEEDED);
    ExpectServerFirstRefused(head + "99999999999999999999999999", ST_ERROR_LIMIT_EXCEEDED);
    ExpectServerFirstRefused(head + "-1", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(head + "", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(head + "4096x", ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(Scram, LowIterationCountIsAcceptedAndNoted)
{
    auto m = Sha1();
    Initial(m.get());
    std::string r =
        Step(m.get(), "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=1");
    EXPECT_NE(r, "<FAILED>");
    EXPECT_EQ(r.rfind("c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=", 0), 0u) << r;
    EXPECT_NE(std::string(mw_sasl_detail(m.get())).find("4096"), std::string::npos);
}

TEST(Scram, TheUpperIterationBoundIsAccepted)
{
    // 1,000,000 PBKDF2 rounds: slow (well under a second), but allowed.
    auto m = Sha1();
    Initial(m.get());
    EXPECT_NE(Step(m.get(), "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,"
                            "i=1000000"),
              "<FAILED>");
}

TEST(Scram, BadSalt)
{
    const std::string n = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,";
    ExpectServerFirstRefused(n + "s=QSXCR+Q6sek8bf9,i=4096", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(n + "s=QSXC*+Q6sek8bf92,i=4096", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(n + "s=,i=4096", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(n + "i=4096,s=QSXCR+Q6sek8bf92", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(n + "i=4096", ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(Scram, MandatoryExtensionIsRefused)
{
    ExpectServerFirstRefused(
        "m=ext,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
        ST_ERROR_PROTOCOL_VIOLATION);
    auto m = Sha1();
    Initial(m.get());
    Step(m.get(), "m=x");
    EXPECT_NE(std::string(mw_sasl_detail(m.get())).find("m="), std::string::npos);
}

TEST(Scram, OptionalExtensionsAfterTheCountAreIgnored)
{
    auto m = Sha1();
    Initial(m.get());
    // The AuthMessage includes the whole server-first, so the proof differs from the RFC's;
    // the exchange itself must go on.
    std::string r = Step(m.get(), std::string(kSha1ServerFirst) + ",x=future");
    EXPECT_NE(r, "<FAILED>");
    EXPECT_NE(r, kSha1ClientFinal);
}

TEST(Scram, MalformedServerFirst)
{
    ExpectServerFirstRefused("", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused("garbage", ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(std::string("r=fyko+d2lbbFgONRv9qkxdawL3rfc,s=QSXCR+Q6sek8bf92,i=4") +
                                 std::string(1, '\0'),
                             ST_ERROR_PROTOCOL_VIOLATION);
    ExpectServerFirstRefused(std::string(5000, 'r'), ST_ERROR_LIMIT_EXCEEDED);
}

TEST(Scram, ChallengeAfterVerificationFails)
{
    auto m = Sha1AfterClientFinal();
    Step(m.get(), kSha1ServerFinal);
    EXPECT_EQ(Step(m.get(), kSha1ServerFinal), "<FAILED>");
    EXPECT_EQ(mw_sasl_error(m.get()), ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(Scram, UserNameIsEscaped)
{
    auto m = NewSasl(MW_SASL_SCRAM_SHA256, "a=b,c", "pencil");
    mw_sasl_set_test_nonce(kSha256Nonce);
    EXPECT_EQ(Initial(m.get()), std::string("n,,n=a=3Db=2Cc,r=") + kSha256Nonce);
}

TEST(Scram, RandomNonceIsFreshBase64)
{
    auto a = NewSasl(MW_SASL_SCRAM_SHA1, "user", "pencil");
    auto b = NewSasl(MW_SASL_SCRAM_SHA1, "user", "pencil");
    std::string ia = Initial(a.get()), ib = Initial(b.get());
    ASSERT_EQ(ia.rfind("n,,n=user,r=", 0), 0u);
    std::string na = ia.substr(12), nb = ib.substr(12);
    EXPECT_EQ(na.size(), 32u); // 24 random bytes
    EXPECT_NE(na, nb);
    EXPECT_EQ(na.find(','), std::string::npos);
    EXPECT_EQ(
        na.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
        std::string::npos);
}

TEST(Scram, PasswordIsNormalised)
{
    // OpaqueString maps non-ASCII spaces to U+0020 and applies NFC: "pen\u00A0cil" and
    // "pen cil" give the same proof; so do a precomposed and a decomposed e-acute.
    auto proof = [](const char *pass) {
        auto m = NewSasl(MW_SASL_SCRAM_SHA1, "user", pass);
        mw_sasl_set_test_nonce(kSha1Nonce);
        Initial(m.get());
        return Step(m.get(), kSha1ServerFirst);
    };
    EXPECT_EQ(proof("pen\xc2\xa0"
                    "cil"),
              proof("pen cil"));
    EXPECT_EQ(proof("caf\xc3\xa9"), proof("cafe\xcc\x81"));
    EXPECT_NE(proof("pencil"), proof("Pencil"));
    EXPECT_EQ(proof("pencil"), kSha1ClientFinal);
}

TEST(Scram, UnpreparablePasswordIsRefused)
{
    mw_sasl *m = nullptr;
    char d[256] = "";
    // Invalid UTF-8 is neither normalisable nor printable ASCII.
    EXPECT_EQ(mw_sasl_new(&m, MW_SASL_SCRAM_SHA256, "user", "p\xff\xfe", nullptr, 0, d, sizeof d),
              ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(m, nullptr);
    EXPECT_NE(std::string(d).find("SCRAM"), std::string::npos);
    // A control character is disallowed by OpaqueString and is not printable.
    EXPECT_EQ(mw_sasl_new(&m, MW_SASL_SCRAM_SHA1, "user", "p\tw", nullptr, 0, d, sizeof d),
              ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(m, nullptr);
}

} // namespace
