/* Inside the SASL object: shared by sasl.c (object, names, simple and token mechanisms) and
 * scram.c (SCRAM-SHA-1/256) (internal). */
#ifndef MW_SASL_PRIVATE_H
#define MW_SASL_PRIVATE_H

#include <stddef.h>

#include "../util/buf.h"
#include "sasl.h"

/* Longest client nonce: ours are 32 characters, the test programs' fixed ones up to this. */
#define MW_SASL_NONCE_MAX 64
/* Largest SHA output we use (SHA-256). */
#define MW_SASL_HASH_MAX 32

/* Where the exchange stands. Changed only by mw_sasl_set_state() (traceable by name). */
enum mw_sasl_state {
    MW_SASL_ST_START = 0,      /* nothing sent yet */
    MW_SASL_ST_SENT_1,         /* first response sent (initial response, LOGIN user name) */
    MW_SASL_ST_SENT_2,         /* second response sent (LOGIN password, SCRAM client-final) */
    MW_SASL_ST_VERIFIED,       /* SCRAM: the server signature matched; empty response sent */
    MW_SASL_ST_ERROR_ANSWERED, /* token mechanisms: the server's error challenge was answered */
    MW_SASL_ST_FAILED          /* a call failed; every later call fails */
};

struct mw_sasl {
    int mech;
    enum mw_sasl_state state;
    unsigned error; /* ST_ERROR_* of the last failure (mw_sasl_error) */
    char *user;     /* authentication identity (ANONYMOUS: trace, may be "") */
    char *pass;     /* secret: password (SCRAM: normalised) or bearer token */
    char *host;     /* OAUTHBEARER host, or NULL */
    unsigned port;  /* OAUTHBEARER port, or 0 */
    mw_buf resp;    /* secret: the last response, handed out until the next call */
    /* SCRAM */
    char nonce[MW_SASL_NONCE_MAX + 1]; /* client nonce; "" until the client-first message */
    char *client_first_bare;           /* kept for the AuthMessage */
    unsigned char server_sig[MW_SASL_HASH_MAX]; /* secret: expected ServerSignature */
    int have_server_sig;
    char detail[512];
};

/* Every buffer this layer builds holds a credential or something derived from one, so each
 * is a secret mw_buf (every byte wiped when dropped, growth never leaves a copy behind):
 *     mw_buf b; mw_sasl_buf_init(&b); mw_buf_puts(&b, ...); return mw_sasl_respond(m, &b); */
MW_INTERNAL void mw_sasl_buf_init(mw_buf *b);

/* Make b's bytes the response (they move; the old response is wiped; b is left empty).
 * Returns MW_SASL_CONTINUE, or MW_SASL_FAILED when building b failed (out of memory). */
MW_INTERNAL int mw_sasl_respond(mw_sasl *m, mw_buf *b);

MW_INTERNAL void mw_sasl_set_state(mw_sasl *m, enum mw_sasl_state st);

/* Record a failure: error code and detail, state FAILED. Returns MW_SASL_FAILED. */
MW_INTERNAL int mw_sasl_fail(mw_sasl *m, unsigned error, const char *fmt, ...) MW_PRINTF(3, 4);

/* Copy untrusted server text into dst (control bytes become '?'), truncated. */
MW_INTERNAL void mw_sasl_copy_text(char *dst, size_t size, const unsigned char *src, size_t n);

/* SCRAM (scram.c). */
MW_INTERNAL unsigned mw_scram_prepare_password(const char *pass, char **out, char *detail,
                                               size_t detail_size);
MW_INTERNAL int mw_scram_client_first(mw_sasl *m);
MW_INTERNAL int mw_scram_step(mw_sasl *m, const unsigned char *c, size_t n);
MW_INTERNAL unsigned mw_scram_finish(mw_sasl *m, const unsigned char *data, size_t n);

/* A fresh random client nonce (RFC 5802 section 5.1: printable, no ',') into out, which has
 * room for MW_SASL_NONCE_MAX + 1 bytes. 0, or a negative GnuTLS error code. */
MW_INTERNAL int mw_scram_random_nonce(char *out);

/* The client nonce SCRAM uses (scram_nonce.c); as mw_scram_random_nonce(), which is all the
 * library's version calls. It has a file of its own so that the test programs can replace it
 * (tests/support/sasl_hooks.c, linked ahead of the library) with one that gives the fixed
 * nonces of the RFC test vectors when a test asks (mw_sasl_set_test_nonce). */
MW_INTERNAL int mw_scram_nonce(char *out);

#endif
