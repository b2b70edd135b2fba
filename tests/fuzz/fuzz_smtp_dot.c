/* Fuzz the DATA/BDAT body encoder (core/smtp/dot.h). Arbitrary body bytes are encoded in
 * input-derived pieces into input-derived output room, with dot stuffing (DATA) and without
 * (BDAT). Checked on the output:
 *   - every CR is followed by LF and every LF is preceded by CR (no bare CR or LF);
 *   - DATA: it ends with the terminator CRLF "." CRLF, which occurs nowhere earlier, and every
 *     other line that starts with '.' starts with "..";
 *   - undoing the stuffing (dropping the first dot of each line that starts with one, and the
 *     terminator) gives N(input) where N is the CRLF normalisation: every CR LF pair, lone CR
 *     and lone LF becomes one CR LF, and a CR LF is appended when the body is not empty and
 *     does not already end with a line break; BDAT output is N(input) itself;
 *   - pieces and room do not matter: the result equals a one-buffer encoding;
 *   - a NUL stops the encoder (-1) exactly at the first NUL of the input, and what was
 *     written before equals the encoding of the bytes before it.
 * The content scan that runs over the same bytes before they are sent (core/smtp/source.h:
 * 8-bit octets in the header section and anywhere, the first NUL, the first line over 998
 * octets, each with its offset), fed in the same pieces, reports what an octet-by-octet
 * reference does.
 * Input layout: byte 0 piece-size seed, byte 1 output room seed, then the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/smtp/dot.h"
#include "core/smtp/source.h"
#include "fuzz_util.h"

/* The CRLF normalisation N described above. */
static void normalise(const char *in, size_t n, fz_buf *out)
{
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '\r') {
            if (i + 1 < n && in[i + 1] == '\n')
                i++;
            fz_put(out, "\r\n", 2);
        } else if (in[i] == '\n') {
            fz_put(out, "\r\n", 2);
        } else {
            fz_putc(out, in[i]);
        }
    }
    if (out->len &&
        !(out->len >= 2 && out->p[out->len - 2] == '\r' && out->p[out->len - 1] == '\n'))
        fz_put(out, "\r\n", 2);
}

/* Encode in[0..n); returns the offset where the encoder stopped at a NUL, or n. */
static size_t encode(const char *in, size_t n, int stuff, unsigned piece_seed, size_t room,
                     fz_buf *out)
{
    mw_smtp_dot d;
    mw_smtp_dot_init(&d, stuff);
    char *tmp = malloc(room);
    if (!tmp)
        abort();
    size_t pos = 0;
    while (pos < n) {
        size_t piece = fz_chunk(piece_seed, pos, n - pos), done = 0;
        while (done < piece) {
            size_t used = 0;
            long w = mw_smtp_dot_encode(&d, in + pos + done, piece - done, &used, tmp, room);
            if (w < 0) {
                if (in[pos + done + used] != '\0')
                    abort(); /* -1 without a NUL */
                free(tmp);
                return pos + done + used;
            }
            if ((size_t)w > room || used > piece - done)
                abort();
            if (used == 0 && w == 0)
                abort(); /* no progress with at least MW_SMTP_DOT_MAX_EXPANSION of room */
            fz_put(out, tmp, (size_t)w);
            done += used;
        }
        pos += piece;
    }
    char fin[MW_SMTP_DOT_FINAL_MAX];
    size_t f = mw_smtp_dot_final(&d, fin);
    if (f > MW_SMTP_DOT_FINAL_MAX)
        abort();
    fz_put(out, fin, f);
    free(tmp);
    return n;
}

static void check(const char *in, size_t n, int stuff, const fz_buf *o)
{
    const char *p = o->p ? o->p : "";
    size_t len = o->len;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\r' && (i + 1 == len || p[i + 1] != '\n'))
            abort(); /* bare CR */
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            abort(); /* bare LF */
        if (p[i] == '\0')
            abort();
    }
    size_t body = len;
    if (stuff) {
        /* The terminator ends the output; "." CRLF at a line start only there. */
        if (len < 3 || memcmp(p + len - 3, ".\r\n", 3) != 0 ||
            (len > 3 && (len < 5 || memcmp(p + len - 5, "\r\n", 2) != 0)))
            abort();
        body = len - 3;
        for (size_t i = 0; i + 5 <= len; i++)
            if (memcmp(p + i, "\r\n.\r\n", 5) == 0 && i + 5 != len)
                abort(); /* end of data before the end */
    }
    fz_buf undone = {0}, want = {0};
    int at_start = 1;
    for (size_t i = 0; i < body; i++) {
        if (at_start && p[i] == '.' && stuff) {
            if (i + 1 >= body || p[i + 1] != '.')
                abort(); /* a line-initial dot that was not doubled */
            i++;
        }
        at_start = p[i] == '\n';
        fz_putc(&undone, p[i]);
    }
    normalise(in, n, &want);
    if (!fz_same(&undone, &want))
        abort(); /* the encoding changed the body beyond CRLF normalisation */
    fz_free(&undone);
    fz_free(&want);
}

/* The scan, one octet at a time (RFC 5321 section 4.5.3.1.6, RFC 6152, RFC 6532 section 3.2). */
static void reference_scan(const unsigned char *u, size_t n, mw_smtp_scan *r)
{
    memset(r, 0, sizeof *r);
    int header = 1, empty = 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = u[i];
        if (header) {
            if (c == '\n') {
                header = !empty;
                empty = 1;
            } else if (c != '\r') {
                empty = 0;
            }
            if (c >= 0x80)
                r->header_8bit = 1;
        }
        if (c >= 0x80)
            r->has_8bit = 1;
        if (c == 0 && !r->has_nul) {
            r->has_nul = 1;
            r->nul_offset = i;
        }
        if (c == '\r' || c == '\n') {
            r->line_len = 0;
        } else if (++r->line_len == MW_SMTP_MAX_LINE + 1 && !r->has_long_line) {
            r->has_long_line = 1;
            r->long_line_offset = i + 1 - r->line_len;
        }
    }
}

static void check_scan(const char *in, size_t n, unsigned seed)
{
    mw_smtp_scan sc, want;
    mw_smtp_scan_init(&sc);
    for (size_t pos = 0; pos < n;) {
        size_t piece = fz_chunk(seed, pos, n - pos);
        mw_smtp_scan_update(&sc, in + pos, piece);
        pos += piece;
    }
    reference_scan((const unsigned char *)in, n, &want);
    if (sc.has_8bit != want.has_8bit || sc.header_8bit != want.header_8bit ||
        sc.has_nul != want.has_nul || (want.has_nul && sc.nul_offset != want.nul_offset) ||
        sc.has_long_line != want.has_long_line ||
        (want.has_long_line && sc.long_line_offset != want.long_line_offset) || sc.offset != n)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned seed = data[0];
    size_t room = MW_SMTP_DOT_MAX_EXPANSION + data[1] % 61;
    const char *in = (const char *)data + 2;
    size_t n = size - 2;
    const char *nul = memchr(in, '\0', n);
    size_t clean = nul ? (size_t)(nul - in) : n;
    check_scan(in, n, seed);
    for (int stuff = 0; stuff <= 1; stuff++) {
        fz_buf ref = {0}, split = {0};
        if (encode(in, clean, stuff, 0, 2 * clean * MW_SMTP_DOT_MAX_EXPANSION + 16, &ref) != clean)
            abort();
        check(in, clean, stuff, &ref);
        if (encode(in, clean, stuff, seed, room, &split) != clean || !fz_same(&ref, &split))
            abort(); /* pieces or room changed the encoding */
        if (nul) {
            /* The whole input: stops at the first NUL, after writing a prefix of ref (the
             * bytes written by the call that meets the NUL are not reported, which is fine:
             * the message is abandoned then). */
            fz_buf part = {0};
            if (encode(in, n, stuff, seed, room, &part) != clean)
                abort();
            if (part.len > ref.len || (part.len && memcmp(part.p, ref.p, part.len)))
                abort();
            fz_free(&part);
        }
        fz_free(&ref);
        fz_free(&split);
    }
    return 0;
}
