/* The SMTP envelope: MAIL and RCPT with their SIZE, BODY, SMTPUTF8 and DSN parameters
 * (RFC 5321 section 4.1.1, RFC 1870, RFC 6152, RFC 6531, RFC 3461), pipelined when offered
 * (RFC 2920), and the replies to them. The message body is in body.c; the states live in
 * engine.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../util/alloc.h"
#include "../util/str.h"
#include "engine_priv.h"

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

/* Check the addresses (and whether they need SMTPUTF8); nothing is sent on error. */
static unsigned check_addresses(mw_smtp *e, const mw_smtp_envelope *env, int *utf8)
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
    return ST_ERROR_NONE;
}

/* Check what the envelope needs against what the server offers; nothing is sent on error.
 * content: also what depends on the message's bytes (8-bit data), which a scanned message
 * only knows once its scan is done. */
static unsigned check_caps(mw_smtp *e, const mw_smtp_envelope *env, int utf8, int content)
{
    uint32_t f = e->ehlo ? e->caps.flags : 0;
    if (utf8 && !(f & SMTP_EXTOPT_SMTPUTF8)) {
        return mw_smtp_refuse(
            e, ST_ERROR_NOT_SUPPORTED,
            "the message needs SMTPUTF8 (RFC 6531), which the server does not offer");
    }
    if (content && env->need_8bit && !(f & SMTP_EXTOPT_8BITMIME)) {
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

static unsigned check_envelope(mw_smtp *e, const mw_smtp_envelope *env, int *utf8)
{
    unsigned err = check_addresses(e, env, utf8);
    return err ? err : check_caps(e, env, *utf8, 1);
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
    e->data_accepted = 0;
    e->bdat_out = 0;
    e->bdat_last = 0;
    e->bdat_hold = 0;
    e->bdat_failed = 0;
    e->mail_code = 0;
    e->data_in_batch = 0;
    e->bdat_in_batch = 0;
    e->pend_err = 0;
}

/* The write pattern of a whole-message transaction: from the server's extensions and the
 * session's options, so the same for every transaction of a connection. */
static void tx_pattern(mw_smtp *e)
{
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
}

int mw_smtp_queue_envelope(mw_smtp *e, const mw_smtp_envelope *env, int utf8)
{
    if (out_mail(e, env, utf8) || mw_smtp_push_exp(e, EXP_MAIL))
        return -1;
    for (size_t i = 0; i < env->nrcpt; i++)
        if (out_rcpt(e, env->rcpts[i]) || mw_smtp_push_exp(e, EXP_RCPT))
            return -1;
    if (e->data_in_batch && (mw_smtp_out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA)))
        return -1;
    return 0;
}

/* Queue the envelope of a whole-message send (the recipients are in e->rcpt already) and
 * start the operation; queued: the commands are out already (mw_smtp_queue_envelope()), only
 * the state follows them. 0, or -1 when out of memory (nothing queued then). */
static int queue_send(mw_smtp *e, const mw_smtp_envelope *env, int utf8, int queued)
{
    tx_pattern(e);
    mw_smtp_dot_init(&e->dot, !e->use_bdat);
    e->body_final = 1;
    if (!queued) {
        if (out_mail(e, env, utf8) || mw_smtp_push_exp(e, EXP_MAIL))
            goto nomem;
        if (e->pipelining) {
            for (size_t i = 0; i < e->nrcpt; i++)
                if (out_rcpt(e, e->rcpt[i].addr) || mw_smtp_push_exp(e, EXP_RCPT))
                    goto nomem;
            if (e->data_in_batch &&
                (mw_smtp_out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA)))
                goto nomem;
        }
    }
    if (e->pipelining)
        e->rcpt_sent = e->nrcpt;
    mw_smtp_begin_op(e, e->bdat_in_batch ? SMTP_ST_BDAT : SMTP_ST_ENVELOPE);
    return 0;
nomem:
    /* Nothing has been lent to the session yet: drop what was queued. */
    mw_smtp_out_drop(e);
    e->exp_len = 0;
    return -1;
}

unsigned mw_smtp_check_send(mw_smtp *e, const mw_smtp_envelope *env, int *utf8, int content)
{
    unsigned err = check_addresses(e, env, utf8);
    return err ? err : check_caps(e, env, *utf8, content);
}

int mw_smtp_start_tx(mw_smtp *e, const mw_smtp_envelope *env, mw_smtp_source *src, int utf8,
                     int queued)
{
    reset_transfer(e);
    mw_smtp_clear_rcpts(e);
    e->tx_api = 0;
    e->src = *src;
    e->have_src = 1;
    e->bytes_total = env->size;
    for (size_t i = 0; i < env->nrcpt; i++)
        if (add_rcpt(e, env->rcpts[i]))
            goto nomem;
    if (queue_send(e, env, utf8, queued))
        goto nomem;
    return 0;
nomem:
    mw_smtp_clear_rcpts(e);
    mw_smtp_close_source(e);
    return -1;
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
        err = check_addresses(e, env, &utf8);
    if (!err) /* the message's bytes are known once scanned; the rest is checked now */
        err = check_caps(e, env, utf8, !src->scan);
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
    for (size_t i = 0; i < env->nrcpt; i++)
        if (add_rcpt(e, env->rcpts[i]))
            goto nomem;
    if (src->scan) {
        /* The message is read once before anything is sent (mw_smtp_scan_work()): the
         * envelope needs what it finds, and a NUL or an over-long line refuses the message
         * before the envelope. The start stays O(1); the scan runs in slices in the steps. */
        free(e->scan_from);
        if (mw_strdup_opt(&e->scan_from, env->from))
            goto nomem;
        e->scan_size = env->size;
        e->scan_utf8 = utf8;
        mw_smtp_scan_init(&e->scan);
        e->scanning = MW_SMTP_SCAN_MESSAGE;
        mw_smtp_begin_op(e, SMTP_ST_SCAN);
        return ST_ERROR_NONE;
    }
    if (queue_send(e, env, utf8, 0))
        goto nomem;
    return ST_ERROR_NONE;
nomem:
    mw_smtp_clear_rcpts(e);
    mw_smtp_close_source(e);
    return oom(e);
}

int mw_smtp_scan_done(mw_smtp *e)
{
    mw_smtp_envelope env = {e->scan_from,       NULL, 0, e->scan_size, e->scan.has_8bit,
                            e->scan.header_8bit};
    int utf8 = e->scan_utf8 || e->scan.header_8bit;
    unsigned err = check_caps(e, &env, utf8, 1);
    if (err) {
        mw_smtp_fail(e, err, 0, "%s", e->why);
        mw_smtp_set_state(e, SMTP_ST_READY);
        return -1;
    }
    if (queue_send(e, &env, utf8, 0)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return -1;
    }
    return 0;
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
    mw_smtp_scan_init(&e->wscan); /* what SmtpWrite() pieces hold, from the first on */
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

static const mw_smtp_rcpt *first_refused(const mw_smtp *e)
{
    for (size_t i = 0; i < e->nrcpt; i++)
        if (e->rcpt[i].code / 100 != 2)
            return &e->rcpt[i];
    return NULL;
}

/* How much of one refusal's text goes into the detail: enough for the reason a server gives
 * ("5.1.1 <bob@x>: Recipient address rejected: User unknown in local recipient table"),
 * short enough that two refusals and the count fit the 400-byte detail. */
#define REFUSAL_TEXT_MAX 120
/* Refusals quoted in full before the rest are only counted. */
#define REFUSALS_QUOTED 2

void mw_smtp_refusals_detail(const mw_smtp *e, char *out, size_t size)
{
    size_t refused = 0;
    for (size_t i = 0; i < e->nrcpt; i++)
        if (e->rcpt[i].code && e->rcpt[i].code / 100 != 2)
            refused++;
    if (!size)
        return;
    if (!refused) { /* no RCPT reply recorded (the server refused DATA regardless) */
        snprintf(out, size, "every recipient was refused");
        return;
    }
    if (refused > 1)
        snprintf(out, size, "no recipient was accepted (%zu refused): ", refused);
    else
        snprintf(out, size, "no recipient was accepted: ");
    size_t quoted = 0;
    for (size_t i = 0; i < e->nrcpt && quoted < REFUSALS_QUOTED; i++) {
        const mw_smtp_rcpt *r = &e->rcpt[i];
        if (!r->code || r->code / 100 == 2)
            continue;
        size_t used = strlen(out);
        const char *text = r->text ? r->text : "";
        size_t tn = strlen(text);
        snprintf(out + used, size - used, "%s<%s> %d %.*s%s", quoted ? "; " : "", r->addr, r->code,
                 (int)(tn > REFUSAL_TEXT_MAX ? REFUSAL_TEXT_MAX : tn), text,
                 tn > REFUSAL_TEXT_MAX ? "..." : "");
        quoted++;
    }
    if (refused > quoted) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "; and %zu more", refused - quoted);
    }
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
            mw_smtp_refusals_detail(e, e->pend_detail, sizeof e->pend_detail);
            mw_smtp_stop_bdat(e);
        }
        if (e->bdat_out == 0 && e->pend_err)
            mw_smtp_rset_then_fail(e);
        return; /* otherwise the BDAT replies decide */
    }
    if (e->rcpt_ok == 0) {
        char d[sizeof e->pend_detail];
        mw_smtp_refusals_detail(e, d, sizeof d);
        mw_smtp_fail_after_rset(e, ST_ERROR_NO_VALID_RECIPIENTS, "%s", d);
        return;
    }
    const mw_smtp_rcpt *r = first_refused(e);
    if (r && (e->options & SMTP_OPTION_ALLRECIPIENTS)) {
        mw_smtp_fail_after_rset(e, mw_smtp_class_error(r->code), "recipient <%s> refused: %d %s",
                                r->addr, r->code, r->text ? r->text : "");
        return;
    }
    mw_smtp_start_body(e);
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
    snprintf(e->pend_detail, sizeof e->pend_detail, "MAIL FROM: %d %s", e->last_code,
             mw_smtp_last_text(e));
    e->pend_err = err;
    if (e->bdat_in_batch)
        mw_smtp_stop_bdat(e); /* no transaction: send no more chunks */
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
    mw_strdup_opt(&r->text, mw_smtp_last_text(e));
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
