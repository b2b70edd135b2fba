/**
 * @file ImapThunks.hpp
 * @brief What CImapClient hands to the C library and to ClientBase: the table of IMAP calls
 *        ClientBase makes (ImapApi), and the callback states whose static thunks the C
 *        library calls with the application's callable as user data.
 *
 * Each thunk converts the C arguments to C++ ones (std::string_view, ImapMessageInfo), calls
 * the callable, maps its result to what the C callback type expects, and catches everything:
 * the first exception is kept in the state's CallbackFailure and the operation is told to
 * stop, so no exception unwinds through C frames.
 */
#ifndef MAILWIRE_DETAIL_IMAPTHUNKS_HPP
#define MAILWIRE_DETAIL_IMAPTHUNKS_HPP

#include <mailwire/ImapTypes.hpp>
#include <mailwire/detail/CallbackFailure.hpp>
#include <mailwire/imap.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

namespace mailwire
{

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
    static int GetSecurityInfo(HCLIENT h, SECURITYINFOA *i)
    {
        return ImapGetSecurityInfoA(h, i);
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
 *  returned (the client keeps it until MAILWIRE_EVENT_COMPLETE reports the end; see
 *  OperationState). */
using ImapCallbackState = OperationState;

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

} // namespace mailwire

#endif // MAILWIRE_DETAIL_IMAPTHUNKS_HPP
