/* IMAP API: mailboxes (select, examine, create, delete, rename, subscribe, list, status,
 * namespace, unselect, close, check, expunge); the engine ops are in ops_mailbox.c. */
#include "api.h"

int ImapSelectMailbox(HCLIENT hClient, const char *lpszMailbox, IMAPMAILBOX *lpMailbox)
{
    return ImapSelectMailboxEx(hClient, lpszMailbox, 0, lpMailbox);
}

int ImapSelectMailboxEx(HCLIENT hClient, const char *lpszMailbox, uint32_t dwOptions,
                        IMAPMAILBOX *lpMailbox)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_select(c->e, lpszMailbox, dwOptions, lpMailbox), 0);
}

int ImapExamineMailbox(HCLIENT hClient, const char *lpszMailbox, IMAPMAILBOX *lpMailbox)
{
    return ImapSelectMailboxEx(hClient, lpszMailbox, IMAP_SELECT_READONLY, lpMailbox);
}

/* The selected mailbox of h, or NULL with the thread error set. */
static const IMAPMAILBOX *selected(HCLIENT h)
{
    mw_imap_client *c;
    if (mw_imap_lookup(h, &c))
        return NULL;
    const IMAPMAILBOX *m = mw_imap_mailbox(c->e);
    if (!m)
        mw_imap_api_refuse(ST_ERROR_INVALID_STATE, "no mailbox is selected");
    return m;
}

int ImapGetMailboxInfo(HCLIENT hClient, IMAPMAILBOX *lpMailbox)
{
    if (!lpMailbox)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "lpMailbox is NULL");
    const IMAPMAILBOX *m = selected(hClient);
    if (!m)
        return IMAP_ERROR;
    *lpMailbox = *m;
    return 0;
}

int ImapGetMessageCount(HCLIENT hClient, unsigned *lpnMessages)
{
    if (!lpnMessages)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "lpnMessages is NULL");
    const IMAPMAILBOX *m = selected(hClient);
    if (!m)
        return IMAP_ERROR;
    *lpnMessages = m->nMessages;
    return 0;
}

int ImapUnselectMailbox(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_unselect(c->e), 0);
}

int ImapCloseMailbox(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_close(c->e), 0);
}

int ImapCheckMailbox(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_check(c->e), 0);
}

int ImapNoop(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_noop(c->e), 0);
}

int ImapExpungeMailbox(HCLIENT hClient, IMAPMAILBOX *lpMailbox)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_expunge(c->e, lpMailbox), 0);
}

int ImapExpungeMessages(HCLIENT hClient, const char *lpszUidSet)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_expunge_uids(c->e, lpszUidSet), 0);
}

static int mailbox_command(HCLIENT h, enum mw_imap_mailbox_verb verb, const char *name)
{
    mw_imap_client *c;
    if (mw_imap_enter(h, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_mailbox(c->e, verb, name), 0);
}

int ImapCreateMailbox(HCLIENT hClient, const char *lpszMailbox)
{
    return mailbox_command(hClient, MW_IMAP_MAILBOX_CREATE, lpszMailbox);
}

int ImapDeleteMailbox(HCLIENT hClient, const char *lpszMailbox)
{
    return mailbox_command(hClient, MW_IMAP_MAILBOX_DELETE, lpszMailbox);
}

int ImapRenameMailbox(HCLIENT hClient, const char *lpszOldName, const char *lpszNewName)
{
    if (!lpszNewName)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a new name is required");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_rename(c->e, lpszOldName, lpszNewName), 0);
}

int ImapSubscribeMailbox(HCLIENT hClient, const char *lpszMailbox)
{
    return mailbox_command(hClient, MW_IMAP_MAILBOX_SUBSCRIBE, lpszMailbox);
}

int ImapUnsubscribeMailbox(HCLIENT hClient, const char *lpszMailbox)
{
    return mailbox_command(hClient, MW_IMAP_MAILBOX_UNSUBSCRIBE, lpszMailbox);
}

/* ---- listing ----------------------------------------------------------------------------- */

int ImapGetFirstMailbox(HCLIENT hClient, const char *lpszReference, const char *lpszPattern,
                        uint32_t dwOptions, IMAPMAILBOXINFO *lpInfo)
{
    if (!lpInfo)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "lpInfo is NULL");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_list(c->e, lpszReference, lpszPattern, dwOptions, lpInfo),
                         0);
}

int ImapGetNextMailbox(HCLIENT hClient, IMAPMAILBOXINFO *lpInfo)
{
    if (!lpInfo)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "lpInfo is NULL");
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return IMAP_ERROR;
    unsigned err = mw_imap_next_mailbox(c->e, lpInfo);
    if (err)
        return mw_imap_api_refuse(err, mw_imap_why(c->e));
    return 0; /* a getter: the last error stays as it was (common.h) */
}

int ImapGetMailboxStatus(HCLIENT hClient, const char *lpszMailbox, IMAPMAILBOXSTATUS *lpStatus)
{
    if (!lpszMailbox || !lpStatus)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "a mailbox name and lpStatus are required");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_status(c->e, lpszMailbox, lpStatus), 0);
}

int ImapGetNamespace(HCLIENT hClient, char *lpszPrefix, size_t nSize, char *lpchDelimiter)
{
    if (!lpszPrefix || nSize == 0)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "no buffer");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_namespace(c->e, lpszPrefix, nSize, lpchDelimiter), 0);
}
