// TLS helpers shared by the fake-server and real-server tests.
#pragma once

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <mailwire/mailwire.h>

namespace mwtest
{

// SECURITYCREDENTIALS that trust `ca`; the strings live as long as the object.
struct Creds {
    std::string ca;
    std::string cert, key, pass, pin;
    SECURITYCREDENTIALS c{};
    explicit Creds(std::string ca_file) : ca(std::move(ca_file)) {}
    const SECURITYCREDENTIALS &get()
    {
        c.dwSize = sizeof c;
        c.lpszCAFile = ca.c_str();
        c.lpszCertificateFile = cert.empty() ? nullptr : cert.c_str();
        c.lpszPrivateKeyFile = key.empty() ? nullptr : key.c_str();
        c.lpszPassword = pass.empty() ? nullptr : pass.c_str();
        c.lpszPinnedFingerprint = pin.empty() ? nullptr : pin.c_str();
        return c;
    }
};

// SHA-256 fingerprint of a PEM certificate file as "AB:CD:...", computed with GnuTLS directly,
// independently of the library under test. Empty when the file cannot be read.
inline std::string Fingerprint(const std::string &pem_file)
{
    std::ifstream f(pem_file);
    std::stringstream ss;
    ss << f.rdbuf();
    std::string pem = ss.str();
    gnutls_datum_t d{reinterpret_cast<unsigned char *>(pem.data()),
                     static_cast<unsigned>(pem.size())};
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return "";
    unsigned char fp[32];
    size_t n = sizeof fp;
    int rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM);
    if (rc == 0)
        rc = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &n);
    gnutls_x509_crt_deinit(crt);
    if (rc != 0)
        return "";
    std::string out;
    char b[4];
    for (size_t i = 0; i < n; ++i) {
        std::snprintf(b, sizeof b, i + 1 < n ? "%02X:" : "%02X", fp[i]);
        out += b;
    }
    return out;
}

} // namespace mwtest
