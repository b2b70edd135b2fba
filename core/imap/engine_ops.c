/* IMAP engine: the mw_engine_ops the session drives (feed, output, events, expire, cancel,
 * connect, close, closed, why).
 * The output queue lends bytes up to the next mark: a synchronising literal waits for "+",
 * secret ranges are flagged for the trace, an APPEND source is streamed in chunks. */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/str.h"

#define CHUNK_SIZE 65536

/* ---- mw_engine_ops ----------------------------------------------------------------------- */

static size_t eng_feed(void *eng, const char *data, size_t len)
{
    mw_imap_engine *e = eng;
    size_t used = 0;
    /* After the OK of COMPRESS the bytes are compressed: the session inflates them first. */
    while (used < len && e->op_status == MW_OP_RUNNING && e->z_state != MW_IMAP_Z_ACCEPTED) {
        int ev;
        used += mw_imap_reader_feed(&e->rd, data + used, len - used, &ev);
        switch (ev) {
        case IMAP_RD_NEED_MORE:
            break;
        case IMAP_RD_RESPONSE:
            mw_imap_response(e);
            continue;
        case IMAP_RD_LITERAL:
            mw_imap_reader_literal_mode(&e->rd, mw_imap_literal_mode_for(e));
            if (!e->rd.failed)
                continue;
            /* fall through */
        case IMAP_RD_ERROR:
            mw_imap_op_fail(e, e->rd.err, 1, "%s", e->rd.detail);
            return used;
        case IMAP_RD_CHUNK:
            mw_imap_deliver_chunk(e, e->rd.chunk, e->rd.chunk_len);
            continue;
        case IMAP_RD_IDS:
            mw_imap_search_ids(e, e->rd.ids, e->rd.nids);
            e->rd.nids = 0;
            continue;
        case IMAP_RD_VANISHED:
            mw_imap_sync_vanished(e); /* takes rd.vs */
            continue;
        }
        break;
    }
    return used;
}

/* Fill the APPEND chunk buffer from the source. */
static size_t source_chunk(mw_imap_engine *e, const char **data)
{
    if (e->chunk_off < e->chunk_len) {
        *data = e->chunk + e->chunk_off;
        return e->chunk_len - e->chunk_off;
    }
    if (e->src_left == 0)
        return 0;
    if (!e->chunk && !(e->chunk = mw_malloc(CHUNK_SIZE))) {
        mw_imap_op_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return 0;
    }
    size_t want = e->src_left < CHUNK_SIZE ? (size_t)e->src_left : CHUNK_SIZE;
    long got = -1;
    if (e->mem) {
        /* mw_imap_op_append() from memory: the caller keeps it until the operation ends. */
        got = (long)(e->mem_left < want ? e->mem_left : want);
        memcpy(e->chunk, e->mem, (size_t)got);
        e->mem += got;
        e->mem_left -= (size_t)got;
    } else if (e->src) {
        got = e->src(e->chunk, want, e->src_user);
    }
    if (got <= 0 || (size_t)got > want) {
        /* The server expects exactly the announced size: the stream cannot be repaired. */
        mw_imap_op_fail(e, ST_ERROR_FILE, 1, "the message source ended %llu bytes early",
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
    mw_imap_engine *e = eng;
    mw_imap_out *o = &e->out;
    *secret_from = (size_t)-1;
    if (e->op_status == MW_OP_FATAL)
        return 0;
    for (;;) {
        uint64_t pos = o->base + o->sent;
        if (o->nmark > 0 && o->marks[0].at == pos) {
            mw_imap_mark *m = &o->marks[0];
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
        size_t limit = o->b.len;
        if (o->nmark > 0 && o->marks[0].at - o->base < limit)
            limit = (size_t)(o->marks[0].at - o->base);
        if (limit <= o->sent)
            return 0;
        *data = o->b.p + o->sent;
        if (e->secret)
            *secret_from = 0;
        return limit - o->sent;
    }
}

static void eng_sent(void *eng, size_t n)
{
    mw_imap_engine *e = eng;
    mw_imap_out *o = &e->out;
    if (o->nmark > 0 && o->marks[0].at == o->base + o->sent &&
        o->marks[0].kind == IMAP_MARK_SOURCE) {
        e->chunk_off += n;
        e->xfer_done += n;
        e->progress++;
        mw_imap_push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
        if (e->chunk_off == e->chunk_len && e->src_left == 0) {
            /* the literal is complete: drop the SOURCE mark */
            memmove(o->marks, o->marks + 1, (o->nmark - 1) * sizeof *o->marks);
            o->nmark--;
        }
        return;
    }
    /* Credentials do not linger in the queue once sent. */
    if (e->secret)
        mw_wipe(o->b.p + o->sent, n);
    o->sent += n;
    mw_imap_out_compact(o);
}

static int eng_wants_read(void *eng)
{
    mw_imap_engine *e = eng;
    return e->ncmd > 0 || e->state == IMAP_ST_GREETING || e->op == IMAP_OP_IDLE;
}

static int eng_status(void *eng, unsigned *err, const char **detail)
{
    mw_imap_engine *e = eng;
    *err = e->op_err;
    *detail = e->op_detail;
    return e->op_status;
}

static void eng_tls_started(void *eng)
{
    mw_imap_engine *e = eng;
    e->tls = 1;
    /* Implicit TLS (port 993): the greeting is still to come, over TLS, and nothing was
     * learned in cleartext; the connect goes on as over a plain socket (a PREAUTH greeting
     * is then the greeting, RFC 9051 section 7.1.4). */
    if (e->state == IMAP_ST_GREETING)
        return;
    /* STARTTLS. Checklist 6 and 7: forget everything learned in cleartext and ask again. */
    e->caps = 0;
    e->mechs = 0;
    e->caps_known = 0;
    free(e->capstr);
    e->capstr = NULL;
    e->alert[0] = 0;
    mw_imap_reader_reset(&e->rd);
    mw_imap_set_state(e, IMAP_ST_NOT_AUTHENTICATED);
    e->op_status = MW_OP_RUNNING;
    mw_imap_queue_simple(e, "CAPABILITY", IMAP_CMD_CAPABILITY);
}

static unsigned long eng_progress(void *eng)
{
    return ((mw_imap_engine *)eng)->progress;
}

static unsigned eng_next_event(void *eng, unsigned *err)
{
    return mw_evq_pop(&((mw_imap_engine *)eng)->events, err);
}

static int eng_expire(void *eng)
{
    mw_imap_engine *e = eng;
    if (e->op != IMAP_OP_IDLE || e->op_status != MW_OP_RUNNING)
        return 0;
    if (e->idle_polling) {
        /* RFC 2177 absent: poll with NOOP; its untagged data reports the changes. */
        int noop_pending = 0;
        for (size_t i = 0; i < e->ncmd; i++)
            noop_pending |= e->cmds[i].kind == IMAP_CMD_NOOP;
        if (e->idle_intervals_left == 1) {
            if (!noop_pending)
                mw_imap_op_finish(e);
            return 1;
        }
        if (e->idle_intervals_left > 1)
            e->idle_intervals_left--;
        if (!noop_pending)
            mw_imap_queue_simple(e, "NOOP", IMAP_CMD_NOOP);
        return 1;
    }
    /* End this IDLE; mw_imap_op_advance() re-issues it unless the caller's time is up (RFC 2177:
     * re-issue before 29 minutes). */
    mw_imap_idle_stop(e);
    return 1;
}

static int eng_cancel(void *eng)
{
    mw_imap_engine *e = eng;
    if (e->op != IMAP_OP_IDLE || e->op_status != MW_OP_RUNNING)
        return 0;
    e->idle_cancelled = 1;
    if (e->idle_polling) {
        if (mw_imap_live_commands(e) == 0) {
            mw_imap_op_note(e, ST_ERROR_CANCELLED, "IDLE cancelled by the application");
            mw_imap_op_finish(e);
        }
        return 1;
    }
    mw_imap_idle_stop(e);
    return 1;
}

static unsigned eng_connect(void *eng)
{
    return mw_imap_op_connect(eng);
}

static unsigned eng_close(void *eng)
{
    return mw_imap_op_logout(eng);
}

static void eng_closed(void *eng, unsigned why)
{
    (void)why; /* the session reports it; no IMAP result is kept per item */
    mw_imap_closed(eng);
}

static uint64_t eng_incoming(void *eng)
{
    const mw_imap_engine *e = eng;
    return e->rd.lit_active ? e->rd.lit_left : 0;
}

static int eng_streaming(void *eng)
{
    const mw_imap_engine *e = eng;
    /* Step 1: the UID SEARCH is answered and every UID FETCH batch is queued. */
    return e->op == IMAP_OP_FETCH_ALL && e->step == 1 && e->fetch_active;
}

static const char *eng_why(void *eng)
{
    return mw_imap_why(eng);
}

const mw_engine_ops mw_imap_engine_ops = {
    .name = "imap",
    .feed = eng_feed,
    .output = eng_output,
    .sent = eng_sent,
    .wants_read = eng_wants_read,
    .status = eng_status,
    .tls_started = eng_tls_started,
    .progress = eng_progress,
    .next_event = eng_next_event,
    .expire = eng_expire,
    .cancel = eng_cancel,
    .incoming = eng_incoming,
    .streaming = eng_streaming,
    .connect = eng_connect,
    .close = eng_close,
    .closed = eng_closed,
    .why = eng_why,
    .compress = mw_imap_compress_go,
};
