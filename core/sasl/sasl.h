/* SASL client mechanisms shared by SMTP AUTH (RFC 4954) and IMAP AUTHENTICATE (RFC 9051
 * section 6.2.2) (internal).
 *
 * This layer works on raw (decoded) bytes: the protocol engines do the framing (base64, the
 * "334 " / "+ " prefixes, "=" for an empty initial response, "*" to abort). No I/O, no
 * clock. Hashes, HMAC, PBKDF2 and random nonces come from GnuTLS.
 *
 * Typical use by an engine:
 *   mw_sasl *m; mw_sasl_new(&m, mech, user, pass, host, port, detail, sizeof detail);
 *   if (mw_sasl_initial(m, &resp, &len) == MW_SASL_CONTINUE) -> send initial response
 *   for each server challenge: mw_sasl_step(m, challenge, clen, &resp, &len) -> send resp
 *   on the protocol's success reply: mw_sasl_finish(m) must return ST_ERROR_NONE
 *   mw_sasl_free(m)   (wipes every secret)
 * Responses are owned by the mw_sasl object and valid until the next call; they are secret
 * (the engine must mark them so the trace redacts them). */
#ifndef MW_SASL_H
#define MW_SASL_H

#include <stddef.h>

#include "../platform/platform.h"

/* Mechanisms, in increasing order of preference for the automatic choice. */
enum mw_sasl_mech {
    MW_SASL_NONE = 0,
    MW_SASL_ANONYMOUS = 1,    /* RFC 4505: the "user" is the trace string */
    MW_SASL_LOGIN = 2,        /* draft-murchison-sasl-login */
    MW_SASL_PLAIN = 3,        /* RFC 4616 */
    MW_SASL_CRAM_MD5 = 4,     /* RFC 2195 */
    MW_SASL_XOAUTH2 = 5,      /* Google/Microsoft: password argument = OAuth 2.0 token */
    MW_SASL_OAUTHBEARER = 6,  /* RFC 7628: password argument = OAuth 2.0 token */
    MW_SASL_SCRAM_SHA1 = 7,   /* RFC 5802 */
    MW_SASL_SCRAM_SHA256 = 8, /* RFC 7677 */
    MW_SASL_MECH_COUNT = 9
};

/* Bit of a mechanism in an "offered" set. */
#define MW_SASL_BIT(m) (1u << (unsigned)(m))

/* Mechanism named by name[0..len) (case-insensitive, as in an EHLO AUTH line or an IMAP
 * AUTH= capability); MW_SASL_NONE when unknown. */
MW_INTERNAL int mw_sasl_mech_from_name(const char *name, size_t len);
/* The registered name ("SCRAM-SHA-256", ...); "" for MW_SASL_NONE. */
MW_INTERNAL const char *mw_sasl_mech_name(int mech);

/* The automatic choice among the offered set (MW_SASL_BIT bits) for a user name and password:
 * SCRAM-SHA-256, SCRAM-SHA-1, then PLAIN, then LOGIN, then CRAM-MD5 (over TLS PLAIN is as
 * good as CRAM-MD5 and CRAM-MD5 forces the server to store the password in a reversible
 * form). Token mechanisms and ANONYMOUS are never chosen automatically. MW_SASL_NONE when
 * nothing usable is offered. */
MW_INTERNAL int mw_sasl_pick(unsigned offered);

/* Whether the mechanism sends the password (or a bearer token) in a form an eavesdropper can
 * reuse: PLAIN, LOGIN, XOAUTH2, OAUTHBEARER. Such mechanisms are refused on a cleartext
 * connection unless the caller allowed it (security checklist). */
MW_INTERNAL int mw_sasl_mech_exposes_secret(int mech);

enum mw_sasl_result {
    MW_SASL_CONTINUE = 0,   /* *resp holds the response to send */
    MW_SASL_NO_INITIAL = 1, /* mw_sasl_initial(): the mechanism waits for a challenge */
    MW_SASL_FAILED = -1     /* the challenge is malformed or the server failed verification;
                               the engine cancels the exchange ("*") and reports the error */
};

typedef struct mw_sasl mw_sasl;

/* Check the arguments and create the exchange. user: authentication identity (for the
 * token mechanisms the account e-mail address; for ANONYMOUS an optional trace string);
 * pass: password or token. host and port are sent by OAUTHBEARER (may be NULL / 0).
 * Returns ST_ERROR_NONE, ST_ERROR_INVALID_ARGUMENT (missing user or password, an empty
 * password with a user name, CR/LF/NUL where the mechanism cannot carry them),
 * ST_ERROR_INVALID_AUTHENTICATION_TYPE, or ST_ERROR_OUT_OF_MEMORY; detail explains. */
MW_INTERNAL unsigned mw_sasl_new(mw_sasl **out, int mech, const char *user, const char *pass,
                                 const char *host, unsigned port, char *detail, size_t detail_size);

/* The initial response (client-first message). Returns MW_SASL_CONTINUE with *resp and *len set
 * (len may be 0: send "=" in SASL-IR), or MW_SASL_NO_INITIAL for mechanisms where the server
 * speaks first (LOGIN, CRAM-MD5). Engines that cannot send an initial response call
 * mw_sasl_step() with the (empty) first challenge instead; that yields the same bytes. */
MW_INTERNAL int mw_sasl_initial(mw_sasl *m, const unsigned char **resp, size_t *len);

/* Answer a decoded server challenge. MW_SASL_CONTINUE with the response, or MW_SASL_FAILED
 * (detail in mw_sasl_detail(), code in mw_sasl_error()); after a failure every call fails.
 * For XOAUTH2 an error challenge (JSON) gets the empty response, for OAUTHBEARER the single
 * 0x01 byte RFC 7628 section 3.2.3 requires; the JSON is kept as the detail (control bytes
 * replaced by '?') and a later mw_sasl_finish() fails. For SCRAM the server-final message
 * ("v=") is verified here and answered with an empty response. */
MW_INTERNAL int mw_sasl_step(mw_sasl *m, const unsigned char *challenge, size_t clen,
                             const unsigned char **resp, size_t *len);

/* The protocol reported success. For SCRAM the server must have proved it knows the
 * password (server-final message verified, RFC 5802 section 5.1); success data carried in
 * the success reply itself is passed here (NULL/0 when none). Returns ST_ERROR_NONE or
 * ST_ERROR_AUTHENTICATION_FAILED (a server that skipped or forged its proof). */
MW_INTERNAL unsigned mw_sasl_finish(mw_sasl *m, const unsigned char *data, size_t len);

/* Why the last call failed, or the server's error JSON for the token mechanisms. */
MW_INTERNAL const char *mw_sasl_detail(const mw_sasl *m);

/* The ST_ERROR_* code of the last failure, so that an engine can tell an allocation failure
 * from a server at fault: ST_ERROR_OUT_OF_MEMORY, ST_ERROR_PROTOCOL_VIOLATION (malformed
 * challenge, unexpected challenge, unknown mandatory SCRAM extension), ST_ERROR_LIMIT_EXCEEDED
 * (SCRAM iteration count over 1,000,000 or an oversized server message),
 * ST_ERROR_AUTHENTICATION_FAILED (SCRAM "e=" error or wrong server signature; the token
 * mechanisms' error challenge), ST_ERROR_INTERNAL (a GnuTLS primitive failed);
 * ST_ERROR_NONE when nothing failed. */
MW_INTERNAL unsigned mw_sasl_error(const mw_sasl *m);

MW_INTERNAL int mw_sasl_mech(const mw_sasl *m);

/* Wipe every secret and free; NULL is fine. */
MW_INTERNAL void mw_sasl_free(mw_sasl *m);

/* Test hook, defined only in the test programs (tests/support/sasl_hooks.c): the next SCRAM
 * client-first message of this process uses this nonce instead of a random one (RFC test
 * vectors); once, later ones are random again. NULL withdraws a nonce not yet used. A nonce
 * SCRAM does not allow (empty, over 64 characters, anything but printable ASCII without ',')
 * aborts the test program. Library code must not call it: scripts/check-symbols.sh fails on
 * the undefined reference. */
MW_INTERNAL void mw_sasl_set_test_nonce(const char *nonce);

#endif
