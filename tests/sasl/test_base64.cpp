// Base64 (core/util/base64): RFC 4648 section 10 vectors both ways, strict decoding, and the
// line-wrapping streaming encoder against the one-shot encoding for every split.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

extern "C" {
#include "core/util/alloc.h"
#include "core/util/base64.h"
}

namespace
{

std::string Encode(const std::string &in)
{
    std::string out(MW_B64_ENCODED_LEN(in.size()), '\0');
    size_t n = mw_b64_encode(in.data(), in.size(), &out[0]);
    EXPECT_EQ(n, out.size());
    return out;
}

// Decoded bytes, or "<INVALID>".
std::string Decode(const std::string &in)
{
    std::vector<unsigned char> out(MW_B64_DECODED_MAX(in.size()) + 1);
    size_t n = 12345;
    if (mw_b64_decode(in.data(), in.size(), out.data(), &n) != 0)
        return "<INVALID>";
    EXPECT_LE(n, MW_B64_DECODED_MAX(in.size()));
    return std::string(reinterpret_cast<char *>(out.data()), n);
}

const std::pair<const char *, const char *> kRfc4648[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

TEST(Base64, Rfc4648VectorsEncode)
{
    for (auto &v : kRfc4648)
        EXPECT_EQ(Encode(v.first), v.second) << v.first;
}

TEST(Base64, Rfc4648VectorsDecode)
{
    for (auto &v : kRfc4648)
        EXPECT_EQ(Decode(v.second), v.first) << v.second;
}

TEST(Base64, EncodeAllocTerminates)
{
    size_t n = 0;
    char *s = mw_b64_encode_alloc("foobar", 6, &n);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(n, 8u);
    EXPECT_STREQ(s, "Zm9vYmFy");
    free(s);
    s = mw_b64_encode_alloc("", 0, nullptr);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(s, "");
    free(s);
    mw_alloc_fail_at(0);
    EXPECT_EQ(mw_b64_encode_alloc("x", 1, nullptr), nullptr);
    EXPECT_TRUE(mw_alloc_fail_at(-1));
}

TEST(Base64, BinaryRoundTripEveryLength)
{
    std::mt19937 rng(4648);
    for (size_t len = 0; len <= 300; len++) {
        std::string in(len, '\0');
        for (auto &c : in)
            c = static_cast<char>(rng());
        EXPECT_EQ(Decode(Encode(in)), in) << len;
    }
    std::string all;
    for (int i = 0; i < 256; i++)
        all += static_cast<char>(i);
    EXPECT_EQ(Decode(Encode(all)), all);
}

TEST(Base64, StrictDecodingRejects)
{
    const char *bad[] = {
        "Zg",           // missing padding
        "Zg=",          // short padding
        "Zm8",          // missing padding
        "Zm9vYg",       // missing padding
        "Z",            // wrong length
        "Zm9vY",        // wrong length
        "Zm9v\r\nYmFy", // line break
        "Zm9v YmFy",    // space
        " Zm9v",        // leading space
        "Zm9v\t",       // tab
        "Zm9*",         // outside the alphabet
        "Zm9-",         // base64url is not base64
        "Zm9_",         //
        "Zg==Zg==",     // padding in the middle
        "Z===",         // too much padding
        "====",         // padding only
        "Zm=v",         // padding inside a quantum
        "Zm9v\x80YmF",  // 8-bit byte
    };
    for (const char *b : bad)
        EXPECT_EQ(Decode(b), "<INVALID>") << b;
    EXPECT_EQ(Decode(std::string("Zm9v\0Ymy=", 9)), "<INVALID>");
}

// Non-canonical trailing bits: "Zh==" decodes to 'f' with non-zero discarded bits. RFC 4648
// section 3.5 lets decoders reject it; either is tolerable, but the result must not be
// something other than "f".
TEST(Base64, NonCanonicalTrailingBitsNeverDecodeToSomethingElse)
{
    std::string d = Decode("Zh==");
    EXPECT_TRUE(d == "f" || d == "<INVALID>") << d;
}

// The streaming encoder's output must equal the one-shot encoding with CRLF after every
// `line` characters and after a final partial line.
std::string Wrapped(const std::string &in, unsigned line)
{
    std::string flat = Encode(in), out;
    for (size_t i = 0; i < flat.size(); i += line)
        out += flat.substr(i, line) + "\r\n";
    return out;
}

std::string Stream(const std::string &in, unsigned line, const std::vector<size_t> &cuts)
{
    mw_b64_stream st;
    mw_b64_stream_init(&st, line);
    std::string out;
    size_t pos = 0;
    auto feed = [&](size_t n) {
        size_t max = mw_b64_stream_max(&st, n);
        std::vector<char> buf(max + 16, '#');
        size_t w = mw_b64_stream_update(&st, in.data() + pos, n, buf.data());
        EXPECT_LE(w, max);
        for (size_t i = w; i < buf.size(); i++)
            EXPECT_EQ(buf[i], '#'); // nothing written past the returned length
        out.append(buf.data(), w);
        pos += n;
    };
    for (size_t c : cuts)
        feed(c);
    feed(in.size() - pos);
    char fin[8 + 8];
    memset(fin, '#', sizeof fin);
    size_t f = mw_b64_stream_final(&st, fin);
    EXPECT_LE(f, 8u);
    out.append(fin, f);
    return out;
}

TEST(Base64Stream, MatchesOneShotForEveryLengthAndRandomSplits)
{
    std::mt19937 rng(2045);
    for (size_t len = 0; len <= 300; len++) {
        std::string in(len, '\0');
        for (auto &c : in)
            c = static_cast<char>(rng());
        const std::string want = Wrapped(in, 76);
        EXPECT_EQ(Stream(in, 76, {}), want) << len;
        // Byte by byte.
        EXPECT_EQ(Stream(in, 76, std::vector<size_t>(len, 1)), want) << len;
        for (int trial = 0; trial < 8; trial++) {
            std::vector<size_t> cuts;
            size_t left = len;
            while (left > 0) {
                size_t c = rng() % (left + 1);
                cuts.push_back(c); // zero-length updates included
                left -= c;
                if (cuts.size() > 40)
                    break;
            }
            EXPECT_EQ(Stream(in, 76, cuts), want) << len << " trial " << trial;
        }
    }
}

TEST(Base64Stream, LinesAreAtMost76AndEndInCrlf)
{
    std::string in(1000, 'x');
    std::string out = Stream(in, 76, {333, 1, 2, 500});
    size_t start = 0;
    while (start < out.size()) {
        size_t e = out.find("\r\n", start);
        ASSERT_NE(e, std::string::npos);
        EXPECT_LE(e - start, 76u);
        EXPECT_GT(e - start, 0u);
        start = e + 2;
    }
}

TEST(Base64Stream, OtherLineWidthsAndLargeUpdates)
{
    std::mt19937 rng(7);
    std::string in(5000, '\0');
    for (auto &c : in)
        c = static_cast<char>(rng());
    for (unsigned line : {4u, 64u, 76u, 100u})
        EXPECT_EQ(Stream(in, line, {1, 2999}), Wrapped(in, line)) << line;
    // Width 0 means the MIME default.
    EXPECT_EQ(Stream(in, 0, {}), Wrapped(in, 76));
}

} // namespace
