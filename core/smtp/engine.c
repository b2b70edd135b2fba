/* The SMTP engine: states, replies, envelope and body; see engine.h. AUTH is in auth.c. */
#include "engine_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../session/errors.h"
#include "../util/alloc.h"
#include "../util/str.h"

/* Message bytes encoded per refill of the output buffer (and per BDAT chunk). Large enough
 * that a TLS record and a send() carry a lot, small enough that memory stays flat. */
#define BODY_CHUNK (256u * 1024u)
/* Room reserved in front of a BDAT chunk for its command line. */
#define BDAT_HEAD 48u
/* BDAT chunks in flight when pipelining (RFC 3030 section 4.2 allows pipelining BDAT). */
#define BDAT_WINDOW 8u

static const char *const state_names[] = {
    "NONE", "GREETING", "EHLO",      "HELO",      "STARTTLS", "TLS_HANDSHAKE", "READY",
    "AUTH", "COMMAND",  "ENVELOPE",  "MAIL_OPEN", "DATA_CMD", "BODY",          "DATA_OPEN",
    "BDAT", "DATA_END", "RSET_FAIL", "QUIT",      "CLOSED"};

void mw_smtp_set_state(mw_smtp *e, enum smtp_state st)
{
    /* The single place the state changes; a debugger breakpoint or a trace here shows every
     * transition by name (state_names). */
    e->state = st;
}

const char *mw_smtp_state_name(const mw_smtp *e)
{
    return state_names[e->state];
}

/* ---- life cycle ------------------------------------------------------------------------- */

mw_smtp *mw_smtp_new(uint32_t options, const char *local_name)
{
    mw_smtp *e = mw_calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (mw_strdup_opt(&e->local_name, local_name ? local_name : "localhost")) {
        free(e);
        return NULL;
    }
    e->options = options;
    e->secure = (options & SMTP_OPTION_SECURE) && !(options & SMTP_OPTION_SECURE_IMPLICIT);
    e->tls = (options & SMTP_OPTION_SECURE_IMPLICIT) != 0;
    mw_smtp_reply_init(&e->rp, MW_SMTP_REPLY_LINE_MAX, MW_SMTP_REPLY_LINES_MAX,
                       MW_SMTP_REPLY_TEXT_MAX);
    e->op = MW_OP_DONE;
    return e;
}

static void close_source(mw_smtp *e)
{
    if (e->have_src && e->src.close)
        e->src.close(e->src.ctx);
    e->have_src = 0;
    e->sp = NULL;
    e->sl = 0;
}

static void clear_rcpts(mw_smtp *e)
{
    for (size_t i = 0; i < e->nrcpt; i++) {
        free(e->rcpt[i].addr);
        free(e->rcpt[i].text);
    }
    e->nrcpt = 0;
    e->rcpt_sent = e->rcpt_replies = e->rcpt_ok = 0;
}

void mw_smtp_free(mw_smtp *e)
{
    if (!e)
        return;
    close_source(e);
    clear_rcpts(e);
    free(e->rcpt);
    mw_sasl_free(e->sasl);
    mw_smtp_reply_free(&e->rp);
    mw_smtp_caps_clear(&e->caps);
    if (e->obuf)
        mw_wipe(e->obuf, e->ocap); /* may hold an AUTH response */
    free(e->obuf);
    free(e->exp);
    free(e->last_text);
    free(e->local_name);
    free(e->envid);
    free(e);
}

/* ---- output ----------------------------------------------------------------------------- */

/* Make room for n more bytes at obuf + olen. */
static int out_reserve(mw_smtp *e, size_t n)
{
    if (e->opos == e->olen && e->sec_to == 0)
        e->opos = e->olen = 0;
    if (e->olen + n <= e->ocap)
        return 0;
    if (e->opos > 0) {
        memmove(e->obuf, e->obuf + e->opos, e->olen - e->opos);
        e->olen -= e->opos;
        if (e->sec_to) {
            e->sec_from -= e->sec_from >= e->opos ? e->opos : e->sec_from;
            e->sec_to -= e->opos;
        }
        e->opos = 0;
        if (e->olen + n <= e->ocap)
            return 0;
    }
    size_t cap = e->ocap ? e->ocap : 1024;
    while (cap < e->olen + n)
        cap *= 2;
    char *nb = mw_malloc(cap);
    if (!nb)
        return -1;
    if (e->obuf) {
        memcpy(nb, e->obuf, e->olen);
        mw_wipe(e->obuf, e->ocap);
        free(e->obuf);
    }
    e->obuf = nb;
    e->ocap = cap;
    return 0;
}

int mw_smtp_out_line(mw_smtp *e, const char *line, size_t len, size_t secret_from)
{
    if (out_reserve(e, len + 2))
        return -1;
    if (secret_from < len) {
        e->sec_from = e->olen + secret_from;
        e->sec_to = e->olen + len + 2;
    }
    memcpy(e->obuf + e->olen, line, len);
    e->olen += len;
    e->obuf[e->olen++] = '\r';
    e->obuf[e->olen++] = '\n';
    return 0;
}

static int out_printf(mw_smtp *e, const char *fmt, ...) MW_PRINTF(2, 3);
static int out_printf(mw_smtp *e, const char *fmt, ...)
{
    char buf[1200];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof buf)
        return -1;
    return mw_smtp_out_line(e, buf, (size_t)n, (size_t)-1);
}

/* ---- expected replies and events -------------------------------------------------------- */

int mw_smtp_push_exp(mw_smtp *e, enum smtp_expect x)
{
    if (e->exp_len == 0)
        e->exp_head = 0;
    if (e->exp_head + e->exp_len == e->exp_cap) {
        if (e->exp_head > 0) {
            memmove(e->exp, e->exp + e->exp_head, e->exp_len);
            e->exp_head = 0;
        } else {
            size_t cap = e->exp_cap ? e->exp_cap * 2 : 16;
            unsigned char *n = mw_realloc(e->exp, cap);
            if (!n)
                return -1;
            e->exp = n;
            e->exp_cap = cap;
        }
    }
    e->exp[e->exp_head + e->exp_len++] = (unsigned char)x;
    return 0;
}

static void push_event(mw_smtp *e, unsigned ev, unsigned err)
{
    /* A PROGRESS already queued is not repeated: the callback reads the current figures. */
    for (unsigned i = 0; ev == MAILWIRE_EVENT_PROGRESS && i < e->ev_len; i++)
        if (e->evq[(e->ev_head + i) % SMTP_EVQ] == ev)
            return;
    if (e->ev_len == SMTP_EVQ)
        return;
    unsigned at = (e->ev_head + e->ev_len++) % SMTP_EVQ;
    e->evq[at] = ev;
    e->everr[at] = err;
}

/* ---- operation results ------------------------------------------------------------------ */

void mw_smtp_fail(mw_smtp *e, unsigned err, int fatal, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    e->err = err;
    e->op = fatal ? MW_OP_FATAL : MW_OP_FAILED;
    close_source(e);
    if (fatal) {
        e->exp_len = 0;
        mw_smtp_set_state(e, SMTP_ST_CLOSED);
    }
}

static unsigned class_error(int code)
{
    switch (code / 100) {
    case 4:
        return ST_ERROR_SERVER_TEMPORARY;
    case 5:
        return ST_ERROR_SERVER_PERMANENT;
    default:
        return ST_ERROR_OUT_OF_SYNC;
    }
}

void mw_smtp_fail_reply(mw_smtp *e, const char *what)
{
    unsigned err = class_error(e->last_code);
    /* A reply of a class the command cannot have means client and server disagree about
     * where they are: drop the session (Treck TM_ESERVERSYNC). */
    mw_smtp_fail(e, err, err == ST_ERROR_OUT_OF_SYNC, "%s: %d %s", what, e->last_code,
                 e->last_text ? e->last_text : "");
}

void mw_smtp_done(mw_smtp *e, enum smtp_state next)
{
    mw_smtp_set_state(e, next);
    e->op = MW_OP_DONE;
}

static int begin_op(mw_smtp *e, enum smtp_state st)
{
    e->op = MW_OP_RUNNING;
    e->err = ST_ERROR_NONE;
    e->detail[0] = 0;
    mw_smtp_set_state(e, st);
    return 0;
}

static unsigned oom(void)
{
    mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
    return ST_ERROR_OUT_OF_MEMORY;
}

/* ---- connect, EHLO, STARTTLS ------------------------------------------------------------ */

static int use_ehlo(const mw_smtp *e)
{
    return (e->options & (SMTP_OPTION_EXTENDED | SMTP_OPTION_SECURE)) != 0;
}

static int send_greeting_reply(mw_smtp *e, int ehlo)
{
    if (out_printf(e, "%s %s", ehlo ? "EHLO" : "HELO", e->local_name) ||
        mw_smtp_push_exp(e, ehlo ? EXP_EHLO : EXP_HELO))
        return -1;
    mw_smtp_set_state(e, ehlo ? SMTP_ST_EHLO : SMTP_ST_HELO);
    return 0;
}

unsigned mw_smtp_op_connect(mw_smtp *e)
{
    mw_smtp_caps_clear(&e->caps);
    e->ehlo = 0;
    if (mw_smtp_push_exp(e, EXP_GREETING))
        return oom();
    begin_op(e, SMTP_ST_GREETING);
    return ST_ERROR_NONE;
}

static void on_greeting(mw_smtp *e)
{
    if (e->last_code == 220) {
        if (send_greeting_reply(e, use_ehlo(e)))
            mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    /* 554 or 421 instead of a greeting: no session (RFC 5321 section 3.1). */
    unsigned err = class_error(e->last_code);
    mw_smtp_fail(e, err, 1, "greeting: %d %s", e->last_code, e->last_text);
}

/* EHLO accepted: capabilities known; go on with STARTTLS when it is required. */
static void after_hello(mw_smtp *e)
{
    if (e->secure && !e->tls) {
        if (!(e->caps.flags & SMTP_EXTOPT_STARTTLS)) {
            /* Security checklist item 1: never a silent cleartext session. */
            mw_smtp_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1, "the server does not offer STARTTLS");
            return;
        }
        if (out_printf(e, "STARTTLS") || mw_smtp_push_exp(e, EXP_STARTTLS)) {
            mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
            return;
        }
        mw_smtp_set_state(e, SMTP_ST_STARTTLS);
        return;
    }
    mw_smtp_done(e, SMTP_ST_READY);
}

static void on_ehlo(mw_smtp *e)
{
    if (e->last_code == 250) {
        if (mw_smtp_caps_parse(&e->caps, e->last_text, strlen(e->last_text))) {
            mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
            return;
        }
        e->ehlo = 1;
        after_hello(e);
        return;
    }
    if (e->last_code / 100 == 5 && !e->tls) {
        /* EHLO not understood (RFC 5321 section 4.1.4 allows the fallback). Without ESMTP
         * there is no STARTTLS. */
        if (e->secure) {
            mw_smtp_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1,
                         "EHLO refused (%d %s); STARTTLS needs ESMTP", e->last_code, e->last_text);
            return;
        }
        if (send_greeting_reply(e, 0))
            mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    mw_smtp_fail_reply(e, "EHLO");
    e->op = MW_OP_FATAL;
    mw_smtp_set_state(e, SMTP_ST_CLOSED);
}

static void on_helo(mw_smtp *e)
{
    if (e->last_code == 250) {
        mw_smtp_caps_clear(&e->caps);
        e->ehlo = 0;
        mw_smtp_done(e, SMTP_ST_READY);
        return;
    }
    mw_smtp_fail_reply(e, "HELO");
    e->op = MW_OP_FATAL;
    mw_smtp_set_state(e, SMTP_ST_CLOSED);
}

static void on_starttls(mw_smtp *e)
{
    if (e->last_code == 220) {
        /* The session checks that nothing follows the go-ahead (item 4) and runs the
         * handshake; tls_started() continues. */
        mw_smtp_set_state(e, SMTP_ST_TLS_HANDSHAKE);
        e->op = MW_OP_START_TLS;
        return;
    }
    /* Item 2: any other answer ends the session. */
    mw_smtp_fail(e, ST_ERROR_STARTTLS_UNAVAILABLE, 1, "STARTTLS refused: %d %s", e->last_code,
                 e->last_text);
}

static void eng_tls_started(void *p)
{
    mw_smtp *e = p;
    e->tls = 1;
    if (e->state != SMTP_ST_TLS_HANDSHAKE)
        return; /* implicit TLS, before the greeting */
    /* RFC 3207 section 4.2: forget everything learned in clear, ask again. */
    mw_smtp_caps_clear(&e->caps);
    mw_smtp_reply_reset(&e->rp);
    e->ehlo = 0;
    e->op = MW_OP_RUNNING;
    if (send_greeting_reply(e, 1))
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
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
                mw_set_error(ST_ERROR_INVALID_ARGUMENT, "ENVID must be printable ASCII");
                return ST_ERROR_INVALID_ARGUMENT;
            }
        if (n > 100) {
            mw_set_error(ST_ERROR_INVALID_ARGUMENT, "ENVID longer than 100 characters");
            return ST_ERROR_INVALID_ARGUMENT;
        }
        if (mw_strdup_opt(&copy, envid))
            return oom();
    }
    if ((flags & SMTP_NOTIFY_NEVER) &&
        (flags & (SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE | SMTP_NOTIFY_DELAY))) {
        free(copy);
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "NOTIFY=NEVER excludes the other NOTIFY values");
        return ST_ERROR_INVALID_ARGUMENT;
    }
    if ((flags & SMTP_RETURN_HEADERS) && (flags & SMTP_RETURN_FULL)) {
        free(copy);
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "RET=HDRS and RET=FULL exclude each other");
        return ST_ERROR_INVALID_ARGUMENT;
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
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "sender: %s", d);
        return ST_ERROR_INVALID_ARGUMENT;
    }
    *utf8 = env->need_smtputf8 || !is_ascii(env->from);
    for (size_t i = 0; i < env->nrcpt; i++) {
        if (mw_smtp_check_address(env->rcpts[i], strlen(env->rcpts[i]), 0, d, sizeof d)) {
            mw_set_error(ST_ERROR_INVALID_ARGUMENT, "recipient %zu: %s", i + 1, d);
            return ST_ERROR_INVALID_ARGUMENT;
        }
        if (!is_ascii(env->rcpts[i]))
            *utf8 = 1;
    }
    uint32_t f = e->ehlo ? e->caps.flags : 0;
    if (*utf8 && !(f & SMTP_EXTOPT_SMTPUTF8)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                     "the message needs SMTPUTF8 (RFC 6531), which the server does not offer");
        return ST_ERROR_INVALID_ARGUMENT;
    }
    if (env->need_8bit && !(f & SMTP_EXTOPT_8BITMIME)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                     "the message has 8-bit content; the server does not offer 8BITMIME");
        return ST_ERROR_INVALID_ARGUMENT;
    }
    if (want_dsn(e) && !(f & SMTP_EXTOPT_DSN)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                     "delivery options are set; the server does not offer DSN (RFC 3461)");
        return ST_ERROR_INVALID_ARGUMENT;
    }
    if (env->size && e->caps.size_limit && (f & SMTP_EXTOPT_SIZE) &&
        env->size > e->caps.size_limit) {
        mw_set_error(ST_ERROR_MESSAGE_TOO_LARGE,
                     "%llu octets; the server accepts at most %llu (RFC 1870)",
                     (unsigned long long)env->size, (unsigned long long)e->caps.size_limit);
        return ST_ERROR_MESSAGE_TOO_LARGE;
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
    return out_printf(e, "MAIL FROM:<%s>%s", env->from, params);
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
    return out_printf(e, "RCPT TO:<%s>%s", addr, params);
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
    close_source(e);
    e->src_end = 0;
    e->bytes_done = e->bytes_total = 0;
    e->bdat_out = 0;
    e->bdat_last = 0;
    e->bdat_failed = 0;
    e->mail_code = 0;
    e->data_in_batch = 0;
    e->pend_err = 0;
}

unsigned mw_smtp_op_send(mw_smtp *e, const mw_smtp_envelope *env, mw_smtp_source *src)
{
    int utf8 = 0;
    unsigned err = ST_ERROR_NONE;
    if (e->state != SMTP_ST_READY) {
        mw_set_error(ST_ERROR_BUSY, "a transaction is open (state %s)", state_names[e->state]);
        err = ST_ERROR_BUSY;
    } else if (env->nrcpt == 0) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "no recipients");
        err = ST_ERROR_INVALID_ARGUMENT;
    } else {
        err = check_envelope(e, env, &utf8);
    }
    if (err) {
        if (src->close)
            src->close(src->ctx);
        return err;
    }
    reset_transfer(e);
    clear_rcpts(e);
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
        if (e->data_in_batch && (out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA)))
            goto nomem;
    }
    begin_op(e, SMTP_ST_ENVELOPE);
    return ST_ERROR_NONE;
nomem:
    /* Nothing has been lent to the session yet: drop what was queued. */
    e->olen = e->opos = 0;
    e->exp_len = 0;
    close_source(e);
    return oom();
}

unsigned mw_smtp_op_mail(mw_smtp *e, const mw_smtp_envelope *env)
{
    int utf8 = 0;
    if (e->state != SMTP_ST_READY) {
        mw_set_error(ST_ERROR_BUSY, "a transaction is open (state %s)", state_names[e->state]);
        return ST_ERROR_BUSY;
    }
    unsigned err = check_envelope(e, env, &utf8);
    if (err)
        return err;
    reset_transfer(e);
    clear_rcpts(e);
    e->tx_api = 1;
    e->bytes_total = env->size;
    e->pipelining = 0;
    e->use_bdat = 0;
    if (out_mail(e, env, utf8) || mw_smtp_push_exp(e, EXP_MAIL))
        return oom();
    begin_op(e, SMTP_ST_ENVELOPE);
    return ST_ERROR_NONE;
}

unsigned mw_smtp_op_rcpt(mw_smtp *e, const char *addr)
{
    char d[200];
    if (e->state != SMTP_ST_MAIL_OPEN) {
        mw_set_error(ST_ERROR_BUSY, "no transaction is open (SmtpCreateMessage first)");
        return ST_ERROR_BUSY;
    }
    if (mw_smtp_check_address(addr, strlen(addr), 0, d, sizeof d)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "recipient: %s", d);
        return ST_ERROR_INVALID_ARGUMENT;
    }
    if (!is_ascii(addr) && !(e->caps.flags & SMTP_EXTOPT_SMTPUTF8)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                     "a non-ASCII address needs SMTPUTF8, which the server does not offer");
        return ST_ERROR_INVALID_ARGUMENT;
    }
    if (add_rcpt(e, addr))
        return oom();
    if (out_rcpt(e, addr) || mw_smtp_push_exp(e, EXP_RCPT)) {
        e->nrcpt--;
        free(e->rcpt[e->nrcpt].addr);
        return oom();
    }
    e->rcpt_sent = e->nrcpt;
    begin_op(e, SMTP_ST_ENVELOPE);
    return ST_ERROR_NONE;
}

unsigned mw_smtp_op_write(mw_smtp *e, const char *data, size_t len, int final)
{
    if (e->state != SMTP_ST_MAIL_OPEN && e->state != SMTP_ST_DATA_OPEN) {
        mw_set_error(ST_ERROR_BUSY, "no transaction is open (SmtpCreateMessage first)");
        return ST_ERROR_BUSY;
    }
    if (len && memchr(data, '\0', len)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "NUL byte in the message");
        return ST_ERROR_INVALID_ARGUMENT;
    }
    /* The span is handed out directly: sp/sl are the source's unread bytes. */
    close_source(e);
    e->sp = data;
    e->sl = len;
    e->src_end = 1; /* nothing beyond this span */
    e->body_final = final;
    if (e->state == SMTP_ST_MAIL_OPEN) {
        mw_smtp_dot_init(&e->dot, 1);
        if (out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA))
            return oom();
        begin_op(e, SMTP_ST_DATA_CMD);
        return ST_ERROR_NONE;
    }
    begin_op(e, SMTP_ST_BODY);
    return ST_ERROR_NONE;
}

/* Send the next RCPT (lock-step), or decide what follows the last recipient reply. */
static void envelope_next(mw_smtp *e);

static void fail_after_rset(mw_smtp *e, unsigned err, const char *fmt, ...) MW_PRINTF(3, 4);
static void fail_after_rset(mw_smtp *e, unsigned err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->pend_detail, sizeof e->pend_detail, fmt, ap);
    va_end(ap);
    e->pend_err = err;
    close_source(e);
    /* The server keeps the accepted MAIL/RCPTs until RSET (RFC 5321 section 4.1.1.5); clear
     * them so the next transaction starts clean. */
    if (out_printf(e, "RSET") || mw_smtp_push_exp(e, EXP_RSET_FAIL)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    mw_smtp_set_state(e, SMTP_ST_RSET_FAIL);
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
    if (out_printf(e, "DATA") || mw_smtp_push_exp(e, EXP_DATA)) {
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
    if (e->rcpt_ok == 0) {
        fail_after_rset(e, ST_ERROR_NO_VALID_RECIPIENTS, "every recipient was refused");
        return;
    }
    const mw_smtp_rcpt *r = first_refused(e);
    if (r && (e->options & SMTP_OPTION_ALLRECIPIENTS)) {
        fail_after_rset(e, class_error(r->code), "recipient <%s> refused: %d %s", r->addr, r->code,
                        r->text ? r->text : "");
        return;
    }
    start_body(e);
}

static void on_mail(mw_smtp *e)
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
    /* Pipelined: the RCPT (and DATA) replies are still on their way; they will be refusals
     * too. Collect them, then report the MAIL refusal. */
    unsigned err = class_error(e->last_code);
    snprintf(e->pend_detail, sizeof e->pend_detail, "MAIL FROM: %d %s", e->last_code, e->last_text);
    e->pend_err = err;
}

static void on_rcpt(mw_smtp *e)
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

static void on_data(mw_smtp *e)
{
    int cls = e->last_code / 100;
    if (e->last_code == 354) {
        if (e->pend_err || (e->have_src && e->rcpt_ok == 0)) {
            /* A server that opened DATA although nothing was accepted: leave it with an empty
             * message, which it has no one to deliver to (RFC 2920 section 3.1). */
            if (out_printf(e, ".") || mw_smtp_push_exp(e, EXP_EOD_ABORT)) {
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
    fail_after_rset(e, class_error(e->last_code), "DATA: %d %s", e->last_code, e->last_text);
}

static void on_eod(mw_smtp *e, int abort)
{
    close_source(e);
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

static void on_bdat(mw_smtp *e)
{
    if (e->bdat_out > 0)
        e->bdat_out--;
    int cls = e->last_code / 100;
    if (cls != 2 && cls != 4 && cls != 5) {
        mw_smtp_fail_reply(e, "BDAT");
        return;
    }
    if (cls != 2 && !e->bdat_failed) {
        e->bdat_failed = 1;
        e->pend_err = class_error(e->last_code);
        snprintf(e->pend_detail, sizeof e->pend_detail, "BDAT: %d %s", e->last_code, e->last_text);
        close_source(e);
        e->src_end = 1;
    }
    if (e->bdat_out > 0)
        return;
    if (e->bdat_failed) {
        if (e->bdat_last) {
            /* RFC 3030 section 2: a refused LAST chunk ends the transaction. */
            mw_smtp_fail(e, e->pend_err, 0, "%s", e->pend_detail);
            mw_smtp_set_state(e, SMTP_ST_READY);
        } else {
            fail_after_rset(e, e->pend_err, "%s", e->pend_detail);
        }
        return;
    }
    if (e->bdat_last) {
        close_source(e);
        mw_smtp_done(e, SMTP_ST_READY);
    }
}

/* ---- simple commands -------------------------------------------------------------------- */

unsigned mw_smtp_op_command(mw_smtp *e, int kind, const char *arg)
{
    static const char *const verbs[] = {"", "RSET", "NOOP", "VRFY", "EXPN", "QUIT"};
    int in_tx = e->state == SMTP_ST_MAIL_OPEN;
    if (e->state != SMTP_ST_READY &&
        !(in_tx && kind != MW_SMTP_CMD_VRFY && kind != MW_SMTP_CMD_EXPN)) {
        mw_set_error(e->state == SMTP_ST_CLOSED ? ST_ERROR_NOT_CONNECTED : ST_ERROR_BUSY,
                     "the session cannot take a command now (state %s)", state_names[e->state]);
        return e->state == SMTP_ST_CLOSED ? ST_ERROR_NOT_CONNECTED : ST_ERROR_BUSY;
    }
    int r;
    if (kind == MW_SMTP_CMD_RAW)
        r = mw_smtp_out_line(e, arg, strlen(arg), (size_t)-1);
    else if (arg)
        r = out_printf(e, "%s %s", verbs[kind], arg);
    else
        r = out_printf(e, "%s", verbs[kind]);
    if (r || mw_smtp_push_exp(e, kind == MW_SMTP_CMD_QUIT ? EXP_QUIT : EXP_CMD))
        return oom();
    e->cmd_kind = kind;
    /* NOOP, VRFY-less commands and raw ones leave an open transaction open; RSET ends it. */
    e->cmd_back = in_tx && kind != MW_SMTP_CMD_RSET ? SMTP_ST_MAIL_OPEN : SMTP_ST_READY;
    begin_op(e, kind == MW_SMTP_CMD_QUIT ? SMTP_ST_QUIT : SMTP_ST_COMMAND);
    return ST_ERROR_NONE;
}

static void on_cmd(mw_smtp *e)
{
    int cls = e->last_code / 100;
    enum smtp_state back = (enum smtp_state)e->cmd_back;
    if (e->cmd_kind == MW_SMTP_CMD_RAW) {
        /* The caller reads the code; a raw MAIL could open a transaction the engine does not
         * track, which is the caller's business. */
        if (cls < 2 || cls == 3) {
            mw_smtp_fail_reply(e, "command");
            return;
        }
        mw_smtp_done(e, back);
        return;
    }
    if (cls == 2) {
        mw_smtp_done(e, back);
        return;
    }
    mw_smtp_fail_reply(e, "command");
    if (e->op != MW_OP_FATAL)
        mw_smtp_set_state(e, back);
}

/* ---- replies ---------------------------------------------------------------------------- */

static void keep_reply(mw_smtp *e)
{
    e->last_code = e->rp.code;
    memcpy(e->last_enh, e->rp.enh, sizeof e->last_enh);
    size_t n = e->rp.len;
    if (n + 1 > e->last_cap) {
        char *t = mw_realloc(e->last_text, n + 1);
        if (!t) {
            if (e->last_text)
                e->last_text[0] = 0;
            return;
        }
        e->last_text = t;
        e->last_cap = n + 1;
    }
    if (n)
        memcpy(e->last_text, e->rp.text, n);
    e->last_text[n] = 0;
}

static void on_reply(mw_smtp *e)
{
    keep_reply(e);
    if (!e->last_text) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    if (e->exp_len == 0) {
        /* A reply nobody asked for. 421 is the server closing (RFC 5321 section 3.8). */
        mw_smtp_fail(e, e->last_code == 421 ? ST_ERROR_SERVER_TEMPORARY : ST_ERROR_OUT_OF_SYNC, 1,
                     "unexpected reply: %d %s", e->last_code, e->last_text);
        return;
    }
    enum smtp_expect x = (enum smtp_expect)e->exp[e->exp_head++];
    e->exp_len--;
    if (e->last_code == 421 && x != EXP_QUIT) {
        /* Service closing: the server drops the connection after this reply, so the session
         * goes too. Reported as temporary (retry later), like the Treck client's 4xx. */
        mw_smtp_fail(e, ST_ERROR_SERVER_TEMPORARY, 1, "%d %s (the server closed the session)",
                     e->last_code, e->last_text);
        return;
    }
    switch (x) {
    case EXP_GREETING:
        on_greeting(e);
        break;
    case EXP_EHLO:
        on_ehlo(e);
        break;
    case EXP_HELO:
        on_helo(e);
        break;
    case EXP_STARTTLS:
        on_starttls(e);
        break;
    case EXP_AUTH:
        mw_smtp_auth_reply(e);
        break;
    case EXP_MAIL:
        on_mail(e);
        break;
    case EXP_RCPT:
        on_rcpt(e);
        break;
    case EXP_DATA:
        on_data(e);
        break;
    case EXP_BDAT:
        on_bdat(e);
        break;
    case EXP_EOD:
    case EXP_EOD_ABORT:
        on_eod(e, x == EXP_EOD_ABORT);
        break;
    case EXP_RSET_FAIL:
        if (e->last_code / 100 != 2 && e->last_code / 100 != 4 && e->last_code / 100 != 5) {
            mw_smtp_fail_reply(e, "RSET");
            break;
        }
        mw_smtp_fail(e, e->pend_err, 0, "%s", e->pend_detail);
        mw_smtp_set_state(e, SMTP_ST_READY);
        break;
    case EXP_CMD:
        on_cmd(e);
        break;
    case EXP_QUIT:
        mw_smtp_done(e, SMTP_ST_CLOSED);
        break;
    }
}

static size_t eng_feed(void *p, const char *data, size_t len)
{
    mw_smtp *e = p;
    size_t used = 0;
    while (used < len && e->op == MW_OP_RUNNING) {
        size_t n = 0;
        int rc = mw_smtp_reply_feed(&e->rp, data + used, len - used, &n);
        used += n;
        if (rc == MW_SR_ERROR) {
            mw_smtp_fail(e, e->rp.err, 1, "%s", e->rp.detail);
            break;
        }
        if (rc == MW_SR_NEED_MORE)
            break;
        e->progress++;
        on_reply(e);
        int cls = e->last_code / 100;
        push_event(e, MAILWIRE_EVENT_COMMAND,
                   cls == 4 || cls == 5 ? class_error(e->last_code) : ST_ERROR_NONE);
        /* One reply per call, so the COMMAND callback sees this reply's code and text. */
        break;
    }
    return used;
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

static void refill_data(mw_smtp *e)
{
    if (out_reserve(e, BODY_CHUNK + MW_SMTP_DOT_FINAL_MAX)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    long w = encode_some(e, e->obuf + e->olen, BODY_CHUNK);
    if (w < 0)
        return;
    e->olen += (size_t)w;
    e->progress++;
    push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
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

static void refill_bdat(mw_smtp *e)
{
    size_t window = e->pipelining ? BDAT_WINDOW : 1;
    if (e->bdat_out >= window || e->bdat_last || e->bdat_failed)
        return;
    if (out_reserve(e, BDAT_HEAD + BODY_CHUNK + 2)) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    /* out_reserve() emptied the buffer (refills happen only when it is empty), so the chunk
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
    push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
}

/* ---- mw_engine_ops ---------------------------------------------------------------------- */

static size_t eng_output(void *p, const char **data, size_t *secret_from)
{
    mw_smtp *e = p;
    *secret_from = (size_t)-1;
    if (e->opos == e->olen && e->op == MW_OP_RUNNING) {
        if (e->state == SMTP_ST_BODY)
            refill_data(e);
        else if (e->state == SMTP_ST_BDAT)
            refill_bdat(e);
    }
    if (e->opos == e->olen)
        return 0;
    size_t end = e->olen;
    if (e->sec_to > e->opos) {
        /* Lend up to the end of the secret line only, marking where it starts. */
        end = e->sec_to;
        *secret_from = e->sec_from > e->opos ? e->sec_from - e->opos : 0;
    }
    *data = e->obuf + e->opos;
    return end - e->opos;
}

static void eng_sent(void *p, size_t n)
{
    mw_smtp *e = p;
    e->opos += n;
    if (e->sec_to && e->opos >= e->sec_to) {
        mw_wipe(e->obuf + e->sec_from, e->sec_to - e->sec_from);
        e->sec_from = e->sec_to = 0;
    }
    if (e->opos == e->olen && e->sec_to == 0)
        e->opos = e->olen = 0;
}

static int eng_wants_read(void *p)
{
    const mw_smtp *e = p;
    return e->exp_len > 0;
}

static int eng_status(void *p, unsigned *err, const char **detail)
{
    mw_smtp *e = p;
    *err = e->err;
    *detail = e->detail;
    if (e->op == MW_OP_RUNNING && e->exp_len == 0 && e->opos == e->olen &&
        e->state != SMTP_ST_BODY && e->state != SMTP_ST_BDAT) {
        /* Nothing queued, nothing expected, no body to pull: a stuck operation would be a
         * bug; report it rather than hang. */
        *err = ST_ERROR_INTERNAL;
        *detail = "SMTP engine has nothing to do";
        return MW_OP_FATAL;
    }
    return e->op;
}

static unsigned long eng_progress(void *p)
{
    return ((const mw_smtp *)p)->progress;
}

static unsigned eng_next_event(void *p, unsigned *err)
{
    mw_smtp *e = p;
    if (e->ev_len == 0)
        return 0;
    unsigned ev = e->evq[e->ev_head];
    *err = e->everr[e->ev_head];
    e->ev_head = (e->ev_head + 1) % SMTP_EVQ;
    e->ev_len--;
    return ev;
}

const mw_engine_ops mw_smtp_engine_ops = {
    .name = "smtp",
    .feed = eng_feed,
    .output = eng_output,
    .sent = eng_sent,
    .wants_read = eng_wants_read,
    .status = eng_status,
    .tls_started = eng_tls_started,
    .progress = eng_progress,
    .next_event = eng_next_event,
    .expire = NULL,
    .cancel = NULL,
};

/* ---- getters ---------------------------------------------------------------------------- */

const mw_smtp_caps *mw_smtp_caps_of(const mw_smtp *e)
{
    return &e->caps;
}

int mw_smtp_last_code(const mw_smtp *e)
{
    return e->last_code;
}

const char *mw_smtp_last_enh(const mw_smtp *e)
{
    return e->last_enh;
}

const char *mw_smtp_last_text(const mw_smtp *e)
{
    return e->last_text ? e->last_text : "";
}

size_t mw_smtp_rcpt_count(const mw_smtp *e)
{
    return e->nrcpt;
}

const mw_smtp_rcpt *mw_smtp_rcpt_at(const mw_smtp *e, size_t i)
{
    return i < e->nrcpt ? &e->rcpt[i] : NULL;
}

void mw_smtp_transfer(const mw_smtp *e, uint64_t *done, uint64_t *total)
{
    *done = e->bytes_done;
    *total = e->bytes_total;
}

int mw_smtp_is_extended(const mw_smtp *e)
{
    return e->ehlo;
}

int mw_smtp_usable(const mw_smtp *e)
{
    return e->state != SMTP_ST_CLOSED && e->state != SMTP_ST_NONE;
}
