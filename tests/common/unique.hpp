// A name for what tests create on the shared fixture servers (mailboxes, message tokens,
// addresses) that no other test, test process or earlier run uses.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#ifdef _WIN32
#include <process.h>
#define MWT_UNIQUE_PID() _getpid()
#else
#include <unistd.h>
#define MWT_UNIQUE_PID() getpid()
#endif

namespace mwtest
{

// Process id, a count of calls, and 48 random bits. The process id and the clock alone were
// not enough: under Wine, process ids are small and reused, and the clock counts in 100 ns
// steps, so two processes could make the same name.
inline std::string Unique(const std::string &base)
{
    static std::atomic<unsigned> calls{0};
    static const unsigned long long salt = [] {
        std::random_device rd;
        unsigned long long s = (static_cast<unsigned long long>(rd()) << 32) ^ rd();
        return s ^ static_cast<unsigned long long>(
                       std::chrono::system_clock::now().time_since_epoch().count());
    }();
    unsigned long long now = static_cast<unsigned long long>(
        std::chrono::steady_clock::now().time_since_epoch().count());
    char tail[64];
    std::snprintf(tail, sizeof tail, "-%d-%u-%012llx", static_cast<int>(MWT_UNIQUE_PID()), ++calls,
                  (salt ^ (now * 0x9e3779b97f4a7c15ull)) & 0xffffffffffffull);
    return base + tail;
}

} // namespace mwtest
