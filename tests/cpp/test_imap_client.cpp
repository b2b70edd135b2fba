// CImapClient and CImapSearch against the real Dovecot (and Postfix for delivery) of the
// fixture, through the classes alone. Every test works in mailboxes of its own (unique names)
// or finds its own messages by a unique token, so it may run in parallel with the other test
// programs; deliveries go to dave, the account meant for bulk mail.
// First: on Windows it includes <windows.h>, whose GetMessage and SendMessage macros must
// rename the classes' methods and the calls alike.
#include "common/portable.h"

#include <mailwire/ImapClient.hpp>
#include <mailwire/SmtpClient.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/fixture_env.hpp"
#include "common/unique.hpp"

namespace
{

using mwtest::Fixture;
using mwtest::Unique;
using namespace std::chrono_literals;

std::string Host()
{
    return Fixture::Get().Value("MW_HOST");
}
unsigned ImapPort()
{
    return Fixture::Get().Port("MW_IMAP_PORT");
}
unsigned ImapsPort()
{
    return Fixture::Get().Port("MW_IMAPS_PORT");
}
std::string User(int i)
{
    return Fixture::Get().Value("MW_USER" + std::to_string(i));
}
std::string Pass(int i)
{
    return Fixture::Get().Value("MW_PASS" + std::to_string(i));
}

// The fixture's CA as client credentials.
mailwire::CSecurityCredentials Ca()
{
    mailwire::CSecurityCredentials ca;
    EXPECT_TRUE(
        ca.Create(0, nullptr, nullptr, nullptr, Fixture::Get().Value("MW_CA_FILE").c_str()));
    return ca;
}

// STARTTLS with the fixture's CA, logged in.
::testing::AssertionResult Open(CImapClient &c, int user = 1, uint32_t extra = 0)
{
    mailwire::CSecurityCredentials ca = Ca();
    if (!c.Connect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE | extra, ca.Get()))
        return ::testing::AssertionFailure() << "connect: " << c.GetLastErrorDetail();
    if (!c.Login(User(user).c_str(), Pass(user).c_str()))
        return ::testing::AssertionFailure() << "login: " << c.GetLastErrorDetail();
    return ::testing::AssertionSuccess();
}

std::string Message(const std::string &subject, const std::string &body)
{
    return "From: Alice <alice@localhost>\r\nTo: Dave <dave@localhost>\r\nSubject: " + subject +
           "\r\nMessage-ID: <" + Unique("id") + "@localhost>\r\n\r\n" + body;
}

// Deliver through Postfix's port 25 (no authentication for local recipients) with CSmtpClient.
::testing::AssertionResult Deliver(const std::string &rcpt, const std::string &msg)
{
    CSmtpClient smtp;
    if (!smtp.Connect(Fixture::Get().Value("MW_HOST_IP").c_str(),
                      Fixture::Get().Port("MW_SMTP_PORT"), 10, SMTP_OPTION_EXTENDED))
        return ::testing::AssertionFailure() << "smtp connect: " << smtp.GetLastErrorDetail();
    if (!smtp.SendMessage("alice@localhost", rcpt.c_str(), msg))
        return ::testing::AssertionFailure() << "smtp send: " << smtp.GetLastErrorDetail();
    return ::testing::AssertionSuccess();
}

// The sequence numbers of the selected mailbox whose Subject holds token, waiting for
// delivery (NOOP collects new messages).
std::vector<uint32_t> WaitForSubject(CImapClient &c, const std::string &token,
                                     std::chrono::milliseconds limit = 15s)
{
    auto until = std::chrono::steady_clock::now() + limit;
    mailwire::CImapSearch q;
    q.Add("HEADER Subject", token.c_str());
    std::vector<uint32_t> ids;
    while (std::chrono::steady_clock::now() < until) {
        c.Noop();
        if (c.SearchMailbox(q, ids) && !ids.empty())
            break;
        std::this_thread::sleep_for(100ms);
    }
    return ids;
}

std::string ReadFile(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string Base64Decode(std::string_view in)
{
    static const std::string abc =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned acc = 0;
    int bits = 0;
    for (char ch : in) {
        size_t v = abc.find(ch);
        if (v == std::string::npos)
            continue; // line breaks and padding
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xffu);
        }
    }
    return out;
}

// A client with a mailbox of its own, deleted at the end.
struct OwnMailbox {
    CImapClient c;
    std::string box;
    explicit OwnMailbox(const std::string &base, int user = 1) : box(Unique(base))
    {
        EXPECT_TRUE(Open(c, user));
        EXPECT_TRUE(c.CreateMailbox(box.c_str())) << c.GetLastErrorDetail();
    }
    ~OwnMailbox()
    {
        if (!c.IsConnected()) {
            EXPECT_TRUE(Open(c));
        }
        c.UnselectMailbox();
        EXPECT_TRUE(c.DeleteMailbox(box.c_str())) << box << ": " << c.GetLastErrorDetail();
    }
};

// Drive a non-blocking session until its operation ends (or the limit).
int Pump(CImapClient &c, std::chrono::milliseconds limit = 10s,
         const std::function<bool()> &stop = nullptr)
{
    auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        mailwire::PollInfo pi = c.GetPollInfo();
        mwt_wait_socket(pi.socket, pi.events, pi.timeout < 0 || pi.timeout > 50 ? 50 : pi.timeout);
        int rc = c.Execute();
        if (rc != MAILWIRE_IN_PROGRESS)
            return rc;
        if (stop && stop())
            return rc;
    }
    return MAILWIRE_IN_PROGRESS;
}

TEST(CppImap, ConnectsWithStartTlsAndImplicitTlsAndLogsIn)
{
    mailwire::CSecurityCredentials ca = Ca();
    CImapClient a;
    ASSERT_TRUE(a.Connect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE, ca.Get()))
        << a.GetLastErrorDetail();
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_NONE);
    SECURITYINFO si = a.GetSecurityInfo();
    EXPECT_TRUE(si.bVerified) << si.szStatusText;
    EXPECT_GE(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
    EXPECT_TRUE(a.HasCapability("IMAP4rev1"));
    EXPECT_FALSE(a.HasCapability("STARTTLS")) << "capabilities are asked again over TLS";
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_NONE) << "a missing capability is no error";
    std::string caps = a.GetCapabilities();
    EXPECT_NE(caps.find("IMAP4rev1"), std::string::npos) << caps;
    EXPECT_NE(caps.find("AUTH=SCRAM-SHA-256"), std::string::npos) << caps;
    EXPECT_EQ(a.GetAlert(), "");

    // A second Connect on a held session is refused and leaves the session alone.
    EXPECT_FALSE(a.Connect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE, ca.Get()));
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_ALREADY_CONNECTED);

    // Wrong password: refused, and the session goes on.
    EXPECT_FALSE(a.Login(User(2).c_str(), "not the password", IMAP_AUTH_LOGIN));
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_EQ(mailwire::GetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
    EXPECT_FALSE(a.GetLastErrorDetail().empty());
    EXPECT_EQ(a.GetResultCode(), 1) << "NO";
    // bob's password holds a space, a quote and a backslash; AUTO picks SCRAM-SHA-256.
    auto trace = std::make_shared<std::string>();
    ASSERT_TRUE(a.SetTrace([trace](unsigned dir, std::string_view data) {
        if (dir == MAILWIRE_TRACE_SENT)
            trace->append(data);
    }));
    ASSERT_TRUE(a.Login(User(2).c_str(), Pass(2).c_str())) << a.GetLastErrorDetail();
    EXPECT_NE(trace->find("AUTHENTICATE SCRAM-SHA-256"), std::string::npos) << *trace;
    EXPECT_EQ(a.GetResultCode(), 0);
    EXPECT_NE(a.GetResultString().find("Logged in"), std::string::npos) << a.GetResultString();
    EXPECT_FALSE(a.Login(User(2).c_str(), Pass(2).c_str()));
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_ALREADY_AUTHENTICATED);
    EXPECT_TRUE(a.Noop());
    EXPECT_TRUE(a.Disconnect());
    EXPECT_FALSE(a.IsConnected());
    EXPECT_FALSE(a.Disconnect());
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);

    // Implicit TLS on the IMAPS port, an explicit mechanism; the object is reusable.
    ASSERT_TRUE(a.Connect(Host().c_str(), ImapsPort(), 10, IMAP_OPTION_SECURE_IMPLICIT, ca.Get()))
        << a.GetLastErrorDetail();
    si = a.GetSecurityInfo();
    EXPECT_TRUE(si.bVerified);
    EXPECT_NE(std::string(si.szProtocol).find("TLS"), std::string::npos);
    trace->clear();
    ASSERT_TRUE(a.Login(User(1).c_str(), Pass(1).c_str(), IMAP_AUTH_PLAIN))
        << a.GetLastErrorDetail();
    EXPECT_NE(trace->find("AUTHENTICATE PLAIN <redacted"), std::string::npos) << *trace;
    EXPECT_EQ(trace->find(Pass(1)), std::string::npos) << "no password in the trace";

    // Without the CA the fixture's certificate is rejected.
    CImapClient b;
    EXPECT_FALSE(b.Connect(Host().c_str(), ImapsPort(), 10, IMAP_OPTION_SECURE_IMPLICIT));
    EXPECT_EQ(b.GetLastError(), (unsigned)ST_ERROR_CERTIFICATE_REJECTED);
    EXPECT_FALSE(b.GetLastErrorDetail().empty());
    EXPECT_FALSE(b.IsConnected());
    EXPECT_FALSE(b.Connect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE));
    EXPECT_EQ(b.GetLastError(), (unsigned)ST_ERROR_CERTIFICATE_REJECTED) << "STARTTLS too";
}

// SocketTools' window form of Connect on CImapClient: NULL, WM_NULL (the literal null, as a
// SocketTools program writes it) is a blocking session; a window is refused where there are no
// window messages (on Windows, tests/windows/test_windows_events.cpp drives a real one, and
// what is not a window is INVALID_ARGUMENT).
TEST(CppImap, ConnectWindowForms)
{
    CImapClient a;
    ASSERT_TRUE(a.Connect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_NONE, NULL, 0))
        << a.GetLastErrorDetail();
    EXPECT_FALSE(a.IsInProgress());
    EXPECT_TRUE(a.Noop()) << a.GetLastErrorDetail();
    EXPECT_TRUE(a.Disconnect());
    int window = 0;
    struct HWND__ *wnd = reinterpret_cast<struct HWND__ *>(&window);
    EXPECT_FALSE(a.Connect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_NONE, wnd, 0x8001));
#ifdef _WIN32
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
#else
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
#endif
    EXPECT_FALSE(a.IsConnected());
}

TEST(CppImap, MailboxLifecycle)
{
    CImapClient c;
    ASSERT_TRUE(Open(c));
    const std::string parent = Unique("cpp-Entw\xc3\xbc"
                                      "rfe");
    const std::string box = parent + "/one", renamed = parent + "/two";
    ASSERT_TRUE(c.CreateMailbox(box.c_str())) << c.GetLastErrorDetail();
    EXPECT_FALSE(c.CreateMailbox(box.c_str()));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT) << "it exists";

    std::vector<mailwire::ImapMailboxEntry> all = c.ListMailboxes();
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NONE) << "the end of the list is no error";
    bool found = false, inbox = false, sent = false;
    for (const auto &m : all) {
        if (m.name == box) {
            found = true;
            EXPECT_EQ(m.delimiter, '/');
        }
        inbox |= m.name == "INBOX";
        if (m.name == "Sent")
            sent = (m.attributes & IMAP_SPECIAL_SENT) != 0;
    }
    EXPECT_TRUE(found);
    EXPECT_TRUE(inbox);
    EXPECT_TRUE(sent) << "SPECIAL-USE attribute";
    // Pattern, no match: an empty list and success.
    std::vector<mailwire::ImapMailboxEntry> none;
    EXPECT_TRUE(c.ListMailboxes(none, (parent + "/nothing-*").c_str()));
    EXPECT_TRUE(none.empty());

    // The C-style enumeration ends with NO_MORE_MAILBOXES.
    IMAPMAILBOXINFO info{};
    ASSERT_TRUE(c.GetFirstMailbox(nullptr, box.c_str(), 0, info)) << c.GetLastErrorDetail();
    EXPECT_EQ(box, info.szMailbox);
    EXPECT_FALSE(c.GetNextMailbox(info));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NO_MORE_MAILBOXES);

    ASSERT_TRUE(c.CreateMessage(box.c_str(), Message("counted", "x\r\n")));
    std::vector<mailwire::ImapMailboxEntry> st = c.ListMailboxes(box.c_str(), IMAP_LIST_STATUS);
    ASSERT_EQ(st.size(), 1u);
    EXPECT_TRUE(st[0].hasStatus);
    EXPECT_EQ(st[0].messages, 1u);
    EXPECT_EQ(st[0].unseenMessages, 1u);

    IMAPMAILBOXSTATUS status = c.GetMailboxStatus(box.c_str());
    EXPECT_EQ(status.nMessages, 1u);
    EXPECT_EQ(status.nUnseenMessages, 1u);
    EXPECT_NE(status.dwMailboxUID, 0u);
    EXPECT_EQ(status.dwNextMessageUID, 2u);

    ASSERT_TRUE(c.RenameMailbox(box.c_str(), renamed.c_str())) << c.GetLastErrorDetail();
    EXPECT_FALSE(c.GetMailboxStatus(box.c_str(), status));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
    EXPECT_EQ(status.nMessages, 0u);
    EXPECT_EQ(c.GetMailboxStatus(renamed.c_str()).nMessages, 1u);

    ASSERT_TRUE(c.SubscribeMailbox(renamed.c_str()));
    std::vector<mailwire::ImapMailboxEntry> subs =
        c.ListMailboxes(renamed.c_str(), IMAP_LIST_SUBSCRIBED);
    ASSERT_EQ(subs.size(), 1u);
    EXPECT_EQ(subs[0].name, renamed);
    ASSERT_TRUE(c.UnsubscribeMailbox(renamed.c_str()));
    EXPECT_TRUE(c.ListMailboxes(renamed.c_str(), IMAP_LIST_SUBSCRIBED).empty());

    mailwire::ImapNamespace ns = c.GetNamespace();
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NONE) << c.GetLastErrorDetail();
    EXPECT_EQ(ns.delimiter, '/');

    ASSERT_TRUE(c.DeleteMailbox(renamed.c_str()));
    c.DeleteMailbox(parent.c_str()); // a hierarchy level only on Maildir++: best effort
    EXPECT_TRUE(c.ListMailboxes(renamed.c_str()).empty());
    EXPECT_FALSE(c.DeleteMailbox(renamed.c_str()));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
}

TEST(CppImap, AppendSelectAndReadBackEveryWay)
{
    OwnMailbox own("cpp-read");
    CImapClient &c = own.c;
    const std::string header = "From: Alice <alice@localhost>\r\nSubject: parts\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
    const std::string part1 = "first part \xc3\xa4\r\n";
    const std::string msg = header + "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" +
                            part1 +
                            "--b\r\nContent-Type: application/octet-stream\r\n\r\nsecond\r\n"
                            "--b--\r\n";
    uint32_t uid = 0;
    ASSERT_TRUE(c.CreateMessage(own.box.c_str(), msg, IMAP_FLAG_SEEN | IMAP_FLAG_URGENT,
                                "01-Feb-2026 10:00:00 +0000", &uid))
        << c.GetLastErrorDetail();
    EXPECT_NE(uid, 0u) << "APPENDUID";

    // A 300 KiB message from a source callable: more than GetMessage()'s first buffer.
    std::string big = "Subject: big\r\n\r\n";
    while (big.size() < 300 * 1024)
        big += "line " + std::to_string(big.size()) + " of the big message\r\n";
    size_t pos = 0;
    unsigned calls = 0;
    uint32_t bigUid = 0;
    ASSERT_TRUE(c.CreateMessageEx(
        own.box.c_str(), big.size(),
        [&](char *buf, size_t n) {
            ++calls;
            size_t k = std::min(n, big.size() - pos);
            big.copy(buf, k, pos);
            pos += k;
            return k;
        },
        0, nullptr, &bigUid))
        << c.GetLastErrorDetail();
    EXPECT_EQ(bigUid, uid + 1);
    EXPECT_GT(calls, 1u);

    IMAPMAILBOX mb{};
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str(), mb)) << c.GetLastErrorDetail();
    EXPECT_EQ(mb.nMessages, 2u);
    EXPECT_EQ(mb.dwNextMessageUID, bigUid + 1);
    EXPECT_NE(mb.dwMailboxUID, 0u);
    EXPECT_TRUE(mb.dwPermanentFlags & IMAP_FLAG_DELETED);
    EXPECT_EQ(mb.dwAccessMode, (uint32_t)IMAP_ACCESS_READWRITE);
    EXPECT_FALSE(mb.bReadOnly);
    EXPECT_EQ(c.GetMessageCount(), 2u);
    EXPECT_EQ(c.GetMailboxInfo().dwNextMessageUID, bigUid + 1);

    // Whole message, by sequence number and by UID; header; one part.
    EXPECT_EQ(c.GetMessage(1), msg);
    std::string got;
    ASSERT_TRUE(c.GetMessage(uid, got, 0, IMAP_FETCH_UID));
    EXPECT_EQ(got, msg);
    EXPECT_EQ(c.GetHeaders(1), header);
    // The CRLF before a boundary belongs to the boundary (RFC 2046 section 5.1.1).
    EXPECT_EQ(c.GetMessage(1, 1), part1.substr(0, part1.size() - 2));
    EXPECT_EQ(c.GetMessage(2), big) << "larger than the first buffer: read again at its size";
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NONE);
    // The C-shaped call reports the size needed.
    char small[10];
    size_t len = sizeof small;
    EXPECT_FALSE(c.GetMessage(1, 0, small, &len, 0));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_LIMIT_EXCEEDED);
    EXPECT_EQ(len, msg.size());
    EXPECT_EQ(c.GetMessage(bigUid + 7, 0, IMAP_FETCH_UID), "");
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);

    // Streaming with a lambda: the chunk form, the full form, a byte range, a section.
    std::string chunks;
    unsigned pieces = 0;
    ASSERT_TRUE(c.FetchMessage(2, [&](std::string_view d) {
        chunks.append(d);
        ++pieces;
    })) << c.GetLastErrorDetail();
    EXPECT_EQ(chunks, big);
    EXPECT_GT(pieces, 1u);
    mailwire::ImapTransferStatus ts = c.GetTransferStatus();
    EXPECT_EQ(ts.done, big.size());
    struct Seen {
        unsigned starts = 0, id = 0;
        uint32_t uid = 0;
        uint64_t total = 0;
        std::string data;
    } s;
    ASSERT_TRUE(c.FetchMessage(
        uid,
        [&](unsigned id, uint32_t u, std::string_view d, uint64_t total) {
            if (!d.data()) {
                ++s.starts;
                s.id = id;
                s.uid = u;
                s.total = total;
            }
            s.data.append(d);
            return true;
        },
        IMAP_FETCH_UID));
    EXPECT_EQ(s.starts, 1u);
    EXPECT_EQ(s.id, 1u);
    EXPECT_EQ(s.uid, uid);
    EXPECT_EQ(s.total, msg.size());
    EXPECT_EQ(s.data, msg);
    std::string range;
    ASSERT_TRUE(c.FetchMessage(
        1, [&](std::string_view d) { range.append(d); }, 0, nullptr, 6, 10));
    EXPECT_EQ(range, msg.substr(6, 10));
    std::string subject;
    ASSERT_TRUE(c.FetchMessage(
        1, [&](std::string_view d) { subject.append(d); }, 0, "HEADER.FIELDS (SUBJECT)"));
    EXPECT_EQ(subject, "Subject: parts\r\n\r\n");
    EXPECT_FALSE(c.FetchMessage(
        1, [](std::string_view) {}, 0, "HEADER]"));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);

    // Stopping: false from a bool callable, non-zero from an int one.
    EXPECT_FALSE(c.FetchMessage(2, [](std::string_view) { return false; }));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CANCELLED);
    EXPECT_FALSE(c.FetchMessage(2, [](std::string_view) { return 1; }));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CANCELLED);
    EXPECT_TRUE(c.Noop()) << "the session stays usable";

    // Into a file.
    std::string path = std::string(mwt_temp_dir()) + "/" + Unique("mw-cpp-save");
    ASSERT_TRUE(c.SaveMessage(1, path.c_str())) << c.GetLastErrorDetail();
    EXPECT_EQ(ReadFile(path), msg);
    ASSERT_TRUE(c.SaveMessage(bigUid, path.c_str(), IMAP_FETCH_UID));
    EXPECT_EQ(ReadFile(path), big);
    std::remove(path.c_str());

    // A range, each message by its id.
    std::map<unsigned, std::string> byId;
    ASSERT_TRUE(c.FetchMessages(1, 0, [&](unsigned id, uint32_t, std::string_view d, uint64_t) {
        byId[id].append(d);
    })) << c.GetLastErrorDetail();
    ASSERT_EQ(byId.size(), 2u);
    EXPECT_EQ(byId[1], msg);
    EXPECT_EQ(byId[2], big);

    // Metadata: struct copies, the callable form, one message.
    std::vector<mailwire::ImapMessageInfo> infos =
        c.GetMessageInfo("1:*", IMAP_INFO_ENVELOPE | IMAP_INFO_BODYSTRUCTURE);
    ASSERT_EQ(infos.size(), 2u) << c.GetLastErrorDetail();
    EXPECT_EQ(infos[0].id, 1u);
    EXPECT_EQ(infos[0].uid, uid);
    EXPECT_EQ(infos[0].subject, "parts");
    EXPECT_EQ(infos[0].from, "Alice <alice@localhost>");
    EXPECT_EQ(infos[0].date, "01-Feb-2026 10:00:00 +0000");
    EXPECT_EQ(infos[0].flags & ~IMAP_FLAG_RECENT, (uint32_t)(IMAP_FLAG_SEEN | IMAP_FLAG_URGENT));
    EXPECT_EQ(infos[0].size, msg.size());
    EXPECT_NE(infos[0].bodyStructure.find("\"mixed\""), std::string::npos)
        << infos[0].bodyStructure;
    EXPECT_EQ(infos[1].subject, "big");
    EXPECT_EQ(infos[1].size, big.size());
    EXPECT_EQ(infos[1].flags & IMAP_FLAG_SEEN, 0u) << "BODY.PEEK left \\Seen alone";
    std::vector<uint64_t> sizes;
    ASSERT_TRUE(c.GetMessageInfo(
        "1:2", [&](const IMAPMESSAGE &m) { sizes.push_back(m.nSize); }, 0));
    EXPECT_EQ(sizes, (std::vector<uint64_t>{msg.size(), big.size()}));
    mailwire::ImapMessageInfo one;
    ASSERT_TRUE(c.GetMessageInfo(bigUid, one, IMAP_FETCH_UID | IMAP_INFO_ENVELOPE));
    EXPECT_EQ(one.id, 2u);
    EXPECT_EQ(one.subject, "big");
    EXPECT_FALSE(c.GetMessageInfo(bigUid + 9, one, IMAP_FETCH_UID));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);

    // CONDSTORE, EXAMINE, CHECK, CLOSE.
    ASSERT_TRUE(c.UnselectMailbox());
    EXPECT_FALSE(c.GetMailboxInfo(mb));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_STATE) << "none selected";
    ASSERT_TRUE(c.SelectMailboxEx(own.box.c_str(), IMAP_SELECT_CONDSTORE, &mb));
    EXPECT_GT(mb.nHighestModSeq, 0u);
    ASSERT_TRUE(c.ExamineMailbox(own.box.c_str(), mb));
    EXPECT_TRUE(mb.bReadOnly);
    EXPECT_TRUE(c.CheckMailbox());
    EXPECT_TRUE(c.CloseMailbox());
}

TEST(CppImap, SearchStoreCopyMoveExpunge)
{
    OwnMailbox own("cpp-search");
    CImapClient &c = own.c;
    const std::string other = Unique("cpp-other");
    ASSERT_TRUE(c.CreateMailbox(other.c_str()));
    const std::vector<std::string> subjects = {"He said \"hi\" \\o/",
                                               "Gr\xc3\xbc\xc3\x9f"
                                               "e \xe6\x97\xa5",
                                               "plain one", "plain two"};
    for (const auto &s : subjects)
        ASSERT_TRUE(c.CreateMessage(own.box.c_str(), Message(s, "body\r\n")));
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str()));

    mailwire::CImapSearch q;
    EXPECT_TRUE(q.IsEmpty());
    EXPECT_FALSE(c.SearchMailbox(q, IMAP_FETCH_UID).size());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT) << "empty criteria";
    ASSERT_TRUE(q.Add("SUBJECT", "said \"hi\" \\o"));
    EXPECT_FALSE(q.Add("SUBJECT\r\nX", "v")) << "a key is sent verbatim: no CR/LF";
    EXPECT_EQ(mailwire::GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(c.SearchMailbox(q), (std::vector<uint32_t>{1}));
    mailwire::CImapSearch moved = std::move(q);
    EXPECT_TRUE(q.IsEmpty());
    EXPECT_EQ(c.SearchMailbox(moved), (std::vector<uint32_t>{1}));
    moved.Clear();
    ASSERT_TRUE(moved.Add("SUBJECT", "\xe6\x97\xa5"));
    std::vector<uint32_t> uids;
    ASSERT_TRUE(c.SearchMailbox(moved, uids, IMAP_FETCH_UID)) << c.GetLastErrorDetail();
    ASSERT_EQ(uids.size(), 1u);
    EXPECT_EQ(c.GetSearchResults(), uids);

    EXPECT_EQ(c.SearchMailbox("SUBJECT plain"), (std::vector<uint32_t>{3, 4}));
    EXPECT_TRUE(c.SearchMailbox("SUBJECT nowhere").empty());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NONE);
    EXPECT_TRUE(c.SearchMailbox("ALL\r\nA1 LOGOUT").empty());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(c.SearchMailbox("NOSUCHKEY").empty());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_COMMAND_REJECTED);
    EXPECT_EQ(c.GetResultCode(), 2) << "BAD";

    // Flags: add, read back, remove.
    ASSERT_TRUE(
        c.StoreFlags("3:4", IMAP_STORE_ADD, IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED, "$Important"));
    std::vector<mailwire::ImapMessageInfo> info = c.GetMessageInfo("3:4", 0);
    ASSERT_EQ(info.size(), 2u);
    for (const auto &m : info) {
        EXPECT_EQ(m.flags & (IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED),
                  (uint32_t)(IMAP_FLAG_SEEN | IMAP_FLAG_ANSWERED));
        EXPECT_NE(m.keywords.find("$Important"), std::string::npos) << m.keywords;
    }
    EXPECT_EQ(c.SearchMailbox("SEEN KEYWORD $Important"), (std::vector<uint32_t>{3, 4}));
    ASSERT_TRUE(c.StoreFlags("4", IMAP_STORE_REMOVE | IMAP_STORE_SILENT, IMAP_FLAG_SEEN));
    info = c.GetMessageInfo("4", 0);
    ASSERT_EQ(info.size(), 1u);
    EXPECT_EQ(info[0].flags & IMAP_FLAG_SEEN, 0u);
    EXPECT_TRUE(info[0].flags & IMAP_FLAG_ANSWERED);
    EXPECT_FALSE(c.StoreFlags("1", IMAP_STORE_ADD, 0, "bad\r\nkw"));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);

    // Copy, move, delete/undelete, expunge.
    ASSERT_TRUE(c.CopyMessage("1", other.c_str())) << c.GetLastErrorDetail();
    ASSERT_TRUE(c.MoveMessage("2", other.c_str())) << c.GetLastErrorDetail();
    EXPECT_EQ(c.GetMessageCount(), 3u) << "the moved message left this mailbox";
    EXPECT_EQ(c.GetMailboxStatus(other.c_str()).nMessages, 2u);
    EXPECT_FALSE(c.CopyMessage("1", (other + "-missing").c_str()));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);

    ASSERT_TRUE(c.DeleteMessage(1));
    ASSERT_TRUE(c.UndeleteMessage(1));
    ASSERT_TRUE(c.DeleteMessage(2));
    IMAPMAILBOX mb{};
    ASSERT_TRUE(c.ExpungeMailbox(&mb));
    EXPECT_EQ(mb.nMessages, 2u);
    EXPECT_EQ(c.GetMessageInfo("1", IMAP_INFO_ENVELOPE).at(0).subject, subjects[0]);
    uids = c.SearchMailbox("ALL", IMAP_FETCH_UID);
    ASSERT_EQ(uids.size(), 2u);
    const std::string last = std::to_string(uids[1]);
    ASSERT_TRUE(c.DeleteMessage(uids[1], IMAP_FETCH_UID));
    ASSERT_TRUE(c.ExpungeMessages(last.c_str())) << c.GetLastErrorDetail();
    EXPECT_EQ(c.GetMessageCount(), 1u);

    // Raw commands.
    EXPECT_TRUE(c.Command("NOOP"));
    EXPECT_FALSE(c.Command("FOO"));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_COMMAND_REJECTED);
    EXPECT_FALSE(c.GetResultString().empty());
    EXPECT_FALSE(c.Command("LOGOUT"));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT) << "has its own method";
    EXPECT_TRUE(c.Noop()) << "a BAD leaves the session usable";
    EXPECT_TRUE(c.DeleteMailbox(other.c_str()));
}

// A message composed with CMailMessage (with an attachment) and submitted with
// CSmtpClient::SubmitMessageEx(), found and read back over IMAP.
TEST(CppImap, SubmittedMessageWithAttachmentReadsBack)
{
    const std::string token = Unique("cpp-submitted");
    std::string attachment;
    for (int i = 0; i < 3000; ++i)
        attachment += static_cast<char>((i * 7919) & 0xff);
    const std::string path = std::string(mwt_temp_dir()) + "/" + token + ".bin";
    {
        std::ofstream f(path, std::ios::binary);
        f.write(attachment.data(), static_cast<std::streamsize>(attachment.size()));
    }
    mailwire::CMailMessage m;
    m.SetFrom("Dave <" + User(4) + "@localhost>")
        .AddTo(User(4) + "@localhost")
        .SetSubject("C++ " + token)
        .SetText("Hello from CMailMessage.\n")
        .AddAttachment(path);
    const std::string user = User(4), pass = Pass(4), host = Host();
    SMTPSERVER srv{};
    srv.lpszHostName = host.c_str();
    srv.lpszUserName = user.c_str();
    srv.lpszPassword = pass.c_str();
    srv.nHostPort = Fixture::Get().Port("MW_SUBMISSION_PORT");
    srv.dwOptions = SMTP_OPTION_SECURE;
    mailwire::CSecurityCredentials ca = Ca();
    ASSERT_TRUE(CSmtpClient::SubmitMessageEx(srv, m, ca.Get())) << mailwire::GetLastErrorDetail();
    std::remove(path.c_str());

    CImapClient c;
    ASSERT_TRUE(Open(c, 4));
    ASSERT_TRUE(c.SelectMailbox("INBOX"));
    std::vector<uint32_t> ids = WaitForSubject(c, token);
    ASSERT_EQ(ids.size(), 1u) << "delivered once";
    mailwire::ImapMessageInfo info;
    ASSERT_TRUE(c.GetMessageInfo(ids[0], info, IMAP_INFO_ENVELOPE | IMAP_INFO_BODYSTRUCTURE));
    EXPECT_EQ(info.subject, "C++ " + token);
    EXPECT_NE(info.from.find(User(4) + "@localhost"), std::string::npos) << info.from;
    EXPECT_NE(info.bodyStructure.find(token + ".bin"), std::string::npos) << info.bodyStructure;
    EXPECT_NE(c.GetMessage(ids[0], 1).find("Hello from CMailMessage."), std::string::npos);
    // Part 2 is the attachment, base64: the file's bytes exactly.
    std::string mime = c.GetMessage(ids[0], 2, IMAP_SECTION_HEADER);
    EXPECT_NE(mime.find("Content-Transfer-Encoding: base64"), std::string::npos) << mime;
    EXPECT_EQ(Base64Decode(c.GetMessage(ids[0], 2)), attachment);
    // Clean up dave's INBOX: only this message, by UID.
    ASSERT_TRUE(c.DeleteMessage(info.uid, IMAP_FETCH_UID));
    ASSERT_TRUE(c.ExpungeMessages(std::to_string(info.uid).c_str()));
}

TEST(CppImap, IdleRunsTheUpdateHandler)
{
    CImapClient c;
    ASSERT_TRUE(Open(c, 4));
    ASSERT_TRUE(c.SelectMailbox("INBOX"));
    std::atomic<int> updates{0};
    CImapClient *seen = nullptr;
    unsigned maxCount = 0;
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_UPDATE, [&](CImapClient &cl, unsigned ev, unsigned) {
        EXPECT_EQ(ev, (unsigned)MAILWIRE_EVENT_UPDATE);
        ++updates;
        seen = &cl;
        maxCount = std::max(maxCount, cl.GetMessageCount());
    }));
    const std::string token = Unique("cpp-idle");
    std::thread t([&] {
        std::this_thread::sleep_for(300ms);
        EXPECT_TRUE(Deliver(User(4) + "@localhost", Message(token, "wake up\r\n")));
    });
    // dave takes bulk mail: other deliveries may end a wait first; go on until ours is in.
    mailwire::CImapSearch q;
    q.Add("HEADER Subject", token.c_str());
    std::vector<uint32_t> ids;
    auto until = std::chrono::steady_clock::now() + 15s;
    unsigned changes = 0;
    while (ids.empty() && std::chrono::steady_clock::now() < until) {
        ASSERT_TRUE(c.Idle(5, IMAP_IDLE_WAIT, &changes)) << c.GetLastErrorDetail();
        ids = c.SearchMailbox(q);
    }
    t.join();
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_GE(updates.load(), 1);
    EXPECT_EQ(seen, &c);
    // Other tests expunge their own mail from dave's INBOX meanwhile, so counts may also go
    // down; but the handler saw the mailbox holding our message.
    EXPECT_GE(maxCount, ids[0]);
    EXPECT_GE(c.GetMessageCount(), ids[0]);
    std::string m = c.GetMessage(ids[0]);
    EXPECT_NE(m.find("wake up"), std::string::npos);
    uint32_t uid = c.GetMessageInfo(std::to_string(ids[0]).c_str(), 0).at(0).uid;
    ASSERT_TRUE(c.DeleteMessage(uid, IMAP_FETCH_UID));
    ASSERT_TRUE(c.ExpungeMessages(std::to_string(uid).c_str()));
}

// IdleFor() (IMAP_IDLE_DURATION) waits the whole time through several changes, and
// GetNewestMessages() then reads what arrived, oldest first.
TEST(CppImap, IdleForCountsChangesAndNewestMessagesReadsThem)
{
    OwnMailbox own("cpp-idlefor");
    CImapClient &c = own.c;
    ASSERT_TRUE(c.CreateMessage(own.box.c_str(), Message("old", "x\r\n")));
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str()));
    EXPECT_EQ(c.GetMessageCount(), 1u);

    const std::string first = Unique("first"), second = Unique("second");
    std::thread t([&] {
        CImapClient other;
        ASSERT_TRUE(Open(other));
        // Far enough apart that Dovecot reports them in two notifications.
        std::this_thread::sleep_for(500ms);
        EXPECT_TRUE(other.CreateMessage(own.box.c_str(), Message(first, "1\r\n")));
        std::this_thread::sleep_for(1500ms);
        EXPECT_TRUE(other.CreateMessage(own.box.c_str(), Message(second, "2\r\n")));
    });
    int updates = 0;
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_UPDATE,
                                [&](CImapClient &, unsigned, unsigned) { ++updates; }));
    unsigned changes = 99;
    auto start = std::chrono::steady_clock::now();
    bool ok = c.IdleFor(4, &changes);
    auto elapsed = std::chrono::steady_clock::now() - start;
    t.join();
    ASSERT_TRUE(ok) << c.GetLastErrorDetail();
    // Not back at the first change: the whole four seconds, both appends counted.
    EXPECT_GE(elapsed, 3900ms);
    EXPECT_GE(changes, 2u);
    EXPECT_EQ(changes, static_cast<unsigned>(updates));
    EXPECT_EQ(c.GetMessageCount(), 3u);

    std::vector<mailwire::ImapMessageInfo> newest = c.GetNewestMessages(2);
    ASSERT_EQ(newest.size(), 2u) << c.GetLastErrorDetail();
    EXPECT_EQ(newest[0].subject, first);
    EXPECT_EQ(newest[1].subject, second);
    EXPECT_LT(newest[0].uid, newest[1].uid);
    // More than the mailbox holds: all three; the callable form sees the same.
    EXPECT_EQ(c.GetNewestMessages(10).size(), 3u);
    std::vector<std::string> subjects;
    ASSERT_TRUE(c.GetNewestMessages(
        1, [&](const IMAPMESSAGE &m) { subjects.push_back(m.lpszSubject ? m.lpszSubject : ""); }));
    EXPECT_EQ(subjects, std::vector<std::string>{second});
    // 0 is refused, with the code in the object.
    EXPECT_TRUE(c.GetNewestMessages(0).empty());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

TEST(CppImap, ThrowingCallbacksDoNotCrossTheCBoundary)
{
    OwnMailbox own("cpp-throw");
    CImapClient &c = own.c;
    ASSERT_TRUE(c.CreateMessage(own.box.c_str(), Message("one", std::string(5000, 'a') + "\r\n")));
    ASSERT_TRUE(c.CreateMessage(own.box.c_str(), Message("two", "b\r\n")));
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str()));

    // A fetch callable: delivery stops, the session stays usable.
    EXPECT_FALSE(
        c.FetchMessage(1, [](std::string_view) -> void { throw std::runtime_error("stop"); }));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_EQ(mailwire::GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(c.GetLastErrorDetail().find("stop"), std::string::npos) << c.GetLastErrorDetail();
    EXPECT_TRUE(c.Noop()) << c.GetLastErrorDetail();
    EXPECT_EQ(c.GetLastErrorDetail(), "");
    EXPECT_NE(c.GetMessage(2).find("b\r\n"), std::string::npos);
    int n = 0;
    EXPECT_FALSE(c.FetchMessages(1, 0, [&](std::string_view) {
        if (++n == 1)
            throw 42; // not a std::exception
    }));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(c.GetLastErrorDetail().find("not derived from std::exception"), std::string::npos);
    EXPECT_TRUE(c.Noop());

    // An APPEND source: the append is aborted and nothing is stored; the connection is closed
    // (the server waits for the bytes announced).
    EXPECT_FALSE(c.CreateMessageEx(own.box.c_str(), 100, [](char *, size_t) -> long {
        throw std::runtime_error("source broke");
    }));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(c.GetLastErrorDetail().find("source broke"), std::string::npos);
    EXPECT_FALSE(c.Noop());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NOT_CONNECTED);
    EXPECT_TRUE(c.Disconnect());
    ASSERT_TRUE(Open(c));
    EXPECT_EQ(c.GetMailboxStatus(own.box.c_str()).nMessages, 2u);
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str()));

    // An event handler: the command is cancelled (and with it the session).
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_COMMAND, [] { throw std::runtime_error("boom"); }));
    EXPECT_FALSE(c.Noop());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(c.GetLastErrorDetail().find("boom"), std::string::npos) << c.GetLastErrorDetail();
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_COMMAND, nullptr));
    EXPECT_TRUE(c.Disconnect());

    // A PROGRESS handler during a fetch; a message-info callable.
    ASSERT_TRUE(Open(c));
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str()));
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_PROGRESS, [](CImapClient &, unsigned, unsigned) {
        throw std::runtime_error("progress failed");
    }));
    std::string data;
    EXPECT_FALSE(c.FetchMessage(1, [&](std::string_view d) { data.append(d); }));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(c.GetLastErrorDetail().find("progress failed"), std::string::npos);
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_PROGRESS, nullptr));
    c.Disconnect();
    ASSERT_TRUE(Open(c));
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str()));
    EXPECT_FALSE(c.GetMessageInfo(
        "1:*", [](const mailwire::ImapMessageInfo &) { throw std::runtime_error("info"); }));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(c.GetLastErrorDetail().find("info"), std::string::npos);
    c.Disconnect();
    // The trace too.
    ASSERT_TRUE(Open(c));
    ASSERT_TRUE(c.SetTrace([](unsigned, std::string_view) { throw std::runtime_error("trace"); }));
    EXPECT_FALSE(c.Noop());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(c.GetLastErrorDetail().find("trace"), std::string::npos);
    ASSERT_TRUE(c.SetTrace(nullptr));
    c.Disconnect();
}

TEST(CppImap, MoveSemantics)
{
    CImapClient a;
    ASSERT_TRUE(Open(a));
    CImapClient *handlerGot = nullptr;
    ASSERT_TRUE(a.RegisterEvent(MAILWIRE_EVENT_COMMAND,
                                [&](CImapClient &c, unsigned, unsigned) { handlerGot = &c; }));
    ASSERT_TRUE(a.Noop());
    EXPECT_EQ(handlerGot, &a);
    HCLIENT h = a.GetHandle();

    CImapClient b(std::move(a));
    EXPECT_EQ(a.GetHandle(), INVALID_CLIENT);
    EXPECT_FALSE(a.IsConnected());
    EXPECT_FALSE(a.Noop());
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_TRUE(a.GetMessage(1).empty());
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_TRUE(a.ListMailboxes().empty());
    EXPECT_EQ(a.GetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(b.GetHandle(), h);
    handlerGot = nullptr;
    ASSERT_TRUE(b.Noop());
    EXPECT_EQ(handlerGot, &b) << "the handler receives the moved-to object";

    // Move assignment disconnects the target's old session.
    CImapClient c;
    ASSERT_TRUE(Open(c));
    HCLIENT old = c.GetHandle();
    auto sent = std::make_shared<std::string>();
    ASSERT_TRUE(c.SetTrace([sent](unsigned dir, std::string_view d) {
        if (dir == MAILWIRE_TRACE_SENT)
            sent->append(d);
    }));
    c = std::move(b);
    EXPECT_NE(sent->find(" LOGOUT\r\n"), std::string::npos) << *sent;
    EXPECT_EQ(ImapNoop(old), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE) << "the old session is gone";
    EXPECT_EQ(c.GetHandle(), h);
    EXPECT_FALSE(b.IsConnected());
    handlerGot = nullptr;
    ASSERT_TRUE(c.Noop());
    EXPECT_EQ(handlerGot, &c);
    // A moved-from object is reusable.
    ASSERT_TRUE(Open(a));
    EXPECT_TRUE(a.Noop());
}

TEST(CppImap, DestructorLogsOut)
{
    auto sent = std::make_shared<std::string>();
    auto received = std::make_shared<std::string>();
    {
        CImapClient c;
        ASSERT_TRUE(Open(c));
        ASSERT_TRUE(c.SetTrace([sent, received](unsigned dir, std::string_view d) {
            if (dir == MAILWIRE_TRACE_SENT)
                sent->append(d);
            else if (dir == MAILWIRE_TRACE_RECEIVED)
                received->append(d);
        }));
        ASSERT_TRUE(c.Noop());
        EXPECT_EQ(sent->find("LOGOUT"), std::string::npos);
    }
    size_t at = sent->find(" LOGOUT\r\n");
    ASSERT_NE(at, std::string::npos) << *sent;
    // The tagged OK for the LOGOUT's tag.
    size_t tagStart = sent->rfind('\n', at);
    std::string tag = sent->substr(tagStart == std::string::npos ? 0 : tagStart + 1,
                                   at - (tagStart == std::string::npos ? 0 : tagStart + 1));
    EXPECT_NE(received->find("* BYE"), std::string::npos) << *received;
    EXPECT_NE(received->find(tag + " OK"), std::string::npos) << tag << "\n" << *received;
}

TEST(CppImap, ThreadOwnershipAttachThreadFreeThreadAndCancel)
{
    OwnMailbox own("cpp-threads");
    CImapClient &c = own.c;
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str())); // quiet: nothing ends an IDLE here

    // Another thread may not use the session...
    unsigned err = 0;
    std::thread([&] {
        c.Noop();
        err = c.GetLastError();
    }).join();
    EXPECT_EQ(err, (unsigned)ST_ERROR_NOT_OWNER);
    // ...until it takes it over.
    bool ok = false;
    uint32_t previous = 0;
    std::thread([&] {
        previous = c.AttachThread();
        ok = c.Noop();
    }).join();
    EXPECT_EQ(previous, MailwireGetCurrentThreadId());
    EXPECT_TRUE(ok);
    EXPECT_FALSE(c.Noop());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_NOT_OWNER);
    EXPECT_NE(c.AttachThread(), 0u);
    EXPECT_TRUE(c.Noop());

    // FREETHREAD: any thread, one at a time.
    CImapClient f;
    ASSERT_TRUE(Open(f, 1, IMAP_OPTION_FREETHREAD));
    ok = false;
    std::thread([&] { ok = f.Noop() && f.SelectMailbox(own.box.c_str()); }).join();
    EXPECT_TRUE(ok) << f.GetLastErrorDetail();
    EXPECT_TRUE(f.Noop());

    // Cancel() from another thread ends a blocking IDLE cleanly.
    std::thread t([&] {
        std::this_thread::sleep_for(300ms);
        EXPECT_TRUE(c.Cancel());
    });
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(c.Idle(30));
    auto took = std::chrono::steady_clock::now() - t0;
    t.join();
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CANCELLED);
    EXPECT_LT(took, 5s);
    EXPECT_TRUE(c.Noop()) << "the session stays usable after IDLE" << c.GetLastErrorDetail();
    // An IDLE that times out is a success without changes.
    unsigned changes = 99;
    EXPECT_TRUE(c.Idle(1, IMAP_IDLE_WAIT, &changes)) << c.GetLastErrorDetail();
    EXPECT_EQ(changes, 0u);
    EXPECT_FALSE(c.Idle(1, IMAP_IDLE_NOWAIT));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT) << "NOWAIT needs async";
}

TEST(CppImap, AttachAndDetach)
{
    CImapClient c;
    ASSERT_TRUE(Open(c));
    HCLIENT h = c.Detach();
    ASSERT_NE(h, INVALID_CLIENT);
    EXPECT_FALSE(c.IsConnected());
    EXPECT_EQ(c.Detach(), INVALID_CLIENT);
    EXPECT_EQ(ImapNoop(h), 0) << "C code uses the handle";
    EXPECT_EQ(ImapDisconnect(h), 0);

    mailwire::CSecurityCredentials ca = Ca();
    HCLIENT raw = ImapConnect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE, ca.Get());
    ASSERT_NE(raw, INVALID_CLIENT);
    ASSERT_TRUE(c.Attach(raw)) << c.GetLastErrorDetail();
    EXPECT_EQ(c.GetHandle(), raw);
    EXPECT_TRUE(c.Login(User(1).c_str(), Pass(1).c_str()));
    EXPECT_TRUE(c.Noop());
    EXPECT_FALSE(c.Attach(raw));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_ALREADY_CONNECTED);
    EXPECT_TRUE(c.Disconnect());
    EXPECT_EQ(ImapNoop(raw), IMAP_ERROR) << "the object freed it";

    CSmtpClient smtp;
    ASSERT_TRUE(smtp.Connect(Fixture::Get().Value("MW_HOST_IP").c_str(),
                             Fixture::Get().Port("MW_SMTP_PORT"), 10, SMTP_OPTION_EXTENDED))
        << smtp.GetLastErrorDetail();
    EXPECT_FALSE(c.Attach(smtp.GetHandle()));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_FALSE(c.IsConnected());
    EXPECT_FALSE(c.Attach(INVALID_CLIENT));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_HANDLE);
    EXPECT_EQ(smtp.Command("NOOP"), 250) << "the SMTP session is untouched";
}

TEST(CppImap, NonBlockingSessionDrivenByPollAndExecute)
{
    OwnMailbox own("cpp-nb");
    const std::string msg = Message("async", std::string(200000, 'n') + "\r\n");
    ASSERT_TRUE(own.c.CreateMessage(own.box.c_str(), msg));

    std::map<unsigned, int> events;
    CImapClient c;
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_CONNECT, [&](unsigned ev) { ++events[ev]; }));
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_COMMAND, [&](unsigned ev) { ++events[ev]; }));
    ASSERT_TRUE(c.RegisterEvent(MAILWIRE_EVENT_PROGRESS, [&](unsigned ev) { ++events[ev]; }));
    mailwire::CSecurityCredentials ca = Ca();
    ASSERT_TRUE(c.AsyncConnect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE, ca.Get()));
    EXPECT_TRUE(c.IsInProgress());
    ASSERT_EQ(Pump(c), 0) << c.GetLastErrorDetail();
    EXPECT_EQ(events[MAILWIRE_EVENT_CONNECT], 1);
    ASSERT_TRUE(c.Login(User(1).c_str(), Pass(1).c_str()));
    EXPECT_TRUE(c.IsInProgress());
    ASSERT_EQ(Pump(c), 0) << c.GetLastErrorDetail();
    ASSERT_TRUE(c.SelectMailbox(own.box.c_str()));
    ASSERT_EQ(Pump(c), 0);
    EXPECT_EQ(c.GetMailboxInfo().nMessages, 1u);
    EXPECT_GE(c.GetSocket(), 0);

    // A fetch whose lambda runs inside Execute(), after FetchMessage() has returned.
    std::string data;
    ASSERT_TRUE(c.FetchMessage(1, [&](std::string_view d) { data.append(d); }));
    EXPECT_TRUE(c.IsInProgress());
    EXPECT_TRUE(data.empty());
    const int commandsBefore = events[MAILWIRE_EVENT_COMMAND];
    ASSERT_EQ(Pump(c), 0) << c.GetLastErrorDetail();
    EXPECT_EQ(data, msg);
    EXPECT_EQ(events[MAILWIRE_EVENT_COMMAND], commandsBefore + 1);
    EXPECT_GT(events[MAILWIRE_EVENT_PROGRESS], 0);

    // A search: the results come from GetSearchResults() afterwards.
    EXPECT_TRUE(c.SearchMailbox("SUBJECT async").empty());
    EXPECT_TRUE(c.IsInProgress());
    ASSERT_EQ(Pump(c), 0);
    EXPECT_EQ(c.GetSearchResults(), (std::vector<uint32_t>{1}));

    // A callable that throws inside Execute(): reported when the operation ends.
    ASSERT_TRUE(c.FetchMessage(1, [](std::string_view) { throw std::runtime_error("async"); }));
    EXPECT_EQ(Pump(c), MAILWIRE_ERROR);
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    EXPECT_NE(c.GetLastErrorDetail().find("async"), std::string::npos);
    ASSERT_TRUE(c.Noop());
    EXPECT_EQ(Pump(c), 0) << "the session stays usable";

    // GetMessage() needs a blocking session.
    EXPECT_TRUE(c.GetMessage(1).empty());
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_TRUE(c.Disconnect());
}

// CONDSTORE and QRESYNC through the class (RFC 7162): MODSEQ in the message info, the changed
// messages since a MODSEQ, a conditional STORE that reports its conflict, and the
// changes-since call with callables (the C side is tested in tests/imap/).
TEST(CppImap, SyncChangesSinceWithCallables)
{
    OwnMailbox own("cpp-sync");
    CImapClient &c = own.c;
    for (int i = 0; i < 3; i++)
        ASSERT_TRUE(c.CreateMessage(own.box.c_str(), Message("sync" + std::to_string(i), "x\r\n")))
            << c.GetLastErrorDetail();
    IMAPMAILBOX mb{};
    ASSERT_TRUE(c.SelectMailboxEx(own.box.c_str(), IMAP_SELECT_CONDSTORE, &mb));
    std::vector<uint64_t> all;
    ASSERT_TRUE(
        c.GetChangedMessages("1:*", 0, [&](const IMAPCHANGE &m) { all.push_back(m.nModSeq); }));
    ASSERT_EQ(all.size(), 3u);
    EXPECT_GT(all[0], 0u);
    ASSERT_TRUE(c.StoreFlags("1", IMAP_FETCH_UID | IMAP_STORE_ADD, IMAP_FLAG_SEEN));
    std::vector<uint32_t> changed;
    ASSERT_TRUE(c.GetChangedMessages("1:*", mb.nHighestModSeq, [&](const IMAPCHANGE &m) {
        changed.push_back(m.dwUID);
        EXPECT_GT(m.nModSeq, mb.nHighestModSeq);
    })) << c.GetLastErrorDetail();
    EXPECT_EQ(changed, (std::vector<uint32_t>{1}));
    // Based on the old MODSEQ, message 1 now conflicts; 2 is stored.
    std::vector<uint32_t> modified;
    size_t total = 0;
    ASSERT_TRUE(c.StoreFlagsUnchangedSince("1:2", IMAP_FETCH_UID | IMAP_STORE_ADD, IMAP_FLAG_URGENT,
                                           nullptr, mb.nHighestModSeq, modified, &total))
        << c.GetLastErrorDetail();
    EXPECT_EQ(modified, (std::vector<uint32_t>{1}));
    EXPECT_EQ(total, 1u);
    ASSERT_TRUE(c.StoreFlags("3", IMAP_FETCH_UID | IMAP_STORE_ADD, IMAP_FLAG_DELETED));
    ASSERT_TRUE(c.ExpungeMessages("3"));
    std::vector<uint32_t> seen, gone;
    IMAPCHANGES ch{};
    ASSERT_TRUE(c.GetChangesSince(
        own.box.c_str(), mb.dwMailboxUID, mb.nHighestModSeq,
        [&](const IMAPCHANGE &m) { seen.push_back(m.dwUID); },
        [&](uint32_t first, uint32_t last, bool earlier) {
            EXPECT_TRUE(earlier);
            for (uint32_t u = first; u <= last; u++)
                gone.push_back(u);
        },
        ch))
        << c.GetLastErrorDetail();
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(seen, (std::vector<uint32_t>{1, 2}));
    EXPECT_EQ(gone, (std::vector<uint32_t>{3}));
    EXPECT_FALSE(ch.bUidValidityChanged);
    EXPECT_GT(ch.nHighestModSeq, mb.nHighestModSeq);
    // A throwing callable cancels the operation and fails the call.
    EXPECT_FALSE(c.GetChangesSince(
        own.box.c_str(), mb.dwMailboxUID, mb.nHighestModSeq,
        [](const IMAPCHANGE &) { throw std::runtime_error("stop"); },
        [](uint32_t, uint32_t, bool) {}, ch));
    EXPECT_EQ(c.GetLastError(), (unsigned)ST_ERROR_CALLBACK_FAILED);
    // The cancel closed the session: a new one for the mailbox's removal.
    c.Disconnect();
    EXPECT_TRUE(Open(c));
}

} // namespace
