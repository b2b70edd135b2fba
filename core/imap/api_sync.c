/* IMAP API: CONDSTORE and QRESYNC (RFC 7162): ENABLE, the VANISHED callback, FETCH
 * (CHANGEDSINCE), conditional STORE, the QRESYNC select and the "what changed since" call.
 * The engine ops are in sync.c. */
#include "api.h"

#include "sync.h"

int ImapEnableSync(HCLIENT hClient, uint32_t dwOptions)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c, mw_imap_op_enable_sync(c->e, dwOptions), 0);
}

int ImapSetVanishedCallback(HCLIENT hClient, IMAPVANISHEDPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return IMAP_ERROR;
    mw_imap_set_vanished_cb(c->e, lpfnCallback, lpUserData);
    return 0;
}

int ImapSetChangeCallback(HCLIENT hClient, IMAPCHANGEPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return IMAP_ERROR;
    mw_imap_set_change_cb(c->e, lpfnCallback, lpUserData);
    return 0;
}

int ImapGetChangedMessages(HCLIENT hClient, const char *lpszSet, uint32_t dwOptions,
                           uint64_t nModSeq, IMAPCHANGEPROC lpfnCallback, void *lpUserData)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(
        c, mw_imap_op_changed_since(c->e, lpszSet, dwOptions, nModSeq, lpfnCallback, lpUserData),
        0);
}

int ImapStoreFlagsUnchangedSince(HCLIENT hClient, const char *lpszSet, uint32_t dwMode,
                                 uint32_t dwFlags, const char *lpszKeywords, uint64_t nModSeq,
                                 uint32_t *lpModified, size_t *lpnModified)
{
    if (!lpnModified || (*lpnModified && !lpModified))
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "lpnModified (and lpModified) are required");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c,
                         mw_imap_op_store_unchanged(c->e, lpszSet, dwMode, dwFlags, lpszKeywords,
                                                    nModSeq, lpModified, lpnModified),
                         0);
}

int ImapSelectMailboxQresync(HCLIENT hClient, const char *lpszMailbox, uint32_t dwOptions,
                             uint32_t dwUidValidity, uint64_t nModSeq, const char *lpszKnownUids,
                             const char *lpszSeqMatchSeqs, const char *lpszSeqMatchUids,
                             IMAPCHANGEPROC lpfnChanged, IMAPVANISHEDPROC lpfnVanished,
                             void *lpUserData, IMAPCHANGES *lpChanges)
{
    if (!lpChanges || lpChanges->dwSize < sizeof *lpChanges)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "lpChanges with dwSize = sizeof(IMAPCHANGES) is required");
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    return mw_imap_start(c,
                         mw_imap_op_qresync_select(c->e, lpszMailbox, dwOptions, dwUidValidity,
                                                   nModSeq, lpszKnownUids, lpszSeqMatchSeqs,
                                                   lpszSeqMatchUids, lpfnChanged, lpfnVanished,
                                                   lpUserData, lpChanges),
                         0);
}

int ImapGetChangesSince(HCLIENT hClient, const char *lpszMailbox, uint32_t dwUidValidity,
                        uint64_t nModSeq, IMAPCHANGEPROC lpfnChanged, IMAPVANISHEDPROC lpfnVanished,
                        void *lpUserData, IMAPCHANGES *lpChanges)
{
    return ImapSelectMailboxQresync(hClient, lpszMailbox, 0, dwUidValidity, nModSeq, NULL, NULL,
                                    NULL, lpfnChanged, lpfnVanished, lpUserData, lpChanges);
}
