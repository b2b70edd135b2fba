// Issue 16 item 4 (the sync half) against the real Dovecot of the fixture: CONDSTORE (MODSEQ,
// CHANGEDSINCE, SEARCH MODSEQ, conditional STORE with the conflicting UIDs) and QRESYNC
// (VANISHED (EARLIER) on select, VANISHED during IDLE, the changes-since call). Each test
// uses a mailbox of its own; the changes by "another client" come from a second session.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "imap_real_util.hpp"
#include "imap_test_util.hpp"

namespace
{

using namespace mwtest::real;

struct Msg {
    uint32_t uid;
    uint32_t flags;
    uint64_t modseq;
};

struct Changed {
    std::vector<Msg> msgs;
    static void Fn(const IMAPCHANGE *m, void *user)
    {
        static_cast<Changed *>(user)->msgs.push_back({m->dwUID, m->dwFlags, m->nModSeq});
    }
    std::vector<uint32_t> Uids() const
    {
        std::vector<uint32_t> u;
        for (const Msg &m : msgs)
            u.push_back(m.uid);
        std::sort(u.begin(), u.end());
        return u;
    }
    const Msg *Find(uint32_t uid) const
    {
        for (const Msg &m : msgs)
            if (m.uid == uid)
                return &m;
        return nullptr;
    }
};

struct Vanished {
    std::vector<uint32_t> uids;
    std::vector<int> earlier;
    static void Fn(uint32_t a, uint32_t b, int earlier, void *user)
    {
        auto *v = static_cast<Vanished *>(user);
        for (uint64_t u = a; u <= b; u++)
            v->uids.push_back((uint32_t)u);
        v->earlier.push_back(earlier);
    }
};

// Both callbacks into one object, as a sync program has it.
struct Sync {
    Changed c;
    Vanished v;
    static void OnChanged(const IMAPCHANGE *m, void *user)
    {
        Changed::Fn(m, &static_cast<Sync *>(user)->c);
    }
    static void OnVanished(uint32_t a, uint32_t b, int earlier, void *user)
    {
        Vanished::Fn(a, b, earlier, &static_cast<Sync *>(user)->v);
    }
};

void Append(HCLIENT h, const std::string &box, const std::string &subject)
{
    std::string m = Message(subject, "body of " + subject + "\r\n");
    ASSERT_EQ(ImapCreateMessage(h, box.c_str(), 0, nullptr, m.data(), m.size(), nullptr), 0)
        << MailwireGetLastErrorDetail();
}

// A logged-in session on a fresh mailbox of its own holding n messages (UIDs 1..n), removed at
// the end.
struct Box {
    HCLIENT h = Session(1);
    std::string name = Unique("sync");
    explicit Box(int n)
    {
        EXPECT_NE(h, INVALID_CLIENT);
        EXPECT_EQ(ImapCreateMailbox(h, name.c_str()), 0) << MailwireGetLastErrorDetail();
        for (int i = 1; i <= n; i++)
            Append(h, name, "m" + std::to_string(i));
    }
    ~Box()
    {
        ImapUnselectMailbox(h);
        ImapDeleteMailbox(h, name.c_str());
        ImapDisconnect(h);
    }
    // Select with CONDSTORE; returns the mailbox state.
    IMAPMAILBOX Select()
    {
        IMAPMAILBOX mb{};
        EXPECT_EQ(ImapSelectMailboxEx(h, name.c_str(), IMAP_SELECT_CONDSTORE, &mb), 0)
            << MailwireGetLastErrorDetail();
        return mb;
    }
    Changed All()
    {
        Changed c;
        // MODSEQ 0: every message with its MODSEQ (the first full listing of a sync).
        EXPECT_EQ(ImapGetChangedMessages(h, "1:*", IMAP_FETCH_UID, 0, &Changed::Fn, &c), 0)
            << MailwireGetLastErrorDetail();
        return c;
    }
};

// Another client's changes: a second session of the same user.
struct Other {
    HCLIENT h = Session(1);
    explicit Other(const std::string &box)
    {
        EXPECT_NE(h, INVALID_CLIENT);
        EXPECT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0) << MailwireGetLastErrorDetail();
    }
    ~Other()
    {
        ImapDisconnect(h);
    }
    void Store(const char *uids, uint32_t mode, uint32_t flags)
    {
        EXPECT_EQ(
            ImapStoreFlags(h, uids, mode | IMAP_FETCH_UID | IMAP_STORE_SILENT, flags, nullptr), 0)
            << MailwireGetLastErrorDetail();
    }
    void Expunge(const char *uids)
    {
        Store(uids, IMAP_STORE_ADD, IMAP_FLAG_DELETED);
        EXPECT_EQ(ImapExpungeMessages(h, uids), 0) << MailwireGetLastErrorDetail();
    }
};

TEST(ImapSyncReal, ModSeqGrowsAfterStore)
{
    Box b(3);
    IMAPMAILBOX mb = b.Select();
    ASSERT_GT(mb.nHighestModSeq, 0u);
    Changed before = b.All();
    ASSERT_EQ(before.Uids(), (std::vector<uint32_t>{1, 2, 3}));
    for (const Msg &m : before.msgs)
        EXPECT_GT(m.modseq, 0u) << "MODSEQ in FETCH of uid " << m.uid;
    ASSERT_EQ(ImapStoreFlags(b.h, "2", IMAP_FETCH_UID | IMAP_STORE_ADD, IMAP_FLAG_URGENT, nullptr),
              0);
    Changed after = b.All();
    ASSERT_NE(after.Find(2), nullptr);
    EXPECT_GT(after.Find(2)->modseq, before.Find(2)->modseq);
    EXPECT_GT(after.Find(2)->modseq, mb.nHighestModSeq);
    EXPECT_EQ(after.Find(1)->modseq, before.Find(1)->modseq) << "untouched message";
    EXPECT_EQ(after.Find(3)->modseq, before.Find(3)->modseq);
    EXPECT_TRUE(after.Find(2)->flags & IMAP_FLAG_URGENT);
}

TEST(ImapSyncReal, ChangedSinceReturnsOnlyTheChangedMessagesAndSearchModseqAgrees)
{
    Box b(4);
    uint64_t base = b.Select().nHighestModSeq;
    ASSERT_EQ(ImapStoreFlags(b.h, "1,3", IMAP_FETCH_UID | IMAP_STORE_ADD, IMAP_FLAG_SEEN, nullptr),
              0);
    Changed c;
    ASSERT_EQ(ImapGetChangedMessages(b.h, "1:*", IMAP_FETCH_UID, base, &Changed::Fn, &c), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(c.Uids(), (std::vector<uint32_t>{1, 3}));
    for (const Msg &m : c.msgs) {
        EXPECT_GT(m.modseq, base);
        EXPECT_TRUE(m.flags & IMAP_FLAG_SEEN);
    }
    // SEARCH MODSEQ (RFC 7162 section 3.1.5), raw and with the builder.
    uint32_t ids[8];
    size_t n = 8;
    std::string raw = "MODSEQ " + std::to_string(base + 1);
    ASSERT_EQ(ImapSearchMailbox(b.h, nullptr, raw.c_str(), IMAP_FETCH_UID, ids, &n), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(std::vector<uint32_t>(ids, ids + n), (std::vector<uint32_t>{1, 3}));
    IMAPSEARCH *s = ImapSearchCreate();
    ASSERT_EQ(ImapSearchAdd(s, "MODSEQ", std::to_string(base + 1).c_str()), 0);
    n = 8;
    ASSERT_EQ(ImapSearchMailbox(b.h, s, nullptr, IMAP_FETCH_UID, ids, &n), 0)
        << MailwireGetLastErrorDetail();
    ImapSearchFree(s);
    EXPECT_EQ(std::vector<uint32_t>(ids, ids + n), (std::vector<uint32_t>{1, 3}));
    // Nothing changed since the newest MODSEQ: no message.
    Changed none;
    uint64_t top = 0;
    for (const Msg &m : c.msgs)
        top = std::max(top, m.modseq);
    ASSERT_EQ(ImapGetChangedMessages(b.h, "1:*", IMAP_FETCH_UID, top, &Changed::Fn, &none), 0);
    EXPECT_TRUE(none.msgs.empty());
}

// The conflict a sync program meets: its view is based on MODSEQ m, another client changes
// message 2, the conditional STORE leaves 2 alone and says so; 1 and 3 are stored.
TEST(ImapSyncReal, UnchangedSinceConflictReportsTheRightUids)
{
    Box b(3);
    uint64_t m = b.Select().nHighestModSeq;
    {
        Other o(b.name);
        o.Store("2", IMAP_STORE_ADD, IMAP_FLAG_SEEN);
    }
    ASSERT_EQ(ImapNoop(b.h), 0);
    uint32_t mod[8] = {};
    size_t n = 8;
    ASSERT_EQ(ImapStoreFlagsUnchangedSince(b.h, "1:3", IMAP_FETCH_UID | IMAP_STORE_ADD,
                                           IMAP_FLAG_URGENT, nullptr, m, mod, &n),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(std::vector<uint32_t>(mod, mod + n), (std::vector<uint32_t>{2}));
    Changed now = b.All();
    EXPECT_TRUE(now.Find(1)->flags & IMAP_FLAG_URGENT);
    EXPECT_TRUE(now.Find(3)->flags & IMAP_FLAG_URGENT);
    EXPECT_FALSE(now.Find(2)->flags & IMAP_FLAG_URGENT) << "the conflicting one was left alone";
    // Based on the current MODSEQ the same STORE conflicts with nothing.
    uint64_t top = 0;
    for (const Msg &x : now.msgs)
        top = std::max(top, x.modseq);
    n = 8;
    ASSERT_EQ(ImapStoreFlagsUnchangedSince(b.h, "2", IMAP_FETCH_UID | IMAP_STORE_ADD,
                                           IMAP_FLAG_URGENT, nullptr, top, mod, &n),
              0);
    EXPECT_EQ(n, 0u);
}

TEST(ImapSyncReal, QresyncSelectAfterExpungesReportsExactlyThoseUids)
{
    Box b(5);
    IMAPMAILBOX mb = b.Select();
    ASSERT_EQ(ImapUnselectMailbox(b.h), 0);
    {
        Other o(b.name);
        o.Expunge("2,4");
        o.Store("5", IMAP_STORE_ADD, IMAP_FLAG_ANSWERED);
    }
    Sync s;
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    ASSERT_EQ(ImapSelectMailboxQresync(b.h, b.name.c_str(), 0, mb.dwMailboxUID, mb.nHighestModSeq,
                                       "1:5", nullptr, nullptr, &Sync::OnChanged, &Sync::OnVanished,
                                       &s, &ch),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(s.v.uids, (std::vector<uint32_t>{2, 4}));
    for (int e : s.v.earlier)
        EXPECT_EQ(e, 1) << "VANISHED (EARLIER)";
    EXPECT_EQ(s.c.Uids(), (std::vector<uint32_t>{5}));
    EXPECT_EQ(ch.nVanished, 2u);
    EXPECT_EQ(ch.nChanged, 1u);
    EXPECT_EQ(ch.nMessages, 3u);
    EXPECT_EQ(ch.bUidValidityChanged, 0);
    EXPECT_GT(ch.nHighestModSeq, mb.nHighestModSeq);
    unsigned count = 0;
    ASSERT_EQ(ImapGetMessageCount(b.h, &count), 0);
    EXPECT_EQ(count, 3u);
}

TEST(ImapSyncReal, VanishedArrivesDuringIdleAndTheCountStaysRight)
{
    Box b(4);
    ASSERT_EQ(ImapEnableSync(b.h, IMAP_ENABLE_QRESYNC), 0) << MailwireGetLastErrorDetail();
    b.Select();
    Vanished v;
    ASSERT_EQ(ImapSetVanishedCallback(b.h, &Vanished::Fn, &v), 0);
    std::thread t([&] { // a session belongs to the thread that made it
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        Other o(b.name);
        o.Expunge("3");
    });
    // The other client's STORE \Deleted (a FETCH) may end the first IDLE; wait on until the
    // VANISHED has come, 10 s at most.
    auto t0 = std::chrono::steady_clock::now();
    int rc = 0;
    while (rc == 0 && v.uids.empty() &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
        unsigned changes = 0;
        rc = ImapIdle(b.h, 10, IMAP_IDLE_WAIT, &changes);
    }
    auto took = std::chrono::steady_clock::now() - t0;
    t.join();
    ASSERT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    EXPECT_LT(took, std::chrono::seconds(5)) << "IDLE ended by the changes";
    EXPECT_EQ(v.uids, (std::vector<uint32_t>{3}));
    ASSERT_FALSE(v.earlier.empty());
    EXPECT_EQ(v.earlier[0], 0);
    unsigned count = 0;
    ASSERT_EQ(ImapGetMessageCount(b.h, &count), 0);
    EXPECT_EQ(count, 3u);
    // Sequence numbers follow: message 3 is now UID 4.
    Changed c;
    ASSERT_EQ(ImapGetChangedMessages(b.h, "3", 0, 0, &Changed::Fn, &c), 0);
    ASSERT_EQ(c.msgs.size(), 1u);
    EXPECT_EQ(c.msgs[0].uid, 4u);
    ASSERT_EQ(ImapSetVanishedCallback(b.h, nullptr, nullptr), 0);
}

// A sync program in IDLE learns another client's flag change as it happens, with the UID and
// the new MODSEQ, and its own STORE's new MODSEQ too, without asking: the change callback
// agrees with what CHANGEDSINCE reports afterwards.
TEST(ImapSyncReal, FlagChangesArriveDuringIdleWithTheirModseq)
{
    Box b(3);
    ASSERT_EQ(ImapEnableSync(b.h, IMAP_ENABLE_QRESYNC), 0) << MailwireGetLastErrorDetail();
    IMAPMAILBOX mb = b.Select();
    ASSERT_GT(mb.nHighestModSeq, 0u);
    Changed seen;
    ASSERT_EQ(ImapSetChangeCallback(b.h, &Changed::Fn, &seen), 0);
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        Other o(b.name);
        o.Store("2", IMAP_STORE_ADD, IMAP_FLAG_URGENT);
    });
    auto t0 = std::chrono::steady_clock::now();
    int rc = 0;
    while (rc == 0 && seen.msgs.empty() &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10)) {
        unsigned changes = 0;
        rc = ImapIdle(b.h, 10, IMAP_IDLE_WAIT, &changes);
    }
    auto took = std::chrono::steady_clock::now() - t0;
    t.join();
    ASSERT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    EXPECT_LT(took, std::chrono::seconds(5)) << "IDLE ended by the change";
    ASSERT_EQ(seen.Uids(), (std::vector<uint32_t>{2}));
    const Msg other = seen.msgs[0];
    EXPECT_TRUE(other.flags & IMAP_FLAG_URGENT);
    EXPECT_GT(other.modseq, mb.nHighestModSeq);

    // The session's own STORE (not silent): its reply is reported the same way.
    ASSERT_EQ(ImapStoreFlags(b.h, "1", IMAP_STORE_ADD | IMAP_FETCH_UID, IMAP_FLAG_SEEN, nullptr), 0)
        << MailwireGetLastErrorDetail();
    ASSERT_EQ(seen.msgs.size(), 2u);
    EXPECT_EQ(seen.msgs[1].uid, 1u);
    EXPECT_TRUE(seen.msgs[1].flags & IMAP_FLAG_SEEN);
    EXPECT_GT(seen.msgs[1].modseq, other.modseq);

    // What the server says changed since the select is exactly what the callback saw.
    Changed since;
    ASSERT_EQ(
        ImapGetChangedMessages(b.h, "1:*", IMAP_FETCH_UID, mb.nHighestModSeq, &Changed::Fn, &since),
        0)
        << MailwireGetLastErrorDetail();
    ASSERT_EQ(since.Uids(), (std::vector<uint32_t>{1, 2}));
    for (const Msg &m : seen.msgs) {
        const Msg *s = since.Find(m.uid);
        ASSERT_NE(s, nullptr);
        EXPECT_EQ(s->modseq, m.modseq) << "UID " << m.uid;
        EXPECT_EQ(s->flags, m.flags) << "UID " << m.uid;
    }
    ASSERT_EQ(ImapSetChangeCallback(b.h, nullptr, nullptr), 0);
}

// Dovecot at MW_IMAP_CONDSTORE_HOST announces CONDSTORE without QRESYNC, as Gmail does: the
// changes-since call then goes by SELECT (CONDSTORE), UID FETCH (CHANGEDSINCE) and UID SEARCH,
// and reports what the QRESYNC path reports for the same changes by another client.
TEST(ImapSyncReal, CondstoreOnlyServerGivesTheSameChangesAsQresync)
{
    Box b(6);
    IMAPMAILBOX mb = b.Select();
    const uint32_t uv = mb.dwMailboxUID;
    const uint64_t since = mb.nHighestModSeq;
    ASSERT_GT(since, 0u);
    {
        Other o(b.name);
        o.Store("2", IMAP_STORE_ADD, IMAP_FLAG_URGENT);
        o.Expunge("4");
    }
    Append(b.h, b.name, "m7"); // UID 7: new since
    Sync q;
    IMAPCHANGES qc{};
    qc.dwSize = sizeof qc;
    ASSERT_EQ(ImapGetChangesSince(b.h, b.name.c_str(), uv, since, &Sync::OnChanged,
                                  &Sync::OnVanished, &q, &qc),
              0)
        << MailwireGetLastErrorDetail();

    // Cleartext on loopback: the certificate names 127.0.0.1 and localhost, not this address.
    HCLIENT h = ImapConnect(mwtest::Fixture::Get().Value("MW_IMAP_CONDSTORE_HOST").c_str(),
                            ImapPort(), 10, 0, nullptr);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, User(1).c_str(), Pass(1).c_str()), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapEnableSync(h, IMAP_ENABLE_QRESYNC), IMAP_ERROR) << "QRESYNC is not offered there";
    EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_NOT_SUPPORTED);
    Sync c;
    IMAPCHANGES cc{};
    cc.dwSize = sizeof cc;
    ASSERT_EQ(ImapGetChangesSince(h, b.name.c_str(), uv, since, &Sync::OnChanged, &Sync::OnVanished,
                                  &c, &cc),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(c.c.Uids(), (std::vector<uint32_t>{2, 7}));
    EXPECT_EQ(c.c.Uids(), q.c.Uids());
    for (const Msg &m : c.c.msgs) {
        const Msg *o = q.c.Find(m.uid);
        ASSERT_NE(o, nullptr);
        EXPECT_EQ(m.modseq, o->modseq) << "UID " << m.uid;
        EXPECT_EQ(m.flags, o->flags) << "UID " << m.uid;
    }
    EXPECT_EQ(c.v.uids, (std::vector<uint32_t>{4}));
    EXPECT_EQ(q.v.uids, (std::vector<uint32_t>{4}));
    EXPECT_EQ(cc.nHighestModSeq, qc.nHighestModSeq);
    EXPECT_EQ(cc.nChanged, 2u);
    EXPECT_EQ(cc.nVanished, 1u);
    EXPECT_EQ(cc.nMessages, 6u);
    EXPECT_EQ(cc.bUidValidityChanged, 0);

    // The UIDs the program knows: only the gone ones among them come back.
    Sync k;
    IMAPCHANGES kc{};
    kc.dwSize = sizeof kc;
    ASSERT_EQ(ImapSelectMailboxQresync(h, b.name.c_str(), 0, uv, since, "3:5", nullptr, nullptr,
                                       &Sync::OnChanged, &Sync::OnVanished, &k, &kc),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(k.v.uids, (std::vector<uint32_t>{4}));
    EXPECT_EQ(k.v.earlier, (std::vector<int>{1}));

    // Another UIDVALIDITY: the verdict, and nothing else.
    Sync w;
    IMAPCHANGES wc{};
    wc.dwSize = sizeof wc;
    ASSERT_EQ(ImapGetChangesSince(h, b.name.c_str(), uv + 1, since, &Sync::OnChanged,
                                  &Sync::OnVanished, &w, &wc),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(wc.bUidValidityChanged, 1);
    EXPECT_TRUE(w.c.msgs.empty());
    EXPECT_TRUE(w.v.uids.empty());
    ImapDisconnect(h);
}

// The changes-since call over a scripted series of changes by another client gives exactly
// the expected set; called again, nothing; with an old UIDVALIDITY, the verdict.
TEST(ImapSyncReal, ChangesSinceGivesExactlyTheScriptedChanges)
{
    Box b(6);
    IMAPMAILBOX base = b.Select();
    ASSERT_EQ(ImapUnselectMailbox(b.h), 0);
    {
        Other o(b.name);
        o.Store("1", IMAP_STORE_ADD, IMAP_FLAG_SEEN);
        o.Expunge("2");
        o.Store("4", IMAP_STORE_ADD, IMAP_FLAG_URGENT);
        o.Store("4", IMAP_STORE_REMOVE, IMAP_FLAG_URGENT); // changed back: still a change
        o.Expunge("6");
        Append(o.h, b.name, "new"); // UID 7
    }
    Sync s;
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    ASSERT_EQ(ImapGetChangesSince(b.h, b.name.c_str(), base.dwMailboxUID, base.nHighestModSeq,
                                  &Sync::OnChanged, &Sync::OnVanished, &s, &ch),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(ch.bUidValidityChanged, 0);
    EXPECT_EQ(s.c.Uids(), (std::vector<uint32_t>{1, 4, 7}));
    std::vector<uint32_t> gone = s.v.uids;
    std::sort(gone.begin(), gone.end());
    EXPECT_EQ(gone, (std::vector<uint32_t>{2, 6}));
    EXPECT_TRUE(s.c.Find(1)->flags & IMAP_FLAG_SEEN);
    EXPECT_FALSE(s.c.Find(4)->flags & IMAP_FLAG_URGENT);
    EXPECT_EQ(ch.nChanged, 3u);
    EXPECT_EQ(ch.nVanished, 2u);
    EXPECT_EQ(ch.nMessages, 5u);
    EXPECT_GT(ch.nHighestModSeq, base.nHighestModSeq);
    for (const Msg &m : s.c.msgs) {
        EXPECT_GT(m.modseq, base.nHighestModSeq);
        EXPECT_LE(m.modseq, ch.nHighestModSeq);
    }
    // Again from the new MODSEQ: nothing.
    Sync again;
    IMAPCHANGES ch2{};
    ch2.dwSize = sizeof ch2;
    ASSERT_EQ(ImapGetChangesSince(b.h, b.name.c_str(), ch.dwUidValidity, ch.nHighestModSeq,
                                  &Sync::OnChanged, &Sync::OnVanished, &again, &ch2),
              0);
    EXPECT_TRUE(again.c.msgs.empty());
    EXPECT_TRUE(again.v.uids.empty());
    EXPECT_EQ(ch2.nHighestModSeq, ch.nHighestModSeq);
    // Another UIDVALIDITY: said clearly, nothing reported.
    Sync wrong;
    IMAPCHANGES ch3{};
    ch3.dwSize = sizeof ch3;
    ASSERT_EQ(ImapGetChangesSince(b.h, b.name.c_str(), ch.dwUidValidity + 1, base.nHighestModSeq,
                                  &Sync::OnChanged, &Sync::OnVanished, &wrong, &ch3),
              0);
    EXPECT_EQ(ch3.bUidValidityChanged, 1);
    EXPECT_EQ(ch3.dwUidValidity, ch.dwUidValidity);
    EXPECT_TRUE(wrong.c.msgs.empty());
    EXPECT_TRUE(wrong.v.uids.empty());
}

// The same call on a non-blocking session: same results, written when it completes.
TEST(ImapSyncReal, ChangesSinceOnANonBlockingSession)
{
    Box b(3);
    IMAPMAILBOX base = b.Select();
    ASSERT_EQ(ImapStoreFlags(b.h, "2", IMAP_FETCH_UID | IMAP_STORE_ADD, IMAP_FLAG_SEEN, nullptr),
              0);
    ASSERT_EQ(ImapStoreFlags(b.h, "3", IMAP_FETCH_UID | IMAP_STORE_ADD, IMAP_FLAG_DELETED, nullptr),
              0);
    ASSERT_EQ(ImapExpungeMessages(b.h, "3"), 0);
    Ca ca;
    HCLIENT h = ImapAsyncConnect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE, &ca.get());
    ASSERT_NE(h, INVALID_CLIENT);
    ASSERT_EQ(Pump(h, std::chrono::seconds(10)), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, User(1).c_str(), Pass(1).c_str()),
              MAILWIRE_IN_PROGRESS);
    ASSERT_EQ(Pump(h, std::chrono::seconds(10)), 0) << MailwireGetLastErrorDetail();
    Sync s;
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    ASSERT_EQ(ImapGetChangesSince(h, b.name.c_str(), base.dwMailboxUID, base.nHighestModSeq,
                                  &Sync::OnChanged, &Sync::OnVanished, &s, &ch),
              MAILWIRE_IN_PROGRESS);
    EXPECT_EQ(ch.nHighestModSeq, 0u) << "written when it completes";
    ASSERT_EQ(Pump(h, std::chrono::seconds(10)), 0) << MailwireGetLastErrorDetail();
    EXPECT_EQ(s.c.Uids(), (std::vector<uint32_t>{2}));
    EXPECT_EQ(s.v.uids, (std::vector<uint32_t>{3}));
    EXPECT_EQ(ch.nMessages, 2u);
    EXPECT_GT(ch.nHighestModSeq, base.nHighestModSeq);
    ImapDisconnect(h);
}

TEST(ImapSyncReal, RefusalsSendNothing)
{
    Box b(1);
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    EXPECT_EQ(ImapGetChangesSince(b.h, b.name.c_str(), 0, 5, nullptr, nullptr, nullptr, &ch),
              IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    ch.dwSize = 4;
    EXPECT_EQ(ImapGetChangesSince(b.h, b.name.c_str(), 1, 5, nullptr, nullptr, nullptr, &ch),
              IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    size_t n = 0;
    EXPECT_EQ(ImapStoreFlagsUnchangedSince(b.h, "1", 0, IMAP_FLAG_SEEN, nullptr, 1, nullptr, &n),
              IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_STATE) << "no mailbox selected";
    EXPECT_EQ(ImapEnableSync(b.h, 0), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

} // namespace
