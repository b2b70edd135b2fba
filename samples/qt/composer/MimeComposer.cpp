#include "MimeComposer.hpp"

#include <QDateTime>
#include <QFileInfo>
#include <QMimeDatabase>
#include <QUuid>

namespace
{

bool IsPlainAscii(const QByteArray &s)
{
    for (char c : s)
        if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e)
            return false;
    return true;
}

// Base64 in lines of 76 characters, CRLF after each (RFC 2045 section 6.8).
void AppendBase64(QByteArray &out, const QByteArray &data)
{
    const QByteArray b64 = data.toBase64();
    for (qsizetype i = 0; i < b64.size(); i += 76) {
        out.append(b64.constData() + i, std::min<qsizetype>(76, b64.size() - i));
        out.append("\r\n");
    }
}

// A header value: as it is when short printable ASCII, else RFC 2047 encoded words ("B"
// encoding, at most 45 bytes of UTF-8 each, never splitting a character), folded.
QByteArray EncodeHeader(const QString &value)
{
    const QByteArray utf8 = value.toUtf8();
    if (IsPlainAscii(utf8) && utf8.size() <= 900)
        return utf8;
    QByteArray out;
    for (qsizetype i = 0; i < utf8.size();) {
        qsizetype n = std::min<qsizetype>(45, utf8.size() - i);
        while (i + n < utf8.size() && (static_cast<unsigned char>(utf8[i + n]) & 0xc0) == 0x80)
            --n; // back to the start of a character
        if (!out.isEmpty())
            out.append("\r\n ");
        out.append("=?utf-8?B?" + utf8.mid(i, n).toBase64() + "?=");
        i += n;
    }
    return out;
}

// filename="..." for printable ASCII, else filename*=utf-8''percent-encoded (RFC 2231).
QByteArray FileNameParameter(const QString &name)
{
    const QByteArray utf8 = name.toUtf8();
    if (IsPlainAscii(utf8) && !utf8.contains('"') && !utf8.contains('\\'))
        return "filename=\"" + utf8 + "\"";
    return "filename*=utf-8''" + utf8.toPercentEncoding();
}

} // namespace

MimeComposer::MimeComposer(const Draft &d)
    : m_boundary("=_mailwire_composer_" + QUuid::createUuid().toByteArray(QUuid::Id128)),
      m_files(d.attachments)
{
    for (const QString &f : m_files)
        m_total += QFileInfo(f).size();
    // The whole message in one buffer: no reallocation (and copy) of megabytes on the way.
    m_out.reserve(static_cast<qsizetype>(m_total * 139 / 100 + d.body.size() * 2 + 8192));
    m_out += "From: " + d.from.toUtf8() + "\r\n";
    m_out += "To: " + d.to.toUtf8() + "\r\n";
    if (!d.cc.trimmed().isEmpty())
        m_out += "Cc: " + d.cc.toUtf8() + "\r\n";
    m_out += "Subject: " + EncodeHeader(d.subject) + "\r\n";
    m_out += "Date: " + QDateTime::currentDateTime().toString(Qt::RFC2822Date).toUtf8() + "\r\n";
    m_out +=
        "Message-ID: <" + QUuid::createUuid().toByteArray(QUuid::Id128) + "@mailwire.composer>\r\n";
    m_out += "MIME-Version: 1.0\r\n";
    m_out += "Content-Type: multipart/mixed; boundary=\"" + m_boundary + "\"\r\n\r\n";
    m_out += "--" + m_boundary + "\r\n";
    m_out += "Content-Type: text/plain; charset=utf-8\r\n";
    m_out += "Content-Transfer-Encoding: base64\r\n\r\n";
    QString body = d.body;
    body.replace(QStringLiteral("\n"), QStringLiteral("\r\n"));
    AppendBase64(m_out, body.toUtf8());
}

bool MimeComposer::OpenNext()
{
    const QString path = m_files[m_next++];
    m_file = std::make_unique<QFile>(path);
    if (!m_file->open(QIODevice::ReadOnly)) {
        m_error = path + QStringLiteral(": ") + m_file->errorString();
        return false;
    }
    const QString type = QMimeDatabase().mimeTypeForFile(path).name();
    m_out += "--" + m_boundary + "\r\n";
    m_out += "Content-Type: " + type.toUtf8() + "\r\n";
    m_out += "Content-Disposition: attachment; " + FileNameParameter(QFileInfo(path).fileName()) +
             "\r\n";
    m_out += "Content-Transfer-Encoding: base64\r\n\r\n";
    return true;
}

bool MimeComposer::Step()
{
    if (!m_error.isEmpty())
        return true;
    if (!m_file) {
        if (m_next == m_files.size()) {
            m_out += "--" + m_boundary + "--\r\n";
            return true;
        }
        return !OpenNext();
    }
    // 57 bytes make one 76-character line; 16384 lines are about 1.2 MB of output.
    const QByteArray chunk = m_file->read(57 * 16384);
    if (chunk.isEmpty()) {
        if (!m_file->atEnd()) {
            m_error = m_file->fileName() + QStringLiteral(": ") + m_file->errorString();
            return true;
        }
        m_file.reset();
        return false;
    }
    m_done += chunk.size();
    AppendBase64(m_out, chunk);
    return false;
}
