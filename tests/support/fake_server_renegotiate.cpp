// fake_server_renegotiate.cpp -- the fake server's mid-session TLS steps: TLS 1.3 KeyUpdate
// and TLS 1.2 renegotiation (see fake_server.hpp).
#include "fake_server.hpp"

#include "common/portable.h"

#include <chrono>
#include <string>

namespace mwtest
{

bool Conn::KeyUpdate(unsigned flags)
{
    if (!Usable("KeyUpdate"))
        return false;
    if (session_ == nullptr) {
        Fail("KeyUpdate: TLS is not active");
        return false;
    }
    Deadline deadline = NewDeadline();
    for (;;) {
        int ret = gnutls_session_key_update(session_, flags);
        if (ret == GNUTLS_E_SUCCESS)
            return true;
        if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
            short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
            Io io = WaitFd(ev, deadline);
            if (io == Io::kOk)
                continue;
            HandleIo(io, "KeyUpdate", "poll failed");
            return false;
        }
        Fail(std::string("KeyUpdate: ") + gnutls_strerror(ret));
        return false;
    }
}

bool Conn::Renegotiate(const std::string &cert_file, const std::string &key_file,
                       const std::string &interleave, int pause_ms)
{
    if (!Usable("Renegotiate"))
        return false;
    if (session_ == nullptr) {
        Fail("Renegotiate: TLS is not active");
        return false;
    }
    if (!cert_file.empty()) {
        gnutls_certificate_credentials_t cred = nullptr;
        int ret = gnutls_certificate_allocate_credentials(&cred);
        if (ret < 0) {
            Fail(std::string("Renegotiate: ") + gnutls_strerror(ret));
            return false;
        }
        // Owned by the connection: the session keeps using it after this step.
        reneg_cred_ = std::shared_ptr<void>(cred, [](void *c) {
            gnutls_certificate_free_credentials(static_cast<gnutls_certificate_credentials_t>(c));
        });
        ret = gnutls_certificate_set_x509_key_file(cred, cert_file.c_str(), key_file.c_str(),
                                                   GNUTLS_X509_FMT_PEM);
        if (ret < 0) {
            Fail("Renegotiate: cannot load " + cert_file + ": " + gnutls_strerror(ret));
            return false;
        }
        gnutls_credentials_set(session_, GNUTLS_CRD_CERTIFICATE, cred);
    }
    Deadline deadline = NewDeadline();
    bool requested = false;
    for (;;) {
        // gnutls_rehandshake() sends the HelloRequest; gnutls_handshake() then waits for the
        // client's ClientHello and runs the server side.
        int ret = requested ? gnutls_handshake(session_) : gnutls_rehandshake(session_);
        if (ret == GNUTLS_E_SUCCESS) {
            if (requested)
                return true;
            requested = true;
            if (!interleave.empty() && !Write(interleave))
                return false;
            if (pause_ms > 0 && !Sleep(std::chrono::milliseconds(pause_ms)))
                return false;
            continue;
        }
        if (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED) {
            short ev = gnutls_record_get_direction(session_) == 1 ? POLLOUT : POLLIN;
            Io io = WaitFd(ev, deadline);
            if (io == Io::kOk)
                continue;
            HandleIo(io, "Renegotiate", "poll failed");
            return false;
        }
        std::string msg = gnutls_strerror(ret);
        if (ret == GNUTLS_E_FATAL_ALERT_RECEIVED || ret == GNUTLS_E_WARNING_ALERT_RECEIVED) {
            const char *alert = gnutls_alert_get_name(gnutls_alert_get(session_));
            msg += std::string(" (") + (alert != nullptr ? alert : "unknown alert") + ")";
        }
        Fail("Renegotiate: " + msg);
        return false;
    }
}

FakeServer &FakeServer::KeyUpdate(unsigned flags)
{
    AddStep([flags](Conn &c) { c.KeyUpdate(flags); });
    return *this;
}

FakeServer &FakeServer::Renegotiate(std::string cert_file, std::string key_file,
                                    std::string interleave, int pause_ms)
{
    AddStep([cert_file, key_file, interleave, pause_ms](Conn &c) {
        c.Renegotiate(cert_file, key_file, interleave, pause_ms);
    });
    return *this;
}

} // namespace mwtest
