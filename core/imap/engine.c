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

static const imap_limits g_limits = {
    /* line */ 1u << 20, /* response_mem */ 4u << 20, /* lit_mem */ 1u << 20, /* depth */ 32};

const imap_limits *imap_default_limits(void)
{
    return &g_limits;
}

static const char *const state_names[] = {
    "GREETING",      "NOT_AUTHENTICATED", "STARTTLS", "AUTHENTICATING",
    "AUTHENTICATED", "SELECTED",          "IDLE",     "LOGOUT",
    "CLOSED"};

const char *imap_state_name(int state)
{
    return state >= 0 && state <= IMAP_ST_CLOSED ? state_names[state] : "?";
}

/* The one place the protocol state changes. */
void imap_set_state(imap_engine *e, int state)
{
    if (e->state == state)
        return;
    if (e->on_state)
        e->on_state(e->on_state_user, e->state, state);
    e->state = state;
}

unsigned imap_engine_init(imap_engine *e, uint32_t options, const imap_limits *lim)
{
    memset(e, 0, sizeof *e);
    e->options = options;
    e->tls_required = (options & (MAILWIRE_OPTION_SECURE | MAILWIRE_OPTION_SECURE_IMPLICIT)) != 0;
    e->tls = (options & MAILWIRE_OPTION_SECURE_IMPLICIT) != 0;
    e->result_cond = -1;
    e->next_tag = 1;
    imap_reader_init(&e->rd, lim ? lim : &g_limits);
    imap_out_init(&e->out);
    imap_set_state(e, IMAP_ST_GREETING);
    return ST_ERROR_NONE;
}

void imap_clear_results(imap_engine *e)
{
    for (size_t i = 0; i < e->nlist; i++)
        free(e->list[i].name);
    e->nlist = e->list_pos = 0;
    e->nsearch = 0;
    memset(&e->status, 0, sizeof e->status);
    e->append_uid = 0;
}

void imap_engine_free(imap_engine *e)
{
    imap_clear_results(e);
    free(e->list);
    free(e->search);
    free(e->capstr);
    free(e->chunk);
    free(e->move_set);
    imap_auth_free(e);
    imap_reader_free(&e->rd);
    /* The queue may hold a LOGIN password. */
    if (e->out.buf)
        mw_wipe(e->out.buf, e->out.cap);
    imap_out_free(&e->out);
    memset(e, 0, sizeof *e);
}

void imap_push_event(imap_engine *e, unsigned ev, unsigned err)
{
    if (e->ev_count == IMAP_MAX_EVENTS)
        return; /* the application is not draining; updates are summarised in the state */
    size_t i = (e->ev_head + e->ev_count) % IMAP_MAX_EVENTS;
    e->ev[i] = ev;
    e->everr[i] = err;
    e->ev_count++;
}

/* ---- operations ------------------------------------------------------------------------- */

void imap_op_begin(imap_engine *e, int op)
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

void imap_op_fail(imap_engine *e, unsigned err, int fatal, const char *fmt, ...)
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
        imap_set_state(e, IMAP_ST_CLOSED);
}

unsigned imap_op_refuse(imap_engine *e, unsigned err, const char *detail)
{
    imap_op_fail(e, err, 0, "%s", detail);
    return err;
}

void imap_op_note(imap_engine *e, unsigned err, const char *fmt, ...)
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

size_t imap_live_commands(const imap_engine *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->ncmd; i++)
        n += !e->cmds[i].detached;
    return n;
}

void imap_op_finish(imap_engine *e)
{
    if (e->op_status != MW_OP_RUNNING)
        return;
    if (e->sink_err && !e->op_err)
        imap_op_note(e, e->sink_err, "%s",
                     e->sink_err == ST_ERROR_CANCELLED ? "the fetch callback stopped the transfer"
                                                       : "the fetched data did not fit");
    e->op_status = e->op_err ? MW_OP_FAILED : MW_OP_DONE;
    e->fetch_active = 0;
}

void imap_queue_simple(imap_engine *e, const char *cmd, int kind)
{
    imap_cmd_begin(e);
    imap_out_puts(&e->out, cmd);
    imap_cmd_end(e, kind);
}

static void queue_enable(imap_engine *e)
{
    imap_cmd_begin(e);
    imap_out_puts(&e->out, "ENABLE");
    if (e->caps & IMAP_CAP_IMAP4REV2)
        imap_out_puts(&e->out, " IMAP4rev2");
    if (e->caps & IMAP_CAP_UTF8_ACCEPT)
        imap_out_puts(&e->out, " UTF8=ACCEPT");
    imap_cmd_end(e, IMAP_CMD_ENABLE);
    e->enable_sent = 1;
}

static void queue_id(imap_engine *e)
{
    /* RFC 2971: a short identification; nothing about the host or the user. */
    imap_queue_simple(e, "ID (\"name\" \"mailwire\")", IMAP_CMD_ID);
    e->id_sent = 1;
}

static void queue_idle(imap_engine *e)
{
    imap_cmd_begin(e);
    imap_out_puts(&e->out, "IDLE");
    imap_cmd_end(e, IMAP_CMD_IDLE);
    e->idle_acked = 0;
    e->idle_done_queued = 0;
}

/* All commands of the operation are complete: queue the next step or finish. */
void imap_op_advance(imap_engine *e)
{
    if (e->op_status != MW_OP_RUNNING || imap_live_commands(e) > 0)
        return;
    switch (e->op) {
    case IMAP_OP_CONNECT:
        if (e->state == IMAP_ST_GREETING)
            return;
        if (e->op_err) {
            /* Without a usable capability list nothing safe can follow. */
            imap_op_fail(e, e->op_err, 1, "%s", e->op_detail);
            return;
        }
        if (!e->caps_known) {
            imap_queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
            return;
        }
        if (e->tls_required && !e->tls) {
            if (e->state != IMAP_ST_NOT_AUTHENTICATED) {
                imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                             "PREAUTH greeting on a cleartext connection while TLS is required");
                return;
            }
            if (!(e->caps & IMAP_CAP_STARTTLS)) {
                imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                             "the server does not offer STARTTLS");
                return;
            }
            imap_queue_simple(e, "STARTTLS", IMAP_CMD_STARTTLS);
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
            imap_queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
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
        imap_cmd_begin(e);
        imap_out_printf(&e->out, "%sSTORE ", e->move_uid ? "UID " : "");
        imap_out_puts(&e->out, e->move_set);
        imap_out_puts(&e->out, " +FLAGS.SILENT (\\Deleted)");
        imap_cmd_end(e, IMAP_CMD_STORE);
        if (e->move_uid && (e->caps & (IMAP_CAP_UIDPLUS | IMAP_CAP_IMAP4REV2))) {
            imap_cmd_begin(e);
            imap_out_puts(&e->out, "UID EXPUNGE ");
            imap_out_puts(&e->out, e->move_set);
            imap_cmd_end(e, IMAP_CMD_EXPUNGE);
        }
        return;
    case IMAP_OP_FETCH_ALL:
        /* The UIDs are known: fetch them in pipelined batches, no round trip per message. */
        if (e->op_err || e->step == 1)
            break;
        e->step = 1;
        for (size_t i = 0; i < e->nsearch;) {
            size_t end = i + e->fetch_batch < e->nsearch ? i + e->fetch_batch : e->nsearch;
            imap_cmd_begin(e);
            imap_out_puts(&e->out, "UID FETCH ");
            for (size_t k = i; k < end;) {
                size_t run = k;
                while (run + 1 < end && e->search[run + 1] == e->search[run] + 1)
                    run++;
                if (run > k)
                    imap_out_printf(&e->out, "%s%u:%u", k > i ? "," : "", e->search[k],
                                    e->search[run]);
                else
                    imap_out_printf(&e->out, "%s%u", k > i ? "," : "", e->search[k]);
                k = run + 1;
            }
            imap_out_puts(&e->out, e->fetch_seen ? " (UID BODY[])" : " (UID BODY.PEEK[])");
            if (imap_cmd_end(e, IMAP_CMD_FETCH))
                return;
            i = end;
        }
        if (imap_live_commands(e) > 0)
            return;
        break;
    case IMAP_OP_IDLE:
        if (e->idle_cancelled) {
            imap_op_note(e, ST_ERROR_CANCELLED, "IDLE cancelled by the application");
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
            imap_set_state(e, IMAP_ST_IDLE);
        return;
    default:
        break;
    }
    imap_op_finish(e);
}

void imap_op_connect(imap_engine *e)
{
    imap_op_begin(e, IMAP_OP_CONNECT);
}

void imap_op_idle(imap_engine *e, int wait, unsigned intervals, int polling)
{
    imap_op_begin(e, IMAP_OP_IDLE);
    e->idle_wait = wait;
    e->idle_intervals_left = intervals;
    e->idle_polling = polling;
    e->idle_cancelled = 0;
    e->changes = 0;
    imap_op_advance(e);
}

void imap_op_detach_idle(imap_engine *e)
{
    imap_idle_stop(e);
    for (size_t i = 0; i < e->ncmd; i++)
        e->cmds[i].detached = 1;
    e->idle_polling = 0;
}

/* ---- building commands ------------------------------------------------------------------ */

uint64_t imap_cmd_begin(imap_engine *e)
{
    uint64_t start = imap_out_end(&e->out);
    imap_out_printf(&e->out, "A%u ", e->next_tag++);
    return start;
}

unsigned imap_cmd_end(imap_engine *e, int kind)
{
    imap_out_put(&e->out, "\r\n", 2);
    if (e->out.oom || e->ncmd == IMAP_MAX_INFLIGHT) {
        unsigned err = e->out.oom ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_LIMIT_EXCEEDED;
        imap_op_fail(e, err, 1, "%s",
                     e->out.oom ? "out of memory queueing a command"
                                : "too many commands in flight");
        return err;
    }
    imap_cmd *c = &e->cmds[e->ncmd++];
    c->tag = e->next_tag - 1;
    c->kind = kind;
    c->end = imap_out_end(&e->out);
    c->detached = 0;
    return ST_ERROR_NONE;
}

void imap_cmd_abort(imap_engine *e, uint64_t start)
{
    imap_out *o = &e->out;
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

unsigned imap_put_mailbox(imap_engine *e, const char *name)
{
    size_t n = strlen(name);
    if (e->utf8)
        return imap_out_string(&e->out, name, n, IMAP_ARG_ASTRING);
    int bad = 0;
    char *w = imap_utf7_encode(name, n, &bad);
    if (!w)
        return bad ? ST_ERROR_INVALID_ARGUMENT : ST_ERROR_OUT_OF_MEMORY;
    unsigned err = imap_out_string(&e->out, w, strlen(w), IMAP_ARG_ASTRING);
    free(w);
    return err;
}

void imap_idle_stop(imap_engine *e)
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
        imap_out_mark(&e->out, IMAP_MARK_SYNC, 0);
    imap_out_put(&e->out, "DONE\r\n", 6);
    e->idle_done_queued = 1;
}

void imap_note_change(imap_engine *e)
{
    e->changes++;
    imap_push_event(e, MAILWIRE_EVENT_UPDATE, 0);
    if (e->op == IMAP_OP_IDLE && e->idle_wait)
        imap_idle_stop(e);
}
