/**
 * @file ImapClient.hpp
 * @brief CImapClient: the IMAP client as a header-only C++17 class over the C API of
 *        <mailwire/imap.h>, in the shape of SocketTools' CImapClient; CImapSearch: the
 *        SEARCH criteria builder as an RAII object.
 *
 * One method per public Imap* function, named without the prefix and the handle argument
 * (ImapSearchCreate/Add/Free are CImapSearch; ImapGetLastError and ImapGetErrorString are
 * GetLastError() and GetErrorString()). Methods return true on success (or when a
 * non-blocking operation has started: see IsInProgress()) and false on failure, keeping the
 * error for GetLastError() and GetLastErrorDetail(). Methods that produce data also have
 * overloads returning std::string, std::vector or small structs. The shared methods
 * (GetHandle, Attach, Detach, RegisterEvent, SetTrace, Cancel, AttachThread,
 * GetSecurityInfo, GetPollInfo, GetSocket, GetLastError, GetErrorString) are documented in
 * detail/ClientBase.hpp; Execute() is extended here (see CImapClient::Execute()).
 *
 * No exception crosses into the C library: callables given to the class (event handlers,
 * the trace, fetch, message-info and source callbacks) are wrapped in thunks that catch
 * everything; the operation is then stopped and the method fails with
 * ST_ERROR_CALLBACK_FAILED and the exception's text in GetLastErrorDetail(). The class itself
 * throws only what the standard library throws (std::bad_alloc when memory runs out).
 *
 * Windows note: <windows.h> defines GetMessage as a macro; include it before this header in
 * every file that calls the method, as with SocketTools and MFC, so both sides are renamed
 * alike.
 */
#ifndef MAILWIRE_IMAPCLIENT_HPP
#define MAILWIRE_IMAPCLIENT_HPP

#include <mailwire/Mailwire.hpp>
#include <mailwire/detail/CallbackFailure.hpp>
#include <mailwire/detail/ClientBase.hpp>
#include <mailwire/imap.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mailwire
{

/** One mailbox of a listing (ListMailboxes()); a copy of IMAPMAILBOXINFO. */
struct ImapMailboxEntry {
    std::string name;            /**< The name, UTF-8. */
    char delimiter = 0;          /**< Hierarchy delimiter; 0 when the server has none. */
    uint32_t attributes = 0;     /**< IMAP_FLAG_* attributes and IMAP_SPECIAL_* uses. */
    bool hasStatus = false;      /**< true: messages and unseenMessages are set
                                      (IMAP_LIST_STATUS on a server with LIST-STATUS). */
    unsigned messages = 0;       /**< STATUS MESSAGES, with hasStatus. */
    unsigned unseenMessages = 0; /**< STATUS UNSEEN, with hasStatus. */
};

/** Metadata of one message (GetMessageInfo()); a copy of IMAPMESSAGE that outlives the
 *  callback. Strings are empty when the server did not send the item. */
struct ImapMessageInfo {
    unsigned id = 0;           /**< Sequence number (IMAPMESSAGE.nMessageId). */
    uint32_t uid = 0;          /**< UID. */
    uint32_t flags = 0;        /**< IMAP_FLAG_*. */
    uint64_t size = 0;         /**< RFC822.SIZE. */
    std::string date;          /**< INTERNALDATE, as the server sent it. */
    std::string keywords;      /**< Other flags and keywords, space separated. */
    std::string subject;       /**< ENVELOPE subject (as in the header, not decoded). */
    std::string from;          /**< ENVELOPE from, "Name <addr>" list. */
    std::string to;            /**< ENVELOPE to. */
    std::string cc;            /**< ENVELOPE cc. */
    std::string messageId;     /**< ENVELOPE message-id (the Message-ID header). */
    std::string envelopeDate;  /**< ENVELOPE date (the Date header). */
    std::string bodyStructure; /**< BODYSTRUCTURE in IMAP syntax, with IMAP_INFO_BODYSTRUCTURE. */

    /** @brief Copy the strings of a C message description (valid during its callback only).
     *  @param m the description. @return the copy. */
    static ImapMessageInfo From(const IMAPMESSAGE &m)
    {
        ImapMessageInfo i;
        i.id = m.nMessageId;
        i.uid = m.dwUID;
        i.flags = m.dwFlags;
        i.size = m.nSize;
        i.date = Str(m.lpszDate);
        i.keywords = Str(m.lpszKeywords);
        i.subject = Str(m.lpszSubject);
        i.from = Str(m.lpszFrom);
        i.to = Str(m.lpszTo);
        i.cc = Str(m.lpszCc);
        i.messageId = Str(m.lpszMessageId);
        i.envelopeDate = Str(m.lpszEnvDate);
        i.bodyStructure = Str(m.lpszBodyStructure);
        return i;
    }

  private:
    static std::string Str(const char *s)
    {
        return s ? std::string(s) : std::string();
    }
};

/** The first personal namespace (GetNamespace()). */
struct ImapNamespace {
    std::string prefix; /**< The prefix, UTF-8; "" when none. */
    char delimiter = 0; /**< The hierarchy delimiter; 0 when none. */
};

/** Bytes moved by the running or last fetch or append (GetTransferStatus()). */
struct ImapTransferStatus {
    uint64_t done = 0;  /**< Bytes moved so far. */
    uint64_t total = 0; /**< Expected total; 0 when unknown. */
};

/**
 * @brief SEARCH criteria (ImapSearchCreate(), ImapSearchAdd(), ImapSearchFree()) for
 *        CImapClient::SearchMailbox(). Move-only; the C builder is created by the first Add().
 *
 * @code
 * CImapSearch q;
 * q.Add("UNSEEN");
 * q.Add("SUBJECT", "report");
 * std::vector<uint32_t> ids = client.SearchMailbox(q);
 * @endcode
 * Values are always sent as quoted strings or literals, never as atoms, so a value cannot
 * add search keys. An object may be used by one thread at a time.
 */
class CImapSearch
{
  public:
    /** @brief Empty criteria; allocates nothing. @par Blocking: no. @par Thread: any. */
    CImapSearch() noexcept = default;
    /** @brief Frees the criteria (ImapSearchFree()). */
    ~CImapSearch()
    {
        ImapSearchFree(m_p);
    }
    CImapSearch(const CImapSearch &) = delete;
    CImapSearch &operator=(const CImapSearch &) = delete;
    /** @brief Take over another builder's criteria; the other is left empty. */
    CImapSearch(CImapSearch &&other) noexcept : m_p(std::exchange(other.m_p, nullptr)) {}
    /** @brief Free the held criteria and take over another builder's; the other is left
     *         empty. */
    CImapSearch &operator=(CImapSearch &&other) noexcept
    {
        if (this != &other) {
            ImapSearchFree(m_p);
            m_p = std::exchange(other.m_p, nullptr);
        }
        return *this;
    }

    /**
     * @brief Append a criterion (ImapSearchAdd()).
     * @param lpszKey   the key, sent verbatim: ASCII letters, digits, space and - . : , * ( )
     *                  only ("SUBJECT", "UNSEEN", "HEADER Message-ID", "UID 1:5", "NOT",
     *                  "OR"); required. Copied.
     * @param lpszValue its value, or nullptr when the key takes none. Copied; always sent as
     *                  a quoted string or a literal.
     * @return true when added; false with the thread's last error (mailwire::GetLastError()):
     *         ST_ERROR_INVALID_ARGUMENT (an empty key, a character outside the set),
     *         ST_ERROR_OUT_OF_MEMORY. Nothing is added then.
     * @par Blocking: no. @par Thread: any, one at a time.
     */
    bool Add(const char *lpszKey, const char *lpszValue = nullptr)
    {
        if (!m_p && (m_p = ImapSearchCreate()) == nullptr)
            return false;
        return ImapSearchAdd(m_p, lpszKey, lpszValue) == 0;
    }

    /** @brief Remove every criterion. @par Blocking: no. @par Thread: any, one at a time. */
    void Clear() noexcept
    {
        ImapSearchFree(std::exchange(m_p, nullptr));
    }

    /** @return true when no criterion was added (SearchMailbox() then fails with
     *          ST_ERROR_INVALID_ARGUMENT). */
    bool IsEmpty() const noexcept
    {
        return m_p == nullptr;
    }

    /** @return the C builder for ImapSearchMailbox(), or nullptr when empty. Owned by the
     *          object. */
    const IMAPSEARCH *Get() const noexcept
    {
        return m_p;
    }

  private:
    IMAPSEARCH *m_p = nullptr;
};

namespace detail
{
/** The IMAP functions ClientBase needs. */
struct ImapApi {
    static int Disconnect(HCLIENT h)
    {
        return ImapDisconnect(h);
    }
    static int Cancel(HCLIENT h)
    {
        return ImapCancel(h);
    }
    static uint32_t AttachThread(HCLIENT h, uint32_t t)
    {
        return ImapAttachThread(h, t);
    }
    static int RegisterEvent(HCLIENT h, unsigned e, MAILWIRE_EVENTPROC p, void *u)
    {
        return ImapRegisterEvent(h, e, p, u);
    }
    // IMAP has no ImapSetTrace(): the common call serves (the object holds IMAP handles only).
    static int SetTrace(HCLIENT h, MAILWIRE_TRACEPROC p, void *u)
    {
        return MailwireSetTrace(h, p, u);
    }
    static int GetSecurityInfo(HCLIENT h, SECURITYINFO *i)
    {
        return ImapGetSecurityInfo(h, i);
    }
    static int Execute(HCLIENT h)
    {
        return ImapExecute(h);
    }
    static int GetPollInfo(HCLIENT h, MAILWIRE_SOCKET *s, unsigned *e, int *t)
    {
        return ImapGetPollInfo(h, s, e, t);
    }
    // No ImapGetSocket(): the socket ImapGetPollInfo() reports is the same descriptor.
    static MAILWIRE_SOCKET GetSocket(HCLIENT h)
    {
        MAILWIRE_SOCKET s;
        unsigned events;
        int timeout;
        if (ImapGetPollInfo(h, &s, &events, &timeout) != 0)
            return static_cast<MAILWIRE_SOCKET>(-1);
        return s;
    }
    // Any IMAP call refuses a handle of the other protocol with ST_ERROR_INVALID_HANDLE.
    // ImapGetTransferStatus() rather than ImapGetResultCode(): the latter returns -1 for a
    // live session that has not completed a command yet without setting the last error,
    // so a stale ST_ERROR_INVALID_HANDLE of an earlier call would mislead.
    static bool IsOwnHandle(HCLIENT h)
    {
        return ImapGetTransferStatus(h, nullptr, nullptr) == 0 ||
               MailwireGetLastError() != ST_ERROR_INVALID_HANDLE;
    }
};

/** Heap state of a call that takes a callable: the C library holds its address as user data
 *  until the operation completes, which on a non-blocking session is after the method has
 *  returned (the client keeps it until Execute() reports the end). */
struct ImapCallbackState {
    virtual ~ImapCallbackState() = default;
    CallbackFailure failure;
    HCLIENT hClient = INVALID_CLIENT;
};

/** Heap storage for the results of a call the object makes on its own storage (a listing's
 *  first entry, a STATUS, a NAMESPACE, a buffer): the C library writes them when the
 *  operation completes, which on a non-blocking session is after the method has returned. */
template <class T> struct ImapResultState : ImapCallbackState {
    T value{};
};

/** A fetch callable: `(std::string_view data)` (chunks only) or `(unsigned id, uint32_t uid,
 *  std::string_view data, uint64_t total)` (also the start of each message, with
 *  data.data() == nullptr); returning void, bool (false stops) or an integer (non-zero
 *  stops, as IMAPFETCHPROC). */
template <class F> struct ImapFetchState : ImapCallbackState {
    F fn;
    explicit ImapFetchState(F f) : fn(std::move(f)) {}

    static int MAILWIRE_CALLBACK Thunk(unsigned nMessageId, uint32_t dwUID, const char *lpData,
                                       std::size_t nLength, uint64_t nTotal,
                                       void *lpUserData) noexcept
    {
        auto *self = static_cast<ImapFetchState *>(lpUserData);
        if (self->failure.Failed())
            return 1;
        try {
            std::string_view data(lpData, lpData ? nLength : 0);
            if constexpr (std::is_invocable_v<F &, unsigned, uint32_t, std::string_view,
                                              uint64_t>) {
                return Result(self->fn, nMessageId, dwUID, data, nTotal);
            } else {
                static_assert(std::is_invocable_v<F &, std::string_view>,
                              "a fetch callback takes (std::string_view data) or (unsigned id, "
                              "uint32_t uid, std::string_view data, uint64_t total)");
                if (!lpData)
                    return 0; // the start of a message: only the 4-argument form sees it
                return Result(self->fn, data);
            }
        } catch (...) {
            self->failure.Capture();
            // Non-zero stops delivery; the call fails with ST_ERROR_CANCELLED and the session
            // stays usable. The method reports ST_ERROR_CALLBACK_FAILED.
            return 1;
        }
    }

  private:
    template <class... A> static int Result(F &fn, A &&...args)
    {
        using R = std::invoke_result_t<F &, A...>;
        if constexpr (std::is_void_v<R>) {
            fn(std::forward<A>(args)...);
            return 0;
        } else if constexpr (std::is_same_v<std::decay_t<R>, bool>) {
            return fn(std::forward<A>(args)...) ? 0 : 1;
        } else {
            return fn(std::forward<A>(args)...) != 0 ? 1 : 0;
        }
    }
};

/** A message-info callable: `(const ImapMessageInfo &)` (copied strings) or
 *  `(const IMAPMESSAGE &)` (no copy; valid during the call only). */
template <class F> struct ImapInfoState : ImapCallbackState {
    F fn;
    explicit ImapInfoState(F f) : fn(std::move(f)) {}

    static void MAILWIRE_CALLBACK Thunk(const IMAPMESSAGE *lpMessage, void *lpUserData) noexcept
    {
        auto *self = static_cast<ImapInfoState *>(lpUserData);
        if (self->failure.Failed() || !lpMessage)
            return;
        try {
            if constexpr (std::is_invocable_v<F &, const ImapMessageInfo &>) {
                self->fn(ImapMessageInfo::From(*lpMessage));
            } else {
                static_assert(std::is_invocable_v<F &, const IMAPMESSAGE &>,
                              "a message-info callback takes (const ImapMessageInfo &) or "
                              "(const IMAPMESSAGE &)");
                self->fn(*lpMessage);
            }
        } catch (...) {
            self->failure.Capture();
            // IMAPMESSAGEPROC cannot say stop: cancel the operation (the session is closed).
            ImapCancel(self->hClient);
        }
    }
};

/** A source callable for APPEND: `(char *buffer, std::size_t size)` returning the number of
 *  bytes stored (any integer type), or -1 to abort. */
template <class F> struct ImapSourceState : ImapCallbackState {
    F fn;
    explicit ImapSourceState(F f) : fn(std::move(f)) {}

    static long MAILWIRE_CALLBACK Thunk(char *lpBuffer, std::size_t nSize,
                                        void *lpUserData) noexcept
    {
        auto *self = static_cast<ImapSourceState *>(lpUserData);
        if (self->failure.Failed())
            return -1;
        try {
            static_assert(std::is_invocable_v<F &, char *, std::size_t>,
                          "a source callback takes (char *buffer, std::size_t size) and returns "
                          "the number of bytes stored, or -1 to abort");
            return static_cast<long>(self->fn(lpBuffer, nSize));
        } catch (...) {
            self->failure.Capture();
            return -1; // the call fails (ST_ERROR_FILE in C; ST_ERROR_CALLBACK_FAILED here)
        }
    }
};
} // namespace detail

/**
 * @brief An IMAP4rev1/IMAP4rev2 client session (RFC 3501, RFC 9051) with STARTTLS or
 *        implicit TLS, SASL, IDLE and the usual extensions.
 *
 * RAII: the destructor disconnects (LOGOUT, then close). Move-only: a moved-from object is
 * empty and safe to destroy or reuse. Thread rules are the C layer's: the session belongs to
 * the thread that connected; IMAP_OPTION_FREETHREAD lets any thread call, one at a time;
 * AttachThread() hands the session over. Cancel() may be called from any thread (it ends a
 * blocking Idle() cleanly).
 *
 * Callables given to FetchMessage(), FetchMessages(), GetMessageInfo() and CreateMessageEx()
 * are kept by the object until the operation completes, also on a non-blocking session
 * (where they run inside Execute()); do not Detach() the session while such an operation
 * runs.
 */
class CImapClient : public detail::ClientBase<CImapClient, detail::ImapApi>
{
    using Base = detail::ClientBase<CImapClient, detail::ImapApi>;

  public:
    /** @brief An empty client; Connect() or AsyncConnect() opens a session. Never fails. */
    CImapClient() noexcept = default;
    /** @brief Disconnects the session, if any (LOGOUT on a blocking session). Event handlers
     *         are not called any more; the trace still sees LOGOUT. If the disconnect is
     *         refused (another thread owns the session or is inside a call on it) the handle
     *         is detached and left to that thread. */
    ~CImapClient()
    {
        // Before m_pPending goes: a running non-blocking operation may still point to it.
        CloseSession();
    }
    /** @brief Take over another client's session, handlers, pending callbacks and last
     *         error; the other is left empty. */
    CImapClient(CImapClient &&) noexcept = default;
    /** @brief Disconnect the held session, then take over the other's. */
    CImapClient &operator=(CImapClient &&) noexcept = default;

    /**
     * @brief ImapInitialize(): take a reference on the library (optional; see CLibrary).
     * @return true on success. @par Blocking: no. @par Thread: any.
     */
    static bool Initialize() noexcept
    {
        return ImapInitialize() != 0;
    }
    /** @brief ImapUninitialize(): release a reference taken by Initialize().
     *  @par Blocking: no. @par Thread: any. */
    static void Uninitialize() noexcept
    {
        ImapUninitialize();
    }

    // ---- session --------------------------------------------------------------------------

    /**
     * @brief Connect: greeting, CAPABILITY, STARTTLS when asked, ID with IMAP_OPTION_IDENTIFY
     *        (ImapConnect()).
     * @param lpszRemoteHost host name or IP address (verified in the certificate, sent as
     *                       SNI); copied.
     * @param nRemotePort    port, 0 for the default (143, or 993 with
     *                       IMAP_OPTION_SECURE_IMPLICIT; 993 implies implicit TLS).
     * @param nTimeout       seconds to wait for each step and later each response (0: 20).
     * @param dwOptions      IMAP_OPTION_* bits: SECURE (mandatory STARTTLS), SECURE_IMPLICIT,
     *                       TRUSTEDSITE, FREETHREAD, IDENTIFY, ALLOW_CLEARTEXT_AUTH...
     * @param lpCredentials  TLS client credentials, extra CA file or pin (see
     *                       CSecurityCredentials), or nullptr; copied.
     * @return true when connected; false with the error (ST_ERROR_ALREADY_CONNECTED when the
     *         object holds a session; otherwise ImapConnect()'s: RESOLVE_FAILED,
     *         CONNECT_REFUSED, CERTIFICATE_REJECTED, STARTTLS_UNAVAILABLE, TIMEOUT...).
     * @par Blocking: yes, up to nTimeout per step. @par Thread: any; the session then
     *      belongs to the calling thread.
     */
    bool Connect(const char *lpszRemoteHost, unsigned nRemotePort = 0, unsigned nTimeout = 20,
                 uint32_t dwOptions = IMAP_OPTION_NONE,
                 const SECURITYCREDENTIALS *lpCredentials = nullptr)
    {
        if (!RefuseIfConnected() ||
            !Open(ImapConnect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, lpCredentials)))
            return false;
        m_bNonBlocking = false;
        return true;
    }

    /**
     * @brief Start a non-blocking connection (ImapAsyncConnect()); same arguments as
     *        Connect(). Registered handlers are installed at once, so the CONNECT event
     *        reaches them.
     *
     * Drive the session with GetPollInfo(), a poll of the socket and Execute() until Execute()
     * returns 0 or MAILWIRE_ERROR; later calls that start an operation return true with
     * IsInProgress() set and are driven the same way. Output parameters passed to them are
     * written when the operation completes (inside Execute()), so they must outlive it; the
     * forms that return results by value or into a container return nothing then: read
     * GetMailboxInfo(), GetSearchResults(), GetNextMailbox() once the operation has
     * completed. A failed connection leaves a closed session in the object:
     * Disconnect() before connecting again.
     * @param lpszRemoteHost as Connect(). @param nRemotePort as Connect().
     * @param nTimeout as Connect(). @param dwOptions as Connect().
     * @param lpCredentials as Connect().
     * @return true when the connection has started; false on an immediate failure
     *         (INVALID_ARGUMENT, OUT_OF_MEMORY, CREDENTIALS, ALREADY_CONNECTED).
     * @par Blocking: no. @par Thread: any; the session belongs to the calling thread.
     */
    bool AsyncConnect(const char *lpszRemoteHost, unsigned nRemotePort = 0, unsigned nTimeout = 20,
                      uint32_t dwOptions = IMAP_OPTION_NONE,
                      const SECURITYCREDENTIALS *lpCredentials = nullptr)
    {
        if (!RefuseIfConnected() || !Open(ImapAsyncConnect(lpszRemoteHost, nRemotePort, nTimeout,
                                                           dwOptions, lpCredentials)))
            return false;
        m_bNonBlocking = true;
        Fail(ST_ERROR_IN_PROGRESS, nullptr);
        return true;
    }

    /**
     * @brief Authenticate: LOGIN or AUTHENTICATE with SASL (ImapLogin()). Note the order:
     *        the C call takes the type first.
     * @param lpszUserName user name (for ANONYMOUS an optional trace string).
     * @param lpszPassword password, or the OAuth 2.0 token for IMAP_AUTH_XOAUTH2 / BEARER.
     * @param nAuthType    IMAP_AUTH_* (default IMAP_AUTH_AUTO: the strongest offered).
     * @return true when accepted (or started, non-blocking); false with
     *         AUTHENTICATION_FAILED (the session goes on), ALREADY_AUTHENTICATED,
     *         CLEARTEXT_REFUSED, INVALID_AUTHENTICATION_TYPE, INVALID_ARGUMENT...
     * @par Blocking: yes, up to the timeout per response (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool Login(const char *lpszUserName, const char *lpszPassword,
               unsigned nAuthType = IMAP_AUTH_AUTO)
    {
        return Call([&] { return ImapLogin(m_hClient, nAuthType, lpszUserName, lpszPassword); });
    }

    /**
     * @brief LOGOUT, close and free the session (ImapDisconnect()); the object is then empty.
     *        A running IDLE is ended with DONE first.
     * @return true on success (also when LOGOUT itself failed); false with INVALID_HANDLE (no
     *         session), NOT_OWNER, or BUSY (FREETHREAD: another thread's call on the session
     *         was cancelled; disconnect again once it has returned).
     * @par Blocking: waits for the LOGOUT response, at most one timeout.
     * @par Thread: the owner; also from an event handler of the session.
     */
    bool Disconnect()
    {
        if (!DoDisconnect())
            return false;
        m_pPending.reset();
        return true;
    }

    /**
     * @brief Non-blocking sessions: advance the operation in progress without waiting
     *        (ImapExecute()). Event handlers and the callables of FetchMessage(),
     *        FetchMessages(), GetMessageInfo() and CreateMessageEx() run inside this call.
     *
     * Hides ClientBase::Execute() to also report a callable of those methods that threw: once
     * the operation has ended, MAILWIRE_ERROR with ST_ERROR_CALLBACK_FAILED.
     * @return 0 when the operation has finished successfully (or none is running);
     *         MAILWIRE_IN_PROGRESS while it goes on; MAILWIRE_ERROR on failure (see
     *         GetLastError()).
     * @par Blocking: never. @par Thread: the owner.
     */
    int Execute()
    {
        detail::ImapCallbackState *pending = m_pPending.get();
        int rc = Base::Execute();
        // A handler may have started the next operation with a callable of its own.
        if (!pending || m_pPending.get() != pending || rc == MAILWIRE_IN_PROGRESS)
            return rc;
        std::unique_ptr<detail::ImapCallbackState> done = std::move(m_pPending);
        if (done->failure.Failed()) {
            ReportCallbackFailure(done->failure, rc);
            return MAILWIRE_ERROR;
        }
        return rc;
    }

    // ---- results and server information ----------------------------------------------------

    /**
     * @brief Result of the last completed command (ImapGetResultCode()). No I/O.
     * @return 0 OK, 1 NO, 2 BAD, 3 BYE; -1 when no command has completed yet (GetLastError()
     *         is then ST_ERROR_NONE) or on failure (INVALID_HANDLE, NOT_OWNER).
     * @par Blocking: no. @par Thread: the owner; also from an event handler.
     */
    int GetResultCode()
    {
        // -1 is also "no command yet", which C reports without touching the last error.
        MailwireSetLastError(ST_ERROR_NONE);
        int rc = ImapGetResultCode(m_hClient);
        Check(rc < 0 && MailwireGetLastError() != ST_ERROR_NONE ? MAILWIRE_ERROR : 0);
        return rc;
    }

    /**
     * @brief Text of the last tagged (or BYE) response, response code included
     *        (ImapGetResultString()). No I/O.
     * @return a copy of the text; "" when none or on failure (see GetLastError()).
     * @par Blocking: no. @par Thread: the owner; also from an event handler.
     */
    std::string GetResultString()
    {
        return CopyText(ImapGetResultString);
    }

    /**
     * @brief The last [ALERT] text the server sent over a protected connection
     *        (ImapGetAlert()). No I/O.
     * @return a copy of the text; "" when none or on failure (see GetLastError()).
     * @par Blocking: no. @par Thread: the owner.
     */
    std::string GetAlert()
    {
        return CopyText(ImapGetAlert);
    }

    /**
     * @brief Whether the server announced a capability (ImapHasCapability()). No I/O.
     * @param lpszCapability the capability, case-insensitive ("IDLE", "AUTH=PLAIN").
     * @return true when announced; false when not, or on failure (GetLastError() is then
     *         INVALID_HANDLE or NOT_OWNER, else ST_ERROR_NONE).
     * @par Blocking: no. @par Thread: the owner.
     */
    bool HasCapability(const char *lpszCapability)
    {
        MailwireSetLastError(ST_ERROR_NONE);
        bool yes = ImapHasCapability(m_hClient, lpszCapability) != 0;
        Check(!yes && MailwireGetLastError() != ST_ERROR_NONE ? MAILWIRE_ERROR : 0);
        return yes;
    }

    /**
     * @brief The capability list into a caller buffer (ImapGetCapabilities()). No I/O.
     * @param lpszBuffer receives the NUL-terminated, space-separated list.
     * @param nSize      its size.
     * @return true on success; false with INVALID_ARGUMENT (no buffer, or too small: nothing
     *         stored), INVALID_HANDLE, NOT_OWNER.
     * @par Blocking: no. @par Thread: the owner.
     */
    bool GetCapabilities(char *lpszBuffer, std::size_t nSize)
    {
        return Check(ImapGetCapabilities(m_hClient, lpszBuffer, nSize));
    }

    /** @brief The capability list into a string. @param capabilities receives it (cleared on
     *  failure). @return as GetCapabilities(char *, std::size_t).
     *  @par Blocking: no. @par Thread: the owner. */
    bool GetCapabilities(std::string &capabilities)
    {
        capabilities.clear();
        // C reports no needed size: grow until the list fits.
        for (std::size_t size = 1024; size <= (std::size_t{1} << 24); size *= 4) {
            std::string buf(size, '\0');
            if (Check(ImapGetCapabilities(m_hClient, &buf[0], buf.size()))) {
                capabilities.assign(buf.c_str());
                return true;
            }
            if (GetLastError() != ST_ERROR_INVALID_ARGUMENT)
                return false;
        }
        return false;
    }

    /** @brief The capability list, space separated ("" before the first CAPABILITY or on
     *  failure). @par Blocking: no. @par Thread: the owner. */
    std::string GetCapabilities()
    {
        std::string caps;
        GetCapabilities(caps);
        return caps;
    }

    /**
     * @brief Bytes moved by the running or last fetch or append (ImapGetTransferStatus()).
     * @param nDone  receives the bytes moved so far.
     * @param nTotal receives the expected total (0 when unknown).
     * @return true on success; false with INVALID_HANDLE or NOT_OWNER.
     * @par Blocking: no. @par Thread: the owner; also from a PROGRESS handler.
     */
    bool GetTransferStatus(uint64_t &nDone, uint64_t &nTotal)
    {
        return Check(ImapGetTransferStatus(m_hClient, &nDone, &nTotal));
    }

    /** @brief The transfer status as a struct (zeroed on failure).
     *  @par Blocking: no. @par Thread: the owner; also from a PROGRESS handler. */
    ImapTransferStatus GetTransferStatus()
    {
        ImapTransferStatus st;
        if (!GetTransferStatus(st.done, st.total))
            st = ImapTransferStatus{};
        return st;
    }

    // ---- mailboxes -------------------------------------------------------------------------

    /**
     * @brief SELECT a mailbox read-write (ImapSelectMailbox()). The previous mailbox is left
     *        without expunging.
     * @param lpszMailbox UTF-8 name ("INBOX" is case-insensitive).
     * @param lpMailbox   receives the state when the operation succeeds (on a
     *                    non-blocking session it must outlive the operation), or nullptr.
     * @return true on success (or started); false with SERVER_PERMANENT (no such mailbox; no
     *         mailbox is selected afterwards), COMMAND_REJECTED, INVALID_STATE (not logged
     *         in)... @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool SelectMailbox(const char *lpszMailbox, IMAPMAILBOX *lpMailbox = nullptr)
    {
        return Call([&] { return ImapSelectMailbox(m_hClient, lpszMailbox, lpMailbox); });
    }

    /** @brief SelectMailbox() filling a structure. @param lpszMailbox the name.
     *  @param mailbox receives the state. @return as SelectMailbox().
     *  @par Blocking: yes (non-blocking session: no). @par Thread: the owner. */
    bool SelectMailbox(const char *lpszMailbox, IMAPMAILBOX &mailbox)
    {
        mailbox = IMAPMAILBOX{};
        return SelectMailbox(lpszMailbox, &mailbox);
    }

    /**
     * @brief SELECT or EXAMINE with options (ImapSelectMailboxEx()).
     * @param lpszMailbox UTF-8 name.
     * @param dwOptions   IMAP_SELECT_READONLY and/or IMAP_SELECT_CONDSTORE.
     * @param lpMailbox   receives the state when the operation succeeds (on a
     *                    non-blocking session it must outlive the operation), or nullptr.
     * @return as SelectMailbox(), plus NOT_SUPPORTED for CONDSTORE on a server without it.
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool SelectMailboxEx(const char *lpszMailbox, uint32_t dwOptions,
                         IMAPMAILBOX *lpMailbox = nullptr)
    {
        return Call(
            [&] { return ImapSelectMailboxEx(m_hClient, lpszMailbox, dwOptions, lpMailbox); });
    }

    /**
     * @brief EXAMINE: select read-only (ImapExamineMailbox()); IMAPMAILBOX.bReadOnly is set.
     * @param lpszMailbox UTF-8 name.
     * @param lpMailbox   receives the state when the operation succeeds (on a
     *                    non-blocking session it must outlive the operation), or nullptr.
     * @return as SelectMailbox(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool ExamineMailbox(const char *lpszMailbox, IMAPMAILBOX *lpMailbox = nullptr)
    {
        return Call([&] { return ImapExamineMailbox(m_hClient, lpszMailbox, lpMailbox); });
    }

    /** @brief ExamineMailbox() filling a structure. @param lpszMailbox the name.
     *  @param mailbox receives the state. @return as SelectMailbox().
     *  @par Blocking: yes (non-blocking session: no). @par Thread: the owner. */
    bool ExamineMailbox(const char *lpszMailbox, IMAPMAILBOX &mailbox)
    {
        mailbox = IMAPMAILBOX{};
        return ExamineMailbox(lpszMailbox, &mailbox);
    }

    /**
     * @brief The selected mailbox's current state, kept up to date by untagged data
     *        (ImapGetMailboxInfo()). No I/O.
     * @param mailbox receives a copy.
     * @return true on success; false with INVALID_ARGUMENT (no mailbox selected),
     *         INVALID_HANDLE, NOT_OWNER.
     * @par Blocking: no. @par Thread: the owner; also from event handlers.
     */
    bool GetMailboxInfo(IMAPMAILBOX &mailbox)
    {
        return Check(ImapGetMailboxInfo(m_hClient, &mailbox));
    }

    /** @brief The selected mailbox's state (zeroed on failure). @par Blocking: no.
     *  @par Thread: the owner; also from event handlers. */
    IMAPMAILBOX GetMailboxInfo()
    {
        IMAPMAILBOX mailbox{};
        if (!GetMailboxInfo(mailbox))
            mailbox = IMAPMAILBOX{};
        return mailbox;
    }

    /**
     * @brief Number of messages in the selected mailbox, EXISTS as last reported
     *        (ImapGetMessageCount()). No I/O: Noop() or Idle() collect news.
     * @param nMessages receives the count.
     * @return true on success; false with INVALID_ARGUMENT (no mailbox selected),
     *         INVALID_HANDLE, NOT_OWNER.
     * @par Blocking: no. @par Thread: the owner; also from event handlers.
     */
    bool GetMessageCount(unsigned &nMessages)
    {
        return Check(ImapGetMessageCount(m_hClient, &nMessages));
    }

    /** @brief The message count; 0 on failure too (check GetLastError()).
     *  @par Blocking: no. @par Thread: the owner; also from event handlers. */
    unsigned GetMessageCount()
    {
        unsigned n = 0;
        return GetMessageCount(n) ? n : 0;
    }

    /**
     * @brief UNSELECT: leave the mailbox without expunging (ImapUnselectMailbox()).
     * @return true on success; false with NOT_SUPPORTED (no UNSELECT; nothing sent),
     *         INVALID_STATE (none selected), SERVER_PERMANENT...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool UnselectMailbox()
    {
        return Call([&] { return ImapUnselectMailbox(m_hClient); });
    }

    /**
     * @brief CLOSE: expunge the messages marked \\Deleted and leave the mailbox
     *        (ImapCloseMailbox()).
     * @return true on success; false with INVALID_STATE (none selected), SERVER_PERMANENT...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool CloseMailbox()
    {
        return Call([&] { return ImapCloseMailbox(m_hClient); });
    }

    /**
     * @brief CHECK (NOOP under IMAP4rev2) (ImapCheckMailbox()).
     * @return true on success; false with INVALID_STATE (none selected), SERVER_PERMANENT...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool CheckMailbox()
    {
        return Call([&] { return ImapCheckMailbox(m_hClient); });
    }

    /**
     * @brief CREATE a mailbox (ImapCreateMailbox()).
     * @param lpszMailbox UTF-8 name (modified UTF-7 on the wire where needed).
     * @return true on success; false with SERVER_PERMANENT (e.g. it exists),
     *         COMMAND_REJECTED, INVALID_STATE (not logged in)...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool CreateMailbox(const char *lpszMailbox)
    {
        return Call([&] { return ImapCreateMailbox(m_hClient, lpszMailbox); });
    }

    /**
     * @brief DELETE a mailbox (ImapDeleteMailbox()).
     * @param lpszMailbox UTF-8 name.
     * @return as CreateMailbox(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool DeleteMailbox(const char *lpszMailbox)
    {
        return Call([&] { return ImapDeleteMailbox(m_hClient, lpszMailbox); });
    }

    /**
     * @brief RENAME a mailbox (ImapRenameMailbox()).
     * @param lpszOldName the existing name. @param lpszNewName the new name.
     * @return as CreateMailbox(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool RenameMailbox(const char *lpszOldName, const char *lpszNewName)
    {
        return Call([&] { return ImapRenameMailbox(m_hClient, lpszOldName, lpszNewName); });
    }

    /**
     * @brief SUBSCRIBE (ImapSubscribeMailbox()).
     * @param lpszMailbox UTF-8 name.
     * @return as CreateMailbox(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool SubscribeMailbox(const char *lpszMailbox)
    {
        return Call([&] { return ImapSubscribeMailbox(m_hClient, lpszMailbox); });
    }

    /**
     * @brief UNSUBSCRIBE (ImapUnsubscribeMailbox()).
     * @param lpszMailbox UTF-8 name.
     * @return as CreateMailbox(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool UnsubscribeMailbox(const char *lpszMailbox)
    {
        return Call([&] { return ImapUnsubscribeMailbox(m_hClient, lpszMailbox); });
    }

    /**
     * @brief LIST (or LSUB) and return the first mailbox (ImapGetFirstMailbox()); the rest
     *        come from GetNextMailbox(). ListMailboxes() does both.
     * @param lpszReference reference name, or nullptr for "".
     * @param lpszPattern   pattern with % and * wildcards, or nullptr for "*".
     * @param dwOptions     IMAP_LIST_* (SUBSCRIBED, SPECIALUSE, STATUS).
     * @param info          receives the first mailbox when the operation completes (on a
     *                      non-blocking session it must outlive the operation).
     * @return true on success (or started: then read every entry with GetNextMailbox());
     *         false with NO_MORE_MAILBOXES (the list is empty), LIMIT_EXCEEDED (the first
     *         name does not fit), SERVER_PERMANENT, INVALID_STATE (not logged in)...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool GetFirstMailbox(const char *lpszReference, const char *lpszPattern, uint32_t dwOptions,
                         IMAPMAILBOXINFO &info)
    {
        return Call([&] {
            return ImapGetFirstMailbox(m_hClient, lpszReference, lpszPattern, dwOptions, &info);
        });
    }

    /**
     * @brief The next mailbox of the last listing (ImapGetNextMailbox()). No I/O.
     * @param info receives it.
     * @return true on success; false with NO_MORE_MAILBOXES at the end, LIMIT_EXCEEDED (the
     *         name does not fit; the entry is skipped), INVALID_HANDLE, NOT_OWNER.
     * @par Blocking: no. @par Thread: the owner.
     */
    bool GetNextMailbox(IMAPMAILBOXINFO &info)
    {
        return Check(ImapGetNextMailbox(m_hClient, &info));
    }

    /**
     * @brief The whole listing: GetFirstMailbox() and GetNextMailbox() until
     *        NO_MORE_MAILBOXES, which ends the list and is not an error (nor is an empty
     *        list). Entries whose names do not fit IMAPMAILBOXINFO (over 1023 bytes) are
     *        skipped.
     * @param mailboxes     receives the entries (cleared first).
     * @param lpszPattern   pattern with % and * wildcards (default "*").
     * @param dwOptions     IMAP_LIST_*.
     * @param lpszReference reference name, or nullptr for "".
     * @return true on success; false with the listing's error. On a non-blocking session
     *         true with IsInProgress() and nothing listed: use GetFirstMailbox() with an
     *         IMAPMAILBOXINFO that outlives the operation, then GetNextMailbox().
     * @par Blocking: yes. @par Thread: the owner.
     */
    bool ListMailboxes(std::vector<ImapMailboxEntry> &mailboxes, const char *lpszPattern = "*",
                       uint32_t dwOptions = IMAP_LIST_DEFAULT, const char *lpszReference = nullptr)
    {
        mailboxes.clear();
        IMAPMAILBOXINFO info{};
        bool ok = CallInto<IMAPMAILBOXINFO>(
            [&](IMAPMAILBOXINFO &first) {
                return ImapGetFirstMailbox(m_hClient, lpszReference, lpszPattern, dwOptions,
                                           &first);
            },
            [&](IMAPMAILBOXINFO &first) { info = first; });
        if (ok && IsInProgress())
            return true;
        while (ok || GetLastError() == ST_ERROR_LIMIT_EXCEEDED) {
            if (ok) {
                ImapMailboxEntry e;
                e.name = info.szMailbox;
                e.delimiter = info.chDelimiter;
                e.attributes = info.dwAttributes;
                e.hasStatus = info.bHasStatus != 0;
                e.messages = info.nMessages;
                e.unseenMessages = info.nUnseenMessages;
                mailboxes.push_back(std::move(e));
            }
            ok = GetNextMailbox(info);
        }
        if (GetLastError() != ST_ERROR_NO_MORE_MAILBOXES)
            return false;
        return Check(0);
    }

    /** @brief The whole listing (empty on failure: check GetLastError()).
     *  @param lpszPattern as above. @param dwOptions as above. @param lpszReference as above.
     *  @return the entries. @par Blocking: yes. @par Thread: the owner. */
    std::vector<ImapMailboxEntry> ListMailboxes(const char *lpszPattern = "*",
                                                uint32_t dwOptions = IMAP_LIST_DEFAULT,
                                                const char *lpszReference = nullptr)
    {
        std::vector<ImapMailboxEntry> mailboxes;
        ListMailboxes(mailboxes, lpszPattern, dwOptions, lpszReference);
        return mailboxes;
    }

    /**
     * @brief STATUS of a mailbox that need not be selected (ImapGetMailboxStatus()).
     * @param lpszMailbox UTF-8 name.
     * @param status      receives MESSAGES, UIDNEXT, UIDVALIDITY, UNSEEN (RECENT, SIZE when
     *                    available) when the operation completes (on a non-blocking session
     *                    it must outlive the operation).
     * @return true on success; false with SERVER_PERMANENT (no such mailbox)...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool GetMailboxStatus(const char *lpszMailbox, IMAPMAILBOXSTATUS &status)
    {
        status = IMAPMAILBOXSTATUS{};
        return Call([&] { return ImapGetMailboxStatus(m_hClient, lpszMailbox, &status); });
    }

    /** @brief The STATUS of a mailbox (zeroed on failure). @param lpszMailbox the name.
     *  @par Blocking: yes. @par Thread: the owner. */
    IMAPMAILBOXSTATUS GetMailboxStatus(const char *lpszMailbox)
    {
        IMAPMAILBOXSTATUS status{};
        CallInto<IMAPMAILBOXSTATUS>(
            [&](IMAPMAILBOXSTATUS &st) {
                return ImapGetMailboxStatus(m_hClient, lpszMailbox, &st);
            },
            [&](IMAPMAILBOXSTATUS &st) {
                if (GetLastError() == ST_ERROR_NONE)
                    status = st;
            });
        return status;
    }

    /**
     * @brief NAMESPACE: the first personal namespace (ImapGetNamespace()).
     * @param lpszPrefix    buffer for the prefix. @param nSize its size.
     * @param lpchDelimiter receives the delimiter, or nullptr.
     * @return true on success; false with INVALID_ARGUMENT (the prefix does not fit),
     *         COMMAND_REJECTED (no NAMESPACE support)...
     * @par Blocking: yes (non-blocking session: no; the buffers are written when the
     *      operation completes and must outlive it). @par Thread: the owner.
     */
    bool GetNamespace(char *lpszPrefix, std::size_t nSize, char *lpchDelimiter)
    {
        return Call([&] { return ImapGetNamespace(m_hClient, lpszPrefix, nSize, lpchDelimiter); });
    }

    /** @brief NAMESPACE into a struct. @param ns receives it. @return as above.
     *  @par Blocking: yes. @par Thread: the owner. */
    bool GetNamespace(ImapNamespace &ns)
    {
        ns = ImapNamespace{};
        struct Raw {
            char prefix[1024]; // the engine keeps at most 255 bytes
            char delimiter;
        };
        return CallInto<Raw>(
            [&](Raw &r) {
                return ImapGetNamespace(m_hClient, r.prefix, sizeof r.prefix, &r.delimiter);
            },
            [&](Raw &r) {
                if (GetLastError() == ST_ERROR_NONE) {
                    ns.prefix = r.prefix;
                    ns.delimiter = r.delimiter;
                }
            });
    }

    /** @brief NAMESPACE (empty on failure). @par Blocking: yes. @par Thread: the owner. */
    ImapNamespace GetNamespace()
    {
        ImapNamespace ns;
        GetNamespace(ns);
        return ns;
    }

    // ---- reading messages ------------------------------------------------------------------

    /**
     * @brief A message, its header or one MIME part into a caller buffer (ImapGetMessage()).
     * @param nMessageId   sequence number (or UID with IMAP_FETCH_UID); not 0.
     * @param nMessagePart 0 for the whole message, else the 1-based top-level part.
     * @param lpvBuffer    receives the bytes. @param lpdwLength in: its size; out: the
     *                     bytes stored (or the size needed, with LIMIT_EXCEEDED).
     * @param dwOptions    IMAP_FETCH_UID, IMAP_FETCH_SEEN, IMAP_SECTION_HEADER / _BODY.
     * @return true on success (or started: the buffer and the length are written when the
     *         operation completes, so they must outlive it); false with LIMIT_EXCEEDED (too
     *         small), SERVER_PERMANENT (no such message), INVALID_ARGUMENT (id 0),
     *         INVALID_STATE (none selected)...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool GetMessage(unsigned nMessageId, unsigned nMessagePart, void *lpvBuffer,
                    std::size_t *lpdwLength, uint32_t dwOptions)
    {
        return Call([&] {
            return ImapGetMessage(m_hClient, nMessageId, nMessagePart, lpvBuffer, lpdwLength,
                                  dwOptions);
        });
    }

    /**
     * @brief A message (or header, or part) into a string, whatever its size. Messages over
     *        256 KiB take a second round trip (the first learns the size); FetchMessage()
     *        streams instead.
     * @param nMessageId   as above. @param message receives the bytes (cleared on failure).
     * @param nMessagePart as above. @param dwOptions as above.
     * @return as above (never LIMIT_EXCEEDED). @par Blocking: yes; refused on a non-blocking
     *         session (INVALID_ARGUMENT: the string is the call's result; use the buffer form
     *         or FetchMessage() there). @par Thread: the owner.
     */
    bool GetMessage(unsigned nMessageId, std::string &message, unsigned nMessagePart = 0,
                    uint32_t dwOptions = 0)
    {
        return ReadInto(message, 256 * 1024, [&](void *p, std::size_t *n) {
            return ImapGetMessage(m_hClient, nMessageId, nMessagePart, p, n, dwOptions);
        });
    }

    /** @brief A message (or header, or part) as a string; "" on failure (check
     *  GetLastError()). @param nMessageId as above. @param nMessagePart as above.
     *  @param dwOptions as above. @return the bytes.
     *  @par Blocking: yes; refused on a non-blocking session, as above.
     *  @par Thread: the owner. */
    std::string GetMessage(unsigned nMessageId, unsigned nMessagePart = 0, uint32_t dwOptions = 0)
    {
        std::string message;
        GetMessage(nMessageId, message, nMessagePart, dwOptions);
        return message;
    }

    /**
     * @brief The header block of a message into a caller buffer (ImapGetHeaders()).
     * @param nMessageId sequence number (or UID with IMAP_FETCH_UID).
     * @param lpvBuffer  receives the bytes. @param lpdwLength in: its size; out: the bytes
     *                   stored (or needed). @param dwOptions IMAP_FETCH_UID, IMAP_FETCH_SEEN.
     * @return as GetMessage(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool GetHeaders(unsigned nMessageId, void *lpvBuffer, std::size_t *lpdwLength,
                    uint32_t dwOptions)
    {
        return Call([&] {
            return ImapGetHeaders(m_hClient, nMessageId, lpvBuffer, lpdwLength, dwOptions);
        });
    }

    /** @brief The header block into a string, whatever its size. @param nMessageId as above.
     *  @param headers receives it (cleared on failure). @param dwOptions as above.
     *  @return as GetMessage(std::string &). @par Blocking: yes; refused on a non-blocking
     *  session, as that form. @par Thread: the owner. */
    bool GetHeaders(unsigned nMessageId, std::string &headers, uint32_t dwOptions = 0)
    {
        return ReadInto(headers, 16 * 1024, [&](void *p, std::size_t *n) {
            return ImapGetHeaders(m_hClient, nMessageId, p, n, dwOptions);
        });
    }

    /** @brief The header block as a string; "" on failure. @param nMessageId as above.
     *  @param dwOptions as above. @return the header, with its final empty line.
     *  @par Blocking: yes. @par Thread: the owner. */
    std::string GetHeaders(unsigned nMessageId, uint32_t dwOptions = 0)
    {
        std::string headers;
        GetHeaders(nMessageId, headers, dwOptions);
        return headers;
    }

    /**
     * @brief Stream a message, a section or a byte range of it to a callable
     *        (ImapFetchMessage()); memory use does not depend on the message size.
     *
     * @p callback is any callable taking `(std::string_view data)` (the chunks) or
     * `(unsigned id, uint32_t uid, std::string_view data, uint64_t total)` (also called once
     * at the start of the message with `data.data() == nullptr` and the announced size in
     * total). It may return void (go on), bool (false stops) or an integer (non-zero stops,
     * as IMAPFETCHPROC). Stopping fails the call with ST_ERROR_CANCELLED; the session stays
     * usable. If it throws, delivery stops the same way and the call fails with
     * ST_ERROR_CALLBACK_FAILED and the exception's text in GetLastErrorDetail().
     * @param nMessageId  sequence number or UID (IMAP_FETCH_UID); not 0.
     * @param callback    the callable; kept by the object until the operation completes.
     * @param dwOptions   IMAP_FETCH_UID, IMAP_FETCH_SEEN (default BODY.PEEK).
     * @param lpszSection section ("" or nullptr: the whole message; "HEADER", "TEXT", "1",
     *                    "1.2.MIME", "HEADER.FIELDS (SUBJECT)").
     * @param nOffset     first byte of a partial fetch (0: the start).
     * @param nLength     bytes of a partial fetch (0: to the end).
     * @return true on success (or started); false with SERVER_PERMANENT (no such message),
     *         CANCELLED, CALLBACK_FAILED, INVALID_ARGUMENT (id 0, a bad section, none
     *         selected)... @par Blocking: yes (non-blocking session: no; the callback then
     *         runs inside Execute()). @par Thread: the owner; the callback runs on the
     *         thread that drives the session.
     */
    template <class F>
    bool FetchMessage(unsigned nMessageId, F &&callback, uint32_t dwOptions = 0,
                      const char *lpszSection = nullptr, uint64_t nOffset = 0, uint64_t nLength = 0)
    {
        using State = detail::ImapFetchState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(callback));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapFetchMessage(m_hClient, nMessageId, dwOptions, lpszSection, nOffset, nLength,
                                    &State::Thunk, s);
        });
    }

    /**
     * @brief Fetch a whole message into a file (ImapSaveMessage()); the file is created or
     *        truncated first and left (maybe partial) on failure.
     * @param nMessageId   sequence number or UID (IMAP_FETCH_UID); not 0.
     * @param lpszFileName the file (UTF-8 path).
     * @param dwOptions    IMAP_FETCH_UID, IMAP_FETCH_SEEN.
     * @return true on success (or started: the file is closed when the operation ends);
     *         false with FILE, SERVER_PERMANENT, INVALID_ARGUMENT, INVALID_STATE...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool SaveMessage(unsigned nMessageId, const char *lpszFileName, uint32_t dwOptions = 0)
    {
        return Call(
            [&] { return ImapSaveMessage(m_hClient, nMessageId, dwOptions, lpszFileName); });
    }

    /**
     * @brief Stream every message of a sequence range to a callable (ImapFetchMessages()):
     *        UID SEARCH of the range, then pipelined UID FETCH batches. Messages may
     *        interleave between batches: tell them apart by id (the 4-argument form).
     * @param nFirst    first sequence number (0 is taken as 1).
     * @param nLast     last sequence number; 0: to the last.
     * @param callback  as FetchMessage(); stopping or throwing ends the whole range.
     * @param dwOptions IMAP_FETCH_SEEN: BODY[] (sets \\Seen) instead of BODY.PEEK[].
     * @return true on success (also for an empty range); false with CANCELLED,
     *         CALLBACK_FAILED, INVALID_ARGUMENT (nLast below nFirst), INVALID_STATE (none
     *         selected)...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    template <class F>
    bool FetchMessages(unsigned nFirst, unsigned nLast, F &&callback, uint32_t dwOptions = 0)
    {
        using State = detail::ImapFetchState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(callback));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapFetchMessages(m_hClient, nFirst, nLast, dwOptions, &State::Thunk, s);
        });
    }

    /**
     * @brief FLAGS, UID, RFC822.SIZE, INTERNALDATE and optionally ENVELOPE and BODYSTRUCTURE
     *        of a set of messages, one call of @p callback per message
     *        (ImapGetMessageInfo()).
     *
     * @p callback takes `(const ImapMessageInfo &)` (string copies) or `(const IMAPMESSAGE &)`
     * (no copy; valid during the call only). If it throws, the operation is cancelled (the
     * session is closed, as after Cancel()) and the call fails with
     * ST_ERROR_CALLBACK_FAILED.
     * @param lpszSet   sequence set ("1:*", "3,5:7") or UID set with IMAP_FETCH_UID.
     * @param callback  the callable; kept by the object until the operation completes.
     * @param dwOptions IMAP_FETCH_UID, IMAP_INFO_ENVELOPE, IMAP_INFO_BODYSTRUCTURE.
     * @return true on success (or started); false with INVALID_ARGUMENT (a bad set, none
     *         selected), CALLBACK_FAILED, SERVER_PERMANENT...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    template <class F, class = std::enable_if_t<
                           std::is_invocable_v<std::decay_t<F> &, const ImapMessageInfo &> ||
                           std::is_invocable_v<std::decay_t<F> &, const IMAPMESSAGE &>>>
    bool GetMessageInfo(const char *lpszSet, F &&callback, uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        using State = detail::ImapInfoState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(callback));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapGetMessageInfo(m_hClient, lpszSet, dwOptions, &State::Thunk, s);
        });
    }

    /** @brief GetMessageInfo() collected into a vector. @param lpszSet as above.
     *  @param messages receives one entry per message (cleared first).
     *  @param dwOptions as above (default IMAP_INFO_ENVELOPE). @return as above.
     *  @par Blocking: yes; on a non-blocking session true with IsInProgress() and nothing
     *  collected: use the callable form there. @par Thread: the owner. */
    bool GetMessageInfo(const char *lpszSet, std::vector<ImapMessageInfo> &messages,
                        uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        messages.clear();
        // Owned by the callable: safe also when a non-blocking operation outlives this call.
        auto out = std::make_shared<std::vector<ImapMessageInfo>>();
        if (!GetMessageInfo(
                lpszSet, [out](const ImapMessageInfo &m) { out->push_back(m); }, dwOptions))
            return false;
        if (!IsInProgress())
            messages = std::move(*out);
        return true;
    }

    /** @brief The metadata of a set of messages (empty on failure). @param lpszSet as above.
     *  @param dwOptions as above. @return the entries, in the server's order.
     *  @par Blocking: yes. @par Thread: the owner. */
    std::vector<ImapMessageInfo> GetMessageInfo(const char *lpszSet,
                                                uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        std::vector<ImapMessageInfo> messages;
        GetMessageInfo(lpszSet, messages, dwOptions);
        return messages;
    }

    /** @brief The metadata of one message. @param nMessageId sequence number (or UID with
     *  IMAP_FETCH_UID). @param info receives it. @param dwOptions as above.
     *  @return true when the message exists; false with SERVER_PERMANENT when no data came
     *  back, or the call's error. @par Blocking: yes (non-blocking session: true with
     *  IsInProgress() and nothing filled). @par Thread: the owner. */
    bool GetMessageInfo(unsigned nMessageId, ImapMessageInfo &info,
                        uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        std::vector<ImapMessageInfo> messages;
        if (!GetMessageInfo(std::to_string(nMessageId).c_str(), messages, dwOptions))
            return false;
        if (IsInProgress())
            return true;
        if (messages.empty())
            return Fail(ST_ERROR_SERVER_PERMANENT, "no such message");
        info = std::move(messages.front());
        return true;
    }

    // ---- searching -------------------------------------------------------------------------

    /**
     * @brief SEARCH (UID SEARCH with IMAP_FETCH_UID) with a builder or raw criteria
     *        (ImapSearchMailbox()).
     * @param lpSearch     criteria from a builder, or nullptr to use @p lpszCriteria.
     * @param lpszCriteria raw criteria in IMAP syntax, sent verbatim (no control characters,
     *                     no literal).
     * @param dwOptions    IMAP_FETCH_UID for UIDs.
     * @param lpIds        receives up to *lpnCount ids; may be nullptr when *lpnCount is 0.
     * @param lpnCount     in: capacity; out: the number of matches (may exceed it).
     * @return true on success (or started: lpIds and lpnCount are written when the operation
     *         completes, so they must outlive it; GetSearchResults() also has them); false with
     *         INVALID_ARGUMENT (no criteria, control characters), INVALID_STATE (none selected),
     *         SERVER_PERMANENT, COMMAND_REJECTED...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool SearchMailbox(const IMAPSEARCH *lpSearch, const char *lpszCriteria, uint32_t dwOptions,
                       uint32_t *lpIds, std::size_t *lpnCount)
    {
        return Call([&] {
            return ImapSearchMailbox(m_hClient, lpSearch, lpszCriteria, dwOptions, lpIds, lpnCount);
        });
    }

    /** @brief SEARCH with a builder. @param search the criteria (not empty).
     *  @param ids receives the matching ids, ascending (cleared first).
     *  @param dwOptions IMAP_FETCH_UID for UIDs. @return as above.
     *  @par Blocking: yes (non-blocking session: no). @par Thread: the owner. */
    bool SearchMailbox(const CImapSearch &search, std::vector<uint32_t> &ids,
                       uint32_t dwOptions = 0)
    {
        ids.clear();
        if (search.IsEmpty())
            return Fail(ST_ERROR_INVALID_ARGUMENT, "empty search criteria");
        return SearchInto(search.Get(), nullptr, dwOptions, ids);
    }

    /** @brief SEARCH with raw criteria ("UNSEEN SUBJECT report"). @param lpszCriteria the
     *  criteria. @param ids receives the matching ids (cleared first).
     *  @param dwOptions IMAP_FETCH_UID for UIDs. @return as above.
     *  @par Blocking: yes (non-blocking session: no). @par Thread: the owner. */
    bool SearchMailbox(const char *lpszCriteria, std::vector<uint32_t> &ids, uint32_t dwOptions = 0)
    {
        ids.clear();
        return SearchInto(nullptr, lpszCriteria, dwOptions, ids);
    }

    /** @brief The ids matching a builder's criteria (empty on failure).
     *  @param search the criteria. @param dwOptions IMAP_FETCH_UID for UIDs.
     *  @par Blocking: yes. @par Thread: the owner. */
    std::vector<uint32_t> SearchMailbox(const CImapSearch &search, uint32_t dwOptions = 0)
    {
        std::vector<uint32_t> ids;
        SearchMailbox(search, ids, dwOptions);
        return ids;
    }

    /** @brief The ids matching raw criteria (empty on failure).
     *  @param lpszCriteria the criteria. @param dwOptions IMAP_FETCH_UID for UIDs.
     *  @par Blocking: yes. @par Thread: the owner. */
    std::vector<uint32_t> SearchMailbox(const char *lpszCriteria, uint32_t dwOptions = 0)
    {
        std::vector<uint32_t> ids;
        SearchMailbox(lpszCriteria, ids, dwOptions);
        return ids;
    }

    /**
     * @brief The results of the last completed search (ImapGetSearchResults()), e.g. after
     *        a non-blocking search. No I/O.
     * @param lpIds receives up to *lpnCount ids. @param lpnCount in: capacity; out: matches.
     * @return true on success; false with INVALID_ARGUMENT, INVALID_HANDLE, NOT_OWNER.
     * @par Blocking: no. @par Thread: the owner.
     */
    bool GetSearchResults(uint32_t *lpIds, std::size_t *lpnCount)
    {
        return Check(ImapGetSearchResults(m_hClient, lpIds, lpnCount));
    }

    /** @brief The results of the last search into a vector (cleared first).
     *  @param ids receives them. @return as above. @par Blocking: no.
     *  @par Thread: the owner. */
    bool GetSearchResults(std::vector<uint32_t> &ids)
    {
        ids.clear();
        std::size_t n = 0;
        if (!GetSearchResults(nullptr, &n))
            return false;
        ids.resize(n);
        if (!GetSearchResults(ids.data(), &n)) {
            ids.clear();
            return false;
        }
        ids.resize(n);
        return true;
    }

    /** @brief The results of the last search (empty on failure). @par Blocking: no.
     *  @par Thread: the owner. */
    std::vector<uint32_t> GetSearchResults()
    {
        std::vector<uint32_t> ids;
        GetSearchResults(ids);
        return ids;
    }

    // ---- changing messages -----------------------------------------------------------------

    /**
     * @brief STORE flags and keywords (ImapStoreFlags()).
     * @param lpszSet      sequence set, or UID set with IMAP_FETCH_UID in dwMode.
     * @param dwMode       IMAP_STORE_REPLACE, _ADD or _REMOVE, with IMAP_STORE_SILENT and
     *                     IMAP_FETCH_UID.
     * @param dwFlags      IMAP_FLAG_ANSWERED, _DRAFT, _URGENT, _SEEN, _DELETED.
     * @param lpszKeywords extra keywords, space-separated atoms, or nullptr.
     * @return true on success; false with INVALID_ARGUMENT (bad set or keyword, ADD with
     *         REMOVE), INVALID_STATE (none selected), SERVER_PERMANENT (read-only)...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool StoreFlags(const char *lpszSet, uint32_t dwMode, uint32_t dwFlags,
                    const char *lpszKeywords = nullptr)
    {
        return Call(
            [&] { return ImapStoreFlags(m_hClient, lpszSet, dwMode, dwFlags, lpszKeywords); });
    }

    /**
     * @brief Mark one message \\Deleted (ImapDeleteMessage()); a later expunge removes it.
     * @param nMessageId sequence number, or UID with IMAP_FETCH_UID.
     * @param dwOptions  IMAP_FETCH_UID or 0.
     * @return as StoreFlags(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool DeleteMessage(unsigned nMessageId, uint32_t dwOptions = 0)
    {
        return Call([&] { return ImapDeleteMessage(m_hClient, nMessageId, dwOptions); });
    }

    /**
     * @brief Clear \\Deleted on one message (ImapUndeleteMessage()).
     * @param nMessageId sequence number, or UID with IMAP_FETCH_UID.
     * @param dwOptions  IMAP_FETCH_UID or 0.
     * @return as StoreFlags(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool UndeleteMessage(unsigned nMessageId, uint32_t dwOptions = 0)
    {
        return Call([&] { return ImapUndeleteMessage(m_hClient, nMessageId, dwOptions); });
    }

    /**
     * @brief COPY messages to another mailbox (ImapCopyMessage()).
     * @param lpszSet     sequence set, or UID set with IMAP_FETCH_UID.
     * @param lpszMailbox the target mailbox.
     * @param dwOptions   IMAP_FETCH_UID or 0.
     * @return true on success; false with SERVER_PERMANENT (no such target),
     *         INVALID_ARGUMENT... @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool CopyMessage(const char *lpszSet, const char *lpszMailbox, uint32_t dwOptions = 0)
    {
        return Call([&] { return ImapCopyMessage(m_hClient, lpszSet, lpszMailbox, dwOptions); });
    }

    /**
     * @brief MOVE messages to another mailbox (ImapMoveMessage(); COPY + STORE + UID EXPUNGE
     *        without MOVE).
     * @param lpszSet     sequence set, or UID set with IMAP_FETCH_UID.
     * @param lpszMailbox the target mailbox.
     * @param dwOptions   IMAP_FETCH_UID or 0.
     * @return as CopyMessage(). @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool MoveMessage(const char *lpszSet, const char *lpszMailbox, uint32_t dwOptions = 0)
    {
        return Call([&] { return ImapMoveMessage(m_hClient, lpszSet, lpszMailbox, dwOptions); });
    }

    /**
     * @brief EXPUNGE: remove every message marked \\Deleted (ImapExpungeMailbox()).
     * @param lpMailbox receives the refreshed state when the operation succeeds (on a
     *                  non-blocking session it must outlive the operation), or nullptr.
     * @return true on success; false with INVALID_STATE (none selected),
     *         SERVER_PERMANENT (read-only)... @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool ExpungeMailbox(IMAPMAILBOX *lpMailbox = nullptr)
    {
        return Call([&] { return ImapExpungeMailbox(m_hClient, lpMailbox); });
    }

    /**
     * @brief UID EXPUNGE: remove only these messages, if marked \\Deleted
     *        (ImapExpungeMessages(), UIDPLUS).
     * @param lpszUidSet UID set ("7", "3:5,9"), at most 48 characters.
     * @return true on success; false with NOT_SUPPORTED (no UIDPLUS), INVALID_ARGUMENT...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool ExpungeMessages(const char *lpszUidSet)
    {
        return Call([&] { return ImapExpungeMessages(m_hClient, lpszUidSet); });
    }

    /**
     * @brief APPEND a message from memory (ImapCreateMessage()).
     * @param lpszMailbox the target mailbox.
     * @param dwFlags     IMAP_FLAG_ANSWERED, _DRAFT, _URGENT, _SEEN, _DELETED to set.
     * @param lpszDate    INTERNALDATE ("dd-Mon-yyyy hh:mm:ss +zzzz"), or nullptr for now.
     * @param lpvMessage  the message (RFC 5322, CRLF line ends, sent as given). Not copied:
     *                    on a non-blocking session it must stay valid and unchanged until
     *                    the operation completes.
     * @param nLength     its size.
     * @param lpdwUID     receives the new message's UID (APPENDUID; 0 when the server did
     *                    not say), or nullptr. Written when the operation succeeds (on a
     *                    non-blocking session it must outlive the operation).
     * @return true on success; false with SERVER_PERMANENT ([TRYCREATE], quota),
     *         INVALID_ARGUMENT (a malformed date), INVALID_STATE (not logged in)...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool CreateMessage(const char *lpszMailbox, uint32_t dwFlags, const char *lpszDate,
                       const void *lpvMessage, std::size_t nLength, uint32_t *lpdwUID)
    {
        return Call([&] {
            return ImapCreateMessage(m_hClient, lpszMailbox, dwFlags, lpszDate, lpvMessage, nLength,
                                     lpdwUID);
        });
    }

    /** @brief APPEND a message held in a string. @param lpszMailbox as above.
     *  @param message the message (must outlive a non-blocking operation).
     *  @param dwFlags as above. @param lpszDate as above. @param lpdwUID as above.
     *  @return as above. @par Blocking: yes (non-blocking session: no).
     *  @par Thread: the owner. */
    bool CreateMessage(const char *lpszMailbox, std::string_view message, uint32_t dwFlags = 0,
                       const char *lpszDate = nullptr, uint32_t *lpdwUID = nullptr)
    {
        // An empty view may hold a null pointer, which C refuses only with a length.
        const char *data = message.empty() ? "" : message.data();
        return CreateMessage(lpszMailbox, dwFlags, lpszDate, data, message.size(), lpdwUID);
    }

    /**
     * @brief APPEND a message from a file, streamed (ImapCreateMessageFromFile()).
     * @param lpszMailbox  the target mailbox.
     * @param lpszFileName the message file; its bytes are sent as they are.
     * @param dwFlags      as CreateMessage(). @param lpszDate as CreateMessage().
     * @param lpdwUID      as CreateMessage().
     * @return as CreateMessage(), plus FILE. @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool CreateMessageFromFile(const char *lpszMailbox, const char *lpszFileName,
                               uint32_t dwFlags = 0, const char *lpszDate = nullptr,
                               uint32_t *lpdwUID = nullptr)
    {
        return Call([&] {
            return ImapCreateMessageFromFile(m_hClient, lpszMailbox, dwFlags, lpszDate,
                                             lpszFileName, lpdwUID);
        });
    }

    /**
     * @brief APPEND exactly nLength bytes supplied by a callable (ImapCreateMessageEx()).
     *
     * @p source is called as `source(char *buffer, std::size_t size)` until nLength bytes
     * have been supplied; it returns how many bytes it stored (any integer type), or -1 to
     * abort (the call then fails with ST_ERROR_FILE). If it throws, the append is aborted the
     * same way and the call fails with ST_ERROR_CALLBACK_FAILED. An aborted append closes the
     * connection (the server still waits for the bytes announced): Disconnect() and connect
     * again.
     * @param lpszMailbox the target mailbox.
     * @param nLength     the size announced to the server.
     * @param source      the callable; kept by the object until the operation completes.
     * @param dwFlags     as CreateMessage(). @param lpszDate as CreateMessage().
     * @param lpdwUID     as CreateMessage().
     * @return as CreateMessage(), plus FILE and CALLBACK_FAILED.
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner; the source
     *      runs on the thread that drives the session.
     */
    template <class F>
    bool CreateMessageEx(const char *lpszMailbox, uint64_t nLength, F &&source,
                         uint32_t dwFlags = 0, const char *lpszDate = nullptr,
                         uint32_t *lpdwUID = nullptr)
    {
        using State = detail::ImapSourceState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(source));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapCreateMessageEx(m_hClient, lpszMailbox, dwFlags, lpszDate, nLength,
                                       &State::Thunk, s, lpdwUID);
        });
    }

    // ---- waiting and raw commands ----------------------------------------------------------

    /**
     * @brief IDLE: wait for mailbox changes (ImapIdle()). UPDATE events are raised for each
     *        change; GetMailboxInfo() has the new state.
     * @param nTimeout   seconds to wait with IMAP_IDLE_WAIT (0: the session timeout).
     * @param dwOptions  IMAP_IDLE_WAIT (return after the first change, the timeout or
     *                   Cancel()) or IMAP_IDLE_NOWAIT (non-blocking sessions: IDLE goes on
     *                   until Cancel() or the next command).
     * @param lpnChanges receives the number of changes seen (0 on a timeout) when the IDLE
     *                   ends (with IMAP_IDLE_NOWAIT: when the next operation, a cancel or a
     *                   failure ends it, so it must outlive the IDLE), or nullptr.
     * @return true on a change or the timeout (or started); false with CANCELLED after
     *         Cancel() (the session stays usable), INVALID_ARGUMENT (NOWAIT on a blocking
     *         session), INVALID_STATE (not logged in), SERVER_PERMANENT...
     * @par Blocking: with IMAP_IDLE_WAIT, at most nTimeout. @par Thread: the owner;
     *      Cancel() from any.
     */
    bool Idle(unsigned nTimeout = 0, uint32_t dwOptions = IMAP_IDLE_WAIT,
              unsigned *lpnChanges = nullptr)
    {
        return Call([&] { return ImapIdle(m_hClient, nTimeout, dwOptions, lpnChanges); });
    }

    /**
     * @brief NOOP (ImapNoop()); also collects pending EXISTS/EXPUNGE/FETCH updates (UPDATE
     *        events, GetMailboxInfo()).
     * @return true on success; false with SERVER_PERMANENT, COMMAND_REJECTED, the state and
     *         exchange errors. @par Blocking: yes (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool Noop()
    {
        return Call([&] { return ImapNoop(m_hClient); });
    }

    /**
     * @brief Send a raw command (without tag and CRLF) and wait for its tagged response
     *        (ImapCommand()). Commands with a method of their own (LOGIN, SELECT, IDLE,
     *        APPEND, LOGOUT...) and literals are refused.
     * @param lpszCommand the command, sent verbatim.
     * @return true on OK; false with SERVER_PERMANENT (NO), COMMAND_REJECTED (BAD; the
     *         session stays usable; GetResultString() has the text), INVALID_ARGUMENT...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool Command(const char *lpszCommand)
    {
        return Call([&] { return ImapCommand(m_hClient, lpszCommand); });
    }

  private:
    // Run a C call that writes its results into storage of type T: on a non-blocking session
    // the library writes them when the operation completes, after this method has returned,
    // so they live on the heap until Execute() reports that end (or the session closes).
    // fn(T &) makes the call; done(T &) reads the results of a call that has completed.
    template <class T, class Fn, class Done> bool CallInto(Fn &&fn, Done &&done)
    {
        auto state = std::make_unique<detail::ImapResultState<T>>();
        state->hClient = m_hClient;
        int rc = MAILWIRE_ERROR;
        bool ok = Call([&] { return rc = fn(state->value); });
        if (rc == MAILWIRE_IN_PROGRESS) {
            m_bNonBlocking = true;
            m_pPending = std::move(state);
            return ok;
        }
        done(state->value);
        return ok;
    }

    // Run a C call that takes one of the callback states. The state outlives the call when
    // the operation goes on (non-blocking session) and is released by Execute() at its end.
    template <class Fn> bool RunWith(std::unique_ptr<detail::ImapCallbackState> state, Fn &&fn)
    {
        state->hClient = m_hClient;
        int rc = MAILWIRE_ERROR;
        bool ok = CallWith(state->failure, [&] { return rc = fn(); });
        if (rc == MAILWIRE_IN_PROGRESS)
            m_pPending = std::move(state);
        return ok;
    }

    // The C two-call pattern of ImapGetMessage(): too small a buffer reports the size needed.
    // A string is returned when the call returns: on a non-blocking session that cannot be,
    // and the forms with a caller buffer (or FetchMessage()) are the ones to use there.
    template <class Fn> bool ReadInto(std::string &out, std::size_t first, Fn &&fn)
    {
        out.clear();
        if (m_bNonBlocking)
            return Fail(ST_ERROR_INVALID_ARGUMENT,
                        "the string forms need a blocking session; on a non-blocking one pass "
                        "a buffer that outlives the operation, or use FetchMessage()");
        struct Buffer {
            std::string data;
            std::size_t len = 0;
        };
        std::size_t size = first;
        for (int attempt = 0; attempt < 3; ++attempt) {
            bool again = false;
            bool ok = CallInto<Buffer>(
                [&](Buffer &b) {
                    b.data.assign(size, '\0');
                    b.len = size;
                    return fn(&b.data[0], &b.len);
                },
                [&](Buffer &b) {
                    if (GetLastError() == ST_ERROR_NONE) // a fresh string of the exact size
                        out.assign(b.data.data(), b.len);
                    again = GetLastError() == ST_ERROR_LIMIT_EXCEEDED && b.len > size;
                    size = b.len;
                });
            if (ok || !again)
                return ok;
        }
        return false;
    }

    bool SearchInto(const IMAPSEARCH *search, const char *criteria, uint32_t dwOptions,
                    std::vector<uint32_t> &ids)
    {
        // Capacity 0: the count comes back and the ids stay in the session for
        // GetSearchResults(), so one round trip does.
        bool ok = CallInto<std::size_t>(
            [&](std::size_t &n) {
                return ImapSearchMailbox(m_hClient, search, criteria, dwOptions, nullptr, &n);
            },
            [](std::size_t &) {});
        if (!ok || IsInProgress())
            return ok;
        return GetSearchResults(ids);
    }

    std::string CopyText(const char *(*get)(HCLIENT))
    {
        MailwireSetLastError(ST_ERROR_NONE);
        const char *text = get(m_hClient);
        if (!Check(MailwireGetLastError() != ST_ERROR_NONE ? MAILWIRE_ERROR : 0))
            return std::string();
        return text ? std::string(text) : std::string();
    }

    std::unique_ptr<detail::ImapCallbackState> m_pPending;
    bool m_bNonBlocking = false; // the session came from AsyncConnect() (or said so)
};

} // namespace mailwire

#ifndef MAILWIRE_NO_GLOBAL_NAMES
/** SocketTools code names the classes without a namespace. Define MAILWIRE_NO_GLOBAL_NAMES to
 *  keep them in namespace mailwire only. */
using mailwire::CImapClient;
using mailwire::CImapSearch;
#endif

#endif // MAILWIRE_IMAPCLIENT_HPP
