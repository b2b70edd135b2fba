/* Modified UTF-7; see utf7.h. */
#include "utf7.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Next code point of UTF-8 input; -1 when malformed (overlong, surrogate, out of range). */
static long next_cp(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char c = s[*i];
    int len;
    long cp, min;
    if (c < 0x80) {
        (*i)++;
        return c;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (*i + (size_t)len > n)
        return -1;
    for (int k = 1; k < len; k++) {
        unsigned char d = s[*i + (size_t)k];
        if ((d & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    *i += (size_t)len;
    return cp;
}

char *mw_imap_utf7_encode(const char *utf8, size_t n, int *bad)
{
    const unsigned char *s = (const unsigned char *)utf8;
    *bad = 0;
    /* Worst case: every code point becomes a surrogate pair, 4 bytes of UTF-16 per byte of
     * input would be 16/3 characters; 6n + 3 is a safe bound. */
    char *out = mw_malloc(n * 6 + 3);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < n) {
        if (s[i] >= 0x20 && s[i] <= 0x7e) {
            out[o++] = (char)s[i];
            if (s[i] == '&')
                out[o++] = '-';
            i++;
            continue;
        }
        /* A run of characters outside printable ASCII, as base64 of UTF-16BE. */
        uint32_t acc = 0;
        int bits = 0;
        out[o++] = '&';
        while (i < n && !(s[i] >= 0x20 && s[i] <= 0x7e)) {
            long cp = next_cp(s, n, &i);
            if (cp <= 0) { /* malformed, or U+0000: no mailbox name holds a NUL */
                free(out);
                *bad = 1;
                return NULL;
            }
            uint16_t units[2];
            int nu = 1;
            if (cp >= 0x10000) {
                cp -= 0x10000;
                units[0] = (uint16_t)(0xd800 + (cp >> 10));
                units[1] = (uint16_t)(0xdc00 + (cp & 0x3ff));
                nu = 2;
            } else {
                units[0] = (uint16_t)cp;
            }
            for (int u = 0; u < nu; u++) {
                acc = (acc << 16) | units[u];
                bits += 16;
                while (bits >= 6) {
                    bits -= 6;
                    out[o++] = b64[(acc >> bits) & 0x3f];
                }
                acc &= (1u << bits) - 1;
            }
        }
        if (bits > 0)
            out[o++] = b64[(acc << (6 - bits)) & 0x3f];
        out[o++] = '-';
    }
    out[o] = 0;
    return out;
}

static int b64val(char c)
{
    const char *p = c ? strchr(b64, c) : NULL;
    return p ? (int)(p - b64) : -1;
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

char *mw_imap_utf7_decode(const char *s, size_t n, int *bad)
{
    *bad = 0;
    /* Every input byte yields at most 3 output bytes (2 bytes of UTF-16 need 8/3 chars). */
    char *out = mw_malloc(n * 3 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c > 0x7e)
            goto invalid;
        if (c != '&') {
            out[o++] = (char)c;
            i++;
            continue;
        }
        i++;
        if (i < n && s[i] == '-') {
            out[o++] = '&';
            i++;
            continue;
        }
        uint32_t acc = 0, hi = 0;
        int bits = 0, units = 0;
        while (i < n && s[i] != '-') {
            int v = b64val(s[i++]);
            if (v < 0)
                goto invalid;
            acc = (acc << 6) | (uint32_t)v;
            bits += 6;
            if (bits >= 16) {
                bits -= 16;
                uint32_t u = (acc >> bits) & 0xffff;
                acc &= (1u << bits) - 1;
                units++;
                if (hi) {
                    if (u < 0xdc00 || u > 0xdfff)
                        goto invalid;
                    o += put_utf8(out + o, 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00));
                    hi = 0;
                } else if (u >= 0xd800 && u <= 0xdbff) {
                    hi = u;
                } else if (u >= 0xdc00 && u <= 0xdfff) {
                    goto invalid;
                } else {
                    /* Printable ASCII must not be base64-encoded (RFC 3501 5.1.3), and a
                     * NUL would cut the name short in C: "a&AAA-b" must not read as "a". */
                    if ((u >= 0x20 && u <= 0x7e) || u == 0)
                        goto invalid;
                    o += put_utf8(out + o, u);
                }
            }
        }
        /* Unterminated shift, a dangling surrogate, leftover bits that are not zero padding,
         * or an empty shift "&-" handled above. */
        if (i >= n || hi || bits >= 6 || (acc & ((1u << bits) - 1)) || units == 0)
            goto invalid;
        i++; /* '-' */
    }
    out[o] = 0;
    return out;
invalid:
    free(out);
    *bad = 1;
    return NULL;
}
