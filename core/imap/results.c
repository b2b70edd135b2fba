/* IMAP engine: what the API reads back without I/O (the last tagged result, capabilities,
 * the selected mailbox, the results kept from the last operations); see engine.h. */
#include "engine_priv.h"
#include "../util/str.h"

#include <string.h>

int mw_imap_running(const mw_imap_engine *e)
{
    return mw_imap_op_open(e);
}

const char *mw_imap_engine_state_name(const mw_imap_engine *e)
{
    return mw_imap_state_name(e->state);
}

int mw_imap_result_code(const mw_imap_engine *e)
{
    return e->result_cond;
}

const char *mw_imap_result_text(const mw_imap_engine *e)
{
    return e->result_text;
}

const char *mw_imap_alert(const mw_imap_engine *e)
{
    return e->alert;
}

const char *mw_imap_capabilities(const mw_imap_engine *e)
{
    return e->capstr ? e->capstr : "";
}

int mw_imap_has_cap(const mw_imap_engine *e, const char *name)
{
    if (!e->capstr || !name || !*name)
        return 0;
    size_t n = strlen(name), len;
    for (const char *w = mw_imap_word(e->capstr, &len); len; w = mw_imap_word(w + len, &len))
        if (len == n && mw_strncasecmp(w, name, n) == 0)
            return 1;
    return 0;
}

const IMAPMAILBOX *mw_imap_mailbox(const mw_imap_engine *e)
{
    return e->state == IMAP_ST_SELECTED ? &e->mbox : NULL;
}

unsigned mw_imap_next_mailbox(mw_imap_engine *e, IMAPMAILBOXINFO *info)
{
    if (e->list_pos >= e->nlist)
        return mw_imap_refuse(e, ST_ERROR_NO_MORE_MAILBOXES, "no more mailboxes");
    const mw_imap_list_entry *le = &e->list[e->list_pos++];
    memset(info, 0, sizeof *info);
    size_t n = strlen(le->name);
    if (n >= sizeof info->szMailbox)
        return mw_imap_refuse(e, ST_ERROR_LIMIT_EXCEEDED,
                              "mailbox name longer than szMailbox (%zu bytes)", n);
    memcpy(info->szMailbox, le->name, n + 1);
    info->chDelimiter = le->delim;
    info->dwAttributes = le->attrs;
    info->bHasStatus = le->has_status;
    info->nMessages = le->messages;
    info->nUnseenMessages = le->unseen;
    return ST_ERROR_NONE;
}

size_t mw_imap_search_results(const mw_imap_engine *e, uint32_t *ids, size_t cap)
{
    size_t n = e->nsearch < cap ? e->nsearch : cap;
    if (n)
        memcpy(ids, e->search, n * sizeof *ids);
    return e->nsearch;
}

const IMAPMAILBOXSTATUS *mw_imap_status_result(const mw_imap_engine *e)
{
    return &e->status;
}

const char *mw_imap_namespace_result(const mw_imap_engine *e, char *delim)
{
    if (delim)
        *delim = e->ns_delim;
    return e->ns_prefix;
}

uint32_t mw_imap_append_uid(const mw_imap_engine *e)
{
    return e->append_uid;
}

const char *mw_imap_info_envelope(const mw_imap_engine *e)
{
    return e->info_envelope ? e->info_envelope : "";
}

int mw_imap_utf8_headers(const mw_imap_engine *e)
{
    return e->rev2;
}

unsigned mw_imap_changes(const mw_imap_engine *e)
{
    return e->changes;
}

void mw_imap_transfer(const mw_imap_engine *e, uint64_t *done, uint64_t *total)
{
    if (done)
        *done = e->xfer_done;
    if (total)
        *total = e->xfer_total;
}
