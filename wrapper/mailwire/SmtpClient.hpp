/**
 * @file SmtpClient.hpp
 * @brief CSmtpClient: the SMTP client as a header-only C++17 class over the C API of
 *        <mailwire/smtp.h>, in the shape of SocketTools' CSmtpClient.
 *
 * One method per public Smtp* function, named without the prefix and the handle argument.
 * The shared methods (GetHandle, Attach, Detach, RegisterEvent, OnComplete, SetTrace, Cancel,
 * AttachThread, GetSecurityInfo, GetPollInfo, Execute, GetSocket, GetLastError,
 * GetErrorString) are documented in detail/ClientBase.hpp.
 *
 * Reading the method comments: a method that wraps an Smtp* function names it, and that
 * function's comment in <mailwire/smtp.h> is the reference for the arguments, the errors,
 * blocking and the thread rules; the comment here says what C++ adds. Everywhere:
 *   - bool results: true on success, or when a non-blocking operation has started
 *     (IsInProgress()); false on failure, the code and its cause kept in the object
 *     (GetLastError(), GetLastErrorDetail()) as well as in the thread's last error. Methods
 *     that return an int (a reply code, a length, a count) return what C returns, and
 *     MAILWIRE_ERROR also when an event handler threw.
 *   - callables: event handlers and traces may be any callable (see RegisterEvent()). No
 *     exception crosses into the C library: a throw stops the operation and the method fails
 *     with ST_ERROR_CALLBACK_FAILED and the exception's text in GetLastErrorDetail().
 *   - text parameters are mailwire::TextArg: UTF-8 (`const char *`, std::string) or wide
 *     (`const wchar_t *`, std::wstring, CString); results and callbacks are UTF-8.
 *   - overloads returning std::string, std::vector or a struct: documented with their own
 *     parameters and results; empty (or zeroed) on failure.
 * The class itself throws only what the standard library throws (std::bad_alloc when a
 * string cannot be allocated, std::invalid_argument from a TextArg made of wchar_t text that
 * is not Unicode).
 *
 * Windows note: <windows.h> defines SendMessage as a macro; include it before this header in
 * every file that calls the method, as with SocketTools and MFC, so both sides are renamed
 * alike.
 */
#ifndef MAILWIRE_SMTPCLIENT_HPP
#define MAILWIRE_SMTPCLIENT_HPP

#include <mailwire/MailMessage.hpp>
#include <mailwire/Mailwire.hpp>
#include <mailwire/detail/ClientBase.hpp>
#include <mailwire/smtp.h>

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

/** The capabilities of the server (GetExtendedOptionsEx()). */
struct SmtpExtendedOptions {
    uint32_t options = 0;           /**< SMTP_EXTOPT_* bits (0 after HELO). */
    uint64_t sizeLimit = 0;         /**< The SIZE limit in octets, 0 when none. */
    std::vector<std::string> lines; /**< The EHLO keyword lines after the greeting line. */
};

/** The server's answer to one recipient of the last transaction (GetRecipientResults()). */
struct SmtpRecipientResult {
    std::string address;      /**< The address as given. */
    int resultCode = 0;       /**< RCPT reply code (250, 550 ...); 0 when no reply came. */
    std::string enhancedCode; /**< RFC 3463 code ("5.1.1") or "". */
    std::string resultString; /**< The reply text. */
};

namespace detail
{
/** The SMTP functions ClientBase needs. */
struct SmtpApi {
    static int Disconnect(HCLIENT h)
    {
        return SmtpDisconnect(h);
    }
    static int Cancel(HCLIENT h)
    {
        return SmtpCancel(h);
    }
    static uint32_t AttachThread(HCLIENT h, uint32_t t)
    {
        return SmtpAttachThread(h, t);
    }
    static int RegisterEvent(HCLIENT h, unsigned e, MAILWIRE_EVENTPROC p, void *u)
    {
        return SmtpRegisterEvent(h, e, p, u);
    }
    static int SetTrace(HCLIENT h, MAILWIRE_TRACEPROC p, void *u)
    {
        return SmtpSetTrace(h, p, u);
    }
    static int GetSecurityInfo(HCLIENT h, SECURITYINFOA *i)
    {
        return SmtpGetSecurityInfoA(h, i);
    }
    static int Execute(HCLIENT h)
    {
        return SmtpExecute(h);
    }
    static int GetPollInfo(HCLIENT h, MAILWIRE_SOCKET *s, unsigned *e, int *t)
    {
        return SmtpGetPollInfo(h, s, e, t);
    }
    static MAILWIRE_SOCKET GetSocket(HCLIENT h)
    {
        return SmtpGetSocket(h);
    }
    // Any SMTP call refuses a handle of the other protocol with ST_ERROR_INVALID_HANDLE.
    static bool IsOwnHandle(HCLIENT h)
    {
        return SmtpGetResultCode(h) != SMTP_ERROR ||
               MailwireGetLastError() != ST_ERROR_INVALID_HANDLE;
    }
};
} // namespace detail

/**
 * @brief An SMTP client session (RFC 5321) with ESMTP extensions, STARTTLS and SASL.
 *
 * RAII: the destructor disconnects (QUIT, then close). Move-only: a moved-from object is
 * empty and safe to destroy or reuse. Thread rules are the C layer's: the session belongs to
 * the thread that connected; SMTP_OPTION_FREETHREAD lets any thread call, one at a time;
 * AttachThread() hands the session over. Cancel() may be called from any thread.
 *
 * Destroying the object, or Disconnect(), is allowed on any thread (common.h: closing a
 * session from another thread), so a client held by a Qt or MFC window may be connected on a
 * worker thread and go with the window on the GUI thread: when no call runs on it, the
 * session is closed there (QUIT, then close), whether its owner thread has ended or not;
 * when the owner thread is inside a call through this object (a blocking SendMessage()), that
 * call is cancelled (nothing more of the message is sent), the session is freed as it
 * returns, and the destructor (or Disconnect()) waits until it has returned. The owner thread
 * must not use the object after that, as with any C++ object; nor must a C call made on
 * GetHandle() still run on another thread when the object goes.
 */
class CSmtpClient : public detail::ClientBase<CSmtpClient, detail::SmtpApi>
{
    using Base = detail::ClientBase<CSmtpClient, detail::SmtpApi>;

  public:
    /** @brief An empty client; Connect() or AsyncConnect() opens a session. Never fails. */
    CSmtpClient() noexcept = default;
    /** @brief Disconnects the session, if any (QUIT; a non-blocking session sends it without
     *         waiting), on any thread (see the class comment). Event handlers are not called
     *         any more; the trace still sees QUIT. */
    ~CSmtpClient()
    {
        // Handlers taking the client must not see it while its members go.
        CloseSession();
    }
    /** @brief Take over another client's session, handlers and last error; the other is left
     *         empty. */
    CSmtpClient(CSmtpClient &&) noexcept = default;
    /** @brief Disconnect the held session, then take over the other's. */
    CSmtpClient &operator=(CSmtpClient &&) noexcept = default;

    /** @brief SmtpInitialize() (optional; see CLibrary). @return true on success. */
    static bool Initialize() noexcept
    {
        return SmtpInitialize() != 0;
    }
    /** @brief SmtpUninitialize(): release a reference taken by Initialize(). */
    static void Uninitialize() noexcept
    {
        SmtpUninitialize();
    }

    /**
     * @brief SmtpConnect(), the session then held by the object.
     *
     * The SocketTools call form `Connect(host, port, timeout, options, NULL, WM_NULL)` compiles
     * unchanged (the last two arguments are null here) and gives a blocking session.
     * @return true when connected; false with SmtpConnect()'s error, or
     *         ST_ERROR_ALREADY_CONNECTED (nothing done) when the object already holds a session.
     */
    bool Connect(const TextArg &lpszRemoteHost, unsigned nRemotePort = 0, unsigned nTimeout = 20,
                 uint32_t dwOptions = SMTP_OPTION_NONE, const TextArg &lpszLocalName = nullptr,
                 const SECURITYCREDENTIALSA *lpCredentials = nullptr)
    {
        return RefuseIfConnected() && Open(SmtpConnectA(lpszRemoteHost, nRemotePort, nTimeout,
                                                        dwOptions, lpszLocalName, lpCredentials));
    }

    /**
     * @brief The SocketTools form with a notification window: `Connect(host, port, timeout,
     *        options, hEventWnd, uEventMsg)` with an HWND variable compiles unchanged.
     *
     * A null window gives a blocking Connect(). On Windows a window makes the session
     * asynchronous with window messages: AsyncConnect() followed by EnableEvents(hEventWnd,
     * uEventMsg); the call returns at once (IsInProgress() set) and the window then receives
     * uEventMsg with wParam = the handle and lParam = MAKELPARAM(event, error) for each event,
     * SMTP_EVENT_CONNECT and SMTP_EVENT_COMPLETE ending the connect (see SmtpEnableEvents()).
     * Elsewhere a window fails with ST_ERROR_NOT_SUPPORTED and nothing is sent.
     * @param lpszRemoteHost as Connect(). @param nRemotePort as Connect().
     * @param nTimeout as Connect(). @param dwOptions as Connect().
     * @param hEventWnd the notification window (an HWND of the calling thread), or null.
     * @param uEventMsg the notification message (WM_USER or above); ignored without a window.
     * @return true when connected (null window) or when the connection has started (window);
     *         false with the error of Connect(), AsyncConnect() or EnableEvents() (after a
     *         failed EnableEvents() the object holds no session).
     * @par Blocking: with a null window yes; with a window no.
     * @par Thread: any; with a window the thread that owns it.
     */
    template <class Window,
              class = std::enable_if_t<!std::is_same_v<std::remove_cv_t<Window>, char> &&
                                       !std::is_same_v<std::remove_cv_t<Window>, wchar_t>>>
    bool Connect(const TextArg &lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                 uint32_t dwOptions, Window *hEventWnd, unsigned uEventMsg)
    {
        if (hEventWnd == nullptr)
            return Connect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions);
#ifdef _WIN32
        if (!AsyncConnect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions))
            return false;
        if (!EnableEvents(hEventWnd, uEventMsg)) {
            unsigned err = GetLastError();
            std::string detail = GetLastErrorDetail();
            Disconnect();
            return Fail(err, detail.c_str());
        }
        Fail(ST_ERROR_IN_PROGRESS, nullptr);
        return true;
#else
        (void)uEventMsg;
        return Fail(ST_ERROR_NOT_SUPPORTED,
                    "window-message notification exists on Windows only; use AsyncConnect() "
                    "and RegisterEvent()");
#endif
    }

#ifdef _WIN32
    /**
     * @brief SmtpEnableEvents(): the session becomes asynchronous, driven by the library from
     *        this thread's message loop, and its events are posted to @p hEventWnd as
     *        @p uEventMsg (wParam = GetHandle(), lParam = MAKELPARAM(event, error)). Windows
     *        only.
     *
     * Handlers installed with RegisterEvent() still run (inside the library, before the
     * message is handled). The MFC form: `ON_MESSAGE(WM_APP + 1, &CMyDlg::OnMailEvent)`.
     * @param hEventWnd an HWND of the calling thread (any pointer type that is one).
     * @param uEventMsg the message posted (WM_USER, WM_APP or above).
     * @return true on success; false with SmtpEnableEvents()'s error.
     * @par Blocking: no.
     * @par Thread: the owner, which owns the window.
     */
    template <class Window> bool EnableEvents(Window *hEventWnd, unsigned uEventMsg)
    {
        // HWND is `struct HWND__ *` under STRICT, and void * without it.
        auto *wnd = static_cast<struct HWND__ *>(static_cast<void *>(hEventWnd));
        return Check(SmtpEnableEvents(m_hClient, wnd, uEventMsg));
    }

    /**
     * @brief SmtpDisableEvents(): back to a blocking session (Windows only).
     * @return true on success; false with SmtpDisableEvents()'s error (ST_ERROR_BUSY while an
     *         operation runs).
     * @par Blocking: no.
     * @par Thread: the owner.
     */
    bool DisableEvents()
    {
        return Check(SmtpDisableEvents(m_hClient));
    }
#endif

    /**
     * @brief Connect() with W credentials (SmtpCreateSecurityCredentialsW(), or what a
     *        UNICODE build calls SECURITYCREDENTIALS); other arguments as Connect().
     * @return as Connect().
     */
    template <class Cred, detail::IfWideCredentials<Cred> = 0>
    bool Connect(const TextArg &lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                 uint32_t dwOptions, const TextArg &lpszLocalName, const Cred *lpCredentials)
    {
        detail::NarrowCredentials c(lpCredentials);
        return Connect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, lpszLocalName, c.Get());
    }

    /**
     * @brief SmtpAsyncConnect(), the session then held by the object; arguments as Connect().
     *        Handlers registered before are installed at once, so the CONNECT event reaches
     *        them.
     *
     * Drive the session from an event loop (mailwire::QtDriver in <mailwire/adapters/qt.hpp>,
     * or MailwireSetWatch() and MailwireExecute()) and chain the operations in OnComplete(),
     * or pump it with GetPollInfo(), a poll of the socket and Execute() until Execute()
     * returns 0 or MAILWIRE_ERROR; later calls that start an operation return true with
     * IsInProgress() set and are driven the same way. A message given to SendMessage() is not
     * copied: it must stay valid until the operation has completed.
     * @return true when the connection has started (IsInProgress() set); false on an immediate
     *         failure, ST_ERROR_ALREADY_CONNECTED included.
     */
    bool AsyncConnect(const TextArg &lpszRemoteHost, unsigned nRemotePort = 0,
                      unsigned nTimeout = 20, uint32_t dwOptions = SMTP_OPTION_NONE,
                      const TextArg &lpszLocalName = nullptr,
                      const SECURITYCREDENTIALSA *lpCredentials = nullptr)
    {
        if (!RefuseIfConnected() ||
            !Open(SmtpAsyncConnectA(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, lpszLocalName,
                                    lpCredentials)))
            return false;
        Fail(ST_ERROR_IN_PROGRESS, nullptr);
        return true;
    }

    /** @brief AsyncConnect() with W credentials (as the Connect() form above).
     *  @return as AsyncConnect(). */
    template <class Cred, detail::IfWideCredentials<Cred> = 0>
    bool AsyncConnect(const TextArg &lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                      uint32_t dwOptions, const TextArg &lpszLocalName, const Cred *lpCredentials)
    {
        detail::NarrowCredentials c(lpCredentials);
        return AsyncConnect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, lpszLocalName,
                            c.Get());
    }

    /** @brief SmtpAuthenticate(). The C call takes the type first; here it comes last and
     *         defaults to SMTP_AUTH_AUTO (the strongest mechanism offered). */
    bool Authenticate(const TextArg &lpszUserName, const TextArg &lpszPassword,
                      unsigned nAuthType = SMTP_AUTH_AUTO)
    {
        return Call(
            [&] { return SmtpAuthenticateA(m_hClient, nAuthType, lpszUserName, lpszPassword); });
    }

    /**
     * @brief SmtpDisconnect(), on any thread (see the class comment); on success the object is
     *        empty. A running non-blocking operation ends with SMTP_EVENT_COMPLETE and
     *        ST_ERROR_CANCELLED first.
     * @return true on success; false with SmtpDisconnect()'s error (INVALID_HANDLE when the
     *         object holds no session).
     */
    bool Disconnect()
    {
        return DoDisconnect();
    }

    /** @brief SmtpSendMessage(). */
    bool SendMessage(const TextArg &lpszFrom, const TextArg &lpszRecipients, const void *lpvMessage,
                     std::size_t cbMessage, uint32_t dwOptions)
    {
        return Call([&] {
            return SmtpSendMessageA(m_hClient, lpszFrom, lpszRecipients, lpvMessage, cbMessage,
                                    dwOptions);
        });
    }

    /**
     * @brief SmtpSendMessages(): several messages over this session, the next one's envelope
     *        pipelined behind the current one's data; each element receives its own result.
     * @param lpMessages the messages (dwSize set in each); kept valid until the operation
     *                   has ended (on a non-blocking session, its COMPLETE event).
     * @param nMessages  how many.
     * @return true when every message was accepted (or, non-blocking, the batch started:
     *         IsInProgress()); false with the error of the first that failed, or of the call.
     */
    bool SendMessages(LPSMTPBATCHMESSAGE lpMessages, unsigned nMessages)
    {
        return Call([&] { return SmtpSendMessages(m_hClient, lpMessages, nMessages, 0); });
    }

    /**
     * @brief Send a message held in memory (SmtpSendMessage() with SMTP_MESSAGE_MEMORY); any
     *        bytes, NULs excepted.
     * @param lpszFrom       as SmtpSendMessage().
     * @param lpszRecipients as SmtpSendMessage().
     * @param message        the whole message (header and body).
     * @return as SendMessage().
     */
    bool SendMessage(const TextArg &lpszFrom, const TextArg &lpszRecipients,
                     std::string_view message)
    {
        // A length of 0 means "NUL-terminated" to C; an empty view may not point at a NUL.
        const char *data = message.empty() ? "" : message.data();
        return SendMessage(lpszFrom, lpszRecipients, data, message.size(), SMTP_MESSAGE_MEMORY);
    }

    /**
     * @brief Send a message stored in a file, streamed in constant memory (SmtpSendMessage() with
     *        SMTP_MESSAGE_FILE).
     * @param lpszFrom       as SmtpSendMessage().
     * @param lpszRecipients as SmtpSendMessage().
     * @param lpszFileName   the file (UTF-8 path).
     * @return as SendMessage().
     */
    bool SendMessageFile(const TextArg &lpszFrom, const TextArg &lpszRecipients,
                         const TextArg &lpszFileName)
    {
        return SendMessage(lpszFrom, lpszRecipients, lpszFileName, 0, SMTP_MESSAGE_FILE);
    }

    /**
     * @brief Send a message object on this session (SmtpSendMimeMessage()): streamed as the
     *        connection takes it, PROGRESS events counting against the size known before the
     *        first byte (register a handler with RegisterEvent(SMTP_EVENT_PROGRESS, ...) and
     *        read GetTransferStatus()); on a non-blocking session it returns true with
     *        IsInProgress() and ends with the COMPLETE event (OnComplete()).
     * @param message        the message; the send holds its own reference, so the object
     *                       may be destroyed meanwhile (it cannot be changed until the end). A
     *                       message with a compose error (CMailMessage::GetComposeError())
     *                       fails with that error, nothing sent.
     * @param lpszFrom       envelope sender, or nullptr for the message's From (or Sender).
     * @param lpszRecipients envelope recipients, or nullptr for To, Cc and Bcc.
     * @param dwOptions      0, MIME_EXPORT_8BIT, MIME_EXPORT_UTF8 (as SmtpSendMimeMessage()).
     * @return as SmtpSendMimeMessage().
     */
    bool SendMessage(const CMailMessage &message, const TextArg &lpszFrom = nullptr,
                     const TextArg &lpszRecipients = nullptr, uint32_t dwOptions = 0)
    {
        if (message.GetComposeError() != ST_ERROR_NONE)
            return Fail(message.GetComposeError(), message.GetComposeErrorDetail().c_str());
        return Call([&] {
            return SmtpSendMimeMessageA(m_hClient, message.GetHandle(), lpszFrom, lpszRecipients,
                                        dwOptions);
        });
    }

    /**
     * @brief SmtpSubmitMessage(): connect, authenticate, compose, send and quit; no object is
     *        needed.
     * @return true when the server accepted the message; false with the thread's last error
     *         (mailwire::GetLastError()). The outcome is also what GetLastError() and
     *         GetLastErrorDetail() of any CSmtpClient give on this thread until its next call
     *         (so `client.SubmitMessage(...)` then `client.GetLastError()` works as in
     *         SocketTools).
     */
    static bool SubmitMessage(const SMTPSERVERA &server, const SMTPMESSAGEA &message)
    {
        return RecordStatic(SmtpSubmitMessageA(&server, &message));
    }

    /** @brief SubmitMessage() with the W structures (what a UNICODE build calls SMTPSERVER and
     *  SMTPMESSAGE): SmtpSubmitMessageW(). @return as above. */
    static bool SubmitMessage(const SMTPSERVERW &server, const SMTPMESSAGEW &message)
    {
        return RecordStatic(SmtpSubmitMessageW(&server, &message));
    }

    /** @brief SubmitMessageEx() with the W structures and credentials, without a trace:
     *  SmtpSubmitMessageExW(). @return as SubmitMessage(). */
    static bool SubmitMessageEx(const SMTPSERVERW &server, const SMTPMESSAGEW &message,
                                const SECURITYCREDENTIALSW *lpCredentials)
    {
        return RecordStatic(
            SmtpSubmitMessageExW(&server, &message, lpCredentials, nullptr, nullptr));
    }

    /** @brief SubmitMessage() of a CMailMessage (SmtpSubmitMimeMessage()); a message with a
     *  compose error (CMailMessage::GetComposeError()) fails with it, nothing sent.
     *  @return as above. */
    static bool SubmitMessage(const SMTPSERVERA &server, const CMailMessage &message)
    {
        return SubmitMessageEx(server, message, nullptr);
    }

    /**
     * @brief SmtpSubmitMessageEx() from a CMailMessage builder, the trace any callable.
     * @param server        as SmtpSubmitMessageEx().
     * @param message       the message.
     * @param lpCredentials as SmtpSubmitMessageEx().
     * @param trace         a callable `(unsigned nDirection, std::string_view data)` that sees
     *                      the dialogue (secrets redacted), or nullptr. If it throws, the
     *                      submission is cancelled and the call fails with
     *                      ST_ERROR_CALLBACK_FAILED.
     * @return as SubmitMessage().
     */
    template <class Trace = std::nullptr_t>
    static bool SubmitMessageEx(const SMTPSERVERA &server, const CMailMessage &message,
                                const SECURITYCREDENTIALSA *lpCredentials, Trace &&trace = nullptr)
    {
        if (message.GetComposeError() != ST_ERROR_NONE)
            return RecordStaticError(message.GetComposeError(),
                                     message.GetComposeErrorDetail().c_str());
        if constexpr (std::is_same_v<std::decay_t<Trace>, std::nullptr_t>) {
            return RecordStatic(SmtpSubmitMimeMessageA(&server, message.GetHandle(), lpCredentials,
                                                       nullptr, nullptr));
        } else {
            detail::EventSink sink;
            sink.trace =
                std::make_shared<const detail::EventSink::TraceHandler>(std::forward<Trace>(trace));
            int rc = SmtpSubmitMimeMessageA(&server, message.GetHandle(), lpCredentials,
                                            &detail::EventSink::OnTrace, &sink);
            if (sink.failure.Failed()) {
                std::string detail = "a callback threw: ";
                detail += sink.failure.What();
                return RecordStaticError(ST_ERROR_CALLBACK_FAILED, detail.c_str());
            }
            return RecordStatic(rc);
        }
    }

    /** @brief SubmitMessageEx() with a C message structure. @return as SubmitMessage(). */
    template <class Trace = std::nullptr_t>
    static bool SubmitMessageEx(const SMTPSERVERA &server, const SMTPMESSAGEA &message,
                                const SECURITYCREDENTIALSA *lpCredentials, Trace &&trace = nullptr)
    {
        if constexpr (std::is_same_v<std::decay_t<Trace>, std::nullptr_t>) {
            return RecordStatic(
                SmtpSubmitMessageExA(&server, &message, lpCredentials, nullptr, nullptr));
        } else {
            detail::EventSink sink;
            sink.trace =
                std::make_shared<const detail::EventSink::TraceHandler>(std::forward<Trace>(trace));
            int rc = SmtpSubmitMessageExA(&server, &message, lpCredentials,
                                          &detail::EventSink::OnTrace, &sink);
            if (sink.failure.Failed()) {
                std::string detail = "a callback threw: ";
                detail += sink.failure.What();
                return RecordStaticError(ST_ERROR_CALLBACK_FAILED, detail.c_str());
            }
            return RecordStatic(rc);
        }
    }

    /** @brief SmtpCreateMessage(). */
    bool CreateMessage(const TextArg &lpszFrom, uint64_t qwMessageSize = 0, uint32_t dwOptions = 0)
    {
        return Call(
            [&] { return SmtpCreateMessageA(m_hClient, lpszFrom, qwMessageSize, dwOptions); });
    }

    /** @brief SmtpAddRecipient(). */
    bool AddRecipient(const TextArg &lpszAddress)
    {
        return Call([&] { return SmtpAddRecipientA(m_hClient, lpszAddress); });
    }

    /** @brief SmtpWrite(). */
    bool Write(const void *lpBuffer, std::size_t cbBuffer)
    {
        return Call([&] { return SmtpWrite(m_hClient, lpBuffer, cbBuffer); });
    }

    /** @brief Write() of a string. @param data the bytes. @return as Write(). */
    bool Write(std::string_view data)
    {
        return Write(data.data(), data.size());
    }

    /** @brief SmtpCloseMessage(). */
    bool CloseMessage()
    {
        return Call([&] { return SmtpCloseMessage(m_hClient); });
    }

    /** @brief SmtpGetExtendedOptions(). */
    bool GetExtendedOptions(uint32_t &dwOptions)
    {
        return Check(SmtpGetExtendedOptions(m_hClient, &dwOptions));
    }

    /** @return the extension bits; 0 on failure too (see GetLastError()). */
    uint32_t GetExtendedOptions()
    {
        uint32_t options = 0;
        return GetExtendedOptions(options) ? options : 0;
    }

    /**
     * @brief SmtpGetExtendedOptionsEx() into a struct, the EHLO lines split into a vector.
     * @param info receives them (emptied first).
     * @return true on success; false with SmtpGetExtendedOptionsEx()'s error.
     */
    bool GetExtendedOptionsEx(SmtpExtendedOptions &info)
    {
        const char *lines = nullptr;
        info = SmtpExtendedOptions{};
        if (!Check(SmtpGetExtendedOptionsExA(m_hClient, &info.options, &info.sizeLimit, &lines)))
            return false;
        for (std::string_view rest = lines ? lines : ""; !rest.empty();) {
            std::size_t nl = rest.find('\n');
            info.lines.emplace_back(rest.substr(0, nl));
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
        return true;
    }

    /** @return the SmtpExtendedOptions of the session; empty on failure. */
    SmtpExtendedOptions GetExtendedOptionsEx()
    {
        SmtpExtendedOptions info;
        GetExtendedOptionsEx(info);
        return info;
    }

    /** @brief SmtpSetDeliveryOptions(). */
    bool SetDeliveryOptions(uint32_t dwOptions, const TextArg &lpszEnvelopeId = nullptr)
    {
        return Check(SmtpSetDeliveryOptionsA(m_hClient, dwOptions, lpszEnvelopeId));
    }

    /** @brief SmtpReset(). */
    bool Reset()
    {
        return Call([&] { return SmtpReset(m_hClient); });
    }

    /** @brief SmtpVerifyAddress(). */
    bool VerifyAddress(const TextArg &lpszAddress)
    {
        return Call([&] { return SmtpVerifyAddressA(m_hClient, lpszAddress); });
    }

    /** @brief SmtpExpandAddress(). */
    bool ExpandAddress(const TextArg &lpszAddress, char *lpszBuffer, std::size_t cbBuffer)
    {
        return Call(
            [&] { return SmtpExpandAddressA(m_hClient, lpszAddress, lpszBuffer, cbBuffer); });
    }

    /** @brief ExpandAddress() into a string. @param lpszAddress the list.
     *  @param members receives the reply lines, LF-separated, whatever their length.
     *  @return as ExpandAddress(). */
    bool ExpandAddress(const TextArg &lpszAddress, std::string &members)
    {
        if (!ExpandAddress(lpszAddress, nullptr, 0))
            return false;
        members = GetResultString();
        return true;
    }

    /** @brief SmtpCommand(). @return the reply code as SmtpCommand() returns it (a negative
     *  reply is not an error here), MAILWIRE_IN_PROGRESS, or MAILWIRE_ERROR. */
    int Command(const TextArg &lpszCommand)
    {
        return CallInt([&] { return SmtpCommandA(m_hClient, lpszCommand); }, true);
    }

    /** @brief SmtpGetResultCode(). */
    int GetResultCode()
    {
        return CallInt([&] { return SmtpGetResultCode(m_hClient); });
    }

    /** @brief SmtpGetResultString(). */
    int GetResultString(char *lpszResult, std::size_t cbResult)
    {
        return CallInt([&] { return SmtpGetResultStringA(m_hClient, lpszResult, cbResult); });
    }

    /** @return the last reply's text (lines joined by LF), whatever its length; "" on
     *  failure. */
    std::string GetResultString()
    {
        int n = GetResultString(nullptr, 0);
        if (n <= 0)
            return std::string();
        std::string text(static_cast<std::size_t>(n) + 1, '\0');
        n = GetResultString(&text[0], text.size());
        text.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
        return text;
    }

    /** @brief SmtpGetTransferStatus(); status is zeroed and its dwSize set by the method. */
    bool GetTransferStatus(SMTPTRANSFERSTATUS &status)
    {
        status = SMTPTRANSFERSTATUS{};
        status.dwSize = sizeof status;
        return Check(SmtpGetTransferStatus(m_hClient, &status));
    }

    /** @return SmtpGetTransferStatus()'s figures; zeroed on failure. */
    SMTPTRANSFERSTATUS GetTransferStatus()
    {
        SMTPTRANSFERSTATUS status{};
        GetTransferStatus(status);
        return status;
    }

    /** @brief SmtpGetRecipientCount(). */
    int GetRecipientCount()
    {
        return CallInt([&] { return SmtpGetRecipientCount(m_hClient); });
    }

    /**
     * @brief SmtpGetRecipientResult() into a struct of copies (valid after the next call).
     * @param nIndex 0 to GetRecipientCount() - 1.
     * @param result receives it.
     * @return true on success; false with SmtpGetRecipientResult()'s error.
     */
    bool GetRecipientResult(unsigned nIndex, SmtpRecipientResult &result)
    {
        SMTPRECIPIENTA r{};
        r.dwSize = sizeof r;
        if (!Check(SmtpGetRecipientResultA(m_hClient, nIndex, &r)))
            return false;
        result.address = r.lpszAddress ? r.lpszAddress : "";
        result.resultCode = r.nResultCode;
        result.enhancedCode = r.szEnhancedCode;
        result.resultString = r.lpszResultString ? r.lpszResultString : "";
        return true;
    }

    /** @return every recipient's answer of the last transaction; empty on failure. */
    std::vector<SmtpRecipientResult> GetRecipientResults()
    {
        std::vector<SmtpRecipientResult> out;
        int n = GetRecipientCount();
        for (int i = 0; i < n; ++i) {
            SmtpRecipientResult r;
            if (!GetRecipientResult(static_cast<unsigned>(i), r))
                break;
            out.push_back(std::move(r));
        }
        return out;
    }

    /** @brief SmtpCreateSecurityCredentials() (see also the RAII CSecurityCredentials).
     *  @return true on success; false with the thread's last error. Not recorded for
     *          GetLastError() of the objects (noexcept, and not a call on a session). */
    static bool CreateSecurityCredentials(uint32_t dwOptions, const TextArg &lpszCertificateFile,
                                          const TextArg &lpszPrivateKeyFile,
                                          const TextArg &lpszPassword, const TextArg &lpszCAFile,
                                          LPSECURITYCREDENTIALSA *lppCredentials) noexcept
    {
        return SmtpCreateSecurityCredentialsA(dwOptions, lpszCertificateFile, lpszPrivateKeyFile,
                                              lpszPassword, lpszCAFile, lppCredentials) == 0;
    }

    /** @brief SmtpCreateSecurityCredentialsW(): wchar_t paths, a SECURITYCREDENTIALSW (what a
     *  UNICODE build calls SECURITYCREDENTIALS). @return as the UTF-8 form. */
    static bool CreateSecurityCredentials(uint32_t dwOptions, const wchar_t *lpszCertificateFile,
                                          const wchar_t *lpszPrivateKeyFile,
                                          const wchar_t *lpszPassword, const wchar_t *lpszCAFile,
                                          LPSECURITYCREDENTIALSW *lppCredentials) noexcept
    {
        return SmtpCreateSecurityCredentialsW(dwOptions, lpszCertificateFile, lpszPrivateKeyFile,
                                              lpszPassword, lpszCAFile, lppCredentials) == 0;
    }

    /** @brief SmtpDeleteSecurityCredentialsW(). */
    static void DeleteSecurityCredentials(LPSECURITYCREDENTIALSW lpCredentials) noexcept
    {
        SmtpDeleteSecurityCredentialsW(lpCredentials);
    }

    /** @brief SmtpDeleteSecurityCredentials(). */
    static void DeleteSecurityCredentials(LPSECURITYCREDENTIALSA lpCredentials) noexcept
    {
        SmtpDeleteSecurityCredentialsA(lpCredentials);
    }
};

} // namespace mailwire

#ifndef MAILWIRE_NO_GLOBAL_NAMES
/** SocketTools code names the classes without a namespace. Define MAILWIRE_NO_GLOBAL_NAMES to
 *  keep them in namespace mailwire only. */
using mailwire::CMailMessage;
using mailwire::CSmtpClient;
#endif

#endif // MAILWIRE_SMTPCLIENT_HPP
