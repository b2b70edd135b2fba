// fake_server.hpp -- a scripted, fault-injecting SMTP/IMAP-ish server for tests.
//
// Real servers will not stall, reset, inject bytes or answer a ClientHello with plaintext on
// demand; this one does exactly what its script says.  Usage:
//
//     mwtest::FakeServer srv;                       // listens on 127.0.0.1:<ephemeral>
//     srv.Send("220 hi\r\n").ExpectLine("EHLO").Send("250 ok\r\n").Start();
//     ... connect the client under test to srv.port() ...
//     EXPECT_TRUE(srv.WaitDone());
//     EXPECT_EQ(srv.error(), "");
//     EXPECT_EQ(srv.received_lines()[0], "EHLO localhost");
//
// The script runs on a background thread once Start() is called.  Each accepted connection
// (FakeServerOptions::accept_count, default 1, accepted one after another) runs the whole script.
// Every blocking wait in the server is bounded by FakeServerOptions::timeout (default 10 s), and
// the destructor interrupts whatever the script is doing, so a broken test never hangs.
// Accepted sockets are non-blocking with TCP_NODELAY set, so each write leaves as its own segment.
//
// When the script ends without error the connection is closed gracefully (TLS close_notify if
// TLS is up, then TCP FIN); the server keeps reading and recording until the client closes, the
// timeout expires, the next connection arrives, or the server is destroyed.  WaitDone() returns as
// soon as the last step of the last connection has run, not after that final drain.
//
// A failing step (timeout, EOF where data was expected, a mismatched ExpectLine, a failed TLS
// handshake, a write error) records error(), closes the connection at once and ends the script;
// no further connections are accepted.
#pragma once

#include <gnutls/gnutls.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mwtest
{

// A socket as the platform knows it (SOCKET on Windows, a descriptor elsewhere).
#ifdef _WIN32
using SocketHandle = std::uintptr_t;
#else
using SocketHandle = int;
#endif
inline constexpr SocketHandle kNoSocket = static_cast<SocketHandle>(-1);

struct TlsConfig {
    std::string cert_file; // PEM server certificate (chain)
    std::string key_file;  // PEM private key
    std::string priority = "NORMAL";
    // Require a client certificate and verify it against client_ca_file (handshake fails
    // otherwise).  With require_client_cert false but client_ca_file set, a certificate is only
    // requested (see FakeServer::client_cert_seen()) and not verified.
    bool require_client_cert = false;
    std::string client_ca_file;
    // false: omit the acceptable-CA list from the CertificateRequest, so that a client sends its
    // certificate even when client_ca_file did not issue it (GnuTLS clients otherwise send none).
    bool send_ca_list = true;
    // Issue session tickets (TLS 1.3 NewSessionTicket, TLS 1.2 RFC 5077) under a key made for
    // this server, and accept them back: lets a client resume.  See resumed_handshakes().
    bool session_tickets = false;
    // The ticket key (raw bytes, as gnutls_session_ticket_key_generate() makes them); two
    // servers given the same key accept each other's tickets.  Empty: a fresh key.
    std::string session_ticket_key;
    // DER OCSP response stapled to the certificate when the client asks (status_request), sent
    // as it is, unchecked ("" = no staple).  See tests/security/ocsp_responses.hpp.
    std::string ocsp_response;
};

struct FakeServerOptions {
    bool ipv6 = false;         // listen on [::1] instead of 127.0.0.1
    int accept_count = 1;      // connections accepted sequentially, each running the whole script
    bool implicit_tls = false; // run the TLS handshake right after accept (IMAPS/SMTPS style)
    TlsConfig tls;             // used by implicit_tls and by StartTls()
    std::chrono::milliseconds timeout{10000}; // cap for every blocking wait of the server
};

class FakeServer;

// One accepted connection, handed to Call() steps.  All I/O honours the server's timeout and is
// interrupted by destruction of the server.  A helper that fails records FakeServer::error()
// (only the first failure is kept) and returns false / std::nullopt; the script stops after the
// current step.  Once failed() or stopping() is true, every helper returns failure immediately.
class Conn
{
  public:
    Conn(const Conn &) = delete;
    Conn &operator=(const Conn &) = delete;
    ~Conn();

    // Writes.  Write() goes through TLS when it is active; WriteRaw() always bypasses TLS.
    bool Write(std::string_view data);
    bool WriteRaw(std::string_view data);
    bool WriteBytewise(std::string_view data, std::chrono::milliseconds delay);

    // Reads (through TLS when active).  Returned data includes the LF / the marker.
    std::optional<std::string> ReadLine();
    std::optional<std::string> ReadUntil(std::string_view marker);
    std::optional<std::string> ReadBytes(std::size_t n);

    // Reads and records until the client closes (no error) or the timeout (error).
    void Stall();
    // Reads raw bytes (normally the ClientHello) without answering, until the client closes.
    void StallHandshake();

    bool StartTls(); // server-side GnuTLS handshake on this socket
    bool TlsBye();   // close_notify (GNUTLS_SHUT_WR); reads stay possible
    bool SendTlsAlert(std::uint8_t description); // fatal alert; raw alert record if no TLS
    // TLS 1.3 KeyUpdate (gnutls_session_key_update; flags 0 or GNUTLS_KU_PEER).  Defined in
    // fake_server_renegotiate.cpp, like Renegotiate().
    bool KeyUpdate(unsigned flags);
    // TLS 1.2: HelloRequest, then the server side of the new handshake.  With cert_file and
    // key_file the server presents that certificate instead (an identity change).  After the
    // HelloRequest the server writes `interleave` (application data, as RFC 5246 allows until
    // the ClientHello arrives) and waits pause_ms before it reads the ClientHello.
    bool Renegotiate(const std::string &cert_file = "", const std::string &key_file = "",
                     const std::string &interleave = "", int pause_ms = 0);
    void Close();                   // graceful: close_notify if TLS, then FIN
    void CloseWithoutCloseNotify(); // FIN only, even with TLS up (truncation attack)
    void Reset();                   // SO_LINGER 0 + close: the client sees RST

    bool Sleep(std::chrono::milliseconds ms); // false if the server is being destroyed

    void Fail(std::string message); // record a script failure and stop
    bool failed() const
    {
        return failed_;
    }
    bool stopping() const;
    bool open() const
    {
        return fd_ != kNoSocket;
    }
    bool tls_active() const
    {
        return session_ != nullptr;
    }
    gnutls_session_t tls_session() const
    {
        return session_;
    }
    SocketHandle fd() const
    {
        return fd_;
    }
    std::size_t index() const // 0-based number of this connection
    {
        return index_;
    }
    std::chrono::milliseconds timeout() const;

  private:
    friend class FakeServer;
    struct Shared;
    enum class Io { kOk, kEof, kTimeout, kStopped, kError };
    using Deadline = std::chrono::steady_clock::time_point;

    Conn(Shared *shared, SocketHandle fd, std::size_t index);
    Deadline NewDeadline() const;
    Io WaitFd(short events, Deadline deadline, SocketHandle extra_fd = kNoSocket,
              bool *extra_ready = nullptr);
    Io ReadMore(Deadline deadline, std::string *err);
    Io ReadMoreRaw(Deadline deadline, std::string *out, std::string *err);
    bool WriteImpl(std::string_view data, bool raw, const char *what);
    bool Usable(const char *what);
    void HandleIo(Io io, const char *what, const std::string &err);
    void ShutdownWrite(bool send_bye);
    void Drain(SocketHandle listen_fd);
    void CloseNow();
    void DropTls();

    static ssize_t Push(gnutls_transport_ptr_t p, const void *data, std::size_t len);
    static ssize_t Pull(gnutls_transport_ptr_t p, void *data, std::size_t len);
    static int PullTimeout(gnutls_transport_ptr_t p, unsigned int ms);

    Shared *shared_;
    SocketHandle fd_;
    std::size_t index_;
    gnutls_session_t session_ = nullptr;
    std::string buf_;        // plaintext received but not yet consumed by a step
    std::string tls_prebuf_; // bytes read before StartTls, fed to GnuTLS first
    bool failed_ = false;
    bool stopped_ = false;
    bool bye_sent_ = false;
    bool write_shut_ = false;
    std::shared_ptr<void> reneg_cred_; // credentials of Renegotiate(cert_file, key_file)
};

class FakeServer
{
  public:
    FakeServer();
    explicit FakeServer(FakeServerOptions options);
    ~FakeServer();
    FakeServer(const FakeServer &) = delete;
    FakeServer &operator=(const FakeServer &) = delete;

    // True when [::1] can be bound (use to skip IPv6 tests).
    static bool Ipv6Available();

    std::uint16_t port() const; // valid from construction on
    const FakeServerOptions &options() const;

    // ---- script steps (add before Start(); adding after Start() throws std::logic_error) ----
    // Each step maps onto the Conn helper of the same meaning (see Conn above).
    FakeServer &Send(std::string bytes); // one write, through TLS when active
    FakeServer &SendBytewise(std::string bytes, int delay_ms = 0); // one write per byte
    FakeServer &SendRaw(std::string bytes); // bypasses TLS (e.g. plaintext for a ServerHello)
    FakeServer &ReadLine();                 // up to LF; timeout/EOF fail the script
    // ReadLine, then fail the script unless the line starts with `prefix` (ASCII
    // case-insensitive).  ExpectLine() with no prefix equals ReadLine().
    FakeServer &ExpectLine(std::string prefix = "");
    FakeServer &ReadUntil(std::string marker);
    FakeServer &ReadBytes(std::size_t n);
    FakeServer &Sleep(int ms); // interruptible, not capped by the timeout
    // Read and record without answering until the client closes (or sends close_notify, or
    // resets); the script then goes on.  Hitting the timeout fails with "timeout in Stall".
    FakeServer &Stall();
    // Server-side TLS handshake on the current socket.  Failure sets tls_error() and error().
    FakeServer &StartTls();
    // Read the ClientHello (and anything else) raw, never answer; ends like Stall().
    FakeServer &StallHandshake();
    // A fatal alert: through the session when TLS is up, else as a plaintext alert record.
    FakeServer &SendTlsAlert(std::uint8_t description = 40 /* handshake_failure */);
    FakeServer &TlsBye();                      // close_notify only; the TCP connection stays open
    FakeServer &KeyUpdate(unsigned flags = 0); // see Conn::KeyUpdate
    FakeServer &Renegotiate(std::string cert_file = "", std::string key_file = "",
                            std::string interleave = "", int pause_ms = 0);
    // Graceful close: close_notify (if TLS is up and TlsBye() was not used), then FIN.  The
    // server keeps reading (and recording) until the client closes, so that late client data
    // does not turn into an RST; later write steps fail.
    FakeServer &Close();
    FakeServer &Reset();                   // SO_LINGER 0 + close(): the client sees an RST
    FakeServer &CloseWithoutCloseNotify(); // FIN without close_notify: TLS truncation
    FakeServer &Call(std::function<void(Conn &)> step); // custom step

    // Launch the background thread (idempotent).  Until then a connecting client sits in the
    // listen backlog.
    FakeServer &Start();

    // ---- results (thread-safe, callable any time) ----
    // True once the script finished, failed or the server stopped.
    bool WaitDone(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    // True once received() contains `needle`.
    bool WaitReceived(const std::string &needle,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
    bool done() const;
    std::string received() const;                 // all connections, plaintext, in order
    std::string received(std::size_t conn) const; // one connection ("" if none)
    // Complete lines of received() (per connection, in order), without the trailing LF or CRLF.
    // An unterminated last line of a connection is not included.
    std::vector<std::string> received_lines() const;
    std::size_t connections() const; // accepted so far
    std::string error() const;       // first script failure, "" if none
    // Most recent TLS failure: handshake, credentials or priority ("" if none).
    std::string tls_error() const;
    int tls_error_code() const; // GnuTLS error code of tls_error(), 0 if none
    bool handshake_done() const;
    std::string negotiated_version() const; // e.g. "TLS1.3", "" before a handshake
    bool client_cert_seen() const;
    int resumed_handshakes() const;   // handshakes that resumed a session (session_tickets)
    bool client_hello_seen() const;   // StallHandshake() saw a TLS handshake record
    bool client_close_notify() const; // the client sent a TLS close_notify

  private:
    struct Impl;
    void AddStep(std::function<void(Conn &)> step);
    // A copy of one result field of Impl (or its base), read under the lock the server thread
    // writes it under.
    template <class T, class C> T Locked(T C::*field) const;
    std::unique_ptr<Impl> impl_;
};

} // namespace mwtest
