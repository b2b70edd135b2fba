// Network faults against the fake server: stalls and timeouts, cancel from another thread,
// refused and unresolvable hosts, closed connections, overlong lines, the non-blocking step
// API driving many sessions from one thread.
#include <gtest/gtest.h>

#include "common/portable.h"

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "common/test_client.hpp"

extern "C" {
#include "core/platform/resolve.h"
}
#include "fake_server.hpp"
#include "test_certs.hpp"

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;
using mwtest::TestClient;
using Clock = std::chrono::steady_clock;

long long MsSince(Clock::time_point t0)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

TEST(Timeout, ServerThatNeverSpeaksTimesOutWithinTimeoutPlusOneSecond)
{
    FakeServer srv;
    srv.Stall().Start();
    TestClient c(0, 1000);
    auto t0 = Clock::now();
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_TIMEOUT);
    long long ms = MsSince(t0);
    EXPECT_GE(ms, 950);
    EXPECT_LE(ms, 2000);
    EXPECT_NE(c.Detail().find("server reply"), std::string::npos) << c.Detail();
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_TIMEOUT, ST_ERROR_TIMEOUT));
    EXPECT_EQ(mw_session_phase(c.session()), MW_PH_CLOSED);
}

// The first TLS handshake of a process loads the trust store into the shared credentials cache
// (under Wine: the Windows system store through crypt32, up to a second on a loaded machine).
// The timing tests below measure how a stalled handshake is handled, not that load: a first
// handshake against a stalling server of its own leaves the credentials cached (idle).
void WarmTheTrustStore()
{
    FakeServer warm;
    warm.StallHandshake().Start();
    TestClient w(MAILWIRE_OPTION_SECURE_IMPLICIT, 300);
    EXPECT_EQ(w.Connect("localhost", warm.port()), (unsigned)ST_ERROR_TIMEOUT) << w.Detail();
}

TEST(Timeout, StallInTheTlsHandshakeTimesOutWithinTimeoutPlusOneSecond)
{
    WarmTheTrustStore();
    FakeServer srv;
    srv.StallHandshake().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT, 1000);
    auto t0 = Clock::now();
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_TIMEOUT);
    long long ms = MsSince(t0);
    EXPECT_GE(ms, 950);
    EXPECT_LE(ms, 2000);
    EXPECT_NE(c.Detail().find("TLS handshake"), std::string::npos) << c.Detail();
    EXPECT_TRUE(srv.client_hello_seen());
}

TEST(Timeout, TricklingServerDoesNotExtendTheReplyDeadline)
{
    // One byte every 200 ms: the reply would take 4 s; the 1 s deadline holds.
    FakeServer srv;
    srv.SendBytewise("220 a slow greeting\r\n", 200).Start();
    TestClient c(0, 1000);
    auto t0 = Clock::now();
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_TIMEOUT);
    EXPECT_LE(MsSince(t0), 2000);
}

TEST(Timeout, EachReplyGetsItsOwnTimeout)
{
    // Three replies 600 ms apart: each within the 1 s timeout, all together well beyond it.
    FakeServer srv;
    srv.Send("220 one\r\n").Sleep(600).Send("220 two\r\n").Sleep(600).Send("220 three\r\n").Start();
    TestClient c(0, 1000);
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port(), 3), 0u) << c.Detail();
    EXPECT_EQ(c.Replies(), "220 one\n220 two\n220 three\n");
}

TEST(Cancel, FromAnotherThreadEndsABlockedWaitPromptly)
{
    FakeServer srv;
    srv.Stall().Start();
    TestClient c(0, 20000);
    HCLIENT h = c.handle();
    std::thread canceller([h] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        EXPECT_EQ(MailwireCancel(h), 0);
    });
    auto t0 = Clock::now();
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_CANCELLED);
    long long ms = MsSince(t0);
    canceller.join();
    EXPECT_GE(ms, 250);
    EXPECT_LE(ms, 1000) << "cancel must wake the poll, not wait for the timeout";
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_CANCELLED);
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_CANCEL, ST_ERROR_CANCELLED));
    EXPECT_EQ(mw_session_phase(c.session()), MW_PH_CLOSED);
}

TEST(Cancel, DuringTheTlsHandshake)
{
    WarmTheTrustStore();
    FakeServer srv;
    srv.StallHandshake().Start();
    TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT, 20000);
    HCLIENT h = c.handle();
    std::thread canceller([h] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        MailwireCancel(h);
    });
    auto t0 = Clock::now();
    EXPECT_EQ(c.Connect("localhost", srv.port()), (unsigned)ST_ERROR_CANCELLED);
    canceller.join();
    EXPECT_LE(MsSince(t0), 1000);
}

uint16_t ClosedPort()
{
    FakeServer srv; // bound, then destroyed: nothing listens there any more
    return srv.port();
}

TEST(Connect, RefusedPortReportsRefusedWithTheAddress)
{
    uint16_t port = ClosedPort();
    TestClient c(0, 3000);
    EXPECT_EQ(c.Connect("127.0.0.1", port), (unsigned)ST_ERROR_CONNECT_REFUSED);
    EXPECT_NE(c.Detail().find("127.0.0.1"), std::string::npos) << c.Detail();
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_CONNECT, ST_ERROR_CONNECT_REFUSED));
    EXPECT_STRNE(MailwireGetLastErrorDetail(), "");
}

TEST(Connect, UnresolvableHostReportsResolveFailed)
{
    TestClient c(0, 5000);
    EXPECT_EQ(c.Connect("no-such-host.invalid", 25), (unsigned)ST_ERROR_RESOLVE_FAILED);
    EXPECT_NE(c.Detail().find("no-such-host.invalid"), std::string::npos) << c.Detail();
}

TEST(Connect, HostNameIsResolvedOnAHelperThread)
{
    FakeServer srv;
    srv.Send("220 named\r\n").Start();
    TestClient c(0, 3000);
    EXPECT_EQ(c.Connect("localhost", srv.port()), 0u) << c.Detail();
    EXPECT_EQ(c.Replies(), "220 named\n");
    EXPECT_TRUE(mw_session_peer_is_loopback(c.session()));
}

TEST(Connect, Ipv6Literal)
{
    if (!FakeServer::Ipv6Available())
        GTEST_SKIP() << "this machine has no ::1";
    FakeServerOptions o;
    o.ipv6 = true;
    FakeServer srv(o);
    srv.Send("220 over ipv6\r\n").Start();
    TestClient c(MAILWIRE_OPTION_PREFER_IPV6, 3000);
    EXPECT_EQ(c.Connect("::1", srv.port()), 0u) << c.Detail();
    EXPECT_EQ(c.Replies(), "220 over ipv6\n");
}

TEST(Connect, AlreadyConnectedIsRefused)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").Stall().Start();
    TestClient c(0, 3000);
    ASSERT_EQ(c.Connect("127.0.0.1", srv.port()), 0u);
    EXPECT_EQ(mw_session_connect(c.session(), "127.0.0.1", srv.port()),
              (unsigned)ST_ERROR_ALREADY_CONNECTED);
}

TEST(Connection, ServerClosingMidReplyIsReportedAsClosed)
{
    FakeServer srv;
    srv.Send("220-first line\r\n").Close().Start();
    TestClient c(0, 3000);
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_CONNECTION_CLOSED);
    EXPECT_TRUE(c.SawEvent(MAILWIRE_EVENT_DISCONNECT, ST_ERROR_CONNECTION_CLOSED));
}

TEST(Connection, ResetIsReportedAsClosed)
{
    FakeServer srv;
    srv.Send("220-first line\r\n").Sleep(50).Reset().Start();
    TestClient c(0, 3000);
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_CONNECTION_CLOSED)
        << c.Detail();
}

TEST(Connection, OverlongLineHitsTheLimit)
{
    FakeServer srv;
    srv.Send("220 " + std::string(100000, 'x') + "\r\n").Start();
    TestClient c(0, 3000, MWT_LE_SMTP, 1024);
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_LIMIT_EXCEEDED);
    EXPECT_EQ(mw_session_phase(c.session()), MW_PH_CLOSED);
}

TEST(Connection, NulInAReplyIsAProtocolViolation)
{
    FakeServer srv;
    srv.Send(std::string("220 bad\0byte\r\n", 14)).Start();
    TestClient c(0, 3000);
    EXPECT_EQ(c.Connect("127.0.0.1", srv.port()), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(Events, FreeingTheSessionInsideACallbackIsDeferred)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").Start();
    mw_session *s = mw_session_new(0, 3000);
    mwt_line_engine e;
    mwt_le_init(&e, MWT_LE_SMTP, 1024);
    mw_session_set_engine(s, &mwt_line_engine_ops, &e);
    mwt_le_expect(&e, 1);
    struct Ctx {
        mw_session *s;
        int calls;
    } ctx{s, 0};
    mw_session_register_event(
        s, MAILWIRE_EVENT_CONNECT,
        [](HCLIENT, unsigned, unsigned, void *u) {
            auto *c = static_cast<Ctx *>(u);
            c->calls++;
            mw_session_free(c->s); // deferred: the dispatcher still uses the session
        },
        &ctx);
    ASSERT_EQ(mw_session_connect(s, "127.0.0.1", srv.port()), 0u);
    // The blocking loop notices the free once the dispatcher unwound; ASan checks that
    // nothing touched the session afterwards and that nothing leaked.
    EXPECT_EQ(mw_client_run(s), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(ctx.calls, 1);
    mwt_le_free(&e);
}

// ---- the non-blocking step API ---------------------------------------------------------------

TEST(NonBlocking, OneThreadDrivesManySessions)
{
    constexpr int kSessions = 20;
    FakeServerOptions o;
    o.implicit_tls = true;
    o.tls.cert_file = TestCertPath("valid.pem");
    o.tls.key_file = TestCertPath("valid-key.pem");
    o.accept_count = kSessions;
    FakeServer srv(o);
    srv.SendBytewise("220 greeting\r\n").ExpectLine("NOOP").Send("250 ok\r\n").Start();

    std::string ca = TestCertPath("ca.pem");
    SECURITYCREDENTIALS cr{};
    cr.dwSize = sizeof cr;
    cr.lpszCAFile = ca.c_str();
    std::vector<std::unique_ptr<TestClient>> clients;
    std::vector<int> stage(kSessions, 0); // 0 connecting, 1 noop, 2 done
    for (int i = 0; i < kSessions; ++i) {
        clients.push_back(std::make_unique<TestClient>(MAILWIRE_OPTION_SECURE_IMPLICIT, 10000));
        clients.back()->SetCredentials(cr);
        ASSERT_EQ(clients.back()->StartConnect("localhost", srv.port()), 0u);
    }
    int done = 0;
    auto t0 = Clock::now();
    while (done < kSessions && MsSince(t0) < 20000) {
        std::vector<mwt_pollfd> fds;
        std::vector<int> who;
        int timeout = 1000;
        for (int i = 0; i < kSessions; ++i) {
            if (stage[i] == 2)
                continue;
            mw_session *s = clients[i]->session();
            int r = mw_session_step(s);
            ASSERT_NE(r, MW_STEP_FAILED) << i << ": " << clients[i]->Detail();
            if (r == MW_STEP_DONE) {
                if (stage[i] == 0) {
                    mwt_le_command(&clients[i]->engine(), "NOOP\r\n", static_cast<size_t>(-1));
                    ASSERT_EQ(mw_session_begin(s), 0u);
                    stage[i] = 1;
                    --i; // step it again at once
                    continue;
                }
                stage[i] = 2;
                ++done;
                continue;
            }
            mw_socket_t sock;
            int want, t;
            mw_session_wait_info(s, &sock, &want, &t);
            if (t >= 0 && t < timeout)
                timeout = t;
            mwt_pollfd p{sock,
                         static_cast<short>(((want & MW_WANT_READ) ? POLLIN : 0) |
                                            ((want & MW_WANT_WRITE) ? POLLOUT : 0)),
                         0};
            fds.push_back(p);
            who.push_back(i);
        }
        if (!fds.empty())
            mwt_poll(fds.data(), fds.size(), timeout);
    }
    EXPECT_EQ(done, kSessions);
    for (auto &c : clients) {
        EXPECT_EQ(c->Replies(), "220 greeting\n250 ok\n");
        EXPECT_TRUE(c->SawEvent(MAILWIRE_EVENT_CONNECT, ST_ERROR_NONE));
    }
    EXPECT_TRUE(srv.WaitDone());
    EXPECT_EQ(srv.error(), "");
}

// getaddrinfo() cannot be interrupted; the resolver thread keeps it off the caller's path.
struct SlowDns {
    explicit SlowDns(unsigned ms)
    {
        mw_resolve_set_test_delay(ms);
    }
    ~SlowDns()
    {
        mw_resolve_set_test_delay(0);
    }
};

TEST(NonBlocking, NameResolutionNeverBlocksTheCaller)
{
    FakeServer srv;
    srv.Send("220 resolved\r\n").Start();
    SlowDns slow(800);
    TestClient c(0, 5000);
    auto t0 = Clock::now();
    ASSERT_EQ(c.StartConnect("localhost", srv.port()), 0u);
    EXPECT_EQ(mw_session_step(c.session()), MW_STEP_WAIT);
    EXPECT_LT(MsSince(t0), 300) << "starting and stepping do not wait for DNS";
    EXPECT_EQ(mw_session_phase(c.session()), MW_PH_RESOLVING);
    // While resolving, the wait is on the wake-up channel, which the resolver signals.
    mw_socket_t sock;
    int want, timeout;
    mw_session_wait_info(c.session(), &sock, &want, &timeout);
    ASSERT_NE(sock, MW_INVALID_SOCKET);
    EXPECT_EQ(want, MW_WANT_READ);
    EXPECT_EQ(mwt_wait_socket(sock, MW_WANT_READ, 3000), 1)
        << "the resolver wakes the caller's poll";
    EXPECT_GE(MsSince(t0), 700);
    EXPECT_EQ(mw_client_run(c.session()), 0u) << c.Detail();
    EXPECT_EQ(c.Replies(), "220 resolved\n");
}

TEST(Cancel, DuringNameResolutionReturnsAtOnce)
{
    SlowDns slow(1000);
    {
        TestClient c(0, 20000);
        HCLIENT h = c.handle();
        std::thread canceller([h] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            MailwireCancel(h);
        });
        auto t0 = Clock::now();
        EXPECT_EQ(c.Connect("localhost", 25), (unsigned)ST_ERROR_CANCELLED);
        EXPECT_LT(MsSince(t0), 700) << "the abandoned lookup goes on without the caller";
        canceller.join();
    } // the session is freed while its lookup still runs
    // Let the abandoned thread finish (it must not touch the freed session), so the leak
    // checker sees its job released.
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
}

TEST(NonBlocking, StepNeverWaitsForTheServer)
{
    FakeServer srv;
    srv.Sleep(1500).Send("220 late\r\n").Start();
    TestClient c(0, 5000);
    ASSERT_EQ(c.StartConnect("127.0.0.1", srv.port()), 0u);
    auto t0 = Clock::now();
    int r = MW_STEP_WAIT;
    for (int i = 0; i < 5 && r == MW_STEP_WAIT; ++i)
        r = mw_session_step(c.session());
    EXPECT_EQ(r, MW_STEP_WAIT);
    EXPECT_LT(MsSince(t0), 500) << "steps return at once while the server is silent";
    mw_socket_t sock;
    int want, timeout;
    mw_session_wait_info(c.session(), &sock, &want, &timeout);
    EXPECT_NE(sock, MW_INVALID_SOCKET);
    EXPECT_TRUE(want & MW_WANT_READ);
    EXPECT_GT(timeout, 3000);
    EXPECT_LE(timeout, 5000);
    EXPECT_EQ(mw_client_run(c.session()), 0u);
    EXPECT_EQ(c.Replies(), "220 late\n");
}

} // namespace
