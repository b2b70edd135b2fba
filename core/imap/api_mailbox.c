/* IMAP API: mailboxes (select, examine, create, delete, rename, subscribe, list, status,
 * namespace, unselect, close, check, expunge). */
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../util/str.h"

/* One command with mailbox-name arguments (NULL ends the list early). */
static int mailbox_command(HCLIENT h, const char *verb, int kind, const char *name1,
                           const char *name2)
{
    mw_imap_client *c;
    if (mw_imap_enter(h, &c) || mw_imap_need_auth(c))
        return IMAP_ERROR;
    if (!name1 || !*name1)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a mailbox name is required");
    mw_imap_engine *e = &c->e;
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    uint64_t start = mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, verb);
    mw_imap_out_put(&e->out, " ", 1);
    unsigned err = mw_imap_put_mailbox(e, name1);
    if (!err && name2) {
        mw_imap_out_put(&e->out, " ", 1);
        err = mw_imap_put_mailbox(e, name2);
    }
    if (err) {
        mw_imap_cmd_abort(e, start);
        return mw_imap_refuse(err, "the mailbox name cannot be sent (NUL or invalid UTF-8)");
    }
    mw_imap_cmd_end(e, kind < 0 ? IMAP_CMD_OTHER : kind);
    return mw_imap_run(c, 0);
}

static int select_common(HCLIENT h, const char *name, IMAPMAILBOX *mb, uint32_t opts)
{
    mw_imap_client *c;
    int examine = (opts & IMAP_SELECT_READONLY) != 0;
    if (!name || !*name)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a mailbox name is required");
    if (mw_imap_enter(h, &c) || mw_imap_need_auth(c))
        return IMAP_ERROR;
    if ((opts & IMAP_SELECT_CONDSTORE) && !(c->e.caps & IMAP_CAP_CONDSTORE))
        return mw_imap_refuse(ST_ERROR_NOT_SUPPORTED, "the server does not offer CONDSTORE");
    mw_imap_engine *e = &c->e;
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    uint64_t start = mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, examine ? "EXAMINE " : "SELECT ");
    unsigned err = mw_imap_put_mailbox(e, name);
    if (err) {
        mw_imap_cmd_abort(e, start);
        return mw_imap_refuse(err, "the mailbox name cannot be sent (NUL or invalid UTF-8)");
    }
    if (opts & IMAP_SELECT_CONDSTORE)
        mw_imap_out_puts(&e->out, " (CONDSTORE)"); /* RFC 7162 section 3.1.8 */
    /* The new mailbox's data replaces the old; no change events for its initial EXISTS. */
    e->selected = 0;
    memset(&e->mbox, 0, sizeof e->mbox);
    e->mbox.dwAccessMode = IMAP_ACCESS_READWRITE;
    mw_imap_cmd_end(e, examine ? IMAP_CMD_EXAMINE : IMAP_CMD_SELECT);
    int rc = mw_imap_run(c, 0);
    if (rc == 0 && mb)
        *mb = e->mbox;
    return rc;
}

int ImapSelectMailbox(HCLIENT hClient, const char *lpszMailbox, IMAPMAILBOX *lpMailbox)
{
    return select_common(hClient, lpszMailbox, lpMailbox, 0);
}

int ImapSelectMailboxEx(HCLIENT hClient, const char *lpszMailbox, uint32_t dwOptions,
                        IMAPMAILBOX *lpMailbox)
{
    return select_common(hClient, lpszMailbox, lpMailbox, dwOptions);
}

int ImapExamineMailbox(HCLIENT hClient, const char *lpszMailbox, IMAPMAILBOX *lpMailbox)
{
    return select_common(hClient, lpszMailbox, lpMailbox, IMAP_SELECT_READONLY);
}

int ImapGetMailboxInfo(HCLIENT hClient, IMAPMAILBOX *lpMailbox)
{
    mw_imap_client *c;
    if (!lpMailbox)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "lpMailbox is NULL");
    if (mw_imap_enter_local(hClient, &c) || mw_imap_need_selected(c))
        return IMAP_ERROR;
    *lpMailbox = c->e.mbox;
    return 0;
}

int ImapGetMessageCount(HCLIENT hClient, unsigned *lpnMessages)
{
    mw_imap_client *c;
    if (!lpnMessages)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "lpnMessages is NULL");
    if (mw_imap_enter_local(hClient, &c) || mw_imap_need_selected(c))
        return IMAP_ERROR;
    *lpnMessages = c->e.mbox.nMessages;
    return 0;
}

/* need: 0 any state (NOOP), 1 logged in, 2 a mailbox selected. */
static int plain_command(HCLIENT h, const char *cmd, int kind, int need)
{
    mw_imap_client *c;
    if (mw_imap_enter(h, &c) || (need >= 1 && mw_imap_need_auth(c)) ||
        (need >= 2 && mw_imap_need_selected(c)))
        return IMAP_ERROR;
    mw_imap_op_begin(&c->e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(&c->e);
    mw_imap_out_puts(&c->e.out, cmd);
    mw_imap_cmd_end(&c->e, kind);
    return mw_imap_run(c, 0);
}

int ImapUnselectMailbox(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    if (!(c->e.caps & (IMAP_CAP_UNSELECT | IMAP_CAP_IMAP4REV2)))
        return mw_imap_refuse(ST_ERROR_NOT_SUPPORTED,
                              "the server lacks UNSELECT; ImapCloseMailbox() leaves the mailbox "
                              "but expunges deleted messages");
    return plain_command(hClient, "UNSELECT", IMAP_CMD_UNSELECT, 2);
}

int ImapCloseMailbox(HCLIENT hClient)
{
    return plain_command(hClient, "CLOSE", IMAP_CMD_CLOSE, 2);
}

int ImapCheckMailbox(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    /* IMAP4rev2 removed CHECK (RFC 9051 appendix E); NOOP does the same job there. */
    return plain_command(hClient, c->e.rev2 ? "NOOP" : "CHECK", IMAP_CMD_OTHER, 2);
}

int ImapNoop(HCLIENT hClient)
{
    return plain_command(hClient, "NOOP", IMAP_CMD_NOOP, 0);
}

int ImapExpungeMailbox(HCLIENT hClient, IMAPMAILBOX *lpMailbox)
{
    int rc = plain_command(hClient, "EXPUNGE", IMAP_CMD_EXPUNGE, 2);
    mw_imap_client *c;
    if (rc == 0 && lpMailbox && mw_imap_enter_local(hClient, &c) == 0)
        *lpMailbox = c->e.mbox;
    return rc;
}

int ImapExpungeMessages(HCLIENT hClient, const char *lpszUidSet)
{
    mw_imap_client *c;
    if (mw_imap_valid_set(lpszUidSet))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "invalid UID set");
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    if (!(c->e.caps & (IMAP_CAP_UIDPLUS | IMAP_CAP_IMAP4REV2)))
        return mw_imap_refuse(ST_ERROR_NOT_SUPPORTED, "the server lacks UIDPLUS (UID EXPUNGE)");
    char cmd[64];
    if (strlen(lpszUidSet) > sizeof cmd - 16)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "UID set too long");
    strcpy(cmd, "UID EXPUNGE ");
    strcat(cmd, lpszUidSet);
    return plain_command(hClient, cmd, IMAP_CMD_EXPUNGE, 2);
}

int ImapCreateMailbox(HCLIENT hClient, const char *lpszMailbox)
{
    return mailbox_command(hClient, "CREATE", IMAP_CMD_OTHER, lpszMailbox, NULL);
}

int ImapDeleteMailbox(HCLIENT hClient, const char *lpszMailbox)
{
    return mailbox_command(hClient, "DELETE", IMAP_CMD_OTHER, lpszMailbox, NULL);
}

int ImapRenameMailbox(HCLIENT hClient, const char *lpszOldName, const char *lpszNewName)
{
    if (!lpszNewName)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a new name is required");
    return mailbox_command(hClient, "RENAME", IMAP_CMD_OTHER, lpszOldName, lpszNewName);
}

int ImapSubscribeMailbox(HCLIENT hClient, const char *lpszMailbox)
{
    return mailbox_command(hClient, "SUBSCRIBE", IMAP_CMD_OTHER, lpszMailbox, NULL);
}

int ImapUnsubscribeMailbox(HCLIENT hClient, const char *lpszMailbox)
{
    return mailbox_command(hClient, "UNSUBSCRIBE", IMAP_CMD_OTHER, lpszMailbox, NULL);
}

/* ---- listing ----------------------------------------------------------------------------- */

static int next_entry(mw_imap_client *c, IMAPMAILBOXINFO *info)
{
    mw_imap_engine *e = &c->e;
    if (e->list_pos >= e->nlist)
        return mw_imap_refuse(ST_ERROR_NO_MORE_MAILBOXES, "");
    const mw_imap_list_entry *le = &e->list[e->list_pos++];
    memset(info, 0, sizeof *info);
    if (strlen(le->name) >= sizeof info->szMailbox)
        return mw_imap_refuse(ST_ERROR_LIMIT_EXCEEDED, "mailbox name longer than szMailbox");
    memcpy(info->szMailbox, le->name, strlen(le->name) + 1);
    info->chDelimiter = le->delim;
    info->dwAttributes = le->attrs;
    info->bHasStatus = le->has_status;
    info->nMessages = le->messages;
    info->nUnseenMessages = le->unseen;
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int ImapGetFirstMailbox(HCLIENT hClient, const char *lpszReference, const char *lpszPattern,
                        uint32_t dwOptions, IMAPMAILBOXINFO *lpInfo)
{
    mw_imap_client *c;
    if (!lpInfo)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "lpInfo is NULL");
    if (mw_imap_enter(hClient, &c) || mw_imap_need_auth(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    mw_imap_clear_results(e);
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    uint64_t start = mw_imap_cmd_begin(e);
    int ext = (e->caps & (IMAP_CAP_LIST_EXTENDED | IMAP_CAP_IMAP4REV2)) != 0;
    int subscribed = (dwOptions & IMAP_LIST_SUBSCRIBED) != 0;
    if (subscribed && !ext)
        mw_imap_out_puts(&e->out, "LSUB ");
    else if (subscribed)
        mw_imap_out_puts(&e->out, "LIST (SUBSCRIBED) ");
    else if ((dwOptions & IMAP_LIST_SPECIALUSE) && ext && (e->caps & IMAP_CAP_SPECIAL_USE))
        mw_imap_out_puts(&e->out, "LIST (SPECIAL-USE) ");
    else
        mw_imap_out_puts(&e->out, "LIST ");
    unsigned err = mw_imap_put_mailbox(e, lpszReference ? lpszReference : "");
    if (!err) {
        mw_imap_out_put(&e->out, " ", 1);
        err = mw_imap_put_mailbox(e, lpszPattern ? lpszPattern : "*");
    }
    if (err) {
        mw_imap_cmd_abort(e, start);
        return mw_imap_refuse(err, "the reference or pattern cannot be sent");
    }
    /* RFC 6154: ask for the special-use attributes when the server can return them; RFC 5819:
     * the counts in the same round trip. */
    int special = ext && (e->caps & IMAP_CAP_SPECIAL_USE);
    int status =
        (dwOptions & IMAP_LIST_STATUS) && (e->caps & (IMAP_CAP_LIST_STATUS | IMAP_CAP_IMAP4REV2));
    if (special || status) {
        mw_imap_out_puts(&e->out, " RETURN (");
        if (special)
            mw_imap_out_puts(&e->out, status ? "SPECIAL-USE " : "SPECIAL-USE");
        if (status)
            mw_imap_out_puts(&e->out, "STATUS (MESSAGES UNSEEN)");
        mw_imap_out_puts(&e->out, ")");
    }
    mw_imap_cmd_end(e, IMAP_CMD_LIST);
    int rc = mw_imap_run(c, 0);
    if (rc != 0)
        return rc;
    if (dwOptions & IMAP_LIST_SPECIALUSE) {
        const uint32_t special = IMAP_SPECIAL_ALL | IMAP_SPECIAL_ARCHIVE | IMAP_SPECIAL_DRAFTS |
                                 IMAP_SPECIAL_FLAGGED | IMAP_SPECIAL_JUNK | IMAP_SPECIAL_SENT |
                                 IMAP_SPECIAL_TRASH;
        size_t w = 0;
        for (size_t i = 0; i < e->nlist; i++) {
            if (e->list[i].attrs & special)
                e->list[w++] = e->list[i];
            else
                free(e->list[i].name);
        }
        e->nlist = w;
    }
    e->list_pos = 0;
    return next_entry(c, lpInfo);
}

int ImapGetNextMailbox(HCLIENT hClient, IMAPMAILBOXINFO *lpInfo)
{
    mw_imap_client *c;
    if (!lpInfo)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "lpInfo is NULL");
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    return next_entry(c, lpInfo);
}

int ImapGetMailboxStatus(HCLIENT hClient, const char *lpszMailbox, IMAPMAILBOXSTATUS *lpStatus)
{
    mw_imap_client *c;
    if (!lpszMailbox || !lpStatus)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT,
                              "a mailbox name and lpStatus are required");
    if (mw_imap_enter(hClient, &c) || mw_imap_need_auth(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    memset(&e->status, 0, sizeof e->status);
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    uint64_t start = mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "STATUS ");
    unsigned err = mw_imap_put_mailbox(e, lpszMailbox);
    if (err) {
        mw_imap_cmd_abort(e, start);
        return mw_imap_refuse(err, "the mailbox name cannot be sent");
    }
    mw_imap_out_puts(&e->out, " (MESSAGES UIDNEXT UIDVALIDITY UNSEEN");
    if (!e->rev2)
        mw_imap_out_puts(&e->out, " RECENT");
    if (e->caps & (IMAP_CAP_STATUS_SIZE | IMAP_CAP_IMAP4REV2))
        mw_imap_out_puts(&e->out, " SIZE");
    mw_imap_out_puts(&e->out, ")");
    mw_imap_cmd_end(e, IMAP_CMD_STATUS);
    int rc = mw_imap_run(c, 0);
    if (rc == 0)
        *lpStatus = e->status;
    return rc;
}

int ImapGetNamespace(HCLIENT hClient, char *lpszPrefix, size_t nSize, char *lpchDelimiter)
{
    mw_imap_client *c;
    if (!lpszPrefix || nSize == 0)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "no buffer");
    if (mw_imap_enter(hClient, &c) || mw_imap_need_auth(c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    e->ns_prefix[0] = 0;
    e->ns_delim = 0;
    mw_imap_op_begin(e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "NAMESPACE");
    mw_imap_cmd_end(e, IMAP_CMD_NAMESPACE);
    int rc = mw_imap_run(c, 0);
    if (rc != 0)
        return rc;
    if (strlen(e->ns_prefix) >= nSize)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "the buffer is too small");
    memcpy(lpszPrefix, e->ns_prefix, strlen(e->ns_prefix) + 1);
    if (lpchDelimiter)
        *lpchDelimiter = e->ns_delim;
    return 0;
}
