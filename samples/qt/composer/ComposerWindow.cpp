#include "ComposerWindow.hpp"

#include <mailwire/SmtpClient.hpp>

#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

uint32_t TlsOption(const Account &account)
{
    return account.port == 465 ? SMTP_OPTION_SECURE_IMPLICIT : SMTP_OPTION_SECURE;
}

ComposerWindow::ComposerWindow(Account account, QString from)
    : m_account(std::move(account)), m_from(std::move(from))
{
    setWindowTitle(QStringLiteral("mailwire composer — ") + m_from);
    m_to = new QLineEdit;
    m_cc = new QLineEdit;
    m_subject = new QLineEdit;
    m_body = new QPlainTextEdit;
    m_attachments = new QListWidget;
    m_attachments->setMaximumHeight(80);
    m_attach = new QPushButton(QStringLiteral("Attach…"));
    m_mode = new QComboBox;
    m_mode->addItem(QStringLiteral("in the event loop (QtDriver, no thread)"));
    m_mode->addItem(QStringLiteral("on a worker thread (blocking calls, AttachThread)"));
    m_send = new QPushButton(QStringLiteral("Send"));
    m_cancel = new QPushButton(QStringLiteral("Cancel"));
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setFormat(QStringLiteral("%p%"));
    m_status = new QLabel(QStringLiteral("Ready"));

    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("To:"), m_to);
    form->addRow(QStringLiteral("Cc:"), m_cc);
    form->addRow(QStringLiteral("Subject:"), m_subject);
    auto *files = new QHBoxLayout;
    files->addWidget(m_attachments, 1);
    files->addWidget(m_attach, 0, Qt::AlignTop);
    form->addRow(QStringLiteral("Attachments:"), files);
    form->addRow(QStringLiteral("Send:"), m_mode);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(m_progress, 1);
    buttons->addWidget(m_send);
    buttons->addWidget(m_cancel);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_body, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    resize(720, 560);

    m_composeTimer = new QTimer(this);
    m_composeTimer->setInterval(0); // one slice per pass of the event loop
    connect(m_composeTimer, &QTimer::timeout, this, [this] { Compose(); });
    connect(m_attach, &QPushButton::clicked, this, [this] {
        for (const QString &f : QFileDialog::getOpenFileNames(this, QStringLiteral("Attach")))
            m_attachments->addItem(f);
    });
    connect(m_send, &QPushButton::clicked, this, [this] { Send(); });
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        if (m_composeTimer->isActive()) {
            m_composeTimer->stop();
            m_composer.reset();
            Finished(false, "cancelled");
        } else if (m_active) {
            m_active->Cancel();
        }
    });
    Busy(false);
}

ComposerWindow::~ComposerWindow() = default;

void ComposerWindow::SetDraft(const Draft &d)
{
    m_to->setText(d.to);
    m_cc->setText(d.cc);
    m_subject->setText(d.subject);
    m_body->setPlainText(d.body);
    m_attachments->clear();
    m_attachments->addItems(d.attachments);
}

void ComposerWindow::SetMode(Mode mode)
{
    m_mode->setCurrentIndex(mode);
}

QByteArray ComposerWindow::LastMessage() const
{
    return m_last ? m_last->message : QByteArray();
}

void ComposerWindow::Busy(bool busy)
{
    m_send->setEnabled(!busy);
    m_mode->setEnabled(!busy);
    m_attach->setEnabled(!busy);
    m_cancel->setEnabled(busy);
}

void ComposerWindow::Send()
{
    if (m_to->text().trimmed().isEmpty() && m_cc->text().trimmed().isEmpty()) {
        m_status->setText(QStringLiteral("Nobody to send to"));
        return;
    }
    Draft d;
    d.from = m_from;
    d.to = m_to->text();
    d.cc = m_cc->text();
    d.subject = m_subject->text();
    d.body = m_body->toPlainText();
    for (int i = 0; i < m_attachments->count(); ++i)
        d.attachments << m_attachments->item(i)->text();
    m_composer = std::make_unique<MimeComposer>(d);
    Busy(true);
    m_progress->setValue(0);
    m_status->setText(QStringLiteral("Preparing the message…"));
    m_composeTimer->start();
}

void ComposerWindow::Compose()
{
    if (!m_composer->Step())
        return; // the next slice on the next pass of the event loop
    m_composeTimer->stop();
    std::unique_ptr<MimeComposer> c = std::move(m_composer);
    if (!c->error().isEmpty())
        return Finished(false, c->error().toStdString());
    auto out = std::make_shared<Outgoing>();
    out->from = m_from.toStdString();
    QStringList rcpts;
    for (const QString &field : {m_to->text(), m_cc->text()})
        if (!field.trimmed().isEmpty())
            rcpts << field;
    out->recipients = rcpts.join(QLatin1Char(',')).toStdString();
    out->message = std::move(c->message());
    m_last = out;

    const int mode = m_mode->currentIndex();
    if (!m_senders[mode]) {
        m_senders[mode] = mode == EventLoop ? MakeEventLoopSender() : MakeWorkerSender();
        m_senders[mode]->progress = [this](uint64_t done, uint64_t total) {
            int permille = total ? static_cast<int>(done * 1000 / total) : 0;
            m_progress->setValue(permille);
            if (onProgress)
                onProgress(permille / 10);
        };
        m_senders[mode]->finished = [this](bool ok, const std::string &error) {
            Finished(ok, error);
        };
    }
    m_active = m_senders[mode].get();
    m_status->setText(QStringLiteral("Sending %1 MB to %2…")
                          .arg(static_cast<double>(out->message.size()) / 1e6, 0, 'f', 1)
                          .arg(QString::fromStdString(m_account.host)));
    m_active->Send(m_account, out);
}

void ComposerWindow::Finished(bool ok, const std::string &error)
{
    m_active = nullptr;
    Busy(false);
    if (ok)
        m_progress->setValue(1000);
    m_status->setText(ok ? QStringLiteral("Sent.")
                         : QStringLiteral("Not sent: ") + QString::fromStdString(error));
    if (onFinished)
        onFinished(ok, error);
}
