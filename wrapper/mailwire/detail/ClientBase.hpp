/**
 * @file ClientBase.hpp
 * @brief What CSmtpClient and CImapClient share: the handle, the last error, event handlers
 *        that may be any callable, tracing, threads and the non-blocking calls.
 *
 * The class is a template over the client class (for handlers that take the client) and over
 * a protocol table `Api` of static functions wrapping the protocol's C calls, so that
 * CSmtpClient::Cancel() calls SmtpCancel() and CImapClient::Cancel() calls ImapCancel().
 */
#ifndef MAILWIRE_DETAIL_CLIENTBASE_HPP
#define MAILWIRE_DETAIL_CLIENTBASE_HPP

#include <mailwire/Mailwire.hpp>
#include <mailwire/detail/CallbackFailure.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>

namespace mailwire
{

/** What a non-blocking session waits for before the next Execute() (see GetPollInfo()). */
struct PollInfo {
    MAILWIRE_SOCKET socket = 0; /**< The socket (or resolver descriptor) to poll. */
    unsigned events = 0;        /**< MAILWIRE_POLL_READ and/or MAILWIRE_POLL_WRITE. */
    int timeout = -1;           /**< Milliseconds until the deadline; 0: now; -1: none. */
};

namespace detail
{

/**
 * Handlers and the callback failure of one client object. Lives on the heap so that its
 * address, which C holds as user data, survives moves of the client object.
 */
struct EventSink {
    using Handler = std::function<void(unsigned, unsigned)>;
    using TraceHandler = std::function<void(unsigned, std::string_view)>;

    std::array<std::shared_ptr<const Handler>, MAILWIRE_EVENT_MAX> handlers;
    std::shared_ptr<const TraceHandler> trace;
    CallbackFailure failure;
    // The client object, for handlers that take it; null while it dies. Atomic because the
    // object may be destroyed on another thread than the one dispatching (FREETHREAD, or a
    // session closed from another thread while its owner is inside a call).
    std::atomic<void *> owner{nullptr};
    // The client's end-of-operation bookkeeping (ClientBase::Completed()), run for
    // MAILWIRE_EVENT_COMPLETE before (and around) the application's handler.
    void (*complete)(void *owner, unsigned nError, const Handler *handler) = nullptr;

    static void MAILWIRE_CALLBACK OnEvent(HCLIENT hClient, unsigned nEventId, unsigned nError,
                                          void *lpUserData) noexcept
    {
        auto *self = static_cast<EventSink *>(lpUserData);
        void *owner = self->owner.load();
        if (!owner || nEventId >= MAILWIRE_EVENT_MAX)
            return;
        // A copy of the pointer keeps the handler alive if it replaces itself while running.
        std::shared_ptr<const Handler> handler = self->handlers[nEventId];
        if (!handler && !(nEventId == MAILWIRE_EVENT_COMPLETE && self->complete))
            return;
        try {
            if (nEventId == MAILWIRE_EVENT_COMPLETE && self->complete)
                self->complete(owner, nError, handler.get());
            else
                (*handler)(nEventId, nError);
        } catch (...) {
            self->failure.Capture();
            // Stop the operation: the application asked to leave it by throwing.
            MailwireCancel(hClient);
        }
    }

    static void MAILWIRE_CALLBACK OnTrace(HCLIENT hClient, unsigned nDirection, const char *lpData,
                                          std::size_t cbData, void *lpUserData) noexcept
    {
        auto *self = static_cast<EventSink *>(lpUserData);
        std::shared_ptr<const TraceHandler> trace = self->trace;
        if (!trace)
            return;
        try {
            (*trace)(nDirection, std::string_view(lpData, cbData));
        } catch (...) {
            self->failure.Capture();
            MailwireCancel(hClient);
        }
    }
};

/**
 * Base of the client classes. @tparam Derived the client class; @tparam Api a table of
 * static functions: Disconnect, Cancel, AttachThread, RegisterEvent, SetTrace,
 * GetSecurityInfo, Execute, GetPollInfo, GetSocket and IsOwnHandle (true when a handle belongs
 * to this protocol).
 */
template <class Derived, class Api> class ClientBase
{
  public:
    ClientBase(const ClientBase &) = delete;
    ClientBase &operator=(const ClientBase &) = delete;

    /**
     * @brief The C handle of the session, for code that mixes the C API with the class.
     * @return the handle, or INVALID_CLIENT when the object holds no session. The object keeps
     *         ownership: do not disconnect the handle through C (use Detach() to take it).
     * @par Blocking: no.
     * @par Thread: any.
     */
    HCLIENT GetHandle() const noexcept
    {
        return m_hClient;
    }

    /** @return true when the object holds a session handle (which the server may have closed
     *          since; the next call reports that). @par Blocking: no.
     *          @par Thread: any. */
    bool IsConnected() const noexcept
    {
        return m_hClient != INVALID_CLIENT;
    }

    /**
     * @brief Take ownership of a session opened through the C API.
     * @param hClient a live handle of this protocol.
     * @return true on success: the object now disconnects the handle when destroyed, and the
     *         event handlers and trace registered on the object are installed on it. false
     *         with ST_ERROR_ALREADY_CONNECTED when the object already holds a session, or
     *         ST_ERROR_INVALID_HANDLE when the handle is not a live session of this protocol.
     * @par Blocking: no.
     * @par Thread: the handle's owner (or any with FREETHREAD).
     */
    bool Attach(HCLIENT hClient)
    {
        if (m_hClient != INVALID_CLIENT)
            return Fail(ST_ERROR_ALREADY_CONNECTED, "the object already holds a session");
        if (hClient == INVALID_CLIENT || !Api::IsOwnHandle(hClient))
            return Fail(ST_ERROR_INVALID_HANDLE, "not a live session of this protocol");
        m_hClient = hClient;
        return InstallHandlers();
    }

    /**
     * @brief Give up ownership of the session without disconnecting it.
     *
     * The object's event handlers and trace are removed from the handle (the object may go
     * away; the C callbacks must not point into it) but stay registered on the object for its
     * next session.
     * @return the handle (now the caller's to disconnect), or INVALID_CLIENT when the object
     *         held none, or when the handlers could not be removed (another thread owns the
     *         session: ST_ERROR_NOT_OWNER); the object keeps the session then.
     * @par Blocking: no.
     * @par Thread: the handle's owner (or any with FREETHREAD).
     */
    HCLIENT Detach() noexcept
    {
        HCLIENT h = m_hClient;
        if (h == INVALID_CLIENT || !Unhook(h))
            return INVALID_CLIENT;
        m_hClient = INVALID_CLIENT;
        return h;
    }

    /**
     * @brief Error code of the last call made through this object.
     *
     * Static methods of the class (CSmtpClient::SubmitMessage() and the like) count as calls
     * made through every object of the class on the calling thread: C++ cannot tell
     * `client.SubmitMessage(...)` from `CSmtpClient::SubmitMessage(...)`, and the SocketTools
     * form is called through an object. So after `client.SubmitMessage(...)` fails,
     * `client.GetLastError()` gives its code, until the next call through the object; the
     * other way round, a static call does not hide a later call through the object.
     * @return an ST_ERROR_* value: ST_ERROR_NONE after a call that succeeded,
     *         ST_ERROR_IN_PROGRESS after a call that started a non-blocking operation,
     *         ST_ERROR_CALLBACK_FAILED when an event handler, trace or data callback threw.
     *         Cancel() does not change it (it may run on another thread).
     * @par Blocking: no.
     * @par Thread: the thread that made the call (a static call counts on its own thread).
     */
    unsigned GetLastError() const noexcept
    {
        const StaticCall &s = LastStaticCall();
        return s.stamp > m_nStamp ? s.error : m_nLastError;
    }

    /**
     * @brief The cause of the last failure: the server's reply, the certificate's rejection
     *        reasons, the socket error, or the text of the exception a callback threw.
     * @return the text; empty when the last call succeeded. The last call is the one
     *         GetLastError() reports, a static call of the class included.
     * @par Blocking: no.
     * @par Thread: the thread that made the call.
     */
    const std::string &GetLastErrorDetail() const noexcept
    {
        const StaticCall &s = LastStaticCall();
        return s.stamp > m_nStamp ? s.detail : m_strLastErrorDetail;
    }

    /**
     * @brief Description of an error code.
     * @param nError an ST_ERROR_* value.
     * @return a fixed English text ("unknown error" for an unknown code).
     * @par Blocking: no.
     * @par Thread: any.
     */
    static std::string GetErrorString(unsigned nError)
    {
        return MailwireGetErrorStringA(nError);
    }

    /** @return the description of this object's last error (see GetLastError()). */
    std::string GetErrorString() const
    {
        return MailwireGetErrorStringA(GetLastError());
    }

    /**
     * @brief True when the last call started a non-blocking operation that is still running:
     *        pump Execute() until it returns 0 or MAILWIRE_ERROR.
     * @par Blocking: no.
     * @par Thread: the thread that made the call.
     */
    bool IsInProgress() const noexcept
    {
        return m_nLastError == ST_ERROR_IN_PROGRESS;
    }

    /**
     * @brief Install a handler for one event (MAILWIRE_EVENT_*, the protocol's *_EVENT_*).
     *
     * @p handler may be any copyable callable: a lambda, a std::function, a functor, or a
     * member function wrapped in a lambda. It is called on the thread that drives the session,
     * from inside the library, with one of these parameter lists:
     * `(Derived &client, unsigned nEventId, unsigned nError)`, `(unsigned nEventId,
     * unsigned nError)`, `(unsigned nEventId)`, `(Derived &client)` or `()`. nError is
     * ST_ERROR_NONE or the error the event reports. The handler may call any method of the
     * client, including Disconnect(). For MAILWIRE_EVENT_COMPLETE see also OnComplete(),
     * whose handler receives the error without the event identifier.
     *
     * An exception thrown by the handler never reaches the C library: it is caught, the
     * operation in progress is cancelled (the session is then closed, as after Cancel()),
     * and the method that was running returns failure with ST_ERROR_CALLBACK_FAILED and the
     * exception's what() in GetLastErrorDetail().
     *
     * Handlers belong to the object: registered before Connect(), they are installed when a
     * session opens (a blocking Connect() raises no events of its own; AsyncConnect() does),
     * and they stay across Disconnect() for the next session.
     * @param nEventId the event, 1 to MAILWIRE_EVENT_MAX - 1.
     * @param handler  the callable; it replaces any handler registered for the event.
     * @return true on success; false with ST_ERROR_INVALID_ARGUMENT for an unknown event, or
     *         the C call's error (ST_ERROR_NOT_OWNER).
     * @par Blocking: no.
     * @par Thread: the session's owner (or any with FREETHREAD).
     */
    template <class F> bool RegisterEvent(unsigned nEventId, F &&handler)
    {
        if (nEventId == 0 || nEventId >= MAILWIRE_EVENT_MAX)
            return Fail(ST_ERROR_INVALID_ARGUMENT, "unknown event identifier");
        return SetHandler(
            nEventId, std::make_shared<const EventSink::Handler>(Adapt(std::forward<F>(handler))));
    }

    /**
     * @brief Install the completion handler of the non-blocking operations: called once when
     *        each operation that a call started (AsyncConnect() and every method that returned
     *        true with IsInProgress()) has ended, successfully or not
     *        (MAILWIRE_EVENT_COMPLETE).
     *
     * So a program driven by an event loop (mailwire::QtDriver, or its own loop calling
     * MailwireExecute()) writes its sequence as a chain:
     * @code
     * smtp.AsyncConnect("mail.example.org", 587, 30, SMTP_OPTION_SECURE);
     * smtp.OnComplete([&](CSmtpClient &c, unsigned err) {
     *     if (err) return report(c.GetErrorString(), c.GetLastErrorDetail());
     *     if (step++ == 0) c.Authenticate(user, password); // the next operation
     *     else ...
     * });
     * @endcode
     * @p handler may be any copyable callable taking `(Derived &client, unsigned nError)`,
     * `(unsigned nError)`, `(Derived &client)` or `()`, or one of the RegisterEvent() forms
     * `(Derived &client, unsigned nEventId, unsigned nError)` and `(unsigned nEventId,
     * unsigned nError)`. nError is ST_ERROR_NONE or the operation's error; the object's
     * GetLastError() says the same when the handler runs (its detail text is only
     * MailwireGetErrorString(nError) there: the library fills the thread's detail after the
     * handler). The handler runs on the thread that drives the session, inside Execute() or
     * MailwireExecute(), once the operation's results are in place (the callables and
     * buffers an IMAP method was given are still alive); it may start the next operation.
     *
     * The state the object kept for the operation (a callable given to FetchMessage(), the
     * storage of GetMailboxStatus()...) is released when the handler returns, whoever drives
     * the session; if such a callable threw, or an event handler or the trace did, nError is
     * ST_ERROR_CALLBACK_FAILED and GetLastErrorDetail() holds the exception's text. An
     * exception thrown by the completion handler itself is caught like any handler's (see
     * RegisterEvent()). The handler stays installed for the next operations and sessions;
     * OnComplete(nullptr) removes it. It is the object's MAILWIRE_EVENT_COMPLETE handler:
     * RegisterEvent(MAILWIRE_EVENT_COMPLETE, ...) replaces it and the other way round.
     * @return true on success; false with the C call's error (ST_ERROR_NOT_OWNER).
     * @par Blocking: no.
     * @par Thread: the session's owner (or any with FREETHREAD).
     */
    template <class F> bool OnComplete(F &&handler)
    {
        return SetHandler(MAILWIRE_EVENT_COMPLETE, std::make_shared<const EventSink::Handler>(
                                                       AdaptComplete(std::forward<F>(handler))));
    }

    /** @brief Remove the completion handler (the object still releases what it kept for each
     *         operation when it ends). @return true. */
    bool OnComplete(std::nullptr_t)
    {
        return SetHandler(MAILWIRE_EVENT_COMPLETE, nullptr);
    }

    /**
     * @brief Remove the handler of one event.
     * @param nEventId the event, 1 to MAILWIRE_EVENT_MAX - 1.
     * @return true on success; false with ST_ERROR_INVALID_ARGUMENT for an unknown event.
     * @par Blocking: no.
     * @par Thread: the session's owner (or any with FREETHREAD).
     */
    bool RegisterEvent(unsigned nEventId, std::nullptr_t)
    {
        if (nEventId == 0 || nEventId >= MAILWIRE_EVENT_MAX)
            return Fail(ST_ERROR_INVALID_ARGUMENT, "unknown event identifier");
        return SetHandler(nEventId, nullptr);
    }

    /**
     * @brief Watch the protocol dialogue.
     *
     * @p trace is called as `trace(unsigned nDirection, std::string_view data)` with
     * MAILWIRE_TRACE_SENT, _RECEIVED or _INFO and the bytes (secrets already redacted). It
     * must not call back into the client. Exceptions are handled as for RegisterEvent().
     * Like handlers, the trace belongs to the object and is installed on each new session
     * (after a blocking Connect() has returned).
     * @param trace any copyable callable, or nullptr to stop tracing.
     * @return true on success; false with the C call's error (ST_ERROR_NOT_OWNER).
     * @par Blocking: no.
     * @par Thread: the session's owner (or any with FREETHREAD).
     */
    template <class F> bool SetTrace(F &&trace)
    {
        std::shared_ptr<const EventSink::TraceHandler> fn;
        if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>)
            fn = std::make_shared<const EventSink::TraceHandler>(std::forward<F>(trace));
        EventSink &sink = Sink();
        if (m_hClient != INVALID_CLIENT &&
            !Check(
                Api::SetTrace(m_hClient, fn ? &EventSink::OnTrace : nullptr, fn ? &sink : nullptr)))
            return false;
        sink.trace = std::move(fn);
        return true;
    }

    /**
     * @brief Cancel the operation in progress (another thread's blocking call, or the
     *        non-blocking operation). The call ends with ST_ERROR_CANCELLED and the session
     *        is closed (IMAP IDLE ends cleanly instead).
     * @return true on success; false when the object holds no session. GetLastError() is
     *         not changed (the error is in the calling thread's mailwire::GetLastError()).
     * @par Blocking: no.
     * @par Thread: any; the one call that needs no ownership.
     */
    bool Cancel() const noexcept
    {
        return Api::Cancel(m_hClient) == 0;
    }

    /**
     * @brief Hand the session to another thread (SocketTools' AttachThread).
     *
     * A session belongs to the thread that opened it; other threads' calls fail with
     * ST_ERROR_NOT_OWNER unless it was opened with the FREETHREAD option.
     * @param dwThreadId the new owner's id (see mailwire's MailwireGetCurrentThreadId());
     *                   0, the default, means the calling thread.
     * @return the previous owner's id, or 0 on failure (ST_ERROR_INVALID_HANDLE).
     * @par Blocking: no.
     * @par Thread: any; never while another thread is inside a call.
     */
    uint32_t AttachThread(uint32_t dwThreadId = 0)
    {
        uint32_t previous = Api::AttachThread(m_hClient, dwThreadId);
        Check(previous != 0 ? 0 : MAILWIRE_ERROR);
        return previous;
    }

    /**
     * @brief What TLS negotiated and what is known of the server's certificate.
     * @param info receives it (dwSize is set by the method).
     * @return true on success (a cleartext session reports SECURITY_PROTOCOL_NONE); false
     *         with ST_ERROR_INVALID_HANDLE or ST_ERROR_NOT_OWNER.
     * @par Blocking: no.
     * @par Thread: the session's owner (or any with FREETHREAD).
     */
    bool GetSecurityInfo(SECURITYINFOA &info)
    {
        info = SECURITYINFOA{};
        info.dwSize = sizeof info;
        return Check(Api::GetSecurityInfo(m_hClient, &info));
    }

    /** @brief GetSecurityInfo() into the W structure (what a UNICODE build calls
     *  SECURITYINFO): MailwireGetSecurityInfoW(). @return as above. */
    bool GetSecurityInfo(SECURITYINFOW &info)
    {
        info = SECURITYINFOW{};
        info.dwSize = sizeof info;
        return Check(MailwireGetSecurityInfoW(m_hClient, &info));
    }

    /** @return the security information, zeroed on failure (see GetLastError()). */
    SECURITYINFOA GetSecurityInfo()
    {
        SECURITYINFOA info{};
        GetSecurityInfo(info);
        return info;
    }

    /**
     * @brief Non-blocking sessions: what to wait for before the next Execute().
     * @param socket  receives the socket to poll.
     * @param events  receives MAILWIRE_POLL_READ and/or MAILWIRE_POLL_WRITE.
     * @param timeout receives the milliseconds until the deadline (0: call Execute() now,
     *                -1: none).
     * @return true on success; false with ST_ERROR_INVALID_HANDLE or ST_ERROR_NOT_OWNER.
     * @par Blocking: no.
     * @par Thread: the session's owner (or any with FREETHREAD).
     */
    bool GetPollInfo(MAILWIRE_SOCKET &socket, unsigned &events, int &timeout)
    {
        return Check(Api::GetPollInfo(m_hClient, &socket, &events, &timeout));
    }

    /** @return the poll information as a struct (events 0 on failure). */
    PollInfo GetPollInfo()
    {
        PollInfo p;
        GetPollInfo(p.socket, p.events, p.timeout);
        return p;
    }

    /**
     * @brief Non-blocking sessions: advance the operation in progress without waiting.
     *        Event handlers, the completion handler and the callables of the operation run
     *        inside this call.
     *
     * An event loop may call MailwireExecute() on GetHandle() instead (mailwire::QtDriver
     * does): the object learns of the end through MAILWIRE_EVENT_COMPLETE either way (see
     * OnComplete()).
     * @return 0 when the operation has finished successfully (or none is running);
     *         MAILWIRE_IN_PROGRESS while it goes on; MAILWIRE_ERROR on failure (see
     *         GetLastError(); ST_ERROR_CALLBACK_FAILED when a handler or a callable of the
     *         operation threw). When a handler disconnected the session, MAILWIRE_ERROR and
     *         the object is empty.
     * @par Blocking: never.
     * @par Thread: the session's owner (or any with FREETHREAD).
     */
    int Execute()
    {
        m_completeFailure.Reset();
        int rc = CallInt([this] { return Api::Execute(m_hClient); }, true);
        // A callable of the operation threw: Completed() saw it and the C result says only
        // "cancelled".
        if (m_completeFailure.Failed()) {
            ReportCallbackFailure(m_completeFailure, MAILWIRE_ERROR);
            m_completeFailure.Reset();
            return MAILWIRE_ERROR;
        }
        return rc;
    }

    /**
     * @brief The socket the session waits on, for an application's own event loop.
     * @return the socket; while the host name is being resolved, a descriptor that becomes
     *         readable when the resolver is done; an invalid value (-1, or INVALID_SOCKET on
     *         Windows) without a session.
     * @par Blocking: no.
     * @par Thread: the session's owner (or any with FREETHREAD).
     */
    MAILWIRE_SOCKET GetSocket() const noexcept
    {
        return Api::GetSocket(m_hClient);
    }

  protected:
    ClientBase() noexcept = default;

    /** @brief Take over another object's session, last error and handlers; the other is
     *         left empty. */
    ClientBase(ClientBase &&other) noexcept
        : m_hClient(std::exchange(other.m_hClient, INVALID_CLIENT)),
          m_pPending(std::move(other.m_pPending)),
          m_nLastError(std::exchange(other.m_nLastError, 0u)),
          m_nStamp(std::exchange(other.m_nStamp, 0u)),
          m_strLastErrorDetail(std::move(other.m_strLastErrorDetail)),
          m_pSink(std::move(other.m_pSink))
    {
        other.m_strLastErrorDetail.clear();
        if (m_pSink)
            m_pSink->owner.store(static_cast<Derived *>(this));
    }

    /** @brief Close the held session, then take over the other object's. @return *this. */
    ClientBase &operator=(ClientBase &&other) noexcept
    {
        if (this != &other) {
            Close();
            m_hClient = std::exchange(other.m_hClient, INVALID_CLIENT);
            m_pPending = std::move(other.m_pPending);
            m_nLastError = std::exchange(other.m_nLastError, 0u);
            m_nStamp = std::exchange(other.m_nStamp, 0u);
            m_strLastErrorDetail = std::move(other.m_strLastErrorDetail);
            other.m_strLastErrorDetail.clear();
            m_pSink = std::move(other.m_pSink);
            if (m_pSink)
                m_pSink->owner.store(static_cast<Derived *>(this));
        }
        return *this;
    }

    ~ClientBase()
    {
        Close();
    }

    /** Adopt a handle returned by a connect call, or record the connect call's failure. */
    bool Open(HCLIENT hClient)
    {
        if (hClient == INVALID_CLIENT)
            return Check(MAILWIRE_ERROR);
        m_hClient = hClient;
        return InstallHandlers();
    }

    /** Refuse a connect call while a session is held. */
    bool RefuseIfConnected()
    {
        if (m_hClient == INVALID_CLIENT)
            return true;
        Fail(ST_ERROR_ALREADY_CONNECTED, "the object already holds a session; Disconnect first");
        return false;
    }

    /** The protocol's disconnect, from any thread (common.h: closing a session from another
     *  thread): frees the handle when C did, and the state of an operation that was still
     *  running. */
    bool DoDisconnect()
    {
        if (CallRunningElsewhere()) {
            // Another thread is inside a call through this object: the Guard's bookkeeping is
            // that thread's. CloseHandle() cancels the call and waits until it has returned.
            HCLIENT h = m_hClient;
            bool closed = CloseHandle(h);
            unsigned err = MailwireGetLastError();
            if (!closed)
                return Fail(err, MailwireGetLastErrorDetailA());
            m_hClient = INVALID_CLIENT;
            m_pPending.reset();
            return Check(0);
        }
        Guard guard(*this);
        int rc = Api::Disconnect(m_hClient);
        if (rc == 0) {
            m_hClient = INVALID_CLIENT;
            m_pPending.reset();
        }
        return guard.Finish(rc, false) >= 0;
    }

    /** Run a C call returning 0 / MAILWIRE_IN_PROGRESS / MAILWIRE_ERROR; true unless it
     *  failed or a callback threw during it. */
    template <class Fn> bool Call(Fn &&fn)
    {
        Guard guard(*this);
        return guard.Finish(fn(), true) >= 0;
    }

    /** Run a C call returning a count, a length or a reply code (MAILWIRE_ERROR on failure);
     *  the value, or MAILWIRE_ERROR when a callback threw. @p inProgress: the call may also
     *  return MAILWIRE_IN_PROGRESS (a reply code or a status, never a count). */
    template <class Fn> int CallInt(Fn &&fn, bool inProgress = false)
    {
        Guard guard(*this);
        return guard.Finish(fn(), inProgress);
    }

    /** As Call(), also failing when a per-call data callback recorded in @p extra threw. */
    template <class Fn> bool CallWith(CallbackFailure &extra, Fn &&fn)
    {
        Guard guard(*this, &extra);
        return guard.Finish(fn(), true) >= 0;
    }

    /** Record the outcome of a C call that raises no callbacks. */
    bool Check(int rc)
    {
        return Record(rc, nullptr, false) >= 0;
    }

    /** Record a failure detected by the class itself (also as the thread's last error). */
    bool Fail(unsigned nError, const char *detail) noexcept
    {
        m_nLastError = nError;
        m_nStamp = NextStamp();
        try {
            m_strLastErrorDetail = detail ? detail : "";
        } catch (...) {
            m_strLastErrorDetail.clear(); // no memory for the text; the code is kept
        }
        MailwireSetLastError(nError);
        return false;
    }

    /** Record the outcome of a static method's C call (@p rc: 0 or more on success, else
     *  MAILWIRE_ERROR with the thread's last error set) for GetLastError(). @return rc >= 0. */
    static bool RecordStatic(int rc) noexcept
    {
        // The thread's last error is C's already (setting it again would clear its detail).
        if (rc >= 0)
            SetStaticCall(ST_ERROR_NONE, "");
        else
            SetStaticCall(MailwireGetLastError(), MailwireGetLastErrorDetailA());
        return rc >= 0;
    }

    /** Record a static method's failure detected by the class itself, also as the thread's
     *  last error (without detail text). @return false. */
    static bool RecordStaticError(unsigned nError, const char *detail) noexcept
    {
        SetStaticCall(nError, detail);
        MailwireSetLastError(nError);
        return false;
    }

    /** Disconnect for a derived destructor, first thing: handlers that take the client must
     *  not see it once its own members are going. */
    void CloseSession() noexcept
    {
        Close();
    }

    /** Keep the state of a non-blocking operation that has started (the C call returned
     *  MAILWIRE_IN_PROGRESS) until MAILWIRE_EVENT_COMPLETE reports its end. */
    void KeepPending(std::unique_ptr<OperationState> state) noexcept
    {
        m_pPending = std::move(state);
    }

    /** Record ST_ERROR_CALLBACK_FAILED for a callable that threw during a C call that
     *  returned @p rc. */
    void ReportCallbackFailure(const CallbackFailure &failure, int rc)
    {
        std::string detail = "a callback threw: ";
        detail += failure.What();
        detail += rc < 0 ? "; the operation was cancelled"
                         : "; the operation itself had already completed";
        Fail(ST_ERROR_CALLBACK_FAILED, detail.c_str());
    }

    HCLIENT m_hClient = INVALID_CLIENT; /**< The session, or INVALID_CLIENT. */

  private:
    // The outcome of the calling thread's last static call of this class. Stamps come from
    // one counter per class for the whole process, so "newer" compares a static call with an
    // object's own last call even when the object's call was made on another thread.
    struct StaticCall {
        uint64_t stamp = 0;
        unsigned error = 0;
        std::string detail;
    };
    static StaticCall &LastStaticCall() noexcept
    {
        thread_local StaticCall s; // one per thread and per client class
        return s;
    }
    static void SetStaticCall(unsigned nError, const char *detail) noexcept
    {
        StaticCall &s = LastStaticCall();
        s.stamp = NextStamp();
        s.error = nError;
        try {
            s.detail = detail ? detail : "";
        } catch (...) {
            s.detail.clear(); // no memory for the text; the code is kept
        }
    }
    static uint64_t NextStamp() noexcept
    {
        static std::atomic<uint64_t> counter{0};
        return ++counter;
    }

    // The state of the running non-blocking operation (callables, result storage), released
    // by Completed(). Declared after m_hClient and destroyed after ~ClientBase() has closed
    // the session, so the C library never holds a pointer to a freed state.
    std::unique_ptr<OperationState> m_pPending;

    // Callbacks run inside C calls, and handlers may call methods of the client: only the
    // outermost call resets and reports a callback failure, so a nested call cannot hide it.
    class Guard
    {
      public:
        explicit Guard(ClientBase &c, CallbackFailure *extra = nullptr) noexcept
            : m_c(c), m_extra(extra)
        {
            if (c.m_nDepth++ == 0) {
                if (c.m_pSink)
                    c.m_pSink->failure.Reset();
                c.m_nRunner.store(MailwireGetCurrentThreadId());
            }
            if (m_extra)
                m_extra->Reset();
        }
        ~Guard()
        {
            // Last: a thread closing the object waits for this (CloseHandle()), and the
            // results have been recorded by then.
            if (--m_c.m_nDepth == 0)
                m_c.m_nRunner.store(0);
        }
        Guard(const Guard &) = delete;
        Guard &operator=(const Guard &) = delete;
        int Finish(int rc, bool inProgress)
        {
            const CallbackFailure *failure = m_extra && m_extra->Failed() ? m_extra : nullptr;
            if (!failure && m_c.m_nDepth == 1 && m_c.m_pSink && m_c.m_pSink->failure.Failed())
                failure = &m_c.m_pSink->failure;
            return m_c.Record(rc, failure, inProgress);
        }

      private:
        ClientBase &m_c;
        CallbackFailure *m_extra;
    };

    int Record(int rc, const CallbackFailure *failure, bool inProgress)
    {
        if (failure) {
            ReportCallbackFailure(*failure, rc);
            if (m_pSink && failure == &m_pSink->failure)
                m_pSink->failure.Reset();
            return MAILWIRE_ERROR;
        }
        if (rc < 0) {
            m_nLastError = MailwireGetLastError();
            m_nStamp = NextStamp();
            m_strLastErrorDetail = MailwireGetLastErrorDetailA();
            // A handler may have disconnected the session during the call.
            if (m_nLastError == ST_ERROR_INVALID_HANDLE && m_hClient != INVALID_CLIENT &&
                !Api::IsOwnHandle(m_hClient))
                m_hClient = INVALID_CLIENT;
            return rc;
        }
        m_nLastError =
            inProgress && rc == MAILWIRE_IN_PROGRESS ? ST_ERROR_IN_PROGRESS : ST_ERROR_NONE;
        m_nStamp = NextStamp();
        m_strLastErrorDetail.clear();
        return rc;
    }

    EventSink &Sink()
    {
        if (!m_pSink) {
            m_pSink = std::make_unique<EventSink>();
            m_pSink->owner.store(static_cast<Derived *>(this));
            m_pSink->complete = &ClientBase::CompleteThunk;
        }
        return *m_pSink;
    }

    // MAILWIRE_EVENT_COMPLETE stays registered on the handle with or without a handler: the
    // object learns there that an operation's state can go.
    static bool Kept(unsigned nEventId, const std::shared_ptr<const EventSink::Handler> &handler)
    {
        return handler || nEventId == MAILWIRE_EVENT_COMPLETE;
    }

    bool SetHandler(unsigned nEventId, std::shared_ptr<const EventSink::Handler> handler)
    {
        EventSink &sink = Sink();
        const bool on = Kept(nEventId, handler);
        if (m_hClient != INVALID_CLIENT &&
            !Check(Api::RegisterEvent(m_hClient, nEventId, on ? &EventSink::OnEvent : nullptr,
                                      on ? &sink : nullptr)))
            return false;
        sink.handlers[nEventId] = std::move(handler);
        return true;
    }

    bool InstallHandlers()
    {
        EventSink &sink = Sink();
        for (unsigned ev = 1; ev < MAILWIRE_EVENT_MAX; ++ev)
            if (Kept(ev, sink.handlers[ev]) &&
                !Check(Api::RegisterEvent(m_hClient, ev, &EventSink::OnEvent, &sink)))
                return false;
        if (sink.trace && !Check(Api::SetTrace(m_hClient, &EventSink::OnTrace, &sink)))
            return false;
        return Check(0);
    }

    static void CompleteThunk(void *owner, unsigned nError, const EventSink::Handler *handler)
    {
        static_cast<ClientBase &>(*static_cast<Derived *>(owner)).Completed(nError, handler);
    }

    // MAILWIRE_EVENT_COMPLETE: the operation has ended, whoever drives the session (Execute()
    // of this object, or an event loop calling MailwireExecute() on the handle).
    void Completed(unsigned nError, const EventSink::Handler *handler)
    {
        // Out of the slot first: a handler that starts the next operation puts that one's
        // state there, and it must survive. This one lives until the handler has returned,
        // for handlers that read results held by a callable.
        std::unique_ptr<OperationState> done = std::move(m_pPending);
        const CallbackFailure *failure = nullptr;
        if (done && done->failure.Failed())
            failure = &done->failure;
        else if (m_pSink && m_pSink->failure.Failed())
            failure = &m_pSink->failure;
        if (failure) {
            // C reports the cancel the throw caused; the object and the handler see why.
            m_completeFailure = *failure; // for Execute(), whose own result comes after this
            ReportCallbackFailure(*failure, MAILWIRE_ERROR);
            if (m_pSink)
                m_pSink->failure.Reset();
            nError = ST_ERROR_CALLBACK_FAILED;
        } else {
            // Set as the starting call set IN_PROGRESS. The thread's detail text is written
            // only when MailwireExecute() returns, after this handler: a fixed text for now.
            m_nLastError = nError;
            m_nStamp = NextStamp();
            m_strLastErrorDetail = nError ? MailwireGetErrorStringA(nError) : "";
        }
        if (handler)
            (*handler)(MAILWIRE_EVENT_COMPLETE, nError);
    }

    // Is another thread inside a call made through this object?
    bool CallRunningElsewhere() const noexcept
    {
        uint32_t runner = m_nRunner.load();
        return runner != 0 && runner != MailwireGetCurrentThreadId();
    }

    // Close the session from whichever thread this is (common.h: "Closing a session from
    // another thread"): the owner's thread, another one after the owner has ended or while it
    // is idle (closed here: QUIT or LOGOUT), or while the owner is inside a call through this
    // object, which is then cancelled and frees the session as it returns. That call still
    // uses this object, and the session's callbacks point into it: wait until it has
    // returned (it returns promptly; the wait is not bounded, as the object must outlive it).
    // false when the session could not be closed (the handle is then left as it is).
    bool CloseHandle(HCLIENT h) noexcept
    {
        for (int attempt = 0;; ++attempt) {
            int rc = Api::Disconnect(h);
            unsigned err = rc == 0 ? unsigned{ST_ERROR_NONE} : MailwireGetLastError();
            WaitForCallsElsewhere();
            if (rc == 0 || err == ST_ERROR_INVALID_HANDLE) // closed, or already gone
                return true;
            // ST_ERROR_BUSY: a FREETHREAD session with a call running on another thread (one
            // made through C on the handle, or one through this object that has returned
            // since): that call was cancelled; disconnect again once it has returned. Bounded:
            // a call that ignores a cancel for 10 s is left the session.
            if (err != ST_ERROR_BUSY || attempt >= 10000)
                return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
    }

    void WaitForCallsElsewhere() const noexcept
    {
        while (CallRunningElsewhere())
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }

    template <class F> EventSink::Handler Adapt(F &&f)
    {
        using Fn = std::decay_t<F>;
        EventSink *sink = &Sink();
        // The forms taking the client load it once: it is null while the object dies, and
        // OnEvent() checked that before, but another thread may be destroying it.
        if constexpr (std::is_invocable_v<Fn &, Derived &, unsigned, unsigned>) {
            return [sink, fn = Fn(std::forward<F>(f))](unsigned ev, unsigned err) mutable {
                if (void *client = sink->owner.load())
                    fn(*static_cast<Derived *>(client), ev, err);
            };
        } else if constexpr (std::is_invocable_v<Fn &, unsigned, unsigned>) {
            return
                [fn = Fn(std::forward<F>(f))](unsigned ev, unsigned err) mutable { fn(ev, err); };
        } else if constexpr (std::is_invocable_v<Fn &, unsigned>) {
            return [fn = Fn(std::forward<F>(f))](unsigned ev, unsigned) mutable { fn(ev); };
        } else if constexpr (std::is_invocable_v<Fn &, Derived &>) {
            return [sink, fn = Fn(std::forward<F>(f))](unsigned, unsigned) mutable {
                if (void *client = sink->owner.load())
                    fn(*static_cast<Derived *>(client));
            };
        } else {
            static_assert(std::is_invocable_v<Fn &>,
                          "an event handler takes (client&, unsigned event, unsigned error), "
                          "(unsigned event, unsigned error), (unsigned event), (client&) or ()");
            return [fn = Fn(std::forward<F>(f))](unsigned, unsigned) mutable { fn(); };
        }
    }

    // OnComplete(): the error matters, the event identifier does not; the RegisterEvent()
    // forms that name both are accepted too.
    template <class F> EventSink::Handler AdaptComplete(F &&f)
    {
        using Fn = std::decay_t<F>;
        EventSink *sink = &Sink();
        if constexpr (std::is_invocable_v<Fn &, Derived &, unsigned, unsigned> ||
                      std::is_invocable_v<Fn &, unsigned, unsigned>) {
            return Adapt(std::forward<F>(f));
        } else if constexpr (std::is_invocable_v<Fn &, Derived &, unsigned>) {
            return [sink, fn = Fn(std::forward<F>(f))](unsigned, unsigned err) mutable {
                if (void *client = sink->owner.load())
                    fn(*static_cast<Derived *>(client), err);
            };
        } else if constexpr (std::is_invocable_v<Fn &, unsigned>) {
            return [fn = Fn(std::forward<F>(f))](unsigned, unsigned err) mutable { fn(err); };
        } else {
            static_assert(std::is_invocable_v<Fn &, Derived &> || std::is_invocable_v<Fn &>,
                          "a completion handler takes (client&, unsigned error), "
                          "(unsigned error), (client&) or (), or a RegisterEvent() form "
                          "(client&, unsigned event, unsigned error) or (unsigned event, "
                          "unsigned error)");
            return Adapt(std::forward<F>(f));
        }
    }

    // The destructor and move assignment, on any thread: handlers must not see a dying
    // object, the trace may still watch QUIT or LOGOUT go out.
    void Close() noexcept
    {
        if (m_pSink)
            m_pSink->owner.store(nullptr);
        if (m_hClient != INVALID_CLIENT) {
            // Closing fails only when a FREETHREAD call elsewhere outlives its cancel (see
            // CloseHandle()): the handle is left to that thread, and the sink its callbacks
            // point to is deliberately leaked rather than freed under them (so is the
            // operation's state).
            if (!CloseHandle(m_hClient)) {
                (void)m_pSink.release();
                (void)m_pPending.release();
            }
            m_hClient = INVALID_CLIENT;
        }
    }

    // Remove this object's callbacks from a handle; false when C refused (not the owner).
    bool Unhook(HCLIENT h) noexcept
    {
        bool ok = true;
        if (m_pSink) {
            for (unsigned ev = 1; ev < MAILWIRE_EVENT_MAX; ++ev)
                if (Kept(ev, m_pSink->handlers[ev]) &&
                    Api::RegisterEvent(h, ev, nullptr, nullptr) != 0)
                    ok = false;
            if (m_pSink->trace && Api::SetTrace(h, nullptr, nullptr) != 0)
                ok = false;
        }
        if (!ok)
            Fail(ST_ERROR_NOT_OWNER, "the session's callbacks could not be removed");
        return ok;
    }

    unsigned m_nLastError = 0;
    uint64_t m_nStamp = 0; // when m_nLastError was set (NextStamp()); 0: never
    std::string m_strLastErrorDetail;
    std::unique_ptr<EventSink> m_pSink;
    int m_nDepth = 0;
    // The thread inside the outermost call through this object (0: none): a thread closing
    // the object waits for it (CloseHandle()).
    std::atomic<uint32_t> m_nRunner{0};
    // What an operation's callable threw, seen by Completed() inside Execute().
    CallbackFailure m_completeFailure;
};

} // namespace detail
} // namespace mailwire

#endif // MAILWIRE_DETAIL_CLIENTBASE_HPP
