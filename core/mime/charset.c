/* Charset conversion: the parts common to both back ends; see charset.h. */
#include "charset.h"

#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Compare a charset name with a canonical one, ignoring case, '-' and '_'. */
static int cs_eq(const char *cs, const char *canon)
{
    for (;;) {
        while (*cs == '-' || *cs == '_')
            cs++;
        while (*canon == '-' || *canon == '_')
            canon++;
        int a = (unsigned char)*cs, b = (unsigned char)*canon;
        if (a >= 'A' && a <= 'Z')
            a += 32;
        if (b >= 'A' && b <= 'Z')
            b += 32;
        if (a != b)
            return 0;
        if (!a)
            return 1;
        cs++;
        canon++;
    }
}

int mw_cs_is_utf8(const char *cs)
{
    return cs_eq(cs, "utf8");
}

int mw_cs_is_ascii(const char *cs)
{
    return cs_eq(cs, "usascii") || cs_eq(cs, "ascii") || cs_eq(cs, "ansix3.41968") ||
           cs_eq(cs, "us");
}

void mw_cs_put_cp(mw_buf *out, unsigned long cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    mw_buf_put(out, b, n);
}

/* Windows-1252 0x80-0x9F (WHATWG): the five undefined positions map to the C1 controls. */
static const unsigned short cp1252_hi[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

unsigned long mw_cs_cp1252(unsigned char c)
{
    return (c >= 0x80 && c < 0xa0) ? cp1252_hi[c - 0x80] : c;
}

void mw_cs_utf8_replace(const char *in, size_t n, mw_buf *out)
{
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && (unsigned char)in[i] < 0x80)
            i++;
        mw_buf_put(out, in + start, i - start);
        while (i < n && (unsigned char)in[i] >= 0x80) {
            size_t k = mw_utf8_seq_len(in + i, n - i);
            if (k) {
                mw_buf_put(out, in + i, k);
                i += k;
                continue;
            }
            /* Maximal subpart (Unicode 3.9, what Python does): skip the lead octet and the
             * continuation octets that could still have completed it. */
            unsigned char c = (unsigned char)in[i];
            size_t need = c >= 0xf0 && c <= 0xf4   ? 4
                          : c >= 0xe0 && c <= 0xef ? 3
                          : c >= 0xc2 && c <= 0xdf ? 2
                                                   : 1;
            size_t j = i + 1;
            for (size_t t = 1; t < need && j < n; t++, j++) {
                unsigned char d = (unsigned char)in[j];
                unsigned char lo = 0x80, hi = 0xbf;
                if (t == 1) {
                    if (c == 0xe0)
                        lo = 0xa0;
                    else if (c == 0xed)
                        hi = 0x9f;
                    else if (c == 0xf0)
                        lo = 0x90;
                    else if (c == 0xf4)
                        hi = 0x8f;
                }
                if (d < lo || d > hi)
                    break;
            }
            mw_buf_put(out, "\xef\xbf\xbd", 3);
            i = j;
        }
    }
}

void mw_cs_fallback_utf8(const char *in, size_t n, mw_buf *out)
{
    if (mw_utf8_check(in, n) == n) {
        mw_buf_put(out, in, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        mw_cs_put_cp(out, mw_cs_cp1252((unsigned char)in[i]));
}

int mw_cs_to_utf8(const char *cs, const char *in, size_t n, mw_buf *out)
{
    if (mw_cs_is_utf8(cs)) {
        mw_cs_utf8_replace(in, n, out);
        return 0;
    }
    if (mw_cs_is_ascii(cs)) {
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)in[i] < 0x80)
                mw_buf_putc(out, in[i]);
            else
                mw_buf_put(out, "\xef\xbf\xbd", 3);
        }
        return 0;
    }
    size_t at = out->len;
    if (mw_cs_backend_to_utf8(cs, in, n, out) != 0)
        return -1;
    size_t got = out->len - at;
    if (!out->failed && got && mw_utf8_check(out->p + at, got) != got) {
        /* The back end may hand back what no UTF-8 reader takes: glibc's iconv, asked for a
         * name it reads as UTF-8 but mw_cs_is_utf8() does not ("utf\x13-8"), keeps the 5- and
         * 6-octet forms of RFC 2279 (0xfd and five continuation octets). Its output goes
         * through the replacement rule, so every decoded text is UTF-8 (RFC 3629). */
        char *copy = malloc(got);
        if (!copy) {
            mw_buf_truncate(out, at);
            mw_buf_put(out, "\xef\xbf\xbd", 3);
            return 0;
        }
        memcpy(copy, out->p + at, got);
        mw_buf_truncate(out, at);
        mw_cs_utf8_replace(copy, got, out);
        free(copy);
    }
    return 0;
}

int mw_cs_from_utf8(const char *cs, const char *in, size_t n, mw_buf *out, size_t *bad_at)
{
    size_t bad = mw_utf8_check(in, n);
    if (bad != n) {
        *bad_at = bad;
        return -2;
    }
    if (mw_cs_is_utf8(cs)) {
        mw_buf_put(out, in, n);
        return 0;
    }
    if (mw_cs_is_ascii(cs)) {
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)in[i] >= 0x80) {
                *bad_at = i;
                return -2;
            }
        }
        mw_buf_put(out, in, n);
        return 0;
    }
    return mw_cs_backend_from_utf8(cs, in, n, out, bad_at);
}
