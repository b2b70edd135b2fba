// Failing allocator: make the Nth allocation of a whole session fail, for every N, and check
// that each run ends in a clean error (never a crash, a hang or a leak: the sanitizer build
// runs this too) until no allocation is left to fail.
#include <gtest/gtest.h>

#include <string>

#include "common/tls_helpers.hpp"
#include "fake_server.hpp"
#include "test_certs.hpp"

extern "C" {
#include "common/line_engine.h"
#include "core/session/handle.h"
#include "core/session/client.h"
#include "core/session/session.h"
#include "core/util/alloc.h"
}

namespace
{

using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;

// One whole session: create, register, credentials, connect with implicit TLS (a host name,
// so the resolver thread runs), greeting, one command, close, free. Returns the error of the
// first step that failed (0: all went through).
unsigned OneSession(uint16_t port, std::string *replies)
{
    mwtest::Creds cr(TestCertPath("ca.pem"));
    mw_session *s = mw_session_new(MAILWIRE_OPTION_SECURE_IMPLICIT, 5000);
    if (!s)
        return ST_ERROR_OUT_OF_MEMORY;
    HCLIENT h = mw_handle_register(s);
    mwt_line_engine e;
    mwt_le_init(&e, MWT_LE_SMTP, 1024);
    mw_session_set_engine(s, &mwt_line_engine_ops, &e);
    unsigned err = h == INVALID_CLIENT ? ST_ERROR_OUT_OF_MEMORY : 0;
    if (!err)
        err = mw_session_set_credentials(s, &cr.get());
    if (!err) {
        mwt_le_expect(&e, 1);
        err = mw_session_connect(s, "localhost", port);
        if (!err)
            err = mw_client_run(s);
    }
    if (!err) {
        mwt_le_command(&e, "NOOP\r\n", static_cast<size_t>(-1));
        err = mw_session_begin(s);
        if (!err)
            err = mw_client_run(s);
    }
    *replies = std::string(e.replies, e.replies_len);
    mw_session_close(s);
    mw_handle_unregister(h);
    mw_session_free(s);
    mwt_le_free(&e);
    return err;
}

TEST(AllocationFailure, EveryAllocationOfASessionCanFailCleanly)
{
    FakeServerOptions o;
    o.implicit_tls = true;
    o.tls.cert_file = TestCertPath("valid.pem");
    o.tls.key_file = TestCertPath("valid-key.pem");
    o.timeout = std::chrono::milliseconds(3000);
    int failures_seen = 0;
    bool completed = false;
    for (long n = 0; n < 500 && !completed; ++n) {
        FakeServer srv(o);
        srv.Send("220 hello\r\n").ExpectLine("NOOP").Send("250 ok\r\n").Start();
        std::string replies;
        mw_alloc_fail_at(n);
        unsigned err = OneSession(srv.port(), &replies);
        bool triggered = mw_alloc_fail_at(-1);
        if (!triggered) {
            // No allocation was left to fail: the run must have succeeded.
            EXPECT_EQ(err, 0u) << "n=" << n << ": " << MailwireGetLastErrorDetail();
            EXPECT_EQ(replies, "220 hello\n250 ok\n");
            completed = true;
            break;
        }
        ++failures_seen;
        // A failed allocation may be absorbed (a trace line dropped) or end the session; when
        // it ends it, the error says out of memory.
        if (err != 0) {
            EXPECT_EQ(err, (unsigned)ST_ERROR_OUT_OF_MEMORY)
                << "n=" << n << ": " << MailwireGetErrorString(err) << " "
                << MailwireGetLastErrorDetail();
        }
    }
    EXPECT_TRUE(completed);
    EXPECT_GT(failures_seen, 5) << "the session allocates; each of those was made to fail";
}

} // namespace
