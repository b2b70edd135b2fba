// The parts of the engine contract the protocol layers build on, against the fake server:
// events raised by the engine while an operation runs, a per-operation deadline the engine
// may handle itself (IMAP IDLE), an orderly cancel, protocol state owned by the session, and
// the public non-blocking pair MailwireGetPollInfo / MailwireExecute.
#include <gtest/gtest.h>

#include "common/portable.h"

#include <chrono>
#include <thread>

#include "common/test_client.hpp"

extern "C" {
#include "core/session/client.h"
}
#include "fake_server.hpp"

namespace
{

using mwtest::FakeServer;
using mwtest::TestClient;
using Clock = std::chrono::steady_clock;

long long MsSince(Clock::time_point t0)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

size_t Count(const TestClient &c, unsigned ev)
{
    size_t n = 0;
    for (auto &e : c.Events())
        n += e.first == ev;
    return n;
}

TEST(EngineHooks, EngineEventsAreRaisedWhileTheOperationRuns)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("EHLO").Send("250-one\r\n250-two\r\n250 three\r\n").Start();
    TestClient c(0);
    c.engine().emit_commands = 1;
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    ASSERT_EQ(c.Command("EHLO me\r\n"), 0u);
    // One COMMAND per complete reply (the greeting and the three-line EHLO reply), not per line.
    EXPECT_EQ(Count(c, MAILWIRE_EVENT_COMMAND), 2u);
}

// An IDLE-like command: the server answers "+ idling" and then stays silent until the client
// says DONE. The operation's own deadline (300 ms, while the session timeout is 5 s) passes,
// the engine handles it by sending DONE, and the operation completes normally.
TEST(EngineHooks, EngineHandlesItsOwnDeadline)
{
    FakeServer srv;
    srv.Send("* OK hi\r\n")
        .ExpectLine("a IDLE")
        .Send("+ idling\r\n")
        .ExpectLine("DONE")
        .Send("a OK idle done\r\n")
        .ExpectLine("b NOOP")
        .Sleep(700)
        .Send("b OK\r\n")
        .Start();
    TestClient c(0, 5000, MWT_LE_LINES);
    c.engine().expire_cmd = "DONE\r\n";
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    mwt_le_command(&c.engine(), "a IDLE\r\n", static_cast<size_t>(-1));
    mwt_le_expect(&c.engine(), 1); // "+ idling", then the tagged OK
    ASSERT_EQ(mw_session_begin(c.session()), 0u);
    mw_session_set_op_timeout(c.session(), 300);
    auto t0 = Clock::now();
    ASSERT_EQ(mw_client_run(c.session()), 0u) << c.Detail();
    long long ms = MsSince(t0);
    EXPECT_GE(ms, 280);
    EXPECT_LT(ms, 3000);
    EXPECT_EQ(c.engine().expire_count, 1);
    EXPECT_NE(c.Replies().find("a OK idle done"), std::string::npos);
    // The per-operation timeout ended with the operation: a reply 700 ms later is fine again.
    ASSERT_EQ(c.Command("b NOOP\r\n"), 0u) << c.Detail();
    EXPECT_EQ(c.engine().expire_count, 1);
}

TEST(EngineHooks, OperationTimeoutWithoutEngineHandlingFailsWithTimeout)
{
    FakeServer srv;
    srv.Send("* OK hi\r\n").ExpectLine("a IDLE").Stall().Start();
    TestClient c(0, 5000, MWT_LE_LINES);
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    mwt_le_command(&c.engine(), "a IDLE\r\n", static_cast<size_t>(-1));
    ASSERT_EQ(mw_session_begin(c.session()), 0u);
    mw_session_set_op_timeout(c.session(), 300);
    auto t0 = Clock::now();
    EXPECT_EQ(mw_client_run(c.session()), (unsigned)ST_ERROR_TIMEOUT);
    EXPECT_LT(MsSince(t0), 2000);
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_TIMEOUT, ST_ERROR_TIMEOUT));
}

// Cancel from another thread while the engine can leave its state cleanly: it sends DONE,
// reads the answer, fails the operation with ST_ERROR_CANCELLED, and the connection stays up.
TEST(EngineHooks, OrderlyCancelKeepsTheConnection)
{
    FakeServer srv;
    srv.Send("* OK hi\r\n")
        .ExpectLine("a IDLE")
        .Send("+ idling\r\n")
        .ExpectLine("DONE")
        .Send("a OK idle done\r\n")
        .ExpectLine("b NOOP")
        .Send("b OK\r\n")
        .Start();
    TestClient c(0, 5000, MWT_LE_LINES);
    c.engine().cancel_cmd = "DONE\r\n";
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    mwt_le_command(&c.engine(), "a IDLE\r\n", static_cast<size_t>(-1));
    mwt_le_expect(&c.engine(), 1);
    ASSERT_EQ(mw_session_begin(c.session()), 0u);
    HCLIENT h = c.handle();
    std::thread canceller([h] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        MailwireCancel(h);
    });
    auto t0 = Clock::now();
    EXPECT_EQ(mw_client_run(c.session()), (unsigned)ST_ERROR_CANCELLED);
    canceller.join();
    EXPECT_LT(MsSince(t0), 2000);
    EXPECT_EQ(c.engine().cancel_count, 1);
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_CANCEL, ST_ERROR_CANCELLED));
    EXPECT_EQ(mw_session_phase(c.session()), MW_PH_OPEN);
    EXPECT_EQ(c.Command("b NOOP\r\n"), 0u) << c.Detail();
    EXPECT_TRUE(srv.WaitReceived("b NOOP"));
    EXPECT_EQ(srv.error(), "");
}

TEST(EngineHooks, CancelWithoutEngineHandlingDropsTheConnection)
{
    FakeServer srv;
    srv.Send("* OK hi\r\n").ExpectLine("a IDLE").Stall().Start();
    TestClient c(0, 5000, MWT_LE_LINES);
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    mwt_le_command(&c.engine(), "a IDLE\r\n", static_cast<size_t>(-1));
    ASSERT_EQ(mw_session_begin(c.session()), 0u);
    MailwireCancel(c.handle());
    EXPECT_EQ(mw_client_run(c.session()), (unsigned)ST_ERROR_CANCELLED);
    EXPECT_EQ(mw_session_phase(c.session()), MW_PH_CLOSED);
}

// The public non-blocking pair drives a connect and a command to completion with poll().
TEST(EngineHooks, PublicPollInfoAndExecuteDriveAnOperation)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("NOOP").Sleep(100).Send("250 ok\r\n").Start();
    TestClient c(0);
    HCLIENT h = c.handle();
    auto drive = [h]() {
        for (int i = 0; i < 1000; ++i) {
            int r = MailwireExecute(h);
            if (r != MAILWIRE_IN_PROGRESS)
                return r;
            EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_IN_PROGRESS);
            MAILWIRE_SOCKET sock;
            unsigned events = 0;
            int timeout = 0;
            EXPECT_EQ(MailwireGetPollInfo(h, &sock, &events, &timeout), 0);
            EXPECT_NE(events, 0u);
            mwt_wait_socket(sock, events, timeout);
        }
        return -100;
    };
    ASSERT_EQ(c.StartConnect("127.0.0.1", srv.port()), 0u);
    EXPECT_EQ(drive(), 0);
    mwt_le_command(&c.engine(), "NOOP\r\n", static_cast<size_t>(-1));
    ASSERT_EQ(mw_session_begin(c.session()), 0u);
    EXPECT_EQ(drive(), 0);
    EXPECT_NE(c.Replies().find("250 ok"), std::string::npos);
    // Nothing running: Execute reports the last operation's result.
    EXPECT_EQ(MailwireExecute(h), 0);
    EXPECT_EQ(MailwireGetPollInfo(h, nullptr, nullptr, nullptr), MAILWIRE_ERROR);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

TEST(EngineHooks, ExecuteKeepsReportingAFailure)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("NOOP").Close().Start();
    TestClient c(0);
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    EXPECT_EQ(c.Command("NOOP\r\n"), (unsigned)ST_ERROR_CONNECTION_CLOSED);
    MailwireSetLastError(ST_ERROR_NONE);
    EXPECT_EQ(MailwireExecute(c.handle()), MAILWIRE_ERROR);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_CONNECTION_CLOSED);
    EXPECT_NE(std::string(MailwireGetLastErrorDetail()).find("closed"), std::string::npos);
}

// A send that would block (the server reads nothing for a while, the socket buffers fill) is a
// wait, never an end of the operation: the blocking loop returns only with the reply, and the
// non-blocking execute keeps reporting "in progress".
TEST(EngineHooks, ASendThatWouldBlockIsAWaitNotAnEnd)
{
    const size_t bulk = 16 * 1024 * 1024;
    for (int nonblocking = 0; nonblocking < 2; ++nonblocking) {
        FakeServer srv;
        srv.Send("220 hi\r\n")
            .Sleep(300)
            .ReadBytes(bulk)
            .ExpectLine("NOOP")
            .Send("250 all read\r\n")
            .Start();
        TestClient c(0, 10000);
        ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
        c.engine().bulk = bulk;
        mwt_le_command(&c.engine(), "NOOP\r\n", static_cast<size_t>(-1));
        ASSERT_EQ(mw_session_begin(c.session()), 0u);
        if (!nonblocking) {
            EXPECT_EQ(mw_client_run(c.session()), 0u) << c.Detail();
        } else {
            int r, rounds = 0;
            while ((r = MailwireExecute(c.handle())) == MAILWIRE_IN_PROGRESS) {
                MAILWIRE_SOCKET sock;
                unsigned events = 0;
                int timeout = 0;
                ASSERT_EQ(MailwireGetPollInfo(c.handle(), &sock, &events, &timeout), 0);
                mwt_wait_socket(sock, events, timeout);
                ++rounds;
            }
            EXPECT_EQ(r, 0) << MailwireGetLastError() << " " << MailwireGetLastErrorDetail();
            EXPECT_GT(rounds, 1); // it did have to wait for the socket
        }
        EXPECT_NE(c.Replies().find("250 all read"), std::string::npos) << c.Replies();
        EXPECT_EQ(c.engine().bulk_sent, bulk);
    }
}

int g_destroyed;
void Destroy(void *p)
{
    ++g_destroyed;
    delete static_cast<int *>(p);
}

TEST(EngineHooks, ProtocolStateBelongsToTheSession)
{
    g_destroyed = 0;
    mw_session *s = mw_session_new(0, 1000);
    ASSERT_NE(s, nullptr);
    HCLIENT h = mw_handle_register(s);
    mw_session_set_protocol(s, MW_PROTO_SMTP, new int(7), Destroy);
    mw_session *found = nullptr;
    void *data = nullptr;
    ASSERT_EQ(mw_client_lookup(h, MW_PROTO_SMTP, &found, &data), 0u);
    EXPECT_EQ(found, s);
    EXPECT_EQ(*static_cast<int *>(data), 7);
    // An SMTP handle given to an IMAP call is not a valid handle there.
    EXPECT_EQ(mw_client_lookup(h, MW_PROTO_IMAP, &found, &data), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    mw_handle_unregister(h);
    mw_session_free(s);
    EXPECT_EQ(g_destroyed, 1);
}

void FreeInCallback(HCLIENT, unsigned, unsigned, void *user)
{
    mw_session_free(static_cast<mw_session *>(user));
}

TEST(EngineHooks, ProtocolStateIsFreedWhenACallbackFreesTheSession)
{
    g_destroyed = 0;
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("NOOP").Send("250 ok\r\n").Start();
    mwt_line_engine e;
    mwt_le_init(&e, MWT_LE_SMTP, 4096);
    e.emit_commands = 1;
    mw_session *s = mw_session_new(0, 5000);
    mw_session_set_engine(s, &mwt_line_engine_ops, &e);
    mw_session_set_protocol(s, 99 /* a test protocol */, new int(1), Destroy);
    mwt_le_expect(&e, 1);
    ASSERT_EQ(mw_session_connect(s, "127.0.0.1", srv.port()), 0u);
    ASSERT_EQ(mw_client_run(s), 0u);
    ASSERT_EQ(mw_session_register_event(s, MAILWIRE_EVENT_COMMAND, FreeInCallback, s), 0);
    mwt_le_command(&e, "NOOP\r\n", static_cast<size_t>(-1));
    ASSERT_EQ(mw_session_begin(s), 0u);
    EXPECT_EQ(mw_client_run(s), (unsigned)ST_ERROR_INVALID_HANDLE); // s is gone (ASan checks)
    EXPECT_EQ(g_destroyed, 1);
    mwt_le_free(&e);
}

} // namespace
