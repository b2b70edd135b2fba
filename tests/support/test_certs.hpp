// test_certs.hpp -- the X.509 test material made by tests/fixtures/make-certs.sh.
#pragma once

#include <string>

namespace mwtest
{

// Directory holding ca.pem, valid.pem/valid-key.pem, expired*, wronghost*, selfsigned*,
// unknownca*, client-ca.pem, client.pem/client-key.pem, client.p12 (see make-certs.sh).
//
// The first call runs ${MW_SOURCE_DIR}/tests/fixtures/make-certs.sh, once per process:
//  - into $MW_TEST_CERT_DIR when that environment variable is set and non-empty (kept; the
//    script does nothing when the directory is already complete);
//  - otherwise into a fresh temporary directory that is removed at process exit.
// Thread-safe.  Throws std::runtime_error (with the script's output) on failure.
const std::string &TestCertDir();

// TestCertDir() + "/" + name.
std::string TestCertPath(const std::string &name);

} // namespace mwtest
