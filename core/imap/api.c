/* IMAP API: library set-up, connect, login, disconnect and the per-handle getters. */
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../session/handle.h"
#include "../util/alloc.h"
#include "../util/str.h"

#define DEFAULT_TIMEOUT_S 20
#define IDLE_REISSUE_MS (29u * 60u * 1000u - 30000u) /* RFC 2177: before 29 minutes */
#define POLL_INTERVAL_MS 30000u

int mw_imap_api_refuse(unsigned err, const char *detail)
{
    mw_set_error_text(err, detail);
    return IMAP_ERROR;
}

unsigned mw_imap_lookup(HCLIENT h, mw_imap_client **c)
{
    mw_session *s;
    void *data;
    unsigned err = mw_client_lookup(h, MW_PROTO_IMAP, &s, &data);
    if (err)
        return err;
    *c = data;
    /* The session drops a connection on a fatal error without telling the engine (yet). */
    if (mw_session_phase(s) == MW_PH_CLOSED)
        mw_imap_engine_ops.closed((*c)->e);
    return ST_ERROR_NONE;
}

/* The session runs an operation the engine no longer does: its end is being flushed or its
 * events raised. Only a running IDLE may be taken over by the next operation. */
static int ending(const mw_imap_client *c)
{
    return mw_session_busy(c->s) && !mw_imap_running(c->e);
}

unsigned mw_imap_enter(HCLIENT h, mw_imap_client **c)
{
    unsigned err = mw_imap_lookup(h, c);
    if (!err && ending(*c)) {
        mw_set_error(ST_ERROR_BUSY, "the previous operation is still ending");
        return ST_ERROR_BUSY;
    }
    return err;
}

int mw_imap_start(mw_imap_client *c, unsigned err, unsigned op_timeout_ms)
{
    if (err)
        return mw_imap_api_refuse(err, mw_imap_why(c->e));
    if (mw_session_busy(c->s)) {
        /* A running IDLE goes on as this operation (the op sent DONE first). */
        mw_session_set_op_timeout(c->s, op_timeout_ms);
    } else {
        if (mw_session_begin(c->s)) {
            /* Cannot happen while the engine accepts ops (it knows the connection state);
             * should it, the queued op must not linger. */
            mw_imap_engine_ops.closed(c->e);
            return IMAP_ERROR;
        }
        if (op_timeout_ms)
            mw_session_set_op_timeout(c->s, op_timeout_ms);
    }
    int rc = mw_client_wait(c->s);
    /* A blocking call that lost the connection returns with the operation's resources
     * released (a file closed). Not when an event callback freed the handle meanwhile
     * (ST_ERROR_INVALID_HANDLE): c is gone then. */
    if (rc == IMAP_ERROR && mw_get_error() != ST_ERROR_INVALID_HANDLE &&
        mw_session_phase(c->s) == MW_PH_CLOSED)
        mw_imap_engine_ops.closed(c->e);
    return rc;
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
    mw_imap_free(c->e);
    free(c->host);
    free(c);
}

/* The engine's state changes, by name, in the session trace. */
static void trace_state(void *user, const char *from, const char *to)
{
    mw_session_trace_info(user, "imap %s -> %s", from, to);
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
    if (!s || !c || mw_strdup_opt(&c->host, host) || !(c->e = mw_imap_new(options, NULL))) {
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
    mw_imap_set_state_hook(c->e, trace_state, s);
    mw_session_set_protocol(s, MW_PROTO_IMAP, c, client_destroy);
    mw_session_set_engine(s, &mw_imap_engine_ops, c->e);
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
    (void)mw_imap_engine_ops.connect(c->e); /* a new engine always accepts it */
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
    unsigned err = mw_session_run(s);
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

int ImapLogin(HCLIENT hClient, unsigned nAuthType, const char *lpszUserName,
              const char *lpszPassword)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    unsigned err = mw_imap_op_login(c->e, nAuthType, lpszUserName, lpszPassword, c->host, c->port,
                                    mw_session_peer_is_loopback(c->s));
    return mw_imap_start(c, err, 0);
}

/* ---- disconnect -------------------------------------------------------------------------- */

int ImapDisconnect(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return IMAP_ERROR;
    mw_session *s = c->s;
    if (mw_session_used_elsewhere(s)) {
        /* FREETHREAD: another thread is inside a call on this handle; freeing the session
         * now would pull it from under that thread. End that call instead. */
        mw_session_cancel(s);
        mw_set_error(ST_ERROR_BUSY, "another thread is inside a call on this handle; it was "
                                    "cancelled: disconnect once that call has returned");
        return IMAP_ERROR;
    }
    /* RFC 9051 section 6.1.3: LOGOUT when the connection can take it now (a running IDLE
     * is ended with DONE first). Best effort: the connection goes either way; a blocking
     * session waits for the reply (bounded by the timeout), a non-blocking one sends it
     * without waiting. */
    if (mw_session_phase(s) == MW_PH_OPEN && !ending(c) &&
        mw_imap_engine_ops.close(c->e) == ST_ERROR_NONE &&
        (mw_session_busy(s) || mw_session_begin(s) == ST_ERROR_NONE)) {
        if (mw_session_is_async(s))
            (void)mw_session_step(s);
        else
            (void)mw_session_run(s);
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
    if (mw_imap_lookup(hClient, &c))
        return -1;
    return mw_imap_result_code(c->e);
}

const char *ImapGetResultString(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return "";
    return mw_imap_result_text(c->e);
}

const char *ImapGetAlert(HCLIENT hClient)
{
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return "";
    return mw_imap_alert(c->e);
}

int ImapHasCapability(HCLIENT hClient, const char *lpszCapability)
{
    mw_imap_client *c;
    if (mw_imap_lookup(hClient, &c))
        return 0;
    return mw_imap_has_cap(c->e, lpszCapability);
}

int ImapGetCapabilities(HCLIENT hClient, char *lpszBuffer, size_t nSize)
{
    mw_imap_client *c;
    if (!lpszBuffer || nSize == 0)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "no buffer");
    if (mw_imap_lookup(hClient, &c))
        return IMAP_ERROR;
    const char *caps = mw_imap_capabilities(c->e);
    size_t n = strlen(caps);
    if (n >= nSize)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "the buffer is too small");
    memcpy(lpszBuffer, caps, n + 1);
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
    if (mw_imap_lookup(hClient, &c))
        return IMAP_ERROR;
    mw_imap_transfer(c->e, lpnDone, lpnTotal);
    return 0;
}
