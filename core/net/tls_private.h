/* The GnuTLS transport's state, shared by tls.c and tls_info.c (internal). */
#ifndef MW_TLS_PRIVATE_H
#define MW_TLS_PRIVATE_H

#include "tls.h"

#include <gnutls/gnutls.h>

typedef struct mw_tls {
    mw_transport base;
    gnutls_session_t session;
    struct mw_tls_creds *creds; /* shared with other sessions (tls_creds.h) */
    int want;                   /* direction of the last GNUTLS_E_AGAIN */
    int sock_err;               /* errno of the last failed push/pull */
    int handshake_done;
    int trusted_site;
    int legacy_requested;
    int legacy_missing; /* fallback asked for, but the system policy removed TLS 1.0/1.1 */
    int is_ip;
    unsigned char ip[16];
    size_t ip_len;
    unsigned cb_status; /* GnuTLS status found by our verify callbacks (judge_peer() in tls.c) */
    /* What the peer certificate is checked against: its name or address, and the TLS
     * server key purpose (GnuTLS does not require serverAuth unless asked). */
    gnutls_typed_vdata_st vdata[2];
    int has_pin;
    unsigned char pin[32];
    unsigned cert_status; /* SECURITY_CERT_* bits */
    int verified;
    char status_text[256];
    char host[256]; /* must outlive the session: GnuTLS keeps the pointer */
    char *ra;       /* read-ahead of raw TLS bytes (pull_fn in tls.c) */
    size_t ra_pos, ra_len;
    int ra_oom; /* the read-ahead could not be allocated */
    /* An end of stream (0) or a fatal GnuTLS error met after tls_recv() had bytes to return:
     * reported by the next call. */
    int held;
    ssize_t held_rc;
    /* Resumption (tls_resume.c). */
    int resume_on;     /* resume_key holds this connection's cache key */
    int resume_stored; /* its session went into the cache */
    int resumed;       /* the handshake resumed a cached session */
    unsigned char resume_key[32];
    uint32_t ocsp_status; /* SECURITY_OCSP_* (tls_ocsp.h) */
    int ocsp_reject;      /* the handshake was failed for the staple (or its absence) */
    /* TLS 1.2 renegotiation the server asked for (tls_recv() in tls.c): 1 = asked, not yet
     * started; 2 = handshake under way. */
    int renegotiating;
} mw_tls;

/* Map GnuTLS verification status bits to SECURITY_CERT_* bits. */
MW_INTERNAL unsigned mw_tls_map_status(unsigned gnutls_status);

/* Describe a GnuTLS verification status in words into buf. */
MW_INTERNAL void mw_tls_status_text(unsigned gnutls_status, char *buf, size_t len);

/* SHA-256 of the peer's leaf certificate; 0 on success, -1 when there is none. */
MW_INTERNAL int mw_tls_peer_sha256(mw_tls *t, unsigned char out[32]);

#endif
