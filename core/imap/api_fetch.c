/* IMAP API: fetching messages to a callback, a caller buffer or a file; range fetches;
 * message metadata. The engine ops are in ops_fetch.c; the file sink stays here (file I/O is
 * no business of the engine), closed by the op's release hook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../platform/file.h"
#include "../util/alloc.h"
#include "../util/str.h"

int ImapFetchMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                     const char *lpszSection, uint64_t nOffset, uint64_t nLength,
                     IMAPFETCHPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c,
                         mw_imap_op_fetch(c->e, nMessageId, dwOptions, lpszSection, nOffset,
                                          nLength, lpfnCallback, lpUserData, NULL, NULL),
                         0);
}

int ImapGetMessage(HCLIENT hClient, unsigned nMessageId, unsigned nMessagePart, void *lpvBuffer,
                   size_t *lpdwLength, uint32_t dwOptions)
{
    if (!lpvBuffer || !lpdwLength)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "a buffer and its length are required");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(
        c, mw_imap_op_get_message(c->e, nMessageId, nMessagePart, dwOptions, lpvBuffer, lpdwLength),
        0);
}

int ImapGetHeaders(HCLIENT hClient, unsigned nMessageId, void *lpvBuffer, size_t *lpdwLength,
                   uint32_t dwOptions)
{
    return ImapGetMessage(hClient, nMessageId, 0, lpvBuffer, lpdwLength,
                          (dwOptions & ~(uint32_t)IMAP_SECTION_BODY) | IMAP_SECTION_HEADER);
}

/* ImapSaveMessage()'s sink: the file, until the operation ends. */
typedef struct file_sink {
    FILE *f;
    int failed;
    char name[]; /* the file name, for the error text */
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

/* The release hook: the file is closed exactly once, when the operation ends (or the
 * handle goes); a write or close failure is the operation's outcome. */
static unsigned close_file(void *user, char *detail, size_t size)
{
    file_sink *fs = user;
    if (fclose(fs->f) != 0)
        fs->failed = 1;
    unsigned err = ST_ERROR_NONE;
    if (fs->failed) {
        mw_detail_printf(detail, size, "cannot write %s", fs->name);
        err = ST_ERROR_FILE;
    }
    free(fs);
    return err;
}

int ImapSaveMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                    const char *lpszFileName)
{
    if (!lpszFileName || !*lpszFileName)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a file name is required");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    size_t n = strlen(lpszFileName);
    file_sink *fs = mw_malloc(sizeof *fs + n + 1);
    if (!fs)
        return mw_imap_api_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
    memcpy(fs->name, lpszFileName, n + 1);
    fs->failed = 0;
    fs->f = mw_fopen(lpszFileName, "wb");
    if (!fs->f) {
        free(fs);
        mw_set_error(ST_ERROR_FILE, "cannot create %s", lpszFileName);
        return IMAP_ERROR;
    }
    return mw_imap_start(
        c, mw_imap_op_fetch(c->e, nMessageId, dwOptions, "", 0, 0, to_file, fs, close_file, fs), 0);
}

int ImapFetchMessages(HCLIENT hClient, unsigned nFirst, unsigned nLast, uint32_t dwOptions,
                      IMAPFETCHPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(
        c, mw_imap_op_fetch_range(c->e, nFirst, nLast, dwOptions, lpfnCallback, lpUserData), 0);
}

int ImapGetMessageInfo(HCLIENT hClient, const char *lpszSet, uint32_t dwOptions,
                       IMAPMESSAGEPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(
        c, mw_imap_op_message_info(c->e, lpszSet, dwOptions, lpfnCallback, lpUserData), 0);
}

int ImapGetNewestMessages(HCLIENT hClient, unsigned nCount, uint32_t dwOptions,
                          IMAPMESSAGEPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_newest(c->e, nCount, dwOptions, lpfnCallback, lpUserData),
                         0);
}
