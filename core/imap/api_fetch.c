/* IMAP API: fetching messages to a caller buffer, a file or a streaming callback; pipelined
 * full fetches; message metadata. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../util/alloc.h"
#include "../util/str.h"

/* ---- fetch ------------------------------------------------------------------------------- */

/* A section spec as in RFC 9051 section 6.4.5: part numbers, HEADER, TEXT, MIME,
 * HEADER.FIELDS[.NOT] (names). Only these characters, balanced parentheses, no brackets. */
static int valid_section(const char *s)
{
    int depth = 0;
    for (; *s; s++) {
        char ch = *s;
        if (ch == '(') {
            if (++depth > 1)
                return 0;
        } else if (ch == ')') {
            if (--depth < 0)
                return 0;
        } else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == ' ' ||
                     ch == '_')) {
            return 0;
        }
    }
    return depth == 0;
}

static int fetch_run(HCLIENT h, unsigned id, uint32_t opts, const char *section, uint64_t off,
                     uint64_t len, IMAPFETCHPROC cb, void *user)
{
    mw_imap_client *c;
    if (!cb || id == 0)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                              "a message id and a callback are required");
    if (!section)
        section = "";
    if (!valid_section(section) || strlen(section) > 200)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "invalid section specification");
    if (mw_imap_enter(h, &c) || mw_imap_need_selected(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(e);
    mw_imap_out_printf(&e->out, "%sFETCH %u (UID BODY%s[", (opts & IMAP_FETCH_UID) ? "UID " : "",
                       id, (opts & IMAP_FETCH_SEEN) ? "" : ".PEEK");
    mw_imap_out_puts(&e->out, section);
    mw_imap_out_puts(&e->out, "]");
    if (off || len)
        mw_imap_out_printf(&e->out, "<%llu.%llu>", (unsigned long long)off,
                           (unsigned long long)(len ? len : 4294967295ull));
    mw_imap_out_puts(&e->out, ")");
    mw_imap_cmd_end(e, IMAP_CMD_FETCH);
    e->sink = cb;
    e->sink_user = user;
    e->fetch_active = 1;
    e->info_cb = NULL;
    int rc = mw_imap_run(c, 0);
    return rc;
}

typedef struct fetch_counter {
    IMAPFETCHPROC cb;
    void *user;
    unsigned starts;
} fetch_counter;

static int MAILWIRE_CALLBACK counting_sink(unsigned id, uint32_t uid, const char *p, size_t n,
                                           uint64_t total, void *user)
{
    fetch_counter *fc = user;
    if (!p)
        fc->starts++;
    return fc->cb(id, uid, p, n, total, fc->user);
}

/* Fetch and check that the server sent the data: a UID FETCH of a missing UID is an OK with
 * no data (RFC 9051 section 6.4.8). */
static int fetch_one(HCLIENT h, unsigned id, uint32_t opts, const char *section, uint64_t off,
                     uint64_t len, IMAPFETCHPROC cb, void *user)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(h, &c))
        return IMAP_ERROR;
    if (mw_session_is_async(c->s)) /* the counter below lives on this stack frame */
        return fetch_run(h, id, opts, section, off, len, cb, user);
    fetch_counter fc = {cb, user, 0};
    int rc = fetch_run(h, id, opts, section, off, len, counting_sink, &fc);
    if (rc == 0 && fc.starts == 0)
        return mw_imap_refuse(ST_ERROR_SERVER_PERMANENT, "no such message");
    return rc;
}

int ImapFetchMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                     const char *lpszSection, uint64_t nOffset, uint64_t nLength,
                     IMAPFETCHPROC lpfnCallback, void *lpUserData)
{
    return fetch_one(hClient, nMessageId, dwOptions, lpszSection, nOffset, nLength, lpfnCallback,
                     lpUserData);
}

typedef struct buf_sink {
    char *p;
    size_t cap, len;
    uint64_t need;
} buf_sink;

static int MAILWIRE_CALLBACK to_buffer(unsigned id, uint32_t uid, const char *p, size_t n,
                                       uint64_t total, void *user)
{
    buf_sink *b = user;
    (void)id;
    (void)uid;
    if (!p) {
        b->len = 0;
        b->need = total;
        return 0;
    }
    if (b->len + n > b->cap) {
        b->len = b->cap + 1; /* overflow marker; the rest is dropped */
        return 0;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

/* Calls whose results land in caller memory on return need a blocking session; on a
 * non-blocking one ImapFetchMessage() streams to a callback instead. */
static int blocking_only(HCLIENT h)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(h, &c))
        return IMAP_ERROR;
    if (mw_session_is_async(c->s))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                              "this call needs a blocking session; use ImapFetchMessage()");
    return 0;
}

static int section_for(unsigned part, uint32_t opts, char *sec, size_t size)
{
    if (part == 0) {
        if (opts & IMAP_SECTION_HEADER)
            snprintf(sec, size, "HEADER");
        else if (opts & IMAP_SECTION_BODY)
            snprintf(sec, size, "TEXT");
        else
            sec[0] = 0;
    } else if (opts & IMAP_SECTION_HEADER) {
        snprintf(sec, size, "%u.MIME", part);
    } else {
        snprintf(sec, size, "%u", part);
    }
    return 0;
}

int ImapGetMessage(HCLIENT hClient, unsigned nMessageId, unsigned nMessagePart, void *lpvBuffer,
                   size_t *lpdwLength, uint32_t dwOptions)
{
    if (!lpvBuffer || !lpdwLength)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a buffer and its length are required");
    if (blocking_only(hClient))
        return IMAP_ERROR;
    char sec[32];
    section_for(nMessagePart, dwOptions, sec, sizeof sec);
    buf_sink b = {lpvBuffer, *lpdwLength, 0, 0};
    int rc = fetch_one(hClient, nMessageId, dwOptions, sec, 0, 0, to_buffer, &b);
    if (rc != 0)
        return rc;
    if (b.len > b.cap) {
        *lpdwLength = (size_t)b.need;
        return mw_imap_refuse(ST_ERROR_LIMIT_EXCEEDED, "the buffer is too small for the message");
    }
    *lpdwLength = b.len;
    return 0;
}

int ImapGetHeaders(HCLIENT hClient, unsigned nMessageId, void *lpvBuffer, size_t *lpdwLength,
                   uint32_t dwOptions)
{
    return ImapGetMessage(hClient, nMessageId, 0, lpvBuffer, lpdwLength,
                          (dwOptions & ~(uint32_t)IMAP_SECTION_BODY) | IMAP_SECTION_HEADER);
}

typedef struct file_sink {
    FILE *f;
    int failed;
} file_sink;

static int MAILWIRE_CALLBACK to_file(unsigned id, uint32_t uid, const char *p, size_t n,
                                     uint64_t total, void *user)
{
    file_sink *fs = user;
    (void)id;
    (void)uid;
    (void)total;
    if (p && n && fwrite(p, 1, n, fs->f) != n) {
        fs->failed = 1;
        return 1;
    }
    return 0;
}

int ImapSaveMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                    const char *lpszFileName)
{
    mw_imap_client *c;
    if (!lpszFileName || !*lpszFileName)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a file name is required");
    if (mw_imap_enter_local(hClient, &c) || blocking_only(hClient))
        return IMAP_ERROR;
    file_sink fs = {fopen(lpszFileName, "wb"), 0};
    if (!fs.f) {
        mw_set_error(ST_ERROR_FILE, "cannot create %s", lpszFileName);
        return IMAP_ERROR;
    }
    int rc = fetch_one(hClient, nMessageId, dwOptions, "", 0, 0, to_file, &fs);
    if (fclose(fs.f) != 0)
        fs.failed = 1;
    if (fs.failed) {
        mw_set_error(ST_ERROR_FILE, "cannot write %s", lpszFileName);
        return IMAP_ERROR;
    }
    return rc;
}

int ImapFetchMessages(HCLIENT hClient, unsigned nFirst, unsigned nLast, uint32_t dwOptions,
                      IMAPFETCHPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (!lpfnCallback)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a callback is required");
    if (nLast != 0 && nLast < (nFirst ? nFirst : 1))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "nLast is below nFirst");
    if (mw_imap_enter(hClient, &c) || mw_imap_need_selected(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    if (nFirst == 0)
        nFirst = 1;
    if (e->mbox.nMessages == 0 || nFirst > e->mbox.nMessages) {
        mw_set_error(ST_ERROR_NONE, NULL);
        return 0;
    }
    mw_imap_clear_results(e);
    mw_imap_op_begin(e, IMAP_OP_FETCH_ALL);
    /* First the UIDs of the range (one round trip), then UID FETCH batches, all pipelined:
     * UIDs stay valid whatever another client expunges meanwhile. */
    mw_imap_cmd_begin(e);
    if (nLast == 0 || nLast >= e->mbox.nMessages)
        mw_imap_out_printf(&e->out, "UID SEARCH %u:*", nFirst);
    else
        mw_imap_out_printf(&e->out, "UID SEARCH %u:%u", nFirst, nLast);
    mw_imap_cmd_end(e, IMAP_CMD_SEARCH);
    size_t n = nLast ? nLast - nFirst + 1 : e->mbox.nMessages - nFirst + 1;
    e->fetch_batch = n / 64 > 500 ? n / 64 : 500;
    e->sink = lpfnCallback;
    e->sink_user = lpUserData;
    e->fetch_active = 1;
    e->fetch_seen = (dwOptions & IMAP_FETCH_SEEN) != 0;
    e->info_cb = NULL;
    return mw_imap_run(c, 0);
}

int ImapGetMessageInfo(HCLIENT hClient, const char *lpszSet, uint32_t dwOptions,
                       IMAPMESSAGEPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (!lpfnCallback || mw_imap_valid_set(lpszSet))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a valid set and a callback are required");
    if (mw_imap_enter(hClient, &c) || mw_imap_need_selected(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (dwOptions & IMAP_FETCH_UID) ? "UID FETCH " : "FETCH ");
    mw_imap_out_puts(&e->out, lpszSet);
    mw_imap_out_puts(&e->out, " (UID FLAGS RFC822.SIZE INTERNALDATE");
    if (dwOptions & IMAP_INFO_ENVELOPE)
        mw_imap_out_puts(&e->out, " ENVELOPE");
    if (dwOptions & IMAP_INFO_BODYSTRUCTURE)
        mw_imap_out_puts(&e->out, " BODYSTRUCTURE");
    mw_imap_out_puts(&e->out, ")");
    mw_imap_cmd_end(e, IMAP_CMD_FETCH);
    e->sink = NULL;
    e->info_cb = lpfnCallback;
    e->info_user = lpUserData;
    e->fetch_active = 1;
    return mw_imap_run(c, 0);
}
