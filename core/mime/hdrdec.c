/* Header field decoding; see hdrdec.h. */
#include "hdrdec.h"

#include <string.h>

#include "../util/str.h"
#include "charset.h"
#include "utf8.h"

void mw_hdr_unfold(const char *v, size_t n, mw_buf *out)
{
    size_t i = 0;
    while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r' || v[i] == '\n'))
        i++;
    for (; i < n; i++)
        if (v[i] != '\r' && v[i] != '\n')
            mw_buf_putc(out, v[i]);
}

void mw_hdr_put_8bit(const char *s, size_t n, mw_buf *out)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && (unsigned char)s[j] < 0x80)
            j++;
        mw_buf_put(out, s + i, j - i);
        i = j;
        while (j < n && (unsigned char)s[j] >= 0x80)
            j++;
        if (j > i) {
            /* Extend back over nothing: a run of high octets is judged as a whole. */
            mw_cs_fallback_utf8(s + i, j - i, out);
            i = j;
        }
    }
}

/* --- base64 ---------------------------------------------------------------------------- */

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

void mw_b64dec_init(mw_b64dec *d)
{
    memset(d, 0, sizeof *d);
}

size_t mw_b64dec_update(mw_b64dec *d, const char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n && !d->done; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '=') {
            if (d->quad >= 2 && d->quad + ++d->pads >= 4)
                d->done = 1;
            continue;
        }
        int v = b64val(c);
        if (v < 0)
            continue;
        d->pads = 0;
        switch (d->quad) {
        case 0:
            d->left = (unsigned long)v;
            d->quad = 1;
            break;
        case 1:
            out[o++] = (unsigned char)((d->left << 2) | ((unsigned)v >> 4));
            d->left = (unsigned long)v & 0x0f;
            d->quad = 2;
            break;
        case 2:
            out[o++] = (unsigned char)((d->left << 4) | ((unsigned)v >> 2));
            d->left = (unsigned long)v & 0x03;
            d->quad = 3;
            break;
        default:
            out[o++] = (unsigned char)((d->left << 6) | (unsigned)v);
            d->quad = 0;
            break;
        }
    }
    return o;
}

/* --- encoded words --------------------------------------------------------------------- */

static int hexv(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t mw_ew_span(const char *s, size_t n)
{
    if (n < 2 || s[0] != '=' || s[1] != '?')
        return 0;
    /* tok: from after "=?" to the first "?=". */
    size_t i = 2;
    while (i + 1 < n && !(s[i] == '?' && s[i + 1] == '='))
        i++;
    if (i + 1 >= n)
        return 0;
    size_t qs = 0;
    for (size_t k = 2; k < i; k++)
        qs += s[k] == '?';
    size_t end = i + 2;
    /* "?=" followed by two hex digits while the word lacks its third '?': the "?=" was Q
     * text ("=?utf-8?q?=3D?=" style), so the word goes on to the next "?=". */
    if (n - end > 1 && hexv((unsigned char)s[end]) >= 0 && hexv((unsigned char)s[end + 1]) >= 0 &&
        qs < 2) {
        size_t j = end;
        while (j + 1 < n && !(s[j] == '?' && s[j + 1] == '='))
            j++;
        end = j + 1 < n ? j + 2 : n;
    }
    return end;
}

/* Decode one encoded word to its octets (raw, reset first) and charset (cs, lower-case not
 * guaranteed; "" when none). 0, or -1 when w is not a well-formed encoded word. */
static int ew_raw(const char *w, size_t n, char *cs_out, size_t cs_cap, mw_buf *raw_out)
{
    if (n < 8 || w[0] != '=' || w[1] != '?' || w[n - 2] != '?' || w[n - 1] != '=')
        return -1;
    const char *q[3];
    size_t nq = 0;
    for (size_t i = 2; i < n - 2; i++) {
        if (w[i] == '?') {
            if (nq == 2)
                return -1;
            q[nq++] = w + i;
        }
    }
    if (nq != 2 || q[1] - q[0] != 2)
        return -1;
    char enc = q[0][1];
    if (enc >= 'A' && enc <= 'Z')
        enc = (char)(enc + 32);
    if (enc != 'q' && enc != 'b')
        return -1;
    char cs[80];
    size_t cl = (size_t)(q[0] - (w + 2));
    const char *star = memchr(w + 2, '*', cl); /* RFC 2231 section 5: charset*language */
    if (star)
        cl = (size_t)(star - (w + 2));
    if (cl >= sizeof cs)
        cl = sizeof cs - 1;
    memcpy(cs, w + 2, cl);
    cs[cl] = 0;
    const char *t = q[1] + 1;
    size_t tn = (size_t)(w + n - 2 - t);
    mw_buf raw;
    mw_buf_init(&raw, 0, 0);
    if (mw_buf_reserve(&raw, tn + 1) != 0) {
        mw_buf_free(&raw);
        return -1;
    }
    unsigned char *o = (unsigned char *)raw.p;
    size_t on = 0;
    if (enc == 'q') {
        for (size_t i = 0; i < tn; i++) {
            int h1, h2;
            if (t[i] == '_') {
                o[on++] = ' ';
            } else if (t[i] == '=' && i + 2 < tn && (h1 = hexv((unsigned char)t[i + 1])) >= 0 &&
                       (h2 = hexv((unsigned char)t[i + 2])) >= 0) {
                o[on++] = (unsigned char)(h1 * 16 + h2);
                i += 2;
            } else {
                o[on++] = (unsigned char)t[i];
            }
        }
    } else {
        mw_b64dec d;
        mw_b64dec_init(&d);
        on = mw_b64dec_update(&d, t, tn, o);
        if (d.quad == 1 && !d.done) {
            /* No decoding exists (Python keeps the text as it is). */
            memcpy(o, t, tn);
            on = tn;
        }
    }
    raw.len = on;
    mw_buf_free(raw_out);
    *raw_out = raw;
    mw_strlcpy(cs_out, cs, cs_cap);
    return 0;
}

/* The octets of encoded words in charset cs, as UTF-8 appended to out. */
static void put_charset(const char *cs, const mw_buf *raw, mw_buf *out)
{
    const char *p = raw->p ? raw->p : "";
    if (!cs[0] || mw_cs_to_utf8(cs, p, raw->len, out) != 0)
        mw_hdr_put_8bit(p, raw->len, out);
}

int mw_ew_decode(const char *w, size_t n, mw_buf *out)
{
    char cs[80];
    mw_buf raw;
    mw_buf_init(&raw, 0, 0);
    if (ew_raw(w, n, cs, sizeof cs, &raw) != 0) {
        mw_buf_free(&raw);
        return -1;
    }
    put_charset(cs, &raw, out);
    mw_buf_free(&raw);
    return 0;
}

/* --- unstructured ---------------------------------------------------------------------- */

static int is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

/* Python's rfc2047_matcher: "=?" [^?]* "?" [qQbB] "?" .*? "?=" somewhere in s[0..n). */
static int has_ew_pattern(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] != '=' || s[i + 1] != '?')
            continue;
        size_t j = i + 2;
        while (j < n && s[j] != '?')
            j++;
        if (j + 2 >= n || !strchr("qQbB", s[j + 1]) || s[j + 2] != '?')
            continue;
        for (size_t k = j + 3; k + 1 < n; k++)
            if (s[k] == '?' && s[k + 1] == '=')
                return 1;
    }
    return 0;
}

/* Encoded words waiting to be converted: adjacent words of one charset are joined before
 * the conversion (a character may be split across two words, which RFC 2047 section 5
 * forbids but senders do; Python joins them too), and the white space after the last one
 * is held until it is known whether another word follows (then it is dropped, RFC 2047
 * section 6.2). */
typedef struct ew_run {
    mw_buf raw;
    char cs[80];
    int open;
    const char *ws; /* held white space after the run, or NULL */
    size_t ws_len;
} ew_run;

static void run_flush(ew_run *r, mw_buf *out)
{
    if (r->open)
        put_charset(r->cs, &r->raw, out);
    r->open = 0;
    r->raw.len = 0;
    if (r->ws)
        mw_buf_put(out, r->ws, r->ws_len);
    r->ws = NULL;
}

void mw_hdr_decode_text(const char *s, size_t n, mw_buf *out)
{
    ew_run run;
    memset(&run, 0, sizeof run);
    mw_buf_init(&run.raw, 0, 0);
    mw_buf word;
    mw_buf_init(&word, 0, 0);
    size_t i = 0;
    while (i < n) {
        if (is_wsp(s[i])) {
            size_t j = i;
            while (j < n && is_wsp(s[j]))
                j++;
            if (run.open && !run.ws) {
                run.ws = s + i;
                run.ws_len = j - i;
            } else {
                mw_buf_put(out, s + i, j - i);
            }
            i = j;
            continue;
        }
        int valid_ew = 1;
        if (s[i] == '=' && i + 1 < n && s[i + 1] == '?') {
            size_t w = mw_ew_span(s + i, n - i);
            char cs[80];
            if (w && ew_raw(s + i, w, cs, sizeof cs, &word) == 0) {
                run.ws = NULL; /* white space between two encoded words */
                if (run.open && mw_strcasecmp(run.cs, cs) == 0) {
                    mw_buf_put(&run.raw, word.p ? word.p : "", word.len);
                } else {
                    run_flush(&run, out);
                    run.open = 1;
                    mw_strlcpy(run.cs, cs, sizeof run.cs);
                    mw_buf_put(&run.raw, word.p ? word.p : "", word.len);
                }
                if (run.raw.failed)
                    out->failed = 1;
                i += w;
                continue;
            }
            if (w)
                valid_ew = 0;
        }
        run_flush(&run, out);
        size_t j = i;
        while (j < n && !is_wsp(s[j]))
            j++;
        if (valid_ew && has_ew_pattern(s + i, j - i)) {
            /* Split the atom before an encoded word glued to it. */
            const char *p = NULL;
            for (size_t k = i + 1; k + 1 < n; k++) {
                if (s[k] == '=' && s[k + 1] == '?') {
                    p = s + k;
                    break;
                }
            }
            if (p && (size_t)(p - s) < j)
                j = (size_t)(p - s);
        }
        mw_hdr_put_8bit(s + i, j - i, out);
        i = j;
    }
    run_flush(&run, out);
    mw_buf_free(&run.raw);
    mw_buf_free(&word);
}
