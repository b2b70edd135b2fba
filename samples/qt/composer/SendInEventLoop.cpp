// Sending with no worker thread: the session is non-blocking and mailwire::QtDriver steps it
// from the GUI thread's event loop (socket notifiers and a timer); the completion handler,
// called once per operation, starts the next one. Nothing here blocks, so the window stays
// responsive however slow the server or the link.
#include <mailwire/SmtpClient.hpp>
#include <mailwire/adapters/qt.hpp>

#include "Sender.hpp"

namespace
{

class EventLoopSender : public Sender
{
  public:
    EventLoopSender()
    {
        m_smtp.RegisterEvent(SMTP_EVENT_PROGRESS, [this](CSmtpClient &c) {
            SMTPTRANSFERSTATUS s = c.GetTransferStatus();
            progress(s.qwBytesCopied, s.qwBytesTotal);
        });
        m_smtp.OnComplete([this](CSmtpClient &, unsigned err) { Next(err); });
    }

    void Send(const Account &account, std::shared_ptr<const Outgoing> out) override
    {
        m_account = account;
        m_out = std::move(out);   // SendMessage() does not copy the message: keep it
        if (m_smtp.IsConnected()) // the session of the last send is still open
            return Transfer();
        m_ca.Create(0, nullptr, nullptr, nullptr,
                    account.caFile.empty() ? nullptr : account.caFile.c_str());
        m_step = Step::Connect;
        if (!m_smtp.AsyncConnect(account.host.c_str(), account.port, 30, TlsOption(account),
                                 nullptr, m_ca.Get()))
            return Fail();
        m_driver.Drive(m_smtp); // from here on the event loop runs it
    }

    void Cancel() override
    {
        m_smtp.Cancel(); // the operation completes with ST_ERROR_CANCELLED
    }

  private:
    enum class Step { Connect, Authenticate, Transfer };

    void Next(unsigned err)
    {
        if (err)
            return Fail();
        if (m_step == Step::Connect && !m_account.user.empty()) {
            m_step = Step::Authenticate;
            if (!m_smtp.Authenticate(m_account.user.c_str(), m_account.password.c_str()))
                Fail();
        } else if (m_step != Step::Transfer) {
            Transfer();
        } else {
            m_out.reset();
            finished(true, std::string());
        }
    }

    void Transfer()
    {
        m_step = Step::Transfer;
        const QByteArray &m = m_out->message;
        if (!m_smtp.SendMessage(m_out->from.c_str(), m_out->recipients.c_str(),
                                std::string_view(m.constData(), static_cast<size_t>(m.size()))))
            Fail();
    }

    void Fail()
    {
        std::string why = m_smtp.GetErrorString() + ": " + m_smtp.GetLastErrorDetail();
        m_smtp.Disconnect(); // the next send starts a new session
        m_out.reset();
        finished(false, why);
    }

    CSmtpClient m_smtp;
    mailwire::QtDriver m_driver;
    mailwire::CSecurityCredentials m_ca;
    Account m_account;
    std::shared_ptr<const Outgoing> m_out;
    Step m_step = Step::Connect;
};

} // namespace

std::unique_ptr<Sender> MakeEventLoopSender()
{
    return std::make_unique<EventLoopSender>();
}
