/* DATA / BDAT body encoder; see dot.h. */
#include "dot.h"

#include <string.h>

void mw_smtp_dot_init(mw_smtp_dot *d, int stuff)
{
    d->stuff = stuff;
    d->line_start = 1;
    d->pending_cr = 0;
}

/* The run of ordinary bytes at in[0..n): up to the first CR, LF or NUL. memchr is fast
 * (vectorised) and lines are usually long compared to the call overhead. */
static size_t plain_run(const char *in, size_t n)
{
    const char *lf = memchr(in, '\n', n);
    if (lf)
        n = (size_t)(lf - in);
    const char *cr = memchr(in, '\r', n);
    if (cr)
        n = (size_t)(cr - in);
    const char *nul = memchr(in, '\0', n);
    if (nul)
        n = (size_t)(nul - in);
    return n;
}

long mw_smtp_dot_encode(mw_smtp_dot *d, const char *in, size_t len, size_t *used, char *out,
                        size_t cap)
{
    size_t i = 0, o = 0;
    while (i < len && cap - o >= MW_SMTP_DOT_MAX_EXPANSION) {
        if (d->pending_cr) {
            /* CR LF split across buffers, or a bare CR: either way one CRLF. */
            out[o++] = '\r';
            out[o++] = '\n';
            d->pending_cr = 0;
            d->line_start = 1;
            if (in[i] == '\n')
                i++;
            continue;
        }
        char c = in[i];
        if (c == '\0') {
            *used = i;
            return -1;
        }
        if (c == '\r') {
            if (i + 1 == len) {
                d->pending_cr = 1; /* wait for the next buffer */
                i++;
                continue;
            }
            out[o++] = '\r';
            out[o++] = '\n';
            i += in[i + 1] == '\n' ? 2 : 1;
            d->line_start = 1;
            continue;
        }
        if (c == '\n') {
            out[o++] = '\r';
            out[o++] = '\n';
            i++;
            d->line_start = 1;
            continue;
        }
        if (d->line_start) {
            d->line_start = 0;
            if (c == '.' && d->stuff) {
                out[o++] = '.';
                out[o++] = '.';
                i++;
                continue;
            }
        }
        /* Leave room for the expansion of the byte after the run. */
        size_t room = cap - o - (MW_SMTP_DOT_MAX_EXPANSION - 1);
        size_t n = plain_run(in + i, len - i < room ? len - i : room);
        if (n == 0) {
            out[o++] = in[i++];
            continue;
        }
        memcpy(out + o, in + i, n);
        o += n;
        i += n;
    }
    *used = i;
    return (long)o;
}

size_t mw_smtp_dot_final(mw_smtp_dot *d, char *out)
{
    size_t o = 0;
    if (d->pending_cr || !d->line_start) {
        out[o++] = '\r';
        out[o++] = '\n';
    }
    d->pending_cr = 0;
    d->line_start = 1;
    if (d->stuff) {
        out[o++] = '.';
        out[o++] = '\r';
        out[o++] = '\n';
    }
    return o;
}
