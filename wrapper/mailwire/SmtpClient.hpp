/**
 * @file SmtpClient.hpp
 * @brief CSmtpClient: the SMTP client as a header-only C++17 class over the C API of
 *        <mailwire/smtp.h>, in the shape of SocketTools' CSmtpClient.
 *
 * One method per public Smtp* function, named without the prefix and the handle argument.
 * Methods return true on success (or when a non-blocking operation has started: see
 * IsInProgress()) and false on failure, keeping the error for GetLastError() and
 * GetLastErrorDetail(). Methods that produce data also have overloads returning std::string,
 * std::vector or small structs. The shared methods (GetHandle, Attach, Detach, RegisterEvent,
 * SetTrace, Cancel, AttachThread, GetSecurityInfo, GetPollInfo, Execute, GetSocket,
 * GetLastError, GetErrorString) are documented in detail/ClientBase.hpp.
 *
 * No exception crosses into the C library: callables given to the class are wrapped in
 * thunks that catch everything (see RegisterEvent()). The class itself throws only what the
 * standard library throws (std::bad_alloc when a string cannot be allocated).
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
    static int GetSecurityInfo(HCLIENT h, SECURITYINFO *i)
    {
        return SmtpGetSecurityInfo(h, i);
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
 */
class CSmtpClient : public detail::ClientBase<CSmtpClient, detail::SmtpApi>
{
    using Base = detail::ClientBase<CSmtpClient, detail::SmtpApi>;

  public:
    /** @brief An empty client; Connect() or AsyncConnect() opens a session. Never fails. */
    CSmtpClient() noexcept = default;
    /** @brief Disconnects the session, if any (QUIT on a blocking session). Event handlers
     *         are not called any more; the trace still sees QUIT. If the disconnect is
     *         refused (another thread owns the session or is inside a call on it) the handle
     *         is detached and left to that thread. */
    ~CSmtpClient() = default;
    /** @brief Take over another client's session, handlers and last error; the other is left
     *         empty. */
    CSmtpClient(CSmtpClient &&) noexcept = default;
    /** @brief Disconnect the held session, then take over the other's. */
    CSmtpClient &operator=(CSmtpClient &&) noexcept = default;

    /**
     * @brief SmtpInitialize(): take a reference on the library (optional; see CLibrary).
     * @return true on success. @par Blocking: no. @par Thread: any.
     */
    static bool Initialize() noexcept
    {
        return SmtpInitialize() != 0;
    }
    /** @brief SmtpUninitialize(): release a reference taken by Initialize().
     *  @par Blocking: no. @par Thread: any. */
    static void Uninitialize() noexcept
    {
        SmtpUninitialize();
    }

    /**
     * @brief Connect: greeting, EHLO (or HELO), STARTTLS when asked (SmtpConnect()).
     *
     * The SocketTools call form `Connect(host, port, timeout, options, NULL, WM_NULL)`
     * compiles unchanged (the last two arguments are null here) and gives a blocking session.
     * @param lpszRemoteHost host name or IP address; copied.
     * @param nRemotePort    port, 0 for the default (25, or 465 with
     *                       SMTP_OPTION_SECURE_IMPLICIT; 587 implies SMTP_OPTION_EXTENDED).
     * @param nTimeout       seconds to wait for each step and later each reply (0: 20).
     * @param dwOptions      SMTP_OPTION_* bits: EXTENDED, SECURE (mandatory STARTTLS),
     *                       SECURE_IMPLICIT, TRUSTEDSITE, FREETHREAD, ALLOW_CLEARTEXT_AUTH...
     * @param lpszLocalName  name announced in EHLO/HELO, or nullptr for the system's name.
     * @param lpCredentials  TLS client credentials, extra CA file or pin, or nullptr; copied.
     * @return true when connected; false with the error (ST_ERROR_ALREADY_CONNECTED when the
     *         object holds a session; otherwise SmtpConnect()'s: RESOLVE_FAILED,
     *         CONNECT_REFUSED, CERTIFICATE_REJECTED, STARTTLS_UNAVAILABLE, TIMEOUT...).
     * @par Blocking: yes, up to nTimeout per step. @par Thread: any; the session then
     *      belongs to the calling thread.
     */
    bool Connect(const char *lpszRemoteHost, unsigned nRemotePort = 0, unsigned nTimeout = 20,
                 uint32_t dwOptions = SMTP_OPTION_NONE, const char *lpszLocalName = nullptr,
                 const SECURITYCREDENTIALS *lpCredentials = nullptr)
    {
        return RefuseIfConnected() && Open(SmtpConnect(lpszRemoteHost, nRemotePort, nTimeout,
                                                       dwOptions, lpszLocalName, lpCredentials));
    }

    /**
     * @brief The SocketTools form with a notification window: `Connect(host, port, timeout,
     *        options, hEventWnd, uEventMsg)` with an HWND variable compiles unchanged.
     *
     * Window-message notification (deprecated in SocketTools itself) is not provided: a null
     * window gives a blocking Connect(); any other window fails with ST_ERROR_NOT_SUPPORTED and
     * nothing is sent. Use AsyncConnect() with RegisterEvent() instead, or post window messages
     * from an event handler.
     * @param lpszRemoteHost as Connect(). @param nRemotePort as Connect().
     * @param nTimeout as Connect(). @param dwOptions as Connect().
     * @param hEventWnd the notification window; must be null.
     * @param uEventMsg the notification message; ignored.
     * @return as Connect(). @par Blocking: yes. @par Thread: any.
     */
    template <class Window,
              class = std::enable_if_t<!std::is_same_v<std::remove_cv_t<Window>, char>>>
    bool Connect(const char *lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                 uint32_t dwOptions, Window *hEventWnd, unsigned uEventMsg)
    {
        (void)uEventMsg;
        if (hEventWnd != nullptr)
            return Fail(ST_ERROR_NOT_SUPPORTED,
                        "window-message notification is not available; use AsyncConnect() "
                        "and RegisterEvent()");
        return Connect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions);
    }

    /**
     * @brief Start a non-blocking connection (SmtpAsyncConnect()); same arguments as
     *        Connect(). Registered handlers are installed at once, so the CONNECT event
     *        reaches them.
     *
     * Drive the session with GetPollInfo(), a poll of the socket and Execute() until Execute()
     * returns 0 or MAILWIRE_ERROR; later calls that start an operation return true with
     * IsInProgress() set and are driven the same way.
     * @return true when the connection has started; false on an immediate failure
     *         (INVALID_ARGUMENT, OUT_OF_MEMORY, CREDENTIALS, ALREADY_CONNECTED).
     * @par Blocking: no. @par Thread: any; the session belongs to the calling thread.
     */
    bool AsyncConnect(const char *lpszRemoteHost, unsigned nRemotePort = 0, unsigned nTimeout = 20,
                      uint32_t dwOptions = SMTP_OPTION_NONE, const char *lpszLocalName = nullptr,
                      const SECURITYCREDENTIALS *lpCredentials = nullptr)
    {
        if (!RefuseIfConnected() ||
            !Open(SmtpAsyncConnect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, lpszLocalName,
                                   lpCredentials)))
            return false;
        Fail(ST_ERROR_IN_PROGRESS, nullptr);
        return true;
    }

    /**
     * @brief Authenticate with SASL (SmtpAuthenticate(), RFC 4954).
     * @param lpszUserName user name (the account address for the OAuth types).
     * @param lpszPassword password, or the OAuth 2.0 token for SMTP_AUTH_XOAUTH2 / BEARER.
     * @param nAuthType    SMTP_AUTH_* (default SMTP_AUTH_AUTO: the strongest offered).
     * @return true when accepted (or started, non-blocking); false with
     *         AUTHENTICATION_FAILED, INVALID_AUTHENTICATION_TYPE, CLEARTEXT_REFUSED (no
     *         credentials on a cleartext wire without SMTP_OPTION_ALLOW_CLEARTEXT_AUTH)...
     * @par Blocking: yes, up to the timeout per reply (non-blocking session: no).
     * @par Thread: the owner.
     */
    bool Authenticate(const char *lpszUserName, const char *lpszPassword,
                      unsigned nAuthType = SMTP_AUTH_AUTO)
    {
        return Call(
            [&] { return SmtpAuthenticate(m_hClient, nAuthType, lpszUserName, lpszPassword); });
    }

    /**
     * @brief QUIT, close and free the session (SmtpDisconnect()); the object is then empty.
     * @return true on success; false with INVALID_HANDLE (no session), NOT_OWNER, or BUSY
     *         (FREETHREAD: another thread's call on the session was cancelled; disconnect
     *         again once it has returned).
     * @par Blocking: waits for the QUIT reply on a blocking session.
     * @par Thread: the owner; also from an event handler of the session.
     */
    bool Disconnect()
    {
        return DoDisconnect();
    }

    /**
     * @brief Send a ready-made RFC 5322 message (SmtpSendMessage()): MAIL, RCPT for each
     *        recipient and DATA or BDAT, pipelined when the server allows.
     * @param lpszFrom       envelope sender; "" for the null reverse path.
     * @param lpszRecipients envelope recipients, comma-separated, at least one.
     * @param lpvMessage     the message bytes, or with SMTP_MESSAGE_FILE a file path.
     * @param cbMessage      their length (0: a NUL-terminated string; ignored for a file).
     * @param dwOptions      SMTP_MESSAGE_MEMORY or SMTP_MESSAGE_FILE, with SMTP_OPTION_*
     *                       transaction flags where smtp.h allows.
     * @return true when the server accepted the message (or the send started); false with
     *         INVALID_ARGUMENT, FILE, MESSAGE_TOO_LARGE, NO_VALID_RECIPIENTS,
     *         SERVER_PERMANENT / SERVER_TEMPORARY...
     * @par Blocking: yes (non-blocking session: no). @par Thread: the owner.
     */
    bool SendMessage(const char *lpszFrom, const char *lpszRecipients, const void *lpvMessage,
                     std::size_t cbMessage, uint32_t dwOptions)
    {
        return Call([&] {
            return SmtpSendMessage(m_hClient, lpszFrom, lpszRecipients, lpvMessage, cbMessage,
                                   dwOptions);
        });
    }

    /**
     * @brief Send a message held in memory; any bytes, NULs excepted (see SendMessage()).
     * @param lpszFrom       envelope sender.
     * @param lpszRecipients envelope recipients, comma-separated.
     * @param message        the whole message (header and body).
     * @return as SendMessage(). @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool SendMessage(const char *lpszFrom, const char *lpszRecipients, std::string_view message)
    {
        // A length of 0 means "NUL-terminated" to C; an empty view may not point at a NUL.
        const char *data = message.empty() ? "" : message.data();
        return SendMessage(lpszFrom, lpszRecipients, data, message.size(), SMTP_MESSAGE_MEMORY);
    }

    /**
     * @brief Send a message stored in a file, streamed in constant memory.
     * @param lpszFrom       envelope sender.
     * @param lpszRecipients envelope recipients, comma-separated.
     * @param lpszFileName   the file (UTF-8 path).
     * @return as SendMessage(). @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool SendMessageFile(const char *lpszFrom, const char *lpszRecipients, const char *lpszFileName)
    {
        return SendMessage(lpszFrom, lpszRecipients, lpszFileName, 0, SMTP_MESSAGE_FILE);
    }

    /**
     * @brief Compose and submit a message in one call (SmtpSubmitMessage()): connect,
     *        authenticate, compose RFC 5322 + MIME, send, quit. No object is needed.
     * @param server  host, port, user, password, timeout and SMTP_OPTION_* flags.
     * @param message the message structure.
     * @return true when the server accepted the message; false with the thread's last error
     *         (mailwire::GetLastError()): INVALID_ARGUMENT, FILE (an attachment) or the error
     *         of the connect, authenticate or send step.
     * @par Blocking: yes. @par Thread: any.
     */
    static bool SubmitMessage(const SMTPSERVER &server, const SMTPMESSAGE &message)
    {
        return SmtpSubmitMessage(&server, &message) == 0;
    }

    /** @brief SubmitMessage() from a CMailMessage builder. @return as above.
     *  @par Blocking: yes. @par Thread: any. */
    static bool SubmitMessage(const SMTPSERVER &server, const CMailMessage &message)
    {
        return SubmitMessage(server, message.Get());
    }

    /**
     * @brief SubmitMessage() with TLS credentials and a trace (SmtpSubmitMessageEx()).
     * @param server        as SubmitMessage().
     * @param message       the message.
     * @param lpCredentials client certificate, extra CA file or pin, or nullptr.
     * @param trace         a callable `(unsigned nDirection, std::string_view data)` that
     *                      sees the dialogue (secrets redacted), or nullptr. If it throws,
     *                      the submission is cancelled and the call fails with
     *                      ST_ERROR_CALLBACK_FAILED.
     * @return as SubmitMessage(). @par Blocking: yes. @par Thread: any.
     */
    template <class Trace = std::nullptr_t>
    static bool SubmitMessageEx(const SMTPSERVER &server, const CMailMessage &message,
                                const SECURITYCREDENTIALS *lpCredentials, Trace &&trace = nullptr)
    {
        return SubmitMessageEx(server, message.Get(), lpCredentials, std::forward<Trace>(trace));
    }

    /** @brief SubmitMessageEx() with a C message structure. @return as SubmitMessage().
     *  @par Blocking: yes. @par Thread: any. */
    template <class Trace = std::nullptr_t>
    static bool SubmitMessageEx(const SMTPSERVER &server, const SMTPMESSAGE &message,
                                const SECURITYCREDENTIALS *lpCredentials, Trace &&trace = nullptr)
    {
        if constexpr (std::is_same_v<std::decay_t<Trace>, std::nullptr_t>) {
            return SmtpSubmitMessageEx(&server, &message, lpCredentials, nullptr, nullptr) == 0;
        } else {
            detail::EventSink sink;
            sink.trace =
                std::make_shared<const detail::EventSink::TraceHandler>(std::forward<Trace>(trace));
            int rc = SmtpSubmitMessageEx(&server, &message, lpCredentials,
                                         &detail::EventSink::OnTrace, &sink);
            if (sink.failure.Failed()) {
                MailwireSetLastError(ST_ERROR_CALLBACK_FAILED);
                return false;
            }
            return rc == 0;
        }
    }

    /**
     * @brief Start a transaction: MAIL FROM (SmtpCreateMessage()).
     * @param lpszFrom      the envelope sender.
     * @param qwMessageSize the expected size for SIZE (0: unknown).
     * @param dwOptions     SMTP_CONTENT_8BIT and/or SMTP_CONTENT_SMTPUTF8.
     * @return true when MAIL was accepted (or sent, non-blocking); false with
     *         INVALID_ARGUMENT, NOT_SUPPORTED, MESSAGE_TOO_LARGE, BUSY, SERVER_*...
     * @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool CreateMessage(const char *lpszFrom, uint64_t qwMessageSize = 0, uint32_t dwOptions = 0)
    {
        return Call(
            [&] { return SmtpCreateMessage(m_hClient, lpszFrom, qwMessageSize, dwOptions); });
    }

    /**
     * @brief Add a recipient to the open transaction: RCPT TO (SmtpAddRecipient()).
     * @param lpszAddress one address.
     * @return true when accepted; false with SERVER_PERMANENT / SERVER_TEMPORARY when the
     *         server refused it (the transaction goes on), INVALID_ARGUMENT, BUSY...
     * @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool AddRecipient(const char *lpszAddress)
    {
        return Call([&] { return SmtpAddRecipient(m_hClient, lpszAddress); });
    }

    /**
     * @brief Append message bytes (SmtpWrite()); the first call opens DATA or BDAT. Line
     *        endings become CRLF and leading dots are doubled, across calls.
     * @param lpBuffer the bytes. @param cbBuffer their number.
     * @return true when handed to the connection; false with INVALID_ARGUMENT (a NUL, or a
     *         line over 998 octets: nothing of the buffer was sent), NO_VALID_RECIPIENTS...
     * @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool Write(const void *lpBuffer, std::size_t cbBuffer)
    {
        return Call([&] { return SmtpWrite(m_hClient, lpBuffer, cbBuffer); });
    }

    /** @brief Write() of a string. @param data the bytes. @return as Write().
     *  @par Blocking: yes (non-blocking: no). @par Thread: the owner. */
    bool Write(std::string_view data)
    {
        return Write(data.data(), data.size());
    }

    /**
     * @brief End the message and wait for the server's verdict (SmtpCloseMessage()).
     * @return true when the server accepted the message; false with SERVER_PERMANENT /
     *         SERVER_TEMPORARY, NO_VALID_RECIPIENTS, BUSY...
     * @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool CloseMessage()
    {
        return Call([&] { return SmtpCloseMessage(m_hClient); });
    }

    /**
     * @brief The server's extensions as SMTP_EXTOPT_* bits (SmtpGetExtendedOptions()).
     * @param dwOptions receives the bits (0 after HELO).
     * @return true on success; false with INVALID_HANDLE or NOT_OWNER.
     * @par Blocking: no. @par Thread: the owner.
     */
    bool GetExtendedOptions(uint32_t &dwOptions)
    {
        return Check(SmtpGetExtendedOptions(m_hClient, &dwOptions));
    }

    /** @brief The extension bits, 0 on failure (see GetLastError()).
     *  @par Blocking: no. @par Thread: the owner. */
    uint32_t GetExtendedOptions()
    {
        uint32_t options = 0;
        return GetExtendedOptions(options) ? options : 0;
    }

    /**
     * @brief Extensions, SIZE limit and the raw EHLO lines (SmtpGetExtendedOptionsEx()).
     * @param info receives them.
     * @return true on success; false with INVALID_HANDLE or NOT_OWNER.
     * @par Blocking: no. @par Thread: the owner.
     */
    bool GetExtendedOptionsEx(SmtpExtendedOptions &info)
    {
        const char *lines = nullptr;
        info = SmtpExtendedOptions{};
        if (!Check(SmtpGetExtendedOptionsEx(m_hClient, &info.options, &info.sizeLimit, &lines)))
            return false;
        for (std::string_view rest = lines ? lines : ""; !rest.empty();) {
            std::size_t nl = rest.find('\n');
            info.lines.emplace_back(rest.substr(0, nl));
            rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
        }
        return true;
    }

    /** @brief The SmtpExtendedOptions of the session (empty on failure).
     *  @par Blocking: no. @par Thread: the owner. */
    SmtpExtendedOptions GetExtendedOptionsEx()
    {
        SmtpExtendedOptions info;
        GetExtendedOptionsEx(info);
        return info;
    }

    /**
     * @brief DSN options for the following transactions (SmtpSetDeliveryOptions(), RFC 3461).
     * @param dwOptions      SMTP_NOTIFY_* | SMTP_RETURN_* | SMTP_NOTIFY_ORCPT (0 clears).
     * @param lpszEnvelopeId ENVID, or nullptr.
     * @return true on success; false with INVALID_ARGUMENT for conflicting bits or a bad
     *         ENVID. @par Blocking: no. @par Thread: the owner.
     */
    bool SetDeliveryOptions(uint32_t dwOptions, const char *lpszEnvelopeId = nullptr)
    {
        return Check(SmtpSetDeliveryOptions(m_hClient, dwOptions, lpszEnvelopeId));
    }

    /**
     * @brief RSET: abandon the open transaction (SmtpReset()).
     * @return true on success; false with SERVER_*, BUSY (the message has started)...
     * @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool Reset()
    {
        return Call([&] { return SmtpReset(m_hClient); });
    }

    /**
     * @brief VRFY an address (SmtpVerifyAddress()).
     * @param lpszAddress the address or name.
     * @return true when the server confirms it (250/251) or will try (252); false with
     *         SERVER_PERMANENT (550, or 502 when VRFY is off)...
     * @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool VerifyAddress(const char *lpszAddress)
    {
        return Call([&] { return SmtpVerifyAddress(m_hClient, lpszAddress); });
    }

    /**
     * @brief EXPN a mailing list (SmtpExpandAddress()).
     * @param lpszAddress the list. @param lpszBuffer receives the reply lines (may be
     *        nullptr). @param cbBuffer its size.
     * @return true when the server expanded it; false with SERVER_PERMANENT (most servers
     *         answer 502)... @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    bool ExpandAddress(const char *lpszAddress, char *lpszBuffer, std::size_t cbBuffer)
    {
        return Call(
            [&] { return SmtpExpandAddress(m_hClient, lpszAddress, lpszBuffer, cbBuffer); });
    }

    /** @brief ExpandAddress() into a string (the reply lines, LF-separated).
     *  @param lpszAddress the list. @param members receives the lines. @return as above.
     *  @par Blocking: yes. @par Thread: the owner. */
    bool ExpandAddress(const char *lpszAddress, std::string &members)
    {
        if (!ExpandAddress(lpszAddress, nullptr, 0))
            return false;
        members = GetResultString();
        return true;
    }

    /**
     * @brief Send one raw command line and wait for its reply (SmtpCommand()). DATA, BDAT,
     *        STARTTLS and AUTH are refused: use the dedicated methods.
     * @param lpszCommand the line, without CRLF; CR, LF and NUL are refused.
     * @return the reply code (a negative reply is not an error here), MAILWIRE_IN_PROGRESS
     *         on a non-blocking session, or MAILWIRE_ERROR (see GetLastError()).
     * @par Blocking: yes (non-blocking: no). @par Thread: the owner.
     */
    int Command(const char *lpszCommand)
    {
        return CallInt([&] { return SmtpCommand(m_hClient, lpszCommand); }, true);
    }

    /**
     * @brief Code of the last server reply (SmtpGetResultCode()).
     * @return 200-599, 0 before any reply, or MAILWIRE_ERROR.
     * @par Blocking: no. @par Thread: the owner; also from an event handler.
     */
    int GetResultCode()
    {
        return CallInt([&] { return SmtpGetResultCode(m_hClient); });
    }

    /**
     * @brief Text of the last reply (SmtpGetResultString()).
     * @param lpszResult receives it (truncated, NUL-terminated), or nullptr.
     * @param cbResult   its size.
     * @return the full length of the text, or MAILWIRE_ERROR.
     * @par Blocking: no. @par Thread: the owner; also from an event handler.
     */
    int GetResultString(char *lpszResult, std::size_t cbResult)
    {
        return CallInt([&] { return SmtpGetResultString(m_hClient, lpszResult, cbResult); });
    }

    /** @brief The last reply's text (lines joined by LF), "" on failure.
     *  @par Blocking: no. @par Thread: the owner; also from an event handler. */
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

    /**
     * @brief Progress of the message being sent (SmtpGetTransferStatus()).
     * @param status receives it (dwSize is set by the method).
     * @return true on success. @par Blocking: no. @par Thread: the owner; also from a
     *         PROGRESS handler.
     */
    bool GetTransferStatus(SMTPTRANSFERSTATUS &status)
    {
        status = SMTPTRANSFERSTATUS{};
        status.dwSize = sizeof status;
        return Check(SmtpGetTransferStatus(m_hClient, &status));
    }

    /** @brief The transfer status (zeroed on failure). @par Blocking: no.
     *  @par Thread: the owner; also from a PROGRESS handler. */
    SMTPTRANSFERSTATUS GetTransferStatus()
    {
        SMTPTRANSFERSTATUS status{};
        GetTransferStatus(status);
        return status;
    }

    /**
     * @brief Number of recipients of the last transaction with a result
     *        (SmtpGetRecipientCount()).
     * @return the count, or MAILWIRE_ERROR. @par Blocking: no. @par Thread: the owner.
     */
    int GetRecipientCount()
    {
        return CallInt([&] { return SmtpGetRecipientCount(m_hClient); });
    }

    /**
     * @brief The server's answer to one recipient (SmtpGetRecipientResult()).
     * @param nIndex 0 to GetRecipientCount() - 1.
     * @param result receives it; its strings are copies.
     * @return true on success; false with INVALID_ARGUMENT for a bad index.
     * @par Blocking: no. @par Thread: the owner.
     */
    bool GetRecipientResult(unsigned nIndex, SmtpRecipientResult &result)
    {
        SMTPRECIPIENT r{};
        r.dwSize = sizeof r;
        if (!Check(SmtpGetRecipientResult(m_hClient, nIndex, &r)))
            return false;
        result.address = r.lpszAddress ? r.lpszAddress : "";
        result.resultCode = r.nResultCode;
        result.enhancedCode = r.szEnhancedCode;
        result.resultString = r.lpszResultString ? r.lpszResultString : "";
        return true;
    }

    /** @brief Every recipient's answer of the last transaction (empty on failure).
     *  @par Blocking: no. @par Thread: the owner. */
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

    /**
     * @brief SmtpCreateSecurityCredentials(): allocate a credentials block (see also the RAII
     *        CSecurityCredentials).
     * @param dwOptions SECURITY_CREDENTIAL_* flags. @param lpszCertificateFile client
     *        certificate or nullptr. @param lpszPrivateKeyFile key or nullptr.
     *        @param lpszPassword key password or nullptr. @param lpszCAFile CA file or
     *        nullptr. @param lppCredentials receives the block; free it with
     *        DeleteSecurityCredentials().
     * @return true on success. @par Blocking: no. @par Thread: any.
     */
    static bool CreateSecurityCredentials(uint32_t dwOptions, const char *lpszCertificateFile,
                                          const char *lpszPrivateKeyFile, const char *lpszPassword,
                                          const char *lpszCAFile,
                                          LPSECURITYCREDENTIALS *lppCredentials) noexcept
    {
        return SmtpCreateSecurityCredentials(dwOptions, lpszCertificateFile, lpszPrivateKeyFile,
                                             lpszPassword, lpszCAFile, lppCredentials) == 0;
    }

    /** @brief SmtpDeleteSecurityCredentials(): free a block from CreateSecurityCredentials().
     *  @param lpCredentials the block, or nullptr. @par Blocking: no. @par Thread: any. */
    static void DeleteSecurityCredentials(LPSECURITYCREDENTIALS lpCredentials) noexcept
    {
        SmtpDeleteSecurityCredentials(lpCredentials);
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
