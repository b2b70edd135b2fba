// fake_server.cpp -- see fake_server.hpp.
#include "fake_server.hpp"

#include "common/portable.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace mwtest
{

namespace
{

constexpr std::size_t kChunk = 16384;

// Text of a socket error (errno / WSAGetLastError()).
std::string SockErr(int err)
{
    char buf[256];
    return mwt_socket_strerror(err, buf, sizeof buf);
}

mwt_socket Sock(SocketHandle s)
{
    return static_cast<mwt_socket>(s);
}

// What GnuTLS must see in its push/pull errno: EAGAIN and EINTR are the two it acts on.
int TransportErrno(int err)
{
    if (mwt_would_block(err))
        return EAGAIN;
    if (mwt_interrupted(err))
        return EINTR;
#ifdef _WIN32
    return EIO;
#else
    return err;
#endif
}

bool StartsWithNoCase(const std::string &s, const std::string &prefix)
{
    if (s.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        unsigned char a = static_cast<unsigned char>(s[i]);
        unsigned char b = static_cast<unsigned char>(prefix[i]);
        if (a >= 'A' && a <= 'Z')
            a = static_cast<unsigned char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = static_cast<unsigned char>(b - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

std::string Printable(const std::string &s)
{
    std::string out;
    for (unsigned char c : s) {
        if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (c < 0x20 || c >= 0x7f) {
            static const char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

int PollRetry(mwt_pollfd *fds, std::size_t n, int timeout_ms)
{
    return mwt_poll(fds, n, timeout_ms);
}

} // namespace

// State shared between the test thread and the worker thread.
struct Conn::Shared {
    FakeServerOptions opts;
    SocketHandle listen_fd = kNoSocket;
    // A socket pair: wake_fd turns readable once the server is being destroyed (a byte is sent
    // on wake_wr). Sockets, not an eventfd or a pipe, because WSAPoll takes sockets only.
    SocketHandle wake_fd = kNoSocket;
    SocketHandle wake_wr = kNoSocket;
    std::atomic<bool> stop{false};

    // TLS material: loaded lazily and used by the worker thread only.
    bool tls_loaded = false;
    int tls_load_code = 0;
    std::string tls_load_error;
    gnutls_certificate_credentials_t cred = nullptr;
    gnutls_priority_t prio = nullptr;
    gnutls_datum_t ticket_key{nullptr, 0}; // TlsConfig::session_tickets

    // Results, guarded by mu.
    mutable std::mutex mu;
    mutable std::condition_variable cv;
    std::vector<std::string> received;
    std::string error;
    std::string tls_error;
    int tls_error_code = 0;
    bool handshake_done = false;
    std::string version;
    bool client_cert_seen = false;
    int resumed_handshakes = 0;
    bool client_hello_seen = false;
    bool client_close_notify = false;
    bool done = false;

    void Record(std::size_t conn, const char *data, std::size_t n)
    {
        if (n == 0)
            return;
        {
            std::lock_guard<std::mutex> lock(mu);
            if (received.size() <= conn)
                received.resize(conn + 1);
            received[conn].append(data, n);
        }
        cv.notify_all();
    }

    void SetError(const std::string &msg)
    {
        {
            std::lock_guard<std::mutex> lock(mu);
            if (error.empty())
                error = msg;
        }
        cv.notify_all();
    }

    void SetTlsError(int code, const std::string &msg)
    {
        std::lock_guard<std::mutex> lock(mu);
        tls_error = msg;
        tls_error_code = code;
    }

    void SetDone()
    {
        {
            std::lock_guard<std::mutex> lock(mu);
            done = true;
        }
        cv.notify_all();
    }

    template <typename F> void Update(F f)
    {
        std::lock_guard<std::mutex> lock(mu);
        f();
    }

    // Loads credentials and priorities once; returns false with tls_load_* set on failure.
    bool LoadTls()
    {
        if (tls_loaded)
            return tls_load_code == 0;
        tls_loaded = true;
        const TlsConfig &cfg = opts.tls;
        auto fail = [&](int code, std::string msg) {
            tls_load_code = code != 0 ? code : GNUTLS_E_INVALID_REQUEST;
            tls_load_error = std::move(msg);
            return false;
        };
        if (cfg.cert_file.empty() || cfg.key_file.empty())
            return fail(GNUTLS_E_INVALID_REQUEST,
                        "no server certificate configured (FakeServerOptions::tls)");
        int ret = gnutls_certificate_allocate_credentials(&cred);
        if (ret < 0)
            return fail(ret, std::string("credentials: ") + gnutls_strerror(ret));
        ret = gnutls_certificate_set_x509_key_file(cred, cfg.cert_file.c_str(),
                                                   cfg.key_file.c_str(), GNUTLS_X509_FMT_PEM);
        if (ret < 0)
            return fail(ret, "cannot load " + cfg.cert_file + " / " + cfg.key_file + ": " +
                                 gnutls_strerror(ret));
        if (!cfg.client_ca_file.empty()) {
            ret = gnutls_certificate_set_x509_trust_file(cred, cfg.client_ca_file.c_str(),
                                                         GNUTLS_X509_FMT_PEM);
            if (ret < 0)
                return fail(ret, "cannot load " + cfg.client_ca_file + ": " + gnutls_strerror(ret));
            if (ret == 0)
                return fail(GNUTLS_E_NO_CERTIFICATE_FOUND,
                            "no certificate in " + cfg.client_ca_file);
        }
        if (cfg.session_tickets && !cfg.session_ticket_key.empty()) {
            ticket_key.size = static_cast<unsigned>(cfg.session_ticket_key.size());
            ticket_key.data = static_cast<unsigned char *>(gnutls_malloc(ticket_key.size));
            if (ticket_key.data == nullptr)
                return fail(GNUTLS_E_MEMORY_ERROR, "ticket key: out of memory");
            std::memcpy(ticket_key.data, cfg.session_ticket_key.data(), ticket_key.size);
        } else if (cfg.session_tickets) {
            ret = gnutls_session_ticket_key_generate(&ticket_key);
            if (ret < 0)
                return fail(ret, std::string("ticket key: ") + gnutls_strerror(ret));
        }
        if (!cfg.ocsp_response.empty())
            gnutls_certificate_set_ocsp_status_request_function(cred, &Shared::Staple, this);
        const char *err_pos = nullptr;
        ret = gnutls_priority_init(&prio, cfg.priority.c_str(), &err_pos);
        if (ret < 0) {
            prio = nullptr;
            return fail(ret, "bad priority string '" + cfg.priority + "'" +
                                 (err_pos != nullptr ? std::string(" at '") + err_pos + "'"
                                                     : std::string()) +
                                 ": " + gnutls_strerror(ret));
        }
        return true;
    }

    // Serves TlsConfig::ocsp_response, unchecked (gnutls_certificate_set_ocsp_status_request_file
    // would refuse a response for another certificate, which tests need).
    static int Staple(gnutls_session_t, void *p, gnutls_datum_t *out)
    {
        const std::string &r = static_cast<Shared *>(p)->opts.tls.ocsp_response;
        out->data = static_cast<unsigned char *>(gnutls_malloc(r.size()));
        if (out->data == nullptr)
            return GNUTLS_E_MEMORY_ERROR;
        std::memcpy(out->data, r.data(), r.size());
        out->size = static_cast<unsigned>(r.size());
        return 0;
    }

    void FreeTls()
    {
        if (prio != nullptr)
            gnutls_priority_deinit(prio);
        if (cred != nullptr)
            gnutls_certificate_free_credentials(cred);
        prio = nullptr;
        cred = nullptr;
        if (ticket_key.data != nullptr)
            gnutls_free(ticket_key.data);
        ticket_key = {nullptr, 0};
    }
};

// ------------------------------------------------------------------------------------------------
// Conn

Conn::Conn(Shared *shared, SocketHandle fd, std::size_t index)
    : shared_(shared), fd_(fd), index_(index)
{
}

Conn::~Conn()
{
    CloseNow();
}

bool Conn::stopping() const
{
    return stopped_ || shared_->stop.load();
}

std::chrono::milliseconds Conn::timeout() const
{
    return shared_->opts.timeout;
}

Conn::Deadline Conn::NewDeadline() const
{
    return std::chrono::steady_clock::now() + shared_->opts.timeout;
}

Conn::Io Conn::WaitFd(short events, Deadline deadline, SocketHandle extra_fd, bool *extra_ready)
{
    for (;;) {
        if (shared_->stop.load())
            return Io::kStopped;
        // Round up so that a deadline a fraction of a millisecond away does not spin.
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
        long long ms = std::max<long long>(0, left.count());
        mwt_pollfd fds[3] = {{Sock(fd_), events, 0},
                             {Sock(shared_->wake_fd), POLLIN, 0},
                             {Sock(extra_fd), POLLIN, 0}};
        std::size_t n = extra_fd != kNoSocket ? 3 : 2;
        int r = PollRetry(fds, n, static_cast<int>(std::min<long long>(ms, 1000000)));
        if (r < 0)
            return Io::kError;
        if (fds[1].revents != 0)
            return Io::kStopped;
        if (r == 0) {
            if (std::chrono::steady_clock::now() >= deadline)
                return Io::kTimeout;
            continue;
        }
        if (n == 3 && fds[2].revents != 0 && extra_ready != nullptr)
            *extra_ready = true;
        return Io::kOk;
    }
}

void Conn::HandleIo(Io io, const char *what, const std::string &err)
{
    switch (io) {
    case Io::kOk:
        break;
    case Io::kStopped:
        stopped_ = true;
        break;
    case Io::kTimeout:
        Fail(std::string("timeout in ") + what);
        break;
    case Io::kEof:
        Fail(std::string("connection closed by client in ") + what);
        break;
    case Io::kError:
        Fail(std::string(what) + ": " + (err.empty() ? "I/O error" : err));
        break;
    }
}

bool Conn::Usable(const char *what)
{
    if (failed_ || stopped_)
        return false;
    if (shared_->stop.load()) {
        stopped_ = true;
        return false;
    }
    if (fd_ == kNoSocket) {
        Fail(std::string(what) + ": connection already closed");
        return false;
    }
    return true;
}

void Conn::Fail(std::string message)
{
    if (failed_)
        return;
    failed_ = true;
    shared_->SetError(message);
}

Conn::Io Conn::ReadMore(Deadline deadline, std::string *err)
{
    char chunk[kChunk];
    for (;;) {
        if (shared_->stop.load())
            return Io::kStopped;
        if (session_ != nullptr) {
            ssize_t r = gnutls_record_recv(session_, chunk, sizeof chunk);
            if (r > 0) {
                shared_->Record(index_, chunk, static_cast<std::size_t>(r));
                buf_.append(chunk, static_cast<std::size_t>(r));
                return Io::kOk;
            }
            if (r == 0) {
                shared_->Update([&] { shared_->client_close_notify = true; });
                return Io::kEof;
            }
            if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
                short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
                Io io = WaitFd(ev, deadline);
                if (io != Io::kOk)
                    return io;
                continue;
            }
            if (r == GNUTLS_E_PREMATURE_TERMINATION)
                return Io::kEof;
            if (r == GNUTLS_E_REHANDSHAKE) {
                // Client-initiated renegotiation: refuse politely and carry on.
                gnutls_alert_send(session_, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
                continue;
            }
            if (gnutls_error_is_fatal(static_cast<int>(r)) == 0)
                continue;
            *err = std::string("TLS receive failed: ") + gnutls_strerror(static_cast<int>(r));
            return Io::kError;
        }
        long r = mwt_recv(Sock(fd_), chunk, sizeof chunk);
        if (r > 0) {
            shared_->Record(index_, chunk, static_cast<std::size_t>(r));
            buf_.append(chunk, static_cast<std::size_t>(r));
            return Io::kOk;
        }
        if (r == 0)
            return Io::kEof;
        int e = mwt_socket_error();
        if (mwt_would_block(e)) {
            Io io = WaitFd(POLLIN, deadline);
            if (io != Io::kOk)
                return io;
            continue;
        }
        *err = "recv failed: " + SockErr(e);
        return Io::kError;
    }
}

Conn::Io Conn::ReadMoreRaw(Deadline deadline, std::string *out, std::string *err)
{
    if (!tls_prebuf_.empty() || !buf_.empty()) {
        out->append(tls_prebuf_);
        out->append(buf_);
        tls_prebuf_.clear();
        buf_.clear();
        return Io::kOk;
    }
    char chunk[kChunk];
    for (;;) {
        long r = mwt_recv(Sock(fd_), chunk, sizeof chunk);
        if (r > 0) {
            out->append(chunk, static_cast<std::size_t>(r));
            return Io::kOk;
        }
        if (r == 0)
            return Io::kEof;
        int e = mwt_socket_error();
        if (mwt_would_block(e)) {
            Io io = WaitFd(POLLIN, deadline);
            if (io != Io::kOk)
                return io;
            continue;
        }
        *err = "recv failed: " + SockErr(e);
        return Io::kError;
    }
}

bool Conn::WriteImpl(std::string_view data, bool raw, const char *what)
{
    if (!Usable(what))
        return false;
    if (write_shut_) {
        Fail(std::string(what) + ": connection already closed for writing");
        return false;
    }
    Deadline deadline = NewDeadline();
    std::size_t off = 0;
    while (off < data.size()) {
        if (session_ != nullptr && !raw) {
            ssize_t r = gnutls_record_send(session_, data.data() + off, data.size() - off);
            if (r > 0) {
                off += static_cast<std::size_t>(r);
                continue;
            }
            if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED) {
                short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
                Io io = WaitFd(ev, deadline);
                if (io != Io::kOk) {
                    HandleIo(io, what, "poll failed");
                    return false;
                }
                continue;
            }
            Fail(std::string(what) + ": TLS send failed: " + gnutls_strerror(static_cast<int>(r)));
            return false;
        }
        long r = mwt_send(Sock(fd_), data.data() + off, data.size() - off);
        if (r >= 0) {
            off += static_cast<std::size_t>(r);
            continue;
        }
        int e = mwt_socket_error();
        if (mwt_would_block(e)) {
            Io io = WaitFd(POLLOUT, deadline);
            if (io != Io::kOk) {
                HandleIo(io, what, "poll failed");
                return false;
            }
            continue;
        }
        Fail(std::string(what) + ": send failed: " + SockErr(e));
        return false;
    }
    return true;
}

bool Conn::Write(std::string_view data)
{
    return WriteImpl(data, false, "Send");
}

bool Conn::WriteRaw(std::string_view data)
{
    return WriteImpl(data, true, "SendRaw");
}

bool Conn::WriteBytewise(std::string_view data, std::chrono::milliseconds delay)
{
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (!WriteImpl(data.substr(i, 1), false, "SendBytewise"))
            return false;
        if (delay.count() > 0 && i + 1 < data.size() && !Sleep(delay))
            return false;
    }
    return Usable("SendBytewise");
}

std::optional<std::string> Conn::ReadLine()
{
    if (!Usable("ReadLine"))
        return std::nullopt;
    Deadline deadline = NewDeadline();
    for (;;) {
        std::size_t pos = buf_.find('\n');
        if (pos != std::string::npos) {
            std::string line = buf_.substr(0, pos + 1);
            buf_.erase(0, pos + 1);
            return line;
        }
        std::string err;
        Io io = ReadMore(deadline, &err);
        if (io != Io::kOk) {
            HandleIo(io, "ReadLine", err);
            return std::nullopt;
        }
    }
}

std::optional<std::string> Conn::ReadUntil(std::string_view marker)
{
    if (!Usable("ReadUntil"))
        return std::nullopt;
    Deadline deadline = NewDeadline();
    std::size_t from = 0; // what was searched already (large bodies stay linear)
    for (;;) {
        std::size_t pos = buf_.find(marker, from);
        from = buf_.size() >= marker.size() ? buf_.size() - marker.size() + 1 : 0;
        if (pos != std::string::npos) {
            std::string out = buf_.substr(0, pos + marker.size());
            buf_.erase(0, pos + marker.size());
            return out;
        }
        std::string err;
        Io io = ReadMore(deadline, &err);
        if (io != Io::kOk) {
            HandleIo(io, "ReadUntil", err);
            return std::nullopt;
        }
    }
}

std::optional<std::string> Conn::ReadBytes(std::size_t n)
{
    if (!Usable("ReadBytes"))
        return std::nullopt;
    Deadline deadline = NewDeadline();
    while (buf_.size() < n) {
        std::string err;
        Io io = ReadMore(deadline, &err);
        if (io != Io::kOk) {
            HandleIo(io, "ReadBytes", err);
            return std::nullopt;
        }
    }
    std::string out = buf_.substr(0, n);
    buf_.erase(0, n);
    return out;
}

void Conn::Stall()
{
    if (!Usable("Stall"))
        return;
    buf_.clear(); // already recorded; a stalled server consumes nothing
    Deadline deadline = NewDeadline();
    for (;;) {
        std::string err;
        Io io = ReadMore(deadline, &err);
        buf_.clear();
        if (io == Io::kOk)
            continue;
        if (io == Io::kTimeout || io == Io::kStopped)
            HandleIo(io, "Stall", err);
        return; // EOF or error: the client gave up, which is what a stall waits for
    }
}

void Conn::StallHandshake()
{
    if (!Usable("StallHandshake"))
        return;
    Deadline deadline = NewDeadline();
    bool first = true;
    for (;;) {
        std::string data;
        std::string err;
        Io io = ReadMoreRaw(deadline, &data, &err);
        if (io == Io::kOk) {
            if (first && !data.empty()) {
                first = false;
                bool hello = data[0] == '\x16';
                shared_->Update([&] { shared_->client_hello_seen = hello; });
            }
            continue;
        }
        if (io == Io::kTimeout || io == Io::kStopped)
            HandleIo(io, "StallHandshake", err);
        return;
    }
}

ssize_t Conn::Push(gnutls_transport_ptr_t p, const void *data, std::size_t len)
{
    Conn *c = static_cast<Conn *>(p);
    long r = mwt_send(Sock(c->fd_), data, len);
    if (r < 0)
        gnutls_transport_set_errno(c->session_, TransportErrno(mwt_socket_error()));
    return static_cast<ssize_t>(r);
}

ssize_t Conn::Pull(gnutls_transport_ptr_t p, void *data, std::size_t len)
{
    Conn *c = static_cast<Conn *>(p);
    if (!c->tls_prebuf_.empty()) {
        std::size_t n = std::min(len, c->tls_prebuf_.size());
        std::memcpy(data, c->tls_prebuf_.data(), n);
        c->tls_prebuf_.erase(0, n);
        return static_cast<ssize_t>(n);
    }
    long r = mwt_recv(Sock(c->fd_), data, len);
    if (r < 0)
        gnutls_transport_set_errno(c->session_, TransportErrno(mwt_socket_error()));
    return static_cast<ssize_t>(r);
}

int Conn::PullTimeout(gnutls_transport_ptr_t p, unsigned int ms)
{
    Conn *c = static_cast<Conn *>(p);
    if (!c->tls_prebuf_.empty())
        return 1;
    long long cap = c->shared_->opts.timeout.count();
    int wait = ms == GNUTLS_INDEFINITE_TIMEOUT ? static_cast<int>(std::min(cap, 1000000LL))
                                               : static_cast<int>(std::min<long long>(ms, cap));
    mwt_pollfd fds[2] = {{Sock(c->fd_), POLLIN, 0}, {Sock(c->shared_->wake_fd), POLLIN, 0}};
    int r = PollRetry(fds, 2, wait);
    if (r < 0)
        return -1;
    if (fds[1].revents != 0)
        return 0;
    return fds[0].revents != 0 ? 1 : 0;
}

bool Conn::StartTls()
{
    if (!Usable("StartTls"))
        return false;
    if (session_ != nullptr) {
        Fail("StartTls: TLS is already active");
        return false;
    }
    if (!shared_->LoadTls()) {
        shared_->SetTlsError(shared_->tls_load_code, shared_->tls_load_error);
        Fail("StartTls: " + shared_->tls_load_error);
        return false;
    }
    int ret = gnutls_init(&session_, GNUTLS_SERVER | GNUTLS_NONBLOCK);
    if (ret < 0) {
        session_ = nullptr;
        shared_->SetTlsError(ret, gnutls_strerror(ret));
        Fail(std::string("StartTls: gnutls_init: ") + gnutls_strerror(ret));
        return false;
    }
    gnutls_priority_set(session_, shared_->prio);
    gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, shared_->cred);
    const TlsConfig &cfg = shared_->opts.tls;
    if (cfg.require_client_cert) {
        gnutls_certificate_server_set_request(session_, GNUTLS_CERT_REQUIRE);
        if (!cfg.client_ca_file.empty())
            gnutls_session_set_verify_cert(session_, nullptr, 0);
    } else if (!cfg.client_ca_file.empty()) {
        gnutls_certificate_server_set_request(session_, GNUTLS_CERT_REQUEST);
    }
    if (!cfg.send_ca_list)
        gnutls_certificate_send_x509_rdn_sequence(session_, 1);
    if (shared_->ticket_key.data != nullptr)
        gnutls_session_ticket_enable_server(session_, &shared_->ticket_key);
    gnutls_transport_set_ptr(session_, this);
    gnutls_transport_set_push_function(session_, &Conn::Push);
    gnutls_transport_set_pull_function(session_, &Conn::Pull);
    gnutls_transport_set_pull_timeout_function(session_, &Conn::PullTimeout);
    gnutls_handshake_set_timeout(session_, 0); // our own deadline below is the cap
    // Plaintext the client sent after the STARTTLS command (normally the start of its
    // ClientHello) belongs to the handshake.
    tls_prebuf_ = std::move(buf_);
    buf_.clear();

    Deadline deadline = NewDeadline();
    for (;;) {
        ret = gnutls_handshake(session_);
        if (ret == GNUTLS_E_SUCCESS)
            break;
        if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
            short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
            Io io = WaitFd(ev, deadline);
            if (io == Io::kOk)
                continue;
            if (io == Io::kTimeout)
                shared_->SetTlsError(GNUTLS_E_TIMEDOUT, "timeout in StartTls");
            HandleIo(io, "StartTls", "poll failed");
            return false;
        }
        if (gnutls_error_is_fatal(ret) == 0)
            continue; // warning alert and the like
        std::string msg = gnutls_strerror(ret);
        if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED) {
            const char *alert = gnutls_alert_get_name(gnutls_alert_get(session_));
            msg += std::string(" (") + (alert != nullptr ? alert : "unknown alert") + ")";
        } else {
            gnutls_alert_send_appropriate(session_, ret); // best effort, non-blocking
        }
        shared_->SetTlsError(ret, msg);
        Fail("StartTls: handshake failed: " + msg);
        return false;
    }
    unsigned int peers = 0;
    bool have_cert = gnutls_certificate_get_peers(session_, &peers) != nullptr && peers > 0;
    const char *vname = gnutls_protocol_get_name(gnutls_protocol_get_version(session_));
    std::string version = vname != nullptr ? vname : "";
    bool resumed = gnutls_session_is_resumed(session_) != 0;
    shared_->Update([&] {
        shared_->resumed_handshakes += resumed ? 1 : 0;
        shared_->handshake_done = true;
        shared_->version = version;
        shared_->client_cert_seen = have_cert;
        shared_->tls_error.clear();
        shared_->tls_error_code = 0;
    });
    return true;
}

bool Conn::TlsBye()
{
    if (!Usable("TlsBye"))
        return false;
    if (session_ == nullptr) {
        Fail("TlsBye: TLS is not active");
        return false;
    }
    Deadline deadline = NewDeadline();
    for (;;) {
        int ret = gnutls_bye(session_, GNUTLS_SHUT_WR);
        if (ret == GNUTLS_E_SUCCESS)
            break;
        if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
            short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
            Io io = WaitFd(ev, deadline);
            if (io == Io::kOk)
                continue;
            HandleIo(io, "TlsBye", "poll failed");
            return false;
        }
        Fail(std::string("TlsBye: ") + gnutls_strerror(ret));
        return false;
    }
    bye_sent_ = true;
    return true;
}

bool Conn::SendTlsAlert(std::uint8_t description)
{
    if (session_ == nullptr) {
        // A plaintext TLS 1.2 alert record: type 21, version 3.3, length 2, level fatal.
        const char rec[] = {
            '\x15', '\x03', '\x03', '\x00', '\x02', '\x02', static_cast<char>(description)};
        return WriteImpl(std::string_view(rec, sizeof rec), true, "SendTlsAlert");
    }
    if (!Usable("SendTlsAlert"))
        return false;
    Deadline deadline = NewDeadline();
    for (;;) {
        int ret = gnutls_alert_send(session_, GNUTLS_AL_FATAL,
                                    static_cast<gnutls_alert_description_t>(description));
        if (ret == GNUTLS_E_SUCCESS)
            return true;
        if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
            short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
            Io io = WaitFd(ev, deadline);
            if (io == Io::kOk)
                continue;
            HandleIo(io, "SendTlsAlert", "poll failed");
            return false;
        }
        Fail(std::string("SendTlsAlert: ") + gnutls_strerror(ret));
        return false;
    }
}

void Conn::ShutdownWrite(bool send_bye)
{
    if (fd_ == kNoSocket || write_shut_)
        return;
    if (send_bye && session_ != nullptr && !bye_sent_ && !failed_ && !stopping()) {
        // Best effort: a client that already went away is not a script failure here.
        Deadline deadline = NewDeadline();
        for (;;) {
            int ret = gnutls_bye(session_, GNUTLS_SHUT_WR);
            if (ret != GNUTLS_E_AGAIN && ret != GNUTLS_E_INTERRUPTED)
                break;
            short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
            if (WaitFd(ev, deadline) != Io::kOk)
                break;
        }
        bye_sent_ = true;
    }
    ::shutdown(Sock(fd_), MWT_SHUT_WR);
    write_shut_ = true;
}

void Conn::Close()
{
    if (failed_ || stopped_)
        return;
    ShutdownWrite(true);
}

void Conn::CloseWithoutCloseNotify()
{
    if (failed_ || stopped_)
        return;
    ShutdownWrite(false);
}

void Conn::Reset()
{
    if (fd_ == kNoSocket)
        return;
    linger lg{};
    lg.l_onoff = 1;
    lg.l_linger = 0;
    ::setsockopt(Sock(fd_), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char *>(&lg), sizeof lg);
    CloseNow();
}

bool Conn::Sleep(std::chrono::milliseconds ms)
{
    if (stopping()) {
        stopped_ = true;
        return false;
    }
    auto deadline = std::chrono::steady_clock::now() + ms;
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            return true;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
        mwt_pollfd fd = {Sock(shared_->wake_fd), POLLIN, 0};
        int r = PollRetry(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1000000)));
        if (r > 0 || shared_->stop.load()) {
            stopped_ = true;
            return false;
        }
    }
}

void Conn::Drain(SocketHandle listen_fd)
{
    if (fd_ == kNoSocket)
        return;
    ShutdownWrite(true);
    Deadline deadline = NewDeadline();
    for (;;) {
        if (session_ == nullptr || gnutls_record_check_pending(session_) == 0) {
            bool next_client = false;
            Io io = WaitFd(POLLIN, deadline, listen_fd, &next_client);
            if (io != Io::kOk || next_client)
                break;
        }
        std::string err;
        Io io = ReadMore(deadline, &err);
        buf_.clear();
        if (io != Io::kOk)
            break;
    }
    CloseNow();
}

void Conn::DropTls()
{
    if (session_ != nullptr)
        gnutls_deinit(session_);
    session_ = nullptr;
}

void Conn::CloseNow()
{
    DropTls();
    mwt_close_socket(Sock(fd_));
    fd_ = kNoSocket;
}

// ------------------------------------------------------------------------------------------------
// FakeServer

struct FakeServer::Impl : Conn::Shared {
    std::uint16_t port = 0;
    std::vector<std::function<void(Conn &)>> steps;
    bool started = false;
    std::thread worker;

    Conn::Io Accept(SocketHandle *out, std::string *err)
    {
        auto deadline = std::chrono::steady_clock::now() + opts.timeout;
        for (;;) {
            if (stop.load())
                return Conn::Io::kStopped;
            auto now = std::chrono::steady_clock::now();
            if (now >= deadline)
                return Conn::Io::kTimeout;
            auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
            mwt_pollfd fds[2] = {{Sock(listen_fd), POLLIN, 0}, {Sock(wake_fd), POLLIN, 0}};
            int r = PollRetry(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000000)));
            if (r < 0) {
                *err = "poll: " + SockErr(mwt_socket_error());
                return Conn::Io::kError;
            }
            if (fds[1].revents != 0)
                return Conn::Io::kStopped;
            if (r == 0)
                continue;
            mwt_socket fd = mwt_accept(Sock(listen_fd), 1);
            if (fd == MWT_INVALID_SOCKET) {
                int e = mwt_socket_error();
                if (mwt_would_block(e) || mwt_interrupted(e) || mwt_conn_reset(e))
                    continue;
                *err = "accept: " + SockErr(e);
                return Conn::Io::kError;
            }
            mwt_setsockopt_int(fd, IPPROTO_TCP, TCP_NODELAY, 1);
            *out = static_cast<SocketHandle>(fd);
            return Conn::Io::kOk;
        }
    }

    void Run()
    {
        for (int i = 0; i < opts.accept_count; ++i) {
            SocketHandle fd = kNoSocket;
            std::string err;
            Conn::Io io = Accept(&fd, &err);
            if (io == Conn::Io::kStopped)
                break;
            if (io == Conn::Io::kTimeout) {
                SetError("timeout waiting for connection " + std::to_string(i + 1));
                break;
            }
            if (io != Conn::Io::kOk) {
                SetError(err);
                break;
            }
            Update([&] {
                if (received.size() < static_cast<std::size_t>(i) + 1)
                    received.resize(static_cast<std::size_t>(i) + 1);
            });
            Conn conn(this, fd, static_cast<std::size_t>(i));
            if (opts.implicit_tls)
                conn.StartTls();
            for (auto &step : steps) {
                if (conn.failed_ || conn.stopping())
                    break;
                try {
                    step(conn);
                } catch (const std::exception &e) {
                    conn.Fail(std::string("exception in Call step: ") + e.what());
                } catch (...) {
                    conn.Fail("unknown exception in Call step");
                }
            }
            if (conn.failed_ || conn.stopping())
                break; // ~Conn closes the socket at once
            bool last = i + 1 == opts.accept_count;
            if (last)
                SetDone();
            conn.Drain(last ? kNoSocket : listen_fd);
        }
        SetDone();
    }
};

FakeServer::FakeServer() : FakeServer(FakeServerOptions{}) {}

FakeServer::FakeServer(FakeServerOptions options) : impl_(std::make_unique<Impl>())
{
    Impl &s = *impl_;
    s.opts = std::move(options);
    if (s.opts.accept_count < 1)
        s.opts.accept_count = 1;
    if (s.opts.timeout.count() <= 0)
        s.opts.timeout = std::chrono::milliseconds(10000);

    if (mwt_sockets_init() != 0)
        throw std::runtime_error("FakeServer: Winsock cannot start");
    mwt_socket wake[2];
    if (mwt_socket_pair(wake) != 0)
        throw std::runtime_error("FakeServer: wake-up socket pair: " + SockErr(mwt_socket_error()));
    s.wake_fd = static_cast<SocketHandle>(wake[0]);
    s.wake_wr = static_cast<SocketHandle>(wake[1]);

    int family = s.opts.ipv6 ? AF_INET6 : AF_INET;
    mwt_socket l = mwt_socket_tcp(family, 1);
    if (l == MWT_INVALID_SOCKET) {
        std::string why = SockErr(mwt_socket_error());
        mwt_close_socket(wake[0]);
        mwt_close_socket(wake[1]);
        throw std::runtime_error("FakeServer: socket: " + why);
    }
    s.listen_fd = static_cast<SocketHandle>(l);
    int rc;
    if (s.opts.ipv6) {
        mwt_setsockopt_int(l, IPPROTO_IPV6, IPV6_V6ONLY, 1);
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        a.sin6_port = 0;
        rc = ::bind(l, reinterpret_cast<sockaddr *>(&a), sizeof a);
    } else {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = 0;
        rc = ::bind(l, reinterpret_cast<sockaddr *>(&a), sizeof a);
    }
    if (rc == 0)
        rc = ::listen(l, 16);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (rc == 0)
        rc = ::getsockname(l, reinterpret_cast<sockaddr *>(&ss), &len);
    if (rc != 0) {
        std::string why = SockErr(mwt_socket_error());
        mwt_close_socket(l);
        mwt_close_socket(wake[0]);
        mwt_close_socket(wake[1]);
        throw std::runtime_error("FakeServer: bind/listen: " + why);
    }
    if (ss.ss_family == AF_INET6)
        s.port = ntohs(reinterpret_cast<sockaddr_in6 *>(&ss)->sin6_port);
    else
        s.port = ntohs(reinterpret_cast<sockaddr_in *>(&ss)->sin_port);
}

FakeServer::~FakeServer()
{
    Impl &s = *impl_;
    s.stop.store(true);
    (void)mwt_send(Sock(s.wake_wr), "x", 1);
    if (s.worker.joinable())
        s.worker.join();
    mwt_close_socket(Sock(s.listen_fd));
    mwt_close_socket(Sock(s.wake_fd));
    mwt_close_socket(Sock(s.wake_wr));
    s.FreeTls();
}

bool FakeServer::Ipv6Available()
{
    if (mwt_sockets_init() != 0)
        return false;
    mwt_socket fd = mwt_socket_tcp(AF_INET6, 0);
    if (fd == MWT_INVALID_SOCKET)
        return false;
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool ok = ::bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
    mwt_close_socket(fd);
    return ok;
}

std::uint16_t FakeServer::port() const
{
    return impl_->port;
}

const FakeServerOptions &FakeServer::options() const
{
    return impl_->opts;
}

void FakeServer::AddStep(std::function<void(Conn &)> step)
{
    if (impl_->started)
        throw std::logic_error("FakeServer: steps must be added before Start()");
    impl_->steps.push_back(std::move(step));
}

FakeServer &FakeServer::Send(std::string bytes)
{
    AddStep([b = std::move(bytes)](Conn &c) { c.Write(b); });
    return *this;
}

FakeServer &FakeServer::SendBytewise(std::string bytes, int delay_ms)
{
    AddStep([b = std::move(bytes), delay_ms](Conn &c) {
        c.WriteBytewise(b, std::chrono::milliseconds(delay_ms));
    });
    return *this;
}

FakeServer &FakeServer::SendRaw(std::string bytes)
{
    AddStep([b = std::move(bytes)](Conn &c) { c.WriteRaw(b); });
    return *this;
}

FakeServer &FakeServer::ReadLine()
{
    AddStep([](Conn &c) { c.ReadLine(); });
    return *this;
}

FakeServer &FakeServer::ExpectLine(std::string prefix)
{
    AddStep([p = std::move(prefix)](Conn &c) {
        std::optional<std::string> line = c.ReadLine();
        if (line && !StartsWithNoCase(*line, p))
            c.Fail("ExpectLine: expected a line starting with \"" + Printable(p) + "\", got \"" +
                   Printable(*line) + "\"");
    });
    return *this;
}

FakeServer &FakeServer::ReadUntil(std::string marker)
{
    AddStep([m = std::move(marker)](Conn &c) { c.ReadUntil(m); });
    return *this;
}

FakeServer &FakeServer::ReadBytes(std::size_t n)
{
    AddStep([n](Conn &c) { c.ReadBytes(n); });
    return *this;
}

FakeServer &FakeServer::Sleep(int ms)
{
    AddStep([ms](Conn &c) { c.Sleep(std::chrono::milliseconds(ms)); });
    return *this;
}

FakeServer &FakeServer::Stall()
{
    AddStep([](Conn &c) { c.Stall(); });
    return *this;
}

FakeServer &FakeServer::StartTls()
{
    AddStep([](Conn &c) { c.StartTls(); });
    return *this;
}

FakeServer &FakeServer::StallHandshake()
{
    AddStep([](Conn &c) { c.StallHandshake(); });
    return *this;
}

FakeServer &FakeServer::SendTlsAlert(std::uint8_t description)
{
    AddStep([description](Conn &c) { c.SendTlsAlert(description); });
    return *this;
}

FakeServer &FakeServer::TlsBye()
{
    AddStep([](Conn &c) { c.TlsBye(); });
    return *this;
}

FakeServer &FakeServer::Close()
{
    AddStep([](Conn &c) { c.Close(); });
    return *this;
}

FakeServer &FakeServer::Reset()
{
    AddStep([](Conn &c) { c.Reset(); });
    return *this;
}

FakeServer &FakeServer::CloseWithoutCloseNotify()
{
    AddStep([](Conn &c) { c.CloseWithoutCloseNotify(); });
    return *this;
}

FakeServer &FakeServer::Call(std::function<void(Conn &)> step)
{
    AddStep(std::move(step));
    return *this;
}

FakeServer &FakeServer::Start()
{
    Impl &s = *impl_;
    if (!s.started) {
        s.started = true;
        s.worker = std::thread([&s] { s.Run(); });
    }
    return *this;
}

bool FakeServer::WaitDone(std::chrono::milliseconds timeout) const
{
    std::unique_lock<std::mutex> lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [this] { return impl_->done; });
}

bool FakeServer::WaitReceived(const std::string &needle, std::chrono::milliseconds timeout) const
{
    std::unique_lock<std::mutex> lock(impl_->mu);
    return impl_->cv.wait_for(lock, timeout, [&] {
        for (const std::string &r : impl_->received)
            if (r.find(needle) != std::string::npos)
                return true;
        return false;
    });
}

bool FakeServer::done() const
{
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->done;
}

std::string FakeServer::received() const
{
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::string all;
    for (const std::string &r : impl_->received)
        all += r;
    return all;
}

std::string FakeServer::received(std::size_t conn) const
{
    std::lock_guard<std::mutex> lock(impl_->mu);
    return conn < impl_->received.size() ? impl_->received[conn] : std::string();
}

std::vector<std::string> FakeServer::received_lines() const
{
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::vector<std::string> lines;
    for (const std::string &r : impl_->received) {
        std::size_t start = 0;
        for (;;) {
            std::size_t lf = r.find('\n', start);
            if (lf == std::string::npos)
                break;
            std::size_t end = lf;
            if (end > start && r[end - 1] == '\r')
                --end;
            lines.push_back(r.substr(start, end - start));
            start = lf + 1;
        }
    }
    return lines;
}

std::size_t FakeServer::connections() const
{
    std::lock_guard<std::mutex> lock(impl_->mu);
    return impl_->received.size();
}

template <class T, class C> T FakeServer::Locked(T C::*field) const
{
    std::lock_guard<std::mutex> lock(impl_->mu);
    return (*impl_).*field;
}

std::string FakeServer::error() const
{
    return Locked(&Impl::error);
}

std::string FakeServer::tls_error() const
{
    return Locked(&Impl::tls_error);
}

int FakeServer::tls_error_code() const
{
    return Locked(&Impl::tls_error_code);
}

bool FakeServer::handshake_done() const
{
    return Locked(&Impl::handshake_done);
}

std::string FakeServer::negotiated_version() const
{
    return Locked(&Impl::version);
}

bool FakeServer::client_cert_seen() const
{
    return Locked(&Impl::client_cert_seen);
}

int FakeServer::resumed_handshakes() const
{
    return Locked(&Impl::resumed_handshakes);
}

bool FakeServer::client_hello_seen() const
{
    return Locked(&Impl::client_hello_seen);
}

bool FakeServer::client_close_notify() const
{
    return Locked(&Impl::client_close_notify);
}

} // namespace mwtest
