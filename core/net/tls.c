/* GnuTLS client transport; see tls.h. */
#include "tls_private.h"
#include "tls_creds.h"
#include "tls_resume.h"
#include "tls_ocsp.h"
#include "../util/alloc.h"

#include <gnutls/x509.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <arpa/inet.h>
#endif

#include "../util/str.h"

/* TLS 1.2 and 1.3 only, at least 112-bit security (RFC 8996 retires 1.0/1.1). NORMAL on its
 * own would still allow TLS 1.0/1.1 and a LOW verification profile. X25519 comes first: the
 * client sends one TLS 1.3 key share only (GNUTLS_KEY_SHARE_TOP in mw_tls_new()) instead of
 * NORMAL's P-256 and X25519, which saved about a fifth of the client's CPU per handshake on
 * the benchmark machine; a server without X25519 asks for another group (HelloRetryRequest,
 * RFC 8446 section 4.1.4), at the cost of a round trip. */
#define PRIO_GROUPS                                                                                \
    ":-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:+GROUP-SECP384R1:+GROUP-SECP521R1:+GROUP-X448"     \
    ":+GROUP-FFDHE2048:+GROUP-FFDHE3072:+GROUP-FFDHE4096:+GROUP-FFDHE6144:+GROUP-FFDHE8192"
static const char PRIO_DEFAULT[] =
    "NORMAL:%PROFILE_MEDIUM:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2" PRIO_GROUPS;
/* Opt-in legacy mode: adds TLS 1.1/1.0 and 3DES-CBC; NORMAL already carries the AES-CBC/SHA-1
 * suites. Never SSL 3, RC4 (RFC 7465), NULL, export or anonymous suites, and safe
 * renegotiation stays required. */
static const char PRIO_FALLBACK[] = "NORMAL:%PROFILE_LOW:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:"
                                    "+VERS-TLS1.1:+VERS-TLS1.0:+3DES-CBC:%COMPAT";

/* ---- configuration ---------------------------------------------------------------------- */

static int parse_pin(const char *s, unsigned char out[32])
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s == ':' || *s == ' ')
            continue;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n == 32)
                return -1;
            out[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    return n == 32 && hi < 0 ? 0 : -1;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    if (a < b)
        return 0;
    for (size_t i = 0; i < b; i++) {
        char c = s[a - b + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suf[i])
            return 0;
    }
    return 1;
}

unsigned mw_tls_config_set(mw_tls_config *cfg, const SECURITYCREDENTIALS *cred, char *detail,
                           size_t dlen)
{
    if (!cred)
        return ST_ERROR_NONE;
    if (cred->dwSize < sizeof(SECURITYCREDENTIALS)) {
        snprintf(detail, dlen, "SECURITYCREDENTIALS.dwSize must be sizeof(SECURITYCREDENTIALS)");
        return ST_ERROR_INVALID_ARGUMENT;
    }
    if (cred->lpszPinnedFingerprint && *cred->lpszPinnedFingerprint) {
        if (parse_pin(cred->lpszPinnedFingerprint, cfg->pin)) {
            snprintf(detail, dlen, "pinned fingerprint is not a SHA-256 hex string");
            return ST_ERROR_INVALID_ARGUMENT;
        }
        cfg->has_pin = 1;
    }
    if (mw_strdup_opt(&cfg->ca_file, cred->lpszCAFile) ||
        mw_strdup_opt(&cfg->cert_file, cred->lpszCertificateFile) ||
        mw_strdup_opt(&cfg->key_file, cred->lpszPrivateKeyFile) ||
        mw_strdup_opt(&cfg->password, cred->lpszPassword)) {
        mw_tls_config_clear(cfg);
        snprintf(detail, dlen, "out of memory copying credentials");
        return ST_ERROR_OUT_OF_MEMORY;
    }
    cfg->pkcs12 = (cred->dwOptions & SECURITY_CREDENTIAL_PKCS12) ||
                  (cfg->cert_file &&
                   (has_suffix(cfg->cert_file, ".p12") || has_suffix(cfg->cert_file, ".pfx")));
    return ST_ERROR_NONE;
}

void mw_tls_config_clear(mw_tls_config *cfg)
{
    free(cfg->ca_file);
    free(cfg->cert_file);
    free(cfg->key_file);
    mw_free_secret(cfg->password);
    memset(cfg, 0, sizeof *cfg);
}

/* ---- transport callbacks ---------------------------------------------------------------- */

static ssize_t push_fn(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
    mw_tls *t = p;
    int err = 0;
    long n = mw_sock_send(t->base.sock, buf, len, &err);
    if (n < 0) {
        t->sock_err = err;
        gnutls_transport_set_errno(t->session, mw_sock_would_block(err) ? EAGAIN : EIO);
        return -1;
    }
    return n;
}

/* GnuTLS reads a record in two pulls, its 5-byte header and then its body, and servers send
 * small records (Dovecot: 4 KiB): one receive call per pull made a 142 MB fetch cost 74,000
 * system calls and most of its CPU. The pulls are served from a read-ahead buffer filled by
 * one receive of up to READ_AHEAD bytes; a pull at least that large reads straight into
 * GnuTLS's buffer. The buffer is allocated at the first read that needs it. */
#define READ_AHEAD (32u * 1024u)

static ssize_t pull_fn(gnutls_transport_ptr_t p, void *buf, size_t len)
{
    mw_tls *t = p;
    if (t->ra_pos == t->ra_len && len < READ_AHEAD) {
        if (!t->ra && !(t->ra = mw_malloc(READ_AHEAD))) {
            t->ra_oom = 1;
            gnutls_transport_set_errno(t->session, ENOMEM);
            return -1;
        }
        int err = 0;
        long n = mw_sock_recv(t->base.sock, t->ra, READ_AHEAD, &err);
        if (n < 0) {
            t->sock_err = err;
            gnutls_transport_set_errno(t->session, mw_sock_would_block(err) ? EAGAIN : EIO);
            return -1;
        }
        t->ra_pos = 0;
        t->ra_len = (size_t)n;
        if (n == 0)
            return 0;
    }
    if (t->ra_pos < t->ra_len) {
        size_t n = t->ra_len - t->ra_pos < len ? t->ra_len - t->ra_pos : len;
        memcpy(buf, t->ra + t->ra_pos, n);
        t->ra_pos += n;
        return (ssize_t)n;
    }
    int err = 0;
    long n = mw_sock_recv(t->base.sock, buf, len, &err);
    if (n < 0) {
        t->sock_err = err;
        gnutls_transport_set_errno(t->session, mw_sock_would_block(err) ? EAGAIN : EIO);
        return -1;
    }
    return n;
}

/* GnuTLS asks this before a read when it needs to know whether data is there (TLS 1.3
 * post-handshake messages). Whatever wait it asks for, answer from a zero-wait poll: all
 * waiting happens in the session's loop, where deadlines and cancel apply. */
static int pull_timeout_fn(gnutls_transport_ptr_t p, unsigned int ms)
{
    mw_tls *t = p;
    int err = 0;
    (void)ms;
    if (t->ra_pos < t->ra_len)
        return 1;
    int r = mw_poll2(t->base.sock, MW_WANT_READ, MW_INVALID_SOCKET, 0, &err);
    if (r < 0) {
        gnutls_transport_set_errno(t->session, EIO);
        return -1;
    }
    return r ? 1 : 0;
}

static void set_error(mw_tls *t, unsigned code, const char *fmt, const char *arg)
{
    t->base.err = code;
    snprintf(t->base.detail, sizeof t->base.detail, fmt, arg);
}

/* Classify a fatal GnuTLS error from a handshake or record call. */
static void record_gnutls_error(mw_tls *t, int rc, const char *during)
{
    char buf[160];
    switch (rc) {
    case GNUTLS_E_PREMATURE_TERMINATION:
        t->base.err = t->handshake_done ? ST_ERROR_TLS_TRUNCATED : ST_ERROR_CONNECTION_CLOSED;
        snprintf(t->base.detail, sizeof t->base.detail,
                 t->handshake_done ? "the server closed the TLS connection without close_notify"
                                   : "the server closed the connection during the TLS handshake");
        return;
    case GNUTLS_E_PUSH_ERROR:
    case GNUTLS_E_PULL_ERROR:
        if (t->ra_oom) {
            set_error(t, ST_ERROR_OUT_OF_MEMORY, "%s: out of memory for the read-ahead", during);
            return;
        }
        mw_transport_set_sock_error(&t->base, during, t->sock_err);
        return;
    case GNUTLS_E_FATAL_ALERT_RECEIVED: {
        const char *name = gnutls_alert_get_name(gnutls_alert_get(t->session));
        snprintf(buf, sizeof buf, "%s: the server sent the fatal alert \"%s\"", during,
                 name ? name : "unknown");
        break;
    }
    default:
        snprintf(buf, sizeof buf, "%s: %s", during, gnutls_strerror(rc));
        break;
    }
    if (!t->handshake_done && t->legacy_missing &&
        (rc == GNUTLS_E_UNSUPPORTED_VERSION_PACKET || rc == GNUTLS_E_FATAL_ALERT_RECEIVED ||
         rc == GNUTLS_E_NO_PRIORITIES_WERE_SET)) {
        set_error(t, ST_ERROR_TLS_LEGACY_UNAVAILABLE,
                  "%s (SECURE_FALLBACK was requested, but the system's GnuTLS policy disables "
                  "TLS 1.0 and 1.1)",
                  buf);
        return;
    }
    set_error(t, t->handshake_done ? ST_ERROR_PROTOCOL_VIOLATION : ST_ERROR_TLS_HANDSHAKE_FAILED,
              "%s", buf);
}

static int renegotiate(mw_tls *t);

/* One call decrypts every record already read ahead into buf, not just the first: servers
 * write small records (Dovecot: 4 KiB), and one pass of the session's read loop per record
 * made the parser, the events and the application's chunk callback run four times as often
 * as the buffer allows. It stops where the next record would need the socket, so it makes no
 * system call the session would not make anyway. An end or a failure met after some bytes is
 * held and reported by the next call, so those bytes are delivered first. */
static long tls_recv(mw_transport *base, void *buf, size_t len)
{
    mw_tls *t = (mw_tls *)base;
    size_t got = 0;
    if (t->renegotiating == 2 && !t->held) {
        int r = renegotiate(t); /* under way: it goes first */
        if (r != 0)
            return r;
    }
    for (;;) {
        ssize_t n;
        if (t->held) {
            n = t->held_rc;
            t->held = 0;
        } else {
            n = gnutls_record_recv(t->session, (char *)buf + got, len - got);
        }
        if (n > 0) {
            mw_tls_resume_poll(t);
            got += (size_t)n;
            if (got < len && (t->ra_pos < t->ra_len || gnutls_record_check_pending(t->session) > 0))
                continue;
            return (long)got;
        }
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
            if (got)
                return (long)got;
            if (t->renegotiating) {
                /* All the data sent before the HelloRequest is in: renegotiate now. */
                int r = renegotiate(t);
                if (r != 0)
                    return r;
                continue;
            }
            t->want = gnutls_record_get_direction(t->session) ? MW_WANT_WRITE : MW_WANT_READ;
            return MW_IO_AGAIN;
        }
        if (n == GNUTLS_E_REHANDSHAKE) {
            /* A TLS 1.2 HelloRequest (see renegotiate() for the policy). Without RFC 5746
             * secure renegotiation: refuse with a warning alert and carry on (the server
             * decides whether to go on). With it: renegotiate once the data already on its
             * way is read, since GnuTLS fails a handshake that meets application data where
             * the ServerHello is due. */
            if (!gnutls_safe_renegotiation_status(t->session))
                gnutls_alert_send(t->session, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
            else
                t->renegotiating = 1;
            continue;
        }
        if (n != 0 && !gnutls_error_is_fatal((int)n))
            continue;
        if (got) {
            t->held = 1;
            t->held_rc = n;
            return (long)got;
        }
        if (n == 0)
            return 0;
        record_gnutls_error(t, (int)n, "TLS receive");
        return MW_IO_ERROR;
    }
}

static long tls_send(mw_transport *base, const void *buf, size_t len)
{
    mw_tls *t = (mw_tls *)base;
    if (t->renegotiating == 2) {
        /* Application data waits until the renegotiation under way is done. */
        int r = renegotiate(t);
        if (r != 0)
            return r;
    }
    for (;;) {
        ssize_t n = gnutls_record_send(t->session, buf, len);
        if (n >= 0)
            return (long)n;
        if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
            /* GnuTLS keeps the record; the retry must pass the same data again, which the
             * session does since it only releases bytes that were sent. */
            t->want = gnutls_record_get_direction(t->session) ? MW_WANT_WRITE : MW_WANT_READ;
            return MW_IO_AGAIN;
        }
        if (!gnutls_error_is_fatal((int)n))
            continue;
        record_gnutls_error(t, (int)n, "TLS send");
        return MW_IO_ERROR;
    }
}

static size_t tls_pending(mw_transport *base)
{
    mw_tls *t = (mw_tls *)base;
    /* Read ahead but not yet decrypted counts: a poll of the socket cannot see it either. So
     * does a held end or failure (tls_recv()): the next call reports it without the socket,
     * and so does a renegotiation asked for but not started (tls_recv() starts it). GnuTLS
     * holds no application data while one runs (renegotiate() fails on it). */
    return gnutls_record_check_pending(t->session) + (t->ra_len - t->ra_pos) + (t->held ? 1u : 0u) +
           (t->renegotiating == 1 ? 1u : 0u);
}

static int tls_want(mw_transport *base)
{
    return ((mw_tls *)base)->want;
}

static void tls_shutdown(mw_transport *base)
{
    mw_tls *t = (mw_tls *)base;
    if (t->handshake_done)
        (void)gnutls_bye(t->session, GNUTLS_SHUT_WR); /* one try; never blocks */
}

static void tls_destroy(mw_transport *base)
{
    mw_tls *t = (mw_tls *)base;
    if (t->session)
        gnutls_deinit(t->session);
    mw_tls_creds_put(t->creds);
    free(t->ra);
    free(t);
}

static const mw_transport_ops tls_ops = {tls_recv, tls_send,     tls_pending,
                                         tls_want, tls_shutdown, tls_destroy};

int mw_is_tls(const mw_transport *t)
{
    return t && t->ops == &tls_ops;
}

/* ---- set-up ----------------------------------------------------------------------------- */

static int protocol_in(gnutls_priority_t p, int proto)
{
    const unsigned *list = NULL;
    int n = gnutls_priority_protocol_list(p, &list);
    for (int i = 0; i < n; i++)
        if ((int)list[i] == proto)
            return 1;
    return 0;
}

int mw_tls_legacy_available(void)
{
    gnutls_priority_t p;
    if (gnutls_priority_init(&p, PRIO_FALLBACK, NULL) < 0)
        return 0;
    int ok = protocol_in(p, GNUTLS_TLS1_0);
    gnutls_priority_deinit(p);
    return ok;
}

static unsigned set_priority(mw_tls *t, const mw_tls_config *cfg, char *detail, size_t dlen)
{
    gnutls_priority_t prio;
    const char *err_pos = NULL;
    const char *s = cfg->fallback ? PRIO_FALLBACK : PRIO_DEFAULT;
    int rc = gnutls_priority_init(&prio, s, &err_pos);
    if (rc < 0) {
        snprintf(detail, dlen, "TLS priority string rejected at \"%s\": %s",
                 err_pos ? err_pos : "?", gnutls_strerror(rc));
        return ST_ERROR_TLS_HANDSHAKE_FAILED;
    }
    if (cfg->fallback) {
        t->legacy_requested = 1;
        t->legacy_missing = !protocol_in(prio, GNUTLS_TLS1_0) && !protocol_in(prio, GNUTLS_TLS1_1);
    }
    rc = gnutls_priority_set(t->session, prio);
    gnutls_priority_deinit(prio); /* the session holds its own reference */
    if (rc < 0) {
        snprintf(detail, dlen, "TLS priority: %s", gnutls_strerror(rc));
        return ST_ERROR_TLS_HANDSHAKE_FAILED;
    }
    return ST_ERROR_NONE;
}

/* Certificate check for a server given as an IP literal (RFC 6125 section 6.2.1: the address
 * must appear as an iPAddress SAN; the CN is never consulted). */
static unsigned check_ip_peer(mw_tls *t)
{
    gnutls_session_t session = t->session;
    unsigned status = 0;
    if (gnutls_certificate_verify_peers(session, t->vdata, 2, &status) < 0)
        status |= GNUTLS_CERT_INVALID;
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
    gnutls_x509_crt_t crt;
    if (!peers || n == 0) {
        status |= GNUTLS_CERT_INVALID;
    } else if (gnutls_x509_crt_init(&crt) == 0) {
        if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) != 0 ||
            !gnutls_x509_crt_check_ip(crt, t->ip, (unsigned)t->ip_len, 0))
            status |= GNUTLS_CERT_INVALID | GNUTLS_CERT_UNEXPECTED_OWNER;
        gnutls_x509_crt_deinit(crt);
    }
    return status;
}

/* What our verify callbacks found (status: GnuTLS verification bits of an explicit
 * gnutls_certificate_verify_peers() run): the chain, the name, and the staple or its absence
 * (checklist item 19). Non-zero aborts the handshake. */
static int judge_peer(mw_tls *t, unsigned status)
{
    t->cb_status = status;
    t->ocsp_status = mw_tls_ocsp_classify(t->session, status);
    t->ocsp_reject = mw_tls_ocsp_failed(t->ocsp_status);
    return status || t->ocsp_reject ? -1 : 0;
}

/* The one verification of a server named by a DNS name: chain, name, key purpose, and the
 * staple, which GnuTLS checks inside gnutls_certificate_verify_peers() (its automatic
 * verification does not in every version: 3.7 lets a badly signed staple through). Done here
 * alone rather than after the automatic one, whose chain verification it would repeat: two
 * verifications per handshake cost 20% of the client's CPU over 1,000 STARTTLS sessions. */
static int verify_dns_name(gnutls_session_t session)
{
    mw_tls *t = gnutls_session_get_ptr(session);
    unsigned status = 0;
    if (gnutls_certificate_verify_peers(session, t->vdata, 2, &status) < 0)
        status = GNUTLS_CERT_INVALID;
    return judge_peer(t, status);
}

static int verify_ip_literal(gnutls_session_t session)
{
    mw_tls *t = gnutls_session_get_ptr(session);
    return judge_peer(t, check_ip_peer(t));
}

static unsigned set_peer_name(mw_tls *t, const char *host, char *detail, size_t dlen)
{
    size_t hl = strlen(host);
    if (hl >= sizeof t->host) {
        snprintf(detail, dlen, "host name too long");
        return ST_ERROR_INVALID_ARGUMENT;
    }
    memcpy(t->host, host, hl + 1);
    if (inet_pton(AF_INET, host, t->ip) == 1) {
        t->is_ip = 1;
        t->ip_len = 4;
    } else if (inet_pton(AF_INET6, host, t->ip) == 1) {
        t->is_ip = 1;
        t->ip_len = 16;
    }
    int rc = 0;
    /* SNI carries DNS names only (RFC 6066 section 3); an IP literal is matched against the
     * certificate's IP SANs instead (security checklist item 16). */
    if (!t->is_ip) {
        /* A trailing dot is not part of the SNI name. */
        size_t sl = hl && host[hl - 1] == '.' ? hl - 1 : hl;
        rc = gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, host, sl);
        if (rc < 0) {
            snprintf(detail, dlen, "server name \"%s\": %s", host, gnutls_strerror(rc));
            return ST_ERROR_INVALID_ARGUMENT;
        }
    }
    if (t->is_ip) {
        t->vdata[0].type = GNUTLS_DT_IP_ADDRESS;
        t->vdata[0].data = t->ip;
        t->vdata[0].size = (unsigned)t->ip_len;
    } else {
        t->vdata[0].type = GNUTLS_DT_DNS_HOSTNAME;
        t->vdata[0].data = (unsigned char *)t->host;
        t->vdata[0].size = 0;
    }
    /* RFC 5280 section 4.2.1.12: a certificate with an EKU must name serverAuth to serve
     * TLS (security checklist item 15). */
    t->vdata[1].type = GNUTLS_DT_KEY_PURPOSE_OID;
    t->vdata[1].data = (unsigned char *)GNUTLS_KP_TLS_WWW_SERVER;
    t->vdata[1].size = 0;
    if (t->trusted_site)
        return ST_ERROR_NONE;
    if (t->is_ip) {
        /* GnuTLS's automatic verification takes host names only in this version; an IP
         * literal is verified by our own callback (chain and key purpose via verify_peers,
         * then the IP SAN explicitly), which aborts the handshake on any problem. */
        gnutls_session_set_verify_function(t->session, verify_ip_literal);
    } else {
        gnutls_session_set_verify_function(t->session, verify_dns_name);
    }
    return ST_ERROR_NONE;
}

unsigned mw_tls_new(const mw_tls_config *cfg, const char *host, mw_socket_t sock,
                    mw_transport **out, char *detail, size_t dlen)
{
    mw_tls *t = mw_calloc(1, sizeof *t);
    if (!t) {
        snprintf(detail, dlen, "out of memory");
        return ST_ERROR_OUT_OF_MEMORY;
    }
    t->base.ops = &tls_ops;
    t->base.sock = sock;
    t->trusted_site = cfg->trusted_site;
    t->has_pin = cfg->has_pin;
    memcpy(t->pin, cfg->pin, sizeof t->pin);
    unsigned err = mw_tls_creds_get(cfg, &t->creds, detail, dlen);
    if (err)
        goto fail;
    /* TLS 1.2 session tickets (RFC 5077) only with resumption: a ticket key the server keeps
     * for hours weakens the forward secrecy of those sessions, which is the price of resuming
     * them (MAILWIRE_OPTION_NORESUME declines it). */
    int rc = gnutls_init(&t->session, GNUTLS_CLIENT | GNUTLS_NONBLOCK | GNUTLS_KEY_SHARE_TOP |
                                          (cfg->no_resume ? GNUTLS_NO_TICKETS_TLS12 : 0));
    if (rc < 0) {
        snprintf(detail, dlen, "TLS session: %s", gnutls_strerror(rc));
        err = ST_ERROR_OUT_OF_MEMORY;
        goto fail;
    }
    if ((err = set_priority(t, cfg, detail, dlen)) != ST_ERROR_NONE)
        goto fail;
    rc = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, mw_tls_creds_gnutls(t->creds));
    if (rc < 0) {
        snprintf(detail, dlen, "TLS credentials: %s", gnutls_strerror(rc));
        err = ST_ERROR_TLS_HANDSHAKE_FAILED;
        goto fail;
    }
    if ((err = set_peer_name(t, host, detail, dlen)) != ST_ERROR_NONE)
        goto fail;
    mw_tls_resume_offer(t, cfg, host, cfg->fallback ? PRIO_FALLBACK : PRIO_DEFAULT);
    mw_tls_ocsp_request(t->session);
    gnutls_session_set_ptr(t->session, t);
    gnutls_transport_set_ptr(t->session, t);
    gnutls_transport_set_push_function(t->session, push_fn);
    gnutls_transport_set_pull_function(t->session, pull_fn);
    gnutls_transport_set_pull_timeout_function(t->session, pull_timeout_fn);
    *out = &t->base;
    return ST_ERROR_NONE;
fail:
    tls_destroy(&t->base);
    return err;
}

/* After the handshake: the status to report, the trusted-site and pin checks. */
static int finish_verification(mw_tls *t)
{
    unsigned status = 0;
    const gnutls_datum_t *peers;
    unsigned npeers = 0;
    peers = gnutls_certificate_get_peers(t->session, &npeers);
    if (!peers || npeers == 0) {
        t->cert_status = SECURITY_CERT_INVALID | SECURITY_CERT_NO_CERTIFICATE;
        set_error(t, ST_ERROR_CERTIFICATE_REJECTED, "%s", "the server sent no certificate");
        mw_strlcpy(t->status_text, t->base.detail, sizeof t->status_text);
        return MW_IO_ERROR;
    }
    if (t->trusted_site || gnutls_session_is_resumed(t->session)) {
        /* Validation was skipped on request; still tell the caller what it would have found.
         * A resumed session carries no certificate exchange, so GnuTLS verified nothing: the
         * certificate kept from the first handshake is checked again (it may have expired or
         * lost its trust since), and a failure rejects the session below. */
        if (t->is_ip) {
            status = check_ip_peer(t);
        } else {
            if (gnutls_certificate_verify_peers(t->session, t->vdata, 2, &status) < 0)
                status = GNUTLS_CERT_INVALID;
        }
        /* Reported, never enforced: TRUSTEDSITE skips every certificate check. */
        t->ocsp_status = mw_tls_ocsp_classify(t->session, status);
    }
    t->cert_status = mw_tls_map_status(status);
    t->verified = !t->trusted_site && status == 0;
    mw_tls_status_text(status, t->status_text, sizeof t->status_text);
    if (!t->trusted_site && status != 0) {
        set_error(t, ST_ERROR_CERTIFICATE_REJECTED, "server certificate rejected: %s",
                  t->status_text);
        return MW_IO_ERROR;
    }
    if (t->has_pin) {
        unsigned char fp[32];
        if (mw_tls_peer_sha256(t, fp) != 0 || memcmp(fp, t->pin, sizeof fp) != 0) {
            t->cert_status |= SECURITY_CERT_INVALID | SECURITY_CERT_PIN_MISMATCH;
            t->verified = 0;
            set_error(t, ST_ERROR_CERTIFICATE_REJECTED, "%s",
                      "the server certificate does not match the pinned SHA-256 fingerprint");
            mw_strlcpy(t->status_text, t->base.detail, sizeof t->status_text);
            return MW_IO_ERROR;
        }
    }
    return 0;
}

/* The handshake (or a renegotiation) failed verification: status bits, staple and reason. */
static void reject_certificate(mw_tls *t, int rc)
{
    unsigned status = t->cb_status; /* a verify callback refused (judge_peer()) */
    if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR) {
        status = gnutls_session_get_verify_cert_status(t->session);
        t->ocsp_status = mw_tls_ocsp_classify(t->session, status);
    }
    t->cert_status = mw_tls_map_status(status) | mw_tls_ocsp_cert_bits(t->ocsp_status);
    t->verified = 0;
    if (mw_tls_ocsp_failed(t->ocsp_status))
        mw_strlcpy(t->status_text, mw_tls_ocsp_text(t->ocsp_status), sizeof t->status_text);
    else
        mw_tls_status_text(status, t->status_text, sizeof t->status_text);
    set_error(t, ST_ERROR_CERTIFICATE_REJECTED, "server certificate rejected: %s", t->status_text);
}

/* A renegotiation the server asked for (TLS 1.2 HelloRequest, RFC 5246 section 7.4.1.1),
 * driven without blocking by tls_recv() and tls_send() (security checklist item 22).
 *
 * Accepted when the server supports RFC 5746 secure renegotiation, as browsers and curl do:
 * a server that renegotiates on a long IDLE or transfer (to refresh keys, on a timer, by
 * byte count) usually drops a client that refuses. What made renegotiation dangerous stays
 * excluded:
 *  - without RFC 5746 it is refused (tls_recv(): a no_renegotiation warning alert; GnuTLS's
 *    default %PARTIAL_RENEGOTIATION would refuse it too): the 2009 prefix-injection attack,
 *    CVE-2009-3555;
 *  - the peer may not change its identity: GnuTLS fails a renegotiation that presents
 *    another certificate (GNUTLS_E_SESSION_USER_ID_CHANGED, as GNUTLS_ALLOW_ID_CHANGE is
 *    never set), the triple-handshake class of attacks;
 *  - the new certificate goes through the same verification (name, chain, staple, pin).
 * Application data waits while it runs. Returns 0 when done, MW_IO_AGAIN, or MW_IO_ERROR
 * with the reason on t. */
static int renegotiate(mw_tls *t)
{
    t->renegotiating = 2;
    t->base.handshaking = 1;
    for (;;) {
        int rc = gnutls_handshake(t->session);
        if (rc == GNUTLS_E_SUCCESS)
            break;
        if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
            t->want = gnutls_record_get_direction(t->session) ? MW_WANT_WRITE : MW_WANT_READ;
            return MW_IO_AGAIN;
        }
        if (!gnutls_error_is_fatal(rc) && rc != GNUTLS_E_GOT_APPLICATION_DATA)
            continue; /* a warning alert */
        t->renegotiating = 0;
        t->base.handshaking = 0;
        if (rc == GNUTLS_E_SESSION_USER_ID_CHANGED) {
            t->cert_status |= SECURITY_CERT_INVALID;
            t->verified = 0;
            set_error(t, ST_ERROR_CERTIFICATE_REJECTED, "%s",
                      "TLS renegotiation refused: the server presented a different "
                      "certificate");
            mw_strlcpy(t->status_text, t->base.detail, sizeof t->status_text);
        } else if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR ||
                   (rc == GNUTLS_E_CERTIFICATE_ERROR && (t->cb_status || t->ocsp_reject))) {
            reject_certificate(t, rc);
        } else if (rc == GNUTLS_E_SAFE_RENEGOTIATION_FAILED ||
                   rc == GNUTLS_E_UNSAFE_RENEGOTIATION_DENIED) {
            set_error(t, ST_ERROR_TLS_HANDSHAKE_FAILED, "%s",
                      "TLS renegotiation failed: secure renegotiation (RFC 5746) did not "
                      "verify");
        } else if (rc == GNUTLS_E_GOT_APPLICATION_DATA) {
            /* RFC 5246 lets a server send data after its HelloRequest until it sees our
             * ClientHello. Data sent with the request is read before the ClientHello goes
             * out (tls_recv()); data crossing it reaches the handshake, which GnuTLS 3.7 does
             * not reliably resume afterwards: end the session with a clear error instead. */
            set_error(t, ST_ERROR_PROTOCOL_VIOLATION, "%s",
                      "TLS renegotiation failed: the server sent application data while the "
                      "renegotiation it asked for was under way");
        } else {
            record_gnutls_error(t, rc, "TLS renegotiation");
        }
        return MW_IO_ERROR;
    }
    t->renegotiating = 0;
    t->base.handshaking = 0;
    return finish_verification(t);
}

int mw_tls_handshake(mw_transport *base)
{
    mw_tls *t = (mw_tls *)base;
    if (t->handshake_done)
        return 0;
    for (;;) {
        int rc = gnutls_handshake(t->session);
        if (rc == GNUTLS_E_SUCCESS)
            break;
        if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
            t->want = gnutls_record_get_direction(t->session) ? MW_WANT_WRITE : MW_WANT_READ;
            return MW_IO_AGAIN;
        }
        if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED || !gnutls_error_is_fatal(rc))
            continue;
        if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR ||
            (rc == GNUTLS_E_CERTIFICATE_ERROR && (t->cb_status || t->ocsp_reject))) {
            reject_certificate(t, rc);
            return MW_IO_ERROR;
        }
        record_gnutls_error(t, rc, "TLS handshake");
        return MW_IO_ERROR;
    }
    t->handshake_done = 1;
    if (finish_verification(t) != 0)
        return MW_IO_ERROR;
    mw_tls_resume_handshake_done(t);
    return 0;
}
