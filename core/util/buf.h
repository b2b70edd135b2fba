/* The one growable byte buffer and the one array-growth helper of the library (internal).
 *
 * Every buffer that grows as data arrives (command queues, reply text, collected results,
 * composed header text) is an mw_buf, so the rules live in one place:
 *   - a size cap (max): an append that would pass it fails instead of growing without bound;
 *   - a sticky failure flag: after a failed append (out of memory or over the cap) later
 *     appends do nothing, so a caller may build a whole command and check once at the end;
 *   - secret buffers (credentials, AUTH responses) wipe every byte they drop: on consume,
 *     truncate, reset, free and when growing moves the data. Only bytes that were written are
 *     wiped, never the whole capacity, so freeing a large buffer stays cheap;
 *   - the content is always NUL-terminated (p[len] == 0) once anything was allocated, so text
 *     can be handed out as a C string without a copy. */
#ifndef MW_UTIL_BUF_H
#define MW_UTIL_BUF_H

#include <stddef.h>

#include "../platform/platform.h"

typedef struct mw_buf {
    char *p;              /* the bytes; NULL until the first append */
    size_t len;           /* bytes held */
    size_t cap;           /* bytes allocated, the terminating NUL included */
    size_t max;           /* largest len allowed; 0: no cap but address space */
    unsigned char failed; /* sticky: an append failed (out of memory, or max) */
    unsigned char secret; /* wipe every byte that is dropped */
} mw_buf;

/* An empty buffer: max 0 for no cap, secret non-zero for credentials. Needs no free until
 * something was appended, but mw_buf_free() is always safe. */
MW_INTERNAL void mw_buf_init(mw_buf *b, size_t max, int secret);
/* Make room for `more` bytes after len. 0, or -1 with the failure flag set. */
MW_INTERNAL int mw_buf_reserve(mw_buf *b, size_t more);
MW_INTERNAL void mw_buf_put(mw_buf *b, const void *data, size_t n);
MW_INTERNAL void mw_buf_puts(mw_buf *b, const char *s);
/* One octet: inline while there is room (the header and MIME decoders append octet by
 * octet), mw_buf_put() otherwise, which grows, caps and fails as described above. */
static inline void mw_buf_putc(mw_buf *b, char c)
{
    if (b->len + 1 < b->cap && !b->failed && (!b->max || b->len < b->max)) {
        b->p[b->len++] = c;
        b->p[b->len] = 0;
        return;
    }
    mw_buf_put(b, &c, 1);
}
MW_INTERNAL void mw_buf_printf(mw_buf *b, const char *fmt, ...) MW_PRINTF(2, 3);
/* Writing in place: after mw_buf_reserve(b, more) succeeded, mw_buf_tail() has room for
 * more bytes, and mw_buf_commit() adds the first n of them to the content (n <= more). */
static inline char *mw_buf_tail(mw_buf *b)
{
    return b->p + b->len;
}
MW_INTERNAL void mw_buf_commit(mw_buf *b, size_t n);
/* Drop n bytes from the front (n > len: all); later bytes move down. */
MW_INTERNAL void mw_buf_consume(mw_buf *b, size_t n);
/* Cut the content to its first len bytes (no-op when it is shorter). */
MW_INTERNAL void mw_buf_truncate(mw_buf *b, size_t len);
/* Empty, keep the memory, clear the failure flag. */
MW_INTERNAL void mw_buf_reset(mw_buf *b);
/* Empty and give back memory beyond keep bytes of capacity (0: all of it), so a buffer that
 * once held a large burst does not pin it for the session's life. */
MW_INTERNAL void mw_buf_shrink(mw_buf *b, size_t keep);
MW_INTERNAL void mw_buf_free(mw_buf *b);
/* The content as a NUL-terminated string owned by the caller ("" when empty), or NULL after
 * a failure or when out of memory; the buffer is left empty either way. */
MW_INTERNAL char *mw_buf_take(mw_buf *b);
/* The content as a C string, "" when nothing was appended. */
MW_INTERNAL const char *mw_buf_str(const mw_buf *b);

/* Grow an array of elements of elem bytes so that it holds at least need of them (doubling
 * from 8, overflow-checked). *cap is the count of elements allocated now. Returns the array
 * (moved or not) with *cap updated, or NULL when out of memory or the size overflows; the
 * old array is then unchanged and still the caller's:
 *     T *nv = mw_grow(v, &cap, n + 1, sizeof *v); if (!nv) fail; v = nv; */
MW_INTERNAL void *mw_grow(void *arr, size_t *cap, size_t need, size_t elem);

#endif
