// mailwire_composer: a Qt 6 mail composer sending through mailwire, in the GUI thread's event
// loop (mailwire::QtDriver) or on a worker thread, as chosen in the window or with --mode.
//
//   mailwire_composer --host mail.example.org --port 587 --user alice --password secret
//                     --from alice@example.org [--ca extra-ca.pem] [--mode eventloop|worker]
//
// Port 465 means implicit TLS, any other STARTTLS; TLS is always required.
//
// Scripted mode (--script, used by the test suite): the window is filled from --to, --cc,
// --subject, --body and --attach (repeatable), shows, and presses Send by itself. A 10 ms timer
// on the GUI thread records the longest time between two of its ticks from Send until the
// end, i.e. the longest the event loop did not run, and the same gap less the time the GUI
// thread waited for a CPU (Linux's per-thread run-queue time): on a machine whose cores are
// all taken by other programs the first grows, the second is what the program itself held the
// event loop (working, or blocked in a call). --mid-send FILE is written when the
// progress bar passes 40 % (so a screenshot can be taken then), --report FILE gets the figures
// as JSON, --save-message FILE the exact message handed to the sender. With --follow-up
// SUBJECT a second, short message (no attachments) goes out once the first has been accepted,
// over the same session (the worker way hands it to a new worker with AttachThread()). The
// program quits once the sends have ended, with status 0 when every message was accepted; the
// window, and the session with it, is closed on the GUI thread as the program ends.
#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>

#ifdef __linux__
#include <fcntl.h>
#include <unistd.h>
#endif

#include <mailwire/Mailwire.hpp>

#include "ComposerWindow.hpp"

namespace
{

// CPU time of the calling thread, in nanoseconds: how much of a gap the GUI thread spent
// working rather than waiting to be scheduled.
qint64 ThreadCpuNs()
{
#ifdef CLOCK_THREAD_CPUTIME_ID
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<qint64>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
#else
    return 0;
#endif
}

// Nanoseconds the calling thread has spent runnable but waiting for a CPU (the second field of
// /proc/thread-self/schedstat), or -1 where that is not known.
qint64 RunQueueWaitNs()
{
#ifdef __linux__
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
#else
    return -1;
#endif
}

// The scripted mode's measure of responsiveness.
struct GapMeter {
    QTimer timer;
    QElapsedTimer clock;
    qint64 last = 0, worst = 0, lastCpu = 0, worstCpu = 0;
    qint64 lastWait = 0, worstStall = 0; // gap less the run-queue wait (-1: not known)
    int ticks = 0;
    GapMeter()
    {
        timer.setTimerType(Qt::PreciseTimer);
        timer.setInterval(10);
        QObject::connect(&timer, &QTimer::timeout, [this] { Tick(); });
    }
    void Start()
    {
        clock.start();
        last = 0;
        lastCpu = ThreadCpuNs();
        lastWait = RunQueueWaitNs();
        worstStall = lastWait < 0 ? -1 : 0;
        timer.start();
    }
    void Tick()
    {
        const qint64 now = clock.nsecsElapsed(), cpu = ThreadCpuNs(), wait = RunQueueWaitNs();
        worst = std::max(worst, now - last);
        worstCpu = std::max(worstCpu, cpu - lastCpu);
        if (worstStall >= 0 && wait >= 0)
            worstStall = std::max(worstStall, now - last - (wait - lastWait));
        last = now;
        lastCpu = cpu;
        lastWait = wait;
        ++ticks;
    }
};

bool WriteFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    // The library's reference for the program's life: its release at the end of main() lets a
    // trust-store load still running on the library's worker thread finish first.
    mailwire::CLibrary library;
    QCommandLineParser p;
    p.setApplicationDescription(QStringLiteral("A mail composer sending through mailwire."));
    p.addHelpOption();
    auto opt = [&p](const char *name, const char *help, const char *value = nullptr,
                    const char *def = nullptr) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(help));
        if (value)
            o.setValueName(QString::fromLatin1(value));
        if (def)
            o.setDefaultValue(QString::fromLatin1(def));
        p.addOption(o);
    };
    opt("host", "SMTP server (submission).", "host", "localhost");
    opt("port", "Its port: 587 (STARTTLS) or 465 (implicit TLS).", "port", "587");
    opt("user", "User name for AUTH (none: no AUTH).", "user");
    opt("password", "Password for AUTH.", "password");
    opt("ca", "Extra trust anchors (PEM file).", "file");
    opt("from", "The sender's address.", "address", "me@localhost");
    opt("mode", "How to send: eventloop or worker.", "mode", "eventloop");
    opt("script", "Fill in the window, send and quit (for tests).");
    opt("to", "To (scripted mode).", "addresses");
    opt("cc", "Cc (scripted mode).", "addresses");
    opt("subject", "Subject (scripted mode).", "text");
    opt("body", "Body text (scripted mode).", "text");
    opt("attach", "Attach a file (scripted mode; repeatable).", "file");
    opt("mid-send", "Write this file when the send passes 40 % (scripted mode).", "file");
    opt("report", "Write the figures here as JSON (scripted mode).", "file");
    opt("save-message", "Write the message as sent here (scripted mode).", "file");
    opt("follow-up", "Then send a short message with this subject (scripted mode).", "subject");
    p.process(app);

    Account account;
    account.host = p.value(QStringLiteral("host")).toStdString();
    account.port = p.value(QStringLiteral("port")).toUInt();
    account.user = p.value(QStringLiteral("user")).toStdString();
    account.password = p.value(QStringLiteral("password")).toStdString();
    account.caFile = p.value(QStringLiteral("ca")).toStdString();
    ComposerWindow window(account, p.value(QStringLiteral("from")));
    const bool worker = p.value(QStringLiteral("mode")) == QStringLiteral("worker");
    window.SetMode(worker ? ComposerWindow::Worker : ComposerWindow::EventLoop);
    window.show();
    if (!p.isSet(QStringLiteral("script")))
        return app.exec();

    Draft d;
    d.to = p.value(QStringLiteral("to"));
    d.cc = p.value(QStringLiteral("cc"));
    d.subject = p.value(QStringLiteral("subject"));
    d.body = p.value(QStringLiteral("body"));
    d.attachments = p.values(QStringLiteral("attach"));
    window.SetDraft(d);

    GapMeter gaps;
    QElapsedTimer sendClock;
    bool marked = false, sent = false, followUp = p.isSet(QStringLiteral("follow-up"));
    QJsonObject r;
    QJsonArray ids; // the Message-ID of each message sent
    auto messageId = [](const QByteArray &m) {
        const qsizetype at = m.indexOf("\r\nMessage-ID: <") + 15;
        return QString::fromLatin1(m.mid(at, m.indexOf('>', at) - at));
    };
    const QString midSend = p.value(QStringLiteral("mid-send"));
    window.onProgress = [&](int percent) {
        if (!marked && percent >= 40) {
            marked = true;
            WriteFile(midSend, QByteArray::number(percent) + "\n");
        }
    };
    window.onFinished = [&](bool ok, const std::string &error) {
        const QByteArray message = window.LastMessage();
        ids.append(messageId(message));
        if (!r.isEmpty()) { // the follow-up
            sent = sent && ok;
            r[QStringLiteral("follow_up_error")] = QString::fromStdString(error);
            r[QStringLiteral("message_ids")] = ids;
            WriteFile(p.value(QStringLiteral("report")), QJsonDocument(r).toJson());
            QTimer::singleShot(200, &app, &QApplication::quit);
            return;
        }
        gaps.Tick();
        gaps.timer.stop();
        const double seconds = static_cast<double>(sendClock.nsecsElapsed()) / 1e9;
        sent = ok;
        r[QStringLiteral("mode")] = worker ? QStringLiteral("worker") : QStringLiteral("eventloop");
        r[QStringLiteral("ok")] = ok;
        r[QStringLiteral("error")] = QString::fromStdString(error);
        r[QStringLiteral("message_bytes")] = static_cast<double>(message.size());
        r[QStringLiteral("seconds")] = seconds;
        r[QStringLiteral("max_gap_ms")] = static_cast<double>(gaps.worst) / 1e6;
        r[QStringLiteral("max_tick_cpu_ms")] = static_cast<double>(gaps.worstCpu) / 1e6;
        // -1: the run-queue time is not known here (not Linux).
        r[QStringLiteral("max_stall_ms")] =
            gaps.worstStall < 0 ? -1.0 : static_cast<double>(gaps.worstStall) / 1e6;
        r[QStringLiteral("ticks")] = gaps.ticks;
        r[QStringLiteral("message_ids")] = ids;
        if (p.isSet(QStringLiteral("save-message")))
            WriteFile(p.value(QStringLiteral("save-message")), message);
        if (p.isSet(QStringLiteral("report")))
            WriteFile(p.value(QStringLiteral("report")), QJsonDocument(r).toJson());
        if (ok && followUp) {
            Draft next = d;
            next.subject = p.value(QStringLiteral("follow-up"));
            next.body = QStringLiteral("A short follow-up, over the same session.");
            next.attachments.clear();
            window.SetDraft(next);
            QTimer::singleShot(0, &window, [&] { window.Send(); });
            return;
        }
        // A moment for the finished window to be painted, then quit.
        QTimer::singleShot(200, &app, &QApplication::quit);
    };
    // Send once the window is on screen and painted.
    QTimer::singleShot(300, &window, [&] {
        gaps.Start();
        sendClock.start();
        window.Send();
    });
    app.exec();
    return sent ? 0 : 1;
}
