// The IMAP client against Cyrus IMAP 3.6 and Courier-IMAP 5.0 (tests/fixtures/interop.sh): the
// end-to-end cases the Dovecot tests run, once per server, and what issue 17 found on them.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "imap/imap_test_util.hpp"
#include "interop_util.hpp"

namespace
{

using namespace mwtest::interop;

class InteropImap : public ::testing::TestWithParam<std::string>
{
  protected:
    const ImapServer &S() const
    {
        return Imap(GetParam());
    }
    // A folder name on this server (its prefix and delimiter).
    std::string Folder(const std::string &name) const
    {
        std::string n = S().prefix + name;
        for (char &c : n)
            if (c == '/')
                c = S().delim;
        return n;
    }
};

TEST_P(InteropImap, StartTlsImplicitTlsAndCleartext)
{
    for (Tls tls : {Tls::StartTls, Tls::Implicit, Tls::None}) {
        HCLIENT h = ImapOpen(S(), tls);
        ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        SECURITYINFO si{};
        si.dwSize = sizeof si;
        ASSERT_EQ(ImapGetSecurityInfo(h, &si), 0);
        if (tls == Tls::None) {
            EXPECT_EQ(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_NONE);
            EXPECT_TRUE(ImapHasCapability(h, "STARTTLS"));
        } else {
            EXPECT_TRUE(si.bVerified);
            EXPECT_GE(si.dwProtocol, (uint32_t)SECURITY_PROTOCOL_TLS12);
            EXPECT_FALSE(ImapHasCapability(h, "STARTTLS")) << "capabilities asked again over TLS";
        }
        EXPECT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, User(2).c_str(), Pass(2).c_str()), 0)
            << MailwireGetLastErrorDetail();
        IMAPMAILBOX mb{};
        EXPECT_EQ(ImapExamineMailbox(h, "INBOX", &mb), 0) << MailwireGetLastErrorDetail();
        EXPECT_EQ(ImapDisconnect(h), 0);
    }
}

// Every mechanism the server offers that the library has, for both users (bob's password holds
// a space, a quote and a backslash); a wrong password fails and the session goes on.
TEST_P(InteropImap, EveryAuthMechanismOffered)
{
    for (unsigned type : S().auth) {
        for (int user : {1, 2}) {
            HCLIENT h = ImapOpen(S());
            ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
            mwtest::Trace tr;
            tr.Attach(h);
            EXPECT_EQ(ImapLogin(h, type, User(user).c_str(), Pass(user).c_str()), 0)
                << type << " " << User(user) << ": " << MailwireGetLastErrorDetail();
            EXPECT_EQ(tr.Sent().find(Pass(user)), std::string::npos);
            if (type == IMAP_AUTH_AUTO) {
                // Cyrus lists DIGEST-MD5 (obsolete, RFC 6331): never chosen.
                EXPECT_NE(tr.Sent().find(std::string("AUTHENTICATE ") + S().auto_mech),
                          std::string::npos)
                    << tr.Sent();
                EXPECT_EQ(tr.Sent().find("DIGEST-MD5"), std::string::npos);
            }
            IMAPMAILBOX mb{};
            EXPECT_EQ(ImapExamineMailbox(h, "INBOX", &mb), 0) << MailwireGetLastErrorDetail();
            ImapDisconnect(h);
        }
        HCLIENT h = ImapOpen(S());
        ASSERT_NE(h, INVALID_CLIENT);
        EXPECT_EQ(ImapLogin(h, type, User(2).c_str(), "not the password"), IMAP_ERROR) << type;
        EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED)
            << type << ": " << MailwireGetLastErrorDetail();
        EXPECT_EQ(ImapLogin(h, type, User(2).c_str(), Pass(2).c_str()), 0)
            << "the session survives a failed login " << MailwireGetLastErrorDetail();
        ImapDisconnect(h);
    }
}

// Non-ASCII names through every mailbox call, and a folder named Nil (issue 17, finding 1:
// Cyrus sends it bare, and no LIST succeeded while it existed).
TEST_P(InteropImap, MailboxesWithNonAsciiNamesAndNil)
{
    HCLIENT h = ImapSession(S());
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    std::string parent = Folder(Unique("Entwürfe"));
    std::string name = parent + S().delim + "日本";
    std::string nil = Folder("Nil"), upper = Folder(Unique("NIL"));
    ASSERT_EQ(ImapCreateMailbox(h, parent.c_str()), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapCreateMailbox(h, name.c_str()), 0) << MailwireGetLastErrorDetail();
    ImapCreateMailbox(h, nil.c_str()); // may exist from an earlier run of this test
    ASSERT_EQ(ImapCreateMailbox(h, upper.c_str()), 0) << MailwireGetLastErrorDetail();

    std::map<std::string, char> seen;
    IMAPMAILBOXINFO info{};
    int rc = ImapGetFirstMailbox(h, "", "*", 0, &info);
    ASSERT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    while (rc == 0) {
        seen[info.szMailbox] = info.chDelimiter;
        rc = ImapGetNextMailbox(h, &info);
    }
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_NO_MORE_MAILBOXES);
    EXPECT_EQ(seen.count(name), 1u);
    EXPECT_EQ(seen[name], S().delim);
    EXPECT_EQ(seen.count(nil), 1u) << "a folder named Nil is listed";
    EXPECT_EQ(seen.count(upper), 1u);

    std::string m = Message("counted", "x\r\n");
    ASSERT_EQ(ImapCreateMessage(h, nil.c_str(), 0, nullptr, m.data(), m.size(), nullptr), 0)
        << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapCreateMessage(h, name.c_str(), 0, nullptr, m.data(), m.size(), nullptr), 0);
    IMAPMAILBOXSTATUS st{};
    ASSERT_EQ(ImapGetMailboxStatus(h, nil.c_str(), &st), 0) << MailwireGetLastErrorDetail();
    EXPECT_GE(st.nMessages, 1u);
    ASSERT_EQ(ImapGetMailboxStatus(h, name.c_str(), &st), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(st.nMessages, 1u);
    EXPECT_EQ(st.nUnseenMessages, 1u);
    EXPECT_NE(st.dwMailboxUID, 0u);
    if (ImapHasCapability(h, "LIST-STATUS")) {
        ASSERT_EQ(ImapGetFirstMailbox(h, "", name.c_str(), IMAP_LIST_STATUS, &info), 0)
            << MailwireGetLastErrorDetail();
        EXPECT_EQ(name, info.szMailbox);
        EXPECT_TRUE(info.bHasStatus);
        EXPECT_EQ(info.nMessages, 1u);
    }
    IMAPMAILBOX mb{};
    ASSERT_EQ(ImapSelectMailbox(h, nil.c_str(), &mb), 0) << MailwireGetLastErrorDetail();
    EXPECT_GE(mb.nMessages, 1u);
    ASSERT_EQ(ImapCloseMailbox(h), 0);

    std::string renamed = parent + S().delim + "日本-neu";
    ASSERT_EQ(ImapRenameMailbox(h, name.c_str(), renamed.c_str()), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapGetMailboxStatus(h, name.c_str(), &st), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);
    ASSERT_EQ(ImapSubscribeMailbox(h, renamed.c_str()), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapGetFirstMailbox(h, "", renamed.c_str(), IMAP_LIST_SUBSCRIBED, &info), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(renamed, info.szMailbox);
    ASSERT_EQ(ImapUnsubscribeMailbox(h, renamed.c_str()), 0);
    ASSERT_EQ(ImapDeleteMailbox(h, renamed.c_str()), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapDeleteMailbox(h, parent.c_str()), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapDeleteMailbox(h, upper.c_str()), 0) << MailwireGetLastErrorDetail();
    ImapDisconnect(h);
}

// Mail sent through the SMTP server that delivers here reads back byte for byte (the servers
// only put their trace headers in front).
TEST_P(InteropImap, DeliveredMessageReadsBackIdentically)
{
    const SmtpServer &smtp = Smtp(S().deliverer);
    HCLIENT h = ImapSession(S(), 1);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    IMAPMAILBOX mb{};
    ASSERT_EQ(ImapSelectMailbox(h, "INBOX", &mb), 0);
    std::string msg = Message(Unique("delivered"),
                              "line one\r\n.leading dot\r\n\r\nlast line \xe2\x82\xac  \r\n");
    Ca ca;
    HCLIENT s = SmtpConnect("localhost", Fx().Port(smtp.port_key), 20,
                            SMTP_OPTION_EXTENDED | (smtp.starttls ? SMTP_OPTION_SECURE : 0),
                            "client.mailwire.test", &ca.get());
    ASSERT_NE(s, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    if (!smtp.auth.empty()) {
        ASSERT_EQ(SmtpAuthenticate(s, SMTP_AUTH_AUTO, User(2).c_str(), Pass(2).c_str()), 0)
            << MailwireGetLastErrorDetail();
    }
    ASSERT_EQ(SmtpSendMessage(s, "bob@localhost", "alice@localhost", msg.data(), msg.size(), 0), 0)
        << MailwireGetLastErrorDetail();
    SmtpDisconnect(s);
    unsigned n = WaitForMore(h, mb.nMessages);
    ASSERT_GT(n, mb.nMessages) << smtp.name << " did not deliver to " << S().name;
    std::vector<char> buf(1 << 16);
    size_t len = buf.size();
    ASSERT_EQ(ImapGetMessage(h, n, 0, buf.data(), &len, 0), 0) << MailwireGetLastErrorDetail();
    std::string got(buf.data(), len);
    EXPECT_TRUE(EndsWith(got, msg)) << got;
    ImapDisconnect(h);
}

// The full fetch of a 2,000-message mailbox (pipelined UID FETCH batches after a UID SEARCH;
// Courier answers the SEARCH without ESEARCH, on one line).
TEST_P(InteropImap, FullFetchOfTwoThousandMessages)
{
    HCLIENT h = ImapSession(S(), 2);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    std::string box = Folder(Unique("many"));
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    const unsigned count = 2000;
    std::vector<std::string> sent;
    auto t0 = std::chrono::steady_clock::now();
    for (unsigned i = 0; i < count; i++) {
        sent.push_back(Message("n" + std::to_string(i), std::string(20 + i % 300, 'x') + "\r\n"));
        ASSERT_EQ(ImapCreateMessage(h, box.c_str(), 0, nullptr, sent.back().data(),
                                    sent.back().size(), nullptr),
                  0)
            << i << ": " << MailwireGetLastErrorDetail();
    }
    auto t1 = std::chrono::steady_clock::now();
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
    mwtest::Trace tr;
    tr.Attach(h);
    struct ById {
        std::map<unsigned, std::string> msgs;
        unsigned starts = 0;
        static int MAILWIRE_CALLBACK Fn(unsigned id, uint32_t, const char *p, size_t n, uint64_t,
                                        void *user)
        {
            auto *b = static_cast<ById *>(user);
            if (!p) {
                b->starts++;
                b->msgs[id].clear();
            } else {
                b->msgs[id].append(p, n);
            }
            return 0;
        }
    } all;
    ASSERT_EQ(ImapFetchMessages(h, 1, 0, 0, ById::Fn, &all), 0) << MailwireGetLastErrorDetail();
    auto t2 = std::chrono::steady_clock::now();
    EXPECT_EQ(all.starts, count);
    ASSERT_EQ(all.msgs.size(), count);
    unsigned i = 0, same = 0;
    for (const auto &m : all.msgs)
        same += m.second == sent[i++];
    EXPECT_EQ(same, count) << "every message byte for byte";
    EXPECT_NE(tr.Sent().find("UID FETCH"), std::string::npos);
    std::printf("[ measure ] %s: %u APPENDs %.2f s, full fetch %.2f s\n", S().name, count,
                std::chrono::duration<double>(t1 - t0).count(),
                std::chrono::duration<double>(t2 - t1).count());
    ASSERT_EQ(ImapCloseMailbox(h), 0);
    EXPECT_EQ(ImapDeleteMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    ImapDisconnect(h);
}

// SEARCH: the builder (a quoted string, UTF-8, and LARGER and UID with a number and a set,
// which the servers refuse quoted), raw criteria, store, copy, move, expunge.
TEST_P(InteropImap, SearchStoreCopyMove)
{
    HCLIENT h = ImapSession(S(), 2);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    std::string box = Folder(Unique("search")), other = Folder(Unique("other"));
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapCreateMailbox(h, other.c_str()), 0) << MailwireGetLastErrorDetail();
    // The UTF-8 subject RFC 2047-encoded, as a composer writes it: Cyrus replaces raw 8-bit
    // bytes in headers by 'X' when it stores a message (its munge8bit default).
    const std::vector<std::string> subjects = {
        "He said \"hi\" \\o/", "=?UTF-8?B?R3LDvMOfZSDml6XmnKw=?=", "plain one", "plain two"};
    for (auto &s : subjects) {
        std::string m = Message(s, std::string(s == "plain two" ? 500 : 10, 'y') + "\r\n");
        ASSERT_EQ(ImapCreateMessage(h, box.c_str(), 0, nullptr, m.data(), m.size(), nullptr), 0);
    }
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
    mwtest::Trace tr;
    tr.Attach(h);
    uint32_t ids[16];
    size_t n = 16;
    IMAPSEARCH *q = ImapSearchCreate();
    ASSERT_EQ(ImapSearchAdd(q, "SUBJECT", "said \"hi\" \\o"), 0);
    ASSERT_EQ(ImapSearchMailbox(h, q, nullptr, 0, ids, &n), 0) << MailwireGetLastErrorDetail();
    ImapSearchFree(q);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(ids[0], 1u);

    n = 16;
    q = ImapSearchCreate();
    ASSERT_EQ(ImapSearchAdd(q, "SUBJECT", "\xe6\x97\xa5\xe6\x9c\xac"), 0);
    ASSERT_EQ(ImapSearchMailbox(h, q, nullptr, IMAP_FETCH_UID, ids, &n), 0)
        << MailwireGetLastErrorDetail();
    ImapSearchFree(q);
    EXPECT_EQ(n, 1u);

    n = 16;
    q = ImapSearchCreate();
    ASSERT_EQ(ImapSearchAdd(q, "LARGER", "400"), 0);
    ASSERT_EQ(ImapSearchAdd(q, "UID", "1:*"), 0);
    ASSERT_EQ(ImapSearchMailbox(h, q, nullptr, 0, ids, &n), 0) << MailwireGetLastErrorDetail();
    ImapSearchFree(q);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(ids[0], 4u);
    EXPECT_NE(tr.Sent().find("LARGER 400 UID 1:*"), std::string::npos) << tr.Sent();

    n = 16;
    ASSERT_EQ(ImapSearchMailbox(h, nullptr, "SUBJECT plain", 0, ids, &n), 0);
    EXPECT_EQ(n, 2u);
    n = 1;
    ASSERT_EQ(ImapSearchMailbox(h, nullptr, "ALL", 0, ids, &n), 0);
    EXPECT_EQ(n, 4u) << "every match counted, one kept";

    ASSERT_EQ(ImapStoreFlags(h, "3:4", IMAP_STORE_ADD, IMAP_FLAG_SEEN, nullptr), 0)
        << MailwireGetLastErrorDetail();
    n = 16;
    ASSERT_EQ(ImapSearchMailbox(h, nullptr, "SEEN", 0, ids, &n), 0);
    EXPECT_EQ(n, 2u);
    ASSERT_EQ(ImapCopyMessage(h, "1", other.c_str(), 0), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapMoveMessage(h, "2", other.c_str(), 0), 0) << MailwireGetLastErrorDetail();
    IMAPMAILBOX mb{};
    ASSERT_EQ(ImapGetMailboxInfo(h, &mb), 0);
    if (ImapHasCapability(h, "MOVE")) {
        EXPECT_EQ(mb.nMessages, 3u) << "the moved message was expunged here";
    }
    IMAPMAILBOXSTATUS st{};
    ASSERT_EQ(ImapGetMailboxStatus(h, other.c_str(), &st), 0);
    EXPECT_EQ(st.nMessages, 2u);
    ASSERT_EQ(ImapDeleteMessage(h, 1, 0), 0);
    ASSERT_EQ(ImapExpungeMailbox(h, &mb), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapNoop(h), 0);
    ImapCloseMailbox(h);
    EXPECT_EQ(ImapDeleteMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapDeleteMailbox(h, other.c_str()), 0) << MailwireGetLastErrorDetail();
    ImapDisconnect(h);
}

// IDLE sees a message appended by another session: the servers are tuned to report it at once
// (Cyrus imapidlepoll, Courier IMAP_ENHANCEDIDLE; without that both hold EXISTS back until
// DONE).
TEST_P(InteropImap, IdleSeesAnAppendFromAnotherSession)
{
    HCLIENT h = ImapSession(S(), 2);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    std::string box = Folder(Unique("idle"));
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
    mwtest::Events ev;
    ev.Attach(h);
    std::atomic<long long> appended_at{0};
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        HCLIENT o = ImapSession(S(), 2);
        std::string m = Message("wake up", "now\r\n");
        ImapCreateMessage(o, box.c_str(), 0, nullptr, m.data(), m.size(), nullptr);
        appended_at = std::chrono::steady_clock::now().time_since_epoch().count();
        ImapDisconnect(o);
    });
    unsigned changes = 0;
    int rc = ImapIdle(h, 15, IMAP_IDLE_WAIT, &changes);
    auto ended = std::chrono::steady_clock::now().time_since_epoch().count();
    t.join();
    ASSERT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    EXPECT_GE(changes, 1u);
    EXPECT_GE(ev.Count(IMAP_EVENT_UPDATE), 1u);
    double secs = double(ended - appended_at.load()) / 1e9;
    std::printf("[ measure ] %s: IDLE update %.3f s after the APPEND\n", S().name, secs);
    EXPECT_LT(secs, 5.0);
    EXPECT_EQ(ImapNoop(h), 0) << MailwireGetLastErrorDetail();
    ImapCloseMailbox(h);
    ImapDeleteMailbox(h, box.c_str());
    ImapDisconnect(h);
}

INSTANTIATE_TEST_SUITE_P(Servers, InteropImap, ::testing::Values("Cyrus", "Courier"),
                         [](const auto &info) { return info.param; });

} // namespace
