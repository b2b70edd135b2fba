// The IMAP engine alone (no socket), driven through its ops as the API drives it: server
// bytes in, client bytes, status and results out, replayed at every chunk size.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

extern "C" {
#include "core/imap/engine_priv.h"
#include "core/util/alloc.h"
}

namespace
{

struct Engine {
    mw_imap_engine *e;
    std::string sent;
    std::string secret_sent;
    explicit Engine(uint32_t options = 0, const mw_imap_limits *lim = nullptr)
        : e(mw_imap_new(options, lim))
    {
        EXPECT_EQ(mw_imap_op_connect(e), (unsigned)ST_ERROR_NONE);
    }
    ~Engine()
    {
        mw_imap_free(e);
    }
    Engine(const Engine &) = delete;
    Engine &operator=(const Engine &) = delete;
    int Status()
    {
        unsigned err;
        const char *d;
        return mw_imap_engine_ops.status(e, &err, &d);
    }
    unsigned Err()
    {
        unsigned err;
        const char *d;
        mw_imap_engine_ops.status(e, &err, &d);
        return err;
    }
    std::string Detail()
    {
        unsigned err;
        const char *d = nullptr;
        mw_imap_engine_ops.status(e, &err, &d);
        return d ? d : "";
    }
    // Send everything the engine lends (until it waits for '+').
    std::string Flush()
    {
        std::string out;
        const char *p;
        size_t secret;
        size_t n;
        while ((n = mw_imap_engine_ops.output(e, &p, &secret)) > 0) {
            out.append(p, n);
            if (secret == 0)
                secret_sent.append(p, n);
            mw_imap_engine_ops.sent(e, n);
        }
        sent += out;
        return out;
    }
    // Feed in chunks; returns the bytes consumed (the engine stops at a STARTTLS go-ahead
    // or when the operation ends).
    size_t Feed(const std::string &in, size_t chunk)
    {
        size_t off = 0;
        while (off < in.size() && Status() == MW_OP_RUNNING) {
            size_t n = std::min(chunk, in.size() - off);
            size_t used = 0;
            while (used < n && Status() == MW_OP_RUNNING) {
                size_t u = mw_imap_engine_ops.feed(e, in.data() + off + used, n - used);
                if (u == 0)
                    break;
                used += u;
                Flush();
            }
            off += used;
            if (used < n)
                break;
        }
        return off;
    }
};

const char *kGreeting = "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] ready\r\n";
const char *kPreauth = "* PREAUTH [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] ready\r\n";

// Connected and logged in (PREAUTH: no command, so the first op's tag is A1).
void LoggedIn(Engine &t, const char *greeting = kPreauth)
{
    t.Feed(greeting, 1000);
    ASSERT_EQ(t.Status(), MW_OP_DONE);
    ASSERT_EQ(t.e->state, IMAP_ST_AUTHENTICATED);
}

// SELECT INBOX queued and sent (tag A1 after LoggedIn()).
void Select(Engine &t, IMAPMAILBOX *out = nullptr)
{
    ASSERT_EQ(mw_imap_op_select(t.e, "INBOX", 0, out), (unsigned)ST_ERROR_NONE);
    t.Flush();
}

// Logged in with INBOX selected holding n messages; the next op's tag is A2.
void Selected(Engine &t, unsigned n, const char *greeting = kPreauth)
{
    LoggedIn(t, greeting);
    Select(t);
    t.Feed("* " + std::to_string(n) + " EXISTS\r\nA1 OK [READ-WRITE] selected\r\n", 1000);
    ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
    ASSERT_NE(mw_imap_mailbox(t.e), nullptr);
}

TEST(ImapEngine, GreetingWithCapabilitiesNeedsNoCommand)
{
    std::string in = kGreeting;
    for (size_t chunk = 1; chunk <= in.size(); chunk++) {
        Engine t;
        EXPECT_EQ(t.Feed(in, chunk), in.size());
        EXPECT_EQ(t.Status(), MW_OP_DONE);
        EXPECT_EQ(t.sent, "");
        EXPECT_TRUE(mw_imap_has_cap(t.e, "LITERAL+"));
        EXPECT_EQ(t.e->state, IMAP_ST_NOT_AUTHENTICATED);
    }
}

TEST(ImapEngine, StartTlsStopsAfterTheGoAheadAndForgetsEverything)
{
    std::string in0 = "* OK [ALERT] pre-TLS alert\r\n";
    std::string in1 = "* 7 EXISTS\r\n"
                      "* LIST () \"/\" injected\r\n* CAPABILITY IMAP4rev1 STARTTLS AUTH=PLAIN\r\n"
                      "A1 OK caps\r\n";
    std::string in = "A2 OK begin TLS\r\nA3 OK injected\r\n";
    size_t golen = in.find("A3 OK");
    for (size_t chunk = 1; chunk <= in1.size(); chunk++) {
        Engine t(MAILWIRE_OPTION_SECURE);
        EXPECT_EQ(t.Feed(in0, chunk), in0.size());
        EXPECT_EQ(t.Feed(in1, chunk), in1.size());
        size_t used = t.Feed(in, chunk);
        EXPECT_EQ(t.Status(), MW_OP_START_TLS) << chunk << " " << t.Detail();
        EXPECT_EQ(used, golen) << "nothing after the go-ahead is consumed (chunk " << chunk << ")";
        EXPECT_EQ(t.sent, "A1 CAPABILITY\r\nA2 STARTTLS\r\n") << chunk;
        EXPECT_EQ(t.e->mbox.nMessages, 0u) << "untagged data before TLS is ignored";
        EXPECT_EQ(t.e->nlist, 0u);
        EXPECT_STREQ(mw_imap_alert(t.e), "");
        EXPECT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NOT_CONNECTED)
            << "no command while the TLS handshake runs";
        mw_imap_engine_ops.tls_started(t.e);
        EXPECT_EQ(t.Flush(), "A3 CAPABILITY\r\n");
        EXPECT_FALSE(mw_imap_has_cap(t.e, "AUTH=PLAIN")) << "pre-TLS capabilities are discarded";
        t.Feed("* CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-256\r\nA3 OK\r\n", chunk);
        EXPECT_EQ(t.Status(), MW_OP_DONE);
        EXPECT_TRUE(mw_imap_has_cap(t.e, "AUTH=SCRAM-SHA-256"));
    }
}

TEST(ImapEngine, ForgedOkBeforeTheCommandWasSentIsAViolation)
{
    Engine t(MAILWIRE_OPTION_SECURE);
    // The OK for STARTTLS arrives in the same read as the capabilities, before the client
    // could have sent STARTTLS (checklist 3).
    t.Feed("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\nA1 OK begin TLS\r\n", 1000);
    EXPECT_EQ(t.Status(), MW_OP_FATAL);
    EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(ImapEngine, StartTlsRefusedOrMissingIsFatal)
{
    Engine a(MAILWIRE_OPTION_SECURE);
    a.Feed("* OK [CAPABILITY IMAP4rev1] hi\r\n", 100);
    EXPECT_EQ(a.Status(), MW_OP_FATAL);
    EXPECT_EQ(a.Err(), (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE);
    EXPECT_EQ(a.sent, "") << "nothing sent in clear";

    Engine b(MAILWIRE_OPTION_SECURE);
    b.Feed("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\nA1 NO not now\r\n", 100);
    EXPECT_EQ(b.Status(), MW_OP_FATAL);
    EXPECT_EQ(b.Err(), (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE);

    Engine c(MAILWIRE_OPTION_SECURE);
    c.Feed("* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n+ go\r\n", 100);
    EXPECT_EQ(c.Status(), MW_OP_FATAL);
    EXPECT_EQ(c.Err(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(ImapEngine, PreauthOnCleartextWhileTlsIsRequiredAborts)
{
    Engine t(MAILWIRE_OPTION_SECURE);
    t.Feed("* PREAUTH [CAPABILITY IMAP4rev1 STARTTLS] welcome\r\n", 3);
    EXPECT_EQ(t.Status(), MW_OP_FATAL);
    EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_STARTTLS_UNAVAILABLE);
    EXPECT_EQ(t.sent, "");

    Engine ok(0);
    ok.Feed("* PREAUTH [CAPABILITY IMAP4rev1] welcome\r\n", 3);
    EXPECT_EQ(ok.Status(), MW_OP_DONE);
    EXPECT_EQ(ok.e->state, IMAP_ST_AUTHENTICATED);
}

TEST(ImapEngine, ByeGreetingAndInvalidGreeting)
{
    Engine a;
    a.Feed("* BYE too busy\r\n", 4);
    EXPECT_EQ(a.Err(), (unsigned)ST_ERROR_CONNECTION_CLOSED);
    Engine b;
    b.Feed("A1 OK hi\r\n", 4);
    EXPECT_EQ(b.Err(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
    Engine c;
    c.Feed("* 3 EXISTS\r\n", 4);
    EXPECT_EQ(c.Err(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(ImapEngine, SelectFillsTheMailboxAtEveryChunkSize)
{
    std::string in = "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
                     "* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n"
                     "* 172 EXISTS\r\n* 1 RECENT\r\n* OK [UNSEEN 12] first unseen\r\n"
                     "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n* OK [UIDNEXT 4392] next\r\n"
                     "* OK [HIGHESTMODSEQ 715194045007] modseq\r\n"
                     "A1 OK [READ-WRITE] SELECT completed\r\n";
    for (size_t chunk = 1; chunk <= in.size(); chunk++) {
        Engine t;
        LoggedIn(t);
        IMAPMAILBOX out{};
        Select(t, &out);
        EXPECT_EQ(t.sent, "A1 SELECT INBOX\r\n");
        t.Feed(in, chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << chunk;
        const IMAPMAILBOX *m = mw_imap_mailbox(t.e);
        ASSERT_NE(m, nullptr);
        EXPECT_EQ(m->nMessages, 172u);
        EXPECT_EQ(m->nRecentMessages, 1u);
        EXPECT_EQ(m->nUnseenMessageId, 12u);
        EXPECT_EQ(m->dwMailboxUID, 3857529045u);
        EXPECT_EQ(m->dwNextMessageUID, 4392u);
        EXPECT_EQ(m->nHighestModSeq, 715194045007ull);
        EXPECT_EQ(m->dwFlags, (uint32_t)(IMAP_FLAG_ANSWERED | IMAP_FLAG_URGENT | IMAP_FLAG_DELETED |
                                         IMAP_FLAG_SEEN | IMAP_FLAG_DRAFT));
        EXPECT_EQ(m->dwPermanentFlags,
                  (uint32_t)(IMAP_FLAG_DELETED | IMAP_FLAG_SEEN | IMAP_FLAG_KEYWORDS));
        EXPECT_EQ(0, std::memcmp(&out, m, sizeof out)) << "the caller's copy is the same";
        EXPECT_EQ(mw_imap_changes(t.e), 0u) << "the selection itself is not a change";
    }
}

TEST(ImapEngine, ByeMidCommandEndsTheSession)
{
    Engine t;
    LoggedIn(t);
    Select(t);
    t.Feed("* 3 EXISTS\r\n* BYE shutting down\r\n", 5);
    EXPECT_EQ(t.Status(), MW_OP_FATAL);
    EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_CONNECTION_CLOSED);
    EXPECT_EQ(mw_imap_result_code(t.e), 3);
    EXPECT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NOT_CONNECTED);
}

struct Sink {
    std::string data;
    std::vector<uint64_t> totals;
    std::vector<uint32_t> uids;
    static int Fn(unsigned, uint32_t uid, const char *p, size_t n, uint64_t total, void *u)
    {
        auto *s = static_cast<Sink *>(u);
        if (!p) {
            s->totals.push_back(total);
            s->uids.push_back(uid);
        } else {
            s->data.append(p, n);
        }
        return 0;
    }
};

TEST(ImapEngine, FetchStreamsLiteralsAcrossChunkBoundaries)
{
    std::string body1 = "Subject: one\r\n\r\nbody {5}\r\n)\r\nA9 OK fake\r\n";
    std::string in =
        "* 1 FETCH (UID 11 BODY[] {" + std::to_string(body1.size()) + "}\r\n" + body1 +
        ")\r\n* 2 FETCH (UID 12 BODY[] {0}\r\n)\r\n* 3 FETCH (BODY[] \"quoted\" UID 13)\r\n"
        "* 2 FETCH (FLAGS (\\Seen))\r\nA3 OK done\r\n";
    for (size_t chunk = 1; chunk <= in.size(); chunk++) {
        Engine t;
        Selected(t, 3);
        Sink s;
        ASSERT_EQ(mw_imap_op_fetch_range(t.e, 1, 0, 0, Sink::Fn, &s), (unsigned)ST_ERROR_NONE);
        t.Flush();
        t.Feed("* SEARCH 11 12 13\r\nA2 OK\r\n", 1000);
        EXPECT_EQ(t.sent, "A1 SELECT INBOX\r\nA2 UID SEARCH 1:*\r\n"
                          "A3 UID FETCH 11:13 (UID BODY.PEEK[])\r\n")
            << "the UIDs go out as one pipelined range";
        t.Feed(in, chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << chunk << " " << t.Detail();
        EXPECT_EQ(s.data, body1 + "quoted");
        EXPECT_EQ(s.totals, (std::vector<uint64_t>{body1.size(), 0, 6}));
        EXPECT_EQ(s.uids, (std::vector<uint32_t>{11, 12, 0}));
        uint64_t done = 0;
        mw_imap_transfer(t.e, &done, nullptr);
        EXPECT_EQ(done, body1.size() + 6);
        EXPECT_EQ(mw_imap_changes(t.e), 0u) << "the fetch's own data is no change";
    }
}

TEST(ImapEngine, HugeAnnouncedLiteralOutsideAFetchIsALimitError)
{
    Engine t;
    LoggedIn(t);
    Select(t);
    size_t used = t.Feed("* LIST () \"/\" {4294967296}\r\nxx", 4);
    EXPECT_EQ(t.Status(), MW_OP_FATAL);
    EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_LIMIT_EXCEEDED);
    EXPECT_LT(used, 40u);
}

TEST(ImapEngine, SynchronisingLiteralWaitsForPlusAndIsNeverSentAfterNo)
{
    for (int refused = 0; refused < 2; refused++) {
        Engine t;
        t.Feed("* OK [CAPABILITY IMAP4rev1] hi\r\n", 100); // no LITERAL+
        ASSERT_EQ(mw_imap_op_login(t.e, IMAP_AUTH_LOGIN, "u", "pa\r\nss", "localhost", 143, 1),
                  (unsigned)ST_ERROR_NONE);
        EXPECT_EQ(t.Flush(), "A1 LOGIN u {6}\r\n");
        if (refused) {
            t.Feed("A1 NO [AUTHENTICATIONFAILED] no literal\r\n", 3);
            EXPECT_EQ(t.Flush(), "") << "the literal never follows a NO";
            EXPECT_EQ(t.Status(), MW_OP_FAILED);
            EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
            EXPECT_EQ(t.sent.find("pa"), std::string::npos);
        } else {
            t.Feed("+ go ahead\r\n", 3);
            EXPECT_EQ(t.sent, "A1 LOGIN u {6}\r\npa\r\nss\r\n");
            EXPECT_EQ(t.secret_sent, "{6}\r\npa\r\nss\r\n") << "the password is marked secret";
        }
    }
}

TEST(ImapEngine, CleartextLoginIsRefusedBeforeAnythingIsQueued)
{
    Engine t;
    t.Feed("* OK [CAPABILITY IMAP4rev1] hi\r\n", 100);
    EXPECT_EQ(mw_imap_op_login(t.e, IMAP_AUTH_LOGIN, "u", "p", "mail.example", 143, 0),
              (unsigned)ST_ERROR_CLEARTEXT_REFUSED);
    EXPECT_NE(std::string(mw_imap_why(t.e)).find("unencrypted"), std::string::npos);
    EXPECT_EQ(t.Flush(), "");
    EXPECT_EQ(t.e->state, IMAP_ST_NOT_AUTHENTICATED);
}

TEST(ImapEngine, UnexpectedContinuationAndUnknownTagAreFatal)
{
    Engine a;
    LoggedIn(a);
    Select(a);
    a.Feed("+ nothing pending\r\n", 2);
    EXPECT_EQ(a.Err(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
    Engine b;
    LoggedIn(b);
    Select(b);
    b.Feed("A77 OK whose?\r\n", 2);
    EXPECT_EQ(b.Err(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
}

unsigned StartIdle(Engine &t, uint32_t options, uint64_t total_ms, unsigned *changes = nullptr)
{
    unsigned step = 0;
    unsigned err = mw_imap_op_idle(t.e, options, total_ms, 1000, 1000, changes, &step);
    if (!err) {
        // One interval of the re-issue timer, or what is left of the wait when shorter.
        uint64_t want = (options & IMAP_IDLE_NOWAIT) || total_ms >= 1000 ? 1000u : total_ms;
        EXPECT_EQ(step, want);
    }
    return err;
}

TEST(ImapEngine, IdleDoneAndUpdates)
{
    Engine t;
    Selected(t, 2);
    unsigned changes = 99;
    ASSERT_EQ(StartIdle(t, IMAP_IDLE_WAIT, 1000, &changes), (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(t.Flush(), "A2 IDLE\r\n");
    t.Feed("+ idling\r\n", 3);
    EXPECT_TRUE(t.e->idle_acked);
    // Any untagged data moves the progress counter: the session re-arms the keep-alive timer.
    unsigned long before = mw_imap_engine_ops.progress(t.e);
    t.Feed("* OK still here\r\n", 3);
    EXPECT_GT(mw_imap_engine_ops.progress(t.e), before);
    EXPECT_EQ(mw_imap_changes(t.e), 0u);
    t.Feed("* 3 EXISTS\r\n", 3);
    EXPECT_EQ(mw_imap_changes(t.e), 1u);
    EXPECT_EQ(t.sent, "A1 SELECT INBOX\r\nA2 IDLE\r\nDONE\r\n")
        << "a waiting IDLE ends at the first change";
    EXPECT_EQ(changes, 99u) << "written when the IDLE ends, not before";
    t.Feed("A2 OK IDLE terminated\r\n", 3);
    EXPECT_EQ(t.Status(), MW_OP_DONE);
    EXPECT_EQ(changes, 1u);
    unsigned err, ev, updates = 0;
    while ((ev = mw_imap_engine_ops.next_event(t.e, &err)) != 0)
        updates += ev == MAILWIRE_EVENT_UPDATE;
    EXPECT_EQ(updates, 1u);
}

TEST(ImapEngine, IdleCancelledBeforeThePlusSendsDoneAfterIt)
{
    Engine t;
    LoggedIn(t);
    ASSERT_EQ(StartIdle(t, IMAP_IDLE_NOWAIT, 0), (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(t.Flush(), "A1 IDLE\r\n");
    EXPECT_EQ(mw_imap_engine_ops.cancel(t.e), 1);
    EXPECT_EQ(t.Flush(), "") << "DONE waits for the server's +";
    t.Feed("+ idling\r\n", 1);
    EXPECT_EQ(t.sent, "A1 IDLE\r\nDONE\r\n");
    t.Feed("A1 OK done\r\n", 1);
    EXPECT_EQ(t.Status(), MW_OP_FAILED);
    EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_CANCELLED);
}

TEST(ImapEngine, IdleIsReissuedWhenTheIntervalPasses)
{
    Engine t;
    LoggedIn(t);
    ASSERT_EQ(StartIdle(t, IMAP_IDLE_WAIT, 3000), (unsigned)ST_ERROR_NONE);
    t.Flush();
    t.Feed("+ idling\r\n", 100);
    for (int i = 0; i < 3; i++) {
        EXPECT_EQ(mw_imap_engine_ops.expire(t.e), 1);
        t.Flush();
        t.Feed("A" + std::to_string(i + 1) + " OK done\r\n", 100);
        if (i < 2)
            t.Feed("+ idling\r\n", 100);
    }
    EXPECT_EQ(t.sent, "A1 IDLE\r\nDONE\r\nA2 IDLE\r\nDONE\r\nA3 IDLE\r\nDONE\r\n");
    EXPECT_EQ(t.Status(), MW_OP_DONE);
}

TEST(ImapEngine, NoopPollingWithoutIdle)
{
    Engine t;
    Selected(t, 3, "* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n");
    ASSERT_EQ(StartIdle(t, IMAP_IDLE_WAIT, 5000), (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(t.Flush(), "");
    EXPECT_EQ(mw_imap_engine_ops.expire(t.e), 1);
    EXPECT_EQ(t.Flush(), "A2 NOOP\r\n");
    t.Feed("* 4 EXISTS\r\nA2 OK\r\n", 2);
    EXPECT_EQ(t.Status(), MW_OP_DONE);
    EXPECT_EQ(mw_imap_changes(t.e), 1u);
}

// The op contract (session/engine_ops.h): a refused call queues nothing and leaves a running
// IDLE alone; an accepted one ends the IDLE with DONE first.
TEST(ImapEngine, RefusedOpsLeaveARunningIdleAlone)
{
    Engine t;
    Selected(t, 1);
    unsigned changes = 7;
    ASSERT_EQ(StartIdle(t, IMAP_IDLE_NOWAIT, 0, &changes), (unsigned)ST_ERROR_NONE);
    t.Flush();
    t.Feed("+ idling\r\n", 100);
    EXPECT_EQ(mw_imap_op_select(t.e, "bad \xff name", 0, nullptr),
              (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(mw_imap_why(t.e)).find("UTF-8"), std::string::npos);
    EXPECT_EQ(mw_imap_op_fetch(t.e, 0, 0, "", 0, 0, Sink::Fn, nullptr, nullptr, nullptr),
              (unsigned)ST_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(mw_imap_op_unselect(t.e), (unsigned)ST_ERROR_NOT_SUPPORTED) << "no UNSELECT";
    EXPECT_EQ(mw_imap_op_login(t.e, IMAP_AUTH_LOGIN, "u", "p", "h", 143, 1),
              (unsigned)ST_ERROR_ALREADY_AUTHENTICATED);
    EXPECT_EQ(t.Flush(), "") << "no DONE for a refused op";
    EXPECT_EQ(t.Status(), MW_OP_RUNNING) << "the IDLE goes on";
    EXPECT_EQ(changes, 7u);
    ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(changes, 0u) << "the superseded IDLE delivered its count";
    EXPECT_STREQ(mw_imap_why(t.e), "");
    EXPECT_EQ(t.Flush(), "DONE\r\nA3 NOOP\r\n");
    t.Feed("A2 OK idle done\r\nA3 OK\r\n", 4);
    EXPECT_EQ(t.Status(), MW_OP_DONE);
}

TEST(ImapEngine, WrongStateBusyAndClosedAreRefused)
{
    Engine t;
    EXPECT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NOT_CONNECTED) << "no greeting yet";
    t.Feed(kGreeting, 1000);
    uint32_t ids[4];
    size_t n = 4;
    EXPECT_EQ(mw_imap_op_select(t.e, "INBOX", 0, nullptr), (unsigned)ST_ERROR_INVALID_STATE);
    EXPECT_STREQ(mw_imap_why(t.e), "not logged in");
    EXPECT_EQ(mw_imap_op_connect(t.e), (unsigned)ST_ERROR_ALREADY_CONNECTED);
    ASSERT_EQ(mw_imap_op_login(t.e, IMAP_AUTH_LOGIN, "u", "p", "h", 143, 1),
              (unsigned)ST_ERROR_NONE);
    EXPECT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_BUSY) << "the login runs";
    t.Flush();
    t.Feed("A1 OK [CAPABILITY IMAP4rev1 IDLE] in\r\n", 1000);
    ASSERT_EQ(t.Status(), MW_OP_DONE);
    EXPECT_EQ(mw_imap_op_search(t.e, nullptr, "ALL", 0, ids, &n), (unsigned)ST_ERROR_INVALID_STATE);
    EXPECT_STREQ(mw_imap_why(t.e), "no mailbox is selected");
    EXPECT_EQ(mw_imap_mailbox(t.e), nullptr);
    EXPECT_EQ(t.Flush(), "");
    // The connection goes: the running operation fails, later ones are refused.
    ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
    mw_imap_engine_ops.closed(t.e);
    EXPECT_EQ(t.Status(), MW_OP_FATAL);
    EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_NOT_CONNECTED);
    EXPECT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NOT_CONNECTED);
    EXPECT_EQ(mw_imap_engine_ops.close(t.e), (unsigned)ST_ERROR_NOT_CONNECTED);
    EXPECT_EQ(t.Flush(), "");
}

TEST(ImapEngine, GetMessageFillsTheBufferOrReportsTheSizeNeeded)
{
    const std::string body = "Subject: x\r\n\r\n0123456789\r\n";
    const std::string reply = "* 1 FETCH (UID 5 BODY[] {" + std::to_string(body.size()) + "}\r\n" +
                              body + ")\r\nA2 OK\r\n";
    for (size_t cap : {body.size() + 10, body.size(), body.size() - 1}) {
        Engine t;
        Selected(t, 1);
        std::vector<char> buf(cap + 1, '#');
        size_t len = cap;
        ASSERT_EQ(mw_imap_op_get_message(t.e, 1, 0, 0, buf.data(), &len), (unsigned)ST_ERROR_NONE);
        EXPECT_EQ(t.Flush(), "A2 FETCH 1 (UID BODY.PEEK[])\r\n");
        EXPECT_EQ(len, cap) << "written when the operation ends";
        t.Feed(reply, 3);
        EXPECT_EQ(len, body.size());
        if (cap >= body.size()) {
            EXPECT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
            EXPECT_EQ(std::string(buf.data(), len), body);
        } else {
            EXPECT_EQ(t.Status(), MW_OP_FAILED);
            EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_LIMIT_EXCEEDED);
        }
        EXPECT_EQ(buf[cap], '#') << "nothing past the capacity";
    }
}

struct Release {
    int calls = 0;
    unsigned err = ST_ERROR_NONE;
    static unsigned Fn(void *u, char *detail, size_t size)
    {
        auto *r = static_cast<Release *>(u);
        r->calls++;
        if (r->err)
            std::snprintf(detail, size, "release says no");
        return r->err;
    }
};

TEST(ImapEngine, MissingMessageFailsAndTheReleaseHookRunsOnce)
{
    {
        Engine t;
        Selected(t, 1);
        Release r;
        Sink s;
        ASSERT_EQ(
            mw_imap_op_fetch(t.e, 99, IMAP_FETCH_UID, "", 0, 0, Sink::Fn, &s, Release::Fn, &r),
            (unsigned)ST_ERROR_NONE);
        EXPECT_EQ(t.Flush(), "A2 UID FETCH 99 (UID BODY.PEEK[])\r\n");
        t.Feed("A2 OK no data\r\n", 1); // RFC 9051 section 6.4.8: OK without a FETCH
        EXPECT_EQ(t.Status(), MW_OP_FAILED);
        EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_SERVER_PERMANENT);
        EXPECT_EQ(t.Detail(), "no such message");
        EXPECT_EQ(r.calls, 1);
    }
    {
        Engine t;
        Selected(t, 1);
        Release r;
        r.err = ST_ERROR_FILE; // a hook's failure is the operation's outcome
        Sink s;
        ASSERT_EQ(mw_imap_op_fetch(t.e, 1, 0, "", 0, 0, Sink::Fn, &s, Release::Fn, &r),
                  (unsigned)ST_ERROR_NONE);
        t.Flush();
        t.Feed("* 1 FETCH (BODY[] \"x\")\r\nA2 OK\r\n", 100);
        EXPECT_EQ(s.data, "x");
        EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_FILE);
        EXPECT_EQ(t.Detail(), "release says no");
        EXPECT_EQ(r.calls, 1);
    }
    Release refused, dropped, freed;
    {
        Engine t;
        Selected(t, 1);
        EXPECT_EQ(mw_imap_op_fetch(t.e, 0, 0, "", 0, 0, Sink::Fn, nullptr, Release::Fn, &refused),
                  (unsigned)ST_ERROR_INVALID_ARGUMENT);
        EXPECT_EQ(refused.calls, 1) << "a refused op releases at once";
        ASSERT_EQ(mw_imap_op_fetch(t.e, 1, 0, "", 0, 0, Sink::Fn, nullptr, Release::Fn, &dropped),
                  (unsigned)ST_ERROR_NONE);
        mw_imap_engine_ops.closed(t.e);
        EXPECT_EQ(dropped.calls, 1) << "the connection went";
        mw_imap_engine_ops.closed(t.e);
        EXPECT_EQ(dropped.calls, 1);
    }
    {
        Engine t;
        Selected(t, 1);
        ASSERT_EQ(mw_imap_op_fetch(t.e, 1, 0, "", 0, 0, Sink::Fn, nullptr, Release::Fn, &freed),
                  (unsigned)ST_ERROR_NONE);
    }
    EXPECT_EQ(freed.calls, 1) << "the engine was freed";
}

TEST(ImapEngine, UntaggedUpdatesReachTheMailboxAnyTime)
{
    Engine t;
    Selected(t, 5);
    ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
    t.Flush();
    t.Feed("* 2 EXPUNGE\r\n* 1 FETCH (FLAGS (\\Seen))\r\n* OK [ALERT] disk full\r\n* 9 EXISTS\r\n"
           "A2 OK\r\n",
           7);
    EXPECT_EQ(t.Status(), MW_OP_DONE);
    EXPECT_EQ(mw_imap_mailbox(t.e)->nMessages, 9u);
    EXPECT_EQ(mw_imap_changes(t.e), 3u);
    EXPECT_STREQ(mw_imap_alert(t.e), "disk full");
    // An EXPUNGE beyond the count belongs to a mailbox being left (a pipelined SELECT reset
    // the state before it arrived): it changes nothing and ends nothing.
    ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
    t.Flush();
    t.Feed("* 10 EXPUNGE\r\nA3 OK\r\n", 7);
    EXPECT_EQ(t.Status(), MW_OP_DONE);
    EXPECT_EQ(mw_imap_mailbox(t.e)->nMessages, 9u);
    EXPECT_EQ(mw_imap_changes(t.e), 3u);
    // EXPUNGE of message 0 cannot be: malformed.
    ASSERT_EQ(mw_imap_op_noop(t.e), (unsigned)ST_ERROR_NONE);
    t.Flush();
    t.Feed("* 0 EXPUNGE\r\n", 7);
    EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION);
}

TEST(ImapEngine, ListAndStatusAndSearchParsing)
{
    std::string in = "* LIST (\\HasNoChildren \\Drafts) \"/\" \"Entw&APw-rfe\"\r\n"
                     "* LIST (\\Noselect) NIL {5}\r\na\"b c\r\n"
                     "* STATUS x (MESSAGES 3 UIDNEXT 9 UNSEEN 1)\r\n"
                     "* SEARCH 2 4 6\r\n* ESEARCH (TAG \"A1\") UID ALL 8:10,12\r\nA1 OK\r\n";
    for (size_t chunk : {1, 3, 1000}) {
        Engine t;
        LoggedIn(t);
        IMAPMAILBOXINFO first{};
        ASSERT_EQ(mw_imap_op_list(t.e, nullptr, nullptr, 0, &first), (unsigned)ST_ERROR_NONE);
        EXPECT_EQ(t.Flush(), "A1 LIST \"\" \"*\"\r\n");
        t.Feed(in, chunk);
        ASSERT_EQ(t.Status(), MW_OP_DONE) << t.Detail();
        EXPECT_STREQ(first.szMailbox, "Entw\xc3\xbcrfe");
        EXPECT_EQ(first.chDelimiter, '/');
        EXPECT_EQ(first.dwAttributes, (uint32_t)(IMAP_FLAG_HASNOCHILDREN | IMAP_SPECIAL_DRAFTS));
        IMAPMAILBOXINFO next{};
        ASSERT_EQ(mw_imap_next_mailbox(t.e, &next), (unsigned)ST_ERROR_NONE);
        EXPECT_STREQ(next.szMailbox, "a\"b c");
        EXPECT_EQ(next.chDelimiter, 0);
        EXPECT_EQ(mw_imap_next_mailbox(t.e, &next), (unsigned)ST_ERROR_NO_MORE_MAILBOXES);
        EXPECT_EQ(mw_imap_status_result(t.e)->nMessages, 3u);
        EXPECT_EQ(mw_imap_status_result(t.e)->dwNextMessageUID, 9u);
        std::vector<uint32_t> ids(16);
        ids.resize(mw_imap_search_results(t.e, ids.data(), ids.size()));
        EXPECT_EQ(ids, (std::vector<uint32_t>{2, 4, 6, 8, 9, 10, 12}));
    }
}

// Fail the Nth allocation of a whole exchange (SELECT, LIST with a literal, FETCH with an
// ENVELOPE, FETCH with a streamed body), for every N: each run ends in a clean state (the
// sanitizer build checks for leaks) until no allocation is left to fail.
TEST(ImapEngine, EveryAllocationFailureIsClean)
{
    const char *replies[] = {
        "* FLAGS (\\Seen)\r\n* 2 EXISTS\r\nA1 OK [READ-WRITE] done\r\n",
        "* LIST (\\HasNoChildren) \"/\" {5}\r\na b c\r\nA2 OK\r\n",
        "* 1 FETCH (UID 4 FLAGS (\\Seen k) ENVELOPE (\"d\" \"s\" ((\"N\" NIL \"a\" \"h\")) NIL NIL "
        "NIL NIL NIL NIL \"<i>\"))\r\nA3 OK\r\n",
        "* 1 FETCH (UID 4 BODY[] {3}\r\nxyz)\r\nA4 OK\r\n"};
    bool completed = false;
    int failures = 0;
    for (long n = 0; n < 400 && !completed; n++) {
        Engine t;
        t.Feed(kPreauth, 1000);
        Sink s;
        IMAPMAILBOXINFO first{};
        mw_alloc_fail_at(n);
        int step = 0;
        for (; step < 4; step++) {
            unsigned err =
                step == 0   ? mw_imap_op_select(t.e, "INBOX", 0, nullptr)
                : step == 1 ? mw_imap_op_list(t.e, "", "*", 0, &first)
                : step == 2
                    ? mw_imap_op_message_info(
                          t.e, "1", IMAP_INFO_ENVELOPE, [](const IMAPMESSAGE *, void *) {}, nullptr)
                    : mw_imap_op_fetch(t.e, 1, 0, "", 0, 0, Sink::Fn, &s, nullptr, nullptr);
            if (err)
                break;
            t.Flush();
            t.Feed(replies[step], 7);
            if (t.Status() != MW_OP_DONE)
                break;
        }
        bool triggered = mw_alloc_fail_at(-1);
        int st = t.Status();
        if (!triggered) {
            EXPECT_EQ(step, 4) << n << " " << t.Detail();
            EXPECT_EQ(s.data, "xyz");
            completed = true;
            std::printf("[ measure ] %ld allocation failures checked\n", n);
        } else {
            ++failures;
            EXPECT_TRUE(st == MW_OP_FATAL || st == MW_OP_DONE || st == MW_OP_FAILED) << n;
        }
    }
    EXPECT_TRUE(completed);
    // A hook that never fired would complete at n = 0 having checked nothing.
    EXPECT_GT(failures, 10) << "the exchange allocates; each of those allocations was made to fail";
}

// Checklist item 28: an ENVELOPE of the wrong shape is a protocol violation, never read past
// its end (a four-member list once left six fields uninitialised and crashed the client).
TEST(ImapEngine, MalformedEnvelopeIsAViolationAtEveryChunkSize)
{
    const char *bad[] = {
        "* 1 FETCH (ENVELOPE ((\"a\") (\"b\") (\"c\") (\"d\")))\r\nA2 OK\r\n",
        "* 1 FETCH (ENVELOPE (\"d\" \"s\" NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\nA2 OK\r\n",
        "* 1 FETCH (ENVELOPE \"not a list\")\r\nA2 OK\r\n",
        "* 1 FETCH (ENVELOPE ())\r\nA2 OK\r\n",
    };
    for (const char *in : bad) {
        for (size_t chunk : {size_t(1), size_t(5), size_t(1000)}) {
            Engine t;
            Selected(t, 1);
            ASSERT_EQ(
                mw_imap_op_message_info(
                    t.e, "1", IMAP_INFO_ENVELOPE, [](const IMAPMESSAGE *, void *) {}, nullptr),
                (unsigned)ST_ERROR_NONE);
            t.Flush();
            t.Feed(in, chunk);
            EXPECT_EQ(t.Status(), MW_OP_FATAL) << in;
            EXPECT_EQ(t.Err(), (unsigned)ST_ERROR_PROTOCOL_VIOLATION) << in;
        }
    }
}

} // namespace
