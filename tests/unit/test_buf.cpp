// The growable buffer, the array-growth helper and the overlap-safe detail formatter.
#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
#include "core/util/alloc.h"
#include "core/util/buf.h"
#include "core/util/str.h"
}

TEST(Buf, AppendsStayTerminatedAndPrintfGrows)
{
    mw_buf b;
    mw_buf_init(&b, 0, 0);
    EXPECT_STREQ(mw_buf_str(&b), "");
    mw_buf_puts(&b, "A1 ");
    mw_buf_printf(&b, "FETCH %u (%s)", 42u, std::string(500, 'x').c_str());
    mw_buf_putc(&b, '!');
    EXPECT_EQ(b.len, 3 + 10 + 500 + 1 + 1);
    EXPECT_EQ(b.p[b.len], '\0');
    EXPECT_EQ(std::string(b.p, 12), "A1 FETCH 42 ");
    mw_buf_consume(&b, 3);
    EXPECT_EQ(std::string(b.p, 5), "FETCH");
    mw_buf_truncate(&b, 5);
    EXPECT_STREQ(mw_buf_str(&b), "FETCH");
    char *s = mw_buf_take(&b);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(s, "FETCH");
    free(s);
    EXPECT_EQ(b.p, nullptr);
    mw_buf_free(&b);
}

TEST(Buf, CapAndFailureAreSticky)
{
    mw_buf b;
    mw_buf_init(&b, 8, 0);
    mw_buf_put(&b, "12345678", 8);
    EXPECT_FALSE(b.failed);
    mw_buf_putc(&b, '9');
    EXPECT_TRUE(b.failed) << "one byte over the cap";
    mw_buf_consume(&b, 8);
    mw_buf_putc(&b, 'x');
    EXPECT_EQ(b.len, 0u) << "sticky until reset";
    EXPECT_EQ(mw_buf_take(&b), nullptr);
    mw_buf_reset(&b);
    mw_buf_putc(&b, 'y');
    EXPECT_STREQ(mw_buf_str(&b), "y");
    mw_buf_free(&b);

    mw_buf_init(&b, 0, 0);
    mw_alloc_fail_at(0);
    mw_buf_puts(&b, "never");
    EXPECT_TRUE(mw_alloc_fail_at(-1));
    EXPECT_TRUE(b.failed);
    EXPECT_EQ(b.len, 0u);
    mw_buf_free(&b);
}

TEST(Buf, SecretBytesAreWipedWhereverTheyGo)
{
    mw_buf b;
    mw_buf_init(&b, 0, 1);
    mw_buf_puts(&b, "AUTH PLAIN c2VjcmV0");
    mw_buf_consume(&b, 11);
    // The bytes that moved down left nothing behind past the new end.
    for (size_t i = b.len; i < 19; i++)
        EXPECT_EQ(b.p[i], '\0') << i;
    mw_buf_truncate(&b, 2);
    for (size_t i = 2; i < 8; i++)
        EXPECT_EQ(b.p[i], '\0') << i;
    // Growing copies into a new block (no realloc leaving the old one behind).
    mw_buf_puts(&b, std::string(4096, 's').c_str());
    EXPECT_EQ(b.len, 4098u);
    mw_buf_shrink(&b, 0);
    EXPECT_EQ(b.p, nullptr);
    EXPECT_EQ(b.cap, 0u);
    mw_buf_free(&b);
}

TEST(Buf, GrowDoublesAndKeepsTheOldArrayOnFailure)
{
    int *v = nullptr;
    size_t cap = 0;
    int *nv = static_cast<int *>(mw_grow(v, &cap, 1, sizeof *v));
    ASSERT_NE(nv, nullptr);
    EXPECT_EQ(cap, 8u);
    v = nv;
    v[7] = 7;
    nv = static_cast<int *>(mw_grow(v, &cap, 9, sizeof *v));
    ASSERT_NE(nv, nullptr);
    EXPECT_EQ(cap, 16u);
    EXPECT_EQ(nv[7], 7);
    v = nv;
    mw_alloc_fail_at(0);
    EXPECT_EQ(mw_grow(v, &cap, 17, sizeof *v), nullptr);
    mw_alloc_fail_at(-1);
    EXPECT_EQ(cap, 16u) << "unchanged on failure";
    EXPECT_EQ(mw_grow(v, &cap, SIZE_MAX / 2, sizeof *v), nullptr) << "overflow";
    free(v);
}

TEST(Detail, OverlappingArgumentsKeepTheirText)
{
    char d[64] = "connect failed";
    mw_detail_printf(d, sizeof d, "%s: %s", "LOGIN", d);
    EXPECT_STREQ(d, "LOGIN: connect failed");
    mw_detail_printf(d, 8, "%s", "longer than eight");
    EXPECT_STREQ(d, "longer ");
}

// What a module's own fail(fmt, ...) does with mw_detail_vprintf.
static void fail_like_a_module(char *d, size_t size, const char *fmt, ...) MW_PRINTF(3, 4);
static void fail_like_a_module(char *d, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_detail_vprintf(d, size, fmt, ap);
    va_end(ap);
}

TEST(Detail, VariadicFormOverlapsAndTruncatesTheSame)
{
    char d[32] = "bad reply";
    fail_like_a_module(d, sizeof d, "%s (%d): %s", "AUTH", 535, d);
    EXPECT_STREQ(d, "AUTH (535): bad reply");
    fail_like_a_module(d, 5, "%s", d);
    EXPECT_STREQ(d, "AUTH");
    char untouched[4] = "abc";
    fail_like_a_module(untouched, 0, "%s", "x");
    EXPECT_STREQ(untouched, "abc") << "size 0 writes nothing";
}

TEST(Str, StrndupCopiesAnUnterminatedRangeAndFailsCleanly)
{
    const char text[] = {'a', '@', 'b', 'X'};
    char *s = mw_strndup(text, 3);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(s, "a@b");
    free(s);
    s = mw_strndup(text, 0);
    ASSERT_NE(s, nullptr);
    EXPECT_STREQ(s, "");
    free(s);
    mw_alloc_fail_at(0);
    EXPECT_EQ(mw_strndup(text, 3), nullptr);
    EXPECT_TRUE(mw_alloc_fail_at(-1));
}
