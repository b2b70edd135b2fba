/* IMAP engine ops: the checks every op call shares (session/engine_ops.h: refuse with the
 * cause in why(), or queue), and the connection-level ops: connect, login, logout, NOOP, raw
 * commands and IDLE. */
#include "engine_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sasl/sasl.h"
#include "../util/str.h"
#include "utf7.h"

unsigned mw_imap_refuse(mw_imap_engine *e, unsigned err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_detail_vprintf(e->why, sizeof e->why, fmt, ap);
    va_end(ap);
    return err;
}

unsigned mw_imap_refuse_release(mw_imap_release_fn release, void *user, unsigned err)
{
    char detail[8];
    if (release)
        (void)release(user, detail, sizeof detail);
    return err;
}

unsigned mw_imap_need(mw_imap_engine *e, enum mw_imap_need need)
{
    switch (e->state) {
    case IMAP_ST_GREETING:
        return mw_imap_refuse(e, ST_ERROR_NOT_CONNECTED, "the server greeting has not arrived");
    case IMAP_ST_STARTTLS:
        return mw_imap_refuse(e, ST_ERROR_NOT_CONNECTED, "the TLS handshake is running");
    case IMAP_ST_LOGOUT:
        return mw_imap_refuse(e, ST_ERROR_NOT_CONNECTED, "the session is logging out");
    case IMAP_ST_CLOSED:
        return mw_imap_refuse(e, ST_ERROR_NOT_CONNECTED, "the connection is closed");
    default:
        break;
    }
    /* A running IDLE is no obstacle: the next command ends it with DONE (RFC 2177). */
    if (mw_imap_op_open(e) && e->op != IMAP_OP_IDLE)
        return mw_imap_refuse(e, ST_ERROR_BUSY, "another operation is still running");
    int authed = e->state == IMAP_ST_AUTHENTICATED || e->state == IMAP_ST_SELECTED;
    if (need >= MW_IMAP_NEED_AUTH && !authed)
        return mw_imap_refuse(e, ST_ERROR_INVALID_STATE, "not logged in");
    if (need == MW_IMAP_NEED_SELECTED && e->state != IMAP_ST_SELECTED)
        return mw_imap_refuse(e, ST_ERROR_INVALID_STATE, "no mailbox is selected");
    return ST_ERROR_NONE;
}

unsigned mw_imap_check_mailbox(mw_imap_engine *e, const char *name, const char *what)
{
    if (!name || !*name)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "%s is required", what);
    if (e->utf8)
        return ST_ERROR_NONE; /* a C string always fits a quoted string or a literal */
    /* Modified UTF-7 (RFC 3501 section 5.1.3) needs valid UTF-8. */
    int bad = 0;
    char *w = mw_imap_utf7_encode(name, strlen(name), &bad);
    free(w);
    if (!w)
        return mw_imap_refuse(e, bad ? ST_ERROR_INVALID_ARGUMENT : ST_ERROR_OUT_OF_MEMORY,
                              "%s cannot be sent (invalid UTF-8)", what);
    return ST_ERROR_NONE;
}

void mw_imap_op_start(mw_imap_engine *e, enum mw_imap_op op)
{
    if (e->op == IMAP_OP_IDLE && mw_imap_op_open(e))
        mw_imap_op_detach_idle(e);
    mw_imap_op_begin(e, op);
}

int mw_imap_has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 1;
    return 0;
}

int mw_imap_has_8bit(const char *s)
{
    for (; s && *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 1;
    return 0;
}

/* ---- connection ------------------------------------------------------------------------- */

unsigned mw_imap_op_connect(mw_imap_engine *e)
{
    if (e->state == IMAP_ST_CLOSED)
        mw_imap_reset(e); /* a new connection: nothing learned on the old one carries over */
    if (e->state != IMAP_ST_GREETING || e->op != IMAP_OP_NONE)
        return mw_imap_refuse(e, ST_ERROR_ALREADY_CONNECTED, "the session is connected");
    mw_imap_op_begin(e, IMAP_OP_CONNECT);
    return ST_ERROR_NONE;
}

static unsigned login_command(mw_imap_engine *e, const char *user, const char *pass)
{
    mw_imap_op_start(e, IMAP_OP_LOGIN);
    e->login_gen = e->caps_gen;
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "LOGIN ");
    /* C strings always encode (as a literal at worst): only memory can fail, and then the
     * command does. */
    (void)mw_imap_out_string(&e->out, user, strlen(user), IMAP_ARG_ASTRING);
    mw_imap_out_put(&e->out, " ", 1);
    mw_imap_out_mark(&e->out, IMAP_MARK_SECRET_ON, 0);
    (void)mw_imap_out_string(&e->out, pass, strlen(pass), IMAP_ARG_ASTRING);
    if (mw_imap_cmd_end(e, IMAP_CMD_LOGIN))
        return ST_ERROR_NONE; /* failed fatally: status() reports it */
    mw_imap_out_mark(&e->out, IMAP_MARK_SECRET_OFF, 0);
    mw_imap_set_state(e, IMAP_ST_AUTHENTICATING);
    return ST_ERROR_NONE;
}

unsigned mw_imap_op_login(mw_imap_engine *e, unsigned type, const char *user, const char *pass,
                          const char *host, unsigned port, int peer_loopback)
{
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_CONNECTION);
    if (err)
        return err;
    if (e->state != IMAP_ST_NOT_AUTHENTICATED)
        return mw_imap_refuse(e, ST_ERROR_ALREADY_AUTHENTICATED,
                              "the session is already authenticated (PREAUTH or an earlier login)");
    if (type > IMAP_AUTH_AUTO)
        return mw_imap_refuse(e, ST_ERROR_INVALID_AUTHENTICATION_TYPE,
                              "unknown authentication type");
    user = user ? user : "";
    pass = pass ? pass : "";
    if (type != IMAP_AUTH_ANONYMOUS && (!*user || !*pass))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a user name and a password are required");
    /* RFC 8314: credentials cross only TLS, unless the peer is this host or the application
     * allowed cleartext. */
    int cleartext_ok =
        e->tls || peer_loopback || (e->options & IMAP_OPTION_ALLOW_CLEARTEXT_AUTH) != 0;
    int mech = 0;
    const char *why = "";
    err = mw_imap_auth_choose(e, type, cleartext_ok, &mech, &why);
    if (err)
        return mw_imap_refuse(e, err, "%s", why);
    if (mech == IMAP_MECH_LOGIN_COMMAND)
        return login_command(e, user, pass);
    err = mw_imap_auth_prepare(e, mech, user, pass, host, port);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_LOGIN);
    e->login_gen = e->caps_gen;
    mw_imap_auth_queue(e, mech);
    if (e->op_status == MW_OP_RUNNING)
        mw_imap_set_state(e, IMAP_ST_AUTHENTICATING);
    return ST_ERROR_NONE;
}

unsigned mw_imap_op_logout(mw_imap_engine *e)
{
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_CONNECTION);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_LOGOUT);
    mw_imap_queue_simple(e, "LOGOUT", IMAP_CMD_LOGOUT);
    if (e->op_status == MW_OP_RUNNING)
        mw_imap_set_state(e, IMAP_ST_LOGOUT);
    return ST_ERROR_NONE;
}

unsigned mw_imap_op_noop(mw_imap_engine *e)
{
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_CONNECTION);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_queue_simple(e, "NOOP", IMAP_CMD_NOOP);
    return ST_ERROR_NONE;
}

unsigned mw_imap_op_command(mw_imap_engine *e, const char *line)
{
    if (!line || !*line || mw_imap_has_control(line))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a command without control characters (CR, LF, TAB...) is required");
    /* Commands that change the connection's framing or the session state the engine tracks
     * would desynchronise it; LOGIN would also bypass the cleartext-credential check and the
     * trace redaction (security checklist item 13). Each has its own function. */
    static const char *const refused[] = {"STARTTLS", "IDLE",     "AUTHENTICATE", "LOGIN",
                                          "LOGOUT",   "COMPRESS", "APPEND",       "SELECT",
                                          "EXAMINE",  "CLOSE",    "UNSELECT",     "ENABLE"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        size_t n = strlen(refused[i]);
        if (strncasecmp(line, refused[i], n) == 0 && (line[n] == 0 || line[n] == ' '))
            return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "use the dedicated function for %s",
                                  refused[i]);
    }
    if (strchr(line, '{'))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "literals are not allowed in raw commands");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_CONNECTION);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_queue_simple(e, line, IMAP_CMD_OTHER);
    return ST_ERROR_NONE;
}

/* ---- IDLE ------------------------------------------------------------------------------- */

static void deliver_idle(mw_imap_engine *e)
{
    if (e->dest.changes)
        *e->dest.changes = e->changes;
}

unsigned mw_imap_op_idle(mw_imap_engine *e, uint32_t options, uint64_t total_ms, unsigned idle_ms,
                         unsigned poll_ms, unsigned *changes, unsigned *step_ms)
{
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_AUTH);
    if (err)
        return err;
    int polling = !(e->caps & (IMAP_CAP_IDLE | IMAP_CAP_IMAP4REV2));
    unsigned step = polling ? poll_ms : idle_ms;
    unsigned intervals = 0; /* IMAP_IDLE_NOWAIT: until the next command or a cancel */
    if (!(options & IMAP_IDLE_NOWAIT)) {
        if (total_ms < step)
            step = (unsigned)total_ms;
        intervals = step ? (unsigned)((total_ms + step - 1) / step) : 1;
        if (intervals == 0)
            intervals = 1;
    }
    *step_ms = step;
    mw_imap_op_start(e, IMAP_OP_IDLE);
    e->idle_wait = !(options & IMAP_IDLE_NOWAIT);
    e->idle_intervals_left = intervals;
    e->idle_polling = polling;
    e->idle_cancelled = 0;
    e->changes = 0;
    e->dest.changes = changes;
    e->deliver = deliver_idle;
    mw_imap_op_advance(e);
    return ST_ERROR_NONE;
}
