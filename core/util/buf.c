/* The growable buffer; see buf.h. */
#include "buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "str.h"

void mw_buf_init(mw_buf *b, size_t max, int secret)
{
    memset(b, 0, sizeof *b);
    b->max = max;
    b->secret = secret != 0;
}

static int fail(mw_buf *b)
{
    b->failed = 1;
    return -1;
}

int mw_buf_reserve(mw_buf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (more > SIZE_MAX - 1 - b->len)
        return fail(b);
    size_t need = b->len + more + 1; /* the NUL */
    if (b->max && b->len + more > b->max)
        return fail(b);
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->max && cap > b->max + 1)
        cap = need > b->max + 1 ? need : b->max + 1;
    char *np;
    if (b->secret) {
        /* realloc() could leave a copy of the secret in the block it frees. */
        np = mw_malloc(cap);
        if (!np)
            return fail(b);
        if (b->p) {
            memcpy(np, b->p, b->len);
            mw_wipe(b->p, b->len);
            free(b->p);
        }
    } else {
        np = mw_realloc(b->p, cap);
        if (!np)
            return fail(b);
    }
    b->p = np;
    b->cap = cap;
    b->p[b->len] = 0;
    return 0;
}

void mw_buf_put(mw_buf *b, const void *data, size_t n)
{
    if (n == 0 || mw_buf_reserve(b, n))
        return;
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = 0;
}

void mw_buf_puts(mw_buf *b, const char *s)
{
    mw_buf_put(b, s, strlen(s));
}

void mw_buf_printf(mw_buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fail(b);
        return;
    }
    if (mw_buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void mw_buf_commit(mw_buf *b, size_t n)
{
    b->len += n;
    b->p[b->len] = 0;
}

void mw_buf_consume(mw_buf *b, size_t n)
{
    if (n >= b->len) {
        mw_buf_truncate(b, 0);
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    size_t old = b->len;
    b->len -= n;
    if (b->secret)
        mw_wipe(b->p + b->len, old - b->len);
    b->p[b->len] = 0;
}

void mw_buf_truncate(mw_buf *b, size_t len)
{
    if (len >= b->len)
        return;
    if (b->secret)
        mw_wipe(b->p + len, b->len - len);
    b->len = len;
    b->p[len] = 0;
}

void mw_buf_reset(mw_buf *b)
{
    if (b->p)
        mw_buf_truncate(b, 0);
    b->failed = 0;
}

void mw_buf_shrink(mw_buf *b, size_t keep)
{
    mw_buf_reset(b);
    if (b->cap <= keep || !b->p)
        return;
    if (keep == 0) {
        free(b->p);
        b->p = NULL;
        b->cap = 0;
        return;
    }
    char *np = mw_realloc(b->p, keep); /* empty: nothing secret can be left behind */
    if (np) {
        b->p = np;
        b->cap = keep;
    }
}

void mw_buf_free(mw_buf *b)
{
    if (b->p && b->secret)
        mw_wipe(b->p, b->len);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

char *mw_buf_take(mw_buf *b)
{
    if (b->failed) {
        mw_buf_free(b);
        return NULL;
    }
    if (!b->p && mw_buf_reserve(b, 0))
        return NULL;
    char *p = b->p;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

const char *mw_buf_str(const mw_buf *b)
{
    return b->p ? b->p : "";
}

void *mw_grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap && arr)
        return arr;
    size_t n = *cap ? *cap : 8;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return NULL;
        n *= 2;
    }
    if (elem == 0 || n > SIZE_MAX / elem)
        return NULL;
    void *np = mw_realloc(arr, n * elem);
    if (!np)
        return NULL;
    *cap = n;
    return np;
}
