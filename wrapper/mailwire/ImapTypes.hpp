/**
 * @file ImapTypes.hpp
 * @brief The value types of CImapClient (mailbox entries, message metadata, namespace,
 *        transfer status) and CImapSearch, the SEARCH criteria builder as an RAII object.
 *
 * Included by <mailwire/ImapClient.hpp>; usable alone, e.g. in code that only passes
 * ImapMessageInfo values around. The structures are copies of the C ones of <mailwire/imap.h>
 * with std::string members, so they outlive the callback or call that filled them.
 */
#ifndef MAILWIRE_IMAPTYPES_HPP
#define MAILWIRE_IMAPTYPES_HPP

#include <mailwire/imap.h>
#include <mailwire/TextArg.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace mailwire
{

/** One mailbox of a listing (ListMailboxes()); a copy of IMAPMAILBOXINFO. */
struct ImapMailboxEntry {
    std::string name;            /**< The name, UTF-8. */
    char delimiter = 0;          /**< Hierarchy delimiter; 0 when the server has none. */
    uint32_t attributes = 0;     /**< IMAP_FLAG_* attributes and IMAP_SPECIAL_* uses. */
    bool hasStatus = false;      /**< true: messages and unseenMessages are set
                                      (IMAP_LIST_STATUS on a server with LIST-STATUS). */
    unsigned messages = 0;       /**< STATUS MESSAGES, with hasStatus. */
    unsigned unseenMessages = 0; /**< STATUS UNSEEN, with hasStatus. */
};

/** Metadata of one message (GetMessageInfo()); a copy of IMAPMESSAGE that outlives the
 *  callback. Strings are empty when the server did not send the item. */
struct ImapMessageInfo {
    unsigned id = 0;           /**< Sequence number (IMAPMESSAGE.nMessageId). */
    uint32_t uid = 0;          /**< UID. */
    uint32_t flags = 0;        /**< IMAP_FLAG_*. */
    uint64_t size = 0;         /**< RFC822.SIZE. */
    std::string date;          /**< INTERNALDATE, as the server sent it. */
    std::string keywords;      /**< Other flags and keywords, space separated. */
    std::string subject;       /**< ENVELOPE subject (as in the header, not decoded). */
    std::string from;          /**< ENVELOPE from, "Name <addr>" list. */
    std::string to;            /**< ENVELOPE to. */
    std::string cc;            /**< ENVELOPE cc. */
    std::string messageId;     /**< ENVELOPE message-id (the Message-ID header). */
    std::string envelopeDate;  /**< ENVELOPE date (the Date header). */
    std::string bodyStructure; /**< BODYSTRUCTURE in IMAP syntax, with IMAP_INFO_BODYSTRUCTURE. */

    /** @brief Copy the strings of a C message description (valid during its callback only).
     *  @param m the description. @return the copy. */
    static ImapMessageInfo From(const IMAPMESSAGE &m)
    {
        ImapMessageInfo i;
        i.id = m.nMessageId;
        i.uid = m.dwUID;
        i.flags = m.dwFlags;
        i.size = m.nSize;
        i.date = Str(m.lpszDate);
        i.keywords = Str(m.lpszKeywords);
        i.subject = Str(m.lpszSubject);
        i.from = Str(m.lpszFrom);
        i.to = Str(m.lpszTo);
        i.cc = Str(m.lpszCc);
        i.messageId = Str(m.lpszMessageId);
        i.envelopeDate = Str(m.lpszEnvDate);
        i.bodyStructure = Str(m.lpszBodyStructure);
        return i;
    }

  private:
    static std::string Str(const char *s)
    {
        return s ? std::string(s) : std::string();
    }
};

/** The first personal namespace (GetNamespace()). */
struct ImapNamespace {
    std::string prefix; /**< The prefix, UTF-8; "" when none. */
    char delimiter = 0; /**< The hierarchy delimiter; 0 when none. */
};

/** Bytes moved by the running or last fetch or append (GetTransferStatus()). */
struct ImapTransferStatus {
    uint64_t done = 0;  /**< Bytes moved so far. */
    uint64_t total = 0; /**< Expected total; 0 when unknown. */
};

/**
 * @brief SEARCH criteria (ImapSearchCreate(), ImapSearchAdd(), ImapSearchFree()) for
 *        CImapClient::SearchMailbox(). Move-only; the C builder is created by the first Add().
 *
 * @code
 * CImapSearch q;
 * q.Add("UNSEEN");
 * q.Add("SUBJECT", "report");
 * std::vector<uint32_t> ids = client.SearchMailbox(q);
 * @endcode
 * Values are always sent as quoted strings or literals, never as atoms, so a value cannot
 * add search keys. An object may be used by one thread at a time.
 */
class CImapSearch
{
  public:
    /** @brief Empty criteria; allocates nothing. */
    CImapSearch() noexcept = default;
    /** @brief Frees the criteria (ImapSearchFree()). */
    ~CImapSearch()
    {
        ImapSearchFree(m_p);
    }
    CImapSearch(const CImapSearch &) = delete;
    CImapSearch &operator=(const CImapSearch &) = delete;
    /** @brief Take over another builder's criteria; the other is left empty. */
    CImapSearch(CImapSearch &&other) noexcept : m_p(std::exchange(other.m_p, nullptr)) {}
    /** @brief Free the held criteria and take over another builder's; the other is left
     *         empty. */
    CImapSearch &operator=(CImapSearch &&other) noexcept
    {
        if (this != &other) {
            ImapSearchFree(m_p);
            m_p = std::exchange(other.m_p, nullptr);
        }
        return *this;
    }

    /**
     * @brief ImapSearchAdd(), creating the C builder on first use (ImapSearchCreate()).
     * @return true when added; false with the thread's last error (mailwire::GetLastError():
     *         a builder has no client object to keep it). Nothing is added then.
     */
    bool Add(const TextArg &lpszKey, const TextArg &lpszValue = nullptr)
    {
        if (!m_p && (m_p = ImapSearchCreate()) == nullptr)
            return false;
        return ImapSearchAddA(m_p, lpszKey, lpszValue) == 0;
    }

    /** @brief Remove every criterion (ImapSearchFree() of the builder). */
    void Clear() noexcept
    {
        ImapSearchFree(std::exchange(m_p, nullptr));
    }

    /** @return true when no criterion was added (SearchMailbox() then fails with
     *          ST_ERROR_INVALID_ARGUMENT). */
    bool IsEmpty() const noexcept
    {
        return m_p == nullptr;
    }

    /** @return the C builder for ImapSearchMailbox(), or nullptr when empty. Owned by the
     *          object. */
    const IMAPSEARCH *Get() const noexcept
    {
        return m_p;
    }

  private:
    IMAPSEARCH *m_p = nullptr;
};

} // namespace mailwire

#ifndef MAILWIRE_NO_GLOBAL_NAMES
/** SocketTools code names the classes without a namespace. Define MAILWIRE_NO_GLOBAL_NAMES to
 *  keep them in namespace mailwire only. */
using mailwire::CImapSearch;
#endif

#endif // MAILWIRE_IMAPTYPES_HPP
