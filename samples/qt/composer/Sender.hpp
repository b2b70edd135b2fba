// What the composer window needs from a way of sending: start a send, cancel it, and hear
// about progress and the end on the GUI thread. Two implementations, one per file:
//   SendInEventLoop.cpp: no worker thread; mailwire::QtDriver runs the session from the GUI
//                        thread's event loop and the completion handler chains the steps.
//   SendOnWorker.cpp:    the blocking CSmtpClient calls on a worker QThread; the session stays
//                        in the object between sends, each worker takes it with
//                        AttachThread(), and the GUI thread closes it when the window goes.
#pragma once

#include <QByteArray>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

/** Where and as whom to send. */
struct Account {
    std::string host = "localhost";
    unsigned port = 587;        // 465: implicit TLS; any other: STARTTLS
    std::string user, password; // no user: no AUTH
    std::string caFile;         // extra trust anchors (PEM), or empty
};

/** A composed message and its envelope. Shared: the message must outlive the send. */
struct Outgoing {
    std::string from;       // envelope sender
    std::string recipients; // To and Cc, comma-separated
    QByteArray message;     // RFC 5322, CRLF line ends
};

class Sender
{
  public:
    virtual ~Sender() = default;
    /** Start sending; progress and finished are called on the GUI thread. */
    virtual void Send(const Account &account, std::shared_ptr<const Outgoing> out) = 0;
    /** Stop the send in progress (finished then reports the cancel). */
    virtual void Cancel() = 0;

    std::function<void(uint64_t done, uint64_t total)> progress;
    std::function<void(bool ok, const std::string &error)> finished;
};

std::unique_ptr<Sender> MakeEventLoopSender();
std::unique_ptr<Sender> MakeWorkerSender();

/** SMTP_OPTION_SECURE (STARTTLS) or, on port 465, SMTP_OPTION_SECURE_IMPLICIT. */
uint32_t TlsOption(const Account &account);
