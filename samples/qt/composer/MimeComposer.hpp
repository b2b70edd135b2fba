// Composes the message the window sends: RFC 5322 header fields (RFC 2047 for a non-ASCII
// subject), a text/plain part, and the attachments base64-encoded (RFC 2231 for non-ASCII file
// names), as multipart/mixed.
//
// Why the sample composes at all: mailwire's own composer runs only inside
// SmtpSubmitMessage(), which connects, sends and quits by itself with no events, so a program
// that wants an attachment and a progress bar composes the message itself for now (issue 14
// gives sessions a message object). It works in slices so that the GUI thread, which runs it
// in both ways of sending, never stops for the whole attachment at once: Step() encodes about
// a megabyte and returns.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QStringList>

#include <memory>

struct Draft {
    QString from, to, cc, subject, body;
    QStringList attachments; // file paths
};

class MimeComposer
{
  public:
    explicit MimeComposer(const Draft &draft);
    /** Encode the next slice; true once the message is complete (or failed: see error()). */
    bool Step();
    /** The message so far (complete once Step() returned true and error() is empty). */
    QByteArray &message()
    {
        return m_out;
    }
    QString error() const
    {
        return m_error;
    }
    /** Bytes of attachments read so far, and in all. */
    qint64 done() const
    {
        return m_done;
    }
    qint64 total() const
    {
        return m_total;
    }

  private:
    bool OpenNext();
    QByteArray m_out;
    QByteArray m_boundary;
    QStringList m_files;
    int m_next = 0;
    std::unique_ptr<QFile> m_file;
    qint64 m_done = 0, m_total = 0;
    QString m_error;
};
