/* GnuTLS client transport (internal).
 *
 * Secure by default: system trust store plus an optional CA file, chain and host-name
 * verification inside the handshake (one gnutls_certificate_verify_peers() in the verify
 * callback, which judges the OCSP staple too), SNI for DNS names only,
 * IP literals checked against IP SANs, TLS 1.2 as the floor. The fallback option widens the
 * versions and suites to legacy ones but never to SSL 3, RC4, NULL or anonymous suites.
 * Trusted-site mode skips validation, stays encrypted and records the peer fingerprint.
 * Stapled OCSP responses are judged in the handshake (tls_ocsp.h); a TLS 1.2 renegotiation
 * the server asks for is followed only with RFC 5746 and the same peer certificate
 * (renegotiate() in tls.c); TLS 1.3 KeyUpdate is handled inside GnuTLS. */
#ifndef MW_TLS_H
#define MW_TLS_H

#include "transport.h"

#include <mailwire/common.h>

typedef struct mw_tls_config {
    int trusted_site; /* skip validation (still report status and fingerprint) */
    int fallback;     /* allow TLS 1.0/1.1 and legacy suites */
    char *ca_file;    /* extra trust anchors, or NULL */
    char *cert_file;  /* client certificate (PEM or PKCS#12), or NULL */
    char *key_file;   /* PEM key, or NULL */
    char *password;   /* key / PKCS#12 password, or NULL (wiped on free) */
    int pkcs12;       /* cert_file is PKCS#12 */
    int has_pin;      /* pin holds a SHA-256 fingerprint the peer must match */
    unsigned char pin[32];
    unsigned port; /* the server's port: part of the resumption key */
    int no_resume; /* neither offer nor store sessions (MAILWIRE_OPTION_NORESUME) */
} mw_tls_config;

/* Fill cfg from caller credentials (copies strings). Returns ST_ERROR_NONE or
 * ST_ERROR_INVALID_ARGUMENT / ST_ERROR_OUT_OF_MEMORY with a detail. */
MW_INTERNAL unsigned mw_tls_config_set(mw_tls_config *cfg, const SECURITYCREDENTIALS *cred,
                                       char *detail, size_t dlen);
MW_INTERNAL void mw_tls_config_clear(mw_tls_config *cfg);

/* Create a client TLS transport over a connected socket. host is the name the caller gave:
 * verified against the certificate and sent as SNI when it is a DNS name. The handshake has
 * not started. Returns ST_ERROR_NONE, or an error with the cause in detail. */
MW_INTERNAL unsigned mw_tls_new(const mw_tls_config *cfg, const char *host, mw_socket_t sock,
                                mw_transport **out, char *detail, size_t dlen);

/* Advance the handshake without blocking: 0 when done (and verified or trusted),
 * MW_IO_AGAIN (see ops->want), or MW_IO_ERROR (t->err, t->detail). */
MW_INTERNAL int mw_tls_handshake(mw_transport *t);

/* Whether t is a TLS transport. */
MW_INTERNAL int mw_is_tls(const mw_transport *t);

/* Security information: negotiated parameters and certificate facts. Valid after the
 * handshake finished, and after a certificate rejection (status bits and reason). */
MW_INTERNAL void mw_tls_get_info(mw_transport *t, SECURITYINFO *info);

/* Whether the system's GnuTLS policy leaves TLS 1.0 usable by the fallback priority. */
MW_INTERNAL int mw_tls_legacy_available(void);

#endif
