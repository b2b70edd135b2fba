/* The SMTP transaction: envelope (MAIL, RCPT with SIZE, BODY, SMTPUTF8 and DSN parameters,
 * pipelined when offered), the replies to it, and the message body streamed from its source
 * as DATA (dot-stuffed) or BDAT chunks. See engine.h; the states live in engine.c. */
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

static unsigned oom(mw_smtp *e)
{
    return mw_smtp_refuse(e, ST_ERROR_OUT_OF_MEMORY, "out of memory");
}

/* ---- envelope --------------------------------------------------------------------------- */

int mw_smtp_check_address(const char *a, size_t n, int allow_empty, char *detail, size_t dsize)
{
    if (n == 0 && !allow_empty) {
        snprintf(detail, dsize, "empty address");
        return -1;
    }
    if (n > 254) {
        snprintf(detail, dsize, "address longer than 254 octets (RFC 5321 section 4.5.3.1.3)");
        return -1;
    }
    const char *at = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c < 0x21 || c == 0x7f || c == '<' || c == '>') {
            snprintf(detail, dsize, "invalid character 0x%02x in address", c);
            return -1;
        }
        if (c == '@')
            at = a + i;
    }
    if (at && (size_t)(at - a) > 64) {
        snprintf(detail, dsize, "local part longer than 64 octets (RFC 5321 section 4.5.3.1.1)");
        return -1;
    }
    return 0;
}

/* ESMTP xtext (RFC 3461 section 4): printable ASCII except "+" and "=" as is, the rest as
 * "+HH". out needs 3 * n + 1 bytes. */
static void xtext(const char *in, size_t n, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c >= 0x21 && c <= 0x7e && c != '+' && c != '=') {
            out[o++] = (char)c;
        } else {
            out[o++] = '+';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = 0;
}

static int is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

unsigned mw_smtp_set_dsn(mw_smtp *e, uint32_t flags, const char *envid)
{
    char *copy = NULL;
    if (envid && *envid) {
        /* RFC 3461 section 4.4: at most 100 characters; printable ASCII. */
        size_t n = strlen(envid);
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)envid[i] < 0x20 || (unsigned char)envid[i] >= 0x7f) {
                return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                                      "ENVID must be printable ASCII");
            }
        if (n > 100) {
            return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "ENVID longer than 100 characters");
        }
        if (mw_strdup_opt(&copy, envid))
            return oom(e);
    }
    if ((flags & SMTP_NOTIFY_NEVER) &&
        (flags & (SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE | SMTP_NOTIFY_DELAY))) {
        free(copy);
        return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "NOTIFY=NEVER excludes the other NOTIFY values");
    }
    if ((flags & SMTP_RETURN_HEADERS) && (flags & SMTP_RETURN_FULL)) {
        free(copy);
        return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "RET=HDRS and RET=FULL exclude each other");
    }
    free(e->envid);
    e->envid = copy;
    e->dsn = flags;
    return ST_ERROR_NONE;
}

static int want_dsn(const mw_smtp *e)
{
    return e->dsn != 0 || e->envid != NULL;
}

/* Check what the envelope needs against what the server offers; nothing is sent on error. */
static unsigned check_envelope(mw_smtp *e, const mw_smtp_envelope *env, int *utf8)
{
    char d[200];
    if (mw_smtp_check_address(env->from, strlen(env->from), 1, d, sizeof d)) {
        return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "sender: %s", d);
    }
    *utf8 = env->need_smtputf8 || !is_ascii(env->from);
    for (size_t i = 0; i < env->nrcpt; i++) {
        if (mw_smtp_check_address(env->rcpts[i], strlen(env->rcpts[i]), 0, d, sizeof d)) {
            return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "recipient %zu: %s", i + 1, d);
        }
        if (!is_ascii(env->rcpts[i]))
            *utf8 = 1;
    }
    uint32_t f = e->ehlo ? e->caps.flags : 0;
    if (*utf8 && !(f & SMTP_EXTOPT_SMTPUTF8)) {
        return mw_smtp_refuse(
            e, ST_ERROR_NOT_SUPPORTED,
            "the message needs SMTPUTF8 (RFC 6531), which the server does not offer");
    }
    if (env->need_8bit && !(f & SMTP_EXTOPT_8BITMIME)) {
        return mw_smtp_refuse(e, ST_ERROR_NOT_SUPPORTED,
                              "the message has 8-bit content; the server does not offer 8BITMIME");
    }
    if (want_dsn(e) && !(f & SMTP_EXTOPT_DSN)) {
        return mw_smtp_refuse(e, ST_ERROR_NOT_SUPPORTED,
                              "delivery options are set; the server does not offer DSN (RFC 3461)");
    }
    if (env->size && e->caps.size_limit && (f & SMTP_EXTOPT_SIZE) &&
        env->size > e->caps.size_limit) {
        return mw_smtp_refuse(e, ST_ERROR_MESSAGE_TOO_LARGE,
                              "%llu octets; the server accepts at most %llu (RFC 1870)",
                              (unsigned long long)env->size,
                              (unsigned long long)e->caps.size_limit);
    }
    return ST_ERROR_NONE;
}

static int out_mail(mw_smtp *e, const mw_smtp_envelope *env, int utf8)
{
    uint32_t f = e->ehlo ? e->caps.flags : 0;
    char params[400] = "";
    size_t n = 0;
    if (env->size && (f & SMTP_EXTOPT_SIZE))
        n += (size_t)snprintf(params + n, sizeof params - n, " SIZE=%llu",
                              (unsigned long long)env->size);
    if (env->need_8bit)
        n += (size_t)snprintf(params + n, sizeof params - n, " BODY=8BITMIME");
    if (utf8)
        n += (size_t)snprintf(params + n, sizeof params - n, " SMTPUTF8");
    if (e->dsn & (SMTP_RETURN_FULL | SMTP_RETURN_HEADERS))
        n += (size_t)snprintf(params + n, sizeof params - n, " RET=%s",
                              (e->dsn & SMTP_RETURN_FULL) ? "FULL" : "HDRS");
    if (e->envid) {
        char x[310];
        xtext(e->envid, strlen(e->envid), x);
        snprintf(params + n, sizeof params - n, " ENVID=%s", x);
    }
    return mw_smtp_out_printf(e, "MAIL FROM:<%s>%s", env->from, params);
}

static int out_rcpt(mw_smtp *e, const char *addr)
{
    char params[900] = "";
    size_t n = 0;
    if (e->dsn &
        (SMTP_NOTIFY_NEVER | SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE | SMTP_NOTIFY_DELAY)) {
        n += (size_t)snprintf(params, sizeof params, " NOTIFY=");
        if (e->dsn & SMTP_NOTIFY_NEVER) {
            n += (size_t)snprintf(params + n, sizeof params - n, "NEVER");
        } else {
            const char *sep = "";
            static const struct {
                uint32_t bit;
                const char *name;
            } v[] = {{SMTP_NOTIFY_SUCCESS, "SUCCESS"},
                     {SMTP_NOTIFY_FAILURE, "FAILURE"},
                     {SMTP_NOTIFY_DELAY, "DELAY"}};
            for (size_t i = 0; i < 3; i++)
                if (e->dsn & v[i].bit) {
                    n += (size_t)snprintf(params + n, sizeof params - n, "%s%s", sep, v[i].name);
                    sep = ",";
                }
        }
    }
    if ((e->dsn & SMTP_NOTIFY_ORCPT) && is_ascii(addr)) {
        char x[3 * 256 + 1];
        xtext(addr, strlen(addr), x);
        snprintf(params + n, sizeof params - n, " ORCPT=rfc822;%s", x);
    }
    return mw_smtp_out_printf(e, "RCPT TO:<%s>%s", addr, params);
}

static int add_rcpt(mw_smtp *e, const char *addr)
{
    if (e->nrcpt == e->rcpt_cap) {
        size_t cap = e->rcpt_cap ? e->rcpt_cap * 2 : 8;
        mw_smtp_rcpt *n = mw_realloc(e->rcpt, cap * sizeof *n);
        if (!n)
            return -1;
        e->rcpt = n;
        e->rcpt_cap = cap;
    }
    mw_smtp_rcpt *r = &e->rcpt[e->nrcpt];
    memset(r, 0, sizeof *r);
    if (mw_strdup_opt(&r->addr, addr))
        return -1;
    e->nrcpt++;
    return 0;
}

static void reset_transfer(mw_smtp *e)
{
    mw_smtp_close_source(e);
    e->src_end = 0;
    e->bytes_done = e->bytes_total = 0;
    e->bdat_out = 0;
    e->bdat_last = 0;
    e->bdat_failed = 0;
    e->mail_code = 0;
    e->data_in_batch = 0;
    e->bdat_in_batch = 0;
    e->pend_err = 0;
}

unsigned mw_smtp_op_send(mw_smtp *e, const mw_smtp_envelope *env, mw_smtp_source *src)
{
    int utf8 = 0;
    unsigned err = mw_smtp_check_start(e);
    if (!err && e->state != SMTP_ST_READY)
        err = mw_smtp_refuse(e, ST_ERROR_INVALID_STATE, "a transaction is open (state %s)",
                             mw_smtp_state_name(e));
    else if (!err && env->nrcpt == 0)
        err = mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "no recipients");
    else if (!err)
        err = check_envelope(e, env, &utf8);
    if (err) {
        if (src->close)
            src->close(src->ctx);
        return err;
    }
    reset_transfer(e);
    mw_smtp_clear_rcpts(e);
    e->tx_api = 0;
    e->src = *src;
    e->have_src = 1;
    e->bytes_total = src->total;
    e->pipelining = e->ehlo && (e->caps.flags & SMTP_EXTOPT_PIPELINING) &&
                    !(e->options & SMTP_OPTION_NOPIPELINING);
    e->use_bdat =
        e->ehlo && (e->caps.flags & SMTP_EXTOPT_CHUNKING) && !(e->options & SMTP_OPTION_NOCHUNKING);
    /* DATA rides in the batch only when a refused recipient cannot stop the send: after a 354
     * the only way out is to send a message (RFC 2920 section 3.1). */
    e->data_in_batch = e->pipelining && !e->use_bdat && !(e->options & SMTP_OPTION_ALLRECIPIENTS);
    /* BDAT needs no go-ahead: its chunks follow the envelope without waiting (RFC 3030 section
     * 4.2). A server that accepted no recipient refuses them and discards the data. */
    e->bdat_in_batch = e->pipelining && e->use_bdat && !(e->options & SMTP_OPTION_ALLRECIPIENTS);
    mw_smtp_dot_init(&e->dot, !e->use_bdat);
    e->body_final = 1;
    for (size_t i = 0; i < env->nrcpt; i++)
        if (add_rcpt(e, env->rcpts[i]))
            goto nomem;
    if (out_mail(e, env, utf8) || mw_smtp_push_exp(e, EXP_MAIL))
        goto nomem;
    if (e->pipelining) {
        for (size_t i = 0; i < e->nrcpt; i++)
            if (out_rcpt(e, e->rcpt[i].addr) || mw_smtp_push_exp(e, EXP_RCPT))
                goto nomem;
        e->rcpt_sent = e->nrcpt;
        if (e->data_in_batch && (mw_smtp_out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA)))
            goto nomem;
    }
    mw_smtp_begin_op(e, e->bdat_in_batch ? SMTP_ST_BDAT : SMTP_ST_ENVELOPE);
    return ST_ERROR_NONE;
nomem:
    /* Nothing has been lent to the session yet: drop what was queued. */
    e->olen = e->opos = 0;
    e->exp_len = 0;
    mw_smtp_close_source(e);
    return oom(e);
}

unsigned mw_smtp_op_mail(mw_smtp *e, const mw_smtp_envelope *env)
{
    int utf8 = 0;
    unsigned err = mw_smtp_check_start(e);
    if (err)
        return err;
    if (e->state != SMTP_ST_READY)
        return mw_smtp_refuse(e, ST_ERROR_INVALID_STATE, "a transaction is open (state %s)",
                              mw_smtp_state_name(e));
    err = check_envelope(e, env, &utf8);
    if (err)
        return err;
    reset_transfer(e);
    mw_smtp_clear_rcpts(e);
    e->tx_api = 1;
    e->tx_utf8 = utf8;
    e->bytes_total = env->size;
    e->pipelining = 0;
    e->use_bdat = 0;
    if (out_mail(e, env, utf8) || mw_smtp_push_exp(e, EXP_MAIL))
        return oom(e);
    mw_smtp_begin_op(e, SMTP_ST_ENVELOPE);
    return ST_ERROR_NONE;
}

unsigned mw_smtp_op_rcpt(mw_smtp *e, const char *addr)
{
    char d[200];
    unsigned err = mw_smtp_check_start(e);
    if (err)
        return err;
    if (e->state != SMTP_ST_MAIL_OPEN)
        return mw_smtp_refuse(e, ST_ERROR_INVALID_STATE,
                              "no transaction is open (SmtpCreateMessage first)");
    if (mw_smtp_check_address(addr, strlen(addr), 0, d, sizeof d)) {
        return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "recipient: %s", d);
    }
    if (!is_ascii(addr) && !(e->caps.flags & SMTP_EXTOPT_SMTPUTF8)) {
        return mw_smtp_refuse(
            e, ST_ERROR_NOT_SUPPORTED,
            "a non-ASCII address needs SMTPUTF8, which the server does not offer");
    }
    /* RFC 6531 section 3.4: a UTF-8 address is only allowed in a transaction whose MAIL FROM
     * announced SMTPUTF8, which cannot be added afterwards. */
    if (!is_ascii(addr) && !e->tx_utf8) {
        return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a non-ASCII recipient needs a transaction started with "
                              "SMTP_CONTENT_SMTPUTF8 (RFC 6531 section 3.4)");
    }
    if (add_rcpt(e, addr))
        return oom(e);
    if (out_rcpt(e, addr) || mw_smtp_push_exp(e, EXP_RCPT)) {
        e->nrcpt--;
        free(e->rcpt[e->nrcpt].addr);
        return oom(e);
    }
    e->rcpt_sent = e->nrcpt;
    mw_smtp_begin_op(e, SMTP_ST_ENVELOPE);
    return ST_ERROR_NONE;
}

unsigned mw_smtp_op_write(mw_smtp *e, const char *data, size_t len, int final)
{
    unsigned err = mw_smtp_check_start(e);
    if (err)
        return err;
    if (e->state != SMTP_ST_MAIL_OPEN && e->state != SMTP_ST_DATA_OPEN)
        return mw_smtp_refuse(e, ST_ERROR_INVALID_STATE,
                              "no transaction is open (SmtpCreateMessage first)");
    if (len && memchr(data, '\0', len)) {
        return mw_smtp_refuse(e, ST_ERROR_INVALID_ARGUMENT, "NUL byte in the message");
    }
    /* The span is handed out directly: sp/sl are the source's unread bytes. */
    mw_smtp_close_source(e);
    e->sp = data;
    e->sl = len;
    e->src_end = 1; /* nothing beyond this span */
    e->body_final = final;
    if (e->state == SMTP_ST_MAIL_OPEN) {
        mw_smtp_dot_init(&e->dot, 1);
        if (mw_smtp_out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA))
            return oom(e);
        mw_smtp_begin_op(e, SMTP_ST_DATA_CMD);
        return ST_ERROR_NONE;
    }
    mw_smtp_begin_op(e, SMTP_ST_BODY);
    return ST_ERROR_NONE;
}

/* Send the next RCPT (lock-step), or decide what follows the last recipient reply. */
static void envelope_next(mw_smtp *e);

/* Report the stored failure (pend_err, pend_detail) once RSET has been answered. */
static void rset_then_fail(mw_smtp *e)
{
    mw_smtp_close_source(e);
    /* The server keeps the accepted MAIL/RCPTs until RSET (RFC 5321 section 4.1.1.5); clear
     * them so the next transaction starts clean. */
    if (mw_smtp_out_printf(e, "RSET") || mw_smtp_push_exp(e, EXP_RSET_FAIL)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    mw_smtp_set_state(e, SMTP_ST_RSET_FAIL);
}

static void fail_after_rset(mw_smtp *e, unsigned err, const char *fmt, ...) MW_PRINTF(3, 4);
static void fail_after_rset(mw_smtp *e, unsigned err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->pend_detail, sizeof e->pend_detail, fmt, ap);
    va_end(ap);
    e->pend_err = err;
    rset_then_fail(e);
}

/* Stop producing BDAT chunks; the ones in flight are still answered. */
static void stop_bdat(mw_smtp *e)
{
    e->bdat_failed = 1;
    mw_smtp_close_source(e);
    e->src_end = 1;
}

static const mw_smtp_rcpt *first_refused(const mw_smtp *e)
{
    for (size_t i = 0; i < e->nrcpt; i++)
        if (e->rcpt[i].code / 100 != 2)
            return &e->rcpt[i];
    return NULL;
}

static void start_body(mw_smtp *e)
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

static void envelope_next(mw_smtp *e)
{
    if (e->rcpt_replies < e->nrcpt) {
        if (e->rcpt_sent == e->rcpt_replies) { /* lock-step: next RCPT */
            if (out_rcpt(e, e->rcpt[e->rcpt_sent].addr) || mw_smtp_push_exp(e, EXP_RCPT)) {
                mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
                return;
            }
            e->rcpt_sent++;
        }
        return;
    }
    if (e->data_in_batch)
        return; /* the DATA reply decides */
    if (e->bdat_in_batch) {
        /* The chunks already sent will be refused; report the recipients, not them. */
        if (e->rcpt_ok == 0 && !e->pend_err) {
            e->pend_err = ST_ERROR_NO_VALID_RECIPIENTS;
            snprintf(e->pend_detail, sizeof e->pend_detail, "every recipient was refused");
            stop_bdat(e);
        }
        if (e->bdat_out == 0 && e->pend_err)
            rset_then_fail(e);
        return; /* otherwise the BDAT replies decide */
    }
    if (e->rcpt_ok == 0) {
        fail_after_rset(e, ST_ERROR_NO_VALID_RECIPIENTS, "every recipient was refused");
        return;
    }
    const mw_smtp_rcpt *r = first_refused(e);
    if (r && (e->options & SMTP_OPTION_ALLRECIPIENTS)) {
        fail_after_rset(e, mw_smtp_class_error(r->code), "recipient <%s> refused: %d %s", r->addr,
                        r->code, r->text ? r->text : "");
        return;
    }
    start_body(e);
}

void mw_smtp_on_mail(mw_smtp *e)
{
    e->mail_code = e->last_code;
    if (e->last_code / 100 == 2) {
        if (e->tx_api && e->nrcpt == 0) {
            mw_smtp_done(e, SMTP_ST_MAIL_OPEN); /* transaction API */
            return;
        }
        envelope_next(e);
        return;
    }
    if (e->last_code / 100 != 4 && e->last_code / 100 != 5) {
        mw_smtp_fail_reply(e, "MAIL FROM");
        return;
    }
    if (e->exp_len == 0) {
        mw_smtp_fail_reply(e, "MAIL FROM");
        if (e->op != MW_OP_FATAL)
            mw_smtp_set_state(e, SMTP_ST_READY);
        return;
    }
    /* Pipelined: the RCPT (and DATA or BDAT) replies are still on their way; they will be refusals
     * too. Collect them, then report the MAIL refusal. */
    unsigned err = mw_smtp_class_error(e->last_code);
    snprintf(e->pend_detail, sizeof e->pend_detail, "MAIL FROM: %d %s", e->last_code, e->last_text);
    e->pend_err = err;
    if (e->bdat_in_batch)
        stop_bdat(e); /* no transaction: send no more chunks */
}

void mw_smtp_on_rcpt(mw_smtp *e)
{
    if (e->rcpt_replies >= e->nrcpt) {
        mw_smtp_fail(e, ST_ERROR_INTERNAL, 1, "RCPT reply without a recipient");
        return;
    }
    mw_smtp_rcpt *r = &e->rcpt[e->rcpt_replies++];
    r->code = e->last_code;
    memcpy(r->enh, e->last_enh, sizeof r->enh);
    free(r->text);
    mw_strdup_opt(&r->text, e->last_text);
    int cls = e->last_code / 100;
    if (cls != 2 && cls != 4 && cls != 5) {
        mw_smtp_fail_reply(e, "RCPT TO");
        return;
    }
    if (cls == 2)
        e->rcpt_ok++;
    if (e->tx_api) {
        /* transaction API: one RCPT per call */
        if (cls == 2) {
            mw_smtp_done(e, SMTP_ST_MAIL_OPEN);
        } else {
            mw_smtp_fail_reply(e, "RCPT TO");
            mw_smtp_set_state(e, SMTP_ST_MAIL_OPEN);
        }
        return;
    }
    if (e->pend_err) { /* MAIL was refused: wait for the rest, then report it */
        if (e->exp_len == 0)
            mw_smtp_fail(e, e->pend_err, 0, "%s", e->pend_detail);
        if (e->exp_len == 0)
            mw_smtp_set_state(e, SMTP_ST_READY);
        return;
    }
    envelope_next(e);
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
                snprintf(e->pend_detail, sizeof e->pend_detail, "every recipient was refused");
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
        fail_after_rset(e, ST_ERROR_NO_VALID_RECIPIENTS, "every recipient was refused");
        return;
    }
    fail_after_rset(e, mw_smtp_class_error(e->last_code), "DATA: %d %s", e->last_code,
                    e->last_text);
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
                     e->last_text);
        }
        if (!e->bdat_failed)
            stop_bdat(e);
    }
    if (e->bdat_out > 0 || (e->bdat_in_batch && e->rcpt_replies < e->nrcpt))
        return;
    if (e->bdat_failed || e->pend_err) {
        /* RFC 3030 leaves the state after a refused chunk to the server; RSET makes sure the
         * next transaction starts clean. */
        rset_then_fail(e);
        return;
    }
    if (e->bdat_last) {
        mw_smtp_close_source(e);
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

void mw_smtp_refill_data(mw_smtp *e)
{
    if (mw_smtp_out_reserve(e, BODY_CHUNK + MW_SMTP_DOT_FINAL_MAX)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    long w = encode_some(e, e->obuf + e->olen, BODY_CHUNK);
    if (w < 0)
        return;
    e->olen += (size_t)w;
    e->progress++;
    mw_smtp_push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
    if (e->sl == 0 && e->src_end) {
        if (!e->body_final) { /* SmtpWrite(): this span is done */
            mw_smtp_done(e, SMTP_ST_DATA_OPEN);
            return;
        }
        e->olen += mw_smtp_dot_final(&e->dot, e->obuf + e->olen);
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
    if (mw_smtp_out_reserve(e, BDAT_HEAD + BODY_CHUNK + 2)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    /* mw_smtp_out_reserve() emptied the buffer (refills happen only when it is empty), so the chunk
     * is encoded after room for its command line, which is then put right in front of it. */
    char *body = e->obuf + BDAT_HEAD;
    long w = encode_some(e, body, BODY_CHUNK);
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
    memcpy(body - hn, head, (size_t)hn);
    e->opos = BDAT_HEAD - (size_t)hn;
    e->olen = BDAT_HEAD + (size_t)w;
    if (mw_smtp_push_exp(e, EXP_BDAT)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    e->bdat_out++;
    e->bdat_last = last;
    e->progress++;
    mw_smtp_push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
}
