/**
 * @file MailMessage.hpp
 * @brief CMailMessage: the C++ face of a message object (HMESSAGE, <mailwire/mime.h>):
 *        compose, parse, read headers and parts, export; sent by CSmtpClient, appended and
 *        fetched by CImapClient.
 *
 * A CMailMessage owns one HMESSAGE (RAII, move-only: a message can hold attachment files,
 * callbacks and a parsed source, which a copy could not share safely; MimeExportMessage()
 * and FromBytes() make an independent copy when one is wanted). Strings in and out are UTF-8.
 *
 * **Composing** keeps the builder calls of the earlier string-collecting CMailMessage:
 * SetFrom(), AddTo(), AddCc(), AddBcc(), SetSubject(), SetDate(), SetText(), SetHtml(),
 * SetCharSet(), AddAttachment(), AddHeader(), chained. Each now changes the message at once
 * (the library checks addresses, header values and attachment files then, not at sending).
 * A chained setter cannot return a result, so the first one that fails is remembered as the
 * message's *compose error* (GetComposeError()); sending, appending or submitting such a
 * message fails with that error, and nothing is sent. Clear() starts afresh.
 *
 * **Parsing**: FromBytes(), FromFile(), Import(), or ImportBegin()/ImportWrite()/ImportEnd()
 * for bytes that arrive in pieces (CImapClient::GetMessage() uses these). Headers come back
 * decoded (GetHeader(), GetHeaders(), GetAddresses()), GetText() gives the message text as
 * UTF-8, and Parts() is the part tree as a range of CMailPart, each with its content type,
 * file name, disposition, Content-ID and decoded content (to a string, a callable, a stream
 * or a file).
 *
 * Errors: methods returning bool give false on failure, with the code and its cause in
 * GetLastError() / GetLastErrorDetail() (and the thread's last error, as every C call sets
 * it). Getters returning a string give "" when there is nothing (or on failure). No method
 * throws except std::bad_alloc (a string, or a message that cannot be created).
 *
 * Threads: one thread at a time per object (the rule of HMESSAGE). A send or append in
 * progress holds its own reference: the object may be destroyed meanwhile, but not changed.
 */
#ifndef MAILWIRE_MAILMESSAGE_HPP
#define MAILWIRE_MAILMESSAGE_HPP

#include <mailwire/TextArg.hpp>
#include <mailwire/mime.h>

#include <cstdint>
#include <cstdio>
#include <iterator>
#include <new>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace mailwire
{

/** @brief One mailbox of an address field: the display name (decoded) and the address. */
struct MailAddress {
    std::string name;    /**< Display name, UTF-8; "" when none. */
    std::string address; /**< addr-spec, "local@domain". */
};

/** @brief One header field: its name and its value (decoded, or raw on request). */
struct MailHeader {
    std::string name;  /**< Field name as written. */
    std::string value; /**< Value, UTF-8. */
};

namespace detail
{
/** @brief Internal: the string a C call fills (`fn(buffer, size)` returning the full length,
 *  MIME_ERROR on failure), sized by a first call. @param fn the call. @return the string, ""
 *  on failure. */
template <class Fn> std::string MimeString(Fn &&fn)
{
    int n = fn(nullptr, 0);
    if (n <= 0)
        return std::string();
    std::string s(static_cast<std::size_t>(n) + 1, '\0');
    n = fn(&s[0], s.size());
    if (n < 0)
        return std::string();
    s.resize(static_cast<std::size_t>(n) < s.size() ? static_cast<std::size_t>(n) : s.size() - 1);
    return s;
}

// MIMEWRITEPROC over a callable taking std::string_view; returns bool (false stops) or void.
// A throw stops the C call (ST_ERROR_CALLBACK_FAILED); the exception is not rethrown.
template <class F> struct MimeSink {
    F *fn;
    static int MAILWIRE_CALLBACK Thunk(void *user, const void *p, std::size_t n) noexcept
    {
        auto *self = static_cast<MimeSink *>(user);
        try {
            std::string_view data(static_cast<const char *>(p), n);
            if constexpr (std::is_same_v<decltype((*self->fn)(data)), bool>)
                return (*self->fn)(data) ? 0 : 1;
            else {
                (*self->fn)(data);
                return 0;
            }
        } catch (...) {
            return 1;
        }
    }
};
} // namespace detail

/**
 * @brief A view of one entity of a CMailMessage (MIMEPARTINFO in C++). Cheap to copy; valid
 *        while its message lives and its structure is unchanged (see mime.h: part numbers).
 */
class CMailPart
{
  public:
    /** @brief A view of part @p nIndex of @p hMessage (0: the message itself). */
    CMailPart(HMESSAGE hMessage, int nIndex) noexcept : m_hMessage(hMessage), m_nIndex(nIndex) {}

    /** @brief The entity index (depth-first, 0 is the message). */
    int Index() const noexcept
    {
        return m_nIndex;
    }
    /** @brief "type/subtype", lower case. */
    std::string ContentType() const
    {
        return Field(&MIMEPARTINFOA::lpszContentType);
    }
    /** @brief The charset parameter, lower case ("" when none). */
    std::string CharSet() const
    {
        return Field(&MIMEPARTINFOA::lpszCharSet);
    }
    /** @brief The file name (RFC 2231 / RFC 2047 decoded; "" when none). */
    std::string FileName() const
    {
        return Field(&MIMEPARTINFOA::lpszFileName);
    }
    /** @brief "attachment", "inline" or another disposition ("" when none). */
    std::string Disposition() const
    {
        return Field(&MIMEPARTINFOA::lpszDisposition);
    }
    /** @brief The Content-ID as written ("<id@host>"; "" when none). */
    std::string ContentId() const
    {
        return Field(&MIMEPARTINFOA::lpszContentId);
    }
    /** @brief The Content-Transfer-Encoding, lower case ("" when none). */
    std::string Encoding() const
    {
        return Field(&MIMEPARTINFOA::lpszEncoding);
    }
    /** @brief The IMAP section of the content ("1", "2.1"); see CImapClient::FetchPart(). */
    std::string Section() const
    {
        return Field(&MIMEPARTINFOA::lpszSection);
    }
    /** @brief MIME_PART_* bits. */
    uint32_t Flags() const
    {
        MIMEPARTINFOA pi;
        return Info(pi) ? pi.dwFlags : 0u;
    }
    /** @brief Index of the enclosing entity; -1 for the message. */
    int Parent() const
    {
        MIMEPARTINFOA pi;
        return Info(pi) ? pi.nParent : -1;
    }
    /** @brief Nesting depth; 0 for the message. */
    unsigned Depth() const
    {
        MIMEPARTINFOA pi;
        return Info(pi) ? pi.nDepth : 0u;
    }
    /** @brief Octets of the body as stored (parsed messages; 0 when composed). */
    uint64_t EncodedSize() const
    {
        MIMEPARTINFOA pi;
        return Info(pi) ? pi.qwEncodedSize : 0u;
    }
    /** @brief A multipart (its children are parts of their own). */
    bool IsMultipart() const
    {
        return (Flags() & MIME_PART_MULTIPART) != 0;
    }
    /** @brief Content-Disposition: attachment. */
    bool IsAttachment() const
    {
        return (Flags() & MIME_PART_ATTACHMENT) != 0;
    }
    /** @brief The decoded value of a header field of this entity ("" when absent). */
    std::string Header(const TextArg &lpszName) const
    {
        return detail::MimeString([&](char *p, std::size_t n) {
            return MimeGetMessageHeaderA(m_hMessage, m_nIndex, lpszName, p, n);
        });
    }
    /**
     * @brief The decoded content (MimeReadMessagePart()) as a string; with MIME_CONTENT_UTF8
     *        a text part is converted to UTF-8. "" for a multipart or on failure.
     */
    std::string Content(uint32_t dwOptions = 0) const
    {
        std::string s;
        Read([&](std::string_view d) { s.append(d.data(), d.size()); }, dwOptions);
        return s;
    }
    /**
     * @brief Stream the decoded content to a callable `(std::string_view)` returning void or
     *        bool (false stops; the call then fails with ST_ERROR_CALLBACK_FAILED, as it does
     *        when the callable throws).
     * @return true when the whole content was delivered.
     */
    template <class F, class = std::enable_if_t<!std::is_base_of_v<std::ostream, std::decay_t<F>>>>
    bool Read(F &&sink, uint32_t dwOptions = 0) const
    {
        using Fn = std::remove_reference_t<F>;
        detail::MimeSink<Fn> s{&sink};
        return MimeReadMessagePart(m_hMessage, m_nIndex, &detail::MimeSink<Fn>::Thunk, &s,
                                   dwOptions) == 0;
    }
    /** @brief Stream the decoded content to an ostream. @return true when all was written. */
    bool Read(std::ostream &out, uint32_t dwOptions = 0) const
    {
        return Read(
            [&](std::string_view d) {
                out.write(d.data(), static_cast<std::streamsize>(d.size()));
                return static_cast<bool>(out);
            },
            dwOptions);
    }
    /** @brief Save the decoded content to a file (MimeExtractFile()). @return true on success. */
    bool SaveAs(const TextArg &path, uint32_t dwOptions = 0) const
    {
        return MimeExtractFileA(m_hMessage, m_nIndex, path.c_str(), dwOptions) == 0;
    }

  private:
    bool Info(MIMEPARTINFOA &pi) const
    {
        pi = MIMEPARTINFOA{};
        pi.dwSize = sizeof pi;
        return MimeGetMessagePartInfoA(m_hMessage, m_nIndex, &pi) == 0;
    }
    std::string Field(const char *MIMEPARTINFOA::*member) const
    {
        MIMEPARTINFOA pi;
        if (!Info(pi) || !(pi.*member))
            return std::string();
        return std::string(pi.*member);
    }

    HMESSAGE m_hMessage;
    int m_nIndex;
};

/** @brief The entities of a message as a range of CMailPart (depth-first, the message first). */
class CMailPartRange
{
  public:
    /** @brief A random-access iterator yielding CMailPart by value. */
    class iterator
    {
      public:
        using iterator_category = std::random_access_iterator_tag; ///< iterator traits
        using value_type = CMailPart;                              ///< iterator traits
        using difference_type = std::ptrdiff_t;                    ///< iterator traits
        using pointer = void;                                      ///< iterator traits
        using reference = CMailPart;                               ///< iterator traits
        /** @brief An iterator at entity @p i of @p h. */
        iterator(HMESSAGE h, int i) noexcept : m_h(h), m_i(i) {}
        /** @brief The part. */
        CMailPart operator*() const noexcept
        {
            return CMailPart(m_h, m_i);
        }
        /** @brief The part @p n further. */
        CMailPart operator[](difference_type n) const noexcept
        {
            return CMailPart(m_h, m_i + static_cast<int>(n));
        }
        /** @brief Next part. */
        iterator &operator++() noexcept
        {
            ++m_i;
            return *this;
        }
        /** @brief Next part (postfix). */
        iterator operator++(int) noexcept
        {
            iterator t = *this;
            ++m_i;
            return t;
        }
        /** @brief Previous part. */
        iterator &operator--() noexcept
        {
            --m_i;
            return *this;
        }
        /** @brief Advance. */
        iterator &operator+=(difference_type n) noexcept
        {
            m_i += static_cast<int>(n);
            return *this;
        }
        /** @brief Advanced copy. */
        iterator operator+(difference_type n) const noexcept
        {
            return iterator(m_h, m_i + static_cast<int>(n));
        }
        /** @brief Distance. */
        difference_type operator-(const iterator &o) const noexcept
        {
            return m_i - o.m_i;
        }
        /** @brief Same position. */
        bool operator==(const iterator &o) const noexcept
        {
            return m_h == o.m_h && m_i == o.m_i;
        }
        /** @brief Different position. */
        bool operator!=(const iterator &o) const noexcept
        {
            return !(*this == o);
        }
        /** @brief Order. */
        bool operator<(const iterator &o) const noexcept
        {
            return m_i < o.m_i;
        }

      private:
        HMESSAGE m_h;
        int m_i;
    };
    /** @brief The range of the @p n entities of @p h. */
    CMailPartRange(HMESSAGE h, int n) noexcept : m_h(h), m_n(n < 0 ? 0 : n) {}
    /** @brief First entity (the message). */
    iterator begin() const noexcept
    {
        return iterator(m_h, 0);
    }
    /** @brief Past the last entity. */
    iterator end() const noexcept
    {
        return iterator(m_h, m_n);
    }
    /** @brief Number of entities. */
    std::size_t size() const noexcept
    {
        return static_cast<std::size_t>(m_n);
    }
    /** @brief Whether there is none (an invalid message). */
    bool empty() const noexcept
    {
        return m_n == 0;
    }
    /** @brief Entity @p i. */
    CMailPart operator[](std::size_t i) const noexcept
    {
        return CMailPart(m_h, static_cast<int>(i));
    }

  private:
    HMESSAGE m_h;
    int m_n;
};

/**
 * @brief A message object (HMESSAGE): compose, parse, read, export. Move-only.
 *
 * @code
 * mailwire::CMailMessage m;
 * m.SetFrom("Alice <alice@example.org>").AddTo("bob@example.org").SetSubject("Report")
 *  .SetText("Attached.").AddAttachment("/tmp/report.pdf");
 * smtp.SendMessage(m);                              // CSmtpClient, with PROGRESS events
 * imap.AppendMessage("Sent", m, IMAP_FLAG_SEEN);    // CImapClient
 *
 * mailwire::CMailMessage r = mailwire::CMailMessage::FromFile("/tmp/in.eml");
 * for (const mailwire::CMailPart &p : r.Parts())
 *     if (p.IsAttachment())
 *         p.SaveAs("/tmp/" + p.FileName());
 * @endcode
 */
class CMailMessage
{
  public:
    /** @brief An empty message. @throw std::bad_alloc when it cannot be created. */
    CMailMessage() : m_hMessage(MimeCreateMessage())
    {
        if (m_hMessage == INVALID_MESSAGE)
            throw std::bad_alloc();
    }
    /** @brief Take ownership of a C handle (INVALID_MESSAGE gives an invalid object). */
    explicit CMailMessage(HMESSAGE hMessage) noexcept : m_hMessage(hMessage) {}
    /** @brief MimeDeleteMessage(): a send or append still running keeps its own reference. */
    ~CMailMessage()
    {
        if (m_hMessage != INVALID_MESSAGE)
            MimeDeleteMessage(m_hMessage);
    }
    CMailMessage(const CMailMessage &) = delete;
    CMailMessage &operator=(const CMailMessage &) = delete;
    /** @brief Move: @p other is left invalid (no handle). */
    CMailMessage(CMailMessage &&other) noexcept
        : m_hMessage(std::exchange(other.m_hMessage, INVALID_MESSAGE)),
          m_strCharSet(std::move(other.m_strCharSet)), m_strText(std::move(other.m_strText)),
          m_strHtml(std::move(other.m_strHtml)), m_bText(other.m_bText), m_bHtml(other.m_bHtml),
          m_nComposeError(other.m_nComposeError),
          m_strComposeDetail(std::move(other.m_strComposeDetail)), m_nLastError(other.m_nLastError),
          m_strLastErrorDetail(std::move(other.m_strLastErrorDetail))
    {
    }
    /** @brief Move assignment: the message held before is deleted. */
    CMailMessage &operator=(CMailMessage &&other) noexcept
    {
        CMailMessage taken(std::move(other));
        Swap(taken); // the message held before goes with `taken`
        return *this;
    }
    /** @brief Exchange two messages. */
    void Swap(CMailMessage &other) noexcept
    {
        std::swap(m_hMessage, other.m_hMessage);
        m_strCharSet.swap(other.m_strCharSet);
        m_strText.swap(other.m_strText);
        m_strHtml.swap(other.m_strHtml);
        std::swap(m_bText, other.m_bText);
        std::swap(m_bHtml, other.m_bHtml);
        std::swap(m_nComposeError, other.m_nComposeError);
        m_strComposeDetail.swap(other.m_strComposeDetail);
        std::swap(m_nLastError, other.m_nLastError);
        m_strLastErrorDetail.swap(other.m_strLastErrorDetail);
    }

    /** @brief The C handle (still owned by this object). */
    HMESSAGE GetHandle() const noexcept
    {
        return m_hMessage;
    }
    /** @brief Give up ownership of the C handle; the object becomes invalid. */
    HMESSAGE Detach() noexcept
    {
        return std::exchange(m_hMessage, INVALID_MESSAGE);
    }
    /** @brief Whether the object holds a message (false after a move or Detach()). */
    bool IsValid() const noexcept
    {
        return m_hMessage != INVALID_MESSAGE;
    }

    // ---- parsing ---------------------------------------------------------------------------

    /**
     * @brief Parse a message from memory (MimeImportMessageData(); the bytes are copied).
     * @return the message; on failure an empty message whose GetLastError() says why.
     */
    static CMailMessage FromBytes(std::string_view data, uint32_t dwOptions = MIME_IMPORT_DEFAULT)
    {
        CMailMessage m;
        m.ImportBytes(data, dwOptions);
        return m;
    }
    /**
     * @brief Parse a message file (MimeImportMessage(): bodies are re-read from the file when
     *        asked for, so it must not change while the message lives).
     * @return the message; on failure an empty message whose GetLastError() says why.
     */
    static CMailMessage FromFile(const TextArg &path, uint32_t dwOptions = MIME_IMPORT_DEFAULT)
    {
        CMailMessage m;
        m.Import(path, dwOptions);
        return m;
    }
    /** @brief Replace the content with the message in a file (MimeImportMessage()). */
    bool Import(const TextArg &path, uint32_t dwOptions = MIME_IMPORT_DEFAULT)
    {
        return Record(MimeImportMessageA(m_hMessage, path.c_str(), dwOptions));
    }
    /** @brief Replace the content with the message in memory (MimeImportMessageData()). */
    bool ImportBytes(std::string_view data, uint32_t dwOptions = MIME_IMPORT_DEFAULT)
    {
        return Record(MimeImportMessageData(m_hMessage, data.empty() ? "" : data.data(),
                                            data.size(), dwOptions));
    }
    /** @brief Start a pushed import (MimeImportBegin()). */
    bool ImportBegin(uint32_t dwOptions = MIME_IMPORT_DEFAULT)
    {
        return Record(MimeImportBegin(m_hMessage, dwOptions));
    }
    /** @brief Push the next bytes (MimeImportWrite()). */
    bool ImportWrite(std::string_view data)
    {
        return Record(MimeImportWrite(m_hMessage, data.empty() ? "" : data.data(), data.size()));
    }
    /** @brief End a pushed import (MimeImportEnd()). */
    bool ImportEnd()
    {
        return Record(MimeImportEnd(m_hMessage));
    }

    // ---- composing (chained; the first failure is the compose error) ---------------------

    /** @brief Set From ("Name <addr>" or "addr"); also the envelope sender when sending. */
    CMailMessage &SetFrom(const TextArg &from)
    {
        return Compose(MimeSetMessageHeaderA(m_hMessage, 0, "From", from.c_str()));
    }
    /** @brief Add primary recipients (one address, or a comma-separated list). */
    CMailMessage &AddTo(const TextArg &to)
    {
        return AddAddresses("To", to);
    }
    /** @brief Add copy recipients. */
    CMailMessage &AddCc(const TextArg &cc)
    {
        return AddAddresses("Cc", cc);
    }
    /** @brief Add blind copy recipients: envelope only when sent (never written by
     *         CSmtpClient); kept in a copy appended to a mailbox (see
     *         CImapClient::AppendMessage()). */
    CMailMessage &AddBcc(const TextArg &bcc)
    {
        return AddAddresses("Bcc", bcc);
    }
    /** @brief Set the subject; non-ASCII text is RFC 2047 encoded when written. */
    CMailMessage &SetSubject(const TextArg &subject)
    {
        return Compose(MimeSetMessageHeaderA(m_hMessage, 0, "Subject", subject.c_str()));
    }
    /** @brief Set the Date field (RFC 5322 section 3.3); unset: the time of writing. */
    CMailMessage &SetDate(const TextArg &date)
    {
        return Compose(MimeSetMessageHeaderA(m_hMessage, 0, "Date", date.c_str()));
    }
    /** @brief Set the plain-text body (MimeSetMessageText()); with an HTML body the two become
     *         multipart/alternative. */
    CMailMessage &SetText(const TextArg &text)
    {
        m_strText = Str(text);
        m_bText = true;
        return Compose(MimeSetMessageTextA(m_hMessage, m_strText.c_str(), CharSetOrNull()));
    }
    /** @brief Set the HTML body (MimeSetMessageHTML()). */
    CMailMessage &SetHtml(const TextArg &html)
    {
        m_strHtml = Str(html);
        m_bHtml = true;
        return Compose(MimeSetMessageHTMLA(m_hMessage, m_strHtml.c_str(), CharSetOrNull()));
    }
    /** @brief Set the charset of the text bodies (default "utf-8"); bodies already set are
     *         converted again. */
    CMailMessage &SetCharSet(const TextArg &charset)
    {
        m_strCharSet = Str(charset);
        if (m_bText)
            Compose(MimeSetMessageTextA(m_hMessage, m_strText.c_str(), CharSetOrNull()));
        if (m_bHtml)
            Compose(MimeSetMessageHTMLA(m_hMessage, m_strHtml.c_str(), CharSetOrNull()));
        return *this;
    }
    /** @brief Attach a file (MimeAttachFile(): checked now, read when the message is
     *         written); its name names the attachment, its extension picks the type. */
    CMailMessage &AddAttachment(const TextArg &path)
    {
        int rc = MimeAttachFileA(m_hMessage, path.c_str(), nullptr, 0);
        return Compose(rc < 0 ? rc : 0);
    }
    /**
     * @brief Attach a file with a type and options (MimeAttachFile()).
     * @return the index of the new part, or MIME_ERROR (GetLastError()).
     */
    int AttachFile(const TextArg &path, const TextArg &lpszContentType = nullptr,
                   uint32_t dwOptions = 0)
    {
        int rc = MimeAttachFileA(m_hMessage, path.c_str(), lpszContentType, dwOptions);
        Record(rc);
        return rc;
    }
    /**
     * @brief Attach bytes from memory (MimeAttachData(); copied).
     * @return the index of the new part, or MIME_ERROR (GetLastError()).
     */
    int AttachData(std::string_view data, const TextArg &lpszFileName,
                   const TextArg &lpszContentType = nullptr, uint32_t dwOptions = 0)
    {
        int rc = MimeAttachDataA(m_hMessage, data.empty() ? "" : data.data(), data.size(),
                                 lpszFileName, lpszContentType, dwOptions);
        Record(rc);
        return rc;
    }

    /**
     * @brief Add one header field after the others (MimeAddMessageHeader()).
     * @param nameText  the field name (e.g. "Reply-To", "X-Mailer").
     * @param valueText the field value (UTF-8, or wide text: mailwire::TextArg).
     * @return true when added; false when the name is empty or not a field name, either
     *         string holds CR, LF or NUL (header injection), or the library refuses the field
     *         (GetLastError()); nothing is added then.
     */
    bool AddHeader(const TextArg &nameText, const TextArg &valueText)
    {
        std::string_view name = nameText, value = valueText;
        if (name.empty() || HasLineBreak(name) || HasLineBreak(value))
            return Fail(ST_ERROR_INVALID_ARGUMENT, "CR, LF or NUL in a header field, or no name");
        return Record(MimeAddMessageHeaderA(m_hMessage, 0, std::string(name).c_str(),
                                            std::string(value).c_str()));
    }
    /** @brief Set a header field of an entity, replacing those of that name
     *         (MimeSetMessageHeader()); @p lpszValue nullptr deletes them. */
    bool SetHeader(const TextArg &lpszName, const TextArg &lpszValue, int nPart = 0)
    {
        return Record(MimeSetMessageHeaderA(m_hMessage, nPart, lpszName, lpszValue));
    }

    /** @brief Start afresh: an empty message, no compose error. */
    void Clear()
    {
        *this = CMailMessage();
    }

    /** @brief The first failure of a chained compose call (0 when none): sending or appending
     *         the message fails with it. */
    unsigned GetComposeError() const noexcept
    {
        return m_nComposeError;
    }
    /** @brief The cause of GetComposeError(). */
    const std::string &GetComposeErrorDetail() const noexcept
    {
        return m_strComposeDetail;
    }

    // ---- reading ---------------------------------------------------------------------------

    /** @brief The decoded value of the first field of that name (MimeGetMessageHeader());
     *         "" when absent. */
    std::string GetHeader(const TextArg &lpszName, int nPart = 0) const
    {
        return detail::MimeString([&](char *p, std::size_t n) {
            return MimeGetMessageHeaderA(m_hMessage, nPart, lpszName, p, n);
        });
    }
    /** @brief Every header field of an entity in order, decoded (or with MIME_HEADER_RAW as
     *         stored). */
    std::vector<MailHeader> GetHeaders(int nPart = 0, uint32_t dwOptions = 0) const
    {
        std::vector<MailHeader> out;
        int n = MimeGetMessageHeaderCount(m_hMessage, nPart);
        for (int i = 0; i < n; ++i) {
            char name[256] = "";
            MailHeader h;
            h.value = detail::MimeString([&](char *p, std::size_t cb) {
                return MimeGetMessageHeaderAtA(m_hMessage, nPart, i, name, sizeof name, p, cb,
                                               dwOptions);
            });
            h.name = name;
            out.push_back(std::move(h));
        }
        return out;
    }
    /** @brief The mailboxes of an address field ("From", "To", "Cc", "Reply-To"...), groups
     *         opened up. */
    std::vector<MailAddress> GetAddresses(const TextArg &lpszName, int nPart = 0) const
    {
        std::vector<MailAddress> out;
        int n = MimeGetAddressCountA(m_hMessage, nPart, lpszName);
        for (int i = 0; i < n; ++i) {
            std::string name(1024, '\0'), addr(1024, '\0');
            if (MimeGetAddressA(m_hMessage, nPart, lpszName, i, &name[0], name.size(), &addr[0],
                                addr.size()) != 0)
                continue;
            name.resize(std::char_traits<char>::length(name.c_str()));
            addr.resize(std::char_traits<char>::length(addr.c_str()));
            out.push_back(MailAddress{std::move(name), std::move(addr)});
        }
        return out;
    }
    /** @brief The decoded Subject ("" when none). */
    std::string GetSubject() const
    {
        return GetHeader("Subject");
    }
    /** @brief The Date field parsed: seconds since 1970 UTC and the zone offset in minutes.
     *  @return false without a parseable Date. */
    bool GetDate(int64_t &time, int &offsetMinutes) const
    {
        return Record(MimeGetMessageDate(m_hMessage, &time, &offsetMinutes));
    }
    /** @brief The message text as UTF-8 (MimeGetMessageText(): the plain body, else the HTML
     *         one); "" when there is none. */
    std::string GetText() const
    {
        return detail::MimeString(
            [&](char *p, std::size_t n) { return MimeGetMessageTextA(m_hMessage, p, n); });
    }
    /** @brief Number of entities (the message included). */
    int GetPartCount() const
    {
        int n = MimeGetMessagePartCount(m_hMessage);
        return n < 0 ? 0 : n;
    }
    /** @brief Every entity, depth-first, the message first: `for (CMailPart p : m.Parts())`. */
    CMailPartRange Parts() const
    {
        return CMailPartRange(m_hMessage, GetPartCount());
    }
    /** @brief Entity @p nIndex. */
    CMailPart Part(int nIndex) const noexcept
    {
        return CMailPart(m_hMessage, nIndex);
    }
    /** @brief The leaves that are attachments (Content-Disposition attachment, or a file name
     *         on a part that is not the message text). */
    std::vector<CMailPart> Attachments() const
    {
        std::vector<CMailPart> out;
        for (CMailPart p : Parts()) {
            uint32_t f = p.Flags();
            if (f & (MIME_PART_MULTIPART | MIME_PART_MESSAGE))
                continue;
            if ((f & MIME_PART_ATTACHMENT) || !p.FileName().empty())
                out.push_back(p);
        }
        return out;
    }
    /** @brief The index of the entity with an IMAP section ("1.2"), or -1. */
    int FindPart(const TextArg &lpszSection) const
    {
        int i = MimeFindMessagePartA(m_hMessage, lpszSection);
        return i < 0 ? -1 : i;
    }

    // ---- writing ---------------------------------------------------------------------------

    /** @brief The exact size the export would write (MimeGetMessageSize()); 0 on failure. */
    uint64_t GetSize(uint32_t dwOptions = MIME_EXPORT_DEFAULT) const
    {
        uint64_t n = 0;
        return Record(MimeGetMessageSize(m_hMessage, dwOptions, &n)) ? n : 0;
    }
    /** @brief The message as RFC 5322 bytes (MimeExportMessageToMemory()); "" on failure. */
    std::string ToBytes(uint32_t dwOptions = MIME_EXPORT_DEFAULT) const
    {
        std::string s;
        Export([&](std::string_view d) { s.append(d.data(), d.size()); }, dwOptions);
        return s;
    }
    /** @brief Write the message to a file (MimeExportMessage()). */
    bool ExportTo(const TextArg &path, uint32_t dwOptions = MIME_EXPORT_DEFAULT) const
    {
        return Record(MimeExportMessageA(m_hMessage, path.c_str(), dwOptions));
    }
    /** @brief Write the message to a callable `(std::string_view)` returning void or bool
     *         (false stops: ST_ERROR_CALLBACK_FAILED) (MimeExportMessageEx()). */
    template <class F> bool Export(F &&sink, uint32_t dwOptions = MIME_EXPORT_DEFAULT) const
    {
        using Fn = std::remove_reference_t<F>;
        detail::MimeSink<Fn> s{&sink};
        return Record(MimeExportMessageEx(m_hMessage, dwOptions, &detail::MimeSink<Fn>::Thunk, &s));
    }

    // ---- errors ----------------------------------------------------------------------------

    /** @brief The error of the last call through this object that returned a result (0 after
     *         a success). */
    unsigned GetLastError() const noexcept
    {
        return m_nLastError;
    }
    /** @brief The cause of GetLastError() ("" when none). */
    const std::string &GetLastErrorDetail() const noexcept
    {
        return m_strLastErrorDetail;
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
    const char *CharSetOrNull() const
    {
        return m_strCharSet.empty() ? nullptr : m_strCharSet.c_str();
    }
    bool Record(int rc) const
    {
        if (rc >= 0) {
            m_nLastError = ST_ERROR_NONE;
            m_strLastErrorDetail.clear();
            return true;
        }
        m_nLastError = MailwireGetLastError();
        const char *d = MailwireGetLastErrorDetailA();
        m_strLastErrorDetail = d ? d : "";
        return false;
    }
    bool Fail(unsigned nError, const char *detail)
    {
        m_nLastError = nError;
        m_strLastErrorDetail = detail;
        MailwireSetLastError(nError);
        return false;
    }
    CMailMessage &Compose(int rc)
    {
        if (!Record(rc) && m_nComposeError == ST_ERROR_NONE) {
            m_nComposeError = m_nLastError != ST_ERROR_NONE
                                  ? m_nLastError
                                  : static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT);
            m_strComposeDetail = m_strLastErrorDetail;
        }
        return *this;
    }
    CMailMessage &AddAddresses(const char *field, std::string_view more)
    {
        std::string list = GetHeader(field);
        if (!list.empty() && !more.empty())
            list += ", ";
        list.append(more.data(), more.size());
        return Compose(MimeSetMessageHeaderA(m_hMessage, 0, field, list.c_str()));
    }

    HMESSAGE m_hMessage;
    std::string m_strCharSet, m_strText, m_strHtml; // kept to convert again on SetCharSet()
    bool m_bText = false, m_bHtml = false;
    unsigned m_nComposeError = ST_ERROR_NONE;
    std::string m_strComposeDetail;
    mutable unsigned m_nLastError = ST_ERROR_NONE;
    mutable std::string m_strLastErrorDetail;
};

} // namespace mailwire

#endif // MAILWIRE_MAILMESSAGE_HPP
