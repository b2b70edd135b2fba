/* SmtpSubmitMessage(): the SMTPMESSAGE becomes a message object (core/mime/compose.h), then
 * connect, authenticate when a user is given, send it (SmtpSendMimeMessage()'s path, so the
 * message streams from its writer and is never held in memory as a whole), quit. */
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../mime/compose.h"
#include "../session/errors.h"
#include "../util/alloc.h"
#include "../util/str.h"
#include "api_priv.h"

/* Keep the error of a failed step across the disconnect that follows it. */
static int fail_and_quit(HCLIENT h)
{
    unsigned err = mw_get_error();
    char detail[512];
    mw_strlcpy(detail, mw_get_error_detail(), sizeof detail);
    if (h != INVALID_CLIENT)
        SmtpDisconnect(h);
    mw_set_error_text(err, detail);
    return SMTP_ERROR;
}

/* The server structure's checks, shared by both submit forms. 0, or SMTP_ERROR (error set). */
static int check_server(const SMTPSERVER *srv)
{
    if (!srv || !srv->lpszHostName || srv->dwReserved != 0) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "a server with a host name is required "
                                                "(dwReserved must be 0)");
        return SMTP_ERROR;
    }
    const char *user = srv->lpszUserName, *pass = srv->lpszPassword;
    if (user && *user && (!pass || !*pass)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "a user name needs a password (or token)");
        return SMTP_ERROR;
    }
    return 0;
}

/* Connect and, with a user name, authenticate. The session, or INVALID_CLIENT (error set). */
static HCLIENT open_submission(const SMTPSERVER *srv, const SECURITYCREDENTIALS *creds,
                               SMTPTRACEPROC trace, void *trace_data)
{
    const char *user = srv->lpszUserName;
    int auth = user && *user;
    /* A user name means AUTH, which needs ESMTP (SocketTools). */
    uint32_t options = srv->dwOptions | (auth ? SMTP_OPTION_EXTENDED : 0);
    HCLIENT h = mw_smtp_connect(srv->lpszHostName, srv->nHostPort, srv->nTimeout, options, NULL,
                                creds, 0, trace, trace_data);
    if (h != INVALID_CLIENT && auth &&
        SmtpAuthenticate(h, SMTP_AUTH_AUTO, user, srv->lpszPassword) != 0) {
        fail_and_quit(h);
        return INVALID_CLIENT;
    }
    return h;
}

int SmtpSubmitMimeMessage(const SMTPSERVER *lpServer, HMESSAGE hMessage,
                          const SECURITYCREDENTIALS *lpCredentials, SMTPTRACEPROC lpfnTrace,
                          void *lpTraceData)
{
    if (check_server(lpServer))
        return SMTP_ERROR;
    if (!hMessage) {
        mw_set_error(ST_ERROR_INVALID_HANDLE, "not a message handle");
        return SMTP_ERROR;
    }
    HCLIENT h = open_submission(lpServer, lpCredentials, lpfnTrace, lpTraceData);
    if (h == INVALID_CLIENT)
        return SMTP_ERROR;
    if (SmtpSendMimeMessage(h, hMessage, NULL, NULL, 0) != 0)
        return fail_and_quit(h);
    SmtpDisconnect(h);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int SmtpSubmitMessageEx(const SMTPSERVER *lpServer, const SMTPMESSAGE *lpMessage,
                        const SECURITYCREDENTIALS *lpCredentials, SMTPTRACEPROC lpfnTrace,
                        void *lpTraceData)
{
    if (check_server(lpServer))
        return SMTP_ERROR;
    if (!lpMessage) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "a message is required");
        return SMTP_ERROR;
    }
    const char *user = lpServer->lpszUserName, *pass = lpServer->lpszPassword;
    int auth = user && *user;
    char detail[256] = "";
    mw_mime *m = NULL;
    unsigned err = mw_mime_new(&m, lpMessage, NULL, detail, sizeof detail);
    if (err) {
        mw_set_error_text(err, detail);
        return SMTP_ERROR;
    }
    size_t n = mw_mime_recipient_count(m);
    const char **rcpts = mw_calloc(n ? n : 1, sizeof *rcpts);
    if (!rcpts) {
        mw_mime_free(m);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return SMTP_ERROR;
    }
    for (size_t i = 0; i < n; i++)
        rcpts[i] = mw_mime_recipient(m, i);
    /* A user name means AUTH, which needs ESMTP (SocketTools). */
    uint32_t options = lpServer->dwOptions | (auth ? SMTP_OPTION_EXTENDED : 0);
    HCLIENT h = mw_smtp_connect(lpServer->lpszHostName, lpServer->nHostPort, lpServer->nTimeout,
                                options, NULL, lpCredentials, 0, lpfnTrace, lpTraceData);
    int r = h == INVALID_CLIENT || (auth && SmtpAuthenticate(h, SMTP_AUTH_AUTO, user, pass) != 0)
                ? SMTP_ERROR
                : mw_smtp_send_msg(h, mw_mime_msg(m), mw_mime_envelope_from(m), rcpts, n, 0,
                                   mw_mime_needs_smtputf8(m));
    free(rcpts);
    mw_mime_free(m);
    if (r != 0)
        return fail_and_quit(h);
    SmtpDisconnect(h);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int SmtpSubmitMessage(const SMTPSERVER *lpServer, const SMTPMESSAGE *lpMessage)
{
    return SmtpSubmitMessageEx(lpServer, lpMessage, NULL, NULL, NULL);
}
