/* Byte stores; see store.h. */
#ifndef _WIN32
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L /* fseeko */
#endif
#include "../platform/file.h"
#include "store.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/alloc.h"

enum { ST_MEM, ST_FILE, ST_SPILL };

struct mw_store {
    atomic_int refs;
    int kind;
    char *mem;
    size_t len, cap, threshold;
    FILE *fp;
    uint64_t size;
    int has_nul, has_long;
    mw_mutex_t lock;
};

static mw_store *store_new(int kind)
{
    mw_store *s = mw_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    atomic_init(&s->refs, 1);
    s->kind = kind;
    mw_mutex_init(&s->lock);
    return s;
}

mw_store *mw_store_new_mem(void)
{
    return store_new(ST_MEM);
}

mw_store *mw_store_new_spill(size_t threshold)
{
    mw_store *s = store_new(ST_SPILL);
    if (s)
        s->threshold = threshold;
    return s;
}

static int seek_to(FILE *f, uint64_t off)
{
#ifdef _WIN32
    return _fseeki64(f, (long long)off, SEEK_SET);
#else
    return fseeko(f, (off_t)off, SEEK_SET);
#endif
}

unsigned mw_store_open_file(const char *path, mw_store **out, char *why, size_t why_size)
{
    *out = NULL;
    mw_store *s = store_new(ST_FILE);
    if (!s) {
        snprintf(why, why_size, "out of memory");
        return ST_ERROR_OUT_OF_MEMORY;
    }
    s->fp = mw_fopen(path, "rb");
    if (!s->fp) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        mw_store_unref(s);
        return ST_ERROR_FILE;
    }
    *out = s;
    return 0;
}

unsigned mw_store_append(mw_store *s, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    if (s->kind == ST_FILE) {
        s->size += n; /* the parser reads the file itself; only the size is kept */
        return 0;
    }
    if (s->kind == ST_SPILL && !s->fp && s->len + n > s->threshold) {
        s->fp = tmpfile();
        if (!s->fp)
            return ST_ERROR_FILE;
        if (s->len && fwrite(s->mem, 1, s->len, s->fp) != s->len)
            return ST_ERROR_FILE;
        free(s->mem);
        s->mem = NULL;
        s->len = s->cap = 0;
    }
    if (s->fp) {
        mw_mutex_lock(&s->lock);
        int bad = fseek(s->fp, 0, SEEK_END) != 0 || fwrite(p, 1, n, s->fp) != n;
        mw_mutex_unlock(&s->lock);
        if (bad)
            return ST_ERROR_FILE;
        s->size += n;
        return 0;
    }
    if (s->len + n > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + n) {
            if (cap > SIZE_MAX / 2)
                return ST_ERROR_OUT_OF_MEMORY;
            cap *= 2;
        }
        char *m = mw_realloc(s->mem, cap);
        if (!m)
            return ST_ERROR_OUT_OF_MEMORY;
        s->mem = m;
        s->cap = cap;
    }
    memcpy(s->mem + s->len, p, n);
    s->len += n;
    s->size += n;
    return 0;
}

long mw_store_read(mw_store *s, uint64_t off, void *buf, size_t n)
{
    if (off >= s->size)
        return 0;
    if (n > s->size - off)
        n = (size_t)(s->size - off);
    if (n > 0x7fffffffu)
        n = 0x7fffffffu;
    if (!s->fp) {
        memcpy(buf, s->mem + off, n);
        return (long)n;
    }
    mw_mutex_lock(&s->lock);
    size_t r = 0;
    if (seek_to(s->fp, off) == 0)
        r = fread(buf, 1, n, s->fp);
    int err = r < n;
    mw_mutex_unlock(&s->lock);
    return err ? -1 : (long)r;
}

uint64_t mw_store_size(const mw_store *s)
{
    return s->size;
}

void mw_store_set_flags(mw_store *s, int has_nul, int has_long_line)
{
    s->has_nul |= has_nul;
    s->has_long |= has_long_line;
}

int mw_store_needs_scan(const mw_store *s)
{
    return s->has_nul || s->has_long;
}

void mw_store_ref(mw_store *s)
{
    atomic_fetch_add(&s->refs, 1);
}

void mw_store_unref(mw_store *s)
{
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    if (s->fp)
        fclose(s->fp);
    free(s->mem);
    mw_mutex_destroy(&s->lock);
    free(s);
}
