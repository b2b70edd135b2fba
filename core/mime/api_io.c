/* The public message API: import (parse) and export (write) (mime.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/mime.h>

#include "../platform/file.h"
#include "../session/errors.h"
#include "../util/alloc.h"
#include "../util/buf.h"
#include "../util/str.h"
#include "parse.h"
#include "store.h"
#include "writer.h"

#define READ_CHUNK 65536

/* Install the parsed tree into m (after a successful mw_parser_finish()). */
static void install(mw_msg *m, mw_part *root)
{
    mw_msg_clear(m);
    m->root = root;
    m->imported = 1;
    m->seed[0] = 0;
    m->idrand[0] = 0;
}

static int import_done(mw_msg *m, mw_parser *p, unsigned err)
{
    mw_part *root = NULL;
    if (!err)
        err = mw_parser_finish(p, &root);
    if (err) {
        mw_set_error(err, "%s", mw_parser_detail(p));
        mw_parser_free(p);
        mw_msg_clear(m);
        m->imported = 1;
        return MIME_ERROR;
    }
    mw_parser_free(p);
    install(m, root);
    if (mw_msg_index(m) != 0) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

static int check_options(uint32_t o)
{
    if (o & ~MIME_IMPORT_STRICT) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "unknown import options");
        return -1;
    }
    return 0;
}

int MimeImportMessage(HMESSAGE hMessage, const char *lpszFileName, uint32_t dwOptions)
{
    mw_msg *m = mw_msg_for_change(hMessage);
    if (!m || check_options(dwOptions))
        return MIME_ERROR;
    if (!lpszFileName) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszFileName is NULL");
        return MIME_ERROR;
    }
    char why[300];
    mw_store *st = NULL;
    unsigned err = mw_store_open_file(lpszFileName, &st, why, sizeof why);
    if (err) {
        mw_set_error(err, "%s", why);
        return MIME_ERROR;
    }
    FILE *fp = mw_fopen(lpszFileName, "rb");
    char *buf = mw_malloc(READ_CHUNK);
    mw_parser *p = (fp && buf) ? mw_parser_new(st, 1, dwOptions) : NULL;
    mw_store_unref(st);
    if (!fp || !buf || !p) {
        err = !fp ? ST_ERROR_FILE : ST_ERROR_OUT_OF_MEMORY;
        mw_set_error(err, "%s: %s", lpszFileName, !fp ? strerror(errno) : "out of memory");
        if (fp)
            fclose(fp);
        free(buf);
        mw_parser_free(p);
        return MIME_ERROR;
    }
    size_t n;
    while (!err && (n = fread(buf, 1, READ_CHUNK, fp)) > 0)
        err = mw_parser_feed(p, buf, n);
    if (!err && ferror(fp))
        err = ST_ERROR_FILE;
    fclose(fp);
    free(buf);
    return import_done(m, p, err);
}

int MimeImportMessageData(HMESSAGE hMessage, const void *lpvData, size_t cbData, uint32_t dwOptions)
{
    mw_msg *m = mw_msg_for_change(hMessage);
    if (!m || check_options(dwOptions))
        return MIME_ERROR;
    if (!lpvData && cbData) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpvData is NULL");
        return MIME_ERROR;
    }
    mw_store *st = mw_store_new_mem();
    unsigned err = st ? mw_store_append(st, lpvData, cbData) : ST_ERROR_OUT_OF_MEMORY;
    mw_parser *p = err ? NULL : mw_parser_new(st, 0, dwOptions);
    mw_store_unref(st);
    if (!p) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    return import_done(m, p, mw_parser_feed(p, lpvData, cbData));
}

int MimeImportBegin(HMESSAGE hMessage, uint32_t dwOptions)
{
    mw_msg *m = mw_msg_for_change(hMessage);
    if (!m || check_options(dwOptions))
        return MIME_ERROR;
    mw_store *st = mw_store_new_spill(MIME_SPILL_THRESHOLD);
    mw_parser *p = st ? mw_parser_new(st, 1, dwOptions) : NULL;
    mw_store_unref(st);
    if (!p) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    mw_msg_clear(m);
    m->imported = 1;
    m->parser = p;
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MimeImportWrite(HMESSAGE hMessage, const void *lpvData, size_t cbData)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!m->parser) {
        mw_set_error(ST_ERROR_INVALID_STATE, "no import started (MimeImportBegin())");
        return MIME_ERROR;
    }
    if (!lpvData && cbData) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpvData is NULL");
        return MIME_ERROR;
    }
    unsigned err = mw_parser_feed(m->parser, lpvData, cbData);
    if (err) {
        mw_parser *p = m->parser;
        m->parser = NULL;
        return import_done(m, p, err);
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MimeImportEnd(HMESSAGE hMessage)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!m->parser) {
        mw_set_error(ST_ERROR_INVALID_STATE, "no import started (MimeImportBegin())");
        return MIME_ERROR;
    }
    mw_parser *p = m->parser;
    m->parser = NULL;
    return import_done(m, p, 0);
}

/* --- export ---------------------------------------------------------------------------- */

static int export_to(HMESSAGE h, uint32_t options, int (*out)(void *, const char *, size_t),
                     void *user)
{
    mw_msg *m = mw_msg_of(h);
    if (!m)
        return MIME_ERROR;
    if (options & ~(MIME_EXPORT_8BIT | MIME_EXPORT_UTF8 | MIME_EXPORT_NOBCC)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "unknown export options");
        return MIME_ERROR;
    }
    if (m->parser) {
        mw_set_error(ST_ERROR_BUSY, "an import is in progress");
        return MIME_ERROR;
    }
    char why[300];
    mw_writer *w = NULL;
    unsigned err = mw_writer_new(m, options, &w, why, sizeof why);
    if (err) {
        mw_set_error(err, "%s", why);
        return MIME_ERROR;
    }
    char *buf = mw_malloc(READ_CHUNK);
    long r = buf ? 1 : -1;
    while (buf && (r = mw_writer_read(w, buf, READ_CHUNK)) > 0) {
        if (out(user, buf, (size_t)r)) {
            mw_set_error(ST_ERROR_CALLBACK_FAILED, "the output stopped");
            break;
        }
    }
    if (!buf)
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
    else if (r < 0)
        mw_set_error(mw_writer_error(w), "%s", mw_writer_detail(w));
    else if (r == 0)
        mw_set_error(ST_ERROR_NONE, NULL);
    int ok = buf && r == 0;
    free(buf);
    mw_writer_free(w);
    return ok ? 0 : MIME_ERROR;
}

static int to_file(void *user, const char *p, size_t n)
{
    return fwrite(p, 1, n, (FILE *)user) != n;
}

int MimeExportMessage(HMESSAGE hMessage, const char *lpszFileName, uint32_t dwOptions)
{
    if (!mw_msg_of(hMessage))
        return MIME_ERROR;
    if (!lpszFileName || !*lpszFileName) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszFileName is empty");
        return MIME_ERROR;
    }
    FILE *fp = mw_fopen(lpszFileName, "wb");
    if (!fp) {
        mw_set_error(ST_ERROR_FILE, "%s: %s", lpszFileName, strerror(errno));
        return MIME_ERROR;
    }
    int r = export_to(hMessage, dwOptions, to_file, fp);
    if (r != 0 && mw_get_error() == ST_ERROR_CALLBACK_FAILED)
        mw_set_error(ST_ERROR_FILE, "%s: %s", lpszFileName, strerror(errno));
    if (fclose(fp) != 0 && r == 0) {
        mw_set_error(ST_ERROR_FILE, "%s: %s", lpszFileName, strerror(errno));
        r = MIME_ERROR;
    }
    if (r != 0)
        remove(lpszFileName);
    return r;
}

typedef struct cb_out {
    MIMEWRITEPROC fn;
    void *user;
} cb_out;

static int to_cb(void *user, const char *p, size_t n)
{
    cb_out *c = user;
    return c->fn(c->user, p, n) != 0;
}

int MimeExportMessageEx(HMESSAGE hMessage, uint32_t dwOptions, MIMEWRITEPROC lpfnWrite,
                        void *lpUserData)
{
    if (!lpfnWrite) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpfnWrite is NULL");
        return MIME_ERROR;
    }
    cb_out c = {lpfnWrite, lpUserData};
    return export_to(hMessage, dwOptions, to_cb, &c);
}

static int to_mem(void *user, const char *p, size_t n)
{
    mw_buf *b = user;
    mw_buf_put(b, p, n);
    return b->failed;
}

int MimeExportMessageToMemory(HMESSAGE hMessage, uint32_t dwOptions, char **lppBuffer,
                              size_t *lpcbBuffer)
{
    if (!lppBuffer || !lpcbBuffer) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lppBuffer and lpcbBuffer are required");
        return MIME_ERROR;
    }
    *lppBuffer = NULL;
    *lpcbBuffer = 0;
    mw_buf b;
    mw_buf_init(&b, 0, 0);
    int r = export_to(hMessage, dwOptions, to_mem, &b);
    if (r != 0) {
        if (b.failed)
            mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        mw_buf_free(&b);
        return MIME_ERROR;
    }
    size_t n = b.len;
    *lppBuffer = mw_buf_take(&b);
    if (!*lppBuffer) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    *lpcbBuffer = n;
    return 0;
}

void MimeFreeMemory(void *lpBuffer)
{
    free(lpBuffer);
}

int MimeGetMessageSize(HMESSAGE hMessage, uint32_t dwOptions, uint64_t *lpqwSize)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!lpqwSize) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpqwSize is NULL");
        return MIME_ERROR;
    }
    char why[300];
    mw_writer *w = NULL;
    unsigned err = mw_writer_new(m, dwOptions, &w, why, sizeof why);
    if (err) {
        mw_set_error(err, "%s", why);
        return MIME_ERROR;
    }
    if (!mw_writer_size(w, lpqwSize) && (err = mw_writer_count(w, lpqwSize)) != 0) {
        mw_set_error(err, "%s", mw_writer_detail(w));
        mw_writer_free(w);
        return MIME_ERROR;
    }
    mw_writer_free(w);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}
