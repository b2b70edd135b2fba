/**
 * @file ImapSyncThunks.hpp
 * @brief The callback states of CImapClient::GetChangedMessages(), GetChangesSince() and
 *        SelectMailboxQresync(): changed messages and vanished UID ranges behind one user
 *        pointer.
 *
 * As the thunks of ImapThunks.hpp: the first exception is kept and the operation cancelled
 * (neither C callback type can say stop), so nothing unwinds through C frames.
 */
#ifndef MAILWIRE_DETAIL_IMAPSYNCTHUNKS_HPP
#define MAILWIRE_DETAIL_IMAPSYNCTHUNKS_HPP

#include <mailwire/ImapTypes.hpp>
#include <mailwire/detail/ImapThunks.hpp>
#include <mailwire/imap.h>

#include <cstdint>
#include <type_traits>
#include <utility>

namespace mailwire
{
namespace detail
{

/** Changed: `(const IMAPCHANGE &)` (its keywords valid during the call only); vanished:
 *  `(uint32_t first, uint32_t last, bool earlier)`. */
template <class FC, class FV> struct ImapSyncState : ImapCallbackState {
    FC changed;
    FV vanished;
    ImapSyncState(FC c, FV v) : changed(std::move(c)), vanished(std::move(v)) {}

    static void MAILWIRE_CALLBACK Changed(const IMAPCHANGE *lpChange, void *lpUserData) noexcept
    {
        auto *self = static_cast<ImapSyncState *>(lpUserData);
        if (self->failure.Failed() || !lpChange)
            return;
        try {
            self->changed(*lpChange);
        } catch (...) {
            self->failure.Capture();
            ImapCancel(self->hClient);
        }
    }
    static void MAILWIRE_CALLBACK Vanished(uint32_t dwFirst, uint32_t dwLast, int bEarlier,
                                           void *lpUserData) noexcept
    {
        auto *self = static_cast<ImapSyncState *>(lpUserData);
        if (self->failure.Failed())
            return;
        try {
            self->vanished(dwFirst, dwLast, bEarlier != 0);
        } catch (...) {
            self->failure.Capture();
            ImapCancel(self->hClient);
        }
    }
};

/** ImapGetChangedMessages(): changed messages only. */
template <class FC> struct ImapChangeState : ImapCallbackState {
    FC changed;
    explicit ImapChangeState(FC c) : changed(std::move(c)) {}
    static void MAILWIRE_CALLBACK Thunk(const IMAPCHANGE *lpChange, void *lpUserData) noexcept
    {
        auto *self = static_cast<ImapChangeState *>(lpUserData);
        if (self->failure.Failed() || !lpChange)
            return;
        try {
            self->changed(*lpChange);
        } catch (...) {
            self->failure.Capture();
            ImapCancel(self->hClient); // IMAPCHANGEPROC cannot say stop
        }
    }
};

} // namespace detail
} // namespace mailwire

#endif
