/* RFC 5322 address lists as users write them; see address.h.
 *
 * The list is checked as a whole first (CR, LF, malformed UTF-8), then split into items at
 * top-level commas and semicolons (outside quoted strings, comments, angle brackets and
 * domain literals), and each item is parsed as "phrase <addr-spec>", "<addr-spec>" or a bare
 * addr-spec, comments ignored (RFC 5322 sections 3.2.2, 3.4). The addr-spec must be one an
 * SMTP envelope can carry (RFC 5321 sections 4.1.2 and 4.5.3.1).
 *
 * Group syntax ("undisclosed-recipients:;", RFC 5322 section 3.4) is refused: the parser
 * reports mailboxes only, a group name could not be carried to the headers, and a stray ':'
 * would otherwise silently change whom a message goes to. The parser allocates nothing; the
 * vector and single-address helpers at the end copy what it reports. */
#include "address.h"

#include <mailwire/common.h>

#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/str.h"
#include "utf8.h"

/* RFC 5321 section 4.5.3.1.1 (local part) and 4.5.3.1.3 (a path of 256 octets including
 * the angle brackets leaves 254 for the address). */
#define LOCAL_MAX 64
#define ADDR_MAX 254

typedef struct parse_ctx {
    const char *list;
    char *detail;
    size_t detail_size;
} parse_ctx;

static unsigned fail(parse_ctx *c, const char *what, const char *at)
{
    if (c->detail)
        mw_detail_printf(c->detail, c->detail_size, "%s in address list at offset %zu", what,
                         (size_t)(at - c->list));
    return ST_ERROR_INVALID_ARGUMENT;
}

static int is_wsp(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* End of the quoted string starting at p ('"'), pointing after the closing quote; NULL when it
 * is not closed before end. Quoted pairs (RFC 5322 section 3.2.1) escape any character. */
static const char *skip_quoted(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\') {
            if (++p >= end)
                return NULL;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

/* End of the (possibly nested) comment starting at p ('('); NULL when unbalanced. */
static const char *skip_comment(const char *p, const char *end)
{
    size_t depth = 0;
    for (; p < end; p++) {
        if (*p == '\\') {
            if (++p >= end)
                return NULL;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            if (--depth == 0)
                return p + 1;
        }
    }
    return NULL;
}

/* Skip white space and comments (CFWS) forward from p; NULL when a comment does not close
 * before end (never trusted to have been checked elsewhere: the fuzzer found a path where
 * it had not). */
static const char *skip_cfws(const char *p, const char *end)
{
    while (p && p < end) {
        if (is_wsp(*p))
            p++;
        else if (*p == '(')
            p = skip_comment(p, end);
        else
            break;
    }
    return p;
}

/* Trim white space and trailing comments from the end of [p, end). Comments were checked
 * balanced, so a ')' at the end closes a comment that starts somewhere after p. */
static const char *trim_cfws_end(const char *p, const char *end)
{
    for (;;) {
        while (end > p && is_wsp(end[-1]))
            end--;
        if (end == p || end[-1] != ')')
            return end;
        /* Find the comment's start by scanning forward (the forward scan knows quoting). */
        const char *q = p, *start = NULL;
        while (q < end) {
            if (*q == '"') {
                q = skip_quoted(q, end);
                if (!q)
                    return end;
            } else if (*q == '(') {
                const char *e = skip_comment(q, end);
                if (!e)
                    return end;
                if (e == end)
                    start = q;
                q = e;
            } else {
                q++;
            }
        }
        if (!start)
            return end;
        end = start;
    }
}

/* Find the end of the item starting at p: the next top-level ',' or ';', or the end of the
 * list. Reports unbalanced quotes, comments and brackets. */
static unsigned item_end(parse_ctx *c, const char *p, const char *end, const char **out)
{
    const char *angle = NULL, *square = NULL;
    for (; p < end; p++) {
        switch (*p) {
        case '"': {
            const char *e = skip_quoted(p, end);
            if (!e)
                return fail(c, "unbalanced quote", p);
            p = e - 1;
            break;
        }
        case '(': {
            const char *e = skip_comment(p, end);
            if (!e)
                return fail(c, "unbalanced comment", p);
            p = e - 1;
            break;
        }
        case ')':
            return fail(c, "unbalanced ')'", p);
        case '\\':
            return fail(c, "backslash outside a quoted string", p);
        case '<':
            if (angle)
                return fail(c, "nested '<'", p);
            angle = p;
            break;
        case '>':
            if (!angle)
                return fail(c, "unbalanced '>'", p);
            angle = NULL;
            break;
        case '[':
            if (square)
                return fail(c, "nested '['", p);
            square = p;
            break;
        case ']':
            if (!square)
                return fail(c, "unbalanced ']'", p);
            square = NULL;
            break;
        case ',':
        case ';':
            if (!angle && !square) {
                *out = p;
                return 0;
            }
            break;
        default:
            break;
        }
    }
    if (angle)
        return fail(c, "unbalanced '<'", angle);
    if (square)
        return fail(c, "unbalanced '['", square);
    *out = p;
    return 0;
}

static int is_special(char ch)
{
    return strchr("()<>[]:;,\\\"@", ch) != NULL;
}

/* Check an addr-spec [p, end) (RFC 5321 section 4.1.2 Mailbox; RFC 6531 allows UTF-8). */
static unsigned check_addr(parse_ctx *c, const char *p, const char *end)
{
    if (p == end)
        return fail(c, "empty address", p);
    const char *local_end;
    if (*p == '"') {
        local_end = skip_quoted(p, end);
        if (!local_end)
            return fail(c, "unbalanced quote", p);
        /* qtextSMTP and quoted-pairSMTP (RFC 5321 section 4.1.2): printable and space only. */
        for (const char *q = p; q < local_end; q++)
            if ((unsigned char)*q < 0x20 || *q == 0x7f)
                return fail(c, "control character in address", q);
        if (local_end < end && *local_end != '@')
            return fail(c, "text after a quoted local part", local_end);
    } else {
        local_end = p;
        while (local_end < end && *local_end != '@')
            local_end++;
        for (const char *q = p; q < local_end; q++) {
            unsigned char ch = (unsigned char)*q;
            if (ch == ' ' || ch == '\t')
                return fail(c, "white space in address", q);
            if (ch < 0x20 || ch == 0x7f)
                return fail(c, "control character in address", q);
            if (is_special(*q))
                return fail(c, "unexpected character in address", q);
        }
    }
    if (local_end == p)
        return fail(c, "empty local part", p);
    if ((size_t)(local_end - p) > LOCAL_MAX)
        return fail(c, "local part longer than 64 octets", p);
    if ((size_t)(end - p) > ADDR_MAX)
        return fail(c, "address longer than 254 octets", p);
    if (local_end == end)
        return 0; /* a bare local part, e.g. "postmaster" */
    const char *d = local_end + 1;
    if (d == end)
        return fail(c, "empty domain", local_end);
    if (*d == '[') {
        /* Address literal (RFC 5321 section 4.1.3): an IPv4 address, "IPv6:" and an IPv6
         * address, or a standardized tag (an Ldh-str) ":" and content. Every form in use is
         * letters, digits, '.', ':' and '-'; anything else ('<', ',', quotes...) is refused
         * rather than carried into an envelope where it could be read differently. */
        if (end[-1] != ']' || end - d < 3)
            return fail(c, "malformed domain literal", d);
        for (const char *q = d + 1; q < end - 1; q++) {
            unsigned char ch = (unsigned char)*q;
            if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= 'A' && ch <= 'Z') || ch == '.' || ch == ':' || ch == '-'))
                return fail(c, "unexpected character in domain literal", q);
        }
        return 0;
    }
    for (const char *q = d; q < end; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch == ' ' || ch == '\t')
            return fail(c, "white space in address", q);
        if (ch < 0x20 || ch == 0x7f)
            return fail(c, "control character in address", q);
        if (is_special(*q))
            return fail(c, "unexpected character in address", q);
    }
    return 0;
}

/* At a quote or comment opening at *q: move *q past it, or fail when it does not close
 * before end. Both loops of parse_item() skip exactly as item_end() does through this. */
static unsigned skip_checked(parse_ctx *c, const char **q, const char *end)
{
    const char *e = **q == '"' ? skip_quoted(*q, end) : skip_comment(*q, end);
    if (!e)
        return fail(c, **q == '"' ? "unbalanced quote" : "unbalanced comment", *q);
    *q = e;
    return 0;
}

/* Parse one non-empty item [p, end) (leading/trailing CFWS already removed). */
static unsigned parse_item(parse_ctx *c, const char *p, const char *end, mw_addr *a)
{
    memset(a, 0, sizeof(*a));
    /* Top-level '<' marks an angle-addr; a top-level ':' group syntax, which is refused (see
     * the file comment). Quotes and comments are skipped as item_end() skips them, also
     * inside "[...]" (a different rule here once let a quote end past the item). */
    const char *lt = NULL;
    int square = 0;
    for (const char *q = p; q < end && !lt;) {
        if (*q == '"' || *q == '(') {
            unsigned err = skip_checked(c, &q, end);
            if (err)
                return err;
            continue;
        }
        if (*q == '[')
            square = 1;
        else if (*q == ']')
            square = 0;
        else if (!square && *q == '<') /* in a domain literal '<' and ':' are plain */
            lt = q;
        else if (!square && *q == ':')
            return fail(c, "group syntax (':') not supported", q);
        q++;
    }
    if (!lt) {
        /* Bare addr-spec; a comment inside it is not allowed (it would hide white space). */
        for (const char *q = p; q < end;) {
            if (*q == '(')
                return fail(c, "comment inside an address", q);
            if (*q != '"') {
                q++;
                continue;
            }
            unsigned err = skip_checked(c, &q, end);
            if (err)
                return err;
        }
        a->addr = p;
        a->addr_len = (size_t)(end - p);
        return check_addr(c, p, end);
    }
    const char *gt = lt + 1;
    while (gt < end && *gt != '>') {
        if (*gt == '"' || *gt == '(') { /* a comment may hold '"' or '>' as well */
            unsigned err = skip_checked(c, &gt, end);
            if (err)
                return err;
        } else {
            gt++;
        }
    }
    if (gt >= end)
        return fail(c, "unbalanced '<'", lt);
    const char *after = skip_cfws(gt + 1, end);
    if (!after)
        return fail(c, "unbalanced comment", gt + 1);
    if (after != end)
        return fail(c, "unexpected text after '>'", after);
    const char *as = lt + 1, *ae = gt;
    while (as < ae && is_wsp(*as))
        as++;
    while (ae > as && is_wsp(ae[-1]))
        ae--;
    a->addr = as;
    a->addr_len = (size_t)(ae - as);
    unsigned err = check_addr(c, as, ae);
    if (err)
        return err;
    const char *de = trim_cfws_end(p, lt);
    if (de > p) {
        if (*p == '"' && skip_quoted(p, de) == de) {
            a->display = p + 1;
            a->display_len = (size_t)(de - p - 2);
            a->display_quoted = 1;
        } else {
            a->display = p;
            a->display_len = (size_t)(de - p);
        }
    }
    return 0;
}

unsigned mw_addr_list_parse(const char *list, unsigned (*fn)(void *user, const mw_addr *a),
                            void *user, char *detail, size_t detail_size)
{
    parse_ctx c = {list, detail, detail_size};
    if (detail && detail_size > 0)
        detail[0] = 0;
    if (!list) {
        if (detail && detail_size > 0)
            mw_strlcpy(detail, "address list is NULL", detail_size);
        return ST_ERROR_INVALID_ARGUMENT;
    }
    size_t len = strlen(list);
    for (size_t i = 0; i < len; i++) {
        if (list[i] == '\r')
            return fail(&c, "CR", list + i);
        if (list[i] == '\n')
            return fail(&c, "LF", list + i);
    }
    size_t bad = mw_utf8_check(list, len);
    if (bad != len)
        return fail(&c, "malformed UTF-8", list + bad);
    const char *p = list;
    for (;;) {
        const char *e;
        unsigned err = item_end(&c, p, list + len, &e);
        if (err)
            return err;
        const char *s = skip_cfws(p, e);
        if (!s)
            return fail(&c, "unbalanced comment", p);
        const char *t = trim_cfws_end(s, e);
        if (s < t) {
            mw_addr a;
            err = parse_item(&c, s, t, &a);
            if (err)
                return err;
            if (fn && (err = fn(user, &a)) != 0)
                return err;
        }
        if (!*e)
            return 0;
        p = e + 1;
    }
}

/* ---- copies of what the parser reports ---- */

unsigned mw_addr_vec_add(mw_addr_vec *v, const char *addr, size_t len)
{
    char **nv = mw_grow(v->v, &v->cap, v->n + 1, sizeof *v->v);
    if (!nv)
        return ST_ERROR_OUT_OF_MEMORY;
    v->v = nv;
    char *s = mw_strndup(addr, len);
    if (!s)
        return ST_ERROR_OUT_OF_MEMORY;
    v->v[v->n++] = s;
    return ST_ERROR_NONE;
}

void mw_addr_vec_free(mw_addr_vec *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->v[i]);
    free(v->v);
    memset(v, 0, sizeof *v);
}

static unsigned vec_take(void *user, const mw_addr *a)
{
    return mw_addr_vec_add(user, a->addr, a->addr_len);
}

static unsigned out_of_memory(char *detail, size_t detail_size)
{
    if (detail && detail_size > 0)
        mw_strlcpy(detail, "out of memory", detail_size);
    return ST_ERROR_OUT_OF_MEMORY;
}

unsigned mw_addr_vec_parse(const char *list, mw_addr_vec *out, char *detail, size_t detail_size)
{
    memset(out, 0, sizeof *out);
    unsigned err = mw_addr_list_parse(list, vec_take, out, detail, detail_size);
    if (err) {
        mw_addr_vec_free(out);
        if (err == ST_ERROR_OUT_OF_MEMORY)
            out_of_memory(detail, detail_size);
    }
    return err;
}

typedef struct first_ctx {
    size_t count;
    mw_addr first; /* points into the list being parsed */
} first_ctx;

static unsigned keep_first(void *user, const mw_addr *a)
{
    first_ctx *f = user;
    if (f->count++ == 0)
        f->first = *a;
    return 0;
}

unsigned mw_addr_parse_one(const char *in, int allow_null, char **out, char *detail,
                           size_t detail_size)
{
    *out = NULL;
    if (!in) {
        if (detail && detail_size > 0)
            mw_strlcpy(detail, "address is NULL", detail_size);
        return ST_ERROR_INVALID_ARGUMENT;
    }
    if (allow_null && (!*in || strcmp(in, "<>") == 0)) {
        if (detail && detail_size > 0)
            detail[0] = 0;
        *out = mw_strndup("", 0);
        return *out ? ST_ERROR_NONE : out_of_memory(detail, detail_size);
    }
    first_ctx f = {0, {NULL, 0, 0, NULL, 0}};
    unsigned err = mw_addr_list_parse(in, keep_first, &f, detail, detail_size);
    if (err)
        return err;
    if (f.count != 1) {
        if (detail)
            mw_detail_printf(detail, detail_size, "exactly one address expected, found %zu",
                             f.count);
        return ST_ERROR_INVALID_ARGUMENT;
    }
    *out = mw_strndup(f.first.addr, f.first.addr_len);
    return *out ? ST_ERROR_NONE : out_of_memory(detail, detail_size);
}

static unsigned count_one(void *user, const mw_addr *a)
{
    (void)a;
    ++*(long *)user;
    return 0;
}

long mw_addr_list_count(const char *list)
{
    long n = 0;
    if (mw_addr_list_parse(list, count_one, &n, NULL, 0) != 0)
        return -1;
    return n;
}

int mw_addr_is_utf8(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 1;
    return 0;
}
