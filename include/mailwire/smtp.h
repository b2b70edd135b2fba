/**
 * @file smtp.h
 * @brief mailwire SMTP client API (SocketTools-style).
 *
 * Every int-returning call returns 0 on success and SMTP_ERROR on failure (the reason in
 * SmtpGetLastError()); on a non-blocking session a call that started an operation returns
 * MAILWIRE_IN_PROGRESS. See common.h for handles, errors, events and TLS structures.
 *
 * Server replies map to errors as in the Treck SMTP client: a 5xx reply is
 * ST_ERROR_SERVER_PERMANENT and a 4xx reply ST_ERROR_SERVER_TEMPORARY (the session stays
 * usable); 421 is ST_ERROR_SERVER_TEMPORARY too, but the server closes the channel after it
 * (RFC 5321 section 3.8), so the session is closed and later calls fail with
 * ST_ERROR_NOT_CONNECTED; a reply of a class the command cannot have is ST_ERROR_OUT_OF_SYNC
 * and a malformed reply ST_ERROR_PROTOCOL_VIOLATION (both close the session); AUTH 535 is
 * ST_ERROR_AUTHENTICATION_FAILED. SmtpGetResultCode() / SmtpGetResultString() give the reply.
 */
#ifndef MAILWIRE_SMTP_H
#define MAILWIRE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/common.h>

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

/** @name Results and identifiers shared with common.h @{ */
#define SMTP_ERROR MAILWIRE_ERROR             /**< An int call failed; see SmtpGetLastError(). */
#define SMTP_IN_PROGRESS MAILWIRE_IN_PROGRESS /**< Non-blocking: the operation goes on. */
#define SMTP_EVENT_CONNECT MAILWIRE_EVENT_CONNECT
#define SMTP_EVENT_DISCONNECT MAILWIRE_EVENT_DISCONNECT
#define SMTP_EVENT_READ MAILWIRE_EVENT_READ
#define SMTP_EVENT_WRITE MAILWIRE_EVENT_WRITE
#define SMTP_EVENT_TIMEOUT MAILWIRE_EVENT_TIMEOUT
#define SMTP_EVENT_CANCEL MAILWIRE_EVENT_CANCEL
#define SMTP_EVENT_COMMAND MAILWIRE_EVENT_COMMAND /**< One per server reply. */
#define SMTP_EVENT_PROGRESS                                                                        \
    MAILWIRE_EVENT_PROGRESS /**< During DATA/BDAT; see                                             \
                                 SmtpGetTransferStatus(). */
#define SMTP_EVENT_ERROR MAILWIRE_EVENT_ERROR
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
#define SMTP_OPTION_TUNNEL MAILWIRE_OPTION_TUNNEL
#define SMTP_OPTION_TRUSTEDSITE MAILWIRE_OPTION_TRUSTEDSITE
#define SMTP_OPTION_SECURE MAILWIRE_OPTION_SECURE
#define SMTP_OPTION_SECURE_IMPLICIT MAILWIRE_OPTION_SECURE_IMPLICIT
#define SMTP_OPTION_SECURE_FALLBACK MAILWIRE_OPTION_SECURE_FALLBACK
#define SMTP_OPTION_PREFER_IPV6 MAILWIRE_OPTION_PREFER_IPV6
#define SMTP_OPTION_FREETHREAD MAILWIRE_OPTION_FREETHREAD
/** Allow AUTH on an unencrypted connection to a non-loopback host (refused otherwise). */
#define SMTP_OPTION_ALLOW_CLEARTEXT_AUTH MAILWIRE_OPTION_ALLOW_CLEARTEXT_AUTH
/** @} */

/** @name Server capabilities (SmtpGetExtendedOptions()) @{ */
#define SMTP_EXTOPT_EXPN 0x00000001u
#define SMTP_EXTOPT_VRFY 0x00000002u
#define SMTP_EXTOPT_DSN 0x00000004u  /**< RFC 3461 */
#define SMTP_EXTOPT_SIZE 0x00000008u /**< RFC 1870 */
#define SMTP_EXTOPT_ETRN 0x00000010u
#define SMTP_EXTOPT_8BITMIME 0x00000020u /**< RFC 6152 */
#define SMTP_EXTOPT_AUTHLOGIN 0x00000040u
#define SMTP_EXTOPT_AUTHPLAIN 0x00000080u
#define SMTP_EXTOPT_AUTHCRAMMD5 0x00000100u
#define SMTP_EXTOPT_AUTHXOAUTH2 0x00000200u
#define SMTP_EXTOPT_AUTHBEARER 0x00000400u
#define SMTP_EXTOPT_AUTHSCRAMSHA1 0x00000800u
#define SMTP_EXTOPT_AUTHSCRAMSHA256 0x00001000u
#define SMTP_EXTOPT_STARTTLS 0x00002000u   /**< RFC 3207 */
#define SMTP_EXTOPT_PIPELINING 0x00004000u /**< RFC 2920 */
#define SMTP_EXTOPT_CHUNKING 0x00008000u   /**< RFC 3030 */
#define SMTP_EXTOPT_BINARYMIME 0x00010000u
#define SMTP_EXTOPT_SMTPUTF8 0x00020000u /**< RFC 6531 */
#define SMTP_EXTOPT_ENHANCEDSTATUSCODES 0x00040000u
#define SMTP_EXTOPT_AUTH 0x00080000u /**< AUTH offered (any mechanism) */
/** @} */

/** @name SmtpAuthenticate() mechanisms (the SocketTools values where they exist) @{ */
#define SMTP_AUTH_LOGIN 0
#define SMTP_AUTH_PLAIN 1
#define SMTP_AUTH_XOAUTH2 3 /**< password argument: OAuth 2.0 access token */
#define SMTP_AUTH_BEARER 4  /**< OAUTHBEARER (RFC 7628); password argument: token */
#define SMTP_AUTH_CRAMMD5 5
#define SMTP_AUTH_SCRAMSHA1 6
#define SMTP_AUTH_SCRAMSHA256 7
/** The strongest password mechanism the server offers after TLS: SCRAM-SHA-256,
 *  SCRAM-SHA-1, PLAIN, LOGIN, CRAM-MD5. */
#define SMTP_AUTH_AUTO 8
/** @} */

/** @name SmtpSetDeliveryOptions() flags (RFC 3461 DSN) @{ */
#define SMTP_NOTIFY_NEVER 0x0001u   /**< NOTIFY=NEVER */
#define SMTP_NOTIFY_SUCCESS 0x0002u /**< NOTIFY=SUCCESS */
#define SMTP_NOTIFY_FAILURE 0x0004u /**< NOTIFY=FAILURE */
#define SMTP_NOTIFY_DELAY 0x0008u   /**< NOTIFY=DELAY */
#define SMTP_RETURN_HEADERS 0x0010u /**< RET=HDRS */
#define SMTP_RETURN_FULL 0x0020u    /**< RET=FULL */
#define SMTP_NOTIFY_ORCPT 0x0040u   /**< ORCPT=rfc822;<recipient> on every RCPT */
/** @} */

/** @name SmtpSendMessage() dwOptions @{ */
#define SMTP_MESSAGE_MEMORY                                                                        \
    0x0000u /**< lpvMessage points to the message (cbMessage 0: a                                  \
                 NUL-terminated string). */
#define SMTP_MESSAGE_FILE                                                                          \
    0x0001u /**< lpvMessage is a file path (UTF-8); the file is streamed                           \
                 and cbMessage is ignored. */
/** @} */

/**
 * @brief Progress of the message transfer in progress (or the last one).
 * Set dwSize to sizeof(SMTPTRANSFERSTATUS) before SmtpGetTransferStatus().
 */
typedef struct _SMTPTRANSFERSTATUS {
    uint32_t dwSize;        /**< sizeof(SMTPTRANSFERSTATUS). */
    uint64_t qwBytesTotal;  /**< Size of the message as given (0: unknown). */
    uint64_t qwBytesCopied; /**< Message bytes handed to the connection so far. */
} SMTPTRANSFERSTATUS, *LPSMTPTRANSFERSTATUS;

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

/**
 * @brief Start using the SMTP API (reference-counted, thread-safe).
 * @return non-zero on success (as SocketTools' BOOL), 0 on failure (last error set).
 * Optional: the library initialises itself on first use.
 * @par Blocking: no. @par Thread: any.
 */
MAILWIRE_API int SmtpInitialize(void);

/**
 * @brief Release one reference taken by SmtpInitialize().
 * @par Blocking: no. @par Thread: any.
 */
MAILWIRE_API void SmtpUninitialize(void);

/**
 * @brief Connect to an SMTP server: greeting, EHLO (or HELO), STARTTLS when asked.
 *
 * Port 0 picks 25, or 465 with SMTP_OPTION_SECURE_IMPLICIT. Unless SMTP_OPTION_TUNNEL is
 * given, port 465 implies implicit TLS and 587 implies SMTP_OPTION_EXTENDED. With
 * SMTP_OPTION_SECURE the upgrade is mandatory: no STARTTLS offered, or a refusal, fails with
 * ST_ERROR_STARTTLS_UNAVAILABLE; after TLS every capability is forgotten and EHLO is sent
 * again (RFC 3207 section 4.2). Bytes after the server's 220 go-ahead are a protocol
 * violation (response injection). When EHLO is refused the client falls back to HELO (no
 * extensions; an error with SECURE).
 * @param lpszRemoteHost host name or IP address (required; verified in the certificate).
 * @param nRemotePort    port, 0 for the default.
 * @param nTimeout       seconds to wait for each step (connect, handshake, each reply);
 *                       0 means 20.
 * @param dwOptions      SMTP_OPTION_* bits.
 * @param lpszLocalName  name announced in EHLO/HELO; NULL or "" for the system's fully
 *                       qualified name. CR, LF, NUL, space: ST_ERROR_INVALID_ARGUMENT.
 * @param lpCredentials  TLS client credentials and extra CA file, or NULL (copied).
 * @return a handle, or INVALID_CLIENT (last error: resolve/connect/TLS/certificate codes,
 *         ST_ERROR_SERVER_PERMANENT / _TEMPORARY for a refusing greeting, ...).
 * @par Blocking: yes, up to the timeout per step. @par Thread: any; the handle belongs to
 * the calling thread (see SMTP_OPTION_FREETHREAD, SmtpAttachThread()).
 */
MAILWIRE_API HCLIENT SmtpConnect(const char *lpszRemoteHost, unsigned nRemotePort,
                                 unsigned nTimeout, uint32_t dwOptions, const char *lpszLocalName,
                                 const SECURITYCREDENTIALS *lpCredentials);

/**
 * @brief Start a non-blocking connection (same arguments and rules as SmtpConnect()).
 *
 * Returns at once. Every later call on the handle that starts an operation returns
 * SMTP_IN_PROGRESS; drive it with SmtpGetPollInfo() + poll + SmtpExecute() until SmtpExecute()
 * returns 0 (done) or SMTP_ERROR. SMTP_EVENT_CONNECT fires when the connection is ready (its
 * error argument says whether it failed).
 * @return a handle, or INVALID_CLIENT on an immediate failure (invalid argument, no memory).
 * @par Blocking: no (the name is resolved on a helper thread). @par Thread: any.
 */
MAILWIRE_API HCLIENT SmtpAsyncConnect(const char *lpszRemoteHost, unsigned nRemotePort,
                                      unsigned nTimeout, uint32_t dwOptions,
                                      const char *lpszLocalName,
                                      const SECURITYCREDENTIALS *lpCredentials);

/**
 * @brief Authenticate with SASL (RFC 4954).
 *
 * Credentials are refused on an unencrypted connection to a non-loopback host unless the
 * session was opened with SMTP_OPTION_ALLOW_CLEARTEXT_AUTH (ST_ERROR_CLEARTEXT_REFUSED;
 * nothing is sent). The mechanism must be among those the server offers (after TLS).
 * @param nAuthType SMTP_AUTH_* (SMTP_AUTH_AUTO picks the strongest offered).
 * @param lpszUserName user name (for the OAuth types the account address).
 * @param lpszPassword password, or the OAuth 2.0 access token for XOAUTH2 / BEARER. An empty
 *                     password with a user name is ST_ERROR_INVALID_ARGUMENT (Treck).
 * @return 0; SMTP_IN_PROGRESS (non-blocking); SMTP_ERROR: ST_ERROR_AUTHENTICATION_FAILED
 *         (535), ST_ERROR_INVALID_AUTHENTICATION_TYPE, ST_ERROR_CLEARTEXT_REFUSED,
 *         ST_ERROR_INVALID_ARGUMENT, server reply classes.
 * @par Blocking: yes (unless non-blocking). @par Thread: the owner.
 */
MAILWIRE_API int SmtpAuthenticate(HCLIENT hClient, unsigned nAuthType, const char *lpszUserName,
                                  const char *lpszPassword);

/**
 * @brief Send QUIT (when connected), close the connection and free the handle.
 * @return 0, or SMTP_ERROR with ST_ERROR_INVALID_HANDLE / ST_ERROR_NOT_OWNER. The handle is
 *         invalid afterwards even when QUIT failed.
 * @par Blocking: a blocking session waits for the QUIT reply (up to its timeout); a
 * non-blocking one sends QUIT without waiting. @par Thread: the owner.
 */
MAILWIRE_API int SmtpDisconnect(HCLIENT hClient);

/**
 * @brief Send a ready RFC 5322 message in one call: MAIL, RCPT for every recipient, DATA or
 * BDAT, the message (streamed), and the final reply.
 *
 * The recipients are never taken from the message headers (Bcc works by listing addresses
 * that are not in the headers). With PIPELINING, MAIL, all RCPTs and DATA go out in one write;
 * with CHUNKING the message goes as BDAT chunks. SIZE= is sent when the size is known, and a
 * message larger than the server's SIZE is refused before anything is sent
 * (ST_ERROR_MESSAGE_TOO_LARGE). BODY=8BITMIME / SMTPUTF8 are added when the content needs
 * them (ST_ERROR_NOT_SUPPORTED, nothing sent, when the server does not offer them; likewise
 * DSN options without DSN). A NUL byte or a line over 998 octets (RFC 5321 section
 * 4.5.3.1.6) is ST_ERROR_INVALID_ARGUMENT before anything is sent: encode such content. Line
 * endings are normalised to CRLF, dots doubled, a final CRLF added. A refused recipient among
 * accepted ones is reported through SmtpGetRecipientResult() and is not an error unless
 * SMTP_OPTION_ALLRECIPIENTS was given at connect; all refused: ST_ERROR_NO_VALID_RECIPIENTS.
 * @param lpszFrom       envelope sender (addr-spec, optionally in <>; "" for the null path).
 * @param lpszRecipients addresses separated by commas or semicolons (display names allowed).
 * @param lpvMessage     the message, or with SMTP_MESSAGE_FILE a file path.
 * @param cbMessage      its size; 0 with SMTP_MESSAGE_MEMORY: a NUL-terminated string.
 * @param dwOptions      SMTP_MESSAGE_MEMORY or SMTP_MESSAGE_FILE.
 * @return 0; SMTP_IN_PROGRESS; SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT for CR/LF/NUL in an
 *         address or a NUL in the message, ST_ERROR_FILE, server classes ...).
 * @par Blocking: yes (unless non-blocking; then a memory message is copied first).
 * @par Thread: the owner.
 */
MAILWIRE_API int SmtpSendMessage(HCLIENT hClient, const char *lpszFrom, const char *lpszRecipients,
                                 const void *lpvMessage, size_t cbMessage, uint32_t dwOptions);

/**
 * @brief Compose and send a message in one call: connect (EXTENDED implied when a user name
 * is given), authenticate (SMTP_AUTH_AUTO), compose RFC 5322 + MIME from lpMessage, send,
 * quit.
 * @param lpServer  where to connect (nTimeout 0 means 20 s; dwReserved must be 0).
 * @param lpMessage the message (dwSize must be sizeof(SMTPMESSAGE)).
 * @return 0 or SMTP_ERROR (last error set).
 * @par Blocking: yes. @par Thread: any.
 */
MAILWIRE_API int SmtpSubmitMessage(const SMTPSERVER *lpServer, const SMTPMESSAGE *lpMessage);

/** @name Trace directions (SMTPTRACEPROC nDirection) @{ */
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
 * SMTP handle (an IMAP handle is ST_ERROR_INVALID_HANDLE here). To trace a blocking
 * SmtpConnect() from its first byte, set MailwireSetDefaultTrace() before the call.
 * @return 0 or SMTP_ERROR (handle errors).
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API int SmtpSetTrace(HCLIENT hClient, SMTPTRACEPROC lpfnTrace, void *lpUserData);

/**
 * @brief SmtpSubmitMessage() with TLS credentials (client certificate, extra CA file, pinned
 * fingerprint) and a protocol trace; SmtpSubmitMessage() uses the system trust store only.
 * @param lpCredentials credentials as for SmtpConnect(), or NULL.
 * @param lpfnTrace     trace of the whole exchange (connect to QUIT), or NULL.
 * @param lpTraceData   passed to lpfnTrace.
 * @return 0 or SMTP_ERROR (last error set).
 * @par Blocking: yes. @par Thread: any.
 */
MAILWIRE_API int SmtpSubmitMessageEx(const SMTPSERVER *lpServer, const SMTPMESSAGE *lpMessage,
                                     const SECURITYCREDENTIALS *lpCredentials,
                                     SMTPTRACEPROC lpfnTrace, void *lpTraceData);

/**
 * @brief Start a transaction: MAIL FROM with SIZE (when dwMessageSize is non-zero and the
 * server offers SIZE), BODY=8BITMIME / SMTPUTF8 as dwOptions asks, and the DSN RET/ENVID set
 * with SmtpSetDeliveryOptions().
 * @param lpszFrom      envelope sender ("" for the null reverse path).
 * @param dwMessageSize expected message size, 0 when unknown; larger than the server's
 *                      SIZE: ST_ERROR_MESSAGE_TOO_LARGE and nothing sent.
 * @param dwOptions     0, or SMTP_CONTENT_8BIT / SMTP_CONTENT_SMTPUTF8.
 * @return 0; SMTP_IN_PROGRESS; SMTP_ERROR (ST_ERROR_NOT_SUPPORTED when the server lacks
 *         8BITMIME, SMTPUTF8 or DSN that the options need; nothing is sent).
 * @par Blocking: yes (unless non-blocking). @par Thread: the owner.
 */
MAILWIRE_API int SmtpCreateMessage(HCLIENT hClient, const char *lpszFrom, uint64_t dwMessageSize,
                                   uint32_t dwOptions);
/** @name SmtpCreateMessage() dwOptions @{ */
#define SMTP_CONTENT_8BIT 0x0001u     /**< BODY=8BITMIME (RFC 6152) */
#define SMTP_CONTENT_SMTPUTF8 0x0002u /**< SMTPUTF8 (RFC 6531) */
/** @} */

/**
 * @brief Add one envelope recipient (RCPT TO, with DSN NOTIFY/ORCPT when set).
 * @param lpszAddress the address (display name allowed); a non-ASCII address needs a
 *        transaction started with SMTP_CONTENT_SMTPUTF8 (RFC 6531 section 3.4).
 * @return 0 when accepted; SMTP_ERROR with the reply's class when refused (the transaction
 *         goes on; the result is also in SmtpGetRecipientResult()); SMTP_IN_PROGRESS;
 *         ST_ERROR_INVALID_ARGUMENT (CR/LF/NUL, a malformed address, a UTF-8 address in a
 *         transaction without SMTPUTF8), ST_ERROR_NOT_SUPPORTED (server lacks SMTPUTF8).
 * @par Blocking: yes (unless non-blocking). @par Thread: the owner.
 */
MAILWIRE_API int SmtpAddRecipient(HCLIENT hClient, const char *lpszAddress);

/**
 * @brief Append message bytes. The first call sends DATA and waits for 354. Line endings are
 * normalised to CRLF and line-initial dots doubled, across calls (a CR at the end of one
 * buffer and an LF at the start of the next are one line ending). A NUL byte, or a buffer
 * that would make a line longer than 998 octets (RFC 5321 section 4.5.3.1.6; lines are never
 * wrapped silently), is ST_ERROR_INVALID_ARGUMENT and nothing of the buffer is sent: the
 * message so far stays intact and the caller may go on (e.g. with a line break).
 * @return 0 once all bytes are handed to the connection; SMTP_IN_PROGRESS; SMTP_ERROR.
 * @par Blocking: yes (unless non-blocking; the bytes are copied). @par Thread: the owner.
 */
MAILWIRE_API int SmtpWrite(HCLIENT hClient, const void *lpBuffer, size_t cbBuffer);

/**
 * @brief End the message (final CRLF when missing, then CRLF.CRLF) and wait for the server to
 * accept it.
 * @return 0; SMTP_IN_PROGRESS; SMTP_ERROR (server classes).
 * @par Blocking: yes (unless non-blocking). @par Thread: the owner.
 */
MAILWIRE_API int SmtpCloseMessage(HCLIENT hClient);

/**
 * @brief Server capabilities as SMTP_EXTOPT_* bits (learned from EHLO, after TLS when used).
 * @param lpdwOptions receives the bits (0 after HELO).
 * @return 0 or SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT, handle errors).
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetExtendedOptions(HCLIENT hClient, uint32_t *lpdwOptions);

/**
 * @brief Capabilities with the SIZE limit and the raw EHLO keyword lines.
 * @param lpdwOptions   receives SMTP_EXTOPT_* bits (may be NULL).
 * @param lpqwSizeLimit receives the SIZE limit in octets, 0 when none (may be NULL).
 * @param lppszLines    receives the EHLO lines after the greeting line, LF-separated, valid
 *                      until the next call on the handle (may be NULL).
 * @return 0 or SMTP_ERROR.
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetExtendedOptionsEx(HCLIENT hClient, uint32_t *lpdwOptions,
                                          uint64_t *lpqwSizeLimit, const char **lppszLines);

/**
 * @brief DSN options (RFC 3461) for the following transactions.
 * @param dwOptions       SMTP_NOTIFY_* | SMTP_RETURN_* (0 clears). NEVER excludes the other
 *                        NOTIFY bits; HEADERS excludes FULL.
 * @param lpszEnvelopeId  ENVID (sent xtext-encoded), or NULL.
 * @return 0 or SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT). When the server does not offer DSN,
 *         the next transaction fails with ST_ERROR_NOT_SUPPORTED (nothing is silently
 *         dropped).
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API int SmtpSetDeliveryOptions(HCLIENT hClient, uint32_t dwOptions,
                                        const char *lpszEnvelopeId);

/**
 * @brief RSET: abandon the transaction in progress.
 * @return 0; SMTP_IN_PROGRESS; SMTP_ERROR.
 * @par Blocking: yes (unless non-blocking). @par Thread: the owner.
 */
MAILWIRE_API int SmtpReset(HCLIENT hClient);

/**
 * @brief VRFY (RFC 5321 section 3.5): 0 when the server confirms the address (250/251) or
 * will accept it without verifying (252).
 * @return 0; SMTP_IN_PROGRESS; SMTP_ERROR (server classes).
 * @par Blocking: yes (unless non-blocking). @par Thread: the owner.
 */
MAILWIRE_API int SmtpVerifyAddress(HCLIENT hClient, const char *lpszAddress);

/**
 * @brief EXPN (RFC 5321 section 3.5): expand a mailing list.
 * @param lpszBuffer receives the reply lines (LF-separated, truncated to cbBuffer - 1), may be
 *                   NULL; SmtpGetResultString() returns the same.
 * @return 0; SMTP_IN_PROGRESS; SMTP_ERROR (server classes; most servers answer 502).
 * @par Blocking: yes (unless non-blocking). @par Thread: the owner.
 */
MAILWIRE_API int SmtpExpandAddress(HCLIENT hClient, const char *lpszAddress, char *lpszBuffer,
                                   size_t cbBuffer);

/**
 * @brief Send one raw command line (without CRLF) and wait for its reply, whatever its class.
 * CR, LF or NUL in the line: ST_ERROR_INVALID_ARGUMENT. Commands that change the protocol
 * state (DATA, BDAT, STARTTLS, AUTH) are refused: use the dedicated calls.
 * @return the reply code (200-599); SMTP_IN_PROGRESS; SMTP_ERROR.
 * @par Blocking: yes (unless non-blocking). @par Thread: the owner.
 */
MAILWIRE_API int SmtpCommand(HCLIENT hClient, const char *lpszCommand);

/**
 * @brief Code of the last server reply (0 when none yet).
 * @par Blocking: no. @par Thread: the owner; also from an event callback.
 */
MAILWIRE_API int SmtpGetResultCode(HCLIENT hClient);

/**
 * @brief Text of the last reply (lines joined by LF, without the codes).
 * @param lpszResult receives it (truncated, NUL-terminated); may be NULL to get the length.
 * @return the full length of the text, or SMTP_ERROR.
 * @par Blocking: no. @par Thread: the owner; also from an event callback.
 */
MAILWIRE_API int SmtpGetResultString(HCLIENT hClient, char *lpszResult, size_t cbResult);

/**
 * @brief Progress of the transfer in progress or the last one; readable from the
 * SMTP_EVENT_PROGRESS callback.
 * @return 0 or SMTP_ERROR.
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetTransferStatus(HCLIENT hClient, LPSMTPTRANSFERSTATUS lpStatus);

/**
 * @brief Number of recipients of the last transaction (for SmtpGetRecipientResult()).
 * @return the count, or SMTP_ERROR.
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetRecipientCount(HCLIENT hClient);

/**
 * @brief The server's answer to recipient nIndex (0-based) of the last transaction.
 * @return 0 or SMTP_ERROR (ST_ERROR_INVALID_ARGUMENT for a bad index or dwSize).
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetRecipientResult(HCLIENT hClient, unsigned nIndex,
                                        LPSMTPRECIPIENT lpRecipient);

/** @brief MailwireRegisterEvent() for an SMTP handle (SMTP_EVENT_*). */
MAILWIRE_API int SmtpRegisterEvent(HCLIENT hClient, unsigned nEventId, MAILWIRE_EVENTPROC lpfnProc,
                                   void *lpUserData);
/** @brief MailwireCancel() for an SMTP handle; any thread. */
MAILWIRE_API int SmtpCancel(HCLIENT hClient);
/** @brief MailwireAttachThread() for an SMTP handle. */
MAILWIRE_API uint32_t SmtpAttachThread(HCLIENT hClient, uint32_t dwThreadId);
/** @brief The calling thread's last error (MailwireGetLastError()). */
MAILWIRE_API unsigned SmtpGetLastError(void);
/** @brief Fixed text of an error code; never NULL (MailwireGetErrorString()). */
MAILWIRE_API const char *SmtpGetErrorString(unsigned nError);
/** @brief MailwireCreateSecurityCredentials() under the SMTP name. */
MAILWIRE_API int SmtpCreateSecurityCredentials(uint32_t dwOptions, const char *lpszCertificateFile,
                                               const char *lpszPrivateKeyFile,
                                               const char *lpszPassword, const char *lpszCAFile,
                                               LPSECURITYCREDENTIALS *lppCredentials);
/** @brief MailwireDeleteSecurityCredentials() under the SMTP name. */
MAILWIRE_API void SmtpDeleteSecurityCredentials(LPSECURITYCREDENTIALS lpCredentials);
/** @brief MailwireGetSecurityInfo() for an SMTP handle. */
MAILWIRE_API int SmtpGetSecurityInfo(HCLIENT hClient, LPSECURITYINFO lpInfo);

/**
 * @brief Non-blocking sessions: what to wait for before the next SmtpExecute()
 * (MailwireGetPollInfo() for an SMTP handle).
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API int SmtpGetPollInfo(HCLIENT hClient, MAILWIRE_SOCKET *lpSocket, unsigned *lpEvents,
                                 int *lpTimeout);
/**
 * @brief Non-blocking sessions: advance the operation (MailwireExecute() for an SMTP handle).
 * @return 0 done, SMTP_IN_PROGRESS, or SMTP_ERROR.
 * @par Blocking: never. @par Thread: the owner.
 */
MAILWIRE_API int SmtpExecute(HCLIENT hClient);
/**
 * @brief The socket of the session (MAILWIRE_SOCKET; invalid before the TCP connection).
 * @return the socket, or (MAILWIRE_SOCKET)-1 (last error set).
 * @par Blocking: no. @par Thread: the owner.
 */
MAILWIRE_API MAILWIRE_SOCKET SmtpGetSocket(HCLIENT hClient);

#ifdef __cplusplus
}
#endif

#endif
