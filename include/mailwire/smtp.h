/**
 * @file smtp.h
 * @brief mailwire SMTP client API (SocketTools-style).
 *
 * Every int-returning call returns 0 on success and SMTP_ERROR on failure (the reason in
 * SmtpGetLastError() and MailwireGetLastErrorDetail()); on a non-blocking session (opened with
 * SmtpAsyncConnect()) a call that started an operation returns SMTP_IN_PROGRESS (last error
 * ST_ERROR_IN_PROGRESS) and completes through SmtpExecute() (COMMAND event on success, ERROR
 * on failure). See common.h for handles, errors, events and TLS structures.
 *
 * Server replies map to errors as in the Treck SMTP client: a 5xx reply is
 * ST_ERROR_SERVER_PERMANENT and a 4xx reply ST_ERROR_SERVER_TEMPORARY (the session stays
 * usable); 421 is ST_ERROR_SERVER_TEMPORARY too, but the server closes the channel after it
 * (RFC 5321 section 3.8), so the session is closed and later calls fail with
 * ST_ERROR_NOT_CONNECTED; a reply of a class the command cannot have is ST_ERROR_OUT_OF_SYNC
 * and a malformed reply ST_ERROR_PROTOCOL_VIOLATION (both close the session); AUTH 535 is
 * ST_ERROR_AUTHENTICATION_FAILED. SmtpGetResultCode() / SmtpGetResultString() give the reply.
 *
 * Error groups named in the function comments:
 * - the handle errors: ST_ERROR_INVALID_HANDLE (not a live SMTP session; an IMAP handle
 *   too), ST_ERROR_NOT_OWNER (another thread owns the handle and it was not opened with
 *   SMTP_OPTION_FREETHREAD);
 * - the state errors: ST_ERROR_NOT_CONNECTED (the session was closed: after 421, a fatal
 *   error, a timeout or a cancel), ST_ERROR_BUSY (a non-blocking operation is still running),
 *   ST_ERROR_INVALID_STATE (the transaction is not in a phase where the call fits; nothing
 *   is sent and the session goes on);
 * - the exchange errors, which close the session: ST_ERROR_TIMEOUT (no reply within the
 *   session timeout), ST_ERROR_CANCELLED (SmtpCancel()), ST_ERROR_CONNECTION_CLOSED,
 *   ST_ERROR_TLS_TRUNCATED, ST_ERROR_SOCKET, ST_ERROR_PROTOCOL_VIOLATION, ST_ERROR_OUT_OF_SYNC,
 *   ST_ERROR_LIMIT_EXCEEDED (a reply line, its text or its line count over the limit),
 *   ST_ERROR_OUT_OF_MEMORY.
 * On a non-blocking session the exchange and server-reply errors are normally reported by
 * SmtpExecute() rather than by the call that started the operation.
 *
 * Threads: a handle belongs to the thread that created it (the owner) unless it was opened
 * with SMTP_OPTION_FREETHREAD; SmtpAttachThread() hands it over; SmtpCancel() may be called
 * from any thread. "Blocking: yes" calls wait at most the session timeout for each reply.
 */
#ifndef MAILWIRE_SMTP_H
#define MAILWIRE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/common.h>
#include <mailwire/mime.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Where and how SmtpSubmitMessage() connects (the SocketTools SMTPSERVER structure).
 */
typedef struct _SMTPSERVER {
    const char *lpszHostName; /**< Host name or IP address of the server; required. */
    const char *lpszUserName; /**< User name for AUTH; NULL or "" for no authentication.
                                   When given, SMTP_OPTION_EXTENDED is implied. */
    const char *lpszPassword; /**< Password (or OAuth 2.0 token); NULL or "" with no user. */
    unsigned nHostPort;       /**< Port; 0 picks 25, or 465 with SMTP_OPTION_SECURE_IMPLICIT.
                                   587 implies SMTP_OPTION_EXTENDED. */
    unsigned nTimeout;        /**< Seconds to wait for each server reply; 0 means 20. */
    uint32_t dwOptions;       /**< SMTP_OPTION_* flags. */
    uint32_t dwReserved;      /**< Reserved; must be 0. */
} SMTPSERVER, *LPSMTPSERVER;
/** @typedef LPSMTPSERVER
 *  @brief Pointer to SMTPSERVER (the SocketTools name). */

/**
 * @brief A message for SmtpSubmitMessage(): the library composes RFC 5322 + MIME from it.
 *
 * Strings are UTF-8. Address lists (To, Cc, Bcc) are separated by commas or semicolons;
 * display names may be quoted ("Doe, John" <john@example.org>). Every address of To, Cc and
 * Bcc becomes an envelope recipient; Bcc is never written into the headers.
 */
typedef struct _SMTPMESSAGE {
    uint32_t dwSize;         /**< sizeof(SMTPMESSAGE); versioning guard. */
    const char *lpszFrom;    /**< Sender, "Name <addr>" or "addr"; required. Also the
                                  envelope sender (MAIL FROM). */
    const char *lpszTo;      /**< Primary recipients; required unless Cc or Bcc is given. */
    const char *lpszCc;      /**< Copy recipients, or NULL. */
    const char *lpszBcc;     /**< Blind copy recipients (envelope only), or NULL. */
    const char *lpszSubject; /**< Subject, or NULL for none. Non-ASCII is RFC 2047 encoded. */
    const char *lpszDate;    /**< Date header value (RFC 5322 section 3.3); NULL: now. */
    const char *lpszHeaders; /**< Extra header lines ("Name: value", separated by CRLF or LF),
                                  or NULL. Each must be a well-formed header field. */
    const char *lpszText;    /**< Plain text body, or NULL. */
    const char *lpszHTML;    /**< HTML body, or NULL. With a text body the two become
                                  multipart/alternative. */
    const char *const *lpszAttachments; /**< NULL-terminated array of file paths to attach,
                                             or NULL. The file name (without directory) is
                                             the attachment name; the content type follows
                                             the extension. */
    const char *lpszCharSet;            /**< Charset of the text parts; NULL means "utf-8". */
    uint32_t dwOptions;                 /**< Reserved for composition options; must be 0. */
} SMTPMESSAGE, *LPSMTPMESSAGE;
/** @typedef LPSMTPMESSAGE
 *  @brief Pointer to SMTPMESSAGE (the SocketTools name). */

/** @name Results and identifiers shared with common.h */
/** @{ */
#define SMTP_ERROR MAILWIRE_ERROR             /**< An int call failed; see SmtpGetLastError(). */
#define SMTP_IN_PROGRESS MAILWIRE_IN_PROGRESS /**< Non-blocking: the operation goes on. */
/** MAILWIRE_EVENT_CONNECT: connected (TLS included). */
#define SMTP_EVENT_CONNECT MAILWIRE_EVENT_CONNECT
/** MAILWIRE_EVENT_DISCONNECT: the server closed the connection. */
#define SMTP_EVENT_DISCONNECT MAILWIRE_EVENT_DISCONNECT
/** MAILWIRE_EVENT_READ: data arrived (non-blocking). */
#define SMTP_EVENT_READ MAILWIRE_EVENT_READ
/** MAILWIRE_EVENT_WRITE: writable again (non-blocking). */
#define SMTP_EVENT_WRITE MAILWIRE_EVENT_WRITE
/** MAILWIRE_EVENT_TIMEOUT: a wait timed out. */
#define SMTP_EVENT_TIMEOUT MAILWIRE_EVENT_TIMEOUT
/** MAILWIRE_EVENT_CANCEL: the operation was cancelled. */
#define SMTP_EVENT_CANCEL MAILWIRE_EVENT_CANCEL
#define SMTP_EVENT_COMMAND MAILWIRE_EVENT_COMMAND /**< One per server reply. */
/** During DATA/BDAT, and once more when the server accepted the message (the only one with
 *  qwBytesCopied equal to qwBytesTotal); see SmtpGetTransferStatus(). */
#define SMTP_EVENT_PROGRESS MAILWIRE_EVENT_PROGRESS
/** MAILWIRE_EVENT_ERROR: an operation failed. */
#define SMTP_EVENT_ERROR MAILWIRE_EVENT_ERROR
#define SMTP_EVENT_COMPLETE MAILWIRE_EVENT_COMPLETE /**< The operation a call started ended. */
/** @} */

/**
 * @name Connection options (SmtpConnect() dwOptions, SMTPSERVER.dwOptions)
 * The shared bits of common.h under SMTP names, plus SMTP-only bits in the low 10 bits.
 * @{
 */
#define SMTP_OPTION_NONE 0x00000000u /**< HELO, no extensions, no TLS. */
/** EHLO and the extensions (AUTH, SIZE, DSN, PIPELINING, CHUNKING ...); when the server
 *  refuses EHLO the client falls back to HELO. Implied by port 587 (unless TUNNEL), by
 *  SECURE (STARTTLS needs EHLO) and by SmtpSubmitMessage() with a user name. */
#define SMTP_OPTION_EXTENDED 0x00000001u
/** Do not pipeline the envelope (RFC 2920) even when the server offers PIPELINING. */
#define SMTP_OPTION_NOPIPELINING 0x00000002u
/** Use DATA even when the server offers CHUNKING (RFC 3030 BDAT). */
#define SMTP_OPTION_NOCHUNKING 0x00000004u
/** SmtpSendMessage()/SmtpSubmitMessage(): any refused recipient fails the send before the
 *  message is transferred (default: send to the accepted ones, report the refused ones). */
#define SMTP_OPTION_ALLRECIPIENTS 0x00000008u
/** MAILWIRE_OPTION_TUNNEL: no guesses from the port. */
#define SMTP_OPTION_TUNNEL MAILWIRE_OPTION_TUNNEL
/** MAILWIRE_OPTION_TRUSTEDSITE. Insecure: no validation. */
#define SMTP_OPTION_TRUSTEDSITE MAILWIRE_OPTION_TRUSTEDSITE
/** MAILWIRE_OPTION_SECURE: STARTTLS, mandatory. */
#define SMTP_OPTION_SECURE MAILWIRE_OPTION_SECURE
/** MAILWIRE_OPTION_SECURE_IMPLICIT: TLS first (465). */
#define SMTP_OPTION_SECURE_IMPLICIT MAILWIRE_OPTION_SECURE_IMPLICIT
/** MAILWIRE_OPTION_SECURE_FALLBACK: also TLS 1.0/1.1. */
#define SMTP_OPTION_SECURE_FALLBACK MAILWIRE_OPTION_SECURE_FALLBACK
/** MAILWIRE_OPTION_PREFER_IPV6: IPv6 addresses first. */
#define SMTP_OPTION_PREFER_IPV6 MAILWIRE_OPTION_PREFER_IPV6
/** MAILWIRE_OPTION_FREETHREAD: any thread, one at a time. */
#define SMTP_OPTION_FREETHREAD MAILWIRE_OPTION_FREETHREAD
/** Allow AUTH on an unencrypted connection to a non-loopback host (refused otherwise). */
#define SMTP_OPTION_ALLOW_CLEARTEXT_AUTH MAILWIRE_OPTION_ALLOW_CLEARTEXT_AUTH
/** See MAILWIRE_OPTION_NORESUME. */
#define SMTP_OPTION_NORESUME MAILWIRE_OPTION_NORESUME
/** @} */

/** @name Server capabilities (SmtpGetExtendedOptions()) */
/** @{ */
/** EXPN (RFC 5321 section 3.5) */
#define SMTP_EXTOPT_EXPN 0x00000001u
/** VRFY (RFC 5321 section 3.5) */
#define SMTP_EXTOPT_VRFY 0x00000002u
#define SMTP_EXTOPT_DSN 0x00000004u  /**< RFC 3461 */
#define SMTP_EXTOPT_SIZE 0x00000008u /**< RFC 1870 */
/** ETRN (RFC 1985) */
#define SMTP_EXTOPT_ETRN 0x00000010u
#define SMTP_EXTOPT_8BITMIME 0x00000020u /**< RFC 6152 */
/** AUTH LOGIN */
#define SMTP_EXTOPT_AUTHLOGIN 0x00000040u
/** AUTH PLAIN (RFC 4616) */
#define SMTP_EXTOPT_AUTHPLAIN 0x00000080u
/** AUTH CRAM-MD5 (RFC 2195) */
#define SMTP_EXTOPT_AUTHCRAMMD5 0x00000100u
/** AUTH XOAUTH2 */
#define SMTP_EXTOPT_AUTHXOAUTH2 0x00000200u
/** AUTH OAUTHBEARER (RFC 7628) */
#define SMTP_EXTOPT_AUTHBEARER 0x00000400u
/** AUTH SCRAM-SHA-1 (RFC 5802) */
#define SMTP_EXTOPT_AUTHSCRAMSHA1 0x00000800u
/** AUTH SCRAM-SHA-256 (RFC 7677) */
#define SMTP_EXTOPT_AUTHSCRAMSHA256 0x00001000u
#define SMTP_EXTOPT_STARTTLS 0x00002000u   /**< RFC 3207 */
#define SMTP_EXTOPT_PIPELINING 0x00004000u /**< RFC 2920 */
#define SMTP_EXTOPT_CHUNKING 0x00008000u   /**< RFC 3030 */
/** BINARYMIME (RFC 3030) */
#define SMTP_EXTOPT_BINARYMIME 0x00010000u
#define SMTP_EXTOPT_SMTPUTF8 0x00020000u /**< RFC 6531 */
/** ENHANCEDSTATUSCODES (RFC 2034) */
#define SMTP_EXTOPT_ENHANCEDSTATUSCODES 0x00040000u
#define SMTP_EXTOPT_AUTH 0x00080000u /**< AUTH offered (any mechanism) */
/** @} */

/** @name SmtpAuthenticate() mechanisms (the SocketTools values where they exist) */
/** @{ */
/** AUTH LOGIN */
#define SMTP_AUTH_LOGIN 0
/** AUTH PLAIN (RFC 4616) */
#define SMTP_AUTH_PLAIN 1
#define SMTP_AUTH_XOAUTH2 3 /**< password argument: OAuth 2.0 access token */
#define SMTP_AUTH_BEARER 4  /**< OAUTHBEARER (RFC 7628); password argument: token */
/** AUTH CRAM-MD5 (RFC 2195) */
#define SMTP_AUTH_CRAMMD5 5
/** AUTH SCRAM-SHA-1 (RFC 5802) */
#define SMTP_AUTH_SCRAMSHA1 6
/** AUTH SCRAM-SHA-256 (RFC 7677) */
#define SMTP_AUTH_SCRAMSHA256 7
/** The strongest password mechanism the server offers after TLS: SCRAM-SHA-256,
 *  SCRAM-SHA-1, PLAIN, LOGIN, CRAM-MD5. */
#define SMTP_AUTH_AUTO 8
/** @} */

/** @name SmtpSetDeliveryOptions() flags (RFC 3461 DSN) */
/** @{ */
#define SMTP_NOTIFY_NEVER 0x0001u   /**< NOTIFY=NEVER */
#define SMTP_NOTIFY_SUCCESS 0x0002u /**< NOTIFY=SUCCESS */
#define SMTP_NOTIFY_FAILURE 0x0004u /**< NOTIFY=FAILURE */
#define SMTP_NOTIFY_DELAY 0x0008u   /**< NOTIFY=DELAY */
#define SMTP_RETURN_HEADERS 0x0010u /**< RET=HDRS */
#define SMTP_RETURN_FULL 0x0020u    /**< RET=FULL */
#define SMTP_NOTIFY_ORCPT 0x0040u   /**< ORCPT=rfc822;\<recipient\> on every RCPT */
/** @} */

/** @name SmtpSendMessage() dwOptions */
/** @{ */
/** lpvMessage points to the message (cbMessage 0: a NUL-terminated string). */
#define SMTP_MESSAGE_MEMORY 0x0000u
/** lpvMessage is a file path (UTF-8); the file is streamed and cbMessage is ignored. */
#define SMTP_MESSAGE_FILE 0x0001u
/** @} */

/**
 * @brief Progress of the message transfer in progress (or the last one).
 * Set dwSize to sizeof(SMTPTRANSFERSTATUS) before SmtpGetTransferStatus().
 */
typedef struct _SMTPTRANSFERSTATUS {
    uint32_t dwSize;        /**< sizeof(SMTPTRANSFERSTATUS). */
    uint64_t qwBytesTotal;  /**< Size of the message as given (0: unknown). */
    uint64_t qwBytesCopied; /**< Message bytes handed to the connection so far, held one short
                                 of qwBytesTotal until the server accepted the message (its
                                 positive reply to the final "." or BDAT LAST): a transfer is
                                 at 100 % only once delivered to the server, never before a
                                 refusal at the end of the data. */
} SMTPTRANSFERSTATUS, *LPSMTPTRANSFERSTATUS;
/** @typedef LPSMTPTRANSFERSTATUS
 *  @brief Pointer to SMTPTRANSFERSTATUS (the SocketTools name). */

/**
 * @brief One message of SmtpSendMessages(): what to send (set by the caller) and its result
 * (written by the library when that message is done).
 * Set dwSize to sizeof(SMTPBATCHMESSAGE) in every element.
 */
typedef struct _SMTPBATCHMESSAGE {
    uint32_t dwSize;            /**< sizeof(SMTPBATCHMESSAGE). */
    const char *lpszFrom;       /**< Envelope sender, as SmtpSendMessage(). */
    const char *lpszRecipients; /**< Envelope recipients, as SmtpSendMessage(); at least one. */
    const void *lpvMessage;     /**< The message, or with SMTP_MESSAGE_FILE a file path. */
    size_t cbMessage;           /**< Its size; 0 with SMTP_MESSAGE_MEMORY: NUL-terminated. */
    uint32_t dwOptions;         /**< SMTP_MESSAGE_MEMORY or SMTP_MESSAGE_FILE. */
    /** Result: ST_ERROR_NONE when the server accepted the message; else why not, as
     *  SmtpSendMessage() would have failed (ST_ERROR_IN_PROGRESS until it is done). */
    unsigned dwError;
    int nResultCode;          /**< The server's reply that decided (250, 554 ...); 0 when
                                   nothing of this message was sent. */
    char szEnhancedCode[16];  /**< RFC 3463 code of that reply, or "". */
    unsigned nRecipients;     /**< Recipients sent (0 when nothing was sent). */
    unsigned nAccepted;       /**< ... of which the server accepted (2xx to RCPT). */
    char szResultString[512]; /**< The reply's text; on failure the cause as
                                   MailwireGetLastErrorDetail() gives it for one message
                                   (refused recipients quoted with their replies). */
} SMTPBATCHMESSAGE, *LPSMTPBATCHMESSAGE;
/** @typedef LPSMTPBATCHMESSAGE
 *  @brief Pointer to SMTPBATCHMESSAGE. */

/**
 * @brief The server's answer to one recipient of the last transaction.
 * Set dwSize to sizeof(SMTPRECIPIENT) before SmtpGetRecipientResult().
 */
typedef struct _SMTPRECIPIENT {
    uint32_t dwSize;              /**< sizeof(SMTPRECIPIENT). */
    int nResultCode;              /**< RCPT reply code (250, 550 ...); 0 when no reply came. */
    char szEnhancedCode[16];      /**< RFC 3463 code ("5.1.1") or "". */
    const char *lpszAddress;      /**< The address (valid until the next call on the handle). */
    const char *lpszResultString; /**< Reply text (valid until the next call on the handle). */
} SMTPRECIPIENT, *LPSMTPRECIPIENT;
/** @typedef LPSMTPRECIPIENT
 *  @brief Pointer to SMTPRECIPIENT (the SocketTools name). */

/**
 * @brief Start using the SMTP API; forwards to MailwireInitialize().
 *
 * Reference-counted and thread-safe; pair every successful call with SmtpUninitialize().
 * Optional: the library initialises itself on first use.
 * @return non-zero on success (a BOOL, as in SocketTools); 0 on failure, with the last error
 *         ST_ERROR_INTERNAL (the library could not be initialised).
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API int SmtpInitialize(void);

/**
 * @brief Release one reference taken by SmtpInitialize(); forwards to MailwireUninitialize().
 *
 * Open handles are not closed by it: disconnect them first. The last reference of the
 * process waits for a trust-store load still in flight (MailwireUninitialize()).
 * @par Blocking: only as MailwireUninitialize() does (the last reference, a load in flight).
 * @par Thread: any.
 */
MAILWIRE_API void SmtpUninitialize(void);

/**
 * @brief Connect to an SMTP server: greeting, EHLO (or HELO), STARTTLS when asked.
 *
 * Port 0 picks 25, or 465 with SMTP_OPTION_SECURE_IMPLICIT. Unless SMTP_OPTION_TUNNEL is
 * given, port 465 implies implicit TLS (RFC 8314 section 3.3) and 587 implies
 * SMTP_OPTION_EXTENDED. With SMTP_OPTION_SECURE the upgrade is mandatory: no STARTTLS offered,
 * or a refusal, fails with ST_ERROR_STARTTLS_UNAVAILABLE; after TLS every capability is
 * forgotten and EHLO is sent again (RFC 3207 section 4.2). Bytes after the server's 220
 * go-ahead are a protocol violation (response injection). When EHLO is refused the client
 * falls back to HELO (no extensions; an error with SECURE).
 * @param lpszRemoteHost host name or IP address (required; no spaces or control characters;
 *                       verified in the certificate and sent as SNI). Copied.
 * @param nRemotePort    port (0..65535), 0 for the default.
 * @param nTimeout       seconds to wait for each step (connect, handshake, each reply);
 *                       0 means 20. Kept as the session timeout for every later call.
 * @param dwOptions      SMTP_OPTION_* bits.
 * @param lpszLocalName  name announced in EHLO/HELO (RFC 5321 section 4.1.1.1), at most 255
 *                       bytes; NULL or "" for the system's fully qualified name. Control
 *                       characters or spaces: ST_ERROR_INVALID_ARGUMENT. Copied.
 * @param lpCredentials  TLS client credentials, extra CA file and pin, or NULL. Copied: the
 *                       structure may be freed when the call returns.
 * @return a handle, or INVALID_CLIENT with the last error: ST_ERROR_INVALID_ARGUMENT (host,
 *         port or local name), ST_ERROR_OUT_OF_MEMORY, ST_ERROR_CREDENTIALS,
 *         ST_ERROR_RESOLVE_FAILED, ST_ERROR_CONNECT_REFUSED, ST_ERROR_CONNECT_FAILED,
 *         ST_ERROR_TLS_HANDSHAKE_FAILED, ST_ERROR_CERTIFICATE_REJECTED,
 *         ST_ERROR_TLS_LEGACY_UNAVAILABLE, ST_ERROR_STARTTLS_UNAVAILABLE,
 *         ST_ERROR_SERVER_PERMANENT / ST_ERROR_SERVER_TEMPORARY (a refusing greeting, or
 *         HELO refused after EHLO), ST_ERROR_TIMEOUT, or an exchange error (see the file comment).
 * @par Blocking: yes, up to nTimeout per step; a NULL local name may also wait for one DNS
 *      lookup of the system's own name (done once per process, then cached).
 * @par Thread: any; the handle belongs to the calling thread (see SMTP_OPTION_FREETHREAD and
 *      SmtpAttachThread()).
 */
MAILWIRE_API HCLIENT SmtpConnect(const char *lpszRemoteHost, unsigned nRemotePort,
                                 unsigned nTimeout, uint32_t dwOptions, const char *lpszLocalName,
                                 const struct _SECURITYCREDENTIALS *lpCredentials);

/**
 * @brief Start a non-blocking connection (same arguments and rules as SmtpConnect()).
 *
 * Returns at once with the last error ST_ERROR_IN_PROGRESS. The handle is a non-blocking
 * session: every later call on it that starts an operation returns SMTP_IN_PROGRESS; drive it
 * with SmtpGetPollInfo() + poll + SmtpExecute() until SmtpExecute() returns 0 (done) or
 * SMTP_ERROR. SMTP_EVENT_CONNECT fires when the connection is ready (its error argument says
 * whether it failed); a failed connect leaves a closed session that must still be freed with
 * SmtpDisconnect(). With a NULL local name the plain host name is used unless a blocking
 * connect has already cached the fully qualified one.
 * @param lpszRemoteHost as SmtpConnect(); copied.
 * @param nRemotePort    as SmtpConnect().
 * @param nTimeout       as SmtpConnect().
 * @param dwOptions      as SmtpConnect().
 * @param lpszLocalName  as SmtpConnect(); copied.
 * @param lpCredentials  as SmtpConnect(); copied.
 * @return a handle, or INVALID_CLIENT on an immediate failure (ST_ERROR_INVALID_ARGUMENT,
 *         ST_ERROR_OUT_OF_MEMORY, ST_ERROR_CREDENTIALS). Network, TLS and server errors
 *         arrive later through SmtpExecute() and the CONNECT event.
 * @par Blocking: no (the name is resolved on a helper thread).
 * @par Thread: any; the handle belongs to the calling thread.
 */
MAILWIRE_API HCLIENT SmtpAsyncConnect(const char *lpszRemoteHost, unsigned nRemotePort,
                                      unsigned nTimeout, uint32_t dwOptions,
                                      const char *lpszLocalName,
                                      const struct _SECURITYCREDENTIALS *lpCredentials);

/**
 * @brief Authenticate with SASL (RFC 4954).
 *
 * Credentials are refused on an unencrypted connection to a non-loopback host unless the
 * session was opened with SMTP_OPTION_ALLOW_CLEARTEXT_AUTH (ST_ERROR_CLEARTEXT_REFUSED;
 * nothing is sent; RFC 8314 section 3). The mechanism must be among those the server offers
 * (after TLS). Both strings are copied into the SASL state before the call returns (the
 * caller may free them at once); the copy is wiped when the exchange ends, and the trace
 * shows "<redacted N bytes>" for every AUTH response.
 * @param hClient      a connected SMTP session.
 * @param nAuthType    SMTP_AUTH_* (SMTP_AUTH_AUTO picks the strongest offered).
 * @param lpszUserName user name (for the OAuth types the account address); required.
 * @param lpszPassword password, or the OAuth 2.0 access token for XOAUTH2 / BEARER; required.
 *                     An empty user name or password is ST_ERROR_INVALID_ARGUMENT (Treck).
 * @return 0 when the server accepted (235); SMTP_IN_PROGRESS (non-blocking); SMTP_ERROR:
 *         ST_ERROR_AUTHENTICATION_FAILED (535, or 534 mechanism too weak),
 *         ST_ERROR_INVALID_AUTHENTICATION_TYPE (unknown type, not offered, or 504),
 *         ST_ERROR_CLEARTEXT_REFUSED (refused locally, or 538 from the server),
 *         ST_ERROR_INVALID_ARGUMENT, ST_ERROR_SERVER_PERMANENT / ST_ERROR_SERVER_TEMPORARY
 *         (other 5xx / 4xx), ST_ERROR_PROTOCOL_VIOLATION (malformed challenge), the handle
 *         and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes, up to the session timeout per reply (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpAuthenticate(HCLIENT hClient, unsigned nAuthType, const char *lpszUserName,
                                  const char *lpszPassword);

/**
 * @brief Send QUIT (when connected and idle), close the connection and free the handle.
 *
 * RFC 5321 section 4.1.1.10. When an operation is still running on a non-blocking session,
 * QUIT is skipped and the connection is simply closed.
 * @param hClient the session; invalid after a successful call.
 * @return 0 (also when QUIT failed or was skipped: the handle is freed in any case), or
 *         SMTP_ERROR with ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER, or ST_ERROR_BUSY
 *         (FREETHREAD: another thread is inside a call on the handle; that call is cancelled
 *         and the handle stays valid: disconnect again once it has returned).
 * @par Blocking: a blocking session waits for the QUIT reply (up to its timeout, at most 5 s); a
 *      non-blocking one sends QUIT without waiting.
 * @par Thread: any (see "Closing a session from another thread" in common.h); may also be
 *      called from an event callback of the session (the free is then deferred until the
 *      callback returns). A running non-blocking operation ends with SMTP_EVENT_COMPLETE and
 *      ST_ERROR_CANCELLED.
 */
MAILWIRE_API int SmtpDisconnect(HCLIENT hClient);

/**
 * @brief Send a ready RFC 5322 message in one call: MAIL, RCPT for every recipient, DATA or
 * BDAT, the message (streamed), and the final reply.
 *
 * The recipients are never taken from the message headers (Bcc works by listing addresses
 * that are not in the headers). With PIPELINING (RFC 2920), MAIL, all RCPTs and DATA go out
 * in one write; with CHUNKING the message goes as BDAT chunks (RFC 3030). SIZE= is sent when
 * the size is known, and a message larger than the server's SIZE is refused before anything
 * is sent (ST_ERROR_MESSAGE_TOO_LARGE; RFC 1870). BODY=8BITMIME / SMTPUTF8 are added when the
 * content needs them (ST_ERROR_NOT_SUPPORTED, nothing sent, when the server does not offer
 * them; likewise DSN options without DSN). A NUL byte or a line over 998 octets (RFC 5321
 * section 4.5.3.1.6) is ST_ERROR_INVALID_ARGUMENT before anything is sent: encode such
 * content. Line endings are normalised to CRLF, dots doubled (RFC 5321 section 4.5.2), a final
 * CRLF added. A refused recipient among accepted ones is reported through
 * SmtpGetRecipientResult() and is not an error unless SMTP_OPTION_ALLRECIPIENTS was given at
 * connect; all refused: ST_ERROR_NO_VALID_RECIPIENTS (the transaction is reset with RSET).
 * @param hClient        a connected SMTP session with no transaction open.
 * @param lpszFrom       envelope sender (addr-spec, optionally in <>; "" or "<>" for the null
 *                       reverse path). Copied.
 * @param lpszRecipients addresses separated by commas or semicolons (display names allowed);
 *                       at least one. Copied.
 * @param lpvMessage     the message, or with SMTP_MESSAGE_FILE a file path (UTF-8). A memory
 *                       message is not copied: on a non-blocking session it must stay valid
 *                       until the operation has ended (common.h). The message is read once
 *                       before the envelope, in slices during the steps (so starting the
 *                       operation stays O(1) whatever its size), and again while it is sent;
 *                       a file stays open until the transfer ends.
 * @param cbMessage      its size; 0 with SMTP_MESSAGE_MEMORY: a NUL-terminated string.
 * @param dwOptions      SMTP_MESSAGE_MEMORY or SMTP_MESSAGE_FILE (other values:
 *                       ST_ERROR_INVALID_ARGUMENT).
 * @return 0 when the server accepted the message (250); SMTP_IN_PROGRESS (non-blocking);
 *         SMTP_ERROR: ST_ERROR_INVALID_ARGUMENT (NULL message or recipients, a malformed
 *         address or one with control characters, a NUL or over-long line in the message),
 *         ST_ERROR_FILE (the file cannot be opened or read), ST_ERROR_MESSAGE_TOO_LARGE,
 *         ST_ERROR_NOT_SUPPORTED, ST_ERROR_NO_VALID_RECIPIENTS, ST_ERROR_SERVER_PERMANENT /
 *         ST_ERROR_SERVER_TEMPORARY (MAIL, a recipient with SMTP_OPTION_ALLRECIPIENTS, DATA
 *         or the final reply), ST_ERROR_INVALID_STATE (a transaction from SmtpCreateMessage()
 *         is open), the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes, up to the session timeout per reply (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpSendMessage(HCLIENT hClient, const char *lpszFrom, const char *lpszRecipients,
                                 const void *lpvMessage, size_t cbMessage, uint32_t dwOptions);

/**
 * @brief Send several messages over one session as one operation, the next message's
 * envelope pipelined behind the current one's data: one round trip per message instead of
 * two.
 *
 * Each message goes as SmtpSendMessage() sends one (the same checks, scan, SIZE=, BODY=,
 * SMTPUTF8, DATA or BDAT), in order. With PIPELINING (RFC 2920 section 3.1) the next
 * message's MAIL, RCPTs and DATA follow the end-of-data "." in the same write; with CHUNKING
 * (RFC 3030) an RSET, MAIL and RCPTs follow the BDAT LAST chunk once the current envelope was
 * accepted (the RSET clears what a refused chunk may leave, RFC 3030 section 2). Without
 * PIPELINING every command waits for its reply, as with SmtpSendMessage() one after another.
 * Every message gets its own result in its element (dwError, the deciding reply, recipient
 * counts), written when that message is done; a message that fails (a refused MAIL, no
 * accepted recipient, a refused DATA or end of data, a NUL or over-long line in it, an
 * unreadable file) does not stop the others and does not disturb them. A fatal error (the
 * connection lost, a reply out of sequence) ends the call: every message not done gets that
 * error. SmtpGetRecipientResult() and SmtpGetResultCode() afterwards describe the last
 * message; per-message details are in the elements. Non-blocking sessions: SMTP_IN_PROGRESS
 * at once, PROGRESS events per message, one COMPLETE event when the last message is done.
 * @param hClient    a connected SMTP session with no transaction open.
 * @param lpMessages the messages, nMessages elements, dwSize set in each. The inputs are
 *                   read and the results written until the operation has ended: keep the
 *                   array (and every memory message) valid until then (common.h). Files are
 *                   opened by this call and stay open until their message is sent.
 * @param nMessages  1 or more. The call's own work is proportional to it (the addresses are
 *                   parsed and checked here), not to the messages' sizes.
 * @param dwReserved must be 0.
 * @return 0 when the server accepted every message; SMTP_IN_PROGRESS (non-blocking);
 *         SMTP_ERROR with nothing sent: ST_ERROR_INVALID_ARGUMENT (NULL array, 0 messages,
 *         a bad dwSize, a NULL message, recipients or options, a malformed address; the
 *         detail names the message), ST_ERROR_FILE (a file cannot be opened),
 *         ST_ERROR_NOT_SUPPORTED (an address needs SMTPUTF8, DSN without DSN), the handle
 *         and state errors; SMTP_ERROR once sent: the error of the first message that failed,
 *         with the detail "N of M messages failed; the first, message K: ...", or the fatal
 *         error that ended the session.
 * @par Blocking: yes, up to the session timeout per reply (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpSendMessages(HCLIENT hClient, LPSMTPBATCHMESSAGE lpMessages,
                                  unsigned nMessages, uint32_t dwReserved);

/**
 * @brief Send a message object (mime.h) on an open session, streaming: SmtpSendMessage() with
 * an HMESSAGE as the source.
 *
 * The envelope comes from the message unless given (RFC 5321 section 3.3): the sender from
 * From (Sender when From holds several mailboxes), the recipients from To, Cc and Bcc, each
 * once; domains of ASCII local parts are sent as IDNA A-labels. Bcc is never written. The
 * message is composed as the connection takes it (attachments read and encoded chunk by
 * chunk, memory flat whatever their size), its exact size is known before the first byte
 * (SIZE=, RFC 1870; PROGRESS events and SmtpGetTransferStatus() count against it), and
 * BODY=8BITMIME (RFC 6152) / SMTPUTF8 (RFC 6531) are announced when the composed content
 * needs them (ST_ERROR_NOT_SUPPORTED, nothing sent, when the server lacks them). Content the
 * library did not compose itself and cannot vouch for (7bit/8bit or quoted-printable
 * attachments from files or callbacks, imported parts with NUL octets or lines over 998
 * octets) is read once first, in slices during the steps, as SmtpSendMessage() does with its
 * messages. Non-blocking sessions: the call returns SMTP_IN_PROGRESS at once and the send
 * runs in MailwireExecute() steps, raising PROGRESS events and one COMPLETE event.
 * @param hClient        a connected SMTP session with no transaction open.
 * @param hMessage       the message. The send holds its own reference: the caller may delete
 *                       the handle meanwhile, but the message cannot be changed until the
 *                       send has ended (ST_ERROR_BUSY); attachment files must not change.
 * @param lpszFrom       envelope sender, or NULL for the message's.
 * @param lpszRecipients envelope recipients (commas or semicolons), or NULL for the
 *                       message's To, Cc and Bcc.
 * @param dwOptions      0, or MIME_EXPORT_8BIT (text may be sent as 8bit: the server offers
 *                       8BITMIME) and MIME_EXPORT_UTF8 (UTF-8 header fields: the server offers
 *                       SMTPUTF8).
 * @return as SmtpSendMessage(), plus ST_ERROR_INVALID_HANDLE (hMessage),
 *         ST_ERROR_INVALID_ARGUMENT (no sender or recipient in the message or the arguments),
 *         ST_ERROR_BUSY (an import into the message is in progress), ST_ERROR_FILE /
 *         ST_ERROR_CALLBACK_FAILED (an attachment could not be read or changed size; the
 *         connection is dropped then, since a partial message must not be taken as complete).
 * @par Blocking: yes, up to the session timeout per reply (non-blocking session: no).
 * @par Thread: the session's owner.
 */
MAILWIRE_API int SmtpSendMimeMessage(HCLIENT hClient, HMESSAGE hMessage, const char *lpszFrom,
                                     const char *lpszRecipients, uint32_t dwOptions);

/**
 * @brief Compose and send a message in one call: connect (EXTENDED implied when a user name
 * is given), authenticate (SMTP_AUTH_AUTO), compose RFC 5322 + MIME from lpMessage, send,
 * quit. SmtpSubmitMessageEx() without credentials and trace (system trust store only).
 * @param lpServer  where to connect (nTimeout 0 means 20 s; dwReserved must be 0; a user name
 *                  needs a non-empty password). Read during the call only.
 * @param lpMessage the message (dwSize must be sizeof(SMTPMESSAGE)); its strings and the
 *                  attachment files are read during the call only.
 * @return 0 when the server accepted the message, or SMTP_ERROR with the last error of the
 *         step that failed: ST_ERROR_INVALID_ARGUMENT (structures, addresses, headers),
 *         ST_ERROR_FILE (an attachment), ST_ERROR_OUT_OF_MEMORY, the errors of SmtpConnect(),
 *         SmtpAuthenticate() and SmtpSendMessage(). The connection is closed in every case.
 * @par Blocking: yes (connect, authentication and transfer, each reply up to nTimeout).
 * @par Thread: any (no handle is exposed).
 */
MAILWIRE_API int SmtpSubmitMessage(const SMTPSERVER *lpServer, const SMTPMESSAGE *lpMessage);

/** @name Trace directions (SMTPTRACEPROC nDirection) */
/** @{ */
#define SMTP_TRACE_SENT MAILWIRE_TRACE_SENT         /**< bytes sent (AUTH responses redacted) */
#define SMTP_TRACE_RECEIVED MAILWIRE_TRACE_RECEIVED /**< bytes received */
#define SMTP_TRACE_INFO MAILWIRE_TRACE_INFO         /**< a note (phase changes, TLS, errors) */
/** @} */

/**
 * @brief Protocol trace callback (the shared MAILWIRE_TRACEPROC): every byte sent and
 * received, and notes about the session. Passwords, tokens and every AUTH response are never
 * passed: the trace shows "<redacted N bytes>" instead. Called on the thread that drives the
 * session.
 */
typedef MAILWIRE_TRACEPROC SMTPTRACEPROC;

/**
 * @brief Set (or with NULL remove) the protocol trace of a session; MailwireSetTrace() for an
 * SMTP handle. To trace a blocking SmtpConnect() from its first byte, set
 * MailwireSetDefaultTrace() before the call.
 * @param hClient    an SMTP session (an IMAP handle is ST_ERROR_INVALID_HANDLE here).
 * @param lpfnTrace  the callback, or NULL to stop tracing; must stay callable while set.
 * @param lpUserData passed unchanged to every call of lpfnTrace; not dereferenced.
 * @return 0, or SMTP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpSetTrace(HCLIENT hClient, SMTPTRACEPROC lpfnTrace, void *lpUserData);

/**
 * @brief SmtpSubmitMessage() with TLS credentials (client certificate, extra CA file, pinned
 * fingerprint) and a protocol trace; SmtpSubmitMessage() uses the system trust store only.
 * @param lpServer      as SmtpSubmitMessage().
 * @param lpMessage     as SmtpSubmitMessage().
 * @param lpCredentials credentials as for SmtpConnect(), or NULL; copied.
 * @param lpfnTrace     trace of the whole exchange (connect to QUIT), or NULL; called on the
 *                      calling thread during the call only.
 * @param lpTraceData   passed to lpfnTrace; not dereferenced.
 * @return 0 or SMTP_ERROR, as SmtpSubmitMessage() (plus ST_ERROR_CREDENTIALS).
 * @par Blocking: yes.
 * @par Thread: any (no handle is exposed).
 */
MAILWIRE_API int SmtpSubmitMessageEx(const SMTPSERVER *lpServer, const SMTPMESSAGE *lpMessage,
                                     const struct _SECURITYCREDENTIALS *lpCredentials,
                                     SMTPTRACEPROC lpfnTrace, void *lpTraceData);

/**
 * @brief SmtpSubmitMessageEx() for a message object: connect (EXTENDED implied when a user
 * name is given), authenticate (SMTP_AUTH_AUTO), SmtpSendMimeMessage() with the envelope
 * from the message (From, or Sender; To, Cc and Bcc; Bcc never written), quit. This is what
 * the C++ CSmtpClient::SubmitMessage() of a CMailMessage calls.
 * @param lpServer      as SmtpSubmitMessage().
 * @param hMessage      the message; read during the call only (changes are refused meanwhile).
 * @param lpCredentials as SmtpSubmitMessageEx(), or NULL.
 * @param lpfnTrace     as SmtpSubmitMessageEx(), or NULL.
 * @param lpTraceData   passed to lpfnTrace; not dereferenced.
 * @return 0 when the server accepted the message, or SMTP_ERROR with the last error of the
 *         step that failed: ST_ERROR_INVALID_ARGUMENT (the server structure, no sender or
 *         recipient in the message), ST_ERROR_INVALID_HANDLE (hMessage), the errors of
 *         SmtpConnect(), SmtpAuthenticate() and SmtpSendMimeMessage(). The connection is
 *         closed in every case.
 * @par Blocking: yes.
 * @par Thread: any (no session handle is exposed; the message is used by this thread).
 */
MAILWIRE_API int SmtpSubmitMimeMessage(const SMTPSERVER *lpServer, HMESSAGE hMessage,
                                       const SECURITYCREDENTIALS *lpCredentials,
                                       SMTPTRACEPROC lpfnTrace, void *lpTraceData);

/**
 * @brief Start a transaction: MAIL FROM with SIZE (when dwMessageSize is non-zero and the
 * server offers SIZE), BODY=8BITMIME / SMTPUTF8 as dwOptions asks, and the DSN RET/ENVID set
 * with SmtpSetDeliveryOptions() (RFC 5321 section 3.3).
 *
 * Continue with SmtpAddRecipient(), SmtpWrite() and SmtpCloseMessage(); SmtpReset()
 * abandons the transaction.
 * @param hClient       a connected SMTP session with no transaction open.
 * @param lpszFrom      envelope sender, one address ("" or "<>" for the null reverse path).
 *                      Copied.
 * @param dwMessageSize expected message size, 0 when unknown; larger than the server's
 *                      SIZE: ST_ERROR_MESSAGE_TOO_LARGE and nothing sent (RFC 1870).
 * @param dwOptions     0, or SMTP_CONTENT_8BIT / SMTP_CONTENT_SMTPUTF8.
 * @return 0 when MAIL was accepted; SMTP_IN_PROGRESS (non-blocking); SMTP_ERROR:
 *         ST_ERROR_INVALID_ARGUMENT (NULL, not exactly one address, control characters),
 *         ST_ERROR_NOT_SUPPORTED (the server lacks 8BITMIME, SMTPUTF8 or DSN that the options
 *         need; nothing is sent), ST_ERROR_MESSAGE_TOO_LARGE, ST_ERROR_INVALID_STATE (a
 *         transaction is already open), ST_ERROR_SERVER_PERMANENT / ST_ERROR_SERVER_TEMPORARY (MAIL
 * refused), the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes, up to the session timeout (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpCreateMessage(HCLIENT hClient, const char *lpszFrom, uint64_t dwMessageSize,
                                   uint32_t dwOptions);
/** @name SmtpCreateMessage() dwOptions */
/** @{ */
#define SMTP_CONTENT_8BIT 0x0001u     /**< BODY=8BITMIME (RFC 6152) */
#define SMTP_CONTENT_SMTPUTF8 0x0002u /**< SMTPUTF8 (RFC 6531) */
/** @} */

/**
 * @brief Add one envelope recipient (RCPT TO, with DSN NOTIFY/ORCPT when set; RFC 5321
 * section 4.1.1.3) to the transaction opened by SmtpCreateMessage().
 * @param hClient     a session with an open transaction.
 * @param lpszAddress one address (display name allowed); copied. A non-ASCII address needs a
 *        transaction started with SMTP_CONTENT_SMTPUTF8 (RFC 6531 section 3.4).
 * @return 0 when accepted; SMTP_IN_PROGRESS (non-blocking); SMTP_ERROR:
 *         ST_ERROR_SERVER_PERMANENT / ST_ERROR_SERVER_TEMPORARY when refused (the transaction
 *         goes on; the result is also in SmtpGetRecipientResult()),
 *         ST_ERROR_INVALID_ARGUMENT (NULL, control characters, not exactly one address, a
 *         UTF-8 address in a transaction without SMTPUTF8), ST_ERROR_NOT_SUPPORTED (server
 *         lacks SMTPUTF8), ST_ERROR_INVALID_STATE (no transaction open, or the message has
 *         started),
 *         the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes, up to the session timeout (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpAddRecipient(HCLIENT hClient, const char *lpszAddress);

/**
 * @brief Append message bytes. The first call sends DATA (or starts BDAT) and waits for 354.
 *
 * Line endings are normalised to CRLF and line-initial dots doubled (RFC 5321 section 4.5.2),
 * across calls (a CR at the end of one buffer and an LF at the start of the next are one line
 * ending). A NUL byte, or a buffer that would make a line longer than 998 octets (RFC 5321
 * section 4.5.3.1.6; lines are never wrapped silently), is ST_ERROR_INVALID_ARGUMENT and
 * nothing of the buffer is sent: the message so far stays intact and the caller may go on
 * (e.g. with a line break).
 * @param hClient  a session with an open transaction (after SmtpCreateMessage() and
 *                 SmtpAddRecipient()).
 * @param lpBuffer the bytes; NULL only with cbBuffer 0. Not copied: on a non-blocking
 *                 session they must stay valid until the operation has ended (common.h); a
 *                 blocking call is done with them when it returns. They are scanned in the
 *                 steps before any of them is sent.
 * @param cbBuffer the number of bytes (0 is allowed).
 * @return 0 once all bytes are handed to the connection; SMTP_IN_PROGRESS (non-blocking);
 *         SMTP_ERROR: ST_ERROR_INVALID_ARGUMENT, ST_ERROR_INVALID_STATE (no transaction open),
 *         ST_ERROR_NO_VALID_RECIPIENTS (every recipient was refused; the transaction is
 *         reset), ST_ERROR_SERVER_PERMANENT / ST_ERROR_SERVER_TEMPORARY (DATA refused),
 *         ST_ERROR_OUT_OF_MEMORY, the handle and state errors and the exchange errors.
 * @par Blocking: yes, while the bytes are sent (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpWrite(HCLIENT hClient, const void *lpBuffer, size_t cbBuffer);

/**
 * @brief End the message (final CRLF when missing, then CRLF.CRLF, or the last BDAT chunk)
 * and wait for the server to accept it (RFC 5321 section 4.1.1.4).
 * @param hClient a session with an open transaction.
 * @return 0 when the server accepted the message (250); SMTP_IN_PROGRESS (non-blocking);
 *         SMTP_ERROR: ST_ERROR_SERVER_PERMANENT / ST_ERROR_SERVER_TEMPORARY (message refused),
 *         ST_ERROR_NO_VALID_RECIPIENTS, ST_ERROR_INVALID_STATE (no transaction open), the handle
 * and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes, up to the session timeout (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpCloseMessage(HCLIENT hClient);

/**
 * @brief Server capabilities as SMTP_EXTOPT_* bits (learned from EHLO, after TLS when used);
 * SmtpGetExtendedOptionsEx() without the size limit and lines.
 * @param hClient     an SMTP session (connected or not; no I/O).
 * @param lpdwOptions receives the bits (0 after HELO); NULL is accepted and stores nothing.
 * @return 0, or SMTP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetExtendedOptions(HCLIENT hClient, uint32_t *lpdwOptions);

/**
 * @brief Capabilities with the SIZE limit and the raw EHLO keyword lines. No I/O.
 * @param hClient       an SMTP session.
 * @param lpdwOptions   receives SMTP_EXTOPT_* bits (0 after HELO); may be NULL.
 * @param lpqwSizeLimit receives the SIZE limit in octets, 0 when none (may be NULL).
 * @param lppszLines    receives the EHLO lines after the greeting line, LF-separated ("" after
 *                      HELO), owned by the session and valid until the next call on the
 *                      handle (may be NULL).
 * @return 0, or SMTP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetExtendedOptionsEx(HCLIENT hClient, uint32_t *lpdwOptions,
                                          uint64_t *lpqwSizeLimit, const char **lppszLines);

/**
 * @brief DSN options (RFC 3461) for the following transactions. No I/O.
 * @param hClient         an SMTP session.
 * @param dwOptions       SMTP_NOTIFY_* | SMTP_RETURN_* | SMTP_NOTIFY_ORCPT (0 clears). NEVER
 *                        excludes the other NOTIFY bits (RFC 3461 section 4.1); HEADERS
 *                        excludes FULL.
 * @param lpszEnvelopeId  ENVID (printable ASCII, at most 100 characters, sent xtext-encoded;
 *                        RFC 3461 section 4.4), or NULL. Copied.
 * @return 0 or SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT for unknown bits, conflicting bits or an
 *         invalid ENVID; ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER). When the server does
 *         not offer DSN, the next transaction fails with ST_ERROR_NOT_SUPPORTED (nothing is
 *         silently dropped).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpSetDeliveryOptions(HCLIENT hClient, uint32_t dwOptions,
                                        const char *lpszEnvelopeId);

/**
 * @brief RSET: abandon the transaction in progress (RFC 5321 section 4.1.1.5).
 * @param hClient a connected SMTP session (with or without an open transaction).
 * @return 0; SMTP_IN_PROGRESS (non-blocking); SMTP_ERROR: ST_ERROR_SERVER_PERMANENT /
 *         ST_ERROR_SERVER_TEMPORARY, ST_ERROR_INVALID_STATE (the message transfer has started), the
 *         handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes, up to the session timeout (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpReset(HCLIENT hClient);

/**
 * @brief VRFY (RFC 5321 section 3.5): 0 when the server confirms the address (250/251) or
 * will accept it without verifying (252).
 * @param hClient     a connected SMTP session with no transaction open.
 * @param lpszAddress the address or name to verify (non-empty, no control characters); sent
 *                    as given after "VRFY ".
 * @return 0; SMTP_IN_PROGRESS (non-blocking); SMTP_ERROR: ST_ERROR_INVALID_ARGUMENT,
 *         ST_ERROR_SERVER_PERMANENT (e.g. 550, or 502 when VRFY is disabled) /
 *         ST_ERROR_SERVER_TEMPORARY, ST_ERROR_INVALID_STATE (a transaction is open), the handle and
 *         state errors and the exchange errors (see the file comment).
 * @par Blocking: yes, up to the session timeout (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpVerifyAddress(HCLIENT hClient, const char *lpszAddress);

/**
 * @brief EXPN (RFC 5321 section 3.5): expand a mailing list.
 * @param hClient     a connected SMTP session with no transaction open.
 * @param lpszAddress the list name (non-empty, no control characters).
 * @param lpszBuffer  receives the reply lines (LF-separated, truncated to cbBuffer - 1,
 *                    NUL-terminated) when the server accepts; may be NULL; left as it was
 *                    on failure. Written when the operation completes: before a blocking
 *                    call returns, inside the SmtpExecute() that completes a non-blocking
 *                    one (the buffer must stay valid until then). SmtpGetResultString()
 *                    has the same text.
 * @param cbBuffer    size of lpszBuffer in bytes.
 * @return 0; SMTP_IN_PROGRESS (non-blocking); SMTP_ERROR: ST_ERROR_INVALID_ARGUMENT,
 *         ST_ERROR_SERVER_PERMANENT (most servers answer 502) / ST_ERROR_SERVER_TEMPORARY,
 *         ST_ERROR_INVALID_STATE (a transaction is open), the handle and state errors and the
 *         exchange errors (see the file comment).
 * @par Blocking: yes, up to the session timeout (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpExpandAddress(HCLIENT hClient, const char *lpszAddress, char *lpszBuffer,
                                   size_t cbBuffer);

/**
 * @brief Send one raw command line (without CRLF) and wait for its reply.
 *
 * Commands that change the protocol state (DATA, BDAT, STARTTLS, AUTH) are refused: use the
 * dedicated calls. A raw MAIL or RCPT is sent but not tracked by the library.
 * @param hClient     a connected SMTP session.
 * @param lpszCommand the line; copied into the output before the call returns. Empty, or
 *                    holding CR, LF, NUL or another control character:
 *                    ST_ERROR_INVALID_ARGUMENT.
 * @return the reply code (2xx, 4xx or 5xx: a negative reply is not an error here);
 *         SMTP_IN_PROGRESS (non-blocking: read the code with SmtpGetResultCode() once the
 *         operation has completed); SMTP_ERROR: ST_ERROR_INVALID_ARGUMENT, ST_ERROR_OUT_OF_SYNC
 *         for a 1xx or 3xx reply (the session is closed), ST_ERROR_SERVER_TEMPORARY for 421
 *         (the session is closed), the handle and state errors and the exchange errors.
 * @par Blocking: yes, up to the session timeout (non-blocking session: no).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpCommand(HCLIENT hClient, const char *lpszCommand);

/**
 * @brief Code of the last server reply. No I/O.
 * @param hClient an SMTP session.
 * @return the reply code (200-599, also of a negative reply), 0 when no reply has come yet,
 *         or SMTP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER). The last error is not
 *         changed on success.
 * @par Blocking: no.
 * @par Thread: the owner; also from an event callback.
 */
MAILWIRE_API int SmtpGetResultCode(HCLIENT hClient);

/**
 * @brief Text of the last reply (lines joined by LF, without the codes). No I/O.
 * @param hClient    an SMTP session.
 * @param lpszResult receives it (truncated to cbResult - 1 bytes, NUL-terminated); may be NULL
 *                   to get the length only.
 * @param cbResult   size of lpszResult in bytes (0: nothing is stored).
 * @return the full length of the text in bytes (without the NUL), or SMTP_ERROR
 *         (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner; also from an event callback.
 */
MAILWIRE_API int SmtpGetResultString(HCLIENT hClient, char *lpszResult, size_t cbResult);

/**
 * @brief Progress of the transfer in progress or the last one; readable from the
 * SMTP_EVENT_PROGRESS callback. No I/O.
 * @param hClient  an SMTP session.
 * @param lpStatus receives the figures; set lpStatus->dwSize to sizeof(SMTPTRANSFERSTATUS)
 *                 first.
 * @return 0, or SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT for NULL or a small dwSize, checked
 *         before the handle; ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner; also from an event callback.
 */
MAILWIRE_API int SmtpGetTransferStatus(HCLIENT hClient, LPSMTPTRANSFERSTATUS lpStatus);

/**
 * @brief Number of recipients of the last transaction (for SmtpGetRecipientResult()). No I/O.
 * @param hClient an SMTP session.
 * @return the count (0 or more), or SMTP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetRecipientCount(HCLIENT hClient);

/**
 * @brief The server's answer to recipient nIndex of the last transaction. No I/O.
 * @param hClient     an SMTP session.
 * @param nIndex      0-based, below SmtpGetRecipientCount().
 * @param lpRecipient receives the result; set lpRecipient->dwSize to sizeof(SMTPRECIPIENT)
 *                    first. Its string members point into the session and stay valid until
 *                    the next call on the handle.
 * @return 0 or SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT for a bad index, NULL or a small dwSize;
 *         ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetRecipientResult(HCLIENT hClient, unsigned nIndex,
                                        LPSMTPRECIPIENT lpRecipient);

/**
 * @brief Register (or with NULL remove) the callback of one event; MailwireRegisterEvent()
 * for an SMTP handle.
 * @param hClient    an SMTP session (an IMAP handle is ST_ERROR_INVALID_HANDLE here).
 * @param nEventId   an SMTP_EVENT_* value.
 * @param lpfnProc   the callback, or NULL to remove it; called on the thread that drives the
 *                   session and must stay callable while registered.
 * @param lpUserData passed back unchanged; not dereferenced by the library.
 * @return 0, or SMTP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER,
 *         ST_ERROR_INVALID_ARGUMENT for an unknown event).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpRegisterEvent(HCLIENT hClient, unsigned nEventId, MAILWIRE_EVENTPROC lpfnProc,
                                   void *lpUserData);
/**
 * @brief Cancel the operation running on a session; forwards to MailwireCancel().
 *
 * A blocking call in progress on another thread fails promptly with ST_ERROR_CANCELLED; a
 * non-blocking operation fails with it at the next SmtpExecute(). From a callback of the
 * running call (PROGRESS, say) it stops the transfer before the next byte: the end of data is
 * never sent, so the server discards the message. The connection is closed afterwards, as
 * the protocol state is unknown; the handle stays valid until SmtpDisconnect().
 * @param hClient the session. MailwireCancel() does not check the protocol, so an IMAP
 *                handle is accepted too.
 * @return 0, or SMTP_ERROR (ST_ERROR_INVALID_HANDLE, also for an IMAP handle).
 * @par Blocking: no.
 * @par Thread: any; the one call exempt from the owner check.
 */
MAILWIRE_API int SmtpCancel(HCLIENT hClient);
/**
 * @brief Transfer ownership of a session to another thread; forwards to
 * MailwireAttachThread().
 * @param hClient    the session (the protocol is not checked).
 * @param dwThreadId the new owner (MailwireGetCurrentThreadId() of that thread), or 0 for the
 *                   calling thread. Not validated.
 * @return the previous owner's thread id, or 0 on failure (ST_ERROR_INVALID_HANDLE, also for a
 *         handle of the other protocol).
 * @par Blocking: no.
 * @par Thread: any; never while the handle is inside a blocking call (cancel it first).
 */
MAILWIRE_API uint32_t SmtpAttachThread(HCLIENT hClient, uint32_t dwThreadId);
/**
 * @brief The calling thread's last error; forwards to MailwireGetLastError().
 * @return an ST_ERROR_* value (ST_ERROR_NONE after a call that succeeded and reset it). The
 *         detail text is in MailwireGetLastErrorDetail().
 * @par Blocking: no.
 * @par Thread: any; each thread has its own value.
 */
MAILWIRE_API unsigned SmtpGetLastError(void);
/**
 * @brief Copy the fixed English text of an error code into a buffer (the SocketTools form).
 *
 * @code
 * char text[128];
 * SmtpGetErrorString(SmtpGetLastError(), text, (int)sizeof text);
 * @endcode
 * @param dwError    any value; an unknown code gives "unknown error".
 * @param lpszBuffer receives the text, NUL-terminated; cut to nMaxLength - 1 characters when
 *                   longer (the texts are ASCII).
 * @param nMaxLength size of lpszBuffer in bytes, NUL included.
 * @return the number of characters copied (the NUL not counted); 0 when lpszBuffer is NULL or
 *         nMaxLength < 1 (nothing written). The last error is not changed, neither on
 *         success nor on a bad argument, so the call can report it.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API int SmtpGetErrorString(unsigned dwError, char *lpszBuffer, int nMaxLength);
/**
 * @brief Fixed English text of an error code as a pointer (what SmtpGetErrorString() returned
 * before it took the SocketTools buffer form); the same as MailwireGetErrorString().
 * @param nError any value.
 * @return a static string, never NULL ("unknown error" for an unknown code); do not free.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API const char *SmtpGetErrorText(unsigned nError);
/**
 * @brief Allocate a SECURITYCREDENTIALS block holding copies of the given strings; forwards
 * to MailwireCreateSecurityCredentials(). The files are only read at connect time.
 * @param dwOptions           SECURITY_CREDENTIAL_* flags.
 * @param lpszCertificateFile client certificate (PEM or PKCS#12), or NULL. Copied.
 * @param lpszPrivateKeyFile  PEM key, or NULL. Copied.
 * @param lpszPassword        key or PKCS#12 password, or NULL. Copied (wiped when freed).
 * @param lpszCAFile          extra trust anchors (PEM), or NULL. Copied.
 * @param lppCredentials      receives the block; the caller frees it with
 *                            SmtpDeleteSecurityCredentials().
 * @return 0, or SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT, ST_ERROR_OUT_OF_MEMORY).
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API int SmtpCreateSecurityCredentials(uint32_t dwOptions, const char *lpszCertificateFile,
                                               const char *lpszPrivateKeyFile,
                                               const char *lpszPassword, const char *lpszCAFile,
                                               struct _SECURITYCREDENTIALS **lppCredentials);
/**
 * @brief Free a block from SmtpCreateSecurityCredentials(); the password is wiped. Forwards
 * to MailwireDeleteSecurityCredentials().
 * @param lpCredentials the block, or NULL (no effect). Sessions connected with it keep their
 *                      own copy.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API void SmtpDeleteSecurityCredentials(struct _SECURITYCREDENTIALS *lpCredentials);
/**
 * @brief Describe the TLS state of a session; MailwireGetSecurityInfo() for an SMTP handle.
 * @param hClient an SMTP session (an IMAP handle is ST_ERROR_INVALID_HANDLE here).
 * @param lpInfo  receives the information; set lpInfo->dwSize to sizeof(SECURITYINFO) first.
 * @return 0 (on a cleartext session dwProtocol is SECURITY_PROTOCOL_NONE), or SMTP_ERROR
 *         (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER, ST_ERROR_INVALID_ARGUMENT).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetSecurityInfo(HCLIENT hClient, struct _SECURITYINFO *lpInfo);

/**
 * @brief Non-blocking sessions: what to wait for before the next SmtpExecute()
 * (MailwireGetPollInfo() for an SMTP handle).
 * @param hClient   an SMTP session (an IMAP handle is ST_ERROR_INVALID_HANDLE here).
 * @param lpSocket  receives the descriptor to poll.
 * @param lpEvents  receives MAILWIRE_POLL_READ and/or MAILWIRE_POLL_WRITE.
 * @param lpTimeout receives the milliseconds until the deadline (0: call SmtpExecute() now;
 *                  -1: none).
 * @return 0, or SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT for a NULL pointer,
 *         ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetPollInfo(HCLIENT hClient, MAILWIRE_SOCKET *lpSocket, unsigned *lpEvents,
                                 int *lpTimeout);
/**
 * @brief Non-blocking sessions: advance the operation (MailwireExecute() for an SMTP handle).
 *
 * Event callbacks of the session run inside this call.
 * @param hClient an SMTP session (an IMAP handle is ST_ERROR_INVALID_HANDLE here).
 * @return 0 when the operation finished successfully (or none is running), SMTP_IN_PROGRESS
 *         while it goes on, or SMTP_ERROR with the operation's error (any code listed for
 *         the call that started it), ST_ERROR_INVALID_HANDLE or ST_ERROR_NOT_OWNER.
 * @par Blocking: never.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpExecute(HCLIENT hClient);
/**
 * @brief The socket of the session, for the caller's own poll loop. Do not read, write or
 * close it: it belongs to the session (and carries TLS).
 * @param hClient an SMTP session.
 * @return the socket the session currently waits on (invalid before the TCP connection
 *         exists), or (MAILWIRE_SOCKET)-1 with ST_ERROR_INVALID_HANDLE / ST_ERROR_NOT_OWNER.
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API MAILWIRE_SOCKET SmtpGetSocket(HCLIENT hClient);

/* ==== Window-message events (Windows only) ==================================================
 * Kept as one block, apart from the text functions, and taking no text. */
#ifdef _WIN32
/* <windows.h>'s HWND, spelt as its STRICT declaration (the default of MinGW and MSVC) so that
 * this header need not include <windows.h>, which would pull in <winsock.h> before an
 * application's <winsock2.h>. */
struct HWND__;

/**
 * @brief Make a session asynchronous with window-message notification (SocketTools'
 *        hEventWnd/uEventMsg form; Windows only).
 *
 * From this call on the session is non-blocking (every call that starts an operation returns
 * SMTP_IN_PROGRESS, as after SmtpAsyncConnect()) and the library drives it by itself on the
 * calling thread, from that thread's message loop: a hidden message-only window of its own
 * watches the socket (WSAAsyncSelect()), the deadline (a timer) and the session's requests to
 * go on, and calls SmtpExecute() for it. No SmtpExecute(), poll or watch of the application's
 * is needed; the thread only has to dispatch messages (GetMessage()/DispatchMessage(), a
 * dialog, MFC). Every event of the session is posted to hEventWnd as uEventMsg with
 * wParam = the client handle and lParam = MAKELPARAM(event, error): LOWORD(lParam) is an
 * SMTP_EVENT_* value (CONNECT, DISCONNECT, READ, WRITE, TIMEOUT, CANCEL, COMMAND, PROGRESS,
 * ERROR, and COMPLETE once per operation, after its other events: the operation a call
 * started has ended), HIWORD(lParam) the error the event reports (ST_ERROR_NONE, or an
 * mw_error value). Callbacks registered with SmtpRegisterEvent() are still called, inside
 * the library, before the message is handled.
 *
 * Typical use: SmtpAsyncConnect(), then this call; the CONNECT and COMPLETE messages follow.
 * Start the next operation from the handler of COMPLETE (the results are in place when the
 * message is posted). SmtpCancel() from a button's handler ends the running operation with
 * CANCEL (and COMPLETE, error ST_ERROR_CANCELLED) promptly. After SmtpDisconnect(), messages
 * already posted may still arrive with the old handle value: they name a handle that is gone.
 * @param hClient   an SMTP session, blocking (SmtpConnect()) or not (SmtpAsyncConnect(),
 *                  e.g. with its connect still running); events already enabled are
 *                  re-targeted to the new window and message.
 * @param hEventWnd the window that receives the notifications; it must belong to the calling
 *                  thread (the session is driven on that thread).
 * @param uEventMsg the message posted (WM_USER, WM_APP or above; not WM_NULL).
 * @return 0, or SMTP_ERROR: ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER,
 *         ST_ERROR_INVALID_ARGUMENT (not a window, a window of another thread, WM_NULL),
 *         ST_ERROR_BUSY (called from a callback of a blocking call), ST_ERROR_INTERNAL (the
 *         driver window could not be created).
 * @par Blocking: no.
 * @par Thread: the owner, which must also own hEventWnd and dispatch its messages.
 */
MAILWIRE_API int SmtpEnableEvents(HCLIENT hClient, struct HWND__ *hEventWnd,
                                  unsigned int uEventMsg);

/**
 * @brief Stop window-message notification and return the session to blocking mode (Windows
 *        only): later calls wait for their operations again, as after SmtpConnect().
 *
 * Messages posted before the call stay in the window's queue. Callbacks registered with
 * SmtpRegisterEvent() stay registered.
 * @param hClient an SMTP session (without events enabled the call changes nothing).
 * @return 0, or SMTP_ERROR: ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER, ST_ERROR_BUSY (an
 *         operation is still running: wait for its COMPLETE message, or cancel it, first).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpDisableEvents(HCLIENT hClient);
#endif /* _WIN32 */
/* ==== end of the window-message events ==================================================== */

#ifdef __cplusplus
}
#endif

/** @brief The declarations above are complete: <mailwire/wide.h> adds their A (UTF-8) and W
 *  (wchar_t) forms and, on Windows under UNICODE, maps the plain names to the W forms
 *  (generated by scripts/gen-wide.py). */
#define MAILWIRE_SMTP_COMPLETE
#include <mailwire/wide.h>

#endif
