// The IMAP rows of the both-faces table that read messages: every fetch call (to a callback,
// a buffer, a file), the message metadata and search (builder and raw), against the
// fixture's Dovecot. Each face works on a mailbox of its own seeded with SeedMessage(1..3):
// 1 is short, 2 has a 3000-byte body, 3 is multipart.
#include "both_faces_imap.hpp"

#include <fstream>

namespace mwtest::faces
{

namespace
{

using namespace imap;

// The fetch callback: a line per message started, the bytes of all of them. fail_after >= 0
// stops the delivery once that many bytes have come.
int MAILWIRE_CALLBACK Collect(unsigned id, uint32_t uid, const char *p, size_t n, uint64_t total,
                              void *user)
{
    Ctx &c = *static_cast<Ctx *>(user);
    if (!p) {
        c.lines.push_back("message " + std::to_string(id) + " uid " + std::to_string(uid) +
                          " total " + std::to_string(total));
        return 0;
    }
    c.got.append(p, n);
    return c.fail_after >= 0 && (long)c.got.size() > c.fail_after;
}

void Fetched(Ctx &c)
{
    std::string starts;
    for (const auto &l : c.lines)
        starts += l + "; ";
    c.Add("messages", starts);
    c.Add("data", c.got);
    Transfer(c);
    Result(c);
}

std::function<int(Ctx &)> Fetch(unsigned id, uint32_t options, const char *section,
                                uint64_t offset = 0, uint64_t length = 0, long fail_after = -1)
{
    return [=](Ctx &c) {
        c.fail_after = fail_after;
        return ImapFetchMessage(c.h, id, options, section, offset, length, Collect, &c);
    };
}

std::function<int(Ctx &)> FetchRange(unsigned first, unsigned last, uint32_t options = 0,
                                     long fail_after = -1)
{
    return [=](Ctx &c) {
        c.fail_after = fail_after;
        return ImapFetchMessages(c.h, first, last, options, Collect, &c);
    };
}

// ImapGetMessage() into c.buf (cap bytes); the length written back and the bytes it covers.
std::function<int(Ctx &)> Get(unsigned id, unsigned part, size_t cap, uint32_t options)
{
    return [=](Ctx &c) {
        c.buf.assign(cap, '\0');
        c.len = cap;
        return ImapGetMessage(c.h, id, part, &c.buf[0], &c.len, options);
    };
}

void Buffer(Ctx &c)
{
    c.Add("length", (long long)c.len);
    // Too small: which part of the data landed depends on how it arrived, not on the face.
    c.Add("buffer", c.rc == 0 ? c.buf.substr(0, c.len) : "");
    Transfer(c);
    Result(c);
}

void MAILWIRE_CALLBACK Info(const IMAPMESSAGE *m, void *user)
{
    auto s = [](const char *p) { return std::string(p ? p : "(null)"); };
    static_cast<Ctx *>(user)->lines.push_back(
        std::to_string(m->nMessageId) + " uid " + std::to_string(m->dwUID) + " flags " +
        std::to_string(m->dwFlags) + " size " + std::to_string(m->nSize) + " date " +
        s(m->lpszDate) + " keywords " + s(m->lpszKeywords) + " subject " + s(m->lpszSubject) +
        " from " + s(m->lpszFrom) + " to " + s(m->lpszTo) + " cc " + s(m->lpszCc) + " id " +
        s(m->lpszMessageId) + " envdate " + s(m->lpszEnvDate) + " structure " +
        s(m->lpszBodyStructure));
}

void Infos(Ctx &c)
{
    std::string s;
    for (const auto &l : c.lines)
        s += l + "\n";
    c.Add("infos", s);
    Result(c);
}

std::function<int(Ctx &)> Search(const char *criteria, uint32_t options = 0, size_t cap = 16)
{
    return [=](Ctx &c) {
        c.ids.assign(cap, 0);
        c.count = cap;
        return ImapSearchMailbox(c.h, c.search, criteria, options, cap ? c.ids.data() : nullptr,
                                 &c.count);
    };
}

// The ids the call wrote, and the same results read back with ImapGetSearchResults().
void Found(Ctx &c)
{
    std::string s = std::to_string(c.count) + ":";
    for (size_t i = 0; i < c.count && i < c.ids.size(); i++)
        s += " " + std::to_string(c.ids[i]);
    c.Add("ids", s);
    std::vector<uint32_t> again(16);
    size_t n = again.size();
    ImapGetSearchResults(c.h, again.data(), &n);
    s = std::to_string(n) + ":";
    for (size_t i = 0; i < n && i < again.size(); i++)
        s += " " + std::to_string(again[i]);
    c.Add("search results", s);
    Result(c);
}

// A builder with (key, value) pairs, made in the set-up; the call uses c.search.
Step Builder(std::vector<std::pair<const char *, const char *>> criteria)
{
    return [=](Ctx &c) {
        c.search = ImapSearchCreate();
        ASSERT_NE(c.search, nullptr);
        for (const auto &kv : criteria)
            ASSERT_EQ(ImapSearchAdd(c.search, kv.first, kv.second), 0);
    };
}

} // namespace

std::vector<Row> ImapReadRows()
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

    // ---- ImapFetchMessage --------------------------------------------------------------------
    row("ImapFetchMessage_Whole")
        .Setup(sel)
        .Call(Fetch(2, 0, ""))
        .Results(Fetched)
        .Ok()
        .Has("messages", "message 2 uid 2 total ")
        .Has("data", "Subject: face message two\r\n\r\nxxxx")
        .Has("sent", "BODY.PEEK[]");
    row("ImapFetchMessage_Header")
        .Setup(sel)
        .Call(Fetch(1, 0, "HEADER"))
        .Results(Fetched)
        .Ok()
        .Has("data", "Subject: face message one\r\n");
    row("ImapFetchMessage_HeaderFields")
        .Setup(sel)
        .Call(Fetch(1, 0, "HEADER.FIELDS (SUBJECT)"))
        .Results(Fetched)
        .Ok()
        .Is("data", "Subject: face message one\r\n\r\n");
    row("ImapFetchMessage_Partial")
        .Setup(sel)
        .Call(Fetch(1, 0, "", 6, 5))
        .Results(Fetched)
        .Ok()
        .Is("data", "Alice");
    row("ImapFetchMessage_Part")
        .Setup(sel)
        .Call(Fetch(3, 0, "2"))
        .Results(Fetched)
        .Ok()
        .Is("data", "second part");
    row("ImapFetchMessage_Uid")
        .Setup(sel)
        .Call(Fetch(3, IMAP_FETCH_UID, "1"))
        .Results(Fetched)
        .Ok()
        .Is("data", "first part");
    row("ImapFetchMessage_Seen") // BODY[]: the message becomes \Seen
        .Setup(sel)
        .Call(Fetch(1, IMAP_FETCH_SEEN, ""))
        .Results([](Ctx &c) {
            Fetched(c);
            c.Add("observed", Observe(c));
        })
        .Ok()
        .Has("observed", "; uid 1 flags 8 ");
    row("ImapFetchMessage_MissingUid")
        .Setup(sel)
        .Call(Fetch(4000000000u, IMAP_FETCH_UID, ""))
        .Results(Fetched)
        .Fails(S, "no such message")
        .Is("data", "");
    row("ImapFetchMessage_MissingSequence") // Dovecot answers BAD for a sequence number
        .Setup(sel)
        .Call(Fetch(9, 0, ""))
        .Results(Fetched)
        .Fails(ST_ERROR_COMMAND_REJECTED, "Invalid messageset");
    row("ImapFetchMessage_Zero").Setup(sel).Call(Fetch(0, 0, "")).Fails(kArg).Is("sent", "");
    row("ImapFetchMessage_InvalidSection")
        .Setup(sel)
        .Call(Fetch(1, 0, "1] BODY[2"))
        .Fails(kArg)
        .Is("sent", "");
    row("ImapFetchMessage_CallbackStops") // the rest is read and dropped; the session goes on
        .Setup(sel)
        .Call(Fetch(2, 0, "", 0, 0, 100))
        .Results([](Ctx &c) {
            c.Add("received", c.got.size() > 100 ? "more than 100 bytes" : "up to 100 bytes");
            Result(c);
            Usable(c);
        })
        .Fails(ST_ERROR_CANCELLED)
        .Is("afterwards", "NOOP ok");
    row("ImapFetchMessage_NoneSelected")
        .Setup(none)
        .Call(Fetch(1, 0, ""))
        .Fails(kState, "no mailbox is selected")
        .Is("sent", "");

    // ---- ImapFetchMessages -----------------------------------------------------------------
    row("ImapFetchMessages_All")
        .Setup(sel)
        .Call(FetchRange(0, 0))
        .Results(Fetched)
        .Ok()
        .Has("messages", "message 1 uid 1 total ")
        .Has("messages", "message 3 uid 3 total ")
        .Has("data", "second part");
    row("ImapFetchMessages_Range")
        .Setup(sel)
        .Call(FetchRange(2, 3))
        .Results(Fetched)
        .Ok()
        .Check([](const Outcome &o) {
            EXPECT_EQ(o.Get("messages").find("message 1 "), std::string::npos) << o;
        });
    row("ImapFetchMessages_Seen")
        .Setup(sel)
        .Call(FetchRange(1, 1, IMAP_FETCH_SEEN))
        .Results([](Ctx &c) {
            Fetched(c);
            c.Add("observed", Observe(c));
        })
        .Ok()
        .Has("observed", "; uid 1 flags 8 ");
    row("ImapFetchMessages_BeyondTheLast") // 0 without I/O, on both faces
        .Setup(sel)
        .Call(FetchRange(9, 0))
        .Results(Fetched)
        .Ok()
        .Is("messages", "")
        .Is("sent", "");
    row("ImapFetchMessages_Reversed").Setup(sel).Call(FetchRange(3, 2)).Fails(kArg).Is("sent", "");
    row("ImapFetchMessages_CallbackStops")
        .Setup(sel)
        .Call(FetchRange(0, 0, 0, 10))
        .Results([](Ctx &c) {
            Result(c);
            Usable(c);
        })
        .Fails(ST_ERROR_CANCELLED)
        .Is("afterwards", "NOOP ok");
    row("ImapFetchMessages_NoneSelected")
        .Setup(none)
        .Call(FetchRange(0, 0))
        .Fails(kState)
        .Is("sent", "");

    // ---- ImapGetMessage, ImapGetHeaders, ImapSaveMessage -----------------------------------
    row("ImapGetMessage_Whole")
        .Setup(sel)
        .Call(Get(2, 0, 8192, 0))
        .Results(Buffer)
        .Ok()
        .Has("buffer", "Subject: face message two\r\n");
    row("ImapGetMessage_TooSmall") // the size needed comes back
        .Setup(sel)
        .Call(Get(2, 0, 16, 0))
        .Results(Buffer)
        .Fails(ST_ERROR_LIMIT_EXCEEDED)
        .Check([](const Outcome &o) { EXPECT_NE(o.Get("length"), "16") << o; });
    row("ImapGetMessage_Header")
        .Setup(sel)
        .Call(Get(1, 0, 8192, IMAP_SECTION_HEADER))
        .Results(Buffer)
        .Ok()
        .Check([](const Outcome &o) {
            const std::string b = o.Get("buffer"), end = "Subject: face message one\r\n\r\n";
            EXPECT_EQ(b.rfind(end), b.size() - end.size()) << "the header only" << o;
        });
    row("ImapGetMessage_Text")
        .Setup(sel)
        .Call(Get(1, 0, 8192, IMAP_SECTION_BODY))
        .Results(Buffer)
        .Ok()
        .Is("buffer", "one\r\n");
    row("ImapGetMessage_Part")
        .Setup(sel)
        .Call(Get(3, 1, 8192, 0))
        .Results(Buffer)
        .Ok()
        .Is("buffer", "first part");
    row("ImapGetMessage_PartHeader") // part.MIME
        .Setup(sel)
        .Call(Get(3, 2, 8192, IMAP_SECTION_HEADER))
        .Results(Buffer)
        .Ok()
        .Has("buffer", "Content-Type: text/plain");
    row("ImapGetMessage_Uid")
        .Setup(sel)
        .Call(Get(1, 0, 8192, IMAP_FETCH_UID | IMAP_SECTION_BODY))
        .Results(Buffer)
        .Ok()
        .Is("buffer", "one\r\n");
    row("ImapGetMessage_MissingSequence")
        .Setup(sel)
        .Call(Get(7, 0, 8192, 0))
        .Results(Buffer)
        .Fails(ST_ERROR_COMMAND_REJECTED);
    row("ImapGetMessage_MissingUid") // no data came back
        .Setup(sel)
        .Call(Get(40, 0, 8192, IMAP_FETCH_UID))
        .Results(Buffer)
        .Fails(S, "no such message");
    row("ImapGetMessage_NullBuffer")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapGetMessage(c.h, 1, 0, nullptr, &c.len, 0); })
        .Fails(kArg)
        .Is("sent", "");
    row("ImapGetMessage_NoneSelected")
        .Setup(none)
        .Call(Get(1, 0, 64, 0))
        .Fails(kState)
        .Is("sent", "");
    row("ImapGetHeaders_Ok")
        .Setup(sel)
        .Call([](Ctx &c) {
            c.buf.assign(4096, '\0');
            c.len = c.buf.size();
            return ImapGetHeaders(c.h, 1, &c.buf[0], &c.len, 0);
        })
        .Results(Buffer)
        .Ok()
        .Has("buffer", "Subject: face message one\r\n");
    row("ImapGetHeaders_Missing")
        .Setup(sel)
        .Call([](Ctx &c) {
            c.buf.assign(4096, '\0');
            c.len = c.buf.size();
            return ImapGetHeaders(c.h, 40, &c.buf[0], &c.len, IMAP_FETCH_UID);
        })
        .Results(Buffer)
        .Fails(S);
    auto file_contents = [](Ctx &c) {
        std::ifstream f(c.text, std::ios::binary);
        c.Add("file", f ? std::string(std::istreambuf_iterator<char>(f), {}) : "(no file)");
        Transfer(c);
        Result(c);
    };
    row("ImapSaveMessage_Ok")
        .Setup(sel)
        .Call([](Ctx &c) {
            c.text = c.File("saved.eml");
            return ImapSaveMessage(c.h, 2, 0, c.text.c_str());
        })
        .Results(file_contents)
        .Ok()
        .Has("file", std::string(3000, 'x'));
    row("ImapSaveMessage_Missing") // the file is created, and left empty
        .Setup(sel)
        .Call([](Ctx &c) {
            c.text = c.File("missing.eml");
            return ImapSaveMessage(c.h, 40, IMAP_FETCH_UID, c.text.c_str());
        })
        .Results(file_contents)
        .Fails(S)
        .Is("file", "");
    row("ImapSaveMessage_Unwritable")
        .Setup(sel)
        .Call([](Ctx &c) {
            c.text = c.File("no-such-dir") + "/saved.eml";
            return ImapSaveMessage(c.h, 1, 0, c.text.c_str());
        })
        .Fails(ST_ERROR_FILE)
        .Is("sent", "");
    row("ImapSaveMessage_NoName")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapSaveMessage(c.h, 1, 0, ""); })
        .Fails(kArg)
        .Is("sent", "");

    // ---- ImapGetMessageInfo ------------------------------------------------------------------
    row("ImapGetMessageInfo_All")
        .Setup(sel)
        .Call([](Ctx &c) {
            return ImapGetMessageInfo(c.h, "1:*", IMAP_INFO_ENVELOPE | IMAP_INFO_BODYSTRUCTURE,
                                      Info, &c);
        })
        .Results(Infos)
        .Ok()
        .Has("infos", "1 uid 1 flags 32 size ")
        .Has("infos", "date 01-Jan-2024 10:00:00 +0000")
        .Has("infos", "subject face message two from Alice <alice@localhost>")
        .Has("infos", "structure (");
    row("ImapGetMessageInfo_Uid")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapGetMessageInfo(c.h, "2:3", IMAP_FETCH_UID, Info, &c); })
        .Results(Infos)
        .Ok()
        .Check([](const Outcome &o) { EXPECT_EQ(o.Get("infos").rfind("2 uid 2 ", 0), 0u) << o; });
    row("ImapGetMessageInfo_InvalidSet")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapGetMessageInfo(c.h, "1:*)", 0, Info, &c); })
        .Fails(kArg)
        .Is("sent", "");
    row("ImapGetMessageInfo_NoCallback")
        .Setup(sel)
        .Call([](Ctx &c) { return ImapGetMessageInfo(c.h, "1", 0, nullptr, nullptr); })
        .Fails(kArg)
        .Is("sent", "");

    // ---- search ------------------------------------------------------------------------------
    row("ImapSearchMailbox_Raw")
        .Setup(sel)
        .Call(Search("SUBJECT two"))
        .Results(Found)
        .Ok()
        .Is("ids", "1: 2")
        .Is("search results", "1: 2");
    row("ImapSearchMailbox_RawUid")
        .Setup(sel)
        .Call(Search("SUBJECT message", IMAP_FETCH_UID))
        .Results(Found)
        .Ok()
        .Is("ids", "3: 1 2 3")
        .Has("sent", "UID SEARCH");
    row("ImapSearchMailbox_Builder")
        .Setup(Then(sel, Builder({{"SUBJECT", "face message"}, {"NOT SUBJECT", "two"}})))
        .Call(Search(nullptr))
        .Results(Found)
        .Ok()
        .Is("ids", "2: 1 3");
    row("ImapSearchMailbox_BuilderUtf8") // CHARSET UTF-8 or UTF-8 enabled, as negotiated
        .Setup(Then(sel, Builder({{"SUBJECT", "\xce\xb4\xce\xbf\xce\xba"}})))
        .Call(Search(nullptr))
        .Results(Found)
        .Ok()
        .Is("ids", "0:");
    row("ImapSearchMailbox_SmallCapacity") // the count says how many matched
        .Setup(sel)
        .Call(Search("ALL", 0, 1))
        .Results(Found)
        .Ok()
        .Is("ids", "3: 1")
        .Is("search results", "3: 1 2 3");
    row("ImapSearchMailbox_Bad")
        .Setup(sel)
        .Call(Search("XFACES 1"))
        .Results(Found)
        .Fails(ST_ERROR_COMMAND_REJECTED);
    row("ImapSearchMailbox_EmptyBuilder")
        .Setup(Then(sel, Builder({})))
        .Call(Search(nullptr))
        .Fails(kArg)
        .Is("sent", "");
    row("ImapSearchMailbox_LiteralInRaw")
        .Setup(sel)
        .Call(Search("SUBJECT {3}"))
        .Fails(kArg)
        .Is("sent", "");
    row("ImapSearchMailbox_NoneSelected")
        .Setup(none)
        .Call(Search("ALL"))
        .Fails(kState)
        .Is("sent", "");

    return rows;
}

} // namespace mwtest::faces
