/* IMAP API: library set-up, connect, login, disconnect and the per-handle getters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../session/handle.h"
#include "../util/alloc.h"
#include "../util/str.h"

#define DEFAULT_TIMEOUT_S 20
#define IDLE_REISSUE_MS (29u * 60u * 1000u - 30000u) /* RFC 2177: before 29 minutes */
#define POLL_INTERVAL_MS 30000u

int mw_imap_refuse(unsigned err, const char *detail)
{
    mw_set_error_text(err, detail);
    return IMAP_ERROR;
}

unsigned mw_imap_enter_local(HCLIENT h, mw_imap_client **c)
{
    mw_session *s;
    void *data;
    unsigned err = mw_client_lookup(h, MW_PROTO_IMAP, &s, &data);
    if (err)
        return err;
    *c = data;
    return ST_ERROR_NONE;
}

unsigned mw_imap_enter(HCLIENT h, mw_imap_client **c)
{
    unsigned err = mw_imap_enter_local(h, c);
    if (err)
        return err;
    mw_imap_client *cl = *c;
    if (mw_session_phase(cl->s) != MW_PH_OPEN || cl->e.state == IMAP_ST_CLOSED ||
        cl->e.state == IMAP_ST_GREETING) {
        mw_set_error(ST_ERROR_NOT_CONNECTED, NULL);
        return ST_ERROR_NOT_CONNECTED;
    }
    if (mw_session_busy(cl->s)) {
        if (cl->e.op != IMAP_OP_IDLE) {
            mw_set_error(ST_ERROR_BUSY, "another operation is still running on this handle");
            return ST_ERROR_BUSY;
        }
        /* The next command ends IDLE: DONE goes out first (RFC 2177). */
        mw_imap_op_detach_idle(&cl->e);
    }
    return ST_ERROR_NONE;
}

int mw_imap_run(mw_imap_client *c, unsigned op_timeout_ms)
{
    mw_imap_engine *e = &c->e;
    if (e->op_status != MW_OP_RUNNING) {
        mw_set_error_text(e->op_err ? e->op_err : ST_ERROR_INTERNAL, e->op_detail);
        return IMAP_ERROR;
    }
    return mw_client_op(c->s, ST_ERROR_NONE, op_timeout_ms);
}

int mw_imap_need_auth(mw_imap_client *c)
{
    int st = c->e.state;
    if (st == IMAP_ST_AUTHENTICATED || st == IMAP_ST_SELECTED || st == IMAP_ST_IDLE)
        return 0;
    return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "not logged in");
}

int mw_imap_need_selected(mw_imap_client *c)
{
    if (c->e.selected)
        return 0;
    return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "no mailbox is selected");
}

/* ---- library ----------------------------------------------------------------------------- */

int ImapInitialize(void)
{
    return MailwireInitialize();
}

void ImapUninitialize(void)
{
    MailwireUninitialize();
}

unsigned ImapGetLastError(void)
{
    return mw_get_error();
}

const char *ImapGetErrorString(unsigned nError)
{
    return mw_error_string(nError);
}

/* ---- connect ----------------------------------------------------------------------------- */

static void client_destroy(void *data)
{
    mw_imap_client *c = data;
    if (c->append_file)
        fclose(c->append_file);
    mw_imap_engine_free(&c->e);
    free(c->host);
    free(c);
}

/* The engine's state changes, by name, in the session trace. */
static void trace_state(void *user, int from, int to)
{
    mw_session_trace_info(user, "imap %s -> %s", mw_imap_state_name(from), mw_imap_state_name(to));
}

static HCLIENT connect_common(const char *host, unsigned port, unsigned timeout, uint32_t options,
                              const SECURITYCREDENTIALS *cred, int async)
{
    if (!host || !*host || port > 65535) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "a host name and a valid port are required");
        return INVALID_CLIENT;
    }
    /* Port 993 means implicit TLS unless the connection is tunnelled (the port then says
     * nothing about the service). */
    if (port == IMAP_PORT_SECURE && !(options & IMAP_OPTION_TUNNEL))
        options |= IMAP_OPTION_SECURE_IMPLICIT;
    if (options & IMAP_OPTION_SECURE_IMPLICIT)
        options &= ~(uint32_t)IMAP_OPTION_SECURE;
    if (port == 0)
        port = (options & IMAP_OPTION_SECURE_IMPLICIT) ? IMAP_PORT_SECURE : IMAP_PORT_DEFAULT;
    if (timeout == 0)
        timeout = DEFAULT_TIMEOUT_S;
    if (timeout > 86400) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "timeout over a day");
        return INVALID_CLIENT;
    }
    mw_session *s = mw_session_new(options, timeout * 1000u);
    mw_imap_client *c = mw_calloc(1, sizeof *c);
    if (!s || !c || mw_strdup_opt(&c->host, host)) {
        if (c)
            free(c->host);
        free(c);
        mw_session_free(s);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return INVALID_CLIENT;
    }
    c->s = s;
    c->port = port;
    c->idle_interval_ms = IDLE_REISSUE_MS;
    c->poll_interval_ms = POLL_INTERVAL_MS;
    mw_imap_engine_init(&c->e, options, NULL);
    c->e.on_state = trace_state;
    c->e.on_state_user = s;
    mw_session_set_protocol(s, MW_PROTO_IMAP, c, client_destroy);
    mw_session_set_engine(s, &mw_imap_engine_ops, &c->e);
    if (cred && mw_session_set_credentials(s, cred)) {
        unsigned err = mw_get_error();
        char detail[512];
        mw_strlcpy(detail, mw_get_error_detail(), sizeof detail);
        mw_session_free(s);
        mw_set_error_text(err, detail);
        return INVALID_CLIENT;
    }
    HCLIENT h = mw_handle_register(s);
    if (h == INVALID_CLIENT) {
        mw_session_free(s);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return INVALID_CLIENT;
    }
    mw_session_set_async(s, async);
    mw_imap_op_connect(&c->e);
    if (mw_session_connect(s, host, (uint16_t)port)) {
        unsigned err = mw_get_error();
        mw_handle_unregister(h);
        mw_session_free(s);
        mw_set_error(err, NULL);
        return INVALID_CLIENT;
    }
    if (async) {
        mw_set_error(ST_ERROR_IN_PROGRESS, NULL);
        return h;
    }
    unsigned err = mw_client_run(s);
    if (err) {
        char detail[512];
        mw_strlcpy(detail, mw_get_error_detail(), sizeof detail);
        mw_handle_unregister(h);
        mw_session_free(s);
        mw_set_error_text(err, detail);
        return INVALID_CLIENT;
    }
    return h;
}

HCLIENT ImapConnect(const char *lpszHostName, unsigned nRemotePort, unsigned nTimeout,
                    uint32_t dwOptions, const SECURITYCREDENTIALS *lpCredentials)
{
    return connect_common(lpszHostName, nRemotePort, nTimeout, dwOptions, lpCredentials, 0);
}

HCLIENT ImapAsyncConnect(const char *lpszHostName, unsigned nRemotePort, unsigned nTimeout,
                         uint32_t dwOptions, const SECURITYCREDENTIALS *lpCredentials)
{
    return connect_common(lpszHostName, nRemotePort, nTimeout, dwOptions, lpCredentials, 1);
}

/* ---- login ------------------------------------------------------------------------------- */

static int login_command(mw_imap_client *c, const char *user, const char *pass)
{
    mw_imap_engine *e = &c->e;
    if (e->caps & IMAP_CAP_LOGINDISABLED)
        return mw_imap_refuse(ST_ERROR_CLEARTEXT_REFUSED,
                              "the server disabled LOGIN (LOGINDISABLED) on this connection");
    mw_imap_op_begin(e, IMAP_OP_LOGIN);
    uint64_t start = mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "LOGIN ");
    unsigned err = mw_imap_out_string(&e->out, user, strlen(user), IMAP_ARG_ASTRING);
    if (!err) {
        mw_imap_out_put(&e->out, " ", 1);
        mw_imap_out_mark(&e->out, IMAP_MARK_SECRET_ON, 0);
        err = mw_imap_out_string(&e->out, pass, strlen(pass), IMAP_ARG_ASTRING);
    }
    if (err) {
        mw_imap_cmd_abort(e, start);
        return mw_imap_refuse(err, "the user name or password cannot be sent");
    }
    if (mw_imap_cmd_end(e, IMAP_CMD_LOGIN))
        return mw_imap_run(c, 0);
    mw_imap_out_mark(&e->out, IMAP_MARK_SECRET_OFF, 0);
    mw_imap_set_state(e, IMAP_ST_AUTHENTICATING);
    return mw_imap_run(c, 0);
}

int ImapLogin(HCLIENT hClient, unsigned nAuthType, const char *lpszUserName,
              const char *lpszPassword)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    mw_imap_engine *e = &c->e;
    if (e->state == IMAP_ST_AUTHENTICATED || e->state == IMAP_ST_SELECTED ||
        e->state == IMAP_ST_IDLE)
        return mw_imap_refuse(ST_ERROR_ALREADY_AUTHENTICATED,
                              "the session is already authenticated (PREAUTH or an earlier login)");
    if (nAuthType > IMAP_AUTH_AUTO)
        return mw_imap_refuse(ST_ERROR_INVALID_AUTHENTICATION_TYPE, "unknown authentication type");
    const char *user = lpszUserName ? lpszUserName : "";
    const char *pass = lpszPassword ? lpszPassword : "";
    if (nAuthType != IMAP_AUTH_ANONYMOUS && (!*user || !*pass))
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "a user name and a password are required");
    e->loopback = mw_session_peer_is_loopback(c->s);
    int cleartext_ok = e->tls || e->loopback || (e->options & IMAP_OPTION_ALLOW_CLEARTEXT_AUTH);
    int mech = 0;
    const char *why = "";
    unsigned err = mw_imap_auth_choose(e, nAuthType, cleartext_ok, &mech, &why);
    if (err)
        return mw_imap_refuse(err, why);
    if (mech == IMAP_MECH_LOGIN_COMMAND)
        return login_command(c, user, pass);
    mw_imap_op_begin(e, IMAP_OP_LOGIN);
    if (mw_imap_auth_start(e, mech, user, pass, c->host, c->port))
        return IMAP_ERROR;
    mw_imap_set_state(e, IMAP_ST_AUTHENTICATING);
    return mw_imap_run(c, 0);
}

/* ---- disconnect -------------------------------------------------------------------------- */

int ImapDisconnect(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    mw_session *s = c->s;
    mw_imap_engine *e = &c->e;
    if (mw_session_used_elsewhere(s)) {
        /* FREETHREAD: another thread is inside a call on this handle; freeing the session
         * now would pull it from under that thread. End that call instead. */
        mw_session_cancel(s);
        mw_set_error(ST_ERROR_BUSY, "another thread is inside a call on this handle; it was "
                                    "cancelled: disconnect once that call has returned");
        return IMAP_ERROR;
    }
    if (mw_session_phase(s) == MW_PH_OPEN && e->state != IMAP_ST_CLOSED &&
        e->state != IMAP_ST_GREETING && e->state != IMAP_ST_STARTTLS) {
        int can = 1;
        if (mw_session_busy(s)) {
            if (e->op == IMAP_OP_IDLE)
                mw_imap_op_detach_idle(e);
            else
                can = 0;
        }
        if (can) {
            mw_imap_op_begin(e, IMAP_OP_LOGOUT);
            mw_imap_cmd_begin(e);
            mw_imap_out_puts(&e->out, "LOGOUT");
            mw_imap_cmd_end(e, IMAP_CMD_LOGOUT);
            mw_imap_set_state(e, IMAP_ST_LOGOUT);
            /* Best effort, bounded by the timeout; the connection goes either way. A
             * non-blocking session sends it without waiting for the reply. */
            if (mw_session_busy(s) || mw_session_begin(s) == ST_ERROR_NONE) {
                if (mw_session_is_async(s))
                    (void)mw_session_step(s);
                else
                    (void)mw_client_run(s);
            }
        }
    }
    mw_handle_unregister(hClient);
    mw_session_free(s);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

/* ---- getters and shared calls ------------------------------------------------------------ */

int ImapGetResultCode(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c))
        return -1;
    return c->e.result_cond;
}

const char *ImapGetResultString(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c))
        return "";
    return c->e.result_text;
}

const char *ImapGetAlert(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c))
        return "";
    return c->e.alert;
}

int ImapHasCapability(HCLIENT hClient, const char *lpszCapability)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c))
        return 0;
    return mw_imap_has_cap(&c->e, lpszCapability);
}

int ImapGetCapabilities(HCLIENT hClient, char *lpszBuffer, size_t nSize)
{
    mw_imap_client *c;
    if (!lpszBuffer || nSize == 0)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "no buffer");
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    const char *caps = c->e.capstr ? c->e.capstr : "";
    if (strlen(caps) >= nSize)
        return mw_imap_refuse(ST_ERROR_INVALID_ARGUMENT, "the buffer is too small");
    memcpy(lpszBuffer, caps, strlen(caps) + 1);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int ImapCancel(HCLIENT hClient)
{
    if (mw_client_check(hClient, MW_PROTO_IMAP))
        return IMAP_ERROR;
    return MailwireCancel(hClient);
}

uint32_t ImapAttachThread(HCLIENT hClient, uint32_t dwThreadId)
{
    if (mw_client_check(hClient, MW_PROTO_IMAP))
        return 0;
    return MailwireAttachThread(hClient, dwThreadId);
}

int ImapRegisterEvent(HCLIENT hClient, unsigned nEventId, MAILWIRE_EVENTPROC lpfnProc,
                      void *lpUserData)
{
    if (mw_client_check(hClient, MW_PROTO_IMAP))
        return IMAP_ERROR;
    return MailwireRegisterEvent(hClient, nEventId, lpfnProc, lpUserData);
}

int ImapGetSecurityInfo(HCLIENT hClient, SECURITYINFO *lpInfo)
{
    if (mw_client_check(hClient, MW_PROTO_IMAP))
        return IMAP_ERROR;
    return MailwireGetSecurityInfo(hClient, lpInfo);
}

int ImapExecute(HCLIENT hClient)
{
    if (mw_client_check(hClient, MW_PROTO_IMAP))
        return IMAP_ERROR;
    return MailwireExecute(hClient);
}

int ImapGetPollInfo(HCLIENT hClient, MAILWIRE_SOCKET *lpSocket, unsigned *lpEvents, int *lpTimeout)
{
    if (mw_client_check(hClient, MW_PROTO_IMAP))
        return IMAP_ERROR;
    return MailwireGetPollInfo(hClient, lpSocket, lpEvents, lpTimeout);
}

int ImapGetTransferStatus(HCLIENT hClient, uint64_t *lpnDone, uint64_t *lpnTotal)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(hClient, &c))
        return IMAP_ERROR;
    if (lpnDone)
        *lpnDone = c->e.xfer_done;
    if (lpnTotal)
        *lpnTotal = c->e.xfer_total;
    return 0;
}

/* Tests: shorten the IDLE re-issue and NOOP polling intervals (internal). */
MW_INTERNAL void mw_imap_test_set_intervals(HCLIENT h, unsigned idle_ms, unsigned poll_ms);
void mw_imap_test_set_intervals(HCLIENT h, unsigned idle_ms, unsigned poll_ms)
{
    mw_imap_client *c;
    if (mw_imap_enter_local(h, &c))
        return;
    c->idle_interval_ms = idle_ms;
    c->poll_interval_ms = poll_ms;
}
