// mailwire::QtDriver (<mailwire/adapters/qt.hpp>) in a QCoreApplication against the fixture's
// Postfix and Dovecot: a send with STARTTLS and AUTH and a fetch, each chained in the
// client's completion handler with no loop of the test's own, checked by the bytes that
// arrive and by the event loop's longest gap (a 10 ms timer). Built once with Qt 6 and once
// with Qt 5.15 (mw_qt5_driver_tests).
#include <mailwire/ImapClient.hpp>
#include <mailwire/SmtpClient.hpp>
#include <mailwire/adapters/qt.hpp>

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "qt/qt_test_util.hpp"
#include "smtp/smtp_test_util.hpp"

namespace
{

using mwtest::Fixture;

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

// A message of about `size` bytes, every line numbered (a lost or repeated chunk shows).
std::string Message(const std::string &token, size_t size)
{
    std::string m =
        "From: Alice <alice@localhost>\r\nTo: Dave <dave@localhost>\r\nSubject: " + token +
        "\r\nMessage-ID: <" + token + "@localhost>\r\n\r\n";
    for (size_t i = 0; m.size() < size; ++i)
        m += "line " + std::to_string(i) + " of " + token + " .......................\r\n";
    return m;
}

double CpuSeconds()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

constexpr double kMaxGapMs = 100.0;

// Removes a test's message from dave's mailbox again (he takes the bulk deliveries; others
// read his Maildir), blocking.
void DeleteFromDave(const std::string &token)
{
    mailwire::CSecurityCredentials ca = Ca();
    CImapClient c;
    ASSERT_TRUE(c.Connect("localhost", Port("MW_IMAP_PORT"), 20, IMAP_OPTION_SECURE, ca.Get()));
    ASSERT_TRUE(c.Login(Env("MW_USER4").c_str(), Env("MW_PASS4").c_str()));
    ASSERT_TRUE(c.SelectMailbox("INBOX"));
    for (uint32_t id : c.SearchMailbox(("HEADER Message-ID " + token).c_str()))
        EXPECT_TRUE(c.DeleteMessage(id));
    EXPECT_TRUE(c.ExpungeMailbox());
}

} // namespace

// Connect ("localhost": the resolver's descriptor first, then the socket), STARTTLS, AUTH, a
// 4 MiB message, QUIT, all from the event loop.
TEST(QtDriver, SendsWithStartTlsAndAuth)
{
    mwqt::App app;
    const std::string token = mwtest::Unique("qt-send");
    const std::string msg = Message(token, 4 << 20);
    mailwire::CSecurityCredentials ca = Ca();
    CSmtpClient smtp;
    mailwire::QtDriver driver;
    std::vector<unsigned> ends;
    bool done = false;
    uint64_t lastProgress = 0;
    ASSERT_TRUE(smtp.RegisterEvent(SMTP_EVENT_PROGRESS, [&](CSmtpClient &c) {
        lastProgress = c.GetTransferStatus().qwBytesCopied;
    }));
    ASSERT_TRUE(smtp.OnComplete([&](CSmtpClient &c, unsigned err) {
        ends.push_back(err);
        if (err) {
            ADD_FAILURE() << "operation " << ends.size() << ": " << c.GetErrorString();
            done = true;
            return;
        }
        switch (ends.size()) {
        case 1:
            c.Authenticate(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str());
            break;
        case 2:
            c.SendMessage("alice@localhost", "dave@localhost", msg);
            break;
        case 3:
            c.Disconnect();
            done = true;
            break;
        }
    }));
    mwqt::GapMeter gaps;
    gaps.Start();
    ASSERT_TRUE(smtp.AsyncConnect("localhost", Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_SECURE,
                                  nullptr, ca.Get()));
    ASSERT_TRUE(driver.Drive(smtp)) << MailwireGetLastErrorDetail();
    EXPECT_TRUE(driver.IsDriving());
    ASSERT_TRUE(mwqt::RunUntil([&] { return done; }, 60000)) << "stalled after " << ends.size();
    gaps.Stop();
    EXPECT_EQ(ends, (std::vector<unsigned>{0, 0, 0}));
    EXPECT_GE(lastProgress, msg.size());
    EXPECT_FALSE(driver.IsDriving()) << "the session closed: the driver is idle";
    std::string stored = mwtest::WaitForMessage("dave", token);
    EXPECT_TRUE(mwtest::EndsWith(stored, mwtest::AsStored(msg))) << "arrived byte for byte";
    DeleteFromDave(token);
    std::printf("send: longest event-loop gap %.1f ms, %.1f ms less the wait for a CPU, over %d "
                "ticks\n",
                gaps.WorstMs(), gaps.WorstHeldMs(), gaps.Ticks());
    EXPECT_LT(gaps.WorstHeldMs(), kMaxGapMs) << "raw gap " << gaps.WorstMs() << " ms";
}

// A message delivered beforehand is found, read back byte for byte and deleted, all from the
// event loop (STARTTLS, LOGIN, SELECT, SEARCH, FETCH, STORE, EXPUNGE, LOGOUT).
TEST(QtDriver, FetchesAMessageBack)
{
    mwqt::App app;
    const std::string token = mwtest::Unique("qt-fetch");
    const std::string msg = Message(token, 3 << 20);
    {
        CSmtpClient smtp; // delivered through port 25, no AUTH needed for a local recipient
        ASSERT_TRUE(smtp.Connect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED));
        ASSERT_TRUE(smtp.SendMessage("alice@localhost", "dave@localhost", msg))
            << smtp.GetLastErrorDetail();
    }
    ASSERT_FALSE(mwtest::WaitForMessage("dave", token).empty()) << "not delivered";

    mailwire::CSecurityCredentials ca = Ca();
    CImapClient imap;
    std::optional<mailwire::QtDriver> driver;
    std::string fetched;
    uint32_t id = 0;
    int step = 0;
    bool done = false;
    unsigned failed = 0;
    ASSERT_TRUE(imap.OnComplete([&](CImapClient &c, unsigned err) {
        if (err) {
            failed = err;
            done = true;
            return;
        }
        switch (step++) {
        case 0:
            c.Login(Env("MW_USER4").c_str(), Env("MW_PASS4").c_str());
            break;
        case 1:
            c.SelectMailbox("INBOX");
            break;
        case 2:
            c.SearchMailbox(("HEADER Message-ID " + token).c_str());
            break;
        case 3: {
            std::vector<uint32_t> ids = c.GetSearchResults();
            if (ids.size() != 1) {
                ADD_FAILURE() << ids.size() << " messages match";
                done = true;
                return;
            }
            id = ids[0];
            c.FetchMessage(id, [&](std::string_view d) { fetched.append(d); });
            break;
        }
        case 4:
            c.DeleteMessage(id);
            break;
        case 5:
            c.ExpungeMailbox();
            break;
        case 6:
            c.Disconnect();
            done = true;
            break;
        }
    }));
    mwqt::GapMeter gaps;
    gaps.Start();
    ASSERT_TRUE(
        imap.AsyncConnect("localhost", Port("MW_IMAP_PORT"), 20, IMAP_OPTION_SECURE, ca.Get()));
    driver.emplace(imap);
    ASSERT_TRUE(driver->IsDriving());
    ASSERT_TRUE(mwqt::RunUntil([&] { return done; }, 60000)) << "stalled at step " << step;
    gaps.Stop();
    ASSERT_EQ(failed, 0u) << "at step " << step << ": " << imap.GetErrorString(failed);
    EXPECT_EQ(step, 7);
    EXPECT_TRUE(mwtest::EndsWith(fetched, msg)) << "read back byte for byte (after the "
                                                   "headers the servers added)";
    EXPECT_LT(fetched.size(), msg.size() + 2048);
    std::printf("fetch: longest event-loop gap %.1f ms, %.1f ms less the wait for a CPU, over %d "
                "ticks\n",
                gaps.WorstMs(), gaps.WorstHeldMs(), gaps.Ticks());
    EXPECT_LT(gaps.WorstHeldMs(), kMaxGapMs) << "raw gap " << gaps.WorstMs() << " ms";
}

// The C face: a driver made on an HCLIENT; COMPLETE registered through C.
TEST(QtDriver, DrivesASessionGivenByItsHandle)
{
    mwqt::App app;
    HCLIENT h = SmtpAsyncConnect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED,
                                 nullptr, nullptr);
    ASSERT_NE(h, INVALID_CLIENT);
    struct Ends {
        std::vector<unsigned> errors;
        static void MAILWIRE_CALLBACK On(HCLIENT, unsigned, unsigned err, void *u)
        {
            static_cast<Ends *>(u)->errors.push_back(err);
        }
    } ends;
    ASSERT_EQ(SmtpRegisterEvent(h, SMTP_EVENT_COMPLETE, &Ends::On, &ends), 0);
    mailwire::QtDriver driver(h);
    ASSERT_EQ(driver.GetHandle(), h);
    ASSERT_TRUE(mwqt::RunUntil([&] { return ends.errors.size() == 1; }));
    ASSERT_EQ(SmtpCommand(h, "NOOP"), SMTP_IN_PROGRESS);
    ASSERT_TRUE(mwqt::RunUntil([&] { return ends.errors.size() == 2; }));
    EXPECT_EQ(SmtpGetResultCode(h), 250);
    EXPECT_EQ(ends.errors, (std::vector<unsigned>{0, 0}));
    EXPECT_EQ(SmtpDisconnect(h), 0);
    EXPECT_FALSE(driver.IsDriving());
}

// A server that accepts and never greets: the deadline comes from the driver's timer, and
// waiting for it costs no CPU (no busy loop of zero timeouts).
TEST(QtDriver, TheDeadlineFiresFromTheTimerWithoutABusyLoop)
{
    mwqt::App app;
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(srv, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ASSERT_EQ(bind(srv, reinterpret_cast<sockaddr *>(&a), len), 0);
    ASSERT_EQ(listen(srv, 4), 0); // the kernel completes the handshake; nobody speaks
    ASSERT_EQ(getsockname(srv, reinterpret_cast<sockaddr *>(&a), &len), 0);

    CSmtpClient smtp;
    unsigned result = 0;
    bool ended = false;
    ASSERT_TRUE(smtp.OnComplete([&](unsigned err) {
        result = err;
        ended = true;
    }));
    ASSERT_TRUE(smtp.AsyncConnect("127.0.0.1", ntohs(a.sin_port), 2, SMTP_OPTION_EXTENDED));
    mailwire::QtDriver driver(smtp);
    QElapsedTimer clock;
    clock.start();
    const double cpu0 = CpuSeconds();
    ASSERT_TRUE(mwqt::RunUntil([&] { return ended; }, 10000));
    const double cpu = CpuSeconds() - cpu0;
    const qint64 ms = clock.elapsed();
    close(srv);
    EXPECT_EQ(result, (unsigned)ST_ERROR_TIMEOUT);
    EXPECT_GE(ms, 1900) << "not before the 2 s deadline";
    EXPECT_LT(ms, 4000) << "not long after it";
    std::printf("waited %lld ms for the deadline using %.3f s of CPU\n", static_cast<long long>(ms),
                cpu);
    // The test's own 5 ms check timer is most of it.
    EXPECT_LT(cpu, 0.25) << "the loop spun while the session waited";
}

// Handlers may destroy the driver (from inside its own step), and a new one takes over.
TEST(QtDriver, AHandlerMayDestroyTheDriver)
{
    mwqt::App app;
    CSmtpClient smtp;
    std::optional<mailwire::QtDriver> driver;
    std::vector<unsigned> ends;
    ASSERT_TRUE(smtp.OnComplete([&](unsigned err) {
        ends.push_back(err);
        if (ends.size() == 1)
            driver.reset(); // inside the driver's own MailwireExecute()
    }));
    ASSERT_TRUE(smtp.AsyncConnect("localhost", Port("MW_SMTP_PORT"), 20, SMTP_OPTION_EXTENDED));
    driver.emplace(smtp);
    ASSERT_TRUE(mwqt::RunUntil([&] { return ends.size() == 1; }));
    EXPECT_FALSE(driver.has_value());

    // Nothing drives the session now: a command waits.
    ASSERT_EQ(smtp.Command("NOOP"), MAILWIRE_IN_PROGRESS);
    mwqt::RunUntil([] { return false; }, 300);
    EXPECT_EQ(ends.size(), 1u);
    driver.emplace(smtp);
    ASSERT_TRUE(mwqt::RunUntil([&] { return ends.size() == 2; }));
}

// A handler that runs a nested event loop (a modal dialog, 200 ms) in the middle of a 3 MiB
// fetch, while the rest of the message keeps arriving: the driver must neither spin nor step
// the session from inside that loop, and the fetch ends intact.
TEST(QtDriver, ANestedEventLoopInAHandlerDoesNotSpin)
{
    mwqt::App app;
    const std::string box = mwtest::Unique("qt-nested");
    const std::string msg = Message(box, 3 << 20);
    mailwire::CSecurityCredentials ca = Ca();
    CImapClient setup;
    ASSERT_TRUE(setup.Connect("localhost", Port("MW_IMAP_PORT"), 20, IMAP_OPTION_SECURE, ca.Get()));
    ASSERT_TRUE(setup.Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()));
    ASSERT_TRUE(setup.CreateMailbox(box.c_str()));
    ASSERT_TRUE(setup.CreateMessage(box.c_str(), msg));

    CImapClient imap;
    std::string fetched;
    double nestedCpu = -1;
    int step = 0;
    unsigned failed = 0;
    ASSERT_TRUE(imap.RegisterEvent(IMAP_EVENT_PROGRESS, [&](CImapClient &c) {
        if (nestedCpu >= 0 || c.GetTransferStatus().done < (1u << 20))
            return; // once, a third of the way
        const double c0 = CpuSeconds();
        QEventLoop nested;
        QTimer::singleShot(200, &nested, &QEventLoop::quit);
        nested.exec();
        nestedCpu = CpuSeconds() - c0;
    }));
    ASSERT_TRUE(imap.OnComplete([&](CImapClient &c, unsigned err) {
        if (err)
            failed = err;
        else if (step == 0)
            c.Login(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str());
        else if (step == 1)
            c.SelectMailbox(box.c_str());
        else if (step == 2)
            c.FetchMessage(1, [&](std::string_view d) { fetched.append(d); });
        ++step;
    }));
    ASSERT_TRUE(
        imap.AsyncConnect("localhost", Port("MW_IMAP_PORT"), 20, IMAP_OPTION_SECURE, ca.Get()));
    mailwire::QtDriver driver(imap);
    ASSERT_TRUE(mwqt::RunUntil([&] { return step == 4 || failed; }, 30000));
    EXPECT_EQ(failed, 0u) << imap.GetErrorString(failed);
    EXPECT_EQ(fetched, msg);
    EXPECT_GE(nestedCpu, 0.0) << "no PROGRESS event half-way";
    std::printf("a nested 200 ms event loop used %.3f s of CPU\n", nestedCpu);
    EXPECT_LT(nestedCpu, 0.1) << "the driver spun inside the nested loop";
    EXPECT_TRUE(setup.DeleteMailbox(box.c_str()));
}
