/* Per-thread last error and the error texts. */
#include "errors.h"

#include <stdarg.h>
#include <stdio.h>

#include <mailwire/common.h>

#include "../util/str.h"

/* Per thread, as in SocketTools: a failure on one thread never clobbers another's. */
static MW_THREAD_LOCAL unsigned t_error;
static MW_THREAD_LOCAL char t_detail[512];

static const char *const texts[ST_ERROR_COUNT] = {
    [ST_ERROR_NONE] = "no error",
    [ST_ERROR_INVALID_ARGUMENT] = "invalid argument",
    [ST_ERROR_INVALID_HANDLE] = "invalid client handle",
    [ST_ERROR_OUT_OF_MEMORY] = "out of memory",
    [ST_ERROR_NOT_OWNER] = "the client handle is owned by another thread",
    [ST_ERROR_ALREADY_CONNECTED] = "the client is already connected",
    [ST_ERROR_NOT_CONNECTED] = "the client is not connected",
    [ST_ERROR_IN_PROGRESS] = "the operation is in progress",
    [ST_ERROR_BUSY] = "another operation is in progress on this client",
    [ST_ERROR_SERVER_PERMANENT] = "the server rejected the command permanently",
    [ST_ERROR_SERVER_TEMPORARY] = "the server rejected the command temporarily",
    [ST_ERROR_OUT_OF_SYNC] = "unexpected server reply; client and server are out of sync",
    [ST_ERROR_TIMEOUT] = "the operation timed out",
    [ST_ERROR_CONNECTION_CLOSED] = "the server closed the connection",
    [ST_ERROR_RESOLVE_FAILED] = "the host name could not be resolved",
    [ST_ERROR_CONNECT_REFUSED] = "the server refused the connection",
    [ST_ERROR_CONNECT_FAILED] = "the connection to the server failed",
    [ST_ERROR_TLS_HANDSHAKE_FAILED] = "the TLS handshake failed",
    [ST_ERROR_CERTIFICATE_REJECTED] = "the server certificate was rejected",
    [ST_ERROR_TLS_TRUNCATED] = "the TLS connection was truncated (no close_notify)",
    [ST_ERROR_TLS_LEGACY_UNAVAILABLE] = "legacy TLS versions are disabled by the system policy",
    [ST_ERROR_STARTTLS_UNAVAILABLE] = "the server does not offer STARTTLS or refused it",
    [ST_ERROR_AUTHENTICATION_FAILED] = "authentication failed",
    [ST_ERROR_INVALID_AUTHENTICATION_TYPE] = "the authentication type is not supported",
    [ST_ERROR_CLEARTEXT_REFUSED] = "credentials would be sent over an unencrypted connection",
    [ST_ERROR_CANCELLED] = "the operation was cancelled",
    [ST_ERROR_LIMIT_EXCEEDED] = "a configured limit was exceeded",
    [ST_ERROR_PROTOCOL_VIOLATION] = "the server violated the protocol",
    [ST_ERROR_SOCKET] = "a socket operation failed",
    [ST_ERROR_CREDENTIALS] = "the client credentials could not be loaded",
    [ST_ERROR_NO_VALID_RECIPIENTS] = "no valid recipients",
    [ST_ERROR_MESSAGE_TOO_LARGE] = "the message is larger than the server accepts",
    [ST_ERROR_ALREADY_AUTHENTICATED] = "the client is already authenticated",
    [ST_ERROR_NO_MORE_MAILBOXES] = "no more mailboxes",
    [ST_ERROR_FILE] = "a file could not be read or written",
    [ST_ERROR_INTERNAL] = "internal error",
    [ST_ERROR_NOT_SUPPORTED] = "not supported by the server (or the charset converter)",
    [ST_ERROR_COMMAND_REJECTED] = "the server rejected the command",
    [ST_ERROR_CALLBACK_FAILED] = "an application callback failed",
    [ST_ERROR_INVALID_STATE] = "the session is not in the state this call needs",
    [ST_ERROR_NOT_FOUND] = "no such header field, part or address",
};

const char *mw_error_string(unsigned code)
{
    if (code < ST_ERROR_COUNT && texts[code])
        return texts[code];
    return "unknown error";
}

void mw_set_error_text(unsigned code, const char *detail)
{
    t_error = code;
    mw_strlcpy(t_detail, detail ? detail : "", sizeof t_detail);
}

void mw_set_error(unsigned code, const char *fmt, ...)
{
    t_error = code;
    t_detail[0] = 0;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t_detail, sizeof t_detail, fmt, ap);
        va_end(ap);
    }
}

unsigned mw_get_error(void)
{
    return t_error;
}

const char *mw_get_error_detail(void)
{
    return t_detail;
}
