// The IMAP engine (core/imap/engine.h) behind the transcript runner: every engine op by name and
// the checks of its results, through the engine's public header only. Ops and checks are listed
// in tests/transcripts/README.md.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <mailwire/imap.h>

#include "bindings.hpp"

extern "C" {
#include "core/imap/engine.h"
}

namespace mw_transcript
{
namespace
{

#define MW_NAME(n)                                                                                 \
    {                                                                                              \
#n, n                                                                                      \
    }
const NamedValues kOptions = {MW_NAME(IMAP_OPTION_NONE),
                              MW_NAME(IMAP_OPTION_IDENTIFY),
                              MW_NAME(IMAP_OPTION_TUNNEL),
                              MW_NAME(IMAP_OPTION_TRUSTEDSITE),
                              MW_NAME(IMAP_OPTION_SECURE),
                              MW_NAME(IMAP_OPTION_SECURE_EXPLICIT),
                              MW_NAME(IMAP_OPTION_SECURE_IMPLICIT),
                              MW_NAME(IMAP_OPTION_SECURE_FALLBACK),
                              MW_NAME(IMAP_OPTION_PREFER_IPV6),
                              MW_NAME(IMAP_OPTION_FREETHREAD),
                              MW_NAME(IMAP_OPTION_ALLOW_CLEARTEXT_AUTH)};
#undef MW_NAME

// Bit names without their prefix, in bit order (the order the checks print them).
const NamedValues kMessageFlags = {{"ANSWERED", IMAP_FLAG_ANSWERED}, {"DRAFT", IMAP_FLAG_DRAFT},
                                   {"URGENT", IMAP_FLAG_URGENT},     {"SEEN", IMAP_FLAG_SEEN},
                                   {"DELETED", IMAP_FLAG_DELETED},   {"RECENT", IMAP_FLAG_RECENT},
                                   {"KEYWORDS", IMAP_FLAG_KEYWORDS}};
const NamedValues kMailboxAttrs = {{"NOINFERIORS", IMAP_FLAG_NOINFERIORS},
                                   {"NOSELECT", IMAP_FLAG_NOSELECT},
                                   {"MARKED", IMAP_FLAG_MARKED},
                                   {"UNMARKED", IMAP_FLAG_UNMARKED},
                                   {"HASCHILDREN", IMAP_FLAG_HASCHILDREN},
                                   {"HASNOCHILDREN", IMAP_FLAG_HASNOCHILDREN},
                                   {"SUBSCRIBED", IMAP_FLAG_SUBSCRIBED},
                                   {"NONEXISTENT", IMAP_FLAG_NONEXISTENT},
                                   {"SPECIAL_ALL", IMAP_SPECIAL_ALL},
                                   {"SPECIAL_ARCHIVE", IMAP_SPECIAL_ARCHIVE},
                                   {"SPECIAL_DRAFTS", IMAP_SPECIAL_DRAFTS},
                                   {"SPECIAL_FLAGGED", IMAP_SPECIAL_FLAGGED},
                                   {"SPECIAL_JUNK", IMAP_SPECIAL_JUNK},
                                   {"SPECIAL_SENT", IMAP_SPECIAL_SENT},
                                   {"SPECIAL_TRASH", IMAP_SPECIAL_TRASH}};

// "authenticate MECH": the IMAP_AUTH_* type of a SASL mechanism name.
const NamedValues kMechanisms = {{"PLAIN", IMAP_AUTH_PLAIN},
                                 {"CRAM-MD5", IMAP_AUTH_CRAM_MD5},
                                 {"ANONYMOUS", IMAP_AUTH_ANONYMOUS},
                                 {"XOAUTH2", IMAP_AUTH_XOAUTH2},
                                 {"OAUTHBEARER", IMAP_AUTH_BEARER},
                                 {"SCRAM-SHA-1", IMAP_AUTH_SCRAM_SHA1},
                                 {"SCRAM-SHA-256", IMAP_AUTH_SCRAM_SHA256},
                                 {"AUTO", IMAP_AUTH_AUTO}};

const char *const kConditions[] = {"OK", "NO", "BAD", "BYE"};

// "A|B" of the names of the bits set in v (in table order), "NONE" for 0, unknown bits in hex.
std::string BitNames(uint32_t v, const NamedValues &names)
{
    std::string out;
    for (const auto &n : names)
        if (v & n.second) {
            out += (out.empty() ? "" : "|") + n.first;
            v &= ~n.second;
        }
    if (v) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "0x%x", v);
        out += (out.empty() ? "" : "|") + std::string(hex);
    }
    return out.empty() ? "NONE" : out;
}

// Flags of an op line: names of `names` with or without `prefix`, "NONE", or numbers.
uint32_t ParseBits(const std::string &text, const NamedValues &names, const std::string &prefix)
{
    NamedValues all = names;
    for (const auto &n : names)
        all.emplace_back(prefix + n.first, n.second);
    all.emplace_back("NONE", 0);
    return ParseFlags(text, all);
}

// A result structure as the checks show it: "key=value ..." in field order, string values in
// quotes (NIL for a NULL string); "name.field" shows one field's value alone, unquoted.
class Fields
{
  public:
    Fields &Num(const std::string &key, uint64_t v)
    {
        f_.push_back({key, std::to_string(v), false});
        return *this;
    }
    Fields &Word(const std::string &key, const std::string &v)
    {
        f_.push_back({key, v, false});
        return *this;
    }
    Fields &Str(const std::string &key, const char *v)
    {
        f_.push_back({key, v ? v : "NIL", v != nullptr});
        return *this;
    }
    std::string Show(const std::string &what, const std::string &field) const
    {
        if (field.empty()) {
            std::string out;
            for (const auto &f : f_)
                out += (out.empty() ? "" : " ") + f.key + "=" +
                       (f.quoted ? "\"" + f.value + "\"" : f.value);
            return out;
        }
        std::string known;
        for (const auto &f : f_) {
            if (f.key == field)
                return f.value;
            known += " " + f.key;
        }
        throw UsageError(what + " has no field " + field + " (fields:" + known + ")");
    }

  private:
    struct Field {
        std::string key, value;
        bool quoted;
    };
    std::vector<Field> f_;
};

Fields MailboxFields(const IMAPMAILBOX &m)
{
    Fields f;
    f.Num("messages", m.nMessages)
        .Num("recent", m.nRecentMessages)
        .Num("unseen_id", m.nUnseenMessageId)
        .Num("uidvalidity", m.dwMailboxUID)
        .Num("uidnext", m.dwNextMessageUID)
        .Word("flags", BitNames(m.dwFlags, kMessageFlags))
        .Word("permanent", BitNames(m.dwPermanentFlags, kMessageFlags))
        .Word("access", m.dwAccessMode == IMAP_ACCESS_READONLY    ? "READONLY"
                        : m.dwAccessMode == IMAP_ACCESS_READWRITE ? "READWRITE"
                                                                  : std::to_string(m.dwAccessMode))
        .Num("unseen", m.nUnseenMessages)
        .Num("modseq", m.nHighestModSeq)
        .Num("readonly", static_cast<unsigned>(m.bReadOnly));
    return f;
}

Fields StatusFields(const IMAPMAILBOXSTATUS &s)
{
    Fields f;
    f.Num("messages", s.nMessages)
        .Num("recent", s.nRecentMessages)
        .Num("unseen", s.nUnseenMessages)
        .Num("uidvalidity", s.dwMailboxUID)
        .Num("uidnext", s.dwNextMessageUID)
        .Num("size", s.nSize);
    return f;
}

std::string Delimiter(char d)
{
    return d ? std::string(1, d) : "NIL";
}

Fields ListFields(const IMAPMAILBOXINFO &i)
{
    Fields f;
    f.Str("name", i.szMailbox)
        .Word("delim", Delimiter(i.chDelimiter))
        .Word("attrs", BitNames(i.dwAttributes, kMailboxAttrs))
        .Num("status", static_cast<unsigned>(i.bHasStatus))
        .Num("messages", i.nMessages)
        .Num("unseen", i.nUnseenMessages);
    return f;
}

Fields MessageFields(const IMAPMESSAGE &m)
{
    Fields f;
    f.Num("id", m.nMessageId)
        .Num("uid", m.dwUID)
        .Word("flags", BitNames(m.dwFlags, kMessageFlags))
        .Num("size", m.nSize)
        .Str("date", m.lpszDate)
        .Str("keywords", m.lpszKeywords)
        .Str("subject", m.lpszSubject)
        .Str("from", m.lpszFrom)
        .Str("to", m.lpszTo)
        .Str("cc", m.lpszCc)
        .Str("message_id", m.lpszMessageId)
        .Str("env_date", m.lpszEnvDate)
        .Str("bodystructure", m.lpszBodyStructure);
    return f;
}

Fields NamespaceFields(const char *prefix, char delim)
{
    Fields f;
    f.Str("prefix", prefix).Word("delim", Delimiter(delim));
    return f;
}

// Output memory handed to an op: filled with a pattern first, so a check can tell whether the
// engine wrote it ("(unset)": the operation has not delivered its results, or never will).
template <typename T> struct Out {
    T v;
    Out()
    {
        std::memset(static_cast<void *>(&v), kFill, sizeof v);
    }
    bool Written() const
    {
        const unsigned char *p = reinterpret_cast<const unsigned char *>(&v);
        for (size_t i = 0; i < sizeof v; i++)
            if (p[i] != kFill)
                return true;
        return false;
    }
    static const unsigned char kFill = 0xa5;
};

// A number word of an op line ("first", "message id"...).
unsigned Number(const std::string &word, const std::string &what)
{
    if (word.empty() || word.size() > 9 ||
        word.find_first_not_of("0123456789") != std::string::npos)
        throw UsageError(what + " must be a number, not \"" + word + "\"");
    return static_cast<unsigned>(std::stoul(word));
}

const char *const kUnset = "(unset)";
const size_t kPrefix = 256; // the namespace op's buffer (size= may make it smaller)
const char *const kNone = "(none)";

// "base.N.field" split: key "list.1.name" -> index 1, field "name".
struct Key {
    std::string base, field;
    size_t index = 0;
    bool indexed = false;
};

Key SplitKey(const std::string &key, bool indexed)
{
    Key k;
    size_t dot = key.find('.');
    k.base = key.substr(0, dot);
    std::string rest = dot == std::string::npos ? "" : key.substr(dot + 1);
    if (indexed) {
        size_t d2 = rest.find('.');
        std::string n = rest.substr(0, d2);
        if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos)
            throw UsageError("write " + k.base + ".N (N counts from 0)");
        k.index = std::stoul(n);
        k.indexed = true;
        rest = d2 == std::string::npos ? "" : rest.substr(d2 + 1);
    }
    k.field = rest;
    return k;
}

class ImapBinding : public Binding
{
  public:
    explicit ImapBinding(uint32_t options, const mw_imap_limits *lim = nullptr)
        : e_(mw_imap_new(options, lim))
    {
        if (!e_)
            throw UsageError("mw_imap_new() failed");
    }
    ~ImapBinding() override
    {
        mw_imap_free(e_);
    }
    ImapBinding(const ImapBinding &) = delete;
    ImapBinding &operator=(const ImapBinding &) = delete;

    const mw_engine_ops &Ops() const override
    {
        return mw_imap_engine_ops;
    }
    void *Engine() override
    {
        return e_;
    }

    unsigned Op(const std::string &op, Args &a) override
    {
        if (op == "connect") {
            a.Done();
            return mw_imap_op_connect(e_);
        }
        if (op == "login" || op == "authenticate")
            return Login(op == "login", a);
        if (op == "logout") {
            a.Done();
            return mw_imap_engine_ops.close(e_); // the session's polite end: LOGOUT
        }
        if (op == "noop" || op == "check" || op == "unselect" || op == "close") {
            a.Done();
            return op == "noop"       ? mw_imap_op_noop(e_)
                   : op == "check"    ? mw_imap_op_check(e_)
                   : op == "unselect" ? mw_imap_op_unselect(e_)
                                      : mw_imap_op_close(e_);
        }
        if (op == "command") {
            const char *line = Opt(a, "command line");
            a.Done();
            return mw_imap_op_command(e_, line);
        }
        if (op == "select" || op == "examine") {
            const char *name = Opt(a, "mailbox");
            uint32_t options = (op == "examine" || a.Flag("readonly")) ? IMAP_SELECT_READONLY : 0;
            if (a.Flag("condstore"))
                options |= IMAP_SELECT_CONDSTORE;
            a.Done();
            return mw_imap_op_select(e_, name, options, &mbox_out_.emplace_back().v);
        }
        if (op == "expunge") {
            const char *uids = a.Has("uids") ? Keep(a.Get("uids")) : nullptr;
            a.Done();
            return uids ? mw_imap_op_expunge_uids(e_, uids)
                        : mw_imap_op_expunge(e_, &mbox_out_.emplace_back().v);
        }
        if (op == "create" || op == "delete" || op == "subscribe" || op == "unsubscribe") {
            const char *name = Opt(a, "mailbox");
            a.Done();
            mw_imap_mailbox_verb verb = op == "create"      ? MW_IMAP_MAILBOX_CREATE
                                        : op == "delete"    ? MW_IMAP_MAILBOX_DELETE
                                        : op == "subscribe" ? MW_IMAP_MAILBOX_SUBSCRIBE
                                                            : MW_IMAP_MAILBOX_UNSUBSCRIBE;
            return mw_imap_op_mailbox(e_, verb, name);
        }
        if (op == "rename") {
            const char *from = Opt(a, "old name"), *to = Opt(a, "new name");
            a.Done();
            return mw_imap_op_rename(e_, from, to);
        }
        if (op == "list")
            return List(a);
        if (op == "status") {
            const char *name = Opt(a, "mailbox");
            a.Done();
            return mw_imap_op_status(e_, name, &status_out_.emplace_back().v);
        }
        if (op == "namespace") {
            size_t size = static_cast<size_t>(a.Number("size", kPrefix));
            a.Done();
            if (size > kPrefix)
                throw UsageError("size= is at most " + std::to_string(kPrefix));
            Namespace &ns = ns_out_.emplace_back();
            return mw_imap_op_namespace(e_, ns.prefix.v, size, &ns.delim.v);
        }
        if (op == "fetch" || op == "fetch_all")
            return Fetch(op == "fetch", a);
        if (op == "get_message")
            return GetMessage(a);
        if (op == "info") {
            const char *set = Opt(a, "message set");
            uint32_t options = (a.Flag("uid") ? IMAP_FETCH_UID : 0) |
                               (a.Flag("envelope") ? IMAP_INFO_ENVELOPE : 0) |
                               (a.Flag("bodystructure") ? IMAP_INFO_BODYSTRUCTURE : 0);
            a.Done();
            info_.clear();
            return mw_imap_op_message_info(e_, set, options, &ImapBinding::Info, this);
        }
        if (op == "search")
            return Search(a);
        if (op == "store") {
            const char *set = Opt(a, "message set");
            std::string mode = a.Next("mode (replace, add or remove)");
            uint32_t m = mode == "add"       ? IMAP_STORE_ADD
                         : mode == "remove"  ? IMAP_STORE_REMOVE
                         : mode == "replace" ? IMAP_STORE_REPLACE
                                             : throw UsageError("unknown store mode " + mode);
            uint32_t flags = ParseBits(a.Next("flags"), kMessageFlags, "IMAP_FLAG_");
            if (a.Flag("uid"))
                m |= IMAP_FETCH_UID;
            if (a.Flag("silent"))
                m |= IMAP_STORE_SILENT;
            const char *keywords = a.Has("keywords") ? Keep(a.Get("keywords")) : nullptr;
            a.Done();
            return mw_imap_op_store(e_, set, m, flags, keywords);
        }
        if (op == "copy" || op == "move") {
            const char *set = Opt(a, "message set"), *mailbox = Opt(a, "mailbox");
            uint32_t options = a.Flag("uid") ? IMAP_FETCH_UID : 0;
            a.Done();
            return mw_imap_op_copy(e_, set, mailbox, options, op == "move");
        }
        if (op == "append")
            return Append(a);
        if (op == "idle") {
            uint32_t options = a.Flag("nowait") ? IMAP_IDLE_NOWAIT : IMAP_IDLE_WAIT;
            if (a.Flag("duration"))
                options |= IMAP_IDLE_DURATION;
            a.Flag("wait");
            uint64_t total = a.Number("timeout", 1000);
            unsigned interval = static_cast<unsigned>(a.Number("interval", 1000)),
                     poll = static_cast<unsigned>(a.Number("poll", 1000));
            a.Done();
            return mw_imap_op_idle(e_, options, total, interval, poll,
                                   &changes_out_.emplace_back().v, &step_out_.emplace_back().v);
        }
        throw UsageError("unknown IMAP op " + op);
    }

    std::string Query(const std::string &key) override
    {
        if (key == "state")
            return mw_imap_engine_state_name(e_);
        if (key == "caps")
            return mw_imap_capabilities(e_);
        if (key.compare(0, 4, "cap.") == 0)
            return std::to_string(mw_imap_has_cap(e_, key.substr(4).c_str()));
        if (key == "alert")
            return mw_imap_alert(e_);
        if (key == "why")
            return mw_imap_why(e_);
        if (key == "detail") {
            unsigned err;
            const char *d = nullptr;
            mw_imap_engine_ops.status(e_, &err, &d);
            return d ? d : "";
        }
        if (key == "progress")
            return std::to_string(mw_imap_engine_ops.progress(e_));
        if (key == "result") {
            int c = mw_imap_result_code(e_);
            if (c < 0 || c > 3)
                return kNone;
            std::string text = mw_imap_result_text(e_);
            return kConditions[c] + (text.empty() ? "" : " " + text);
        }
        if (key == "released")
            return std::to_string(released_);
        if (key == "search") {
            std::vector<uint32_t> ids(mw_imap_search_results(e_, nullptr, 0));
            mw_imap_search_results(e_, ids.data(), ids.size());
            return Ids(ids.data(), ids.size());
        }
        if (key == "appenduid")
            return std::to_string(mw_imap_append_uid(e_));
        if (key == "changes")
            return std::to_string(mw_imap_changes(e_));
        if (key == "transfer") {
            uint64_t done = 0, total = 0;
            mw_imap_transfer(e_, &done, &total);
            return std::to_string(done) + "/" + std::to_string(total);
        }
        if (key == "fetched")
            return fetched_;
        Key k = SplitKey(key, key.compare(0, 5, "list.") == 0 || key.compare(0, 5, "info.") == 0);
        if (k.base == "mailbox") {
            const IMAPMAILBOX *m = mw_imap_mailbox(e_);
            return m ? MailboxFields(*m).Show(key, k.field) : kNone;
        }
        if (k.base == "mailbox_status")
            return StatusFields(*mw_imap_status_result(e_)).Show(key, k.field);
        if (k.base == "namespace") {
            char delim = 0;
            const char *prefix = mw_imap_namespace_result(e_, &delim);
            return NamespaceFields(prefix, delim).Show(key, k.field);
        }
        if (k.base == "list")
            return ListEntry(k, key);
        if (k.base == "info")
            return k.index < info_.size() ? info_[k.index].Show(key, k.field) : kNone;
        if (k.base == "out" && key.size() > 4)
            return Output(key.substr(4));
        throw UsageError("unknown IMAP check " + key);
    }

  private:
    const char *Keep(const std::string &s)
    {
        keep_.push_back(s);
        return keep_.back().c_str();
    }

    // The next word, or NULL when none is left (to show how the op refuses a missing one).
    const char *Opt(Args &a, const std::string &what)
    {
        return a.HasNext() ? Keep(a.Next(what)) : nullptr;
    }

    static std::string Ids(const uint32_t *ids, size_t n)
    {
        std::string out;
        for (size_t i = 0; i < n; i++)
            out += (i ? " " : "") + std::to_string(ids[i]);
        return out;
    }

    // The release hook of fetch and append: counted; "release=ERROR" makes it fail.
    void Release(Args &a, mw_imap_release_fn *fn, void **user)
    {
        *fn = nullptr;
        *user = nullptr;
        bool plain = a.Flag("release");
        if (!plain && !a.Has("release"))
            return;
        release_err_ = ST_ERROR_NONE;
        if (!plain && !ErrorByName(a.Get("release"), &release_err_))
            throw UsageError("unknown error " + a.Get("release"));
        *fn = &ImapBinding::Released;
        *user = this;
    }

    static unsigned Released(void *user, char *detail, size_t size)
    {
        auto *b = static_cast<ImapBinding *>(user);
        b->released_++;
        if (b->release_err_)
            std::snprintf(detail, size, "release says no");
        return b->release_err_;
    }

    unsigned Login(bool login, Args &a)
    {
        unsigned type = IMAP_AUTH_LOGIN;
        if (!login) {
            std::string mech = a.Next("mechanism");
            auto it = std::find_if(kMechanisms.begin(), kMechanisms.end(),
                                   [&](const auto &m) { return m.first == mech; });
            if (it == kMechanisms.end())
                throw UsageError("unknown mechanism " + mech);
            type = it->second;
        }
        const char *user = Opt(a, "user"), *pass = Opt(a, "password");
        const char *host = Keep(a.Get("host", "mail.example"));
        unsigned port = static_cast<unsigned>(a.Number("port", 143));
        int loopback = static_cast<int>(a.Number("cleartext", 1));
        a.Done();
        return mw_imap_op_login(e_, type, user, pass, host, port, loopback);
    }

    unsigned List(Args &a)
    {
        const char *ref = Opt(a, "reference"), *pattern = Opt(a, "pattern");
        uint32_t options = (a.Flag("subscribed") ? IMAP_LIST_SUBSCRIBED : 0) |
                           (a.Flag("specialuse") ? IMAP_LIST_SPECIALUSE : 0) |
                           (a.Flag("status") ? IMAP_LIST_STATUS : 0);
        a.Done();
        unsigned err = mw_imap_op_list(e_, ref, pattern, options, &list_first_.emplace_back().v);
        listed_ = err == ST_ERROR_NONE;
        rest_.clear();
        return err;
    }

    // list.N: entry 0 is what the list op delivered (ImapGetFirstMailbox), the others come
    // from mw_imap_next_mailbox() (ImapGetNextMailbox), read as far as the engine has them.
    std::string ListEntry(const Key &k, const std::string &key)
    {
        for (;;) {
            IMAPMAILBOXINFO info;
            unsigned err = mw_imap_next_mailbox(e_, &info);
            if (err == ST_ERROR_NO_MORE_MAILBOXES)
                break;
            if (err) {
                const char *name = ErrorName(err);
                rest_.push_back("error " + (name ? name : std::to_string(err)) + ": " +
                                mw_imap_why(e_));
                continue;
            }
            rest_.push_back(ListFields(info));
        }
        size_t i = k.index;
        if (listed_) {
            if (i == 0) {
                const Out<IMAPMAILBOXINFO> &first = list_first_.back();
                return first.Written() ? ListFields(first.v).Show(key, k.field) : kUnset;
            }
            i--;
        }
        if (i >= rest_.size())
            return kNone;
        if (const std::string *err = std::get_if<std::string>(&rest_[i]))
            return *err;
        return std::get<Fields>(rest_[i]).Show(key, k.field);
    }

    unsigned Fetch(bool one, Args &a)
    {
        fetched_.clear();
        stop_ = false;
        if (!one) {
            unsigned first = Number(a.Next("first"), "FIRST"),
                     last = Number(a.Next("last"), "LAST");
            uint32_t options = a.Flag("seen") ? IMAP_FETCH_SEEN : 0;
            stop_ = a.Flag("stop");
            a.Done();
            return mw_imap_op_fetch_range(e_, first, last, options, &ImapBinding::Sink, this);
        }
        unsigned id = Number(a.Next("message id"), "ID");
        uint32_t options = (a.Flag("uid") ? IMAP_FETCH_UID : 0) |
                           (a.Flag("seen") ? IMAP_FETCH_SEEN : 0) |
                           (a.Flag("binary") ? IMAP_FETCH_BINARY : 0);
        const char *section = a.Has("section") ? Keep(a.Get("section")) : nullptr;
        uint64_t offset = a.Number("offset", 0), length = a.Number("length", 0);
        stop_ = a.Flag("stop");
        mw_imap_release_fn release;
        void *release_user;
        Release(a, &release, &release_user);
        a.Done();
        return mw_imap_op_fetch(e_, id, options, section, offset, length, &ImapBinding::Sink, this,
                                release, release_user);
    }

    // The fetch sink: "<ID uid=UID total=TOTAL>" where a message starts, then its bytes.
    static int MAILWIRE_CALLBACK Sink(unsigned id, uint32_t uid, const char *p, size_t n,
                                      uint64_t total, void *user)
    {
        auto *b = static_cast<ImapBinding *>(user);
        if (!p) {
            b->fetched_ += "<" + std::to_string(id) + " uid=" + std::to_string(uid) +
                           " total=" + std::to_string(total) + ">";
            return 0;
        }
        if (b->stop_)
            return 1; // "stop": the first bytes are refused (the fetch is cancelled)
        b->fetched_.append(p, n);
        return 0;
    }

    static void MAILWIRE_CALLBACK Info(const IMAPMESSAGE *m, void *user)
    {
        static_cast<ImapBinding *>(user)->info_.push_back(MessageFields(*m));
    }

    unsigned GetMessage(Args &a)
    {
        unsigned id = Number(a.Next("message id"), "ID");
        unsigned part = static_cast<unsigned>(a.Number("part", 0));
        uint32_t options =
            (a.Flag("uid") ? IMAP_FETCH_UID : 0) | (a.Flag("seen") ? IMAP_FETCH_SEEN : 0) |
            (a.Flag("header") ? IMAP_SECTION_HEADER : 0) | (a.Flag("text") ? IMAP_SECTION_BODY : 0);
        size_t size = static_cast<size_t>(a.Number("size", 65536));
        a.Done();
        Buffer &b = buf_out_.emplace_back();
        // A guard past the capacity shows whether the engine wrote beyond it.
        b.bytes.assign(size + kGuard, '#');
        b.cap = size;
        b.len = size;
        return mw_imap_op_get_message(e_, id, part, options, b.bytes.data(), &b.len);
    }

    unsigned Search(Args &a)
    {
        uint32_t options = a.Flag("uid") ? IMAP_FETCH_UID : 0;
        size_t cap = static_cast<size_t>(a.Number("count", 64));
        const char *raw = a.Has("raw") ? Keep(a.Get("raw")) : nullptr;
        std::vector<const char *> &keys = lists_.emplace_back(), &values = lists_.emplace_back();
        while (a.HasNext()) {
            // One criterion per word: KEY, or "KEY=VALUE" (quoted, so it is not a key=value
            // argument of the op line).
            std::string w = a.Next("criterion");
            size_t eq = w.find('=');
            keys.push_back(Keep(w.substr(0, eq)));
            values.push_back(eq == std::string::npos ? nullptr : Keep(w.substr(eq + 1)));
        }
        a.Done();
        if (raw && !keys.empty())
            throw UsageError("raw= or criteria, not both");
        Searched &s = search_out_.emplace_back();
        s.ids.assign(cap, 0);
        s.count = cap;
        mw_imap_criteria built = {keys.data(), values.data(), keys.size()};
        return mw_imap_op_search(e_, raw ? nullptr : &built, raw, options, s.ids.data(), &s.count);
    }

    unsigned Append(Args &a)
    {
        const char *mailbox = Opt(a, "mailbox");
        uint32_t flags =
            a.Has("flags") ? ParseBits(a.Get("flags"), kMessageFlags, "IMAP_FLAG_") : 0;
        const char *date = a.Has("date") ? Keep(a.Get("date")) : nullptr;
        if (a.Flag("binary"))
            flags |= IMAP_APPEND_BINARY;
        const char *body = Keep(a.Get("body"));
        size_t body_len = keep_.back().size();
        uint64_t size = a.Number("size", body_len);
        bool source = a.Flag("source");
        mw_imap_release_fn release;
        void *release_user;
        Release(a, &release, &release_user);
        a.Done();
        if (!source && size != body_len)
            throw UsageError("size= differs from the body's length: add \"source\"");
        src_ = body;
        src_left_ = body_len;
        return mw_imap_op_append(e_, mailbox, flags, date, size, source ? nullptr : body,
                                 source ? &ImapBinding::Source : nullptr, this, release,
                                 release_user, &uid_out_.emplace_back().v);
    }

    // The "source" of append: the body in pieces of at most 7 bytes, then -1 (the source ends;
    // with size= beyond the body the engine must fail the APPEND).
    static long MAILWIRE_CALLBACK Source(char *buf, size_t size, void *user)
    {
        auto *b = static_cast<ImapBinding *>(user);
        size_t n = std::min({size, b->src_left_, size_t(7)});
        if (n == 0)
            return -1;
        std::memcpy(buf, b->src_, n);
        b->src_ += n;
        b->src_left_ -= n;
        return static_cast<long>(n);
    }

    // out.KEY: what the last op call taking that output wrote through its pointer.
    std::string Output(const std::string &key)
    {
        Key k = SplitKey(key, false);
        const std::string &what = "out." + k.base;
        if (k.base == "mailbox")
            return Latest(mbox_out_, [&](const IMAPMAILBOX &m) {
                return MailboxFields(m).Show(what, k.field);
            });
        if (k.base == "mailbox_status")
            return Latest(status_out_, [&](const IMAPMAILBOXSTATUS &s) {
                return StatusFields(s).Show(what, k.field);
            });
        if (k.base == "namespace") {
            if (ns_out_.empty())
                return kUnset;
            const Namespace &ns = ns_out_.back();
            if (!ns.prefix.Written())
                return kUnset;
            std::string prefix(ns.prefix.v, strnlen(ns.prefix.v, sizeof ns.prefix.v));
            return NamespaceFields(prefix.c_str(), ns.delim.Written() ? ns.delim.v : '?')
                .Show(what, k.field);
        }
        if (!k.field.empty())
            throw UsageError(what + " has no fields");
        if (k.base == "appenduid")
            return Latest(uid_out_, [](uint32_t v) { return std::to_string(v); });
        if (k.base == "changes")
            return Latest(changes_out_, [](unsigned v) { return std::to_string(v); });
        if (k.base == "step")
            return Latest(step_out_, [](unsigned v) { return std::to_string(v); });
        if (k.base == "search") {
            if (search_out_.empty())
                return kUnset;
            const Searched &s = search_out_.back();
            return std::to_string(s.count) + ": " +
                   Ids(s.ids.data(), std::min(s.count, s.ids.size()));
        }
        if (k.base == "length" || k.base == "message" || k.base == "overrun") {
            if (buf_out_.empty())
                return kUnset;
            const Buffer &b = buf_out_.back();
            if (k.base == "length")
                return std::to_string(b.len);
            if (k.base == "message")
                return std::string(b.bytes.data(), std::min(b.len, b.cap));
            size_t changed = 0;
            for (size_t i = b.cap; i < b.bytes.size(); i++)
                changed += b.bytes[i] != '#';
            return std::to_string(changed);
        }
        throw UsageError("unknown IMAP check out." + key);
    }

    template <typename T, typename F>
    static std::string Latest(const std::deque<Out<T>> &d, const F &show)
    {
        return d.empty() || !d.back().Written() ? kUnset : show(d.back().v);
    }

    struct Namespace {
        Out<char[kPrefix]> prefix;
        Out<char> delim;
    };
    struct Searched {
        std::vector<uint32_t> ids;
        size_t count = 0;
    };
    struct Buffer {
        std::vector<char> bytes;
        size_t cap = 0, len = 0;
    };
    static const size_t kGuard = 16;

    mw_imap_engine *e_;
    std::deque<std::string> keep_; // strings the engine may read after the op call
    std::deque<std::vector<const char *>> lists_;
    // Output memory of op calls, one per call (the engine writes it when the operation ends,
    // also after later calls superseded it); the out.* checks read the latest.
    std::deque<Out<IMAPMAILBOX>> mbox_out_;
    std::deque<Out<IMAPMAILBOXSTATUS>> status_out_;
    std::deque<Out<IMAPMAILBOXINFO>> list_first_;
    std::deque<Namespace> ns_out_;
    std::deque<Searched> search_out_;
    std::deque<Out<uint32_t>> uid_out_;
    std::deque<Out<unsigned>> changes_out_, step_out_;
    std::deque<Buffer> buf_out_;
    // What the callbacks received.
    std::string fetched_;
    bool stop_ = false;
    std::vector<Fields> info_;
    bool listed_ = false;
    std::vector<std::variant<Fields, std::string>> rest_;
    unsigned released_ = 0, release_err_ = ST_ERROR_NONE;
    const char *src_ = nullptr;
    size_t src_left_ = 0;
};

} // namespace

std::string ImapMailboxText(const IMAPMAILBOX &m)
{
    return MailboxFields(m).Show("mailbox", "");
}

std::string ImapStatusText(const IMAPMAILBOXSTATUS &st)
{
    return StatusFields(st).Show("mailbox_status", "");
}

std::string ImapListText(const IMAPMAILBOXINFO &i)
{
    return ListFields(i).Show("list", "");
}

std::string ImapMessageText(const IMAPMESSAGE &m)
{
    return MessageFields(m).Show("info", "");
}

Protocol ImapProtocol()
{
    Protocol p;
    p.name = "imap";
    p.options = kOptions;
    // "line_limit: N": the reader's line limit (default 1 MiB), so that a transcript can show
    // what goes past it with a few hundred bytes instead of a megabyte replayed at every chunk
    // size. "search_limit: N": the ids one search keeps (default 1 Mi).
    p.headers = {"line_limit", "search_limit"};
    p.create = [](uint32_t options, const std::map<std::string, std::string> &headers) {
        mw_imap_limits lim = *mw_imap_default_limits();
        bool set = false;
        for (const char *key : {"line_limit", "search_limit"}) {
            auto it = headers.find(key);
            if (it == headers.end())
                continue;
            size_t v;
            try {
                v = std::stoul(it->second);
            } catch (const std::exception &) {
                throw UsageError(std::string(key) + ": a number is required");
            }
            (std::string(key) == "line_limit" ? lim.line : lim.search_ids) = v;
            set = true;
        }
        return std::unique_ptr<Binding>(new ImapBinding(options, set ? &lim : nullptr));
    };
    return p;
}

} // namespace mw_transcript
