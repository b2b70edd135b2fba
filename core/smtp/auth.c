/* SMTP AUTH (RFC 4954) on top of the SASL mechanisms of core/sasl: the framing only.
 *
 * "AUTH mech [initial-response]" with "=" for an empty initial response (section 4),
 * "334 base64" challenges answered with base64 lines, "*" to cancel an exchange the client
 * cannot go on with, 235 success (then the mechanism must accept the outcome: SCRAM checks the
 * server's proof), 535 wrong credentials. Every response line is marked secret so the trace
 * shows "<redacted>" instead of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../util/alloc.h"
#include "../util/base64.h"
#include "../util/str.h"
#include "engine_priv.h"

/* RFC 4954 section 4: an AUTH command line with its initial response may reach 12288
 * octets; longer initial responses wait for the first (empty) challenge instead. */
#define AUTH_LINE_MAX 12288u

/* Queue "prefix" + base64(resp) (or "=" for an empty response when empty_eq), secret after
 * the prefix. */
static int send_response(mw_smtp *e, const char *prefix, const unsigned char *resp, size_t len,
                         int empty_eq)
{
    size_t pn = strlen(prefix);
    size_t bn = MW_B64_ENCODED_LEN(len);
    char *line = mw_malloc(pn + bn + 2);
    if (!line)
        return -1;
    memcpy(line, prefix, pn);
    size_t n = pn;
    if (len)
        n += mw_b64_encode(resp, len, line + pn);
    else if (empty_eq)
        line[n++] = '=';
    int r = mw_smtp_out_line(e, line, n, n > pn ? pn : (size_t)-1);
    mw_wipe(line, n);
    free(line);
    if (r == 0)
        r = mw_smtp_push_exp(e, EXP_AUTH);
    return r;
}

unsigned mw_smtp_op_auth(mw_smtp *e, int mech, const char *user, const char *pass, const char *host,
                         unsigned port, int cleartext_ok)
{
    char detail[256] = "";
    unsigned err = mw_smtp_check_start(e);
    if (err)
        return err;
    if (e->state != SMTP_ST_READY)
        return mw_smtp_refuse(e, ST_ERROR_INVALID_STATE,
                              "AUTH is possible only between transactions (state %s)",
                              mw_smtp_state_name(e));
    if (!e->ehlo || !(e->caps.flags & SMTP_EXTOPT_AUTH)) {
        return mw_smtp_refuse(e, ST_ERROR_INVALID_AUTHENTICATION_TYPE,
                              e->ehlo ? "the server offers no AUTH"
                                      : "AUTH needs ESMTP (SMTP_OPTION_EXTENDED)");
    }
    if (!e->tls && !cleartext_ok) {
        /* Security checklist item 13 / RFC 8314: credentials only over TLS, unless allowed. */
        return mw_smtp_refuse(e, ST_ERROR_CLEARTEXT_REFUSED,
                              "the connection is not encrypted; use SECURE or SECURE_IMPLICIT, or "
                              "allow it with SMTP_OPTION_ALLOW_CLEARTEXT_AUTH");
    }
    if (mech == MW_SASL_NONE) {
        mech = mw_sasl_pick(e->caps.auth);
        if (mech == MW_SASL_NONE) {
            return mw_smtp_refuse(e, ST_ERROR_INVALID_AUTHENTICATION_TYPE,
                                  "no password mechanism offered (%s)",
                                  e->caps.lines ? "see EHLO" : "");
        }
    } else if (!(e->caps.auth & MW_SASL_BIT(mech))) {
        return mw_smtp_refuse(e, ST_ERROR_INVALID_AUTHENTICATION_TYPE,
                              "the server does not offer %s", mw_sasl_mech_name(mech));
    }
    mw_sasl *m = NULL;
    err = mw_sasl_new(&m, mech, user, pass, host, port, detail, sizeof detail);
    if (err)
        return mw_smtp_refuse(e, err, "%s", detail);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "AUTH %s", mw_sasl_mech_name(mech));
    const unsigned char *resp = NULL;
    size_t len = 0;
    int r = mw_sasl_initial(m, &resp, &len);
    int rc;
    if (r == MW_SASL_CONTINUE && MW_B64_ENCODED_LEN(len) + strlen(prefix) + 3 <= AUTH_LINE_MAX) {
        strcat(prefix, " ");
        rc = send_response(e, prefix, resp, len, 1);
    } else if (r == MW_SASL_FAILED) {
        err = mw_sasl_error(m) ? mw_sasl_error(m) : ST_ERROR_INTERNAL;
        mw_smtp_refuse(e, err, "%s", mw_sasl_detail(m));
        mw_sasl_free(m);
        return err;
    } else {
        rc = mw_smtp_out_line(e, prefix, strlen(prefix), (size_t)-1) ||
             mw_smtp_push_exp(e, EXP_AUTH);
    }
    if (rc) {
        mw_sasl_free(m);
        return mw_smtp_refuse(e, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    mw_sasl_free(e->sasl);
    e->sasl = m;
    e->auth_cancelled = 0;
    e->pend_err = 0;
    e->op = MW_OP_RUNNING;
    e->err = ST_ERROR_NONE;
    e->detail[0] = 0;
    mw_smtp_set_state(e, SMTP_ST_AUTH);
    return ST_ERROR_NONE;
}

static void end_auth(mw_smtp *e)
{
    mw_sasl_free(e->sasl);
    e->sasl = NULL;
}

/* Cancel the exchange with "*" (RFC 4954 section 4); the server answers 501 and the stored
 * error is reported then. */
static void cancel_exchange(mw_smtp *e, unsigned err, const char *why)
{
    e->pend_err = err;
    snprintf(e->pend_detail, sizeof e->pend_detail, "%s", why);
    e->auth_cancelled = 1;
    if (mw_smtp_out_line(e, "*", 1, (size_t)-1) || mw_smtp_push_exp(e, EXP_AUTH))
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
}

static void on_challenge(mw_smtp *e)
{
    const char *t = mw_smtp_last_text(e);
    size_t n = strlen(t);
    if (memchr(t, '\n', n)) {
        cancel_exchange(e, ST_ERROR_PROTOCOL_VIOLATION, "multi-line AUTH challenge");
        return;
    }
    unsigned char *dec = mw_malloc(MW_B64_DECODED_MAX(n) + 1);
    size_t dn = 0;
    if (!dec) {
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    if (mw_b64_decode(t, n, dec, &dn)) {
        free(dec);
        cancel_exchange(e, ST_ERROR_PROTOCOL_VIOLATION, "AUTH challenge is not valid base64");
        return;
    }
    const unsigned char *resp = NULL;
    size_t len = 0;
    int r = mw_sasl_step(e->sasl, dec, dn, &resp, &len);
    mw_wipe(dec, dn);
    free(dec);
    if (r != MW_SASL_CONTINUE) {
        unsigned err = mw_sasl_error(e->sasl);
        if (err == ST_ERROR_OUT_OF_MEMORY) {
            mw_smtp_fail(e, err, 1, "out of memory");
            return;
        }
        cancel_exchange(e, err ? err : ST_ERROR_AUTHENTICATION_FAILED, mw_sasl_detail(e->sasl));
        return;
    }
    if (send_response(e, "", resp, len, 0))
        mw_smtp_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
}

void mw_smtp_auth_reply(mw_smtp *e)
{
    int code = e->last_code;
    if (e->auth_cancelled) {
        /* The answer to "*" (501), or a server that ignored it. */
        end_auth(e);
        if (code / 100 == 2 || code / 100 == 3) {
            mw_smtp_fail(e, ST_ERROR_OUT_OF_SYNC, 1, "AUTH cancelled, server answered %d %s", code,
                         mw_smtp_last_text(e));
            return;
        }
        mw_smtp_fail(e, e->pend_err, 0, "%s", e->pend_detail);
        mw_smtp_set_state(e, SMTP_ST_READY);
        return;
    }
    if (code == 334) {
        on_challenge(e);
        return;
    }
    if (code == 235) {
        unsigned err = mw_sasl_finish(e->sasl, NULL, 0);
        if (err) {
            /* The server claims success without proving it knows the password (SCRAM):
             * nothing it says can be trusted. The detail lives in the exchange: copy it
             * before the exchange is freed. */
            const char *why = mw_sasl_detail(e->sasl);
            mw_smtp_fail(e, err, 1, "%s", why && *why ? why : "server proof missing");
            end_auth(e);
            return;
        }
        end_auth(e);
        mw_smtp_done(e, SMTP_ST_READY);
        return;
    }
    const char *why = e->sasl ? mw_sasl_detail(e->sasl) : "";
    char extra[300] = "";
    if (why && *why)
        snprintf(extra, sizeof extra, " (%s)", why);
    end_auth(e);
    unsigned err;
    switch (code) {
    case 535: /* authentication credentials invalid */
    case 534: /* mechanism too weak */
        err = ST_ERROR_AUTHENTICATION_FAILED;
        break;
    case 504: /* unrecognized mechanism */
        err = ST_ERROR_INVALID_AUTHENTICATION_TYPE;
        break;
    case 538: /* encryption required for the mechanism */
        err = ST_ERROR_CLEARTEXT_REFUSED;
        break;
    default:
        if (code / 100 == 4)
            err = ST_ERROR_SERVER_TEMPORARY;
        else if (code / 100 == 5)
            err = ST_ERROR_SERVER_PERMANENT;
        else {
            mw_smtp_fail(e, ST_ERROR_OUT_OF_SYNC, 1, "AUTH: unexpected reply %d %s", code,
                         mw_smtp_last_text(e));
            return;
        }
    }
    mw_smtp_fail(e, err, 0, "AUTH: %d %s%s", code, mw_smtp_last_text(e), extra);
    mw_smtp_set_state(e, SMTP_ST_READY);
}
