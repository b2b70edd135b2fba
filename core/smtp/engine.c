/* The SMTP engine: states, replies, envelope and body; see engine.h. AUTH is in auth.c. */
#include "engine_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../util/alloc.h"
#include "../util/str.h"

/* Output capacity an idle session may keep (commands and replies of a transaction fit). */
#define OUT_KEEP 4096u

static const char *const state_names[] = {
    "NONE",      "GREETING", "EHLO",     "HELO",      "STARTTLS",  "TLS_HANDSHAKE", "READY",
    "SCAN",      "AUTH",     "COMMAND",  "ENVELOPE",  "MAIL_OPEN", "DATA_CMD",      "BODY",
    "DATA_OPEN", "BDAT",     "DATA_END", "RSET_FAIL", "QUIT",      "CLOSED"};

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

void mw_smtp_close_source(mw_smtp *e)
{
    if (e->have_src && e->src.close)
        e->src.close(e->src.ctx);
    e->have_src = 0;
    e->sp = NULL;
    e->sl = 0;
}

void mw_smtp_clear_rcpts(mw_smtp *e)
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
    mw_smtp_batch_free(e);
    mw_smtp_close_source(e);
    mw_smtp_clear_rcpts(e);
    free(e->rcpt);
    mw_sasl_free(e->sasl);
    mw_smtp_reply_free(&e->rp);
    mw_smtp_caps_clear(&e->caps);
    mw_smtp_out_drop(e); /* may hold an AUTH response */
    mw_buf_free(&e->out);
    free(e->exp);
    mw_buf_free(&e->last);
    mw_buf_free(&e->pend_text);
    free(e->scan_from);
    free(e->local_name);
    free(e->envid);
    free(e);
}

/* ---- output ----------------------------------------------------------------------------- */

void mw_smtp_out_drop(mw_smtp *e)
{
    if (e->sec_to)
        mw_wipe(e->out.p + e->sec_from, e->sec_to - e->sec_from);
    e->sec_from = e->sec_to = 0;
    mw_buf_reset(&e->out);
    e->opos = 0;
}

int mw_smtp_out_reserve(mw_smtp *e, size_t n)
{
    if (e->opos == e->out.len && e->sec_to == 0)
        mw_smtp_out_drop(e);
    if (e->out.len + n < e->out.cap)
        return 0;
    if (e->opos > 0) {
        size_t old = e->out.len;
        mw_buf_consume(&e->out, e->opos);
        if (e->sec_to) {
            e->sec_from -= e->sec_from >= e->opos ? e->opos : e->sec_from;
            e->sec_to -= e->opos;
            /* the moved bytes left a copy behind the new end */
            mw_wipe(e->out.p + e->out.len, old - e->out.len);
        }
        e->opos = 0;
        if (e->out.len + n < e->out.cap)
            return 0;
    }
    /* A secret still queued must not stay behind in the block a realloc() frees. */
    e->out.secret = e->sec_to != 0;
    int r = mw_buf_reserve(&e->out, n);
    e->out.secret = 0;
    e->out.failed = 0; /* the caller reports the failure; the buffer stays usable */
    return r;
}

int mw_smtp_out_line(mw_smtp *e, const char *line, size_t len, size_t secret_from)
{
    if (mw_smtp_out_reserve(e, len + 2))
        return -1;
    if (secret_from < len) {
        e->sec_from = e->out.len + secret_from;
        e->sec_to = e->out.len + len + 2;
    }
    mw_buf_put(&e->out, line, len);
    mw_buf_put(&e->out, "\r\n", 2);
    return 0;
}

int mw_smtp_out_printf(mw_smtp *e, const char *fmt, ...)
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

void mw_smtp_push_event(mw_smtp *e, unsigned ev, unsigned err)
{
    mw_evq_push(&e->events, ev, err);
}

/* ---- operation results ------------------------------------------------------------------ */

/* Between operations an idle session keeps no large output buffer (a body refill can grow
 * it to a chunk): memory stays proportional to what is in flight. */
static void out_trim(mw_smtp *e)
{
    if (e->opos == e->out.len && e->sec_to == 0 && e->out.cap > OUT_KEEP)
        mw_buf_shrink(&e->out, 0);
}

void mw_smtp_fail(mw_smtp *e, unsigned err, int fatal, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_detail_vprintf(e->detail, sizeof e->detail, fmt, ap);
    va_end(ap);
    e->err = err;
    e->op = fatal ? MW_OP_FATAL : MW_OP_FAILED;
    e->reply_out = NULL;
    out_trim(e);
    mw_smtp_close_source(e);
    if (fatal) {
        e->exp_len = 0;
        e->bdat_hold = 0;
        mw_smtp_out_drop(e);
        mw_smtp_set_state(e, SMTP_ST_CLOSED);
    }
}

unsigned mw_smtp_class_error(int code)
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
    unsigned err = mw_smtp_class_error(e->last_code);
    /* A reply of a class the command cannot have means client and server disagree about
     * where they are: drop the session (Treck TM_ESERVERSYNC). */
    mw_smtp_fail(e, err, err == ST_ERROR_OUT_OF_SYNC, "%s: %d %s", what, e->last_code,
                 mw_smtp_last_text(e));
}

void mw_smtp_done(mw_smtp *e, enum smtp_state next)
{
    mw_smtp_set_state(e, next);
    e->op = MW_OP_DONE;
    out_trim(e);
    if (e->reply_out)
        mw_strlcpy(e->reply_out, mw_smtp_last_text(e), e->reply_out_size);
    e->reply_out = NULL;
}

void mw_smtp_set_acks_at_once(mw_smtp *e, int on)
{
    e->acks_at_once = on != 0;
}

void mw_smtp_set_reply_out(mw_smtp *e, char *out, size_t size)
{
    e->reply_out = size ? out : NULL;
    e->reply_out_size = size;
}

int mw_smtp_begin_op(mw_smtp *e, enum smtp_state st)
{
    e->op = MW_OP_RUNNING;
    e->err = ST_ERROR_NONE;
    e->detail[0] = 0;
    e->pend_kept = 0;
    mw_smtp_set_state(e, st);
    return 0;
}

static unsigned oom(mw_smtp *e)
{
    return mw_smtp_refuse(e, ST_ERROR_OUT_OF_MEMORY, "out of memory");
}

unsigned mw_smtp_refuse(mw_smtp *e, unsigned err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_detail_vprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
    return err;
}

unsigned mw_smtp_check_start(mw_smtp *e)
{
    if (e->state == SMTP_ST_NONE || e->state == SMTP_ST_CLOSED)
        return mw_smtp_refuse(e, ST_ERROR_NOT_CONNECTED, "the session is not connected");
    if (e->op == MW_OP_RUNNING)
        return mw_smtp_refuse(e, ST_ERROR_BUSY, "another operation is in progress (state %s)",
                              state_names[e->state]);
    return ST_ERROR_NONE;
}

/* ---- connect, EHLO, STARTTLS ------------------------------------------------------------ */

static int use_ehlo(const mw_smtp *e)
{
    return (e->options & (SMTP_OPTION_EXTENDED | SMTP_OPTION_SECURE)) != 0;
}

static int send_greeting_reply(mw_smtp *e, int ehlo)
{
    if (mw_smtp_out_printf(e, "%s %s", ehlo ? "EHLO" : "HELO", e->local_name) ||
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
        return oom(e);
    mw_smtp_begin_op(e, SMTP_ST_GREETING);
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
    unsigned err = mw_smtp_class_error(e->last_code);
    mw_smtp_fail(e, err, 1, "greeting: %d %s", e->last_code, mw_smtp_last_text(e));
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
        if (mw_smtp_out_printf(e, "STARTTLS") || mw_smtp_push_exp(e, EXP_STARTTLS)) {
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
        if (mw_smtp_caps_parse(&e->caps, mw_smtp_last_text(e), e->last.len)) {
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
                         "EHLO refused (%d %s); STARTTLS needs ESMTP", e->last_code,
                         mw_smtp_last_text(e));
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
                 mw_smtp_last_text(e));
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

/* ---- simple commands -------------------------------------------------------------------- */

unsigned mw_smtp_op_command(mw_smtp *e, int kind, const char *arg)
{
    static const char *const verbs[] = {"", "RSET", "NOOP", "VRFY", "EXPN", "QUIT"};
    int in_tx = e->state == SMTP_ST_MAIL_OPEN;
    unsigned err = mw_smtp_check_start(e);
    if (err)
        return err;
    if (e->state != SMTP_ST_READY &&
        !(in_tx && kind != MW_SMTP_CMD_VRFY && kind != MW_SMTP_CMD_EXPN))
        return mw_smtp_refuse(e, ST_ERROR_INVALID_STATE,
                              "the session cannot take this command now (state %s)",
                              state_names[e->state]);
    int r;
    if (kind == MW_SMTP_CMD_RAW)
        r = mw_smtp_out_line(e, arg, strlen(arg), (size_t)-1);
    else if (arg)
        r = mw_smtp_out_printf(e, "%s %s", verbs[kind], arg);
    else
        r = mw_smtp_out_printf(e, "%s", verbs[kind]);
    if (r || mw_smtp_push_exp(e, kind == MW_SMTP_CMD_QUIT ? EXP_QUIT : EXP_CMD))
        return oom(e);
    e->cmd_kind = kind;
    /* NOOP, VRFY-less commands and raw ones leave an open transaction open; RSET ends it. */
    e->cmd_back = in_tx && kind != MW_SMTP_CMD_RSET ? SMTP_ST_MAIL_OPEN : SMTP_ST_READY;
    mw_smtp_begin_op(e, kind == MW_SMTP_CMD_QUIT ? SMTP_ST_QUIT : SMTP_ST_COMMAND);
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

/* Keep the reply for SmtpGetResultCode()/String(); 0 or -1 when out of memory. */
static int keep_reply(mw_smtp *e)
{
    e->last_code = e->rp.code;
    memcpy(e->last_enh, e->rp.enh, sizeof e->last_enh);
    mw_buf_reset(&e->last);
    mw_buf_put(&e->last, e->rp.text, e->rp.len);
    return e->last.failed ? -1 : 0;
}

static void on_reply(mw_smtp *e)
{
    if (keep_reply(e)) {
        mw_buf_reset(&e->last);
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    if (e->exp_len == 0) {
        /* A reply nobody asked for. 421 is the server closing (RFC 5321 section 3.8). */
        mw_smtp_fail(e, e->last_code == 421 ? ST_ERROR_SERVER_TEMPORARY : ST_ERROR_OUT_OF_SYNC, 1,
                     "unexpected reply: %d %s", e->last_code, mw_smtp_last_text(e));
        return;
    }
    enum smtp_expect x = (enum smtp_expect)e->exp[e->exp_head++];
    e->exp_len--;
    if (e->last_code == 421 && x != EXP_QUIT) {
        /* Service closing: the server drops the connection after this reply, so the session
         * goes too. Reported as temporary (retry later), like the Treck client's 4xx. */
        mw_smtp_fail(e, ST_ERROR_SERVER_TEMPORARY, 1, "%d %s (the server closed the session)",
                     e->last_code, mw_smtp_last_text(e));
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
        mw_smtp_on_mail(e);
        break;
    case EXP_RCPT:
        mw_smtp_on_rcpt(e);
        break;
    case EXP_DATA:
        mw_smtp_on_data(e);
        break;
    case EXP_BDAT:
        mw_smtp_on_bdat(e);
        break;
    case EXP_EOD:
    case EXP_EOD_ABORT:
        mw_smtp_on_eod(e, x == EXP_EOD_ABORT);
        break;
    case EXP_RSET_FAIL:
        mw_smtp_on_rset_fail(e);
        break;
    case EXP_RSET_NEXT:
        /* Clears what a refused BDAT may have left; a refusal of the RSET itself shows in the
         * MAIL reply that follows, so only a reply of no class drops the session. */
        if (e->last_code / 100 != 2 && e->last_code / 100 != 4 && e->last_code / 100 != 5)
            mw_smtp_fail_reply(e, "RSET");
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
        mw_smtp_push_event(e, MAILWIRE_EVENT_COMMAND,
                           cls == 4 || cls == 5 ? mw_smtp_class_error(e->last_code)
                                                : ST_ERROR_NONE);
        /* A batch goes on with its next message (or queues it behind this one's end). */
        mw_smtp_batch_settle(e);
        mw_smtp_batch_ahead(e);
        /* One reply per call, so the COMMAND callback sees this reply's code and text. */
        break;
    }
    return used;
}

/* ---- mw_engine_ops ---------------------------------------------------------------------- */

static size_t eng_output(void *p, const char **data, size_t *secret_from)
{
    mw_smtp *e = p;
    *secret_from = (size_t)-1;
    if (e->bdat_hold && !mw_smtp_bdat_release(e))
        return 0; /* the LAST chunk waits for the replies before it */
    if (e->op == MW_OP_RUNNING && e->state == SMTP_ST_BDAT &&
        (e->opos == e->out.len || (e->acks_at_once && !e->bdat_out && !e->bdat_last)))
        mw_smtp_refill_bdat(e); /* with acks at once, the first chunk joins the envelope */
    else if (e->opos == e->out.len && e->op == MW_OP_RUNNING && e->state == SMTP_ST_BODY)
        mw_smtp_refill_data(e);
    /* The next message of a batch follows this one's end of data in the same write. */
    mw_smtp_batch_ahead(e);
    if (e->opos == e->out.len || e->bdat_hold)
        return 0;
    size_t end = e->out.len;
    if (e->sec_to > e->opos) {
        /* Lend up to the end of the secret line only, marking where it starts. */
        end = e->sec_to;
        *secret_from = e->sec_from > e->opos ? e->sec_from - e->opos : 0;
    }
    *data = e->out.p + e->opos;
    return end - e->opos;
}

static void eng_sent(void *p, size_t n)
{
    mw_smtp *e = p;
    e->opos += n;
    if (e->sec_to && e->opos >= e->sec_to) {
        mw_wipe(e->out.p + e->sec_from, e->sec_to - e->sec_from);
        e->sec_from = e->sec_to = 0;
    }
    if (e->opos == e->out.len && e->sec_to == 0)
        mw_smtp_out_drop(e);
}

static int eng_wants_read(void *p)
{
    const mw_smtp *e = p;
    return e->exp_len > 0;
}

static int eng_status(void *p, unsigned *err, const char **detail)
{
    mw_smtp *e = p;
    mw_smtp_batch_settle(e);
    *err = e->err;
    *detail = e->detail;
    if (e->op == MW_OP_RUNNING && e->exp_len == 0 && e->opos == e->out.len && !e->scanning &&
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
    return mw_evq_pop(&((mw_smtp *)p)->events, err);
}

int mw_smtp_scan_refusal(const mw_smtp_scan *sc, const char *what, char *out, size_t size)
{
    if (sc->has_nul) {
        mw_detail_printf(out, size, "NUL byte in the message at offset %llu%s",
                         (unsigned long long)sc->nul_offset, what);
        return 1;
    }
    if (sc->has_long_line) {
        mw_detail_printf(out, size,
                         "the line at offset %llu is longer than %d octets (RFC 5321 section "
                         "4.5.3.1.6); encode the content (quoted-printable or base64)%s",
                         (unsigned long long)sc->long_line_offset, MW_SMTP_MAX_LINE, what);
        return 1;
    }
    return 0;
}

/* The scan refused the bytes (security checklist item 39, RFC 5322 section 2.3). */
static int scan_refused(mw_smtp *e, const mw_smtp_scan *sc, const char *what)
{
    char d[sizeof e->detail];
    if (!mw_smtp_scan_refusal(sc, what, d, sizeof d))
        return 0;
    mw_smtp_fail(e, ST_ERROR_INVALID_ARGUMENT, 0, "%s", d);
    return 1;
}

/* One slice of a whole message's scan: 1 while more remains. */
static int scan_message(mw_smtp *e)
{
    size_t budget = MW_SMTP_SCAN_SLICE;
    while (budget > 0) {
        if (e->sl == 0) {
            long n = e->src.next(e->src.ctx, &e->sp);
            if (n < 0) {
                mw_smtp_fail(e, ST_ERROR_FILE, 0, "%s",
                             e->src.detail ? e->src.detail(e->src.ctx) : "read error");
                mw_smtp_set_state(e, SMTP_ST_READY);
                return 0;
            }
            if (n == 0)
                break;
            e->sl = (size_t)n;
        }
        size_t k = e->sl < budget ? e->sl : budget;
        mw_smtp_scan_update(&e->scan, e->sp, k);
        e->sp += k;
        e->sl -= k;
        budget -= k;
    }
    if (budget == 0)
        return 1;
    e->scanning = MW_SMTP_SCAN_NONE;
    e->sp = NULL;
    e->sl = 0;
    if (scan_refused(e, &e->scan, "")) {
        mw_smtp_set_state(e, SMTP_ST_READY);
        return 0;
    }
    if (!e->src.rewind || e->src.rewind(e->src.ctx)) {
        mw_smtp_fail(e, ST_ERROR_FILE, 0, "the message cannot be read a second time: %s",
                     e->src.detail ? e->src.detail(e->src.ctx) : "no rewind");
        mw_smtp_set_state(e, SMTP_ST_READY);
        return 0;
    }
    if (!e->bytes_total) /* a source that did not know its size does now */
        e->bytes_total = e->scan_size = e->scan.offset;
    (void)mw_smtp_scan_done(e);
    return 0;
}

/* One slice of an SmtpWrite() piece's scan: 1 while more remains. */
static int scan_piece(mw_smtp *e)
{
    size_t k = e->piece_left < MW_SMTP_SCAN_SLICE ? e->piece_left : MW_SMTP_SCAN_SLICE;
    mw_smtp_scan_update(&e->scan, e->piece, k);
    e->piece += k;
    e->piece_left -= k;
    if (e->piece_left > 0)
        return 1;
    e->scanning = MW_SMTP_SCAN_NONE;
    /* Only what is new counts: a flaw an earlier piece left was refused with that piece. */
    mw_smtp_scan fresh = e->scan;
    fresh.has_nul = e->scan.has_nul && !e->wscan.has_nul;
    fresh.has_long_line = e->scan.has_long_line && !e->wscan.has_long_line;
    if (scan_refused(e, &fresh, "; nothing of this piece was sent"))
        return 0; /* the state is the transaction's: it stays open */
    e->wscan = e->scan;
    mw_smtp_piece_done(e);
    return 0;
}

static int eng_work(void *p)
{
    mw_smtp *e = p;
    if (e->op != MW_OP_RUNNING)
        return 0;
    if (e->batch)
        return mw_smtp_batch_work(e);
    switch (e->scanning) {
    case MW_SMTP_SCAN_MESSAGE:
        return scan_message(e);
    case MW_SMTP_SCAN_PIECE:
        return scan_piece(e);
    default:
        return 0;
    }
}

static unsigned eng_connect(void *p)
{
    return mw_smtp_op_connect(p);
}

static unsigned eng_close(void *p)
{
    return mw_smtp_op_command(p, MW_SMTP_CMD_QUIT, NULL);
}

static void eng_closed(void *p, unsigned why)
{
    mw_smtp *e = p;
    if (e->op == MW_OP_RUNNING) {
        e->op = MW_OP_FATAL;
        /* A cancel or a timeout is what the application must see for every message of a
         * batch the server had not confirmed, not a connection that merely closed. */
        if (!e->err)
            e->err = why ? why : ST_ERROR_CONNECTION_CLOSED;
    }
    e->reply_out = NULL;
    mw_smtp_close_source(e);
    mw_smtp_out_drop(e);
    e->bdat_hold = 0;
    e->exp_len = 0;
    mw_smtp_set_state(e, SMTP_ST_CLOSED);
    mw_smtp_batch_settle(e); /* every message not done gets the error */
}

static const char *eng_why(void *p)
{
    return ((const mw_smtp *)p)->why;
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
    .connect = eng_connect,
    .close = eng_close,
    .closed = eng_closed,
    .why = eng_why,
    .work = eng_work,
    .ack_now = 1,
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
    return mw_buf_str(&e->last);
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
    /* Every byte may be encoded (and sent) long before the server has taken the message: the
     * last one counts once its reply to the end of the data was positive, so that 100 % means
     * accepted and a refusal at the end never follows a full bar. */
    if (!e->data_accepted && *total && *done >= *total)
        *done = *total - 1;
}

int mw_smtp_is_extended(const mw_smtp *e)
{
    return e->ehlo;
}

int mw_smtp_usable(const mw_smtp *e)
{
    return e->state != SMTP_ST_CLOSED && e->state != SMTP_ST_NONE;
}
