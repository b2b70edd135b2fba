/**
 * @file qt.hpp
 * @brief mailwire::QtDriver: runs a non-blocking mailwire session from a Qt event loop
 *        (Qt 5.15 or Qt 6), header-only, no moc.
 *
 * The session says what it waits for through MailwireSetWatch(); the driver maps that onto a
 * read and a write QSocketNotifier and one single-shot QTimer, and calls MailwireExecute()
 * when the descriptor is ready, the deadline has passed, or the session asked to be stepped
 * again at once. Everything runs on the thread the driver was created on, inside its event
 * loop: the GUI thread stays responsive, no worker thread is needed.
 *
 * @code
 * #include <mailwire/SmtpClient.hpp>
 * #include <mailwire/adapters/qt.hpp>
 *
 * CSmtpClient smtp;                 // members of a window, say
 * mailwire::QtDriver driver;
 * int step = 0;
 * smtp.AsyncConnect("mail.example.org", 587, 30, SMTP_OPTION_SECURE);
 * driver.Drive(smtp);
 * smtp.OnComplete([&](CSmtpClient &c, unsigned err) {   // once per operation
 *     if (err) return showError(c.GetLastErrorDetail());
 *     switch (step++) {
 *     case 0: c.Authenticate("alice", "secret"); break;
 *     case 1: c.SendMessage("alice@example.org", "bob@example.org", message); break;
 *     case 2: c.Disconnect(); break;                     // the driver goes idle
 *     }
 * });
 * @endcode
 *
 * Link Qt's Core module (Qt5::Core or Qt6::Core) besides mailwire::cpp. The header needs no
 * moc run and defines no Q_OBJECT class; it compiles with QT_NO_KEYWORDS and the
 * QT_NO_CAST_* macros.
 */
#ifndef MAILWIRE_ADAPTERS_QT_HPP
#define MAILWIRE_ADAPTERS_QT_HPP

#include <mailwire/common.h>

#include <QtGlobal>

#include <QMetaObject>
#include <QObject>
#include <QSocketNotifier>
#include <QThread>
#include <QTimer>

#include <atomic>
#include <memory>
#include <type_traits>
#include <utility>

#if QT_VERSION < QT_VERSION_CHECK(5, 15, 0)
#error "mailwire::QtDriver needs Qt 5.15 or Qt 6"
#endif

namespace mailwire
{

/**
 * @brief Drives one non-blocking session (from SmtpAsyncConnect() or ImapAsyncConnect(),
 *        CSmtpClient::AsyncConnect() or CImapClient::AsyncConnect()) from the Qt event loop of
 *        the thread the driver was created on.
 *
 * What the session asks for (MAILWIRE_WATCHPROC) becomes: a read and a write QSocketNotifier
 * on its descriptor, re-created when the descriptor changes (the resolver's wake-up
 * descriptor first, then the socket) and disabled when the session waits for nothing; a
 * single-shot QTimer for the operation's deadline; and "step again now" (timeout 0) a
 * zero-interval timer, so the step runs from the event loop after pending events, never from
 * inside the watch callback. Each of them calls MailwireExecute(), which does what can be done
 * without blocking and raises the session's events; the end of each operation is
 * MAILWIRE_EVENT_COMPLETE (CSmtpClient::OnComplete(), CImapClient::OnComplete()), where the
 * next operation is started.
 *
 * Threads: create, use and destroy the driver on one thread, which must run a Qt event loop
 * and own the session (the thread that called AsyncConnect(), or one given the session with
 * AttachThread()). The session may be closed on any thread (common.h: closing a session from
 * another thread): the driver then drops its notifiers from its own thread's event loop.
 *
 * Lifetimes: the driver never owns the session, and either may go first: a session that
 * closes (Disconnect(), the client's destructor, a failed connect closed by the application)
 * leaves the driver idle; a driver that goes first stops watching the session, which then
 * waits until something steps it. A callback of the session (an event handler, the
 * completion handler) may call Drive(), Stop() or destroy the driver.
 *
 * Not copyable or movable (C holds its address); hold it as a member, in a std::optional or a
 * std::unique_ptr.
 */
class QtDriver
{
  public:
    /** @brief A driver driving nothing yet; Drive() gives it a session. Never fails.
     *  @par Thread: the one whose event loop will drive the sessions. */
    QtDriver() : m_ctx(new Context) {}

    /**
     * @brief Drive a session given by its C handle (see Drive(HCLIENT)).
     * @param hClient a non-blocking session owned by the calling thread.
     */
    explicit QtDriver(HCLIENT hClient) : QtDriver()
    {
        Drive(hClient);
    }

    /**
     * @brief Drive the session a CSmtpClient or CImapClient holds now (see Drive(Client &)).
     * @param client a client whose session came from AsyncConnect() on this thread.
     */
    template <class Client, class = decltype(std::declval<Client &>().GetHandle())>
    explicit QtDriver(Client &client) : QtDriver(client.GetHandle())
    {
    }

    /** @brief Stops watching the session (which stays open) and releases the notifiers and
     *         the timer. Allowed from inside a callback of the session. */
    ~QtDriver()
    {
        Stop();
        if (m_ctx->stepping) {
            m_ctx->dead = true; // Step() is on the stack below: it returns at once
            m_ctx->deleteLater();
        } else {
            delete m_ctx;
        }
    }

    QtDriver(const QtDriver &) = delete;
    QtDriver &operator=(const QtDriver &) = delete;
    QtDriver(QtDriver &&) = delete;
    QtDriver &operator=(QtDriver &&) = delete;

    /**
     * @brief Drive this session from now on (any session driven before is no longer
     *        watched). The session is stepped from the event loop as soon as it returns to it:
     *        a connect or an operation started before Drive() proceeds.
     * @param hClient a non-blocking session owned by the calling thread; INVALID_CLIENT only
     *                stops driving the previous one.
     * @return true on success; false with the thread's last error (MailwireGetLastError():
     *         ST_ERROR_INVALID_HANDLE, ST_ERROR_NOT_OWNER, ST_ERROR_INVALID_ARGUMENT for a
     *         blocking session), the driver then driving nothing.
     * @par Thread: the driver's.
     */
    bool Drive(HCLIENT hClient)
    {
        Stop();
        if (hClient == INVALID_CLIENT)
            return true;
        m_ctx->hClient = hClient;
        m_ctx->closed.store(false);
        // Tells OnWatch() at once what to watch now.
        if (MailwireSetWatch(hClient, &Context::OnWatch, m_ctx) != 0) {
            m_ctx->Forget();
            return false;
        }
        return true;
    }

    /** @brief Drive the session a client holds now; call it again after the client has
     *         connected anew (the handle changes). @param client a CSmtpClient or
     *         CImapClient. @return as Drive(HCLIENT). */
    template <class Client, class = decltype(std::declval<Client &>().GetHandle())>
    bool Drive(Client &client)
    {
        return Drive(client.GetHandle());
    }

    /** @brief Stop driving the session (it stays open, and waits until something steps it
     *         again). @par Thread: the driver's. */
    void Stop() noexcept
    {
        if (m_ctx->hClient != INVALID_CLIENT && !m_ctx->closed.load())
            (void)MailwireSetWatch(m_ctx->hClient, nullptr, nullptr); // fails when it is gone
        m_ctx->Forget();
    }

    /** @return the session being driven; INVALID_CLIENT when none (never driven, stopped, or
     *          closed since). @par Thread: the driver's. */
    HCLIENT GetHandle() const noexcept
    {
        HCLIENT h = m_ctx->closed.load() ? INVALID_CLIENT : m_ctx->hClient;
        if (h != INVALID_CLIENT && m_ctx->socket == static_cast<MAILWIRE_SOCKET>(-1)) {
            // The session told "no descriptor", which is also what it says as it is freed:
            // ask whether the handle still lives (the thread's last error is left as it was).
            unsigned saved = MailwireGetLastError();
            MAILWIRE_SOCKET s;
            unsigned events;
            int timeout;
            bool gone = MailwireGetPollInfo(h, &s, &events, &timeout) != 0 &&
                        MailwireGetLastError() == ST_ERROR_INVALID_HANDLE;
            MailwireSetLastError(saved);
            if (gone)
                return INVALID_CLIENT;
        }
        return h;
    }

    /** @return true while a session is driven. */
    bool IsDriving() const noexcept
    {
        return GetHandle() != INVALID_CLIENT;
    }

  private:
    // What C holds as user data, and the parent of the notifiers and the timer. A plain
    // QObject subclass (no Q_OBJECT, no moc): it only needs a thread affinity, children and
    // deleteLater(). Its connections capture `this`; they end with it.
    class Context : public QObject
    {
      public:
        Context()
        {
            timer.setSingleShot(true);
            // Deadlines are the session's own: a timer that fired early would step it before
            // anything changed (Step() re-arms in that case anyway).
            timer.setTimerType(Qt::PreciseTimer);
            QObject::connect(&timer, &QTimer::timeout, this, [this] { Step(true); });
        }

        // MAILWIRE_WATCHPROC: only records what to watch, never calls into the session.
        static void MAILWIRE_CALLBACK OnWatch(HCLIENT hClient, MAILWIRE_SOCKET hSocket,
                                              unsigned nEvents, int nTimeout,
                                              void *lpUserData) noexcept
        {
            auto *self = static_cast<Context *>(lpUserData);
            if (QThread::currentThread() != self->thread()) {
                // Only a close arrives from another thread (a session disconnected there).
                // The notifiers belong to this driver's thread: let its event loop drop them;
                // the call is discarded if the driver goes first.
                if (hSocket == static_cast<MAILWIRE_SOCKET>(-1)) {
                    self->closed.store(true);
                    QMetaObject::invokeMethod(
                        self,
                        [self, hClient] {
                            if (self->hClient == hClient) // not a session driven since
                                self->Forget();
                        },
                        Qt::QueuedConnection);
                }
                return;
            }
            self->watched = true;
            try {
                // No descriptor: the connection is gone (a failed connect), or the session
                // with it. The handle is kept for Stop(): a freed one is refused harmlessly.
                if (hSocket == static_cast<MAILWIRE_SOCKET>(-1))
                    self->Idle();
                else
                    self->Watch(hSocket, nEvents, nTimeout);
            } catch (...) {
                // Only std::bad_alloc from creating a notifier can get here; the session then
                // waits until its deadline or the next Drive().
            }
        }

        void Watch(MAILWIRE_SOCKET s, unsigned events, int timeout)
        {
            if (!read || s != socket) {
                DropNotifiers();
                socket = s;
                // One notifier per direction: Qt's notifiers have one type each, and the two
                // directions are enabled independently (TLS may want to write while the
                // engine waits to read).
                read = new QSocketNotifier(static_cast<qintptr>(s), QSocketNotifier::Read, this);
                write = new QSocketNotifier(static_cast<qintptr>(s), QSocketNotifier::Write, this);
                QObject::connect(read, &QSocketNotifier::activated, this, [this] { Step(false); });
                QObject::connect(write, &QSocketNotifier::activated, this, [this] { Step(false); });
            }
            wanted = events;
            if (!stepping)
                Enable();
            if (timeout < 0)
                timer.stop();
            else
                timer.start(timeout); // 0: from the event loop, after what is pending there
        }

        void Enable()
        {
            if (read) {
                read->setEnabled((wanted & MAILWIRE_POLL_READ) != 0);
                write->setEnabled((wanted & MAILWIRE_POLL_WRITE) != 0);
            }
        }

        void Step(bool fromTimer)
        {
            if (hClient == INVALID_CLIENT || closed.load())
                return;
            if (stepping) {
                // A handler runs a nested event loop (a modal dialog) inside MailwireExecute():
                // step once that has returned. Level-triggered notifiers would fire in a loop
                // meanwhile: quiet them.
                again = true;
                if (read) {
                    read->setEnabled(false);
                    write->setEnabled(false);
                }
                return;
            }
            stepping = true;
            again = false;
            watched = false;
            int rc = MailwireExecute(hClient);
            unsigned err = rc == MAILWIRE_ERROR ? MailwireGetLastError() : 0u;
            stepping = false;
            if (dead) // the driver was destroyed by a callback; deleteLater() is due
                return;
            if (err == ST_ERROR_INVALID_HANDLE) { // freed by a callback, or elsewhere
                Forget();
                return;
            }
            if (err == ST_ERROR_NOT_OWNER)
                qWarning("mailwire::QtDriver: the session belongs to another thread; create the "
                         "driver on the thread that owns it (or AttachThread() it there)");
            if (hClient == INVALID_CLIENT || closed.load())
                return;
            Enable();
            if (again) {
                timer.start(0);
            } else if (fromTimer && !watched && !timer.isActive()) {
                // The timer was used up but the session reported no change (it fired before
                // the session counted its deadline as passed): ask again.
                MAILWIRE_SOCKET s;
                unsigned events = 0;
                int timeout = -1;
                if (MailwireGetPollInfo(hClient, &s, &events, &timeout) == 0 && timeout >= 0)
                    timer.start(timeout > 0 ? timeout : 1);
            }
        }

        void DropNotifiers()
        {
            // deleteLater(): the notifier may be the sender whose signal is being handled.
            for (QSocketNotifier *n : {read, write})
                if (n) {
                    n->setEnabled(false);
                    QObject::disconnect(n, nullptr, this, nullptr);
                    n->deleteLater();
                }
            read = write = nullptr;
        }

        void Idle() noexcept
        {
            timer.stop();
            wanted = 0;
            DropNotifiers();
            socket = static_cast<MAILWIRE_SOCKET>(-1);
        }

        void Forget() noexcept
        {
            Idle();
            hClient = INVALID_CLIENT;
        }

        HCLIENT hClient = INVALID_CLIENT;
        std::atomic<bool> closed{false}; // closed on another thread (OnWatch())
        MAILWIRE_SOCKET socket = static_cast<MAILWIRE_SOCKET>(-1);
        QSocketNotifier *read = nullptr;
        QSocketNotifier *write = nullptr;
        QTimer timer{this};
        unsigned wanted = 0;
        bool stepping = false; // inside MailwireExecute()
        bool again = false;    // a notifier or the timer fired meanwhile
        bool watched = false;  // OnWatch() ran during this step
        bool dead = false;     // the driver went during a step
    };

    Context *m_ctx;
};

} // namespace mailwire

#endif // MAILWIRE_ADAPTERS_QT_HPP
