// Line assembler: every chunk size gives the same lines; limits, NUL and bad line ends fail.
#include <gtest/gtest.h>

#include <string>
#include <vector>

extern "C" {
#include "core/proto/line.h"
}

namespace
{

struct Result {
    std::vector<std::string> lines;
    int error = 0;
};

// Feed `input` in chunks of `chunk` bytes, collecting complete lines until an error.
Result Feed(const std::string &input, size_t chunk, size_t limit, unsigned flags = 0)
{
    Result r;
    mw_line_asm a;
    mw_line_init(&a, limit, flags);
    size_t pos = 0;
    while (pos < input.size() && r.error == 0) {
        size_t n = std::min(chunk, input.size() - pos);
        std::string piece = input.substr(pos, n); // a fresh buffer: no reading past its end
        size_t off = 0;
        while (off < piece.size()) {
            size_t used = 0, len = 0;
            const char *line = nullptr;
            int rc = mw_line_feed(&a, piece.data() + off, piece.size() - off, &used, &line, &len);
            off += used;
            if (rc == MW_LINE_COMPLETE) {
                r.lines.emplace_back(line, len);
            } else if (rc < 0) {
                r.error = rc;
                break;
            } else {
                EXPECT_EQ(off, piece.size()) << "NEED_MORE must consume everything";
            }
        }
        pos += n;
    }
    mw_line_free(&a);
    return r;
}

const std::string kSample = "220 mail.example ESMTP\r\n250-PIPELINING\r\n250-SIZE 1000\r\n"
                            "\r\n250 OK\r\n* 1 FETCH (FLAGS (\\Seen))\r\n";
const std::vector<std::string> kSampleLines = {
    "220 mail.example ESMTP",    "250-PIPELINING", "250-SIZE 1000", "", "250 OK",
    "* 1 FETCH (FLAGS (\\Seen))"};

TEST(LineAssembler, EveryChunkSizeGivesTheSameLines)
{
    for (size_t chunk = 1; chunk <= kSample.size(); ++chunk) {
        Result r = Feed(kSample, chunk, 1000);
        EXPECT_EQ(r.error, 0) << "chunk " << chunk;
        EXPECT_EQ(r.lines, kSampleLines) << "chunk " << chunk;
    }
}

TEST(LineAssembler, IncompleteLineIsHeldNotReturned)
{
    Result r = Feed("250 OK\r\n250 partial", 3, 100);
    EXPECT_EQ(r.error, 0);
    EXPECT_EQ(r.lines, std::vector<std::string>{"250 OK"});
}

TEST(LineAssembler, LineAtTheLimitPassesOneMoreByteFails)
{
    // limit counts the CRLF: 8 bytes = 6 of text + CRLF
    for (size_t chunk = 1; chunk <= 9; ++chunk) {
        Result ok = Feed("abcdef\r\n", chunk, 8);
        EXPECT_EQ(ok.error, 0) << chunk;
        EXPECT_EQ(ok.lines, std::vector<std::string>{"abcdef"});
        Result bad = Feed("abcdefg\r\n", chunk, 8);
        EXPECT_EQ(bad.error, MW_LINE_TOO_LONG) << chunk;
        EXPECT_TRUE(bad.lines.empty());
    }
}

TEST(LineAssembler, EndlessLineFailsWithoutGrowingPastTheLimit)
{
    mw_line_asm a;
    mw_line_init(&a, 4096, 0);
    std::string block(1000, 'x');
    int rc = MW_LINE_NEED_MORE;
    size_t fed = 0;
    while (rc == MW_LINE_NEED_MORE && fed < 1000000) {
        size_t used = 0, len = 0;
        const char *line = nullptr;
        rc = mw_line_feed(&a, block.data(), block.size(), &used, &line, &len);
        fed += used;
        EXPECT_LE(a.part.cap, 4096u + 1) << "the limit and the buffer's terminating NUL";
    }
    EXPECT_EQ(rc, MW_LINE_TOO_LONG);
    EXPECT_LE(fed, 5000u);
    mw_line_free(&a);
}

TEST(LineAssembler, NulInALineIsAnError)
{
    std::string in("250 O\0K\r\n", 9);
    for (size_t chunk = 1; chunk <= in.size(); ++chunk)
        EXPECT_EQ(Feed(in, chunk, 100).error, MW_LINE_NUL) << chunk;
}

TEST(LineAssembler, BareLfIsAnErrorInStrictModeAndALineEndWhenLenient)
{
    for (size_t chunk = 1; chunk <= 8; ++chunk) {
        EXPECT_EQ(Feed("250 OK\n", chunk, 100).error, MW_LINE_BAD_EOL) << chunk;
        Result r = Feed("250 OK\n220 x\r\n", chunk, 100, MW_LINE_LENIENT_EOL);
        EXPECT_EQ(r.error, 0);
        EXPECT_EQ(r.lines, (std::vector<std::string>{"250 OK", "220 x"}));
    }
}

TEST(LineAssembler, BareCrInsideALineIsAnError)
{
    for (size_t chunk = 1; chunk <= 10; ++chunk)
        EXPECT_EQ(Feed("250 O\rK\r\n", chunk, 100).error, MW_LINE_BAD_EOL) << chunk;
}

TEST(LineAssembler, ErrorIsSticky)
{
    mw_line_asm a;
    mw_line_init(&a, 100, 0);
    size_t used, len;
    const char *line;
    std::string bad("x\0\r\n", 4);
    EXPECT_EQ(mw_line_feed(&a, bad.data(), bad.size(), &used, &line, &len), MW_LINE_NUL);
    EXPECT_EQ(mw_line_feed(&a, "ok\r\n", 4, &used, &line, &len), MW_LINE_NUL);
    mw_line_reset(&a);
    EXPECT_EQ(mw_line_feed(&a, "ok\r\n", 4, &used, &line, &len), MW_LINE_COMPLETE);
    EXPECT_EQ(std::string(line, len), "ok");
    mw_line_free(&a);
}

TEST(LineAssembler, WholeLinesAreReturnedInPlace)
{
    mw_line_asm a;
    mw_line_init(&a, 100, 0);
    const char data[] = "250 OK\r\n";
    size_t used, len;
    const char *line;
    ASSERT_EQ(mw_line_feed(&a, data, 8, &used, &line, &len), MW_LINE_COMPLETE);
    EXPECT_EQ(line, data) << "no copy for a line inside one buffer";
    EXPECT_EQ(a.part.cap, 0u) << "no allocation either";
    mw_line_free(&a);
}

} // namespace
