// What the event-loop drivers (<mailwire/adapters/glib.h>, <mailwire/adapters/libuv.h>) are
// tested with, written once for any loop: a test file implements Loop for its library and runs
// the scenarios below against the fixture's real Postfix and Dovecot. The sessions are driven
// by the driver under test alone: no scenario calls MailwireExecute() or polls anything
// itself. Each operation's end comes from its COMPLETE event, which starts the next step.
#pragma once

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <mailwire/imap.h>
#include <mailwire/smtp.h>

#include "common/fixture_env.hpp"
#include "common/unique.hpp"

namespace adapters
{

using mwtest::Unique;

// What a test's event loop offers the scenarios.
class Loop
{
  public:
    virtual ~Loop() = default;
    // Put the session under the driver being tested; false when it refused (last error set).
    virtual bool Attach(HCLIENT h) = 0;
    // Take the driver off a session that stays open.
    virtual void Detach(HCLIENT h) = 0;
    // Run fn on the loop after ms milliseconds.
    virtual void Later(unsigned ms, std::function<void()> fn) = 0;
    // Run until Quit() (called from a callback on the loop).
    virtual void Run() = 0;
    virtual void Quit() = 0;
    // Run what is ready without waiting, until nothing is (closed handles, removed sources).
    // Not from a callback on the loop (libuv's uv_run() is not reentrant).
    virtual void Settle() = 0;
    // Drivers still on the loop (attached and not yet gone).
    virtual int Drivers() = 0;
    // A 10 ms repeating timer on the loop, for LongestGapMs(); stopped by Quit().
    virtual void StartTicker() = 0;
    // The longest time between two ticks: how long the loop was kept from running.
    virtual double LongestGapMs() = 0;
    // Iterations of the loop so far: a loop with nothing to do sleeps in one.
    virtual long Iterations() = 0;
};

inline const mwtest::Fixture &Fx()
{
    return mwtest::Fixture::Get();
}

inline double Now()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// CPU time of the calling thread (the loop's): a loop that spins burns it, one that waits
// does not.
inline double ThreadCpu()
{
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// An RFC 5322 message of about body_bytes: lines of many lengths up to the 998-octet limit,
// lines that start with a dot and lines that are a lone dot (dot-stuffed on the wire, as they
// were once delivered), all of it CRLF-terminated as the library sends it.
inline std::string MakeMessage(const std::string &token, size_t body_bytes)
{
    std::string m = "From: Alice <alice@localhost>\r\nTo: alice@localhost\r\nSubject: " + token +
                    "\r\nMessage-ID: <" + token +
                    "@mailwire.test>\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
    uint32_t x = 2463534242u;
    size_t start = m.size();
    for (size_t i = 0; m.size() - start < body_bytes; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        if (i % 97 == 0) {
            m += ".\r\n";
            continue;
        }
        size_t len = i % 41 == 0 ? 998 : 1 + x % 120;
        std::string line = i % 5 == 0 ? "." : "";
        while (line.size() < len) {
            x = x * 1103515245u + 12345u;
            line += static_cast<char>(0x20 + (x >> 16) % 95); // printable ASCII and space
        }
        m += line + "\r\n";
    }
    return m;
}

// fetched is sent with only the servers' trace header fields in front of it.
inline ::testing::AssertionResult CameBackAsSent(const std::string &fetched,
                                                 const std::string &sent)
{
    if (fetched.size() < sent.size())
        return ::testing::AssertionFailure()
               << "fetched " << fetched.size() << " bytes, sent " << sent.size();
    size_t added = fetched.size() - sent.size();
    if (fetched.compare(added, std::string::npos, sent) != 0) {
        size_t i = 0;
        while (fetched[added + i] == sent[i])
            i++;
        return ::testing::AssertionFailure() << "differs at byte " << i << " of the " << sent.size()
                                             << " sent: " << fetched.substr(added + i, 40)
                                             << " instead of " << sent.substr(i, 40);
    }
    for (size_t pos = 0; pos < added;) {
        size_t eol = fetched.find("\r\n", pos);
        if (eol == std::string::npos || eol >= added)
            return ::testing::AssertionFailure() << "the added part does not end in CRLF";
        std::string line = fetched.substr(pos, eol - pos);
        bool trace = line[0] == ' ' || line[0] == '\t' || line.rfind("Return-Path:", 0) == 0 ||
                     line.rfind("Delivered-To:", 0) == 0 || line.rfind("Received:", 0) == 0;
        if (!trace)
            return ::testing::AssertionFailure() << "the server added: " << line;
        pos = eol + 2;
    }
    return ::testing::AssertionSuccess() << added << " bytes of trace fields added";
}

// One session under the driver: every COMPLETE is recorded with the operation it ended and
// runs the continuation of that operation.
class Flow;
struct Session {
    Flow *flow = nullptr;
    const char *name = "";
    HCLIENT h = INVALID_CLIENT;
    std::string running; // the operation in progress, "" when none
    std::function<void()> then;
    std::vector<std::pair<std::string, unsigned>> completes;
};

// The base of the scenarios: sessions, failure, the end.
class Flow
{
  public:
    explicit Flow(Loop &loop) : loop_(loop)
    {
        ca_ = Fx().Value("MW_CA_FILE");
        cred_.dwSize = sizeof cred_;
        cred_.lpszCAFile = ca_.c_str();
    }
    virtual ~Flow() = default;

    std::string failure; // the first thing that went wrong, "" when nothing did

    // Runs the scenario until Quit(), with a guard against a driver that loses its way.
    void Run(unsigned guard_ms)
    {
        loop_.Later(guard_ms, [this] { Fail("the scenario did not end in time", 0); });
        Start();
        loop_.Run();
        loop_.Settle();
    }

  protected:
    virtual void Start() = 0;

    static void MAILWIRE_CALLBACK OnComplete(HCLIENT, unsigned, unsigned err, void *user)
    {
        Session *s = static_cast<Session *>(user);
        std::string what = s->running.empty() ? "(nothing running)" : s->running;
        s->completes.emplace_back(what, err);
        s->running.clear();
        std::function<void()> then = std::move(s->then);
        s->then = nullptr;
        if (err)
            s->flow->Fail(std::string(s->name) + " " + what, err);
        else if (then)
            then();
    }

    // A new non-blocking session (h from an AsyncConnect call) under the driver; the connect's
    // COMPLETE runs then.
    bool Open(Session &s, const char *name, HCLIENT h, std::function<void()> then)
    {
        s.flow = this;
        s.name = name;
        s.h = h;
        if (h == INVALID_CLIENT)
            return Fail(std::string(name) + " connect did not start", MailwireGetLastError());
        if (MailwireRegisterEvent(h, MAILWIRE_EVENT_COMPLETE, OnComplete, &s) != 0 ||
            !loop_.Attach(h))
            return Fail(std::string(name) + ": no driver", MailwireGetLastError());
        s.running = "connect";
        s.then = std::move(then);
        return true;
    }

    // An operation started on s (result is what the starting call returned): it must be in
    // progress, and its COMPLETE runs then.
    bool Begin(Session &s, const char *what, int result, std::function<void()> then)
    {
        if (result != MAILWIRE_IN_PROGRESS)
            return Fail(std::string(s.name) + " " + what + " did not start",
                        MailwireGetLastError());
        s.running = what;
        s.then = std::move(then);
        return true;
    }

    void Close(Session &s)
    {
        if (s.h == INVALID_CLIENT)
            return;
        HCLIENT h = s.h;
        s.h = INVALID_CLIENT;
        // Either protocol's disconnect frees any session; the one that matches says QUIT or
        // LOGOUT.
        if (std::string(s.name) == "SMTP")
            SmtpDisconnect(h);
        else
            ImapDisconnect(h);
    }

  public:
    bool Fail(const std::string &what, unsigned err)
    {
        if (failure.empty()) {
            failure = what;
            if (err)
                failure += std::string(": ") + MailwireGetErrorString(err) + " (" +
                           MailwireGetLastErrorDetail() + ")";
        }
        Finish();
        return false;
    }

  protected:
    virtual void Finish()
    {
        loop_.Quit();
    }

    Loop &loop_;
    std::string ca_;
    SECURITYCREDENTIALS cred_{};
};

// The round trip: IMAP logs in, selects INBOX and waits in IDLE; meanwhile SMTP (STARTTLS, AUTH
// as alice) sends a message to alice on the same loop; the IDLE ends when it is delivered, a
// search finds it, and it is fetched back whole.
class RoundTrip : public Flow
{
  public:
    RoundTrip(Loop &loop, size_t body_bytes)
        : Flow(loop), token_(Unique("adapters")), sent(MakeMessage(token_, body_bytes))
    {
        buffer_.resize(sent.size() + 65536);
    }
    ~RoundTrip() override
    {
        Close(smtp);
        Close(imap);
    }

    std::string token_;
    const std::string sent;
    std::string fetched;
    Session smtp, imap;
    int idles = 0;

  private:
    void Start() override
    {
        Open(imap, "IMAP",
             ImapAsyncConnect(Fx().Value("MW_HOST").c_str(), Fx().Port("MW_IMAP_PORT"), 20,
                              IMAP_OPTION_SECURE, &cred_),
             [this] {
                 Begin(imap, "login",
                       ImapLogin(imap.h, IMAP_AUTH_AUTO, Fx().Value("MW_USER1").c_str(),
                                 Fx().Value("MW_PASS1").c_str()),
                       [this] {
                           Begin(imap, "select", ImapSelectMailbox(imap.h, "INBOX", nullptr),
                                 [this] { Search(); });
                       });
             });
    }

    void Search()
    {
        criteria_ = "HEADER Message-ID \"<" + token_ + "@mailwire.test>\"";
        count_ = 1;
        Begin(imap, "search",
              ImapSearchMailbox(imap.h, nullptr, criteria_.c_str(), 0, &id_, &count_), [this] {
                  if (count_ > 0)
                      Fetch();
                  else
                      Idle();
              });
    }

    // Wait for mail in IDLE; the first one also sends the message, so that its delivery is
    // what ends an IDLE (other tests deliver to alice too: then search and wait again).
    void Idle()
    {
        if (!Begin(imap, "idle", ImapIdle(imap.h, 20, IMAP_IDLE_WAIT, &changes_),
                   [this] { Search(); }))
            return;
        if (idles++ == 0)
            Send();
    }

    void Send()
    {
        Open(smtp, "SMTP",
             SmtpAsyncConnect(Fx().Value("MW_HOST").c_str(), Fx().Port("MW_SUBMISSION_PORT"), 20,
                              SMTP_OPTION_SECURE, nullptr, &cred_),
             [this] {
                 Begin(smtp, "auth",
                       SmtpAuthenticate(smtp.h, SMTP_AUTH_AUTO, Fx().Value("MW_USER1").c_str(),
                                        Fx().Value("MW_PASS1").c_str()),
                       [this] {
                           Begin(smtp, "send",
                                 SmtpSendMessage(smtp.h, "alice@localhost", "alice@localhost",
                                                 sent.data(), sent.size(), SMTP_MESSAGE_MEMORY),
                                 [this] {
                                     Close(smtp); // from inside the session's own handler
                                     MaybeDone();
                                 });
                       });
             });
    }

    void Fetch()
    {
        length_ = buffer_.size();
        Begin(imap, "fetch", ImapGetMessage(imap.h, id_, 0, &buffer_[0], &length_, 0), [this] {
            fetched.assign(buffer_.data(), length_);
            Close(imap);
            MaybeDone();
        });
    }

    void MaybeDone()
    {
        if (smtp.h == INVALID_CLIENT && imap.h == INVALID_CLIENT)
            Finish();
    }

    void Finish() override
    {
        Close(smtp);
        Close(imap);
        Flow::Finish();
    }

    std::string criteria_;
    uint32_t id_ = 0;
    size_t count_ = 0;
    unsigned changes_ = 0;
    std::vector<char> buffer_;
    size_t length_ = 0;
};

// The scenarios, with the assertions a user would make.

// A 2 MiB message sent and fetched back over STARTTLS, both sessions on one loop, driven by the
// driver alone; the loop is never kept busy long, and the drivers are gone with the sessions.
inline void SendAndFetchBack(Loop &loop)
{
    RoundTrip rt(loop, 2u << 20);
    loop.StartTicker();
    rt.Run(60000);
    ASSERT_EQ(rt.failure, "");
    EXPECT_TRUE(CameBackAsSent(rt.fetched, rt.sent));
    // COMPLETE once per operation, in order, each with success.
    using Steps = std::vector<std::pair<std::string, unsigned>>;
    EXPECT_EQ(rt.smtp.completes, (Steps{{"connect", 0}, {"auth", 0}, {"send", 0}}));
    ASSERT_GE(rt.imap.completes.size(), 6u);
    EXPECT_EQ(Steps(rt.imap.completes.begin(), rt.imap.completes.begin() + 4),
              (Steps{{"connect", 0}, {"login", 0}, {"select", 0}, {"search", 0}}));
    EXPECT_EQ(rt.imap.completes.back(), (std::pair<std::string, unsigned>{"fetch", 0}));
    EXPECT_GE(rt.idles, 1);
    EXPECT_EQ(loop.Drivers(), 0) << "a closed session's driver goes by itself";
    double gap = loop.LongestGapMs();
    std::printf("longest loop gap: %.1f ms (2 MiB sent and fetched back over STARTTLS, %d IDLE)\n",
                gap, rt.idles);
    EXPECT_LT(gap, 250.0) << "the loop was blocked";
}

// A session costs the loop nothing while it waits: with no operation running (300 ms), and
// in an IDLE that runs to its 1 s deadline (brought by the driver's timer alone). The loop
// sleeps: a few iterations, no CPU. The IDLE watches alice's Junk, which no test delivers to
// (a CREATE of a mailbox of its own could meet Dovecot 2.3's spurious ALREADYEXISTS under
// concurrent CREATEs); should mail arrive anyway, the IDLE is repeated.
class IdleWait : public Flow
{
  public:
    using Flow::Flow;
    ~IdleWait() override
    {
        Close(imap);
    }
    Session imap;
    double wall = 0, cpu = 0, quiet_cpu = 0;
    long iterations = -1, quiet_iterations = -1;
    unsigned changes = 99;
    int idles = 0;

  private:
    void Start() override
    {
        Open(imap, "IMAP",
             ImapAsyncConnect(Fx().Value("MW_HOST").c_str(), Fx().Port("MW_IMAP_PORT"), 20,
                              IMAP_OPTION_SECURE, &cred_),
             [this] {
                 Begin(imap, "login",
                       ImapLogin(imap.h, IMAP_AUTH_AUTO, Fx().Value("MW_USER1").c_str(),
                                 Fx().Value("MW_PASS1").c_str()),
                       [this] {
                           Begin(imap, "examine", ImapExamineMailbox(imap.h, "Junk", nullptr),
                                 [this] { Quiet(); });
                       });
             });
    }
    void Quiet()
    {
        c0_ = ThreadCpu();
        i0_ = loop_.Iterations();
        loop_.Later(300, [this] {
            quiet_cpu = ThreadCpu() - c0_;
            quiet_iterations = loop_.Iterations() - i0_;
            Idle();
        });
    }
    void Idle()
    {
        idles++;
        t0_ = Now();
        c0_ = ThreadCpu();
        i0_ = loop_.Iterations();
        Begin(imap, "idle", ImapIdle(imap.h, 1, IMAP_IDLE_WAIT, &changes), [this] {
            wall = Now() - t0_;
            cpu = ThreadCpu() - c0_;
            iterations = loop_.Iterations() - i0_;
            if (changes != 0 && idles < 5) {
                Idle();
                return;
            }
            Close(imap);
            Finish();
        });
    }
    double t0_ = 0, c0_ = 0;
    long i0_ = 0;
};

inline void WaitingCostsNothing(Loop &loop)
{
    IdleWait w(loop);
    w.Run(30000);
    ASSERT_EQ(w.failure, "");
    EXPECT_EQ(w.changes, 0u);
    EXPECT_GE(w.wall, 0.9) << "the IDLE ends at its deadline, not before";
    EXPECT_LT(w.wall, 5.0) << "the deadline was kept";
    EXPECT_LT(w.cpu, 0.1) << "the loop spun while the session waited";
    EXPECT_LE(w.iterations, 20) << "the loop woke up for nothing during the IDLE";
    EXPECT_LT(w.quiet_cpu, 0.05);
    EXPECT_LE(w.quiet_iterations, 3) << "the loop woke up for an idle session";
    std::printf("idle session, 300 ms: %ld loop iterations, %.1f ms CPU; IDLE of %.3f s: %ld "
                "iterations, %.1f ms CPU\n",
                w.quiet_iterations, w.quiet_cpu * 1000, w.wall, w.iterations, w.cpu * 1000);
    EXPECT_EQ(loop.Drivers(), 0);
}

// A connection refused: COMPLETE brings the error; the handle stays until it is closed, the
// driver with it (idle, not spinning), and both go with the disconnect.
class Refused : public Flow
{
  public:
    using Flow::Flow;
    Session smtp;
    int drivers_after_failure = -1;
    double idle_cpu = 1;

  private:
    void Start() override
    {
        // A port nothing listens on: bound and closed again, so it was free a moment ago.
        Open(smtp, "SMTP",
             SmtpAsyncConnect("127.0.0.1", FreePort(), 20, SMTP_OPTION_EXTENDED, nullptr, nullptr),
             [] {});
    }
    void Finish() override
    {
        // The failure (Flow::Fail() records it, as expected here): look at the loop for 200 ms
        // before closing the session.
        double c0 = ThreadCpu();
        loop_.Later(200, [this, c0] {
            idle_cpu = ThreadCpu() - c0;
            drivers_after_failure = loop_.Drivers();
            Close(smtp);
            loop_.Quit();
        });
    }
    static unsigned FreePort()
    {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len);
        close(fd);
        return ntohs(a.sin_port);
    }
};

inline void ARefusedConnectCompletesWithItsError(Loop &loop)
{
    Refused r(loop);
    r.Run(30000);
    EXPECT_EQ(r.smtp.completes, (std::vector<std::pair<std::string, unsigned>>{
                                    {"connect", (unsigned)ST_ERROR_CONNECT_REFUSED}}));
    EXPECT_EQ(r.drivers_after_failure, 1) << "the handle is still open: so is its driver";
    EXPECT_LT(r.idle_cpu, 0.05) << "a failed session's driver does not spin";
    EXPECT_EQ(loop.Drivers(), 0) << "gone with the disconnect";
}

// A server that accepts and never answers: the connect's deadline (1 s) comes through the
// driver's timer, with no descriptor activity at all.
class Silent : public Flow
{
  public:
    explicit Silent(Loop &loop) : Flow(loop)
    {
        listener_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        bind(listener_, reinterpret_cast<sockaddr *>(&a), sizeof a);
        listen(listener_, 4); // the kernel completes the handshake; nobody writes a greeting
        getsockname(listener_, reinterpret_cast<sockaddr *>(&a), &len);
        port_ = ntohs(a.sin_port);
    }
    ~Silent() override
    {
        Close(smtp);
        close(listener_);
    }
    Session smtp;
    double wall = 0;

  private:
    void Start() override
    {
        t0_ = Now();
        Open(smtp, "SMTP",
             SmtpAsyncConnect("127.0.0.1", port_, 1, SMTP_OPTION_EXTENDED, nullptr, nullptr),
             [] {});
    }
    void Finish() override
    {
        wall = Now() - t0_;
        Close(smtp);
        loop_.Quit();
    }
    int listener_ = -1;
    unsigned port_ = 0;
    double t0_ = 0;
};

inline void ADeadlineComesThroughTheDriver(Loop &loop)
{
    Silent s(loop);
    s.Run(30000);
    EXPECT_EQ(s.smtp.completes, (std::vector<std::pair<std::string, unsigned>>{
                                    {"connect", (unsigned)ST_ERROR_TIMEOUT}}));
    EXPECT_GE(s.wall, 0.95);
    EXPECT_LT(s.wall, 3.0);
    EXPECT_EQ(loop.Drivers(), 0);
}

// A driver taken off a session that stays open: the session never calls into it again (ASan
// sees to that), and a new driver takes over.
class Reattach : public Flow
{
  public:
    using Flow::Flow;
    ~Reattach() override
    {
        Close(smtp);
    }
    Session smtp;
    int drivers_after_detach = -1;

  private:
    void Start() override
    {
        Open(smtp, "SMTP",
             SmtpAsyncConnect(Fx().Value("MW_HOST").c_str(), Fx().Port("MW_SMTP_PORT"), 20,
                              SMTP_OPTION_EXTENDED, nullptr, nullptr),
             [this] {
                 loop_.Detach(smtp.h); // from inside the session's own handler
                 // The operation starts with no driver; nothing happens until one is attached.
                 if (!Begin(smtp, "noop", SmtpCommand(smtp.h, "NOOP"), [this] { Verify(); }))
                     return;
                 loop_.Later(100, [this] {
                     drivers_after_detach = loop_.Drivers();
                     if (!loop_.Attach(smtp.h))
                         Fail("attach again", MailwireGetLastError());
                 });
             });
    }
    void Verify()
    {
        Begin(smtp, "rset", SmtpReset(smtp.h), [this] {
            Close(smtp);
            Finish();
        });
    }
};

inline void ADriverCanBeTakenOffAndPutBack(Loop &loop)
{
    Reattach r(loop);
    r.Run(30000);
    ASSERT_EQ(r.failure, "");
    EXPECT_EQ(r.drivers_after_detach, 0);
    EXPECT_EQ(r.smtp.completes, (std::vector<std::pair<std::string, unsigned>>{
                                    {"connect", 0}, {"noop", 0}, {"rset", 0}}));
    EXPECT_EQ(loop.Drivers(), 0);
}

} // namespace adapters
