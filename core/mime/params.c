/* MIME header parameters; see params.h. */
#include "params.h"

#include <stdlib.h>
#include <string.h>

#include "../util/str.h"
#include "charset.h"
#include "hdrdec.h"

static int is_wsp(char c)
{
    return c == ' ' || c == '\t';
}

void mw_hdr_mime_str(const char *v, size_t n, mw_buf *out)
{
    mw_buf u;
    mw_buf_init(&u, 0, 0);
    mw_hdr_unfold(v, n, &u);
    const char *s = u.p ? u.p : "";
    size_t len = u.len, i = 0;
    while (i < len) {
        if (s[i] != '"') {
            size_t j = i;
            while (j < len && s[j] != '"')
                j++;
            mw_hdr_put_8bit(s + i, j - i, out);
            i = j;
            continue;
        }
        /* A quoted string: find its end, decode encoded words at the start of its chunks. */
        size_t e = i + 1;
        while (e < len && s[e] != '"')
            e += (s[e] == '\\' && e + 1 < len) ? 2 : 1;
        mw_buf_putc(out, '"');
        size_t k = i + 1;
        int last_ew = 0;
        size_t ws_at = 0, ws_len = 0;
        while (k < e) {
            if (is_wsp(s[k])) {
                size_t j = k;
                while (j < e && is_wsp(s[j]))
                    j++;
                ws_at = out->len;
                ws_len = j - k;
                mw_buf_put(out, s + k, j - k);
                k = j;
                continue;
            }
            size_t w = (s[k] == '=' && k + 1 < e && s[k + 1] == '?') ? mw_ew_span(s + k, e - k) : 0;
            if (w) {
                mw_buf dec;
                mw_buf_init(&dec, 0, 0);
                if (mw_ew_decode(s + k, w, &dec) == 0) {
                    if (last_ew && ws_len && ws_at + ws_len == out->len)
                        out->len = ws_at; /* white space between encoded words */
                    /* Decoded text goes back inside the quotes, escaped. */
                    for (size_t d = 0; d < dec.len; d++) {
                        if (dec.p[d] == '"' || dec.p[d] == '\\')
                            mw_buf_putc(out, '\\');
                        mw_buf_putc(out, dec.p[d]);
                    }
                    mw_buf_free(&dec);
                    k += w;
                    last_ew = 1;
                    ws_len = 0;
                    continue;
                }
                mw_buf_free(&dec);
            }
            size_t j = k;
            while (j < e && !is_wsp(s[j]))
                j += (s[j] == '\\' && j + 1 < e) ? 2 : 1;
            if (j > e)
                j = e;
            mw_hdr_put_8bit(s + k, j - k, out);
            k = j;
            last_ew = 0;
            ws_len = 0;
        }
        if (e < len)
            mw_buf_putc(out, '"');
        i = e < len ? e + 1 : e;
    }
    if (out->p)
        out->p[out->len] = 0;
    if (u.failed)
        out->failed = 1;
    mw_buf_free(&u);
}

/* The structured text of the first field named field; 0 or -1. */
static int field_str(const mw_part *p, const char *field, mw_buf *out)
{
    long i = mw_part_hdr_find(p, field, 0);
    if (i < 0)
        return -1;
    const mw_hdr *h = &p->hdrs[i];
    mw_hdr_mime_str(h->value, h->len, out);
    return out->failed ? -2 : 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && (is_wsp(**s) || **s == '\r' || **s == '\n')) {
        (*s)++;
        (*n)--;
    }
    while (*n && (is_wsp((*s)[*n - 1]) || (*s)[*n - 1] == '\r' || (*s)[*n - 1] == '\n'))
        (*n)--;
}

static void put_lower(mw_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        mw_buf_putc(out, (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c);
    }
}

int mw_part_field_token(const mw_part *p, const char *field, mw_buf *out)
{
    mw_buf v;
    mw_buf_init(&v, 0, 0);
    int rc = field_str(p, field, &v);
    if (rc != 0) {
        mw_buf_free(&v);
        if (rc == -2)
            out->failed = 1;
        return rc;
    }
    const char *s = mw_buf_str(&v);
    const char *semi = strchr(s, ';');
    size_t n = semi ? (size_t)(semi - s) : strlen(s);
    trim(&s, &n);
    put_lower(out, s, n);
    mw_buf_free(&v);
    return 0;
}

char *mw_part_content_type(const mw_part *p)
{
    mw_buf t;
    mw_buf_init(&t, 0, 0);
    int rc = mw_part_field_token(p, "Content-Type", &t);
    if (rc != 0 || t.failed) {
        int failed = rc == -2 || t.failed;
        mw_buf_free(&t);
        if (failed)
            return NULL;
        const char *d = p->deftype ? p->deftype : "text/plain";
        return mw_strndup(d, strlen(d));
    }
    const char *s = mw_buf_str(&t);
    size_t slashes = 0;
    for (const char *q = s; *q; q++)
        slashes += *q == '/';
    char *r = slashes == 1 ? mw_strndup(s, t.len) : mw_strndup("text/plain", 10);
    mw_buf_free(&t);
    return r;
}

/* --- parameters (Python's _parseparam and decode_params) ------------------------------- */

typedef struct param {
    const char *name, *val; /* into the field text */
    size_t nlen, vlen;
} param;

/* Unquote as email.utils.unquote(): "..." loses its quotes and \\ and \" escapes; <...>
 * loses its brackets. */
static void unquote(const char *s, size_t n, mw_buf *out)
{
    if (n > 1 && s[0] == '"' && s[n - 1] == '"') {
        for (size_t i = 1; i + 1 < n; i++) {
            if (s[i] == '\\' && i + 2 < n && (s[i + 1] == '\\' || s[i + 1] == '"'))
                i++;
            mw_buf_putc(out, s[i]);
        }
        return;
    }
    if (n > 1 && s[0] == '<' && s[n - 1] == '>') {
        mw_buf_put(out, s + 1, n - 2);
        return;
    }
    mw_buf_put(out, s, n);
}

static int quotes_odd(const char *s, size_t end)
{
    size_t q = 0, esc = 0;
    for (size_t i = 0; i < end; i++) {
        if (s[i] == '"')
            q++;
        if (s[i] == '\\' && i + 1 < end && s[i + 1] == '"')
            esc++;
    }
    return (q - esc) % 2 != 0;
}

/* Cut a value at an RFC 5322 comment outside quotes ("utf-8" (the charset)): Python's
 * structured header parser drops comments before parameters are read (RFC 2045 section 5.1
 * allows them). */
static void drop_comment(const char *v, size_t *n)
{
    int quoted = 0;
    for (size_t i = 0; i < *n; i++) {
        if (quoted && v[i] == '\\') {
            i++;
        } else if (v[i] == '"') {
            quoted = !quoted;
        } else if (!quoted && v[i] == '(' && i > 0) {
            *n = i;
            while (*n && is_wsp(v[*n - 1]))
                (*n)--;
            return;
        }
    }
}

/* Visit every parameter after the first item, in order; stop when fn returns non-zero. */
static int each_param(const char *s, size_t n, int (*fn)(void *, const param *), void *user)
{
    if (!memchr(s, ';', n))
        return 0;
    /* The first item (the type) may itself hold quoted ';': Python splits the same way. */
    size_t start = 0;
    while (start < n) {
        size_t rest = n - start;
        const char *b = s + start;
        size_t end = 0;
        const char *f = memchr(b, ';', rest);
        end = f ? (size_t)(f - b) : rest;
        while (f && end > 0 && quotes_odd(b, end)) {
            f = memchr(b + end + 1, ';', rest - end - 1);
            end = f ? (size_t)(f - b) : rest;
        }
        if (start > 0) {
            param pr = {0};
            const char *eq = memchr(b, '=', end);
            if (eq) {
                pr.name = b;
                pr.nlen = (size_t)(eq - b);
                pr.val = eq + 1;
                pr.vlen = end - pr.nlen - 1;
                trim(&pr.val, &pr.vlen);
                drop_comment(pr.val, &pr.vlen);
            } else {
                pr.name = b;
                pr.nlen = end;
                pr.val = "";
            }
            trim(&pr.name, &pr.nlen);
            int r = fn(user, &pr);
            if (r)
                return r;
        }
        if (end >= rest)
            break;
        start += end + 1;
    }
    return 0;
}

typedef struct seg {
    long num; /* -1: none */
    int encoded;
    char *val; /* unquoted, percent-decoded when encoded (octets as chars) */
    size_t len;
} seg;

typedef struct find_ctx {
    const char *want;
    size_t wlen;
    mw_buf *plain; /* set when a plain parameter matched */
    int found_plain;
    seg *segs;
    size_t nsegs, cap;
    int oom;
} find_ctx;

static int name_is(const char *n, size_t nl, const char *w, size_t wl)
{
    return nl == wl && mw_name_eq(n, nl, w);
}

static int hexd(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int on_param(void *user, const param *pr)
{
    find_ctx *c = user;
    /* RFC 2231: name*, name*N, name*N* ("\w+" names, ASCII). */
    size_t nl = pr->nlen;
    const char *star = memchr(pr->name, '*', nl);
    if (!star) {
        if (!c->found_plain && name_is(pr->name, nl, c->want, c->wlen)) {
            c->found_plain = 1;
            unquote(pr->val, pr->vlen, c->plain);
        }
        return 0;
    }
    size_t base = (size_t)(star - pr->name);
    for (size_t i = 0; i < base; i++) {
        char ch = pr->name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_'))
            return 0;
    }
    if (base == 0)
        return 0;
    long num = -1;
    size_t k = base + 1;
    if (k < nl) {
        num = 0;
        size_t digits = 0;
        while (k < nl && pr->name[k] >= '0' && pr->name[k] <= '9' && digits < 9) {
            num = num * 10 + (pr->name[k] - '0');
            k++;
            digits++;
        }
        if (!digits)
            return 0;
        if (k < nl && pr->name[k] == '*')
            k++;
        if (k != nl)
            return 0;
    }
    if (!name_is(pr->name, base, c->want, c->wlen))
        return 0;
    seg *v = mw_grow(c->segs, &c->cap, c->nsegs + 1, sizeof *v);
    if (!v) {
        c->oom = 1;
        return 1;
    }
    c->segs = v;
    mw_buf u;
    mw_buf_init(&u, 0, 0);
    unquote(pr->val, pr->vlen, &u);
    seg *sg = &c->segs[c->nsegs++];
    sg->num = num;
    sg->encoded = pr->name[nl - 1] == '*';
    if (sg->encoded) {
        mw_buf d;
        mw_buf_init(&d, 0, 0);
        for (size_t i = 0; i < u.len; i++) {
            int h1, h2;
            if (u.p[i] == '%' && i + 2 < u.len && (h1 = hexd(u.p[i + 1])) >= 0 &&
                (h2 = hexd(u.p[i + 2])) >= 0) {
                mw_buf_putc(&d, (char)(h1 * 16 + h2));
                i += 2;
            } else {
                mw_buf_putc(&d, u.p[i]);
            }
        }
        mw_buf_free(&u);
        u = d;
    }
    sg->len = u.len;
    sg->val = mw_buf_take(&u);
    if (!sg->val) {
        c->nsegs--;
        c->oom = 1;
        return 1;
    }
    return 0;
}

static int seg_cmp(const void *a, const void *b)
{
    const seg *x = a, *y = b;
    return x->num < y->num ? -1 : x->num > y->num;
}

int mw_part_param(const mw_part *p, const char *field, const char *param, mw_buf *out)
{
    mw_buf v;
    mw_buf_init(&v, 0, 0);
    if (field_str(p, field, &v) != 0) {
        mw_buf_free(&v);
        return -1;
    }
    mw_buf plain;
    mw_buf_init(&plain, 0, 0);
    find_ctx c = {param, strlen(param), &plain, 0, NULL, 0, 0, 0};
    each_param(mw_buf_str(&v), v.len, on_param, &c);
    int rc = -1;
    if (c.found_plain) {
        mw_hdr_put_8bit(plain.p ? plain.p : "", plain.len, out);
        rc = 0;
    } else if (c.nsegs > 0) {
        qsort(c.segs, c.nsegs, sizeof *c.segs, seg_cmp);
        mw_buf all;
        mw_buf_init(&all, 0, 0);
        int extended = 0;
        for (size_t i = 0; i < c.nsegs; i++) {
            mw_buf_put(&all, c.segs[i].val, c.segs[i].len);
            extended |= c.segs[i].encoded;
        }
        const char *s = mw_buf_str(&all);
        const char *t1 = extended ? strchr(s, '\'') : NULL;
        const char *t2 = t1 ? strchr(t1 + 1, '\'') : NULL;
        if (t1 && t2) {
            /* charset'language'octets (RFC 2231 section 4). */
            char cs[80];
            size_t cl = (size_t)(t1 - s) < sizeof cs - 1 ? (size_t)(t1 - s) : sizeof cs - 1;
            memcpy(cs, s, cl);
            cs[cl] = 0;
            const char *text = t2 + 1;
            size_t tl = all.len - (size_t)(text - s);
            if (!cl || mw_cs_to_utf8(cs, text, tl, out) != 0)
                mw_hdr_put_8bit(text, tl, out);
        } else {
            mw_hdr_put_8bit(s, all.len, out);
        }
        mw_buf_free(&all);
        rc = 0;
    }
    for (size_t i = 0; i < c.nsegs; i++)
        free(c.segs[i].val);
    free(c.segs);
    mw_buf_free(&plain);
    mw_buf_free(&v);
    if (c.oom)
        out->failed = 1;
    return rc;
}

int mw_part_filename(const mw_part *p, mw_buf *out)
{
    mw_buf f;
    mw_buf_init(&f, 0, 0);
    int rc = mw_part_param(p, "Content-Disposition", "filename", &f);
    if (rc != 0)
        rc = mw_part_param(p, "Content-Type", "name", &f);
    if (rc == 0) {
        const char *s = mw_buf_str(&f);
        size_t n = f.len;
        while (n && (is_wsp(*s) || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')) {
            s++;
            n--;
        }
        while (n && (is_wsp(s[n - 1]) || s[n - 1] == '\r' || s[n - 1] == '\n' || s[n - 1] == '\v' ||
                     s[n - 1] == '\f'))
            n--;
        mw_buf_put(out, s, n);
    }
    mw_buf_free(&f);
    return rc;
}

int mw_part_charset(const mw_part *p, mw_buf *out)
{
    mw_buf c;
    mw_buf_init(&c, 0, 0);
    int rc = mw_part_param(p, "Content-Type", "charset", &c);
    if (rc == 0) {
        for (size_t i = 0; i < c.len; i++)
            if ((unsigned char)c.p[i] >= 0x80)
                rc = -1;
        if (rc == 0)
            put_lower(out, c.p ? c.p : "", c.len);
    }
    mw_buf_free(&c);
    return rc;
}
