// Set-up steps and result readers shared by the two IMAP tables of the both-faces test.
// Every row works in mailboxes of its own (Ctx::Box(), seeded by the observer) as the user
// User(), so rows never see each other's messages.
#pragma once

#include "both_faces.hpp"

#include <string>

namespace mwtest::faces::imap
{

// A session on MW_IMAP_PORT with STARTTLS unless told otherwise.
inline Step Session(const char *port = "MW_IMAP_PORT", uint32_t options = IMAP_OPTION_SECURE)
{
    return [=](Ctx &c) { c.OpenImap(Port(port), options); };
}

inline int Login(Ctx &c)
{
    return ImapLogin(c.h, IMAP_AUTH_LOGIN, User().c_str(), Password().c_str());
}

inline Step LoggedIn(const char *port = "MW_IMAP_PORT", uint32_t options = IMAP_OPTION_SECURE)
{
    return Then(Session(port, options), Must(Login));
}

// Mailbox c.Box(suffix) with SeedMessage(1..n), made by the observer.
inline Step Seeded(const std::string &suffix = "", unsigned n = 3)
{
    return [=](Ctx &c) { Seed(c, suffix, n); };
}

// Logged in with c.Box() (three messages) selected. The face's SELECT takes the \Recent
// flags on both faces alike.
inline Step Selected(unsigned n = 3)
{
    return Then(Then(Seeded("", n), LoggedIn()),
                Must([](Ctx &c) { return ImapSelectMailbox(c.h, c.Box().c_str(), nullptr); }));
}

inline std::string Str(const IMAPMAILBOX &m)
{
    // UIDVALIDITY names each face's own mailbox: only whether it is known compares.
    return "messages " + std::to_string(m.nMessages) + ", recent " +
           std::to_string(m.nRecentMessages) + ", first unseen " +
           std::to_string(m.nUnseenMessageId) + ", uidvalidity " + (m.dwMailboxUID ? "set" : "0") +
           ", uidnext " + std::to_string(m.dwNextMessageUID) + ", flags " +
           std::to_string(m.dwFlags) + ", permanent " + std::to_string(m.dwPermanentFlags) +
           ", access " + std::to_string(m.dwAccessMode) + ", unseen " +
           std::to_string(m.nUnseenMessages) + ", modseq " + std::to_string(m.nHighestModSeq) +
           ", read-only " + std::to_string(m.bReadOnly);
}

inline std::string Str(const IMAPMAILBOXSTATUS &s)
{
    return "messages " + std::to_string(s.nMessages) + ", recent " +
           std::to_string(s.nRecentMessages) + ", unseen " + std::to_string(s.nUnseenMessages) +
           ", uidvalidity " + (s.dwMailboxUID ? "set" : "0") + ", uidnext " +
           std::to_string(s.dwNextMessageUID) + ", size " + std::to_string(s.nSize);
}

inline std::string Str(const IMAPMAILBOXINFO &i)
{
    return std::string(i.szMailbox) + " '" + (i.chDelimiter ? std::string(1, i.chDelimiter) : "") +
           "' attributes " + std::to_string(i.dwAttributes) + ", status " +
           std::to_string(i.bHasStatus) + " " + std::to_string(i.nMessages) + " " +
           std::to_string(i.nUnseenMessages);
}

// The tagged response of the last command and the last alert.
inline void Result(Ctx &c)
{
    c.Add("result", std::to_string(ImapGetResultCode(c.h)) + " " + ImapGetResultString(c.h));
    c.Add("alert", ImapGetAlert(c.h));
}

// The selected mailbox as the session knows it, or the error saying why none is.
inline void State(Ctx &c)
{
    IMAPMAILBOX m{};
    if (ImapGetMailboxInfo(c.h, &m) == 0)
        c.Add("state", Str(m));
    else
        c.Add("state", "error " + std::to_string(MailwireGetLastError()));
}

inline void Transfer(Ctx &c)
{
    uint64_t done = 0, total = 0;
    ImapGetTransferStatus(c.h, &done, &total);
    c.Add("transfer", std::to_string(done) + "/" + std::to_string(total));
}

// Whether the session still takes a command after the row's call (a NOOP, to its end).
inline void Usable(Ctx &c)
{
    int rc = c.Do([](HCLIENT h) { return ImapNoop(h); });
    c.Add("afterwards",
          rc == 0 ? "NOOP ok" : "NOOP error " + std::to_string(MailwireGetLastError()));
}

} // namespace mwtest::faces::imap
