// Thread ownership: a handle belongs to its creating thread; AttachThread moves it;
// FREETHREAD lifts the check. Cancel is allowed from any thread.
#include <gtest/gtest.h>

#include <thread>

#include <mailwire/mailwire.h>

extern "C" {
#include "core/session/handle.h"
#include "core/session/session.h"
}

namespace
{

struct Handle {
    mw_session *s;
    HCLIENT h;
    explicit Handle(uint32_t options) : s(mw_session_new(options, 1000)), h(mw_handle_register(s))
    {
    }
    ~Handle()
    {
        mw_handle_unregister(h);
        mw_session_free(s);
    }
};

void Noop(HCLIENT, unsigned, unsigned, void *) {}

// Runs a call on a fresh thread and returns {result, that thread's last error}.
template <class F> std::pair<int, unsigned> OnOtherThread(F f)
{
    std::pair<int, unsigned> r{};
    std::thread t([&] {
        r.first = f();
        r.second = MailwireGetLastError();
    });
    t.join();
    return r;
}

TEST(Threads, CallFromAnotherThreadFailsWithNotOwner)
{
    Handle c(0);
    ASSERT_NE(c.h, INVALID_CLIENT);
    EXPECT_EQ(MailwireRegisterEvent(c.h, MAILWIRE_EVENT_CONNECT, Noop, nullptr), 0);
    auto r = OnOtherThread(
        [&] { return MailwireRegisterEvent(c.h, MAILWIRE_EVENT_CONNECT, Noop, nullptr); });
    EXPECT_EQ(r.first, -1);
    EXPECT_EQ(r.second, (unsigned)ST_ERROR_NOT_OWNER);
}

TEST(Threads, AttachThreadMovesOwnershipAndReturnsThePreviousOwner)
{
    Handle c(0);
    uint32_t me = MailwireGetCurrentThreadId();
    uint32_t prev = 0, other = 0;
    int rc_after = 0;
    std::thread t([&] {
        other = MailwireGetCurrentThreadId();
        prev = MailwireAttachThread(c.h, 0);
        rc_after = MailwireRegisterEvent(c.h, MAILWIRE_EVENT_CONNECT, Noop, nullptr);
    });
    t.join();
    EXPECT_EQ(prev, me);
    EXPECT_EQ(rc_after, 0) << "the new owner may call";
    EXPECT_EQ(MailwireRegisterEvent(c.h, MAILWIRE_EVENT_CONNECT, Noop, nullptr), -1);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_NOT_OWNER) << "the old owner may not";
    EXPECT_EQ(MailwireAttachThread(c.h, me), other);
    EXPECT_EQ(MailwireRegisterEvent(c.h, MAILWIRE_EVENT_CONNECT, Noop, nullptr), 0);
}

TEST(Threads, FreeThreadLiftsTheCheck)
{
    Handle c(MAILWIRE_OPTION_FREETHREAD);
    auto r = OnOtherThread(
        [&] { return MailwireRegisterEvent(c.h, MAILWIRE_EVENT_CONNECT, Noop, nullptr); });
    EXPECT_EQ(r.first, 0);
    EXPECT_EQ(r.second, (unsigned)ST_ERROR_NONE);
}

TEST(Threads, CancelIsAllowedFromAnyThread)
{
    Handle c(0);
    auto r = OnOtherThread([&] { return MailwireCancel(c.h); });
    EXPECT_EQ(r.first, 0);
}

TEST(Threads, StaleAndForgedHandlesAreRejected)
{
    HCLIENT stale;
    {
        Handle c(0);
        stale = c.h;
    }
    EXPECT_EQ(MailwireRegisterEvent(stale, MAILWIRE_EVENT_CONNECT, Noop, nullptr), -1);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    Handle reused(0); // may take the same slot: the generation differs
    EXPECT_NE(reused.h, stale);
    EXPECT_EQ(MailwireRegisterEvent(stale, MAILWIRE_EVENT_CONNECT, Noop, nullptr), -1);
    EXPECT_EQ(MailwireRegisterEvent(INVALID_CLIENT, MAILWIRE_EVENT_CONNECT, Noop, nullptr), -1);
    EXPECT_EQ(MailwireRegisterEvent(reinterpret_cast<HCLIENT>(uintptr_t{0xdeadbeef}),
                                    MAILWIRE_EVENT_CONNECT, Noop, nullptr),
              -1);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(MailwireCancel(stale), -1);
    EXPECT_EQ(MailwireAttachThread(stale, 0), 0u);
}

TEST(Threads, UnknownEventIsAnInvalidArgument)
{
    Handle c(0);
    EXPECT_EQ(MailwireRegisterEvent(c.h, MAILWIRE_EVENT_MAX, Noop, nullptr), -1);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(MailwireRegisterEvent(c.h, 0, Noop, nullptr), -1);
}

} // namespace
