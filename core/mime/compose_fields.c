/* MIME composer: checks of single header fields, the caller's extra header lines, the
 * charset, and the generated Date and Message-ID parts; see compose_private.h. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* localtime_r, gmtime_r */
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mailwire/common.h>

#include "../util/str.h"
#include "compose_private.h"
#include "random.h"
#include "sbuf.h"
#include "utf8.h"

/* Longest line RFC 5322 section 2.1.1 allows, without its CRLF. */
#define LINE_MAX_OCTETS 998

unsigned mw_mime_fail(char *detail, size_t size, unsigned code, const char *fmt, ...)
{
    if (detail && size > 0) {
        va_list ap;
        va_start(ap, fmt);
        mw_detail_vprintf(detail, size, fmt, ap);
        va_end(ap);
    }
    return code;
}

int mw_ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z')
            ca += 32;
        if (cb >= 'A' && cb <= 'Z')
            cb += 32;
        if (ca != cb || !ca)
            return ca - cb;
    }
}

/* A single-line field (Subject, Date): UTF-8, no CR, LF or other controls but TAB. */
unsigned mw_mime_check_line(const char *field, const char *s, char *detail, size_t size)
{
    size_t n = strlen(s);
    size_t bad = mw_utf8_check(s, n);
    if (bad != n)
        return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                            "%s: malformed UTF-8 at offset %zu", field, bad);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\r' || ch == '\n')
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT, "%s: %s at offset %zu",
                                field, ch == '\r' ? "CR" : "LF", i);
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                                "%s: control character 0x%02X at offset %zu", field, ch, i);
    }
    return 0;
}

/* --- Extra header lines -------------------------------------------------------------------- */

/* Fields the composer writes itself (RFC 5322 section 3.6 allows one of each) and Bcc, which
 * must never reach the headers. Content-* fields belong to the MIME structure. */
static int generated_field(const char *name, size_t n)
{
    static const char *const names[] = {"From",    "To",   "Cc",         "Bcc",
                                        "Subject", "Date", "Message-ID", "MIME-Version"};
    char buf[16];
    if (n >= 8) {
        memcpy(buf, name, 8);
        buf[8] = 0;
        if (mw_ascii_casecmp(buf, "Content-") == 0)
            return 1;
    }
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, name, n);
    buf[n] = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (mw_ascii_casecmp(buf, names[i]) == 0)
            return 1;
    return 0;
}

/* Validate "Name: value" lines separated by CRLF, LF or CR (normalised to CRLF); lines that
 * begin with white space continue the previous field (RFC 5322 section 2.2.3). */
unsigned mw_mime_extra_headers(const char *s, char **out, char *detail, size_t size)
{
    *out = NULL;
    mw_sb sb;
    mw_sb_init(&sb);
    size_t n = strlen(s), i = 0;
    unsigned lineno = 0;
    unsigned blank_at = 0; /* line number of a blank line seen, 0: none */
    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\r' && s[e] != '\n')
            e++;
        lineno++;
        size_t len = e - i;
        const char *line = s + i;
        i = e + ((e < n && s[e] == '\r' && e + 1 < n && s[e + 1] == '\n') ? 2 : 1);
        if (len == 0) {
            if (!blank_at)
                blank_at = lineno;
            continue;
        }
        unsigned code = ST_ERROR_INVALID_ARGUMENT;
        if (blank_at) {
            mw_sb_free(&sb);
            return mw_mime_fail(detail, size, code,
                                "lpszHeaders: empty line %u would end the header section",
                                blank_at);
        }
        if (len > LINE_MAX_OCTETS) {
            mw_sb_free(&sb);
            return mw_mime_fail(detail, size, code,
                                "lpszHeaders: line %u is longer than 998 octets", lineno);
        }
        size_t k = 0;
        if (line[0] == ' ' || line[0] == '\t') {
            if (sb.b.len == 0) {
                mw_sb_free(&sb);
                return mw_mime_fail(detail, size, code,
                                    "lpszHeaders: line %u continues a field but none precedes it",
                                    lineno);
            }
            size_t w = 0;
            while (w < len && (line[w] == ' ' || line[w] == '\t'))
                w++;
            if (w == len) {
                mw_sb_free(&sb);
                return mw_mime_fail(detail, size, code,
                                    "lpszHeaders: line %u holds only white space", lineno);
            }
        } else {
            /* Field name: printable ASCII except ':' (RFC 5322 section 3.6.8). */
            while (k < len && line[k] != ':') {
                unsigned char ch = (unsigned char)line[k];
                if (ch < 33 || ch > 126) {
                    mw_sb_free(&sb);
                    return mw_mime_fail(
                        detail, size, code,
                        "lpszHeaders: line %u: invalid character 0x%02X in the field "
                        "name (expected \"Name: value\")",
                        lineno, ch);
                }
                k++;
            }
            if (k == len || k == 0) {
                mw_sb_free(&sb);
                return mw_mime_fail(
                    detail, size, code,
                    k == 0 ? "lpszHeaders: line %u has an empty field name"
                           : "lpszHeaders: line %u has no ':' (expected \"Name: value\")",
                    lineno);
            }
            if (generated_field(line, k)) {
                mw_sb_free(&sb);
                return mw_mime_fail(
                    detail, size, code,
                    "lpszHeaders: line %u: field \"%.*s\" is generated by the composer "
                    "(use the SMTPMESSAGE member)",
                    lineno, (int)k, line);
            }
            k++;
        }
        for (; k < len; k++) {
            unsigned char ch = (unsigned char)line[k];
            if (ch >= 0x80) {
                mw_sb_free(&sb);
                return mw_mime_fail(
                    detail, size, code,
                    "lpszHeaders: line %u: non-ASCII octet at column %zu (encode the "
                    "value per RFC 2047)",
                    lineno, k + 1);
            }
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                mw_sb_free(&sb);
                return mw_mime_fail(detail, size, code,
                                    "lpszHeaders: line %u: control character 0x%02X at column %zu",
                                    lineno, ch, k + 1);
            }
        }
        mw_sb_put(&sb, line, len);
        mw_sb_put(&sb, "\r\n", 2);
    }
    if (sb.b.failed) {
        mw_sb_free(&sb);
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    if (sb.b.len > 0) {
        *out = mw_sb_take(&sb, NULL);
        if (!*out)
            return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    mw_sb_free(&sb);
    return 0;
}

/* --- Date and Message-ID ------------------------------------------------------------------- */

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(long y, long mon, long d)
{
    y -= mon <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long tm_seconds(const struct tm *t)
{
    return days_from_civil(t->tm_year + 1900L, t->tm_mon + 1L, t->tm_mday) * 86400L +
           t->tm_hour * 3600L + t->tm_min * 60L + t->tm_sec;
}

/* "Sun, 22 Nov 2026 05:06:01 +0100": RFC 5322 section 3.3 with the local numeric zone; names
 * are fixed English (not the locale's). */
int mw_mime_date_now(char *out, size_t size)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t now = time(NULL);
    struct tm lt, ut;
#ifdef _WIN32
    if (localtime_s(&lt, &now) != 0 || gmtime_s(&ut, &now) != 0)
        return -1;
#else
    if (!localtime_r(&now, &lt) || !gmtime_r(&now, &ut))
        return -1;
#endif
    long off = (tm_seconds(&lt) - tm_seconds(&ut)) / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    snprintf(out, size, "%s, %d %s %04d %02d:%02d:%02d %c%02ld%02ld", wd[lt.tm_wday % 7],
             lt.tm_mday, mo[lt.tm_mon % 12], lt.tm_year + 1900, lt.tm_hour, lt.tm_min, lt.tm_sec,
             sign, (off / 60) % 100, off % 60);
    return 0;
}

int mw_mime_random_hex(char *out, size_t bytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[32];
    if (bytes > sizeof r || mw_mime_random(r, bytes) != 0)
        return -1;
    for (size_t i = 0; i < bytes; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[2 * bytes] = 0;
    return 0;
}

/* A Message-ID right-hand side given by the caller: a dot-atom of printable ASCII or a
 * domain literal (RFC 5322 section 3.6.4). */
int mw_mime_valid_id_domain(const char *d)
{
    size_t n = strlen(d);
    if (n == 0 || n > 253)
        return 0;
    int literal = d[0] == '[';
    if (literal && (n < 3 || d[n - 1] != ']'))
        return 0;
    for (size_t i = literal; i < n - (size_t)literal; i++) {
        unsigned char ch = (unsigned char)d[i];
        if (ch < 33 || ch > 126 || strchr(literal ? "[]\\" : "()<>[]:;@\\,\"", ch))
            return 0;
    }
    return 1;
}

unsigned mw_mime_check_charset(const char *cs, char *detail, size_t size)
{
    size_t n = strlen(cs);
    if (n == 0 || n > 64)
        return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                            "lpszCharSet must be 1 to 64 characters");
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)cs[i];
        /* token (RFC 2045 section 5.1): no controls, space or tspecials. */
        if (ch < 33 || ch > 126 || strchr("()<>@,;:\\\"/[]?=", ch))
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                                "lpszCharSet: character 0x%02X at offset %zu is not allowed in a "
                                "charset name (RFC 2045 section 5.1 token)",
                                ch, i);
    }
    return 0;
}
