/* The public SMTP API (include/mailwire/smtp.h): argument checks, then every call goes the
 * one client path (session/client.h): look up the handle, call the engine's op, run it. The
 * engine queues the commands; blocking and non-blocking calls share everything else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/mime.h>
#include <mailwire/smtp.h>

#include "../mime/address.h"
#include "../mime/envelope.h"
#include "../mime/msg.h"
#include "../platform/resolve.h"
#include "../sasl/sasl.h"
#include "../session/client.h"
#include "../session/errors.h"
#include "../util/alloc.h"
#include "../util/str.h"
#include "api_priv.h"
#include "engine.h"
#include "source.h"

/* Per-handle protocol state (owned by the session). */
typedef struct smtp_client {
    mw_smtp *eng;
} smtp_client;

static void client_destroy(void *p)
{
    smtp_client *c = p;
    if (!c)
        return;
    mw_smtp_free(c->eng);
    free(c);
}

static unsigned lookup(HCLIENT h, mw_session **s, smtp_client **c)
{
    void *data = NULL;
    unsigned err = mw_client_lookup(h, MW_PROTO_SMTP, s, &data);
    *c = data;
    return err;
}

/* lookup() for a call that starts an operation (mw_client_enter()). */
static unsigned enter(HCLIENT h, mw_session **s, smtp_client **c)
{
    void *data = NULL;
    unsigned err = mw_client_enter(h, MW_PROTO_SMTP, s, &data);
    *c = data;
    return err;
}

/* Start the operation the engine op call just queued (err: its result). */
static int start(mw_session *s, unsigned err)
{
    return mw_client_op(s, err, 0);
}

/* No CR, LF or NUL (security checklist item 31), and for protocol words no controls. */
static int bad_text(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
            return 1;
    return 0;
}

/* ---- initialisation and errors ---------------------------------------------------------- */

int SmtpInitialize(void)
{
    return MailwireInitialize();
}

void SmtpUninitialize(void)
{
    MailwireUninitialize();
}

unsigned SmtpGetLastError(void)
{
    return MailwireGetLastError();
}

/* ---- connect / disconnect --------------------------------------------------------------- */

HCLIENT mw_smtp_connect(const char *host, unsigned port, unsigned timeout, uint32_t options,
                        const char *local, const SECURITYCREDENTIALS *cred, int async,
                        SMTPTRACEPROC trace, void *trace_user)
{
    char name[256];
    if (local && *local) {
        if (bad_text(local) || strchr(local, ' ') || strlen(local) > 255) {
            mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                             "the local name must be a domain or address literal without spaces "
                             "or control characters");
            return INVALID_CLIENT;
        }
        mw_strlcpy(name, local, sizeof name);
    } else {
        /* RFC 5321 section 4.1.4: the FQDN; its lookup may block, so not when non-blocking. */
        mw_resolve_local_name(name, sizeof name, !async);
    }
    if (!(options & SMTP_OPTION_TUNNEL)) {
        /* Port-aware defaults (SocketTools): 465 is implicit TLS (RFC 8314), 587 is
         * submission, where AUTH needs ESMTP. */
        if (port == 465)
            options |= SMTP_OPTION_SECURE_IMPLICIT;
        if (port == 587)
            options |= SMTP_OPTION_EXTENDED;
    }
    if (port == 0)
        port = (options & SMTP_OPTION_SECURE_IMPLICIT) ? 465 : 25;
    smtp_client *c = mw_calloc(1, sizeof *c);
    mw_smtp *e = mw_smtp_new(options, name);
    if (!c || !e) {
        free(c);
        mw_smtp_free(e);
        mw_client_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
        return INVALID_CLIENT;
    }
    c->eng = e;
    mw_smtp_set_acks_at_once(e, mw_sock_can_ack_now()); /* the session does (ack_now) */
    mw_open_args a = {.proto = MW_PROTO_SMTP,
                      .host = host,
                      .port = port,
                      .timeout_s = timeout,
                      .options = options,
                      .cred = cred,
                      .async = async,
                      .trace = trace,
                      .trace_user = trace_user,
                      .ops = &mw_smtp_engine_ops,
                      .eng = e,
                      .data = c,
                      .destroy = client_destroy};
    return mw_client_open(&a);
}

HCLIENT SmtpConnect(const char *lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                    uint32_t dwOptions, const char *lpszLocalName,
                    const SECURITYCREDENTIALS *lpCredentials)
{
    return mw_smtp_connect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, lpszLocalName,
                           lpCredentials, 0, NULL, NULL);
}

HCLIENT SmtpAsyncConnect(const char *lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                         uint32_t dwOptions, const char *lpszLocalName,
                         const SECURITYCREDENTIALS *lpCredentials)
{
    return mw_smtp_connect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, lpszLocalName,
                           lpCredentials, 1, NULL, NULL);
}

int SmtpDisconnect(HCLIENT hClient)
{
    return mw_client_close(hClient, MW_PROTO_SMTP);
}

int SmtpSetTrace(HCLIENT hClient, SMTPTRACEPROC lpfnTrace, void *lpUserData)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    return MailwireSetTrace(hClient, lpfnTrace, lpUserData);
}

/* ---- AUTH ------------------------------------------------------------------------------- */

static int mech_of(unsigned type)
{
    switch (type) {
    case SMTP_AUTH_LOGIN:
        return MW_SASL_LOGIN;
    case SMTP_AUTH_PLAIN:
        return MW_SASL_PLAIN;
    case SMTP_AUTH_XOAUTH2:
        return MW_SASL_XOAUTH2;
    case SMTP_AUTH_BEARER:
        return MW_SASL_OAUTHBEARER;
    case SMTP_AUTH_CRAMMD5:
        return MW_SASL_CRAM_MD5;
    case SMTP_AUTH_SCRAMSHA1:
        return MW_SASL_SCRAM_SHA1;
    case SMTP_AUTH_SCRAMSHA256:
        return MW_SASL_SCRAM_SHA256;
    case SMTP_AUTH_AUTO:
        return MW_SASL_NONE;
    default:
        return -1;
    }
}

int SmtpAuthenticate(HCLIENT hClient, unsigned nAuthType, const char *lpszUserName,
                     const char *lpszPassword)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    int mech = mech_of(nAuthType);
    if (mech < 0)
        return mw_client_refuse(ST_ERROR_INVALID_AUTHENTICATION_TYPE, "unknown type %u", nAuthType);
    if (!lpszUserName || !*lpszUserName || !lpszPassword || !*lpszPassword)
        /* Treck: a user name with an empty password is an invalid argument. */
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "a user name and a password are required");
    int cleartext_ok = (mw_session_options(s) & SMTP_OPTION_ALLOW_CLEARTEXT_AUTH) ||
                       mw_session_peer_is_loopback(s);
    return start(s, mw_smtp_op_auth(c->eng, mech, lpszUserName, lpszPassword, mw_session_host(s),
                                    mw_session_port(s), cleartext_ok));
}

/* ---- addresses -------------------------------------------------------------------------- */

/* The addr-spec of one address ("what" names it in the error); NULL with the thread error
 * set on failure. */
static char *one_address(const char *in, int allow_null, const char *what)
{
    char d[200], *out = NULL;
    unsigned err = mw_addr_parse_one(in, allow_null, &out, d, sizeof d);
    if (err)
        mw_client_refuse(err, "%s: %s", what, d);
    return out;
}

/* ---- sending ---------------------------------------------------------------------------- */

int mw_smtp_send_source(HCLIENT h, const char *from, const char *const *rcpts, size_t nrcpt,
                        mw_smtp_source *src, int need_8bit, int need_smtputf8)
{
    mw_session *s;
    smtp_client *c;
    if (enter(h, &s, &c)) {
        if (src->close)
            src->close(src->ctx);
        return SMTP_ERROR;
    }
    mw_smtp_envelope env = {from, rcpts, nrcpt, src->total, need_8bit, need_smtputf8};
    return start(s, mw_smtp_op_send(c->eng, &env, src));
}

int SmtpSendMessage(HCLIENT hClient, const char *lpszFrom, const char *lpszRecipients,
                    const void *lpvMessage, size_t cbMessage, uint32_t dwOptions)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    if (!lpvMessage || !lpszRecipients || dwOptions > SMTP_MESSAGE_FILE)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT, "message and recipients are required");
    char d[200], *from = one_address(lpszFrom, 1, "sender");
    if (!from)
        return SMTP_ERROR;
    mw_addr_vec to;
    unsigned err = mw_addr_vec_parse(lpszRecipients, &to, d, sizeof d);
    if (err) {
        free(from);
        mw_addr_vec_free(&to);
        return mw_client_refuse(err, "recipients: %s", d);
    }
    int is_file = dwOptions == SMTP_MESSAGE_FILE;
    size_t n = is_file ? 0 : cbMessage ? cbMessage : strlen(lpvMessage);
    mw_smtp_source src;
    char why[400];
    err = mw_smtp_message_source(&src, lpvMessage, n, is_file, why, sizeof why);
    int r = err ? mw_client_refuse(err, "%s", why)
                : mw_smtp_send_source(hClient, from, (const char *const *)to.v, to.n, &src, 0, 0);
    free(from);
    mw_addr_vec_free(&to);
    return r;
}

/* ---- several messages ------------------------------------------------------------------ */

/* mw_smtp_batch_done: message i has its result; e's getters describe it (when sent). */
static void batch_done(void *ctx, size_t i, unsigned err, const char *detail, int sent,
                       const mw_smtp *e)
{
    SMTPBATCHMESSAGE *m = (SMTPBATCHMESSAGE *)ctx + i;
    size_t n = sent ? mw_smtp_rcpt_count(e) : 0, ok = 0;
    for (size_t k = 0; k < n; k++)
        if (mw_smtp_rcpt_at(e, k)->code / 100 == 2)
            ok++;
    m->dwError = err;
    m->nResultCode = sent ? mw_smtp_last_code(e) : 0;
    mw_strlcpy(m->szEnhancedCode, sent ? mw_smtp_last_enh(e) : "", sizeof m->szEnhancedCode);
    m->nRecipients = (unsigned)n;
    m->nAccepted = (unsigned)ok;
    mw_strlcpy(m->szResultString, err ? detail : mw_smtp_last_text(e), sizeof m->szResultString);
}

/* One element's envelope and source into *out; the error (thread error set) or 0. */
static unsigned batch_msg(const SMTPBATCHMESSAGE *m, unsigned i, mw_smtp_batch_msg *out)
{
    char d[400];
    if (m->dwSize < sizeof *m || !m->lpvMessage || !m->lpszRecipients ||
        m->dwOptions > SMTP_MESSAGE_FILE) {
        mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                         "message %u: dwSize, the message, the recipients and the options "
                         "are required",
                         i + 1);
        return ST_ERROR_INVALID_ARGUMENT;
    }
    unsigned err = mw_addr_parse_one(m->lpszFrom, 1, &out->from, d, sizeof d);
    if (err) {
        mw_client_refuse(err, "message %u: sender: %s", i + 1, d);
        return err;
    }
    mw_addr_vec to;
    err = mw_addr_vec_parse(m->lpszRecipients, &to, d, sizeof d);
    if (err) {
        mw_addr_vec_free(&to);
        mw_client_refuse(err, "message %u: recipients: %s", i + 1, d);
        return err;
    }
    out->rcpts = to.v; /* the engine frees them as mw_addr_vec_free() would */
    out->nrcpt = to.n;
    int is_file = m->dwOptions == SMTP_MESSAGE_FILE;
    size_t n = is_file ? 0 : m->cbMessage ? m->cbMessage : strlen(m->lpvMessage);
    err = mw_smtp_message_source(&out->src, m->lpvMessage, n, is_file, d, sizeof d);
    if (err) {
        memset(&out->src, 0, sizeof out->src);
        mw_client_refuse(err, "message %u: %s", i + 1, d);
    }
    return err;
}

int SmtpSendMessages(HCLIENT hClient, LPSMTPBATCHMESSAGE lpMessages, unsigned nMessages,
                     uint32_t dwReserved)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    if (!lpMessages || nMessages == 0 || dwReserved != 0)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "at least one message is required and dwReserved must be 0");
    mw_smtp_batch_msg *msgs = mw_calloc(nMessages, sizeof *msgs);
    if (!msgs)
        return mw_client_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
    for (unsigned i = 0; i < nMessages; i++) {
        if (batch_msg(&lpMessages[i], i, &msgs[i])) {
            mw_smtp_batch_msgs_free(msgs, i + 1);
            return SMTP_ERROR;
        }
    }
    for (unsigned i = 0; i < nMessages; i++) {
        SMTPBATCHMESSAGE *m = &lpMessages[i];
        m->dwError = ST_ERROR_IN_PROGRESS;
        m->nResultCode = 0;
        m->szEnhancedCode[0] = 0;
        m->nRecipients = m->nAccepted = 0;
        m->szResultString[0] = 0;
    }
    /* The engine owns msgs from here on, also when it refuses. */
    return start(s, mw_smtp_op_send_batch(c->eng, msgs, nMessages, batch_done, lpMessages));
}

int mw_smtp_send_msg(HCLIENT h, struct mw_msg *m, const char *from, const char *const *rcpts,
                     size_t nrcpt, uint32_t options, int utf8)
{
    mw_smtp_source src;
    int need_8bit = 0, need_utf8 = 0;
    char why[400];
    unsigned err =
        mw_smtp_source_message(&src, m, options, &need_8bit, &need_utf8, why, sizeof why);
    if (err)
        return mw_client_refuse(err, "%s", why);
    return mw_smtp_send_source(h, from, rcpts, nrcpt, &src, need_8bit || utf8, need_utf8 || utf8);
}

int SmtpSendMimeMessage(HCLIENT hClient, HMESSAGE hMessage, const char *lpszFrom,
                        const char *lpszRecipients, uint32_t dwOptions)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    mw_msg *m = (mw_msg *)hMessage;
    if (!m || m->magic != MW_MSG_MAGIC)
        return mw_client_refuse(ST_ERROR_INVALID_HANDLE, "not a message handle");
    if (dwOptions & ~(uint32_t)(MIME_EXPORT_8BIT | MIME_EXPORT_UTF8))
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "dwOptions: MIME_EXPORT_8BIT and MIME_EXPORT_UTF8 only");
    if (m->parser)
        return mw_client_refuse(ST_ERROR_BUSY, "an import into the message is in progress");
    char why[300], *from = NULL;
    int utf8 = 0;
    mw_addr_vec to = {NULL, 0, 0};
    unsigned err = 0;
    if (lpszFrom) {
        if (!(from = one_address(lpszFrom, 1, "sender")))
            return SMTP_ERROR;
        utf8 = mw_addr_is_utf8(from, strlen(from));
    }
    if (lpszRecipients) {
        err = mw_addr_vec_parse(lpszRecipients, &to, why, sizeof why);
        for (size_t i = 0; !err && i < to.n; i++)
            utf8 |= mw_addr_is_utf8(to.v[i], strlen(to.v[i]));
    }
    if (!err && (!from || !lpszRecipients)) {
        char *f = NULL;
        err = mw_msg_envelope(m, &f, lpszRecipients ? NULL : &to, &utf8, why, sizeof why);
        if (!from)
            from = f;
        else
            free(f);
    }
    int r =
        err ? mw_client_refuse(err, "%s", why)
            : mw_smtp_send_msg(hClient, m, from, (const char *const *)to.v, to.n, dwOptions, utf8);
    free(from);
    mw_addr_vec_free(&to);
    return r;
}

int SmtpCreateMessage(HCLIENT hClient, const char *lpszFrom, uint64_t dwMessageSize,
                      uint32_t dwOptions)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    char *from = one_address(lpszFrom, 1, "sender");
    if (!from)
        return SMTP_ERROR;
    mw_smtp_envelope env = {from,
                            NULL,
                            0,
                            dwMessageSize,
                            (dwOptions & SMTP_CONTENT_8BIT) != 0,
                            (dwOptions & SMTP_CONTENT_SMTPUTF8) != 0};
    unsigned err = mw_smtp_op_mail(c->eng, &env);
    free(from);
    return start(s, err);
}

int SmtpAddRecipient(HCLIENT hClient, const char *lpszAddress)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    char *to = one_address(lpszAddress, 0, "recipient");
    if (!to)
        return SMTP_ERROR;
    unsigned err = mw_smtp_op_rcpt(c->eng, to);
    free(to);
    return start(s, err);
}

int SmtpWrite(HCLIENT hClient, const void *lpBuffer, size_t cbBuffer)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    if (!lpBuffer && cbBuffer)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT, "lpBuffer is NULL");
    /* The engine scans the piece before any of it goes out, so a refusal (a NUL, a line over
     * 998 octets: security checklist item 39) leaves the message as it was and the caller
     * may go on with a line break. No copy: a non-blocking caller keeps the buffer until the
     * operation has ended, as for every call. */
    return start(s, mw_smtp_op_write(c->eng, lpBuffer, cbBuffer, 0));
}

int SmtpCloseMessage(HCLIENT hClient)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    return start(s, mw_smtp_op_write(c->eng, NULL, 0, 1));
}

/* ---- capabilities, options, simple commands --------------------------------------------- */

int SmtpGetExtendedOptions(HCLIENT hClient, uint32_t *lpdwOptions)
{
    return SmtpGetExtendedOptionsEx(hClient, lpdwOptions, NULL, NULL);
}

int SmtpGetExtendedOptionsEx(HCLIENT hClient, uint32_t *lpdwOptions, uint64_t *lpqwSizeLimit,
                             const char **lppszLines)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    const mw_smtp_caps *caps = mw_smtp_caps_of(c->eng);
    int ext = mw_smtp_is_extended(c->eng);
    if (lpdwOptions)
        *lpdwOptions = ext ? caps->flags : 0;
    if (lpqwSizeLimit)
        *lpqwSizeLimit = ext ? caps->size_limit : 0;
    if (lppszLines)
        *lppszLines = ext && caps->lines ? caps->lines : "";
    return 0;
}

int SmtpSetDeliveryOptions(HCLIENT hClient, uint32_t dwOptions, const char *lpszEnvelopeId)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    if (dwOptions & ~0x7fu)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT, "unknown delivery option bits");
    unsigned err = mw_smtp_set_dsn(c->eng, dwOptions, lpszEnvelopeId);
    if (err)
        return mw_client_refuse(err, "%s", mw_smtp_engine_ops.why(c->eng));
    return mw_client_ok();
}

static int simple(HCLIENT h, int kind, const char *arg, char *out, size_t out_size)
{
    mw_session *s;
    smtp_client *c;
    if (enter(h, &s, &c))
        return SMTP_ERROR;
    if (arg && (bad_text(arg) || !*arg))
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "empty argument or control characters in it");
    unsigned err = mw_smtp_op_command(c->eng, kind, arg);
    if (!err && out && out_size)
        mw_smtp_set_reply_out(c->eng, out, out_size);
    return start(s, err);
}

int SmtpReset(HCLIENT hClient)
{
    return simple(hClient, MW_SMTP_CMD_RSET, NULL, NULL, 0);
}

int SmtpVerifyAddress(HCLIENT hClient, const char *lpszAddress)
{
    if (!lpszAddress)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT, "lpszAddress is NULL");
    return simple(hClient, MW_SMTP_CMD_VRFY, lpszAddress, NULL, 0);
}

int SmtpExpandAddress(HCLIENT hClient, const char *lpszAddress, char *lpszBuffer, size_t cbBuffer)
{
    if (!lpszAddress)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT, "lpszAddress is NULL");
    return simple(hClient, MW_SMTP_CMD_EXPN, lpszAddress, lpszBuffer, cbBuffer);
}

/* Verbs whose replies change the protocol state beyond one reply: only the dedicated calls
 * may send them, or the engine would lose track (a raw STARTTLS would also open the door to
 * the response injection the dedicated path checks for). */
static int forbidden_verb(const char *cmd)
{
    static const char *const verbs[] = {"DATA", "BDAT", "STARTTLS", "AUTH"};
    size_t n = strcspn(cmd, " ");
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (n == strlen(verbs[i]) && mw_strncasecmp(cmd, verbs[i], n) == 0)
            return 1;
    return 0;
}

int SmtpCommand(HCLIENT hClient, const char *lpszCommand)
{
    mw_session *s;
    smtp_client *c;
    if (enter(hClient, &s, &c))
        return SMTP_ERROR;
    if (!lpszCommand || !*lpszCommand || bad_text(lpszCommand))
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "the command is empty or holds CR, LF, NUL or another control "
                                "character");
    if (forbidden_verb(lpszCommand))
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "DATA, BDAT, STARTTLS and AUTH have dedicated calls");
    int r = start(s, mw_smtp_op_command(c->eng, MW_SMTP_CMD_RAW, lpszCommand));
    return r == 0 ? mw_smtp_last_code(c->eng) : r;
}

/* ---- results ---------------------------------------------------------------------------- */

int SmtpGetResultCode(HCLIENT hClient)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    return mw_smtp_last_code(c->eng);
}

int SmtpGetResultString(HCLIENT hClient, char *lpszResult, size_t cbResult)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    const char *t = mw_smtp_last_text(c->eng);
    if (lpszResult && cbResult)
        mw_strlcpy(lpszResult, t, cbResult);
    size_t n = strlen(t);
    return n > 0x7fffffff ? 0x7fffffff : (int)n;
}

int SmtpGetTransferStatus(HCLIENT hClient, LPSMTPTRANSFERSTATUS lpStatus)
{
    mw_session *s;
    smtp_client *c;
    if (!lpStatus || lpStatus->dwSize < sizeof *lpStatus)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "dwSize must be sizeof(SMTPTRANSFERSTATUS)");
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    mw_smtp_transfer(c->eng, &lpStatus->qwBytesCopied, &lpStatus->qwBytesTotal);
    return 0;
}

int SmtpGetRecipientCount(HCLIENT hClient)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    return (int)mw_smtp_rcpt_count(c->eng);
}

int SmtpGetRecipientResult(HCLIENT hClient, unsigned nIndex, LPSMTPRECIPIENT lpRecipient)
{
    mw_session *s;
    smtp_client *c;
    if (!lpRecipient || lpRecipient->dwSize < sizeof *lpRecipient)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT, "dwSize must be sizeof(SMTPRECIPIENT)");
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    const mw_smtp_rcpt *r = mw_smtp_rcpt_at(c->eng, nIndex);
    if (!r)
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT, "no recipient %u", nIndex);
    lpRecipient->nResultCode = r->code;
    memcpy(lpRecipient->szEnhancedCode, r->enh, sizeof lpRecipient->szEnhancedCode);
    lpRecipient->lpszAddress = r->addr;
    lpRecipient->lpszResultString = r->text ? r->text : "";
    return 0;
}

/* ---- shared functions under SMTP names -------------------------------------------------- */

int SmtpRegisterEvent(HCLIENT hClient, unsigned nEventId, MAILWIRE_EVENTPROC lpfnProc,
                      void *lpUserData)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    return MailwireRegisterEvent(hClient, nEventId, lpfnProc, lpUserData);
}

int SmtpCancel(HCLIENT hClient)
{
    if (mw_client_check(hClient, MW_PROTO_SMTP))
        return SMTP_ERROR;
    return MailwireCancel(hClient);
}

uint32_t SmtpAttachThread(HCLIENT hClient, uint32_t dwThreadId)
{
    if (mw_client_check(hClient, MW_PROTO_SMTP))
        return 0;
    return MailwireAttachThread(hClient, dwThreadId);
}

int SmtpCreateSecurityCredentials(uint32_t dwOptions, const char *lpszCertificateFile,
                                  const char *lpszPrivateKeyFile, const char *lpszPassword,
                                  const char *lpszCAFile, LPSECURITYCREDENTIALS *lppCredentials)
{
    return MailwireCreateSecurityCredentials(dwOptions, lpszCertificateFile, lpszPrivateKeyFile,
                                             lpszPassword, lpszCAFile, lppCredentials);
}

void SmtpDeleteSecurityCredentials(LPSECURITYCREDENTIALS lpCredentials)
{
    MailwireDeleteSecurityCredentials(lpCredentials);
}

int SmtpGetSecurityInfo(HCLIENT hClient, LPSECURITYINFO lpInfo)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    return MailwireGetSecurityInfo(hClient, lpInfo);
}

int SmtpGetPollInfo(HCLIENT hClient, MAILWIRE_SOCKET *lpSocket, unsigned *lpEvents, int *lpTimeout)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    return MailwireGetPollInfo(hClient, lpSocket, lpEvents, lpTimeout);
}

int SmtpExecute(HCLIENT hClient)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return SMTP_ERROR;
    return MailwireExecute(hClient);
}

MAILWIRE_SOCKET SmtpGetSocket(HCLIENT hClient)
{
    mw_session *s;
    smtp_client *c;
    if (lookup(hClient, &s, &c))
        return (MAILWIRE_SOCKET)-1;
    mw_socket_t sock;
    int want, timeout;
    mw_session_wait_info(s, &sock, &want, &timeout);
    return (MAILWIRE_SOCKET)sock;
}
