// mw_transcript_record: turn a transcript skeleton (headers and "> op" lines) into a transcript
// of a real server's bytes. Each op runs through the public API against HOST PORT; the session
// trace supplies the S: and C: lines, "TLS established" becomes "! tls", and the call's result
// becomes "= status". Secrets are redacted in the trace; a redaction is filled in when it is the
// base64 of the PLAIN or LOGIN credentials of the skeleton's auth line (SMTP) or the password of
// its login line (IMAP), otherwise it is left as "\{REDACTED n\}" (the transcript then fails
// until it is filled in by hand).
//
//   mw_transcript_record HOST PORT < skeleton.txt > transcript.txt
//
// The CA file for TLS comes from MW_CA_FILE (the fixture's env.sh sets it). Ops (the op lines
// of the bindings, tests/transcripts/README.md):
//   smtp: connect, auth MECH USER PASS, send from= to=... body=, command QUIT (SmtpDisconnect);
//   imap: connect, login USER PASS, create/delete MBOX, status MBOX, select/examine MBOX
//         [condstore], list REF PATTERN
//         [specialuse] [subscribed] [status], fetch ID [uid] [seen] [section=], info SET
//         [envelope] [bodystructure], search raw= | CRITERIA..., append MBOX [flags=] [date=]
//         body=, idle [timeout=MS], noop, logout.
// After an IMAP op the recorder also prints checks of what the API returned (= out.mailbox,
// = list.N, = fetched, = info.N, = out.search, = out.appenduid, = out.changes), so the replay
// holds the engine to the results the API gave against the real server. During an idle a second
// connection (not traced) appends a message to the selected mailbox after half a second, so the
// IDLE sees an EXISTS. The recorded file still needs its comment (origin, what it checks) and a
// replay by the runner.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <mailwire/imap.h>
#include <mailwire/smtp.h>

#include "bindings.hpp"

extern "C" {
#include "core/util/base64.h"
}

namespace
{

// Bytes as a transcript line holds them: mw_transcript::Escape(), but a double quote as is (it
// needs no escape there, and IMAP lines are full of them).
std::string Escape(const std::string &bytes)
{
    std::string e = mw_transcript::Escape(bytes), out;
    for (size_t i = 0; i < e.size(); i++) {
        if (e[i] == '\\' && i + 1 < e.size()) {
            if (e[i + 1] != '"')
                out += e[i];
            out += e[++i];
            continue;
        }
        out += e[i];
    }
    return out;
}

struct Recorder {
    std::string out;                  // the transcript so far
    std::string pending;              // bytes of one direction not yet written as lines
    unsigned dir = 0;                 // direction of pending
    std::vector<std::string> secrets; // candidate bytes for "<redacted n bytes>"
    bool on = true;

    // Write pending as S: or C: lines; a last line without CRLF ends with "\".
    void Flush()
    {
        size_t pos = 0;
        const char *tag = dir == MAILWIRE_TRACE_SENT ? "C: " : "S: ";
        while (pos < pending.size()) {
            size_t lf = pending.find("\r\n", pos);
            bool crlf = lf != std::string::npos;
            std::string line = pending.substr(pos, crlf ? lf - pos : std::string::npos);
            std::string text = dir == MAILWIRE_TRACE_SENT ? Unredact(line) : Escape(line);
            if (!text.empty() && text.back() == ' ')
                text = text.substr(0, text.size() - 1) + "\\x20";
            out += (text.empty() ? std::string(tag, 2) : tag + text) + (crlf ? "\n" : "\\\n");
            pos = crlf ? lf + 2 : pending.size();
        }
        pending.clear();
    }

    std::string Unredact(const std::string &line)
    {
        size_t at = line.find("<redacted ");
        if (at == std::string::npos)
            return Escape(line);
        size_t n = std::strtoul(line.c_str() + at + 10, nullptr, 10);
        for (const std::string &s : secrets)
            if (s.size() + 2 == n || s.size() == n)
                return Escape(line.substr(0, at)) + "\\{" + Escape(s) + "\\}";
        std::cerr << "cannot fill in a redaction of " << n << " bytes; fix it by hand\n";
        return Escape(line.substr(0, at)) + "\\{REDACTED " + std::to_string(n) + "\\}";
    }

    void Data(unsigned d, const char *p, size_t n)
    {
        if (!on)
            return;
        if (d == MAILWIRE_TRACE_INFO) {
            if (std::string(p, n).rfind("TLS established", 0) == 0) {
                Flush();
                out += "! tls\n";
            }
            return;
        }
        if (d != dir)
            Flush();
        dir = d;
        pending.append(p, n);
    }

    void Line(const std::string &l)
    {
        Flush();
        out += l + "\n";
    }

    void Status(int ok)
    {
        unsigned err = MailwireGetLastError();
        const char *name = mw_transcript::ErrorName(err);
        Line(ok ? "= status DONE"
                : std::string("= status FAILED ") + (name ? name : std::to_string(err)));
    }

    // A check line; the value escaped as the transcript format wants it.
    void Check(const std::string &key, const std::string &value)
    {
        Line("= " + key + (value.empty() ? "" : " " + Escape(value)));
    }
};

Recorder g_rec;

void MAILWIRE_CALLBACK Trace(HCLIENT, unsigned dir, const char *p, size_t n, void *)
{
    g_rec.Data(dir, p, n);
}

std::string B64(const std::string &s)
{
    std::vector<char> out(MW_B64_ENCODED_LEN(s.size()) + 1);
    return std::string(out.data(), mw_b64_encode(s.data(), s.size(), out.data()));
}

unsigned AuthType(const std::string &mech)
{
    if (mech == "PLAIN")
        return SMTP_AUTH_PLAIN;
    if (mech == "LOGIN")
        return SMTP_AUTH_LOGIN;
    if (mech == "CRAM-MD5")
        return SMTP_AUTH_CRAMMD5;
    return SMTP_AUTH_AUTO;
}

// The words of an op line, as the runner reads them: bare words, "quoted words", key=value and
// key="quoted value", with the escapes \r \n \t \\ \" and \xNN in quoted text.
struct Word {
    std::string key, text;
};

int Hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c - 'A' + 10;
}

std::vector<Word> Words(const std::string &s)
{
    std::vector<Word> out;
    size_t i = 0;
    while (i < s.size()) {
        if (s[i] == ' ') {
            i++;
            continue;
        }
        Word w;
        bool quoted = false;
        for (; i < s.size() && (quoted || s[i] != ' '); i++) {
            char c = s[i];
            if (c == '"') {
                quoted = !quoted;
            } else if (c == '=' && !quoted && w.key.empty() && !w.text.empty() && s[i - 1] != '"') {
                w.key = w.text;
                w.text.clear();
            } else if (c == '\\' && i + 1 < s.size()) {
                char e = s[++i];
                if (e == 'x' && i + 2 < s.size()) {
                    w.text += static_cast<char>(Hex(s[i + 1]) * 16 + Hex(s[i + 2]));
                    i += 2;
                } else {
                    w.text += e == 'r' ? '\r' : e == 'n' ? '\n' : e == 't' ? '\t' : e;
                }
            } else {
                w.text += c;
            }
        }
        out.push_back(w);
    }
    return out;
}

struct OpLine {
    std::string op;
    std::vector<std::string> args;                         // bare and quoted words, in order
    std::vector<std::pair<std::string, std::string>> keys; // key=value words
    bool Flag(const std::string &f) const
    {
        for (const auto &a : args)
            if (a == f)
                return true;
        return false;
    }
    std::string Get(const std::string &k, const std::string &def = "") const
    {
        for (const auto &kv : keys)
            if (kv.first == k)
                return kv.second;
        return def;
    }
    bool Has(const std::string &k) const
    {
        for (const auto &kv : keys)
            if (kv.first == k)
                return true;
        return false;
    }
    std::string Arg(size_t n) const
    {
        return n < args.size() ? args[n] : "";
    }
};

OpLine ParseOp(const std::string &line)
{
    OpLine o;
    for (const Word &w : Words(line.substr(2))) {
        if (o.op.empty())
            o.op = w.text;
        else if (w.key.empty())
            o.args.push_back(w.text);
        else
            o.keys.emplace_back(w.key, w.text);
    }
    return o;
}

// ---- IMAP -----------------------------------------------------------------------------------

struct ImapSession {
    std::string host;
    unsigned port = 0;
    SECURITYCREDENTIALS *cred = nullptr;
    uint32_t options = 0;
    std::string user, pass, mailbox = "INBOX";
};

int MAILWIRE_CALLBACK Collect(unsigned id, uint32_t uid, const char *p, size_t n, uint64_t total,
                              void *user)
{
    // The same text as the binding's fetch sink (README.md, "fetched").
    auto *s = static_cast<std::string *>(user);
    if (!p)
        *s += "<" + std::to_string(id) + " uid=" + std::to_string(uid) +
              " total=" + std::to_string(total) + ">";
    else
        s->append(p, n);
    return 0;
}

void MAILWIRE_CALLBACK CollectInfo(const IMAPMESSAGE *m, void *user)
{
    static_cast<std::vector<std::string> *>(user)->push_back(mw_transcript::ImapMessageText(*m));
}

// The second connection of an idle: appends a message once the IDLE runs.
void Poke(ImapSession s)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    HCLIENT h = ImapConnect(s.host.c_str(), s.port, 20, s.options, s.cred);
    if (h == INVALID_CLIENT)
        return;
    static const char msg[] = "Subject: new mail during IDLE\r\n\r\nwake up\r\n";
    if (ImapLogin(h, IMAP_AUTH_LOGIN, s.user.c_str(), s.pass.c_str()) == 0)
        ImapCreateMessage(h, s.mailbox.c_str(), 0, nullptr, msg, sizeof msg - 1, nullptr);
    ImapDisconnect(h);
}

// One IMAP op through the public API; false for an op the recorder does not know.
bool ImapOp(HCLIENT &h, ImapSession &s, const OpLine &o)
{
    if (o.op == "connect") {
        h = ImapConnect(s.host.c_str(), s.port, 20, s.options, s.cred);
        g_rec.Status(h != INVALID_CLIENT);
    } else if (o.op == "login") {
        s.user = o.Arg(0);
        s.pass = o.Arg(1);
        g_rec.secrets = {s.pass};
        g_rec.Status(ImapLogin(h, IMAP_AUTH_LOGIN, s.user.c_str(), s.pass.c_str()) == 0);
    } else if (o.op == "create" || o.op == "delete") {
        g_rec.Status(
            (o.op == "create" ? ImapCreateMailbox : ImapDeleteMailbox)(h, o.Arg(0).c_str()) == 0);
    } else if (o.op == "status") {
        IMAPMAILBOXSTATUS st{};
        int ok = ImapGetMailboxStatus(h, o.Arg(0).c_str(), &st) == 0;
        g_rec.Status(ok);
        if (ok)
            g_rec.Check("out.mailbox_status", mw_transcript::ImapStatusText(st));
    } else if (o.op == "select" || o.op == "examine") {
        s.mailbox = o.Arg(0);
        uint32_t options = (o.op == "examine" || o.Flag("readonly") ? IMAP_SELECT_READONLY : 0) |
                           (o.Flag("condstore") ? IMAP_SELECT_CONDSTORE : 0);
        IMAPMAILBOX m{};
        int ok = ImapSelectMailboxEx(h, s.mailbox.c_str(), options, &m) == 0;
        g_rec.Status(ok);
        if (ok)
            g_rec.Check("out.mailbox", mw_transcript::ImapMailboxText(m));
    } else if (o.op == "list") {
        uint32_t options = (o.Flag("specialuse") ? IMAP_LIST_SPECIALUSE : 0) |
                           (o.Flag("subscribed") ? IMAP_LIST_SUBSCRIBED : 0) |
                           (o.Flag("status") ? IMAP_LIST_STATUS : 0);
        IMAPMAILBOXINFO info{};
        int ok = ImapGetFirstMailbox(h, o.Arg(0).c_str(), o.Arg(1).c_str(), options, &info) == 0;
        g_rec.Status(ok);
        for (int n = 0; ok; n++) {
            g_rec.Check("list." + std::to_string(n), mw_transcript::ImapListText(info));
            if (ImapGetNextMailbox(h, &info) != 0) {
                g_rec.Check("list." + std::to_string(n + 1), "(none)");
                break;
            }
        }
    } else if (o.op == "fetch") {
        std::string data;
        uint32_t options =
            (o.Flag("uid") ? IMAP_FETCH_UID : 0) | (o.Flag("seen") ? IMAP_FETCH_SEEN : 0);
        int ok = ImapFetchMessage(h, static_cast<unsigned>(std::stoul(o.Arg(0))), options,
                                  o.Get("section").c_str(), 0, 0, Collect, &data) == 0;
        g_rec.Status(ok);
        g_rec.Check("fetched", data);
    } else if (o.op == "info") {
        std::vector<std::string> infos;
        uint32_t options = (o.Flag("uid") ? IMAP_FETCH_UID : 0) |
                           (o.Flag("envelope") ? IMAP_INFO_ENVELOPE : 0) |
                           (o.Flag("bodystructure") ? IMAP_INFO_BODYSTRUCTURE : 0);
        g_rec.Status(ImapGetMessageInfo(h, o.Arg(0).c_str(), options, CollectInfo, &infos) == 0);
        for (size_t n = 0; n <= infos.size(); n++)
            g_rec.Check("info." + std::to_string(n), n < infos.size() ? infos[n] : "(none)");
    } else if (o.op == "search") {
        IMAPSEARCH *crit = nullptr;
        if (!o.Has("raw")) {
            crit = ImapSearchCreate();
            for (const std::string &w : o.args) {
                if (w == "uid")
                    continue;
                size_t eq = w.find('=');
                ImapSearchAdd(crit, w.substr(0, eq).c_str(),
                              eq == std::string::npos ? nullptr : w.substr(eq + 1).c_str());
            }
        }
        std::vector<uint32_t> ids(static_cast<size_t>(std::stoul(o.Get("count", "64"))));
        size_t count = ids.size();
        int ok = ImapSearchMailbox(h, crit, o.Has("raw") ? o.Get("raw").c_str() : nullptr,
                                   o.Flag("uid") ? IMAP_FETCH_UID : 0, ids.data(), &count) == 0;
        ImapSearchFree(crit);
        g_rec.Status(ok);
        std::string text = std::to_string(count) + ":";
        for (size_t i = 0; ok && i < count && i < ids.size(); i++)
            text += " " + std::to_string(ids[i]);
        if (ok)
            g_rec.Check("out.search", text);
    } else if (o.op == "append") {
        uint32_t uid = 0;
        uint32_t flags =
            o.Has("flags")
                ? mw_transcript::ParseFlags(o.Get("flags"), {{"SEEN", IMAP_FLAG_SEEN},
                                                             {"DRAFT", IMAP_FLAG_DRAFT},
                                                             {"ANSWERED", IMAP_FLAG_ANSWERED},
                                                             {"URGENT", IMAP_FLAG_URGENT},
                                                             {"DELETED", IMAP_FLAG_DELETED}})
                : 0;
        std::string body = o.Get("body");
        int ok = ImapCreateMessage(h, o.Arg(0).c_str(), flags,
                                   o.Has("date") ? o.Get("date").c_str() : nullptr, body.data(),
                                   body.size(), &uid) == 0;
        g_rec.Status(ok);
        if (ok)
            g_rec.Check("out.appenduid", std::to_string(uid));
    } else if (o.op == "idle") {
        unsigned changes = 0;
        unsigned seconds = static_cast<unsigned>(std::stoul(o.Get("timeout", "5000")) / 1000);
        MailwireSetDefaultTrace(nullptr, nullptr); // the second connection is not recorded
        std::thread poke(Poke, s);
        int ok = ImapIdle(h, seconds, IMAP_IDLE_WAIT, &changes) == 0;
        poke.join();
        MailwireSetDefaultTrace(Trace, nullptr);
        g_rec.Status(ok);
        g_rec.Check("out.changes", std::to_string(changes));
    } else if (o.op == "noop") {
        g_rec.Status(ImapNoop(h) == 0);
    } else if (o.op == "logout") {
        g_rec.Status(ImapDisconnect(h) == 0);
        h = INVALID_CLIENT;
    } else {
        return false;
    }
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::cerr << "usage: mw_transcript_record HOST PORT < skeleton.txt\n";
        return 2;
    }
    const char *host = argv[1];
    unsigned port = static_cast<unsigned>(std::atoi(argv[2]));
    SECURITYCREDENTIALS cred = {};
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = std::getenv("MW_CA_FILE");
    MailwireSetDefaultTrace(Trace, nullptr);
    SmtpInitialize();

    std::string protocol, line;
    uint32_t options = 0;
    HCLIENT h = INVALID_CLIENT;
    ImapSession imap;
    imap.host = host;
    imap.port = port;
    imap.cred = &cred;
    while (std::getline(std::cin, line)) {
        if (line.rfind("protocol: ", 0) == 0)
            protocol = line.substr(10);
        if (line.rfind("options: ", 0) == 0) {
            mw_transcript::Protocol p =
                protocol == "imap" ? mw_transcript::ImapProtocol() : mw_transcript::SmtpProtocol();
            options = mw_transcript::ParseFlags(line.substr(9), p.options);
            imap.options = options;
        }
        if (line.rfind("> ", 0) != 0) {
            g_rec.Line(line);
            continue;
        }
        g_rec.Line(line);
        OpLine o = ParseOp(line);
        if (protocol == "imap") {
            if (!ImapOp(h, imap, o)) {
                std::cerr << "the recorder does not know: " << line << "\n";
                return 2;
            }
        } else if (o.op == "connect") {
            h = SmtpConnect(host, port, 20, options, "client.example", &cred);
            g_rec.Status(h != INVALID_CLIENT);
        } else if (o.op == "auth") {
            std::string mech = o.Arg(0), user = o.Arg(1), pass = o.Arg(2);
            g_rec.secrets = {B64(std::string(1, '\0') + user + '\0' + pass), B64(user), B64(pass)};
            g_rec.Status(SmtpAuthenticate(h, AuthType(mech), user.c_str(), pass.c_str()) == 0);
        } else if (o.op == "send") {
            std::string rcpts;
            for (const auto &kv : o.keys)
                if (kv.first == "to")
                    rcpts += (rcpts.empty() ? "" : ",") + kv.second;
            std::string from = o.Get("from"), body = o.Get("body");
            g_rec.Status(
                SmtpSendMessage(h, from.c_str(), rcpts.c_str(), body.data(), body.size(), 0) == 0);
        } else if (o.op == "command" && o.Arg(0) == "QUIT") {
            g_rec.Status(SmtpDisconnect(h) == 0);
            h = INVALID_CLIENT;
        } else {
            std::cerr << "the recorder does not know: " << line << "\n";
            return 2;
        }
    }
    g_rec.Flush();
    g_rec.on = false; // the closing LOGOUT or QUIT of an open session is not part of it
    if (h != INVALID_CLIENT)
        protocol == "imap" ? ImapDisconnect(h) : SmtpDisconnect(h);
    std::cout << g_rec.out;
    return 0;
}
