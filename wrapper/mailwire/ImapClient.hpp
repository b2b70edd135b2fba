/**
 * @file ImapClient.hpp
 * @brief CImapClient: the IMAP client as a header-only C++17 class over the C API of
 *        <mailwire/imap.h>, in the shape of SocketTools' CImapClient.
 *
 * One method per public Imap* function, named without the prefix and the handle argument
 * (ImapSearchCreate/Add/Free are CImapSearch; ImapGetLastError and ImapGetErrorString are
 * GetLastError() and GetErrorString()). The value types (ImapMessageInfo, ImapMailboxEntry,
 * ImapNamespace, ImapTransferStatus) and CImapSearch are in <mailwire/ImapTypes.hpp>, the
 * callback thunks in <mailwire/detail/ImapThunks.hpp>; this header includes both. The shared
 * methods (GetHandle, Attach, Detach, RegisterEvent, SetTrace, Cancel, AttachThread,
 * GetSecurityInfo, GetPollInfo, Execute, OnComplete, GetSocket, GetLastError, GetErrorString)
 * are documented in detail/ClientBase.hpp.
 *
 * Reading the method comments: a method that wraps an Imap* function names it, and that
 * function's comment in <mailwire/imap.h> is the reference for the arguments, the errors,
 * blocking, the thread rules and what a non-blocking session writes; the comment here says
 * what C++ adds. Everywhere:
 *   - bool results: true on success, or when a non-blocking operation has started
 *     (IsInProgress()); false on failure, the code and its cause kept in the object
 *     (GetLastError(), GetLastErrorDetail()) as well as in the thread's last error.
 *   - callables: where C takes a function pointer and user data, any callable; the object
 *     keeps it until the operation completes. No exception crosses into the C library: one
 *     thrown by a callable, an event handler or the trace stops the operation, and the method
 *     (or Execute(), on a non-blocking session) fails with ST_ERROR_CALLBACK_FAILED and the
 *     exception's text in GetLastErrorDetail().
 *   - text parameters are mailwire::TextArg: UTF-8 (`const char *`, std::string) or wide
 *     (`const wchar_t *`, std::wstring, CString); results and callbacks are UTF-8.
 *   - overloads returning std::string, std::vector or a struct: documented with their own
 *     parameters and results; empty (or zeroed) on failure.
 * The class itself throws only what the standard library throws (std::bad_alloc when memory
 * runs out, std::invalid_argument from a TextArg made of wchar_t text that is not Unicode).
 *
 * Windows note: <windows.h> defines GetMessage as a macro; include it before this header in
 * every file that calls the method, as with SocketTools and MFC, so both sides are renamed
 * alike.
 */
#ifndef MAILWIRE_IMAPCLIENT_HPP
#define MAILWIRE_IMAPCLIENT_HPP

#include <mailwire/ImapTypes.hpp>
#include <mailwire/MailMessage.hpp>
#include <mailwire/Mailwire.hpp>
#include <mailwire/detail/ClientBase.hpp>
#include <mailwire/detail/ImapSyncThunks.hpp>
#include <mailwire/detail/ImapThunks.hpp>
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
 * (where they run inside Execute() or MailwireExecute(), and are released when
 * IMAP_EVENT_COMPLETE reports the end: see OnComplete()); do not Detach() the session while
 * such an operation runs.
 *
 * Destroying the object, or Disconnect(), is allowed on any thread (common.h: closing a
 * session from another thread), so a client held by a Qt or MFC window may be connected on a
 * worker thread and go with the window on the GUI thread: when no call runs on it, the
 * session is closed there (LOGOUT, then close), whether its owner thread has ended or not;
 * when the owner thread is inside a call through this object, that call is cancelled, the
 * session is freed as it returns, and the destructor (or Disconnect()) waits until it has
 * returned. The owner thread must not use the object after that, as with any C++ object;
 * nor must a C call made on GetHandle() still run on another thread when the object goes.
 */
class CImapClient : public detail::ClientBase<CImapClient, detail::ImapApi>
{
    using Base = detail::ClientBase<CImapClient, detail::ImapApi>;

  public:
    /** @brief An empty client; Connect() or AsyncConnect() opens a session. Never fails. */
    CImapClient() noexcept = default;
    /** @brief Disconnects the session, if any (LOGOUT; a non-blocking session sends it
     *         without waiting), on any thread (see the class comment). Event handlers are not
     *         called any more; the trace still sees LOGOUT. */
    ~CImapClient()
    {
        // Handlers taking the client must not see it while its members go.
        CloseSession();
    }
    /** @brief Take over another client's session, handlers, pending callbacks and last
     *         error; the other is left empty. */
    CImapClient(CImapClient &&) noexcept = default;
    /** @brief Disconnect the held session, then take over the other's. */
    CImapClient &operator=(CImapClient &&) noexcept = default;

    /** @brief ImapInitialize() (optional; see CLibrary). @return true on success. */
    static bool Initialize() noexcept
    {
        return ImapInitialize() != 0;
    }
    /** @brief ImapUninitialize(): release a reference taken by Initialize(). */
    static void Uninitialize() noexcept
    {
        ImapUninitialize();
    }

    // ---- session --------------------------------------------------------------------------

    /**
     * @brief ImapConnect(), the session then held by the object.
     * @return true when connected; false with ImapConnect()'s error, or
     *         ST_ERROR_ALREADY_CONNECTED (nothing done) when the object already holds a session.
     */
    bool Connect(const TextArg &lpszRemoteHost, unsigned nRemotePort = 0, unsigned nTimeout = 20,
                 uint32_t dwOptions = IMAP_OPTION_NONE,
                 const SECURITYCREDENTIALSA *lpCredentials = nullptr)
    {
        if (!RefuseIfConnected() ||
            !Open(ImapConnectA(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, lpCredentials)))
            return false;
        m_bNonBlocking = false;
        return true;
    }

    /**
     * @brief Connect() with W credentials (ImapConnectW()'s, or what a UNICODE build calls
     *        SECURITYCREDENTIALS); other arguments as Connect().
     * @return as Connect().
     */
    template <class Cred, detail::IfWideCredentials<Cred> = 0>
    bool Connect(const TextArg &lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                 uint32_t dwOptions, const Cred *lpCredentials)
    {
        detail::NarrowCredentials c(lpCredentials);
        return Connect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, c.Get());
    }

    /** @brief AsyncConnect() with W credentials (as the Connect() form above).
     *  @return as AsyncConnect(). */
    template <class Cred, detail::IfWideCredentials<Cred> = 0>
    bool AsyncConnect(const TextArg &lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                      uint32_t dwOptions, const Cred *lpCredentials)
    {
        detail::NarrowCredentials c(lpCredentials);
        return AsyncConnect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, c.Get());
    }

    /**
     * @brief ImapAsyncConnect(), the session then held by the object; arguments as Connect().
     *        Handlers registered before are installed at once, so the CONNECT event reaches
     *        them.
     *
     * Drive the session from an event loop (mailwire::QtDriver in <mailwire/adapters/qt.hpp>,
     * or MailwireSetWatch() and MailwireExecute()) and chain the operations in OnComplete(),
     * or pump it with GetPollInfo(), a poll of the socket and Execute() until Execute()
     * returns 0 or MAILWIRE_ERROR; later calls that start an operation return true with
     * IsInProgress() set and are driven the same way. Output parameters passed to them are
     * written when the operation completes (before the completion handler runs), so they must
     * outlive it; the forms that return results by value or into a container return nothing
     * then: read GetMailboxInfo(), GetSearchResults(), GetNextMailbox() once the operation
     * has completed. A failed connection leaves a closed session in the object: Disconnect()
     * before connecting again.
     * @return true when the connection has started (IsInProgress() set); false on an immediate
     *         failure, ST_ERROR_ALREADY_CONNECTED included.
     */
    bool AsyncConnect(const TextArg &lpszRemoteHost, unsigned nRemotePort = 0,
                      unsigned nTimeout = 20, uint32_t dwOptions = IMAP_OPTION_NONE,
                      const SECURITYCREDENTIALSA *lpCredentials = nullptr)
    {
        if (!RefuseIfConnected() || !Open(ImapAsyncConnectA(lpszRemoteHost, nRemotePort, nTimeout,
                                                            dwOptions, lpCredentials)))
            return false;
        m_bNonBlocking = true;
        Fail(ST_ERROR_IN_PROGRESS, nullptr);
        return true;
    }

    /**
     * @brief The SocketTools form with a notification window: `Connect(host, port, timeout,
     *        options, hEventWnd, uEventMsg)`.
     *
     * A null window gives a blocking Connect(). On Windows a window makes the session
     * asynchronous with window messages: AsyncConnect() followed by EnableEvents(); the
     * window then receives uEventMsg with wParam = the handle and lParam =
     * MAKELPARAM(event, error) (see ImapEnableEvents()). Elsewhere a window fails with
     * ST_ERROR_NOT_SUPPORTED and nothing is sent.
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
    template <class Window, class = std::enable_if_t<
                                !std::is_same_v<std::remove_cv_t<Window>, SECURITYCREDENTIALS>>>
    bool Connect(const char *lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
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

    /**
     * @brief The window form with a literal null window, `Connect(host, port, timeout,
     *        options, NULL, WM_NULL)`: a blocking Connect().
     * @param lpszRemoteHost as Connect(). @param nRemotePort as Connect().
     * @param nTimeout as Connect(). @param dwOptions as Connect().
     * @param hEventWnd null. @param uEventMsg ignored.
     * @return as Connect().
     * @par Blocking: yes.
     * @par Thread: any.
     */
    bool Connect(const char *lpszRemoteHost, unsigned nRemotePort, unsigned nTimeout,
                 uint32_t dwOptions, std::nullptr_t hEventWnd, unsigned uEventMsg)
    {
        (void)hEventWnd;
        (void)uEventMsg;
        return Connect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions);
    }

#ifdef _WIN32
    /**
     * @brief ImapEnableEvents(): the session becomes asynchronous, driven by the library from
     *        this thread's message loop, and its events are posted to @p hEventWnd as
     *        @p uEventMsg (wParam = GetHandle(), lParam = MAKELPARAM(event, error)). Windows
     *        only. Read results (GetMailboxInfo(), buffers passed in) once the COMPLETE
     *        message has arrived.
     * @param hEventWnd an HWND of the calling thread (any pointer type that is one).
     * @param uEventMsg the message posted (WM_USER, WM_APP or above).
     * @return true on success; false with ImapEnableEvents()'s error.
     * @par Blocking: no.
     * @par Thread: the owner, which owns the window.
     */
    template <class Window> bool EnableEvents(Window *hEventWnd, unsigned uEventMsg)
    {
        // HWND is `struct HWND__ *` under STRICT, and void * without it.
        auto *wnd = static_cast<struct HWND__ *>(static_cast<void *>(hEventWnd));
        if (!Check(ImapEnableEvents(m_hClient, wnd, uEventMsg)))
            return false;
        m_bNonBlocking = true;
        return true;
    }

    /**
     * @brief ImapDisableEvents(): back to a blocking session (Windows only).
     * @return true on success; false with ImapDisableEvents()'s error (ST_ERROR_BUSY while
     *         an operation runs).
     * @par Blocking: no.
     * @par Thread: the owner.
     */
    bool DisableEvents()
    {
        if (!Check(ImapDisableEvents(m_hClient)))
            return false;
        m_bNonBlocking = false;
        return true;
    }
#endif

    /** @brief ImapLogin(). The C call takes the type first; here it comes last and defaults to
     *         IMAP_AUTH_AUTO (the strongest mechanism offered). */
    bool Login(const TextArg &lpszUserName, const TextArg &lpszPassword,
               unsigned nAuthType = IMAP_AUTH_AUTO)
    {
        return Call([&] { return ImapLoginA(m_hClient, nAuthType, lpszUserName, lpszPassword); });
    }

    /**
     * @brief ImapDisconnect(), on any thread (see the class comment); on success the object
     *        is empty and drops the callable of an operation that was still running (which
     *        ends with IMAP_EVENT_COMPLETE and ST_ERROR_CANCELLED first).
     * @return true on success; false with ImapDisconnect()'s error (INVALID_HANDLE when the
     *         object holds no session).
     */
    bool Disconnect()
    {
        return DoDisconnect();
    }

    // ---- results and server information ----------------------------------------------------

    /**
     * @brief ImapGetResultCode(). C++: the thread's last error is cleared first, so -1 with
     *        GetLastError() == ST_ERROR_NONE means no command has completed yet and -1 with an
     *        error means the call failed.
     */
    int GetResultCode()
    {
        // -1 is also "no command yet", which C reports without touching the last error.
        MailwireSetLastError(ST_ERROR_NONE);
        int rc = ImapGetResultCode(m_hClient);
        Check(rc < 0 && MailwireGetLastError() != ST_ERROR_NONE ? MAILWIRE_ERROR : 0);
        return rc;
    }

    /** @brief ImapGetResultString(), copied. @return the text; "" when none or on failure (see
     *         GetLastError()). */
    std::string GetResultString()
    {
        return CopyText(ImapGetResultStringA);
    }

    /** @brief ImapGetAlert(), copied. @return the text; "" when none or on failure (see
     *         GetLastError()). */
    std::string GetAlert()
    {
        return CopyText(ImapGetAlertA);
    }

    /** @brief ImapHasCapability(). @return true when announced; false when not (GetLastError()
     *         is then ST_ERROR_NONE) or on failure. */
    bool HasCapability(const TextArg &lpszCapability)
    {
        MailwireSetLastError(ST_ERROR_NONE);
        bool yes = ImapHasCapabilityA(m_hClient, lpszCapability) != 0;
        Check(!yes && MailwireGetLastError() != ST_ERROR_NONE ? MAILWIRE_ERROR : 0);
        return yes;
    }

    /** @brief ImapGetCapabilities(). */
    bool GetCapabilities(char *lpszBuffer, std::size_t nSize)
    {
        return Check(ImapGetCapabilitiesA(m_hClient, lpszBuffer, nSize));
    }

    /** @brief The capability list into a string, however long (C reports no size needed, so
     *  the buffer grows until the list fits). @param capabilities receives it (cleared on
     *  failure). @return as GetCapabilities(char *, std::size_t). */
    bool GetCapabilities(std::string &capabilities)
    {
        capabilities.clear();
        // C reports no needed size: grow until the list fits.
        for (std::size_t size = 1024; size <= (std::size_t{1} << 24); size *= 4) {
            std::string buf(size, '\0');
            if (Check(ImapGetCapabilitiesA(m_hClient, &buf[0], buf.size()))) {
                capabilities.assign(buf.c_str());
                return true;
            }
            if (GetLastError() != ST_ERROR_INVALID_ARGUMENT)
                return false;
        }
        return false;
    }

    /** @return the capability list, space separated; "" before the first CAPABILITY or on
     *  failure. */
    std::string GetCapabilities()
    {
        std::string caps;
        GetCapabilities(caps);
        return caps;
    }

    /** @brief ImapGetTransferStatus(). */
    bool GetTransferStatus(uint64_t &nDone, uint64_t &nTotal)
    {
        return Check(ImapGetTransferStatus(m_hClient, &nDone, &nTotal));
    }

    /** @return ImapGetTransferStatus() as a struct, zeroed on failure. */
    ImapTransferStatus GetTransferStatus()
    {
        ImapTransferStatus st;
        if (!GetTransferStatus(st.done, st.total))
            st = ImapTransferStatus{};
        return st;
    }

    // ---- mailboxes -------------------------------------------------------------------------

    /** @brief ImapSelectMailbox(). */
    bool SelectMailbox(const TextArg &lpszMailbox, IMAPMAILBOX *lpMailbox = nullptr)
    {
        return Call([&] { return ImapSelectMailboxA(m_hClient, lpszMailbox, lpMailbox); });
    }

    /** @brief SelectMailbox() filling a structure. @param lpszMailbox the name.
     *  @param mailbox receives the state (zeroed first; written by a blocking call).
     *  @return as SelectMailbox(). */
    bool SelectMailbox(const TextArg &lpszMailbox, IMAPMAILBOX &mailbox)
    {
        mailbox = IMAPMAILBOX{};
        return SelectMailbox(lpszMailbox, &mailbox);
    }

    /** @brief ImapSelectMailboxEx(). */
    bool SelectMailboxEx(const TextArg &lpszMailbox, uint32_t dwOptions,
                         IMAPMAILBOX *lpMailbox = nullptr)
    {
        return Call(
            [&] { return ImapSelectMailboxExA(m_hClient, lpszMailbox, dwOptions, lpMailbox); });
    }

    /** @brief ImapExamineMailbox(). */
    bool ExamineMailbox(const TextArg &lpszMailbox, IMAPMAILBOX *lpMailbox = nullptr)
    {
        return Call([&] { return ImapExamineMailboxA(m_hClient, lpszMailbox, lpMailbox); });
    }

    /** @brief ExamineMailbox() filling a structure. @param lpszMailbox the name.
     *  @param mailbox receives the state (zeroed first; written by a blocking call).
     *  @return as SelectMailbox(). */
    bool ExamineMailbox(const TextArg &lpszMailbox, IMAPMAILBOX &mailbox)
    {
        mailbox = IMAPMAILBOX{};
        return ExamineMailbox(lpszMailbox, &mailbox);
    }

    /** @brief ImapGetMailboxInfo(). */
    bool GetMailboxInfo(IMAPMAILBOX &mailbox)
    {
        return Check(ImapGetMailboxInfo(m_hClient, &mailbox));
    }

    /** @return ImapGetMailboxInfo()'s state, zeroed on failure. */
    IMAPMAILBOX GetMailboxInfo()
    {
        IMAPMAILBOX mailbox{};
        if (!GetMailboxInfo(mailbox))
            mailbox = IMAPMAILBOX{};
        return mailbox;
    }

    /** @brief ImapGetMessageCount(). */
    bool GetMessageCount(unsigned &nMessages)
    {
        return Check(ImapGetMessageCount(m_hClient, &nMessages));
    }

    /** @return the message count; 0 on failure too (check GetLastError()). */
    unsigned GetMessageCount()
    {
        unsigned n = 0;
        return GetMessageCount(n) ? n : 0;
    }

    /** @brief ImapUnselectMailbox(). */
    bool UnselectMailbox()
    {
        return Call([&] { return ImapUnselectMailbox(m_hClient); });
    }

    /** @brief ImapCloseMailbox(). */
    bool CloseMailbox()
    {
        return Call([&] { return ImapCloseMailbox(m_hClient); });
    }

    /** @brief ImapCheckMailbox(). */
    bool CheckMailbox()
    {
        return Call([&] { return ImapCheckMailbox(m_hClient); });
    }

    /** @brief ImapCreateMailbox(). */
    bool CreateMailbox(const TextArg &lpszMailbox)
    {
        return Call([&] { return ImapCreateMailboxA(m_hClient, lpszMailbox); });
    }

    /** @brief ImapDeleteMailbox(). */
    bool DeleteMailbox(const TextArg &lpszMailbox)
    {
        return Call([&] { return ImapDeleteMailboxA(m_hClient, lpszMailbox); });
    }

    /** @brief ImapRenameMailbox(). */
    bool RenameMailbox(const TextArg &lpszOldName, const TextArg &lpszNewName)
    {
        return Call([&] { return ImapRenameMailboxA(m_hClient, lpszOldName, lpszNewName); });
    }

    /** @brief ImapSubscribeMailbox(). */
    bool SubscribeMailbox(const TextArg &lpszMailbox)
    {
        return Call([&] { return ImapSubscribeMailboxA(m_hClient, lpszMailbox); });
    }

    /** @brief ImapUnsubscribeMailbox(). */
    bool UnsubscribeMailbox(const TextArg &lpszMailbox)
    {
        return Call([&] { return ImapUnsubscribeMailboxA(m_hClient, lpszMailbox); });
    }

    /** @brief ImapGetFirstMailbox(); ListMailboxes() reads the whole listing at once. */
    bool GetFirstMailbox(const TextArg &lpszReference, const TextArg &lpszPattern,
                         uint32_t dwOptions, IMAPMAILBOXINFOA &info)
    {
        return Call([&] {
            return ImapGetFirstMailboxA(m_hClient, lpszReference, lpszPattern, dwOptions, &info);
        });
    }

    /** @brief ImapGetNextMailbox(). */
    bool GetNextMailbox(IMAPMAILBOXINFOA &info)
    {
        return Check(ImapGetNextMailboxA(m_hClient, &info));
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
     *         true with IsInProgress() and nothing listed: read the entries with
     *         GetNextMailbox() once the operation has completed.
     * @par Blocking: yes.
     * @par Thread: the owner.
     */
    bool ListMailboxes(std::vector<ImapMailboxEntry> &mailboxes, const TextArg &lpszPattern = "*",
                       uint32_t dwOptions = IMAP_LIST_DEFAULT,
                       const TextArg &lpszReference = nullptr)
    {
        mailboxes.clear();
        IMAPMAILBOXINFOA info{};
        bool ok = CallInto<IMAPMAILBOXINFOA>(
            [&](IMAPMAILBOXINFOA &first) {
                return ImapGetFirstMailboxA(m_hClient, lpszReference, lpszPattern, dwOptions,
                                            &first);
            },
            [&](IMAPMAILBOXINFOA &first) { info = first; });
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
     *  @return the entries. @par Blocking: yes.
     *  @par Thread: the owner. */
    std::vector<ImapMailboxEntry> ListMailboxes(const TextArg &lpszPattern = "*",
                                                uint32_t dwOptions = IMAP_LIST_DEFAULT,
                                                const TextArg &lpszReference = nullptr)
    {
        std::vector<ImapMailboxEntry> mailboxes;
        ListMailboxes(mailboxes, lpszPattern, dwOptions, lpszReference);
        return mailboxes;
    }

    /** @brief ImapGetMailboxStatus(); status is zeroed first. */
    bool GetMailboxStatus(const TextArg &lpszMailbox, IMAPMAILBOXSTATUS &status)
    {
        status = IMAPMAILBOXSTATUS{};
        return Call([&] { return ImapGetMailboxStatusA(m_hClient, lpszMailbox, &status); });
    }

    /** @brief The STATUS of a mailbox. @param lpszMailbox the name.
     *  @return ImapGetMailboxStatus()'s result, zeroed on failure. */
    IMAPMAILBOXSTATUS GetMailboxStatus(const TextArg &lpszMailbox)
    {
        IMAPMAILBOXSTATUS status{};
        CallInto<IMAPMAILBOXSTATUS>(
            [&](IMAPMAILBOXSTATUS &st) {
                return ImapGetMailboxStatusA(m_hClient, lpszMailbox, &st);
            },
            [&](IMAPMAILBOXSTATUS &st) {
                if (GetLastError() == ST_ERROR_NONE)
                    status = st;
            });
        return status;
    }

    /** @brief ImapGetNamespace(). */
    bool GetNamespace(char *lpszPrefix, std::size_t nSize, char *lpchDelimiter)
    {
        return Call([&] { return ImapGetNamespaceA(m_hClient, lpszPrefix, nSize, lpchDelimiter); });
    }

    /** @brief The first personal namespace into a struct. @param ns receives it (empty on
     *  failure). @return as GetNamespace(char *, std::size_t, char *). */
    bool GetNamespace(ImapNamespace &ns)
    {
        ns = ImapNamespace{};
        struct Raw {
            char prefix[1024]; // the engine keeps at most 255 bytes
            char delimiter;
        };
        return CallInto<Raw>(
            [&](Raw &r) {
                return ImapGetNamespaceA(m_hClient, r.prefix, sizeof r.prefix, &r.delimiter);
            },
            [&](Raw &r) {
                if (GetLastError() == ST_ERROR_NONE) {
                    ns.prefix = r.prefix;
                    ns.delimiter = r.delimiter;
                }
            });
    }

    /** @return the first personal namespace; empty on failure. */
    ImapNamespace GetNamespace()
    {
        ImapNamespace ns;
        GetNamespace(ns);
        return ns;
    }

    // ---- reading messages ------------------------------------------------------------------

    /** @brief ImapGetMessage(). */
    bool GetMessage(unsigned nMessageId, unsigned nMessagePart, void *lpvBuffer,
                    std::size_t *lpdwLength, uint32_t dwOptions)
    {
        return Call([&] {
            return ImapGetMessage(m_hClient, nMessageId, nMessagePart, lpvBuffer, lpdwLength,
                                  dwOptions);
        });
    }

    /**
     * @brief A message (or header, or part) into a string, whatever its size: messages over
     *        256 KiB take a second round trip (the first learns the size); FetchMessage()
     *        streams instead.
     * @param nMessageId   as ImapGetMessage(). @param message receives the bytes (cleared on
     *                     failure). @param nMessagePart as ImapGetMessage().
     * @param dwOptions    as ImapGetMessage().
     * @return as ImapGetMessage(), never LIMIT_EXCEEDED.
     */
    bool GetMessage(unsigned nMessageId, std::string &message, unsigned nMessagePart = 0,
                    uint32_t dwOptions = 0)
    {
        return ReadInto(message, 256 * 1024, [&](void *p, std::size_t *n) {
            return ImapGetMessage(m_hClient, nMessageId, nMessagePart, p, n, dwOptions);
        });
    }

    /** @brief A message (or header, or part) as a string. @param nMessageId as above.
     *  @param nMessagePart as above. @param dwOptions as above.
     *  @return the bytes; "" on failure (check GetLastError()). */
    std::string GetMessage(unsigned nMessageId, unsigned nMessagePart = 0, uint32_t dwOptions = 0)
    {
        std::string message;
        GetMessage(nMessageId, message, nMessagePart, dwOptions);
        return message;
    }

    /** @brief ImapGetHeaders(). */
    bool GetHeaders(unsigned nMessageId, void *lpvBuffer, std::size_t *lpdwLength,
                    uint32_t dwOptions)
    {
        return Call([&] {
            return ImapGetHeaders(m_hClient, nMessageId, lpvBuffer, lpdwLength, dwOptions);
        });
    }

    /** @brief The header block into a string, whatever its size. @param nMessageId as
     *  ImapGetHeaders(). @param headers receives it (cleared on failure). @param dwOptions as
     *  ImapGetHeaders(). @return as ImapGetHeaders(), never LIMIT_EXCEEDED. */
    bool GetHeaders(unsigned nMessageId, std::string &headers, uint32_t dwOptions = 0)
    {
        return ReadInto(headers, 16 * 1024, [&](void *p, std::size_t *n) {
            return ImapGetHeaders(m_hClient, nMessageId, p, n, dwOptions);
        });
    }

    /** @brief The header block as a string. @param nMessageId as above. @param dwOptions as
     *  above. @return the header with its final empty line; "" on failure. */
    std::string GetHeaders(unsigned nMessageId, uint32_t dwOptions = 0)
    {
        std::string headers;
        GetHeaders(nMessageId, headers, dwOptions);
        return headers;
    }

    /**
     * @brief ImapFetchMessage() to any callable; the optional arguments come last.
     *
     * @p callback takes `(std::string_view data)` (the chunks) or `(unsigned id, uint32_t uid,
     * std::string_view data, uint64_t total)` (also called once at the start of the message
     * with `data.data() == nullptr` and the announced size in total). It may return void (go
     * on), bool (false stops) or an integer (non-zero stops, as IMAPFETCHPROC); stopping fails
     * the call with ST_ERROR_CANCELLED and the session stays usable. A throw stops delivery the
     * same way and the call fails with ST_ERROR_CALLBACK_FAILED.
     */
    template <class F>
    bool FetchMessage(unsigned nMessageId, F &&callback, uint32_t dwOptions = 0,
                      const TextArg &lpszSection = nullptr, uint64_t nOffset = 0,
                      uint64_t nLength = 0)
    {
        using State = detail::ImapFetchState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(callback));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapFetchMessageA(m_hClient, nMessageId, dwOptions, lpszSection, nOffset,
                                     nLength, &State::Thunk, s);
        });
    }

    /** @brief ImapSaveMessage(). */
    bool SaveMessage(unsigned nMessageId, const TextArg &lpszFileName, uint32_t dwOptions = 0)
    {
        return Call(
            [&] { return ImapSaveMessageA(m_hClient, nMessageId, dwOptions, lpszFileName); });
    }

    /**
     * @brief ImapFetchMessages() to any callable, as FetchMessage(); stopping or throwing ends
     *        the whole range. Messages may interleave between batches: tell them apart by id
     *        (the 4-argument form).
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
     * @brief ImapGetMessageInfo() to any callable taking `(const ImapMessageInfo &)` (string
     *        copies) or `(const IMAPMESSAGE &)` (no copy; valid during the call only).
     *
     * IMAPMESSAGEPROC cannot say stop, so a throw cancels the operation (the session is closed,
     * as after Cancel()) and the call fails with ST_ERROR_CALLBACK_FAILED.
     */
    template <class F, class = std::enable_if_t<
                           std::is_invocable_v<std::decay_t<F> &, const ImapMessageInfo &> ||
                           std::is_invocable_v<std::decay_t<F> &, const IMAPMESSAGE &>>>
    bool GetMessageInfo(const TextArg &lpszSet, F &&callback,
                        uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        using State = detail::ImapInfoState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(callback));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapGetMessageInfoA(m_hClient, lpszSet, dwOptions, &State::Thunk, s);
        });
    }

    /** @brief GetMessageInfo() collected into a vector. @param lpszSet as above.
     *  @param messages receives one entry per message (cleared first).
     *  @param dwOptions as above (default IMAP_INFO_ENVELOPE). @return as above.
     *  @par Blocking: yes; on a non-blocking session true with IsInProgress() and nothing
     *  collected: use the callable form there. @par Thread: the owner. */
    bool GetMessageInfo(const TextArg &lpszSet, std::vector<ImapMessageInfo> &messages,
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
     *  @par Blocking: yes.
     *  @par Thread: the owner. */
    std::vector<ImapMessageInfo> GetMessageInfo(const TextArg &lpszSet,
                                                uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        std::vector<ImapMessageInfo> messages;
        GetMessageInfo(lpszSet, messages, dwOptions);
        return messages;
    }

    /**
     * @brief ImapGetNewestMessages(): the metadata of the newest @p nCount messages of the
     *        selected mailbox to any callable, as GetMessageInfo() (oldest of them first).
     * @param nCount    how many messages; at least 1 (fewer calls when the mailbox holds
     *                  fewer, none when it is empty).
     * @param callback  `(const ImapMessageInfo &)` or `(const IMAPMESSAGE &)`; a throw cancels
     *                  the operation (ST_ERROR_CALLBACK_FAILED).
     * @param dwOptions IMAP_INFO_ENVELOPE, IMAP_INFO_BODYSTRUCTURE (default IMAP_INFO_ENVELOPE).
     * @return as ImapGetNewestMessages().
     * @par Blocking: yes (non-blocking sessions: true with IsInProgress()).
     * @par Thread: the owner; the callable runs on the thread that drives the session.
     */
    template <class F, class = std::enable_if_t<
                           std::is_invocable_v<std::decay_t<F> &, const ImapMessageInfo &> ||
                           std::is_invocable_v<std::decay_t<F> &, const IMAPMESSAGE &>>>
    bool GetNewestMessages(unsigned nCount, F &&callback, uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        using State = detail::ImapInfoState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(callback));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapGetNewestMessages(m_hClient, nCount, dwOptions, &State::Thunk, s);
        });
    }

    /** @brief GetNewestMessages() collected into a vector. @param nCount as above.
     *  @param messages receives one entry per message, oldest first (cleared first).
     *  @param dwOptions as above. @return as above.
     *  @par Blocking: yes; on a non-blocking session true with IsInProgress() and nothing
     *  collected: use the callable form there.
     *  @par Thread: the owner. */
    bool GetNewestMessages(unsigned nCount, std::vector<ImapMessageInfo> &messages,
                           uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        messages.clear();
        auto out = std::make_shared<std::vector<ImapMessageInfo>>();
        if (!GetNewestMessages(
                nCount, [out](const ImapMessageInfo &m) { out->push_back(m); }, dwOptions))
            return false;
        if (!IsInProgress())
            messages = std::move(*out);
        return true;
    }

    /** @brief The metadata of the newest @p nCount messages (empty on failure, see
     *  GetLastError()). @param nCount as above. @param dwOptions as above.
     *  @return the entries, oldest first.
     *  @par Blocking: yes.
     *  @par Thread: the owner. */
    std::vector<ImapMessageInfo> GetNewestMessages(unsigned nCount,
                                                   uint32_t dwOptions = IMAP_INFO_ENVELOPE)
    {
        std::vector<ImapMessageInfo> messages;
        GetNewestMessages(nCount, messages, dwOptions);
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

    /** @brief ImapSearchMailbox(). */
    bool SearchMailbox(const IMAPSEARCH *lpSearch, const TextArg &lpszCriteria, uint32_t dwOptions,
                       uint32_t *lpIds, std::size_t *lpnCount)
    {
        return Call([&] {
            return ImapSearchMailboxA(m_hClient, lpSearch, lpszCriteria, dwOptions, lpIds,
                                      lpnCount);
        });
    }

    /** @brief SEARCH with a builder. @param search the criteria (not empty).
     *  @param ids receives the matching ids, ascending (cleared first).
     *  @param dwOptions IMAP_FETCH_UID for UIDs. @return as above.
     *  @par Blocking: yes (non-blocking session: no).
     *  @par Thread: the owner. */
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
     *  @par Blocking: yes (non-blocking session: no).
     *  @par Thread: the owner. */
    bool SearchMailbox(const TextArg &lpszCriteria, std::vector<uint32_t> &ids,
                       uint32_t dwOptions = 0)
    {
        ids.clear();
        return SearchInto(nullptr, lpszCriteria, dwOptions, ids);
    }

    /** @brief The ids matching a builder's criteria (empty on failure).
     *  @param search the criteria. @param dwOptions IMAP_FETCH_UID for UIDs.
     *  @par Blocking: yes.
     *  @par Thread: the owner. */
    std::vector<uint32_t> SearchMailbox(const CImapSearch &search, uint32_t dwOptions = 0)
    {
        std::vector<uint32_t> ids;
        SearchMailbox(search, ids, dwOptions);
        return ids;
    }

    /** @brief The ids matching raw criteria (empty on failure).
     *  @param lpszCriteria the criteria. @param dwOptions IMAP_FETCH_UID for UIDs.
     *  @par Blocking: yes.
     *  @par Thread: the owner. */
    std::vector<uint32_t> SearchMailbox(const TextArg &lpszCriteria, uint32_t dwOptions = 0)
    {
        std::vector<uint32_t> ids;
        SearchMailbox(lpszCriteria, ids, dwOptions);
        return ids;
    }

    /** @brief ImapGetSearchResults(). */
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

    /** @brief ImapStoreFlags(). */
    bool StoreFlags(const TextArg &lpszSet, uint32_t dwMode, uint32_t dwFlags,
                    const TextArg &lpszKeywords = nullptr)
    {
        return Call(
            [&] { return ImapStoreFlagsA(m_hClient, lpszSet, dwMode, dwFlags, lpszKeywords); });
    }

    // ---- synchronisation: CONDSTORE and QRESYNC (RFC 7162) -----------------------------------

    /** @brief ImapEnableSync(). @param dwOptions IMAP_ENABLE_CONDSTORE and/or
     *  IMAP_ENABLE_QRESYNC. @return true on success. */
    bool EnableSync(uint32_t dwOptions)
    {
        return Call([&] { return ImapEnableSync(m_hClient, dwOptions); });
    }

    /** @brief ImapSetVanishedCallback() (a C callback: it must not throw). No I/O.
     *  @return true on success. */
    bool SetVanishedCallback(IMAPVANISHEDPROC lpfnCallback, void *lpUserData) noexcept
    {
        return ImapSetVanishedCallback(m_hClient, lpfnCallback, lpUserData) == 0;
    }

    /** @brief ImapSetChangeCallback() (a C callback: it must not throw): the flag changes the
     *  server reports on its own, with their MODSEQ under CONDSTORE. No I/O.
     *  @return true on success. */
    bool SetChangeCallback(IMAPCHANGEPROC lpfnCallback, void *lpUserData) noexcept
    {
        return ImapSetChangeCallback(m_hClient, lpfnCallback, lpUserData) == 0;
    }

    /** @brief ImapGetChangedMessages() to a callable taking `(const IMAPCHANGE &)` (a throw
     *  cancels the operation: ST_ERROR_CALLBACK_FAILED). nModSeq 0: every message of the set
     *  with its MODSEQ. @return true on success. */
    template <class F>
    bool GetChangedMessages(const TextArg &lpszSet, uint64_t nModSeq, F &&callback,
                            uint32_t dwOptions = IMAP_FETCH_UID)
    {
        using State = detail::ImapChangeState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(callback));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapGetChangedMessagesA(m_hClient, lpszSet, dwOptions, nModSeq, &State::Thunk,
                                           s);
        });
    }

    /** @brief ImapStoreFlagsUnchangedSince(): @p modified receives the ids not stored
     *  (cleared first), at most @p nCapacity of them; @p pTotal (may be nullptr) how many
     *  there were in all. @return true on success, also when some were not stored.
     *  @par Blocking: yes; on a non-blocking session the vector is not filled (use the C
     *  call with memory that outlives the operation). */
    bool StoreFlagsUnchangedSince(const TextArg &lpszSet, uint32_t dwMode, uint32_t dwFlags,
                                  const TextArg &lpszKeywords, uint64_t nModSeq,
                                  std::vector<uint32_t> &modified, size_t *pTotal = nullptr,
                                  size_t nCapacity = 4096)
    {
        struct Out {
            std::vector<uint32_t> ids;
            size_t n = 0;
        };
        // The library writes into storage that outlives a non-blocking operation (CallInto).
        const size_t cap = nCapacity ? nCapacity : 1;
        int rc = MAILWIRE_ERROR;
        modified.clear();
        return CallInto<Out>(
            [&](Out &o) {
                o.ids.resize(cap);
                o.n = cap;
                return rc =
                           ImapStoreFlagsUnchangedSinceA(m_hClient, lpszSet, dwMode, dwFlags,
                                                         lpszKeywords, nModSeq, o.ids.data(), &o.n);
            },
            [&](Out &o) {
                if (rc != 0)
                    return;
                o.ids.resize(o.n < o.ids.size() ? o.n : o.ids.size());
                modified = std::move(o.ids);
                if (pTotal)
                    *pTotal = o.n;
            });
    }

    /** @brief ImapSelectMailboxQresync() with callables: @p onChanged taking
     *  `(const IMAPCHANGE &)`, @p onVanished `(uint32_t first, uint32_t last, bool earlier)`.
     *  @return true on success (check changes.bUidValidityChanged). */
    template <class FC, class FV>
    bool SelectMailboxQresync(const TextArg &lpszMailbox, uint32_t dwOptions,
                              uint32_t dwUidValidity, uint64_t nModSeq,
                              const TextArg &lpszKnownUids, FC &&onChanged, FV &&onVanished,
                              IMAPCHANGES &changes)
    {
        using State = detail::ImapSyncState<std::decay_t<FC>, std::decay_t<FV>>;
        auto state =
            std::make_unique<State>(std::forward<FC>(onChanged), std::forward<FV>(onVanished));
        State *s = state.get();
        changes.dwSize = sizeof changes;
        return RunWith(std::move(state), [&] {
            return ImapSelectMailboxQresyncA(m_hClient, lpszMailbox, dwOptions, dwUidValidity,
                                             nModSeq, lpszKnownUids, nullptr, nullptr,
                                             &State::Changed, &State::Vanished, s, &changes);
        });
    }

    /** @brief ImapGetChangesSince() with callables, as SelectMailboxQresync().
     *  @return true on success (check changes.bUidValidityChanged). */
    template <class FC, class FV>
    bool GetChangesSince(const TextArg &lpszMailbox, uint32_t dwUidValidity, uint64_t nModSeq,
                         FC &&onChanged, FV &&onVanished, IMAPCHANGES &changes)
    {
        using State = detail::ImapSyncState<std::decay_t<FC>, std::decay_t<FV>>;
        auto state =
            std::make_unique<State>(std::forward<FC>(onChanged), std::forward<FV>(onVanished));
        State *s = state.get();
        changes.dwSize = sizeof changes;
        return RunWith(std::move(state), [&] {
            return ImapGetChangesSinceA(m_hClient, lpszMailbox, dwUidValidity, nModSeq,
                                        &State::Changed, &State::Vanished, s, &changes);
        });
    }

    /** @brief ImapDeleteMessage(). */
    bool DeleteMessage(unsigned nMessageId, uint32_t dwOptions = 0)
    {
        return Call([&] { return ImapDeleteMessage(m_hClient, nMessageId, dwOptions); });
    }

    /** @brief ImapUndeleteMessage(). */
    bool UndeleteMessage(unsigned nMessageId, uint32_t dwOptions = 0)
    {
        return Call([&] { return ImapUndeleteMessage(m_hClient, nMessageId, dwOptions); });
    }

    /** @brief ImapCopyMessage(). */
    bool CopyMessage(const TextArg &lpszSet, const TextArg &lpszMailbox, uint32_t dwOptions = 0)
    {
        return Call([&] { return ImapCopyMessageA(m_hClient, lpszSet, lpszMailbox, dwOptions); });
    }

    /** @brief ImapMoveMessage(). */
    bool MoveMessage(const TextArg &lpszSet, const TextArg &lpszMailbox, uint32_t dwOptions = 0)
    {
        return Call([&] { return ImapMoveMessageA(m_hClient, lpszSet, lpszMailbox, dwOptions); });
    }

    /** @brief ImapExpungeMailbox(). */
    bool ExpungeMailbox(IMAPMAILBOX *lpMailbox = nullptr)
    {
        return Call([&] { return ImapExpungeMailbox(m_hClient, lpMailbox); });
    }

    /** @brief ImapExpungeMessages(). */
    bool ExpungeMessages(const TextArg &lpszUidSet)
    {
        return Call([&] { return ImapExpungeMessagesA(m_hClient, lpszUidSet); });
    }

    /** @brief ImapCreateMessage(). */
    bool CreateMessage(const TextArg &lpszMailbox, uint32_t dwFlags, const TextArg &lpszDate,
                       const void *lpvMessage, std::size_t nLength, uint32_t *lpdwUID)
    {
        return Call([&] {
            return ImapCreateMessageA(m_hClient, lpszMailbox, dwFlags, lpszDate, lpvMessage,
                                      nLength, lpdwUID);
        });
    }

    /** @brief APPEND a message held in a string (ImapCreateMessage()). @param lpszMailbox as
     *  ImapCreateMessage(). @param message the message; not copied: it must outlive a
     *  non-blocking operation. @param dwFlags as ImapCreateMessage(). @param lpszDate as
     *  ImapCreateMessage(). @param lpdwUID as ImapCreateMessage(). @return as CreateMessage(). */
    bool CreateMessage(const TextArg &lpszMailbox, std::string_view message, uint32_t dwFlags = 0,
                       const TextArg &lpszDate = nullptr, uint32_t *lpdwUID = nullptr)
    {
        // An empty view may hold a null pointer, which C refuses only with a length.
        const char *data = message.empty() ? "" : message.data();
        return CreateMessage(lpszMailbox, dwFlags, lpszDate, data, message.size(), lpdwUID);
    }

    /** @brief ImapCreateMessageFromFile(); the optional arguments come last. */
    bool CreateMessageFromFile(const TextArg &lpszMailbox, const TextArg &lpszFileName,
                               uint32_t dwFlags = 0, const TextArg &lpszDate = nullptr,
                               uint32_t *lpdwUID = nullptr)
    {
        return Call([&] {
            return ImapCreateMessageFromFileA(m_hClient, lpszMailbox, dwFlags, lpszDate,
                                              lpszFileName, lpdwUID);
        });
    }

    /**
     * @brief ImapCreateMessageEx() from any callable; the optional arguments come last.
     *
     * @p source is called as `source(char *buffer, std::size_t size)` until nLength bytes have
     * been supplied; it returns how many bytes it stored (any integer type), or -1 to abort (the
     * call then fails with ST_ERROR_FILE). A throw aborts the same way and the call fails with
     * ST_ERROR_CALLBACK_FAILED. An aborted append closes the connection (the server still waits
     * for the bytes announced): Disconnect() and connect again.
     */
    template <class F>
    bool CreateMessageEx(const TextArg &lpszMailbox, uint64_t nLength, F &&source,
                         uint32_t dwFlags = 0, const TextArg &lpszDate = nullptr,
                         uint32_t *lpdwUID = nullptr)
    {
        using State = detail::ImapSourceState<std::decay_t<F>>;
        auto state = std::make_unique<State>(std::forward<F>(source));
        State *s = state.get();
        return RunWith(std::move(state), [&] {
            return ImapCreateMessageExA(m_hClient, lpszMailbox, dwFlags, lpszDate, nLength,
                                        &State::Thunk, s, lpdwUID);
        });
    }

    // ---- message objects (CMailMessage) ----------------------------------------------------

    /**
     * @brief APPEND a message object (ImapAppendMimeMessage()): streamed, the literal length
     *        known before the command, PROGRESS events (GetTransferStatus()), one COMPLETE
     *        event on a non-blocking session. Bcc is kept (a copy for Sent) unless
     *        MIME_EXPORT_NOBCC.
     * @param lpszMailbox target mailbox, as ImapAppendMimeMessage().
     * @param message     the message; the append holds its own reference, so the object may
     *                    be destroyed meanwhile. A message with a compose error
     *                    (CMailMessage::GetComposeError()) fails with it, nothing sent.
     * @param dwFlags     IMAP_FLAG_* to set (IMAP_FLAG_SEEN for Sent, IMAP_FLAG_DRAFT).
     * @param lpszDate    INTERNALDATE, or nullptr.
     * @param dwOptions   MIME_EXPORT_8BIT, MIME_EXPORT_UTF8, MIME_EXPORT_NOBCC.
     * @param lpdwUID     receives the APPENDUID (0 when none); may be nullptr.
     * @return as ImapAppendMimeMessage().
     */
    bool AppendMessage(const TextArg &lpszMailbox, const CMailMessage &message,
                       uint32_t dwFlags = 0, const TextArg &lpszDate = nullptr,
                       uint32_t dwOptions = 0, uint32_t *lpdwUID = nullptr)
    {
        if (message.GetComposeError() != ST_ERROR_NONE)
            return Fail(message.GetComposeError(), message.GetComposeErrorDetail().c_str());
        return Call([&] {
            return ImapAppendMimeMessageA(m_hClient, lpszMailbox, message.GetHandle(), dwFlags,
                                          lpszDate, dwOptions, lpdwUID);
        });
    }

    /**
     * @brief Fetch a whole message (BODY.PEEK[]) and parse it into @p message as it arrives
     *        (CMailMessage::ImportBegin()/ImportWrite()/ImportEnd(): bodies beyond
     *        MIME_SPILL_THRESHOLD go to a temporary file, so memory stays bounded).
     *
     * Blocking sessions only: the message is complete when the call returns. On a
     * non-blocking session it fails with ST_ERROR_INVALID_STATE; use FetchMessage() with
     * `message.ImportWrite(data)` and call ImportEnd() from OnComplete() instead.
     * @param nMessageId a sequence number, or a UID with IMAP_FETCH_UID.
     * @param message    receives the parsed message (emptied first).
     * @param dwOptions  IMAP_FETCH_UID, IMAP_FETCH_SEEN.
     * @return true when fetched and parsed; false with GetLastError() (the fetch's, or the
     *         parser's: ST_ERROR_FILE for the temporary file, ST_ERROR_OUT_OF_MEMORY).
     */
    bool GetMessage(unsigned nMessageId, CMailMessage &message, uint32_t dwOptions = 0)
    {
        if (m_bNonBlocking)
            return Fail(ST_ERROR_INVALID_STATE,
                        "GetMessage() into a CMailMessage needs a blocking session");
        if (!message.IsValid())
            message = CMailMessage();
        if (!message.ImportBegin())
            return Fail(message.GetLastError(), message.GetLastErrorDetail().c_str());
        bool parsed = true;
        bool ok = FetchMessage(
            nMessageId,
            [&](std::string_view data) {
                parsed = parsed && message.ImportWrite(data);
                return parsed;
            },
            dwOptions);
        if (!parsed)
            return Fail(message.GetLastError(), message.GetLastErrorDetail().c_str());
        if (!ok) {
            message.Clear(); // the fetch's error stays this object's last error
            return false;
        }
        if (!message.ImportEnd())
            return Fail(message.GetLastError(), message.GetLastErrorDetail().c_str());
        return true;
    }

    /**
     * @brief GetMessage() into a new CMailMessage (the name differs from GetMessage(), whose
     *        one-argument form returns the raw bytes as a std::string).
     * @param nMessageId as GetMessage(). @param dwOptions as GetMessage().
     * @return the parsed message; an empty one on failure (GetLastError()).
     */
    CMailMessage GetMailMessage(unsigned nMessageId, uint32_t dwOptions = 0)
    {
        CMailMessage m;
        if (!GetMessage(nMessageId, m, dwOptions))
            m.Clear();
        return m;
    }

    /**
     * @brief The ENVELOPE and BODYSTRUCTURE of a message as a bodiless CMailMessage
     *        (ImapGetMessageStructure()): decoded header fields, address lists, the part tree
     *        with file names and sections, without fetching the body. Blocking sessions.
     * @param nMessageId a sequence number, or a UID with IMAP_FETCH_UID.
     * @param message    receives the structure.
     * @param dwOptions  IMAP_FETCH_UID.
     * @return as ImapGetMessageStructure().
     */
    bool GetMessageStructure(unsigned nMessageId, CMailMessage &message, uint32_t dwOptions = 0)
    {
        if (!message.IsValid())
            message = CMailMessage();
        return Call([&] {
            return ImapGetMessageStructure(m_hClient, nMessageId, dwOptions, message.GetHandle());
        });
    }

    /**
     * @brief One part by its section, decoded, to a callable `(std::string_view)` returning
     *        void or bool (false stops: ST_ERROR_CALLBACK_FAILED) (ImapFetchMessagePart()).
     * @param nMessageId  a sequence number, or a UID with IMAP_FETCH_UID.
     * @param lpszSection the part number (CMailPart::Section()).
     * @param sink        receives the decoded bytes.
     * @param dwOptions   IMAP_FETCH_UID, IMAP_FETCH_SEEN, IMAP_PART_UTF8.
     * @return as ImapFetchMessagePart().
     */
    template <class F>
    bool FetchMessagePart(unsigned nMessageId, const TextArg &lpszSection, F &&sink,
                          uint32_t dwOptions = 0)
    {
        using Fn = std::remove_reference_t<F>;
        detail::MimeSink<Fn> s{&sink};
        return Call([&] {
            return ImapFetchMessagePartA(m_hClient, nMessageId, dwOptions, lpszSection,
                                         &detail::MimeSink<Fn>::Thunk, &s);
        });
    }

    /** @brief FetchMessagePart() into a std::string. @param nMessageId as above.
     *  @param lpszSection as above. @param dwOptions as above. @return the decoded content,
     *  "" on failure. */
    std::string GetMessagePart(unsigned nMessageId, const TextArg &lpszSection,
                               uint32_t dwOptions = 0)
    {
        std::string out;
        if (!FetchMessagePart(
                nMessageId, lpszSection,
                [&](std::string_view d) { out.append(d.data(), d.size()); }, dwOptions))
            out.clear();
        return out;
    }

    /** @brief ImapSaveMessagePart(): one part, decoded, into a file. */
    bool SaveMessagePart(unsigned nMessageId, const TextArg &lpszSection,
                         const TextArg &lpszFileName, uint32_t dwOptions = 0)
    {
        return Call([&] {
            return ImapSaveMessagePartA(m_hClient, nMessageId, dwOptions, lpszSection,
                                        lpszFileName);
        });
    }

    // ---- waiting and raw commands ----------------------------------------------------------

    /**
     * @brief ImapIdle(): wait for mailbox changes (UPDATE events run meanwhile).
     *
     * With IMAP_IDLE_WAIT it returns at the first change; with IMAP_IDLE_DURATION (or
     * IdleFor()) it waits the whole @p nTimeout and counts every change.
     * @param nTimeout   seconds (0: the session timeout), as ImapIdle().
     * @param dwOptions  IMAP_IDLE_WAIT, IMAP_IDLE_DURATION or IMAP_IDLE_NOWAIT.
     * @param lpnChanges receives the number of changes, or nullptr; as ImapIdle().
     * @return true when the wait ended normally; false with ST_ERROR_CANCELLED after Cancel()
     *         (from another thread), or the call's error.
     * @par Blocking: as ImapIdle().
     * @par Thread: the owner; Cancel() from any.
     */
    bool Idle(unsigned nTimeout = 0, uint32_t dwOptions = IMAP_IDLE_WAIT,
              unsigned *lpnChanges = nullptr)
    {
        return Call([&] { return ImapIdle(m_hClient, nTimeout, dwOptions, lpnChanges); });
    }

    /**
     * @brief Watch the mailbox for @p nSeconds: Idle() with IMAP_IDLE_DURATION.
     * @param nSeconds   how long (0: the session timeout); the call returns when it is up.
     * @param lpnChanges receives the number of changes seen (EXISTS, EXPUNGE, FETCH), or
     *                   nullptr. After new mail, GetNewestMessages() reads what arrived.
     * @return as Idle().
     * @par Blocking: yes, @p nSeconds (on a non-blocking session the operation completes
     *      when the time is up).
     * @par Thread: the owner; Cancel() from any.
     */
    bool IdleFor(unsigned nSeconds, unsigned *lpnChanges = nullptr)
    {
        return Idle(nSeconds, IMAP_IDLE_DURATION, lpnChanges);
    }

    /** @brief ImapNoop(). */
    bool Noop()
    {
        return Call([&] { return ImapNoop(m_hClient); });
    }

    /** @brief ImapCompress(): COMPRESS=DEFLATE for the rest of the session (RFC 4978). */
    bool Compress()
    {
        return Call([&] { return ImapCompress(m_hClient); });
    }

    /** @brief ImapGetCompressionInfo(); info is zeroed and its dwSize set by the method. */
    bool GetCompressionInfo(IMAPCOMPRESSINFO &info)
    {
        info = IMAPCOMPRESSINFO{};
        info.dwSize = sizeof info;
        return Check(ImapGetCompressionInfo(m_hClient, &info));
    }

    /** @brief ImapGetPartSize(): the decoded size of a part (BINARY.SIZE, RFC 3516). */
    bool GetPartSize(unsigned nMessageId, const TextArg &lpszSection, uint64_t &nSize,
                     uint32_t dwOptions = 0)
    {
        return Call([&] {
            return ImapGetPartSizeA(m_hClient, nMessageId, dwOptions, lpszSection, &nSize);
        });
    }

    /** @brief ImapCommand(). */
    bool Command(const TextArg &lpszCommand)
    {
        return Call([&] { return ImapCommandA(m_hClient, lpszCommand); });
    }

  private:
    // Run a C call that takes one of the callback states. The state outlives the call when
    // the operation goes on (non-blocking session) and is released at its end (COMPLETE).
    template <class Fn> bool RunWith(std::unique_ptr<detail::ImapCallbackState> state, Fn &&fn)
    {
        state->hClient = m_hClient;
        int rc = MAILWIRE_ERROR;
        bool ok = CallWith(state->failure, [&] { return rc = fn(); });
        if (rc == MAILWIRE_IN_PROGRESS)
            KeepPending(std::move(state));
        return ok;
    }

    // Run a C call that writes its results into storage of the object's own (T): on a
    // non-blocking session the library writes them when the operation completes, after this
    // method has returned, so the storage lives on the heap until COMPLETE reports the end;
    // done() copies them out when the call completed here.
    template <class T, class Fn, class Done> bool CallInto(Fn &&fn, Done &&done)
    {
        auto state = std::make_unique<detail::ImapResultState<T>>();
        state->hClient = m_hClient;
        int rc = MAILWIRE_ERROR;
        bool ok = Call([&] { return rc = fn(state->value); });
        if (rc == MAILWIRE_IN_PROGRESS) {
            m_bNonBlocking = true;
            KeepPending(std::move(state));
            return ok;
        }
        done(state->value);
        return ok;
    }

    // The C two-call pattern of ImapGetMessage(): too small a buffer reports the size needed.
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
                return ImapSearchMailboxA(m_hClient, search, criteria, dwOptions, nullptr, &n);
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

    bool m_bNonBlocking = false; // the session came from AsyncConnect() (or said so)
};

} // namespace mailwire

#ifndef MAILWIRE_NO_GLOBAL_NAMES
/** SocketTools code names the classes without a namespace. Define MAILWIRE_NO_GLOBAL_NAMES to
 *  keep them in namespace mailwire only. */
using mailwire::CImapClient; // CImapSearch: in ImapTypes.hpp
#endif

#endif // MAILWIRE_IMAPCLIENT_HPP
