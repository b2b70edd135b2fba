/* IMAP ENVELOPE and BODYSTRUCTURE written out as a skeleton message (see structure.h).
 * RFC 9051 section 9 (formal syntax): body, body-type-1part, body-type-mpart, body-fields,
 * body-ext-1part, body-ext-mpart, envelope, address. */
#include <stdio.h>
#include <string.h>

#include <mailwire/common.h>
#include <mailwire/mime.h>

#include "structure.h"

#include "../util/str.h"

/* A value of IMAP syntax: a list (its members follow as the next values), a string (quoted
 * or literal), NIL, or an atom/number. */
enum { V_END, V_LIST, V_CLOSE, V_STRING, V_NIL, V_ATOM };

typedef struct rd {
    const char *p, *end;
    unsigned lists, parts;
    unsigned err;
    char *why;
    size_t why_size;
    unsigned boundary; /* next synthetic boundary number */
    mw_buf *out;
} rd;

typedef struct val {
    int type;
    const char *s; /* V_STRING, V_ATOM: the bytes (a quoted string still escaped) */
    size_t n;
    int quoted;
} val;

static unsigned fail(rd *r, unsigned err, const char *what)
{
    if (!r->err) {
        r->err = err;
        snprintf(r->why, r->why_size, "%s", what);
    }
    return r->err;
}

static void skip_sp(rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\r' || *r->p == '\n'))
        r->p++;
}

/* The next value; a list opened is counted against the cap. */
static int next(rd *r, val *v)
{
    memset(v, 0, sizeof *v);
    if (r->err)
        return V_END;
    skip_sp(r);
    if (r->p >= r->end)
        return v->type = V_END;
    char c = *r->p;
    if (c == '(') {
        r->p++;
        if (++r->lists > MW_IMAP_STRUCT_MAX_LISTS) {
            fail(r, ST_ERROR_LIMIT_EXCEEDED, "too many lists in the structure");
            return V_END;
        }
        return v->type = V_LIST;
    }
    if (c == ')') {
        r->p++;
        return v->type = V_CLOSE;
    }
    if (c == '"') {
        const char *s = ++r->p;
        while (r->p < r->end && *r->p != '"') {
            if (*r->p == '\\' && r->p + 1 < r->end)
                r->p++;
            r->p++;
        }
        if (r->p >= r->end) {
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "unterminated quoted string in the structure");
            return V_END;
        }
        v->s = s;
        v->n = (size_t)(r->p - s);
        v->quoted = 1;
        r->p++;
        return v->type = V_STRING;
    }
    if (c == '{') {
        /* literal: {n} CRLF n octets (RFC 9051 section 4.3), as the reader wrote it back */
        unsigned long long n = 0;
        const char *q = r->p + 1;
        while (q < r->end && *q >= '0' && *q <= '9' && n < (1ull << 40))
            n = n * 10 + (unsigned)(*q++ - '0');
        if (q < r->end && *q == '+')
            q++;
        if (q + 3 > r->end || q[0] != '}' || q[1] != '\r' || q[2] != '\n' ||
            n > (unsigned long long)(r->end - (q + 3))) {
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "malformed literal in the structure");
            return V_END;
        }
        v->s = q + 3;
        v->n = (size_t)n;
        r->p = v->s + n;
        return v->type = V_STRING;
    }
    const char *s = r->p;
    while (r->p < r->end && *r->p != ' ' && *r->p != '(' && *r->p != ')' && *r->p != '"' &&
           (unsigned char)*r->p > 0x1f)
        r->p++;
    if (r->p == s) {
        fail(r, ST_ERROR_PROTOCOL_VIOLATION, "unexpected character in the structure");
        return V_END;
    }
    v->s = s;
    v->n = (size_t)(r->p - s);
    if (v->n == 3 && mw_strncasecmp(s, "NIL", 3) == 0)
        return v->type = V_NIL;
    return v->type = V_ATOM;
}

/* Skip the rest of a list whose "(" has been read (nested lists included). */
static void skip_list(rd *r)
{
    unsigned depth = 1;
    val v;
    while (depth && !r->err) {
        int t = next(r, &v);
        if (t == V_END) {
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "unbalanced parentheses in the structure");
            return;
        }
        if (t == V_LIST)
            depth++;
        else if (t == V_CLOSE)
            depth--;
    }
}

/* Skip one value (a list entirely). */
static void skip_value(rd *r, const val *v)
{
    if (v->type == V_LIST)
        skip_list(r);
}

/* ---- output ------------------------------------------------------------------------------ */

/* Append a string value's text with CR, LF and other controls turned into spaces (a server's
 * text must not start header fields of its own) and quoted-string escapes undone. */
static void put_text(rd *r, const val *v)
{
    for (size_t i = 0; i < v->n; i++) {
        char c = v->s[i];
        if (v->quoted && c == '\\' && i + 1 < v->n)
            c = v->s[++i];
        if ((unsigned char)c < 0x20 || c == 0x7f)
            c = ' ';
        mw_buf_putc(r->out, c);
    }
}

/* The text as a quoted-string (parameter values, display names with specials). */
static void put_quoted(rd *r, const val *v)
{
    mw_buf_putc(r->out, '"');
    for (size_t i = 0; i < v->n; i++) {
        char c = v->s[i];
        if (v->quoted && c == '\\' && i + 1 < v->n)
            c = v->s[++i];
        if ((unsigned char)c < 0x20 || c == 0x7f)
            c = ' ';
        if (c == '"' || c == '\\')
            mw_buf_putc(r->out, '\\');
        mw_buf_putc(r->out, c);
    }
    mw_buf_putc(r->out, '"');
}

/* A display name: as it is when it is atoms (encoded words included, RFC 2047 section 5),
 * else as a quoted-string, so "Doe, John" stays one name. */
static void put_phrase(rd *r, const val *v)
{
    for (size_t i = 0; i < v->n; i++)
        if (strchr("()<>[]:;@\\,.\"", v->s[i]) || (unsigned char)v->s[i] < 0x20) {
            put_quoted(r, v);
            return;
        }
    put_text(r, v);
}

static int is_text(const val *v)
{
    return v->type == V_STRING || v->type == V_ATOM;
}

/* A parameter name is a token (RFC 2045 section 5.1): anything else is dropped. */
static int is_token(const val *v)
{
    if (!is_text(v) || v->n == 0 || v->n > 200)
        return 0;
    for (size_t i = 0; i < v->n; i++) {
        unsigned char c = (unsigned char)v->s[i];
        if (c <= 0x20 || c >= 0x7f || strchr("()<>@,;:\\\"/[]?=", c))
            return 0;
    }
    return 1;
}

/* "; name=value" for each pair of a body-fld-param (a list, or NIL). boundary: skip a
 * boundary parameter (the skeleton writes its own). */
static void put_params(rd *r, const val *list, int skip_boundary)
{
    if (list->type != V_LIST) {
        skip_value(r, list);
        return;
    }
    for (;;) {
        val k, v;
        int t = next(r, &k);
        if (t == V_CLOSE || t == V_END)
            break;
        if (next(r, &v) == V_CLOSE || v.type == V_END) {
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "a parameter without a value in the structure");
            return;
        }
        if (is_token(&k) && is_text(&v) &&
            !(skip_boundary && k.n == 8 && mw_strncasecmp(k.s, "boundary", 8) == 0)) {
            mw_buf_puts(r->out, "; ");
            mw_buf_put(r->out, k.s, k.n);
            mw_buf_putc(r->out, '=');
            put_quoted(r, &v);
        }
        skip_value(r, &k);
        skip_value(r, &v);
    }
}

/* "Name: value" CRLF for a string value (nothing for NIL). */
static void put_field(rd *r, const char *name, const val *v)
{
    if (!is_text(v) || v->n == 0) {
        skip_value(r, v);
        return;
    }
    mw_buf_puts(r->out, name);
    mw_buf_puts(r->out, ": ");
    put_text(r, v);
    mw_buf_puts(r->out, "\r\n");
}

/* body-fld-dsp: ( string body-fld-param ) / NIL, as Content-Disposition. */
static void put_disposition(rd *r, const val *v)
{
    if (v->type != V_LIST) {
        skip_value(r, v);
        return;
    }
    val type, params;
    next(r, &type);
    if (!is_text(&type)) {
        skip_value(r, &type);
        skip_list(r);
        return;
    }
    mw_buf_puts(r->out, "Content-Disposition: ");
    put_text(r, &type);
    next(r, &params);
    put_params(r, &params, 0);
    mw_buf_puts(r->out, "\r\n");
    val end;
    while (next(r, &end) != V_CLOSE && end.type != V_END)
        skip_value(r, &end);
}

/* body-fld-lang: a string or a list of strings, as Content-Language. */
static void put_language(rd *r, const val *v)
{
    if (is_text(v)) {
        put_field(r, "Content-Language", v);
        return;
    }
    if (v->type != V_LIST)
        return;
    int first = 1;
    val s;
    while (next(r, &s) != V_CLOSE && s.type != V_END) {
        if (is_text(&s)) {
            mw_buf_puts(r->out, first ? "Content-Language: " : ", ");
            put_text(r, &s);
            first = 0;
        }
        skip_value(r, &s);
    }
    if (!first)
        mw_buf_puts(r->out, "\r\n");
}

/* The extension data after the fields a part type defines: (md5 for single parts,)
 * disposition, language, location, then anything later is skipped. Reads to the ")". */
static void put_extensions(rd *r, int single)
{
    val v;
    int i = 0;
    while (next(r, &v) != V_CLOSE) {
        if (v.type == V_END) {
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "unterminated part in the structure");
            return;
        }
        int k = single ? i : i + 1; /* 0 md5, 1 disposition, 2 language, 3 location */
        if (k == 1)
            put_disposition(r, &v);
        else if (k == 2)
            put_language(r, &v);
        else if (k == 3)
            put_field(r, "Content-Location", &v);
        else
            skip_value(r, &v);
        i++;
    }
}

static void envelope_fields(rd *r);
static void body(rd *r, unsigned depth);

/* One address list of an ENVELOPE as a header value (RFC 9051 section 7.5.2, groups by a NIL
 * host). The list's "(" has been read. */
static void put_addresses(rd *r, const char *name, const val *list)
{
    if (list->type != V_LIST) {
        skip_value(r, list);
        return;
    }
    size_t mark = r->out->len;
    mw_buf_puts(r->out, name);
    mw_buf_puts(r->out, ": ");
    size_t start = r->out->len;
    int first = 1, in_group = 0;
    val a;
    while (next(r, &a) != V_CLOSE) {
        if (a.type != V_LIST) {
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "malformed address in the ENVELOPE");
            return;
        }
        val f[4];
        for (int i = 0; i < 4; i++)
            next(r, &f[i]);
        val end;
        if (next(r, &end) != V_CLOSE) {
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "malformed address in the ENVELOPE");
            return;
        }
        for (int i = 0; i < 4; i++)
            if (f[i].type == V_LIST) {
                fail(r, ST_ERROR_PROTOCOL_VIOLATION, "malformed address in the ENVELOPE");
                return;
            }
        const val *dn = &f[0], *mbox = &f[2], *host = &f[3];
        if (mbox->type == V_NIL && host->type == V_NIL) { /* end of group */
            if (in_group)
                mw_buf_putc(r->out, ';');
            in_group = 0;
            continue;
        }
        if (host->type == V_NIL && is_text(mbox)) { /* start of group "mbox:" */
            if (!first)
                mw_buf_puts(r->out, ", ");
            put_text(r, mbox);
            mw_buf_putc(r->out, ':');
            in_group = 1;
            first = 1;
            continue;
        }
        if (!is_text(mbox))
            continue;
        mw_buf_puts(r->out, first ? (in_group ? " " : "") : ", ");
        first = 0;
        if (is_text(dn) && dn->n) {
            put_phrase(r, dn);
            mw_buf_puts(r->out, " <");
        }
        put_text(r, mbox);
        if (is_text(host)) {
            mw_buf_putc(r->out, '@');
            put_text(r, host);
        }
        if (is_text(dn) && dn->n)
            mw_buf_putc(r->out, '>');
    }
    if (in_group)
        mw_buf_putc(r->out, ';');
    if (r->out->len == start)
        mw_buf_truncate(r->out, mark); /* an empty list: no field */
    else
        mw_buf_puts(r->out, "\r\n");
}

/* An ENVELOPE's ten members whose "(" has been read, as header fields. */
static void envelope_fields(rd *r)
{
    static const char *const names[10] = {"Date", "Subject", "From", "Sender",      "Reply-To",
                                          "To",   "Cc",      "Bcc",  "In-Reply-To", "Message-ID"};
    val v;
    for (int i = 0; i < 10; i++) {
        if (next(r, &v) == V_CLOSE || v.type == V_END) {
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "an ENVELOPE needs ten members");
            return;
        }
        if (i >= 2 && i <= 7)
            put_addresses(r, names[i], &v);
        else
            put_field(r, names[i], &v);
        if (r->err)
            return;
    }
    if (next(r, &v) != V_CLOSE)
        fail(r, ST_ERROR_PROTOCOL_VIOLATION, "an ENVELOPE has ten members");
}

/* A single part whose type v (a string) has been read. */
static void single(rd *r, const val *type, unsigned depth)
{
    val subtype, params, id, desc, enc, size;
    next(r, &subtype);
    next(r, &params);
    if (!is_text(type) || !is_text(&subtype)) {
        fail(r, ST_ERROR_PROTOCOL_VIOLATION, "a part without a media type in the structure");
        return;
    }
    int message = type->n == 7 && mw_strncasecmp(type->s, "MESSAGE", 7) == 0 &&
                  ((subtype.n == 6 && mw_strncasecmp(subtype.s, "RFC822", 6) == 0) ||
                   (subtype.n == 6 && mw_strncasecmp(subtype.s, "GLOBAL", 6) == 0));
    int text = type->n == 4 && mw_strncasecmp(type->s, "TEXT", 4) == 0;
    if (type->n && subtype.n) {
        mw_buf_puts(r->out, "Content-Type: ");
        put_text(r, type);
        mw_buf_putc(r->out, '/');
        put_text(r, &subtype);
        put_params(r, &params, 0);
        mw_buf_puts(r->out, "\r\n");
    } else {
        /* An empty type (a header the server could not read): the RFC 2045 section 5.2
         * default applies, as for the parser. */
        skip_value(r, &params);
    }
    next(r, &id);
    put_field(r, "Content-ID", &id);
    next(r, &desc);
    put_field(r, "Content-Description", &desc);
    next(r, &enc);
    put_field(r, "Content-Transfer-Encoding", &enc);
    next(r, &size);
    if (size.type != V_ATOM) {
        fail(r, ST_ERROR_PROTOCOL_VIOLATION, "a part without a size in the structure");
        return;
    }
    /* The encapsulated message's envelope and body come before the extensions; its header
     * section follows this part's, after the empty line (RFC 2046 section 5.2.1). */
    mw_buf out_inner;
    mw_buf_init(&out_inner, MW_IMAP_STRUCT_MAX_OUT, 0);
    if (message) {
        val env, b, lines;
        mw_buf *saved = r->out;
        r->out = &out_inner;
        if (next(r, &env) == V_LIST) {
            envelope_fields(r);
            if (!r->err && next(r, &b) == V_LIST)
                body(r, depth + 1);
        }
        r->out = saved;
        if (!r->err && (env.type != V_LIST || b.type != V_LIST))
            fail(r, ST_ERROR_PROTOCOL_VIOLATION, "a message/rfc822 part without its structure");
        if (r->err) {
            mw_buf_free(&out_inner);
            return;
        }
        next(r, &lines);
        if (lines.type == V_CLOSE) {
            mw_buf_puts(r->out, "\r\n");
            mw_buf_put(r->out, out_inner.p, out_inner.len);
            mw_buf_free(&out_inner);
            return;
        }
        skip_value(r, &lines);
    } else if (text) {
        val lines;
        if (next(r, &lines) == V_CLOSE) {
            mw_buf_puts(r->out, "\r\n");
            return;
        }
        skip_value(r, &lines);
    }
    /* The caller writes the empty line after the fields; the extensions belong before it. */
    put_extensions(r, 1);
    mw_buf_puts(r->out, "\r\n");
    if (message)
        mw_buf_put(r->out, out_inner.p, out_inner.len);
    mw_buf_free(&out_inner);
}

/* A body whose "(" has been read: its header fields, the empty line, and (multipart) its
 * parts between boundaries. */
static void body(rd *r, unsigned depth)
{
    if (depth >= MIME_MAX_DEPTH) {
        fail(r, ST_ERROR_LIMIT_EXCEEDED, "parts nested deeper than MIME_MAX_DEPTH");
        return;
    }
    if (++r->parts > MIME_MAX_PARTS) {
        fail(r, ST_ERROR_LIMIT_EXCEEDED, "more parts than MIME_MAX_PARTS");
        return;
    }
    val v;
    if (next(r, &v) != V_LIST) {
        if (v.type == V_STRING || v.type == V_ATOM) {
            single(r, &v, depth);
            return;
        }
        fail(r, ST_ERROR_PROTOCOL_VIOLATION, "malformed body in the structure");
        return;
    }
    /* multipart: 1*body SP subtype [SP body-ext-mpart] */
    mw_buf kids;
    mw_buf_init(&kids, MW_IMAP_STRUCT_MAX_OUT, 0);
    mw_buf *saved = r->out;
    char boundary[48];
    snprintf(boundary, sizeof boundary, "=_mw_imap_structure_%u", r->boundary++);
    r->out = &kids;
    do {
        mw_buf_printf(&kids, "--%s\r\n", boundary);
        body(r, depth + 1);
        if (r->err) {
            r->out = saved;
            mw_buf_free(&kids);
            return;
        }
    } while (next(r, &v) == V_LIST);
    mw_buf_printf(&kids, "--%s--\r\n", boundary);
    r->out = saved;
    if (!is_text(&v)) {
        mw_buf_free(&kids);
        fail(r, ST_ERROR_PROTOCOL_VIOLATION, "a multipart without a subtype in the structure");
        return;
    }
    mw_buf_puts(r->out, "Content-Type: multipart/");
    put_text(r, &v);
    mw_buf_printf(r->out, "; boundary=\"%s\"", boundary);
    val params;
    if (next(r, &params) == V_CLOSE) {
        mw_buf_puts(r->out, "\r\n\r\n");
    } else {
        put_params(r, &params, 1);
        mw_buf_puts(r->out, "\r\n");
        put_extensions(r, 0);
        mw_buf_puts(r->out, "\r\n");
    }
    mw_buf_put(r->out, kids.p, kids.len);
    if (kids.failed)
        fail(r, ST_ERROR_LIMIT_EXCEEDED, "the structure is too large");
    mw_buf_free(&kids);
}

unsigned mw_imap_structure_text(const char *envelope, const char *bodystructure, mw_buf *out,
                                char *why, size_t why_size)
{
    rd r;
    memset(&r, 0, sizeof r);
    r.why = why;
    r.why_size = why_size;
    r.out = out;
    val v;
    if (envelope && *envelope) {
        r.p = envelope;
        r.end = envelope + strlen(envelope);
        if (next(&r, &v) != V_LIST)
            return fail(&r, ST_ERROR_PROTOCOL_VIOLATION, "the ENVELOPE is not a list");
        envelope_fields(&r);
        if (!r.err && next(&r, &v) != V_END)
            fail(&r, ST_ERROR_PROTOCOL_VIOLATION, "text after the ENVELOPE");
        if (r.err)
            return r.err;
    }
    mw_buf_puts(out, "MIME-Version: 1.0\r\n");
    if (!bodystructure)
        return fail(&r, ST_ERROR_PROTOCOL_VIOLATION, "no BODYSTRUCTURE");
    r.p = bodystructure;
    r.end = bodystructure + strlen(bodystructure);
    if (next(&r, &v) != V_LIST)
        return fail(&r, ST_ERROR_PROTOCOL_VIOLATION, "the BODYSTRUCTURE is not a list");
    body(&r, 0);
    if (!r.err && next(&r, &v) != V_END)
        fail(&r, ST_ERROR_PROTOCOL_VIOLATION, "text after the BODYSTRUCTURE");
    if (!r.err && out->failed)
        fail(&r, ST_ERROR_LIMIT_EXCEEDED, "the structure is too large");
    return r.err;
}
