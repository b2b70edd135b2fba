// mw_transcript_record: turn a transcript skeleton (headers and "> op" lines) into a transcript
// of a real server's bytes. Each op runs through the public API against HOST PORT; the session
// trace supplies the S: and C: lines, "TLS established" becomes "! tls", and the call's result
// becomes "= status". Secrets are redacted in the trace; a redaction is filled in when it is the
// base64 of the PLAIN or LOGIN credentials of the skeleton's auth line, otherwise it is left as
// "\{REDACTED n\}" (the transcript then fails until it is filled in by hand).
//
//   mw_transcript_record HOST PORT < skeleton.txt > transcript.txt
//
// The CA file for TLS comes from MW_CA_FILE (the fixture's env.sh sets it). Ops: smtp connect,
// auth MECH USER PASS, send from= to=... body=, command QUIT (SmtpDisconnect); imap connect. The
// recorded file still needs its comment (origin, what it checks) and a replay by the runner.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <mailwire/imap.h>
#include <mailwire/smtp.h>

#include "bindings.hpp"

extern "C" {
#include "core/util/base64.h"
}

namespace
{

using mw_transcript::Escape;

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
    while (std::getline(std::cin, line)) {
        if (line.rfind("protocol: ", 0) == 0)
            protocol = line.substr(10);
        if (line.rfind("options: ", 0) == 0) {
            mw_transcript::Protocol p =
                protocol == "imap" ? mw_transcript::ImapProtocol() : mw_transcript::SmtpProtocol();
            options = mw_transcript::ParseFlags(line.substr(9), p.options);
        }
        if (line.rfind("> ", 0) != 0) {
            g_rec.Line(line);
            continue;
        }
        g_rec.Line(line);
        std::istringstream words(line.substr(2));
        std::string op;
        words >> op;
        if (op == "connect" && protocol == "smtp") {
            h = SmtpConnect(host, port, 20, options, "client.example", &cred);
            g_rec.Status(h != INVALID_CLIENT);
        } else if (op == "connect" && protocol == "imap") {
            h = ImapConnect(host, port, 20, options, &cred);
            g_rec.Status(h != INVALID_CLIENT);
        } else if (op == "auth") {
            std::string mech, user, pass;
            words >> mech >> user >> pass;
            g_rec.secrets = {B64(std::string(1, '\0') + user + '\0' + pass), B64(user), B64(pass)};
            g_rec.Status(SmtpAuthenticate(h, AuthType(mech), user.c_str(), pass.c_str()) == 0);
        } else if (op == "send") {
            // from=A to=B [to=C...] body="..." (no spaces in the values but the body's)
            std::string from, rcpts, body, w;
            while (words >> w) {
                if (w.rfind("from=", 0) == 0)
                    from = w.substr(5);
                else if (w.rfind("to=", 0) == 0)
                    rcpts += (rcpts.empty() ? "" : ",") + w.substr(3);
            }
            size_t b = line.find("body=\"");
            if (b != std::string::npos) {
                // The skeleton's body uses \r and \n only.
                std::string raw = line.substr(b + 6, line.rfind('"') - b - 6);
                for (size_t i = 0; i < raw.size(); i++) {
                    if (raw[i] == '\\' && i + 1 < raw.size()) {
                        char e = raw[++i];
                        body += e == 'r' ? '\r' : e == 'n' ? '\n' : e;
                    } else {
                        body += raw[i];
                    }
                }
            }
            g_rec.Status(
                SmtpSendMessage(h, from.c_str(), rcpts.c_str(), body.data(), body.size(), 0) == 0);
        } else if (op == "command" && line.find("QUIT") != std::string::npos) {
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
