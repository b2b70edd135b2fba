// Helpers for the SMTP tests against real servers: credentials trusting the fixture's CA,
// Maildir read-back, the line-ending normalisation a message goes through.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <mailwire/smtp.h>

#include "common/fixture_env.hpp"
#include "common/unique.hpp"
#include "common/portable.h"

namespace mwtest
{

inline const Fixture &Fx()
{
    return Fixture::Get();
}

// SECURITYCREDENTIALS trusting the fixture's CA (the strings live as long as the object).
struct CaCreds {
    std::string ca = Fixture::Get().Value("MW_CA_FILE");
    SECURITYCREDENTIALS c{};
    CaCreds()
    {
        c.dwSize = sizeof c;
        c.lpszCAFile = ca.c_str();
    }
    const SECURITYCREDENTIALS *get() const
    {
        return &c;
    }
};

inline std::string ReadFile(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// Files of a user's Maildir (new and cur).
inline std::vector<std::string> MaildirFiles(const std::string &user)
{
    std::vector<std::string> out;
    for (const char *sub : {"/Maildir/new", "/Maildir/cur"}) {
        std::string dir = Fixture::Get().Value("MW_MAILDIR_ROOT") + "/" + user + sub;
        std::error_code ec;
        for (const auto &e : std::filesystem::directory_iterator(dir, ec)) {
            std::string name = e.path().filename().string();
            if (name[0] != '.')
                out.push_back(dir + "/" + name);
        }
    }
    return out;
}

// The delivered message of `user` holding `token`; waits for delivery (Postfix queues first).
inline std::string WaitForMessage(const std::string &user, const std::string &token,
                                  int timeout_ms = 15000)
{
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    do {
        for (const auto &f : MaildirFiles(user)) {
            std::string m = ReadFile(f);
            if (m.find(token) != std::string::npos)
                return m;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < until);
    return "";
}

// Waits until `user` holds `count` messages whose text contains `token` (or the time is up);
// returns the number found. Each message is counted once, whatever else it holds.
inline size_t WaitForMessageCount(const std::string &user, const std::string &token, size_t count,
                                  int timeout_ms = 60000)
{
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    size_t found = 0;
    do {
        found = 0;
        for (const auto &f : MaildirFiles(user))
            found += ReadFile(f).find(token) != std::string::npos;
        if (found >= count)
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    } while (std::chrono::steady_clock::now() < until);
    return found;
}

// What the wire carries for a body (every CR, LF and CRLF becomes CRLF, a final CRLF added),
// as the Maildir stores it (LF line endings).
inline std::string AsStored(const std::string &in)
{
    std::string o;
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '\r') {
            o += '\n';
            if (i + 1 < in.size() && in[i + 1] == '\n')
                ++i;
        } else {
            o += in[i];
        }
    }
    if (!o.empty() && o.back() != '\n')
        o += '\n';
    return o;
}

inline bool EndsWith(const std::string &s, const std::string &tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

} // namespace mwtest
