// fake_server_selftest.cpp -- exercises every FakeServer step against a plain POSIX socket /
// GnuTLS client peer.
#include "fake_server.hpp"
#include "test_certs.hpp"

#include <gtest/gtest.h>

#include <gnutls/gnutls.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/portable.h"

namespace
{

using namespace std::chrono_literals;
using mwtest::Conn;
using mwtest::FakeServer;
using mwtest::FakeServerOptions;
using mwtest::TestCertPath;
using Clock = std::chrono::steady_clock;

constexpr int kClientTimeoutMs = 5000;

template <typename Pred> bool Eventually(Pred pred, std::chrono::milliseconds limit = 5s)
{
    auto end = Clock::now() + limit;
    while (!pred()) {
        if (Clock::now() >= end)
            return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

struct ClientTls {
    bool client_cert = false;
    std::string cert_file; // defaults to client.pem / client-key.pem when client_cert
    std::string key_file;
    std::string priority; // "" = gnutls_set_default_priority
    int handshake_timeout_ms = kClientTimeoutMs;
};

// The peer: a blocking socket client with a 5 s receive/send timeout, optionally upgraded to
// TLS (GnuTLS client, verifying tests' ca.pem and the name "localhost").
class Client
{
  public:
    explicit Client(std::uint16_t port, bool ipv6 = false)
    {
        if (mwt_sockets_init() != 0)
            throw std::runtime_error("Winsock cannot start");
        fd_ = mwt_socket_tcp(ipv6 ? AF_INET6 : AF_INET, 0);
        if (fd_ == MWT_INVALID_SOCKET)
            throw std::runtime_error("socket failed");
        mwt_set_io_timeout(fd_, kClientTimeoutMs);
        int rc;
        if (ipv6) {
            sockaddr_in6 a{};
            a.sin6_family = AF_INET6;
            a.sin6_addr = in6addr_loopback;
            a.sin6_port = htons(port);
            rc = ::connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a);
        } else {
            sockaddr_in a{};
            a.sin_family = AF_INET;
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            a.sin_port = htons(port);
            rc = ::connect(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a);
        }
        if (rc != 0) {
            mwt_close_socket(fd_);
            throw std::runtime_error("connect failed");
        }
    }

    ~Client()
    {
        if (session_ != nullptr)
            gnutls_deinit(session_);
        if (cred_ != nullptr)
            gnutls_certificate_free_credentials(cred_);
        mwt_close_socket(fd_);
    }

    Client(const Client &) = delete;
    Client &operator=(const Client &) = delete;

    mwt_socket fd() const
    {
        return fd_;
    }
    gnutls_session_t session() const
    {
        return session_;
    }

    // ---- plaintext ----
    bool SendAll(const std::string &data)
    {
        std::size_t off = 0;
        while (off < data.size()) {
            long r = mwt_send(fd_, data.data() + off, data.size() - off);
            if (r <= 0)
                return false;
            off += static_cast<std::size_t>(r);
        }
        return true;
    }

    // One recv(); returns bytes (>0), 0 on EOF, minus the socket error (mwt_socket_error())
    // on error.
    long RecvOnce(std::string *out)
    {
        char buf[4096];
        long r = mwt_recv(fd_, buf, sizeof buf);
        if (r < 0)
            return -mwt_socket_error();
        out->append(buf, static_cast<std::size_t>(r));
        return r;
    }

    // Reads up to and including LF; returns what it got on EOF/error/timeout.
    std::string ReadLine()
    {
        for (;;) {
            std::size_t lf = buf_.find('\n');
            if (lf != std::string::npos) {
                std::string line = buf_.substr(0, lf + 1);
                buf_.erase(0, lf + 1);
                return line;
            }
            if (RecvOnce(&buf_) <= 0) {
                std::string rest;
                rest.swap(buf_);
                return rest;
            }
        }
    }

    // Reads until EOF; *eof tells whether EOF (rather than an error/timeout) ended it.
    std::string ReadToEnd(bool *eof)
    {
        std::string out;
        out.swap(buf_);
        long r;
        while ((r = RecvOnce(&out)) > 0) {
        }
        *eof = r == 0;
        return out;
    }

    // ---- TLS ----
    int Handshake(const ClientTls &opt = ClientTls())
    {
        int ret = gnutls_certificate_allocate_credentials(&cred_);
        if (ret < 0)
            return ret;
        ret = gnutls_certificate_set_x509_trust_file(cred_, TestCertPath("ca.pem").c_str(),
                                                     GNUTLS_X509_FMT_PEM);
        if (ret <= 0)
            return ret < 0 ? ret : GNUTLS_E_NO_CERTIFICATE_FOUND;
        if (opt.client_cert) {
            std::string cert = opt.cert_file.empty() ? TestCertPath("client.pem") : opt.cert_file;
            std::string key = opt.key_file.empty() ? TestCertPath("client-key.pem") : opt.key_file;
            ret = gnutls_certificate_set_x509_key_file(cred_, cert.c_str(), key.c_str(),
                                                       GNUTLS_X509_FMT_PEM);
            if (ret < 0)
                return ret;
        }
        ret = gnutls_init(&session_, GNUTLS_CLIENT);
        if (ret < 0)
            return ret;
        if (opt.priority.empty())
            ret = gnutls_set_default_priority(session_);
        else
            ret = gnutls_priority_set_direct(session_, opt.priority.c_str(), nullptr);
        if (ret < 0)
            return ret;
        gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, cred_);
        gnutls_server_name_set(session_, GNUTLS_NAME_DNS, "localhost", 9);
        gnutls_session_set_verify_cert(session_, "localhost", 0);
        // Our own send/recv/poll rather than GnuTLS's (gnutls_transport_set_int): its wait is
        // select(), during which, under Wine, the fake server's WSAPoll on the other end of
        // the connection did not see the data this client had sent.
        gnutls_transport_set_ptr(session_, this);
        gnutls_transport_set_push_function(session_, Push);
        gnutls_transport_set_pull_function(session_, Pull);
        gnutls_transport_set_pull_timeout_function(session_, PullTimeout);
        gnutls_handshake_set_timeout(session_, static_cast<unsigned>(opt.handshake_timeout_ms));
        do {
            ret = gnutls_handshake(session_);
        } while (ret < 0 && gnutls_error_is_fatal(ret) == 0 && ret != GNUTLS_E_AGAIN);
        return ret;
    }

    int TlsSend(const std::string &data)
    {
        std::size_t off = 0;
        while (off < data.size()) {
            ssize_t r = gnutls_record_send(session_, data.data() + off, data.size() - off);
            if (r == GNUTLS_E_INTERRUPTED)
                continue;
            if (r < 0)
                return static_cast<int>(r);
            off += static_cast<std::size_t>(r);
        }
        return 0;
    }

    // One record: >0 bytes appended, 0 close_notify, <0 GnuTLS error.
    ssize_t TlsRecvOnce(std::string *out)
    {
        char buf[4096];
        for (;;) {
            ssize_t r = gnutls_record_recv(session_, buf, sizeof buf);
            if (r == GNUTLS_E_INTERRUPTED)
                continue;
            if (r > 0)
                out->append(buf, static_cast<std::size_t>(r));
            return r;
        }
    }

    // Reads a line through TLS; *err gets the GnuTLS result that ended an incomplete read.
    std::string TlsReadLine(ssize_t *err = nullptr)
    {
        for (;;) {
            std::size_t lf = tbuf_.find('\n');
            if (lf != std::string::npos) {
                std::string line = tbuf_.substr(0, lf + 1);
                tbuf_.erase(0, lf + 1);
                return line;
            }
            ssize_t r = TlsRecvOnce(&tbuf_);
            if (r <= 0) {
                if (err != nullptr)
                    *err = r;
                std::string rest;
                rest.swap(tbuf_);
                return rest;
            }
        }
    }

  private:
    static ssize_t Push(gnutls_transport_ptr_t p, const void *data, size_t len)
    {
        Client *c = static_cast<Client *>(p);
        long r = mwt_send(c->fd_, data, len);
        if (r < 0)
            gnutls_transport_set_errno(c->session_,
                                       mwt_would_block(mwt_socket_error()) ? EAGAIN : EIO);
        return static_cast<ssize_t>(r);
    }
    static ssize_t Pull(gnutls_transport_ptr_t p, void *data, size_t len)
    {
        Client *c = static_cast<Client *>(p);
        long r = mwt_recv(c->fd_, data, len);
        if (r < 0)
            gnutls_transport_set_errno(c->session_,
                                       mwt_would_block(mwt_socket_error()) ? EAGAIN : EIO);
        return static_cast<ssize_t>(r);
    }
    static int PullTimeout(gnutls_transport_ptr_t p, unsigned ms)
    {
        Client *c = static_cast<Client *>(p);
        int wait = ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : static_cast<int>(ms);
        return mwt_wait_socket(c->fd_, 1, wait);
    }

    mwt_socket fd_ = MWT_INVALID_SOCKET;
    std::string buf_;
    std::string tbuf_;
    gnutls_session_t session_ = nullptr;
    gnutls_certificate_credentials_t cred_ = nullptr;
};

FakeServerOptions TlsOptions(bool implicit)
{
    FakeServerOptions o;
    o.implicit_tls = implicit;
    o.tls.cert_file = TestCertPath("valid.pem");
    o.tls.key_file = TestCertPath("valid-key.pem");
    return o;
}

// ------------------------------------------------------------------------------------------------
// Plaintext steps

TEST(FakeServer, PlainSendAndReadLine)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("EHLO").Send("250 ok\r\n").ReadLine().Start();
    Client c(srv.port());
    EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
    ASSERT_TRUE(c.SendAll("EHLO client\r\nQUIT\r\n")); // pipelined in one segment
    EXPECT_EQ(c.ReadLine(), "250 ok\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
    bool eof = false;
    EXPECT_EQ(c.ReadToEnd(&eof), "");
    EXPECT_TRUE(eof) << "script end closes the connection";
    EXPECT_EQ(srv.received(), "EHLO client\r\nQUIT\r\n");
    EXPECT_EQ(srv.received(0), "EHLO client\r\nQUIT\r\n");
    EXPECT_EQ(srv.received_lines(), (std::vector<std::string>{"EHLO client", "QUIT"}));
    EXPECT_EQ(srv.connections(), 1u);
    EXPECT_FALSE(srv.handshake_done());
}

TEST(FakeServer, ExpectLineMismatchFailsScript)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("ehlo").Send("250 never sent\r\n").Start();
    Client c(srv.port());
    EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
    ASSERT_TRUE(c.SendAll("HELO x\r\n"));
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(),
              "ExpectLine: expected a line starting with \"ehlo\", got \"HELO x\\r\\n\"");
    bool eof = false;
    EXPECT_EQ(c.ReadToEnd(&eof), "");
}

TEST(FakeServer, ExpectLineIsCaseInsensitive)
{
    FakeServer srv;
    srv.ExpectLine("EHLO").Send("250 ok\r\n").Start();
    Client c(srv.port());
    ASSERT_TRUE(c.SendAll("ehlo x\r\n"));
    EXPECT_EQ(c.ReadLine(), "250 ok\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
}

TEST(FakeServer, ReadUntilAndReadBytes)
{
    FakeServer srv;
    srv.ReadUntil("\r\n.\r\n").ReadBytes(5).Send("250 queued\r\n").Start();
    Client c(srv.port());
    ASSERT_TRUE(c.SendAll("line 1\r\n.."));
    ASSERT_TRUE(c.SendAll("line 2\r\n.\r\nABC"));
    ASSERT_TRUE(c.SendAll("DE"));
    EXPECT_EQ(c.ReadLine(), "250 queued\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(srv.received(), "line 1\r\n..line 2\r\n.\r\nABCDE");
    // The unterminated tail "ABCDE" is not a line.
    EXPECT_EQ(srv.received_lines(), (std::vector<std::string>{"line 1", "..line 2", "."}));
}

TEST(FakeServer, SendBytewiseArrivesInManySegments)
{
    FakeServer srv;
    const std::string msg = "220 0123456789\r\n";
    srv.SendBytewise(msg, 5).Start();
    Client c(srv.port());
    auto t0 = Clock::now();
    std::string got;
    int reads = 0;
    while (got.size() < msg.size()) {
        ASSERT_GT(c.RecvOnce(&got), 0);
        ++reads;
    }
    auto elapsed = Clock::now() - t0;
    EXPECT_EQ(got, msg);
    EXPECT_GE(reads, 8) << "one write per byte with a delay should arrive in pieces";
    // The first byte may have been sent before t0.
    EXPECT_GE(elapsed, std::chrono::milliseconds(5 * (static_cast<int>(msg.size()) - 2)));
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
}

TEST(FakeServer, SendBytewiseWithoutDelay)
{
    FakeServer srv;
    srv.SendBytewise("abc\r\n").Start();
    Client c(srv.port());
    EXPECT_EQ(c.ReadLine(), "abc\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
}

TEST(FakeServer, SleepDelaysNextStep)
{
    FakeServer srv;
    srv.Send("a\r\n").Sleep(150).Send("b\r\n").Start();
    Client c(srv.port());
    EXPECT_EQ(c.ReadLine(), "a\r\n");
    auto t0 = Clock::now();
    EXPECT_EQ(c.ReadLine(), "b\r\n");
    EXPECT_GE(Clock::now() - t0, 100ms);
}

TEST(FakeServer, ReadLineTimeoutRecordsError)
{
    FakeServerOptions o;
    o.timeout = 200ms;
    FakeServer srv(o);
    srv.Send("220 hi\r\n").ReadLine().Send("never\r\n").Start();
    Client c(srv.port());
    EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
    ASSERT_TRUE(c.SendAll("no newline"));
    auto t0 = Clock::now();
    EXPECT_TRUE(srv.WaitDone(3s));
    EXPECT_LT(Clock::now() - t0, 2s);
    EXPECT_EQ(srv.error(), "timeout in ReadLine");
    EXPECT_EQ(srv.received(), "no newline");
    bool eof = false;
    EXPECT_EQ(c.ReadToEnd(&eof), "");
    EXPECT_TRUE(eof);
}

TEST(FakeServer, EofInReadLineRecordsError)
{
    FakeServer srv;
    srv.ReadLine().Start();
    {
        Client c(srv.port());
        ASSERT_TRUE(c.SendAll("partial"));
    }
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "connection closed by client in ReadLine");
}

TEST(FakeServer, AcceptTimeout)
{
    FakeServerOptions o;
    o.timeout = 100ms;
    FakeServer srv(o);
    srv.Send("220 hi\r\n").Start();
    EXPECT_TRUE(srv.WaitDone(3s));
    EXPECT_EQ(srv.error(), "timeout waiting for connection 1");
    EXPECT_EQ(srv.connections(), 0u);
}

TEST(FakeServer, StepsAfterStartThrow)
{
    FakeServer srv;
    srv.Start();
    EXPECT_THROW(srv.Send("x"), std::logic_error);
}

TEST(FakeServer, CallGivesConnAccess)
{
    FakeServer srv;
    srv.Call([](Conn &c) {
           std::optional<std::string> line = c.ReadLine();
           if (line)
               c.Write("echo " + *line);
           EXPECT_EQ(c.index(), 0u);
           EXPECT_FALSE(c.tls_active());
       })
        .Start();
    Client c(srv.port());
    ASSERT_TRUE(c.SendAll("ping\r\n"));
    EXPECT_EQ(c.ReadLine(), "echo ping\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
}

TEST(FakeServer, CallExceptionBecomesError)
{
    FakeServer srv;
    srv.Call([](Conn &) { throw std::runtime_error("boom"); }).Start();
    Client c(srv.port());
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "exception in Call step: boom");
}

TEST(FakeServer, ResetSendsRst)
{
    FakeServer srv;
    srv.Send("220 hi\r\n").ExpectLine("NOOP").Reset().Start();
    Client c(srv.port());
    EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
    ASSERT_TRUE(c.SendAll("NOOP\r\n"));
    EXPECT_TRUE(srv.WaitDone(5s));
    std::string rest;
    long r = c.RecvOnce(&rest);
    EXPECT_LT(r, 0);
    EXPECT_TRUE(mwt_conn_reset(static_cast<int>(-r))) << "error " << -r << ", not a reset";
    EXPECT_EQ(srv.error(), "");
}

TEST(FakeServer, CloseIsGracefulAndStepsAfterItFail)
{
    FakeServer srv;
    srv.Send("221 bye\r\n").Close().Send("late\r\n").Start();
    Client c(srv.port());
    bool eof = false;
    EXPECT_EQ(c.ReadToEnd(&eof), "221 bye\r\n");
    EXPECT_TRUE(eof);
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "Send: connection already closed for writing");
}

TEST(FakeServer, MultipleAcceptsRunScriptEachTime)
{
    FakeServerOptions o;
    o.accept_count = 2;
    FakeServer srv(o);
    srv.Send("220 hi\r\n").ExpectLine("QUIT").Send("221 bye\r\n").Start();
    for (int i = 0; i < 2; ++i) {
        Client c(srv.port());
        EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
        ASSERT_TRUE(c.SendAll("QUIT " + std::to_string(i) + "\r\n"));
        EXPECT_EQ(c.ReadLine(), "221 bye\r\n");
        if (i == 0) {
            EXPECT_FALSE(srv.done());
        }
    }
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(srv.connections(), 2u);
    EXPECT_EQ(srv.received(0), "QUIT 0\r\n");
    EXPECT_EQ(srv.received(1), "QUIT 1\r\n");
    EXPECT_EQ(srv.received(), "QUIT 0\r\nQUIT 1\r\n");
}

TEST(FakeServer, NextConnectionDoesNotWaitForPreviousClientToClose)
{
    FakeServerOptions o;
    o.accept_count = 2;
    FakeServer srv(o);
    srv.Send("220 hi\r\n").Start();
    Client c1(srv.port());
    EXPECT_EQ(c1.ReadLine(), "220 hi\r\n");
    auto t0 = Clock::now();
    Client c2(srv.port()); // c1 still open
    EXPECT_EQ(c2.ReadLine(), "220 hi\r\n");
    EXPECT_LT(Clock::now() - t0, 2s);
    EXPECT_TRUE(srv.WaitDone(5s));
}

TEST(FakeServer, StallRecordsAndDestructionIsPrompt)
{
    auto srv = std::make_unique<FakeServer>();
    srv->Send("220 hi\r\n").Stall().Start();
    Client c(srv->port());
    EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
    ASSERT_TRUE(c.SendAll("NOOP\r\n"));
    ASSERT_TRUE(srv->WaitReceived("NOOP\r\n", 5s));
    std::this_thread::sleep_for(50ms);
    EXPECT_FALSE(srv->done());
    auto t0 = Clock::now();
    srv.reset();
    EXPECT_LT(Clock::now() - t0, 1s);
    bool eof = false;
    EXPECT_EQ(c.ReadToEnd(&eof), "");
    EXPECT_TRUE(eof) << "destruction closes the connection";
}

TEST(FakeServer, StallEndsWhenClientCloses)
{
    FakeServer srv;
    srv.Stall().Start();
    {
        Client c(srv.port());
        ASSERT_TRUE(c.SendAll("A1 NOOP\r\n"));
        ASSERT_TRUE(srv.WaitReceived("A1 NOOP\r\n", 5s));
    }
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
}

TEST(FakeServer, DestructionIsPromptInEveryWait)
{
    // Waiting in accept, in Sleep, and with a client sitting in the backlog before Start().
    for (int variant = 0; variant < 3; ++variant) {
        auto srv = std::make_unique<FakeServer>();
        std::unique_ptr<Client> c;
        if (variant == 0) {
            srv->Send("x").Start();
        } else if (variant == 1) {
            srv->Sleep(60000).Start();
            c = std::make_unique<Client>(srv->port());
            ASSERT_TRUE(Eventually([&] { return srv->connections() == 1; }));
        } else {
            srv->Send("x");
            c = std::make_unique<Client>(srv->port());
        }
        auto t0 = Clock::now();
        srv.reset();
        EXPECT_LT(Clock::now() - t0, 1s) << "variant " << variant;
    }
}

TEST(FakeServer, Ipv6)
{
    if (!FakeServer::Ipv6Available())
        GTEST_SKIP() << "no IPv6 loopback";
    FakeServerOptions o;
    o.ipv6 = true;
    FakeServer srv(o);
    srv.Send("* OK v6\r\n").Start();
    Client c(srv.port(), true);
    EXPECT_EQ(c.ReadLine(), "* OK v6\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
}

// ------------------------------------------------------------------------------------------------
// TLS steps

TEST(FakeServerTls, ImplicitTls)
{
    FakeServer srv(TlsOptions(true));
    srv.Send("* OK hi\r\n").ExpectLine("a LOGOUT").Send("* BYE\r\na OK\r\n").Start();
    Client c(srv.port());
    ASSERT_EQ(c.Handshake(), 0);
    EXPECT_EQ(c.TlsReadLine(), "* OK hi\r\n");
    ASSERT_EQ(c.TlsSend("a LOGOUT\r\n"), 0);
    EXPECT_EQ(c.TlsReadLine(), "* BYE\r\n");
    EXPECT_EQ(c.TlsReadLine(), "a OK\r\n");
    ssize_t end = 1;
    EXPECT_EQ(c.TlsReadLine(&end), "");
    EXPECT_EQ(end, 0) << "script end sends close_notify";
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(srv.tls_error(), "");
    EXPECT_TRUE(srv.handshake_done());
    EXPECT_EQ(srv.negotiated_version().rfind("TLS1.", 0), 0u) << srv.negotiated_version();
    EXPECT_FALSE(srv.client_cert_seen());
    EXPECT_EQ(srv.received(), "a LOGOUT\r\n");
    EXPECT_EQ(gnutls_bye(c.session(), GNUTLS_SHUT_WR), 0);
    EXPECT_TRUE(Eventually([&] { return srv.client_close_notify(); }));
}

TEST(FakeServerTls, PriorityLimitsVersion)
{
    FakeServerOptions o = TlsOptions(true);
    o.tls.priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
    FakeServer srv(o);
    srv.Send("* OK\r\n").Start();
    Client c(srv.port());
    ASSERT_EQ(c.Handshake(), 0);
    EXPECT_EQ(c.TlsReadLine(), "* OK\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.negotiated_version(), "TLS1.2");
}

TEST(FakeServerTls, StartTlsUpgradeMidScript)
{
    FakeServer srv(TlsOptions(false));
    srv.Send("220 hi\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 go ahead\r\n")
        .StartTls()
        .ExpectLine("EHLO")
        .Send("250 ok\r\n")
        .Start();
    Client c(srv.port());
    EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
    ASSERT_TRUE(c.SendAll("STARTTLS\r\n"));
    EXPECT_EQ(c.ReadLine(), "220 go ahead\r\n");
    ASSERT_EQ(c.Handshake(), 0);
    ASSERT_EQ(c.TlsSend("EHLO client\r\n"), 0);
    EXPECT_EQ(c.TlsReadLine(), "250 ok\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
    EXPECT_TRUE(srv.handshake_done());
    EXPECT_EQ(srv.received(), "STARTTLS\r\nEHLO client\r\n");
    EXPECT_EQ(srv.received_lines(), (std::vector<std::string>{"STARTTLS", "EHLO client"}));
}

TEST(FakeServerTls, SendRawInsteadOfServerHelloFailsClientHandshake)
{
    FakeServer srv(TlsOptions(false));
    srv.Send("220 hi\r\n")
        .ExpectLine("STARTTLS")
        .Send("220 go ahead\r\n")
        .SendRaw("220 plaintext where a ServerHello should be\r\n")
        .Start();
    Client c(srv.port());
    EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
    ASSERT_TRUE(c.SendAll("STARTTLS\r\n"));
    EXPECT_EQ(c.ReadLine(), "220 go ahead\r\n");
    int ret = c.Handshake();
    EXPECT_LT(ret, 0);
    EXPECT_NE(gnutls_error_is_fatal(ret), 0) << gnutls_strerror(ret);
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
}

TEST(FakeServerTls, SendTlsAlertBeforeHandshake)
{
    FakeServer srv;
    srv.SendTlsAlert(GNUTLS_A_HANDSHAKE_FAILURE).Start();
    Client c(srv.port());
    int ret = c.Handshake();
    EXPECT_EQ(ret, GNUTLS_E_FATAL_ALERT_RECEIVED) << gnutls_strerror(ret);
    EXPECT_EQ(gnutls_alert_get(c.session()), GNUTLS_A_HANDSHAKE_FAILURE);
}

TEST(FakeServerTls, SendTlsAlertAfterHandshake)
{
    FakeServer srv(TlsOptions(true));
    srv.Send("* OK\r\n").SendTlsAlert(GNUTLS_A_INTERNAL_ERROR).Start();
    Client c(srv.port());
    ASSERT_EQ(c.Handshake(), 0);
    EXPECT_EQ(c.TlsReadLine(), "* OK\r\n");
    ssize_t err = 0;
    EXPECT_EQ(c.TlsReadLine(&err), "");
    EXPECT_EQ(err, GNUTLS_E_FATAL_ALERT_RECEIVED);
    EXPECT_EQ(gnutls_alert_get(c.session()), GNUTLS_A_INTERNAL_ERROR);
}

TEST(FakeServerTls, CloseWithoutCloseNotifyIsPrematureTermination)
{
    FakeServer srv(TlsOptions(true));
    srv.Send("* 1 FETCH (BODY[] {100}\r\npartial").CloseWithoutCloseNotify().Start();
    Client c(srv.port());
    ASSERT_EQ(c.Handshake(), 0);
    EXPECT_EQ(c.TlsReadLine(), "* 1 FETCH (BODY[] {100}\r\n");
    ssize_t err = 0;
    EXPECT_EQ(c.TlsReadLine(&err), "partial");
    EXPECT_EQ(err, GNUTLS_E_PREMATURE_TERMINATION) << gnutls_strerror(static_cast<int>(err));
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
}

TEST(FakeServerTls, TlsByeThenClose)
{
    FakeServer srv(TlsOptions(true));
    srv.Send("* BYE\r\n").TlsBye().Close().Start();
    Client c(srv.port());
    ASSERT_EQ(c.Handshake(), 0);
    EXPECT_EQ(c.TlsReadLine(), "* BYE\r\n");
    ssize_t end = 1;
    EXPECT_EQ(c.TlsReadLine(&end), "");
    EXPECT_EQ(end, 0);
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
}

TEST(FakeServerTls, StallHandshakeAndDestructionIsPrompt)
{
    auto srv = std::make_unique<FakeServer>(TlsOptions(false));
    srv->Send("220 hi\r\n").ExpectLine("STARTTLS").Send("220 go\r\n").StallHandshake().Start();
    Client c(srv->port());
    EXPECT_EQ(c.ReadLine(), "220 hi\r\n");
    ASSERT_TRUE(c.SendAll("STARTTLS\r\n"));
    EXPECT_EQ(c.ReadLine(), "220 go\r\n");
    ClientTls opt;
    opt.handshake_timeout_ms = 300;
    auto t0 = Clock::now();
    int ret = c.Handshake(opt);
    EXPECT_EQ(ret, GNUTLS_E_TIMEDOUT) << gnutls_strerror(ret);
    EXPECT_LT(Clock::now() - t0, 3s);
    EXPECT_TRUE(srv->client_hello_seen());
    EXPECT_FALSE(srv->done());
    EXPECT_FALSE(srv->handshake_done());
    EXPECT_EQ(srv->received(), "STARTTLS\r\n") << "handshake bytes are not plaintext";
    t0 = Clock::now();
    srv.reset();
    EXPECT_LT(Clock::now() - t0, 1s);
}

TEST(FakeServerTls, StallAfterHandshakeRecordsPlaintext)
{
    FakeServer srv(TlsOptions(true));
    srv.Send("* OK\r\n").Stall().Start();
    Client c(srv.port());
    ASSERT_EQ(c.Handshake(), 0);
    EXPECT_EQ(c.TlsReadLine(), "* OK\r\n");
    ASSERT_EQ(c.TlsSend("a NOOP\r\n"), 0);
    EXPECT_TRUE(srv.WaitReceived("a NOOP\r\n", 5s));
    EXPECT_FALSE(srv.done());
    EXPECT_EQ(gnutls_bye(c.session(), GNUTLS_SHUT_WR), 0);
    EXPECT_TRUE(srv.WaitDone(5s)) << "close_notify ends the stall";
    EXPECT_EQ(srv.error(), "");
    EXPECT_TRUE(srv.client_close_notify());
}

TEST(FakeServerTls, HandshakeFailureIsRecorded)
{
    FakeServer srv(TlsOptions(true));
    srv.Send("* OK\r\n").Start();
    Client c(srv.port());
    ASSERT_TRUE(c.SendAll("A1 LOGIN plaintext on a TLS port\r\n"));
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_NE(srv.tls_error(), "");
    EXPECT_LT(srv.tls_error_code(), 0);
    EXPECT_EQ(srv.error().rfind("StartTls: handshake failed: ", 0), 0u) << srv.error();
    EXPECT_FALSE(srv.handshake_done());
}

TEST(FakeServerTls, BadCertificateFileIsRecorded)
{
    FakeServerOptions o = TlsOptions(true);
    o.tls.cert_file = "/nonexistent/cert.pem";
    FakeServer srv(o);
    srv.Send("* OK\r\n").Start();
    Client c(srv.port());
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_NE(srv.tls_error().find("cannot load /nonexistent/cert.pem"), std::string::npos)
        << srv.tls_error();
    EXPECT_NE(srv.error(), "");
}

TEST(FakeServerTls, ClientCertificateRequiredAndGiven)
{
    FakeServerOptions o = TlsOptions(true);
    o.tls.require_client_cert = true;
    o.tls.client_ca_file = TestCertPath("client-ca.pem");
    FakeServer srv(o);
    srv.Send("* OK\r\n").Start();
    Client c(srv.port());
    ClientTls opt;
    opt.client_cert = true;
    ASSERT_EQ(c.Handshake(opt), 0);
    EXPECT_EQ(c.TlsReadLine(), "* OK\r\n");
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
    EXPECT_TRUE(srv.client_cert_seen());
}

// With TLS 1.3 the client's handshake finishes before the server has judged its certificate;
// the failure then shows on the client's first read.
void ExpectClientCertRejected(const FakeServerOptions &o, const ClientTls &opt, int server_code)
{
    FakeServer srv(o);
    srv.Send("* OK\r\n").Start();
    Client c(srv.port());
    int ret = c.Handshake(opt);
    if (ret == 0) {
        ssize_t err = 0;
        EXPECT_EQ(c.TlsReadLine(&err), "");
        EXPECT_LT(err, 0);
    } else {
        EXPECT_LT(ret, 0);
    }
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.tls_error_code(), server_code) << srv.tls_error();
    EXPECT_EQ(srv.error().rfind("StartTls: handshake failed: ", 0), 0u) << srv.error();
    EXPECT_FALSE(srv.handshake_done());
}

TEST(FakeServerTls, ClientCertificateRequiredButMissing)
{
    FakeServerOptions o = TlsOptions(true);
    o.tls.require_client_cert = true;
    o.tls.client_ca_file = TestCertPath("client-ca.pem");
    ExpectClientCertRejected(o, ClientTls(), GNUTLS_E_CERTIFICATE_REQUIRED);
}

TEST(FakeServerTls, ClientCertificateFromWrongCaRejected)
{
    FakeServerOptions o = TlsOptions(true);
    o.tls.require_client_cert = true;
    o.tls.client_ca_file = TestCertPath("client-ca.pem");
    o.tls.send_ca_list = false; // else the GnuTLS client withholds a certificate of another CA
    ClientTls opt;
    opt.client_cert = true;
    opt.cert_file = TestCertPath("unknownca.pem");
    opt.key_file = TestCertPath("unknownca-key.pem");
    ExpectClientCertRejected(o, opt, GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR);
}

TEST(FakeServerTls, ClientCertificateRequestedOnly)
{
    FakeServerOptions o = TlsOptions(true);
    o.tls.client_ca_file = TestCertPath("client-ca.pem");
    for (bool give : {false, true}) {
        FakeServer srv(o);
        srv.Send("* OK\r\n").Start();
        Client c(srv.port());
        ClientTls opt;
        opt.client_cert = give;
        ASSERT_EQ(c.Handshake(opt), 0);
        EXPECT_EQ(c.TlsReadLine(), "* OK\r\n");
        EXPECT_TRUE(srv.WaitDone(5s));
        EXPECT_EQ(srv.error(), "");
        EXPECT_EQ(srv.client_cert_seen(), give);
    }
}

TEST(FakeServerTls, MultipleAcceptsWithImplicitTls)
{
    FakeServerOptions o = TlsOptions(true);
    o.accept_count = 3;
    FakeServer srv(o);
    srv.Send("* OK\r\n").ExpectLine("a").Start();
    for (int i = 0; i < 3; ++i) {
        Client c(srv.port());
        ASSERT_EQ(c.Handshake(), 0);
        EXPECT_EQ(c.TlsReadLine(), "* OK\r\n");
        ASSERT_EQ(c.TlsSend("a " + std::to_string(i) + "\r\n"), 0);
    }
    EXPECT_TRUE(srv.WaitDone(5s));
    EXPECT_EQ(srv.error(), "");
    EXPECT_EQ(srv.received_lines(), (std::vector<std::string>{"a 0", "a 1", "a 2"}));
}

TEST(TestCerts, DirectoryHasTheFixtures)
{
    for (const char *name :
         {"ca.pem", "valid.pem", "valid-key.pem", "expired.pem", "wronghost.pem", "selfsigned.pem",
          "unknownca.pem", "client-ca.pem", "client.pem", "client-key.pem", "client.p12"}) {
        EXPECT_EQ(::access(TestCertPath(name).c_str(), R_OK), 0) << name;
    }
    EXPECT_EQ(&mwtest::TestCertDir(), &mwtest::TestCertDir());
}

} // namespace
