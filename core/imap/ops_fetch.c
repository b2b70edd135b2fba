/* IMAP engine ops that read messages (RFC 9051 section 6.4.5): one message or section to a
 * callback or into a capped caller buffer, a range in pipelined UID FETCH batches, and the
 * metadata of a set. */
#include "engine_priv.h"

#include <stdio.h>
#include <string.h>

#include "../util/str.h"

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

/* The checks of one fetch, before anything is queued. */
static unsigned check_fetch(mw_imap_engine *e, unsigned id, const char *section)
{
    if (id == 0)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a message id is required");
    if (!valid_section(section) || strlen(section) > 200)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "invalid section specification");
    return mw_imap_need(e, MW_IMAP_NEED_SELECTED);
}

/* Queue the FETCH of one message; the body goes to cb, and no body at all fails the
 * operation (a UID FETCH of a missing UID is an OK without data). */
static void queue_fetch(mw_imap_engine *e, unsigned id, uint32_t options, const char *section,
                        uint64_t offset, uint64_t length, IMAPFETCHPROC cb, void *user,
                        mw_imap_release_fn release, void *release_user)
{
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    /* The hook before the command: should queueing fail, the operation's end releases it. */
    e->release = release;
    e->release_user = release_user;
    e->sink = cb;
    e->sink_user = user;
    e->fetch_active = 1;
    e->fetch_need_data = 1;
    mw_strlcpy(e->fetch_section, section, sizeof e->fetch_section); /* checked: <= 200 bytes */
    mw_imap_cmd_begin(e);
    mw_imap_out_printf(&e->out, "%sFETCH %u (UID BODY%s[", (options & IMAP_FETCH_UID) ? "UID " : "",
                       id, (options & IMAP_FETCH_SEEN) ? "" : ".PEEK");
    mw_imap_out_puts(&e->out, section);
    mw_imap_out_puts(&e->out, "]");
    if (offset || length) /* a partial fetch, RFC 9051 section 6.4.5 <origin.octets> */
        mw_imap_out_printf(&e->out, "<%llu.%llu>", (unsigned long long)offset,
                           (unsigned long long)(length ? length : 4294967295ull));
    mw_imap_out_puts(&e->out, ")");
    mw_imap_cmd_end(e, IMAP_CMD_FETCH);
}

unsigned mw_imap_op_fetch(mw_imap_engine *e, unsigned id, uint32_t options, const char *section,
                          uint64_t offset, uint64_t length, IMAPFETCHPROC cb, void *user,
                          mw_imap_release_fn release, void *release_user)
{
    section = section ? section : "";
    unsigned err = cb ? check_fetch(e, id, section)
                      : mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a callback is required");
    if (err)
        return mw_imap_refuse_release(release, release_user, err);
    queue_fetch(e, id, options, section, offset, length, cb, user, release, release_user);
    return ST_ERROR_NONE;
}

/* ---- into a caller buffer --------------------------------------------------------------- */

/* The capped buffer sink: every start of a body restarts it; bytes past the capacity are
 * counted, not stored. */
static int MAILWIRE_CALLBACK to_buffer(unsigned id, uint32_t uid, const char *p, size_t n,
                                       uint64_t total, void *user)
{
    mw_imap_engine *e = user;
    (void)id;
    (void)uid;
    if (!p) {
        e->buf_len = 0;
        e->buf_need = total;
        e->buf_over = 0;
        return 0;
    }
    if (e->buf_over || n > e->buf_cap - e->buf_len) {
        e->buf_over = 1; /* the rest is dropped; the size needed is reported */
        return 0;
    }
    memcpy(e->buf + e->buf_len, p, n);
    e->buf_len += n;
    return 0;
}

static void deliver_buffer(mw_imap_engine *e)
{
    if (e->op_err)
        return;
    if (e->buf_over) {
        *e->dest.len = (size_t)e->buf_need;
        mw_imap_op_note(e, ST_ERROR_LIMIT_EXCEEDED,
                        "the buffer is too small for the message (%llu bytes needed)",
                        (unsigned long long)e->buf_need);
        return;
    }
    *e->dest.len = e->buf_len;
}

unsigned mw_imap_op_get_message(mw_imap_engine *e, unsigned id, unsigned part, uint32_t options,
                                void *buf, size_t *len)
{
    if (!buf || !len)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a buffer and its length are required");
    char sec[32];
    if (part == 0)
        snprintf(sec, sizeof sec, "%s",
                 (options & IMAP_SECTION_HEADER) ? "HEADER"
                 : (options & IMAP_SECTION_BODY) ? "TEXT"
                                                 : "");
    else /* RFC 9051 section 6.4.5: n.MIME is the header of part n */
        snprintf(sec, sizeof sec, (options & IMAP_SECTION_HEADER) ? "%u.MIME" : "%u", part);
    unsigned err = check_fetch(e, id, sec);
    if (err)
        return err;
    queue_fetch(e, id, options, sec, 0, 0, to_buffer, e, NULL, NULL);
    if (!mw_imap_op_open(e))
        return ST_ERROR_NONE; /* queueing failed: status() reports it */
    e->buf = buf;
    e->buf_cap = *len;
    e->buf_len = 0;
    e->buf_need = 0;
    e->dest.len = len;
    e->deliver = deliver_buffer;
    return ST_ERROR_NONE;
}

/* ---- ranges and metadata ---------------------------------------------------------------- */

unsigned mw_imap_op_fetch_range(mw_imap_engine *e, unsigned first, unsigned last, uint32_t options,
                                IMAPFETCHPROC cb, void *user)
{
    if (!cb)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a callback is required");
    if (last != 0 && last < (first ? first : 1))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "nLast is below nFirst");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    if (first == 0)
        first = 1;
    mw_imap_op_start(e, IMAP_OP_FETCH_ALL);
    mw_imap_search_reset(e, 0);
    unsigned count = e->mbox.nMessages;
    if (count == 0 || first > count) {
        mw_imap_op_finish(e); /* nothing to fetch: done without a round trip */
        return ST_ERROR_NONE;
    }
    /* First the UIDs of the range (one round trip), then UID FETCH batches, all pipelined:
     * UIDs stay valid whatever another client expunges meanwhile. */
    mw_imap_cmd_begin(e);
    if (last == 0 || last >= count)
        mw_imap_out_printf(&e->out, "UID SEARCH %u:*", first);
    else
        mw_imap_out_printf(&e->out, "UID SEARCH %u:%u", first, last);
    mw_imap_cmd_end(e, IMAP_CMD_SEARCH);
    size_t n = last && last < count ? last - first + 1 : count - first + 1;
    /* The UIDs of the range asked for, no more (a server that sends more is not followed). */
    mw_imap_search_reset(e, n);
    e->fetch_batch = n / 64 > 500 ? n / 64 : 500;
    e->sink = cb;
    e->sink_user = user;
    e->fetch_active = 1;
    e->fetch_seen = (options & IMAP_FETCH_SEEN) != 0;
    return ST_ERROR_NONE;
}

/* FETCH (or UID FETCH) of set with the message-info items; the op is started. */
static void queue_info(mw_imap_engine *e, const char *set, uint32_t options, IMAPMESSAGEPROC cb,
                       void *user)
{
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (options & IMAP_FETCH_UID) ? "UID FETCH " : "FETCH ");
    mw_imap_out_puts(&e->out, set);
    mw_imap_out_puts(&e->out, " (UID FLAGS RFC822.SIZE INTERNALDATE");
    if (options & IMAP_INFO_ENVELOPE)
        mw_imap_out_puts(&e->out, " ENVELOPE");
    if (options & IMAP_INFO_BODYSTRUCTURE)
        mw_imap_out_puts(&e->out, " BODYSTRUCTURE");
    mw_imap_out_puts(&e->out, ")");
    mw_imap_cmd_end(e, IMAP_CMD_FETCH);
    e->info_cb = cb;
    e->info_user = user;
    e->fetch_active = 1;
}

unsigned mw_imap_op_message_info(mw_imap_engine *e, const char *set, uint32_t options,
                                 IMAPMESSAGEPROC cb, void *user)
{
    if (!cb || mw_imap_valid_set(set))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a valid set and a callback are required");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    queue_info(e, set, options, cb, user);
    return ST_ERROR_NONE;
}

unsigned mw_imap_op_newest(mw_imap_engine *e, unsigned n, uint32_t options, IMAPMESSAGEPROC cb,
                           void *user)
{
    if (!cb || n == 0)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a count above 0 and a callback are required");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    /* Sequence numbers ascend with arrival (RFC 9051 section 2.3.1.2): the newest N are the
     * last N of the count the server last reported (EXISTS). */
    unsigned count = e->mbox.nMessages;
    if (count == 0) {
        mw_imap_op_finish(e); /* an empty mailbox: done without a round trip */
        return ST_ERROR_NONE;
    }
    char set[32];
    snprintf(set, sizeof set, "%u:%u", count > n ? count - n + 1 : 1u, count);
    queue_info(e, set, options & (IMAP_INFO_ENVELOPE | IMAP_INFO_BODYSTRUCTURE), cb, user);
    return ST_ERROR_NONE;
}
