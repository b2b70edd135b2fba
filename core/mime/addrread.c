/* Address fields as received; see addrread.h. */
#include "addrread.h"

#include <stdlib.h>
#include <string.h>

#include "../util/str.h"
#include "hdrdec.h"

enum { T_WS, T_COMMENT, T_QUOTED, T_ATOM, T_SPECIAL, T_LITERAL };

typedef struct tok {
    int type;
    const char *p;
    size_t n;
} tok;

typedef struct toks {
    tok *v;
    size_t n, cap;
} toks;

static int is_special(char c)
{
    return strchr("()<>@,:;.\"[]", c) != NULL && c != 0;
}

static void add(toks *t, int type, const char *p, size_t n)
{
    tok *v = mw_grow(t->v, &t->cap, t->n + 1, sizeof *v);
    if (!v)
        return;
    t->v = v;
    t->v[t->n].type = type;
    t->v[t->n].p = p;
    t->v[t->n].n = n;
    t->n++;
}

static void lex(const char *s, size_t n, toks *t)
{
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        size_t j = i + 1;
        if (c == ' ' || c == '\t') {
            while (j < n && (s[j] == ' ' || s[j] == '\t'))
                j++;
            add(t, T_WS, s + i, j - i);
        } else if (c == '(') {
            int depth = 1;
            while (j < n && depth) {
                if (s[j] == '\\')
                    j++;
                else if (s[j] == '(')
                    depth++;
                else if (s[j] == ')')
                    depth--;
                j++;
            }
            if (j > n)
                j = n;
            add(t, T_COMMENT, s + i, j - i);
        } else if (c == '"') {
            while (j < n && s[j] != '"')
                j += s[j] == '\\' ? 2 : 1;
            if (j > n)
                j = n;
            add(t, T_QUOTED, s + i + 1, j - i - 1);
            if (j < n)
                j++;
        } else if (c == '[') {
            while (j < n && s[j] != ']')
                j += s[j] == '\\' ? 2 : 1;
            if (j > n)
                j = n;
            if (j < n)
                j++;
            add(t, T_LITERAL, s + i, j - i);
        } else if (is_special(c)) {
            add(t, T_SPECIAL, s + i, 1);
        } else {
            while (j < n && !is_special(s[j]) && s[j] != ' ' && s[j] != '\t')
                j++;
            /* An encoded word may hold specials (in Q text) and white space. */
            if (c == '=' && i + 1 < n && s[i + 1] == '?') {
                size_t w = mw_ew_span(s + i, n - i);
                mw_buf tmp;
                mw_buf_init(&tmp, 0, 0);
                if (w > j - i && mw_ew_decode(s + i, w, &tmp) == 0)
                    j = i + w;
                mw_buf_free(&tmp);
            }
            add(t, T_ATOM, s + i, j - i);
        }
        i = j;
    }
}

/* Quoted content: escapes resolved, encoded words at the start of chunks decoded. */
static void quoted_text(const char *s, size_t n, mw_buf *out)
{
    size_t i = 0;
    int last_ew = 0;
    size_t ws_at = 0, ws_n = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t') {
            ws_at = out->len;
            ws_n = 0;
            while (i < n && (s[i] == ' ' || s[i] == '\t'))
                mw_buf_putc(out, s[i++]), ws_n++;
            continue;
        }
        size_t w = (s[i] == '=' && i + 1 < n && s[i + 1] == '?') ? mw_ew_span(s + i, n - i) : 0;
        if (w) {
            size_t at = out->len;
            if (mw_ew_decode(s + i, w, out) == 0) {
                if (last_ew && ws_n && ws_at + ws_n == at) {
                    memmove(out->p + ws_at, out->p + at, out->len - at);
                    out->len -= ws_n;
                }
                i += w;
                last_ew = 1;
                ws_n = 0;
                continue;
            }
        }
        size_t j = i;
        mw_buf raw;
        mw_buf_init(&raw, 0, 0);
        while (j < n && s[j] != ' ' && s[j] != '\t') {
            if (s[j] == '\\' && j + 1 < n)
                j++;
            mw_buf_putc(&raw, s[j++]);
        }
        mw_hdr_put_8bit(mw_buf_str(&raw), raw.len, out);
        mw_buf_free(&raw);
        i = j;
        last_ew = 0;
        ws_n = 0;
    }
}

/* A display name from tokens [a, b): words, one space for each run of white space and
 * comments, none at the ends, none between two encoded words. */
static void phrase(const tok *v, size_t a, size_t b, mw_buf *out)
{
    int pending_sp = 0, last_ew = 0;
    for (size_t i = a; i < b; i++) {
        const tok *t = &v[i];
        if (t->type == T_WS || t->type == T_COMMENT) {
            pending_sp = out->len > 0;
            continue;
        }
        int ew = 0;
        mw_buf w;
        mw_buf_init(&w, 0, 0);
        if (t->type == T_QUOTED) {
            quoted_text(t->p, t->n, &w);
        } else if (t->type == T_ATOM && t->n > 1 && t->p[0] == '=' && t->p[1] == '?' &&
                   mw_ew_span(t->p, t->n) == t->n && mw_ew_decode(t->p, t->n, &w) == 0) {
            ew = 1;
        } else {
            mw_hdr_put_8bit(t->p, t->n, &w);
        }
        if (pending_sp && !(ew && last_ew))
            mw_buf_putc(out, ' ');
        pending_sp = 0;
        mw_buf_put(out, mw_buf_str(&w), w.len);
        mw_buf_free(&w);
        last_ew = ew;
    }
}

/* An addr-spec from tokens [a, b): local part unquoted (quoted again when it needs it),
 * domain without white space and comments. */
static void addr_spec(const tok *v, size_t a, size_t b, mw_buf *out)
{
    size_t at = b;
    for (size_t i = a; i < b; i++)
        if (v[i].type == T_SPECIAL && v[i].p[0] == '@')
            at = i;
    mw_buf local;
    mw_buf_init(&local, 0, 0);
    for (size_t i = a; i < at; i++) {
        if (v[i].type == T_WS || v[i].type == T_COMMENT)
            continue;
        if (v[i].type == T_QUOTED) {
            for (size_t k = 0; k < v[i].n; k++) {
                if (v[i].p[k] == '\\' && k + 1 < v[i].n)
                    k++;
                mw_buf_putc(&local, v[i].p[k]);
            }
        } else {
            mw_buf_put(&local, v[i].p, v[i].n);
        }
    }
    const char *l = mw_buf_str(&local);
    int quote = 0;
    for (size_t k = 0; k < local.len; k++)
        if ((strchr("()<>@,:;\"[] \t", l[k]) && l[k]) ||
            (l[k] == '=' && k + 1 < local.len && l[k + 1] == '?'))
            quote = 1; /* "=?" too: bare, it could start an encoded word spanning what follows */
    if (quote) {
        /* Quoted, then judged for 8-bit octets like the unquoted form (the quotes and
         * escapes are ASCII): raw octets never reach the caller as invalid UTF-8. */
        mw_buf q;
        mw_buf_init(&q, 0, 0);
        mw_buf_putc(&q, '"');
        for (size_t k = 0; k < local.len; k++) {
            if (l[k] == '"' || l[k] == '\\')
                mw_buf_putc(&q, '\\');
            mw_buf_putc(&q, l[k]);
        }
        mw_buf_putc(&q, '"');
        mw_hdr_put_8bit(mw_buf_str(&q), q.len, out);
        mw_buf_free(&q);
    } else {
        mw_hdr_put_8bit(l, local.len, out);
    }
    size_t before = out->len;
    if (at < b) {
        /* The domain (RFC 5322 section 3.4.1: dot-atom or domain literal) ends at the first
         * token no domain can hold: a special other than '.', or a quoted string. Kept, such
         * text (a ',' inside "<a@x,y>") went out again by mw_addr_render() where it reads
         * as another mailbox. */
        mw_buf_putc(out, '@');
        int word = 0; /* the last token kept was a word (atom or literal), not a '.' */
        for (size_t i = at + 1; i < b; i++) {
            if (v[i].type == T_QUOTED || (v[i].type == T_SPECIAL && v[i].p[0] != '.'))
                break;
            if (v[i].type == T_WS || v[i].type == T_COMMENT)
                continue;
            /* Two words with only white space between are no domain either (RFC 5322 section
             * 4.4: obs-domain is atoms joined by '.'); joined, "x= ?q?" became "x=?q?", the
             * start of an encoded word that swallowed the ',' after it on the next read. */
            int is_word = v[i].type != T_SPECIAL;
            if (is_word && word)
                break;
            word = is_word;
            mw_hdr_put_8bit(v[i].p, v[i].n, out);
        }
    }
    if (out->len == 0 || (local.len == 0 && out->len == before && at >= b))
        mw_buf_puts(out, "<>");
    mw_buf_free(&local);
}

static size_t find(const tok *v, size_t a, size_t b, char c)
{
    for (size_t i = a; i < b; i++)
        if (v[i].type == T_SPECIAL && v[i].p[0] == c)
            return i;
    return b;
}

static int only_cfws(const tok *v, size_t a, size_t b)
{
    for (size_t i = a; i < b; i++)
        if (v[i].type != T_WS && v[i].type != T_COMMENT)
            return 0;
    return 1;
}

static int mailbox(const tok *v, size_t a, size_t b, mw_addr_read_fn fn, void *user,
                   const char *group)
{
    if (only_cfws(v, a, b))
        return 0;
    mw_buf name, addr;
    mw_buf_init(&name, 0, 0);
    mw_buf_init(&addr, 0, 0);
    size_t lt = find(v, a, b, '<');
    if (lt < b) {
        size_t gt = find(v, lt, b, '>');
        phrase(v, a, lt, &name);
        size_t s = lt + 1;
        size_t colon = find(v, s, gt, ':');
        if (colon < gt && s < gt && v[s].type == T_SPECIAL && v[s].p[0] == '@')
            s = colon + 1; /* obsolete route (RFC 5322 section 4.4) */
        addr_spec(v, s, gt, &addr);
    } else {
        addr_spec(v, a, b, &addr);
    }
    int r = fn(user, mw_buf_str(&name), mw_buf_str(&addr), group);
    mw_buf_free(&name);
    mw_buf_free(&addr);
    return r;
}

int mw_addr_read(const char *s, size_t n, mw_addr_read_fn fn, void *user)
{
    toks t = {NULL, 0, 0};
    lex(s, n, &t);
    int r = 0;
    size_t i = 0;
    while (i < t.n && !r) {
        /* An item ends at a top-level ',' (outside <...>); a ':' before any '<' opens a
         * group, which ends at ';'. */
        size_t j = i;
        int angle = 0;
        size_t colon = t.n;
        while (j < t.n) {
            if (t.v[j].type == T_SPECIAL) {
                char c = t.v[j].p[0];
                if (c == '<')
                    angle = 1;
                else if (c == '>')
                    angle = 0;
                else if (c == ':' && !angle && colon == t.n)
                    colon = j;
                else if (c == ',' && !angle && colon == t.n)
                    break;
                else if (c == ';' && colon < t.n)
                    break;
            }
            j++;
        }
        if (colon < j) {
            mw_buf g;
            mw_buf_init(&g, 0, 0);
            phrase(t.v, i, colon, &g);
            size_t k = colon + 1;
            while (k < j && !r) {
                size_t e = k;
                int ang = 0;
                while (e < j && !(t.v[e].type == T_SPECIAL && t.v[e].p[0] == ',' && !ang)) {
                    if (t.v[e].type == T_SPECIAL && t.v[e].p[0] == '<')
                        ang = 1;
                    if (t.v[e].type == T_SPECIAL && t.v[e].p[0] == '>')
                        ang = 0;
                    e++;
                }
                r = mailbox(t.v, k, e, fn, user, mw_buf_str(&g));
                k = e + 1;
            }
            if (!r)
                r = fn(user, NULL, NULL, mw_buf_str(&g)); /* end of group marker */
            mw_buf_free(&g);
        } else {
            r = mailbox(t.v, i, j, fn, user, NULL);
        }
        i = j + 1;
    }
    free(t.v);
    return r;
}

typedef struct render_ctx {
    mw_buf *out;
    int in_group, group_count, items;
} render_ctx;

static int has_specials(const char *s)
{
    for (; *s; s++)
        if (strchr("()<>@,:;.\"[]", *s) || (s[0] == '=' && s[1] == '?'))
            return 1; /* "=?": bare, an encoded word could reach over what follows */
    return 0;
}

static void put_quoted_if(mw_buf *out, const char *s)
{
    if (!has_specials(s)) {
        mw_buf_puts(out, s);
        return;
    }
    mw_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            mw_buf_putc(out, '\\');
        mw_buf_putc(out, *s);
    }
    mw_buf_putc(out, '"');
}

static int on_render(void *user, const char *name, const char *addr, const char *group)
{
    render_ctx *c = user;
    if (group && !c->in_group) {
        if (c->items++)
            mw_buf_puts(c->out, ", ");
        put_quoted_if(c->out, group);
        mw_buf_putc(c->out, ':');
        c->in_group = 1;
        c->group_count = 0;
    }
    if (!addr) { /* end of group */
        mw_buf_putc(c->out, ';');
        c->in_group = 0;
        return 0;
    }
    if (group)
        mw_buf_puts(c->out, c->group_count++ ? ", " : " ");
    else if (c->items++)
        mw_buf_puts(c->out, ", ");
    if (*name) {
        put_quoted_if(c->out, name);
        mw_buf_puts(c->out, " <");
        mw_buf_puts(c->out, strcmp(addr, "<>") == 0 ? "" : addr);
        mw_buf_putc(c->out, '>');
    } else {
        mw_buf_puts(c->out, addr);
    }
    return 0;
}

void mw_addr_render(const char *s, size_t n, mw_buf *out)
{
    render_ctx c = {out, 0, 0, 0};
    mw_addr_read(s, n, on_render, &c);
}
