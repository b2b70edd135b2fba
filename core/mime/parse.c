/* The incremental MIME parser; see parse.h. */
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/alloc.h"
#include "../util/buf.h"
#include "../util/str.h"
#include "params.h"

/* Octets of a body line kept to recognise a boundary (longer boundaries never match). */
#define PEEK 1024
/* Longest line SMTP carries (RFC 5321 section 4.5.3.1.6): beyond it the store is flagged. */
#define SMTP_LINE 998

enum { F_HEADERS, F_BODY, F_PREAMBLE, F_PARTS, F_EPILOGUE, F_MESSAGE };

typedef struct snap {
    uint64_t off, bare, eight;
} snap;

typedef struct frame {
    mw_part *part;
    int state;
    char *boundary;
    size_t blen;
    int pending_child; /* F_PARTS: boundary seen, the next part starts at the next line */
    int no_split;      /* part cap reached: this multipart's boundaries are content */
    int failed_multi;  /* a multipart that never saw its first boundary: a leaf */
    unsigned lineno;   /* header lines so far */
    mw_buf cur;        /* F_HEADERS: the field being collected ("name:value...") */
    int have_cur;
    int from_pending; /* a "From " line not yet judged */
    snap from_at;
    snap start, body;
} frame;

struct mw_parser {
    mw_store *store;
    int append;
    uint32_t options;
    frame *fr;
    size_t nfr, frcap;
    uint64_t off, bare, eight;
    /* The current line. */
    char *line;
    size_t kept, cap;
    uint64_t llen;
    snap lstart;
    int pending_cr;
    /* The previous line's break. */
    unsigned prev_eol;
    int prev_bare;
    size_t nparts;
    int has_nul, has_long;
    unsigned err;
    char detail[160];
    mw_part *root;
};

static snap now(const mw_parser *p)
{
    snap s = {p->off, p->bare, p->eight};
    return s;
}

static mw_span span_of(snap a, snap b)
{
    mw_span s = {a.off, 0, 0, 0};
    if (b.off > a.off) {
        s.len = b.off - a.off;
        s.bare_eols = b.bare - a.bare;
        s.eight = b.eight - a.eight;
    }
    return s;
}

static unsigned fail(mw_parser *p, unsigned err, const char *what)
{
    if (!p->err) {
        p->err = err;
        mw_strlcpy(p->detail, what, sizeof p->detail);
    }
    return p->err;
}

/* A cap was reached: flag the entity, or fail with MIME_IMPORT_STRICT. */
static void capped(mw_parser *p, mw_part *part, const char *what)
{
    part->flags |= MIME_PART_TRUNCATED;
    if (p->options & MIME_IMPORT_STRICT)
        fail(p, ST_ERROR_LIMIT_EXCEEDED, what);
}

mw_parser *mw_parser_new(mw_store *store, int append, uint32_t options)
{
    mw_parser *p = mw_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->store = store;
    mw_store_ref(store);
    p->append = append;
    p->options = options;
    p->cap = MIME_MAX_HEADER_LINE;
    p->line = mw_malloc(p->cap);
    if (!p->line) {
        mw_parser_free(p);
        return NULL;
    }
    return p;
}

void mw_parser_free(mw_parser *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nfr; i++) {
        free(p->fr[i].boundary);
        mw_buf_free(&p->fr[i].cur);
    }
    free(p->fr);
    free(p->line);
    mw_part_free(p->root);
    mw_store_unref(p->store);
    free(p);
}

const char *mw_parser_detail(const mw_parser *p)
{
    return p->detail;
}

/* --- entities -------------------------------------------------------------------------- */

/* Open an entity at `at` (its first header line) as child of the top frame's part. */
static int open_entity(mw_parser *p, snap at, const char *deftype)
{
    mw_part *part = mw_part_new();
    frame *f = mw_grow(p->fr, &p->frcap, p->nfr + 1, sizeof *f);
    if (!part || !f) {
        mw_part_free(part);
        if (f)
            p->fr = f;
        fail(p, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        return -1;
    }
    p->fr = f;
    part->flags = MIME_PART_PARSED;
    part->store = p->store;
    mw_store_ref(p->store);
    if (deftype && !(part->deftype = mw_strndup(deftype, strlen(deftype)))) {
        mw_part_free(part);
        fail(p, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        return -1;
    }
    if (p->nfr == 0) {
        p->root = part;
    } else if (mw_part_add_kid(p->fr[p->nfr - 1].part, part) != 0) {
        mw_part_free(part);
        fail(p, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        return -1;
    }
    p->nparts++;
    frame *n = &p->fr[p->nfr++];
    memset(n, 0, sizeof *n);
    mw_buf_init(&n->cur, 0, 0);
    n->part = part;
    n->state = F_HEADERS;
    n->start = n->body = at;
    return 0;
}

/* The collected field goes into the header list. */
static void flush_field(mw_parser *p, frame *f)
{
    if (!f->have_cur)
        return;
    f->have_cur = 0;
    const char *s = mw_buf_str(&f->cur);
    const char *colon = memchr(s, ':', f->cur.len);
    if (colon && colon > s) {
        mw_part *part = f->part;
        if (part->nhdrs >= MIME_MAX_HEADERS) {
            capped(p, part, "more header fields than MIME_MAX_HEADERS");
        } else if (mw_part_hdr_add(part, s, (size_t)(colon - s), colon + 1,
                                   f->cur.len - (size_t)(colon - s) - 1, 1) != 0) {
            fail(p, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        }
    }
    mw_buf_reset(&f->cur);
}

/* Close the top frame: its entity ends at `end`; a leaf body ends at body_end. */
static void close_top(mw_parser *p, snap end, snap body_end)
{
    frame *f = &p->fr[p->nfr - 1];
    if (f->state == F_HEADERS) {
        flush_field(p, f);
        f->body = body_end = end;
    }
    if (f->state == F_PARTS && f->pending_child) {
        /* A boundary with nothing after it: an empty part (as Python makes). */
        f->pending_child = 0;
        if (open_entity(p, end, NULL) == 0)
            close_top(p, end, end);
        f = &p->fr[p->nfr - 1];
    }
    mw_part *part = f->part;
    if (f->state == F_PREAMBLE) /* never saw its first boundary: a leaf of it all */
        part->flags &= ~(uint32_t)MIME_PART_MULTIPART;
    if (f->failed_multi) {
        /* The body was fixed when the closing boundary came. */
    } else if (!(part->flags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE))) {
        part->bodyspan = span_of(f->body, body_end);
    } else {
        part->bodyspan = span_of(f->body, end);
    }
    part->whole = span_of(f->start, end);
    free(f->boundary);
    mw_buf_free(&f->cur);
    p->nfr--;
}

/* After the header section: what kind of body follows. */
static void start_body(mw_parser *p, frame *f, snap body)
{
    flush_field(p, f);
    f->body = body;
    mw_part *part = f->part;
    free(part->ctype);
    part->ctype = mw_part_content_type(part);
    if (!part->ctype) {
        fail(p, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        return;
    }
    int deep = p->nfr > MIME_MAX_DEPTH;
    if (strncmp(part->ctype, "multipart/", 10) == 0) {
        mw_buf b;
        mw_buf_init(&b, 0, 0);
        if (mw_part_param(part, "Content-Type", "boundary", &b) != 0) {
            f->state = F_BODY;
        } else if (deep || p->nparts >= MIME_MAX_PARTS) {
            capped(p, part,
                   deep ? "nesting deeper than MIME_MAX_DEPTH" : "more parts than MIME_MAX_PARTS");
            f->state = F_BODY;
        } else {
            while (b.len && (b.p[b.len - 1] == ' ' || b.p[b.len - 1] == '\t'))
                b.len--;
            f->blen = b.len;
            f->boundary = mw_strndup(b.p ? b.p : "", b.len);
            if (!f->boundary)
                fail(p, ST_ERROR_OUT_OF_MEMORY, "out of memory");
            part->flags |= MIME_PART_MULTIPART;
            f->state = F_PREAMBLE;
        }
        mw_buf_free(&b);
        return;
    }
    if (strncmp(part->ctype, "message/", 8) == 0 &&
        strcmp(part->ctype, "message/delivery-status") != 0) {
        if (deep || p->nparts >= MIME_MAX_PARTS) {
            capped(p, part,
                   deep ? "nesting deeper than MIME_MAX_DEPTH" : "more parts than MIME_MAX_PARTS");
            f->state = F_BODY;
            return;
        }
        part->flags |= MIME_PART_MESSAGE;
        f->state = F_MESSAGE;
        open_entity(p, body, NULL);
        return;
    }
    f->state = F_BODY;
}

/* --- lines ----------------------------------------------------------------------------- */

/* Whether the current line is "--" boundary ["--"] [SP/HTAB...]; *close for "--...--". */
static int is_boundary(const mw_parser *p, const frame *f, int *close)
{
    size_t t = f->blen + 2;
    if (p->llen < t || p->kept < t || p->line[0] != '-' || p->line[1] != '-' ||
        memcmp(p->line + 2, f->boundary, f->blen) != 0)
        return 0;
    size_t i = t;
    *close = 0;
    if (p->llen >= t + 2 && p->kept >= t + 2 && p->line[t] == '-' && p->line[t + 1] == '-') {
        *close = 1;
        i += 2;
    }
    for (; i < p->kept; i++)
        if (p->line[i] != ' ' && p->line[i] != '\t')
            return *close ? (*close = 0, 0) : 0;
    return p->llen == p->kept; /* a longer line holds more than white space */
}

static int header_line_kind(const char *s, size_t n)
{
    if (n == 0)
        return 0; /* empty: end of header */
    if (s[0] == ' ' || s[0] == '\t')
        return 2; /* continuation */
    if (n >= 5 && memcmp(s, "From ", 5) == 0)
        return 3;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ':')
            return 1;
        if (c < 0x21 || c > 0x7e)
            break;
    }
    return 4; /* not a header line: the body starts here */
}

static void process_line(mw_parser *p, unsigned eol);

static void header_line(mw_parser *p, frame *f, unsigned eol)
{
    int kind = header_line_kind(p->line, p->kept);
    unsigned lineno = f->lineno++;
    if (kind == 3 && lineno == 0) {
        /* Envelope "From " line: not part of the message. */
        if (f->part == p->root) {
            snap after = now(p);
            f->start = after;
        }
        return;
    }
    if (f->from_pending) {
        f->from_pending = 0;
        if (kind == 0 || kind == 4) {
            /* A "From " line last in the header section starts the body. */
            start_body(p, f, f->from_at);
            return;
        }
    }
    if (kind == 2) {
        if (f->have_cur) {
            if (f->cur.len + 2 + p->kept > MIME_MAX_HEADER_BLOCK)
                capped(p, f->part, "a header section over MIME_MAX_HEADER_BLOCK");
            else {
                mw_buf_put(&f->cur, "\r\n", 2);
                mw_buf_put(&f->cur, p->line, p->kept);
            }
        }
        return;
    }
    if (kind == 3) {
        flush_field(p, f);
        f->from_pending = 1;
        f->from_at = p->lstart;
        return;
    }
    if (kind == 1) {
        flush_field(p, f);
        f->part->hdr_bytes += (uint32_t)p->kept;
        if (f->part->hdr_bytes > MIME_MAX_HEADER_BLOCK) {
            capped(p, f->part, "a header section over MIME_MAX_HEADER_BLOCK");
            return;
        }
        if (p->llen > p->kept)
            capped(p, f->part, "a header line over MIME_MAX_HEADER_LINE");
        if (p->line[0] != ':') {
            mw_buf_put(&f->cur, p->line, p->kept);
            f->have_cur = 1;
        }
        return;
    }
    if (kind == 0) {
        start_body(p, f, now(p));
        return;
    }
    /* Not a field: the header section ends and this line is the first of the body. */
    start_body(p, f, p->lstart);
    if (!p->err)
        process_line(p, eol);
}

/* The snapshot just before the previous line's break (where a boundary's CRLF starts). */
static snap before_break(const mw_parser *p)
{
    snap s = p->lstart;
    if (s.off >= p->prev_eol) {
        s.off -= p->prev_eol;
        if (p->prev_bare && s.bare)
            s.bare--;
    }
    return s;
}

/* The outermost multipart whose boundary this line is, or -1. */
static long boundary_owner(mw_parser *p, int *close)
{
    for (size_t i = 0; i < p->nfr; i++) {
        frame *f = &p->fr[i];
        int open_here = f->state == F_PARTS || (f->state == F_PREAMBLE && i + 1 == p->nfr);
        if (!open_here || f->no_split || !f->boundary)
            continue;
        int c = 0;
        if (!is_boundary(p, f, &c))
            continue;
        if (!c && !f->pending_child && p->nparts >= MIME_MAX_PARTS) {
            /* No room for another part: the line stays content of the part before. */
            f->no_split = 1;
            capped(p, f->part, "more parts than MIME_MAX_PARTS");
            continue;
        }
        *close = c;
        return (long)i;
    }
    return -1;
}

static void process_line(mw_parser *p, unsigned eol)
{
    int close = 0;
    long k = boundary_owner(p, &close);
    if (k >= 0) {
        snap cut = before_break(p);
        while (p->nfr > (size_t)k + 1) {
            frame *top = &p->fr[p->nfr - 1];
            /* The break before a boundary belongs to it, except for a multipart that never
             * saw its own boundary (Python keeps it in that payload). */
            int keep = top->state == F_PREAMBLE || top->failed_multi ||
                       (top->state == F_BODY && top->part->ctype &&
                        strncmp(top->part->ctype, "multipart/", 10) == 0);
            close_top(p, cut, keep ? p->lstart : cut);
            if (p->err)
                return;
        }
        frame *f = &p->fr[k];
        if (f->state == F_PARTS && f->pending_child)
            return; /* repeated boundary lines open one part (a close one too) */
        if (close) {
            if (f->state == F_PREAMBLE) {
                /* A closing boundary without an opening one: a leaf of the preamble. */
                f->failed_multi = 1;
                f->part->flags &= ~(uint32_t)MIME_PART_MULTIPART;
                f->part->bodyspan = span_of(f->body, p->lstart);
            }
            f->state = F_EPILOGUE;
            return;
        }
        f->state = F_PARTS;
        f->pending_child = 1;
        return;
    }
    frame *f = &p->fr[p->nfr - 1];
    switch (f->state) {
    case F_HEADERS:
        header_line(p, f, eol);
        break;
    case F_PARTS:
        if (f->pending_child) {
            f->pending_child = 0;
            const char *def =
                strcmp(f->part->ctype, "multipart/digest") == 0 ? "message/rfc822" : NULL;
            if (open_entity(p, p->lstart, def) == 0)
                process_line(p, eol);
        }
        break;
    default:
        break;
    }
}

/* The current line ended with a break of eol octets (bare: a lone CR or LF). */
static void end_line(mw_parser *p, unsigned eol, int bare)
{
    if (p->llen > SMTP_LINE)
        p->has_long = 1;
    p->off += eol;
    if (bare)
        p->bare++;
    process_line(p, eol);
    p->prev_eol = eol;
    p->prev_bare = bare;
    p->kept = 0;
    p->llen = 0;
    p->lstart = now(p);
}

static void add_bytes(mw_parser *p, const char *s, size_t n)
{
    if (p->kept < p->cap) {
        size_t room = p->cap - p->kept;
        /* Body lines need only their start (a boundary); header lines are kept whole. */
        const frame *top = p->nfr ? &p->fr[p->nfr - 1] : NULL;
        if (top && top->state != F_HEADERS && p->kept + room > PEEK)
            room = p->kept < PEEK ? PEEK - p->kept : 0;
        size_t k = n < room ? n : room;
        memcpy(p->line + p->kept, s, k);
        p->kept += k;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80)
            p->eight++;
        else if (c == 0)
            p->has_nul = 1;
    }
    p->llen += n;
    p->off += n;
}

unsigned mw_parser_feed(mw_parser *p, const char *data, size_t n)
{
    if (p->err)
        return p->err;
    if (p->append) {
        unsigned e = mw_store_append(p->store, data, n);
        if (e)
            return fail(p, e,
                        e == ST_ERROR_FILE ? "the temporary file could not be written"
                                           : "out of memory");
    }
    if (p->nfr == 0 && !p->root && open_entity(p, now(p), NULL) != 0)
        return p->err;
    size_t i = 0;
    while (i < n && !p->err) {
        if (p->pending_cr) {
            p->pending_cr = 0;
            if (data[i] == '\n') {
                i++;
                end_line(p, 2, 0);
            } else {
                end_line(p, 1, 1);
            }
            continue;
        }
        size_t j = i;
        while (j < n && data[j] != '\r' && data[j] != '\n')
            j++;
        if (j > i)
            add_bytes(p, data + i, j - i);
        if (j >= n)
            break;
        if (data[j] == '\n') {
            end_line(p, 1, 1);
            i = j + 1;
        } else if (j + 1 < n) {
            int crlf = data[j + 1] == '\n';
            end_line(p, crlf ? 2 : 1, !crlf);
            i = j + (crlf ? 2 : 1);
        } else {
            p->pending_cr = 1; /* a CRLF may be split between two pushes */
            i = j + 1;
        }
    }
    return p->err;
}

unsigned mw_parser_finish(mw_parser *p, mw_part **root)
{
    *root = NULL;
    if (!p->err && p->nfr == 0 && !p->root)
        open_entity(p, now(p), NULL);
    if (!p->err && p->pending_cr) {
        p->pending_cr = 0;
        end_line(p, 1, 1);
    }
    if (!p->err && p->llen > 0) {
        /* A last line without a break. */
        if (p->llen > SMTP_LINE)
            p->has_long = 1;
        process_line(p, 0);
        p->prev_eol = 0;
        p->kept = 0;
        p->llen = 0;
        p->lstart = now(p);
    }
    /* A multipart still open at the end of the input (no closing boundary) ends there as if
     * a boundary came: the last line break of the leaf it holds is not content (Python's
     * feedparser strips it too), unless that leaf is a multipart that never saw its own
     * boundary. */
    snap end = now(p), cut = before_break(p);
    while (!p->err && p->nfr > 0) {
        frame *top = &p->fr[p->nfr - 1];
        int open_multi = 0;
        for (size_t i = 0; i + 1 < p->nfr; i++)
            open_multi |= p->fr[i].state == F_PARTS;
        int keep = top->state == F_PREAMBLE || top->failed_multi ||
                   (top->state == F_BODY && top->part->ctype &&
                    strncmp(top->part->ctype, "multipart/", 10) == 0);
        close_top(p, end, open_multi && !keep ? cut : end);
    }
    if (p->err)
        return p->err;
    mw_store_set_flags(p->store, p->has_nul, p->has_long);
    *root = p->root;
    p->root = NULL;
    return 0;
}
