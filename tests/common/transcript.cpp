// The transcript runner: parser and replay. See transcript.hpp and tests/transcripts/README.md.
#include "transcript.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <mailwire/common.h>

namespace mw_transcript
{
namespace
{

// ---- names --------------------------------------------------------------------------------

struct ErrorEntry {
    unsigned code;
    const char *name;
};

#define MW_ERR(n)                                                                                  \
    {                                                                                              \
        ST_ERROR_##n, #n                                                                           \
    }
const ErrorEntry kErrors[] = {MW_ERR(NONE),
                              MW_ERR(INVALID_ARGUMENT),
                              MW_ERR(INVALID_HANDLE),
                              MW_ERR(OUT_OF_MEMORY),
                              MW_ERR(NOT_OWNER),
                              MW_ERR(ALREADY_CONNECTED),
                              MW_ERR(NOT_CONNECTED),
                              MW_ERR(IN_PROGRESS),
                              MW_ERR(BUSY),
                              MW_ERR(SERVER_PERMANENT),
                              MW_ERR(SERVER_TEMPORARY),
                              MW_ERR(OUT_OF_SYNC),
                              MW_ERR(TIMEOUT),
                              MW_ERR(CONNECTION_CLOSED),
                              MW_ERR(RESOLVE_FAILED),
                              MW_ERR(CONNECT_REFUSED),
                              MW_ERR(CONNECT_FAILED),
                              MW_ERR(TLS_HANDSHAKE_FAILED),
                              MW_ERR(CERTIFICATE_REJECTED),
                              MW_ERR(TLS_TRUNCATED),
                              MW_ERR(TLS_LEGACY_UNAVAILABLE),
                              MW_ERR(STARTTLS_UNAVAILABLE),
                              MW_ERR(AUTHENTICATION_FAILED),
                              MW_ERR(INVALID_AUTHENTICATION_TYPE),
                              MW_ERR(CLEARTEXT_REFUSED),
                              MW_ERR(CANCELLED),
                              MW_ERR(LIMIT_EXCEEDED),
                              MW_ERR(PROTOCOL_VIOLATION),
                              MW_ERR(SOCKET),
                              MW_ERR(CREDENTIALS),
                              MW_ERR(NO_VALID_RECIPIENTS),
                              MW_ERR(MESSAGE_TOO_LARGE),
                              MW_ERR(ALREADY_AUTHENTICATED),
                              MW_ERR(NO_MORE_MAILBOXES),
                              MW_ERR(FILE),
                              MW_ERR(INTERNAL),
                              MW_ERR(NOT_SUPPORTED),
                              MW_ERR(COMMAND_REJECTED),
                              MW_ERR(CALLBACK_FAILED),
                              MW_ERR(INVALID_STATE),
                              MW_ERR(NOT_FOUND)};
#undef MW_ERR

const NamedValues kEvents = {
    {"CONNECT", MAILWIRE_EVENT_CONNECT}, {"DISCONNECT", MAILWIRE_EVENT_DISCONNECT},
    {"READ", MAILWIRE_EVENT_READ},       {"WRITE", MAILWIRE_EVENT_WRITE},
    {"TIMEOUT", MAILWIRE_EVENT_TIMEOUT}, {"CANCEL", MAILWIRE_EVENT_CANCEL},
    {"COMMAND", MAILWIRE_EVENT_COMMAND}, {"PROGRESS", MAILWIRE_EVENT_PROGRESS},
    {"UPDATE", MAILWIRE_EVENT_UPDATE},   {"ERROR", MAILWIRE_EVENT_ERROR}};

const NamedValues kStatuses = {{"RUNNING", MW_OP_RUNNING},
                               {"DONE", MW_OP_DONE},
                               {"START_TLS", MW_OP_START_TLS},
                               {"FAILED", MW_OP_FAILED},
                               {"FATAL", MW_OP_FATAL}};

std::string NameOf(const NamedValues &names, unsigned v)
{
    for (const auto &n : names)
        if (n.second == v)
            return n.first;
    return std::to_string(v);
}

bool ParseNumber(const std::string &s, uint64_t *out)
{
    if (s.empty())
        return false;
    char *end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(s.c_str(), &end, 0);
    if (errno || *end || s[0] == '-')
        return false;
    *out = v;
    return true;
}

bool Lookup(const NamedValues &names, const std::string &prefix, const std::string &name,
            uint32_t *out)
{
    std::string n = name.compare(0, prefix.size(), prefix) == 0 ? name.substr(prefix.size()) : name;
    for (const auto &e : names)
        if (e.first == n || e.first == name) {
            *out = e.second;
            return true;
        }
    uint64_t v;
    if (ParseNumber(name, &v) && v <= UINT32_MAX) {
        *out = static_cast<uint32_t>(v);
        return true;
    }
    return false;
}

std::string ErrorText(unsigned err)
{
    const char *n = ErrorName(err);
    return n ? n : std::to_string(err);
}

// ---- the parsed form ----------------------------------------------------------------------

// An error in the transcript itself.
struct ParseError {
    int line;
    std::string message;
};

// Bytes with a per-byte secret flag ('1': the engine must flag it secret for the trace).
struct Text {
    std::string bytes;
    std::string secret;
    void Put(char c, bool s)
    {
        bytes += c;
        secret += s ? '1' : '0';
    }
};

enum class Kind { Server, Client, Event, Op, Action, Status, Unread, Writes, Query };

struct Step {
    Kind kind;
    int line;
    Text text;                     // Server, Client, Unread
    std::string name;              // Event, Op, Action: what; Query: the key
    uint32_t code = 0;             // Event: the event; Status: MW_OP_*; Writes: the count
    unsigned err = 0;              // Event, Status; Op: the expected refusal
    bool repeat = false;           // Event "+": one or more
    bool refused = false;          // Op "-> ERR"
    bool handled = true;           // Action expire/cancel
    bool any_err = false;          // Status DONE/RUNNING/START_TLS: the error is not compared
    std::string detail;            // Op, Status: a substring of the detail; Query: the value
    std::vector<Args::Word> words; // Op
};

struct Session {
    int line = 0;
    const Protocol *protocol = nullptr;
    uint32_t options = 0;
    std::map<std::string, std::string> headers;
    std::vector<Step> steps;
    bool events_listed = false;
    size_t longest = 1;
};

// ---- text ---------------------------------------------------------------------------------

int Hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

const size_t kMaxBytes = 64u << 20; // a transcript never needs more; a typo could ask for more

// Decode the escapes of s. line: CRLF is appended unless s ends with a lone backslash.
// secrets: \{ and \} may mark secret bytes (C: lines).
Text Unescape(const std::string &s, int lineno, bool line, bool secrets)
{
    Text t;
    bool secret = false, line_end = line;
    size_t i = 0;
    while (i < s.size()) {
        char c = s[i];
        if (c != '\\') {
            t.Put(c, secret);
            i++;
            continue;
        }
        if (i + 1 == s.size()) {
            if (!line)
                throw ParseError{lineno, "a lone backslash ends the text (write \\\\)"};
            line_end = false;
            i++;
            continue;
        }
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'r':
            t.Put('\r', secret);
            break;
        case 'n':
            t.Put('\n', secret);
            break;
        case 't':
            t.Put('\t', secret);
            break;
        case '\\':
        case '"':
            t.Put(e, secret);
            break;
        case 'x': {
            int h = i + 1 < s.size() ? Hex(s[i]) : -1, l = h >= 0 ? Hex(s[i + 1]) : -1;
            if (h < 0 || l < 0)
                throw ParseError{lineno, "\\x needs two hex digits"};
            t.Put(static_cast<char>(h * 16 + l), secret);
            i += 2;
            break;
        }
        case '{':
        case '}':
            if (!secrets)
                throw ParseError{lineno, "secret markers \\{ \\} belong in C: lines only"};
            if (secret == (e == '{'))
                throw ParseError{lineno, e == '{' ? "\\{ inside \\{ ... \\}" : "\\} without \\{"};
            secret = e == '{';
            break;
        case '[': {
            // \[unit*count]: unit repeated count times.
            size_t star = i, end = std::string::npos;
            for (; star < s.size(); star++) {
                if (s[star] == '\\') {
                    star++;
                    continue;
                }
                if (s[star] != '*')
                    continue;
                size_t d = star + 1;
                while (d < s.size() && std::isdigit(static_cast<unsigned char>(s[d])))
                    d++;
                if (d > star + 1 && d < s.size() && s[d] == ']') {
                    end = d;
                    break;
                }
            }
            if (end == std::string::npos)
                throw ParseError{lineno, "\\[ needs the form \\[text*count]"};
            std::string unit = Unescape(s.substr(i, star - i), lineno, false, false).bytes;
            uint64_t count = std::strtoull(s.substr(star + 1, end - star - 1).c_str(), nullptr, 10);
            if (unit.empty() || count > kMaxBytes / unit.size() ||
                t.bytes.size() + unit.size() * count > kMaxBytes)
                throw ParseError{lineno, "\\[...] repeats nothing or more than 64 MiB"};
            for (uint64_t k = 0; k < count; k++)
                for (char u : unit)
                    t.Put(u, secret);
            i = end + 1;
            break;
        }
        default:
            throw ParseError{lineno, std::string("unknown escape \\") + e};
        }
    }
    if (secret)
        throw ParseError{lineno, "\\{ without \\}"};
    if (line_end) {
        t.Put('\r', false);
        t.Put('\n', false);
    }
    return t;
}

// Split the words of an op line: "quoted words", key=value, key="quoted value", bare words.
std::vector<Args::Word> Tokenize(const std::string &s, int lineno)
{
    std::vector<Args::Word> out;
    size_t i = 0;
    while (i < s.size()) {
        if (s[i] == ' ' || s[i] == '\t') {
            i++;
            continue;
        }
        std::string raw;
        bool in_quote = false;
        for (; i < s.size() && (in_quote || (s[i] != ' ' && s[i] != '\t')); i++) {
            if (s[i] == '\\' && i + 1 < s.size()) {
                raw += s[i++];
                raw += s[i];
                continue;
            }
            if (s[i] == '"')
                in_quote = !in_quote;
            raw += s[i];
        }
        if (in_quote)
            throw ParseError{lineno, "unterminated quote"};
        Args::Word w;
        std::string value = raw;
        size_t eq = raw.find('=');
        if (raw[0] != '"' && eq != std::string::npos && eq > 0 &&
            std::all_of(raw.begin(), raw.begin() + static_cast<long>(eq), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
            })) {
            w.key = raw.substr(0, eq);
            value = raw.substr(eq + 1);
        }
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
            w.quoted = true;
            value = value.substr(1, value.size() - 2);
        } else if (value.find('"') != std::string::npos) {
            throw ParseError{lineno, "a quote inside a word (quote the whole word or write \\\")"};
        }
        w.text = Unescape(value, lineno, false, false).bytes;
        out.push_back(std::move(w));
    }
    return out;
}

bool StartsWith(const std::string &s, const std::string &p)
{
    return s.compare(0, p.size(), p) == 0;
}

// The text after "X:" ("" or " text").
std::string After(const std::string &line, size_t n, int lineno)
{
    std::string rest = line.substr(n);
    if (!rest.empty() && rest[0] != ' ')
        throw ParseError{lineno, "write one space after \"" + line.substr(0, n) + "\""};
    return rest.empty() ? rest : rest.substr(1);
}

// ---- parser -------------------------------------------------------------------------------

class Parser
{
  public:
    explicit Parser(const std::vector<Protocol> &protocols) : protocols_(protocols) {}

    std::vector<Session> Parse(const std::string &text)
    {
        std::istringstream in(text);
        std::string line;
        int lineno = 0;
        Begin(1);
        while (std::getline(in, line)) {
            lineno++;
            if (!line.empty() && line.back() == '\r')
                line.pop_back();
            size_t first = line.find_first_not_of(" \t");
            if (first == std::string::npos || line[first] == '#')
                continue;
            if (line == "---") {
                End();
                Begin(lineno + 1);
                continue;
            }
            if (line.back() == ' ' || line.back() == '\t')
                throw ParseError{lineno, "trailing whitespace is invisible: write it as \\x20"};
            size_t colon = line.find(':');
            if (colon != std::string::npos && colon > 1 && std::islower((unsigned char)line[0]) &&
                std::all_of(line.begin(), line.begin() + static_cast<long>(colon), [](char c) {
                    return std::islower(static_cast<unsigned char>(c)) || c == '_';
                })) {
                Header(line.substr(0, colon), After(line, colon + 1, lineno), lineno);
                continue;
            }
            StepLine(line, lineno);
        }
        End();
        return std::move(sessions_);
    }

  private:
    void Begin(int lineno)
    {
        cur_ = Session();
        cur_.line = lineno;
        header_ = file_headers_;
        in_header_ = true;
        last_server_ = false;
    }

    void Header(const std::string &key, const std::string &value, int lineno)
    {
        if (!in_header_)
            throw ParseError{lineno, "header lines come before the first step of a session"};
        if (sessions_.empty())
            file_headers_[key] = {value, lineno};
        header_[key] = {value, lineno};
    }

    void End()
    {
        if (cur_.steps.empty())
            throw ParseError{cur_.line, sessions_.empty() && header_.empty()
                                            ? "empty transcript"
                                            : "a session without steps"};
        auto proto = header_.find("protocol");
        if (proto == header_.end())
            throw ParseError{cur_.line, "no \"protocol:\" header"};
        for (const auto &p : protocols_)
            if (p.name == proto->second.first)
                cur_.protocol = &p;
        if (!cur_.protocol)
            throw ParseError{proto->second.second, "unknown protocol " + proto->second.first};
        for (const auto &h : header_) {
            const std::string &key = h.first, &value = h.second.first;
            int at = h.second.second;
            if (key == "protocol")
                continue;
            if (key == "options") {
                try {
                    cur_.options = ParseFlags(value, cur_.protocol->options);
                } catch (const UsageError &e) {
                    throw ParseError{at, e.what()};
                }
                continue;
            }
            const auto &known = cur_.protocol->headers;
            if (std::find(known.begin(), known.end(), key) == known.end())
                throw ParseError{at, "unknown header \"" + key + "\" for " + cur_.protocol->name};
            cur_.headers[key] = value;
        }
        for (const auto &s : cur_.steps) {
            if (s.kind == Kind::Server)
                cur_.longest = std::max(cur_.longest, s.text.bytes.size());
            cur_.events_listed |= s.kind == Kind::Event;
        }
        sessions_.push_back(std::move(cur_));
    }

    void StepLine(const std::string &line, int lineno)
    {
        in_header_ = false;
        Step st;
        st.line = lineno;
        bool server = false;
        if (StartsWith(line, "S:")) {
            Text t = Unescape(After(line, 2, lineno), lineno, true, false);
            server = true;
            if (last_server_) {
                // Consecutive S: lines are one server message: they arrive together and are cut
                // into chunks as one.
                Text &m = cur_.steps.back().text;
                m.bytes += t.bytes;
                m.secret += t.secret;
                last_server_ = true;
                return;
            }
            st.kind = Kind::Server;
            st.text = std::move(t);
        } else if (StartsWith(line, "C:")) {
            st.kind = Kind::Client;
            st.text = Unescape(After(line, 2, lineno), lineno, true, true);
        } else if (StartsWith(line, "E:")) {
            st.kind = Kind::Event;
            auto w = Tokenize(After(line, 2, lineno), lineno);
            if (w.empty() || w.size() > 3)
                throw ParseError{lineno, "write E: EVENT [ERROR] [+]"};
            if (!Lookup(kEvents, "MAILWIRE_EVENT_", w[0].text, &st.code))
                throw ParseError{lineno, "unknown event " + w[0].text};
            size_t k = 1;
            if (k < w.size() && w[k].text != "+") {
                if (!ErrorByName(w[k].text, &st.err))
                    throw ParseError{lineno, "unknown error " + w[k].text};
                k++;
            }
            if (k < w.size()) {
                if (w[k].text != "+" || k + 1 != w.size())
                    throw ParseError{lineno, "write E: EVENT [ERROR] [+]"};
                st.repeat = true;
            }
        } else if (StartsWith(line, ">")) {
            st.kind = Kind::Op;
            auto w = Tokenize(After(line, 1, lineno), lineno);
            if (w.empty() || w[0].quoted || !w[0].key.empty())
                throw ParseError{lineno, "write > OP [ARGS...] [-> ERROR [\"detail\"]]"};
            st.name = w[0].text;
            w.erase(w.begin());
            for (size_t k = 0; k < w.size(); k++) {
                if (w[k].quoted || !w[k].key.empty() || w[k].text != "->")
                    continue;
                if (k + 1 >= w.size() || k + 3 < w.size() || !ErrorByName(w[k + 1].text, &st.err))
                    throw ParseError{lineno, "write -> ERROR [\"detail\"] at the end"};
                st.refused = true;
                if (k + 2 < w.size())
                    st.detail = w[k + 2].text;
                w.resize(k);
                break;
            }
            st.words = std::move(w);
        } else if (StartsWith(line, "!")) {
            st.kind = Kind::Action;
            auto w = Tokenize(After(line, 1, lineno), lineno);
            if (w.empty() || w.size() > 2)
                throw ParseError{lineno, "write ! tls|expire|cancel|closed"};
            st.name = w[0].text;
            if (st.name != "tls" && st.name != "expire" && st.name != "cancel" &&
                st.name != "closed")
                throw ParseError{lineno, "unknown action " + st.name};
            if (w.size() == 2) {
                if ((st.name != "expire" && st.name != "cancel") ||
                    (w[1].text != "handled" && w[1].text != "unhandled"))
                    throw ParseError{lineno, "only expire and cancel take handled|unhandled"};
                st.handled = w[1].text == "handled";
            }
        } else if (StartsWith(line, "=")) {
            CheckLine(After(line, 1, lineno), lineno, &st);
        } else {
            throw ParseError{lineno, "unknown line (S:, C:, E:, >, !, =, # or a header)"};
        }
        last_server_ = server;
        cur_.steps.push_back(std::move(st));
    }

    void CheckLine(const std::string &rest, int lineno, Step *st)
    {
        size_t sp = rest.find(' ');
        std::string key = rest.substr(0, sp),
                    value = sp == std::string::npos ? "" : rest.substr(sp + 1);
        if (key.empty())
            throw ParseError{lineno, "write = KEY VALUE"};
        if (key == "status") {
            st->kind = Kind::Status;
            auto w = Tokenize(value, lineno);
            if (w.empty() || !Lookup(kStatuses, "MW_OP_", w[0].text, &st->code))
                throw ParseError{lineno, "write = status RUNNING|DONE|START_TLS|FAILED ERROR|FATAL "
                                         "ERROR [\"detail\"]"};
            size_t k = 1;
            if (st->code == MW_OP_FAILED || st->code == MW_OP_FATAL) {
                if (w.size() < 2 || !ErrorByName(w[1].text, &st->err))
                    throw ParseError{lineno, "FAILED and FATAL need the error name"};
                k = 2;
            } else {
                st->any_err = true;
            }
            if (k < w.size())
                st->detail = w[k++].text;
            if (k < w.size())
                throw ParseError{lineno, "too many words after = status"};
        } else if (key == "unread") {
            st->kind = Kind::Unread;
            st->text = Unescape(value, lineno, true, false);
        } else if (key == "writes") {
            st->kind = Kind::Writes;
            uint64_t n;
            if (!ParseNumber(value, &n) || n > 1000000)
                throw ParseError{lineno, "write = writes N"};
            st->code = static_cast<uint32_t>(n);
        } else {
            st->kind = Kind::Query;
            st->name = key;
            st->detail = Unescape(value, lineno, false, false).bytes;
        }
    }

    const std::vector<Protocol> &protocols_;
    std::vector<Session> sessions_;
    Session cur_;
    std::map<std::string, std::pair<std::string, int>> file_headers_, header_;
    bool in_header_ = true, last_server_ = false;
};

// ---- replay -------------------------------------------------------------------------------

// A mismatch at a line of the transcript.
struct Mismatch {
    int line;
    std::string message;
};

// Up to ~160 bytes of s around offset at, escaped and quoted.
std::string Excerpt(const std::string &s, size_t at)
{
    const size_t before = 40, window = 160;
    size_t from = s.size() <= window || at < before ? 0 : std::min(at - before, s.size() - window);
    size_t to = std::min(s.size(), from + window);
    std::string out = from ? "..." : "";
    out += "\"" + Escape(s.substr(from, to - from)) + "\"";
    if (from || to < s.size())
        out += " (bytes " + std::to_string(from) + ".." + std::to_string(to) + " of " +
               std::to_string(s.size()) + ")";
    return out;
}

// s with the secret runs shown as \{ ... \}. A line end takes the flag of the byte after it, so
// "AUTH PLAIN \{x\}\r\n" reads the same whether the engine flagged the CRLF or not.
std::string WithSecrets(const std::string &s, const std::string &flags)
{
    std::string out = "\"";
    bool in = false;
    for (size_t i = 0; i < s.size(); i++) {
        size_t k = i;
        while (k < s.size() && (s[k] == '\r' || s[k] == '\n'))
            k++;
        bool sec = k < s.size() && flags[k] == '1';
        if (sec != in) {
            out += sec ? "\\{" : "\\}";
            in = sec;
        }
        out += Escape(std::string(1, s[i]));
    }
    return out + (in ? "\\}\"" : "\"");
}

class Run
{
  public:
    Run(const Session &s, size_t chunk, Binding &b)
        : s_(s), chunk_(chunk), b_(b), ops_(b.Ops()), eng_(b.Engine())
    {
    }

    void Go()
    {
        int last = s_.line;
        Kind prev = Kind::Op;
        for (const Step &st : s_.steps) {
            last = st.line;
            switch (st.kind) {
            case Kind::Server:
                Quiet(st.line);
                Pump(st.line);
                Shown(st.line, "before this server message the client sent bytes no C: line "
                               "shows");
                Feed(st);
                break;
            case Kind::Client:
                Quiet(st.line);
                if (prev != Kind::Client)
                    group_begin_ = checked_;
                Pump(st.line);
                Client(st);
                group_end_ = checked_;
                break;
            case Kind::Event:
                CheckEvent(st);
                break;
            case Kind::Op:
                Quiet(st.line);
                Op(st);
                break;
            case Kind::Action:
                Quiet(st.line);
                Action(st);
                break;
            case Kind::Status:
                CheckStatus(st);
                break;
            case Kind::Unread:
                if (unread_ != st.text.bytes)
                    throw Mismatch{st.line, "unread server bytes differ\n  expected: " +
                                                Excerpt(st.text.bytes, 0) +
                                                "\n  actual:   " + Excerpt(unread_, 0)};
                unread_.clear(); // the session rejects them (e.g. after a STARTTLS go-ahead)
                break;
            case Kind::Writes:
                CheckWrites(st);
                break;
            case Kind::Query:
                CheckQuery(st);
                break;
            }
            prev = st.kind;
        }
        Quiet(last);
        Pump(last);
        Shown(last, "at the end of the session the client had sent bytes no C: line shows");
    }

  private:
    // Neither unread server bytes nor unlisted events may pass unnoticed.
    void Quiet(int line)
    {
        if (!unread_.empty())
            throw Mismatch{line, "the engine left server bytes unread (status " + StatusText() +
                                     "); list them with \"= unread\" if that is right\n"
                                     "  unread: " +
                                     Excerpt(unread_, 0)};
        if (s_.events_listed && !events_.empty())
            throw Mismatch{line, "the engine raised " + EventText(events_.front()) +
                                     " before this line, but no E: line lists it"};
    }

    void Shown(int line, const std::string &what)
    {
        if (checked_ < sent_.size())
            throw Mismatch{line, what + "\n  unshown: " + Excerpt(sent_.substr(checked_), 0)};
    }

    void Drain()
    {
        if (!ops_.next_event)
            return;
        for (;;) {
            unsigned err = 0, ev = ops_.next_event(eng_, &err);
            if (!ev)
                return;
            events_.emplace_back(ev, err);
        }
    }

    // Send everything the engine lends, as the session does before it reads: first its local
    // work (engine_ops.h: work), slice by slice, as the session steps it.
    void Pump(int line)
    {
        while (ops_.work && ops_.work(eng_))
            Drain();
        for (;;) {
            const char *p = nullptr;
            size_t secret_from = static_cast<size_t>(-1);
            size_t n = ops_.output(eng_, &p, &secret_from);
            if (n == 0)
                return;
            if (sent_.size() + n > kMaxBytes)
                throw Mismatch{line, "the client sent more than 64 MiB"};
            lends_.push_back(sent_.size());
            sent_.append(p, n);
            size_t open = std::min(n, secret_from);
            secret_.append(open, '0');
            secret_.append(n - open, '1');
            ops_.sent(eng_, n);
            Drain();
        }
    }

    int Status(unsigned *err = nullptr, std::string *detail = nullptr)
    {
        unsigned e = 0;
        const char *d = nullptr;
        int st = ops_.status(eng_, &e, &d);
        if (err)
            *err = e;
        if (detail)
            *detail = d ? d : "";
        return st;
    }

    std::string StatusText()
    {
        unsigned err;
        std::string detail;
        int st = Status(&err, &detail);
        std::string out = NameOf(kStatuses, static_cast<unsigned>(st));
        if (st == MW_OP_FAILED || st == MW_OP_FATAL)
            out += " " + ErrorText(err);
        if (!detail.empty())
            out += " \"" + Escape(detail) + "\"";
        return out;
    }

    static std::string EventText(const std::pair<unsigned, unsigned> &ev)
    {
        return "event " + NameOf(kEvents, ev.first) + " " + ErrorText(ev.second);
    }

    // Server bytes in pieces of chunk_, with the client's output sent after each piece, until
    // the operation stops running; the rest stays unread.
    void Feed(const Step &st)
    {
        const std::string &m = st.text.bytes;
        size_t off = 0;
        while (off < m.size()) {
            if (Status() != MW_OP_RUNNING)
                break;
            size_t end = std::min(m.size(), off + chunk_);
            while (off < end && Status() == MW_OP_RUNNING) {
                size_t used = ops_.feed(eng_, m.data() + off, end - off);
                if (used > end - off)
                    throw Mismatch{st.line, "feed() claims more bytes than it was given"};
                off += used;
                Drain();
                Pump(st.line);
                if (used == 0 && Status() == MW_OP_RUNNING)
                    throw Mismatch{st.line, "the engine took nothing at byte " +
                                                std::to_string(off) +
                                                " of this server message while its operation "
                                                "runs; next bytes: " +
                                                Excerpt(m.substr(off), 0)};
            }
        }
        unread_ += m.substr(off);
    }

    void Client(const Step &st)
    {
        const std::string &want = st.text.bytes;
        size_t avail = sent_.size() - checked_, n = std::min(avail, want.size()), diff = 0;
        // memcmp first: a transcript may hold hundreds of KiB of body, replayed many times.
        if (n && std::memcmp(want.data(), sent_.data() + checked_, n) == 0)
            diff = n;
        while (diff < n && want[diff] == sent_[checked_ + diff])
            diff++;
        if (diff < want.size()) {
            std::string got = sent_.substr(checked_, std::min(avail, want.size() + 80));
            std::string what = diff < got.size()
                                   ? "the client sent other bytes (first difference "
                                     "at byte " +
                                         std::to_string(diff) + " of this line)"
                                   : "the client sent only " + std::to_string(avail) + " of the " +
                                         std::to_string(want.size()) + " bytes of this line";
            throw Mismatch{st.line,
                           what + "\n  expected: " + Excerpt(want, diff) +
                               "\n  actual:   " + Excerpt(got, diff) +
                               "\n  (client bytes shown so far: " + std::to_string(checked_) + ")"};
        }
        bool same = std::memcmp(st.text.secret.data(), secret_.data() + checked_, n) == 0;
        for (size_t i = 0; !same && i < want.size(); i++) {
            if (want[i] == '\r' || want[i] == '\n' || st.text.secret[i] == secret_[checked_ + i])
                continue;
            // The trace redacts what the engine flags; a line end is neither secret nor not.
            throw Mismatch{
                st.line,
                std::string(st.text.secret[i] == '1' ? "bytes the transcript marks secret were not "
                                                       "flagged secret for the trace"
                                                     : "the engine flagged bytes secret that the "
                                                       "transcript does not mark") +
                    "\n  expected: " + WithSecrets(want, st.text.secret) +
                    "\n  actual:   " + WithSecrets(want, secret_.substr(checked_, want.size()))};
        }
        checked_ += want.size();
    }

    void CheckWrites(const Step &st)
    {
        size_t n = 0;
        for (size_t k = 0; k < lends_.size(); k++) {
            size_t from = lends_[k], to = k + 1 < lends_.size() ? lends_[k + 1] : sent_.size();
            n += from < group_end_ && to > group_begin_;
        }
        if (group_end_ == group_begin_)
            throw Mismatch{st.line, "= writes follows no C: line"};
        if (n != st.code)
            throw Mismatch{st.line, "the bytes of the C: lines above went out in " +
                                        std::to_string(n) + " write(s), expected " +
                                        std::to_string(st.code)};
    }

    void CheckEvent(const Step &st)
    {
        std::string want = EventText({st.code, st.err});
        if (events_.empty())
            throw Mismatch{st.line, "expected " + want + ", but no event is pending"};
        if (events_.front() != std::make_pair(static_cast<unsigned>(st.code), st.err))
            throw Mismatch{st.line, "expected " + want + ", the engine raised " +
                                        EventText(events_.front())};
        events_.pop_front();
        while (st.repeat && !events_.empty() &&
               events_.front() == std::make_pair(static_cast<unsigned>(st.code), st.err))
            events_.pop_front();
    }

    void Op(const Step &st)
    {
        Args args(st.words);
        unsigned rc;
        try {
            rc = b_.Op(st.name, args);
            args.Done();
        } catch (const UsageError &e) {
            throw Mismatch{st.line, std::string("bad op line: ") + e.what()};
        }
        Drain();
        if (!st.refused && rc != ST_ERROR_NONE)
            throw Mismatch{st.line, "the op call was refused with " + ErrorText(rc) + " (\"" +
                                        Escape(b_.Why()) + "\")"};
        if (st.refused && rc != st.err)
            throw Mismatch{st.line, "the op call returned " + ErrorText(rc) + ", expected " +
                                        ErrorText(st.err)};
        if (st.refused && b_.Why().find(st.detail) == std::string::npos)
            throw Mismatch{st.line, "the refusal's detail \"" + Escape(b_.Why()) +
                                        "\" does not contain \"" + Escape(st.detail) + "\""};
    }

    void Action(const Step &st)
    {
        if (st.name == "tls") {
            ops_.tls_started(eng_);
        } else if (st.name == "closed") {
            if (!ops_.closed)
                throw Mismatch{st.line, std::string("the ") + ops_.name +
                                            " engine has no closed() in its ops table"};
            ops_.closed(eng_, 0); /* as a close: the session reports why it dropped */
        } else {
            int (*fn)(void *) = st.name == "expire" ? ops_.expire : ops_.cancel;
            int handled = fn ? fn(eng_) : 0;
            if ((handled != 0) != st.handled)
                throw Mismatch{st.line, "the engine " +
                                            std::string(handled ? "handled" : "did not handle") +
                                            " " + st.name + "()"};
        }
        Drain();
    }

    void CheckStatus(const Step &st)
    {
        unsigned err;
        std::string detail;
        int got = Status(&err, &detail);
        bool same = static_cast<uint32_t>(got) == st.code && (st.any_err || err == st.err) &&
                    detail.find(st.detail) != std::string::npos;
        if (!same) {
            std::string want = NameOf(kStatuses, st.code);
            if (!st.any_err)
                want += " " + ErrorText(st.err);
            if (!st.detail.empty())
                want += " with \"" + Escape(st.detail) + "\" in the detail";
            throw Mismatch{st.line,
                           "status differs\n  expected: " + want + "\n  actual:   " + StatusText()};
        }
    }

    void CheckQuery(const Step &st)
    {
        std::string got;
        try {
            got = b_.Query(st.name);
        } catch (const UsageError &e) {
            throw Mismatch{st.line, std::string("bad check line: ") + e.what()};
        }
        if (got != st.detail)
            throw Mismatch{st.line, st.name + " differs\n  expected: \"" + Escape(st.detail) +
                                        "\"\n  actual:   \"" + Escape(got) + "\""};
    }

    const Session &s_;
    size_t chunk_;
    Binding &b_;
    const mw_engine_ops &ops_;
    void *eng_;
    std::string sent_, secret_;              // every byte the client sent; '1' where flagged secret
    std::vector<size_t> lends_;              // offset in sent_ of each output() lend
    size_t checked_ = 0;                     // bytes of sent_ matched by C: lines
    size_t group_begin_ = 0, group_end_ = 0; // the bytes of the last run of C: lines
    std::string unread_;                     // server bytes the engine did not take
    std::deque<std::pair<unsigned, unsigned>> events_;
};

} // namespace

// ---- Args ---------------------------------------------------------------------------------

bool Args::Flag(const std::string &flag)
{
    for (auto &w : words_)
        if (!w.used && !w.quoted && w.key.empty() && w.text == flag) {
            w.used = true;
            return true;
        }
    return false;
}

bool Args::HasNext() const
{
    return std::any_of(words_.begin(), words_.end(),
                       [](const Word &w) { return !w.used && w.key.empty(); });
}

std::string Args::Next(const std::string &what)
{
    for (auto &w : words_)
        if (!w.used && w.key.empty()) {
            w.used = true;
            return w.text;
        }
    throw UsageError("missing " + what);
}

bool Args::Has(const std::string &key) const
{
    return std::any_of(words_.begin(), words_.end(), [&](const Word &w) { return w.key == key; });
}

std::string Args::Get(const std::string &key, const std::string &def)
{
    std::string v = def;
    for (auto &w : words_)
        if (w.key == key) {
            w.used = true;
            v = w.text;
        }
    return v;
}

std::vector<std::string> Args::All(const std::string &key)
{
    std::vector<std::string> v;
    for (auto &w : words_)
        if (w.key == key) {
            w.used = true;
            v.push_back(w.text);
        }
    return v;
}

uint64_t Args::Number(const std::string &key, uint64_t def)
{
    if (!Has(key))
        return def;
    uint64_t v;
    std::string s = Get(key);
    if (!ParseNumber(s, &v))
        throw UsageError(key + "=" + s + " is not a number");
    return v;
}

void Args::Done() const
{
    for (const auto &w : words_)
        if (!w.used)
            throw UsageError("unexpected argument " + (w.key.empty() ? "" : w.key + "=") + "\"" +
                             Escape(w.text) + "\"");
}

std::string Binding::Why()
{
    const mw_engine_ops &ops = Ops();
    return ops.why ? ops.why(Engine()) : "";
}

// ---- public functions ---------------------------------------------------------------------

std::string Escape(const std::string &bytes)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        switch (c) {
        case '\r':
            out += "\\r";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '"':
            out += "\\\"";
            break;
        default:
            if (c >= 0x20 && c < 0x7f) {
                out += static_cast<char>(c);
            } else {
                out += "\\x";
                out += hex[c >> 4];
                out += hex[c & 15];
            }
        }
    }
    return out;
}

const char *ErrorName(unsigned err)
{
    for (const auto &e : kErrors)
        if (e.code == err)
            return e.name;
    return nullptr;
}

bool ErrorByName(const std::string &name, unsigned *err)
{
    std::string n = StartsWith(name, "ST_ERROR_") ? name.substr(9) : name;
    for (const auto &e : kErrors)
        if (n == e.name) {
            *err = e.code;
            return true;
        }
    uint64_t v;
    if (ParseNumber(name, &v) && v <= UINT32_MAX) {
        *err = static_cast<unsigned>(v);
        return true;
    }
    return false;
}

uint32_t ParseFlags(const std::string &text, const NamedValues &names)
{
    uint32_t v = 0;
    std::string word;
    for (size_t i = 0; i <= text.size(); i++) {
        char c = i < text.size() ? text[i] : ' ';
        if (c != ' ' && c != '\t' && c != '|') {
            word += c;
            continue;
        }
        if (word.empty())
            continue;
        uint32_t f;
        if (!Lookup(names, "", word, &f))
            throw UsageError("unknown name " + word);
        v |= f;
        word.clear();
    }
    return v;
}

std::vector<Failure> Replay(const std::string &file, const std::string &text,
                            const std::vector<Protocol> &protocols)
{
    std::vector<Session> sessions;
    try {
        sessions = Parser(protocols).Parse(text);
    } catch (const ParseError &e) {
        return {{file, e.line, 0, "transcript error: " + e.message}};
    }
    std::vector<Failure> failures;
    for (const Session &s : sessions) {
        for (size_t chunk = 1; chunk <= s.longest; chunk++) {
            try {
                std::unique_ptr<Binding> b = s.protocol->create(s.options, s.headers);
                if (!b)
                    throw Mismatch{s.line, "the " + s.protocol->name + " engine was not created"};
                Run(s, chunk, *b).Go();
            } catch (const Mismatch &m) {
                failures.push_back({file, m.line, chunk, m.message});
                break;
            } catch (const UsageError &e) {
                failures.push_back({file, s.line, chunk, e.what()});
                break;
            }
        }
    }
    return failures;
}

std::vector<Failure> ReplayFile(const std::string &path, const std::vector<Protocol> &protocols)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return {{path, 0, 0, "cannot read the file"}};
    std::ostringstream text;
    text << in.rdbuf();
    return Replay(path, text.str(), protocols);
}

std::vector<std::string> ListTranscripts(const std::string &dir)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto &e : std::filesystem::directory_iterator(dir, ec))
        if (e.is_regular_file() && e.path().extension() == ".txt")
            out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

} // namespace mw_transcript
