/* OCSP stapling for the GnuTLS client transport (internal): asking for a staple and judging
 * the one that came (security checklist item 19). */
#ifndef MW_TLS_OCSP_H
#define MW_TLS_OCSP_H

#include "../platform/platform.h"

#include <gnutls/gnutls.h>
#include <stdint.h>

/* Ask the server for a stapled OCSP response (status_request, RFC 6066 section 8). */
MW_INTERNAL void mw_tls_ocsp_request(gnutls_session_t session);

/* What the staple of the session's peer says, as a SECURITY_OCSP_* value. gnutls_status is
 * the result of a gnutls_certificate_verify_peers*() run on this session (automatic
 * verification included): GnuTLS checks the staple's signature and responder there and marks
 * it checked, and this function reads those results. */
MW_INTERNAL uint32_t mw_tls_ocsp_classify(gnutls_session_t session, unsigned gnutls_status);

/* Whether the SECURITY_OCSP_* value must fail the handshake (every value but NONE and GOOD). */
MW_INTERNAL int mw_tls_ocsp_failed(uint32_t ocsp);

/* SECURITY_CERT_* bits for a failed SECURITY_OCSP_* value. */
MW_INTERNAL unsigned mw_tls_ocsp_cert_bits(uint32_t ocsp);

/* The SECURITY_OCSP_* value in words (never NULL). */
MW_INTERNAL const char *mw_tls_ocsp_text(uint32_t ocsp);

#endif
