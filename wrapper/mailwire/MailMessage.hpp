/**
 * @file MailMessage.hpp
 * @brief CMailMessage: builds the SMTPMESSAGE that CSmtpClient::SubmitMessage() composes.
 *
 * The builder only collects strings; composing (RFC 5322 header fields, RFC 2047 encoded
 * words, MIME parts, attachments read from files) is done by the C library when the message
 * is submitted, which also validates every address and header. The one check made here is
 * the one the joining itself would defeat: a header name or value holding CR, LF or NUL is
 * refused by AddHeader(), because once joined into the CRLF-separated header block it would
 * read as extra, well-formed header fields (header injection).
 */
#ifndef MAILWIRE_MAILMESSAGE_HPP
#define MAILWIRE_MAILMESSAGE_HPP

#include <mailwire/smtp.h>
#include <mailwire/TextArg.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace mailwire
{

/**
 * @brief A message to submit: sender, recipients, subject, text and HTML bodies,
 *        attachments (file paths) and extra header fields. Copyable and movable.
 *
 * Strings are UTF-8, or wchar_t and CString (mailwire::TextArg). Setters return *this so
 * calls can be chained:
 * @code
 * CMailMessage m;
 * m.SetFrom("Alice <alice@example.org>").AddTo("bob@example.org").SetSubject("Hi")
 *  .SetText("Hello").AddAttachment("/tmp/report.pdf");
 * @endcode
 * None of the methods blocks; an object may be used by one thread at a time.
 */
class CMailMessage
{
  public:
    /** @brief Set the sender ("Name <addr>" or "addr"), also used as the envelope sender. */
    CMailMessage &SetFrom(const TextArg &from)
    {
        m_from = Str(from);
        return *this;
    }
    /** @brief Add primary recipients (one address, or a comma-separated list). */
    CMailMessage &AddTo(const TextArg &to)
    {
        Append(m_to, to);
        return *this;
    }
    /** @brief Add copy recipients (one address, or a comma-separated list). */
    CMailMessage &AddCc(const TextArg &cc)
    {
        Append(m_cc, cc);
        return *this;
    }
    /** @brief Add blind copy recipients: envelope only, never written into the header. */
    CMailMessage &AddBcc(const TextArg &bcc)
    {
        Append(m_bcc, bcc);
        return *this;
    }
    /** @brief Set the subject; non-ASCII text is RFC 2047 encoded when composed. */
    CMailMessage &SetSubject(const TextArg &subject)
    {
        m_subject = Str(subject);
        m_hasSubject = true;
        return *this;
    }
    /** @brief Set the Date header value (RFC 5322 section 3.3); unset means the time of
     *         submission. */
    CMailMessage &SetDate(const TextArg &date)
    {
        m_date = Str(date);
        return *this;
    }
    /** @brief Set the plain-text body. With an HTML body the two become
     *         multipart/alternative. */
    CMailMessage &SetText(const TextArg &text)
    {
        m_text = Str(text);
        m_hasText = true;
        return *this;
    }
    /** @brief Set the HTML body. */
    CMailMessage &SetHtml(const TextArg &html)
    {
        m_html = Str(html);
        m_hasHtml = true;
        return *this;
    }
    /** @brief Attach a file; its name (without the directory) names the attachment and its
     *         extension picks the content type. The file is read when the message is
     *         submitted. */
    CMailMessage &AddAttachment(const TextArg &path)
    {
        m_attachments.push_back(Str(path));
        return *this;
    }
    /** @brief Set the charset of the text parts (default "utf-8"). */
    CMailMessage &SetCharSet(const TextArg &charset)
    {
        m_charset = Str(charset);
        return *this;
    }

    /**
     * @brief Add one extra header field, "name: value".
     * @param nameText  the field name (e.g. "Reply-To", "X-Mailer").
     * @param valueText the field value (UTF-8, or wide text: mailwire::TextArg).
     * @return true when added; false when the name is empty or either string holds CR, LF or
     *         NUL (it could smuggle further header fields in); nothing is added then. The
     *         library checks the rest of the syntax when the message is submitted.
     */
    bool AddHeader(const TextArg &nameText, const TextArg &valueText)
    {
        std::string_view name = nameText, value = valueText;
        if (name.empty() || HasLineBreak(name) || HasLineBreak(value))
            return false;
        if (!m_headers.empty())
            m_headers += "\r\n";
        m_headers.append(name).append(": ").append(value);
        return true;
    }

    /** @brief Remove all recipients, bodies, attachments and headers; keep nothing. */
    void Clear()
    {
        *this = CMailMessage();
    }

    /**
     * @brief The C structure for SmtpSubmitMessage(). It points into this object: valid until
     *        the object is changed or destroyed.
     */
    const SMTPMESSAGEA &Get() const
    {
        m_attachPtrs.clear();
        for (const std::string &a : m_attachments)
            m_attachPtrs.push_back(a.c_str());
        m_attachPtrs.push_back(nullptr);
        m_msg = SMTPMESSAGEA{};
        m_msg.dwSize = sizeof m_msg;
        m_msg.lpszFrom = m_from.c_str();
        m_msg.lpszTo = OrNull(m_to);
        m_msg.lpszCc = OrNull(m_cc);
        m_msg.lpszBcc = OrNull(m_bcc);
        m_msg.lpszSubject = m_hasSubject ? m_subject.c_str() : nullptr;
        m_msg.lpszDate = OrNull(m_date);
        m_msg.lpszHeaders = OrNull(m_headers);
        m_msg.lpszText = m_hasText ? m_text.c_str() : nullptr;
        m_msg.lpszHTML = m_hasHtml ? m_html.c_str() : nullptr;
        m_msg.lpszAttachments = m_attachments.empty() ? nullptr : m_attachPtrs.data();
        m_msg.lpszCharSet = OrNull(m_charset);
        return m_msg;
    }

  private:
    static std::string Str(const TextArg &s)
    {
        return std::string(static_cast<std::string_view>(s));
    }
    static bool HasLineBreak(std::string_view s)
    {
        return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
    }
    static void Append(std::string &list, std::string_view more)
    {
        if (!list.empty())
            list += ", ";
        list.append(more);
    }
    static const char *OrNull(const std::string &s)
    {
        return s.empty() ? nullptr : s.c_str();
    }

    std::string m_from, m_to, m_cc, m_bcc, m_subject, m_date, m_text, m_html, m_charset;
    std::string m_headers;
    bool m_hasSubject = false, m_hasText = false, m_hasHtml = false;
    std::vector<std::string> m_attachments;
    mutable std::vector<const char *> m_attachPtrs;
    mutable SMTPMESSAGEA m_msg{};
};

} // namespace mailwire

#endif // MAILWIRE_MAILMESSAGE_HPP
