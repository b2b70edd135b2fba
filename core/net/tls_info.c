/* Verification status and the security information of a TLS transport. */
#include "tls_private.h"

#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "../util/str.h"

unsigned mw_tls_map_status(unsigned s)
{
    static const struct {
        unsigned g, m;
    } map[] = {
        {GNUTLS_CERT_INVALID, SECURITY_CERT_INVALID},
        {GNUTLS_CERT_REVOKED, SECURITY_CERT_REVOKED},
        {GNUTLS_CERT_SIGNER_NOT_FOUND, SECURITY_CERT_SIGNER_NOT_FOUND},
        {GNUTLS_CERT_SIGNER_NOT_CA, SECURITY_CERT_SIGNER_NOT_CA},
        {GNUTLS_CERT_INSECURE_ALGORITHM, SECURITY_CERT_INSECURE_ALGORITHM},
        {GNUTLS_CERT_NOT_ACTIVATED, SECURITY_CERT_NOT_ACTIVATED},
        {GNUTLS_CERT_EXPIRED, SECURITY_CERT_EXPIRED},
        {GNUTLS_CERT_SIGNATURE_FAILURE, SECURITY_CERT_SIGNATURE_FAILURE},
        {GNUTLS_CERT_UNEXPECTED_OWNER, SECURITY_CERT_UNEXPECTED_OWNER},
        {GNUTLS_CERT_PURPOSE_MISMATCH, SECURITY_CERT_PURPOSE_MISMATCH},
        {GNUTLS_CERT_MISSING_OCSP_STATUS, SECURITY_CERT_OCSP_PROBLEM},
        {GNUTLS_CERT_INVALID_OCSP_STATUS, SECURITY_CERT_OCSP_PROBLEM},
        /* Out-of-date or future revocation data (an OCSP staple: no CRL is loaded) says
         * nothing about revocation: report it as an OCSP problem, not as "revoked". */
        {GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED, SECURITY_CERT_OCSP_PROBLEM},
        {GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE, SECURITY_CERT_OCSP_PROBLEM},
    };
    unsigned out = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (s & map[i].g)
            out |= map[i].m;
    /* Any reason implies "not trusted", even if GnuTLS did not set the INVALID bit itself. */
    if (out)
        out |= SECURITY_CERT_INVALID;
    return out;
}

void mw_tls_status_text(unsigned status, char *buf, size_t len)
{
    gnutls_datum_t out = {NULL, 0};
    if (status == 0) {
        mw_strlcpy(buf, "the certificate is trusted", len);
        return;
    }
    if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) == 0 &&
        out.data) {
        mw_strlcpy(buf, (const char *)out.data, len);
        gnutls_free(out.data);
    } else {
        snprintf(buf, len, "certificate verification status 0x%x", status);
    }
}

int mw_tls_peer_sha256(mw_tls *t, unsigned char out[32])
{
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(t->session, &n);
    if (!peers || n == 0)
        return -1;
    return gnutls_hash_fast(GNUTLS_DIG_SHA256, peers[0].data, peers[0].size, out) == 0 ? 0 : -1;
}

static void copy_dn(gnutls_x509_crt_t crt, int issuer, char *dst, size_t len)
{
    gnutls_datum_t dn = {NULL, 0};
    int rc =
        issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) : gnutls_x509_crt_get_dn3(crt, &dn, 0);
    if (rc == 0 && dn.data) {
        mw_strlcpy(dst, (const char *)dn.data, len);
        gnutls_free(dn.data);
    }
}

static void peer_certificate_info(mw_tls *t, SECURITYINFO *info)
{
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(t->session, &n);
    gnutls_x509_crt_t crt;
    if (!peers || n == 0 || gnutls_x509_crt_init(&crt) < 0)
        return;
    if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) == 0) {
        copy_dn(crt, 0, info->szSubject, sizeof info->szSubject);
        copy_dn(crt, 1, info->szIssuer, sizeof info->szIssuer);
        info->tNotBefore = (int64_t)gnutls_x509_crt_get_activation_time(crt);
        info->tNotAfter = (int64_t)gnutls_x509_crt_get_expiration_time(crt);
    }
    gnutls_x509_crt_deinit(crt);
    unsigned char fp[32];
    if (mw_tls_peer_sha256(t, fp) == 0) {
        static const char hex[] = "0123456789ABCDEF";
        char *p = info->szFingerprint;
        for (size_t i = 0; i < sizeof fp; i++) {
            *p++ = hex[fp[i] >> 4];
            *p++ = hex[fp[i] & 15];
            *p++ = i + 1 < sizeof fp ? ':' : '\0';
        }
    }
}

static uint32_t protocol_code(gnutls_protocol_t p)
{
    switch (p) {
    case GNUTLS_TLS1_0:
        return SECURITY_PROTOCOL_TLS10;
    case GNUTLS_TLS1_1:
        return SECURITY_PROTOCOL_TLS11;
    case GNUTLS_TLS1_2:
        return SECURITY_PROTOCOL_TLS12;
    case GNUTLS_TLS1_3:
        return SECURITY_PROTOCOL_TLS13;
    default:
        return SECURITY_PROTOCOL_NONE;
    }
}

void mw_tls_get_info(mw_transport *base, SECURITYINFO *info)
{
    mw_tls *t = (mw_tls *)base;
    info->dwCertStatus = t->cert_status;
    info->bResumed = t->resumed;
    info->bVerified = t->verified;
    info->bTrustedSite = t->trusted_site;
    info->dwOcspStatus = t->ocsp_status;
    mw_strlcpy(info->szStatusText, t->status_text, sizeof info->szStatusText);
    peer_certificate_info(t, info);
    if (!t->handshake_done)
        return;
    gnutls_protocol_t p = gnutls_protocol_get_version(t->session);
    info->dwProtocol = protocol_code(p);
    const char *pn = gnutls_protocol_get_name(p);
    mw_strlcpy(info->szProtocol, pn ? pn : "", sizeof info->szProtocol);
    const char *cs = gnutls_ciphersuite_get(t->session);
    mw_strlcpy(info->szCipherSuite, cs ? cs : "", sizeof info->szCipherSuite);
}
