/* Fuzz the incremental IMAP response reader (core/imap/reader.h) with arbitrary server bytes.
 * The same input fed whole, in input-derived chunks and (when short) one byte at a time must
 * give the same events: responses (kind, tokens and their bytes, status condition, tag, code,
 * text), literal announcements, streamed literal bytes, and the same final verdict. Each
 * literal is kept in memory or streamed as the input decides. Checked on every response:
 *   - parentheses balance and never nest deeper than the depth limit;
 *   - token bytes lie inside the reader's buffer; an in-memory literal is at most lit_mem;
 *   - a streamed literal delivers exactly its announced size, in chunks that point into the
 *     bytes just fed;
 *   - a data response starts with the "*" atom; status/continuation offsets are in range;
 * and after every event the reader's buffers stay within twice the response limit (nothing
 * is allocated for an announced literal size: run libFuzzer with -malloc_limit_mb=16).
 * Input layout: byte 0 chunk seed, byte 1 line limit, byte 2 literal-mode bits (bit k: the
 * k-th literal, mod 8, is streamed), byte 3 depth/memory limits, then the server bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/imap/reader.h"
#include "fuzz_util.h"

static size_t bigger(size_t a, size_t b)
{
    return a > b ? a : b;
}

static void check_response(const mw_imap_reader *r, uint64_t streamed)
{
    if (r->len > r->cap && r->len)
        abort();
    if (r->cur_kind == IMAP_RESP_DATA) {
        long depth = 0;
        uint64_t want_stream = 0;
        if (r->ntok == 0 || r->toks[0].type != IMAP_T_ATOM || r->toks[0].len != 1 ||
            r->buf[r->toks[0].off] != '*')
            abort();
        for (size_t i = 0; i < r->ntok; i++) {
            const mw_imap_tok *t = &r->toks[i];
            switch (t->type) {
            case IMAP_T_LPAREN:
                if (++depth > (long)r->lim.depth)
                    abort();
                break;
            case IMAP_T_RPAREN:
                if (--depth < 0)
                    abort();
                break;
            case IMAP_T_ATOM:
            case IMAP_T_NIL:
            case IMAP_T_STRING:
                if (t->off > r->len || t->len > r->len - t->off)
                    abort();
                if (t->type == IMAP_T_ATOM && t->len == 0)
                    abort();
                break;
            case IMAP_T_STREAMED:
                want_stream += t->len;
                break;
            default:
                abort();
            }
        }
        if (depth != 0 || want_stream != streamed)
            abort();
    } else if (r->cur_kind == IMAP_RESP_STATUS || r->cur_kind == IMAP_RESP_CONT) {
        if (r->text_off > r->len || r->text_len > r->len - r->text_off)
            abort();
        /* cond 0: a tagged line with a response code and no condition (Exchange's
         * "tag [COPYUID ...]"), never untagged; the engine decides what it means. */
        int bare = r->cond == 0 && r->tag_len > 0 && r->tag_off + r->tag_len <= r->len &&
                   !(r->tag_len == 1 && r->buf[r->tag_off] == '*');
        if (r->cur_kind == IMAP_RESP_STATUS &&
            ((!bare && (r->cond < IMAP_OK || r->cond > IMAP_PREAUTH)) || r->tag_len == 0 ||
             r->tag_off + r->tag_len > r->len ||
             (r->has_code && (r->code_off > r->len || r->code_len > r->len - r->code_off))))
            abort();
    } else {
        abort();
    }
}

static void digest_response(const mw_imap_reader *r, fz_buf *out)
{
    fz_putc(out, 'R');
    fz_putu(out, (uint64_t)r->cur_kind);
    if (r->cur_kind == IMAP_RESP_DATA) {
        fz_putu(out, r->ntok);
        for (size_t i = 0; i < r->ntok; i++) {
            const mw_imap_tok *t = &r->toks[i];
            fz_putu(out, (uint64_t)t->type);
            if (t->type == IMAP_T_STREAMED)
                fz_putu(out, t->len);
            else if (t->type != IMAP_T_LPAREN && t->type != IMAP_T_RPAREN)
                fz_puts(out, mw_imap_tok_ptr(r, t), (size_t)t->len);
        }
    } else {
        fz_putu(out, (uint64_t)r->cond);
        if (r->cur_kind == IMAP_RESP_STATUS)
            fz_puts(out, r->buf + r->tag_off, r->tag_len);
        fz_putu(out, (uint64_t)r->has_code);
        if (r->has_code)
            fz_puts(out, r->buf + r->code_off, r->code_len);
        fz_puts(out, r->buf + r->text_off, r->text_len);
    }
}

/* seed 0: whole; ~0u: one byte at a time; else input-derived chunks. */
static void run(const char *d, size_t n, const mw_imap_limits *lim, unsigned modes, unsigned seed,
                fz_buf *out)
{
    mw_imap_reader r;
    mw_imap_reader_init(&r, lim);
    fz_buf stream = {0}; /* streamed bytes of the current response */
    uint64_t streamed = 0, lit_left = 0;
    unsigned nlit = 0;
    int dead = 0;
    size_t limit_mem = bigger(2 * lim->response_mem, 64 * sizeof(mw_imap_tok) + 512);
    for (size_t pos = 0; pos < n && !dead;) {
        size_t chunk = seed == ~0u ? 1 : fz_chunk(seed, pos, n - pos), used = 0;
        const char *p = d + pos;
        while (used < chunk && !dead) {
            int ev;
            size_t u = mw_imap_reader_feed(&r, p + used, chunk - used, &ev);
            if (u > chunk - used)
                abort();
            if (r.cap > limit_mem || r.captok * sizeof(mw_imap_tok) > limit_mem)
                abort(); /* memory beyond the response limit */
            switch (ev) {
            case IMAP_RD_NEED_MORE:
                if (used + u != chunk)
                    abort(); /* NEED_MORE must mean all of the input was taken */
                break;
            case IMAP_RD_RESPONSE:
                check_response(&r, streamed);
                digest_response(&r, out);
                fz_puts(out, stream.p ? stream.p : "", stream.len);
                stream.len = 0;
                streamed = 0;
                break;
            case IMAP_RD_LITERAL: {
                lit_left = mw_imap_reader_literal_size(&r);
                fz_putc(out, 'L');
                fz_putu(out, lit_left);
                fz_putu(out, r.ntok);
                int mode = (modes >> (nlit++ % 8)) & 1 ? IMAP_LIT_STREAM : IMAP_LIT_MEMORY;
                mw_imap_reader_literal_mode(&r, mode);
                if (r.failed) {
                    fz_putc(out, 'E');
                    fz_putu(out, r.err);
                    dead = 1;
                } else if (mode == IMAP_LIT_MEMORY &&
                           (lit_left > lim->lit_mem || r.toks[r.ntok - 1].type != IMAP_T_STRING)) {
                    abort(); /* a literal over the in-memory limit was accepted */
                }
                break;
            }
            case IMAP_RD_CHUNK:
                if (r.chunk < p + used || r.chunk_len > u || r.chunk + r.chunk_len > p + used + u ||
                    r.chunk_len > lit_left)
                    abort(); /* chunk outside the fed bytes, or beyond the literal */
                lit_left -= r.chunk_len;
                streamed += r.chunk_len;
                fz_put(&stream, r.chunk, r.chunk_len);
                break;
            case IMAP_RD_IDS: /* a streamed "* SEARCH": each id, however they were batched */
                if (r.nids == 0 || r.nids > sizeof r.ids / sizeof r.ids[0])
                    abort();
                for (size_t i = 0; i < r.nids; i++) {
                    if (r.ids[i] == 0)
                        abort();
                    fz_putc(out, 'I');
                    fz_putu(out, r.ids[i]);
                }
                r.nids = 0;
                break;
            case IMAP_RD_ERROR:
                if (r.err == 0 || r.detail[0] == 0)
                    abort();
                fz_putc(out, 'E');
                fz_putu(out, r.err);
                dead = 1;
                break;
            default:
                abort();
            }
            used += u;
            if (ev == IMAP_RD_NEED_MORE)
                break;
        }
        pos += chunk;
    }
    if (dead) {
        int ev;
        if (mw_imap_reader_feed(&r, "* OK\r\n", 6, &ev) != 0 || ev != IMAP_RD_ERROR)
            abort(); /* errors are sticky */
    }
    /* Streamed bytes of an unfinished response (identical however the input was cut). */
    fz_putc(out, 'S');
    fz_puts(out, stream.p ? stream.p : "", stream.len);
    fz_free(&stream);
    mw_imap_reader_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    mw_imap_limits lim;
    lim.search_ids = 0; /* the engine's, not the reader's */
    lim.line = 16 + (size_t)data[1] * 4;
    lim.depth = 1 + data[3] % 10;
    lim.response_mem = 64 + (size_t)(data[3] >> 4) * 512;
    lim.lit_mem = 1 + (size_t)((data[3] >> 2) & 3) * 300;
    const char *d = (const char *)data + 4;
    size_t n = size - 4;
    fz_buf whole = {0}, split = {0}, bytes = {0};
    run(d, n, &lim, data[2], 0, &whole);
    run(d, n, &lim, data[2], data[0] ? data[0] : 5, &split);
    if (!fz_same(&whole, &split))
        abort(); /* chunking changed the events */
    if (n <= 2048) {
        run(d, n, &lim, data[2], ~0u, &bytes);
        if (!fz_same(&whole, &bytes))
            abort();
    }
    fz_free(&whole);
    fz_free(&split);
    fz_free(&bytes);
    return 0;
}
