// ocsp_responses.hpp -- DER OCSP responses (RFC 6960 section 4.2.1) made at test time, for the
// fake server to staple.  ocsptool only reads and checks responses, and a responder such as
// `openssl ocsp` cannot back-date one (an expired staple) or sign with a wrong key on
// purpose: the responses are encoded here and signed with GnuTLS.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mwtest
{

struct OcspSpec {
    std::string cert;                        // PEM certificate the response is about
    std::string issuer;                      // its issuer (PEM), for the CertID hashes
    std::string signer_cert;                 // responder certificate (PEM): names the responder
    std::string signer_key;                  // the key that signs (PEM)
    int response_status = 0;                 // OCSPResponseStatus; non-zero: no responseBytes
    int cert_status = 0;                     // 0 good, 1 revoked, 2 unknown
    long this_update = -3600;                // seconds from now
    std::optional<long> next_update = 86400; // seconds from now; nullopt: omitted
    bool include_signer_cert = false;        // put signer_cert into the certs field
};

// Throws std::runtime_error on a GnuTLS failure.
std::string MakeOcspResponse(const OcspSpec &spec);

} // namespace mwtest
