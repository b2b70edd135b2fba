// The composer's window: To, Cc, Subject, Body, attachments, the way of sending, Send, Cancel,
// a progress bar and a status line. A plain QWidget: no Q_OBJECT, signals are connected to
// lambdas, so the sample builds without moc.
#pragma once

#include <QWidget>

#include <functional>
#include <memory>
#include <string>

#include "MimeComposer.hpp"
#include "Sender.hpp"

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTimer;

class ComposerWindow : public QWidget
{
  public:
    enum Mode { EventLoop = 0, Worker = 1 };

    ComposerWindow(Account account, QString from);
    ~ComposerWindow() override;

    // For the scripted mode (main.cpp) as much as for a person.
    void SetDraft(const Draft &draft);
    void SetMode(Mode mode);
    void Send();
    /** The last message handed to the sender (empty before). */
    QByteArray LastMessage() const;
    std::function<void(int percent)> onProgress;
    std::function<void(bool ok, const std::string &error)> onFinished;

  private:
    void Compose();
    void Finished(bool ok, const std::string &error);
    void Busy(bool busy);

    Account m_account;
    QString m_from;
    std::unique_ptr<Sender> m_senders[2]; // one session per way of sending, made when needed
    Sender *m_active = nullptr;
    std::unique_ptr<MimeComposer> m_composer;
    std::shared_ptr<const Outgoing> m_last;
    QTimer *m_composeTimer;
    QLineEdit *m_to, *m_cc, *m_subject;
    QPlainTextEdit *m_body;
    QListWidget *m_attachments;
    QComboBox *m_mode;
    QPushButton *m_attach, *m_send, *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status;
};
