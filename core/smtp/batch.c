/* Several whole messages on one session as one operation (SmtpSendMessages()), pipelined
 * across transactions: RFC 2920 section 3.1 lets the end of a message's data be followed by
 * the next transaction's MAIL, RCPTs and DATA in the same group, so each message costs one
 * round trip instead of two (DATA: the body waits for the 354, the next MAIL for the final
 * reply). The transaction itself is the engine's (envelope.c, body.c); this file picks the
 * next message, scans it before its envelope is queued, queues that envelope early when it
 * is safe, and records every message's result in order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../util/alloc.h"
#include "../util/str.h"
#include "engine_priv.h"

/* One message of the batch. */
typedef struct batch_item {
    char *from;
    char **rcpts;
    size_t nrcpt;
    mw_smtp_source src;
    int have_src; /* src is the item's (until its transaction takes it) */
    int utf8;     /* its addresses need SMTPUTF8 */
    int scanned;  /* read once: scan holds what the envelope must announce */
    mw_smtp_scan scan;
    const char *sp; /* the scan's place in the source */
    size_t sl;
    unsigned err; /* refused before its envelope (scan, read error, server limits) */
    char *why;
} batch_item;

struct mw_smtp_batch {
    batch_item *items;
    size_t n;
    size_t cur;    /* the message whose transaction runs (its state is the engine's) */
    size_t scan_i; /* the next message to scan (at most one ahead of cur) */
    int ahead;     /* items[cur + 1]'s commands are queued behind cur's end of data */
    size_t failed;
    unsigned first_err;
    size_t first_index;
    char first_detail[400];
    mw_smtp_batch_done done;
    void *ctx;
};

static void item_free(batch_item *it)
{
    if (it->have_src && it->src.close)
        it->src.close(it->src.ctx);
    it->have_src = 0;
    free(it->from);
    for (size_t i = 0; i < it->nrcpt; i++)
        free(it->rcpts[i]);
    free(it->rcpts);
    free(it->why);
    it->from = it->why = NULL;
    it->rcpts = NULL;
    it->nrcpt = 0;
}

void mw_smtp_batch_free(mw_smtp *e)
{
    struct mw_smtp_batch *b = e->batch;
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        item_free(&b->items[i]);
    free(b->items);
    free(b);
    e->batch = NULL;
}

int mw_smtp_batch_ahead_queued(const mw_smtp *e)
{
    return e->batch && e->batch->ahead;
}

static void item_refuse(batch_item *it, unsigned err, const char *why)
{
    it->err = err;
    free(it->why);
    it->why = NULL;
    (void)mw_strdup_opt(&it->why, why);
    if (it->have_src && it->src.close)
        it->src.close(it->src.ctx);
    it->have_src = 0;
}

/* The envelope of a scanned message (what mw_smtp_op_send() builds after its scan). */
static mw_smtp_envelope item_envelope(const batch_item *it, int *utf8)
{
    mw_smtp_envelope env = {it->from,          (const char *const *)it->rcpts,
                            it->nrcpt,         it->scan.offset,
                            it->scan.has_8bit, it->scan.header_8bit};
    *utf8 = it->utf8 || it->scan.header_8bit;
    return env;
}

/* Message i has its result: hand it to the caller, keep the first failure. */
static void record(mw_smtp *e, size_t i, unsigned err, const char *detail, int sent)
{
    struct mw_smtp_batch *b = e->batch;
    if (err && b->failed++ == 0) {
        b->first_err = err;
        b->first_index = i;
        mw_strlcpy(b->first_detail, detail ? detail : "", sizeof b->first_detail);
    }
    if (b->done)
        b->done(b->ctx, i, err, detail ? detail : "", sent, e);
}

/* No message left: the operation ends, done when every message was accepted. */
static void finish(mw_smtp *e)
{
    struct mw_smtp_batch *b = e->batch;
    size_t failed = b->failed, n = b->n, first = b->first_index;
    unsigned err = b->first_err;
    char d[sizeof b->first_detail];
    mw_strlcpy(d, b->first_detail, sizeof d);
    mw_smtp_batch_free(e);
    if (!failed) {
        mw_smtp_done(e, SMTP_ST_READY);
        return;
    }
    mw_smtp_fail(e, err, 0, "%zu of %zu messages failed; the first, message %zu: %s", failed, n,
                 first + 1, d);
    mw_smtp_set_state(e, SMTP_ST_READY);
}

/* Start the transaction of items[cur], or record why it cannot go; the next ones likewise. */
static void start_current(mw_smtp *e)
{
    struct mw_smtp_batch *b = e->batch;
    while (b->cur < b->n) {
        batch_item *it = &b->items[b->cur];
        if (!it->scanned && !it->err) {
            /* Read it first (mw_smtp_batch_work()), as a single send does. */
            e->scanning = MW_SMTP_SCAN_BATCH;
            mw_smtp_begin_op(e, SMTP_ST_SCAN);
            return;
        }
        int utf8 = 0, queued = b->ahead;
        mw_smtp_envelope env = item_envelope(it, &utf8);
        b->ahead = 0;
        if (!it->err && !queued) {
            unsigned err = mw_smtp_check_send(e, &env, &utf8, 1);
            if (err)
                item_refuse(it, err, e->why);
        }
        if (it->err) {
            record(e, b->cur, it->err, it->why, 0);
            b->cur++;
            continue;
        }
        mw_smtp_source src = it->src;
        it->have_src = 0;
        if (mw_smtp_start_tx(e, &env, &src, utf8, queued))
            mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    finish(e);
}

void mw_smtp_batch_msgs_free(mw_smtp_batch_msg *msgs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        batch_item it;
        memset(&it, 0, sizeof it);
        it.from = msgs[i].from;
        it.rcpts = msgs[i].rcpts;
        it.nrcpt = msgs[i].nrcpt;
        it.src = msgs[i].src;
        it.have_src = 1;
        item_free(&it);
    }
    free(msgs);
}

unsigned mw_smtp_op_send_batch(mw_smtp *e, mw_smtp_batch_msg *msgs, size_t n,
                               mw_smtp_batch_done done, void *ctx)
{
    unsigned err = mw_smtp_check_start(e);
    if (!err && e->state != SMTP_ST_READY)
        err = mw_smtp_refuse(e, ST_ERROR_INVALID_STATE, "a transaction is open (state %s)",
                             mw_smtp_state_name(e));
    else if (!err && n == 0)
        err = mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "no messages");
    struct mw_smtp_batch *b = NULL;
    if (!err && !(b = mw_calloc(1, sizeof *b)))
        err = mw_smtp_refuse(e, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    /* The addresses are checked now, all of them: a malformed one refuses the whole call with
     * nothing sent. What depends on the content waits for each message's scan. */
    for (size_t i = 0; !err && i < n; i++) {
        int utf8 = 0;
        mw_smtp_envelope env = {
            msgs[i].from, (const char *const *)msgs[i].rcpts, msgs[i].nrcpt, 0, 0, 0};
        if (msgs[i].nrcpt == 0)
            err = mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "message %zu: no recipients", i + 1);
        else if ((err = mw_smtp_check_send(e, &env, &utf8, 0)) != ST_ERROR_NONE)
            err = mw_smtp_refuse(e, err, "message %zu: %s", i + 1, e->why);
        msgs[i].utf8 = utf8;
    }
    if (err) {
        mw_smtp_batch_msgs_free(msgs, n);
        free(b);
        return err;
    }
    b->items = mw_calloc(n, sizeof *b->items);
    if (!b->items) {
        mw_smtp_batch_msgs_free(msgs, n);
        free(b);
        return mw_smtp_refuse(e, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        batch_item *it = &b->items[i];
        it->from = msgs[i].from;
        it->rcpts = msgs[i].rcpts;
        it->nrcpt = msgs[i].nrcpt;
        it->src = msgs[i].src;
        it->have_src = 1;
        it->utf8 = msgs[i].utf8;
        mw_smtp_scan_init(&it->scan);
    }
    free(msgs);
    b->n = n;
    b->done = done;
    b->ctx = ctx;
    e->batch = b;
    start_current(e); /* the first message waits for its scan: nothing is read here */
    return ST_ERROR_NONE;
}

/* One slice of item it's scan; 1 while more remains. */
static int scan_item(batch_item *it)
{
    size_t budget = MW_SMTP_SCAN_SLICE;
    while (budget > 0) {
        if (it->sl == 0) {
            long k = it->src.next(it->src.ctx, &it->sp);
            if (k < 0) {
                item_refuse(it, ST_ERROR_FILE,
                            it->src.detail ? it->src.detail(it->src.ctx) : "read error");
                return 0;
            }
            if (k == 0)
                break;
            it->sl = (size_t)k;
        }
        size_t k = it->sl < budget ? it->sl : budget;
        mw_smtp_scan_update(&it->scan, it->sp, k);
        it->sp += k;
        it->sl -= k;
        budget -= k;
    }
    if (budget == 0)
        return 1;
    it->sp = NULL;
    it->sl = 0;
    char d[400];
    if (mw_smtp_scan_refusal(&it->scan, "", d, sizeof d)) {
        item_refuse(it, ST_ERROR_INVALID_ARGUMENT, d);
        return 0;
    }
    if (!it->src.rewind || it->src.rewind(it->src.ctx)) {
        snprintf(d, sizeof d, "the message cannot be read a second time: %s",
                 it->src.detail ? it->src.detail(it->src.ctx) : "no rewind");
        item_refuse(it, ST_ERROR_FILE, d);
        return 0;
    }
    it->scanned = 1;
    return 0;
}

int mw_smtp_batch_work(mw_smtp *e)
{
    struct mw_smtp_batch *b = e->batch;
    /* The current message when it waits for its scan, else the next one, so that its
     * envelope can follow the current one's end of data. */
    while (b->scan_i < b->n && b->scan_i <= b->cur + 1) {
        batch_item *it = &b->items[b->scan_i];
        if (it->scanned || it->err) {
            b->scan_i++;
            continue;
        }
        if (scan_item(it))
            return 1;
        b->scan_i++;
        break;
    }
    if (e->scanning == MW_SMTP_SCAN_BATCH) {
        batch_item *it = &b->items[b->cur];
        if (!it->scanned && !it->err)
            return 1;
        e->scanning = MW_SMTP_SCAN_NONE;
        start_current(e);
        /* A refused message makes the next one current, which may wait for its scan too. */
        return e->op == MW_OP_RUNNING && e->scanning == MW_SMTP_SCAN_BATCH;
    }
    return 0;
}

void mw_smtp_batch_settle(mw_smtp *e)
{
    while (e->batch && e->op != MW_OP_RUNNING && e->op != MW_OP_START_TLS) {
        struct mw_smtp_batch *b = e->batch;
        if (b->cur >= b->n) { /* cannot happen: finish() frees the batch */
            mw_smtp_batch_free(e);
            return;
        }
        char d[sizeof e->detail];
        unsigned err = e->op == MW_OP_DONE ? ST_ERROR_NONE : e->err;
        mw_strlcpy(d, e->op == MW_OP_DONE ? "" : e->detail, sizeof d);
        record(e, b->cur++, err, d, 1);
        if (e->op == MW_OP_FATAL) {
            /* The connection is gone: the messages not done get its error, none was sent. */
            while (b->cur < b->n)
                record(e, b->cur++, err, d, 0);
            mw_smtp_batch_free(e);
            return;
        }
        start_current(e);
    }
}

void mw_smtp_batch_ahead(mw_smtp *e)
{
    struct mw_smtp_batch *b = e->batch;
    if (!b || b->ahead || e->op != MW_OP_RUNNING || !e->pipelining || b->cur + 1 >= b->n)
        return;
    batch_item *it = &b->items[b->cur + 1];
    if (!it->scanned || it->err)
        return;
    if (e->use_bdat) {
        /* After the LAST chunk, and only once this transaction's envelope was answered and
         * accepted: its own failure handling counts on the replies still expected being its
         * own. */
        if (e->state != SMTP_ST_BDAT || !e->bdat_last || e->bdat_hold || e->bdat_failed ||
            e->pend_err || e->rcpt_replies < e->nrcpt || e->rcpt_ok == 0)
            return;
    } else if (e->state != SMTP_ST_DATA_END || e->pend_err) {
        return; /* the "." of an accepted envelope is queued: only the final reply is left */
    }
    int utf8 = 0;
    mw_smtp_envelope env = item_envelope(it, &utf8);
    unsigned err = mw_smtp_check_send(e, &env, &utf8, 1);
    if (err) {
        item_refuse(it, err, e->why); /* recorded when its turn comes */
        return;
    }
    /* After BDAT an RSET leads: if a chunk of this message is refused, the server's state is
     * indeterminate until RSET (RFC 3030 section 2), and the next MAIL must not depend on it.
     * After a "." the final reply ends the transaction whatever it says (RFC 5321 section
     * 4.1.1.4). */
    if ((e->use_bdat && (mw_smtp_out_printf(e, "RSET") || mw_smtp_push_exp(e, EXP_RSET_NEXT))) ||
        mw_smtp_queue_envelope(e, &env, utf8)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    b->ahead = 1;
}
