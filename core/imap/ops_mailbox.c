/* IMAP engine ops on mailboxes (RFC 9051 sections 6.3 and 6.4): select, examine, unselect,
 * close, check, expunge, create, delete, rename, subscribe, list, status, namespace. */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

/* ---- selecting -------------------------------------------------------------------------- */

static void deliver_mailbox(mw_imap_engine *e)
{
    if (!e->op_err && e->dest.mbox)
        *e->dest.mbox = e->mbox;
}

/* The checks of an op on one named mailbox: the name (the argument alone), logged in, and
 * a name this connection can carry. */
static unsigned need_mailbox(mw_imap_engine *e, const char *name)
{
    if (!name || !*name)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a mailbox name is required");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_AUTH);
    return err ? err : mw_imap_check_mailbox(e, name, "the mailbox name");
}

unsigned mw_imap_op_select(mw_imap_engine *e, const char *name, uint32_t options, IMAPMAILBOX *out)
{
    int examine = (options & IMAP_SELECT_READONLY) != 0;
    unsigned err = need_mailbox(e, name);
    if (err)
        return err;
    if ((options & IMAP_SELECT_CONDSTORE) && !(e->caps & IMAP_CAP_CONDSTORE))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED, "the server does not offer CONDSTORE");
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    e->dest.mbox = out;
    e->deliver = deliver_mailbox;
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, examine ? "EXAMINE " : "SELECT ");
    mw_imap_put_mailbox(e, name);
    if (options & IMAP_SELECT_CONDSTORE)
        mw_imap_out_puts(&e->out, " (CONDSTORE)"); /* RFC 7162 section 3.1.8 */
    mw_imap_select_sent(e, examine);
    return ST_ERROR_NONE;
}

void mw_imap_select_sent(mw_imap_engine *e, int examine)
{
    /* RFC 9051 section 6.3.2: a SELECT closes the mailbox selected so far, whether it
     * succeeds or not. The new mailbox's data replaces the old; its initial EXISTS is not a
     * change. */
    mw_imap_set_state(e, IMAP_ST_AUTHENTICATED);
    memset(&e->mbox, 0, sizeof e->mbox);
    e->mbox.dwAccessMode = IMAP_ACCESS_READWRITE;
    e->sync.nomodseq = 0;
    mw_imap_cmd_end(e, examine ? IMAP_CMD_EXAMINE : IMAP_CMD_SELECT);
}

/* A command without arguments that needs a selected mailbox; out (may be NULL) receives the
 * mailbox state when it completes. */
static unsigned selected_command(mw_imap_engine *e, const char *cmd, enum mw_imap_cmd_kind kind,
                                 IMAPMAILBOX *out)
{
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    e->dest.mbox = out;
    e->deliver = deliver_mailbox;
    mw_imap_queue_simple(e, cmd, kind);
    return ST_ERROR_NONE;
}

unsigned mw_imap_op_unselect(mw_imap_engine *e)
{
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    if (!(e->caps & (IMAP_CAP_UNSELECT | IMAP_CAP_IMAP4REV2)))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED,
                              "the server lacks UNSELECT; ImapCloseMailbox() leaves the mailbox "
                              "but expunges deleted messages");
    return selected_command(e, "UNSELECT", IMAP_CMD_UNSELECT, NULL);
}

unsigned mw_imap_op_close(mw_imap_engine *e)
{
    return selected_command(e, "CLOSE", IMAP_CMD_CLOSE, NULL);
}

unsigned mw_imap_op_check(mw_imap_engine *e)
{
    /* IMAP4rev2 removed CHECK (RFC 9051 appendix E); NOOP does the same job there. */
    return selected_command(e, e->rev2 ? "NOOP" : "CHECK", IMAP_CMD_OTHER, NULL);
}

unsigned mw_imap_op_expunge(mw_imap_engine *e, IMAPMAILBOX *out)
{
    return selected_command(e, "EXPUNGE", IMAP_CMD_EXPUNGE, out);
}

unsigned mw_imap_op_expunge_uids(mw_imap_engine *e, const char *uid_set)
{
    if (mw_imap_valid_set(uid_set))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "invalid UID set");
    if (strlen(uid_set) > 48) /* the documented limit of ImapExpungeMessages() */
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "UID set too long");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    if (!(e->caps & (IMAP_CAP_UIDPLUS | IMAP_CAP_IMAP4REV2)))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED, "the server lacks UIDPLUS (UID EXPUNGE)");
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "UID EXPUNGE "); /* RFC 4315 section 2.1 */
    mw_imap_out_puts(&e->out, uid_set);
    mw_imap_cmd_end(e, IMAP_CMD_EXPUNGE);
    return ST_ERROR_NONE;
}

/* ---- creating, deleting, renaming, subscribing ------------------------------------------ */

/* One command with one or two mailbox names. */
static unsigned name_command(mw_imap_engine *e, const char *verb, const char *name1,
                             const char *name2)
{
    unsigned err = need_mailbox(e, name1);
    if (!err && name2)
        err = mw_imap_check_mailbox(e, name2, "the new name");
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, verb);
    mw_imap_out_put(&e->out, " ", 1);
    mw_imap_put_mailbox(e, name1);
    if (name2) {
        mw_imap_out_put(&e->out, " ", 1);
        mw_imap_put_mailbox(e, name2);
    }
    mw_imap_cmd_end(e, IMAP_CMD_OTHER);
    return ST_ERROR_NONE;
}

unsigned mw_imap_op_mailbox(mw_imap_engine *e, enum mw_imap_mailbox_verb verb, const char *name)
{
    static const char *const verbs[] = {"CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE"};
    if ((unsigned)verb >= sizeof verbs / sizeof verbs[0])
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "unknown mailbox command");
    return name_command(e, verbs[verb], name, NULL);
}

unsigned mw_imap_op_rename(mw_imap_engine *e, const char *from, const char *to)
{
    if (!to || !*to)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a new name is required");
    return name_command(e, "RENAME", from, to);
}

/* ---- listing ---------------------------------------------------------------------------- */

static void deliver_list(mw_imap_engine *e)
{
    if (e->op_err)
        return;
    if (e->dest.list_options & IMAP_LIST_SPECIALUSE) {
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
    if (!e->dest.info)
        return;
    unsigned err = mw_imap_next_mailbox(e, e->dest.info);
    if (err)
        mw_imap_op_note(e, err, "%s", e->why);
}

unsigned mw_imap_op_list(mw_imap_engine *e, const char *reference, const char *pattern,
                         uint32_t options, IMAPMAILBOXINFO *first)
{
    reference = reference ? reference : "";
    pattern = pattern ? pattern : "*";
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_AUTH);
    /* An empty reference is valid (RFC 9051 section 6.3.9): check the encoding only. */
    if (!err && *reference)
        err = mw_imap_check_mailbox(e, reference, "the reference");
    if (!err && *pattern)
        err = mw_imap_check_mailbox(e, pattern, "the pattern");
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_clear_list(e);
    e->dest.info = first;
    e->dest.list_options = options;
    e->deliver = deliver_list;
    mw_imap_cmd_begin(e);
    int ext = (e->caps & (IMAP_CAP_LIST_EXTENDED | IMAP_CAP_IMAP4REV2)) != 0;
    int subscribed = (options & IMAP_LIST_SUBSCRIBED) != 0;
    if (subscribed && !ext)
        mw_imap_out_puts(&e->out, "LSUB ");
    else if (subscribed)
        mw_imap_out_puts(&e->out, "LIST (SUBSCRIBED) ");
    else if ((options & IMAP_LIST_SPECIALUSE) && ext && (e->caps & IMAP_CAP_SPECIAL_USE))
        mw_imap_out_puts(&e->out, "LIST (SPECIAL-USE) ");
    else
        mw_imap_out_puts(&e->out, "LIST ");
    mw_imap_put_mailbox(e, reference);
    mw_imap_out_put(&e->out, " ", 1);
    mw_imap_put_mailbox(e, pattern);
    /* RFC 6154: ask for the special-use attributes when the server can return them; RFC 5819:
     * the counts in the same round trip. */
    int special = ext && (e->caps & IMAP_CAP_SPECIAL_USE);
    int status =
        (options & IMAP_LIST_STATUS) && (e->caps & (IMAP_CAP_LIST_STATUS | IMAP_CAP_IMAP4REV2));
    if (special || status) {
        mw_imap_out_puts(&e->out, " RETURN (");
        if (special)
            mw_imap_out_puts(&e->out, status ? "SPECIAL-USE " : "SPECIAL-USE");
        if (status)
            mw_imap_out_puts(&e->out, "STATUS (MESSAGES UNSEEN)");
        mw_imap_out_puts(&e->out, ")");
    }
    mw_imap_cmd_end(e, IMAP_CMD_LIST);
    return ST_ERROR_NONE;
}

/* ---- STATUS, NAMESPACE ------------------------------------------------------------------ */

static void deliver_status(mw_imap_engine *e)
{
    if (!e->op_err && e->dest.status)
        *e->dest.status = e->status;
}

unsigned mw_imap_op_status(mw_imap_engine *e, const char *name, IMAPMAILBOXSTATUS *out)
{
    unsigned err = need_mailbox(e, name);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    memset(&e->status, 0, sizeof e->status);
    e->dest.status = out;
    e->deliver = deliver_status;
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "STATUS ");
    mw_imap_put_mailbox(e, name);
    mw_imap_out_puts(&e->out, " (MESSAGES UIDNEXT UIDVALIDITY UNSEEN");
    if (!e->rev2)
        mw_imap_out_puts(&e->out, " RECENT"); /* RFC 9051 appendix E dropped \Recent */
    if (e->caps & (IMAP_CAP_STATUS_SIZE | IMAP_CAP_IMAP4REV2))
        mw_imap_out_puts(&e->out, " SIZE"); /* RFC 8438 */
    mw_imap_out_puts(&e->out, ")");
    mw_imap_cmd_end(e, IMAP_CMD_STATUS);
    return ST_ERROR_NONE;
}

static void deliver_namespace(mw_imap_engine *e)
{
    if (e->op_err || !e->dest.ns_prefix)
        return;
    size_t n = strlen(e->ns_prefix);
    if (n >= e->dest.ns_size) {
        mw_imap_op_note(e, ST_ERROR_INVALID_ARGUMENT,
                        "the buffer is too small for the namespace prefix (%zu bytes)", n + 1);
        return;
    }
    memcpy(e->dest.ns_prefix, e->ns_prefix, n + 1);
    if (e->dest.ns_delim)
        *e->dest.ns_delim = e->ns_delim;
}

unsigned mw_imap_op_namespace(mw_imap_engine *e, char *prefix, size_t size, char *delim)
{
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_AUTH);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    e->ns_prefix[0] = 0;
    e->ns_delim = 0;
    e->dest.ns_prefix = prefix;
    e->dest.ns_size = size;
    e->dest.ns_delim = delim;
    e->deliver = deliver_namespace;
    mw_imap_queue_simple(e, "NAMESPACE", IMAP_CMD_NAMESPACE); /* RFC 2342 */
    return ST_ERROR_NONE;
}
