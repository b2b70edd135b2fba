/* Fuzz the line assembler: arbitrary bytes, fed in chunks whose sizes come from the input,
 * must give the same lines and the same verdict as one whole feed, and never a line past the
 * limit. Input layout: byte 0 = flags (bit 0: lenient EOL) and chunk-size seed, then data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/proto/line.h"

#define LIMIT 64

/* Feed everything; return a digest: concatenated lines each followed by '\n', and the final
 * verdict byte. The caller frees. */
static char *run(const uint8_t *d, size_t n, unsigned flags, unsigned seed, size_t *out_len)
{
    mw_line_asm a;
    mw_line_init(&a, LIMIT, flags);
    char *out = malloc(2 * n + 8);
    size_t o = 0, pos = 0;
    int verdict = 0;
    if (!out)
        abort();
    while (pos < n && verdict >= 0) {
        size_t chunk = seed ? 1 + (seed + pos) % seed : n - pos;
        if (chunk > n - pos)
            chunk = n - pos;
        size_t done = 0;
        while (done < chunk) {
            size_t used = 0, ll = 0;
            const char *line = NULL;
            int r = mw_line_feed(&a, (const char *)d + pos + done, chunk - done, &used, &line, &ll);
            done += used;
            if (r == MW_LINE_COMPLETE) {
                if (ll + 1 > LIMIT || memchr(line, 0, ll))
                    abort(); /* a line past the limit, or a NUL, was handed out */
                memcpy(out + o, line, ll);
                o += ll;
                out[o++] = '\n';
                continue;
            }
            if (r < 0) {
                verdict = r;
                break;
            }
            if (used == 0)
                break;
        }
        pos += chunk;
    }
    out[o++] = (char)(verdict + 16);
    mw_line_free(&a);
    *out_len = o;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0] & 1 ? MW_LINE_LENIENT_EOL : 0;
    unsigned seed = data[0] >> 1;
    size_t la, lb;
    char *a = run(data + 1, size - 1, flags, 0, &la);
    char *b = run(data + 1, size - 1, flags, seed ? seed : 1, &lb);
    if (la != lb || memcmp(a, b, la) != 0)
        abort(); /* chunking changed the result */
    free(a);
    free(b);
    return 0;
}
