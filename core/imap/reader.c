/* IMAP response reader; see reader.h. */
#include "reader.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/buf.h"
#include "../util/str.h"

void mw_imap_reader_init(mw_imap_reader *r, const mw_imap_limits *lim)
{
    memset(r, 0, sizeof *r);
    r->lim = *lim;
    mw_line_init(&r->la, lim->line, 0);
}

void mw_imap_reader_free(mw_imap_reader *r)
{
    mw_line_free(&r->la);
    free(r->buf);
    free(r->toks);
    memset(r, 0, sizeof *r);
}

void mw_imap_reader_reset(mw_imap_reader *r)
{
    mw_line_reset(&r->la);
    r->len = r->ntok = 0;
    r->depth = 0;
    r->kind = IMAP_RESP_NONE;
    r->lit_active = 0;
    r->lit_left = 0;
    r->srch = r->srch_paren = r->srch_cr = 0;
    r->srch_digits = 0;
    r->srch_num = 0;
    r->nids = 0;
    r->vs.active = 0;
    r->vs.n = 0;
    r->failed = 0;
    r->err = 0;
    r->detail[0] = 0;
}

static size_t fail(mw_imap_reader *r, int *ev, unsigned err, const char *fmt, ...) MW_PRINTF(4, 5);

static size_t fail(mw_imap_reader *r, int *ev, unsigned err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_detail_vprintf(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    r->err = err;
    r->failed = 1;
    *ev = IMAP_RD_ERROR;
    return 0;
}

/* Memory held for the current response, checked against the limit before every growth. */
static int fits(const mw_imap_reader *r, size_t more_bytes, size_t more_toks)
{
    size_t have = r->len + r->ntok * sizeof(mw_imap_tok);
    size_t add = more_bytes + more_toks * sizeof(mw_imap_tok);
    return add <= r->lim.response_mem && have <= r->lim.response_mem - add;
}

static int buf_append(mw_imap_reader *r, const char *p, size_t n)
{
    char *nb = mw_grow(r->buf, &r->cap, r->len + n, 1);
    if (!nb)
        return -1;
    r->buf = nb;
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    return 0;
}

/* 0, or an error code (limit, memory). */
static unsigned push_tok(mw_imap_reader *r, int type, size_t off, uint64_t len)
{
    if (!fits(r, 0, 1))
        return ST_ERROR_LIMIT_EXCEEDED;
    mw_imap_tok *nt = mw_grow(r->toks, &r->captok, r->ntok + 1, sizeof *nt);
    if (!nt)
        return ST_ERROR_OUT_OF_MEMORY;
    r->toks = nt;
    r->toks[r->ntok].type = type;
    r->toks[r->ntok].literal = 0;
    r->toks[r->ntok].off = off;
    r->toks[r->ntok].len = len;
    r->ntok++;
    return 0;
}

int mw_imap_parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 19)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int is_cond(const char *w, size_t n, int *cond)
{
    static const struct {
        const char *name;
        int cond;
    } conds[] = {{"OK", IMAP_OK},
                 {"NO", IMAP_NO},
                 {"BAD", IMAP_BAD},
                 {"BYE", IMAP_BYE},
                 {"PREAUTH", IMAP_PREAUTH}};
    for (size_t i = 0; i < sizeof conds / sizeof conds[0]; i++) {
        size_t l = strlen(conds[i].name);
        if (l != n)
            continue;
        size_t k = 0;
        while (k < n && (w[k] & ~0x20) == conds[i].name[k])
            k++;
        if (k == n) {
            *cond = conds[i].cond;
            return 1;
        }
    }
    return 0;
}

/* Status or continuation text: the line is copied whole into buf. RFC 9051 section 7.1:
 * resp-text = ["[" resp-text-code "]" SP] text. */
static void parse_text(mw_imap_reader *r, size_t start)
{
    size_t i = start;
    r->has_code = 0;
    r->code_off = r->code_len = 0;
    if (i < r->len && r->buf[i] == '[') {
        const char *close = memchr(r->buf + i, ']', r->len - i);
        if (close) {
            r->has_code = 1;
            r->code_off = i + 1;
            r->code_len = (size_t)(close - r->buf) - (i + 1);
            i = (size_t)(close - r->buf) + 1;
            if (i < r->len && r->buf[i] == ' ')
                i++;
        }
    }
    r->text_off = i;
    r->text_len = r->len - i;
}

enum { SEG_DONE = 0, SEG_LITERAL = 1, SEG_ERROR = -1 };

/* Tokenize one segment of a data response. */
static int tokenize(mw_imap_reader *r, const char *s, size_t n, int *ev)
{
    size_t i = 0;
    unsigned e;
    while (i < n) {
        char c = s[i];
        if (c == ' ') {
            i++;
            continue;
        }
        if (c == '(') {
            if (++r->depth > r->lim.depth) {
                fail(r, ev, ST_ERROR_LIMIT_EXCEEDED, "lists nested deeper than %u", r->lim.depth);
                return SEG_ERROR;
            }
            if ((e = push_tok(r, IMAP_T_LPAREN, 0, 0)) != 0)
                goto limit;
            i++;
            continue;
        }
        if (c == ')') {
            if (r->depth == 0) {
                fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "unbalanced ')' in a response");
                return SEG_ERROR;
            }
            r->depth--;
            if ((e = push_tok(r, IMAP_T_RPAREN, 0, 0)) != 0)
                goto limit;
            i++;
            continue;
        }
        if (c == '"') {
            /* RFC 9051 quoted: only \" and \\ are escapes; no CR, LF (the line has none). */
            size_t off = r->len;
            i++;
            for (;;) {
                size_t j = i;
                while (j < n && s[j] != '"' && s[j] != '\\')
                    j++;
                if (!fits(r, j - i, 0)) {
                    e = ST_ERROR_LIMIT_EXCEEDED;
                    goto limit;
                }
                if (buf_append(r, s + i, j - i)) {
                    e = ST_ERROR_OUT_OF_MEMORY;
                    goto limit;
                }
                if (j >= n) {
                    fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "unterminated quoted string");
                    return SEG_ERROR;
                }
                if (s[j] == '"') {
                    i = j + 1;
                    break;
                }
                if (j + 1 >= n || (s[j + 1] != '"' && s[j + 1] != '\\')) {
                    fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "invalid escape in a quoted string");
                    return SEG_ERROR;
                }
                if (buf_append(r, s + j + 1, 1)) {
                    e = ST_ERROR_OUT_OF_MEMORY;
                    goto limit;
                }
                i = j + 2;
            }
            if ((e = push_tok(r, IMAP_T_STRING, off, r->len - off)) != 0)
                goto limit;
            continue;
        }
        if (c == '{' || (c == '~' && i + 1 < n && s[i + 1] == '{')) {
            /* A literal announcement ends the segment: {n}, {n+} (RFC 7888), ~{n} (RFC 3516). */
            r->lit8 = c == '~';
            size_t j = i + (c == '~' ? 2 : 1), d = j;
            while (j < n && s[j] >= '0' && s[j] <= '9')
                j++;
            size_t dend = j;
            if (j < n && s[j] == '+')
                j++;
            uint64_t v;
            if (j + 1 != n || s[j] != '}' || mw_imap_parse_u64(s + d, dend - d, &v) ||
                v > (UINT64_C(1) << 62)) {
                fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "malformed literal announcement");
                return SEG_ERROR;
            }
            r->lit_left = v;
            r->lit_active = 1;
            r->lit_mode = IMAP_LIT_MEMORY;
            return SEG_LITERAL;
        }
        /* An atom; a bracketed part (BODY[HEADER.FIELDS (A B)]) belongs to it. */
        size_t j = i;
        while (j < n && s[j] != ' ' && s[j] != '(' && s[j] != ')') {
            if (s[j] == '[') {
                const char *close = memchr(s + j, ']', n - j);
                if (!close) {
                    fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "unbalanced '[' in a response");
                    return SEG_ERROR;
                }
                j = (size_t)(close - s) + 1;
                continue;
            }
            if (s[j] == '"' || s[j] == '{') {
                fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "invalid character in an atom");
                return SEG_ERROR;
            }
            j++;
        }
        size_t off = r->len;
        if (!fits(r, j - i, 0)) {
            e = ST_ERROR_LIMIT_EXCEEDED;
            goto limit;
        }
        if (buf_append(r, s + i, j - i)) {
            e = ST_ERROR_OUT_OF_MEMORY;
            goto limit;
        }
        int nil = j - i == 3 && (s[i] & ~0x20) == 'N' && (s[i + 1] & ~0x20) == 'I' &&
                  (s[i + 2] & ~0x20) == 'L';
        if ((e = push_tok(r, nil ? IMAP_T_NIL : IMAP_T_ATOM, off, j - i)) != 0)
            goto limit;
        i = j;
    }
    return SEG_DONE;
limit:
    fail(r, ev, e,
         e == ST_ERROR_OUT_OF_MEMORY ? "out of memory parsing a response"
                                     : "response larger than the limit of %zu bytes",
         r->lim.response_mem);
    return SEG_ERROR;
}

/* The first segment of a response decides its kind. */
static int first_segment(mw_imap_reader *r, const char *s, size_t n, int *ev)
{
    r->len = r->ntok = 0;
    r->depth = 0;
    r->has_code = 0;
    r->cond = 0;
    if (n >= 1 && s[0] == '+') {
        if (buf_append(r, s, n))
            return fail(r, ev, ST_ERROR_OUT_OF_MEMORY, "out of memory"), SEG_ERROR;
        r->kind = IMAP_RESP_CONT;
        r->text_off = n >= 2 && s[1] == ' ' ? 2 : 1;
        r->text_len = n - r->text_off;
        return SEG_DONE;
    }
    const char *sp = memchr(s, ' ', n);
    if (!sp || sp == s) {
        fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "malformed response line");
        return SEG_ERROR;
    }
    size_t tag_len = (size_t)(sp - s);
    size_t w = tag_len + 1, we = w;
    while (we < n && s[we] != ' ')
        we++;
    int untagged = tag_len == 1 && s[0] == '*';
    int cond;
    if (is_cond(s + w, we - w, &cond)) {
        if (buf_append(r, s, n))
            return fail(r, ev, ST_ERROR_OUT_OF_MEMORY, "out of memory"), SEG_ERROR;
        r->kind = IMAP_RESP_STATUS;
        r->cond = cond;
        r->tag_off = 0;
        r->tag_len = tag_len;
        parse_text(r, we < n ? we + 1 : n);
        return SEG_DONE;
    }
    if (!untagged && w < n && s[w] == '[') {
        /* Exchange answers UID MOVE with "tag [COPYUID ...]" and no condition: a complete
         * line with a known shape, so the stream is intact; the engine decides what it means
         * (cond 0). */
        if (buf_append(r, s, n))
            return fail(r, ev, ST_ERROR_OUT_OF_MEMORY, "out of memory"), SEG_ERROR;
        r->kind = IMAP_RESP_STATUS;
        r->cond = 0;
        r->tag_off = 0;
        r->tag_len = tag_len;
        parse_text(r, w);
        return SEG_DONE;
    }
    if (!untagged) {
        fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "tagged response without OK, NO or BAD");
        return SEG_ERROR;
    }
    r->kind = IMAP_RESP_DATA;
    return tokenize(r, s, n, ev);
}

/* ---- "* SEARCH" streamed ------------------------------------------------------------------ */

#define SEARCH_PREFIX "* SEARCH "
#define SEARCH_PREFIX_LEN 9

/* Whether the response starting now is "* SEARCH " (any case): the bytes gathered of this
 * line so far and the next ones decide; 0 while they cannot yet (the line feed gathers them).
 * *take: how many of data belong to the prefix. */
static int search_starts(const mw_imap_reader *r, const char *data, size_t avail, size_t *take)
{
    size_t have = r->la.lent ? 0 : r->la.part.len;
    if (have >= SEARCH_PREFIX_LEN || avail < SEARCH_PREFIX_LEN - have)
        return 0;
    size_t need = SEARCH_PREFIX_LEN - have;
    for (size_t i = 0; i < SEARCH_PREFIX_LEN; i++) {
        char c = i < have ? r->la.part.p[i] : data[i - have];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c != SEARCH_PREFIX[i])
            return 0;
    }
    *take = need;
    return 1;
}

/* One number of the response is complete: 0, or -1 (not a valid id). */
static int search_emit(mw_imap_reader *r)
{
    uint64_t v = r->srch_num;
    if (v == 0 || v > UINT32_MAX)
        return -1; /* kept as it is: the same byte fails again on the next call */
    r->srch_num = 0;
    r->srch_digits = 0;
    r->ids[r->nids++] = (uint32_t)v;
    return 0;
}

/* Scan bytes of a streamed SEARCH response; stops when the id batch is full or the line has
 * ended. RFC 9051: mailbox-data =/ "SEARCH" *(SP nz-number); RFC 7162 adds a trailing
 * "(MODSEQ n)". */
static size_t search_scan(mw_imap_reader *r, const char *p, size_t n, int *ev)
{
    const size_t cap = sizeof r->ids / sizeof r->ids[0];
    size_t i = 0;
    for (; i < n && r->nids < cap; i++) {
        char c = p[i];
        if (r->srch_cr) {
            if (c != '\n' && r->nids)
                return i; /* the ids before it first, whatever the chunks */
            if (c != '\n')
                return fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "bare CR in a response line"), i;
            r->srch = r->srch_cr = 0;
            return i + 1;
        }
        if (c == '\r') {
            if (r->srch_paren || (r->srch_digits && search_emit(r)))
                break;
            r->srch_cr = 1;
            continue;
        }
        if (r->srch_paren) {
            if (c == ')')
                r->srch_paren = 0;
            else if (c == '(' || c == '\n' || c == 0)
                break;
            continue;
        }
        if (c >= '0' && c <= '9') {
            if (++r->srch_digits > 10)
                break;
            r->srch_num = r->srch_num * 10 + (uint64_t)(c - '0');
            continue;
        }
        if (c == ' ' && r->srch_digits) {
            if (search_emit(r))
                break;
            continue;
        }
        if (c == ' ')
            continue;
        if (c == '(' && !r->srch_digits) {
            r->srch_paren = 1;
            continue;
        }
        break;
    }
    if (i < n && r->nids < cap) {
        /* The ids complete before the bad byte go out first, so that how the input was cut
         * does not change what is reported; the byte fails on the next call. */
        if (r->nids)
            return i;
        return fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "malformed SEARCH response"), i;
    }
    return i;
}

size_t mw_imap_reader_feed(mw_imap_reader *r, const char *data, size_t len, int *ev)
{
    size_t used = 0;
    *ev = IMAP_RD_NEED_MORE;
    if (r->failed) {
        *ev = IMAP_RD_ERROR;
        return 0;
    }
    while (used < len) {
        size_t take;
        if (r->srch) {
            used += search_scan(r, data + used, len - used, ev);
            if (r->failed)
                return used;
            if (r->nids) {
                *ev = IMAP_RD_IDS;
                return used;
            }
            continue;
        }
        if (r->vs.active || r->vs.n) {
            int flush;
            used += r->vs.active ? mw_imap_vanished_scan(r, data + used, len - used, &flush)
                                 : (flush = 1, 0);
            if (r->failed) {
                *ev = IMAP_RD_ERROR;
                return used;
            }
            if (flush) {
                *ev = IMAP_RD_VANISHED; /* the caller takes vs.ranges and sets vs.n to 0 */
                return used;
            }
            continue;
        }
        if (r->kind == IMAP_RESP_NONE &&
            mw_imap_vanished_prefix(r->la.lent ? "" : r->la.part.p, r->la.lent ? 0 : r->la.part.len,
                                    data + used, len - used, &take)) {
            mw_line_reset(&r->la);
            used += take;
            mw_imap_vanished_begin(&r->vs);
            continue;
        }
        if (r->kind == IMAP_RESP_NONE && search_starts(r, data + used, len - used, &take)) {
            mw_line_reset(&r->la);
            used += take - 1; /* the space after SEARCH is the scanner's */
            r->srch = 1;
            r->srch_paren = r->srch_cr = 0;
            r->srch_digits = 0;
            r->srch_num = 0;
            continue;
        }
        if (r->lit_active) {
            size_t take = len - used;
            if ((uint64_t)take > r->lit_left)
                take = (size_t)r->lit_left;
            r->lit_left -= take;
            if (r->lit_left == 0)
                r->lit_active = 0;
            if (r->lit_mode == IMAP_LIT_STREAM) {
                r->chunk = data + used;
                r->chunk_len = take;
                *ev = IMAP_RD_CHUNK;
                return used + take;
            }
            if (buf_append(r, data + used, take))
                return fail(r, ev, ST_ERROR_OUT_OF_MEMORY, "out of memory reading a literal");
            r->toks[r->lit_tok].len += take;
            used += take;
            continue;
        }
        size_t c = 0, ll = 0;
        const char *line = NULL;
        int lr = mw_line_feed(&r->la, data + used, len - used, &c, &line, &ll);
        used += c;
        if (lr == MW_LINE_NEED_MORE)
            return used;
        if (lr < 0) {
            fail(r, ev,
                 lr == MW_LINE_TOO_LONG ? ST_ERROR_LIMIT_EXCEEDED
                 : lr == MW_LINE_NOMEM  ? ST_ERROR_OUT_OF_MEMORY
                                        : ST_ERROR_PROTOCOL_VIOLATION,
                 "%s",
                 lr == MW_LINE_TOO_LONG ? "response line longer than the limit"
                 : lr == MW_LINE_NUL    ? "NUL byte in a response line"
                 : lr == MW_LINE_NOMEM  ? "out of memory"
                                        : "bare CR or LF in a response line");
            return used;
        }
        int seg =
            r->kind == IMAP_RESP_NONE ? first_segment(r, line, ll, ev) : tokenize(r, line, ll, ev);
        if (seg == SEG_ERROR)
            return used;
        if (seg == SEG_LITERAL) {
            *ev = IMAP_RD_LITERAL;
            return used;
        }
        if (r->depth != 0) {
            fail(r, ev, ST_ERROR_PROTOCOL_VIOLATION, "unbalanced '(' in a response");
            return used;
        }
        /* Complete: readable until the next call, which starts a new response. */
        int kind = r->kind;
        r->kind = IMAP_RESP_NONE;
        r->cur_kind = kind;
        *ev = IMAP_RD_RESPONSE;
        return used;
    }
    return used;
}

void mw_imap_reader_literal_mode(mw_imap_reader *r, int mode)
{
    int ev;
    if (r->failed)
        return;
    r->lit_mode = mode;
    if (mode == IMAP_LIT_STREAM) {
        if (push_tok(r, IMAP_T_STREAMED, 0, r->lit_left)) {
            fail(r, &ev, ST_ERROR_LIMIT_EXCEEDED, "response larger than the limit");
            return;
        }
    } else {
        if (r->lit_left > r->lim.lit_mem || !fits(r, (size_t)r->lit_left, 1)) {
            fail(r, &ev, ST_ERROR_LIMIT_EXCEEDED,
                 "literal of %" PRIu64 " bytes exceeds the in-memory limit of %zu bytes",
                 r->lit_left, r->lim.lit_mem);
            return;
        }
        if (push_tok(r, IMAP_T_STRING, r->len, 0)) {
            fail(r, &ev, ST_ERROR_OUT_OF_MEMORY, "out of memory");
            return;
        }
        r->lit_tok = (int)(r->ntok - 1);
        r->toks[r->lit_tok].literal = 1;
    }
    if (r->lit_left == 0)
        r->lit_active = 0;
}

uint64_t mw_imap_reader_literal_size(const mw_imap_reader *r)
{
    return r->lit_left;
}

int mw_imap_tok_is(const mw_imap_reader *r, const mw_imap_tok *t, const char *word)
{
    if (t->type != IMAP_T_ATOM && t->type != IMAP_T_STRING)
        return 0;
    size_t n = strlen(word);
    if (t->len != n)
        return 0;
    const char *p = r->buf + t->off;
    for (size_t i = 0; i < n; i++) {
        char a = p[i], b = word[i];
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 32);
        if (b >= 'a' && b <= 'z')
            b = (char)(b - 32);
        if (a != b)
            return 0;
    }
    return 1;
}

int mw_imap_tok_u64(const mw_imap_reader *r, const mw_imap_tok *t, uint64_t *out)
{
    if (t->type != IMAP_T_ATOM)
        return -1;
    return mw_imap_parse_u64(r->buf + t->off, (size_t)t->len, out);
}

int mw_imap_tok_u32(const mw_imap_reader *r, const mw_imap_tok *t, uint32_t *out)
{
    uint64_t v;
    if (mw_imap_tok_u64(r, t, &v) || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

size_t mw_imap_tok_skip(const mw_imap_reader *r, size_t i)
{
    if (i >= r->ntok)
        return r->ntok;
    if (r->toks[i].type != IMAP_T_LPAREN)
        return i + 1;
    unsigned d = 0;
    for (; i < r->ntok; i++) {
        if (r->toks[i].type == IMAP_T_LPAREN)
            d++;
        else if (r->toks[i].type == IMAP_T_RPAREN && --d == 0)
            return i + 1;
    }
    return r->ntok;
}
