// Sending on a worker thread: the blocking calls of CSmtpClient run on a QThread made for each
// send, and report to the GUI thread with queued calls. The session stays in the object
// between sends: the worker that opened it has ended by the next send, whose worker takes it
// over with AttachThread(). The GUI thread never calls into the session except Cancel() (any
// thread may), and closes it when the window goes: a session may be closed on any thread.
#include <mailwire/SmtpClient.hpp>

#include <QMetaObject>
#include <QObject>
#include <QThread>

#include "Sender.hpp"

namespace
{

class WorkerSender : public Sender
{
  public:
    WorkerSender()
    {
        // Installed on every session the object opens; runs on the worker.
        m_smtp.RegisterEvent(SMTP_EVENT_PROGRESS, [this](CSmtpClient &c) {
            SMTPTRANSFERSTATUS s = c.GetTransferStatus();
            QMetaObject::invokeMethod(&m_gui,
                                      [this, s] { progress(s.qwBytesCopied, s.qwBytesTotal); });
        });
    }

    ~WorkerSender() override
    {
        if (m_worker) { // the window closes during a send
            m_smtp.Cancel();
            m_worker->wait();
            delete m_worker;
        }
    } // m_smtp closes the session here, on the GUI thread (QUIT)

    void Send(const Account &account, std::shared_ptr<const Outgoing> out) override
    {
        m_worker = QThread::create([this, account, out] {
            bool ok = m_smtp.IsConnected() ? m_smtp.AttachThread() != 0 : Connect(account);
            const QByteArray &m = out->message;
            ok = ok &&
                 m_smtp.SendMessage(out->from.c_str(), out->recipients.c_str(),
                                    std::string_view(m.constData(), static_cast<size_t>(m.size())));
            std::string why =
                ok ? std::string() : m_smtp.GetErrorString() + ": " + m_smtp.GetLastErrorDetail();
            if (!ok)
                m_smtp.Disconnect(); // the next send starts a new session
            QMetaObject::invokeMethod(&m_gui, [this, ok, why] {
                m_worker->wait(); // it has nothing left to do but return
                delete m_worker;
                m_worker = nullptr;
                finished(ok, why);
            });
        });
        m_worker->start();
    }

    void Cancel() override
    {
        m_smtp.Cancel(); // from the GUI thread: the worker's call returns ST_ERROR_CANCELLED
    }

  private:
    bool Connect(const Account &account) // on the worker
    {
        m_ca.Create(0, nullptr, nullptr, nullptr,
                    account.caFile.empty() ? nullptr : account.caFile.c_str());
        return m_smtp.Connect(account.host.c_str(), account.port, 30, TlsOption(account), nullptr,
                              m_ca.Get()) &&
               (account.user.empty() ||
                m_smtp.Authenticate(account.user.c_str(), account.password.c_str()));
    }

    CSmtpClient m_smtp;
    mailwire::CSecurityCredentials m_ca;
    QObject m_gui; // lives on the GUI thread: queued calls to it run there
    QThread *m_worker = nullptr;
};

} // namespace

std::unique_ptr<Sender> MakeWorkerSender()
{
    return std::make_unique<WorkerSender>();
}
