// Helpers for the IMAP tests against the real Dovecot and Postfix of the fixture: addresses
// and users, sessions, test messages, delivery through Postfix.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include <mailwire/imap.h>

#include "common/fixture_env.hpp"
#include "common/unique.hpp"
#include "common/portable.h"
#include "common/test_client.hpp"
#include "common/tls_helpers.hpp"
#include "imap_test_util.hpp"

namespace mwtest::real
{

using mwtest::Unique;

struct Ca : mwtest::Creds {
    Ca() : mwtest::Creds(Fixture::Get().Value("MW_CA_FILE")) {}
};

inline std::string Host()
{
    return Fixture::Get().Value("MW_HOST");
}
inline uint16_t ImapPort()
{
    return Fixture::Get().Port("MW_IMAP_PORT");
}
inline uint16_t ImapsPort()
{
    return Fixture::Get().Port("MW_IMAPS_PORT");
}
inline std::string User(int i)
{
    return Fixture::Get().Value("MW_USER" + std::to_string(i));
}
inline std::string Pass(int i)
{
    return Fixture::Get().Value("MW_PASS" + std::to_string(i));
}

inline HCLIENT ConnectTls(uint32_t extra = 0)
{
    Ca ca;
    return ImapConnect(Host().c_str(), ImapPort(), 10, IMAP_OPTION_SECURE | extra, &ca.get());
}

// Logged in as user 1 over STARTTLS.
inline HCLIENT Session(int user = 1)
{
    HCLIENT h = ConnectTls();
    if (h == INVALID_CLIENT)
        return h;
    if (ImapLogin(h, IMAP_AUTH_LOGIN, User(user).c_str(), Pass(user).c_str()) != 0) {
        ImapDisconnect(h);
        return INVALID_CLIENT;
    }
    return h;
}

inline std::string Message(const std::string &subject, const std::string &body)
{
    return "From: Alice <alice@localhost>\r\nTo: Bob <bob@localhost>\r\nSubject: " + subject +
           "\r\nMessage-ID: <" + Unique("id") + "@localhost>\r\n\r\n" + body;
}

// Deliver through Postfix (SMTP port, no auth needed for local recipients).
inline void Deliver(const std::string &rcpt, const std::string &msg)
{
    mwtest::TestClient smtp(0, 10000, MWT_LE_SMTP);
    ASSERT_EQ(smtp.Connect(Fixture::Get().Value("MW_HOST_IP"), Fixture::Get().Port("MW_SMTP_PORT")),
              0u);
    ASSERT_EQ(smtp.Command("EHLO client.localhost\r\n"), 0u);
    ASSERT_EQ(smtp.Command("MAIL FROM:<alice@localhost>\r\n"), 0u);
    ASSERT_EQ(smtp.Command("RCPT TO:<" + rcpt + ">\r\n"), 0u);
    ASSERT_EQ(smtp.Command("DATA\r\n"), 0u);
    ASSERT_EQ(smtp.Command(msg + ".\r\n"), 0u);
    ASSERT_NE(smtp.Replies().find("\n250 "), std::string::npos) << smtp.Replies();
    smtp.Command("QUIT\r\n");
}

using mwtest::Pump;

} // namespace mwtest::real
