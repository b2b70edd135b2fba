/* Small helpers shared by the fuzz targets: a growable byte buffer for result digests (two
 * runs over the same input are compared digest against digest) and a chunk-size generator
 * that derives split points from the input. Header-only, test code only. */
#ifndef MW_FUZZ_UTIL_H
#define MW_FUZZ_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fz_buf {
    char *p;
    size_t len, cap;
} fz_buf;

static inline void fz_put(fz_buf *b, const void *p, size_t n)
{
    /* Digests stay far below this; the bound also tells an optimising compiler so (gcc -O2
     * otherwise warns about an impossible SIZE_MAX-byte memcpy). */
    if (n > ((size_t)1 << 30) || b->len > ((size_t)1 << 30))
        abort();
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np)
            abort();
        b->p = np;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = 0;
}

static inline void fz_putc(fz_buf *b, char c)
{
    fz_put(b, &c, 1);
}

/* A number as 8 bytes, so that digests cannot alias across fields. */
static inline void fz_putu(fz_buf *b, uint64_t v)
{
    fz_put(b, &v, sizeof v);
}

/* A length-prefixed string. */
static inline void fz_puts(fz_buf *b, const char *p, size_t n)
{
    fz_putu(b, n);
    fz_put(b, p, n);
}

static inline void fz_free(fz_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static inline int fz_same(const fz_buf *a, const fz_buf *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* Chunk sizes from a seed: seed 0 means one whole feed; otherwise 1..seed bytes, varying
 * with the position so that every boundary offset gets hit. */
static inline size_t fz_chunk(unsigned seed, size_t pos, size_t left)
{
    size_t c = seed ? 1 + (seed * 7u + pos * 13u) % seed : left;
    return c < left ? c : left;
}

#endif
