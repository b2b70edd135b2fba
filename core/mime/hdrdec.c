/* Header field decoding; see hdrdec.h. */
#include "hdrdec.h"

#include <string.h>

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

int mw_ew_decode(const char *w, size_t n, mw_buf *out)
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
    if (!cs[0] || mw_cs_to_utf8(cs, raw.p, on, out) != 0)
        mw_hdr_put_8bit(raw.p, on, out);
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

enum { TOK_NONE, TOK_FWS, TOK_EW, TOK_TEXT };

void mw_hdr_decode_text(const char *s, size_t n, mw_buf *out)
{
    int last = TOK_NONE, before = TOK_NONE;
    size_t fws_at = 0; /* output offset where the last white space run starts */
    size_t i = 0;
    while (i < n) {
        if (is_wsp(s[i])) {
            size_t j = i;
            while (j < n && is_wsp(s[j]))
                j++;
            fws_at = out->len;
            mw_buf_put(out, s + i, j - i);
            before = last;
            last = TOK_FWS;
            i = j;
            continue;
        }
        int valid_ew = 1;
        if (s[i] == '=' && i + 1 < n && s[i + 1] == '?') {
            size_t w = mw_ew_span(s + i, n - i);
            if (w) {
                size_t at = out->len;
                if (mw_ew_decode(s + i, w, out) == 0) {
                    if (last == TOK_FWS && before == TOK_EW) {
                        /* Drop the white space between two encoded words. */
                        size_t dl = out->len - at;
                        memmove(out->p + fws_at, out->p + at, dl);
                        out->len = fws_at + dl;
                        if (out->p)
                            out->p[out->len] = 0;
                    }
                    before = last;
                    last = TOK_EW;
                    i += w;
                    continue;
                }
                valid_ew = 0;
            }
        }
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
        before = last;
        last = TOK_TEXT;
        i = j;
    }
}
