// The second family of real servers (tests/fixtures/interop.sh): Cyrus IMAP and Courier-IMAP
// read what Exim and OpenSMTPD deliver. What differs between them is described here once; the
// tests run the same cases against each.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include <mailwire/imap.h>
#include <mailwire/smtp.h>

#include "common/fixture_env.hpp"
#include "common/unique.hpp"
#include "common/tls_helpers.hpp"

namespace mwtest::interop
{

using mwtest::Unique;

inline const Fixture &Fx()
{
    return Fixture::Get();
}

struct Ca : mwtest::Creds {
    Ca() : mwtest::Creds(Fx().Value("MW_CA_FILE")) {}
};

// An SMTP server of the family, and the IMAP server its mail for alice and bob lands in.
struct SmtpServer {
    const char *name;
    const char *port_key;       // cleartext port (STARTTLS when offered)
    const char *tls_port_key;   // implicit TLS, or nullptr
    bool starttls;              // offers STARTTLS
    std::vector<unsigned> auth; // SMTP_AUTH_* offered (after TLS)
    const char *reader;         // the IMAP server delivered to ("Cyrus" / "Courier")
};

struct ImapServer {
    const char *name;
    const char *port_key, *tls_port_key;
    char delim;
    const char *prefix;         // where a user's folders go ("" or "INBOX.")
    std::vector<unsigned> auth; // IMAP_AUTH_* offered, IMAP_AUTH_LOGIN (the command) included
    const char *auto_mech;      // what IMAP_AUTH_AUTO must pick
    const char *deliverer;      // the SMTP server that delivers here
};

inline const std::vector<SmtpServer> &SmtpServers()
{
    static const std::vector<SmtpServer> s = {
        {"Exim",
         "MW_EXIM_SMTP_PORT",
         "MW_EXIM_SMTPS_PORT",
         true,
         {SMTP_AUTH_PLAIN, SMTP_AUTH_LOGIN, SMTP_AUTH_CRAMMD5, SMTP_AUTH_AUTO},
         "Cyrus"},
        // OpenSMTPD 6.8's STARTTLS fails on Debian 12 (even for openssl s_client), and it offers
        // AUTH only over TLS: cleartext, no AUTH.
        {"OpenSMTPD", "MW_OPENSMTPD_SMTP_PORT", nullptr, false, {}, "Courier"},
    };
    return s;
}

inline const std::vector<ImapServer> &ImapServers()
{
    static const std::vector<ImapServer> s = {
        // Cyrus with the Cyrus SASL plugins: DIGEST-MD5 (RFC 6331: never used), NTLM and
        // SCRAM-SHA-224/384/512 are offered too, which the library does not implement.
        {"Cyrus",
         "MW_CYRUS_IMAP_PORT",
         "MW_CYRUS_IMAPS_PORT",
         '/',
         "",
         {IMAP_AUTH_LOGIN, IMAP_AUTH_PLAIN, IMAP_AUTH_CRAM_MD5, IMAP_AUTH_SCRAM_SHA1,
          IMAP_AUTH_SCRAM_SHA256, IMAP_AUTH_AUTO},
         "SCRAM-SHA-256",
         "Exim"},
        // Courier: CRAM-SHA1/SHA256 are offered too (not SASL mechanisms the library has).
        {"Courier",
         "MW_COURIER_IMAP_PORT",
         "MW_COURIER_IMAPS_PORT",
         '.',
         "INBOX.",
         {IMAP_AUTH_LOGIN, IMAP_AUTH_PLAIN, IMAP_AUTH_CRAM_MD5, IMAP_AUTH_AUTO},
         "PLAIN",
         "OpenSMTPD"},
    };
    return s;
}

inline const ImapServer &Imap(const std::string &name)
{
    for (const auto &s : ImapServers())
        if (name == s.name)
            return s;
    throw std::runtime_error("no IMAP server " + name);
}

inline const SmtpServer &Smtp(const std::string &name)
{
    for (const auto &s : SmtpServers())
        if (name == s.name)
            return s;
    throw std::runtime_error("no SMTP server " + name);
}

inline std::string User(int i)
{
    return Fx().Value("MW_USER" + std::to_string(i));
}
inline std::string Pass(int i)
{
    return Fx().Value("MW_PASS" + std::to_string(i));
}

inline std::string Message(const std::string &subject, const std::string &body)
{
    return "From: Alice <alice@localhost>\r\nTo: Bob <bob@localhost>\r\nSubject: " + subject +
           "\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\nMessage-ID: <" + Unique("id") +
           "@localhost>\r\n\r\n" + body;
}

// Connect: STARTTLS on the cleartext port, or implicit TLS, or cleartext (loopback).
enum class Tls { StartTls, Implicit, None };

inline HCLIENT ImapOpen(const ImapServer &s, Tls tls = Tls::StartTls, uint32_t extra = 0)
{
    Ca ca;
    uint32_t opt = tls == Tls::StartTls   ? IMAP_OPTION_SECURE
                   : tls == Tls::Implicit ? IMAP_OPTION_SECURE_IMPLICIT
                                          : 0;
    return ImapConnect(tls == Tls::None ? "127.0.0.1" : "localhost",
                       Fx().Port(tls == Tls::Implicit ? s.tls_port_key : s.port_key), 20,
                       opt | extra, &ca.get());
}

inline HCLIENT ImapSession(const ImapServer &s, int user = 1)
{
    HCLIENT h = ImapOpen(s);
    if (h == INVALID_CLIENT)
        return h;
    if (ImapLogin(h, IMAP_AUTH_LOGIN, User(user).c_str(), Pass(user).c_str()) != 0) {
        ImapDisconnect(h);
        return INVALID_CLIENT;
    }
    return h;
}

// Wait (up to 20 s) until the mailbox holds more than `have` messages; the new count.
inline unsigned WaitForMore(HCLIENT h, unsigned have)
{
    unsigned n = 0;
    for (int i = 0; i < 200; i++) {
        ImapNoop(h);
        ImapGetMessageCount(h, &n);
        if (n > have)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return n;
}

inline bool EndsWith(const std::string &s, const std::string &tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace mwtest::interop
