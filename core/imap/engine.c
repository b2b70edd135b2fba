/* IMAP engine: life cycle, the protocol state, commands in flight and the running operation
 * (begin, advance through its steps, end with its results); see engine.h. */
#include "engine_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/str.h"
#include "utf7.h"

/* search_ids: 1 Mi ids (4 MiB, as response_mem) replace the line limit that bounded a SEARCH
 * response before it was streamed. */
static const mw_imap_limits g_limits = {/* line */ 1u << 20, /* response_mem */ 4u << 20,
                                        /* lit_mem */ 1u << 20, /* depth */ 32,
                                        /* search_ids */ 1u << 20};

const mw_imap_limits *mw_imap_default_limits(void)
{
    return &g_limits;
}

static const char *const state_names[] = {
    "GREETING",      "NOT_AUTHENTICATED", "STARTTLS", "AUTHENTICATING",
    "AUTHENTICATED", "SELECTED",          "LOGOUT",   "CLOSED"};

const char *mw_imap_state_name(enum mw_imap_state state)
{
    return (unsigned)state <= IMAP_ST_CLOSED ? state_names[state] : "?";
}

/* The one place the protocol state changes. */
void mw_imap_set_state(mw_imap_engine *e, enum mw_imap_state state)
{
    if (e->state == state)
        return;
    if (e->on_state)
        e->on_state(e->on_state_user, mw_imap_state_name(e->state), mw_imap_state_name(state));
    e->state = state;
}

void mw_imap_set_state_hook(mw_imap_engine *e,
                            void (*fn)(void *user, const char *from, const char *to), void *user)
{
    e->on_state = fn;
    e->on_state_user = user;
}

int mw_imap_pre_tls(const mw_imap_engine *e)
{
    return e->tls_required && !e->tls;
}

void mw_imap_reset(mw_imap_engine *e)
{
    mw_imap_limits lim = e->rd.lim;
    mw_imap_reader_free(&e->rd);
    mw_imap_reader_init(&e->rd, &lim);
    mw_imap_out_free(&e->out);
    e->ncmd = 0;
    e->cont_ok = e->secret = 0;
    e->caps = e->mechs = 0;
    e->caps_known = e->utf8 = e->rev2 = e->enable_sent = e->id_sent = 0;
    free(e->capstr);
    e->capstr = NULL;
    e->alert[0] = 0;
    e->result_text[0] = 0;
    memset(&e->mbox, 0, sizeof e->mbox);
    mw_imap_auth_free(e);
    e->tls_required =
        (e->options & (MAILWIRE_OPTION_SECURE | MAILWIRE_OPTION_SECURE_IMPLICIT)) != 0;
    e->tls = (e->options & MAILWIRE_OPTION_SECURE_IMPLICIT) != 0;
    e->z_state = MW_IMAP_Z_OFF; /* COMPRESS is per connection (RFC 4978) */
    e->z_tried = 0;
    e->result_cond = -1;
    mw_imap_sync_reset(e);
    e->next_tag = 1;
    e->op = IMAP_OP_NONE;
    e->op_status = MW_OP_RUNNING;
    mw_imap_set_state(e, IMAP_ST_GREETING); /* a new engine is in it already (zeroed) */
}

mw_imap_engine *mw_imap_new(uint32_t options, const mw_imap_limits *lim)
{
    mw_imap_engine *e = mw_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->options = options;
    e->rd.lim = lim ? *lim : g_limits;
    mw_imap_out_init(&e->out);
    mw_imap_reset(e);
    if (e->rd.lim.search_ids == 0)
        e->rd.lim.search_ids = g_limits.search_ids;
    mw_imap_search_reset(e, (size_t)-1);
    return e;
}

/* The release hook of the operation, exactly once. */
static unsigned release_now(mw_imap_engine *e, char *detail, size_t size)
{
    mw_imap_release_fn fn = e->release;
    e->release = NULL;
    detail[0] = 0;
    return fn ? fn(e->release_user, detail, size) : ST_ERROR_NONE;
}

void mw_imap_clear_list(mw_imap_engine *e)
{
    for (size_t i = 0; i < e->nlist; i++)
        free(e->list[i].name);
    e->nlist = e->list_pos = 0;
}

void mw_imap_free(mw_imap_engine *e)
{
    if (!e)
        return;
    char detail[8];
    (void)release_now(e, detail, sizeof detail);
    mw_imap_clear_list(e);
    free(e->list);
    free(e->search);
    free(e->capstr);
    free(e->chunk);
    free(e->move_set);
    mw_imap_sync_free(e);
    mw_imap_auth_free(e);
    mw_imap_reader_free(&e->rd);
    mw_imap_out_free(&e->out); /* wipes what is left: the queue may hold a LOGIN password */
    free(e);
}

const char *mw_imap_why(const mw_imap_engine *e)
{
    return e->why;
}

void mw_imap_push_event(mw_imap_engine *e, unsigned ev, unsigned err)
{
    mw_evq_push(&e->events, ev, err);
}

/* ---- operations ------------------------------------------------------------------------- */

int mw_imap_op_open(const mw_imap_engine *e)
{
    return e->op != IMAP_OP_NONE &&
           (e->op_status == MW_OP_RUNNING || e->op_status == MW_OP_START_TLS);
}

void mw_imap_op_begin(mw_imap_engine *e, enum mw_imap_op op)
{
    e->op = op;
    e->step = 0;
    e->op_status = MW_OP_RUNNING;
    e->op_err = ST_ERROR_NONE;
    e->op_detail[0] = 0;
    e->why[0] = 0;
    memset(&e->dest, 0, sizeof e->dest);
    e->deliver = NULL;
    e->sink_err = 0;
    e->xfer_done = e->xfer_total = 0;
    /* Collectors belong to one operation; the op sets them after this call. */
    e->fetch_active = 0;
    e->fetch_need_data = 0;
    e->fetch_starts = 0;
    e->fetch_section[0] = 0;
    e->cur_discard = 0;
    e->sink = NULL;
    e->info_cb = NULL;
    e->buf = NULL;
    e->buf_over = 0;
    mw_imap_sync_op_begin(e);
}

/* The operation ends: its results reach the caller's memory (unless it failed fatally), its
 * release hook runs (and may change the outcome), then status() reports it. */
static void op_end(mw_imap_engine *e, int fatal)
{
    if (!mw_imap_op_open(e))
        return;
    if (!fatal && e->deliver)
        e->deliver(e);
    char detail[sizeof e->op_detail];
    unsigned err = release_now(e, detail, sizeof detail);
    if (err && !fatal) {
        e->op_err = err;
        mw_strlcpy(e->op_detail, detail[0] ? detail : "the operation's resource failed",
                   sizeof e->op_detail);
    }
    e->deliver = NULL;
    memset(&e->dest, 0, sizeof e->dest);
    e->fetch_active = 0;
    e->buf = NULL;
    e->mem = NULL;
    e->src = NULL;
    e->op_status = fatal ? MW_OP_FATAL : e->op_err ? MW_OP_FAILED : MW_OP_DONE;
}

/* A detail text that is never empty (a tagged NO with no text still says what failed). */
static void set_detail(mw_imap_engine *e, unsigned err, const char *fmt, va_list ap)
{
    /* An argument may be e->op_detail itself (the fuzzer saw the text lost when it was
     * formatted in place): mw_detail_vprintf() copes. */
    mw_detail_vprintf(e->op_detail, sizeof e->op_detail, fmt, ap);
    if (!e->op_detail[0])
        mw_detail_printf(e->op_detail, sizeof e->op_detail,
                         "error %u without a text from the server", err);
    e->op_err = err;
}

void mw_imap_op_fail(mw_imap_engine *e, unsigned err, int fatal, const char *fmt, ...)
{
    if (e->op_status == MW_OP_FATAL)
        return;
    va_list ap;
    va_start(ap, fmt);
    set_detail(e, err, fmt, ap);
    va_end(ap);
    if (mw_imap_op_open(e))
        op_end(e, fatal);
    else
        e->op_status = fatal ? MW_OP_FATAL : MW_OP_FAILED;
    if (fatal)
        mw_imap_set_state(e, IMAP_ST_CLOSED);
}

void mw_imap_op_note(mw_imap_engine *e, unsigned err, const char *fmt, ...)
{
    if (e->op_err)
        return;
    va_list ap;
    va_start(ap, fmt);
    set_detail(e, err, fmt, ap);
    va_end(ap);
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
    /* A UID FETCH of a missing UID is an OK without data (RFC 9051 section 6.4.8). */
    if (e->fetch_need_data && e->fetch_starts == 0 && !e->op_err)
        mw_imap_op_note(e, ST_ERROR_SERVER_PERMANENT, "no such message");
    op_end(e, 0);
}

void mw_imap_closed(mw_imap_engine *e)
{
    if (mw_imap_op_open(e))
        mw_imap_op_fail(e, ST_ERROR_NOT_CONNECTED, 1, "the connection is closed");
    mw_imap_set_state(e, IMAP_ST_CLOSED);
    /* Nothing queued can be sent any more; wipe it (it may hold credentials). */
    mw_buf_truncate(&e->out.b, 0);
    e->out.sent = 0;
    e->out.nmark = 0;
    e->ncmd = 0;
}

void mw_imap_queue_simple(mw_imap_engine *e, const char *cmd, enum mw_imap_cmd_kind kind)
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
    mw_imap_queue_simple(e, "IDLE", IMAP_CMD_IDLE);
    e->idle_acked = 0;
    e->idle_done_queued = 0;
}

/* The connect operation after each completed exchange: capabilities, STARTTLS, ID, ENABLE.
 * Returns 1 when a command was queued. */
static int advance_connect(mw_imap_engine *e)
{
    if (e->op_err) {
        /* Without a usable capability list nothing safe can follow. */
        mw_imap_op_fail(e, e->op_err, 1, "%s", e->op_detail);
        return 1;
    }
    if (!e->caps_known) {
        mw_imap_queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
        return 1;
    }
    if (e->tls_required && !e->tls) {
        if (e->state != IMAP_ST_NOT_AUTHENTICATED)
            mw_imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                            "PREAUTH greeting on a cleartext connection while TLS is required");
        else if (!(e->caps & IMAP_CAP_STARTTLS))
            mw_imap_op_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                            "the server does not offer STARTTLS");
        else
            mw_imap_queue_simple(e, "STARTTLS", IMAP_CMD_STARTTLS);
        return 1;
    }
    if ((e->options & IMAP_OPTION_IDENTIFY) && (e->caps & IMAP_CAP_ID) && !e->id_sent) {
        queue_id(e);
        return 1;
    }
    /* PREAUTH: there is no login to follow, so ENABLE (IMAP4rev2, UTF8=ACCEPT) is sent
     * here, as the login would after authenticating (RFC 5161 section 3.1). */
    if (e->state == IMAP_ST_AUTHENTICATED && !e->enable_sent && (e->caps & IMAP_CAP_ENABLE) &&
        (e->caps & (IMAP_CAP_IMAP4REV2 | IMAP_CAP_UTF8_ACCEPT))) {
        queue_enable(e);
        return 1;
    }
    return e->state == IMAP_ST_AUTHENTICATED && mw_imap_compress_auto(e);
}

/* MOVE without the extension, after the COPY succeeded. Returns 1 when commands were queued. */
static int advance_move(mw_imap_engine *e)
{
    /* RFC 6851 section 3.3 without MOVE: only after COPY succeeded are the originals marked
     * \Deleted, and expunged only with UID EXPUNGE of exactly them (UIDPLUS and a UID set).
     * A plain EXPUNGE would also remove every other message someone marked \Deleted, so
     * without UIDPLUS the originals stay marked and the caller expunges. */
    if (e->op_err || e->step == 1)
        return 0;
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
    return 1;
}

/* The UIDs of a range fetch are known: fetch them in pipelined batches, no round trip per
 * message. Returns 1 when commands were queued. */
static int advance_fetch_all(mw_imap_engine *e)
{
    if (e->op_err || e->step == 1)
        return 0;
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
            return 1;
        i = end;
    }
    return mw_imap_live_commands(e) > 0;
}

/* IDLE after each completed IDLE (or NOOP poll): re-issue until the time is up, a change
 * ended a waiting IDLE, or the application cancelled. Returns 1 when it goes on. */
static int advance_idle(mw_imap_engine *e)
{
    if (e->idle_cancelled) {
        mw_imap_op_note(e, ST_ERROR_CANCELLED, "IDLE cancelled by the application");
        return 0;
    }
    if (e->op_err || (e->idle_wait && e->changes) || (e->idle_intervals_left == 1 && e->step > 0))
        return 0;
    if (e->step > 0 && e->idle_intervals_left > 1)
        e->idle_intervals_left--;
    e->step++;
    if (!e->idle_polling)
        queue_idle(e);
    return 1;
}

/* All commands of the operation are complete: queue the next step or finish. */
void mw_imap_op_advance(mw_imap_engine *e)
{
    if (e->op_status != MW_OP_RUNNING || mw_imap_live_commands(e) > 0)
        return;
    int more = 0;
    switch (e->op) {
    case IMAP_OP_CONNECT:
        if (e->state == IMAP_ST_GREETING)
            return;
        more = advance_connect(e);
        break;
    case IMAP_OP_LOGIN:
        if (e->op_err)
            break;
        if (!e->caps_known) {
            mw_imap_queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
            more = 1;
        } else if (!e->enable_sent && (e->caps & IMAP_CAP_ENABLE) &&
                   (e->caps & (IMAP_CAP_IMAP4REV2 | IMAP_CAP_UTF8_ACCEPT))) {
            queue_enable(e);
            more = 1;
        } else {
            more = mw_imap_compress_auto(e);
        }
        break;
    case IMAP_OP_MOVE_FALLBACK:
        more = advance_move(e);
        break;
    case IMAP_OP_FETCH_ALL:
        more = advance_fetch_all(e);
        break;
    case IMAP_OP_IDLE:
        more = advance_idle(e);
        break;
    default:
        break;
    }
    if (!more)
        mw_imap_op_finish(e);
}

void mw_imap_op_detach_idle(mw_imap_engine *e)
{
    mw_imap_idle_stop(e);
    for (size_t i = 0; i < e->ncmd; i++)
        e->cmds[i].detached = 1;
    e->idle_polling = 0;
    /* The IDLE ends for its caller here: its change count is delivered, as when it ends on
     * its own. */
    if (e->deliver)
        e->deliver(e);
    char detail[8];
    (void)release_now(e, detail, sizeof detail);
    e->deliver = NULL;
}

/* ---- building commands ------------------------------------------------------------------ */

void mw_imap_cmd_begin(mw_imap_engine *e)
{
    mw_imap_out_printf(&e->out, "A%u ", e->next_tag++);
}

unsigned mw_imap_cmd_end(mw_imap_engine *e, enum mw_imap_cmd_kind kind)
{
    mw_imap_out_put(&e->out, "\r\n", 2);
    if (e->out.b.failed || e->ncmd == IMAP_MAX_INFLIGHT) {
        unsigned err = e->out.b.failed ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_LIMIT_EXCEEDED;
        mw_imap_op_fail(e, err, 1, "%s",
                        e->out.b.failed ? "out of memory queueing a command"
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

void mw_imap_put_mailbox(mw_imap_engine *e, const char *name)
{
    size_t n = strlen(name);
    if (e->utf8) {
        (void)mw_imap_out_string(&e->out, name, n, IMAP_ARG_ASTRING);
        return;
    }
    int bad = 0;
    char *w = mw_imap_utf7_encode(name, n, &bad);
    if (!w) {
        e->out.b.failed = 1; /* checked before: only memory can be missing */
        return;
    }
    (void)mw_imap_out_string(&e->out, w, strlen(w), IMAP_ARG_ASTRING);
    free(w);
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
