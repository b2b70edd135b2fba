// The two faces of the IMAP API against the real Dovecot: the same calls on a blocking session
// and on a non-blocking one (pumped with ImapGetPollInfo() and ImapExecute()) give the same
// return code, last error, detail and results, output parameters included. These are the
// calls whose faces once drifted (issue 10): a non-blocking fetch of a missing UID succeeded,
// GetMessage/GetHeaders/SaveMessage were refused, STATUS and NAMESPACE results were lost.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "imap_real_util.hpp"

namespace
{

using namespace mwtest::real;
using std::chrono::seconds;

// What a call left behind: its final result (after pumping, on the non-blocking face), the
// thread's last error and detail, and the call's own results as text.
struct Outcome {
    int rc = 0;
    unsigned err = 0;
    std::string detail, results;
};

std::ostream &operator<<(std::ostream &os, const Outcome &o)
{
    return os << "rc " << o.rc << ", error " << o.err << " (" << o.detail << "), results ["
              << o.results << "]";
}

bool operator==(const Outcome &a, const Outcome &b)
{
    return a.rc == b.rc && a.err == b.err && a.detail == b.detail && a.results == b.results;
}

std::string Str(const IMAPMAILBOX &m)
{
    std::ostringstream s;
    s << m.nMessages << " " << m.nRecentMessages << " " << m.nUnseenMessageId << " "
      << m.dwMailboxUID << " " << m.dwNextMessageUID << " " << m.dwFlags << " "
      << m.dwPermanentFlags << " " << m.dwAccessMode << " " << m.nHighestModSeq << " "
      << m.bReadOnly;
    return s.str();
}

std::string Str(const IMAPMAILBOXSTATUS &st)
{
    std::ostringstream s;
    s << st.nMessages << " " << st.nRecentMessages << " " << st.nUnseenMessages << " "
      << st.dwMailboxUID << " " << st.dwNextMessageUID << " " << st.nSize;
    return s.str();
}

std::string Str(const IMAPMAILBOXINFO &i)
{
    std::ostringstream s;
    s << i.szMailbox << " " << int(i.chDelimiter) << " " << i.dwAttributes << " " << i.bHasStatus
      << " " << i.nMessages << " " << i.nUnseenMessages;
    return s.str();
}

std::string ReadFile(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

// A mailbox of its own with two messages, and a logged-in session per face. The set-up
// session selects the mailbox first: it takes the \Recent flags (RFC 3501 section 2.3.2),
// so both faces see the same state.
class ImapFaces : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        setup_ = Session();
        ASSERT_NE(setup_, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        box_ = Unique("faces");
        ASSERT_EQ(ImapCreateMailbox(setup_, box_.c_str()), 0);
        for (const std::string &m : {Message("first face", "one\r\n"),
                                     Message("second face", std::string(3000, 'x') + "\r\n")})
            ASSERT_EQ(
                ImapCreateMessage(setup_, box_.c_str(), 0, nullptr, m.data(), m.size(), nullptr),
                0);
        ASSERT_EQ(ImapSelectMailbox(setup_, box_.c_str(), nullptr), 0);
        blocking_ = Session(1);
        ASSERT_NE(blocking_, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        Ca ca;
        async_ = ImapAsyncConnect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE, &ca.get());
        ASSERT_NE(async_, INVALID_CLIENT);
        ASSERT_EQ(Pump(async_, seconds(10)), 0) << MailwireGetLastErrorDetail();
        ASSERT_EQ(ImapLogin(async_, IMAP_AUTH_LOGIN, User(1).c_str(), Pass(1).c_str()),
                  MAILWIRE_IN_PROGRESS);
        ASSERT_EQ(Pump(async_, seconds(10)), 0) << MailwireGetLastErrorDetail();
    }

    void TearDown() override
    {
        if (blocking_ != INVALID_CLIENT)
            ImapDisconnect(blocking_);
        if (async_ != INVALID_CLIENT)
            ImapDisconnect(async_);
        if (setup_ != INVALID_CLIENT) {
            ImapCloseMailbox(setup_);
            ImapDeleteMailbox(setup_, box_.c_str());
            ImapDisconnect(setup_);
        }
    }

    // One call on one face; results() reads what the call wrote once it has completed.
    Outcome Run(HCLIENT h, const std::function<int(HCLIENT)> &call,
                const std::function<std::string()> &results)
    {
        Outcome o;
        o.rc = call(h);
        if (h == async_) {
            EXPECT_NE(o.rc, 0) << "a non-blocking call that starts an operation never "
                                  "completes at once";
            if (o.rc == MAILWIRE_IN_PROGRESS)
                o.rc = Pump(h, seconds(10));
        }
        o.err = ImapGetLastError();
        o.detail = MailwireGetLastErrorDetail();
        o.results = results ? results() : "";
        return o;
    }

    // The call on both faces: the same outcome. fill(h) makes the call on h and returns a
    // reader of its results (state of its own per face).
    using Case = std::function<std::pair<std::function<int(HCLIENT)>, std::function<std::string()>>(
        HCLIENT)>;
    Outcome Both(const char *what, const Case &make)
    {
        auto b = make(blocking_);
        Outcome ob = Run(blocking_, b.first, b.second);
        auto a = make(async_);
        Outcome oa = Run(async_, a.first, a.second);
        EXPECT_EQ(ob, oa) << what;
        return ob;
    }

    HCLIENT setup_ = INVALID_CLIENT, blocking_ = INVALID_CLIENT, async_ = INVALID_CLIENT;
    std::string box_;
};

TEST_F(ImapFaces, SelectStatusNamespaceListAndSearchGiveTheSameResults)
{
    Outcome o = Both("SELECT", [&](HCLIENT) {
        auto mb = std::make_shared<IMAPMAILBOX>();
        return std::make_pair(
            [this, mb](HCLIENT h) { return ImapSelectMailbox(h, box_.c_str(), mb.get()); },
            [mb] { return Str(*mb); });
    });
    EXPECT_EQ(o.rc, 0) << o;
    EXPECT_EQ(o.results.rfind("2 0 ", 0), 0u) << "two messages, none recent here: " << o;

    o = Both("STATUS", [&](HCLIENT) {
        auto st = std::make_shared<IMAPMAILBOXSTATUS>();
        return std::make_pair(
            [this, st](HCLIENT h) { return ImapGetMailboxStatus(h, box_.c_str(), st.get()); },
            [st] { return Str(*st); });
    });
    EXPECT_EQ(o.rc, 0) << o;
    EXPECT_EQ(o.results.rfind("2 ", 0), 0u) << o;

    o = Both("NAMESPACE", [&](HCLIENT) {
        auto ns = std::make_shared<std::pair<std::string, char>>(std::string(64, '#'), '#');
        return std::make_pair(
            [ns](HCLIENT h) {
                return ImapGetNamespace(h, &ns->first[0], ns->first.size(), &ns->second);
            },
            [ns] { return std::string(ns->first.c_str()) + " " + std::to_string(ns->second); });
    });
    EXPECT_EQ(o.rc, 0) << o;
    EXPECT_EQ(o.results.find('#'), std::string::npos) << "written on both faces: " << o;

    o = Both("LIST", [&](HCLIENT) {
        auto info = std::make_shared<IMAPMAILBOXINFO>();
        return std::make_pair(
            [this, info](HCLIENT h) {
                return ImapGetFirstMailbox(h, "", box_.c_str(), IMAP_LIST_DEFAULT, info.get());
            },
            [info] { return Str(*info); });
    });
    EXPECT_EQ(o.rc, 0) << o;
    EXPECT_EQ(o.results.rfind(box_ + " ", 0), 0u) << o;

    o = Both("SEARCH", [&](HCLIENT) {
        auto r = std::make_shared<std::pair<std::vector<uint32_t>, size_t>>(
            std::vector<uint32_t>(8, 0), 8);
        return std::make_pair(
            [r](HCLIENT h) {
                return ImapSearchMailbox(h, nullptr, "SUBJECT face", 0, r->first.data(),
                                         &r->second);
            },
            [r] {
                std::string s = std::to_string(r->second) + ":";
                for (size_t i = 0; i < r->second && i < r->first.size(); i++)
                    s += " " + std::to_string(r->first[i]);
                return s;
            });
    });
    EXPECT_EQ(o.results, "2: 1 2") << o;
}

TEST_F(ImapFaces, MessagesReadBackIdenticallyAndAMissingUidFailsOnBoth)
{
    for (HCLIENT h : {blocking_, async_}) {
        int rc = ImapSelectMailbox(h, box_.c_str(), nullptr);
        if (rc == MAILWIRE_IN_PROGRESS)
            rc = Pump(h, seconds(10));
        ASSERT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    }
    // A buffer large enough, then one too small: the size needed comes back on both faces.
    for (size_t cap : {size_t(8192), size_t(16)}) {
        for (uint32_t opts : {0u, (uint32_t)IMAP_SECTION_HEADER, (uint32_t)IMAP_SECTION_BODY}) {
            Outcome o = Both("GetMessage", [&](HCLIENT) {
                auto buf =
                    std::make_shared<std::pair<std::string, size_t>>(std::string(cap, 0), cap);
                return std::make_pair(
                    [buf, opts](HCLIENT h) {
                        return ImapGetMessage(h, 2, 0, &buf->first[0], &buf->second, opts);
                    },
                    [buf] {
                        // Too small: what part of the data landed depends on how it arrived;
                        // the size needed does not.
                        std::string head = buf->second <= buf->first.size()
                                               ? buf->first.substr(0, buf->second)
                                               : "(too small)";
                        return std::to_string(buf->second) + ":" + head;
                    });
            });
            if (cap == 16) {
                EXPECT_EQ(o.err, (unsigned)ST_ERROR_LIMIT_EXCEEDED) << o;
            } else {
                EXPECT_EQ(o.rc, 0) << o;
                EXPECT_NE(o.results.find(opts == IMAP_SECTION_BODY ? "xxxxx" : "Subject: second"),
                          std::string::npos)
                    << o;
            }
        }
    }
    Outcome o = Both("GetHeaders", [&](HCLIENT) {
        auto buf = std::make_shared<std::pair<std::string, size_t>>(std::string(4096, 0), 4096);
        return std::make_pair(
            [buf](HCLIENT h) { return ImapGetHeaders(h, 1, &buf->first[0], &buf->second, 0); },
            [buf] { return buf->first.substr(0, buf->second); });
    });
    EXPECT_EQ(o.rc, 0) << o;
    EXPECT_NE(o.results.find("Subject: first face\r\n"), std::string::npos) << o;
    EXPECT_EQ(o.results.find("one\r\n"), std::string::npos) << "the header only: " << o;

    o = Both("SaveMessage", [&](HCLIENT h) {
        auto path = std::make_shared<std::string>(testing::TempDir() + Unique("face") +
                                                  (h == async_ ? "-async" : "-blocking") + ".eml");
        return std::make_pair(
            [path](HCLIENT hc) { return ImapSaveMessage(hc, 2, 0, path->c_str()); },
            [path] {
                std::string data = ReadFile(*path);
                std::remove(path->c_str());
                return data;
            });
    });
    EXPECT_EQ(o.rc, 0) << o;
    EXPECT_NE(o.results.find(std::string(3000, 'x')), std::string::npos) << o.rc;

    o = Both("FetchMessage of a missing UID", [&](HCLIENT) {
        auto got = std::make_shared<std::string>();
        return std::make_pair(
            [got](HCLIENT h) {
                return ImapFetchMessage(
                    h, 4000000000u, IMAP_FETCH_UID, "", 0, 0,
                    [](unsigned, uint32_t, const char *p, size_t n, uint64_t, void *u) {
                        if (p)
                            static_cast<std::string *>(u)->append(p, n);
                        return 0;
                    },
                    got.get());
            },
            [got] { return *got; });
    });
    EXPECT_EQ(o.rc, IMAP_ERROR) << o;
    EXPECT_EQ(o.err, (unsigned)ST_ERROR_SERVER_PERMANENT) << o;
    EXPECT_EQ(o.detail, "no such message") << o;

    // The session goes on on both faces; APPEND reports the new UID on both.
    o = Both("APPEND", [&](HCLIENT) {
        auto uid = std::make_shared<uint32_t>(7);
        auto msg = std::make_shared<std::string>(Message("appended", "three\r\n"));
        return std::make_pair(
            [this, uid, msg](HCLIENT h) {
                return ImapCreateMessage(h, box_.c_str(), 0, nullptr, msg->data(), msg->size(),
                                         uid.get());
            },
            [uid] { return std::string(*uid > 2 ? "a new UID" : "no UID"); });
    });
    EXPECT_EQ(o.results, "a new UID") << o;
}

TEST_F(ImapFaces, WrongStateCallsAreRefusedAlikeWithInvalidState)
{
    // Logged in, nothing selected.
    struct {
        const char *what;
        std::function<int(HCLIENT)> call;
    } calls[] = {
        {"FetchMessage",
         [](HCLIENT h) {
             return ImapFetchMessage(
                 h, 1, 0, "", 0, 0,
                 [](unsigned, uint32_t, const char *, size_t, uint64_t, void *) { return 0; },
                 nullptr);
         }},
        {"GetMessage",
         [](HCLIENT h) {
             char buf[64];
             size_t n = sizeof buf;
             return ImapGetMessage(h, 1, 0, buf, &n, 0);
         }},
        {"SearchMailbox",
         [](HCLIENT h) {
             size_t n = 0;
             return ImapSearchMailbox(h, nullptr, "ALL", 0, nullptr, &n);
         }},
        {"StoreFlags",
         [](HCLIENT h) { return ImapStoreFlags(h, "1", 0, IMAP_FLAG_SEEN, nullptr); }},
        {"CloseMailbox", [](HCLIENT h) { return ImapCloseMailbox(h); }},
        {"ExpungeMailbox", [](HCLIENT h) { return ImapExpungeMailbox(h, nullptr); }},
        {"GetMailboxInfo",
         [](HCLIENT h) {
             IMAPMAILBOX mb;
             return ImapGetMailboxInfo(h, &mb);
         }},
    };
    for (auto &c : calls)
        Both(c.what,
             [&](HCLIENT) { return std::make_pair(c.call, std::function<std::string()>()); });
    for (HCLIENT h : {blocking_, async_})
        for (auto &c : calls) {
            EXPECT_EQ(c.call(h), IMAP_ERROR) << c.what;
            EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_STATE) << c.what;
            EXPECT_STREQ(MailwireGetLastErrorDetail(), "no mailbox is selected") << c.what;
        }
    // Connected, not logged in.
    HCLIENT plain = ConnectTls();
    ASSERT_NE(plain, INVALID_CLIENT);
    EXPECT_EQ(ImapSelectMailbox(plain, "INBOX", nullptr), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_STATE);
    EXPECT_STREQ(MailwireGetLastErrorDetail(), "not logged in");
    EXPECT_EQ(ImapCreateMailbox(plain, "x"), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_STATE);
    EXPECT_EQ(ImapNoop(plain), 0) << "NOOP is valid in any state";
    ImapDisconnect(plain);
}

} // namespace
