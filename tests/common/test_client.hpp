// A session plus the test line engine, driven through the blocking facade; records the trace
// and the events it raises. Used by the network tests and the TLS probe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <mailwire/mailwire.h>

extern "C" {
#include "common/line_engine.h"
#include "core/session/handle.h"
#include "core/session/client.h"
#include "core/session/session.h"
}

namespace mwtest
{

class TestClient
{
  public:
    explicit TestClient(uint32_t options, unsigned timeout_ms = 5000, int mode = MWT_LE_SMTP,
                        size_t line_limit = 4096)
    {
        s_ = mw_session_new(options, timeout_ms);
        h_ = mw_handle_register(s_);
        mwt_le_init(&e_, mode, line_limit);
        mw_session_set_engine(s_, &mwt_line_engine_ops, &e_);
        mw_session_set_trace(s_, &TestClient::Trace, this);
        for (unsigned ev = 1; ev < MAILWIRE_EVENT_MAX; ++ev)
            mw_session_register_event(s_, ev, &TestClient::OnEvent, this);
    }
    ~TestClient()
    {
        mw_handle_unregister(h_);
        mw_session_free(s_);
        mwt_le_free(&e_);
    }
    TestClient(const TestClient &) = delete;
    TestClient &operator=(const TestClient &) = delete;

    // Credentials with the test CA (and optionally more) must outlive Connect().
    unsigned SetCredentials(const SECURITYCREDENTIALS &c)
    {
        return mw_session_set_credentials(s_, &c);
    }

    // Connect and wait for `greeting_replies` replies (0: transport only).
    unsigned Connect(const std::string &host, uint16_t port, int greeting_replies = 1)
    {
        if (greeting_replies)
            mwt_le_expect(&e_, greeting_replies);
        unsigned err = mw_session_connect(s_, host.c_str(), port);
        return err ? err : mw_client_run(s_);
    }
    // Start connecting without waiting (non-blocking use).
    unsigned StartConnect(const std::string &host, uint16_t port)
    {
        mwt_le_expect(&e_, 1);
        return mw_session_connect(s_, host.c_str(), port);
    }
    unsigned Command(const std::string &cmd, size_t secret_from = static_cast<size_t>(-1))
    {
        mwt_le_command(&e_, cmd.c_str(), secret_from);
        unsigned err = mw_session_begin(s_);
        return err ? err : mw_client_run(s_);
    }
    unsigned StartTls(const std::string &cmd = "STARTTLS\r\n")
    {
        mwt_le_starttls(&e_, cmd.c_str());
        unsigned err = mw_session_begin(s_);
        return err ? err : mw_client_run(s_);
    }
    SECURITYINFO Security() const
    {
        SECURITYINFO si{};
        si.dwSize = sizeof si;
        mw_session_get_security_info(s_, &si);
        return si;
    }
    std::string Replies() const
    {
        return std::string(e_.replies, e_.replies_len);
    }
    std::string Detail() const
    {
        return mw_session_error_detail(s_);
    }
    const std::string &TraceText() const
    {
        return trace_;
    }
    const std::vector<std::pair<unsigned, unsigned>> &Events() const
    {
        return events_;
    }
    bool SawEvent(unsigned ev, unsigned err) const
    {
        for (auto &e : events_)
            if (e.first == ev && e.second == err)
                return true;
        return false;
    }
    mw_session *session() const
    {
        return s_;
    }
    HCLIENT handle() const
    {
        return h_;
    }
    mwt_line_engine &engine()
    {
        return e_;
    }

  private:
    static void Trace(void *user, int dir, const char *data, size_t len)
    {
        auto *self = static_cast<TestClient *>(user);
        self->trace_ += static_cast<char>(dir);
        self->trace_ += ": ";
        self->trace_.append(data, len);
        if (len == 0 || data[len - 1] != '\n')
            self->trace_ += '\n';
    }
    static void OnEvent(HCLIENT, unsigned ev, unsigned err, void *user)
    {
        static_cast<TestClient *>(user)->events_.emplace_back(ev, err);
    }

    mw_session *s_;
    HCLIENT h_;
    mwt_line_engine e_;
    std::string trace_;
    std::vector<std::pair<unsigned, unsigned>> events_;
};

} // namespace mwtest
