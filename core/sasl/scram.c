/* SCRAM-SHA-1 (RFC 5802) and SCRAM-SHA-256 (RFC 7677) without channel binding. */
#include "sasl_private.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <mailwire/common.h>

#include "../util/alloc.h"
#include "../util/base64.h"
#include "../util/str.h"

/* Raw client nonce bytes: 24 bytes give a 32-character base64 nonce (base64 has no ','). */
#define NONCE_BYTES 24
/* The iteration count a client accepts: PBKDF2 runs that many HMACs before the server has
 * proved anything, so a huge count is a denial of service (RFC 5802 section 9). */
#define MAX_ITERATIONS 1000000u
/* RFC 7677 section 4 recommends at least 4096. */
#define RECOMMENDED_ITERATIONS 4096u
/* Longest server message we parse; real ones are under 200 bytes. */
#define MAX_SERVER_MESSAGE 4096
/* gs2-header "n,," base64-encoded, for the channel-binding attribute (RFC 5802 section 7). */
#define GS2_HEADER "n,,"
#define CBIND_ATTR "c=biws"

static int is_sha256(const mw_sasl *m)
{
    return m->mech == MW_SASL_SCRAM_SHA256;
}

static size_t hash_len(const mw_sasl *m)
{
    return is_sha256(m) ? 32 : 20;
}

static gnutls_mac_algorithm_t mac_alg(const mw_sasl *m)
{
    return is_sha256(m) ? GNUTLS_MAC_SHA256 : GNUTLS_MAC_SHA1;
}

static gnutls_digest_algorithm_t dig_alg(const mw_sasl *m)
{
    return is_sha256(m) ? GNUTLS_DIG_SHA256 : GNUTLS_DIG_SHA1;
}

static int printable_ascii(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return 0;
    return 1;
}

unsigned mw_scram_prepare_password(const char *pass, char **out, char *detail, size_t detail_size)
{
    /* RFC 5802 section 2.2 asks for SASLprep; its successor is the PRECIS OpaqueString
     * profile (RFC 8265 section 4.2), which GnuTLS implements. */
    gnutls_datum_t norm = {NULL, 0};
    size_t len = strlen(pass);
    int rc = gnutls_utf8_password_normalize((const unsigned char *)pass, (unsigned)len, &norm, 0);
    const unsigned char *src;
    size_t n;
    if (rc == 0) {
        src = norm.data;
        n = norm.size;
    } else if (rc == GNUTLS_E_MEMORY_ERROR) {
        return ST_ERROR_OUT_OF_MEMORY;
    } else if (printable_ascii((const unsigned char *)pass, len)) {
        /* Printable ASCII is its own normalisation; use it as it is. */
        src = (const unsigned char *)pass;
        n = len;
    } else {
        if (detail && detail_size)
            mw_strlcpy(detail,
                       "the password cannot be prepared for SCRAM (not valid UTF-8 or holds "
                       "characters the PRECIS OpaqueString profile disallows)",
                       detail_size);
        return ST_ERROR_INVALID_ARGUMENT;
    }
    unsigned err = ST_ERROR_NONE;
    *out = mw_malloc(n + 1);
    if (!*out) {
        err = ST_ERROR_OUT_OF_MEMORY;
    } else {
        memcpy(*out, src, n);
        (*out)[n] = 0;
    }
    if (norm.data) {
        mw_wipe(norm.data, norm.size);
        gnutls_free(norm.data);
    }
    return err;
}

/* RFC 5802 section 5.1: saslname escapes '=' as "=3D" and ',' as "=2C". */
static void add_saslname(mw_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '=')
            mw_buf_puts(b, "=3D");
        else if (*s == ',')
            mw_buf_puts(b, "=2C");
        else
            mw_buf_putc(b, *s);
    }
}

_Static_assert((NONCE_BYTES + 2) / 3 * 4 <= MW_SASL_NONCE_MAX, "the nonce fits its buffer");

int mw_scram_random_nonce(char *out)
{
    unsigned char raw[NONCE_BYTES];
    int rc = gnutls_rnd(GNUTLS_RND_NONCE, raw, sizeof raw);
    if (rc < 0)
        return rc;
    out[mw_b64_encode(raw, sizeof raw, out)] = 0;
    return 0;
}

int mw_scram_client_first(mw_sasl *m)
{
    if (!m->nonce[0]) {
        int rc = mw_scram_nonce(m->nonce);
        if (rc < 0)
            return mw_sasl_fail(m, ST_ERROR_INTERNAL, "no random nonce: %s", gnutls_strerror(rc));
    }
    mw_buf bare, b;
    mw_sasl_buf_init(&bare);
    mw_buf_puts(&bare, "n=");
    add_saslname(&bare, m->user);
    mw_buf_puts(&bare, ",r=");
    mw_buf_puts(&bare, m->nonce);
    char *kept = mw_buf_take(&bare); /* a C string, kept for the AuthMessage */
    if (!kept)
        return mw_sasl_fail(m, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    mw_free_secret(m->client_first_bare);
    m->client_first_bare = kept;
    mw_sasl_buf_init(&b);
    mw_buf_puts(&b, GS2_HEADER);
    mw_buf_puts(&b, m->client_first_bare);
    return mw_sasl_respond(m, &b);
}

/* One "x=value" attribute of a server message; advances *p past the following ','. */
static int next_attr(const unsigned char **p, const unsigned char *end, char *name,
                     const unsigned char **val, size_t *vlen)
{
    const unsigned char *s = *p;
    if (end - s < 2 || s[1] != '=')
        return 0;
    *name = (char)s[0];
    s += 2;
    const unsigned char *e = memchr(s, ',', (size_t)(end - s));
    if (!e)
        e = end;
    *val = s;
    *vlen = (size_t)(e - s);
    *p = e < end ? e + 1 : end;
    return 1;
}

/* Parse the server-first message (RFC 5802 section 7) and build the client-final one. */
static int server_first(mw_sasl *m, const unsigned char *c, size_t n)
{
    const unsigned char *p = c, *end = c + n, *nonce, *salt64, *iter;
    size_t nlen, slen, ilen;
    char a;
    if (!next_attr(&p, end, &a, &nonce, &nlen) || a != 'r') {
        if (n >= 2 && c[0] == 'm' && c[1] == '=')
            return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION,
                                "the server requires a SCRAM extension (m=) we do not know");
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION,
                            "malformed SCRAM server-first message: no nonce");
    }
    /* The server nonce extends ours (section 5.1) with printable characters but ','. */
    size_t cn = strlen(m->nonce);
    if (nlen <= cn || memcmp(nonce, m->nonce, cn) != 0)
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION,
                            "the SCRAM server nonce does not extend the client nonce");
    for (size_t i = 0; i < nlen; i++)
        if (nonce[i] < 0x21 || nonce[i] > 0x7e)
            return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION,
                                "the SCRAM server nonce has a non-printable character");
    if (!next_attr(&p, end, &a, &salt64, &slen) || a != 's')
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION,
                            "malformed SCRAM server-first message: no salt");
    if (!next_attr(&p, end, &a, &iter, &ilen) || a != 'i')
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION,
                            "malformed SCRAM server-first message: no iteration count");
    /* Further attributes are extensions a client ignores (section 7). */

    unsigned long count = 0;
    if (ilen == 0)
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION, "empty SCRAM iteration count");
    for (size_t i = 0; i < ilen; i++) {
        if (iter[i] < '0' || iter[i] > '9')
            return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION,
                                "the SCRAM iteration count is not a number");
        if (count <= MAX_ITERATIONS)
            count = count * 10 + (unsigned long)(iter[i] - '0');
    }
    if (count == 0)
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION, "SCRAM iteration count 0");
    if (count > MAX_ITERATIONS)
        return mw_sasl_fail(m, ST_ERROR_LIMIT_EXCEEDED,
                            "the SCRAM iteration count exceeds %u (refused: denial of service)",
                            MAX_ITERATIONS);

    unsigned char salt[MW_B64_DECODED_MAX(MAX_SERVER_MESSAGE)];
    size_t saltlen = 0;
    if (slen == 0 || mw_b64_decode((const char *)salt64, slen, salt, &saltlen) != 0 || saltlen == 0)
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION, "the SCRAM salt is not base64");

    const size_t hl = hash_len(m);
    unsigned char salted[MW_SASL_HASH_MAX], ckey[MW_SASL_HASH_MAX], skey[MW_SASL_HASH_MAX];
    unsigned char stored[MW_SASL_HASH_MAX], csig[MW_SASL_HASH_MAX], proof[MW_SASL_HASH_MAX];
    gnutls_datum_t key = {(unsigned char *)m->pass, (unsigned)strlen(m->pass)};
    gnutls_datum_t sd = {salt, (unsigned)saltlen};
    mw_buf auth, b;
    mw_sasl_buf_init(&auth);
    mw_sasl_buf_init(&b);
    int rc = gnutls_pbkdf2(mac_alg(m), &key, &sd, (unsigned)count, salted, hl);
    if (rc >= 0)
        rc = gnutls_hmac_fast(mac_alg(m), salted, hl, "Client Key", 10, ckey);
    if (rc >= 0)
        rc = gnutls_hmac_fast(mac_alg(m), salted, hl, "Server Key", 10, skey);
    if (rc >= 0)
        rc = gnutls_hash_fast(dig_alg(m), ckey, hl, stored);
    int r = MW_SASL_FAILED;
    if (rc < 0) {
        r = mw_sasl_fail(m,
                         rc == GNUTLS_E_MEMORY_ERROR ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_INTERNAL,
                         "SCRAM key derivation failed: %s", gnutls_strerror(rc));
        goto out;
    }

    /* client-final-message-without-proof, then AuthMessage (section 3). */
    mw_buf_puts(&b, CBIND_ATTR ",r=");
    mw_buf_put(&b, nonce, nlen);
    mw_buf_puts(&auth, m->client_first_bare);
    mw_buf_putc(&auth, ',');
    mw_buf_put(&auth, c, n);
    mw_buf_putc(&auth, ',');
    if (!b.failed)
        mw_buf_put(&auth, b.p, b.len);
    if (auth.failed || b.failed) {
        r = mw_sasl_fail(m, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        goto out;
    }
    rc = gnutls_hmac_fast(mac_alg(m), stored, hl, auth.p, auth.len, csig);
    if (rc >= 0)
        rc = gnutls_hmac_fast(mac_alg(m), skey, hl, auth.p, auth.len, m->server_sig);
    if (rc < 0) {
        r = mw_sasl_fail(m,
                         rc == GNUTLS_E_MEMORY_ERROR ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_INTERNAL,
                         "SCRAM HMAC failed: %s", gnutls_strerror(rc));
        goto out;
    }
    for (size_t i = 0; i < hl; i++)
        proof[i] = ckey[i] ^ csig[i];
    char proof64[MW_B64_ENCODED_LEN(MW_SASL_HASH_MAX) + 1];
    size_t plen = mw_b64_encode(proof, hl, proof64);
    mw_buf_puts(&b, ",p=");
    mw_buf_put(&b, proof64, plen);
    mw_wipe(proof64, sizeof proof64);
    r = mw_sasl_respond(m, &b);
    if (r == MW_SASL_CONTINUE) {
        m->have_server_sig = 1;
        if (count < RECOMMENDED_ITERATIONS)
            mw_detail_printf(
                m->detail, sizeof m->detail,
                "note: the SCRAM iteration count %lu is below the %u RFC 7677 recommends", count,
                RECOMMENDED_ITERATIONS);
        mw_sasl_set_state(m, MW_SASL_ST_SENT_2);
    }
out:
    mw_buf_free(&b);
    mw_buf_free(&auth);
    mw_wipe(salted, sizeof salted);
    mw_wipe(ckey, sizeof ckey);
    mw_wipe(skey, sizeof skey);
    mw_wipe(stored, sizeof stored);
    mw_wipe(csig, sizeof csig);
    mw_wipe(proof, sizeof proof);
    return r;
}

/* Constant time: the comparison must not tell an attacker how many bytes matched. */
static int same_bytes(const unsigned char *a, const unsigned char *b, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* Check a server-final message (section 7: "e=" error or "v=" verifier). Returns
 * ST_ERROR_NONE, or the failure recorded with mw_sasl_fail(). */
static unsigned server_final(mw_sasl *m, const unsigned char *c, size_t n)
{
    const unsigned char *p = c, *end = c + n, *val;
    size_t vlen;
    char a;
    if (!m->have_server_sig) {
        mw_sasl_fail(m, ST_ERROR_AUTHENTICATION_FAILED,
                     "SCRAM server-final message before the client proof");
        return m->error;
    }
    if (!next_attr(&p, end, &a, &val, &vlen) || (a != 'v' && a != 'e')) {
        mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION, "malformed SCRAM server-final message");
        return m->error;
    }
    if (a == 'e') {
        char text[128];
        mw_sasl_copy_text(text, sizeof text, val, vlen);
        mw_sasl_fail(m, ST_ERROR_AUTHENTICATION_FAILED, "SCRAM server error: %s", text);
        return m->error;
    }
    unsigned char sig[MW_B64_DECODED_MAX(MAX_SERVER_MESSAGE)];
    size_t slen = 0;
    const size_t hl = hash_len(m);
    if (vlen > MAX_SERVER_MESSAGE || mw_b64_decode((const char *)val, vlen, sig, &slen) != 0 ||
        slen != hl || !same_bytes(sig, m->server_sig, hl)) {
        mw_sasl_fail(m, ST_ERROR_AUTHENTICATION_FAILED,
                     "the SCRAM server signature is wrong: the server did not prove it knows "
                     "the password");
        return m->error;
    }
    m->detail[0] = 0;
    return ST_ERROR_NONE;
}

int mw_scram_step(mw_sasl *m, const unsigned char *c, size_t n)
{
    if (n > MAX_SERVER_MESSAGE)
        return mw_sasl_fail(m, ST_ERROR_LIMIT_EXCEEDED, "SCRAM server message over %d bytes",
                            MAX_SERVER_MESSAGE);
    if (memchr(c, 0, n))
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION, "NUL in a SCRAM server message");
    if (m->state == MW_SASL_ST_SENT_1)
        return server_first(m, c, n);
    if (server_final(m, c, n) != ST_ERROR_NONE)
        return MW_SASL_FAILED;
    /* The server-final message came as a challenge: answer it with an empty response
     * (RFC 4954 section 4, RFC 9051 section 6.2.2) and wait for the protocol's success. */
    mw_buf b;
    mw_sasl_buf_init(&b);
    int r = mw_sasl_respond(m, &b);
    if (r == MW_SASL_CONTINUE)
        mw_sasl_set_state(m, MW_SASL_ST_VERIFIED);
    return r;
}

unsigned mw_scram_finish(mw_sasl *m, const unsigned char *data, size_t n)
{
    if (m->state == MW_SASL_ST_VERIFIED)
        return ST_ERROR_NONE;
    if (m->state == MW_SASL_ST_SENT_2 && data && n > 0) {
        /* The server-final message came with the success reply (RFC 4422 section 5
         * "additional data with success"). */
        if (n > MAX_SERVER_MESSAGE || memchr(data, 0, n)) {
            mw_sasl_fail(m, ST_ERROR_AUTHENTICATION_FAILED,
                         "malformed SCRAM server-final message with the success reply");
            return ST_ERROR_AUTHENTICATION_FAILED;
        }
        if (server_final(m, data, n) != ST_ERROR_NONE) {
            m->error = ST_ERROR_AUTHENTICATION_FAILED;
            return ST_ERROR_AUTHENTICATION_FAILED;
        }
        mw_sasl_set_state(m, MW_SASL_ST_VERIFIED);
        return ST_ERROR_NONE;
    }
    mw_sasl_fail(m, ST_ERROR_AUTHENTICATION_FAILED,
                 "the server reported SCRAM success without proving it knows the password "
                 "(no server signature)");
    return ST_ERROR_AUTHENTICATION_FAILED;
}
