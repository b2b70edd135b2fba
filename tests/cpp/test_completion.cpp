// The completion handler of CSmtpClient and CImapClient (issue 12, item 4) against the real
// Postfix and Dovecot, with the session driven the way an event loop drives it: a watch
// callback says what to wait for and the loop calls MailwireExecute() on the handle itself,
// never the object's Execute(). What the object kept for an operation (a fetch callable)
// must live until that operation's COMPLETE and go right after it, once.
// First: on Windows it includes <windows.h>, whose SendMessage macro must rename the class's
// method and the calls alike.
#include "common/portable.h"

#include <mailwire/ImapClient.hpp>
#include <mailwire/SmtpClient.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "smtp/smtp_test_util.hpp"

namespace
{

using mwtest::Fixture;
using namespace std::chrono_literals;

std::string Env(const std::string &key)
{
    return Fixture::Get().Value(key);
}
unsigned Port(const std::string &key)
{
    return Fixture::Get().Port(key);
}

mailwire::CSecurityCredentials Ca()
{
    mailwire::CSecurityCredentials ca;
    EXPECT_TRUE(ca.Create(0, nullptr, nullptr, nullptr, Env("MW_CA_FILE").c_str()));
    return ca;
}

// An event loop in miniature: it waits on what the watch callback last asked for and calls
// MailwireExecute() when the descriptor is ready or the timeout passes, until done() holds.
class WatchLoop
{
  public:
    explicit WatchLoop(HCLIENT h) : m_h(h)
    {
        EXPECT_EQ(MailwireSetWatch(h, &WatchLoop::OnWatch, this), 0)
            << MailwireGetLastErrorDetail();
    }
    // false when the time ran out first.
    bool RunUntil(const std::function<bool()> &done, std::chrono::milliseconds limit = 20s)
    {
        auto until = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= until)
                return false;
            if (m_closed) {
                // Nothing to wait on: the session is gone; only done() can still change.
                std::this_thread::sleep_for(1ms);
                continue;
            }
            int wait = m_timeout < 0 || m_timeout > 100 ? 100 : m_timeout;
            if (m_timeout != 0 && m_events != 0) {
                mwt_wait_socket(static_cast<mwt_socket>(m_sock), m_events, wait);
            } else if (m_timeout != 0) {
                std::this_thread::sleep_for(std::chrono::milliseconds(wait));
                if (m_timeout < 0)
                    continue; // idle: nothing asked for, nothing to step
            }
            MailwireExecute(m_h);
            ++executes;
        }
        return true;
    }
    bool closed() const
    {
        return m_closed;
    }
    int executes = 0;

  private:
    static void MAILWIRE_CALLBACK OnWatch(HCLIENT, MAILWIRE_SOCKET s, unsigned ev, int t, void *u)
    {
        auto *self = static_cast<WatchLoop *>(u);
        self->m_closed = s == static_cast<MAILWIRE_SOCKET>(-1);
        self->m_sock = s;
        self->m_events = ev;
        self->m_timeout = t;
    }
    HCLIENT m_h;
    MAILWIRE_SOCKET m_sock = -1;
    unsigned m_events = 0;
    int m_timeout = 0;
    bool m_closed = false;
};

// Counts its destructions: held by a fetch callable, it says when the object released it.
struct Probe {
    explicit Probe(std::atomic<int> &d) : destroyed(d) {}
    ~Probe()
    {
        ++destroyed;
    }
    std::atomic<int> &destroyed;
};

std::string Message(const std::string &token, size_t bodySize)
{
    std::string body;
    for (size_t i = 0; body.size() < bodySize; ++i)
        body += "line " + std::to_string(i) + " of " + token + "\r\n";
    return "From: Alice <alice@localhost>\r\nTo: Dave <dave@localhost>\r\nSubject: " + token +
           "\r\nMessage-ID: <" + token + "@localhost>\r\n\r\n" + body;
}

} // namespace

// Connect, STARTTLS, AUTH and a send chained in the completion handler; the application's
// loop calls MailwireExecute() only.
TEST(CppCompletion, SmtpOperationsChainedInTheCompletionHandler)
{
    const std::string token = mwtest::Unique("complete-smtp");
    const std::string msg = Message(token, 300000);
    mailwire::CSecurityCredentials ca = Ca();
    CSmtpClient smtp;
    std::vector<unsigned> ends; // the error of each COMPLETE, in order
    std::vector<unsigned> objectErrors;
    int progress = 0;
    bool closed = false;
    // The (client&) form, the first one people write.
    ASSERT_TRUE(smtp.RegisterEvent(SMTP_EVENT_PROGRESS, [&](CSmtpClient &c) {
        EXPECT_EQ(&c, &smtp);
        ++progress;
    }));
    ASSERT_TRUE(smtp.AsyncConnect("localhost", Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_SECURE,
                                  nullptr, ca.Get()));
    ASSERT_TRUE(smtp.OnComplete([&](CSmtpClient &c, unsigned err) {
        ends.push_back(err);
        objectErrors.push_back(c.GetLastError());
        EXPECT_FALSE(c.IsInProgress());
        if (err)
            return;
        switch (ends.size()) {
        case 1:
            EXPECT_NE(c.GetSecurityInfo().dwProtocol, (uint32_t)SECURITY_PROTOCOL_NONE);
            EXPECT_TRUE(c.Authenticate(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()));
            EXPECT_TRUE(c.IsInProgress()) << "started from inside the handler";
            break;
        case 2:
            EXPECT_TRUE(c.SendMessage("alice@localhost", "dave@localhost", msg));
            break;
        case 3:
            EXPECT_EQ(c.GetResultCode(), 250);
            EXPECT_TRUE(c.Disconnect());
            closed = true;
            break;
        }
    }));
    WatchLoop loop(smtp.GetHandle());
    ASSERT_TRUE(loop.RunUntil([&] { return closed || (!ends.empty() && ends.back() != 0); }))
        << "the chain stalled after " << ends.size() << " operations";
    EXPECT_EQ(ends, (std::vector<unsigned>{0, 0, 0})) << "once per operation, successful";
    EXPECT_EQ(objectErrors, ends) << "the object's last error says the same";
    EXPECT_GT(progress, 0);
    EXPECT_TRUE(loop.closed()) << "the watch was told the session is gone";
    EXPECT_FALSE(smtp.IsConnected());
    std::string stored = mwtest::WaitForMessage("dave", token);
    EXPECT_TRUE(mwtest::EndsWith(stored, mwtest::AsStored(msg))) << "arrived byte for byte";
}

// The fetch callable lives until its operation's COMPLETE has run, and goes right after it;
// a fetch started inside that handler keeps its own callable.
TEST(CppCompletion, ImapCallablesLiveUntilCompleteAndGoOnce)
{
    const std::string box = mwtest::Unique("complete-imap");
    const std::string m1 = Message(box + "-one", 150000), m2 = Message(box + "-two", 90000);
    mailwire::CSecurityCredentials ca = Ca();
    {
        CImapClient setup;
        ASSERT_TRUE(
            setup.Connect("localhost", Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, ca.Get()));
        ASSERT_TRUE(setup.Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()));
        ASSERT_TRUE(setup.CreateMailbox(box.c_str()));
        ASSERT_TRUE(setup.CreateMessage(box.c_str(), m1));
        ASSERT_TRUE(setup.CreateMessage(box.c_str(), m2));
    }

    std::atomic<int> gone1{0}, gone2{0};
    std::weak_ptr<Probe> w1, w2;
    std::string d1, d2;
    int step = 0;
    bool finished = false;
    bool seenWhileAlive1 = false, seenWhileAlive2 = false, secondKeptAfterFirst = false;
    CImapClient c;
    ASSERT_TRUE(
        c.AsyncConnect("localhost", Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, ca.Get()));
    ASSERT_TRUE(c.OnComplete([&](CImapClient &cl, unsigned err) {
        ASSERT_EQ(err, 0u) << "step " << step << ": " << cl.GetErrorString();
        switch (step++) {
        case 0:
            cl.Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str());
            break;
        case 1:
            cl.SelectMailbox(box.c_str());
            break;
        case 2: {
            auto p = std::make_shared<Probe>(gone1);
            w1 = p;
            cl.FetchMessage(1, [p, &d1](std::string_view d) { d1.append(d); });
            break;
        }
        case 3: {
            // Fetch 1 has ended: its callable is still here for this handler...
            seenWhileAlive1 = !w1.expired() && gone1 == 0;
            EXPECT_EQ(d1, m1);
            // ...and the next fetch, started here, brings its own.
            auto p = std::make_shared<Probe>(gone2);
            w2 = p;
            cl.FetchMessage(2, [p, &d2](std::string_view d) { d2.append(d); });
            break;
        }
        case 4:
            seenWhileAlive2 = !w2.expired() && gone2 == 0;
            secondKeptAfterFirst = gone1 == 1;
            EXPECT_EQ(d2, m2);
            cl.Noop();
            break;
        case 5:
            finished = true;
            break;
        }
    }));
    WatchLoop loop(c.GetHandle());
    bool firstGoneBeforeSecondEnded = false;
    ASSERT_TRUE(loop.RunUntil([&] {
        if (step == 4 && gone1 == 1 && !w2.expired())
            firstGoneBeforeSecondEnded = true;
        return finished;
    })) << "stalled at step "
        << step;
    EXPECT_TRUE(seenWhileAlive1) << "released before its COMPLETE handler ran";
    EXPECT_TRUE(seenWhileAlive2);
    EXPECT_TRUE(secondKeptAfterFirst) << "the first callable stayed past its COMPLETE";
    EXPECT_TRUE(firstGoneBeforeSecondEnded)
        << "the first went right after its COMPLETE, the second one's state was kept";
    EXPECT_EQ(gone1.load(), 1) << "released once";
    EXPECT_EQ(gone2.load(), 1) << "released at its COMPLETE, not kept for the next call";

    ASSERT_TRUE(c.Disconnect());
    CImapClient cleanup;
    ASSERT_TRUE(
        cleanup.Connect("localhost", Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, ca.Get()));
    ASSERT_TRUE(cleanup.Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()));
    EXPECT_TRUE(cleanup.DeleteMailbox(box.c_str()));
}

// A callable or an event handler that throws, on a session the loop drives with
// MailwireExecute(): the completion handler and the object say CALLBACK_FAILED with the text,
// and the callable is released all the same.
TEST(CppCompletion, AThrowIsReportedAtCompletion)
{
    mailwire::CSecurityCredentials ca = Ca();
    const std::string box = mwtest::Unique("complete-throw");
    CImapClient c;
    std::vector<unsigned> ends;
    std::string detail;
    ASSERT_TRUE(c.OnComplete([&](CImapClient &cl, unsigned err) {
        ends.push_back(err);
        detail = cl.GetLastErrorDetail();
    }));
    ASSERT_TRUE(
        c.AsyncConnect("localhost", Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, ca.Get()));
    WatchLoop loop(c.GetHandle());
    auto ended = [&](size_t n) { return [&ends, n] { return ends.size() >= n; }; };
    ASSERT_TRUE(loop.RunUntil(ended(1)));
    ASSERT_TRUE(c.Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()));
    ASSERT_TRUE(loop.RunUntil(ended(2)));
    const std::string appended = Message(box, 1000); // not copied: it outlives the APPEND
    ASSERT_TRUE(c.CreateMessage("INBOX", appended));
    ASSERT_TRUE(loop.RunUntil(ended(3)));
    ASSERT_TRUE(c.SelectMailbox("INBOX"));
    ASSERT_TRUE(loop.RunUntil(ended(4)));
    ASSERT_EQ(ends, (std::vector<unsigned>{0, 0, 0, 0}));
    unsigned newest = c.GetMessageCount();
    ASSERT_GT(newest, 0u);

    std::atomic<int> gone{0};
    auto p = std::make_shared<Probe>(gone);
    ASSERT_TRUE(c.FetchMessage(newest, [p](std::string_view) { throw std::runtime_error("no"); }));
    p.reset();
    ASSERT_TRUE(loop.RunUntil(ended(5)));
    EXPECT_EQ(ends.back(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(detail.find("no"), std::string::npos) << detail;
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_EQ(gone.load(), 1) << "released at COMPLETE";

    // The session stays usable (a fetch callable stops delivery cleanly), and the next
    // operation does not inherit the failure.
    ASSERT_TRUE(c.Noop());
    ASSERT_TRUE(loop.RunUntil(ended(6)));
    EXPECT_EQ(ends.back(), 0u);
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NONE);

    // An event handler that throws is reported the same way (the operation is cancelled, and
    // with it the session).
    ASSERT_TRUE(c.RegisterEvent(IMAP_EVENT_COMMAND, [] { throw std::logic_error("handler"); }));
    ASSERT_TRUE(c.Noop());
    ASSERT_TRUE(loop.RunUntil(ended(7)));
    EXPECT_EQ(ends.back(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(detail.find("handler"), std::string::npos) << detail;

    CImapClient cleanup;
    ASSERT_TRUE(
        cleanup.Connect("localhost", Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, ca.Get()));
    ASSERT_TRUE(cleanup.Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()));
    ASSERT_TRUE(cleanup.SelectMailbox("INBOX"));
    std::vector<uint32_t> ids = cleanup.SearchMailbox(("HEADER Subject " + box).c_str());
    for (uint32_t id : ids)
        cleanup.DeleteMessage(id);
    cleanup.ExpungeMailbox();
}

// Every parameter list OnComplete() takes, and the (client&) form of RegisterEvent().
TEST(CppCompletion, EveryHandlerForm)
{
    CSmtpClient c;
    int commands = 0;
    ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_COMMAND, [&](CSmtpClient &) { ++commands; }));
    std::vector<std::string> seen;
    ASSERT_TRUE(c.OnComplete([&](CSmtpClient &, unsigned err) {
        seen.push_back("client,error=" + std::to_string(err));
    }));
    ASSERT_TRUE(c.AsyncConnect("localhost", Port("MW_SMTP_PORT"), 10, SMTP_OPTION_EXTENDED));
    WatchLoop loop(c.GetHandle());
    auto after = [&](size_t n) { return [&seen, n] { return seen.size() >= n; }; };
    ASSERT_TRUE(loop.RunUntil(after(1)));

    auto noop = [&](size_t n) {
        ASSERT_EQ(c.Command("NOOP"), MAILWIRE_IN_PROGRESS);
        ASSERT_TRUE(loop.RunUntil(after(n)));
    };
    ASSERT_TRUE(
        c.OnComplete([&](unsigned err) { seen.push_back("error=" + std::to_string(err)); }));
    noop(2);
    ASSERT_TRUE(c.OnComplete(
        [&](CSmtpClient &cl) { seen.push_back(cl.IsConnected() ? "client" : "client?"); }));
    noop(3);
    ASSERT_TRUE(c.OnComplete([&] { seen.push_back("none"); }));
    noop(4);
    ASSERT_TRUE(c.OnComplete([&](CSmtpClient &, unsigned ev, unsigned err) {
        seen.push_back("client,event=" + std::to_string(ev) + ",error=" + std::to_string(err));
    }));
    noop(5);
    ASSERT_TRUE(c.OnComplete([&](unsigned ev, unsigned err) {
        seen.push_back("event=" + std::to_string(ev) + ",error=" + std::to_string(err));
    }));
    noop(6);
    // RegisterEvent(COMPLETE) is the same slot.
    ASSERT_TRUE(c.RegisterEvent(SMTP_EVENT_COMPLETE, [&](unsigned ev) {
        seen.push_back("registered event=" + std::to_string(ev));
    }));
    noop(7);
    // Removed: the operations still end (the object's bookkeeping stays registered).
    ASSERT_TRUE(c.OnComplete(nullptr));
    ASSERT_EQ(c.Command("NOOP"), MAILWIRE_IN_PROGRESS);
    ASSERT_TRUE(loop.RunUntil([&] { return !c.IsInProgress(); }));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NONE);

    const std::string complete = std::to_string(SMTP_EVENT_COMPLETE);
    EXPECT_EQ(seen, (std::vector<std::string>{"client,error=0", "error=0", "client", "none",
                                              "client,event=" + complete + ",error=0",
                                              "event=" + complete + ",error=0",
                                              "registered event=" + complete}));
    EXPECT_EQ(commands, 2 + 7) << "greeting, EHLO, then one reply per NOOP";
}

// The owner thread is inside a blocking call (IDLE) when another thread destroys the object:
// the call is cancelled, the destructor waits for it and returns promptly, and the socket is
// closed. What the destructor waits for is the call's last use of the object, which the test
// cannot see from outside (the owner's own code after the call runs later, unsynchronised);
// it sees the call's end in the trace (the object's, still alive then): the owner thread
// reports the session closed before the destructor returns. The ASan build checks the rest:
// an owner touching the object after it was freed is a heap-use-after-free there.
TEST(CppThreads, DestroyingWhileTheOwnerIsInsideACallCancelsItAndWaits)
{
    mailwire::CSecurityCredentials ca = Ca();
    auto c = std::make_unique<CImapClient>();
    std::atomic<int> state{0}; // 1: idling, 2: Idle() returned
    std::atomic<bool> idleResult{true};
    std::atomic<unsigned> idleError{0};
    std::atomic<uint32_t> ownerId{0};
    std::atomic<bool> closing{false}, ownerClosed{false};
    ASSERT_TRUE(c->SetTrace([&](unsigned direction, std::string_view text) {
        if (closing && direction == MAILWIRE_TRACE_INFO &&
            MailwireGetCurrentThreadId() == ownerId && text.find("-> CLOSED") != text.npos)
            ownerClosed = true;
    }));
    std::thread owner([&] {
        ownerId = MailwireGetCurrentThreadId();
        if (!c->Connect("localhost", Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, ca.Get()) ||
            !c->Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()) ||
            !c->SelectMailbox("INBOX")) {
            state = -1;
            return;
        }
        state = 1;
        idleResult = c->Idle(60); // the server has nothing to say for a minute
        // Not a word about the object from here on: it is gone.
        idleError = MailwireGetLastError();
        state = 2;
    });
    auto until = std::chrono::steady_clock::now() + 10s;
    while (state == 0 && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(5ms);
    ASSERT_EQ(state.load(), 1);
    std::this_thread::sleep_for(200ms); // inside the IDLE wait
    auto t0 = std::chrono::steady_clock::now();
    closing = true;
    c.reset();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_TRUE(ownerClosed.load()) << "the destructor returned before the owner's call ended";
    owner.join();
    EXPECT_EQ(state.load(), 2);
    EXPECT_LT(s, 5.0) << "the IDLE was cancelled, not waited out";
    EXPECT_FALSE(idleResult.load());
    EXPECT_EQ(idleError.load(), (unsigned)ST_ERROR_INVALID_HANDLE)
        << "common.h: the owner's call reports the handle gone";
}
