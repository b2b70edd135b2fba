// The IMAP rows of the both-faces table that change messages: store, delete/undelete, copy,
// move, expunge, append (memory, file, callback) and IDLE, against the fixture's Dovecot.
// Each face works on mailboxes of its own seeded with SeedMessage(1..3); the observer session
// reports what the server holds afterwards.
#include "both_faces_imap.hpp"

#include "common/portable.h"

#include <algorithm>
#include <chrono>
#include <fstream>

#include "common/fixture_env.hpp"

namespace mwtest::faces
{

namespace
{

using namespace imap;

// The mailbox from outside, and the session's own view of it.
void Observed(Ctx &c)
{
    Result(c);
    State(c);
    c.Add("observed", Observe(c));
}

void ObservedBoth(Ctx &c)
{
    Observed(c);
    c.Add("target", Observe(c, "target"));
}

const char *const kDate = "02-Feb-2024 12:34:56 +0100";

void Appended(Ctx &c)
{
    c.Add("uid", (long long)c.uid);
    Transfer(c);
    Result(c);
    c.Add("observed", Observe(c));
}

long MAILWIRE_CALLBACK Source(char *buf, size_t size, void *user)
{
    Ctx &c = *static_cast<Ctx *>(user);
    c.calls++;
    if (c.fail_after >= 0 && (long)c.len >= c.fail_after)
        return -1;
    // At most 1000 bytes a call, so that a failure can come after some were sent.
    size_t n = std::min({size, c.buf.size() - c.len, size_t(1000)});
    std::copy(c.buf.data() + c.len, c.buf.data() + c.len + n, buf);
    c.len += n;
    return (long)n;
}

void Idled(Ctx &c)
{
    c.Add("changes", (long long)c.changes);
    Result(c);
    State(c);
}

// A message appended to the face's mailbox by another session while the face is in IDLE.
void ChangeSoon(Ctx &c)
{
    const Fixture &fx = Fixture::Get();
    std::string box = c.Box(), ca = fx.Value("MW_CA_FILE"), user = User(), pass = Password();
    uint16_t port = Port("MW_IMAP_PORT");
    c.helper = std::thread([=] {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        SECURITYCREDENTIALS cred{};
        cred.dwSize = sizeof cred;
        cred.lpszCAFile = ca.c_str();
        HCLIENT o = ImapConnect("localhost", port, 10, IMAP_OPTION_SECURE, &cred);
        if (o == INVALID_CLIENT)
            return;
        std::string m = SeedMessage(4);
        if (ImapLogin(o, IMAP_AUTH_LOGIN, user.c_str(), pass.c_str()) == 0)
            ImapCreateMessage(o, box.c_str(), 0, kDate, m.data(), m.size(), nullptr);
        ImapDisconnect(o);
    });
}

} // namespace

std::vector<Row> ImapChangeRows()
{
    const unsigned S = ST_ERROR_SERVER_PERMANENT;
    const unsigned kState = ST_ERROR_INVALID_STATE;
    const unsigned kArg = ST_ERROR_INVALID_ARGUMENT;
    std::vector<Row> rows;
    auto row = [&](const char *name) -> Row & {
        rows.emplace_back(name, Proto::Imap);
        return rows.back();
    };
    const Step sel = Selected();
    const Step none = Then(Seeded(), LoggedIn()); // logged in, nothing selected

    // ---- store, delete, undelete -------------------------------------------------------------
    auto store = [](const char *set, uint32_t mode, uint32_t flags, const char *kw = nullptr) {
        return [=](Ctx &c) { return ImapStoreFlags(c.h, set, mode, flags, kw); };
    };
    row("ImapStoreFlags_Add")
        .Setup(sel)
        .Call(store("1:2", IMAP_STORE_ADD, IMAP_FLAG_SEEN | IMAP_FLAG_URGENT))
        .Results(Observed)
        .Ok()
        .Has("observed", "; uid 1 flags 12 ")
        .Has("observed", "; uid 2 flags 12 ")
        .Has("observed", "; uid 3 flags 0 ");
    row("ImapStoreFlags_ReplaceWithKeyword")
        .Setup(sel)
        .Call(store("3", IMAP_STORE_REPLACE, IMAP_FLAG_ANSWERED, "$Faces"))
        .Results(Observed)
        .Ok()
        .Has("observed", "; uid 3 flags 1 $Faces size");
    row("ImapStoreFlags_RemoveSilentUid")
        .Setup(Then(sel, Must(store("1:*", IMAP_STORE_ADD, IMAP_FLAG_SEEN))))
        .Call(store("2", IMAP_STORE_REMOVE | IMAP_STORE_SILENT | IMAP_FETCH_UID, IMAP_FLAG_SEEN))
        .Results(Observed)
        .Ok()
        .Has("observed", "unseen 1,")
        .Has("sent", "UID STORE 2 -FLAGS.SILENT (\\Seen)");
    row("ImapStoreFlags_ReadOnly") // EXAMINE: Dovecot answers OK and ignores the STORE
        .Setup(Then(none,
                    Must([](Ctx &c) { return ImapExamineMailbox(c.h, c.Box().c_str(), nullptr); })))
        .Call(store("1", IMAP_STORE_ADD, IMAP_FLAG_SEEN))
        .Results(Observed)
        .Ok()
        .Has("result", "read-only")
        .Has("observed", "unseen 3,");
    row("ImapStoreFlags_InvalidSet")
        .Setup(sel)
        .Call(store("1,,2", IMAP_STORE_ADD, IMAP_FLAG_SEEN))
        .Fails(kArg)
        .Is("sent", "");
    row("ImapStoreFlags_AddAndRemove")
        .Setup(sel)
        .Call(store("1", IMAP_STORE_ADD | IMAP_STORE_REMOVE, IMAP_FLAG_SEEN))
        .Fails(kArg)
        .Is("sent", "");
    row("ImapStoreFlags_BadKeyword")
        .Setup(sel)
        .Call(store("1", IMAP_STORE_ADD, 0, "a(b"))
        .Fails(kArg)
        .Is("sent", "");
    row("ImapStoreFlags_NoneSelected")
        .Setup(none)
        .Call(store("1", IMAP_STORE_ADD, IMAP_FLAG_SEEN))
        .Fails(kState)
        .Is("sent", "");
    row("ImapDeleteMessage_Ok")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapDeleteMessage(c.h, 2, 0); })
        .Results(Observed)
        .Ok()
        .Has("observed", "; uid 2 flags 16 ");
    row("ImapDeleteMessage_Uid")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapDeleteMessage(c.h, 3, IMAP_FETCH_UID); })
        .Results(Observed)
        .Ok()
        .Has("observed", "; uid 3 flags 16 ");
    row("ImapDeleteMessage_Zero")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapDeleteMessage(c.h, 0, 0); })
        .Fails(kArg)
        .Is("sent", "");
    row("ImapUndeleteMessage_Ok")
        .Setup(Then(sel, Must([](Ctx &c) { return ImapDeleteMessage(c.h, 1, 0); })))
        .Call([](Ctx &c) { return ImapUndeleteMessage(c.h, 1, 0); })
        .Results(Observed)
        .Ok()
        .Has("observed", "; uid 1 flags 0 ");

    // ---- copy, move, expunge ---------------------------------------------------------------
    const Step target = Then(Seeded("target", 0), sel);
    row("ImapCopyMessage_Ok")
        .Setup(target)
        .Call([](Ctx &c) { return ImapCopyMessage(c.h, "2:3", c.Box("target").c_str(), 0); })
        .Results(ObservedBoth)
        .Ok()
        .Has("target", "messages 2,")
        .Has("observed", "messages 3,");
    row("ImapCopyMessage_Uid")
        .Setup(target)
        .Call([](Ctx &c) {
            return ImapCopyMessage(c.h, "1", c.Box("target").c_str(), IMAP_FETCH_UID);
        })
        .Results(ObservedBoth)
        .Ok()
        .Has("target", "; uid 1 flags 0  size 168 face message one")
        .Has("result", "[COPYUID {v} 1 1]");
    row("ImapCopyMessage_MissingTarget")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapCopyMessage(c.h, "1", c.Box("missing").c_str(), 0); })
        .Results(Observed)
        .Fails(S, "TRYCREATE");
    row("ImapCopyMessage_InvalidSet")
        .Setup(target)
        .Call([](Ctx &c) { return ImapCopyMessage(c.h, "x", c.Box("target").c_str(), 0); })
        .Fails(kArg)
        .Is("sent", "");
    row("ImapMoveMessage_Ok")
        .Setup(target)
        .Call([](Ctx &c) { return ImapMoveMessage(c.h, "1", c.Box("target").c_str(), 0); })
        .Results(ObservedBoth)
        .Ok()
        .Has("target", "messages 1,")
        .Has("observed", "messages 2,")
        .Has("state", "messages 2,");
    row("ImapMoveMessage_MissingTarget") // nothing is deleted
        .Setup(sel)
        .Call([](Ctx &c) { return ImapMoveMessage(c.h, "1", c.Box("missing").c_str(), 0); })
        .Results(Observed)
        .Fails(S)
        .Has("observed", "messages 3,");
    row("ImapMoveMessage_NoneSelected")
        .Setup(Then(Seeded("target", 0), none))
        .Call([](Ctx &c) { return ImapMoveMessage(c.h, "1", c.Box("target").c_str(), 0); })
        .Fails(kState)
        .Is("sent", "");
    const Step two_deleted =
        Then(sel, Must(store("1:2", IMAP_STORE_ADD | IMAP_STORE_SILENT, IMAP_FLAG_DELETED)));
    row("ImapExpungeMailbox_Ok")
        .Setup(two_deleted)
        .Call([](Ctx &c) { return ImapExpungeMailbox(c.h, &c.mb); })
        .Results([](Ctx &c) {
            c.Add("mailbox", Str(c.mb));
            Observed(c);
        })
        .Ok()
        .Has("mailbox", "messages 1,")
        .Has("observed", "messages 1,");
    row("ImapExpungeMailbox_NothingDeleted")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapExpungeMailbox(c.h, nullptr); })
        .Results(Observed)
        .Ok()
        .Has("observed", "messages 3,");
    row("ImapExpungeMailbox_NoneSelected")
        .Setup(none)
        .Call([](Ctx &c) { return ImapExpungeMailbox(c.h, nullptr); })
        .Fails(kState)
        .Is("sent", "");
    row("ImapExpungeMessages_Uid") // only UID 2 of the two marked
        .Setup(two_deleted)
        .Call([](Ctx &c) { return ImapExpungeMessages(c.h, "2"); })
        .Results(Observed)
        .Ok()
        .Has("observed", "messages 2,")
        .Has("observed", "; uid 1 flags 16 ");
    row("ImapExpungeMessages_InvalidSet")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapExpungeMessages(c.h, "1:"); })
        .Fails(kArg)
        .Is("sent", "");

    // ---- append ----------------------------------------------------------------------------
    auto append = [](const char *suffix, const char *date) {
        return [=](Ctx &c) {
            c.buf = SeedMessage(5);
            c.uid = 7;
            return ImapCreateMessage(c.h, c.Box(suffix).c_str(), IMAP_FLAG_SEEN, date, c.buf.data(),
                                     c.buf.size(), &c.uid);
        };
    };
    row("ImapCreateMessage_Memory")
        .Setup(Then(Seeded("", 1), LoggedIn()))
        .Call(append("", kDate))
        .Results(Appended)
        .Ok()
        .Is("uid", "2")
        .Has("observed", "messages 2, unseen 1, uidnext 3; uid 1 flags 0  size")
        .Has("observed", "; uid 2 flags 8  size")
        .Has("result", "[APPENDUID {v} 2]");
    row("ImapCreateMessage_ServerTime")
        .Setup(Then(Seeded("", 0), LoggedIn()))
        .Call(append("", nullptr))
        .Results(Appended)
        .Ok()
        .Is("uid", "1");
    row("ImapCreateMessage_Selected") // the session sees the new message arrive
        .Setup(sel)
        .Call(append("", kDate))
        .Results([](Ctx &c) {
            Appended(c);
            State(c);
        })
        .Ok()
        .Has("state", "messages 4,");
    row("ImapCreateMessage_MissingMailbox")
        .Setup(LoggedIn())
        .Call(append("missing", kDate))
        .Results(Appended)
        .Fails(S, "TRYCREATE")
        .Is("uid", "0");
    row("ImapCreateMessage_BadDate")
        .Setup(Then(Seeded("", 0), LoggedIn()))
        .Call(append("", "yesterday"))
        .Fails(kArg)
        .Is("sent", "");
    row("ImapCreateMessage_NotLoggedIn")
        .Setup(Session())
        .Call(append("", kDate))
        .Fails(kState, "not logged in")
        .Is("sent", "");
    row("ImapCreateMessageFromFile_Ok")
        .Setup(Then(Then(Seeded("", 0), LoggedIn()),
                    [](Ctx &c) {
                        c.text = c.File("append.eml");
                        std::ofstream(c.text, std::ios::binary) << SeedMessage(3);
                    }))
        .Call([](Ctx &c) {
            return ImapCreateMessageFromFile(c.h, c.Box().c_str(), 0, kDate, c.text.c_str(),
                                             &c.uid);
        })
        .Results(Appended)
        .Ok()
        .Is("uid", "1")
        .Has("observed", "size 323 face message 3");
    row("ImapCreateMessageFromFile_Missing")
        .Setup(Then(Seeded("", 0), LoggedIn()))
        .Call([](Ctx &c) {
            c.text = c.File("missing.eml");
            return ImapCreateMessageFromFile(c.h, c.Box().c_str(), 0, kDate, c.text.c_str(),
                                             &c.uid);
        })
        .Fails(ST_ERROR_FILE)
        .Is("sent", "");
    row("ImapCreateMessageEx_Ok")
        .Setup(Then(Seeded("", 0), LoggedIn()))
        .Call([](Ctx &c) {
            c.buf = SeedMessage(2);
            return ImapCreateMessageEx(c.h, c.Box().c_str(), IMAP_FLAG_DRAFT, kDate, c.buf.size(),
                                       Source, &c, &c.uid);
        })
        .Results(Appended)
        .Ok()
        .Is("uid", "1")
        .Has("observed", "; uid 1 flags 2 ");
    row("ImapCreateMessageEx_SourceFails") // the literal was announced: the session is closed
        .Setup(Then(Seeded("", 0), LoggedIn()))
        .Call([](Ctx &c) {
            c.buf = SeedMessage(2);
            c.fail_after = 1000;
            return ImapCreateMessageEx(c.h, c.Box().c_str(), 0, kDate, c.buf.size(), Source, &c,
                                       &c.uid);
        })
        .Results([](Ctx &c) {
            Appended(c);
            Usable(c);
        })
        .Fails(ST_ERROR_FILE)
        .Has("observed", "messages 0,")
        .Is("afterwards", "NOOP error 6");
    row("ImapCreateMessageEx_NoSource")
        .Setup(Then(Seeded("", 0), LoggedIn()))
        .Call([](Ctx &c) {
            return ImapCreateMessageEx(c.h, c.Box().c_str(), 0, nullptr, 10, nullptr, nullptr,
                                       nullptr);
        })
        .Fails(kArg)
        .Is("sent", "");

    // ---- IDLE ------------------------------------------------------------------------------
    row("ImapIdle_Timeout") // nothing happens for a second
        .Setup(sel)
        .Call([](Ctx &c) {
            c.changes = 99;
            return ImapIdle(c.h, 1, IMAP_IDLE_WAIT, &c.changes);
        })
        .Results(Idled)
        .Ok()
        .Is("changes", "0")
        .Has("sent", " IDLE\r\nDONE\r\n");
    row("ImapIdle_Change") // another session appends: the IDLE ends early
        .Setup(sel)
        .Call([](Ctx &c) {
            ChangeSoon(c);
            return ImapIdle(c.h, 20, IMAP_IDLE_WAIT, &c.changes);
        })
        .Results(Idled)
        .Ok()
        .Has("state", "messages 4,")
        .Check([](const Outcome &o) { EXPECT_NE(o.Get("changes"), "0") << o; });
    row("ImapIdle_NotLoggedIn")
        .Setup(Session())
        .Call([](Ctx &c) { return ImapIdle(c.h, 1, IMAP_IDLE_WAIT, &c.changes); })
        .Fails(kState, "not logged in")
        .Is("sent", "");
    // Known difference, documented in imap.h: IMAP_IDLE_NOWAIT stays in IDLE until the next
    // command, so a blocking session refuses it (it could never return) while a non-blocking
    // one runs it; here the next command (NOOP) ends it with DONE.
    row("ImapIdle_NoWait")
        .Setup(sel)
        .Call([](Ctx &c) {
            int rc = ImapIdle(c.h, 0, IMAP_IDLE_NOWAIT, &c.changes);
            if (!c.async || rc != MAILWIRE_IN_PROGRESS)
                return rc;
            // Let the IDLE start (one second of the event loop), then end it with a command.
            auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
            while (std::chrono::steady_clock::now() < until) {
                MAILWIRE_SOCKET sock;
                unsigned want;
                int timeout;
                ImapGetPollInfo(c.h, &sock, &want, &timeout);
                mwt_wait_socket(sock, MAILWIRE_POLL_READ, 50);
                if (ImapExecute(c.h) != MAILWIRE_IN_PROGRESS)
                    return MAILWIRE_ERROR;
            }
            return ImapNoop(c.h);
        })
        .Results(Idled)
        .Fails(kArg, "IMAP_IDLE_NOWAIT needs a non-blocking session")
        .Is("sent", "")
        .KnownDifference({"return", "last error", "detail", "sent", "events", "result"},
                         Expect{ST_ERROR_NONE, "", {{"sent", " IDLE\r\nDONE\r\n"}}, {}});
    return rows;
}

} // namespace mwtest::faces