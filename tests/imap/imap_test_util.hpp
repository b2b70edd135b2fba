// Helpers for the IMAP tests: trace capture through the session, event recording.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <mailwire/imap.h>

#include "common/portable.h"

extern "C" {
#include "core/imap/api.h"
#include "core/session/handle.h"
#include "core/session/session.h"
}

namespace mwtest
{

// Shorten the IDLE re-issue and NOOP polling intervals of a session (through the internal
// per-handle block: the library has no test hook for it).
inline bool SetImapIntervals(HCLIENT h, unsigned idle_ms, unsigned poll_ms)
{
    mw_session *s = nullptr;
    void *data = nullptr;
    if (mw_client_lookup(h, MW_PROTO_IMAP, &s, &data) != 0)
        return false;
    auto *c = static_cast<mw_imap_client *>(data);
    c->idle_interval_ms = idle_ms;
    c->poll_interval_ms = poll_ms;
    return true;
}

// Records the protocol trace (sent, received, info) of a handle.
class Trace
{
  public:
    void Attach(HCLIENT h)
    {
        mw_session *s = nullptr;
        if (mw_handle_lookup(h, 0, &s) == 0)
            mw_session_set_trace(s, &Trace::Fn, this);
    }
    std::string Sent() const
    {
        std::lock_guard<std::mutex> l(m_);
        return sent_;
    }
    std::string Info() const
    {
        std::lock_guard<std::mutex> l(m_);
        return info_;
    }
    std::string Received() const
    {
        std::lock_guard<std::mutex> l(m_);
        return received_;
    }
    void Clear()
    {
        std::lock_guard<std::mutex> l(m_);
        sent_.clear();
        received_.clear();
    }

  private:
    static void Fn(void *user, int dir, const char *data, size_t len)
    {
        auto *t = static_cast<Trace *>(user);
        std::lock_guard<std::mutex> l(t->m_);
        if (dir == MW_TRACE_SENT)
            t->sent_.append(data, len);
        else if (dir == MW_TRACE_RECEIVED)
            t->received_.append(data, len);
        else
            t->info_.append(data, len).append("\n");
    }
    mutable std::mutex m_;
    std::string sent_, received_, info_;
};

// Records events of a handle.
class Events
{
  public:
    void Attach(HCLIENT h)
    {
        for (unsigned ev = 1; ev < MAILWIRE_EVENT_MAX; ++ev)
            ImapRegisterEvent(h, ev, &Events::Fn, this);
    }
    unsigned Count(unsigned ev) const
    {
        std::lock_guard<std::mutex> l(m_);
        unsigned n = 0;
        for (auto &e : ev_)
            n += e.first == ev;
        return n;
    }

  private:
    static void Fn(HCLIENT, unsigned ev, unsigned err, void *user)
    {
        auto *t = static_cast<Events *>(user);
        std::lock_guard<std::mutex> l(t->m_);
        t->ev_.emplace_back(ev, err);
    }
    mutable std::mutex m_;
    std::vector<std::pair<unsigned, unsigned>> ev_;
};

// A fetch callback collecting the bytes of every message into a string per call.
struct Collect {
    std::string data;
    unsigned starts = 0;
    uint64_t total = 0;
    std::vector<uint32_t> uids;
    static int Fn(unsigned, uint32_t uid, const char *p, size_t n, uint64_t total, void *user)
    {
        auto *c = static_cast<Collect *>(user);
        if (!p) {
            c->starts++;
            c->total += total;
            c->uids.push_back(uid);
            return 0;
        }
        c->data.append(p, n);
        return 0;
    }
};

// Pump a non-blocking session until its operation ends (or the deadline, or stop() says so):
// the result of the last ImapExecute().
inline int Pump(HCLIENT h, std::chrono::milliseconds limit,
                const std::function<bool()> &stop = nullptr)
{
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        MAILWIRE_SOCKET sock;
        unsigned want;
        int t;
        ImapGetPollInfo(h, &sock, &want, &t);
        mwt_wait_socket(sock, want, t < 0 || t > 50 ? 50 : t);
        int rc = ImapExecute(h);
        if (rc != MAILWIRE_IN_PROGRESS)
            return rc;
        if (stop && stop())
            return MAILWIRE_IN_PROGRESS;
    }
    return MAILWIRE_IN_PROGRESS;
}

} // namespace mwtest
