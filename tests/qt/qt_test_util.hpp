// What the Qt tests share: the application object, running the event loop until something
// happened, the event loop's longest gap, and what a user would look at to see that a session
// ended: the server's log and the kernel's socket table.
#pragma once

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include "common/fixture_env.hpp"

namespace mwqt
{

// One QCoreApplication per test (ctest runs each test in a process of its own).
struct App {
    int argc = 1;
    char name[16] = "mw_qt_tests";
    char *argv[2] = {name, nullptr};
    QCoreApplication app{argc, argv};
};

// Whether a thread has really ended. Qt starts its threads detached and releases a thread's
// QThreadData in a thread-specific-data destructor, which runs after QThread::wait() has
// returned: a test that ends right then can exit first, and LeakSanitizer reports the
// QThreadData (152 bytes from QThreadPrivate's constructor; once in CI, under ASan on a loaded
// machine). Arm() on the thread; after wait(), WaitEnded() waits until the thread's own
// destructors have run. glibc runs them in key order, and this key is made after Qt's (the
// QCoreApplication of the test made that one).
class ThreadEnd
{
  public:
    void Arm()
    {
        static pthread_key_t key = MakeKey();
        pthread_setspecific(key, this);
    }
    bool WaitEnded(int limitMs = 10000) const
    {
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(limitMs);
        while (!ended_.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        return ended_.load();
    }

  private:
    static pthread_key_t MakeKey()
    {
        pthread_key_t key;
        pthread_key_create(&key, [](void *self) { static_cast<ThreadEnd *>(self)->ended_ = true; });
        return key;
    }
    std::atomic<bool> ended_{false};
};

// Runs this thread's event loop until done() holds (checked every 5 ms) or the time is up;
// false when the time ran out.
inline bool RunUntil(const std::function<bool()> &done, int limitMs = 20000)
{
    if (done())
        return true;
    QEventLoop loop;
    QTimer check;
    check.setInterval(5);
    QObject::connect(&check, &QTimer::timeout, &loop, [&] {
        if (done())
            loop.quit();
    });
    QTimer::singleShot(limitMs, &loop, &QEventLoop::quit);
    check.start();
    loop.exec();
    return done();
}

// Nanoseconds the calling thread has spent runnable but waiting for a CPU (the second field of
// /proc/thread-self/schedstat), or -1 where that is not known.
inline qint64 RunQueueWaitNs()
{
    char buf[96] = {};
    int fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    unsigned long long onCpu = 0, waiting = 0;
    if (n <= 0 || std::sscanf(buf, "%llu %llu", &onCpu, &waiting) != 2)
        return -1;
    return static_cast<qint64>(waiting);
}

// The event loop's responsiveness as a user feels it: a 10 ms timer on the thread, and the
// longest time between two of its ticks. A loop that never stalls shows about 10 ms. On a
// machine whose cores are all taken by other programs (other builds and tests) that gap also
// holds the time the thread waited for a CPU; WorstHeldMs() leaves that out: the longest the
// thread itself held the loop, working or blocked in a call, which is what the library
// answers for.
class GapMeter
{
  public:
    GapMeter()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(10);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { Tick(); });
    }
    void Start()
    {
        m_clock.start();
        m_last = 0;
        m_worstNs = 0;
        m_lastWait = RunQueueWaitNs();
        m_worstHeldNs = m_lastWait < 0 ? -1 : 0;
        m_ticks = 0;
        m_timer.start();
    }
    void Stop()
    {
        Tick();
        m_timer.stop();
    }
    double WorstMs() const
    {
        return static_cast<double>(m_worstNs) / 1e6;
    }
    // The longest gap less the run-queue wait during it; the raw gap where that is unknown.
    double WorstHeldMs() const
    {
        return m_worstHeldNs < 0 ? WorstMs() : static_cast<double>(m_worstHeldNs) / 1e6;
    }
    int Ticks() const
    {
        return m_ticks;
    }

  private:
    void Tick()
    {
        qint64 now = m_clock.nsecsElapsed(), wait = RunQueueWaitNs();
        m_worstNs = std::max(m_worstNs, now - m_last);
        if (m_worstHeldNs >= 0 && wait >= 0)
            m_worstHeldNs = std::max(m_worstHeldNs, now - m_last - (wait - m_lastWait));
        m_last = now;
        m_lastWait = wait;
        ++m_ticks;
    }
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_worstNs = 0;
    qint64 m_lastWait = 0;
    qint64 m_worstHeldNs = 0;
    int m_ticks = 0;
};

inline std::string ReadFile(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// One SMTP session as Postfix logged it: the smtpd process that received the message with a
// given Message-ID, where its "client=" line is, and its "disconnect from" line once the
// session has ended ("... quit=1 commands=N": the commands it received, QUIT among them).
struct PostfixSession {
    bool found = false;
    std::string pid;
    std::string disconnect; // empty while the session is open
};

inline PostfixSession FindPostfixSession(const std::string &messageId)
{
    PostfixSession s;
    const std::string log = ReadFile(mwtest::Fixture::Get().Value("MW_POSTFIX_LOG"));
    std::smatch m;
    // cleanup[N]: QUEUEID: message-id=<ID>
    std::regex cleanup("cleanup\\[[0-9]+\\]: ([0-9A-F]+): message-id=<" + messageId + ">");
    if (!std::regex_search(log, m, cleanup))
        return s;
    const std::string queueId = m[1];
    // smtpd[PID]: QUEUEID: client=...
    std::regex client("smtpd\\[([0-9]+)\\]: " + queueId + ": client=");
    if (!std::regex_search(log, m, client))
        return s;
    s.found = true;
    s.pid = m[1];
    const size_t from = static_cast<size_t>(m.position(0));
    // The same smtpd process serves sessions one after the other: its session's end is its
    // first disconnect line after that.
    const std::string tag = "smtpd[" + s.pid + "]: disconnect from ";
    size_t at = log.find(tag, from);
    if (at != std::string::npos)
        s.disconnect = log.substr(at, log.find('\n', at) - at);
    return s;
}

// Waits (Postfix logs through postlogd, a little later) for the session to show up, and with
// wantEnd for its disconnect line too.
inline PostfixSession WaitForPostfixSession(const std::string &messageId, bool wantEnd,
                                            int limitMs = 15000)
{
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(limitMs);
    PostfixSession s;
    do {
        s = FindPostfixSession(messageId);
        if (s.found && (!wantEnd || !s.disconnect.empty()))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < until);
    return s;
}

// The local TCP port of a connected socket.
inline unsigned LocalPort(int fd)
{
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr *>(&ss), &len) != 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
    return ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
}

// Is there an ESTABLISHED TCP connection from this local port to that remote port (what
// `ss -tn` lists)? Reads /proc/net/tcp and tcp6.
inline bool Established(unsigned localPort, unsigned remotePort)
{
    for (const char *file : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        std::istringstream in(ReadFile(file));
        std::string line;
        std::getline(in, line); // header
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string slot, local, remote, state;
            f >> slot >> local >> remote >> state;
            auto port = [](const std::string &addr) {
                return static_cast<unsigned>(
                    std::stoul(addr.substr(addr.rfind(':') + 1), nullptr, 16));
            };
            if (state == "01" && port(local) == localPort && port(remote) == remotePort)
                return true;
        }
    }
    return false;
}

} // namespace mwqt
