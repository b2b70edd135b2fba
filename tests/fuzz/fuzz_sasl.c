/* Fuzz the SASL client mechanisms (core/sasl/sasl.h) with the server's messages as the protocol
 * engines pass them on, decoded: SCRAM-SHA-1/256 server-first and server-final messages
 * (RFC 5802, RFC 7677), the CRAM-MD5 challenge (RFC 2195), LOGIN prompts, PLAIN/ANONYMOUS
 * challenges and the XOAUTH2/OAUTHBEARER error JSON (RFC 7628 section 3.2.2).
 * Checked:
 *   - a step answers (CONTINUE, with a response) or fails with one of the documented codes
 *     and a detail text without CR, LF or NUL; after a failure every later call fails;
 *   - the password never appears in a response of SCRAM or CRAM-MD5, which exist to keep it
 *     off the wire; a SCRAM client-final message is "c=biws,r=<nonce>,p=<proof>" with the
 *     server's nonce, which extends the client's;
 *   - finish() succeeds or fails with ST_ERROR_AUTHENTICATION_FAILED; for SCRAM it succeeds
 *     only after a server-final message ("v=") was given, for the token mechanisms never
 *     after an error challenge was answered.
 * Input layout: byte 0 the mechanism (1 + byte mod 8: ANONYMOUS .. SCRAM-SHA-256), byte 1
 * flags (bit 0: start with mw_sasl_initial(), else the empty first challenge; bit 1: the
 * last message is success data for finish(); bit 2: credentials with SCRAM's specials and
 * non-ASCII), then the server messages separated by "\n--\n". The SCRAM client nonce is the
 * RFC 5802 / RFC 7677 test vector's, so seeds carry messages the client accepts. Inputs with
 * an iteration count over 64 are skipped: PBKDF2 time is not parsing (the limit of 1,000,000
 * is checked by tests/sasl/test_scram.cpp). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "core/sasl/sasl.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "check failed at line %d: %s\n", __LINE__, #c);                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static const char sep[] = "\n--\n";
#define SEP_LEN (sizeof sep - 1)

static const char *find_sep(const char *p, size_t n)
{
    for (size_t i = 0; i + SEP_LEN <= n; i++)
        if (memcmp(p + i, sep, SEP_LEN) == 0)
            return p + i;
    return NULL;
}

/* Whether the input holds an iteration count ("i=" digits) over 64. */
static int costly(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 2 < n; i++) {
        if (d[i] != 'i' || d[i + 1] != '=')
            continue;
        unsigned long v = 0;
        for (size_t k = i + 2; k < n && d[k] >= '0' && d[k] <= '9'; k++) {
            v = v * 10 + (unsigned long)(d[k] - '0');
            if (v > 64)
                return 1;
        }
    }
    return 0;
}

static int contains(const unsigned char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(p + i, s, k) == 0)
            return 1;
    return 0;
}

static void check_failure(const mw_sasl *m)
{
    unsigned err = mw_sasl_error(m);
    CHECK(err == ST_ERROR_OUT_OF_MEMORY || err == ST_ERROR_PROTOCOL_VIOLATION ||
          err == ST_ERROR_LIMIT_EXCEEDED || err == ST_ERROR_AUTHENTICATION_FAILED ||
          err == ST_ERROR_INTERNAL);
    const char *d = mw_sasl_detail(m);
    CHECK(d && d[0] && !strpbrk(d, "\r\n"));
}

static int is_scram(int mech)
{
    return mech == MW_SASL_SCRAM_SHA1 || mech == MW_SASL_SCRAM_SHA256;
}

/* A response of mech to the server's message: what it may and must hold. */
static void check_response(int mech, const char *pass, const unsigned char *r, size_t n,
                           const char *nonce, const unsigned char *server, size_t sn)
{
    CHECK(r || n == 0);
    /* (unless the server put it there: SCRAM echoes the server's nonce) */
    if ((mech == MW_SASL_CRAM_MD5 || is_scram(mech)) && !(server && contains(server, sn, pass)))
        CHECK(!contains(r, n, pass));
    if (!is_scram(mech) || n == 0 || (n >= 2 && r[0] == 'n' && r[1] == ','))
        return; /* the client-first message, or the empty answer to the server-final */
    /* The client-final message: channel binding "biws" (= base64 "n,,"), the server's
     * nonce, the proof last (RFC 5802 section 7). */
    CHECK(n > 9 && memcmp(r, "c=biws,r=", 9) == 0);
    const unsigned char *end = memchr(r + 9, ',', n - 9);
    CHECK(end && (size_t)(r + n - end) > 3 && memcmp(end, ",p=", 3) == 0);
    size_t rn = (size_t)(end - (r + 9)), cn = strlen(nonce);
    CHECK(rn > cn && memcmp(r + 9, nonce, cn) == 0);
    /* ... which the server sent as "r=" (first attribute, or after an m= extension). */
    CHECK(contains(server, sn, "r=") && sn >= rn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 8192 || costly(data, size))
        return 0;
    int mech = MW_SASL_ANONYMOUS + data[0] % 8;
    unsigned flags = data[1];
    const char *user = flags & 4 ? "u,=s\xc3\xa9r" : "user";
    const char *pass = flags & 4 ? "p\xc3\xa4ss,w=rd" : "pencil";
    const char *nonce = mech == MW_SASL_SCRAM_SHA1 ? "fyko+d2lbbFgONRv9qkxdawL" /* RFC 5802 */
                                                   : "rOprNGfwEbeRWgbNEkqO";    /* RFC 7677 */
    char detail[256] = "";
    mw_sasl *m = NULL;
    if (is_scram(mech))
        mw_sasl_set_test_nonce(nonce);
    unsigned err = mw_sasl_new(&m, mech, user, pass, "mail.example", 143, detail, sizeof detail);
    if (err == ST_ERROR_OUT_OF_MEMORY) {
        mw_sasl_set_test_nonce(NULL);
        return 0;
    }
    if (err == ST_ERROR_INVALID_ARGUMENT && (flags & 4)) {
        /* A mechanism that cannot carry ',' or '=' in the name refuses it (OAUTHBEARER's
         * GS2 header, RFC 7628 section 3.1). */
        CHECK(detail[0] && !m);
        mw_sasl_set_test_nonce(NULL);
        return 0;
    }
    CHECK(err == ST_ERROR_NONE && m);
    CHECK(mw_sasl_mech(m) == mech);

    const unsigned char *resp = NULL;
    size_t len = 0;
    int failed = 0, saw_final = 0, answered_error = 0;
    if (flags & 1) {
        int rc = mw_sasl_initial(m, &resp, &len);
        CHECK(rc == MW_SASL_CONTINUE || rc == MW_SASL_NO_INITIAL);
        if (rc == MW_SASL_CONTINUE)
            check_response(mech, pass, resp, len, nonce, NULL, 0);
    } else {
        int rc = mw_sasl_step(m, (const unsigned char *)"", 0, &resp, &len);
        if (rc == MW_SASL_FAILED) {
            check_failure(m);
            failed = 1;
        } else {
            CHECK(rc == MW_SASL_CONTINUE);
        }
    }
    mw_sasl_set_test_nonce(NULL); /* when the mechanism did not take it */

    const char *p = (const char *)data + 2, *end = (const char *)data + size;
    while (p <= end) {
        const char *s = find_sep(p, (size_t)(end - p));
        const char *stop = s ? s : end;
        size_t n = (size_t)(stop - p);
        const unsigned char *msg = (const unsigned char *)p;
        if (!s && (flags & 2)) {
            /* Success with additional data (RFC 4422 section 5). */
            unsigned f = mw_sasl_finish(m, msg, n);
            CHECK(f == ST_ERROR_NONE || f == ST_ERROR_AUTHENTICATION_FAILED);
            if (f == ST_ERROR_NONE) {
                CHECK(!failed && !answered_error);
                CHECK(!is_scram(mech) || saw_final || (n >= 2 && msg[0] == 'v' && msg[1] == '='));
            }
            break;
        }
        int rc = mw_sasl_step(m, msg, n, &resp, &len);
        if (rc == MW_SASL_FAILED) {
            check_failure(m);
            failed = 1;
        } else {
            CHECK(rc == MW_SASL_CONTINUE && !failed);
            check_response(mech, pass, resp, len, nonce, msg, n);
            if (n >= 2 && msg[0] == 'v' && msg[1] == '=')
                saw_final = 1;
            if ((mech == MW_SASL_XOAUTH2 || mech == MW_SASL_OAUTHBEARER) && n > 0 && msg[0] == '{')
                answered_error = 1;
        }
        if (!s)
            break;
        p = s + SEP_LEN;
    }
    if (!(flags & 2)) {
        unsigned f = mw_sasl_finish(m, NULL, 0);
        CHECK(f == ST_ERROR_NONE || f == ST_ERROR_AUTHENTICATION_FAILED);
        if (f == ST_ERROR_NONE)
            CHECK(!failed && !answered_error && (!is_scram(mech) || saw_final));
    }
    mw_sasl_free(m);
    return 0;
}
