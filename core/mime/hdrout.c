/* Writing header fields; see hdrout.h. */
#include "hdrout.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <mailwire/common.h>

#include "../util/alloc.h"
#include "address.h"
#include "hdrenc.h"

int mw_hdr_is_address(const char *name)
{
    static const char *const names[] = {"From",      "To",         "Cc",           "Bcc",
                                        "Reply-To",  "Sender",     "Resent-From",  "Resent-To",
                                        "Resent-Cc", "Resent-Bcc", "Resent-Sender"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mw_name_eq(name, strlen(name), names[i]))
            return 1;
    return 0;
}

int mw_hdr_is_structured(const char *name)
{
    static const char *const names[] = {"Date",        "Message-ID",       "In-Reply-To",
                                        "References",  "MIME-Version",     "Content-ID",
                                        "Resent-Date", "Resent-Message-ID"};
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mw_name_eq(name, n, names[i]))
            return 1;
    return n >= 8 && mw_name_eq(name, 8, "Content-") && !mw_name_eq(name, n, "Content-Description");
}

int mw_hdr_is_empty_group(const char *s)
{
    const char *c = strchr(s, ':');
    if (!c || strpbrk(s, "<>@\"") || c == s)
        return 0;
    for (c++; *c == ' ' || *c == '\t'; c++)
        ;
    if (*c != ';')
        return 0;
    for (c++; *c == ' ' || *c == '\t'; c++)
        ;
    return *c == 0;
}

/* The text of a display name: quoted pairs resolved, comments dropped, words separated by
 * one space (RFC 5322 section 3.2.5). out has room for a->display_len bytes. */
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

typedef struct addr_out {
    mw_sb *sb;
    uint32_t options;
    int *utf8;
    size_t count;
} addr_out;

/* The local part's end: the last '@' outside a quoted local part. */
static size_t at_sign(const char *a, size_t n)
{
    size_t i = 0;
    if (n && a[0] == '"') {
        for (i = 1; i < n && a[i] != '"'; i++)
            if (a[i] == '\\')
                i++;
    }
    for (size_t k = n; k > i; k--)
        if (a[k - 1] == '@')
            return k - 1;
    return n;
}

static unsigned on_addr(void *user, const mw_addr *a)
{
    addr_out *c = user;
    if (c->count++ > 0)
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
    size_t at = at_sign(a->addr, a->addr_len);
    const char *dom = at < a->addr_len ? a->addr + at + 1 : NULL;
    size_t dom_len = dom ? a->addr_len - at - 1 : 0;
    gnutls_datum_t ace = {NULL, 0};
    /* An ASCII local part with an IDN domain: the A-label form (RFC 5891) needs no SMTPUTF8;
     * a non-ASCII local part needs it anyway, and the domain stays as written. */
    if (dom && mw_addr_is_utf8(dom, dom_len) && !mw_addr_is_utf8(a->addr, at) &&
        !(c->options & MIME_EXPORT_UTF8) && gnutls_idna_map(dom, (unsigned)dom_len, &ace, 0) == 0) {
        dom = (const char *)ace.data; /* RFC 5891: the A-label form */
        dom_len = ace.size;
    }
    if (mw_addr_is_utf8(a->addr, at) || (dom && mw_addr_is_utf8(dom, dom_len)))
        *c->utf8 = 1; /* RFC 6532: written raw; the envelope needs SMTPUTF8 */
    size_t tl = at + (dom ? 1 + dom_len : 0) + 2;
    char *tok = mw_malloc(tl);
    if (!tok) {
        gnutls_free(ace.data);
        return ST_ERROR_OUT_OF_MEMORY;
    }
    size_t t = 0;
    if (dn > 0)
        tok[t++] = '<';
    memcpy(tok + t, a->addr, at);
    t += at;
    if (dom) {
        tok[t++] = '@';
        memcpy(tok + t, dom, dom_len);
        t += dom_len;
    }
    if (dn > 0)
        tok[t++] = '>';
    mw_sb_token(c->sb, tok, t, 1);
    free(tok);
    gnutls_free(ace.data);
    return c->sb->b.failed ? ST_ERROR_OUT_OF_MEMORY : 0;
}

/* Words of a structured value, folded at white space. */
static void structured(mw_sb *sb, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t'))
            i++;
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '\t')
            j++;
        if (j > i)
            mw_sb_token(sb, s + i, j - i, 0);
        i = j;
    }
}

int mw_hdr_write(mw_sb *sb, const mw_hdr *h, uint32_t options, int *utf8)
{
    mw_sb_puts(sb, h->name);
    mw_sb_put(sb, ":", 1);
    if (h->raw) {
        const char *v = h->value;
        for (size_t i = 0; i < h->len; i++) {
            if (v[i] == '\r' || v[i] == '\n') {
                if (v[i] == '\r' && i + 1 < h->len && v[i + 1] == '\n')
                    i++;
                mw_sb_put(sb, "\r\n", 2);
            } else {
                mw_sb_put(sb, v + i, 1);
            }
        }
    } else if (mw_hdr_is_address(h->name) && !mw_hdr_is_empty_group(h->value)) {
        addr_out c = {sb, options, utf8, 0};
        if (mw_addr_list_parse(h->value, on_addr, &c, NULL, 0) == ST_ERROR_OUT_OF_MEMORY)
            return -1;
    } else if (mw_hdr_is_structured(h->name) || mw_hdr_is_empty_group(h->value)) {
        structured(sb, h->value, h->len);
    } else {
        mw_hdr_unstructured(sb, h->value, h->len);
    }
    mw_sb_put(sb, "\r\n", 2);
    return sb->b.failed ? -1 : 0;
}

typedef struct first_ctx {
    char *out;
    size_t size;
    int done;
} first_ctx;

static unsigned on_first(void *user, const mw_addr *a)
{
    first_ctx *c = user;
    if (c->done++)
        return 0;
    size_t at = at_sign(a->addr, a->addr_len);
    if (at >= a->addr_len)
        return 0;
    size_t n = a->addr_len - at - 1;
    if (n >= c->size)
        n = c->size - 1;
    memcpy(c->out, a->addr + at + 1, n);
    c->out[n] = 0;
    return 0;
}

int mw_hdr_first_domain(const char *list, char *out, size_t size)
{
    first_ctx c = {out, size, 0};
    out[0] = 0;
    if (mw_addr_list_parse(list, on_first, &c, NULL, 0) != 0 || !out[0])
        return -1;
    return 0;
}
