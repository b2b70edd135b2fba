/* IMAP API: library set-up, connect, login, disconnect and the per-handle getters. */
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../session/error_text.h"
#include "../session/handle.h"
#include "../util/alloc.h"
#include "../util/str.h"

#define IDLE_REISSUE_MS (29u * 60u * 1000u - 30000u) /* RFC 2177: before 29 minutes */
#define POLL_INTERVAL_MS 30000u

int mw_imap_api_refuse(unsigned err, const char *detail)
{
    return mw_client_refuse(err, "%s", detail ? detail : "");
}

unsigned mw_imap_lookup(HCLIENT h, mw_imap_client **c)
{
    mw_session *s;
    void *data;
    unsigned err = mw_client_lookup(h, MW_PROTO_IMAP, &s, &data);
    if (err)
        return err;
    *c = data;
    (*c)->s = s;
    return ST_ERROR_NONE;
}

unsigned mw_imap_enter(HCLIENT h, mw_imap_client **c)
{
    mw_session *s;
    void *data;
    unsigned err = mw_client_enter(h, MW_PROTO_IMAP, &s, &data);
    if (err)
        return err;
    *c = data;
    (*c)->s = s;
    return ST_ERROR_NONE;
}

int mw_imap_start(mw_imap_client *c, unsigned err, unsigned op_timeout_ms)
{
    return mw_client_op(c->s, err, op_timeout_ms);
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

int ImapGetErrorString(unsigned dwError, char *lpszBuffer, int nMaxLength)
{
    return mw_error_text_copy(dwError, lpszBuffer, nMaxLength);
}

const char *ImapGetErrorText(unsigned nError)
{
    return mw_error_string(nError);
}

/* ---- connect ----------------------------------------------------------------------------- */

static void client_destroy(void *data)
{
    mw_imap_client *c = data;
    mw_imap_free(c->e);
    free(c);
}

/* The engine's state changes, by name, in the session trace. */
static void trace_state(void *user, const char *from, const char *to)
{
    mw_session_trace_info(user, "imap %s -> %s", from, to);
}

static void attached(void *data, mw_session *s)
{
    mw_imap_client *c = data;
    c->s = s;
    mw_imap_set_state_hook(c->e, trace_state, s);
}

static HCLIENT connect_common(const char *host, unsigned port, unsigned timeout, uint32_t options,
                              const SECURITYCREDENTIALS *cred, int async)
{
    /* Port 993 means implicit TLS unless the connection is tunnelled (the port then says
     * nothing about the service). */
    if (port == IMAP_PORT_SECURE && !(options & IMAP_OPTION_TUNNEL))
        options |= IMAP_OPTION_SECURE_IMPLICIT;
    if (options & IMAP_OPTION_SECURE_IMPLICIT)
        options &= ~(uint32_t)IMAP_OPTION_SECURE;
    if (port == 0)
        port = (options & IMAP_OPTION_SECURE_IMPLICIT) ? IMAP_PORT_SECURE : IMAP_PORT_DEFAULT;
    mw_imap_client *c = mw_calloc(1, sizeof *c);
    if (!c || !(c->e = mw_imap_new(options, NULL))) {
        free(c);
        mw_client_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
        return INVALID_CLIENT;
    }
    c->idle_interval_ms = IDLE_REISSUE_MS;
    c->poll_interval_ms = POLL_INTERVAL_MS;
    mw_open_args a = {.proto = MW_PROTO_IMAP,
                      .host = host,
                      .port = port,
                      .timeout_s = timeout,
                      .options = options,
                      .cred = cred,
                      .async = async,
                      .ops = &mw_imap_engine_ops,
                      .eng = c->e,
                      .data = c,
                      .destroy = client_destroy,
                      .attached = attached};
    return mw_client_open(&a);
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
    unsigned err =
        mw_imap_op_login(c->e, nAuthType, lpszUserName, lpszPassword, mw_session_host(c->s),
                         mw_session_port(c->s), mw_session_peer_is_loopback(c->s));
    return mw_imap_start(c, err, 0);
}

/* ---- disconnect -------------------------------------------------------------------------- */

int ImapDisconnect(HCLIENT hClient)
{
    /* RFC 9051 section 6.1.3: LOGOUT when the connection can take it (a running IDLE is
     * ended with DONE first); see mw_client_close(). */
    return mw_client_close(hClient, MW_PROTO_IMAP);
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
    return 0; /* a getter: the last error stays as it was (common.h) */
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
