/* MIME composer: validation of SMTPMESSAGE, header fields, the envelope; see compose.h.
 * The message layout and the streaming reader are in compose_plan.c. */
#ifndef _WIN32
#define _POSIX_C_SOURCE 200809L /* localtime_r, gmtime_r */
#endif
#include "compose.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "../util/alloc.h"
#include "../util/str.h"
#include "address.h"
#include "compose_private.h"
#include "hdrenc.h"
#include "mimetypes.h"
#include "utf8.h"

/* Longest line RFC 5322 section 2.1.1 allows, without its CRLF. */
#define LINE_MAX_OCTETS 998

static unsigned failf(char *detail, size_t size, unsigned code, const char *fmt, ...)
    MW_PRINTF(4, 5);

static unsigned failf(char *detail, size_t size, unsigned code, const char *fmt, ...)
{
    if (detail && size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, size, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int ascii_casecmp(const char *a, const char *b)
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

static char *dup_n(const char *s, size_t n)
{
    char *p = mw_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

/* A single-line field (Subject, Date): UTF-8, no CR, LF or other controls but TAB. */
static unsigned check_line(const char *field, const char *s, char *detail, size_t size)
{
    size_t n = strlen(s);
    size_t bad = mw_utf8_check(s, n);
    if (bad != n)
        return failf(detail, size, ST_ERROR_INVALID_ARGUMENT, "%s: malformed UTF-8 at offset %zu",
                     field, bad);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '\r' || ch == '\n')
            return failf(detail, size, ST_ERROR_INVALID_ARGUMENT, "%s: %s at offset %zu", field,
                         ch == '\r' ? "CR" : "LF", i);
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return failf(detail, size, ST_ERROR_INVALID_ARGUMENT,
                         "%s: control character 0x%02X at offset %zu", field, ch, i);
    }
    return 0;
}

/* --- Address fields ---------------------------------------------------------------------- */

typedef struct addr_ctx {
    mw_mime *m;
    mw_sb *sb; /* header being formatted, or NULL (Bcc) */
    size_t count;
    int envelope; /* add to the recipients */
    const mw_addr *first;
    mw_addr first_copy;
} addr_ctx;

/* The text of a display name: quoted-pairs resolved, comments dropped, words separated by one
 * space (RFC 5322 section 3.2.5 phrase semantics). out has room for a->display_len bytes. */
static size_t display_text(const mw_addr *a, char *out)
{
    const char *s = a->display;
    size_t n = a->display_len, o = 0, i = 0;
    if (a->display_quoted) {
        for (; i < n; i++) {
            if (s[i] == '\\' && i + 1 < n)
                i++;
            out[o++] = s[i];
        }
        return o;
    }
    int space = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t') {
            space = o > 0;
            i++;
        } else if (s[i] == '(') {
            size_t depth = 0;
            for (; i < n; i++) {
                if (s[i] == '\\')
                    i++;
                else if (s[i] == '(')
                    depth++;
                else if (s[i] == ')' && --depth == 0)
                    break;
            }
            i++;
            space = o > 0;
        } else {
            if (space)
                out[o++] = ' ';
            space = 0;
            if (s[i] == '"') {
                for (i++; i < n && s[i] != '"'; i++) {
                    if (s[i] == '\\' && i + 1 < n)
                        i++;
                    out[o++] = s[i];
                }
                i++;
            } else {
                out[o++] = s[i++];
            }
        }
    }
    return o;
}

static unsigned add_recipient(mw_mime *m, const char *addr, size_t len)
{
    char *copy = dup_n(addr, len);
    if (!copy)
        return ST_ERROR_OUT_OF_MEMORY;
    for (size_t i = 0; i < m->nrcpt; i++) {
        if (ascii_casecmp(m->rcpt[i], copy) == 0) {
            free(copy);
            return 0;
        }
    }
    if (m->nrcpt == m->rcpt_cap) {
        size_t cap = m->rcpt_cap ? 2 * m->rcpt_cap : 8;
        char **p = mw_realloc(m->rcpt, cap * sizeof(*p));
        if (!p) {
            free(copy);
            return ST_ERROR_OUT_OF_MEMORY;
        }
        m->rcpt = p;
        m->rcpt_cap = cap;
    }
    m->rcpt[m->nrcpt++] = copy;
    return 0;
}

static unsigned on_addr(void *user, const mw_addr *a)
{
    addr_ctx *c = user;
    if (mw_addr_is_utf8(a->addr, a->addr_len))
        c->m->smtputf8 = 1; /* RFC 6531/6532: the address is written raw, never encoded */
    if (c->count == 0) {
        c->first_copy = *a;
        c->first = &c->first_copy;
    }
    if (c->envelope) {
        unsigned err = add_recipient(c->m, a->addr, a->addr_len);
        if (err)
            return err;
    }
    if (c->sb) {
        if (c->count > 0)
            mw_sb_put(c->sb, ",", 1);
        size_t dn = 0;
        if (a->display && a->display_len > 0) {
            char *d = mw_malloc(a->display_len);
            if (!d)
                return ST_ERROR_OUT_OF_MEMORY;
            dn = display_text(a, d);
            if (dn > 0)
                mw_hdr_phrase(c->sb, d, dn);
            free(d);
        }
        char *tok = mw_malloc(a->addr_len + 2);
        if (!tok)
            return ST_ERROR_OUT_OF_MEMORY;
        size_t t = 0;
        if (dn > 0)
            tok[t++] = '<';
        memcpy(tok + t, a->addr, a->addr_len);
        t += a->addr_len;
        if (dn > 0)
            tok[t++] = '>';
        mw_sb_token(c->sb, tok, t, 1);
        free(tok);
        if (c->sb->failed)
            return ST_ERROR_OUT_OF_MEMORY;
    }
    c->count++;
    return 0;
}

/* Parse one address field; format "Name: ..." CRLF into *hdr when name is given and the list
 * holds a mailbox. */
static unsigned address_field(mw_mime *m, const char *field, const char *name, const char *list,
                              int envelope, char **hdr, addr_ctx *c, char *detail, size_t size)
{
    mw_sb sb;
    mw_sb_init(&sb);
    memset(c, 0, sizeof(*c));
    c->m = m;
    c->sb = name ? &sb : NULL;
    c->envelope = envelope;
    if (name) {
        mw_sb_puts(&sb, name);
        mw_sb_put(&sb, ":", 1);
    }
    char pd[256];
    unsigned err = mw_addr_list_parse(list, on_addr, c, pd, sizeof pd);
    if (err) {
        mw_sb_free(&sb);
        if (err == ST_ERROR_OUT_OF_MEMORY)
            return failf(detail, size, err, "out of memory");
        return failf(detail, size, err, "%s: %s", field, pd);
    }
    if (name && c->count > 0) {
        mw_sb_put(&sb, "\r\n", 2);
        *hdr = mw_sb_take(&sb, NULL);
        if (!*hdr)
            return failf(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    mw_sb_free(&sb);
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
        if (ascii_casecmp(buf, "Content-") == 0)
            return 1;
    }
    if (n >= sizeof buf)
        return 0;
    memcpy(buf, name, n);
    buf[n] = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (ascii_casecmp(buf, names[i]) == 0)
            return 1;
    return 0;
}

/* Validate "Name: value" lines separated by CRLF, LF or CR (normalised to CRLF); lines that
 * begin with white space continue the previous field (RFC 5322 section 2.2.3). */
static unsigned extra_headers(mw_mime *m, const char *s, char *detail, size_t size)
{
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
            return failf(detail, size, code,
                         "lpszHeaders: empty line %u would end the header section", blank_at);
        }
        if (len > LINE_MAX_OCTETS) {
            mw_sb_free(&sb);
            return failf(detail, size, code, "lpszHeaders: line %u is longer than 998 octets",
                         lineno);
        }
        size_t k = 0;
        if (line[0] == ' ' || line[0] == '\t') {
            if (sb.len == 0) {
                mw_sb_free(&sb);
                return failf(detail, size, code,
                             "lpszHeaders: line %u continues a field but none precedes it", lineno);
            }
            size_t w = 0;
            while (w < len && (line[w] == ' ' || line[w] == '\t'))
                w++;
            if (w == len) {
                mw_sb_free(&sb);
                return failf(detail, size, code, "lpszHeaders: line %u holds only white space",
                             lineno);
            }
        } else {
            /* Field name: printable ASCII except ':' (RFC 5322 section 3.6.8). */
            while (k < len && line[k] != ':') {
                unsigned char ch = (unsigned char)line[k];
                if (ch < 33 || ch > 126) {
                    mw_sb_free(&sb);
                    return failf(detail, size, code,
                                 "lpszHeaders: line %u: invalid character 0x%02X in the field "
                                 "name (expected \"Name: value\")",
                                 lineno, ch);
                }
                k++;
            }
            if (k == len || k == 0) {
                mw_sb_free(&sb);
                return failf(detail, size, code,
                             k == 0 ? "lpszHeaders: line %u has an empty field name"
                                    : "lpszHeaders: line %u has no ':' (expected \"Name: value\")",
                             lineno);
            }
            if (generated_field(line, k)) {
                mw_sb_free(&sb);
                return failf(detail, size, code,
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
                return failf(detail, size, code,
                             "lpszHeaders: line %u: non-ASCII octet at column %zu (encode the "
                             "value per RFC 2047)",
                             lineno, k + 1);
            }
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                mw_sb_free(&sb);
                return failf(detail, size, code,
                             "lpszHeaders: line %u: control character 0x%02X at column %zu", lineno,
                             ch, k + 1);
            }
        }
        mw_sb_put(&sb, line, len);
        mw_sb_put(&sb, "\r\n", 2);
    }
    if (sb.failed) {
        mw_sb_free(&sb);
        return failf(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    if (sb.len > 0) {
        m->headers = mw_sb_take(&sb, NULL);
        if (!m->headers)
            return failf(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
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
static int date_now(char *out, size_t size)
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

static int random_hex(char *out, size_t bytes)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char r[32];
    if (bytes > sizeof r || gnutls_rnd(GNUTLS_RND_NONCE, r, bytes) != 0)
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
static int valid_id_domain(const char *d)
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

/* --- Attachments --------------------------------------------------------------------------- */

static unsigned add_attachment(mw_mime *m, const char *path, char *detail, size_t size)
{
    unsigned code = ST_ERROR_FILE;
    if (!path || !*path)
        return failf(detail, size, ST_ERROR_INVALID_ARGUMENT, "lpszAttachments[%zu] is empty",
                     m->natts);
    uint64_t fsize;
#ifdef _WIN32
    struct _stat64 st;
    if (_stat64(path, &st) != 0)
        return failf(detail, size, code, "attachment \"%s\": %s", path, strerror(errno));
    if (!(st.st_mode & _S_IFREG))
        return failf(detail, size, code, "attachment \"%s\" is not a regular file", path);
#else
    struct stat st;
    if (stat(path, &st) != 0)
        return failf(detail, size, code, "attachment \"%s\": %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return failf(detail, size, code, "attachment \"%s\" is not a regular file", path);
#endif
    fsize = (uint64_t)st.st_size;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return failf(detail, size, code, "attachment \"%s\" cannot be opened: %s", path,
                     strerror(errno));
    fclose(fp);
    /* The base name: what follows the last '/' or '\\' (both separators on every system, as
     * paths may come from either). */
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t bl = strlen(base);
    if (bl == 0)
        return failf(detail, size, ST_ERROR_INVALID_ARGUMENT, "attachment \"%s\" has no file name",
                     path);
    if (mw_utf8_check(base, bl) != bl)
        return failf(detail, size, ST_ERROR_INVALID_ARGUMENT,
                     "attachment \"%s\": the file name is not UTF-8", path);
    mw_att *a = &m->atts[m->natts];
    a->path = dup_n(path, strlen(path));
    if (!a->path)
        return failf(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    m->natts++;
    a->name = a->path + (base - path);
    a->type = mw_mime_type_for(a->name);
    a->size = fsize;
    return 0;
}

/* --- Construction -------------------------------------------------------------------------- */

static unsigned fill(mw_mime *m, const SMTPMESSAGE *msg, const char *domain, char *detail,
                     size_t size)
{
    const unsigned inval = ST_ERROR_INVALID_ARGUMENT;
    const unsigned oom = ST_ERROR_OUT_OF_MEMORY;
    unsigned err;
    if (msg->dwSize != sizeof(SMTPMESSAGE))
        return failf(detail, size, inval,
                     "SMTPMESSAGE.dwSize is %u, expected sizeof(SMTPMESSAGE) = %zu",
                     (unsigned)msg->dwSize, sizeof(SMTPMESSAGE));
    if (msg->dwOptions != 0)
        return failf(detail, size, inval, "SMTPMESSAGE.dwOptions must be 0");
    if (!msg->lpszFrom || !*msg->lpszFrom)
        return failf(detail, size, inval, "lpszFrom is required");

    addr_ctx c;
    err = address_field(m, "lpszFrom", "From", msg->lpszFrom, 0, &m->from_hdr, &c, detail, size);
    if (err)
        return err;
    if (c.count != 1)
        return failf(detail, size, inval, "lpszFrom must hold exactly one mailbox (found %zu)",
                     c.count);
    m->env_from = dup_n(c.first->addr, c.first->addr_len);
    if (!m->env_from)
        return failf(detail, size, oom, "out of memory");
    const char *sender_domain = memchr(c.first->addr, '@', c.first->addr_len);
    size_t sender_domain_len = 0;
    if (sender_domain) {
        /* The domain follows the last '@' (a quoted local part may hold '@'). */
        const char *end = c.first->addr + c.first->addr_len;
        for (const char *p = sender_domain; p < end; p++)
            if (*p == '@')
                sender_domain = p;
        sender_domain++;
        sender_domain_len = (size_t)(end - sender_domain);
    }

    if (msg->lpszTo &&
        (err = address_field(m, "lpszTo", "To", msg->lpszTo, 1, &m->to_hdr, &c, detail, size)) != 0)
        return err;
    if (msg->lpszCc &&
        (err = address_field(m, "lpszCc", "Cc", msg->lpszCc, 1, &m->cc_hdr, &c, detail, size)) != 0)
        return err;
    if (msg->lpszBcc &&
        (err = address_field(m, "lpszBcc", NULL, msg->lpszBcc, 1, NULL, &c, detail, size)) != 0)
        return err;
    if (m->nrcpt == 0)
        return failf(detail, size, inval,
                     "no recipient: lpszTo, lpszCc and lpszBcc hold no address");

    if (msg->lpszSubject) {
        if ((err = check_line("lpszSubject", msg->lpszSubject, detail, size)) != 0)
            return err;
        mw_sb sb;
        mw_sb_init(&sb);
        mw_sb_puts(&sb, "Subject:");
        mw_hdr_unstructured(&sb, msg->lpszSubject, strlen(msg->lpszSubject));
        mw_sb_put(&sb, "\r\n", 2);
        m->subject = mw_sb_take(&sb, NULL);
        if (!m->subject)
            return failf(detail, size, oom, "out of memory");
    }

    if (msg->lpszDate) {
        if ((err = check_line("lpszDate", msg->lpszDate, detail, size)) != 0)
            return err;
        size_t n = strlen(msg->lpszDate);
        if (n == 0 || n >= sizeof m->date || mw_addr_is_utf8(msg->lpszDate, n))
            return failf(detail, size, inval,
                         "lpszDate must be 1 to %zu ASCII characters (RFC 5322 section 3.3)",
                         sizeof m->date - 1);
        memcpy(m->date, msg->lpszDate, n + 1);
    } else if (date_now(m->date, sizeof m->date) != 0) {
        return failf(detail, size, ST_ERROR_INTERNAL, "the local time is not available");
    }

    if (msg->lpszHeaders && (err = extra_headers(m, msg->lpszHeaders, detail, size)) != 0)
        return err;

    const char *cs = msg->lpszCharSet ? msg->lpszCharSet : "utf-8";
    size_t csn = strlen(cs);
    if (csn == 0 || csn > 64)
        return failf(detail, size, inval, "lpszCharSet must be 1 to 64 characters");
    for (size_t i = 0; i < csn; i++) {
        unsigned char ch = (unsigned char)cs[i];
        /* token (RFC 2045 section 5.1): no controls, space or tspecials. */
        if (ch < 33 || ch > 126 || strchr("()<>@,;:\\\"/[]?=", ch))
            return failf(detail, size, inval,
                         "lpszCharSet: character 0x%02X at offset %zu is not allowed in a "
                         "charset name (RFC 2045 section 5.1 token)",
                         ch, i);
    }
    m->charset = dup_n(cs, csn);
    if (!m->charset)
        return failf(detail, size, oom, "out of memory");
    int utf8 = ascii_casecmp(cs, "utf-8") == 0 || ascii_casecmp(cs, "utf8") == 0;

    const char *bodies[2] = {msg->lpszText, msg->lpszHTML};
    const char *names[2] = {"lpszText", "lpszHTML"};
    for (int b = 0; b < 2; b++) {
        if (!bodies[b])
            continue;
        size_t n = strlen(bodies[b]);
        size_t bad = mw_utf8_check(bodies[b], n);
        if (utf8 && bad != n)
            return failf(detail, size, inval, "%s: malformed UTF-8 at offset %zu (charset %s)",
                         names[b], bad, cs);
        char *copy = dup_n(bodies[b], n);
        if (!copy)
            return failf(detail, size, oom, "out of memory");
        if (b == 0) {
            m->text = copy;
            m->text_len = n;
        } else {
            m->html = copy;
            m->html_len = n;
        }
    }

    if (msg->lpszAttachments) {
        size_t n = 0;
        while (msg->lpszAttachments[n])
            n++;
        if (n > 0) {
            m->atts = mw_calloc(n, sizeof(*m->atts));
            if (!m->atts)
                return failf(detail, size, oom, "out of memory");
            for (size_t i = 0; i < n; i++)
                if ((err = add_attachment(m, msg->lpszAttachments[i], detail, size)) != 0)
                    return err;
            m->fin = mw_malloc(MW_MIME_FILE_CHUNK);
            mw_b64_stream_init(&m->b64, 76);
            m->fout = mw_malloc(mw_b64_stream_max(&m->b64, MW_MIME_FILE_CHUNK) + 8);
            if (!m->fin || !m->fout)
                return failf(detail, size, oom, "out of memory");
        }
    }

    /* Message-ID: <random@domain> (RFC 5322 section 3.6.4). */
    char rnd[33];
    if (random_hex(rnd, 16) != 0 || random_hex(m->bseed, 16) != 0)
        return failf(detail, size, ST_ERROR_INTERNAL, "the random generator failed");
    if (domain) {
        if (!valid_id_domain(domain))
            return failf(detail, size, inval,
                         "domain \"%.100s\" is not a valid Message-ID right-hand side", domain);
        snprintf(m->msgid, sizeof m->msgid, "<%s@%s>", rnd, domain);
    } else if (sender_domain_len > 0) {
        snprintf(m->msgid, sizeof m->msgid, "<%s@%.*s>", rnd, (int)sender_domain_len,
                 sender_domain);
    } else {
        snprintf(m->msgid, sizeof m->msgid, "<%s@localhost.invalid>", rnd);
    }

    if (mw_mime_layout(m) != 0)
        return failf(detail, size, oom, "out of memory");
    return 0;
}

unsigned mw_mime_new(mw_mime **out, const SMTPMESSAGE *msg, const char *domain, char *detail,
                     size_t detail_size)
{
    if (detail && detail_size > 0)
        detail[0] = 0;
    if (!out || !msg)
        return failf(detail, detail_size, ST_ERROR_INVALID_ARGUMENT, "message is NULL");
    *out = NULL;
    mw_mime *m = mw_calloc(1, sizeof(*m));
    if (!m)
        return failf(detail, detail_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    unsigned err = fill(m, msg, domain, detail, detail_size);
    if (err) {
        mw_mime_free(m);
        return err;
    }
    *out = m;
    return 0;
}

uint64_t mw_mime_size(const mw_mime *m)
{
    return m->total;
}

int mw_mime_needs_8bit(const mw_mime *m)
{
    /* Bodies are 7bit, quoted-printable or base64; only raw UTF-8 addresses are 8-bit. */
    return m->smtputf8;
}

int mw_mime_needs_smtputf8(const mw_mime *m)
{
    return m->smtputf8;
}

const char *mw_mime_detail(const mw_mime *m)
{
    return m->detail;
}

const char *mw_mime_envelope_from(const mw_mime *m)
{
    return m->env_from;
}

size_t mw_mime_recipient_count(const mw_mime *m)
{
    return m->nrcpt;
}

const char *mw_mime_recipient(const mw_mime *m, size_t i)
{
    return i < m->nrcpt ? m->rcpt[i] : NULL;
}

void mw_mime_free(mw_mime *m)
{
    if (!m)
        return;
    mw_mime_layout_free(m);
    free(m->segs);
    free(m->from_hdr);
    free(m->to_hdr);
    free(m->cc_hdr);
    free(m->subject);
    free(m->headers);
    free(m->text);
    free(m->html);
    free(m->charset);
    for (size_t i = 0; i < m->natts; i++)
        free(m->atts[i].path);
    free(m->atts);
    free(m->fin);
    free(m->fout);
    free(m->env_from);
    for (size_t i = 0; i < m->nrcpt; i++)
        free(m->rcpt[i]);
    free(m->rcpt);
    free(m);
}

void mw_mime_set_test_seed(mw_mime *m, const char *date, const char *message_id,
                           const char *boundary)
{
    if (date)
        mw_strlcpy(m->date, date, sizeof m->date);
    if (message_id) {
        if (message_id[0] == '<')
            mw_strlcpy(m->msgid, message_id, sizeof m->msgid);
        else
            snprintf(m->msgid, sizeof m->msgid, "<%.300s>", message_id);
    }
    if (boundary)
        mw_strlcpy(m->bseed, boundary, 68); /* "=_m" + 67: the 70 of RFC 2046 section 5.1.1 */
    if (mw_mime_layout(m) != 0) {
        m->failed = 1;
        snprintf(m->detail, sizeof m->detail, "out of memory");
    }
}
