/* IMAP engine: output queue, response dispatch, operations; see engine.h. */
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util/alloc.h"
#include "../util/str.h"
#include "utf7.h"

#define CHUNK_SIZE 65536

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
}

void imap_op_fail(imap_engine *e, unsigned err, int fatal, const char *fmt, ...)
{
    if (e->op_status == MW_OP_FATAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->op_detail, sizeof e->op_detail, fmt, ap);
    va_end(ap);
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
    e->op_err = err;
}

static size_t live_commands(const imap_engine *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->ncmd; i++)
        n += !e->cmds[i].detached;
    return n;
}

static void op_finish(imap_engine *e)
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

static void queue_simple(imap_engine *e, const char *cmd, int kind)
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
    queue_simple(e, "ID (\"name\" \"mailwire\")", IMAP_CMD_ID);
    e->id_sent = 1;
}

static void queue_idle(imap_engine *e)
{
    imap_cmd_begin(e);
    e->idle_tag = e->next_tag - 1;
    imap_out_puts(&e->out, "IDLE");
    imap_cmd_end(e, IMAP_CMD_IDLE);
    e->idle_acked = 0;
    e->idle_done_queued = 0;
}

/* All commands of the operation are complete: queue the next step or finish. */
static void op_advance(imap_engine *e)
{
    if (e->op_status != MW_OP_RUNNING || live_commands(e) > 0)
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
            queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
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
            queue_simple(e, "STARTTLS", IMAP_CMD_STARTTLS);
            return;
        }
        if ((e->options & IMAP_OPTION_IDENTIFY) && (e->caps & IMAP_CAP_ID) && !e->id_sent) {
            queue_id(e);
            return;
        }
        break;
    case IMAP_OP_LOGIN:
        if (e->op_err)
            break;
        if (!e->caps_known) {
            queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
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
         * marked \Deleted and expunged (just those with UID EXPUNGE when UIDPLUS allows). */
        if (e->op_err || e->step == 1)
            break;
        e->step = 1;
        imap_cmd_begin(e);
        imap_out_printf(&e->out, "%sSTORE ", e->move_uid ? "UID " : "");
        imap_out_puts(&e->out, e->move_set);
        imap_out_puts(&e->out, " +FLAGS.SILENT (\\Deleted)");
        imap_cmd_end(e, IMAP_CMD_STORE);
        imap_cmd_begin(e);
        if (e->move_uid && (e->caps & (IMAP_CAP_UIDPLUS | IMAP_CAP_IMAP4REV2))) {
            imap_out_puts(&e->out, "UID EXPUNGE ");
            imap_out_puts(&e->out, e->move_set);
        } else {
            imap_out_puts(&e->out, "EXPUNGE");
        }
        imap_cmd_end(e, IMAP_CMD_EXPUNGE);
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
            imap_out_puts(&e->out, " (UID BODY.PEEK[])");
            if (imap_cmd_end(e, IMAP_CMD_FETCH))
                return;
            i = end;
        }
        if (live_commands(e) > 0)
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
    op_finish(e);
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
    op_advance(e);
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

/* ---- tagged responses ------------------------------------------------------------------- */

static void set_result(imap_engine *e, int cond)
{
    imap_reader *r = &e->rd;
    e->result_cond = cond == IMAP_OK ? 0 : cond == IMAP_NO ? 1 : cond == IMAP_BAD ? 2 : 3;
    size_t n = r->len - (r->has_code ? r->code_off - 1 : r->text_off);
    const char *p = r->buf + (r->has_code ? r->code_off - 1 : r->text_off);
    if (n >= sizeof e->result_text)
        n = sizeof e->result_text - 1;
    memcpy(e->result_text, p, n);
    e->result_text[n] = 0;
}

static void tagged(imap_engine *e)
{
    imap_reader *r = &e->rd;
    const char *tag = r->buf + r->tag_off;
    unsigned num = 0;
    size_t i;
    if (r->tag_len < 2 || tag[0] != 'A') {
        imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged response with an unknown tag");
        return;
    }
    for (i = 1; i < r->tag_len; i++) {
        if (tag[i] < '0' || tag[i] > '9' || num > 100000000u) {
            imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged response with an unknown tag");
            return;
        }
        num = num * 10 + (unsigned)(tag[i] - '0');
    }
    for (i = 0; i < e->ncmd && e->cmds[i].tag != num; i++)
        ;
    if (i == e->ncmd) {
        imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged response with an unknown tag");
        return;
    }
    imap_cmd c = e->cmds[i];
    memmove(e->cmds + i, e->cmds + i + 1, (e->ncmd - i - 1) * sizeof *e->cmds);
    e->ncmd--;
    /* A command refused before its literal went out: the literal is never sent (checklist
     * 35). An OK for a command the server cannot have read yet is forged (checklist 3). */
    if (c.end > e->out.base + e->out.sent && r->cond == IMAP_OK) {
        imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged OK for a command not yet sent");
        return;
    }
    if (c.end > e->out.base + e->out.sent) {
        imap_out_cut(&e->out, e->out.base + e->out.sent, c.end);
        e->cont_ok = 0;
    }
    int cond = r->cond;
    set_result(e, cond);
    if (r->has_code)
        imap_handle_code(e, r->buf + r->code_off, r->code_len, 1, c.kind);
    if (c.kind == IMAP_CMD_IDLE && e->idle_done_queued && !e->idle_acked) {
        /* IDLE refused: the held-back DONE must not go out either. */
        imap_out_cut(&e->out, e->out.base + e->out.sent, imap_out_end(&e->out));
        e->cont_ok = 0;
    }
    if (!c.detached)
        imap_push_event(e, MAILWIRE_EVENT_COMMAND, 0);
    const char *text = e->result_text;

    if (cond != IMAP_OK && cond != IMAP_NO && cond != IMAP_BAD) {
        imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "tagged %s response",
                     cond == IMAP_BYE ? "BYE" : "PREAUTH");
        return;
    }
    switch (c.kind) {
    case IMAP_CMD_STARTTLS:
        if (cond != IMAP_OK) {
            imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1, "STARTTLS refused: %s", text);
            return;
        }
        /* Stop here: anything after this line is injected (checklist 4). */
        imap_set_state(e, IMAP_ST_STARTTLS);
        e->op_status = MW_OP_START_TLS;
        return;
    case IMAP_CMD_LOGIN:
    case IMAP_CMD_AUTHENTICATE:
        if (c.kind == IMAP_CMD_AUTHENTICATE && cond == IMAP_OK && imap_auth_verify(e))
            return;
        imap_auth_free(e);
        if (cond == IMAP_OK) {
            imap_set_state(e, IMAP_ST_AUTHENTICATED);
            /* RFC 9051 6.2.3: capabilities may change after login; a CAPABILITY code in the
             * OK already refreshed them, otherwise ask. */
            if (!(r->has_code && r->code_len >= 10 &&
                  strncasecmp(r->buf + r->code_off, "CAPABILITY", 10) == 0))
                e->caps_known = 0;
        } else {
            imap_set_state(e, IMAP_ST_NOT_AUTHENTICATED);
            imap_op_note(
                e, cond == IMAP_NO ? ST_ERROR_AUTHENTICATION_FAILED : ST_ERROR_PROTOCOL_VIOLATION,
                "login refused: %s", text);
        }
        break;
    case IMAP_CMD_ID:
    case IMAP_CMD_ENABLE:
        break; /* optional extras: a refusal changes nothing */
    case IMAP_CMD_SELECT:
    case IMAP_CMD_EXAMINE:
        if (cond == IMAP_OK) {
            e->selected = 1;
            if (c.kind == IMAP_CMD_EXAMINE) {
                e->mbox.bReadOnly = 1;
                e->mbox.dwAccessMode = IMAP_ACCESS_READONLY;
            }
            imap_set_state(e, IMAP_ST_SELECTED);
        } else {
            /* RFC 9051 6.3.2: a failed SELECT leaves no mailbox selected. */
            e->selected = 0;
            imap_set_state(e, IMAP_ST_AUTHENTICATED);
            imap_op_note(e,
                         cond == IMAP_NO ? ST_ERROR_SERVER_PERMANENT : ST_ERROR_PROTOCOL_VIOLATION,
                         "%s", text);
        }
        break;
    case IMAP_CMD_UNSELECT:
    case IMAP_CMD_CLOSE:
        if (cond == IMAP_OK) {
            e->selected = 0;
            memset(&e->mbox, 0, sizeof e->mbox);
            imap_set_state(e, IMAP_ST_AUTHENTICATED);
            break;
        }
        imap_op_note(e, cond == IMAP_NO ? ST_ERROR_SERVER_PERMANENT : ST_ERROR_PROTOCOL_VIOLATION,
                     "%s", text);
        break;
    case IMAP_CMD_IDLE:
        if (e->state == IMAP_ST_IDLE)
            imap_set_state(e, e->selected ? IMAP_ST_SELECTED : IMAP_ST_AUTHENTICATED);
        if (cond != IMAP_OK && !c.detached)
            imap_op_note(e,
                         cond == IMAP_NO ? ST_ERROR_SERVER_PERMANENT : ST_ERROR_PROTOCOL_VIOLATION,
                         "IDLE refused: %s", text);
        break;
    case IMAP_CMD_LOGOUT:
        break;
    default:
        if (cond != IMAP_OK && !c.detached)
            imap_op_note(e,
                         cond == IMAP_NO ? ST_ERROR_SERVER_PERMANENT : ST_ERROR_PROTOCOL_VIOLATION,
                         "%s", text);
        break;
    }
    if (c.kind == IMAP_CMD_LOGOUT) {
        op_finish(e);
        return;
    }
    op_advance(e);
}

/* ---- greeting and untagged status -------------------------------------------------------- */

static int pre_tls(const imap_engine *e)
{
    return e->tls_required && !e->tls;
}

static void greeting(imap_engine *e)
{
    imap_reader *r = &e->rd;
    if (r->cur_kind != IMAP_RESP_STATUS || r->tag_len != 1 || r->buf[0] != '*' ||
        (r->cond != IMAP_OK && r->cond != IMAP_PREAUTH && r->cond != IMAP_BYE)) {
        imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "invalid greeting");
        return;
    }
    set_result(e, r->cond == IMAP_PREAUTH ? IMAP_OK : r->cond);
    if (r->cond == IMAP_BYE) {
        imap_op_fail(e, ST_ERROR_CONNECTION_CLOSED, 1, "the server refused the connection: %s",
                     e->result_text);
        return;
    }
    if (r->has_code)
        imap_handle_code(e, r->buf + r->code_off, r->code_len, 0, 0);
    if (r->cond == IMAP_PREAUTH) {
        /* Checklist 9: PREAUTH on cleartext while TLS is required ends the session. */
        if (pre_tls(e)) {
            imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                         "PREAUTH greeting on a cleartext connection while TLS is required");
            return;
        }
        imap_set_state(e, IMAP_ST_AUTHENTICATED);
    } else {
        imap_set_state(e, IMAP_ST_NOT_AUTHENTICATED);
    }
    op_advance(e);
}

static void untagged_status(imap_engine *e)
{
    imap_reader *r = &e->rd;
    if (r->has_code)
        imap_handle_code(e, r->buf + r->code_off, r->code_len, 0, 0);
    if (r->cond == IMAP_BYE) {
        set_result(e, IMAP_BYE);
        if (e->op == IMAP_OP_LOGOUT || e->state == IMAP_ST_LOGOUT)
            return;
        imap_op_fail(e, ST_ERROR_CONNECTION_CLOSED, 1, "the server ended the session: %s",
                     e->result_text);
        return;
    }
    if (r->cond == IMAP_PREAUTH)
        imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "PREAUTH after the greeting");
}

/* ---- continuation requests --------------------------------------------------------------- */

static void continuation(imap_engine *e)
{
    imap_out *o = &e->out;
    int at_sync =
        o->nmark > 0 && o->marks[0].kind == IMAP_MARK_SYNC && o->marks[0].at == o->base + o->sent;
    int idle_waiting = 0;
    for (size_t i = 0; i < e->ncmd; i++)
        if (e->cmds[i].kind == IMAP_CMD_IDLE && !e->idle_acked &&
            o->base + o->sent >= e->cmds[i].end)
            idle_waiting = 1;
    if (idle_waiting) {
        e->idle_acked = 1;
        imap_set_state(e, IMAP_ST_IDLE);
        if (at_sync)
            e->cont_ok = 1; /* releases a DONE queued before the "+" */
        return;
    }
    if (at_sync) {
        e->cont_ok = 1;
        return;
    }
    for (size_t i = 0; i < e->ncmd; i++)
        if (e->cmds[i].kind == IMAP_CMD_AUTHENTICATE && e->sasl) {
            imap_auth_continue(e);
            return;
        }
    imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "unexpected continuation request");
}

/* ---- mw_engine_ops ----------------------------------------------------------------------- */

static void response(imap_engine *e)
{
    imap_reader *r = &e->rd;
    e->progress++;
    if (e->state == IMAP_ST_GREETING) {
        greeting(e);
        return;
    }
    switch (r->cur_kind) {
    case IMAP_RESP_CONT:
        continuation(e);
        break;
    case IMAP_RESP_STATUS:
        if (r->tag_len == 1 && r->buf[0] == '*')
            untagged_status(e);
        else
            tagged(e);
        break;
    default:
        imap_handle_data(e);
        break;
    }
}

static size_t eng_feed(void *eng, const char *data, size_t len)
{
    imap_engine *e = eng;
    size_t used = 0;
    while (used < len && e->op_status == MW_OP_RUNNING) {
        int ev;
        used += imap_reader_feed(&e->rd, data + used, len - used, &ev);
        switch (ev) {
        case IMAP_RD_NEED_MORE:
            break;
        case IMAP_RD_RESPONSE:
            response(e);
            continue;
        case IMAP_RD_LITERAL:
            imap_reader_literal_mode(&e->rd, imap_literal_mode_for(e));
            if (!e->rd.failed)
                continue;
            /* fall through */
        case IMAP_RD_ERROR:
            imap_op_fail(e, e->rd.err, 1, "%s", e->rd.detail);
            return used;
        case IMAP_RD_CHUNK:
            imap_deliver_chunk(e, e->rd.chunk, e->rd.chunk_len);
            continue;
        }
        break;
    }
    return used;
}

/* Fill the APPEND chunk buffer from the source. */
static size_t source_chunk(imap_engine *e, const char **data)
{
    if (e->chunk_off < e->chunk_len) {
        *data = e->chunk + e->chunk_off;
        return e->chunk_len - e->chunk_off;
    }
    if (e->src_left == 0)
        return 0;
    if (!e->chunk && !(e->chunk = mw_malloc(CHUNK_SIZE))) {
        imap_op_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return 0;
    }
    size_t want = e->src_left < CHUNK_SIZE ? (size_t)e->src_left : CHUNK_SIZE;
    long got = e->src ? e->src(e->chunk, want, e->src_user) : -1;
    if (got <= 0 || (size_t)got > want) {
        /* The server expects exactly the announced size: the stream cannot be repaired. */
        imap_op_fail(e, ST_ERROR_FILE, 1, "the message source ended %llu bytes early",
                     (unsigned long long)e->src_left);
        return 0;
    }
    e->src_left -= (uint64_t)got;
    e->chunk_len = (size_t)got;
    e->chunk_off = 0;
    *data = e->chunk;
    return e->chunk_len;
}

static size_t eng_output(void *eng, const char **data, size_t *secret_from)
{
    imap_engine *e = eng;
    imap_out *o = &e->out;
    *secret_from = (size_t)-1;
    if (e->op_status == MW_OP_FATAL)
        return 0;
    for (;;) {
        uint64_t pos = o->base + o->sent;
        if (o->nmark > 0 && o->marks[0].at == pos) {
            imap_mark *m = &o->marks[0];
            int pop = 1;
            switch (m->kind) {
            case IMAP_MARK_SYNC:
                if (!e->cont_ok)
                    return 0; /* wait for "+" */
                e->cont_ok = 0;
                break;
            case IMAP_MARK_SECRET_ON:
                e->secret = 1;
                break;
            case IMAP_MARK_SECRET_OFF:
                e->secret = 0;
                break;
            case IMAP_MARK_SOURCE:
                if (e->src_left > 0 || e->chunk_off < e->chunk_len) {
                    size_t n = source_chunk(e, data);
                    if (n == 0)
                        return 0;
                    return n;
                }
                break;
            }
            if (pop) {
                memmove(o->marks, o->marks + 1, (o->nmark - 1) * sizeof *o->marks);
                o->nmark--;
            }
            continue;
        }
        size_t limit = o->len;
        if (o->nmark > 0 && o->marks[0].at - o->base < limit)
            limit = (size_t)(o->marks[0].at - o->base);
        if (limit <= o->sent)
            return 0;
        *data = o->buf + o->sent;
        if (e->secret)
            *secret_from = 0;
        return limit - o->sent;
    }
}

static void eng_sent(void *eng, size_t n)
{
    imap_engine *e = eng;
    imap_out *o = &e->out;
    if (o->nmark > 0 && o->marks[0].at == o->base + o->sent &&
        o->marks[0].kind == IMAP_MARK_SOURCE) {
        e->chunk_off += n;
        e->xfer_done += n;
        e->progress++;
        imap_push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
        if (e->chunk_off == e->chunk_len && e->src_left == 0) {
            /* the literal is complete: drop the SOURCE mark */
            memmove(o->marks, o->marks + 1, (o->nmark - 1) * sizeof *o->marks);
            o->nmark--;
        }
        return;
    }
    /* Credentials do not linger in the queue once sent. */
    if (e->secret)
        mw_wipe(o->buf + o->sent, n);
    o->sent += n;
    imap_out_compact(o);
}

static int eng_wants_read(void *eng)
{
    imap_engine *e = eng;
    return e->ncmd > 0 || e->state == IMAP_ST_GREETING || e->op == IMAP_OP_IDLE;
}

static int eng_status(void *eng, unsigned *err, const char **detail)
{
    imap_engine *e = eng;
    *err = e->op_err;
    *detail = e->op_detail;
    return e->op_status;
}

static void eng_tls_started(void *eng)
{
    imap_engine *e = eng;
    /* Checklist 6 and 7: forget everything learned in cleartext and ask again. */
    e->tls = 1;
    e->caps = 0;
    e->mechs = 0;
    e->caps_known = 0;
    free(e->capstr);
    e->capstr = NULL;
    e->alert[0] = 0;
    imap_reader_reset(&e->rd);
    imap_set_state(e, IMAP_ST_NOT_AUTHENTICATED);
    e->op_status = MW_OP_RUNNING;
    queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
}

static unsigned long eng_progress(void *eng)
{
    return ((imap_engine *)eng)->progress;
}

static unsigned eng_next_event(void *eng, unsigned *err)
{
    imap_engine *e = eng;
    while (e->ev_count > 0) {
        unsigned ev = e->ev[e->ev_head];
        *err = e->everr[e->ev_head];
        e->ev_head = (e->ev_head + 1) % IMAP_MAX_EVENTS;
        e->ev_count--;
        if (ev)
            return ev;
    }
    return 0;
}

static int eng_expire(void *eng)
{
    imap_engine *e = eng;
    if (e->op != IMAP_OP_IDLE || e->op_status != MW_OP_RUNNING)
        return 0;
    if (e->idle_polling) {
        /* RFC 2177 absent: poll with NOOP; its untagged data reports the changes. */
        int noop_pending = 0;
        for (size_t i = 0; i < e->ncmd; i++)
            noop_pending |= e->cmds[i].kind == IMAP_CMD_NOOP;
        if (e->idle_intervals_left == 1) {
            if (!noop_pending)
                op_finish(e);
            return 1;
        }
        if (e->idle_intervals_left > 1)
            e->idle_intervals_left--;
        if (!noop_pending)
            queue_simple(e, "NOOP", IMAP_CMD_NOOP);
        return 1;
    }
    /* End this IDLE; op_advance() re-issues it unless the caller's time is up (RFC 2177:
     * re-issue before 29 minutes). */
    imap_idle_stop(e);
    return 1;
}

static int eng_cancel(void *eng)
{
    imap_engine *e = eng;
    if (e->op != IMAP_OP_IDLE || e->op_status != MW_OP_RUNNING)
        return 0;
    e->idle_cancelled = 1;
    if (e->idle_polling) {
        if (live_commands(e) == 0) {
            imap_op_note(e, ST_ERROR_CANCELLED, "IDLE cancelled by the application");
            op_finish(e);
        }
        return 1;
    }
    imap_idle_stop(e);
    return 1;
}

const mw_engine_ops imap_engine_ops = {
    "imap",          eng_feed,     eng_output,     eng_sent,   eng_wants_read, eng_status,
    eng_tls_started, eng_progress, eng_next_event, eng_expire, eng_cancel,
};

void imap_note_change(imap_engine *e)
{
    e->changes++;
    imap_push_event(e, MAILWIRE_EVENT_UPDATE, 0);
    if (e->op == IMAP_OP_IDLE && e->idle_wait)
        imap_idle_stop(e);
}
