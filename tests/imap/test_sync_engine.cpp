// CONDSTORE and QRESYNC in the IMAP engine alone (no socket; RFC 7162): VANISHED scanned as
// it arrives (every chunk size, sets far over the line limit, the hard limit, malformed sets),
// MODIFIED of a conditional STORE, MODSEQ in FETCH, the QRESYNC select's command and results.
// The real exchanges with Dovecot are in test_imap_sync_real.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "core/imap/engine.h"
#include "core/imap/sync.h"
}

namespace
{

using Ranges = std::vector<std::pair<uint32_t, uint32_t>>;

struct Vanished {
    Ranges ranges;
    int earlier = -1;
    static void Fn(uint32_t a, uint32_t b, int earlier, void *user)
    {
        auto *v = static_cast<Vanished *>(user);
        v->ranges.emplace_back(a, b);
        v->earlier = earlier;
    }
};

struct Changed {
    std::vector<uint32_t> uids;
    std::vector<uint64_t> modseqs;
    std::vector<uint32_t> flags;
    static void Fn(const IMAPCHANGE *m, void *user)
    {
        auto *c = static_cast<Changed *>(user);
        c->uids.push_back(m->dwUID);
        c->modseqs.push_back(m->nModSeq);
        c->flags.push_back(m->dwFlags);
    }
};

// Both callbacks of a QRESYNC select share one user pointer.
struct Both {
    Vanished v;
    Changed c;
    static void OnChanged(const IMAPCHANGE *m, void *user)
    {
        Changed::Fn(m, &static_cast<Both *>(user)->c);
    }
    static void OnVanished(uint32_t a, uint32_t b, int earlier, void *user)
    {
        Vanished::Fn(a, b, earlier, &static_cast<Both *>(user)->v);
    }
};

const char *kCaps = "* PREAUTH [CAPABILITY IMAP4rev1 ENABLE CONDSTORE QRESYNC IDLE UIDPLUS] hi\r\n";

// The engine as the session drives it; server bytes in reads of `chunk` bytes.
struct Engine {
    mw_imap_engine *e;
    std::string sent;
    explicit Engine(const mw_imap_limits *lim = nullptr, const char *greeting = kCaps)
        : e(mw_imap_new(0, lim))
    {
        EXPECT_EQ(mw_imap_op_connect(e), (unsigned)ST_ERROR_NONE);
        Feed(greeting);
        EXPECT_EQ(Status(), MW_OP_DONE) << Detail();
    }
    ~Engine()
    {
        mw_imap_free(e);
    }
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;
    int Status(unsigned *err = nullptr)
    {
        unsigned e2 = 0;
        const char *d = nullptr;
        int st = mw_imap_engine_ops.status(e, &e2, &d);
        if (err)
            *err = e2;
        return st;
    }
    std::string Detail()
    {
        unsigned e2 = 0;
        const char *d = nullptr;
        mw_imap_engine_ops.status(e, &e2, &d);
        return d ? d : "";
    }
    void Flush()
    {
        const char *p;
        size_t secret, n;
        while ((n = mw_imap_engine_ops.output(e, &p, &secret)) > 0) {
            sent.append(p, n);
            mw_imap_engine_ops.sent(e, n);
        }
    }
    void Feed(const std::string &in, size_t chunk = std::string::npos)
    {
        Flush();
        size_t off = 0;
        while (off < in.size() && Status() == MW_OP_RUNNING) {
            size_t end = std::min(in.size(), off + std::min(chunk, in.size())), used = 1;
            while (off < end && used && Status() == MW_OP_RUNNING) {
                used = mw_imap_engine_ops.feed(e, in.data() + off, end - off);
                off += used;
                Flush();
            }
            if (!used)
                break;
        }
    }
    // The tag of the last command sent ("A7").
    std::string LastTag()
    {
        Flush();
        size_t end = sent.rfind("\r\n", sent.size() - 3);
        size_t start = end == std::string::npos ? 0 : end + 2;
        return sent.substr(start, sent.find(' ', start) - start);
    }
    // Select "INBOX" plainly: the state the unsolicited responses need.
    void Select()
    {
        ASSERT_EQ(mw_imap_op_select(e, "INBOX", 0, nullptr), (unsigned)ST_ERROR_NONE);
        Feed("* 10 EXISTS\r\n* OK [UIDVALIDITY 7] v\r\n" + LastTag() + " OK [READ-WRITE] done\r\n");
        ASSERT_EQ(Status(), MW_OP_DONE) << Detail();
    }
};

const size_t kChunks[] = {1, 2, 3, 5, 7, 11, 64, 4096, std::string::npos};

// RFC 7162 section 3.2.5.1's example reply: ENABLE and the SELECT pipelined, VANISHED
// (EARLIER) ranges and the changed messages reported, the results of the select filled.
TEST(ImapSyncEngine, QresyncSelectReportsVanishedEarlierAndChangesAtEveryChunkSize)
{
    for (size_t chunk : kChunks) {
        SCOPED_TRACE(chunk);
        Engine t;
        Both both;
        Vanished &v = both.v;
        IMAPCHANGES ch{};
        ch.dwSize = sizeof ch;
        ASSERT_EQ(mw_imap_op_qresync_select(t.e, "INBOX", 0, 67890007, 20050715194045000ull,
                                            "41,43:211,214:541", nullptr, nullptr, &Both::OnChanged,
                                            &Both::OnVanished, &both, &ch),
                  (unsigned)ST_ERROR_NONE);
        t.Flush();
        EXPECT_NE(t.sent.find(" ENABLE QRESYNC\r\n"), std::string::npos) << t.sent;
        EXPECT_NE(t.sent.find(" SELECT INBOX (QRESYNC (67890007 20050715194045000 "
                              "41,43:211,214:541))\r\n"),
                  std::string::npos)
            << t.sent;
        std::string sel = t.LastTag();
        std::string en = "A" + std::to_string(std::stoi(sel.substr(1)) - 1);
        t.Feed("* ENABLED QRESYNC\r\n" + en + " OK Enabled\r\n" +
                   "* 314 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 67890007] UIDVALIDITY\r\n"
                   "* OK [UIDNEXT 567] Predicted next UID\r\n"
                   "* OK [HIGHESTMODSEQ 20050715194045319] Highest\r\n"
                   "* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n"
                   "* 49 FETCH (UID 117 FLAGS (\\Seen \\Answered) MODSEQ (20050715194045301))\r\n"
                   "* 50 FETCH (UID 119 FLAGS (\\Draft $NotJunk) MODSEQ (20050715194045308))\r\n" +
                   sel + " OK [READ-WRITE] mailbox selected\r\n",
               chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
        EXPECT_EQ(v.ranges, (Ranges{{41, 41}, {43, 116}, {118, 118}, {120, 211}, {214, 540}}));
        EXPECT_EQ(v.earlier, 1);
        EXPECT_EQ(ch.nVanished, 1u + 74 + 1 + 92 + 327);
        EXPECT_EQ(ch.nChanged, 2u);
        EXPECT_EQ(both.c.uids, (std::vector<uint32_t>{117, 119}));
        EXPECT_EQ(both.c.modseqs,
                  (std::vector<uint64_t>{20050715194045301ull, 20050715194045308ull}));
        EXPECT_EQ(ch.nHighestModSeq, 20050715194045319ull);
        EXPECT_EQ(ch.dwUidValidity, 67890007u);
        EXPECT_EQ(ch.bUidValidityChanged, 0);
        EXPECT_EQ(ch.nMessages, 314u) << "EARLIER does not lower the count";
        const IMAPMAILBOX *mb = mw_imap_mailbox(t.e);
        ASSERT_NE(mb, nullptr);
        EXPECT_EQ(mb->nMessages, 314u);
    }
}

// ---- CONDSTORE without QRESYNC (Gmail): SELECT, UID FETCH (CHANGEDSINCE) and UID SEARCH ----

const char *kCondstoreOnly = "* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE IDLE] hi\r\n";
const char *kCondstoreEsearch = "* PREAUTH [CAPABILITY IMAP4rev1 CONDSTORE ESEARCH] hi\r\n";

// The three commands as sent, tags stripped.
std::vector<std::string> Commands(const std::string &sent)
{
    std::vector<std::string> v;
    for (size_t p = 0; p < sent.size();) {
        size_t e = sent.find("\r\n", p);
        std::string line = sent.substr(p, e - p);
        v.push_back(line.substr(line.find(' ') + 1));
        p = e + 2;
    }
    return v;
}

// The select's responses: UIDVALIDITY uv, UIDNEXT 21, HIGHESTMODSEQ 900, 10 messages.
std::string SelectReply(const std::string &tag, uint32_t uv)
{
    return "* 10 EXISTS\r\n* OK [UIDVALIDITY " + std::to_string(uv) +
           "] v\r\n* OK [UIDNEXT 21] n\r\n* OK [HIGHESTMODSEQ 900] h\r\n" + tag +
           " OK [READ-WRITE] selected\r\n";
}

// A server with CONDSTORE alone gets the three commands pipelined; the changed messages come
// from the FETCH, and every UID below UIDNEXT the search no longer finds is reported vanished
// (EARLIER: the message count is the server's).
TEST(ImapSyncEngine, CondstoreOnlyServerGetsChangesAndTheUidsNoLongerThere)
{
    for (size_t chunk : kChunks) {
        SCOPED_TRACE(chunk);
        Engine t(nullptr, kCondstoreOnly);
        Both both;
        IMAPCHANGES ch{};
        ch.dwSize = sizeof ch;
        ASSERT_EQ(mw_imap_op_qresync_select(t.e, "INBOX", 0, 777, 500, nullptr, nullptr, nullptr,
                                            &Both::OnChanged, &Both::OnVanished, &both, &ch),
                  (unsigned)ST_ERROR_NONE);
        t.Flush();
        ASSERT_EQ(Commands(t.sent),
                  (std::vector<std::string>{"SELECT INBOX (CONDSTORE)",
                                            "UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 500)",
                                            "UID SEARCH ALL"}))
            << t.sent;
        std::string t3 = t.LastTag();
        int n = std::stoi(t3.substr(1));
        std::string t1 = "A" + std::to_string(n - 2), t2 = "A" + std::to_string(n - 1);
        t.Feed(SelectReply(t1, 777) +
                   "* 3 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (650))\r\n"
                   "* 10 FETCH (UID 19 FLAGS () MODSEQ (880))\r\n" +
                   t2 + " OK fetched\r\n* SEARCH 19 1 2 5 6 7 8 12 15 16\r\n" + t3 +
                   " OK searched\r\n",
               chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
        EXPECT_EQ(both.c.uids, (std::vector<uint32_t>{5, 19}));
        EXPECT_EQ(both.c.modseqs, (std::vector<uint64_t>{650, 880}));
        EXPECT_EQ(both.v.ranges, (Ranges{{3, 4}, {9, 11}, {13, 14}, {17, 18}, {20, 20}}));
        EXPECT_EQ(both.v.earlier, 1);
        EXPECT_EQ(ch.nVanished, 10u);
        EXPECT_EQ(ch.nChanged, 2u);
        EXPECT_EQ(ch.nHighestModSeq, 900u);
        EXPECT_EQ(ch.dwUidValidity, 777u);
        EXPECT_EQ(ch.bUidValidityChanged, 0);
        EXPECT_EQ(ch.nMessages, 10u);
        EXPECT_STREQ(mw_imap_engine_state_name(t.e), "SELECTED");
    }
}

// With the UIDs the caller knows, only those are searched (ESEARCH: as a compact set) and
// only those that are gone are reported; "*" is the last UID assigned.
TEST(ImapSyncEngine, CondstoreOnlyWithKnownUidsReportsOnlyThose)
{
    Engine t(nullptr, kCondstoreEsearch);
    Both both;
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    ASSERT_EQ(mw_imap_op_qresync_select(t.e, "INBOX", IMAP_SELECT_READONLY, 777, 500,
                                        "1:6,19,40:41,18:*", nullptr, nullptr, &Both::OnChanged,
                                        &Both::OnVanished, &both, &ch),
              (unsigned)ST_ERROR_NONE);
    t.Flush();
    std::vector<std::string> cmds = Commands(t.sent);
    ASSERT_EQ(cmds.size(), 3u) << t.sent;
    EXPECT_EQ(cmds[0], "EXAMINE INBOX (CONDSTORE)");
    EXPECT_EQ(cmds[2], "UID SEARCH RETURN (ALL) UID 1:6,19,40:41,18:*");
    std::string t3 = t.LastTag();
    int n = std::stoi(t3.substr(1));
    std::string t1 = "A" + std::to_string(n - 2), t2 = "A" + std::to_string(n - 1);
    t.Feed(SelectReply(t1, 777) + t2 + " OK fetched\r\n* ESEARCH (TAG \"" + t3 +
           "\") UID ALL 1:2,5:6,19\r\n" + t3 + " OK searched\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    EXPECT_TRUE(both.c.uids.empty());
    EXPECT_EQ(both.v.ranges, (Ranges{{3, 4}, {40, 41}, {18, 18}, {20, 20}}));
    EXPECT_EQ(ch.nVanished, 6u);
}

// Another UIDVALIDITY: the verdict only; nothing of the new mailbox is reported as a change or
// as vanished.
TEST(ImapSyncEngine, CondstoreOnlyAnotherUidValidityReportsNothingElse)
{
    Engine t(nullptr, kCondstoreOnly);
    Both both;
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    ASSERT_EQ(mw_imap_op_qresync_select(t.e, "INBOX", 0, 777, 500, nullptr, nullptr, nullptr,
                                        &Both::OnChanged, &Both::OnVanished, &both, &ch),
              (unsigned)ST_ERROR_NONE);
    std::string t3 = t.LastTag();
    int n = std::stoi(t3.substr(1));
    std::string t1 = "A" + std::to_string(n - 2), t2 = "A" + std::to_string(n - 1);
    t.Feed(SelectReply(t1, 778) + "* 3 FETCH (UID 5 FLAGS (\\Seen) MODSEQ (650))\r\n" + t2 +
           " OK fetched\r\n* SEARCH 5\r\n" + t3 + " OK searched\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    EXPECT_EQ(ch.bUidValidityChanged, 1);
    EXPECT_EQ(ch.dwUidValidity, 778u);
    EXPECT_TRUE(both.c.uids.empty());
    EXPECT_TRUE(both.v.ranges.empty());
    EXPECT_EQ(ch.nChanged, 0u);
    EXPECT_EQ(ch.nVanished, 0u);
}

// More UIDs than the engine keeps of a search: which ones vanished cannot be told, and saying
// so is better than reporting present messages as gone.
TEST(ImapSyncEngine, CondstoreOnlySearchOverTheLimitFailsInsteadOfGuessing)
{
    mw_imap_limits lim = *mw_imap_default_limits();
    lim.search_ids = 3;
    Engine t(&lim, kCondstoreOnly);
    Both both;
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    ASSERT_EQ(mw_imap_op_qresync_select(t.e, "INBOX", 0, 777, 500, nullptr, nullptr, nullptr,
                                        &Both::OnChanged, &Both::OnVanished, &both, &ch),
              (unsigned)ST_ERROR_NONE);
    std::string t3 = t.LastTag();
    int n = std::stoi(t3.substr(1));
    std::string t1 = "A" + std::to_string(n - 2), t2 = "A" + std::to_string(n - 1);
    t.Feed(SelectReply(t1, 777) + t2 + " OK fetched\r\n* SEARCH 1 2 3 4 5\r\n" + t3 +
           " OK searched\r\n");
    unsigned err = 0;
    EXPECT_EQ(t.Status(&err), MW_OP_FAILED) << t.Detail();
    EXPECT_EQ(err, (unsigned)ST_ERROR_LIMIT_EXCEEDED);
    EXPECT_TRUE(both.v.ranges.empty());
}

TEST(ImapSyncEngine, ChangedMessagesCarryUidFlagsAndModseq)
{
    Engine t;
    Changed c;
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    ASSERT_EQ(mw_imap_op_qresync_select(t.e, "INBOX", IMAP_SELECT_READONLY, 5, 100, nullptr,
                                        nullptr, nullptr, &Changed::Fn, nullptr, &c, &ch),
              (unsigned)ST_ERROR_NONE);
    std::string sel = t.LastTag();
    EXPECT_NE(t.sent.find(sel + " EXAMINE INBOX (QRESYNC (5 100))\r\n"), std::string::npos);
    t.Feed("* ENABLED QRESYNC\r\nA1 OK e\r\n* 2 EXISTS\r\n* OK [UIDVALIDITY 5] v\r\n"
           "* OK [HIGHESTMODSEQ 120] h\r\n"
           "* 1 FETCH (UID 4 MODSEQ (101) FLAGS (\\Flagged))\r\n" +
           sel + " OK [READ-ONLY] ok\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    EXPECT_EQ(c.uids, (std::vector<uint32_t>{4}));
    EXPECT_EQ(c.modseqs, (std::vector<uint64_t>{101}));
    EXPECT_EQ(c.flags, (std::vector<uint32_t>{IMAP_FLAG_URGENT}));
    EXPECT_EQ(ch.nChanged, 1u);
}

// A new UIDVALIDITY: the server ignores the QRESYNC data; the result says so.
TEST(ImapSyncEngine, AnotherUidValidityIsReported)
{
    Engine t;
    IMAPCHANGES ch{};
    ch.dwSize = sizeof ch;
    ASSERT_EQ(mw_imap_op_qresync_select(t.e, "INBOX", 0, 5, 100, nullptr, nullptr, nullptr, nullptr,
                                        nullptr, nullptr, &ch),
              (unsigned)ST_ERROR_NONE);
    t.Feed("* ENABLED QRESYNC\r\nA1 OK e\r\n* 2 EXISTS\r\n* OK [UIDVALIDITY 6] v\r\n"
           "* OK [HIGHESTMODSEQ 3] h\r\n" +
           t.LastTag() + " OK [READ-WRITE] ok\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    EXPECT_EQ(ch.bUidValidityChanged, 1);
    EXPECT_EQ(ch.dwUidValidity, 6u);
    EXPECT_EQ(ch.nHighestModSeq, 3u);
}

// Once QRESYNC is on, a VANISHED without EARLIER stands for EXPUNGEs: the count goes down by
// the number of UIDs, the session's callback gets them.
TEST(ImapSyncEngine, VanishedNowLowersTheMessageCount)
{
    for (size_t chunk : kChunks) {
        SCOPED_TRACE(chunk);
        Engine t;
        Vanished v;
        mw_imap_set_vanished_cb(t.e, &Vanished::Fn, &v);
        t.Select();
        ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
        t.Feed("* VANISHED 3,5:6\r\n* vanished 9\r\n" + t.LastTag() + " OK done\r\n", chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
        EXPECT_EQ(v.ranges, (Ranges{{3, 3}, {5, 6}, {9, 9}}));
        EXPECT_EQ(v.earlier, 0);
        EXPECT_EQ(mw_imap_mailbox(t.e)->nMessages, 6u);
        EXPECT_EQ(mw_imap_changes(t.e), 2u) << "one change per response";
    }
}

// A flag change the server reports on its own (another client's STORE, here during a NOOP)
// reaches the session's change callback with its sequence number, UID, flags, keywords and
// MODSEQ (RFC 7162 sections 3.1.4 and 3.2.4); a FETCH without UID or MODSEQ gives 0 for them; a
// FETCH carrying a body is not a flag change. Each one is also an UPDATE.
TEST(ImapSyncEngine, UnsolicitedFlagChangesReachTheChangeCallback)
{
    struct Seen {
        unsigned seq;
        uint32_t uid, flags;
        std::string kw;
        uint64_t modseq;
        bool operator==(const Seen &o) const
        {
            return seq == o.seq && uid == o.uid && flags == o.flags && kw == o.kw &&
                   modseq == o.modseq;
        }
    };
    struct Log {
        std::vector<Seen> v;
        static void Fn(const IMAPCHANGE *m, void *user)
        {
            static_cast<Log *>(user)->v.push_back(
                {m->nMessageId, m->dwUID, m->dwFlags, m->lpszKeywords, m->nModSeq});
        }
    };
    for (size_t chunk : kChunks) {
        SCOPED_TRACE(chunk);
        Engine t;
        Log log;
        mw_imap_set_change_cb(t.e, &Log::Fn, &log);
        t.Select();
        ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
        t.Feed("* 3 FETCH (UID 7 FLAGS (\\Seen $Junk) MODSEQ (42))\r\n"
               "* 4 FETCH (FLAGS ())\r\n"
               "* 5 FETCH (MODSEQ (12345678901234) FLAGS (\\Flagged \\Deleted) UID 9)\r\n"
               "* 6 FETCH (UID 10 FLAGS (\\Seen) BODY[] {2}\r\nhi)\r\n" +
                   t.LastTag() + " OK done\r\n",
               chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
        std::vector<Seen> want = {
            {3, 7, IMAP_FLAG_SEEN, "$Junk", 42},
            {4, 0, 0, "", 0},
            {5, 9, IMAP_FLAG_URGENT | IMAP_FLAG_DELETED, "", 12345678901234ull}};
        EXPECT_EQ(log.v, want);
        EXPECT_EQ(mw_imap_changes(t.e), 3u);
        // Removed: nothing more is reported.
        mw_imap_set_change_cb(t.e, nullptr, nullptr);
        ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
        t.Feed("* 3 FETCH (FLAGS (\\Answered))\r\n" + t.LastTag() + " OK done\r\n", chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
        EXPECT_EQ(log.v.size(), 3u);
        EXPECT_EQ(mw_imap_changes(t.e), 4u);
    }
}

// A set far longer than the line limit goes through in bounded memory: the line limit here is
// 128 bytes, the set is 600 KB; ranges are handed out in batches as they arrive.
TEST(ImapSyncEngine, HugeVanishedSetStreamsPastTheLineLimit)
{
    mw_imap_limits lim = {128, 1 << 20, 1 << 16, 8, 0};
    std::string set;
    Ranges want;
    for (uint32_t i = 0; i < 50000; i++) {
        uint32_t a = 10 + i * 10;
        if (i % 2) {
            set += std::to_string(a) + ":" + std::to_string(a + 3) + ",";
            want.emplace_back(a, a + 3);
        } else {
            set += std::to_string(a) + ",";
            want.emplace_back(a, a);
        }
    }
    set.back() = '\r';
    for (size_t chunk : {size_t(1), size_t(13), size_t(4096), std::string::npos}) {
        SCOPED_TRACE(chunk);
        Engine t(&lim);
        Vanished v;
        mw_imap_set_vanished_cb(t.e, &Vanished::Fn, &v);
        t.Select();
        ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
        t.Feed("* VANISHED (EARLIER) " + set + "\n" + t.LastTag() + " OK done\r\n", chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
        EXPECT_EQ(v.ranges, want);
        EXPECT_EQ(mw_imap_mailbox(t.e)->nMessages, 10u);
    }
}

TEST(ImapSyncEngine, MoreRangesThanTheHardLimitFail)
{
    std::string in = "* VANISHED (EARLIER) ";
    in.reserve(9u << 21);
    for (size_t i = 0; i <= MW_IMAP_VANISHED_MAX_RANGES; i++)
        in += i % 2 ? "7," : "5,";
    in.back() = '\r';
    in += "\n";
    Engine t;
    Vanished v;
    mw_imap_set_vanished_cb(t.e, &Vanished::Fn, &v);
    t.Select();
    ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
    t.Feed(in + t.LastTag() + " OK done\r\n", 1 << 20);
    unsigned err = 0;
    EXPECT_EQ(t.Status(&err), MW_OP_FATAL);
    EXPECT_EQ(err, (unsigned)ST_ERROR_LIMIT_EXCEEDED) << t.Detail();
    EXPECT_EQ(v.ranges.size(), (size_t)MW_IMAP_VANISHED_MAX_RANGES);
}

// Checklist 28 for VANISHED: a malformed set is a protocol violation that ends the session,
// at any chunk size; the ranges before the bad byte are the same whatever the chunks.
TEST(ImapSyncEngine, MalformedVanishedIsAProtocolViolation)
{
    const std::vector<std::string> bad = {"* VANISHED (EARLIER) 1:2,\r\n",
                                          "* VANISHED 0\r\n",
                                          "* VANISHED 4294967296\r\n",
                                          "* VANISHED 99999999999999999999999\r\n",
                                          "* VANISHED (LATER) 1\r\n",
                                          "* VANISHED (EARLIER)1\r\n",
                                          "* VANISHED \r\n",
                                          "* VANISHED 1:2:3\r\n",
                                          "* VANISHED 1 2\r\n",
                                          "* VANISHED *\r\n",
                                          "* VANISHED 1:*\r\n",
                                          "* VANISHED 4,5\r\r\n",
                                          "* VANISHED 4,5\n",
                                          "* VANISHED (EARLIER 1\r\n",
                                          std::string("* VANISHED 4,5\0,6\r\n", 19)};
    for (const std::string &in : bad) {
        for (size_t chunk : kChunks) {
            SCOPED_TRACE(in + " chunk " + std::to_string(chunk));
            Engine t;
            Vanished v;
            mw_imap_set_vanished_cb(t.e, &Vanished::Fn, &v);
            t.Select();
            ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
            t.Feed(in + t.LastTag() + " OK done\r\n", chunk);
            unsigned err = 0;
            EXPECT_EQ(t.Status(&err), MW_OP_FATAL);
            EXPECT_EQ(err, (unsigned)ST_ERROR_PROTOCOL_VIOLATION) << t.Detail();
            if (in.find("* VANISHED 4,5\r") == 0) {
                EXPECT_EQ(v.ranges, (Ranges{{4, 4}, {5, 5}})) << "what came before the bad byte";
            } else if (in.find("* VANISHED 4,5") == 0) {
                EXPECT_EQ(v.ranges, (Ranges{{4, 4}})) << "what came before the bad byte";
            }
        }
    }
}

// RFC 7162 section 3.1.3: the messages a conditional STORE left alone come back in MODIFIED;
// the call succeeds and says which.
TEST(ImapSyncEngine, ModifiedIdsOfAConditionalStore)
{
    for (size_t chunk : kChunks) {
        SCOPED_TRACE(chunk);
        Engine t;
        t.Select();
        uint32_t ids[8] = {};
        size_t n = 8;
        ASSERT_EQ(mw_imap_op_store_unchanged(t.e, "1:20", IMAP_FETCH_UID | IMAP_STORE_ADD,
                                             IMAP_FLAG_SEEN, nullptr, 12345, ids, &n),
                  (unsigned)ST_ERROR_NONE);
        std::string tag = t.LastTag();
        EXPECT_NE(t.sent.find(tag + " UID STORE 1:20 (UNCHANGEDSINCE 12345) +FLAGS (\\Seen)\r\n"),
                  std::string::npos)
            << t.sent;
        t.Feed("* 1 FETCH (UID 1 MODSEQ (12346) FLAGS (\\Seen))\r\n" + tag +
                   " OK [MODIFIED 7,11:9] Conditional STORE failed\r\n",
               chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
        EXPECT_EQ(n, 4u);
        EXPECT_EQ(std::vector<uint32_t>(ids, ids + 4), (std::vector<uint32_t>{7, 9, 10, 11}));
    }
    // Less room than ids: the first are written, all are counted; none modified: 0.
    Engine t;
    t.Select();
    uint32_t ids[2] = {};
    size_t n = 2;
    ASSERT_EQ(mw_imap_op_store_unchanged(t.e, "1:*", 0, IMAP_FLAG_SEEN, nullptr, 5, ids, &n),
              (unsigned)ST_ERROR_NONE);
    t.Feed(t.LastTag() + " OK [MODIFIED 1:4294967295] none stored\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    EXPECT_EQ(n, 4294967295u);
    EXPECT_EQ(ids[0], 1u);
    EXPECT_EQ(ids[1], 2u);
    n = 2;
    ASSERT_EQ(mw_imap_op_store_unchanged(t.e, "1", 0, IMAP_FLAG_SEEN, nullptr, 5, ids, &n),
              (unsigned)ST_ERROR_NONE);
    t.Feed(t.LastTag() + " OK stored\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    EXPECT_EQ(n, 0u);
}

TEST(ImapSyncEngine, MalformedModifiedAndModseqAreProtocolViolations)
{
    for (const char *code :
         {"MODIFIED 7,", "MODIFIED", "MODIFIED 0", "MODIFIED 1:x", "MODIFIED *"}) {
        SCOPED_TRACE(code);
        Engine t;
        t.Select();
        size_t n = 0;
        ASSERT_EQ(mw_imap_op_store_unchanged(t.e, "1", 0, IMAP_FLAG_SEEN, nullptr, 5, nullptr, &n),
                  (unsigned)ST_ERROR_NONE);
        t.Feed(t.LastTag() + " OK [" + code + "] x\r\n");
        unsigned err = 0;
        EXPECT_EQ(t.Status(&err), MW_OP_FATAL);
        EXPECT_EQ(err, (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
    }
    for (const char *item : {"MODSEQ 5", "MODSEQ (x)", "MODSEQ (1 2)", "MODSEQ ()"}) {
        SCOPED_TRACE(item);
        Engine t;
        t.Select();
        Changed c;
        ASSERT_EQ(mw_imap_op_changed_since(t.e, "1:*", IMAP_FETCH_UID, 4, &Changed::Fn, &c),
                  (unsigned)ST_ERROR_NONE);
        t.Feed(std::string("* 1 FETCH (UID 3 ") + item + ")\r\n" + t.LastTag() + " OK x\r\n");
        unsigned err = 0;
        EXPECT_EQ(t.Status(&err), MW_OP_FATAL);
        EXPECT_EQ(err, (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
    }
}

TEST(ImapSyncEngine, ChangedSinceCommandAndRefusals)
{
    Engine t;
    t.Select();
    Changed c;
    ASSERT_EQ(mw_imap_op_changed_since(t.e, "1:*", IMAP_FETCH_UID, 77, &Changed::Fn, &c),
              (unsigned)ST_ERROR_NONE);
    std::string tag = t.LastTag();
    EXPECT_NE(t.sent.find(tag + " UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 77)\r\n"),
              std::string::npos);
    t.Feed("* 3 FETCH (UID 8 FLAGS () MODSEQ (80))\r\n" + tag + " OK x\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    EXPECT_EQ(c.uids, (std::vector<uint32_t>{8}));
    EXPECT_EQ(c.modseqs, (std::vector<uint64_t>{80}));
    // VANISHED needs UID and QRESYNC enabled.
    EXPECT_EQ(mw_imap_op_changed_since(t.e, "1:*", IMAP_CHANGES_VANISHED, 77, &Changed::Fn, &c),
              (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(mw_imap_op_changed_since(t.e, "1:*", IMAP_FETCH_UID | IMAP_CHANGES_VANISHED, 77,
                                       &Changed::Fn, &c),
              (unsigned)ST_ERROR_NOT_SUPPORTED);
    EXPECT_EQ(mw_imap_op_changed_since(t.e, "1,", IMAP_FETCH_UID, 77, &Changed::Fn, &c),
              (unsigned)ST_ERROR_INVALID_ARGUMENT);
    ASSERT_EQ(mw_imap_op_enable_sync(t.e, IMAP_ENABLE_QRESYNC), (unsigned)ST_ERROR_NONE);
    tag = t.LastTag();
    EXPECT_NE(t.sent.find(tag + " ENABLE QRESYNC\r\n"), std::string::npos);
    t.Feed("* ENABLED QRESYNC\r\n" + tag + " OK x\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    Vanished v;
    mw_imap_set_vanished_cb(t.e, &Vanished::Fn, &v);
    ASSERT_EQ(mw_imap_op_changed_since(t.e, "1:*", IMAP_FETCH_UID | IMAP_CHANGES_VANISHED, 77,
                                       &Changed::Fn, &c),
              (unsigned)ST_ERROR_NONE);
    tag = t.LastTag();
    EXPECT_NE(t.sent.find(tag + " UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE 77 VANISHED)\r\n"),
              std::string::npos);
    t.Feed("* VANISHED (EARLIER) 2\r\n" + tag + " OK x\r\n");
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    EXPECT_EQ(v.ranges, (Ranges{{2, 2}}));
    EXPECT_EQ(mw_imap_mailbox(t.e)->nMessages, 10u);
}

// An ENABLE the server does not confirm is not silently taken as done.
TEST(ImapSyncEngine, EnableNotConfirmedIsNotSupported)
{
    Engine t;
    ASSERT_EQ(mw_imap_op_enable_sync(t.e, IMAP_ENABLE_CONDSTORE | IMAP_ENABLE_QRESYNC),
              (unsigned)ST_ERROR_NONE);
    std::string tag = t.LastTag();
    EXPECT_NE(t.sent.find(tag + " ENABLE CONDSTORE QRESYNC\r\n"), std::string::npos);
    t.Feed("* ENABLED CONDSTORE\r\n" + tag + " OK x\r\n");
    unsigned err = 0;
    EXPECT_EQ(t.Status(&err), MW_OP_FAILED);
    EXPECT_EQ(err, (unsigned)ST_ERROR_NOT_SUPPORTED);
    EXPECT_EQ(mw_imap_op_enable_sync(t.e, 0), (unsigned)ST_ERROR_INVALID_ARGUMENT);
}

} // namespace
