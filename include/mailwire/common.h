/**
 * @file common.h
 * @brief Types, error codes, options and functions shared by the SMTP and IMAP APIs.
 *
 * The names follow the SocketTools design (HCLIENT, INVALID_CLIENT, SECURITYCREDENTIALS,
 * per-thread last error, events with callbacks, thread ownership) with portable C types:
 * strings are UTF-8 `const char *`, BOOL is `int`, user data is pointer-sized.
 *
 * Where the vendor design is unsafe it keeps the name and changes the behaviour:
 * certificate and host-name checks are on by default, TLS 1.2 is the floor, and
 * credentials never cross a cleartext connection unless the caller explicitly allows it.
 */
#ifndef MAILWIRE_COMMON_H
#define MAILWIRE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Opaque client session handle.
 *
 * A handle is a checked reference, not a pointer: calls with a stale or foreign handle fail
 * with ST_ERROR_INVALID_HANDLE instead of touching freed memory.
 */
typedef struct mw_client_handle_tag *HCLIENT;

/** The value a failed connect returns; a zero-initialised HCLIENT is invalid too. */
#define INVALID_CLIENT ((HCLIENT)0)

/**
 * @brief Error codes: one enumeration for the whole library.
 *
 * Every failing call sets the calling thread's last error to one of these values
 * (MailwireGetLastError()). MailwireGetErrorString() returns a fixed description for each;
 * MailwireGetLastErrorDetail() returns the cause of the last failure on this thread
 * (a certificate's rejection reasons, the socket error, the server's reply text).
 *
 * When a successful call changes the last error (one rule for the whole library):
 * - a call that runs or starts an operation, or changes a setting, sets ST_ERROR_NONE when it
 *   succeeds, or ST_ERROR_IN_PROGRESS when it started a non-blocking operation;
 * - a call that only reads what the library already holds leaves the last error as it was,
 *   so that the cause of a failure can still be read after it: the error functions
 *   themselves, the result getters (SmtpGetResultCode(), SmtpGetResultString(),
 *   ImapGetResultCode(), ImapGetResultString(), ImapGetAlert()), the state getters
 *   (SmtpGetTransferStatus(), SmtpGetRecipientCount(), SmtpGetRecipientResult(),
 *   SmtpGetExtendedOptions(), ImapGetTransferStatus(), ImapGetMailboxInfo(),
 *   ImapGetMessageCount(), ImapGetNextMailbox(), ImapGetSearchResults(),
 *   ImapHasCapability(), ImapGetCapabilities()) and the session getters
 *   (MailwireGetSecurityInfo(), MailwireGetPollInfo(), the GetSocket calls).
 * Each function's documentation says which kind it is when its name does not.
 *
 * Engines and the session never set it themselves: it is set once, where the public call
 * returns.
 *
 * The server reply classes follow the Treck SMTP client: a 5xx (IMAP: a final NO) is
 * permanent, a 4xx is temporary, a reply of a class the command cannot have is "out of sync"
 * and drops the session.
 */
typedef enum mw_error {
    ST_ERROR_NONE = 0,                    /**< No error. */
    ST_ERROR_INVALID_ARGUMENT = 1,        /**< A parameter is invalid (NULL, out of range, CR/LF
                                               or NUL in a value, a user name given with an
                                               empty password). Nothing was sent. */
    ST_ERROR_INVALID_HANDLE = 2,          /**< The handle is not a live session. */
    ST_ERROR_OUT_OF_MEMORY = 3,           /**< An allocation failed. */
    ST_ERROR_NOT_OWNER = 4,               /**< The handle belongs to another thread; see
                                               MailwireAttachThread() and the FREETHREAD option. */
    ST_ERROR_ALREADY_CONNECTED = 5,       /**< The session is already connected. */
    ST_ERROR_NOT_CONNECTED = 6,           /**< The session is not connected. */
    ST_ERROR_IN_PROGRESS = 7,             /**< Non-blocking: the operation started and goes on;
                                               this is not a failure. Pump the execute call. */
    ST_ERROR_BUSY = 8,                    /**< Another operation is still running on the
                                               handle. */
    ST_ERROR_SERVER_PERMANENT = 9,        /**< The server refused with a permanent negative reply
                                               (SMTP 5xx, IMAP NO where final). */
    ST_ERROR_SERVER_TEMPORARY = 10,       /**< The server refused with a transient negative reply
                                               (SMTP 4xx); retrying later may work. */
    ST_ERROR_OUT_OF_SYNC = 11,            /**< The server sent a reply the protocol does not allow
                                               at this point; the session was dropped. */
    ST_ERROR_TIMEOUT = 12,                /**< The server did not answer (or the connection or TLS
                                               handshake did not complete) in time. */
    ST_ERROR_CONNECTION_CLOSED = 13,      /**< The server closed the connection unexpectedly. */
    ST_ERROR_RESOLVE_FAILED = 14,         /**< The host name could not be resolved. */
    ST_ERROR_CONNECT_REFUSED = 15,        /**< Every address of the host refused the connection. */
    ST_ERROR_CONNECT_FAILED = 16,         /**< The connection failed for another network
                                               reason (unreachable, reset). */
    ST_ERROR_TLS_HANDSHAKE_FAILED = 17,   /**< TLS negotiation failed (no common version or
                                               cipher, alert, plaintext where TLS was due). */
    ST_ERROR_CERTIFICATE_REJECTED = 18,   /**< The server certificate failed verification
                                               (untrusted, expired, wrong host, pin mismatch);
                                               the reason is in the detail text and SECURITYINFO. */
    ST_ERROR_TLS_TRUNCATED = 19,          /**< The TLS connection ended without close_notify; data
                                               may be missing and is never taken as complete. */
    ST_ERROR_TLS_LEGACY_UNAVAILABLE = 20, /**< SECURE_FALLBACK was given but the system's GnuTLS
                                               policy forbids TLS 1.0/1.1. */
    ST_ERROR_STARTTLS_UNAVAILABLE = 21,   /**< TLS was required but the server does not offer
                                               STARTTLS or refused it; nothing was sent in clear. */
    ST_ERROR_AUTHENTICATION_FAILED = 22,  /**< The server rejected the credentials. */
    ST_ERROR_INVALID_AUTHENTICATION_TYPE = 23, /**< The mechanism is unknown or not offered by
                                                    the server. */
    ST_ERROR_CLEARTEXT_REFUSED = 24,     /**< Credentials would cross an unencrypted connection;
                                              allow it explicitly with ALLOW_CLEARTEXT_AUTH. */
    ST_ERROR_CANCELLED = 25,             /**< The operation was cancelled (MailwireCancel()). */
    ST_ERROR_LIMIT_EXCEEDED = 26,        /**< A configured limit was hit (line length, number
                                              of reply lines, literal size, nesting depth). */
    ST_ERROR_PROTOCOL_VIOLATION = 27,    /**< The server broke the protocol (malformed reply, NUL
                                              in a line, data injected after a STARTTLS
                                              go-ahead); the session was dropped. */
    ST_ERROR_SOCKET = 28,                /**< A socket call failed; the detail names it. */
    ST_ERROR_CREDENTIALS = 29,           /**< The client certificate, key, PKCS#12 file or CA
                                              file could not be loaded. */
    ST_ERROR_NO_VALID_RECIPIENTS = 30,   /**< SMTP: every recipient was refused. */
    ST_ERROR_MESSAGE_TOO_LARGE = 31,     /**< SMTP: the message exceeds the server's SIZE. */
    ST_ERROR_ALREADY_AUTHENTICATED = 32, /**< The session is already authenticated (IMAP
                                              PREAUTH or an earlier login). */
    ST_ERROR_NO_MORE_MAILBOXES = 33,     /**< IMAP: the mailbox enumeration is finished. */
    ST_ERROR_FILE = 34,                  /**< A local file could not be read or written. */
    ST_ERROR_INTERNAL = 35,              /**< An internal invariant failed; please report it. */
    ST_ERROR_NOT_SUPPORTED = 36,         /**< The server lacks an extension the request needs
                                              (SMTPUTF8, 8BITMIME, DSN, IMAP UNSELECT...);
                                              nothing was sent; the session goes on. MIME: a
                                              charset the converter does not know. */
    ST_ERROR_COMMAND_REJECTED = 37,      /**< The server rejected the command as malformed or
                                              not valid now (IMAP BAD); the session goes on. */
    ST_ERROR_CALLBACK_FAILED = 38,       /**< An application callback failed (the C++ layer:
                                              it threw); the operation was cancelled. The
                                              detail holds the exception's text. */
    ST_ERROR_INVALID_STATE = 39,         /**< The session is not in the state the call needs
                                              (IMAP: not logged in, no mailbox selected; SMTP:
                                              no transaction open); nothing was sent. */
    ST_ERROR_NOT_FOUND = 40              /**< MIME: the header field, part or address asked
                                              for does not exist. */
} mw_error;

/** One past the highest error code; every code below it has a text. */
#define ST_ERROR_COUNT 41

/**
 * @name Connection options shared by SMTP and IMAP
 * The protocol headers define SMTP_OPTION_* and IMAP_OPTION_* names with these values;
 * the low 10 bits are left to protocol-specific options.
 * @{
 */
/** The connection goes through a tunnel or port forwarder: no guesses from the port number
 *  (587 implies EXTENDED, 465/993 imply implicit TLS). The host name given is still the one
 *  verified in the certificate and sent as SNI. */
#define MAILWIRE_OPTION_TUNNEL 0x00000400u
/** Insecure: skip certificate validation for this connection. TLS stays mandatory; the peer
 *  certificate's SHA-256 fingerprint is recorded in SECURITYINFO (and checked against
 *  SECURITYCREDENTIALS.lpszPinnedFingerprint when given). */
#define MAILWIRE_OPTION_TRUSTEDSITE 0x00000800u
/** Upgrade with STARTTLS; mandatory: a server that does not offer it or refuses it ends the
 *  session with ST_ERROR_STARTTLS_UNAVAILABLE, never a silent cleartext session. */
#define MAILWIRE_OPTION_SECURE 0x00001000u
/** TLS from the first byte (SMTP port 465, IMAP port 993). */
#define MAILWIRE_OPTION_SECURE_IMPLICIT 0x00002000u
/** Also allow TLS 1.0/1.1 and legacy CBC/3DES suites for old servers. Certificate checks stay
 *  on. SSL 3, RC4 (RFC 7465), NULL, export and anonymous suites are never allowed. */
#define MAILWIRE_OPTION_SECURE_FALLBACK 0x00008000u
/** Try IPv6 addresses before IPv4 ones (default: IPv4 first); every address is tried. */
#define MAILWIRE_OPTION_PREFER_IPV6 0x00010000u
/** The handle may be used from any thread. Calls on one handle must not overlap, except
 *  MailwireCancel(); a Disconnect while another thread is inside a call on the handle
 *  cancels that call and fails with ST_ERROR_BUSY (disconnect again once it returned),
 *  instead of freeing a session still in use. */
#define MAILWIRE_OPTION_FREETHREAD 0x00080000u
/** Allow credentials (AUTH PLAIN/LOGIN, IMAP LOGIN) on an unencrypted connection to a host
 *  that is not a loopback address. Off by default (RFC 8314). */
#define MAILWIRE_OPTION_ALLOW_CLEARTEXT_AUTH 0x00100000u
/** Never resume a TLS session: neither offer a cached session nor store this one, and ask
 *  for no TLS 1.2 session ticket. By default a connection offers the session of an earlier
 *  one to the same host and port made with the same trust mode, CA and pin settings, client
 *  certificate and TLS versions (SECURITYINFO.bResumed tells), which saves the certificate
 *  exchange; TLS 1.2 tickets weaken forward secrecy for as long as the server keeps its
 *  ticket key. */
#define MAILWIRE_OPTION_NORESUME 0x00200000u
/** @} */

/**
 * @name Events
 * Event identifiers passed to callbacks registered with MailwireRegisterEvent(); the protocol
 * headers alias them as SMTP_EVENT_* and IMAP_EVENT_*.
 * @{
 */
#define MAILWIRE_EVENT_CONNECT 1    /**< The connection (and TLS, when used) is established. */
#define MAILWIRE_EVENT_DISCONNECT 2 /**< The server closed the connection. */
#define MAILWIRE_EVENT_READ 3       /**< Non-blocking: data arrived and was processed. */
#define MAILWIRE_EVENT_WRITE 4      /**< Non-blocking: the socket became writable again. */
/** A wait timed out; the error argument is ST_ERROR_TIMEOUT. */
#define MAILWIRE_EVENT_TIMEOUT 5
#define MAILWIRE_EVENT_CANCEL 6   /**< The current operation was cancelled. */
#define MAILWIRE_EVENT_COMMAND 7  /**< The server answered a command; see the result code. */
#define MAILWIRE_EVENT_PROGRESS 8 /**< Bytes moved during a long transfer. */
#define MAILWIRE_EVENT_UPDATE 9   /**< IMAP: mailbox changed (IDLE or untagged data). */
#define MAILWIRE_EVENT_ERROR 10   /**< An operation failed; the error argument says why. */
/**
 * Non-blocking: the operation a call started (it returned MAILWIRE_IN_PROGRESS: a connect,
 * any SMTP or IMAP operation, IDLE) has ended, successfully (error argument ST_ERROR_NONE) or
 * not (the operation's error). Raised exactly once per such operation, after every other
 * event of it, when its results are in place: the handler may read them (and start the next
 * operation). An operation that takes over a running IDLE ends the IDLE without a COMPLETE
 * of its own for the IDLE; SmtpDisconnect()/ImapDisconnect() end a running operation with
 * COMPLETE and ST_ERROR_CANCELLED before the handle goes. Unlike COMMAND, which comes once
 * per server reply, COMPLETE says "this call is done".
 */
#define MAILWIRE_EVENT_COMPLETE 11
#define MAILWIRE_EVENT_MAX 12 /**< One past the highest event identifier. */
/** @} */

/**
 * @brief Event callback.
 * @param hClient   the session that raised the event
 * @param nEventId  one of MAILWIRE_EVENT_*
 * @param nError    ST_ERROR_NONE, or the error the event reports
 * @param lpUserData the pointer given at registration (pointer-sized, unlike SocketTools'
 *                  DWORD)
 *
 * Called on the thread that drives the session. The callback may call any function on the
 * handle, including disconnect; freeing is deferred until the dispatcher unwinds.
 */
typedef void(MAILWIRE_CALLBACK *MAILWIRE_EVENTPROC)(HCLIENT hClient, unsigned nEventId,
                                                    unsigned nError, void *lpUserData);

/** SECURITYCREDENTIALS.dwOptions: the certificate file is PKCS#12 (also assumed for the
 *  extensions .p12 and .pfx). */
#define SECURITY_CREDENTIAL_PKCS12 0x0001u

/**
 * @brief Client-side TLS credentials for a connect call.
 *
 * All members are optional. Strings are copied by the connect call; the structure may be
 * freed afterwards. Set dwSize to sizeof(SECURITYCREDENTIALS).
 */
typedef struct _SECURITYCREDENTIALS {
    uint32_t dwSize;                   /**< sizeof(SECURITYCREDENTIALS); versioning guard. */
    uint32_t dwOptions;                /**< SECURITY_CREDENTIAL_* flags. */
    const char *lpszCertificateFile;   /**< Client certificate: PEM (may hold the key too) or
                                            PKCS#12. NULL: no client certificate. */
    const char *lpszPrivateKeyFile;    /**< PEM private key; NULL when it is in the certificate
                                            file or the PKCS#12 file. */
    const char *lpszPassword;          /**< Password of the key or PKCS#12 file, or NULL. */
    const char *lpszCAFile;            /**< Extra trust anchors (PEM), added to the system store;
                                            when set, neither the process default
                                            (MailwireSetDefaultCertificateAuthority()) nor
                                            SSL_CERT_FILE/SSL_CERT_DIR is used. */
    const char *lpszPinnedFingerprint; /**< SHA-256 fingerprint of the expected server
                                            certificate, hex with or without colons. When set,
                                            any other certificate is rejected, also under
                                            TRUSTEDSITE. */
} SECURITYCREDENTIALS, *LPSECURITYCREDENTIALS;
/** @typedef LPSECURITYCREDENTIALS
 *  @brief Pointer to SECURITYCREDENTIALS (the SocketTools name). */

/* <winsock2.h> defines SECURITY_PROTOCOL_NONE too, as 0x0000: spelt the same here, so the
 * headers compile before or after it in either order (an identical redefinition is no error
 * and no warning), and the SocketTools name keeps its value 0. */
/** SECURITYINFO.dwProtocol values. */
#ifndef SECURITY_PROTOCOL_NONE
/** No TLS: a cleartext connection. */
#define SECURITY_PROTOCOL_NONE 0x0000
#endif
/** TLS 1.0 (only with SECURE_FALLBACK). */
#define SECURITY_PROTOCOL_TLS10 1
/** TLS 1.1 (only with SECURE_FALLBACK). */
#define SECURITY_PROTOCOL_TLS11 2
/** TLS 1.2. */
#define SECURITY_PROTOCOL_TLS12 3
/** TLS 1.3. */
#define SECURITY_PROTOCOL_TLS13 4

/**
 * @name Certificate status bits (SECURITYINFO.dwCertStatus)
 * Portable names for the reasons GnuTLS reports; 0 means the certificate verified.
 * @{
 */
#define SECURITY_CERT_INVALID 0x0001u            /**< Not trusted, for any reason below. */
#define SECURITY_CERT_REVOKED 0x0002u            /**< Revoked (CRL or OCSP staple). */
#define SECURITY_CERT_SIGNER_NOT_FOUND 0x0004u   /**< Issuer unknown: unknown CA or self-signed. */
#define SECURITY_CERT_SIGNER_NOT_CA 0x0008u      /**< The issuer is not a CA. */
#define SECURITY_CERT_INSECURE_ALGORITHM 0x0010u /**< Signed with a weak algorithm or key. */
#define SECURITY_CERT_NOT_ACTIVATED 0x0020u      /**< Not valid yet. */
#define SECURITY_CERT_EXPIRED 0x0040u            /**< Expired. */
#define SECURITY_CERT_SIGNATURE_FAILURE 0x0080u  /**< A signature does not verify. */
#define SECURITY_CERT_UNEXPECTED_OWNER 0x0100u   /**< Issued for another host name or address. */
#define SECURITY_CERT_PURPOSE_MISMATCH 0x0200u   /**< Not for TLS server authentication. */
/** OCSP staple missing (must-staple) or invalid. */
#define SECURITY_CERT_OCSP_PROBLEM 0x0400u
#define SECURITY_CERT_PIN_MISMATCH 0x0800u   /**< Fingerprint differs from the pinned one. */
#define SECURITY_CERT_NO_CERTIFICATE 0x1000u /**< The server sent no certificate. */
/** @} */

/**
 * @name OCSP staple status (SECURITYINFO.dwOcspStatus)
 * The client asks every server for a stapled OCSP response (RFC 6066 section 8, RFC 8446
 * section 4.4.2.1). A staple that is not GOOD fails the handshake with
 * ST_ERROR_CERTIFICATE_REJECTED (SECURITY_CERT_REVOKED or SECURITY_CERT_OCSP_PROBLEM in
 * dwCertStatus), and so does a must-staple certificate (RFC 7633) without one; TRUSTEDSITE
 * only reports it. No staple for an ordinary certificate is not an error (NONE).
 * @{
 */
#define SECURITY_OCSP_NONE 0u    /**< No staple (or no TLS). */
#define SECURITY_OCSP_GOOD 1u    /**< A valid, current staple says "good". */
#define SECURITY_OCSP_REVOKED 2u /**< A valid staple says "revoked". */
/** Unreadable, badly signed, or signed by a responder the issuer did not authorise. */
#define SECURITY_OCSP_INVALID 3u
#define SECURITY_OCSP_EXPIRED 4u    /**< Out of date: past its nextUpdate, or too old. */
#define SECURITY_OCSP_WRONG_CERT 5u /**< About another certificate. */
#define SECURITY_OCSP_UNKNOWN 6u    /**< The responder does not know the certificate. */
/** No answer, only an error status (tryLater, unauthorized, internalError...). */
#define SECURITY_OCSP_ERROR_STATUS 7u
#define SECURITY_OCSP_MISSING 8u /**< Must-staple certificate, and no staple came. */
/** @} */

/**
 * @brief What the TLS layer negotiated, and what is known of the server's certificate.
 * Set dwSize to sizeof(SECURITYINFO) before calling MailwireGetSecurityInfo().
 */
typedef struct _SECURITYINFO {
    uint32_t dwSize;         /**< sizeof(SECURITYINFO); versioning guard. */
    uint32_t dwProtocol;     /**< SECURITY_PROTOCOL_*; NONE on a cleartext connection. */
    uint32_t dwCertStatus;   /**< SECURITY_CERT_* bits; 0 = the certificate verified. */
    int bVerified;           /**< Non-zero: chain and host name were verified. */
    int bTrustedSite;        /**< Non-zero: TRUSTEDSITE skipped validation. */
    int64_t tNotBefore;      /**< Certificate validity start (seconds since 1970 UTC). */
    int64_t tNotAfter;       /**< Certificate validity end (seconds since 1970 UTC). */
    char szProtocol[16];     /**< "TLS1.3", "TLS1.2", ...; empty on cleartext. */
    char szCipherSuite[96];  /**< Negotiated cipher suite name. */
    char szSubject[256];     /**< Peer certificate subject DN (RFC 4514). */
    char szIssuer[256];      /**< Peer certificate issuer DN (RFC 4514). */
    char szFingerprint[100]; /**< SHA-256 of the DER certificate, "AB:CD:..." (95 chars). */
    char szStatusText[256];  /**< Human-readable verification result. */
    /** Non-zero: the handshake resumed the session of an earlier connection (TLS 1.3 ticket,
     *  TLS 1.2 ticket or session ID); the certificate facts above are those of that first
     *  handshake, checked again now. Filled only when dwSize covers it. */
    int bResumed;
    uint32_t dwOcspStatus; /**< SECURITY_OCSP_*: the stapled OCSP response (RFC 6960) the
                                server sent in the handshake, and what it said. */
} SECURITYINFO, *LPSECURITYINFO;
/** @typedef LPSECURITYINFO
 *  @brief Pointer to SECURITYINFO (the SocketTools name). */

/**
 * @name Results of int-returning calls
 * Every int-returning protocol call returns 0 on success and MAILWIRE_ERROR (-1) on failure,
 * with the reason in the calling thread's last error. On a non-blocking session (the
 * AsyncConnect functions) a call that has started an operation returns MAILWIRE_IN_PROGRESS
 * instead and sets the last error to ST_ERROR_IN_PROGRESS: pump MailwireExecute() (or the
 * protocol's alias) until it returns 0 or MAILWIRE_ERROR; the operation's completion also
 * raises an event (CONNECT for a connect, COMMAND for a command, ERROR on failure).
 *
 * The call that starts a non-blocking operation does nothing more: it returns at once,
 * no callback runs inside it, and MailwireGetPollInfo() then reports a timeout of 0 ("call
 * MailwireExecute() now"), which sends the commands. Both faces run the same operation: a
 * blocking call and a non-blocking one driven to its end give the same results, errors and
 * output. Buffers and pointers passed to a call that returned MAILWIRE_IN_PROGRESS, input and
 * output alike (a message to send, a buffer to fill), must stay valid until the operation
 * has ended: the library neither copies large inputs (starting an operation stays O(1),
 * whatever its size) nor fills outputs before the operation's end. Strings naming things
 * (hosts, addresses, mailbox names, commands) are copied by the call.
 * @{
 */
#define MAILWIRE_ERROR (-1)    /**< The call failed; see the last error. */
#define MAILWIRE_IN_PROGRESS 1 /**< Non-blocking: the operation started and goes on. */
/** @} */

/** A socket descriptor as the platform knows it (SOCKET on Windows, int elsewhere). */
#ifdef _WIN32
typedef uintptr_t MAILWIRE_SOCKET;
#else
typedef int MAILWIRE_SOCKET;
#endif

/** @name Directions for MailwireGetPollInfo() */
/** @{ */
#define MAILWIRE_POLL_READ 1u  /**< Wait until the socket is readable. */
#define MAILWIRE_POLL_WRITE 2u /**< Wait until the socket is writable. */
/** @} */

/**
 * @brief Start using the library in this process.
 *
 * Reference-counted and thread-safe; every call must be paired with
 * MailwireUninitialize(). Calling it is recommended but not required: the library
 * initialises what it needs on first use. No licence key.
 * @return non-zero on success; 0 on failure (last error set).
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API int MailwireInitialize(void);

/**
 * @brief Release one reference taken by MailwireInitialize().
 *
 * The last reference frees the library's caches (loaded trust stores, TLS session tickets).
 * Call it before the program ends: a TLS connection loads the trust store on a background
 * thread, and the last call waits for a load still in flight, so that the process does not
 * end in the middle of it. Under Wine that matters to other programs: one that exits while
 * Wine's crypt32 fills its certificate store leaves every other Wine process that opens the
 * store meanwhile waiting for good.
 * @par Blocking: only the last reference, and only while a trust-store load is in flight: the
 *      rest of that load (milliseconds; at most 10 s).
 * @par Thread: any.
 */
MAILWIRE_API void MailwireUninitialize(void);

/**
 * @brief The last error code of the calling thread.
 * @return one of mw_error; ST_ERROR_NONE after a successful call that resets it.
 * @par Blocking: no.
 * @par Thread: any; each thread has its own value.
 */
MAILWIRE_API unsigned MailwireGetLastError(void);

/**
 * @brief Set the calling thread's last error (and clear its detail text).
 * @param nError an mw_error value.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API void MailwireSetLastError(unsigned nError);

/**
 * @brief Fixed English description of an error code.
 * @param nError any value.
 * @return a static string; never NULL (an unknown code gives "unknown error").
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API const char *MailwireGetErrorString(unsigned nError);

/**
 * @brief What caused the calling thread's last error, in words.
 *
 * For example the certificate's rejection reasons, the socket error, or the server's reply.
 * @return a thread-local string, valid until the thread's next mailwire call; never NULL
 *         (empty when there is no detail).
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API const char *MailwireGetLastErrorDetail(void);

/**
 * @brief An identifier of the calling thread, as used by MailwireAttachThread().
 * @return the OS thread id (Windows GetCurrentThreadId(), Linux gettid()).
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API uint32_t MailwireGetCurrentThreadId(void);

/**
 * @brief Transfer ownership of a handle to another thread.
 *
 * A handle belongs to the thread that created it; calls from other threads fail with
 * ST_ERROR_NOT_OWNER unless the session was opened with FREETHREAD. The thread id is not
 * validated (as in SocketTools): the new owner should call this itself with 0. Never use it
 * to take over a handle that is inside a blocking call; cancel that call first.
 * @param hClient    the session.
 * @param dwThreadId the new owner; 0 means the calling thread.
 * @return the previous owner's thread id, or 0 on failure (last error set:
 *         ST_ERROR_INVALID_HANDLE).
 * @par Blocking: no.
 * @par Thread: any (ownership is what it changes).
 */
MAILWIRE_API uint32_t MailwireAttachThread(HCLIENT hClient, uint32_t dwThreadId);

/**
 * @name Closing a session from another thread
 * SmtpDisconnect() and ImapDisconnect() may be called from any thread, so that an object that
 * owns a session (a C++ client held by a Qt or MFC window) can be destroyed where the window
 * goes, whichever thread connected it:
 * - when no call runs on the session (its owner thread may have ended), the calling thread
 *   closes it as the owner would: QUIT or LOGOUT, then the handle is gone;
 * - when the owner thread is inside a call on it, that call is cancelled and returns with
 *   ST_ERROR_INVALID_HANDLE, and the session is freed as it returns; Disconnect returns 0
 *   at once and the handle is gone for every thread from then on;
 * - with FREETHREAD (the caller serialises) a call running on another thread makes
 *   Disconnect fail with ST_ERROR_BUSY after cancelling that call.
 * Every other call stays the owner's (ST_ERROR_NOT_OWNER). Do not keep using the handle on
 * the owner thread once another thread has disconnected it.
 * @{ @} */

/**
 * @brief Cancel the operation running on a handle.
 *
 * A blocking call in progress on another thread returns ST_ERROR_CANCELLED promptly (its
 * wait is woken); a non-blocking operation fails with ST_ERROR_CANCELLED at the next execute.
 * Called from an event callback or the trace of the running operation, it takes effect
 * before anything more is sent: a message being transferred is never completed after it.
 * The session is closed afterwards, as its protocol state is unknown (an IMAP IDLE ends
 * cleanly instead).
 * @return 0 on success; -1 when the handle is invalid (last error set).
 * @par Blocking: no.
 * @par Thread: any; this is the one call exempt from the owner check.
 */
MAILWIRE_API int MailwireCancel(HCLIENT hClient);

/**
 * @brief Register (or, with NULL, remove) the callback for one event of a session.
 * @param hClient  the session.
 * @param nEventId a MAILWIRE_EVENT_* value.
 * @param lpfnProc the callback, or NULL to remove it.
 * @param lpUserData passed back unchanged to the callback.
 * @return 0 on success; -1 on failure (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER,
 *         ST_ERROR_INVALID_ARGUMENT for an unknown event).
 * @par Blocking: no.
 * @par Thread: the owner (or any with FREETHREAD).
 */
MAILWIRE_API int MailwireRegisterEvent(HCLIENT hClient, unsigned nEventId,
                                       MAILWIRE_EVENTPROC lpfnProc, void *lpUserData);

/**
 * @brief Describe the TLS state of a connected session.
 * @param hClient the session.
 * @param lpInfo  receives the information; set lpInfo->dwSize first (sizeof(SECURITYINFO);
 *                the size of the first version, without bResumed, is still accepted and
 *                gets the members it has).
 * @return 0 on success (on a cleartext session dwProtocol is SECURITY_PROTOCOL_NONE);
 *         -1 on failure (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER,
 *         ST_ERROR_INVALID_ARGUMENT).
 * @par Blocking: no.
 * @par Thread: the owner (or any with FREETHREAD).
 */
MAILWIRE_API int MailwireGetSecurityInfo(HCLIENT hClient, SECURITYINFO *lpInfo);

/**
 * @brief Allocate a SECURITYCREDENTIALS block holding copies of the given strings.
 * @param dwOptions            SECURITY_CREDENTIAL_* flags.
 * @param lpszCertificateFile  client certificate (PEM or PKCS#12) or NULL.
 * @param lpszPrivateKeyFile   PEM key or NULL.
 * @param lpszPassword         key/PKCS#12 password or NULL.
 * @param lpszCAFile           extra trust anchors or NULL.
 * @param lppCredentials       receives the block; free it with
 *                             MailwireDeleteSecurityCredentials().
 * @return 0 on success; -1 on failure (ST_ERROR_INVALID_ARGUMENT, ST_ERROR_OUT_OF_MEMORY).
 *         Files are only read at connect time.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API int MailwireCreateSecurityCredentials(uint32_t dwOptions,
                                                   const char *lpszCertificateFile,
                                                   const char *lpszPrivateKeyFile,
                                                   const char *lpszPassword, const char *lpszCAFile,
                                                   LPSECURITYCREDENTIALS *lppCredentials);

/**
 * @brief Free a block from MailwireCreateSecurityCredentials(); the password is wiped.
 * @param lpCredentials the block, or NULL (no effect).
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API void MailwireDeleteSecurityCredentials(LPSECURITYCREDENTIALS lpCredentials);

/**
 * @brief Set the process-wide default trust anchors: the CA file and/or directories that
 * connections use when they are given no CA file of their own.
 *
 * Which extra trust anchors a TLS connection uses (the system store is always used too), the
 * first that names anything:
 * 1. the call's SECURITYCREDENTIALS.lpszCAFile (a connect call's credentials);
 * 2. the default set here;
 * 3. the environment variables SSL_CERT_FILE (a PEM file) and SSL_CERT_DIR (directories of
 *    PEM files, separated by ':', ';' on Windows), as OpenSSL, curl and Python read them.
 *    They are read at each connect.
 *
 * Only one source is used: a per-call CA file that does not hold the server's CA fails
 * verification even when the default or the environment would have it. A file or directory
 * of the chosen source that cannot be read or holds no certificate fails the connect with
 * ST_ERROR_CREDENTIALS, the detail naming the setting ("default CA file", "SSL_CERT_FILE"...).
 * @code
 * MailwireSetDefaultCertificateAuthority("/etc/mail/private-ca.pem", NULL);
 * SmtpConnect("mail.example.org", 587, 30, SMTP_OPTION_SECURE, NULL, NULL); // trusts it
 * @endcode
 * @param lpszCAFile      PEM file of CA certificates, or NULL. Copied; read at connect time
 *                        (an edited file is read again).
 * @param lpszCADirectory directory of PEM files (every file in it is read), or a list of them
 *                        separated by ':' (';' on Windows), or NULL. Copied.
 *                        With both NULL (or empty) the default is cleared and the environment
 *                        variables apply again.
 * @return 0 on success; -1 on failure (ST_ERROR_OUT_OF_MEMORY; the previous default stays).
 *         Sessions already connected keep their trust; the default lasts until changed (also
 *         across MailwireUninitialize()).
 * @par Blocking: no (the files are not read here).
 * @par Thread: any.
 */
MAILWIRE_API int MailwireSetDefaultCertificateAuthority(const char *lpszCAFile,
                                                        const char *lpszCADirectory);

/** @name Trace directions (the nDirection argument of MAILWIRE_TRACEPROC) */
/** @{ */
#define MAILWIRE_TRACE_SENT 'S'     /**< Bytes sent to the server (secrets redacted). */
#define MAILWIRE_TRACE_RECEIVED 'R' /**< Bytes received from the server (after TLS). */
#define MAILWIRE_TRACE_INFO 'I'     /**< A note from the library (connect, TLS, errors). */
/** @} */

/**
 * @brief Trace callback: sees the protocol dialogue of a session.
 *
 * Passwords, tokens and AUTH payloads never reach it: the secret part of a command is
 * replaced by "<redacted N bytes>". Called on the thread that drives the session, from
 * inside library calls; it must not call back into the same session.
 * @param hClient     the session.
 * @param nDirection  MAILWIRE_TRACE_SENT, _RECEIVED or _INFO.
 * @param lpData      the bytes (not NUL-terminated; may hold several lines or part of one).
 * @param cbData      their length.
 * @param lpUserData  the pointer given when the trace was set.
 */
typedef void(MAILWIRE_CALLBACK *MAILWIRE_TRACEPROC)(HCLIENT hClient, unsigned nDirection,
                                                    const char *lpData, size_t cbData,
                                                    void *lpUserData);

/**
 * @brief Set or clear the trace callback of one session.
 * @param hClient    a session handle.
 * @param lpfnTrace  the callback, or NULL to stop tracing this session.
 * @param lpUserData passed to every call.
 * @return 0, or MAILWIRE_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner thread (any with FREETHREAD).
 */
MAILWIRE_API int MailwireSetTrace(HCLIENT hClient, MAILWIRE_TRACEPROC lpfnTrace, void *lpUserData);

/**
 * @brief Process-wide default trace: sessions created afterwards start with it.
 *
 * Lets an application trace a blocking connect call (the handle does not exist before the
 * call returns). Replaces any file trace set by MailwireEnableTrace().
 * @param lpfnTrace  the callback, or NULL for none.
 * @param lpUserData passed to every call.
 * @par Blocking: no.
 * @par Thread: any (the callback runs on each session's thread).
 */
MAILWIRE_API void MailwireSetDefaultTrace(MAILWIRE_TRACEPROC lpfnTrace, void *lpUserData);

/**
 * @brief Append the dialogue of every session created afterwards to a file (SocketTools'
 *        EnableTrace): one line per protocol line, "time handle C: text" (S: for the
 *        server, *: for notes), secrets redacted.
 * @param lpszFileName the file to append to; NULL stops file tracing (for every session).
 * @param dwFlags      reserved; must be 0.
 * @return 0, or MAILWIRE_ERROR (ST_ERROR_FILE when the file cannot be opened,
 *         ST_ERROR_INVALID_ARGUMENT for unknown flags).
 * @par Blocking: opens the file.
 * @par Thread: any.
 */
MAILWIRE_API int MailwireEnableTrace(const char *lpszFileName, uint32_t dwFlags);

/**
 * @brief Non-blocking sessions: advance the operation in progress without waiting.
 *
 * Does all the work possible now (reads, parses, sends) and returns. Call it when the socket
 * from MailwireGetPollInfo() is ready or its timeout has passed; a deadline that has passed
 * fails the operation with ST_ERROR_TIMEOUT here. On a blocking session it is a no-op
 * returning the state of the last operation.
 * @param hClient a session handle.
 * @return 0 when the operation finished successfully (or none is running);
 *         MAILWIRE_IN_PROGRESS while it goes on; MAILWIRE_ERROR on failure (last error set:
 *         the operation's error, or ST_ERROR_INVALID_HANDLE / ST_ERROR_NOT_OWNER). When an
 *         event callback disconnected the session during the call, MAILWIRE_ERROR with
 *         ST_ERROR_INVALID_HANDLE and the handle is gone.
 * @par Blocking: never.
 * @par Thread: the owner thread (any with FREETHREAD).
 */
MAILWIRE_API int MailwireExecute(HCLIENT hClient);

/**
 * @brief Non-blocking sessions: what to wait for before the next MailwireExecute().
 * @param hClient   a session handle.
 * @param lpSocket  receives the socket to poll (while the host name is being resolved, a
 *                  descriptor that becomes readable when the resolver is done).
 * @param lpEvents  receives MAILWIRE_POLL_READ and/or MAILWIRE_POLL_WRITE.
 * @param lpTimeout receives the milliseconds until the operation's deadline: 0 means call
 *                  MailwireExecute() now (data is already buffered), -1 means no deadline.
 * @return 0, or MAILWIRE_ERROR (ST_ERROR_INVALID_ARGUMENT, ST_ERROR_INVALID_HANDLE,
 *         ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: the owner thread (any with FREETHREAD).
 */
MAILWIRE_API int MailwireGetPollInfo(HCLIENT hClient, MAILWIRE_SOCKET *lpSocket, unsigned *lpEvents,
                                     int *lpTimeout);

/**
 * @brief Watch callback: what an event loop must watch for a non-blocking session.
 * @param hClient    the session.
 * @param hSocket    the descriptor to watch; (MAILWIRE_SOCKET)-1 when there is none any more
 *                   (the session was closed: remove the watch).
 * @param nEvents    MAILWIRE_POLL_READ and/or MAILWIRE_POLL_WRITE; 0: watch nothing.
 * @param nTimeout   milliseconds until MailwireExecute() must be called even if the
 *                   descriptor stays quiet (the operation's deadline); 0: call it now (from
 *                   the event loop, not from inside the callback); -1: no deadline.
 * @param lpUserData the pointer given to MailwireSetWatch().
 *
 * Called whenever any of them changes: when an operation starts, after MailwireExecute(),
 * when the descriptor changes (the resolver's wake-up descriptor, then the socket), when TLS
 * needs the other direction, when the operation ends (nothing to watch) and when the session
 * closes. A session waiting for the server asks for nothing else (no busy loop). Like event
 * callbacks, it runs on the thread that drives the session; it must not call into the
 * session (schedule MailwireExecute() instead).
 */
typedef void(MAILWIRE_CALLBACK *MAILWIRE_WATCHPROC)(HCLIENT hClient, MAILWIRE_SOCKET hSocket,
                                                    unsigned nEvents, int nTimeout,
                                                    void *lpUserData);

/**
 * @brief Drive a non-blocking session from an event loop (Qt, GLib, libuv, a Win32 message
 *        loop) instead of polling MailwireGetPollInfo() in a loop of one's own.
 *
 * The callback is told at once what to watch now, and again whenever that changes (see
 * MAILWIRE_WATCHPROC). When the descriptor is ready for what was asked, or the timeout
 * passes, call MailwireExecute(). The drivers in <mailwire/adapters/> (qt.hpp, glib.h,
 * libuv.h) do exactly this.
 * @param hClient    a session handle (non-blocking: from SmtpAsyncConnect() or
 *                   ImapAsyncConnect(); a blocking session does its own waiting).
 * @param lpfnWatch  the callback, or NULL to stop watching.
 * @param lpUserData passed back to the callback.
 * @return 0, or MAILWIRE_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER,
 *         ST_ERROR_INVALID_ARGUMENT for a blocking session).
 * @par Blocking: no (the callback runs before the call returns).
 * @par Thread: the owner.
 */
MAILWIRE_API int MailwireSetWatch(HCLIENT hClient, MAILWIRE_WATCHPROC lpfnWatch, void *lpUserData);

/**
 * @brief Runtime version of the library.
 * @return "major.minor.patch"; static.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API const char *MailwireGetVersion(void);

#ifdef __cplusplus
}
#endif

/** @brief The declarations above are complete: <mailwire/wide.h> adds their A (UTF-8) and W
 *  (wchar_t) forms and, on Windows under UNICODE, maps the plain names to the W forms
 *  (generated by scripts/gen-wide.py). */
#define MAILWIRE_COMMON_COMPLETE
#include <mailwire/wide.h>

#endif /* MAILWIRE_COMMON_H */
