/* IMAP AUTHENTICATE framing over the shared SASL mechanisms (RFC 9051 section 6.2.2,
 * RFC 4959 SASL-IR): base64 responses, "=" for an empty initial response, "*" to cancel.
 * Every response is a secret: the trace redacts it. */
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

#include "../sasl/sasl.h"

#include "../util/alloc.h"
#include "../util/base64.h"
#include "../util/str.h"

unsigned mw_imap_auth_mechs(const mw_imap_engine *e)
{
    unsigned bits = 0;
    size_t len;
    if (!e->capstr)
        return 0;
    for (const char *w = mw_imap_word(e->capstr, &len); len; w = mw_imap_word(w + len, &len))
        if (len > 5 && mw_strncasecmp(w, "AUTH=", 5) == 0) {
            int m = mw_sasl_mech_from_name(w + 5, len - 5);
            if (m != MW_SASL_NONE)
                bits |= MW_SASL_BIT(m);
        }
    return bits;
}

static int sasl_mech_of(unsigned type)
{
    switch (type) {
    case IMAP_AUTH_PLAIN:
        return MW_SASL_PLAIN;
    case IMAP_AUTH_CRAM_MD5:
        return MW_SASL_CRAM_MD5;
    case IMAP_AUTH_ANONYMOUS:
        return MW_SASL_ANONYMOUS;
    case IMAP_AUTH_XOAUTH2:
        return MW_SASL_XOAUTH2;
    case IMAP_AUTH_BEARER:
        return MW_SASL_OAUTHBEARER;
    case IMAP_AUTH_SCRAM_SHA1:
        return MW_SASL_SCRAM_SHA1;
    case IMAP_AUTH_SCRAM_SHA256:
        return MW_SASL_SCRAM_SHA256;
    default:
        return MW_SASL_NONE;
    }
}

unsigned mw_imap_auth_choose(mw_imap_engine *e, unsigned type, int cleartext_ok, int *mech,
                             const char **why)
{
    static const char cleartext[] = "the password would cross an unencrypted connection; use "
                                    "TLS or IMAP_OPTION_ALLOW_CLEARTEXT_AUTH";
    unsigned offered = mw_imap_auth_mechs(e);
    if (type == IMAP_AUTH_LOGIN) {
        if (!cleartext_ok) {
            *why = cleartext;
            return ST_ERROR_CLEARTEXT_REFUSED;
        }
        if (e->caps & IMAP_CAP_LOGINDISABLED) {
            *why = "the server disabled LOGIN (LOGINDISABLED) on this connection";
            return ST_ERROR_CLEARTEXT_REFUSED;
        }
        *mech = IMAP_MECH_LOGIN_COMMAND;
        return ST_ERROR_NONE;
    }
    if (type == IMAP_AUTH_AUTO) {
        unsigned usable = offered;
        if (!cleartext_ok)
            for (int m = 1; m < MW_SASL_MECH_COUNT; m++)
                if (mw_sasl_mech_exposes_secret(m))
                    usable &= ~MW_SASL_BIT(m);
        int m = mw_sasl_pick(usable);
        if (m != MW_SASL_NONE) {
            *mech = m;
            return ST_ERROR_NONE;
        }
        if (!cleartext_ok) {
            *why = cleartext;
            return ST_ERROR_CLEARTEXT_REFUSED;
        }
        if (e->caps & IMAP_CAP_LOGINDISABLED) {
            *why = "no usable authentication mechanism is offered";
            return ST_ERROR_INVALID_AUTHENTICATION_TYPE;
        }
        *mech = IMAP_MECH_LOGIN_COMMAND;
        return ST_ERROR_NONE;
    }
    int m = sasl_mech_of(type);
    if (m == MW_SASL_NONE || !(offered & MW_SASL_BIT(m))) {
        *why = "the server does not offer this authentication mechanism";
        return ST_ERROR_INVALID_AUTHENTICATION_TYPE;
    }
    if (!cleartext_ok && mw_sasl_mech_exposes_secret(m)) {
        *why = cleartext;
        return ST_ERROR_CLEARTEXT_REFUSED;
    }
    *mech = m;
    return ST_ERROR_NONE;
}

/* Queue one response line (base64, or "=" for empty in SASL-IR), as a secret. */
static void put_response(mw_imap_engine *e, const unsigned char *resp, size_t len, int ir)
{
    if (len == 0) {
        mw_imap_out_puts(&e->out, ir ? "=" : "");
        return;
    }
    char *b64 = mw_b64_encode_alloc(resp, len, NULL);
    if (!b64) {
        e->out.b.failed = 1;
        return;
    }
    mw_imap_out_puts(&e->out, b64);
    mw_free_secret(b64);
}

unsigned mw_imap_auth_prepare(mw_imap_engine *e, int mech, const char *user, const char *pass,
                              const char *host, unsigned port)
{
    char detail[256] = "";
    mw_sasl_free(e->sasl);
    e->sasl = NULL;
    unsigned err = mw_sasl_new(&e->sasl, mech, user, pass, host, port, detail, sizeof detail);
    if (err)
        return mw_imap_refuse(e, err, "%s", detail);
    e->sasl_initial_sent = 0;
    return ST_ERROR_NONE;
}

void mw_imap_auth_queue(mw_imap_engine *e, int mech)
{
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "AUTHENTICATE ");
    mw_imap_out_puts(&e->out, mw_sasl_mech_name(mech));
    if (e->caps & IMAP_CAP_SASL_IR) {
        const unsigned char *resp = NULL;
        size_t len = 0;
        if (mw_sasl_initial(e->sasl, &resp, &len) == MW_SASL_CONTINUE) {
            e->sasl_initial_sent = 1;
            mw_imap_out_put(&e->out, " ", 1);
            mw_imap_out_mark(&e->out, IMAP_MARK_SECRET_ON, 0);
            put_response(e, resp, len, 1);
            if (mw_imap_cmd_end(e, IMAP_CMD_AUTHENTICATE) == ST_ERROR_NONE)
                mw_imap_out_mark(&e->out, IMAP_MARK_SECRET_OFF, 0);
            return;
        }
    }
    mw_imap_cmd_end(e, IMAP_CMD_AUTHENTICATE);
}

void mw_imap_auth_continue(mw_imap_engine *e)
{
    mw_imap_reader *r = &e->rd;
    const unsigned char *resp = NULL;
    size_t rlen = 0;
    int rc;
    rc = MW_SASL_NO_INITIAL;
    if (!e->sasl_initial_sent) {
        /* No SASL-IR: the first "+" is empty; a mechanism with an initial response sends it
         * now. Mechanisms where the server speaks first (CRAM-MD5, LOGIN) answer the
         * challenge below. */
        e->sasl_initial_sent = 1;
        rc = mw_sasl_initial(e->sasl, &resp, &rlen);
    }
    if (rc == MW_SASL_NO_INITIAL) {
        unsigned char *dec = mw_malloc(MW_B64_DECODED_MAX(r->text_len) + 1);
        size_t dlen = 0;
        if (!dec) {
            mw_imap_op_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
            return;
        }
        if (mw_b64_decode(r->buf + r->text_off, r->text_len, dec, &dlen)) {
            free(dec);
            mw_imap_out_put(&e->out, "*\r\n", 3);
            /* the tagged BAD that follows the "*" ends the operation */
            mw_imap_op_note(e, ST_ERROR_PROTOCOL_VIOLATION, "invalid base64 in a SASL challenge");
            return;
        }
        rc = mw_sasl_step(e->sasl, dec, dlen, &resp, &rlen);
        mw_wipe(dec, dlen);
        free(dec);
    }
    if (rc != MW_SASL_CONTINUE) {
        /* RFC 9051 6.2.2: "*" cancels; the server answers BAD. */
        mw_imap_out_put(&e->out, "*\r\n", 3);
        unsigned err = mw_sasl_error(e->sasl);
        mw_imap_op_note(e, err ? err : ST_ERROR_AUTHENTICATION_FAILED, "%s",
                        mw_sasl_detail(e->sasl));
        return;
    }
    mw_imap_out_mark(&e->out, IMAP_MARK_SECRET_ON, 0);
    put_response(e, resp, rlen, 0);
    mw_imap_out_put(&e->out, "\r\n", 2);
    mw_imap_out_mark(&e->out, IMAP_MARK_SECRET_OFF, 0);
}

int mw_imap_auth_verify(mw_imap_engine *e)
{
    if (!e->sasl)
        return 0;
    if (mw_sasl_finish(e->sasl, NULL, 0) == ST_ERROR_NONE)
        return 0;
    mw_imap_op_fail(e, ST_ERROR_AUTHENTICATION_FAILED, 1, "%s", mw_sasl_detail(e->sasl));
    return 1;
}

void mw_imap_auth_free(mw_imap_engine *e)
{
    mw_sasl_free(e->sasl);
    e->sasl = NULL;
}
