/* IMAP API: search, store, copy, move, append, IDLE and raw commands (fetching is in
 * api_fetch.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"

#include "../util/alloc.h"
#include "../util/str.h"

/* ---- search ------------------------------------------------------------------------------ */

struct _IMAPSEARCH {
    char **keys;
    char **values; /* NULL entries: the key takes no value */
    size_t n, cap;
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
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a builder and a key are required");
    /* Keys are protocol words (and header names): never a place for user text. */
    for (const char *p = lpszKey; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '.' || *p == ' ' || *p == ':' || *p == ',' || *p == '*' ||
              *p == '(' || *p == ')'))
            return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "invalid character in a search key");
    if (lpSearch->n == lpSearch->cap) {
        size_t cap = lpSearch->cap ? lpSearch->cap * 2 : 8;
        char **nk = mw_realloc(lpSearch->keys, cap * sizeof *nk);
        if (!nk)
            return mw_imap_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
        lpSearch->keys = nk;
        char **nv = mw_realloc(lpSearch->values, cap * sizeof *nv);
        if (!nv)
            return mw_imap_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
        lpSearch->values = nv;
        lpSearch->cap = cap;
    }
    char *k = NULL, *v = NULL;
    if (mw_strdup_opt(&k, lpszKey) || mw_strdup_opt(&v, lpszValue)) {
        free(k);
        return mw_imap_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
    }
    lpSearch->keys[lpSearch->n] = k;
    lpSearch->values[lpSearch->n] = v;
    lpSearch->n++;
    return 0;
}

/* Any CTL (RFC 9051 section 9: %x00-1F / %x7F) in a string sent as written. */
static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

static int has_8bit(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

int ImapSearchMailbox(HCLIENT hClient, const IMAPSEARCH *lpSearch, const char *lpszCriteria,
                      uint32_t dwOptions, uint32_t *lpIds, size_t *lpnCount)
{
    mw_imap_client *c;
    if (!lpnCount || (*lpnCount && !lpIds))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "lpnCount (and lpIds) are required");
    if (!lpSearch && (!lpszCriteria || !*lpszCriteria))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "no search criteria");
    /* Raw criteria go out as written: a control character could inject a command, and a
     * "{n}" would announce a literal the engine does not send (use the builder for values
     * that need one). */
    if (!lpSearch && (has_control(lpszCriteria) || strchr(lpszCriteria, '{')))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                              "control characters or a literal in raw search criteria");
    if (lpSearch && lpSearch->n == 0)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "empty search criteria");
    if (mw_imap_enter(hClient, &c) || mw_imap_need_selected(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    int eight = 0;
    if (lpSearch) {
        for (size_t i = 0; i < lpSearch->n; i++)
            eight |= has_8bit(lpSearch->values[i]);
    } else {
        eight = has_8bit(lpszCriteria);
        if (eight && !e->utf8)
            return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "8-bit raw criteria need UTF-8 enabled; use the builder");
    }
    mw_imap_clear_results(e);
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    uint64_t start = mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (dwOptions & IMAP_FETCH_UID) ? "UID SEARCH" : "SEARCH");
    /* RFC 4731 (and IMAP4rev2): the matches as a compact set in one ESEARCH response. */
    if (e->caps & (IMAP_CAP_ESEARCH | IMAP_CAP_IMAP4REV2))
        mw_imap_out_puts(&e->out, " RETURN (ALL)");
    /* RFC 9051 6.4.4: CHARSET only for IMAP4rev1 without UTF8=ACCEPT. */
    if (eight && !e->utf8)
        mw_imap_out_puts(&e->out, " CHARSET UTF-8");
    unsigned err = 0;
    if (lpSearch) {
        for (size_t i = 0; i < lpSearch->n && !err; i++) {
            mw_imap_out_put(&e->out, " ", 1);
            mw_imap_out_puts(&e->out, lpSearch->keys[i]);
            if (lpSearch->values[i]) {
                mw_imap_out_put(&e->out, " ", 1);
                err = mw_imap_out_string(&e->out, lpSearch->values[i], strlen(lpSearch->values[i]),
                                         IMAP_ARG_STRING);
            }
        }
    } else {
        mw_imap_out_put(&e->out, " ", 1);
        mw_imap_out_puts(&e->out, lpszCriteria);
    }
    if (err) {
        mw_imap_cmd_abort(e, start);
        return mw_imap_refuse(err, "a search value cannot be sent");
    }
    mw_imap_cmd_end(e, IMAP_CMD_SEARCH);
    int rc = mw_imap_run(c, 0);
    if (rc != 0)
        return rc;
    return ImapGetSearchResults(hClient, lpIds, lpnCount);
}

int ImapGetSearchResults(HCLIENT hClient, uint32_t *lpIds, size_t *lpnCount)
{
    mw_imap_client *c;
    if (!lpnCount || (*lpnCount && !lpIds))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "lpnCount (and lpIds) are required");
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    const mw_imap_engine *e = &c->e;
    size_t n = e->nsearch < *lpnCount ? e->nsearch : *lpnCount;
    if (n)
        memcpy(lpIds, e->search, n * sizeof *lpIds);
    *lpnCount = e->nsearch;
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

/* ---- store, copy, move ------------------------------------------------------------------- */

static void put_flags(mw_imap_out *o, uint32_t flags)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } f[] = {{IMAP_FLAG_ANSWERED, "\\Answered"},
             {IMAP_FLAG_DRAFT, "\\Draft"},
             {IMAP_FLAG_URGENT, "\\Flagged"},
             {IMAP_FLAG_SEEN, "\\Seen"},
             {IMAP_FLAG_DELETED, "\\Deleted"}};
    int first = 1;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (flags & f[i].bit) {
            if (!first)
                mw_imap_out_put(o, " ", 1);
            mw_imap_out_puts(o, f[i].name);
            first = 0;
        }
}

/* Keywords: atoms only (RFC 9051 flag-keyword), space separated. */
static int valid_keywords(const char *kw)
{
    const char *why;
    if (!kw)
        return 1;
    const char *p = kw;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if (q > p && mw_imap_choose(p, (size_t)(q - p), IMAP_ARG_ASTRING, 0, &why) != IMAP_ENC_ATOM)
            return 0;
        p = q;
    }
    return 1;
}

int ImapStoreFlags(HCLIENT hClient, const char *lpszSet, uint32_t dwMode, uint32_t dwFlags,
                   const char *lpszKeywords)
{
    mw_imap_client *c;
    if (mw_imap_valid_set(lpszSet))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "invalid message set");
    if (!valid_keywords(lpszKeywords))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "keywords must be atoms");
    if ((dwMode & IMAP_STORE_ADD) && (dwMode & IMAP_STORE_REMOVE))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "add and remove at once");
    if (mw_imap_enter(hClient, &c) || mw_imap_need_selected(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (dwMode & IMAP_FETCH_UID) ? "UID STORE " : "STORE ");
    mw_imap_out_puts(&e->out, lpszSet);
    mw_imap_out_puts(&e->out, (dwMode & IMAP_STORE_ADD)      ? " +FLAGS"
                              : (dwMode & IMAP_STORE_REMOVE) ? " -FLAGS"
                                                             : " FLAGS");
    if (dwMode & IMAP_STORE_SILENT)
        mw_imap_out_puts(&e->out, ".SILENT");
    mw_imap_out_puts(&e->out, " (");
    put_flags(&e->out, dwFlags);
    if (lpszKeywords && *lpszKeywords) {
        if (dwFlags & 0x1f)
            mw_imap_out_put(&e->out, " ", 1);
        mw_imap_out_puts(&e->out, lpszKeywords);
    }
    mw_imap_out_puts(&e->out, ")");
    mw_imap_cmd_end(e, IMAP_CMD_STORE);
    /* Our own STORE's FETCH replies are not someone else's change. */
    e->fetch_active = 1;
    e->sink = NULL;
    e->info_cb = NULL;
    return mw_imap_run(c, 0);
}

int ImapDeleteMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions)
{
    char set[16];
    snprintf(set, sizeof set, "%u", nMessageId);
    return ImapStoreFlags(hClient, set,
                          IMAP_STORE_ADD | IMAP_STORE_SILENT | (dwOptions & IMAP_FETCH_UID),
                          IMAP_FLAG_DELETED, NULL);
}

int ImapUndeleteMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions)
{
    char set[16];
    snprintf(set, sizeof set, "%u", nMessageId);
    return ImapStoreFlags(hClient, set,
                          IMAP_STORE_REMOVE | IMAP_STORE_SILENT | (dwOptions & IMAP_FETCH_UID),
                          IMAP_FLAG_DELETED, NULL);
}

static int copy_or_move(HCLIENT h, const char *set, const char *mbox, uint32_t opts, int move)
{
    mw_imap_client *c;
    if (mw_imap_valid_set(set) || !mbox)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a valid set and a mailbox are required");
    if (mw_imap_enter(h, &c) || mw_imap_need_selected(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    int native = !move || (e->caps & (IMAP_CAP_MOVE | IMAP_CAP_IMAP4REV2));
    if (!native) {
        char *copy = NULL;
        if (mw_strdup_opt(&copy, set))
            return mw_imap_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
        free(e->move_set);
        e->move_set = copy;
        e->move_uid = (opts & IMAP_FETCH_UID) != 0;
    }
    mw_imap_op_begin(e, native ? IMAP_OP_SIMPLE : IMAP_OP_MOVE_FALLBACK);
    uint64_t start = mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (opts & IMAP_FETCH_UID) ? "UID " : "");
    mw_imap_out_puts(&e->out, move && native ? "MOVE " : "COPY ");
    mw_imap_out_puts(&e->out, set);
    mw_imap_out_put(&e->out, " ", 1);
    unsigned err = mw_imap_put_mailbox(e, mbox);
    if (err) {
        mw_imap_cmd_abort(e, start);
        return mw_imap_refuse(err, "the mailbox name cannot be sent");
    }
    mw_imap_cmd_end(e, move && native ? IMAP_CMD_MOVE : IMAP_CMD_COPY);
    return mw_imap_run(c, 0);
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

static long MAILWIRE_CALLBACK from_memory(char *buf, size_t size, void *user)
{
    mw_imap_client *c = user;
    size_t n = c->mem_left < size ? c->mem_left : size;
    memcpy(buf, c->mem_p, n);
    c->mem_p += n;
    c->mem_left -= n;
    return (long)n;
}

static long MAILWIRE_CALLBACK from_file(char *buf, size_t size, void *user)
{
    size_t n = fread(buf, 1, size, (FILE *)user);
    return n ? (long)n : -1;
}

/* INTERNALDATE: "dd-Mon-yyyy hh:mm:ss +zzzz" (RFC 9051 date-time); checked by shape. */
static int valid_date(const char *d)
{
    size_t n = strlen(d);
    if (n != 26 && n != 25)
        return 0;
    for (const char *p = d; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              *p == '-' || *p == ' ' || *p == ':' || *p == '+'))
            return 0;
    return 1;
}

static int append_common(HCLIENT h, const char *mbox, uint32_t flags, const char *date,
                         uint64_t size, IMAPSOURCEPROC src, void *user, uint32_t *uid)
{
    mw_imap_client *c;
    if (uid)
        *uid = 0;
    if (!mbox || !*mbox || !src)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a mailbox and a message are required");
    if (date && !valid_date(date))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                              "the date must look like \"01-Jan-2026 10:00:00 +0000\"");
    if (mw_imap_enter(h, &c) || mw_imap_need_auth(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    e->append_uid = 0;
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    uint64_t start = mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "APPEND ");
    unsigned err = mw_imap_put_mailbox(e, mbox);
    if (err) {
        mw_imap_cmd_abort(e, start);
        return mw_imap_refuse(err, "the mailbox name cannot be sent");
    }
    if (flags & 0x1f) {
        mw_imap_out_puts(&e->out, " (");
        put_flags(&e->out, flags);
        mw_imap_out_puts(&e->out, ")");
    }
    if (date) {
        mw_imap_out_puts(&e->out, " ");
        mw_imap_out_string(&e->out, date, strlen(date), IMAP_ARG_NOLIT);
    }
    /* RFC 7888: {n+} with LITERAL+ (or LITERAL- up to 4096); else wait for "+". */
    if ((e->out.flags & IMAP_ENC_LITERAL_PLUS) ||
        ((e->out.flags & IMAP_ENC_LITERAL_MINUS) && size <= 4096)) {
        mw_imap_out_printf(&e->out, " {%llu+}\r\n", (unsigned long long)size);
    } else {
        mw_imap_out_printf(&e->out, " {%llu}\r\n", (unsigned long long)size);
        mw_imap_out_mark(&e->out, IMAP_MARK_SYNC, 0);
    }
    mw_imap_out_mark(&e->out, IMAP_MARK_SOURCE, size);
    e->src = src;
    e->src_user = user;
    e->src_left = size;
    e->chunk_len = e->chunk_off = 0;
    e->xfer_total = size;
    mw_imap_cmd_end(e, IMAP_CMD_APPEND);
    int rc = mw_imap_run(c, 0);
    if (rc != MAILWIRE_IN_PROGRESS)
        e->src = NULL;
    if (rc == 0 && uid)
        *uid = e->append_uid;
    return rc;
}

int ImapCreateMessage(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                      const char *lpszDate, const void *lpvMessage, size_t nLength,
                      uint32_t *lpdwUID)
{
    mw_imap_client *c;
    if (!lpvMessage && nLength)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "no message");
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    if (mw_session_busy(c->s) && c->e.op != IMAP_OP_IDLE)
        return mw_imap_refuse(ST_ERROR_BUSY, "another operation is still running on this handle");
    /* On a non-blocking session the caller keeps the message until the operation ends. */
    c->mem_p = lpvMessage;
    c->mem_left = nLength;
    return append_common(hClient, lpszMailbox, dwFlags, lpszDate, nLength, from_memory, c, lpdwUID);
}

int ImapCreateMessageFromFile(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                              const char *lpszDate, const char *lpszFileName, uint32_t *lpdwUID)
{
    if (!lpszFileName)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a file name is required");
    FILE *f = fopen(lpszFileName, "rb");
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
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c) || (mw_session_busy(c->s) && c->e.op != IMAP_OP_IDLE)) {
        fclose(f);
        return mw_imap_enter_local(hClient, &c)
                   ? IMAP_ERROR
                   : mw_imap_refuse(ST_ERROR_BUSY, "another operation is running");
    }
    if (c->append_file)
        fclose(c->append_file);
    c->append_file = f; /* closed by the next APPEND from a file or with the handle */
    int rc = append_common(hClient, lpszMailbox, dwFlags, lpszDate, (uint64_t)size, from_file, f,
                           lpdwUID);
    if (rc != MAILWIRE_IN_PROGRESS) {
        fclose(f);
        c->append_file = NULL;
    }
    return rc;
}

int ImapCreateMessageEx(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                        const char *lpszDate, uint64_t nLength, IMAPSOURCEPROC lpfnSource,
                        void *lpUserData, uint32_t *lpdwUID)
{
    return append_common(hClient, lpszMailbox, dwFlags, lpszDate, nLength, lpfnSource, lpUserData,
                         lpdwUID);
}

/* ---- IDLE, raw commands ------------------------------------------------------------------ */

int ImapIdle(HCLIENT hClient, unsigned nTimeout, uint32_t dwOptions, unsigned *lpnChanges)
{
    mw_imap_client *c;
    if (lpnChanges)
        *lpnChanges = 0;
    if (mw_imap_enter(hClient, &c) || mw_imap_need_auth(c))
        return IMAP_ERROR;
    if ((dwOptions & IMAP_IDLE_NOWAIT) && !mw_session_is_async(c->s))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                              "IMAP_IDLE_NOWAIT needs a non-blocking session (ImapAsyncConnect); "
                              "a blocking one would never return");
    mw_imap_engine *e = &c->e;
    int polling = !(e->caps & (IMAP_CAP_IDLE | IMAP_CAP_IMAP4REV2));
    unsigned step = polling ? c->poll_interval_ms : c->idle_interval_ms;
    unsigned intervals = 0;
    if (!(dwOptions & IMAP_IDLE_NOWAIT)) {
        uint64_t total = nTimeout ? (uint64_t)nTimeout * 1000u : mw_session_timeout(c->s);
        if (total < step)
            step = (unsigned)total;
        intervals = (unsigned)((total + step - 1) / step);
        if (intervals == 0)
            intervals = 1;
    }
    mw_imap_op_idle(e, !(dwOptions & IMAP_IDLE_NOWAIT), intervals, polling);
    int rc = mw_imap_run(c, step);
    if (lpnChanges)
        *lpnChanges = e->changes;
    return rc;
}

int ImapCommand(HCLIENT hClient, const char *lpszCommand)
{
    mw_imap_client *c;
    if (!lpszCommand || !*lpszCommand || has_control(lpszCommand))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                              "a command without control characters (CR, LF, TAB...) is required");
    /* Commands that change the connection's framing or the session state the engine tracks
     * would desynchronise it; LOGIN would also bypass the cleartext-credential check and the
     * trace redaction (security checklist item 13). Each has its own function. */
    static const char *const refused[] = {"STARTTLS", "IDLE",     "AUTHENTICATE", "LOGIN",
                                          "LOGOUT",   "COMPRESS", "APPEND",       "SELECT",
                                          "EXAMINE",  "CLOSE",    "UNSELECT",     "ENABLE"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        size_t n = strlen(refused[i]);
        if (strncasecmp(lpszCommand, refused[i], n) == 0 &&
            (lpszCommand[n] == 0 || lpszCommand[n] == ' '))
            return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "use the dedicated function for this command");
    }
    if (strchr(lpszCommand, '{'))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                              "literals are not allowed in raw commands");
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    mw_imap_op_begin(&c->e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(&c->e);
    mw_imap_out_puts(&c->e.out, lpszCommand);
    mw_imap_cmd_end(&c->e, IMAP_CMD_OTHER);
    return mw_imap_run(c, 0);
}
