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
 * Output parameters (a mailbox state, search results, an APPENDUID, a fetched buffer) are
 * filled when the call completes; on a non-blocking session read them afterwards with the
 * getters (ImapGetMailboxInfo(), ImapGetSearchResults(), ImapGetMessageCount()). Calls that
 * fill caller memory on return (ImapGetMessage(), ImapGetHeaders(), ImapSaveMessage()) need
 * a blocking session; ImapFetchMessage() streams to a callback on either.
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

#ifdef __cplusplus
extern "C" {
#endif

/** Failure value of int-returning IMAP calls. */
#define IMAP_ERROR MAILWIRE_ERROR

/** @name Default ports @{ */
#define IMAP_PORT_DEFAULT 143 /**< IMAP, optionally with STARTTLS. */
#define IMAP_PORT_SECURE 993  /**< IMAP over implicit TLS. */
/** @} */

/**
 * @name Connection options (ImapConnect() dwOptions)
 * The shared options are aliases of MAILWIRE_OPTION_*; IMAP-only options use the low 10 bits.
 * @{
 */
#define IMAP_OPTION_NONE 0x00000000u
/** Send the RFC 2971 ID command after connecting, when the server offers ID. */
#define IMAP_OPTION_IDENTIFY 0x00000001u
#define IMAP_OPTION_TUNNEL MAILWIRE_OPTION_TUNNEL
#define IMAP_OPTION_TRUSTEDSITE MAILWIRE_OPTION_TRUSTEDSITE
/** STARTTLS (RFC 9051 section 6.2.1); mandatory: never a silent cleartext session. */
#define IMAP_OPTION_SECURE MAILWIRE_OPTION_SECURE
#define IMAP_OPTION_SECURE_EXPLICIT MAILWIRE_OPTION_SECURE
/** TLS from the first byte (port 993). Port 993 implies it unless IMAP_OPTION_TUNNEL. */
#define IMAP_OPTION_SECURE_IMPLICIT MAILWIRE_OPTION_SECURE_IMPLICIT
#define IMAP_OPTION_SECURE_FALLBACK MAILWIRE_OPTION_SECURE_FALLBACK
#define IMAP_OPTION_PREFER_IPV6 MAILWIRE_OPTION_PREFER_IPV6
#define IMAP_OPTION_FREETHREAD MAILWIRE_OPTION_FREETHREAD
/** Allow LOGIN, PLAIN and the token mechanisms on a cleartext connection to a host that is
 *  not a loopback address. */
#define IMAP_OPTION_ALLOW_CLEARTEXT_AUTH MAILWIRE_OPTION_ALLOW_CLEARTEXT_AUTH
/** @} */

/** @name Authentication types (ImapLogin()) @{ */
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

/** @name Events (aliases of MAILWIRE_EVENT_*) @{ */
#define IMAP_EVENT_CONNECT MAILWIRE_EVENT_CONNECT
#define IMAP_EVENT_DISCONNECT MAILWIRE_EVENT_DISCONNECT
#define IMAP_EVENT_TIMEOUT MAILWIRE_EVENT_TIMEOUT
#define IMAP_EVENT_CANCEL MAILWIRE_EVENT_CANCEL
#define IMAP_EVENT_COMMAND MAILWIRE_EVENT_COMMAND
#define IMAP_EVENT_PROGRESS MAILWIRE_EVENT_PROGRESS
#define IMAP_EVENT_UPDATE MAILWIRE_EVENT_UPDATE
#define IMAP_EVENT_ERROR MAILWIRE_EVENT_ERROR
/** @} */

/** @name Message flags (IMAPMAILBOX.dwFlags, ImapStoreFlags(), IMAPMESSAGE.dwFlags) @{ */
#define IMAP_FLAG_NONE 0x0000u
#define IMAP_FLAG_ANSWERED 0x0001u
#define IMAP_FLAG_DRAFT 0x0002u
#define IMAP_FLAG_URGENT 0x0004u /**< \\Flagged */
#define IMAP_FLAG_SEEN 0x0008u
#define IMAP_FLAG_DELETED 0x0010u
#define IMAP_FLAG_RECENT 0x0020u
#define IMAP_FLAG_KEYWORDS 0x0040u /**< PERMANENTFLAGS has \\* (new keywords allowed). */
/** @} */

/** @name Mailbox attributes (IMAPMAILBOXINFO.dwAttributes) @{ */
#define IMAP_FLAG_NOINFERIORS 0x0001u
#define IMAP_FLAG_NOSELECT 0x0002u
#define IMAP_FLAG_MARKED 0x0004u
#define IMAP_FLAG_UNMARKED 0x0008u
#define IMAP_FLAG_HASCHILDREN 0x0010u
#define IMAP_FLAG_HASNOCHILDREN 0x0020u
#define IMAP_FLAG_SUBSCRIBED 0x0040u
#define IMAP_FLAG_NONEXISTENT 0x0080u
#define IMAP_SPECIAL_ALL 0x0100u     /**< \\All (RFC 6154) */
#define IMAP_SPECIAL_ARCHIVE 0x0200u /**< \\Archive */
#define IMAP_SPECIAL_DRAFTS 0x0400u  /**< \\Drafts */
#define IMAP_SPECIAL_FLAGGED 0x0800u /**< \\Flagged */
#define IMAP_SPECIAL_JUNK 0x1000u    /**< \\Junk */
#define IMAP_SPECIAL_SENT 0x2000u    /**< \\Sent */
#define IMAP_SPECIAL_TRASH 0x4000u   /**< \\Trash */
/** @} */

/** @name Access modes (IMAPMAILBOX.dwAccessMode) @{ */
#define IMAP_ACCESS_READWRITE 0
#define IMAP_ACCESS_READONLY 1
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
    unsigned nUnseenMessages;  /**< Unseen count (STATUS UNSEEN), when the server said it. */
    uint64_t nHighestModSeq;   /**< [HIGHESTMODSEQ] with CONDSTORE; 0 otherwise. */
    int bReadOnly;             /**< Non-zero after EXAMINE or [READ-ONLY]. */
} IMAPMAILBOX, *LPIMAPMAILBOX;

/** @brief STATUS of a mailbox that need not be selected (ImapGetMailboxStatus()). */
typedef struct _IMAPMAILBOXSTATUS {
    unsigned nMessages;        /**< MESSAGES */
    unsigned nRecentMessages;  /**< RECENT (IMAP4rev1 only) */
    unsigned nUnseenMessages;  /**< UNSEEN */
    uint32_t dwMailboxUID;     /**< UIDVALIDITY */
    uint32_t dwNextMessageUID; /**< UIDNEXT */
    uint64_t nSize;            /**< SIZE (IMAP4rev2 / STATUS=SIZE), 0 when not offered */
} IMAPMAILBOXSTATUS, *LPIMAPMAILBOXSTATUS;

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

/** @name ImapGetFirstMailbox() options @{ */
#define IMAP_LIST_DEFAULT 0x0000u
#define IMAP_LIST_SUBSCRIBED 0x0001u /**< LSUB-like: only subscribed mailboxes. */
#define IMAP_LIST_SPECIALUSE 0x0002u /**< Only mailboxes with a special use (RFC 6154). */
#define IMAP_LIST_STATUS                                                                           \
    0x0004u /**< Message and unseen counts in the same round trip                                  \
                 (LIST-STATUS, RFC 5819), when the server offers it. */
/** @} */

/** @name Fetch and message options @{ */
#define IMAP_FETCH_UID 0x0001u       /**< The message id is a UID, not a sequence number. */
#define IMAP_FETCH_SEEN 0x0002u      /**< Let the fetch set \\Seen (default: BODY.PEEK). */
#define IMAP_SECTION_DEFAULT 0x0000u /**< The whole message (BODY[]). */
#define IMAP_SECTION_HEADER 0x0010u  /**< The header (BODY[HEADER], or part.MIME for a part). */
#define IMAP_SECTION_BODY 0x0020u    /**< The text (BODY[TEXT]; for a part, its body). */
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
 * announced to the server is reached.
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

/** @brief Called once per message by ImapGetMessageInfo(). */
typedef void(MAILWIRE_CALLBACK *IMAPMESSAGEPROC)(const IMAPMESSAGE *lpMessage, void *lpUserData);

/** @name ImapGetMessageInfo() items @{ */
#define IMAP_INFO_ENVELOPE 0x0100u      /**< Also fetch ENVELOPE. */
#define IMAP_INFO_BODYSTRUCTURE 0x0200u /**< Also fetch BODYSTRUCTURE. */
/** @} */

/** @name ImapStoreFlags() modes @{ */
#define IMAP_STORE_REPLACE 0x0000u /**< FLAGS: replace the flags. */
#define IMAP_STORE_ADD 0x0100u     /**< +FLAGS */
#define IMAP_STORE_REMOVE 0x0200u  /**< -FLAGS */
#define IMAP_STORE_SILENT 0x0400u  /**< .SILENT: no untagged FETCH back. */
/** @} */

/** @name ImapIdle() options @{ */
#define IMAP_IDLE_WAIT                                                                             \
    0x0000u /**< Block until the first mailbox change, the timeout or a                            \
                 cancel. */
#define IMAP_IDLE_NOWAIT                                                                           \
    0x0001u /**< Non-blocking sessions: stay in IDLE, raise UPDATE events                          \
                 until ImapCancel() or the next command. */
/** @} */

/** @brief A SEARCH criteria builder; user strings are encoded safely when the search runs. */
typedef struct _IMAPSEARCH IMAPSEARCH;

/**
 * @brief Start using the IMAP API in this process (reference-counted, thread-safe).
 * @return non-zero on success; 0 on failure (last error set).
 * @par Blocking: no. @par Thread: any.
 */
MAILWIRE_API int ImapInitialize(void);

/** @brief Release one reference taken by ImapInitialize(). @par Blocking: no. @par Thread: any. */
MAILWIRE_API void ImapUninitialize(void);

/**
 * @brief Connect to an IMAP server: greeting, CAPABILITY, STARTTLS when requested (then
 * CAPABILITY again over TLS), ID with IMAP_OPTION_IDENTIFY.
 * @param lpszHostName  host name or IPv4/IPv6 literal.
 * @param nRemotePort   port; 0 picks 143, or 993 with IMAP_OPTION_SECURE_IMPLICIT. Port 993
 *                      implies implicit TLS unless IMAP_OPTION_TUNNEL is given.
 * @param nTimeout      seconds to wait for each step; 0 means 20.
 * @param dwOptions     IMAP_OPTION_* flags.
 * @param lpCredentials client certificate and extra CA, or NULL; copied.
 * @return a handle, or INVALID_CLIENT (last error: ST_ERROR_RESOLVE_FAILED,
 *         ST_ERROR_CONNECT_REFUSED, ST_ERROR_TLS_HANDSHAKE_FAILED,
 *         ST_ERROR_CERTIFICATE_REJECTED, ST_ERROR_STARTTLS_UNAVAILABLE (also for a PREAUTH
 *         greeting on cleartext while TLS is required), ST_ERROR_CONNECTION_CLOSED (BYE
 *         greeting), ST_ERROR_PROTOCOL_VIOLATION, ST_ERROR_TIMEOUT ...).
 * @par Blocking: yes. @par Thread: any; the calling thread owns the handle.
 */
MAILWIRE_API HCLIENT ImapConnect(const char *lpszHostName, unsigned nRemotePort, unsigned nTimeout,
                                 uint32_t dwOptions, const SECURITYCREDENTIALS *lpCredentials);

/**
 * @brief Start connecting without blocking; the handle is a non-blocking session.
 *
 * Every later call on it returns MAILWIRE_IN_PROGRESS when it starts an operation; drive it
 * with ImapGetPollInfo() and ImapExecute(). The CONNECT event reports the outcome.
 * @return a handle, or INVALID_CLIENT when the arguments are invalid (nothing started).
 * @par Blocking: never (DNS runs on a resolver thread). @par Thread: any.
 */
MAILWIRE_API HCLIENT ImapAsyncConnect(const char *lpszHostName, unsigned nRemotePort,
                                      unsigned nTimeout, uint32_t dwOptions,
                                      const SECURITYCREDENTIALS *lpCredentials);

/**
 * @brief Authenticate.
 * @param nAuthType IMAP_AUTH_*.
 * @param lpszUserName user name (for ANONYMOUS an optional trace string).
 * @param lpszPassword password or OAuth 2.0 token; copied and wiped after use.
 * @return 0, or IMAP_ERROR: ST_ERROR_AUTHENTICATION_FAILED (tagged NO),
 *         ST_ERROR_ALREADY_AUTHENTICATED (PREAUTH or an earlier login),
 *         ST_ERROR_CLEARTEXT_REFUSED (credentials would cross cleartext, or LOGINDISABLED),
 *         ST_ERROR_INVALID_AUTHENTICATION_TYPE (mechanism not offered),
 *         ST_ERROR_INVALID_ARGUMENT (NUL in a value, empty password with a user name).
 * After success the capabilities are refreshed and IMAP4rev2 / UTF8=ACCEPT are enabled
 * when offered. The trace never shows the password.
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS). @par Thread: owner.
 */
MAILWIRE_API int ImapLogin(HCLIENT hClient, unsigned nAuthType, const char *lpszUserName,
                           const char *lpszPassword);

/**
 * @brief LOGOUT (bounded by the session timeout), close the connection and free the handle.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER). The handle is
 *         invalid afterwards in any case when it was valid.
 * @par Blocking: yes, at most one timeout. @par Thread: owner.
 */
MAILWIRE_API int ImapDisconnect(HCLIENT hClient);

/** @brief The calling thread's last error. @par Thread: any. */
MAILWIRE_API unsigned ImapGetLastError(void);

/** @brief Fixed description of an error code; never NULL. @par Thread: any. */
MAILWIRE_API const char *ImapGetErrorString(unsigned nError);

/**
 * @brief Result of the last completed command: 0 OK, 1 NO, 2 BAD, 3 BYE, -1 none yet.
 * @par Blocking: no. @par Thread: owner.
 */
MAILWIRE_API int ImapGetResultCode(HCLIENT hClient);

/**
 * @brief Text of the last tagged (or BYE) response, response code included ("[...] text").
 * @return a pointer valid until the next call on the handle; "" when none or on error.
 * @par Blocking: no. @par Thread: owner.
 */
MAILWIRE_API const char *ImapGetResultString(HCLIENT hClient);

/**
 * @brief The last [ALERT] text the server sent over a protected connection (alerts before
 * STARTTLS are dropped: they could be forged). "" when none.
 * @par Blocking: no. @par Thread: owner.
 */
MAILWIRE_API const char *ImapGetAlert(HCLIENT hClient);

/**
 * @brief Whether the server announced a capability (case-insensitive, e.g. "IDLE",
 * "AUTH=PLAIN").
 * @return 1 yes, 0 no or an invalid handle.
 * @par Blocking: no. @par Thread: owner.
 */
MAILWIRE_API int ImapHasCapability(HCLIENT hClient, const char *lpszCapability);

/**
 * @brief The capability list, space separated, into a caller buffer.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT when the buffer is too small).
 * @par Blocking: no. @par Thread: owner.
 */
MAILWIRE_API int ImapGetCapabilities(HCLIENT hClient, char *lpszBuffer, size_t nSize);

/** @brief Cancel the running operation (IDLE ends with DONE; anything else closes the
 *  connection). @return 0 or IMAP_ERROR. @par Thread: any. */
MAILWIRE_API int ImapCancel(HCLIENT hClient);

/** @brief See MailwireAttachThread(). */
MAILWIRE_API uint32_t ImapAttachThread(HCLIENT hClient, uint32_t dwThreadId);

/** @brief See MailwireRegisterEvent(); IMAP_EVENT_* ids. */
MAILWIRE_API int ImapRegisterEvent(HCLIENT hClient, unsigned nEventId, MAILWIRE_EVENTPROC lpfnProc,
                                   void *lpUserData);

/** @brief See MailwireGetSecurityInfo(). */
MAILWIRE_API int ImapGetSecurityInfo(HCLIENT hClient, SECURITYINFO *lpInfo);

/** @brief Non-blocking sessions: see MailwireExecute(). */
MAILWIRE_API int ImapExecute(HCLIENT hClient);

/** @brief Non-blocking sessions: see MailwireGetPollInfo(). */
MAILWIRE_API int ImapGetPollInfo(HCLIENT hClient, MAILWIRE_SOCKET *lpSocket, unsigned *lpEvents,
                                 int *lpTimeout);

/**
 * @brief Bytes moved by the running or last fetch/append and the expected total.
 * @return 0, or IMAP_ERROR. @par Blocking: no. @par Thread: owner (or from its callbacks).
 */
MAILWIRE_API int ImapGetTransferStatus(HCLIENT hClient, uint64_t *lpnDone, uint64_t *lpnTotal);

/**
 * @brief SELECT a mailbox (read-write) and report its state.
 * @param lpszMailbox UTF-8 name ("INBOX" is case-insensitive).
 * @param lpMailbox   receives the mailbox state, or NULL.
 * @return 0, or IMAP_ERROR (ST_ERROR_SERVER_PERMANENT for NO, e.g. no such mailbox).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS, then
 *      ImapGetMailboxInfo()). @par Thread: owner.
 */
MAILWIRE_API int ImapSelectMailbox(HCLIENT hClient, const char *lpszMailbox,
                                   IMAPMAILBOX *lpMailbox);

/** @name ImapSelectMailboxEx() options @{ */
#define IMAP_SELECT_READONLY 0x0001u /**< EXAMINE instead of SELECT. */
#define IMAP_SELECT_CONDSTORE                                                                      \
    0x0002u /**< Enable CONDSTORE (RFC 7162): HIGHESTMODSEQ is                                     \
                 reported; ST_ERROR_SERVER_PERMANENT when the server                               \
                 does not offer CONDSTORE. */
/** @} */

/**
 * @brief SELECT or EXAMINE with options (IMAP_SELECT_*).
 * @return 0 or IMAP_ERROR, as ImapSelectMailbox().
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS). @par Thread: owner.
 */
MAILWIRE_API int ImapSelectMailboxEx(HCLIENT hClient, const char *lpszMailbox, uint32_t dwOptions,
                                     IMAPMAILBOX *lpMailbox);

/** @brief EXAMINE: like ImapSelectMailbox() but read-only. */
MAILWIRE_API int ImapExamineMailbox(HCLIENT hClient, const char *lpszMailbox,
                                    IMAPMAILBOX *lpMailbox);

/** @brief The selected mailbox's current state (updated by untagged data). No I/O.
 *  @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT when none is selected). */
MAILWIRE_API int ImapGetMailboxInfo(HCLIENT hClient, IMAPMAILBOX *lpMailbox);

/** @brief Number of messages in the selected mailbox (EXISTS as last reported). No I/O.
 *  @return 0, or IMAP_ERROR. */
MAILWIRE_API int ImapGetMessageCount(HCLIENT hClient, unsigned *lpnMessages);

/**
 * @brief Leave the selected mailbox without expunging (UNSELECT, RFC 3691 / RFC 9051).
 * @return 0, or IMAP_ERROR: ST_ERROR_NOT_SUPPORTED when the server lacks UNSELECT (nothing
 *         is sent; ImapCloseMailbox() leaves the mailbox but expunges, or select another
 *         mailbox: SELECT never expunges the previous one), ST_ERROR_INVALID_ARGUMENT when
 *         no mailbox is selected.
 * @par Blocking: yes. @par Thread: owner.
 */
MAILWIRE_API int ImapUnselectMailbox(HCLIENT hClient);

/** @brief CLOSE: expunge \\Deleted messages and leave the mailbox. */
MAILWIRE_API int ImapCloseMailbox(HCLIENT hClient);

/** @brief CHECK (IMAP4rev1; under IMAP4rev2 a NOOP is sent). */
MAILWIRE_API int ImapCheckMailbox(HCLIENT hClient);

/** @brief CREATE a mailbox (UTF-8 name). @return 0 or IMAP_ERROR. */
MAILWIRE_API int ImapCreateMailbox(HCLIENT hClient, const char *lpszMailbox);

/** @brief DELETE a mailbox. @return 0 or IMAP_ERROR. */
MAILWIRE_API int ImapDeleteMailbox(HCLIENT hClient, const char *lpszMailbox);

/** @brief RENAME a mailbox. @return 0 or IMAP_ERROR. */
MAILWIRE_API int ImapRenameMailbox(HCLIENT hClient, const char *lpszOldName,
                                   const char *lpszNewName);

/** @brief SUBSCRIBE. @return 0 or IMAP_ERROR. */
MAILWIRE_API int ImapSubscribeMailbox(HCLIENT hClient, const char *lpszMailbox);

/** @brief UNSUBSCRIBE. @return 0 or IMAP_ERROR. */
MAILWIRE_API int ImapUnsubscribeMailbox(HCLIENT hClient, const char *lpszMailbox);

/**
 * @brief List mailboxes (LIST with RETURN (SPECIAL-USE SUBSCRIBED) when offered) and return
 * the first.
 * @param lpszReference reference name, or NULL for "".
 * @param lpszPattern   pattern with % and * wildcards, or NULL for "*".
 * @param dwOptions     IMAP_LIST_*.
 * @param lpInfo        receives the first mailbox.
 * @return 0, or IMAP_ERROR (ST_ERROR_NO_MORE_MAILBOXES when the list is empty).
 * @par Blocking: yes. @par Thread: owner.
 */
MAILWIRE_API int ImapGetFirstMailbox(HCLIENT hClient, const char *lpszReference,
                                     const char *lpszPattern, uint32_t dwOptions,
                                     IMAPMAILBOXINFO *lpInfo);

/** @brief The next mailbox of the last listing. No I/O.
 *  @return 0, or IMAP_ERROR with ST_ERROR_NO_MORE_MAILBOXES at the end. */
MAILWIRE_API int ImapGetNextMailbox(HCLIENT hClient, IMAPMAILBOXINFO *lpInfo);

/** @brief STATUS of a mailbox (MESSAGES UIDNEXT UIDVALIDITY UNSEEN, RECENT or SIZE).
 *  @return 0 or IMAP_ERROR. */
MAILWIRE_API int ImapGetMailboxStatus(HCLIENT hClient, const char *lpszMailbox,
                                      IMAPMAILBOXSTATUS *lpStatus);

/**
 * @brief NAMESPACE (RFC 2342): the first personal namespace's prefix and delimiter.
 * @param lpszPrefix buffer for the prefix (UTF-8), nSize bytes.
 * @param lpchDelimiter receives the delimiter (0 when none); may be NULL.
 * @return 0 or IMAP_ERROR.
 */
MAILWIRE_API int ImapGetNamespace(HCLIENT hClient, char *lpszPrefix, size_t nSize,
                                  char *lpchDelimiter);

/**
 * @brief Fetch a message, its header or one MIME part into a caller buffer.
 * @param nMessageId sequence number (or UID with IMAP_FETCH_UID in dwOptions).
 * @param nMessagePart 0 for the whole message, else the 1-based part number ("1", "2"...).
 * @param lpvBuffer  receives the bytes (not NUL-terminated).
 * @param lpdwLength in: the buffer size; out: the bytes stored.
 * @param dwOptions  IMAP_FETCH_* and IMAP_SECTION_*.
 * @return 0, or IMAP_ERROR (ST_ERROR_LIMIT_EXCEEDED when the data does not fit: *lpdwLength
 *         is then the size needed; ST_ERROR_SERVER_PERMANENT when the message does not exist).
 * @par Blocking: yes. @par Thread: owner.
 */
MAILWIRE_API int ImapGetMessage(HCLIENT hClient, unsigned nMessageId, unsigned nMessagePart,
                                void *lpvBuffer, size_t *lpdwLength, uint32_t dwOptions);

/** @brief The header block of a message (ImapGetMessage() with IMAP_SECTION_HEADER). */
MAILWIRE_API int ImapGetHeaders(HCLIENT hClient, unsigned nMessageId, void *lpvBuffer,
                                size_t *lpdwLength, uint32_t dwOptions);

/**
 * @brief Fetch any section of a message, or a byte range of it, to a streaming callback;
 * memory use does not depend on the message size.
 * @param nMessageId sequence number or UID (IMAP_FETCH_UID).
 * @param lpszSection section spec as in RFC 9051 BODY[...] ("" whole message, "HEADER",
 *                    "TEXT", "1", "1.2.MIME", "HEADER.FIELDS (SUBJECT)"); validated.
 * @param nOffset, nLength byte range (partial fetch); nLength 0 means to the end.
 * @param lpfnCallback receives the bytes in chunks.
 * @return 0, or IMAP_ERROR (ST_ERROR_SERVER_PERMANENT when the message is missing,
 *         ST_ERROR_CANCELLED when the callback stopped).
 * @par Blocking: yes. @par Thread: owner.
 */
MAILWIRE_API int ImapFetchMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                                  const char *lpszSection, uint64_t nOffset, uint64_t nLength,
                                  IMAPFETCHPROC lpfnCallback, void *lpUserData);

/** @brief Fetch a whole message into a file (created or truncated). ST_ERROR_FILE when the
 *  file cannot be written. */
MAILWIRE_API int ImapSaveMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                                 const char *lpszFileName);

/**
 * @brief Fetch every message of the sequence range nFirst..nLast (nLast 0: to the last) of
 * the selected mailbox to a callback, as pipelined batched UID FETCH commands (no round trip
 * per message).
 * @return 0 or IMAP_ERROR.
 * @par Blocking: yes. @par Thread: owner.
 */
MAILWIRE_API int ImapFetchMessages(HCLIENT hClient, unsigned nFirst, unsigned nLast,
                                   uint32_t dwOptions, IMAPFETCHPROC lpfnCallback,
                                   void *lpUserData);

/**
 * @brief FLAGS, UID, RFC822.SIZE, INTERNALDATE and (with IMAP_INFO_*) ENVELOPE and
 * BODYSTRUCTURE of a set of messages.
 * @param lpszSet sequence set ("1:*", "3,5:7") or UID set with IMAP_FETCH_UID; validated.
 * @return 0 or IMAP_ERROR.
 */
MAILWIRE_API int ImapGetMessageInfo(HCLIENT hClient, const char *lpszSet, uint32_t dwOptions,
                                    IMAPMESSAGEPROC lpfnCallback, void *lpUserData);

/** @brief A new, empty criteria builder (NULL when out of memory). @par Thread: any. */
MAILWIRE_API IMAPSEARCH *ImapSearchCreate(void);
/**
 * @brief Append a criterion: a search key ("SUBJECT", "FROM", "HEADER Message-ID", "UNSEEN",
 * "SINCE", "NOT", "OR" ...: letters, digits, '-', '.' and spaces only) and, when the key takes
 * one, a value that is encoded as quoted string or literal when the search is sent.
 * @return 0, or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT, ST_ERROR_OUT_OF_MEMORY).
 */
MAILWIRE_API int ImapSearchAdd(IMAPSEARCH *lpSearch, const char *lpszKey, const char *lpszValue);
/** @brief Free a builder (NULL is fine). */
MAILWIRE_API void ImapSearchFree(IMAPSEARCH *lpSearch);

/**
 * @brief SEARCH (UID SEARCH with IMAP_FETCH_UID) with a builder or raw criteria.
 * @param lpSearch criteria from the builder, or NULL to use lpszCriteria.
 * @param lpszCriteria raw criteria in IMAP syntax (no CR/LF/NUL), used when lpSearch is NULL.
 * @param lpIds   receives the matching ids (ascending), up to *lpnCount.
 * @param lpnCount in: capacity; out: the number of matches (may exceed the capacity: only the
 *                 first ones are stored).
 * @return 0 or IMAP_ERROR. CHARSET UTF-8 is sent when a value holds non-ASCII and the server
 *         has not enabled UTF-8. On a non-blocking session the call returns
 *         MAILWIRE_IN_PROGRESS and the results are read with ImapGetSearchResults() once
 *         the operation has completed.
 */
MAILWIRE_API int ImapSearchMailbox(HCLIENT hClient, const IMAPSEARCH *lpSearch,
                                   const char *lpszCriteria, uint32_t dwOptions, uint32_t *lpIds,
                                   size_t *lpnCount);

/**
 * @brief The results of the last completed search (for non-blocking sessions). No I/O.
 * @param lpIds receives up to *lpnCount ids; lpnCount in: capacity, out: number of matches.
 * @return 0 or IMAP_ERROR (ST_ERROR_INVALID_ARGUMENT).
 * @par Blocking: no. @par Thread: owner.
 */
MAILWIRE_API int ImapGetSearchResults(HCLIENT hClient, uint32_t *lpIds, size_t *lpnCount);

/**
 * @brief STORE flags and keywords on a set of messages.
 * @param lpszSet sequence or UID set (IMAP_FETCH_UID).
 * @param dwMode IMAP_STORE_* (plus IMAP_FETCH_UID).
 * @param dwFlags IMAP_FLAG_* system flags.
 * @param lpszKeywords extra keywords, space separated atoms, or NULL.
 */
MAILWIRE_API int ImapStoreFlags(HCLIENT hClient, const char *lpszSet, uint32_t dwMode,
                                uint32_t dwFlags, const char *lpszKeywords);

/** @brief Set \\Deleted on a message (sequence number, or UID with IMAP_FETCH_UID). */
MAILWIRE_API int ImapDeleteMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions);
/** @brief Clear \\Deleted on a message. */
MAILWIRE_API int ImapUndeleteMessage(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions);

/** @brief COPY a set of messages to another mailbox. */
MAILWIRE_API int ImapCopyMessage(HCLIENT hClient, const char *lpszSet, const char *lpszMailbox,
                                 uint32_t dwOptions);

/**
 * @brief MOVE a set of messages to another mailbox (RFC 6851).
 *
 * Without MOVE: COPY, then (only when the copy succeeded) STORE +FLAGS \\Deleted on the
 * originals, then UID EXPUNGE of exactly those when the server has UIDPLUS and lpszSet is a
 * UID set. Otherwise the originals are left marked \\Deleted: a plain EXPUNGE would also
 * remove every other message marked \\Deleted; call ImapExpungeMailbox() when that is meant.
 * @param lpszSet     sequence set, or UID set with IMAP_FETCH_UID; validated.
 * @param lpszMailbox target mailbox (UTF-8).
 * @param dwOptions   IMAP_FETCH_UID or 0.
 * @return 0, or IMAP_ERROR (ST_ERROR_SERVER_PERMANENT when the server refuses, e.g. the
 *         mailbox does not exist: nothing was deleted; ST_ERROR_INVALID_ARGUMENT).
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS). @par Thread: owner.
 */
MAILWIRE_API int ImapMoveMessage(HCLIENT hClient, const char *lpszSet, const char *lpszMailbox,
                                 uint32_t dwOptions);

/** @brief EXPUNGE; lpMailbox (may be NULL) receives the refreshed state. */
MAILWIRE_API int ImapExpungeMailbox(HCLIENT hClient, IMAPMAILBOX *lpMailbox);

/** @brief UID EXPUNGE of a UID set (UIDPLUS, RFC 4315 / RFC 9051). */
MAILWIRE_API int ImapExpungeMessages(HCLIENT hClient, const char *lpszUidSet);

/**
 * @brief APPEND a message from memory.
 * @param lpszMailbox target mailbox (UTF-8).
 * @param dwFlags IMAP_FLAG_* to set.
 * @param lpszDate INTERNALDATE ("dd-Mon-yyyy hh:mm:ss +zzzz") or NULL.
 * @param lpvMessage, nLength the message (RFC 5322, CRLF line ends).
 * @param lpdwUID receives the APPENDUID (UIDPLUS), or 0 when the server did not say; may be NULL.
 */
MAILWIRE_API int ImapCreateMessage(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                                   const char *lpszDate, const void *lpvMessage, size_t nLength,
                                   uint32_t *lpdwUID);

/** @brief APPEND from a file (streamed, bounded memory). */
MAILWIRE_API int ImapCreateMessageFromFile(HCLIENT hClient, const char *lpszMailbox,
                                           uint32_t dwFlags, const char *lpszDate,
                                           const char *lpszFileName, uint32_t *lpdwUID);

/** @brief APPEND from a source callback providing exactly nLength bytes (streamed). */
MAILWIRE_API int ImapCreateMessageEx(HCLIENT hClient, const char *lpszMailbox, uint32_t dwFlags,
                                     const char *lpszDate, uint64_t nLength,
                                     IMAPSOURCEPROC lpfnSource, void *lpUserData,
                                     uint32_t *lpdwUID);

/**
 * @brief IDLE (RFC 2177): wait for mailbox changes.
 *
 * IMAP_IDLE_WAIT blocks until the first change (EXISTS, EXPUNGE, FETCH), nTimeout seconds
 * (0: the session timeout) or ImapCancel(); IDLE is then ended with DONE and the call returns
 * 0 (*lpnChanges tells whether anything changed). With IMAP_IDLE_NOWAIT on a non-blocking
 * session the call returns MAILWIRE_IN_PROGRESS and IDLE goes on (UPDATE events; re-issued
 * every 29 minutes) until ImapCancel() or the next command (DONE is sent first). Without the
 * IDLE capability NOOP polling (every 30 s, or nTimeout when shorter) stands in.
 * @return 0, MAILWIRE_IN_PROGRESS, or IMAP_ERROR (ST_ERROR_CANCELLED after ImapCancel(): the
 *         session stays usable).
 * @par Blocking: with IMAP_IDLE_WAIT. @par Thread: owner; ImapCancel() from any.
 */
MAILWIRE_API int ImapIdle(HCLIENT hClient, unsigned nTimeout, uint32_t dwOptions,
                          unsigned *lpnChanges);

/** @brief NOOP (also collects pending untagged updates). */
MAILWIRE_API int ImapNoop(HCLIENT hClient);

/**
 * @brief Send a raw command (without tag and CRLF) and wait for its tagged response.
 * @param lpszCommand the command; CR, LF or NUL are refused (ST_ERROR_INVALID_ARGUMENT), and
 *        so are literals and the commands that have their own function because the engine
 *        tracks their effect or they carry credentials: STARTTLS, LOGIN, AUTHENTICATE,
 *        LOGOUT, SELECT, EXAMINE, CLOSE, UNSELECT, ENABLE, IDLE, APPEND, COMPRESS.
 * @return 0 on OK; IMAP_ERROR: ST_ERROR_SERVER_PERMANENT on NO, ST_ERROR_COMMAND_REJECTED on
 *         BAD (ImapGetResultString() has the text); the session stays usable.
 * @par Blocking: yes (non-blocking sessions: MAILWIRE_IN_PROGRESS). @par Thread: owner.
 */
MAILWIRE_API int ImapCommand(HCLIENT hClient, const char *lpszCommand);

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_IMAP_H */
