/* Message sources; see source.h. */
#ifndef _WIN32
#define _FILE_OFFSET_BITS 64
#endif
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/alloc.h"

/* Read size of the file source: one refill of the engine's output buffer. */
#define FILE_CHUNK (256u * 1024u)

void mw_smtp_scan_init(mw_smtp_scan *sc)
{
    memset(sc, 0, sizeof *sc);
    sc->in_header = 1;
    sc->line_empty = 1;
}

/* Line lengths: a line ends at CR or LF (the DATA encoder makes either a CRLF), so a bare CR
 * cannot hide a long line. Over-long lines are refused, not wrapped: the message is the
 * caller's and wrapping would change it silently (security checklist item 39). */
static void scan_line(mw_smtp_scan *sc, unsigned char c, uint64_t at)
{
    if (c == '\r' || c == '\n') {
        sc->line_len = 0;
        return;
    }
    if (++sc->line_len == MW_SMTP_MAX_LINE + 1 && !sc->has_long_line) {
        sc->has_long_line = 1;
        sc->long_line_offset = at + 1 - sc->line_len;
    }
}

void mw_smtp_scan_update(mw_smtp_scan *sc, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    /* Header section: byte by byte until the first empty line (CRLF CRLF or LF LF). */
    for (; i < n && sc->in_header; i++) {
        unsigned char c = u[i];
        if (c == '\n') {
            if (sc->line_empty)
                sc->in_header = 0;
            sc->line_empty = 1;
        } else if (c != '\r') {
            sc->line_empty = 0;
        }
        if (c >= 0x80)
            sc->has_8bit = sc->header_8bit = 1;
        if (c == 0 && !sc->has_nul) {
            sc->has_nul = 1;
            sc->nul_offset = sc->offset + i;
        }
        scan_line(sc, c, sc->offset + i);
    }
    /* Body: 8-bit, NUL and line lengths matter. */
    for (; i < n && !(sc->has_8bit && sc->has_nul && sc->has_long_line); i++) {
        unsigned char c = u[i];
        if (c >= 0x80)
            sc->has_8bit = 1;
        else if (c == 0 && !sc->has_nul) {
            sc->has_nul = 1;
            sc->nul_offset = sc->offset + i;
        }
        scan_line(sc, c, sc->offset + i);
    }
    sc->offset += n;
}

/* ---- memory ----------------------------------------------------------------------------- */

typedef struct mem_src {
    const char *p;
    size_t n;
    char *owned;
} mem_src;

static long mem_next(void *ctx, const char **p)
{
    mem_src *m = ctx;
    size_t n = m->n;
    *p = m->p;
    m->p += n;
    m->n = 0;
    /* Spans above LONG_MAX cannot occur on the platforms supported (size_t == long). */
    return (long)n;
}

static void mem_close(void *ctx)
{
    mem_src *m = ctx;
    free(m->owned);
    free(m);
}

unsigned mw_smtp_source_memory(mw_smtp_source *src, const char *p, size_t n, int copy)
{
    mem_src *m = mw_calloc(1, sizeof *m);
    if (!m || (copy && n && !(m->owned = mw_malloc(n)))) {
        free(m);
        return ST_ERROR_OUT_OF_MEMORY;
    }
    if (copy && n) {
        memcpy(m->owned, p, n);
        p = m->owned;
    }
    m->p = p;
    m->n = n;
    memset(src, 0, sizeof *src);
    src->next = mem_next;
    src->close = mem_close;
    src->ctx = m;
    src->total = n;
    return ST_ERROR_NONE;
}

/* ---- file ------------------------------------------------------------------------------- */

typedef struct file_src {
    FILE *f;
    char detail[160];
    char buf[FILE_CHUNK];
} file_src;

static long file_next(void *ctx, const char **p)
{
    file_src *fs = ctx;
    size_t n = fread(fs->buf, 1, sizeof fs->buf, fs->f);
    if (n == 0 && ferror(fs->f)) {
        snprintf(fs->detail, sizeof fs->detail, "read error: %s", strerror(errno));
        return -1;
    }
    *p = fs->buf;
    return (long)n;
}

static const char *file_detail(void *ctx)
{
    return ((file_src *)ctx)->detail;
}

static void file_close(void *ctx)
{
    file_src *fs = ctx;
    if (fs->f)
        fclose(fs->f);
    free(fs);
}

unsigned mw_smtp_source_file(mw_smtp_source *src, const char *path, mw_smtp_scan *scan, char *why,
                             size_t why_size)
{
    file_src *fs = mw_malloc(sizeof *fs);
    if (!fs)
        return ST_ERROR_OUT_OF_MEMORY;
    fs->detail[0] = 0;
    fs->f = fopen(path, "rb");
    if (!fs->f) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        free(fs);
        return ST_ERROR_FILE;
    }
    uint64_t total = 0;
    size_t n;
    if (scan)
        mw_smtp_scan_init(scan);
    while ((n = fread(fs->buf, 1, sizeof fs->buf, fs->f)) > 0) {
        total += n;
        if (scan)
            mw_smtp_scan_update(scan, fs->buf, n);
    }
    if (ferror(fs->f) || fseek(fs->f, 0, SEEK_SET) != 0) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        file_close(fs);
        return ST_ERROR_FILE;
    }
    memset(src, 0, sizeof *src);
    src->next = file_next;
    src->detail = file_detail;
    src->close = file_close;
    src->ctx = fs;
    src->total = total;
    return ST_ERROR_NONE;
}

unsigned mw_smtp_message_source(mw_smtp_source *src, const void *msg, size_t len, int is_file,
                                int copy, mw_smtp_scan *sc, char *why, size_t why_size)
{
    unsigned err;
    why[0] = 0;
    if (is_file) {
        err = mw_smtp_source_file(src, msg, sc, why, why_size);
        if (err)
            return err;
    } else {
        mw_smtp_scan_init(sc);
        mw_smtp_scan_update(sc, msg, len);
    }
    if (sc->has_nul) {
        snprintf(why, why_size, "NUL byte in the message at offset %llu",
                 (unsigned long long)sc->nul_offset);
        err = ST_ERROR_INVALID_ARGUMENT;
    } else if (sc->has_long_line) {
        snprintf(why, why_size,
                 "the line at offset %llu is longer than %d octets (RFC 5321 section "
                 "4.5.3.1.6); encode the content (quoted-printable or base64)",
                 (unsigned long long)sc->long_line_offset, MW_SMTP_MAX_LINE);
        err = ST_ERROR_INVALID_ARGUMENT;
    } else if (!is_file) {
        err = mw_smtp_source_memory(src, msg, len, copy);
    } else {
        return ST_ERROR_NONE;
    }
    if (err && is_file)
        src->close(src->ctx);
    return err;
}
