/* IMAP engine: output queue, response dispatch, operations; see engine.h. */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../session/errors.h"
#include "../util/alloc.h"
#include "../util/str.h"
#include "utf7.h"

static const mw_imap_limits g_limits = {
    /* line */ 1u << 20, /* response_mem */ 4u << 20, /* lit_mem */ 1u << 20, /* depth */ 32};

const mw_imap_limits *mw_imap_default_limits(void)
{
    return &g_limits;
}

static const char *const state_names[] = {
    "GREETING",      "NOT_AUTHENTICATED", "STARTTLS", "AUTHENTICATING",
    "AUTHENTICATED", "SELECTED",          "IDLE",     "LOGOUT",
    "CLOSED"};

const char *mw_imap_state_name(int state)
{
    return state >= 0 && state <= IMAP_ST_CLOSED ? state_names[state] : "?";
}

/* The one place the protocol state changes. */
void mw_imap_set_state(mw_imap_engine *e, int state)
{
    if (e->state == state)
        return;
    if (e->on_state)
        e->on_state(e->on_state_user, e->state, state);
    e->state = state;
}

unsigned mw_imap_engine_init(mw_imap_engine *e, uint32_t options, const mw_imap_limits *lim)
{
    memset(e, 0, sizeof *e);
    e->options = options;
    e->tls_required = (options & (MAILWIRE_OPTION_SECURE | MAILWIRE_OPTION_SECURE_IMPLICIT)) != 0;
    e->tls = (options & MAILWIRE_OPTION_SECURE_IMPLICIT) != 0;
    e->result_cond = -1;
    e->next_tag = 1;
    mw_imap_reader_init(&e->rd, lim ? lim : &g_limits);
    mw_imap_out_init(&e->out);
    mw_imap_set_state(e, IMAP_ST_GREETING);
    return ST_ERROR_NONE;
}

void mw_imap_clear_results(mw_imap_engine *e)
{
    for (size_t i = 0; i < e->nlist; i++)
        free(e->list[i].name);
    e->nlist = e->list_pos = 0;
    e->nsearch = 0;
    memset(&e->status, 0, sizeof e->status);
    e->append_uid = 0;
}

void mw_imap_engine_free(mw_imap_engine *e)
{
    mw_imap_clear_results(e);
    free(e->list);
    free(e->search);
    free(e->capstr);
    free(e->chunk);
    free(e->move_set);
    mw_imap_auth_free(e);
    mw_imap_reader_free(&e->rd);
    /* The queue may hold a LOGIN password. */
    if (e->out.buf)
        mw_wipe(e->out.buf, e->out.cap);
    mw_imap_out_free(&e->out);
    memset(e, 0, sizeof *e);
}

void mw_imap_push_event(mw_imap_engine *e, unsigned ev, unsigned err)
{
    if (e->ev_count == IMAP_MAX_EVENTS)
        return; /* the application is not draining; updates are summarised in the state */
    size_t i = (e->ev_head + e->ev_count) % IMAP_MAX_EVENTS;
    e->ev[i] = ev;
    e->everr[i] = err;
    e->ev_count++;
}

/* ---- operations ------------------------------------------------------------------------- */

void mw_imap_op_begin(mw_imap_engine *e, int op)
{
    e->op = op;
    e->step = 0;
    e->op_status = MW_OP_RUNNING;
    e->op_err = ST_ERROR_NONE;
    e->op_detail[0] = 0;
    e->sink_err = 0;
    e->xfer_done = e->xfer_total = 0;
    /* Collectors belong to one operation; the API sets them after this call. */
    e->fetch_active = 0;
    e->sink = NULL;
    e->info_cb = NULL;
}

void mw_imap_op_fail(mw_imap_engine *e, unsigned err, int fatal, const char *fmt, ...)
{
    if (e->op_status == MW_OP_FATAL)
        return;
    /* Formatted into a copy first: an argument may be e->op_detail itself (overlapping
     * vsnprintf arguments are undefined behaviour; the fuzzer saw the text lost). */
    char detail[sizeof e->op_detail];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (!detail[0]) /* e.g. "A3 BAD" with an empty text: still say what failed */
        snprintf(detail, sizeof detail, "%s", mw_error_string(err));
    memcpy(e->op_detail, detail, sizeof detail);
    e->op_err = err;
    e->op_status = fatal ? MW_OP_FATAL : MW_OP_FAILED;
    if (fatal)
        mw_imap_set_state(e, IMAP_ST_CLOSED);
}

unsigned mw_imap_op_refuse(mw_imap_engine *e, unsigned err, const char *detail)
{
    mw_imap_op_fail(e, err, 0, "%s", detail);
    return err;
}

void mw_imap_op_note(mw_imap_engine *e, unsigned err, const char *fmt, ...)
{
    if (e->op_err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->op_detail, sizeof e->op_detail, fmt, ap);
    va_end(ap);
    if (!e->op_detail[0])
        snprintf(e->op_detail, sizeof e->op_detail, "%s", mw_error_string(err));
    e->op_err = err;
}

size_t mw_imap_live_commands(const mw_imap_engine *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->ncmd; i++)
        n += !e->cmds[i].detached;
    return n;
}

void mw_imap_op_finish(mw_imap_engine *e)
{
    if (e->op_status != MW_OP_RUNNING)
        return;
    if (e->sink_err && !e->op_err)
        mw_imap_op_note(e, e->sink_err, "%s",
                        e->sink_err == ST_ERROR_CANCELLED
                            ? "the fetch callback stopped the transfer"
                            : "the fetched data did not fit");
    e->op_status = e->op_err ? MW_OP_FAILED : MW_OP_DONE;
    e->fetch_active = 0;
}

void mw_imap_queue_simple(mw_imap_engine *e, const char *cmd, int kind)
{
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, cmd);
    mw_imap_cmd_end(e, kind);
}

static void queue_enable(mw_imap_engine *e)
{
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "ENABLE");
    if (e->caps & IMAP_CAP_IMAP4REV2)
        mw_imap_out_puts(&e->out, " IMAP4rev2");
    if (e->caps & IMAP_CAP_UTF8_ACCEPT)
        mw_imap_out_puts(&e->out, " UTF8=ACCEPT");
    mw_imap_cmd_end(e, IMAP_CMD_ENABLE);
    e->enable_sent = 1;
}

static void queue_id(mw_imap_engine *e)
{
    /* RFC 2971: a short identification; nothing about the host or the user. */
    mw_imap_queue_simple(e, "ID (\"name\" \"mailwire\")", IMAP_CMD_ID);
    e->id_sent = 1;
}

static void queue_idle(mw_imap_engine *e)
{
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "IDLE");
    mw_imap_cmd_end(e, IMAP_CMD_IDLE);
    e->idle_acked = 0;
    e->idle_done_queued = 0;
}

/* All commands of the operation are complete: queue the next step or finish. */
void mw_imap_op_advance(mw_imap_engine *e)
{
    if (e->op_status != MW_OP_RUNNING || mw_imap_live_commands(e) > 0)
        return;
    switch (e->op) {
    case IMAP_OP_CONNECT:
        if (e->state == IMAP_ST_GREETING)
            return;
        if (e->op_err) {
            /* Without a usable capability list nothing safe can follow. */
            mw_imap_op_fail(e, e->op_err, 1, "%s", e->op_detail);
            return;
        }
        if (!e->caps_known) {
            mw_imap_queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
            return;
        }
        if (e->tls_required && !e->tls) {
            if (e->state != IMAP_ST_NOT_AUTHENTICATED) {
                mw_imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                                "PREAUTH greeting on a cleartext connection while TLS is required");
                return;
            }
            if (!(e->caps & IMAP_CAP_STARTTLS)) {
                mw_imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                                "the server does not offer STARTTLS");
                return;
            }
            mw_imap_queue_simple(e, "STARTTLS", IMAP_CMD_STARTTLS);
            return;
        }
        if ((e->options & IMAP_OPTION_IDENTIFY) && (e->caps & IMAP_CAP_ID) && !e->id_sent) {
            queue_id(e);
            return;
        }
        /* PREAUTH: there is no login to follow, so ENABLE (IMAP4rev2, UTF8=ACCEPT) is sent
         * here, as ImapLogin() would after authenticating (RFC 5161 section 3.1). */
        if (e->state == IMAP_ST_AUTHENTICATED && !e->enable_sent && (e->caps & IMAP_CAP_ENABLE) &&
            (e->caps & (IMAP_CAP_IMAP4REV2 | IMAP_CAP_UTF8_ACCEPT))) {
            queue_enable(e);
            return;
        }
        break;
    case IMAP_OP_LOGIN:
        if (e->op_err)
            break;
        if (!e->caps_known) {
            mw_imap_queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
            return;
        }
        if (!e->enable_sent && (e->caps & IMAP_CAP_ENABLE) &&
            (e->caps & (IMAP_CAP_IMAP4REV2 | IMAP_CAP_UTF8_ACCEPT))) {
            queue_enable(e);
            return;
        }
        break;
    case IMAP_OP_MOVE_FALLBACK:
        /* RFC 6851 section 3.3 without MOVE: only after COPY succeeded are the originals
         * marked \Deleted, and expunged only with UID EXPUNGE of exactly them (UIDPLUS and a
         * UID set). A plain EXPUNGE would also remove every other message someone marked
         * \Deleted, so without UIDPLUS the originals stay marked and the caller expunges. */
        if (e->op_err || e->step == 1)
            break;
        e->step = 1;
        mw_imap_cmd_begin(e);
        mw_imap_out_printf(&e->out, "%sSTORE ", e->move_uid ? "UID " : "");
        mw_imap_out_puts(&e->out, e->move_set);
        mw_imap_out_puts(&e->out, " +FLAGS.SILENT (\\Deleted)");
        mw_imap_cmd_end(e, IMAP_CMD_STORE);
        if (e->move_uid && (e->caps & (IMAP_CAP_UIDPLUS | IMAP_CAP_IMAP4REV2))) {
            mw_imap_cmd_begin(e);
            mw_imap_out_puts(&e->out, "UID EXPUNGE ");
            mw_imap_out_puts(&e->out, e->move_set);
            mw_imap_cmd_end(e, IMAP_CMD_EXPUNGE);
        }
        return;
    case IMAP_OP_FETCH_ALL:
        /* The UIDs are known: fetch them in pipelined batches, no round trip per message. */
        if (e->op_err || e->step == 1)
            break;
        e->step = 1;
        for (size_t i = 0; i < e->nsearch;) {
            size_t end = i + e->fetch_batch < e->nsearch ? i + e->fetch_batch : e->nsearch;
            mw_imap_cmd_begin(e);
            mw_imap_out_puts(&e->out, "UID FETCH ");
            for (size_t k = i; k < end;) {
                size_t run = k;
                while (run + 1 < end && e->search[run + 1] == e->search[run] + 1)
                    run++;
                if (run > k)
                    mw_imap_out_printf(&e->out, "%s%u:%u", k > i ? "," : "", e->search[k],
                                       e->search[run]);
                else
                    mw_imap_out_printf(&e->out, "%s%u", k > i ? "," : "", e->search[k]);
                k = run + 1;
            }
            mw_imap_out_puts(&e->out, e->fetch_seen ? " (UID BODY[])" : " (UID BODY.PEEK[])");
            if (mw_imap_cmd_end(e, IMAP_CMD_FETCH))
                return;
            i = end;
        }
        if (mw_imap_live_commands(e) > 0)
            return;
        break;
    case IMAP_OP_IDLE:
        if (e->idle_cancelled) {
            mw_imap_op_note(e, ST_ERROR_CANCELLED, "IDLE cancelled by the application");
            break;
        }
        if (e->op_err || (e->idle_wait && e->changes) ||
            (e->idle_intervals_left == 1 && e->step > 0))
            break;
        if (e->step > 0 && e->idle_intervals_left > 1)
            e->idle_intervals_left--;
        e->step++;
        if (!e->idle_polling)
            queue_idle(e);
        else
            mw_imap_set_state(e, IMAP_ST_IDLE);
        return;
    default:
        break;
    }
    mw_imap_op_finish(e);
}

void mw_imap_op_connect(mw_imap_engine *e)
{
    mw_imap_op_begin(e, IMAP_OP_CONNECT);
}

void mw_imap_op_idle(mw_imap_engine *e, int wait, unsigned intervals, int polling)
{
    mw_imap_op_begin(e, IMAP_OP_IDLE);
    e->idle_wait = wait;
    e->idle_intervals_left = intervals;
    e->idle_polling = polling;
    e->idle_cancelled = 0;
    e->changes = 0;
    mw_imap_op_advance(e);
}

void mw_imap_op_detach_idle(mw_imap_engine *e)
{
    mw_imap_idle_stop(e);
    for (size_t i = 0; i < e->ncmd; i++)
        e->cmds[i].detached = 1;
    e->idle_polling = 0;
}

/* ---- building commands ------------------------------------------------------------------ */

uint64_t mw_imap_cmd_begin(mw_imap_engine *e)
{
    uint64_t start = mw_imap_out_end(&e->out);
    mw_imap_out_printf(&e->out, "A%u ", e->next_tag++);
    return start;
}

unsigned mw_imap_cmd_end(mw_imap_engine *e, int kind)
{
    mw_imap_out_put(&e->out, "\r\n", 2);
    if (e->out.oom || e->ncmd == IMAP_MAX_INFLIGHT) {
        unsigned err = e->out.oom ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_LIMIT_EXCEEDED;
        mw_imap_op_fail(e, err, 1, "%s",
                        e->out.oom ? "out of memory queueing a command"
                                   : "too many commands in flight");
        return err;
    }
    mw_imap_cmd *c = &e->cmds[e->ncmd++];
    c->tag = e->next_tag - 1;
    c->kind = kind;
    c->end = mw_imap_out_end(&e->out);
    c->detached = 0;
    return ST_ERROR_NONE;
}

void mw_imap_cmd_abort(mw_imap_engine *e, uint64_t start)
{
    mw_imap_out *o = &e->out;
    size_t keep = (size_t)(start - o->base);
    if (o->len > keep)
        mw_wipe(o->buf + keep, o->len - keep); /* the aborted command may hold a secret */
    o->len = keep;
    while (o->nmark > 0 && o->marks[o->nmark - 1].at > start)
        o->nmark--;
    while (o->nmark > 0 && o->marks[o->nmark - 1].at == start &&
           o->marks[o->nmark - 1].kind != IMAP_MARK_SECRET_OFF)
        o->nmark--;
    e->next_tag--;
    o->oom = 0;
}

unsigned mw_imap_put_mailbox(mw_imap_engine *e, const char *name)
{
    size_t n = strlen(name);
    if (e->utf8)
        return mw_imap_out_string(&e->out, name, n, IMAP_ARG_ASTRING);
    int bad = 0;
    char *w = mw_imap_utf7_encode(name, n, &bad);
    if (!w)
        return bad ? ST_ERROR_INVALID_ARGUMENT : ST_ERROR_OUT_OF_MEMORY;
    unsigned err = mw_imap_out_string(&e->out, w, strlen(w), IMAP_ARG_ASTRING);
    free(w);
    return err;
}

void mw_imap_idle_stop(mw_imap_engine *e)
{
    if (e->op != IMAP_OP_IDLE || e->idle_done_queued || e->idle_polling)
        return;
    int sent_idle = 0;
    for (size_t i = 0; i < e->ncmd; i++)
        if (e->cmds[i].kind == IMAP_CMD_IDLE)
            sent_idle = 1;
    if (!sent_idle)
        return;
    /* RFC 2177: DONE only after the server's "+"; a SYNC mark holds it back until then. */
    if (!e->idle_acked)
        mw_imap_out_mark(&e->out, IMAP_MARK_SYNC, 0);
    mw_imap_out_put(&e->out, "DONE\r\n", 6);
    e->idle_done_queued = 1;
}

void mw_imap_note_change(mw_imap_engine *e)
{
    e->changes++;
    mw_imap_push_event(e, MAILWIRE_EVENT_UPDATE, 0);
    if (e->op == IMAP_OP_IDLE && e->idle_wait)
        mw_imap_idle_stop(e);
}
