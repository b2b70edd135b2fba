/* IMAP API: the search builder, search, store, copy, move, append, IDLE and raw commands
 * (fetching is in api_fetch.c); the engine ops are in ops_message.c and ops.c. The file
 * source of ImapCreateMessageFromFile() stays here, closed by the op's release hook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../platform/file.h"
#include "../util/alloc.h"
#include "../util/buf.h"
#include "../util/str.h"

/* ---- search ------------------------------------------------------------------------------ */

struct _IMAPSEARCH {
    char **keys;
    char **values; /* NULL entries: the key takes no value */
    size_t n, capk, capv;
};

IMAPSEARCH *ImapSearchCreate(void)
{
    IMAPSEARCH *s = mw_calloc(1, sizeof *s);
    if (!s)
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
    return s;
}

void ImapSearchFree(IMAPSEARCH *lpSearch)
{
    if (!lpSearch)
        return;
    for (size_t i = 0; i < lpSearch->n; i++) {
        free(lpSearch->keys[i]);
        free(lpSearch->values[i]);
    }
    free(lpSearch->keys);
    free(lpSearch->values);
    free(lpSearch);
}

int ImapSearchAdd(IMAPSEARCH *lpSearch, const char *lpszKey, const char *lpszValue)
{
    if (!lpSearch || !lpszKey || !*lpszKey)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a builder and a key are required");
    /* Keys are protocol words (and header names): never a place for user text. */
    for (const char *p = lpszKey; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || *p == ' ' || *p == ':' || *p == ',' || *p == '*' ||
              *p == '(' || *p == ')'))
            return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT,
                                      "invalid character in a search key");
    char **nk = mw_grow(lpSearch->keys, &lpSearch->capk, lpSearch->n + 1, sizeof *nk);
    if (!nk)
        return mw_imap_api_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
    lpSearch->keys = nk;
    char **nv = mw_grow(lpSearch->values, &lpSearch->capv, lpSearch->n + 1, sizeof *nv);
    if (!nv)
        return mw_imap_api_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
    lpSearch->values = nv;
    char *k = NULL, *v = NULL;
    if (mw_strdup_opt(&k, lpszKey) || mw_strdup_opt(&v, lpszValue)) {
        free(k);
        return mw_imap_api_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
    }
    lpSearch->keys[lpSearch->n] = k;
    lpSearch->values[lpSearch->n] = v;
    lpSearch->n++;
    return 0;
}

int ImapSearchMailbox(HCLIENT hClient, const IMAPSEARCH *lpSearch, const char *lpszCriteria,
                      uint32_t dwOptions, uint32_t *lpIds, size_t *lpnCount)
{
    if (!lpnCount || (*lpnCount && !lpIds))
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "lpnCount (and lpIds) are required");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    mw_imap_criteria built = {NULL, NULL, 0};
    if (lpSearch) {
        built.keys = (const char *const *)lpSearch->keys;
        built.values = (const char *const *)lpSearch->values;
        built.n = lpSearch->n;
    }
    return mw_imap_start(
        c,
        mw_imap_op_search(c->e, lpSearch ? &built : NULL, lpszCriteria, dwOptions, lpIds, lpnCount),
        0);
}

int ImapGetSearchResults(HCLIENT hClient, uint32_t *lpIds, size_t *lpnCount)
{
    if (!lpnCount || (*lpnCount && !lpIds))
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "lpnCount (and lpIds) are required");
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return IMAP_ERROR;
    *lpnCount = mw_imap_search_results(c->e, lpIds, *lpnCount);
    return 0; /* a getter: the last error stays as it was (common.h) */
}

/* ---- store, copy, move ------------------------------------------------------------------- */

int ImapStoreFlags(HCLIENT hClient, const char *lpszSet, uint32_t dwMode, uint32_t dwFlags,
                   const char *lpszKeywords)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_store(c->e, lpszSet, dwMode, dwFlags, lpszKeywords), 0);
}

static int set_deleted(HCLIENT h, unsigned id, uint32_t options, uint32_t mode)
{
    char set[16];
    snprintf(set, sizeof set, "%u", id);
    return ImapStoreFlags(h, set, mode | IMAP_STORE_SILENT | (options & IMAP_FETCH_UID),
                          IMAP_FLAG_DELETED, NULL);
}

int ImapDeleteMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions)
{
    return set_deleted(hClient, nMessageId, dwOptions, IMAP_STORE_ADD);
}

int ImapUndeleteMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions)
{
    return set_deleted(hClient, nMessageId, dwOptions, IMAP_STORE_REMOVE);
}

static int copy_or_move(HCLIENT h, const char *set, const char *mailbox, uint32_t options, int move)
{
    mw_imap_client *c;
    if (mw_imap_enter(h, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_copy(c->e, set, mailbox, options, move), 0);
}

int ImapCopyMessage(HCLIENT hClient, const char *lpszSet, const char *lpszMailbox,
                    uint32_t dwOptions)
{
    return copy_or_move(hClient, lpszSet, lpszMailbox, dwOptions, 0);
}

int ImapMoveMessage(HCLIENT hClient, const char *lpszSet, const char *lpszMailbox,
                    uint32_t dwOptions)
{
    return copy_or_move(hClient, lpszSet, lpszMailbox, dwOptions, 1);
}

/* ---- append ------------------------------------------------------------------------------ */

int ImapCreateMessage(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                      const char *lpszDate, const void *lpvMessage, size_t nLength,
                      uint32_t *lpdwUID)
{
    if (!lpvMessage && nLength)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "no message");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    /* The caller keeps the message until the operation ends (a non-blocking session reads
     * it later). An empty message may come as NULL. */
    return mw_imap_start(c,
                         mw_imap_op_append(c->e, lpszMailbox, dwFlags, lpszDate, nLength,
                                           lpvMessage ? lpvMessage : "", NULL, NULL, NULL, NULL,
                                           lpdwUID),
                         0);
}

static long MAILWIRE_CALLBACK from_file(char *buf, size_t size, void *user)
{
    size_t n = fread(buf, 1, size, (FILE *)user);
    return n ? (long)n : -1;
}

/* The release hook: the file is closed exactly once, when the operation ends. */
static unsigned close_source(void *user, char *detail, size_t size)
{
    (void)detail;
    (void)size;
    fclose(user); /* read only: nothing is lost when closing fails */
    return ST_ERROR_NONE;
}

int ImapCreateMessageFromFile(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                              const char *lpszDate, const char *lpszFileName, uint32_t *lpdwUID)
{
    if (!lpszFileName)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a file name is required");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    FILE *f = mw_fopen(lpszFileName, "rb");
    if (!f) {
        mw_set_error(ST_ERROR_FILE, "cannot open %s", lpszFileName);
        return IMAP_ERROR;
    }
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        mw_set_error(ST_ERROR_FILE, "cannot size %s", lpszFileName);
        return IMAP_ERROR;
    }
    return mw_imap_start(c,
                         mw_imap_op_append(c->e, lpszMailbox, dwFlags, lpszDate, (uint64_t)size,
                                           NULL, from_file, f, close_source, f, lpdwUID),
                         0);
}

int ImapCreateMessageEx(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                        const char *lpszDate, uint64_t nLength, IMAPSOURCEPROC lpfnSource,
                        void *lpUserData, uint32_t *lpdwUID)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c,
                         mw_imap_op_append(c->e, lpszMailbox, dwFlags, lpszDate, nLength, NULL,
                                           lpfnSource, lpUserData, NULL, NULL, lpdwUID),
                         0);
}

/* ---- IDLE, raw commands ------------------------------------------------------------------ */

int ImapIdle(HCLIENT hClient, unsigned nTimeout, uint32_t dwOptions, unsigned *lpnChanges)
{
    if (lpnChanges)
        *lpnChanges = 0;
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    if ((dwOptions & IMAP_IDLE_NOWAIT) && !mw_session_is_async(c->s))
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "IMAP_IDLE_NOWAIT needs a non-blocking session "
                                  "(ImapAsyncConnect); a blocking one would never return");
    uint64_t total = nTimeout ? (uint64_t)nTimeout * 1000u : mw_session_timeout(c->s);
    unsigned step = 0;
    unsigned err = mw_imap_op_idle(c->e, dwOptions, total, c->idle_interval_ms, c->poll_interval_ms,
                                   lpnChanges, &step);
    return mw_imap_start(c, err, step);
}

int ImapCommand(HCLIENT hClient, const char *lpszCommand)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_command(c->e, lpszCommand), 0);
}
