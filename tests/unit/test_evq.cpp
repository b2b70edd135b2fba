// The bounded event queue both engines raise their events through (core/util/evq.h).
#include <gtest/gtest.h>

#include <utility>
#include <vector>

extern "C" {
#include <mailwire/common.h>

#include "core/util/evq.h"
}

namespace
{

using Events = std::vector<std::pair<unsigned, unsigned>>;

// Everything queued, oldest first.
Events Drain(mw_evq &q)
{
    Events out;
    unsigned err = 0, ev;
    while ((ev = mw_evq_pop(&q, &err)) != 0)
        out.emplace_back(ev, err);
    return out;
}

TEST(EventQueue, EventsComeOutInOrderWithTheirErrors)
{
    mw_evq q{};
    unsigned err = 1234;
    EXPECT_EQ(mw_evq_pop(&q, &err), 0u) << "a zeroed queue is empty";
    EXPECT_EQ(err, 1234u) << "an empty queue leaves the error alone";
    mw_evq_push(&q, MAILWIRE_EVENT_CONNECT, ST_ERROR_NONE);
    mw_evq_push(&q, MAILWIRE_EVENT_COMMAND, ST_ERROR_NONE);
    mw_evq_push(&q, MAILWIRE_EVENT_COMMAND, ST_ERROR_SERVER_PERMANENT);
    mw_evq_push(&q, 0, ST_ERROR_TIMEOUT); // "no event" is never queued
    EXPECT_EQ(Drain(q), (Events{{MAILWIRE_EVENT_CONNECT, ST_ERROR_NONE},
                                {MAILWIRE_EVENT_COMMAND, ST_ERROR_NONE},
                                {MAILWIRE_EVENT_COMMAND, ST_ERROR_SERVER_PERMANENT}}));
    EXPECT_EQ(mw_evq_pop(&q, &err), 0u);
}

TEST(EventQueue, ProgressWaitsOnceButOtherEventsRepeat)
{
    mw_evq q{};
    mw_evq_push(&q, MAILWIRE_EVENT_PROGRESS, 0);
    mw_evq_push(&q, MAILWIRE_EVENT_UPDATE, 0);
    mw_evq_push(&q, MAILWIRE_EVENT_PROGRESS, 0);
    mw_evq_push(&q, MAILWIRE_EVENT_UPDATE, 0);
    EXPECT_EQ(Drain(q), (Events{{MAILWIRE_EVENT_PROGRESS, 0},
                                {MAILWIRE_EVENT_UPDATE, 0},
                                {MAILWIRE_EVENT_UPDATE, 0}}));
    // Once raised, the next PROGRESS is news again.
    mw_evq_push(&q, MAILWIRE_EVENT_PROGRESS, 0);
    EXPECT_EQ(Drain(q), (Events{{MAILWIRE_EVENT_PROGRESS, 0}}));
}

TEST(EventQueue, AFullQueueDropsNewEventsAndKeepsItsOrderAcrossTheWrap)
{
    mw_evq q{};
    unsigned err = 0;
    // Move the start of the ring away from slot 0, so that filling it wraps around.
    for (unsigned i = 0; i < MW_EVQ_CAP / 2; i++) {
        mw_evq_push(&q, MAILWIRE_EVENT_COMMAND, i);
        ASSERT_EQ(mw_evq_pop(&q, &err), static_cast<unsigned>(MAILWIRE_EVENT_COMMAND));
        ASSERT_EQ(err, i);
    }
    Events want;
    for (unsigned i = 0; i < MW_EVQ_CAP; i++) {
        mw_evq_push(&q, MAILWIRE_EVENT_COMMAND, 1000 + i);
        want.emplace_back(MAILWIRE_EVENT_COMMAND, 1000 + i);
    }
    mw_evq_push(&q, MAILWIRE_EVENT_DISCONNECT, ST_ERROR_NONE);
    mw_evq_push(&q, MAILWIRE_EVENT_PROGRESS, ST_ERROR_NONE);
    EXPECT_EQ(Drain(q), want) << "the events that did not fit are dropped, the others kept";
    mw_evq_push(&q, MAILWIRE_EVENT_DISCONNECT, ST_ERROR_NONE);
    EXPECT_EQ(Drain(q), (Events{{MAILWIRE_EVENT_DISCONNECT, ST_ERROR_NONE}}))
        << "drained, the queue takes events again";
}

} // namespace
