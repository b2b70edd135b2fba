// Session bookkeeping without a network: last reply, event registration and dispatch with
// pointer-sized user data, trace of phase changes.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include <mailwire/mailwire.h>

extern "C" {
#include "core/session/session.h"
}

namespace
{

struct Session {
    mw_session *s = mw_session_new(0, 1000);
    ~Session()
    {
        mw_session_free(s);
    }
};

struct Seen {
    std::vector<unsigned> events;
    std::vector<unsigned> errors;
};

void Record(HCLIENT, unsigned ev, unsigned err, void *user)
{
    auto *seen = static_cast<Seen *>(user);
    seen->events.push_back(ev);
    seen->errors.push_back(err);
}

TEST(Session, EventsReachTheirCallbackWithFullPointerUserData)
{
    Session x;
    Seen a, b;
    ASSERT_EQ(mw_session_register_event(x.s, MAILWIRE_EVENT_PROGRESS, Record, &a), 0);
    ASSERT_EQ(mw_session_register_event(x.s, MAILWIRE_EVENT_COMMAND, Record, &b), 0);
    mw_session_emit(x.s, MAILWIRE_EVENT_PROGRESS, 0);
    mw_session_emit(x.s, MAILWIRE_EVENT_COMMAND, ST_ERROR_SERVER_PERMANENT);
    mw_session_emit(x.s, MAILWIRE_EVENT_TIMEOUT, ST_ERROR_TIMEOUT); // nobody registered
    EXPECT_EQ(a.events, std::vector<unsigned>{MAILWIRE_EVENT_PROGRESS});
    EXPECT_EQ(b.events, std::vector<unsigned>{MAILWIRE_EVENT_COMMAND});
    EXPECT_EQ(b.errors, std::vector<unsigned>{ST_ERROR_SERVER_PERMANENT});
    // Unregistering disables the event.
    ASSERT_EQ(mw_session_register_event(x.s, MAILWIRE_EVENT_PROGRESS, nullptr, nullptr), 0);
    mw_session_emit(x.s, MAILWIRE_EVENT_PROGRESS, 0);
    EXPECT_EQ(a.events.size(), 1u);
    EXPECT_EQ(mw_session_register_event(x.s, MAILWIRE_EVENT_MAX, Record, &a), -1);
}

TEST(Session, StepWithoutAnOperationIsDone)
{
    Session x;
    EXPECT_EQ(mw_session_step(x.s), MW_STEP_DONE);
    MailwireSetLastError(ST_ERROR_TIMEOUT);
    EXPECT_EQ(mw_session_begin(x.s), (unsigned)ST_ERROR_NOT_CONNECTED);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_TIMEOUT)
        << "the session leaves the thread's last error to the API boundary";
}

TEST(Session, ConnectNeedsAHostAndAPort)
{
    Session x;
    EXPECT_EQ(mw_session_connect(x.s, "", 25), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(mw_session_connect(x.s, nullptr, 25), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(mw_session_connect(x.s, "localhost", 0), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

TEST(Session, CredentialsNeedTheirSize)
{
    Session x;
    SECURITYCREDENTIALS c{};
    c.dwSize = 4;
    EXPECT_EQ(mw_session_set_credentials(x.s, &c), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    c.dwSize = sizeof c;
    EXPECT_EQ(mw_session_set_credentials(x.s, &c), 0u);
    EXPECT_EQ(mw_session_set_credentials(x.s, nullptr), 0u);
}

} // namespace
