/* Message sources; see source.h. */
#ifndef _WIN32
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L /* fseeko, ftello */
#endif
#include "source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../mime/msg.h"
#include "../mime/writer.h"
#include "../platform/file.h"
#include "../util/alloc.h"
#include "../util/str.h"

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

/* Eight octets all in 0x20..0x7e or DEL (none ends a line, is 8-bit or NUL): the common case
 * of a body, checked a word at a time. A byte below 0x20 makes (b - 0x20) borrow into its top
 * bit while its own top bit is clear; a byte of 0x80 or more has its top bit set. */
static int plain8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    const uint64_t top = 0x8080808080808080u, x20 = 0x2020202020202020u;
    return ((w | ((w - x20) & ~w)) & top) == 0;
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
    /* Body: 8-bit, NUL and line lengths matter. On locals, eight plain octets at a time where
     * no line can reach the limit inside them: this scan runs over every byte sent, and byte
     * by byte through the structure it took a fifth of the client's CPU into smtp-sink. */
    uint64_t len = sc->line_len, base = sc->offset;
    int bit8 = sc->has_8bit, nul = sc->has_nul, longl = sc->has_long_line;
    while (i < n && !(bit8 && nul && longl)) {
        if (n - i >= 8 && (longl || len + 8 <= MW_SMTP_MAX_LINE) && plain8(u + i)) {
            len += 8;
            i += 8;
            continue;
        }
        unsigned char c = u[i];
        if (c >= 0x80) {
            bit8 = 1;
        } else if (c == 0 && !nul) {
            nul = 1;
            sc->nul_offset = base + i;
        }
        if (c == '\r' || c == '\n') {
            len = 0;
        } else if (++len == MW_SMTP_MAX_LINE + 1 && !longl) {
            longl = 1;
            sc->long_line_offset = base + i + 1 - len;
        }
        i++;
    }
    sc->line_len = len;
    sc->has_8bit = bit8;
    sc->has_nul = nul;
    sc->has_long_line = longl;
    sc->offset += n;
}

/* ---- memory ----------------------------------------------------------------------------- */

typedef struct mem_src {
    const char *start, *p;
    size_t size, n;
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

static int mem_rewind(void *ctx)
{
    mem_src *m = ctx;
    m->p = m->start;
    m->n = m->size;
    return 0;
}

static void mem_close(void *ctx)
{
    free(ctx);
}

unsigned mw_smtp_source_memory(mw_smtp_source *src, const char *p, size_t n)
{
    mem_src *m = mw_calloc(1, sizeof *m);
    if (!m)
        return ST_ERROR_OUT_OF_MEMORY;
    m->start = m->p = p;
    m->size = m->n = n;
    memset(src, 0, sizeof *src);
    src->next = mem_next;
    src->close = mem_close;
    src->rewind = mem_rewind;
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

static int file_rewind(void *ctx)
{
    file_src *fs = ctx;
    if (fseek(fs->f, 0, SEEK_SET) != 0) {
        snprintf(fs->detail, sizeof fs->detail, "seek: %s", strerror(errno));
        return -1;
    }
    clearerr(fs->f);
    return 0;
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

unsigned mw_smtp_source_file(mw_smtp_source *src, const char *path, char *why, size_t why_size)
{
    file_src *fs = mw_malloc(sizeof *fs);
    if (!fs)
        return ST_ERROR_OUT_OF_MEMORY;
    fs->detail[0] = 0;
    fs->f = mw_fopen(path, "rb");
    if (!fs->f) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        free(fs);
        return ST_ERROR_FILE;
    }
    /* The size for SIZE= and the progress, without reading the file: the engine reads it in
     * slices during the steps (the scan), so opening it stays O(1). */
    long long size = -1;
#ifdef _WIN32
    if (_fseeki64(fs->f, 0, SEEK_END) == 0)
        size = (long long)_ftelli64(fs->f);
#else
    if (fseeko(fs->f, 0, SEEK_END) == 0)
        size = (long long)ftello(fs->f);
#endif
    if (size < 0 || fseek(fs->f, 0, SEEK_SET) != 0) {
        snprintf(why, why_size, "%s: %s", path, strerror(errno));
        file_close(fs);
        return ST_ERROR_FILE;
    }
    memset(src, 0, sizeof *src);
    src->next = file_next;
    src->detail = file_detail;
    src->close = file_close;
    src->rewind = file_rewind;
    src->ctx = fs;
    src->total = (uint64_t)size;
    return ST_ERROR_NONE;
}

unsigned mw_smtp_message_source(mw_smtp_source *src, const void *msg, size_t len, int is_file,
                                char *why, size_t why_size)
{
    why[0] = 0;
    unsigned err = is_file ? mw_smtp_source_file(src, msg, why, why_size)
                           : mw_smtp_source_memory(src, msg, len);
    if (!err)
        src->scan = 1;
    else if (err == ST_ERROR_OUT_OF_MEMORY)
        snprintf(why, why_size, "out of memory");
    return err;
}

/* ---- message object ---------------------------------------------------------------------- */

typedef struct msg_src {
    mw_writer *w;
    char buf[FILE_CHUNK];
} msg_src;

static long msg_next(void *ctx, const char **p)
{
    msg_src *ms = ctx;
    *p = ms->buf;
    return mw_writer_read(ms->w, ms->buf, sizeof ms->buf);
}

static int msg_rewind(void *ctx)
{
    return mw_writer_rewind(((msg_src *)ctx)->w);
}

static const char *msg_detail(void *ctx)
{
    return mw_writer_detail(((msg_src *)ctx)->w);
}

static void msg_close(void *ctx)
{
    msg_src *ms = ctx;
    mw_writer_free(ms->w);
    free(ms);
}

unsigned mw_smtp_source_message(mw_smtp_source *src, struct mw_msg *m, uint32_t options,
                                int *need_8bit, int *need_smtputf8, char *why, size_t why_size)
{
    msg_src *ms = mw_malloc(sizeof *ms);
    if (!ms) {
        mw_strlcpy(why, "out of memory", why_size);
        return ST_ERROR_OUT_OF_MEMORY;
    }
    unsigned err = mw_writer_new(m, options | MIME_EXPORT_NOBCC, &ms->w, why, why_size);
    if (err) {
        free(ms);
        return err;
    }
    memset(src, 0, sizeof *src);
    src->next = msg_next;
    src->detail = msg_detail;
    src->close = msg_close;
    src->rewind = msg_rewind;
    src->ctx = ms;
    uint64_t total = 0;
    src->scan = !mw_writer_size(ms->w, &total) || mw_writer_needs_scan(ms->w);
    src->total = total;
    *need_8bit = mw_writer_needs_8bit(ms->w);
    *need_smtputf8 = mw_writer_needs_smtputf8(ms->w);
    return ST_ERROR_NONE;
}
