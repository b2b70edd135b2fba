/* The SMTP message body: DATA (dot-stuffed, RFC 5321 section 4.5.2) or BDAT chunks
 * (RFC 3030) streamed from the message source, the replies to them, and the RSET that ends a
 * failed transaction. The envelope is in envelope.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../util/alloc.h"
#include "../util/str.h"
#include "engine_priv.h"

/* Message bytes encoded per refill of the output buffer (and per BDAT chunk). Large enough
 * that a TLS record and a send() carry a lot, small enough that memory stays flat. */
#define BODY_CHUNK (256u * 1024u)
/* Room reserved in front of a BDAT chunk for its command line. */
#define BDAT_HEAD 48u
/* BDAT chunks in flight when pipelining (RFC 3030 section 4.2 allows pipelining BDAT). */
#define BDAT_WINDOW 8u

unsigned mw_smtp_op_write(mw_smtp *e, const char *data, size_t len, int final)
{
    unsigned err = mw_smtp_check_start(e);
    if (err)
        return err;
    if (e->state != SMTP_ST_MAIL_OPEN && e->state != SMTP_ST_DATA_OPEN)
        return mw_smtp_refuse(e, ST_ERROR_INVALID_STATE,
                              "no transaction is open (SmtpCreateMessage first)");
    if (len && !data)
        return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "no data");
    /* The piece is scanned in the steps before anything of it goes out (eng_work()); the
     * state stays the transaction's until then, so a refusal leaves it open. */
    mw_smtp_close_source(e);
    e->sp = data;
    e->sl = len;
    e->src_end = 1; /* nothing beyond this span */
    e->body_final = final;
    e->piece = data;
    e->piece_left = len;
    e->scan = e->wscan;
    e->scanning = MW_SMTP_SCAN_PIECE;
    e->op = MW_OP_RUNNING;
    e->err = ST_ERROR_NONE;
    e->detail[0] = 0;
    return ST_ERROR_NONE;
}

void mw_smtp_piece_done(mw_smtp *e)
{
    if (e->state == SMTP_ST_MAIL_OPEN) {
        mw_smtp_dot_init(&e->dot, 1);
        if (mw_smtp_out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA)) {
            mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
            return;
        }
        mw_smtp_set_state(e, SMTP_ST_DATA_CMD);
        return;
    }
    mw_smtp_set_state(e, SMTP_ST_BODY);
}

/* Keep the last reply as the transaction's refusal (see pend_kept). */
static void keep_refusal(mw_smtp *e)
{
    e->pend_kept = 1;
    e->pend_code = e->last_code;
    memcpy(e->pend_enh, e->last_enh, sizeof e->pend_enh);
    mw_buf_reset(&e->pend_text);
    mw_buf_put(&e->pend_text, mw_smtp_last_text(e), e->last.len);
}

/* Report the stored failure (pend_err, pend_detail) once RSET has been answered. */
void mw_smtp_rset_then_fail(mw_smtp *e)
{
    /* A refused BDAT chunk kept its reply already: later chunks' replies do not replace it. */
    if (!e->pend_kept)
        keep_refusal(e);
    mw_smtp_close_source(e);
    if (mw_smtp_batch_ahead_queued(e)) {
        /* The next transaction's commands are on their way already, led by an RSET
         * (batch.c): that one clears what this refusal left (RFC 3030 section 2: the state
         * after a refused BDAT is indeterminate until RSET); one of our own now would reset
         * the next transaction instead. */
        mw_smtp_report_pending(e);
        return;
    }
    /* The server keeps the accepted MAIL/RCPTs until RSET (RFC 5321 section 4.1.1.5); clear
     * them so the next transaction starts clean. */
    if (mw_smtp_out_printf(e, "RSET") || mw_smtp_push_exp(e, EXP_RSET_FAIL)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    mw_smtp_set_state(e, SMTP_ST_RSET_FAIL);
}

void mw_smtp_on_rset_fail(mw_smtp *e)
{
    if (e->last_code / 100 != 2 && e->last_code / 100 != 4 && e->last_code / 100 != 5) {
        mw_smtp_fail_reply(e, "RSET");
        return;
    }
    mw_smtp_report_pending(e);
}

void mw_smtp_report_pending(mw_smtp *e)
{
    /* The caller asked for a transaction, not for the RSET that cleans up after its refusal:
     * SmtpGetResultCode()/String() show the refusal (the DATA path ends on it too). */
    if (e->pend_kept && !e->pend_text.failed) {
        e->last_code = e->pend_code;
        memcpy(e->last_enh, e->pend_enh, sizeof e->last_enh);
        mw_buf_reset(&e->last);
        mw_buf_put(&e->last, mw_buf_str(&e->pend_text), e->pend_text.len);
    }
    e->pend_kept = 0;
    if (e->last.failed) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    mw_smtp_fail(e, e->pend_err, 0, "%s", e->pend_detail);
    mw_smtp_set_state(e, SMTP_ST_READY);
}

void mw_smtp_fail_after_rset(mw_smtp *e, unsigned err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->pend_detail, sizeof e->pend_detail, fmt, ap);
    va_end(ap);
    e->pend_err = err;
    mw_smtp_rset_then_fail(e);
}

/* Stop producing BDAT chunks; the ones in flight are still answered, a held LAST chunk is
 * never sent. */
void mw_smtp_stop_bdat(mw_smtp *e)
{
    e->bdat_failed = 1;
    mw_smtp_close_source(e);
    e->src_end = 1;
    if (e->bdat_hold) {
        mw_smtp_out_drop(e); /* the buffer holds that chunk and nothing else */
        e->bdat_hold = 0;
    }
}

void mw_smtp_start_body(mw_smtp *e)
{
    if (e->use_bdat) {
        mw_smtp_set_state(e, SMTP_ST_BDAT);
        return;
    }
    if (mw_smtp_out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    mw_smtp_set_state(e, SMTP_ST_DATA_CMD);
}

void mw_smtp_on_data(mw_smtp *e)
{
    int cls = e->last_code / 100;
    if (e->last_code == 354) {
        if (e->pend_err || (e->have_src && e->rcpt_ok == 0)) {
            /* A server that opened DATA although nothing was accepted: leave it with an empty
             * message, which it has no one to deliver to (RFC 2920 section 3.1). */
            if (mw_smtp_out_printf(e, ".") || mw_smtp_push_exp(e, EXP_EOD_ABORT)) {
                mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
                return;
            }
            if (!e->pend_err) {
                e->pend_err = ST_ERROR_NO_VALID_RECIPIENTS;
                mw_smtp_refusals_detail(e, e->pend_detail, sizeof e->pend_detail);
            }
            mw_smtp_set_state(e, SMTP_ST_DATA_END);
            return;
        }
        mw_smtp_set_state(e, SMTP_ST_BODY);
        return;
    }
    if (cls != 4 && cls != 5) {
        mw_smtp_fail_reply(e, "DATA");
        return;
    }
    if (e->pend_err) { /* MAIL refused: no transaction to reset */
        mw_smtp_fail(e, e->pend_err, 0, "%s", e->pend_detail);
        mw_smtp_set_state(e, SMTP_ST_READY);
        return;
    }
    if (e->rcpt_ok == 0) {
        char d[sizeof e->pend_detail];
        mw_smtp_refusals_detail(e, d, sizeof d);
        mw_smtp_fail_after_rset(e, ST_ERROR_NO_VALID_RECIPIENTS, "%s", d);
        return;
    }
    mw_smtp_fail_after_rset(e, mw_smtp_class_error(e->last_code), "DATA: %d %s", e->last_code,
                            mw_smtp_last_text(e));
}

/* The server took the message: the progress may reach the total now (mw_smtp_transfer()),
 * and one last PROGRESS event says so. */
static void data_accepted(mw_smtp *e)
{
    e->data_accepted = 1;
    e->progress++;
    mw_smtp_push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
}

void mw_smtp_on_eod(mw_smtp *e, int abort)
{
    mw_smtp_close_source(e);
    if (abort) {
        mw_smtp_fail(e, e->pend_err, 0, "%s", e->pend_detail);
        mw_smtp_set_state(e, SMTP_ST_READY);
        return;
    }
    if (e->last_code / 100 == 2) {
        data_accepted(e);
        mw_smtp_done(e, SMTP_ST_READY);
        return;
    }
    mw_smtp_fail_reply(e, "end of message");
    if (e->op != MW_OP_FATAL)
        mw_smtp_set_state(e, SMTP_ST_READY);
}

void mw_smtp_on_bdat(mw_smtp *e)
{
    if (e->bdat_out > 0)
        e->bdat_out--;
    int cls = e->last_code / 100;
    if (cls != 2 && cls != 4 && cls != 5) {
        mw_smtp_fail_reply(e, "BDAT");
        return;
    }
    if (cls != 2) {
        if (!e->pend_err) {
            e->pend_err = mw_smtp_class_error(e->last_code);
            snprintf(e->pend_detail, sizeof e->pend_detail, "BDAT: %d %s", e->last_code,
                     mw_smtp_last_text(e));
            keep_refusal(e);
        }
        if (!e->bdat_failed)
            mw_smtp_stop_bdat(e);
    }
    if (e->bdat_out > 0 || e->bdat_hold || (e->bdat_in_batch && e->rcpt_replies < e->nrcpt))
        return;
    if (e->bdat_failed || e->pend_err) {
        /* RFC 3030 leaves the state after a refused chunk to the server; RSET makes sure the
         * next transaction starts clean. */
        mw_smtp_rset_then_fail(e);
        return;
    }
    if (e->bdat_last) {
        mw_smtp_close_source(e);
        data_accepted(e);
        mw_smtp_done(e, SMTP_ST_READY);
    }
}

/* ---- body ------------------------------------------------------------------------------- */

/* Pull the next span from the source; 0 at the end. */
static int source_fill(mw_smtp *e)
{
    if (e->sl > 0)
        return 1;
    if (!e->have_src || e->src_end) {
        e->src_end = 1;
        return 0;
    }
    const char *p = NULL;
    long n = e->src.next(e->src.ctx, &p);
    if (n < 0) {
        mw_smtp_fail(e, ST_ERROR_FILE, 1, "reading the message: %s",
                     e->src.detail ? e->src.detail(e->src.ctx) : "read error");
        return -1;
    }
    if (n == 0) {
        e->src_end = 1;
        return 0;
    }
    e->sp = p;
    e->sl = (size_t)n;
    return 1;
}

/* Encode up to cap output bytes at out; returns bytes written, or -1 after a failure. */
static long encode_some(mw_smtp *e, char *out, size_t cap)
{
    size_t o = 0;
    while (cap - o >= MW_SMTP_DOT_MAX_EXPANSION) {
        int f = source_fill(e);
        if (f < 0)
            return -1;
        if (f == 0)
            break;
        size_t used = 0;
        long w = mw_smtp_dot_encode(&e->dot, e->sp, e->sl, &used, out + o, cap - o);
        if (w < 0) {
            /* Mid-message: the partial message must not be taken as complete, so the
             * connection is dropped instead of ending the data. */
            mw_smtp_fail(e, ST_ERROR_INVALID_ARGUMENT, 1, "NUL byte in the message at offset %llu",
                         (unsigned long long)(e->bytes_done + used));
            return -1;
        }
        e->sp += used;
        e->sl -= used;
        e->bytes_done += used;
        o += (size_t)w;
    }
    return (long)o;
}

/* Bytes to encode in the next refill: a whole chunk, or less when the rest of a message of
 * known size is smaller, so a short message does not make a large buffer. CRLF
 * normalisation can double the bytes (every bare LF becomes CRLF). */
static size_t refill_size(const mw_smtp *e)
{
    if (e->bytes_total == 0 || e->bytes_total < e->bytes_done)
        return BODY_CHUNK;
    uint64_t left = e->bytes_total - e->bytes_done;
    return left < BODY_CHUNK / 2 ? (size_t)left * 2 + 8 : BODY_CHUNK;
}

void mw_smtp_refill_data(mw_smtp *e)
{
    size_t room = refill_size(e);
    if (mw_smtp_out_reserve(e, room + MW_SMTP_DOT_FINAL_MAX)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    long w = encode_some(e, mw_buf_tail(&e->out), room);
    if (w < 0)
        return;
    mw_buf_commit(&e->out, (size_t)w);
    e->progress++;
    mw_smtp_push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
    if (e->sl == 0 && e->src_end) {
        if (!e->body_final) { /* SmtpWrite(): this span is done */
            mw_smtp_done(e, SMTP_ST_DATA_OPEN);
            return;
        }
        mw_buf_commit(&e->out, mw_smtp_dot_final(&e->dot, mw_buf_tail(&e->out)));
        if (mw_smtp_push_exp(e, EXP_EOD)) {
            mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
            return;
        }
        mw_smtp_set_state(e, SMTP_ST_DATA_END);
    }
}

void mw_smtp_refill_bdat(mw_smtp *e)
{
    size_t window = e->pipelining ? BDAT_WINDOW : 1;
    if (e->bdat_out >= window || e->bdat_last || e->bdat_failed)
        return;
    size_t room = refill_size(e);
    if (mw_smtp_out_reserve(e, BDAT_HEAD + room + 2)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    /* The chunk is encoded after room for its command line, which is then put right in front
     * of it. Refills happen when the buffer is empty (mw_smtp_out_reserve() emptied it), except
     * the first chunk with acks at once, which joins the envelope still queued. */
    int appended = e->opos < e->out.len;
    char *body = mw_buf_tail(&e->out) + BDAT_HEAD;
    long w = encode_some(e, body, room);
    if (w < 0)
        return;
    int f = source_fill(e); /* is there more? decides LAST */
    if (f < 0)
        return;
    int last = f == 0;
    if (last)
        w += (long)mw_smtp_dot_final(&e->dot, body + w);
    char head[BDAT_HEAD];
    int hn = snprintf(head, sizeof head, "BDAT %ld%s\r\n", w, last ? " LAST" : "");
    if (appended) {
        /* Behind queued commands: close the gap (a small message, so a short move). */
        memmove(body - BDAT_HEAD + hn, body, (size_t)w);
        memcpy(body - BDAT_HEAD, head, (size_t)hn);
        mw_buf_commit(&e->out, (size_t)hn + (size_t)w);
    } else {
        memcpy(body - hn, head, (size_t)hn);
        e->opos = BDAT_HEAD - (size_t)hn;
        mw_buf_commit(&e->out, BDAT_HEAD + (size_t)w);
    }
    e->bdat_last = last;
    e->progress++;
    mw_smtp_push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
    if (last && e->exp_len > 0 && !e->acks_at_once) {
        /* The LAST chunk waits until every reply before it has arrived: sent then, it carries
         * the ACK of those replies. Sent at once, a server that wrote them in a segment of
         * their own holds its final reply behind that unacknowledged segment (Nagle) until
         * this side's delayed ACK fires, some 40 ms per message (Postfix does this). The wait
         * costs a round trip only for messages of one chunk, and is skipped where the
         * session acknowledges received data at once (mw_smtp_set_acks_at_once()). */
        e->bdat_hold = 1;
        return;
    }
    mw_smtp_bdat_sent(e);
}

int mw_smtp_bdat_release(mw_smtp *e)
{
    if (!e->bdat_hold || e->exp_len > 0)
        return 0;
    e->bdat_hold = 0;
    mw_smtp_bdat_sent(e);
    return 1;
}

void mw_smtp_bdat_sent(mw_smtp *e)
{
    if (mw_smtp_push_exp(e, EXP_BDAT)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    e->bdat_out++;
}
