/* OCSP stapling: see tls_ocsp.h.
 *
 * GnuTLS checks a staple inside gnutls_certificate_verify_peers*() (and so inside the
 * automatic verification of the handshake): a revoked certificate, a staple it cannot read,
 * one for another certificate, or one whose signature or responder does not verify set
 * GNUTLS_CERT_REVOKED or GNUTLS_CERT_INVALID_OCSP_STATUS; a must-staple certificate without a
 * staple sets GNUTLS_CERT_MISSING_OCSP_STATUS. A staple past its nextUpdate (or too old
 * without one) and one saying "unknown" only leave it unmarked as checked: GnuTLS treats them
 * as no staple. curl CVE-2024-8096 was that kind of leniency. Here every staple that is not a
 * current, verified "good" fails the handshake. */
#include "tls_ocsp.h"

#include <mailwire/common.h>

#include <gnutls/ocsp.h>
#include <gnutls/x509.h>

#include <stddef.h>

/* RFC 7633 section 4.2.3.1: the TLS feature status_request (5) in the certificate. */
#define TLS_FEATURE_STATUS_REQUEST 5u

void mw_tls_ocsp_request(gnutls_session_t session)
{
    /* GnuTLS 3.8 sends status_request by default; older versions need this call. The return
     * value is ignored on purpose: without the extension no staple comes, which is then
     * judged like any server that sends none. */
    (void)gnutls_ocsp_status_request_enable_client(session, NULL, 0, NULL);
}

static int leaf(gnutls_session_t session, gnutls_x509_crt_t *crt)
{
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
    if (!peers || n == 0 || gnutls_x509_crt_init(crt) < 0)
        return -1;
    if (gnutls_x509_crt_import(*crt, &peers[0], GNUTLS_X509_FMT_DER) < 0) {
        gnutls_x509_crt_deinit(*crt);
        return -1;
    }
    return 0;
}

static int must_staple(gnutls_x509_crt_t crt)
{
    gnutls_x509_tlsfeatures_t f;
    unsigned critical = 0, feature = 0;
    int found = 0;
    if (gnutls_x509_tlsfeatures_init(&f) < 0)
        return 0;
    if (gnutls_x509_crt_get_tlsfeatures(crt, f, 0, &critical) == 0)
        for (unsigned i = 0; gnutls_x509_tlsfeatures_get(f, i, &feature) == 0; i++)
            if (feature == TLS_FEATURE_STATUS_REQUEST)
                found = 1;
    gnutls_x509_tlsfeatures_deinit(f);
    return found;
}

/* The staple is there: read it (RFC 6960 section 4.2.1). */
static uint32_t judge(gnutls_session_t session, const gnutls_datum_t *data, gnutls_x509_crt_t crt,
                      unsigned gstatus)
{
    gnutls_ocsp_resp_t resp;
    uint32_t r = SECURITY_OCSP_INVALID;
    unsigned cert_status = 0;
    if (gnutls_ocsp_resp_init(&resp) < 0)
        return SECURITY_OCSP_INVALID;
    if (gnutls_ocsp_resp_import(resp, data) < 0)
        goto done;
    if (gnutls_ocsp_resp_get_status(resp) != GNUTLS_OCSP_RESP_SUCCESSFUL) {
        /* tryLater, unauthorized...: no statement about the certificate at all. */
        r = SECURITY_OCSP_ERROR_STATUS;
        goto done;
    }
    if (!crt || gnutls_ocsp_resp_check_crt(resp, 0, crt) < 0) {
        r = SECURITY_OCSP_WRONG_CERT;
        goto done;
    }
    /* GnuTLS reports REVOKED only from a staple whose signature verified. */
    if (gstatus & GNUTLS_CERT_REVOKED) {
        r = SECURITY_OCSP_REVOKED;
        goto done;
    }
    if (gstatus & GNUTLS_CERT_INVALID_OCSP_STATUS)
        goto done; /* signature, responder authorisation */
    if (gnutls_ocsp_resp_get_single(resp, 0, NULL, NULL, NULL, NULL, &cert_status, NULL, NULL, NULL,
                                    NULL) < 0)
        goto done;
    if (cert_status == GNUTLS_OCSP_CERT_REVOKED)
        r = SECURITY_OCSP_REVOKED;
    else if (cert_status != GNUTLS_OCSP_CERT_GOOD)
        r = SECURITY_OCSP_UNKNOWN;
    else if (!gnutls_ocsp_status_request_is_checked(session, 0))
        /* Verified, about this certificate, "good", and still not accepted by GnuTLS: past its
         * nextUpdate, or older than GnuTLS accepts without one. */
        r = SECURITY_OCSP_EXPIRED;
    else
        r = SECURITY_OCSP_GOOD;
done:
    gnutls_ocsp_resp_deinit(resp);
    return r;
}

uint32_t mw_tls_ocsp_classify(gnutls_session_t session, unsigned gstatus)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t data = {NULL, 0};
    if (leaf(session, &crt) < 0)
        crt = NULL;
    uint32_t r;
    if (gnutls_ocsp_status_request_get2(session, 0, &data) < 0 || data.size == 0)
        r = (gstatus & GNUTLS_CERT_MISSING_OCSP_STATUS) || (crt && must_staple(crt))
                ? SECURITY_OCSP_MISSING
                : SECURITY_OCSP_NONE;
    else
        r = judge(session, &data, crt, gstatus);
    if (crt)
        gnutls_x509_crt_deinit(crt);
    return r;
}

int mw_tls_ocsp_failed(uint32_t ocsp)
{
    return ocsp != SECURITY_OCSP_NONE && ocsp != SECURITY_OCSP_GOOD;
}

unsigned mw_tls_ocsp_cert_bits(uint32_t ocsp)
{
    if (!mw_tls_ocsp_failed(ocsp))
        return 0;
    return SECURITY_CERT_INVALID |
           (ocsp == SECURITY_OCSP_REVOKED ? SECURITY_CERT_REVOKED : SECURITY_CERT_OCSP_PROBLEM);
}

const char *mw_tls_ocsp_text(uint32_t ocsp)
{
    switch (ocsp) {
    case SECURITY_OCSP_NONE:
        return "no OCSP staple";
    case SECURITY_OCSP_GOOD:
        return "the OCSP staple says the certificate is good";
    case SECURITY_OCSP_REVOKED:
        return "the OCSP staple says the certificate is revoked";
    case SECURITY_OCSP_INVALID:
        return "the OCSP staple is invalid (unreadable, bad signature or unauthorised "
               "responder)";
    case SECURITY_OCSP_EXPIRED:
        return "the OCSP staple is out of date";
    case SECURITY_OCSP_WRONG_CERT:
        return "the OCSP staple is about another certificate";
    case SECURITY_OCSP_UNKNOWN:
        return "the OCSP staple says the certificate is unknown to the responder";
    case SECURITY_OCSP_ERROR_STATUS:
        return "the OCSP staple is an error response (tryLater, unauthorized...)";
    case SECURITY_OCSP_MISSING:
        return "the certificate requires an OCSP staple (must-staple) and none was sent";
    default:
        return "unknown OCSP status";
    }
}
