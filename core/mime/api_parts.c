/* The public message API: bodies, attachments, parts and their content (mime.h). */
#ifndef _WIN32
#define _FILE_OFFSET_BITS 64
#endif
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/mime.h>

#include "../platform/file.h"
#include "../session/errors.h"
#include "../util/alloc.h"
#include "../util/buf.h"
#include "../util/str.h"
#include "build.h"
#include "content.h"
#include "mimetypes.h"
#include "params.h"
#include "parse.h"
#include "store.h"
#include "utf8.h"

static int give(const char *s, size_t n, char *buf, size_t cb)
{
    if (buf && cb) {
        size_t k = n < cb - 1 ? n : cb - 1;
        memcpy(buf, s, k);
        buf[k] = 0;
    }
    return n > INT_MAX ? INT_MAX : (int)n;
}

/* A composed message for a compose call, or NULL with the error set. */
static mw_msg *composable(HMESSAGE h)
{
    mw_msg *m = mw_msg_for_change(h);
    if (m && m->imported) {
        mw_set_error(ST_ERROR_INVALID_STATE,
                     "an imported message keeps its structure: attach it to a new message, or "
                     "change its header fields only");
        return NULL;
    }
    return m;
}

static int body(HMESSAGE h, int html, const char *text, const char *cs)
{
    mw_msg *m = composable(h);
    if (!m)
        return MIME_ERROR;
    char why[300] = "";
    unsigned err = mw_build_body(m, html, text, cs, 1, why, sizeof why);
    if (err) {
        mw_set_error(err, "%s", why);
        return MIME_ERROR;
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MimeSetMessageText(HMESSAGE hMessage, const char *lpszText, const char *lpszCharSet)
{
    return body(hMessage, 0, lpszText, lpszCharSet);
}

int MimeSetMessageHTML(HMESSAGE hMessage, const char *lpszHTML, const char *lpszCharSet)
{
    return body(hMessage, 1, lpszHTML, lpszCharSet);
}

int MimeGetMessageText(HMESSAGE hMessage, char *lpszBuffer, size_t cbBuffer)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m)
        return MIME_ERROR;
    mw_part *p = mw_msg_body(m);
    mw_buf out;
    mw_buf_init(&out, 0, 0);
    char why[300] = "";
    unsigned err = p ? mw_part_text(m, p, &out, why, sizeof why) : 0;
    if (err) {
        mw_buf_free(&out);
        mw_set_error(err, "%s", why);
        return MIME_ERROR;
    }
    int r = give(mw_buf_str(&out), out.len, lpszBuffer, cbBuffer);
    mw_buf_free(&out);
    mw_set_error(ST_ERROR_NONE, NULL);
    return r;
}

/* --- attachments ----------------------------------------------------------------------- */

static int check_type(const char *t)
{
    if (!t)
        return 1;
    const char *slash = strchr(t, '/');
    if (!slash || slash == t || !slash[1] || strchr(slash + 1, '/') || strlen(t) > 127)
        return 0;
    for (; *t; t++)
        if ((unsigned char)*t <= 32 || (unsigned char)*t >= 127 || strchr("()<>@,;:\\\"[]?=", *t))
            return 0;
    return 1;
}

/* Add leaf p (its body set by the caller) with the attach options. */
static int attach(mw_msg *m, mw_part *p, uint32_t options)
{
    p->enc = options & 0x0fu;
    int role = (options & MIME_ATTACH_INLINE) ? MW_ROLE_INLINE : MW_ROLE_ATTACH;
    int idx = mw_build_add(m, p, role);
    if (idx < 0) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return idx;
}

static mw_part *new_leaf(const char *name, const char *type, uint32_t options)
{
    if (!check_type(type) || (options & 0x0fu) > MIME_ENCODING_BASE64 ||
        (options & ~(0x0fu | MIME_ATTACH_INLINE))) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "invalid content type or options");
        return NULL;
    }
    if (name && mw_utf8_check(name, strlen(name)) != strlen(name)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "the file name is not UTF-8");
        return NULL;
    }
    if (!type)
        type = name ? mw_mime_type_for(name) : "application/octet-stream";
    mw_part *p = mw_build_leaf(type, name, (options & MIME_ATTACH_INLINE) != 0);
    if (!p)
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
    return p;
}

int MimeAttachFile(HMESSAGE hMessage, const char *lpszFileName, const char *lpszContentType,
                   uint32_t dwOptions)
{
    mw_msg *m = composable(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!lpszFileName || !*lpszFileName) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszFileName is empty");
        return MIME_ERROR;
    }
    mw_file_info st;
    if (mw_file_stat(lpszFileName, &st) != 0) {
        mw_set_error(ST_ERROR_FILE, "attachment \"%s\": %s", lpszFileName, strerror(errno));
        return MIME_ERROR;
    }
    if (!st.regular) {
        mw_set_error(ST_ERROR_FILE, "attachment \"%s\" is not a regular file", lpszFileName);
        return MIME_ERROR;
    }
    FILE *fp = mw_fopen(lpszFileName, "rb");
    if (!fp) {
        mw_set_error(ST_ERROR_FILE, "attachment \"%s\" cannot be opened: %s", lpszFileName,
                     strerror(errno));
        return MIME_ERROR;
    }
    fclose(fp);
    const char *base = lpszFileName;
    for (const char *q = lpszFileName; *q; q++)
        if (*q == '/' || *q == '\\')
            base = q + 1;
    if (!*base) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "attachment \"%s\" has no file name", lpszFileName);
        return MIME_ERROR;
    }
    mw_part *p = new_leaf(base, lpszContentType, dwOptions);
    if (!p)
        return MIME_ERROR;
    p->body = MW_BODY_FILE;
    p->size = st.size;
    p->path = mw_strndup(lpszFileName, strlen(lpszFileName));
    if (!p->path) {
        mw_part_free(p);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    return attach(m, p, dwOptions);
}

int MimeAttachData(HMESSAGE hMessage, const void *lpvData, size_t cbData, const char *lpszFileName,
                   const char *lpszContentType, uint32_t dwOptions)
{
    mw_msg *m = composable(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!lpvData && cbData) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpvData is NULL");
        return MIME_ERROR;
    }
    mw_part *p = new_leaf(lpszFileName, lpszContentType, dwOptions);
    if (!p)
        return MIME_ERROR;
    p->body = MW_BODY_MEM;
    p->mem = mw_malloc(cbData ? cbData : 1);
    if (!p->mem) {
        mw_part_free(p);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    if (cbData)
        memcpy(p->mem, lpvData, cbData);
    p->mem_len = cbData;
    return attach(m, p, dwOptions);
}

int MimeAttachStream(HMESSAGE hMessage, MIMEREADPROC lpfnRead, void *lpUserData, uint64_t qwSize,
                     const char *lpszFileName, const char *lpszContentType, uint32_t dwOptions)
{
    mw_msg *m = composable(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!lpfnRead) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpfnRead is NULL");
        return MIME_ERROR;
    }
    mw_part *p = new_leaf(lpszFileName, lpszContentType, dwOptions);
    if (!p)
        return MIME_ERROR;
    p->body = MW_BODY_PROC;
    p->proc = lpfnRead;
    p->proc_user = lpUserData;
    p->size = qwSize;
    return attach(m, p, dwOptions);
}

int MimeAttachMessage(HMESSAGE hMessage, HMESSAGE hAttached, uint32_t dwOptions)
{
    mw_msg *m = composable(hMessage);
    if (!m)
        return MIME_ERROR;
    mw_msg *inner = mw_msg_for_change(hAttached);
    if (!inner)
        return MIME_ERROR;
    if (inner == m || dwOptions != 0 || !inner->root) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                     "a message cannot be attached to itself; dwOptions must be 0");
        return MIME_ERROR;
    }
    mw_part *w = mw_build_message_part(inner);
    if (!w) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    int idx = mw_build_add(m, w, MW_ROLE_MESSAGE);
    if (idx < 0) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    inner->magic = 0; /* the handle is gone: it is part of m now */
    mw_msg_unref(inner);
    mw_set_error(ST_ERROR_NONE, NULL);
    return idx;
}

int MimeAttachMessageData(HMESSAGE hMessage, const void *lpvData, size_t cbData, uint32_t dwOptions)
{
    if (!composable(hMessage))
        return MIME_ERROR;
    HMESSAGE inner = MimeCreateMessage();
    if (inner == INVALID_MESSAGE)
        return MIME_ERROR;
    if (MimeImportMessageData(inner, lpvData, cbData, dwOptions) != 0) {
        unsigned e = mw_get_error();
        char d[512];
        mw_strlcpy(d, mw_get_error_detail(), sizeof d);
        MimeDeleteMessage(inner);
        mw_set_error_text(e, d);
        return MIME_ERROR;
    }
    int r = MimeAttachMessage(hMessage, inner, 0);
    if (r < 0)
        MimeDeleteMessage(inner);
    return r;
}

/* --- parts ----------------------------------------------------------------------------- */

int MimeGetMessagePartCount(HMESSAGE hMessage)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!m->index_valid && mw_msg_index(m) != 0) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    return (int)m->nindex;
}

static mw_part *part_of(mw_msg *m, int n)
{
    mw_part *p = mw_msg_part(m, n);
    if (!p)
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "no part %d", n);
    return p;
}

int MimeGetMessagePartInfo(HMESSAGE hMessage, int nPart, LPMIMEPARTINFO lpInfo)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!lpInfo || lpInfo->dwSize < sizeof *lpInfo) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "dwSize must be sizeof(MIMEPARTINFO)");
        return MIME_ERROR;
    }
    mw_part *p = part_of(m, nPart);
    if (!p)
        return MIME_ERROR;
    mw_buf b[4];
    for (int i = 0; i < 4; i++)
        mw_buf_init(&b[i], 0, 0);
    mw_part_charset(p, &b[0]);
    mw_part_filename(p, &b[1]);
    mw_part_field_token(p, "Content-Disposition", &b[2]);
    mw_part_field_token(p, "Content-Transfer-Encoding", &b[3]);
    int failed = 0;
    for (int i = 0; i < 4; i++) {
        failed |= b[i].failed;
        free(m->info_strs[i]);
        m->info_strs[i] = mw_buf_take(&b[i]);
        if (!m->info_strs[i])
            m->info_strs[i] = NULL, failed = 1;
    }
    if (failed) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    long cid = mw_part_hdr_find(p, "Content-ID", 0);
    static char none[] = "";
    lpInfo->nParent = p->parent ? p->parent->index : -1;
    lpInfo->nDepth = p->depth;
    lpInfo->nChildren = (unsigned)p->nkids;
    lpInfo->dwFlags = p->flags & 0xffffu;
    if (mw_part_is_attachment(p))
        lpInfo->dwFlags |= MIME_PART_ATTACHMENT;
    lpInfo->lpszContentType = p->ctype ? p->ctype : "text/plain";
    lpInfo->lpszCharSet = m->info_strs[0];
    lpInfo->lpszFileName = m->info_strs[1];
    lpInfo->lpszDisposition = m->info_strs[2];
    lpInfo->lpszEncoding = m->info_strs[3];
    lpInfo->lpszContentId = none;
    if (cid >= 0) {
        const char *v = p->hdrs[cid].value;
        while (*v == ' ' || *v == '\t')
            v++;
        lpInfo->lpszContentId = v;
    }
    lpInfo->lpszSection = p->section;
    lpInfo->lpszHeaderSection = p->hsection;
    lpInfo->qwEncodedSize = (p->flags & MIME_PART_PARSED) ? p->bodyspan.len : 0;
    return 0;
}

int MimeFindMessagePart(HMESSAGE hMessage, const char *lpszSection)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m || !lpszSection) {
        if (m)
            mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszSection is NULL");
        return MIME_ERROR;
    }
    if (!m->index_valid && mw_msg_index(m) != 0)
        return MIME_ERROR;
    char s[96];
    mw_strlcpy(s, lpszSection, sizeof s);
    size_t n = strlen(s);
    const char *suffixes[] = {"HEADER", "MIME", "TEXT"};
    for (int k = 0; k < 3; k++) {
        size_t sl = strlen(suffixes[k]);
        if (n >= sl && mw_name_eq(s + n - sl, sl, suffixes[k])) {
            n -= sl;
            if (n && s[n - 1] == '.')
                n--;
            s[n] = 0;
        }
    }
    if (!*s || strcmp(s, "0") == 0)
        return 0;
    for (size_t i = 0; i < m->nindex; i++)
        if (strcmp(m->index[i]->section, s) == 0)
            return (int)i;
    mw_set_error(ST_ERROR_NOT_FOUND, "no part %s", s);
    return MIME_ERROR;
}

typedef struct wsink {
    MIMEWRITEPROC fn;
    void *user;
    FILE *fp;
    uint64_t count;
    int conv;
    mw_buf text;
} wsink;

static int to_sink(void *u, const char *p, size_t n)
{
    wsink *w = u;
    w->count += n;
    if (w->fp)
        return fwrite(p, 1, n, w->fp) != n;
    return w->fn ? w->fn(w->user, p, n) != 0 : 0;
}

static int read_part(HMESSAGE h, int nPart, wsink *ws, uint32_t options)
{
    mw_msg *m = mw_msg_of(h);
    mw_part *p = m ? part_of(m, nPart) : NULL;
    if (!p)
        return MIME_ERROR;
    if (options & ~MIME_CONTENT_UTF8) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "unknown options");
        return MIME_ERROR;
    }
    char why[300] = "";
    unsigned err;
    if ((options & MIME_CONTENT_UTF8) && p->ctype && strncmp(p->ctype, "text/", 5) == 0) {
        mw_buf t;
        mw_buf_init(&t, 0, 0);
        err = mw_part_text(m, p, &t, why, sizeof why);
        if (!err && t.len && to_sink(ws, t.p, t.len)) {
            err = ST_ERROR_CALLBACK_FAILED;
            mw_strlcpy(why, ws->fp ? "the file could not be written" : "the callback stopped",
                       sizeof why);
        }
        mw_buf_free(&t);
    } else {
        err = mw_part_read(m, p, to_sink, ws, why, sizeof why);
    }
    if (err) {
        if (ws->fp && err == ST_ERROR_CALLBACK_FAILED)
            err = ST_ERROR_FILE;
        mw_set_error(err, "%s", why);
        return MIME_ERROR;
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MimeReadMessagePart(HMESSAGE hMessage, int nPart, MIMEWRITEPROC lpfnWrite, void *lpUserData,
                        uint32_t dwOptions)
{
    if (!lpfnWrite) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpfnWrite is NULL");
        return MIME_ERROR;
    }
    wsink ws = {lpfnWrite, lpUserData, NULL, 0, 0, {0}};
    return read_part(hMessage, nPart, &ws, dwOptions);
}

int MimeExtractFile(HMESSAGE hMessage, int nPart, const char *lpszFileName, uint32_t dwOptions)
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
    wsink ws = {NULL, NULL, fp, 0, 0, {0}};
    int r = read_part(hMessage, nPart, &ws, dwOptions);
    if (fclose(fp) != 0 && r == 0) {
        mw_set_error(ST_ERROR_FILE, "%s: %s", lpszFileName, strerror(errno));
        r = MIME_ERROR;
    }
    if (r != 0)
        remove(lpszFileName);
    return r;
}

int MimeGetMessagePartSize(HMESSAGE hMessage, int nPart, uint64_t *lpqwSize)
{
    wsink ws = {NULL, NULL, NULL, 0, 0, {0}};
    if (!lpqwSize) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpqwSize is NULL");
        return MIME_ERROR;
    }
    int r = read_part(hMessage, nPart, &ws, 0);
    if (r == 0)
        *lpqwSize = ws.count;
    return r;
}
