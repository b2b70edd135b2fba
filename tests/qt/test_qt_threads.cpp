// The Qt member-object pattern (issue 12, item 5): a window-like QObject holds a CSmtpClient,
// the session is opened on a worker QThread, and the object is destroyed on the main thread.
// The session must not leak: Postfix logs the session's end with QUIT among its commands, and
// the kernel's socket table no longer lists the connection.
#include <mailwire/SmtpClient.hpp>
#include <mailwire/adapters/qt.hpp>

#include <gtest/gtest.h>

#include <QMetaObject>
#include <QObject>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
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

// What a Qt window does: a session as a member (no Q_OBJECT: nothing here needs moc).
class Window : public QObject
{
  public:
    CSmtpClient smtp;
    mailwire::CSecurityCredentials ca;
    Window()
    {
        ca.Create(0, nullptr, nullptr, nullptr, Env("MW_CA_FILE").c_str());
    }
};

std::string Message(const std::string &token)
{
    return "From: alice@localhost\r\nTo: nobody@example.org\r\nSubject: " + token +
           "\r\nMessage-ID: <" + token + "@localhost>\r\n\r\nsent from a worker thread\r\n";
}

// Connect (STARTTLS, AUTH) and send one message, blocking: what the worker does.
bool ConnectAndSend(Window &w, const std::string &token)
{
    return w.smtp.Connect("localhost", Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_SECURE, nullptr,
                          w.ca.Get()) &&
           w.smtp.Authenticate(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str()) &&
           w.smtp.SendMessage("alice@localhost", "nobody@example.org", Message(token));
}

// Qt's complaints (a notifier or timer touched from the wrong thread) are failures here.
std::mutex g_warningsLock;
std::vector<std::string> g_warnings;
void CollectWarnings(QtMsgType type, const QMessageLogContext &, const QString &text)
{
    if (type == QtDebugMsg || type == QtInfoMsg)
        return;
    std::lock_guard<std::mutex> lock(g_warningsLock);
    g_warnings.push_back(text.toStdString());
}

// The server saw the session open; after `destroy` it sees QUIT and the end, and the
// connection is gone from the socket table.
void ExpectClosedPolitely(const std::string &token, unsigned localPort,
                          const std::function<void()> &destroy)
{
    unsigned serverPort = Port("MW_SUBMISSION_PORT");
    const std::string messageId = token + "@localhost";
    mwqt::PostfixSession before = mwqt::WaitForPostfixSession(messageId, false);
    ASSERT_TRUE(before.found) << "Postfix never logged the message " << token;
    EXPECT_EQ(before.disconnect, "") << "the session ended before the object was destroyed";
    ASSERT_TRUE(mwqt::Established(localPort, serverPort)) << "no connection to start with";

    destroy();

    mwqt::PostfixSession after = mwqt::WaitForPostfixSession(messageId, true);
    ASSERT_FALSE(after.disconnect.empty()) << "the session stays open: leaked";
    EXPECT_NE(after.disconnect.find(" quit=1 "), std::string::npos)
        << "closed without QUIT: " << after.disconnect;
    EXPECT_FALSE(mwqt::Established(localPort, serverPort)) << "the socket stays connected";
}

} // namespace

// Connected on a worker that has ended since: the main thread closes the session.
TEST(QtThreads, ConnectedOnAWorkerThatEndedDestroyedOnTheMainThread)
{
    mwqt::App app;
    const std::string token = mwtest::Unique("qt-member-ended");
    auto *window = new Window;
    bool sent = false;
    unsigned localPort = 0;
    mwqt::ThreadEnd ended; // outlives the worker
    std::unique_ptr<QThread> worker(QThread::create([&] {
        ended.Arm();
        sent = ConnectAndSend(*window, token);
        localPort = mwqt::LocalPort(window->smtp.GetSocket());
    }));
    worker->start();
    ASSERT_TRUE(worker->wait(30000));
    ASSERT_TRUE(ended.WaitEnded());
    ASSERT_TRUE(sent) << window->smtp.GetLastErrorDetail();
    ExpectClosedPolitely(token, localPort, [&] { delete window; });
}

// The worker thread still runs its event loop (idle) when the window goes.
TEST(QtThreads, ConnectedOnARunningWorkerDestroyedOnTheMainThread)
{
    mwqt::App app;
    const std::string token = mwtest::Unique("qt-member-running");
    auto *window = new Window;
    mwqt::ThreadEnd ended; // outlives the worker
    QThread worker;
    QObject context; // the worker's: queued calls run there
    context.moveToThread(&worker);
    worker.start();
    bool sent = false;
    unsigned localPort = 0;
    QMetaObject::invokeMethod(
        &context,
        [&] {
            ended.Arm();
            sent = ConnectAndSend(*window, token);
            localPort = mwqt::LocalPort(window->smtp.GetSocket());
        },
        Qt::BlockingQueuedConnection);
    ASSERT_TRUE(sent) << window->smtp.GetLastErrorDetail();
    ExpectClosedPolitely(token, localPort, [&] { delete window; });
    worker.quit();
    ASSERT_TRUE(worker.wait(10000));
    ASSERT_TRUE(ended.WaitEnded());
}

// A non-blocking session driven by a QtDriver on the worker's event loop, destroyed on the
// main thread: the driver on the worker drops its notifiers from its own thread (Qt would
// complain otherwise).
TEST(QtThreads, DrivenOnAWorkerDestroyedOnTheMainThread)
{
    mwqt::App app;
    qInstallMessageHandler(CollectWarnings);
    const std::string token = mwtest::Unique("qt-member-driven");
    const std::string msg = Message(token);
    auto *window = new Window;
    mwqt::ThreadEnd ended; // outlives the worker
    QThread worker;
    QObject context;
    context.moveToThread(&worker);
    worker.start();
    std::unique_ptr<mailwire::QtDriver> driver; // lives on the worker
    std::atomic<int> step{0};
    std::atomic<unsigned> failed{0};
    unsigned localPort = 0;
    QMetaObject::invokeMethod(
        &context,
        [&] {
            ended.Arm();
            CSmtpClient &c = window->smtp;
            c.OnComplete([&](CSmtpClient &cl, unsigned err) {
                if (err) {
                    failed = err;
                    return;
                }
                if (step == 0)
                    cl.Authenticate(Env("MW_USER1").c_str(), Env("MW_PASS1").c_str());
                else if (step == 1)
                    cl.SendMessage("alice@localhost", "nobody@example.org", msg);
                else
                    localPort = mwqt::LocalPort(cl.GetSocket());
                ++step;
            });
            c.AsyncConnect("localhost", Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_SECURE, nullptr,
                           window->ca.Get());
            driver = std::make_unique<mailwire::QtDriver>(c);
        },
        Qt::BlockingQueuedConnection);
    ASSERT_TRUE(mwqt::RunUntil([&] { return step == 3 || failed != 0; }, 30000));
    ASSERT_EQ(failed.load(), 0u);

    ExpectClosedPolitely(token, localPort, [&] { delete window; });
    bool driving = true;
    // Queued after the driver's own clean-up call, which the close posted to the worker.
    QMetaObject::invokeMethod(
        &context,
        [&] {
            driving = driver->IsDriving();
            driver.reset();
        },
        Qt::BlockingQueuedConnection);
    EXPECT_FALSE(driving);
    worker.quit();
    ASSERT_TRUE(worker.wait(10000));
    ASSERT_TRUE(ended.WaitEnded());
    qInstallMessageHandler(nullptr);
    std::lock_guard<std::mutex> lock(g_warningsLock);
    EXPECT_TRUE(g_warnings.empty()) << g_warnings.front();
}
