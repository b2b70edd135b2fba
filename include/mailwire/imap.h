/**
 * @file imap.h
 * @brief mailwire IMAP client API (SocketTools-style).
 *
 * Every int-returning call returns 0 on success and IMAP_ERROR on failure (the reason in
 * ImapGetLastError() and MailwireGetLastErrorDetail()); on a non-blocking session (opened
 * with ImapAsyncConnect()) a call that started an operation returns MAILWIRE_IN_PROGRESS and
 * completes through ImapExecute() (COMMAND event on success, ERROR on failure).
 *
 * Server refusals: a tagged NO is ST_ERROR_SERVER_PERMANENT (ST_ERROR_AUTHENTICATION_FAILED
 * for a login), a tagged BAD is ST_ERROR_COMMAND_REJECTED; the session stays usable after
 * both. BYE is ST_ERROR_CONNECTION_CLOSED; a malformed response is ST_ERROR_PROTOCOL_VIOLATION
 * and drops the session. ImapGetResultString() has the server's text.
 *
 * Strings are UTF-8. Mailbox names are UTF-8 in the API and modified UTF-7 on the wire when
 * the server speaks neither IMAP4rev2 nor UTF8=ACCEPT (RFC 3501 section 5.1.3). Every
 * caller-supplied string is encoded by one encoder as an atom, a quoted string or a literal;
 * CR, LF or NUL can never inject a command (ST_ERROR_INVALID_ARGUMENT where a literal is not
 * allowed).
 *
 * Blocking and non-blocking sessions run the same operations and give the same results and
 * errors. Output parameters (a mailbox state, a STATUS, a namespace, search results, an
 * APPENDUID, a fetched buffer, a change count) are written when the operation completes: on
 * a blocking session before the call returns, on a non-blocking one inside the ImapExecute()
 * that completes it. On a non-blocking session the output pointers and the buffers they
 * describe (and a message passed to ImapCreateMessage()) must therefore stay valid until the
 * operation completes; the results also stay readable afterwards with the getters
 * (ImapGetMailboxInfo(), ImapGetSearchResults(), ImapGetNextMailbox()). A call that is refused
 * (the argument and state checks below) returns IMAP_ERROR at once on both kinds of session,
 * writes nothing and sends nothing; a running IDLE is then left alone.
 *
 * Error groups named in the function comments:
 * - the handle errors: ST_ERROR_INVALID_HANDLE (not a live IMAP session; an SMTP handle
 *   too, except for the calls that forward to common.h without a protocol check),
 *   ST_ERROR_NOT_OWNER (another thread owns the handle and it was not opened with
 *   IMAP_OPTION_FREETHREAD);
 * - the state errors: ST_ERROR_NOT_CONNECTED (the session was closed: BYE, a fatal error, a
 *   timeout or a cancel; or it is still connecting or logging out), ST_ERROR_BUSY (an
 *   operation is still running on a non-blocking session, or the call comes from an event
 *   callback of an operation that is ending; a running IDLE is not an error: it is ended with
 *   DONE first, RFC 2177), and ST_ERROR_INVALID_STATE with the detail "not logged in" or "no
 *   mailbox is selected" when the call needs that state;
 * - the exchange errors, which close the session: ST_ERROR_TIMEOUT (no response within the
 *   session timeout), ST_ERROR_CANCELLED (ImapCancel(), except during IDLE),
 *   ST_ERROR_CONNECTION_CLOSED (also BYE), ST_ERROR_TLS_TRUNCATED, ST_ERROR_SOCKET,
 *   ST_ERROR_PROTOCOL_VIOLATION, ST_ERROR_LIMIT_EXCEEDED (a response line, literal or nesting
 *   depth over the reader's limits), ST_ERROR_OUT_OF_MEMORY.
 * On a non-blocking session the exchange errors and server refusals are normally reported by
 * ImapExecute() rather than by the call that started the operation.
 *
 * Threads: a handle belongs to the thread that created it (see ImapAttachThread() and
 * IMAP_OPTION_FREETHREAD); ImapCancel() may be called from any thread.
 *
 * Differences from SocketTools, for safety: STARTTLS requested is mandatory; credentials are
 * refused on a cleartext connection to a non-loopback host unless
 * IMAP_OPTION_ALLOW_CLEARTEXT_AUTH is given; selecting another mailbox never expunges
 * implicitly (UNSELECT is used when offered; without it the previous mailbox stays selected
 * until the new SELECT, which RFC 9051 section 6.3.2 defines as a close without expunge).
 */
#ifndef MAILWIRE_IMAP_H
#define MAILWIRE_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/common.h>
#include <mailwire/mime.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Failure value of int-returning IMAP calls. */
#define IMAP_ERROR MAILWIRE_ERROR

/** @name Default ports */
/** @{ */
#define IMAP_PORT_DEFAULT 143 /**< IMAP, optionally with STARTTLS. */
#define IMAP_PORT_SECURE 993  /**< IMAP over implicit TLS. */
/** @} */

/**
 * @name Connection options (ImapConnect() dwOptions)
 * The shared options are aliases of MAILWIRE_OPTION_*; IMAP-only options use the low 10 bits.
 * @{
 */
/** No option: cleartext on port 143 (credentials then only to a loopback host). */
#define IMAP_OPTION_NONE 0x00000000u
/** Send the RFC 2971 ID command after connecting, when the server offers ID. */
#define IMAP_OPTION_IDENTIFY 0x00000001u
/** MAILWIRE_OPTION_TUNNEL: a tunnel or port forwarder; no guesses from the port. */
#define IMAP_OPTION_TUNNEL MAILWIRE_OPTION_TUNNEL
/** MAILWIRE_OPTION_TRUSTEDSITE. Insecure: no certificate validation. */
#define IMAP_OPTION_TRUSTEDSITE MAILWIRE_OPTION_TRUSTEDSITE
/** STARTTLS (RFC 9051 section 6.2.1); mandatory: never a silent cleartext session. */
#define IMAP_OPTION_SECURE MAILWIRE_OPTION_SECURE
/** The same as IMAP_OPTION_SECURE (the SocketTools synonym). */
#define IMAP_OPTION_SECURE_EXPLICIT MAILWIRE_OPTION_SECURE
/** TLS from the first byte (port 993). Port 993 implies it unless IMAP_OPTION_TUNNEL. */
#define IMAP_OPTION_SECURE_IMPLICIT MAILWIRE_OPTION_SECURE_IMPLICIT
/** MAILWIRE_OPTION_SECURE_FALLBACK: also TLS 1.0/1.1 for old servers. */
#define IMAP_OPTION_SECURE_FALLBACK MAILWIRE_OPTION_SECURE_FALLBACK
/** MAILWIRE_OPTION_PREFER_IPV6: IPv6 addresses first. */
#define IMAP_OPTION_PREFER_IPV6 MAILWIRE_OPTION_PREFER_IPV6
/** MAILWIRE_OPTION_FREETHREAD: any thread may call, one at a time. */
#define IMAP_OPTION_FREETHREAD MAILWIRE_OPTION_FREETHREAD
/** Allow LOGIN, PLAIN and the token mechanisms on a cleartext connection to a host that is
 *  not a loopback address. */
#define IMAP_OPTION_ALLOW_CLEARTEXT_AUTH MAILWIRE_OPTION_ALLOW_CLEARTEXT_AUTH
/** After logging in (or a PREAUTH greeting), send COMPRESS DEFLATE (RFC 4978) when the server
 *  offers COMPRESS=DEFLATE: the rest of the session is deflate-compressed both ways. Without
 *  the offer (or when the server refuses) the session goes on uncompressed; ImapCompress()
 *  asks explicitly and fails instead. Ignored by a build without zlib (see ImapCompress()). */
#define IMAP_OPTION_COMPRESS 0x00000010u
/** See MAILWIRE_OPTION_NORESUME. */
#define IMAP_OPTION_NORESUME MAILWIRE_OPTION_NORESUME
/** @} */

/** @name Authentication types (ImapLogin()) */
/** @{ */
#define IMAP_AUTH_LOGIN 0        /**< The LOGIN command (RFC 9051 section 6.2.3). */
#define IMAP_AUTH_PLAIN 1        /**< SASL PLAIN (RFC 4616), with SASL-IR when offered. */
#define IMAP_AUTH_CRAM_MD5 2     /**< SASL CRAM-MD5 (RFC 2195). */
#define IMAP_AUTH_ANONYMOUS 3    /**< SASL ANONYMOUS (RFC 4505); the password is ignored. */
#define IMAP_AUTH_XOAUTH2 4      /**< XOAUTH2; the password argument is the OAuth 2.0 token. */
#define IMAP_AUTH_BEARER 5       /**< OAUTHBEARER (RFC 7628); the password is the token. */
#define IMAP_AUTH_SCRAM_SHA1 6   /**< SCRAM-SHA-1 (RFC 5802). */
#define IMAP_AUTH_SCRAM_SHA256 7 /**< SCRAM-SHA-256 (RFC 7677). */
#define IMAP_AUTH_AUTO 8         /**< The strongest password mechanism offered. */
/** @} */

/** @name Events (aliases of MAILWIRE_EVENT_*) */
/** @{ */
/** MAILWIRE_EVENT_CONNECT: connected (TLS included). */
#define IMAP_EVENT_CONNECT MAILWIRE_EVENT_CONNECT
/** MAILWIRE_EVENT_DISCONNECT: the server closed the connection. */
#define IMAP_EVENT_DISCONNECT MAILWIRE_EVENT_DISCONNECT
/** MAILWIRE_EVENT_TIMEOUT: a wait timed out. */
#define IMAP_EVENT_TIMEOUT MAILWIRE_EVENT_TIMEOUT
/** MAILWIRE_EVENT_CANCEL: the operation was cancelled. */
#define IMAP_EVENT_CANCEL MAILWIRE_EVENT_CANCEL
/** MAILWIRE_EVENT_COMMAND: a command completed (tagged response). */
#define IMAP_EVENT_COMMAND MAILWIRE_EVENT_COMMAND
/** MAILWIRE_EVENT_PROGRESS: bytes moved (ImapGetTransferStatus()). */
#define IMAP_EVENT_PROGRESS MAILWIRE_EVENT_PROGRESS
/** MAILWIRE_EVENT_UPDATE: the mailbox changed (EXISTS, EXPUNGE, FETCH). */
#define IMAP_EVENT_UPDATE MAILWIRE_EVENT_UPDATE
#define IMAP_EVENT_ERROR MAILWIRE_EVENT_ERROR /**< MAILWIRE_EVENT_ERROR: an operation failed. */
#define IMAP_EVENT_COMPLETE MAILWIRE_EVENT_COMPLETE /**< The operation a call started ended. */
/** @} */

/** @name Message flags (IMAPMAILBOX.dwFlags, ImapStoreFlags(), IMAPMESSAGE.dwFlags) */
/** @{ */
#define IMAP_FLAG_NONE 0x0000u     /**< No flag. */
#define IMAP_FLAG_ANSWERED 0x0001u /**< \\Answered */
#define IMAP_FLAG_DRAFT 0x0002u    /**< \\Draft */
#define IMAP_FLAG_URGENT 0x0004u   /**< \\Flagged */
#define IMAP_FLAG_SEEN 0x0008u     /**< \\Seen */
#define IMAP_FLAG_DELETED 0x0010u  /**< \\Deleted (removed by the next expunge) */
#define IMAP_FLAG_RECENT 0x0020u   /**< \\Recent (IMAP4rev1 only; cannot be stored) */
#define IMAP_FLAG_KEYWORDS 0x0040u /**< PERMANENTFLAGS has \\* (new keywords allowed). */
/** @} */

/** @name Mailbox attributes (IMAPMAILBOXINFO.dwAttributes) */
/** @{ */
#define IMAP_FLAG_NOINFERIORS 0x0001u /**< \\Noinferiors: no child mailbox can exist. */
#define IMAP_FLAG_NOSELECT 0x0002u    /**< \\Noselect: the name cannot be selected. */
#define IMAP_FLAG_MARKED 0x0004u      /**< \\Marked: probably new messages since the last select. */
#define IMAP_FLAG_UNMARKED 0x0008u    /**< \\Unmarked: no new messages since the last select. */
#define IMAP_FLAG_HASCHILDREN 0x0010u /**< \\HasChildren (RFC 3348) */
#define IMAP_FLAG_HASNOCHILDREN 0x0020u /**< \\HasNoChildren (RFC 3348) */
#define IMAP_FLAG_SUBSCRIBED 0x0040u    /**< \\Subscribed (RFC 5258) */
#define IMAP_FLAG_NONEXISTENT 0x0080u   /**< \\NonExistent (RFC 5258) */
#define IMAP_SPECIAL_ALL 0x0100u        /**< \\All (RFC 6154) */
#define IMAP_SPECIAL_ARCHIVE 0x0200u    /**< \\Archive */
#define IMAP_SPECIAL_DRAFTS 0x0400u     /**< \\Drafts */
#define IMAP_SPECIAL_FLAGGED 0x0800u    /**< \\Flagged */
#define IMAP_SPECIAL_JUNK 0x1000u       /**< \\Junk */
#define IMAP_SPECIAL_SENT 0x2000u       /**< \\Sent */
#define IMAP_SPECIAL_TRASH 0x4000u      /**< \\Trash */
/** @} */

/** @name Access modes (IMAPMAILBOX.dwAccessMode) */
/** @{ */
#define IMAP_ACCESS_READWRITE 0 /**< Selected read-write (SELECT). */
#define IMAP_ACCESS_READONLY 1  /**< Selected read-only (EXAMINE or [READ-ONLY]). */
/** @} */

/**
 * @brief The selected mailbox (SocketTools IMAPMAILBOX v11 plus IMAP4rev2/CONDSTORE data).
 * Filled by ImapSelectMailbox(), ImapExamineMailbox(), ImapExpungeMailbox() and
 * ImapGetMailboxInfo(); kept up to date by untagged EXISTS/EXPUNGE/FLAGS at any time.
 */
typedef struct _IMAPMAILBOX {
    unsigned nMessages;        /**< EXISTS. */
    unsigned nRecentMessages;  /**< RECENT (0 under IMAP4rev2). */
    unsigned nUnseenMessageId; /**< First unseen message ([UNSEEN n]); 0 when unknown. */
    uint32_t dwMailboxUID;     /**< UIDVALIDITY. */
    uint32_t dwNextMessageUID; /**< UIDNEXT. */
    uint32_t dwFlags;          /**< IMAP_FLAG_* of the FLAGS response. */
    uint32_t dwPermanentFlags; /**< IMAP_FLAG_* of [PERMANENTFLAGS]. */
    uint32_t dwAccessMode;     /**< IMAP_ACCESS_*. */
    unsigned nUnseenMessages;  /**< Always 0: SELECT and EXAMINE report no unseen count
                                    (RFC 9051 section 6.3.2; [UNSEEN n] of RFC 3501 is
                                    nUnseenMessageId) and this implementation never fills
                                    it. Use ImapGetMailboxStatus() (STATUS UNSEEN) or
                                    IMAP_LIST_STATUS for the count. */
    uint64_t nHighestModSeq;   /**< [HIGHESTMODSEQ] with CONDSTORE; 0 otherwise. */
    int bReadOnly;             /**< Non-zero after EXAMINE or [READ-ONLY]. */
} IMAPMAILBOX, *LPIMAPMAILBOX;
/** @typedef LPIMAPMAILBOX
 *  @brief Pointer to IMAPMAILBOX (the SocketTools name). */

/** @brief STATUS of a mailbox that need not be selected (ImapGetMailboxStatus()). */
typedef struct _IMAPMAILBOXSTATUS {
    unsigned nMessages;        /**< MESSAGES */
    unsigned nRecentMessages;  /**< RECENT (IMAP4rev1 only) */
    unsigned nUnseenMessages;  /**< UNSEEN */
    uint32_t dwMailboxUID;     /**< UIDVALIDITY */
    uint32_t dwNextMessageUID; /**< UIDNEXT */
    uint64_t nSize;            /**< SIZE (IMAP4rev2 / STATUS=SIZE), 0 when not offered */
} IMAPMAILBOXSTATUS, *LPIMAPMAILBOXSTATUS;
/** @typedef LPIMAPMAILBOXSTATUS
 *  @brief Pointer to IMAPMAILBOXSTATUS (the SocketTools name). */

/** @brief One mailbox of a listing (ImapGetFirstMailbox() / ImapGetNextMailbox()). */
typedef struct _IMAPMAILBOXINFO {
    char szMailbox[1024];     /**< Name, UTF-8 (decoded from modified UTF-7 when needed). */
    char chDelimiter;         /**< Hierarchy delimiter; 0 when the server has none (NIL). */
    uint32_t dwAttributes;    /**< IMAP_FLAG_* attributes and IMAP_SPECIAL_* uses. */
    int bHasStatus;           /**< Non-zero: nMessages and nUnseenMessages are set
                                   (IMAP_LIST_STATUS and a server with LIST-STATUS). */
    unsigned nMessages;       /**< STATUS MESSAGES, with bHasStatus. */
    unsigned nUnseenMessages; /**< STATUS UNSEEN, with bHasStatus. */
} IMAPMAILBOXINFO, *LPIMAPMAILBOXINFO;
/** @typedef LPIMAPMAILBOXINFO
 *  @brief Pointer to IMAPMAILBOXINFO (the SocketTools name). */

/** @name ImapGetFirstMailbox() options */
/** @{ */
#define IMAP_LIST_DEFAULT 0x0000u    /**< LIST: every matching mailbox. */
#define IMAP_LIST_SUBSCRIBED 0x0001u /**< LSUB-like: only subscribed mailboxes. */
#define IMAP_LIST_SPECIALUSE 0x0002u /**< Only mailboxes with a special use (RFC 6154). */
/** Message and unseen counts in the same round trip (LIST-STATUS, RFC 5819), when the server
 *  offers it. */
#define IMAP_LIST_STATUS 0x0004u
/** @} */

/** @name Fetch and message options */
/** @{ */
#define IMAP_FETCH_UID 0x0001u       /**< The message id is a UID, not a sequence number. */
#define IMAP_FETCH_SEEN 0x0002u      /**< Let the fetch set \\Seen (default: BODY.PEEK). */
#define IMAP_SECTION_DEFAULT 0x0000u /**< The whole message (BODY[]). */
#define IMAP_SECTION_HEADER 0x0010u  /**< The header (BODY[HEADER], or part.MIME for a part). */
#define IMAP_SECTION_BODY 0x0020u    /**< The text (BODY[TEXT]; for a part, its body). */
/** ImapFetchMessage(), ImapGetMessage(): BINARY[part] (RFC 3516): the server undoes the part's
 *  Content-Transfer-Encoding (base64, quoted-printable) and sends the decoded octets, which
 *  may include NUL. The section must be part numbers ("2", "1.3") or empty (the whole
 *  message); ST_ERROR_NOT_SUPPORTED when the server lacks BINARY, or when it cannot decode the
 *  part's encoding (its UNKNOWN-CTE response code; the detail says so). */
#define IMAP_FETCH_BINARY 0x4000u
/** @} */

/**
 * @brief Receives a fetched message (or section) in chunks (ImapFetchMessage(),
 * ImapFetchMessages()).
 * @param nMessageId sequence number of the message.
 * @param dwUID      its UID when the server sent it before the data (Dovecot does), else 0.
 * @param lpData     bytes, or NULL for the call that starts a message (nLength 0).
 * @param nLength    number of bytes.
 * @param nTotal     size of the whole section as announced by the server.
 * @param lpUserData the pointer given to the fetch call.
 * @return 0 to go on; any other value stops delivery for this operation (the rest of the data
 *         is read and dropped, the call fails with ST_ERROR_CANCELLED).
 */
typedef int(MAILWIRE_CALLBACK *IMAPFETCHPROC)(unsigned nMessageId, uint32_t dwUID,
                                              const char *lpData, size_t nLength, uint64_t nTotal,
                                              void *lpUserData);

/**
 * @brief Supplies message bytes for ImapCreateMessageEx(): fill up to nSize bytes and return
 * how many; return -1 to abort (the call fails with ST_ERROR_FILE). Called until the size
 * announced to the server is reached. An abort closes the connection: the literal has been
 * announced, and IMAP has no way to end it short (RFC 9051 section 4.3).
 */
typedef long(MAILWIRE_CALLBACK *IMAPSOURCEPROC)(char *lpBuffer, size_t nSize, void *lpUserData);

/** @brief Metadata of one message (ImapGetMessageInfo()). Strings are valid during the
 *  callback only. */
typedef struct _IMAPMESSAGE {
    unsigned nMessageId;           /**< Sequence number. */
    uint32_t dwUID;                /**< UID. */
    uint32_t dwFlags;              /**< IMAP_FLAG_*. */
    uint64_t nSize;                /**< RFC822.SIZE. */
    const char *lpszDate;          /**< INTERNALDATE, as sent by the server. */
    const char *lpszKeywords;      /**< Other flags and keywords, space separated. */
    const char *lpszSubject;       /**< ENVELOPE subject (as in the header, not decoded). */
    const char *lpszFrom;          /**< ENVELOPE from, "Name <addr>" list. */
    const char *lpszTo;            /**< ENVELOPE to. */
    const char *lpszCc;            /**< ENVELOPE cc. */
    const char *lpszMessageId;     /**< ENVELOPE message-id. */
    const char *lpszEnvDate;       /**< ENVELOPE date (the Date header). */
    const char *lpszBodyStructure; /**< BODYSTRUCTURE as the server sent it (IMAP syntax),
                                        when requested. */
} IMAPMESSAGE, *LPIMAPMESSAGE;
/** @typedef LPIMAPMESSAGE
 *  @brief Pointer to IMAPMESSAGE (the SocketTools name). */

/** @brief Called once per message by ImapGetMessageInfo(). */
typedef void(MAILWIRE_CALLBACK *IMAPMESSAGEPROC)(const IMAPMESSAGE *lpMessage, void *lpUserData);

/** @name ImapGetMessageInfo() items */
/** @{ */
#define IMAP_INFO_ENVELOPE 0x0100u      /**< Also fetch ENVELOPE. */
#define IMAP_INFO_BODYSTRUCTURE 0x0200u /**< Also fetch BODYSTRUCTURE. */
/** @} */

/** @name ImapStoreFlags() modes */
/** @{ */
#define IMAP_STORE_REPLACE 0x0000u /**< FLAGS: replace the flags. */
#define IMAP_STORE_ADD 0x0100u     /**< +FLAGS */
#define IMAP_STORE_REMOVE 0x0200u  /**< -FLAGS */
#define IMAP_STORE_SILENT 0x0400u  /**< .SILENT: no untagged FETCH back. */
/** @} */

/** @name ImapIdle() options */
/** @{ */
/** Block until the first mailbox change, the timeout or a cancel. */
#define IMAP_IDLE_WAIT 0x0000u
/** Non-blocking sessions: stay in IDLE, raise UPDATE events until ImapCancel() or the next
 *  command. */
#define IMAP_IDLE_NOWAIT 0x0001u
/** Block for the whole nTimeout, counting every change (UPDATE events), instead of returning
 *  at the first one: "watch the mailbox for N seconds". On a non-blocking session the
 *  operation completes when the time is up. */
#define IMAP_IDLE_DURATION 0x0002u
/** @} */

/** @brief A SEARCH criteria builder; user strings are encoded safely when the search runs. */
typedef struct _IMAPSEARCH IMAPSEARCH;

/**
 * @brief Start using the IMAP API in this process; forwards to MailwireInitialize().
 *
 * Reference-counted and thread-safe; pair every successful call with ImapUninitialize().
 * Optional: the library initialises itself on first use.
 * @return non-zero on success (a BOOL, as in SocketTools); 0 on failure, with the last error
 *         ST_ERROR_INTERNAL (the library could not be initialised).
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API int ImapInitialize(void);

/**
 * @brief Release one reference taken by ImapInitialize(); forwards to MailwireUninitialize().
 *
 * Open handles are not closed by it: disconnect them first. The last reference of the
 * process waits for a trust-store load still in flight (MailwireUninitialize()).
 * @par Blocking: only as MailwireUninitialize() does (the last reference, a load in flight).
 * @par Thread: any.
 */
MAILWIRE_API void ImapUninitialize(void);

/**
 * @brief Connect to an IMAP server: greeting, CAPABILITY, STARTTLS when requested (then
 * CAPABILITY again over TLS, RFC 9051 section 6.2.1), ID (RFC 2971) with IMAP_OPTION_IDENTIFY.
 * @param lpszHostName  host name or IPv4/IPv6 literal (required; verified in the certificate
 *                      and sent as SNI). Copied.
 * @param nRemotePort   port (0..65535); 0 picks 143, or 993 with IMAP_OPTION_SECURE_IMPLICIT.
 *                      Port 993 implies implicit TLS unless IMAP_OPTION_TUNNEL is given.
 * @param nTimeout      seconds to wait for each step and, later, for each response; 0 means
 *                      20; more than 86400 is ST_ERROR_INVALID_ARGUMENT.
 * @param dwOptions     IMAP_OPTION_* flags.
 * @param lpCredentials client certificate, extra CA and pin, or NULL. Copied: the structure
 *                      may be freed when the call returns.
 * @return a handle, or INVALID_CLIENT (last error: ST_ERROR_INVALID_ARGUMENT,
 *         ST_ERROR_OUT_OF_MEMORY, ST_ERROR_CREDENTIALS, ST_ERROR_RESOLVE_FAILED,
 *         ST_ERROR_CONNECT_REFUSED, ST_ERROR_CONNECT_FAILED, ST_ERROR_TLS_HANDSHAKE_FAILED,
 *         ST_ERROR_CERTIFICATE_REJECTED, ST_ERROR_TLS_LEGACY_UNAVAILABLE,
 *         ST_ERROR_STARTTLS_UNAVAILABLE (also for a PREAUTH greeting on cleartext while TLS is
 *         required), ST_ERROR_CONNECTION_CLOSED (BYE greeting), ST_ERROR_PROTOCOL_VIOLATION,
 *         ST_ERROR_TIMEOUT, or another exchange error; see the file comment).
 * @par Blocking: yes, up to nTimeout per step.
 * @par Thread: any; the calling thread owns the handle.
 */
MAILWIRE_API HCLIENT ImapConnect(const char *lpszHostName, unsigned nRemotePort, unsigned nTimeout,
                                 uint32_t dwOptions,
                                 const struct _SECURITYCREDENTIALS *lpCredentials);

/**
 * @brief Start connecting without blocking; the handle is a non-blocking session.
 *
 * Same arguments and rules as ImapConnect(). Returns at once with the last error
 * ST_ERROR_IN_PROGRESS. Every later call on the handle returns MAILWIRE_IN_PROGRESS when it
 * starts an operation; drive it with ImapGetPollInfo() and ImapExecute(). The CONNECT event
 * reports the outcome; a failed connect leaves a closed session that must still be freed with
 * ImapDisconnect().
 * @param lpszHostName  as ImapConnect(); copied.
 * @param nRemotePort   as ImapConnect().
 * @param nTimeout      as ImapConnect().
 * @param dwOptions     as ImapConnect().
 * @param lpCredentials as ImapConnect(); copied.
 * @return a handle, or INVALID_CLIENT when nothing could be started
 *         (ST_ERROR_INVALID_ARGUMENT, ST_ERROR_OUT_OF_MEMORY, ST_ERROR_CREDENTIALS). Network,
 *         TLS and server errors arrive later through ImapExecute() and the CONNECT event.
 * @par Blocking: never (DNS runs on a resolver thread).
 * @par Thread: any; the calling thread owns the handle.
 */
MAILWIRE_API HCLIENT ImapAsyncConnect(const char *lpszHostName, unsigned nRemotePort,
                                      unsigned nTimeout, uint32_t dwOptions,
                                      const struct _SECURITYCREDENTIALS *lpCredentials);

/**
 * @brief Authenticate (LOGIN, RFC 9051 section 6.2.3, or AUTHENTICATE with SASL, section
 * 6.2.2).
 *
 * After success the capabilities are refreshed and IMAP4rev2 / UTF8=ACCEPT are enabled when
 * offered. Credentials are refused on a cleartext connection to a non-loopback host unless
 * IMAP_OPTION_ALLOW_CLEARTEXT_AUTH was given (RFC 8314). The trace never shows the password.
 * @param hClient      a connected, not yet authenticated IMAP session.
 * @param nAuthType    IMAP_AUTH_* (IMAP_AUTH_AUTO picks the strongest offered).
 * @param lpszUserName user name (for ANONYMOUS an optional trace string); required otherwise.
 * @param lpszPassword password or OAuth 2.0 token; required except for ANONYMOUS.
 *                     Both strings are encoded into the command (LOGIN) or copied into the
 *                     SASL state before the call returns, so the caller may free them at
 *                     once; the SASL copy is wiped when the exchange ends.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR:
 *         ST_ERROR_AUTHENTICATION_FAILED (tagged NO), ST_ERROR_COMMAND_REJECTED (tagged BAD),
 *         ST_ERROR_ALREADY_AUTHENTICATED (PREAUTH or an earlier login),
 *         ST_ERROR_CLEARTEXT_REFUSED (credentials would cross cleartext, or LOGINDISABLED),
 *         ST_ERROR_INVALID_AUTHENTICATION_TYPE (unknown type or mechanism not offered),
 *         ST_ERROR_INVALID_ARGUMENT (a value that cannot be encoded, an empty user name or
 *         password), ST_ERROR_PROTOCOL_VIOLATION (a bad SASL challenge or server proof), the
 *         handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapLogin(HCLIENT hClient, unsigned nAuthType, const char *lpszUserName,
                           const char *lpszPassword);

/**
 * @brief LOGOUT (RFC 9051 section 6.1.3, bounded by the session timeout), close the
 * connection and free the handle.
 *
 * A running IDLE is ended with DONE first; while another operation runs on a non-blocking
 * session LOGOUT is skipped and the connection simply closed. A blocking session waits for
 * the server's reply (at most one timeout); a non-blocking session sends LOGOUT without
 * waiting for it (RFC 9051 section 6.1.3 lets the client close once LOGOUT is sent).
 * @param hClient the session; invalid after a successful call.
 * @return 0 (also when LOGOUT failed or was skipped), or IMAP_ERROR: ST_ERROR_INVALID_HANDLE,
 *         ST_ERROR_NOT_OWNER, ST_ERROR_BUSY (FREETHREAD: another thread is inside a call on
 *         the handle; that call is cancelled and the handle stays valid: disconnect again once
 *         it has returned).
 * @par Blocking: a blocking session at most 5 s (or its timeout, when shorter); a
 *      non-blocking session never.
 * @par Thread: any (see "Closing a session from another thread" in common.h). A running
 *      non-blocking operation ends with IMAP_EVENT_COMPLETE and ST_ERROR_CANCELLED.
 */
MAILWIRE_API int ImapDisconnect(HCLIENT hClient);

/**
 * @brief The calling thread's last error (as MailwireGetLastError()).
 * @return an ST_ERROR_* value; the detail text is in MailwireGetLastErrorDetail().
 * @par Blocking: no.
 * @par Thread: any; each thread has its own value.
 */
MAILWIRE_API unsigned ImapGetLastError(void);

/**
 * @brief Copy the fixed English description of an error code into a buffer (the SocketTools
 * form).
 *
 * @code
 * char text[128];
 * ImapGetErrorString(ImapGetLastError(), text, (int)sizeof text);
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
MAILWIRE_API int ImapGetErrorString(unsigned dwError, char *lpszBuffer, int nMaxLength);

/**
 * @brief Fixed English description of an error code as a pointer (what ImapGetErrorString()
 * returned before it took the SocketTools buffer form); the same as MailwireGetErrorString().
 * @param nError any value.
 * @return a static string, never NULL ("unknown error" for an unknown code); do not free.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API const char *ImapGetErrorText(unsigned nError);

/**
 * @brief Result of the last completed command. No I/O.
 * @param hClient an IMAP session.
 * @return 0 OK, 1 NO, 2 BAD, 3 BYE, or -1 when no command has completed yet or the handle is
 *         invalid (ST_ERROR_INVALID_HANDLE / ST_ERROR_NOT_OWNER then set).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetResultCode(HCLIENT hClient);

/**
 * @brief Text of the last tagged (or BYE) response, response code included ("[...] text").
 * No I/O.
 * @param hClient an IMAP session.
 * @return a string owned by the session, valid until the next call on the handle; "" when
 *         none or when the handle is invalid (last error set then).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API const char *ImapGetResultString(HCLIENT hClient);

/**
 * @brief The last [ALERT] text the server sent over a protected connection (alerts before
 * STARTTLS are dropped: they could be forged; RFC 9051 section 7.1). No I/O.
 * @param hClient an IMAP session.
 * @return a string owned by the session, valid until the next call on the handle; "" when
 *         none or when the handle is invalid (last error set then).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API const char *ImapGetAlert(HCLIENT hClient);

/**
 * @brief Whether the server announced a capability (the last CAPABILITY list). No I/O.
 * @param hClient        an IMAP session.
 * @param lpszCapability the capability, case-insensitive (e.g. "IDLE", "AUTH=PLAIN"); NULL or
 *                       "" gives 0.
 * @return 1 yes; 0 no, or an invalid handle (last error ST_ERROR_INVALID_HANDLE /
 *         ST_ERROR_NOT_OWNER then).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapHasCapability(HCLIENT hClient, const char *lpszCapability);

/**
 * @brief The capability list, space separated, into a caller buffer. No I/O.
 * @param hClient    an IMAP session.
 * @param lpszBuffer receives the NUL-terminated list ("" before the first CAPABILITY).
 * @param nSize      size of lpszBuffer in bytes.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT for a NULL or too small buffer: nothing
 *         is stored; ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetCapabilities(HCLIENT hClient, char *lpszBuffer, size_t nSize);

/**
 * @brief Cancel the running operation; forwards to MailwireCancel().
 *
 * IDLE ends cleanly with DONE (the IDLE call fails with ST_ERROR_CANCELLED and the session
 * stays usable); any other operation fails with ST_ERROR_CANCELLED and the connection is
 * closed, as its protocol state is unknown. The handle stays valid until ImapDisconnect().
 * @param hClient the session. MailwireCancel() does not check the protocol, so an SMTP
 *                handle is accepted too.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_HANDLE, also for an SMTP handle).
 * @par Blocking: no.
 * @par Thread: any; the one call exempt from the owner check.
 */
MAILWIRE_API int ImapCancel(HCLIENT hClient);

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
MAILWIRE_API uint32_t ImapAttachThread(HCLIENT hClient, uint32_t dwThreadId);

/**
 * @brief Register (or with NULL remove) the callback of one event; forwards to
 * MailwireRegisterEvent() (the protocol of the handle is not checked).
 * @param hClient    the session.
 * @param nEventId   an IMAP_EVENT_* value.
 * @param lpfnProc   the callback, or NULL to remove it; called on the thread that drives the
 *                   session and must stay callable while registered.
 * @param lpUserData passed back unchanged; not dereferenced by the library.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER,
 *         ST_ERROR_INVALID_ARGUMENT for an unknown event).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapRegisterEvent(HCLIENT hClient, unsigned nEventId, MAILWIRE_EVENTPROC lpfnProc,
                                   void *lpUserData);

/**
 * @brief Describe the TLS state of a session; forwards to MailwireGetSecurityInfo().
 * @param hClient the session.
 * @param lpInfo  receives the information; set lpInfo->dwSize to sizeof(SECURITYINFO) first.
 * @return 0 (on a cleartext session dwProtocol is SECURITY_PROTOCOL_NONE), or IMAP_ERROR
 *         (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER, ST_ERROR_INVALID_ARGUMENT).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetSecurityInfo(HCLIENT hClient, struct _SECURITYINFO *lpInfo);

/**
 * @brief Non-blocking sessions: advance the operation; forwards to MailwireExecute().
 *
 * Event callbacks (and fetch, source and message-info callbacks) run inside this call.
 * @param hClient the session.
 * @return 0 when the operation finished successfully (or none is running),
 *         MAILWIRE_IN_PROGRESS while it goes on, or IMAP_ERROR with the operation's error
 *         (any code listed for the call that started it), ST_ERROR_INVALID_HANDLE or
 *         ST_ERROR_NOT_OWNER.
 * @par Blocking: never.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapExecute(HCLIENT hClient);

/**
 * @brief Non-blocking sessions: what to wait for before the next ImapExecute(); forwards to
 * MailwireGetPollInfo().
 * @param hClient   the session.
 * @param lpSocket  receives the descriptor to poll.
 * @param lpEvents  receives MAILWIRE_POLL_READ and/or MAILWIRE_POLL_WRITE.
 * @param lpTimeout receives the milliseconds until the deadline (0: call ImapExecute() now;
 *                  -1: none).
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT for a NULL pointer,
 *         ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetPollInfo(HCLIENT hClient, MAILWIRE_SOCKET *lpSocket, unsigned *lpEvents,
                                 int *lpTimeout);

/**
 * @brief Bytes moved by the running or last fetch/append and the expected total. No I/O.
 * @param hClient  an IMAP session.
 * @param lpnDone  receives the bytes moved so far; may be NULL.
 * @param lpnTotal receives the expected total (0 when unknown); may be NULL.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: owner (or from its callbacks).
 */
MAILWIRE_API int ImapGetTransferStatus(HCLIENT hClient, uint64_t *lpnDone, uint64_t *lpnTotal);

/**
 * @brief SELECT a mailbox (read-write) and report its state (RFC 9051 section 6.3.2).
 *
 * The previous mailbox is left without expunging. If the server refuses, no mailbox is
 * selected afterwards (RFC 9051 section 6.3.2).
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox UTF-8 name ("INBOX" is case-insensitive); required, non-empty. Encoded
 *                    into the command before the call returns.
 * @param lpMailbox   receives the mailbox state when the operation succeeds, or NULL (see the
 *                    file comment; ImapGetMailboxInfo() reads it as well).
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         (NO, e.g. no such mailbox), ST_ERROR_COMMAND_REJECTED (BAD),
 *         ST_ERROR_INVALID_ARGUMENT (no name, a name that cannot be encoded),
 *         ST_ERROR_INVALID_STATE (not logged in), the handle and state errors and the
 *         exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapSelectMailbox(HCLIENT hClient, const char *lpszMailbox,
                                   IMAPMAILBOX *lpMailbox);

/** @name ImapSelectMailboxEx() options */
/** @{ */
#define IMAP_SELECT_READONLY 0x0001u /**< EXAMINE instead of SELECT. */
/** Enable CONDSTORE (RFC 7162): HIGHESTMODSEQ is reported; ST_ERROR_NOT_SUPPORTED when the
 *  server does not offer CONDSTORE. */
#define IMAP_SELECT_CONDSTORE 0x0002u
/** @} */

/**
 * @brief SELECT or EXAMINE with options (IMAP_SELECT_*).
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox as ImapSelectMailbox().
 * @param dwOptions   IMAP_SELECT_READONLY and/or IMAP_SELECT_CONDSTORE (RFC 7162 section
 *                    3.1.8: "(CONDSTORE)" is added to the command).
 * @param lpMailbox   as ImapSelectMailbox().
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapSelectMailbox(); with
 *         IMAP_SELECT_CONDSTORE and a server without CONDSTORE: ST_ERROR_NOT_SUPPORTED and
 *         nothing is sent.
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapSelectMailboxEx(HCLIENT hClient, const char *lpszMailbox, uint32_t dwOptions,
                                     IMAPMAILBOX *lpMailbox);

/**
 * @brief EXAMINE: like ImapSelectMailbox() but read-only (RFC 9051 section 6.3.3);
 * IMAPMAILBOX.bReadOnly is set.
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox as ImapSelectMailbox().
 * @param lpMailbox   as ImapSelectMailbox().
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapSelectMailbox().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapExamineMailbox(HCLIENT hClient, const char *lpszMailbox,
                                    IMAPMAILBOX *lpMailbox);

/**
 * @brief The selected mailbox's current state (updated by untagged data). No I/O.
 * @param hClient   an IMAP session.
 * @param lpMailbox receives a copy of the state; required.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT for NULL, ST_ERROR_INVALID_STATE when
 *         no mailbox is selected; ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: owner (also from event callbacks).
 */
MAILWIRE_API int ImapGetMailboxInfo(HCLIENT hClient, IMAPMAILBOX *lpMailbox);

/**
 * @brief Number of messages in the selected mailbox (EXISTS as last reported). No I/O.
 * @param hClient     an IMAP session.
 * @param lpnMessages receives the count; required.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT for NULL, ST_ERROR_INVALID_STATE when
 *         no mailbox is selected; ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: owner (also from event callbacks).
 */
MAILWIRE_API int ImapGetMessageCount(HCLIENT hClient, unsigned *lpnMessages);

/**
 * @brief Leave the selected mailbox without expunging (UNSELECT, RFC 3691 / RFC 9051
 * section 6.4.2).
 * @param hClient an IMAP session with a mailbox selected.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_NOT_SUPPORTED when
 *         the server lacks UNSELECT (nothing is sent; ImapCloseMailbox() leaves the mailbox
 *         but expunges, or select another mailbox: SELECT never expunges the previous one),
 *         ST_ERROR_INVALID_STATE when no mailbox is selected, ST_ERROR_SERVER_PERMANENT
 *         (NO), ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the
 *         exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapUnselectMailbox(HCLIENT hClient);

/**
 * @brief CLOSE: permanently remove the messages marked \\Deleted and leave the mailbox (RFC
 * 9051 section 6.4.1; nothing is removed in a mailbox opened read-only).
 * @param hClient an IMAP session with a mailbox selected.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_STATE
 *         (no mailbox selected), ST_ERROR_SERVER_PERMANENT (NO), ST_ERROR_COMMAND_REJECTED
 *         (BAD), the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapCloseMailbox(HCLIENT hClient);

/**
 * @brief CHECK (RFC 3501 section 6.4.1); under IMAP4rev2, which removed CHECK (RFC 9051
 * appendix E), a NOOP is sent instead.
 * @param hClient an IMAP session with a mailbox selected.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_STATE
 *         (no mailbox selected), ST_ERROR_SERVER_PERMANENT (NO), ST_ERROR_COMMAND_REJECTED
 *         (BAD), the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapCheckMailbox(HCLIENT hClient);

/**
 * @brief CREATE a mailbox (RFC 9051 section 6.3.4).
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox UTF-8 name, required and non-empty; encoded (modified UTF-7 where
 *                    needed) into the command before the call returns.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         (NO, e.g. it exists), ST_ERROR_COMMAND_REJECTED (BAD), ST_ERROR_INVALID_ARGUMENT
 *         (no name, a name that cannot be encoded), ST_ERROR_INVALID_STATE (not logged in),
 *         the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapCreateMailbox(HCLIENT hClient, const char *lpszMailbox);

/**
 * @brief DELETE a mailbox (RFC 9051 section 6.3.5).
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox UTF-8 name, required and non-empty; encoded before the call returns.
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapCreateMailbox().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapDeleteMailbox(HCLIENT hClient, const char *lpszMailbox);

/**
 * @brief RENAME a mailbox (RFC 9051 section 6.3.6).
 * @param hClient     an authenticated IMAP session.
 * @param lpszOldName existing UTF-8 name, required and non-empty.
 * @param lpszNewName new UTF-8 name, required (NULL: ST_ERROR_INVALID_ARGUMENT, checked
 *                    before the handle). Both are encoded before the call returns.
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapCreateMailbox().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapRenameMailbox(HCLIENT hClient, const char *lpszOldName,
                                   const char *lpszNewName);

/**
 * @brief SUBSCRIBE (RFC 9051 section 6.3.7).
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox UTF-8 name, required and non-empty; encoded before the call returns.
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapCreateMailbox().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapSubscribeMailbox(HCLIENT hClient, const char *lpszMailbox);

/**
 * @brief UNSUBSCRIBE (RFC 9051 section 6.3.8).
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox UTF-8 name, required and non-empty; encoded before the call returns.
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapCreateMailbox().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapUnsubscribeMailbox(HCLIENT hClient, const char *lpszMailbox);

/**
 * @brief List mailboxes and return the first (RFC 9051 section 6.3.9).
 *
 * With LIST-EXTENDED or IMAP4rev2, IMAP_LIST_SUBSCRIBED sends LIST (SUBSCRIBED), else LSUB;
 * RETURN (SPECIAL-USE) is asked for when the server has SPECIAL-USE (RFC 6154) and RETURN
 * (STATUS (MESSAGES UNSEEN)) with IMAP_LIST_STATUS when it has LIST-STATUS (RFC 5819) or
 * IMAP4rev2. With IMAP_LIST_SPECIALUSE only mailboxes with a special-use attribute are kept.
 * @param hClient       an authenticated IMAP session.
 * @param lpszReference reference name, or NULL for "".
 * @param lpszPattern   pattern with % and * wildcards, or NULL for "*".
 * @param dwOptions     IMAP_LIST_*.
 * @param lpInfo        receives the first mailbox when the operation completes; required (see
 *                      the file comment). ImapGetNextMailbox() returns the others.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR:
 *         ST_ERROR_NO_MORE_MAILBOXES (the list is empty), ST_ERROR_LIMIT_EXCEEDED (the first
 *         name does not fit szMailbox), ST_ERROR_INVALID_ARGUMENT (NULL lpInfo, a reference or
 *         pattern that cannot be encoded), ST_ERROR_INVALID_STATE (not logged in),
 *         ST_ERROR_SERVER_PERMANENT (NO),
 *         ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the exchange
 *         errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetFirstMailbox(HCLIENT hClient, const char *lpszReference,
                                     const char *lpszPattern, uint32_t dwOptions,
                                     IMAPMAILBOXINFO *lpInfo);

/**
 * @brief The next mailbox of the last listing. No I/O.
 * @param hClient an IMAP session.
 * @param lpInfo  receives the mailbox; required.
 * @return 0, or IMAP_ERROR: ST_ERROR_NO_MORE_MAILBOXES at the end, ST_ERROR_LIMIT_EXCEEDED
 *         (the name does not fit szMailbox; the entry is skipped), ST_ERROR_INVALID_ARGUMENT
 *         (NULL), ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER.
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetNextMailbox(HCLIENT hClient, IMAPMAILBOXINFO *lpInfo);

/**
 * @brief STATUS of a mailbox (RFC 9051 section 6.3.11): MESSAGES UIDNEXT UIDVALIDITY UNSEEN,
 * plus RECENT under IMAP4rev1 and SIZE when offered (STATUS=SIZE, RFC 8438, or IMAP4rev2).
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox UTF-8 name; required. Encoded before the call returns.
 * @param lpStatus    receives the values when the operation succeeds (items the server did
 *                    not return are 0); required (see the file comment).
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         (NO, e.g. no such mailbox), ST_ERROR_COMMAND_REJECTED (BAD),
 *         ST_ERROR_INVALID_ARGUMENT (NULL, a name that cannot be encoded),
 *         ST_ERROR_INVALID_STATE (not logged in), the handle and state errors and the
 *         exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetMailboxStatus(HCLIENT hClient, const char *lpszMailbox,
                                      IMAPMAILBOXSTATUS *lpStatus);

/**
 * @brief NAMESPACE (RFC 2342, RFC 9051 section 6.3.10): the first personal namespace's prefix
 * and delimiter.
 * @param hClient       an authenticated IMAP session.
 * @param lpszPrefix    buffer for the NUL-terminated prefix (UTF-8; "" when none); required.
 *                      Written when the operation succeeds (see the file comment).
 * @param nSize         size of lpszPrefix in bytes (0: ST_ERROR_INVALID_ARGUMENT).
 * @param lpchDelimiter receives the delimiter (0 when none), with the prefix; may be NULL.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT
 *         (no buffer, or the prefix does not fit: checked when the command has completed),
 *         ST_ERROR_INVALID_STATE (not logged in), ST_ERROR_SERVER_PERMANENT
 *         (NO), ST_ERROR_COMMAND_REJECTED (BAD, e.g. no NAMESPACE support), the handle and
 *         state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetNamespace(HCLIENT hClient, char *lpszPrefix, size_t nSize,
                                  char *lpchDelimiter);

/**
 * @brief Fetch a message, its header or one MIME part into a caller buffer (FETCH
 * BODY.PEEK[section], RFC 9051 section 6.4.5; BODY[] with IMAP_FETCH_SEEN).
 * @param hClient      an IMAP session with a mailbox selected.
 * @param nMessageId   sequence number (or UID with IMAP_FETCH_UID in dwOptions); not 0.
 * @param nMessagePart 0 for the whole message, else the 1-based top-level part number.
 * @param lpvBuffer    receives the bytes (not NUL-terminated) as they arrive; required. It
 *                     and lpdwLength must stay valid until the operation completes (see the
 *                     file comment).
 * @param lpdwLength   in: the buffer size; out (when the operation completes): the bytes
 *                     stored; required.
 * @param dwOptions    IMAP_FETCH_* and IMAP_SECTION_* (HEADER: the header, or part.MIME for a
 *                     part; BODY: TEXT for the whole message).
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_LIMIT_EXCEEDED
 *         when the data does not fit (*lpdwLength is then the size the server announced; the
 *         buffer may hold part of the data), ST_ERROR_SERVER_PERMANENT (NO, or no data came
 *         back: the message does not exist, RFC 9051 section 6.4.8),
 *         ST_ERROR_INVALID_ARGUMENT (NULL buffer or length, id 0), ST_ERROR_INVALID_STATE (no
 *         mailbox selected), ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors
 *         and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetMessage(HCLIENT hClient, unsigned nMessageId, unsigned nMessagePart,
                                void *lpvBuffer, size_t *lpdwLength, uint32_t dwOptions);

/**
 * @brief The header block of a message: ImapGetMessage() of part 0 with IMAP_SECTION_HEADER
 * (BODY.PEEK[HEADER]).
 * @param hClient    as ImapGetMessage().
 * @param nMessageId as ImapGetMessage().
 * @param lpvBuffer  as ImapGetMessage().
 * @param lpdwLength as ImapGetMessage().
 * @param dwOptions  IMAP_FETCH_UID and/or IMAP_FETCH_SEEN (IMAP_SECTION_BODY is ignored).
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapGetMessage().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetHeaders(HCLIENT hClient, unsigned nMessageId, void *lpvBuffer,
                                size_t *lpdwLength, uint32_t dwOptions);

/**
 * @brief Fetch any section of a message, or a byte range of it, to a streaming callback;
 * memory use does not depend on the message size (RFC 9051 section 6.4.5).
 * @param hClient      an IMAP session with a mailbox selected.
 * @param nMessageId   sequence number or UID (IMAP_FETCH_UID); not 0.
 * @param dwOptions    IMAP_FETCH_UID, IMAP_FETCH_SEEN (default BODY.PEEK: \\Seen unchanged).
 * @param lpszSection  section spec as in RFC 9051 BODY[...] ("" or NULL whole message,
 *                     "HEADER", "TEXT", "1", "1.2.MIME", "HEADER.FIELDS (SUBJECT)"); at most
 *                     200 characters of letters, digits, '.', '-', '_', space and one level
 *                     of parentheses. Copied into the command before the call returns.
 * @param nOffset      first byte of a partial fetch (0: from the start).
 * @param nLength      bytes of a partial fetch; 0 means to the end.
 * @param lpfnCallback receives the bytes in chunks; required. It (and lpUserData) must stay
 *                     valid until the operation completes: on a non-blocking session it is
 *                     called from ImapExecute().
 * @param lpUserData   passed to lpfnCallback; not dereferenced by the library.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         (NO, or no data came back: the message does not exist, RFC 9051 section 6.4.8; the
 *         detail is "no such message"), ST_ERROR_CANCELLED (the callback returned non-zero;
 *         the session stays usable), ST_ERROR_INVALID_ARGUMENT (no callback, id 0, an invalid
 *         section), ST_ERROR_INVALID_STATE (no mailbox selected), ST_ERROR_COMMAND_REJECTED
 *         (BAD), the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; the callback runs on the thread that drives the session.
 */
MAILWIRE_API int ImapFetchMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                                  const char *lpszSection, uint64_t nOffset, uint64_t nLength,
                                  IMAPFETCHPROC lpfnCallback, void *lpUserData);

/**
 * @brief Fetch a whole message (BODY.PEEK[], or BODY[] with IMAP_FETCH_SEEN) into a file.
 *
 * The file is created or truncated before the fetch and left in place (possibly empty or
 * partial) when the fetch fails. It is closed exactly once, when the operation ends (on a
 * non-blocking session inside ImapExecute(); when the connection is lost, at the next call
 * on the handle or ImapDisconnect()).
 * @param hClient       an IMAP session with a mailbox selected.
 * @param nMessageId    sequence number or UID (IMAP_FETCH_UID); not 0.
 * @param dwOptions     IMAP_FETCH_UID, IMAP_FETCH_SEEN.
 * @param lpszFileName  path of the file to write; required, non-empty.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_FILE (the file
 *         cannot be created or written), ST_ERROR_SERVER_PERMANENT (NO, or the message does
 *         not exist), ST_ERROR_INVALID_ARGUMENT (no file name, id 0), ST_ERROR_INVALID_STATE
 *         (no mailbox selected), ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors
 *         and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapSaveMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                                 const char *lpszFileName);

/**
 * @brief Fetch every message of the sequence range nFirst..nLast of the selected mailbox to
 * a callback, as pipelined batched UID FETCH BODY.PEEK[] (or BODY[]) commands (no round trip per
 * message): first UID SEARCH of the range, then the batches, so an expunge by another client
 * meanwhile cannot shift the range.
 * @param hClient      an IMAP session with a mailbox selected.
 * @param nFirst       first sequence number (0 is taken as 1).
 * @param nLast        last sequence number; 0 (or at least the message count): to the last.
 * @param dwOptions    IMAP_FETCH_SEEN: BODY[] (sets \\Seen) instead of BODY.PEEK[].
 * @param lpfnCallback receives each message in chunks; required. It (and lpUserData) must
 *                     stay valid until the operation completes.
 * @param lpUserData   passed to lpfnCallback; not dereferenced by the library.
 * @return 0 (also, without I/O, when nFirst is beyond the last message or the mailbox is
 *         empty), MAILWIRE_IN_PROGRESS (non-blocking; completed by the next ImapExecute() in
 *         that case), or IMAP_ERROR: ST_ERROR_CANCELLED (the callback returned non-zero),
 *         ST_ERROR_INVALID_ARGUMENT (no callback, nLast below nFirst), ST_ERROR_INVALID_STATE
 *         (no mailbox selected), ST_ERROR_SERVER_PERMANENT (NO),
 *         ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the exchange
 *         errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; the callback runs on the thread that drives the session.
 */
MAILWIRE_API int ImapFetchMessages(HCLIENT hClient, unsigned nFirst, unsigned nLast,
                                   uint32_t dwOptions, IMAPFETCHPROC lpfnCallback,
                                   void *lpUserData);

/**
 * @brief FLAGS, UID, RFC822.SIZE, INTERNALDATE and (with IMAP_INFO_*) ENVELOPE and
 * BODYSTRUCTURE of a set of messages (FETCH, RFC 9051 section 6.4.5).
 * @param hClient      an IMAP session with a mailbox selected.
 * @param lpszSet      sequence set ("1:*", "3,5:7") or UID set with IMAP_FETCH_UID; validated
 *                     against the sequence-set grammar (RFC 9051 section 9). Copied into the
 *                     command before the call returns.
 * @param dwOptions    IMAP_FETCH_UID, IMAP_INFO_ENVELOPE, IMAP_INFO_BODYSTRUCTURE.
 * @param lpfnCallback called once per message; required. The IMAPMESSAGE and its strings are
 *                     valid during the callback only. It (and lpUserData) must stay valid
 *                     until the operation completes.
 * @param lpUserData   passed to lpfnCallback; not dereferenced by the library.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT
 *         (no callback, an invalid set), ST_ERROR_INVALID_STATE (no mailbox selected),
 *         ST_ERROR_SERVER_PERMANENT (NO),
 *         ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the exchange
 *         errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; the callback runs on the thread that drives the session.
 */
MAILWIRE_API int ImapGetMessageInfo(HCLIENT hClient, const char *lpszSet, uint32_t dwOptions,
                                    IMAPMESSAGEPROC lpfnCallback, void *lpUserData);

/**
 * @brief The newest nCount messages of the selected mailbox: their UID, FLAGS, RFC822.SIZE,
 * INTERNALDATE and (with IMAP_INFO_*) ENVELOPE and BODYSTRUCTURE, as ImapGetMessageInfo().
 *
 * "Newest" is by arrival in the mailbox: the last nCount sequence numbers (RFC 9051 section
 * 2.3.1.2) of the message count the server last reported (ImapGetMessageCount(); a change
 * announced since then is seen after ImapNoop() or ImapIdle()). The callback runs once per
 * message, oldest of them first; fewer calls when the mailbox holds fewer messages, none
 * (and no round trip) when it is empty. To read the messages themselves, pass the callback's
 * dwUID to ImapGetMessage() with IMAP_FETCH_UID, or fetch the same range with
 * ImapFetchMessages(hClient, count > nCount ? count - nCount + 1 : 1, 0, ...).
 * @code
 * static void show(const IMAPMESSAGE *m, void *user)
 * {
 *     (void)user;
 *     printf("%u %s\n", (unsigned)m->dwUID, m->lpszSubject ? m->lpszSubject : "");
 * }
 * ImapGetNewestMessages(h, 10, IMAP_INFO_ENVELOPE, show, NULL);
 * @endcode
 * @param hClient      an IMAP session with a mailbox selected.
 * @param nCount       how many messages; at least 1.
 * @param dwOptions    IMAP_INFO_ENVELOPE, IMAP_INFO_BODYSTRUCTURE (other bits ignored).
 * @param lpfnCallback called once per message; required. The IMAPMESSAGE and its strings are
 *                     valid during the callback only. It (and lpUserData) must stay valid
 *                     until the operation completes.
 * @param lpUserData   passed to lpfnCallback; not dereferenced by the library.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT
 *         (no callback, nCount 0), ST_ERROR_INVALID_STATE (no mailbox selected),
 *         ST_ERROR_SERVER_PERMANENT (NO), ST_ERROR_COMMAND_REJECTED (BAD), the handle and
 *         state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; the callback runs on the thread that drives the session.
 */
MAILWIRE_API int ImapGetNewestMessages(HCLIENT hClient, unsigned nCount, uint32_t dwOptions,
                                       IMAPMESSAGEPROC lpfnCallback, void *lpUserData);

/**
 * @brief A new, empty criteria builder for ImapSearchMailbox(). No handle, no I/O.
 * @return the builder, owned by the caller (free it with ImapSearchFree()); NULL when out of
 *         memory (last error ST_ERROR_OUT_OF_MEMORY).
 * @par Blocking: no.
 * @par Thread: any (a builder must not be used by two threads at once).
 */
MAILWIRE_API IMAPSEARCH *ImapSearchCreate(void);
/**
 * @brief Append a criterion: a search key and, when the key takes one, a value (RFC 9051
 * section 6.4.4).
 *
 * The key is sent verbatim, so it may only hold ASCII letters, digits, space and the
 * characters '-' '.' ':' ',' '*' '(' ')': enough for keys ("SUBJECT", "FROM", "UNSEEN",
 * "SINCE", "NOT", "OR"), header names ("HEADER Message-ID"), sequence and UID sets
 * ("UID 1:5,7") and parentheses for grouping (their balance is not checked; a server
 * answers BAD). The value is never sent verbatim: it is always a quoted string, or a literal
 * when it holds CR or LF, or 8-bit characters while UTF-8 is not enabled (then CHARSET UTF-8
 * is also sent), never an atom, so it cannot add search keys. No I/O.
 * @param lpSearch  the builder; required.
 * @param lpszKey   the key; required, non-empty. Copied.
 * @param lpszValue the value, or NULL when the key takes none. Copied. A value given to a key
 *                  that takes none is still sent (the server answers BAD).
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT for a NULL builder, an empty key or a
 *         character outside the set above; ST_ERROR_OUT_OF_MEMORY).
 * @par Blocking: no.
 * @par Thread: any (one thread at a time per builder).
 */
MAILWIRE_API int ImapSearchAdd(IMAPSEARCH *lpSearch, const char *lpszKey, const char *lpszValue);
/**
 * @brief Free a builder and the copies it holds.
 * @param lpSearch the builder, or NULL (no effect). Must not be in use by a call.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API void ImapSearchFree(IMAPSEARCH *lpSearch);

/**
 * @brief SEARCH (UID SEARCH with IMAP_FETCH_UID) with a builder or raw criteria (RFC 9051
 * section 6.4.4); RETURN (ALL) is added when the server has ESEARCH (RFC 4731) or IMAP4rev2.
 * @param hClient      an IMAP session with a mailbox selected.
 * @param lpSearch     criteria from the builder (at least one), or NULL to use lpszCriteria.
 *                     Encoded into the command before the call returns: the builder may be
 *                     freed afterwards.
 * @param lpszCriteria raw criteria in IMAP syntax (no control characters and no literal
 *                     "{": ST_ERROR_INVALID_ARGUMENT; 8-bit only when UTF-8 is enabled),
 *                     used when lpSearch is NULL; sent verbatim.
 * @param dwOptions    IMAP_FETCH_UID for UIDs.
 * @param lpIds        receives the matching ids (ascending), up to *lpnCount; may be NULL
 *                     when *lpnCount is 0.
 * @param lpnCount     in: capacity; out: the number of matches (may exceed the capacity: only
 *                     the first ones are stored). Required. lpIds and lpnCount are written
 *                     when the operation succeeds (see the file comment);
 *                     ImapGetSearchResults() reads the results as well.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT
 *         (no criteria, an empty builder, CR or LF in raw criteria, 8-bit raw criteria
 *         without UTF-8), ST_ERROR_INVALID_STATE (no mailbox selected),
 *         ST_ERROR_SERVER_PERMANENT (NO, e.g. an unsupported charset),
 *         ST_ERROR_COMMAND_REJECTED (BAD, e.g. a malformed key), the handle and state errors
 *         and the exchange errors (see the file comment). CHARSET UTF-8 is sent when a value
 *         holds non-ASCII and the server has not enabled UTF-8 (RFC 9051 section 6.4.4).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapSearchMailbox(HCLIENT hClient, const IMAPSEARCH *lpSearch,
                                   const char *lpszCriteria, uint32_t dwOptions, uint32_t *lpIds,
                                   size_t *lpnCount);

/**
 * @brief The results of the last completed search (or of the UID SEARCH of the last
 * ImapFetchMessages()). No I/O.
 * @param hClient  an IMAP session.
 * @param lpIds    receives up to *lpnCount ids; may be NULL when *lpnCount is 0.
 * @param lpnCount in: capacity; out: the number of matches (may exceed the capacity).
 * @return 0 or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT for NULL lpnCount, or NULL lpIds with a
 *         non-zero capacity; ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetSearchResults(HCLIENT hClient, uint32_t *lpIds, size_t *lpnCount);

/**
 * @brief STORE flags and keywords on a set of messages (RFC 9051 section 6.4.6).
 * @param hClient      an IMAP session with a mailbox selected.
 * @param lpszSet      sequence set, or UID set with IMAP_FETCH_UID in dwMode; validated
 *                     against the sequence-set grammar. Copied into the command.
 * @param dwMode       IMAP_STORE_REPLACE, _ADD or _REMOVE (ADD with REMOVE:
 *                     ST_ERROR_INVALID_ARGUMENT), optionally | IMAP_STORE_SILENT and
 *                     IMAP_FETCH_UID.
 * @param dwFlags      IMAP_FLAG_ANSWERED, _DRAFT, _URGENT (\\Flagged), _SEEN, _DELETED; other
 *                     bits are ignored (\\Recent cannot be stored).
 * @param lpszKeywords extra keywords, space separated atoms (RFC 9051 flag-keyword), or NULL.
 *                     Copied into the command.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT
 *         (invalid set, a keyword that is not an atom, ADD with REMOVE),
 *         ST_ERROR_INVALID_STATE (no mailbox selected), ST_ERROR_SERVER_PERMANENT (NO, e.g. a
 *         read-only mailbox), ST_ERROR_COMMAND_REJECTED
 *         (BAD), the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapStoreFlags(HCLIENT hClient, const char *lpszSet, uint32_t dwMode,
                                uint32_t dwFlags, const char *lpszKeywords);

/**
 * @brief Set \\Deleted on one message: ImapStoreFlags() with IMAP_STORE_ADD |
 * IMAP_STORE_SILENT (STORE +FLAGS.SILENT (\\Deleted)). The message is removed by a later
 * expunge (ImapExpungeMailbox(), ImapExpungeMessages(), ImapCloseMailbox()).
 * @param hClient    an IMAP session with a mailbox selected.
 * @param nMessageId sequence number, or UID with IMAP_FETCH_UID; 0 is
 *                   ST_ERROR_INVALID_ARGUMENT.
 * @param dwOptions  IMAP_FETCH_UID or 0 (other bits ignored).
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapStoreFlags().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapDeleteMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions);
/**
 * @brief Clear \\Deleted on one message: ImapStoreFlags() with IMAP_STORE_REMOVE |
 * IMAP_STORE_SILENT.
 * @param hClient    an IMAP session with a mailbox selected.
 * @param nMessageId sequence number, or UID with IMAP_FETCH_UID; 0 is
 *                   ST_ERROR_INVALID_ARGUMENT.
 * @param dwOptions  IMAP_FETCH_UID or 0 (other bits ignored).
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR, as ImapStoreFlags().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapUndeleteMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions);

/**
 * @brief COPY a set of messages to another mailbox (RFC 9051 section 6.4.7).
 * @param hClient     an IMAP session with a mailbox selected.
 * @param lpszSet     sequence set, or UID set with IMAP_FETCH_UID; validated. Copied.
 * @param lpszMailbox target mailbox (UTF-8); required. Encoded before the call returns.
 * @param dwOptions   IMAP_FETCH_UID or 0.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         (NO, e.g. the target does not exist), ST_ERROR_COMMAND_REJECTED (BAD),
 *         ST_ERROR_INVALID_ARGUMENT (invalid set, no mailbox name, a name that cannot be
 *         encoded), ST_ERROR_INVALID_STATE (no mailbox selected), the handle and state errors
 *         and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapCopyMessage(HCLIENT hClient, const char *lpszSet, const char *lpszMailbox,
                                 uint32_t dwOptions);

/**
 * @brief MOVE a set of messages to another mailbox (RFC 6851, RFC 9051 section 6.4.8).
 *
 * Without MOVE: COPY, then (only when the copy succeeded) STORE +FLAGS \\Deleted on the
 * originals, then UID EXPUNGE of exactly those when the server has UIDPLUS and lpszSet is a
 * UID set. Otherwise the originals are left marked \\Deleted: a plain EXPUNGE would also
 * remove every other message marked \\Deleted; call ImapExpungeMailbox() when that is meant.
 * @param hClient     an IMAP session with a mailbox selected.
 * @param lpszSet     sequence set, or UID set with IMAP_FETCH_UID; validated. Copied (the
 *                    fallback keeps its own copy for the later steps).
 * @param lpszMailbox target mailbox (UTF-8); required. Encoded before the call returns.
 * @param dwOptions   IMAP_FETCH_UID or 0.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         when the server refuses, e.g. the mailbox does not exist (nothing was deleted),
 *         ST_ERROR_COMMAND_REJECTED (BAD), ST_ERROR_INVALID_ARGUMENT and
 *         ST_ERROR_INVALID_STATE (as ImapCopyMessage()),
 *         the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapMoveMessage(HCLIENT hClient, const char *lpszSet, const char *lpszMailbox,
                                 uint32_t dwOptions);

/**
 * @brief EXPUNGE: permanently remove every message marked \\Deleted in the selected mailbox
 * (RFC 9051 section 6.4.3).
 * @param hClient   an IMAP session with a mailbox selected.
 * @param lpMailbox receives the refreshed state when the operation succeeds (see the file
 *                  comment); may be NULL.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_STATE (no
 *         mailbox selected), ST_ERROR_SERVER_PERMANENT (NO, e.g. read-only),
 *         ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the exchange
 *         errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapExpungeMailbox(HCLIENT hClient, IMAPMAILBOX *lpMailbox);

/**
 * @brief UID EXPUNGE of a UID set: only those messages, and only if marked \\Deleted
 * (UIDPLUS, RFC 4315 section 2.1 / RFC 9051 section 6.4.9).
 * @param hClient    an IMAP session with a mailbox selected.
 * @param lpszUidSet UID set ("7", "3:5,9"); validated, at most 48 characters. Copied.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_NOT_SUPPORTED
 *         when the server lacks UIDPLUS (nothing is sent), ST_ERROR_SERVER_PERMANENT on NO,
 *         ST_ERROR_INVALID_ARGUMENT (invalid or too long set), ST_ERROR_INVALID_STATE (no
 *         mailbox selected),
 *         ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the exchange
 *         errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapExpungeMessages(HCLIENT hClient, const char *lpszUidSet);

/** @name ImapCreateMessage(), ImapCreateMessageFromFile(), ImapCreateMessageEx() dwFlags */
/** @{ */
/** Send the message as a literal8 (~{n}, RFC 3516 section 4.4): its octets may include NUL
 *  and its lines may be of any length (binary content). Needs the server's BINARY capability:
 *  without it the call fails with ST_ERROR_NOT_SUPPORTED and nothing is sent. */
#define IMAP_APPEND_BINARY 0x00010000u
/** @} */

/**
 * @brief APPEND a message from memory (RFC 9051 section 6.3.12).
 *
 * The message goes as a literal: non-synchronizing ({n+}) with LITERAL+, or with LITERAL-
 * up to 4096 bytes (RFC 7888); else synchronizing, after the server's "+" go-ahead.
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox target mailbox (UTF-8); required, non-empty. Encoded before the call
 *                    returns.
 * @param dwFlags     IMAP_FLAG_ANSWERED, _DRAFT, _URGENT, _SEEN, _DELETED to set;
 *                    IMAP_APPEND_BINARY (a literal8, for a message with NUL bytes); other
 *                    bits are ignored.
 * @param lpszDate    INTERNALDATE ("dd-Mon-yyyy hh:mm:ss +zzzz", checked by shape only), or
 *                    NULL for the server's time. Copied.
 * @param lpvMessage  the message (RFC 5322, CRLF line ends; sent as given). NOT copied: the
 *                    library reads from it until the operation completes (on a non-blocking
 *                    session: until ImapExecute() returns 0 or IMAP_ERROR), so the buffer
 *                    must stay valid and unchanged until then. NULL only with nLength 0.
 * @param nLength     the message size in bytes.
 * @param lpdwUID     receives the APPENDUID UID (UIDPLUS, RFC 4315), or 0 when the server did
 *                    not say; may be NULL. Set to 0 first, written when the operation
 *                    succeeds (see the file comment).
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         (NO, e.g. [TRYCREATE] no such mailbox, or over quota), ST_ERROR_COMMAND_REJECTED
 *         (BAD), ST_ERROR_INVALID_ARGUMENT (no mailbox, NULL message with a length, a
 *         malformed date, a name that cannot be encoded), ST_ERROR_INVALID_STATE (not logged
 *         in), the handle and state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapCreateMessage(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                                   const char *lpszDate, const void *lpvMessage, size_t nLength,
                                   uint32_t *lpdwUID);

/**
 * @brief APPEND from a file (streamed, bounded memory); otherwise as ImapCreateMessage().
 *
 * The file is opened and sized once the handle is checked, before the other checks; its
 * bytes are sent as they are. It is closed exactly once, when the operation ends (at once
 * when the call is refused; on a non-blocking session inside ImapExecute(); when the
 * connection is lost, at the next call on the handle or ImapDisconnect()). It must not
 * change meanwhile (a short read fails the operation with ST_ERROR_FILE).
 * @param hClient      an authenticated IMAP session.
 * @param lpszMailbox  as ImapCreateMessage().
 * @param dwFlags      as ImapCreateMessage().
 * @param lpszDate     as ImapCreateMessage().
 * @param lpszFileName path of the message file; required.
 * @param lpdwUID      as ImapCreateMessage().
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR as ImapCreateMessage(), plus ST_ERROR_FILE
 *         (the file cannot be opened, sized or read).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapCreateMessageFromFile(HCLIENT hClient, const char *lpszMailbox,
                                           uint32_t dwFlags, const char *lpszDate,
                                           const char *lpszFileName, uint32_t *lpdwUID);

/**
 * @brief APPEND from a source callback providing exactly nLength bytes (streamed); otherwise
 * as ImapCreateMessage().
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox as ImapCreateMessage().
 * @param dwFlags     as ImapCreateMessage().
 * @param lpszDate    as ImapCreateMessage().
 * @param nLength     the size announced to the server; the source is called until it is
 *                    reached.
 * @param lpfnSource  supplies the bytes; required. It (and lpUserData) must stay valid until
 *                    the operation completes: on a non-blocking session it is called from
 *                    ImapExecute(). Returning -1 fails the call with ST_ERROR_FILE.
 * @param lpUserData  passed to lpfnSource; not dereferenced by the library.
 * @param lpdwUID     as ImapCreateMessage().
 * @return 0, MAILWIRE_IN_PROGRESS or IMAP_ERROR as ImapCreateMessage(), plus ST_ERROR_FILE
 *         (the source failed) and ST_ERROR_INVALID_ARGUMENT for a NULL source.
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; the source runs on the thread that drives the session.
 */
MAILWIRE_API int ImapCreateMessageEx(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                                     const char *lpszDate, uint64_t nLength,
                                     IMAPSOURCEPROC lpfnSource, void *lpUserData,
                                     uint32_t *lpdwUID);

/** @name ImapFetchMessagePart() / ImapSaveMessagePart() options (with IMAP_FETCH_UID,
 *  IMAP_FETCH_SEEN) */
/** @{ */
/** Convert a text part to UTF-8 from its charset (MIME_CONTENT_UTF8). */
#define IMAP_PART_UTF8 0x1000u
/** @} */

/**
 * @brief Turn a BODYSTRUCTURE (and optionally an ENVELOPE), as the server sent them in IMAP
 * syntax, into a message object holding the header fields and the part tree, without the
 * bodies (RFC 9051 section 7.5.2). Pure: no I/O, any thread; call it from an
 * ImapGetMessageInfo() callback with IMAPMESSAGE.lpszBodyStructure (on any kind of session).
 *
 * The parts are those MimeImportMessageData() gives for the message itself: the same
 * indices, MIMEPARTINFO content types, charsets, decoded file names (RFC 2231, RFC 2047),
 * dispositions, Content-IDs, transfer encodings and IMAP sections, so a program lists the
 * attachments and fetches one with ImapFetchMessagePart() by its lpszSection. Bodies are
 * empty (qwEncodedSize 0, MimeReadMessagePart() gives nothing); the multipart boundaries are
 * the library's own. The ENVELOPE fields become Date, Subject, From, Sender, Reply-To, To, Cc,
 * Bcc, In-Reply-To and Message-ID, read decoded with MimeGetMessageHeader() and as
 * name + address with MimeGetAddress(); server text never starts a field of its own (CR, LF
 * and controls become spaces).
 * @param lpszBodyStructure the BODYSTRUCTURE value, "(...)"; required.
 * @param lpszEnvelope      the ENVELOPE value, "(...)", or NULL for no header fields.
 * @param hMessage          receives the structure (its content is replaced).
 * @return 0, or IMAP_ERROR: ST_ERROR_PROTOCOL_VIOLATION (malformed text),
 *         ST_ERROR_LIMIT_EXCEEDED (parts nested deeper than MIME_MAX_DEPTH, more than
 *         MIME_MAX_PARTS parts, more than 100000 lists or a skeleton over 16 MiB),
 *         ST_ERROR_INVALID_ARGUMENT, ST_ERROR_INVALID_HANDLE, ST_ERROR_OUT_OF_MEMORY.
 * @par Blocking: no.
 * @par Thread: any (one at a time per message).
 */
MAILWIRE_API int ImapParseBodyStructure(const char *lpszBodyStructure, const char *lpszEnvelope,
                                        HMESSAGE hMessage);

/**
 * @brief FETCH a message's ENVELOPE and BODYSTRUCTURE and turn them into a message object
 * (ImapParseBodyStructure()): the complete ENVELOPE (date, subject, from, sender, reply-to,
 * to, cc, bcc, in-reply-to, message-id) readable decoded, the part tree without the bodies.
 * @param hClient    an IMAP session with a mailbox selected; blocking sessions only.
 * @param nMessageId sequence number, or UID with IMAP_FETCH_UID; not 0.
 * @param dwOptions  IMAP_FETCH_UID.
 * @param hMessage   receives the structure.
 * @return 0, or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT (no such message), the errors of
 *         ImapParseBodyStructure() and ImapGetMessageInfo(), ST_ERROR_NOT_SUPPORTED on a
 *         non-blocking session (call ImapGetMessageInfo() with IMAP_INFO_BODYSTRUCTURE and
 *         ImapParseBodyStructure() in its callback there).
 * @par Blocking: yes.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetMessageStructure(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                                         HMESSAGE hMessage);

/**
 * @brief Fetch one part by its IMAP section and stream its decoded content to a callback:
 * BODY.PEEK[section.MIME] and BODY.PEEK[section] (RFC 9051 section 6.4.5), the transfer
 * encoding undone (base64, quoted-printable, RFC 2045 section 6) as MimeReadMessagePart()
 * does. Memory stays bounded: the encoded part is kept in memory up to
 * MIME_SPILL_THRESHOLD, beyond that in a temporary file.
 * @param hClient     an IMAP session with a mailbox selected; blocking sessions only.
 * @param nMessageId  sequence number, or UID with IMAP_FETCH_UID; not 0.
 * @param dwOptions   IMAP_FETCH_UID, IMAP_FETCH_SEEN, IMAP_PART_UTF8, IMAP_FETCH_BINARY: when
 *                    the server offers BINARY (RFC 3516), one FETCH BINARY.PEEK[section]
 *                    and the server decodes; without BINARY, with IMAP_PART_UTF8, or when
 *                    the server cannot decode the part (UNKNOWN-CTE), decoded here as
 *                    without the option.
 * @param lpszSection the part number ("2", "1.3"), as MIMEPARTINFO.lpszSection gives it.
 * @param lpfnWrite   receives the decoded bytes in chunks; non-zero stops
 *                    (ST_ERROR_CALLBACK_FAILED).
 * @param lpUserData  passed to lpfnWrite.
 * @return 0, or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT (no callback, a section that is not a
 *         part number), ST_ERROR_NOT_FOUND (the message has no such part: the server sent
 *         neither its header nor content), ST_ERROR_NOT_SUPPORTED (a non-blocking session),
 *         the errors of ImapFetchMessage() (ST_ERROR_SERVER_PERMANENT: no such message) and
 *         of MimeReadMessagePart(), ST_ERROR_FILE (the temporary file).
 * @par Blocking: yes.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapFetchMessagePart(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                                      const char *lpszSection, MIMEWRITEPROC lpfnWrite,
                                      void *lpUserData);

/**
 * @brief ImapFetchMessagePart() into a file (created or truncated; removed when the call
 * fails after creating it).
 * @param hClient      as ImapFetchMessagePart().
 * @param nMessageId   as ImapFetchMessagePart().
 * @param dwOptions    as ImapFetchMessagePart().
 * @param lpszSection  as ImapFetchMessagePart().
 * @param lpszFileName path of the file (UTF-8); required.
 * @return 0, or IMAP_ERROR as ImapFetchMessagePart() (ST_ERROR_FILE for the file).
 * @par Blocking: yes.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapSaveMessagePart(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                                     const char *lpszSection, const char *lpszFileName);

/**
 * @brief APPEND a message object (mime.h) to a mailbox, streaming: the IMAP side of
 * SmtpSendMimeMessage(), for drafts and the Sent folder (RFC 9051 section 6.3.12).
 *
 * The message is written as the connection takes it: attachments are read and encoded chunk
 * by chunk, so memory does not grow with their size. The literal's length is known before
 * the command goes out, from the writer's plan (as MimeGetMessageSize() gives it; only
 * quoted-printable attachments from files or callbacks are read once first to count them),
 * and the bytes are exactly those MimeExportMessageToMemory() gives with the same options.
 * PROGRESS events count the bytes against that size (ImapGetTransferStatus()); a
 * non-blocking session returns MAILWIRE_IN_PROGRESS and ends with one COMPLETE event.
 * Unlike SmtpSendMimeMessage(), the Bcc field is kept (a copy in Sent shows whom it went
 * to) unless MIME_EXPORT_NOBCC is given.
 * @param hClient     an authenticated IMAP session.
 * @param lpszMailbox target mailbox (UTF-8); required. Encoded before the call returns.
 * @param hMessage    the message. The append holds its own reference: the caller may delete
 *                    the handle meanwhile, but the message cannot be changed until the
 *                    operation has ended (ST_ERROR_BUSY); attachment files must not change.
 * @param dwFlags     IMAP_FLAG_ANSWERED, _DRAFT, _URGENT, _SEEN, _DELETED to set.
 * @param lpszDate    INTERNALDATE ("dd-Mon-yyyy hh:mm:ss +zzzz"), or NULL for the server's
 *                    time. Copied.
 * @param dwOptions   0, or MIME_EXPORT_8BIT (text parts may be 8bit: an IMAP literal carries
 *                    8-bit octets, RFC 9051 section 4.3), MIME_EXPORT_UTF8 (raw UTF-8 header
 *                    fields, RFC 6532; honoured only when the session speaks IMAP4rev2, else
 *                    the header is RFC 2047 encoded, since IMAP4rev1 with UTF8=ACCEPT would
 *                    need RFC 6855's UTF8 literal8 form), MIME_EXPORT_NOBCC (leave Bcc out).
 * @param lpdwUID     receives the APPENDUID (RFC 4315), 0 when the server gave none; may be
 *                    NULL. Written when the operation succeeds.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: as ImapCreateMessage(),
 *         plus ST_ERROR_INVALID_HANDLE (hMessage), ST_ERROR_INVALID_ARGUMENT (other
 *         dwOptions bits, an empty message), ST_ERROR_BUSY (an import into the message is in
 *         progress), ST_ERROR_FILE / ST_ERROR_CALLBACK_FAILED (an attachment cannot be read
 *         when counted; once the literal is under way a read failure closes the connection
 *         with ST_ERROR_FILE, since a literal cannot end short).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; attachment callbacks run on the thread that drives the session.
 */
MAILWIRE_API int ImapAppendMimeMessage(HCLIENT hClient, const char *lpszMailbox, HMESSAGE hMessage,
                                       uint32_t dwFlags, const char *lpszDate, uint32_t dwOptions,
                                       uint32_t *lpdwUID);

/**
 * @brief What COMPRESS=DEFLATE (RFC 4978) did to the connection: bytes on the wire against
 * the bytes of the protocol. Set dwSize to sizeof(IMAPCOMPRESSINFO) before the call.
 */
typedef struct _IMAPCOMPRESSINFO {
    uint32_t dwSize;   /**< sizeof(IMAPCOMPRESSINFO); versioning guard. */
    int bActive;       /**< Non-zero: the connection is compressed. */
    uint64_t nWireIn;  /**< Compressed bytes received since COMPRESS began. */
    uint64_t nWireOut; /**< Compressed bytes sent since COMPRESS began. */
    uint64_t nDataIn;  /**< The same bytes received, uncompressed (what the protocol carried). */
    uint64_t nDataOut; /**< The same bytes sent, before compression. */
} IMAPCOMPRESSINFO, *LPIMAPCOMPRESSINFO;
/** @typedef LPIMAPCOMPRESSINFO
 *  @brief Pointer to IMAPCOMPRESSINFO (the SocketTools name). */

/**
 * @brief COMPRESS DEFLATE (RFC 4978): compress the rest of the session both ways.
 *
 * After the server's OK every byte goes through raw deflate (zlib, no header), each command
 * flushed whole (Z_SYNC_FLUSH); over TLS the compression is under the encryption. The
 * session keeps working as before, blocking or not; ImapGetCompressionInfo() tells what it
 * saves. Input is inflated in bounded pieces straight into the response reader, whose limits
 * (line, literal, response size) apply to the inflated bytes; a stream that inflates more
 * than 256 times its compressed size (past the first MiB) is taken for a decompression bomb
 * and ends the connection with ST_ERROR_LIMIT_EXCEEDED; corrupt compressed data ends it with
 * ST_ERROR_PROTOCOL_VIOLATION. IMAP_OPTION_COMPRESS does the same at login, when offered.
 * @param hClient an authenticated IMAP session.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_NOT_SUPPORTED (the
 *         server does not offer COMPRESS=DEFLATE, or the build has no zlib: configured with
 *         -DMAILWIRE_WITH_ZLIB=OFF; nothing was sent), ST_ERROR_INVALID_STATE (not logged in,
 *         or compression is active already), ST_ERROR_SERVER_PERMANENT (NO),
 *         ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the exchange errors
 *         (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapCompress(HCLIENT hClient);

/**
 * @brief Byte counts of COMPRESS=DEFLATE on this connection. No I/O.
 * @param hClient an IMAP session.
 * @param lpInfo  receives the counts (all 0 and bActive 0 when the connection is not
 *                compressed); its dwSize must be set.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT for NULL or a dwSize too small,
 *         ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER).
 * @par Blocking: no.
 * @par Thread: owner (or from its callbacks).
 */
MAILWIRE_API int ImapGetCompressionInfo(HCLIENT hClient, IMAPCOMPRESSINFO *lpInfo);

/**
 * @brief The decoded size of a part, as the server reckons it (FETCH BINARY.SIZE[part],
 * RFC 3516 section 4.2): the bytes IMAP_FETCH_BINARY would fetch.
 * @param hClient     an IMAP session with a mailbox selected.
 * @param nMessageId  sequence number or UID (IMAP_FETCH_UID); not 0.
 * @param dwOptions   IMAP_FETCH_UID.
 * @param lpszSection part numbers ("2", "1.3"), or "" / NULL for the whole message.
 * @param lpnSize     receives the size; required. Set to 0 first, written when the operation
 *                    succeeds.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_NOT_SUPPORTED (no
 *         BINARY, or UNKNOWN-CTE: the server cannot decode the part), ST_ERROR_SERVER_PERMANENT
 *         (NO, or no size came back: no such message or part), ST_ERROR_INVALID_ARGUMENT (id
 *         0, no lpnSize, a section that is not part numbers), ST_ERROR_INVALID_STATE (no
 *         mailbox selected), the handle and state errors and the exchange errors.
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapGetPartSize(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                                 const char *lpszSection, uint64_t *lpnSize);

/**
 * @brief IDLE (RFC 2177, RFC 9051 section 6.3.13): wait for mailbox changes.
 *
 * IMAP_IDLE_WAIT blocks until the first change (EXISTS, EXPUNGE, FETCH), nTimeout seconds
 * (0: the session timeout) or ImapCancel(); IDLE is then ended with DONE and the call returns
 * 0 (*lpnChanges tells whether anything changed). IMAP_IDLE_DURATION waits the whole
 * nTimeout instead, through any number of changes, and returns 0 with their count in
 * *lpnChanges (ImapCancel() still ends it early, with ST_ERROR_CANCELLED):
 * @code
 * unsigned changes = 0;
 * if (ImapIdle(h, 300, IMAP_IDLE_DURATION, &changes) == 0 && changes > 0)
 *     ImapGetNewestMessages(h, changes, IMAP_INFO_ENVELOPE, show, NULL); // what arrived
 * @endcode With IMAP_IDLE_NOWAIT on a non-blocking
 * session the call returns MAILWIRE_IN_PROGRESS and IDLE goes on (UPDATE events; re-issued
 * every 29 minutes as RFC 2177 advises) until ImapCancel() or the next command (DONE is sent
 * first). IMAP_IDLE_NOWAIT on a blocking session is refused (ST_ERROR_INVALID_ARGUMENT): it
 * could never return. Without the IDLE capability NOOP polling (every 30 s, or nTimeout when
 * shorter) stands in.
 * @param hClient    an authenticated IMAP session.
 * @param nTimeout   seconds to wait with IMAP_IDLE_WAIT (at most) or IMAP_IDLE_DURATION
 *                   (exactly) (0: the session timeout); ignored with IMAP_IDLE_NOWAIT.
 * @param dwOptions  IMAP_IDLE_WAIT, IMAP_IDLE_DURATION or IMAP_IDLE_NOWAIT.
 * @param lpnChanges receives the number of changes seen (set to 0 first); may be NULL.
 *                   Written when the IDLE ends: when the call returns on a blocking
 *                   session; on a non-blocking one when it completes, is cancelled or is
 *                   ended by the next operation, so it must stay valid until then.
 * @return 0, MAILWIRE_IN_PROGRESS, or IMAP_ERROR: ST_ERROR_CANCELLED after ImapCancel() (the
 *         session stays usable), ST_ERROR_INVALID_ARGUMENT (NOWAIT on a blocking session),
 *         ST_ERROR_INVALID_STATE (not logged in),
 *         ST_ERROR_SERVER_PERMANENT / ST_ERROR_COMMAND_REJECTED (IDLE refused), the handle
 *         and state errors and the exchange errors (see the file comment).
 * @par Blocking: with IMAP_IDLE_WAIT (at most nTimeout) and IMAP_IDLE_DURATION (nTimeout).
 * @par Thread: owner; ImapCancel() from any.
 */
MAILWIRE_API int ImapIdle(HCLIENT hClient, unsigned nTimeout, uint32_t dwOptions,
                          unsigned *lpnChanges);

/**
 * @brief NOOP (RFC 9051 section 6.1.2); also collects pending untagged updates (EXISTS,
 * EXPUNGE, FETCH), which raise UPDATE events and refresh ImapGetMailboxInfo().
 * @param hClient a connected IMAP session, in any state (login not needed).
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         (NO), ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the exchange
 *         errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapNoop(HCLIENT hClient);

/**
 * @brief Send a raw command (without tag and CRLF) and wait for its tagged response.
 *
 * Untagged data the engine understands (EXISTS, EXPUNGE, FETCH flags, CAPABILITY...) is
 * processed as usual; the rest is ignored.
 * @param hClient     a connected IMAP session.
 * @param lpszCommand the command, sent verbatim; copied into the output before the call
 *        returns. Empty, or any control character (CR, LF, TAB...), is refused
 *        (ST_ERROR_INVALID_ARGUMENT), and so are
 *        literals ('{' anywhere) and the commands that have their own function because the
 *        engine tracks their effect or they carry credentials: STARTTLS, LOGIN,
 *        AUTHENTICATE, LOGOUT, SELECT, EXAMINE, CLOSE, UNSELECT, ENABLE, IDLE, APPEND,
 *        COMPRESS (matched case-insensitively as the first word).
 * @return 0 on OK, MAILWIRE_IN_PROGRESS (non-blocking); IMAP_ERROR: ST_ERROR_SERVER_PERMANENT
 *         on NO, ST_ERROR_COMMAND_REJECTED on BAD (ImapGetResultString() has the text; the
 *         session stays usable), ST_ERROR_INVALID_ARGUMENT, the handle and state errors and
 *         the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapCommand(HCLIENT hClient, const char *lpszCommand);

/* ==== Synchronisation: CONDSTORE and QRESYNC (RFC 7162) ==================================== */

/**
 * @brief Receives UIDs the server reports as expunged (VANISHED, RFC 7162 section 3.2.10),
 * one range at a time: every UID from dwFirstUID to dwLastUID (equal for a single UID).
 * @param dwFirstUID first UID of the range (at least 1).
 * @param dwLastUID  last UID of the range (at least dwFirstUID).
 * @param bEarlier   non-zero for VANISHED (EARLIER): expunged before now, already gone from
 *                   the message count (the reply to a QRESYNC select or to a UID FETCH with
 *                   VANISHED); zero for an expunge happening now (the message count was
 *                   lowered by the number of UIDs).
 * @param lpUserData the pointer given with the callback.
 */
typedef void(MAILWIRE_CALLBACK *IMAPVANISHEDPROC)(uint32_t dwFirstUID, uint32_t dwLastUID,
                                                  int bEarlier, void *lpUserData);

/**
 * @brief One message changed since a MODSEQ (ImapGetChangedMessages(), ImapGetChangesSince(),
 * ImapSelectMailboxQresync()), or a flag change the server reported on its own
 * (ImapSetChangeCallback()): what a sync program needs to update its copy. Valid during the
 * callback only.
 */
typedef struct _IMAPCHANGE {
    unsigned nMessageId;      /**< Sequence number. */
    uint32_t dwUID;           /**< UID (a UID the caller does not know is a new message). */
    uint32_t dwFlags;         /**< IMAP_FLAG_* now. */
    const char *lpszKeywords; /**< Other flags and keywords now, space separated (UTF-8). */
    uint64_t nModSeq;         /**< Its MODSEQ (RFC 7162 section 3.1.4); 0 if none was sent. */
} IMAPCHANGE, *LPIMAPCHANGE;
/** @typedef LPIMAPCHANGE
 *  @brief Pointer to IMAPCHANGE. */

/** @brief Called once per changed message. */
typedef void(MAILWIRE_CALLBACK *IMAPCHANGEPROC)(const IMAPCHANGE *lpChange, void *lpUserData);

/** @name ImapEnableSync() extensions */
/** @{ */
#define IMAP_ENABLE_CONDSTORE 0x0001u /**< ENABLE CONDSTORE (RFC 7162 section 3.1). */
/** ENABLE QRESYNC (RFC 7162 section 3.2; implies CONDSTORE). From then on the server reports
 *  expunges as VANISHED (UIDs) instead of EXPUNGE (sequence numbers). */
#define IMAP_ENABLE_QRESYNC 0x0002u
/** @} */

/** @name ImapGetChangedMessages() options */
/** @{ */
/** Also ask for the UIDs expunged since the MODSEQ (UID FETCH ... (CHANGEDSINCE n VANISHED),
 *  RFC 7162 section 3.2.6); they go to the ImapSetVanishedCallback() callback. Needs
 *  IMAP_FETCH_UID and QRESYNC enabled (ImapEnableSync()). */
#define IMAP_CHANGES_VANISHED 0x0100u
/** @} */

/**
 * @brief What ImapSelectMailboxQresync() and ImapGetChangesSince() found (the caller's
 * memory; set dwSize to sizeof(IMAPCHANGES) before the call).
 */
typedef struct _IMAPCHANGES {
    uint32_t dwSize;         /**< sizeof(IMAPCHANGES), set by the caller. */
    uint32_t dwUidValidity;  /**< The mailbox's UIDVALIDITY now. */
    int bUidValidityChanged; /**< Non-zero: the UIDVALIDITY differs from the one given, so
                                  the UIDs and MODSEQ known to the caller mean nothing any
                                  more and no change was reported: resynchronise fully
                                  (forget the cache, fetch everything). */
    int bNoModSeq;           /**< Non-zero: the mailbox keeps no MODSEQ ([NOMODSEQ]). */
    uint64_t nHighestModSeq; /**< HIGHESTMODSEQ now: the MODSEQ to pass next time. */
    unsigned nMessages;      /**< Messages in the mailbox (EXISTS). */
    unsigned nChanged;       /**< Changed messages reported (callback calls). */
    uint64_t nVanished;      /**< UIDs reported as expunged. */
} IMAPCHANGES, *LPIMAPCHANGES;
/** @typedef LPIMAPCHANGES
 *  @brief Pointer to IMAPCHANGES. */

/**
 * @brief ENABLE CONDSTORE and/or QRESYNC (RFC 5161, RFC 7162 sections 3.1 and 3.2) for the
 * rest of the connection. Call it after login, before selecting the mailbox.
 *
 * ImapSelectMailboxQresync() and ImapGetChangesSince() enable QRESYNC themselves; call this
 * to have VANISHED instead of EXPUNGE for a mailbox selected otherwise, or MODSEQ in every
 * FETCH reply. Once QRESYNC is on, an expunge by another client reaches the
 * ImapSetVanishedCallback() callback as UIDs (also during ImapIdle() and ImapNoop()), and the
 * message count (ImapGetMessageCount()) still goes down by one per message.
 * @param hClient   an authenticated IMAP session.
 * @param dwOptions IMAP_ENABLE_CONDSTORE and/or IMAP_ENABLE_QRESYNC; at least one.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT (no
 *         known option), ST_ERROR_INVALID_STATE (not logged in), ST_ERROR_NOT_SUPPORTED (the
 *         server does not offer ENABLE or the extension, or did not report it ENABLED),
 *         ST_ERROR_SERVER_PERMANENT (NO), ST_ERROR_COMMAND_REJECTED (BAD), the handle and
 *         state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapEnableSync(HCLIENT hClient, uint32_t dwOptions);

/**
 * @brief Register (or with NULL remove) the callback that receives the UIDs of every VANISHED
 * response of the session (RFC 7162 section 3.2.10): expunges by other clients after
 * QRESYNC is enabled, at any time (during ImapIdle(), ImapNoop() or any other command), and
 * the VANISHED (EARLIER) reply of ImapGetChangedMessages() with IMAP_CHANGES_VANISHED. The
 * calls of ImapSelectMailboxQresync() and ImapGetChangesSince() report to their own callback
 * instead. Each VANISHED also raises an UPDATE event. No I/O.
 * @param hClient      an IMAP session.
 * @param lpfnCallback called once per UID range, on the thread driving the session; NULL:
 *                     none (the message count is still kept right).
 * @param lpUserData   passed to lpfnCallback; not dereferenced by the library.
 * @return 0 or IMAP_ERROR (the handle errors).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapSetVanishedCallback(HCLIENT hClient, IMAPVANISHEDPROC lpfnCallback,
                                         void *lpUserData);

/**
 * @brief Register (or with NULL remove) the callback that receives every flag change the
 * server reports on its own: a FETCH response with FLAGS that no fetch of the session asked
 * for (RFC 9051 section 7.5.2), as another client's STORE produces during ImapIdle(),
 * ImapNoop() or any other command, and the replies of the session's own ImapStoreFlags()
 * without IMAP_STORE_SILENT. With CONDSTORE enabled each carries the message's new MODSEQ
 * (RFC 7162 section 3.1.4), with QRESYNC its UID (section 3.2.4), so a sync program in IDLE
 * keeps its copy and its HIGHESTMODSEQ current without asking again. Changes by others also
 * raise an UPDATE event (the replies to the session's own STORE do not). No I/O.
 * @param hClient      an IMAP session.
 * @param lpfnCallback called once per FETCH response, on the thread driving the session, with
 *                     nMessageId, the flags and keywords now, dwUID (0 when the server did not
 *                     send it) and nModSeq (0 without CONDSTORE); NULL: none.
 * @param lpUserData   passed to lpfnCallback; not dereferenced by the library.
 * @return 0 or IMAP_ERROR (the handle errors).
 * @par Blocking: no.
 * @par Thread: owner.
 */
MAILWIRE_API int ImapSetChangeCallback(HCLIENT hClient, IMAPCHANGEPROC lpfnCallback,
                                       void *lpUserData);

/**
 * @brief The messages of a set whose metadata changed since a MODSEQ: FETCH set (UID FLAGS
 * MODSEQ) (CHANGEDSINCE nModSeq) (RFC 7162 section 3.1.4.1). Only messages whose MODSEQ is
 * above nModSeq are reported; with nModSeq 0, every message of the set with its MODSEQ
 * (FETCH set (UID FLAGS MODSEQ): a sync program's first full listing).
 * @param hClient      an IMAP session with a mailbox selected; the server must offer
 *                     CONDSTORE.
 * @param lpszSet      sequence set, or UID set with IMAP_FETCH_UID ("1:*" for all);
 *                     validated. Copied into the command.
 * @param dwOptions    IMAP_FETCH_UID, IMAP_CHANGES_VANISHED (see there).
 * @param nModSeq      the MODSEQ the caller has seen (the nHighestModSeq of its last sync);
 *                     0: all (no IMAP_CHANGES_VANISHED then).
 * @param lpfnCallback called once per changed message (IMAPCHANGE: UID, flags, keywords,
 *                     MODSEQ); required. Must stay valid until the operation completes.
 * @param lpUserData   passed to lpfnCallback.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT (no
 *         callback, an invalid set, IMAP_CHANGES_VANISHED without IMAP_FETCH_UID or with
 *         nModSeq 0),
 *         ST_ERROR_INVALID_STATE (no mailbox selected), ST_ERROR_NOT_SUPPORTED (no
 *         CONDSTORE; IMAP_CHANGES_VANISHED without QRESYNC enabled),
 *         ST_ERROR_SERVER_PERMANENT (NO), ST_ERROR_COMMAND_REJECTED (BAD), the handle and
 *         state errors and the exchange errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; the callbacks run on the thread that drives the session.
 */
MAILWIRE_API int ImapGetChangedMessages(HCLIENT hClient, const char *lpszSet, uint32_t dwOptions,
                                        uint64_t nModSeq, IMAPCHANGEPROC lpfnCallback,
                                        void *lpUserData);

/**
 * @brief Conditional STORE: change flags only on messages not modified since a MODSEQ
 * (STORE set (UNCHANGEDSINCE nModSeq) ..., RFC 7162 section 3.1.3).
 *
 * The messages changed by someone else since nModSeq are left alone and come back in the
 * MODIFIED response code; they are not an error: the call succeeds and reports them in
 * lpModified, so the caller can fetch them, merge and try again. The others are stored.
 * @param hClient      an IMAP session with a mailbox selected; the server must offer
 *                     CONDSTORE.
 * @param lpszSet      sequence set, or UID set with IMAP_FETCH_UID in dwMode; validated.
 * @param dwMode       as ImapStoreFlags() (IMAP_STORE_*, IMAP_FETCH_UID).
 * @param dwFlags      as ImapStoreFlags().
 * @param lpszKeywords as ImapStoreFlags(); may be NULL.
 * @param nModSeq      the MODSEQ the caller's view of the messages is based on (0 is allowed:
 *                     it fails for every message that has a MODSEQ).
 * @param lpModified   receives the ids that were not stored (UIDs with IMAP_FETCH_UID,
 *                     sequence numbers otherwise), ascending as the server listed them, up to
 *                     *lpnModified; may be NULL when *lpnModified is 0.
 * @param lpnModified  in: capacity; out: how many were not stored (may exceed the capacity:
 *                     only the first are written). Required; 0 when all were stored. Written
 *                     when the operation completes.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT,
 *         ST_ERROR_INVALID_STATE (no mailbox selected), ST_ERROR_NOT_SUPPORTED (no
 *         CONDSTORE), ST_ERROR_SERVER_PERMANENT (NO; lpModified is still written when the
 *         NO carried MODIFIED), ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors
 *         and the exchange errors (see the file comment). A malformed MODIFIED code is
 *         ST_ERROR_PROTOCOL_VIOLATION.
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner.
 */
MAILWIRE_API int ImapStoreFlagsUnchangedSince(HCLIENT hClient, const char *lpszSet, uint32_t dwMode,
                                              uint32_t dwFlags, const char *lpszKeywords,
                                              uint64_t nModSeq, uint32_t *lpModified,
                                              size_t *lpnModified);

/**
 * @brief Select a mailbox with quick resynchronisation: ENABLE QRESYNC when not yet on,
 * then SELECT (or EXAMINE) mailbox (QRESYNC (uidvalidity modseq [known-uids [seq-match]]))
 * (RFC 7162 section 3.2.5). Both go out pipelined in one round trip.
 *
 * When dwUidValidity is still the mailbox's, the server reports the UIDs expunged since
 * nModSeq (VANISHED (EARLIER), to lpfnVanished) and the messages changed since (to
 * lpfnChanged, with flags and MODSEQ); lpChanges says how many and the new HIGHESTMODSEQ.
 * When it is not, nothing is reported and lpChanges->bUidValidityChanged is set.
 *
 * A server that offers CONDSTORE but not QRESYNC (Gmail) is asked in three pipelined
 * commands instead, still one round trip: SELECT mailbox (CONDSTORE), UID FETCH 1:* (UID
 * FLAGS MODSEQ) (CHANGEDSINCE nModSeq) and UID SEARCH of lpszKnownUids (or ALL). Such a
 * server never says which messages went, so the UIDs reported to lpfnVanished are those of
 * lpszKnownUids (without it: 1 to UIDNEXT-1) that the mailbox no longer holds, which may
 * include UIDs the caller never had (removing them changes nothing). The sequence-match hints
 * are not used there. A mailbox of more messages than the engine keeps of a search (16 Mi)
 * fails with ST_ERROR_LIMIT_EXCEEDED rather than report present messages as gone.
 * @param hClient       an authenticated IMAP session; the server must offer QRESYNC or
 *                      CONDSTORE.
 * @param lpszMailbox   the mailbox (UTF-8).
 * @param dwOptions     IMAP_SELECT_READONLY for EXAMINE.
 * @param dwUidValidity the UIDVALIDITY the caller's cache belongs to; not 0.
 * @param nModSeq       the HIGHESTMODSEQ of the caller's last sync; not 0.
 * @param lpszKnownUids the UIDs the caller knows (a UID set, "1:500"), or NULL: the server
 *                      then limits VANISHED to them (RFC 7162 section 3.2.5.1).
 * @param lpszSeqMatchSeqs with lpszSeqMatchUids, or both NULL: sequence numbers and the UIDs
 *                      the caller believes they have (RFC 7162 section 3.2.5.2), a hint that
 *                      lets the server send fewer VANISHED UIDs. Needs lpszKnownUids.
 * @param lpszSeqMatchUids see lpszSeqMatchSeqs.
 * @param lpfnChanged   called once per changed message (IMAPCHANGE: sequence number, UID,
 *                      flags, keywords, MODSEQ); may be NULL.
 * @param lpfnVanished  called once per expunged UID range; may be NULL (then the session's
 *                      ImapSetVanishedCallback() callback, if any, gets them).
 * @param lpUserData    passed to both callbacks.
 * @param lpChanges     receives the outcome; required, dwSize set. Written when the
 *                      operation completes. ImapGetMailboxInfo() has the mailbox state.
 * @return 0, MAILWIRE_IN_PROGRESS (non-blocking), or IMAP_ERROR: ST_ERROR_INVALID_ARGUMENT (no
 *         name, a zero UIDVALIDITY or MODSEQ, an invalid set, no lpChanges or a wrong
 *         dwSize), ST_ERROR_INVALID_STATE (not logged in), ST_ERROR_NOT_SUPPORTED (neither
 *         QRESYNC nor CONDSTORE), ST_ERROR_LIMIT_EXCEEDED (see above),
 *         ST_ERROR_SERVER_PERMANENT (NO: no such mailbox),
 *         ST_ERROR_COMMAND_REJECTED (BAD), the handle and state errors and the exchange
 *         errors (see the file comment).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; the callbacks run on the thread that drives the session.
 */
MAILWIRE_API int ImapSelectMailboxQresync(HCLIENT hClient, const char *lpszMailbox,
                                          uint32_t dwOptions, uint32_t dwUidValidity,
                                          uint64_t nModSeq, const char *lpszKnownUids,
                                          const char *lpszSeqMatchSeqs,
                                          const char *lpszSeqMatchUids, IMAPCHANGEPROC lpfnChanged,
                                          IMAPVANISHEDPROC lpfnVanished, void *lpUserData,
                                          IMAPCHANGES *lpChanges);

/**
 * @brief What changed in a mailbox since a MODSEQ: the one call a synchronisation program
 * builds on (ImapSelectMailboxQresync() without the hints; the mailbox is selected
 * read-write afterwards).
 *
 * A sync program keeps, per mailbox, the UIDVALIDITY, the HIGHESTMODSEQ of its last sync and
 * its copy of the messages by UID. The first time, it selects the mailbox (ImapSelectMailboxEx()
 * with IMAP_SELECT_CONDSTORE), reads everything (ImapGetChangedMessages() of "1:*" with
 * IMAP_FETCH_UID and MODSEQ 0, or ImapGetMessageInfo()) and stores dwMailboxUID and
 * nHighestModSeq. Each time
 * after, it calls this function with the stored pair:
 * - if lpChanges->bUidValidityChanged is set, the stored copy is void: drop it and start
 *   over as the first time (nothing else was reported);
 * - otherwise it applies lpfnChanged (new flags of a known UID; an unknown UID is a new
 *   message: fetch it) and lpfnVanished (remove those UIDs), then stores
 *   lpChanges->nHighestModSeq for the next time. Applying a change twice is harmless, so a
 *   sync interrupted before it stored the new MODSEQ simply runs again.
 * Afterwards, with the mailbox selected, ImapIdle() with ImapSetVanishedCallback() keeps the
 * copy current: expunges arrive as UIDs.
 * @code
 * IMAPCHANGES ch;
 * memset(&ch, 0, sizeof ch);
 * ch.dwSize = sizeof ch;
 * if (ImapGetChangesSince(h, "INBOX", cache.uidvalidity, cache.modseq, on_changed,
 *                         on_vanished, &cache, &ch) == 0) {
 *     if (ch.bUidValidityChanged)
 *         full_resync(&cache);
 *     else
 *         cache.modseq = ch.nHighestModSeq;
 * }
 * @endcode
 * @param hClient       an authenticated IMAP session; the server must offer QRESYNC, or
 *                      CONDSTORE (then as described at ImapSelectMailboxQresync()).
 * @param lpszMailbox   the mailbox (UTF-8).
 * @param dwUidValidity the stored UIDVALIDITY; not 0.
 * @param nModSeq       the stored HIGHESTMODSEQ; not 0.
 * @param lpfnChanged   called once per message changed (or added) since nModSeq; may be
 *                      NULL.
 * @param lpfnVanished  called once per range of UIDs expunged since nModSeq; may be NULL.
 * @param lpUserData    passed to both callbacks.
 * @param lpChanges     receives the new HIGHESTMODSEQ, the counts and the UIDVALIDITY verdict;
 *                      required, dwSize set.
 * @return as ImapSelectMailboxQresync().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS).
 * @par Thread: owner; the callbacks run on the thread that drives the session.
 */
MAILWIRE_API int ImapGetChangesSince(HCLIENT hClient, const char *lpszMailbox,
                                     uint32_t dwUidValidity, uint64_t nModSeq,
                                     IMAPCHANGEPROC lpfnChanged, IMAPVANISHEDPROC lpfnVanished,
                                     void *lpUserData, IMAPCHANGES *lpChanges);

/* ==== Window-message events (Windows only) ==================================================
 * Kept as one block, apart from the text functions, and taking no text. */
#ifdef _WIN32
/* <windows.h>'s HWND under STRICT (see smtp.h). */
struct HWND__;

/**
 * @brief Make a session asynchronous with window-message notification (Windows only): the
 *        IMAP form of SmtpEnableEvents(), with the same rules.
 *
 * The session becomes non-blocking (calls that start an operation return
 * MAILWIRE_IN_PROGRESS) and is driven by the library from the calling thread's message loop.
 * Each event is posted to hEventWnd as uEventMsg, wParam = the client handle,
 * lParam = MAKELPARAM(event, error) with an IMAP_EVENT_* or MAILWIRE_EVENT_* value (CONNECT,
 * DISCONNECT, MAILWIRE_EVENT_READ and _WRITE, TIMEOUT, CANCEL, COMMAND, PROGRESS, UPDATE,
 * ERROR, COMPLETE last for each operation). Output parameters of a call that returned
 * MAILWIRE_IN_PROGRESS are written before its COMPLETE message is posted.
 * @param hClient   an IMAP session (ImapConnect() or ImapAsyncConnect()).
 * @param hEventWnd the notification window; it must belong to the calling thread.
 * @param uEventMsg the message posted (WM_USER, WM_APP or above; not WM_NULL).
 * @return 0, or IMAP_ERROR: ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER,
 *         ST_ERROR_INVALID_ARGUMENT, ST_ERROR_BUSY, ST_ERROR_INTERNAL (as SmtpEnableEvents()).
 * @par Blocking: no.
 * @par Thread: the owner, which must also own hEventWnd and dispatch its messages.
 */
MAILWIRE_API int ImapEnableEvents(HCLIENT hClient, struct HWND__ *hEventWnd,
                                  unsigned int uEventMsg);

/**
 * @brief Stop window-message notification and return the session to blocking mode (Windows
 *        only; SmtpDisableEvents() for IMAP).
 * @param hClient an IMAP session (without events enabled the call changes nothing).
 * @return 0, or IMAP_ERROR: ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER, ST_ERROR_BUSY (an
 *         operation, IDLE included, is still running).
 * @par Blocking: no.
 * @par Thread: the owner.
 */
MAILWIRE_API int ImapDisableEvents(HCLIENT hClient);
#endif /* _WIN32 */
/* ==== end of the window-message events ==================================================== */

#ifdef __cplusplus
}
#endif

/** @brief The declarations above are complete: <mailwire/wide.h> adds their A (UTF-8) and W
 *  (wchar_t) forms and, on Windows under UNICODE, maps the plain names to the W forms
 *  (generated by scripts/gen-wide.py). */
#define MAILWIRE_IMAP_COMPLETE
#include <mailwire/wide.h>

#endif /* MAILWIRE_IMAP_H */
