/* SmtpSubmitMessage(): compose with the streaming MIME composer, connect, authenticate when a
 * user is given, send, quit. The composed message is never held in memory as a whole: the
 * engine pulls it through mw_mime_read() as the connection takes it. */
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../mime/compose.h"
#include "../session/errors.h"
#include "../util/alloc.h"
#include "../util/str.h"
#include "api_priv.h"
#include "engine.h"

/* Read size from the composer: one refill of the engine's output buffer. */
#define MIME_CHUNK (256u * 1024u)

typedef struct mime_src {
    mw_mime *m;
    char buf[MIME_CHUNK];
} mime_src;

static long mime_next(void *ctx, const char **p)
{
    mime_src *ms = ctx;
    *p = ms->buf;
    return mw_mime_read(ms->m, ms->buf, sizeof ms->buf);
}

static const char *mime_detail(void *ctx)
{
    return mw_mime_detail(((mime_src *)ctx)->m);
}

static void mime_close(void *ctx)
{
    mime_src *ms = ctx;
    mw_mime_free(ms->m);
    free(ms);
}

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

int SmtpSubmitMessageEx(const SMTPSERVER *lpServer, const SMTPMESSAGE *lpMessage,
                        const SECURITYCREDENTIALS *lpCredentials, SMTPTRACEPROC lpfnTrace,
                        void *lpTraceData)
{
    if (!lpServer || !lpMessage || !lpServer->lpszHostName || lpServer->dwReserved != 0) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "a server with a host name is required "
                                                "(dwReserved must be 0)");
        return SMTP_ERROR;
    }
    const char *user = lpServer->lpszUserName, *pass = lpServer->lpszPassword;
    int auth = user && *user;
    if (auth && (!pass || !*pass)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "a user name needs a password (or token)");
        return SMTP_ERROR;
    }
    char detail[256] = "";
    mw_mime *m = NULL;
    unsigned err = mw_mime_new(&m, lpMessage, NULL, detail, sizeof detail);
    if (err) {
        mw_set_error_text(err, detail);
        return SMTP_ERROR;
    }
    mime_src *ms = mw_malloc(sizeof *ms);
    if (!ms) {
        mw_mime_free(m);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return SMTP_ERROR;
    }
    ms->m = m;
    mw_smtp_source src = {.next = mime_next,
                          .detail = mime_detail,
                          .close = mime_close,
                          .ctx = ms,
                          .total = mw_mime_size(m)};

    /* A user name means AUTH, which needs ESMTP (SocketTools). */
    uint32_t options = lpServer->dwOptions | (auth ? SMTP_OPTION_EXTENDED : 0);
    HCLIENT h = mw_smtp_connect(lpServer->lpszHostName, lpServer->nHostPort, lpServer->nTimeout,
                                options, NULL, lpCredentials, 0, lpfnTrace, lpTraceData);
    if (h == INVALID_CLIENT) {
        mime_close(ms);
        return fail_and_quit(h);
    }
    if (auth && SmtpAuthenticate(h, SMTP_AUTH_AUTO, user, pass) != 0) {
        mime_close(ms);
        return fail_and_quit(h);
    }
    size_t n = mw_mime_recipient_count(m);
    const char **rcpts = mw_calloc(n ? n : 1, sizeof *rcpts);
    if (!rcpts) {
        mime_close(ms);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return fail_and_quit(h);
    }
    for (size_t i = 0; i < n; i++)
        rcpts[i] = mw_mime_recipient(m, i);
    int need_8bit = mw_mime_needs_8bit(m), need_utf8 = mw_mime_needs_smtputf8(m);
    /* The source (and with it m, which the addresses point into) is closed by the engine at
     * the end of the transfer; the envelope is copied before that. */
    int r = mw_smtp_send_source(h, mw_mime_envelope_from(m), rcpts, n, &src, need_8bit, need_utf8);
    free(rcpts);
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
