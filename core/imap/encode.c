/* IMAP command output and argument encoder; see encode.h. */
#include "encode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/buf.h"

void mw_imap_out_init(mw_imap_out *o)
{
    memset(o, 0, sizeof *o);
    mw_buf_init(&o->b, 0, 1);
}

void mw_imap_out_free(mw_imap_out *o)
{
    mw_buf_free(&o->b);
    free(o->marks);
    memset(o, 0, sizeof *o);
    mw_buf_init(&o->b, 0, 1);
}

void mw_imap_out_put(mw_imap_out *o, const char *p, size_t n)
{
    mw_buf_put(&o->b, p, n);
}

void mw_imap_out_puts(mw_imap_out *o, const char *s)
{
    mw_buf_puts(&o->b, s);
}

void mw_imap_out_printf(mw_imap_out *o, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        o->b.failed = 1; /* only short, fixed-format pieces go through here */
        return;
    }
    mw_buf_put(&o->b, tmp, (size_t)n);
}

void mw_imap_out_mark(mw_imap_out *o, int kind, uint64_t n)
{
    mw_imap_mark *nm = mw_grow(o->marks, &o->capmark, o->nmark + 1, sizeof *nm);
    if (!nm) {
        o->b.failed = 1;
        return;
    }
    o->marks = nm;
    o->marks[o->nmark].at = mw_imap_out_end(o);
    o->marks[o->nmark].kind = kind;
    o->marks[o->nmark].n = n;
    o->nmark++;
}

void mw_imap_out_cut(mw_imap_out *o, uint64_t from, uint64_t to)
{
    size_t len = o->b.len;
    size_t a = (size_t)(from - o->base), b = (size_t)(to - o->base);
    if (a < o->sent)
        a = o->sent;
    if (b > len)
        b = len;
    if (a > b)
        a = b;
    size_t gone = b - a;
    if (gone) {
        memmove(o->b.p + a, o->b.p + b, len - b);
        mw_buf_truncate(&o->b, len - gone); /* wipes the bytes left at the end */
    }
    /* Marks inside the cut go, except SECRET_OFF (its ON may lie before the cut and have
     * been acted on already); marks behind it move down. */
    uint64_t abs_a = o->base + a, abs_b = o->base + b;
    size_t w = 0;
    for (size_t i = 0; i < o->nmark; i++) {
        mw_imap_mark m = o->marks[i];
        if (m.at >= abs_a && m.at < abs_b) {
            if (m.kind != IMAP_MARK_SECRET_OFF)
                continue;
            m.at = abs_a;
        } else if (m.at >= abs_b) {
            m.at -= gone;
        }
        o->marks[w++] = m;
    }
    o->nmark = w;
}

void mw_imap_out_compact(mw_imap_out *o)
{
    if (o->sent == 0)
        return;
    if (o->sent == o->b.len) {
        o->base += o->b.len;
        mw_buf_truncate(&o->b, 0);
        o->sent = 0;
        return;
    }
    if (o->sent < 65536)
        return; /* moving is cheaper later */
    mw_buf_consume(&o->b, o->sent);
    o->base += o->sent;
    o->sent = 0;
}

/* ATOM-CHAR: any CHAR except atom-specials (RFC 9051 section 9): ( ) { SP CTL % * " \ ]. */
static int atom_char(unsigned char c)
{
    if (c <= 0x20 || c >= 0x7f)
        return 0;
    return !strchr("(){%*\"\\]", c);
}

int mw_imap_choose(const char *s, size_t n, int kind, unsigned flags, const char **why)
{
    int atom = n > 0 && kind == IMAP_ARG_ASTRING, crlf = 0, eight = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0) {
            *why = "NUL cannot be sent in an IMAP string";
            return 0;
        }
        if (c == '\r' || c == '\n')
            crlf = 1;
        else if (c >= 0x80)
            eight = 1;
        if (atom && !atom_char(c))
            atom = 0;
    }
    /* "NIL" as an atom would be read as NIL; quote it. */
    if (atom && n == 3 && (s[0] & ~0x20) == 'N' && (s[1] & ~0x20) == 'I' && (s[2] & ~0x20) == 'L')
        atom = 0;
    if (atom)
        return IMAP_ENC_ATOM;
    if (!crlf && (!eight || (flags & IMAP_ENC_UTF8)))
        return IMAP_ENC_QUOTED;
    if (kind == IMAP_ARG_NOLIT) {
        *why = crlf ? "CR or LF in a value that cannot be sent as a literal"
                    : "8-bit characters in a value that cannot be sent as a literal";
        return 0;
    }
    if ((flags & IMAP_ENC_LITERAL_PLUS) || ((flags & IMAP_ENC_LITERAL_MINUS) && n <= 4096))
        return IMAP_ENC_LITERAL;
    return IMAP_ENC_SYNC_LITERAL;
}

unsigned mw_imap_out_string(mw_imap_out *o, const char *s, size_t n, int kind)
{
    const char *why = NULL;
    int how = mw_imap_choose(s, n, kind, o->flags, &why);
    switch (how) {
    case IMAP_ENC_ATOM:
        mw_imap_out_put(o, s, n);
        break;
    case IMAP_ENC_QUOTED: {
        mw_imap_out_put(o, "\"", 1);
        size_t i = 0;
        while (i < n) {
            size_t j = i;
            while (j < n && s[j] != '"' && s[j] != '\\')
                j++;
            mw_imap_out_put(o, s + i, j - i);
            if (j < n) {
                char esc[2] = {'\\', s[j]};
                mw_imap_out_put(o, esc, 2);
                j++;
            }
            i = j;
        }
        mw_imap_out_put(o, "\"", 1);
        break;
    }
    case IMAP_ENC_LITERAL:
        mw_imap_out_printf(o, "{%zu+}\r\n", n);
        mw_imap_out_put(o, s, n);
        break;
    case IMAP_ENC_SYNC_LITERAL:
        mw_imap_out_printf(o, "{%zu}\r\n", n);
        mw_imap_out_mark(o, IMAP_MARK_SYNC, 0);
        mw_imap_out_put(o, s, n);
        break;
    default:
        return ST_ERROR_INVALID_ARGUMENT;
    }
    return o->b.failed ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_NONE;
}

int mw_imap_valid_set(const char *s)
{
    /* sequence-set = (seq-number / seq-range) ["," sequence-set]; seq-number = nz-number / "*" */
    if (!s || !*s)
        return -1;
    int need_num = 1, in_range = 0;
    for (const char *p = s; *p;) {
        if (*p == '*') {
            p++;
        } else if (*p >= '1' && *p <= '9') {
            int d = 0;
            while (*p >= '0' && *p <= '9') {
                if (++d > 10)
                    return -1;
                p++;
            }
        } else {
            return -1;
        }
        need_num = 0;
        if (*p == ':') {
            if (in_range)
                return -1;
            in_range = 1;
            need_num = 1;
            p++;
        } else if (*p == ',') {
            in_range = 0;
            need_num = 1;
            p++;
        } else if (*p) {
            return -1;
        }
    }
    return need_num ? -1 : 0;
}
