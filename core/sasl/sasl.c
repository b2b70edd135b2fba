/* SASL object, mechanism names, argument rules, and the mechanisms without a server proof:
 * PLAIN, LOGIN, CRAM-MD5, ANONYMOUS, XOAUTH2, OAUTHBEARER. SCRAM lives in scram.c. */
#include "sasl_private.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include <mailwire/common.h>

#include "../util/alloc.h"
#include "../util/str.h"

/* Longest user name, password, token or host we accept: far above any real credential
 * (Azure AD tokens reach a few KiB), low enough to bound the response sizes. */
#define MW_SASL_ARG_MAX 65536

static const char *const names[MW_SASL_MECH_COUNT] = {
    [MW_SASL_NONE] = "",
    [MW_SASL_ANONYMOUS] = "ANONYMOUS",
    [MW_SASL_LOGIN] = "LOGIN",
    [MW_SASL_PLAIN] = "PLAIN",
    [MW_SASL_CRAM_MD5] = "CRAM-MD5",
    [MW_SASL_XOAUTH2] = "XOAUTH2",
    [MW_SASL_OAUTHBEARER] = "OAUTHBEARER",
    [MW_SASL_SCRAM_SHA1] = "SCRAM-SHA-1",
    [MW_SASL_SCRAM_SHA256] = "SCRAM-SHA-256",
};

int mw_sasl_mech_from_name(const char *name, size_t len)
{
    if (!name)
        return MW_SASL_NONE;
    for (int i = 1; i < MW_SASL_MECH_COUNT; i++) {
        if (strlen(names[i]) != len)
            continue;
        size_t k = 0;
        while (k < len) {
            unsigned char a = (unsigned char)name[k], b = (unsigned char)names[i][k];
            if (a >= 'a' && a <= 'z')
                a = (unsigned char)(a - 'a' + 'A');
            if (a != b)
                break;
            k++;
        }
        if (k == len)
            return i;
    }
    return MW_SASL_NONE;
}

const char *mw_sasl_mech_name(int mech)
{
    return mech > 0 && mech < MW_SASL_MECH_COUNT ? names[mech] : "";
}

int mw_sasl_pick(unsigned offered)
{
    static const int order[] = {MW_SASL_SCRAM_SHA256, MW_SASL_SCRAM_SHA1, MW_SASL_PLAIN,
                                MW_SASL_LOGIN, MW_SASL_CRAM_MD5};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (offered & MW_SASL_BIT(order[i]))
            return order[i];
    return MW_SASL_NONE;
}

int mw_sasl_mech_exposes_secret(int mech)
{
    return mech == MW_SASL_PLAIN || mech == MW_SASL_LOGIN || mech == MW_SASL_XOAUTH2 ||
           mech == MW_SASL_OAUTHBEARER;
}

/* ---- small helpers shared with scram.c ---- */

void mw_sasl_buf_init(mw_buf *b)
{
    mw_buf_init(b, 0, 1);
}

int mw_sasl_respond(mw_sasl *m, mw_buf *b)
{
    if (b->failed) {
        mw_buf_free(b);
        return mw_sasl_fail(m, ST_ERROR_OUT_OF_MEMORY, "out of memory building the %s response",
                            names[m->mech]);
    }
    mw_buf_free(&m->resp);
    m->resp = *b;
    mw_sasl_buf_init(b);
    return MW_SASL_CONTINUE;
}

/* Lend the response: an empty one (nothing was appended) is "" rather than NULL, so the
 * engine always gets a valid pointer. */
static void hand_out(const mw_sasl *m, const unsigned char **resp, size_t *len)
{
    *resp = (const unsigned char *)mw_buf_str(&m->resp);
    *len = m->resp.len;
}

void mw_sasl_set_state(mw_sasl *m, enum mw_sasl_state st)
{
    m->state = st;
}

int mw_sasl_fail(mw_sasl *m, unsigned error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_detail_vprintf(m->detail, sizeof m->detail, fmt, ap);
    va_end(ap);
    m->error = error;
    mw_buf_free(&m->resp);
    mw_sasl_set_state(m, MW_SASL_ST_FAILED);
    return MW_SASL_FAILED;
}

void mw_sasl_copy_text(char *dst, size_t size, const unsigned char *src, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < size; i++)
        dst[o++] = (src[i] < 0x20 || src[i] == 0x7f) ? '?' : (char)src[i];
    if (size)
        dst[o] = 0;
}

/* ---- argument rules ---- */

static unsigned arg_error(char *detail, size_t size, unsigned err, const char *fmt,
                          const char *what, const char *mech)
{
    if (detail)
        mw_detail_printf(detail, size, fmt, what, mech);
    return err;
}

static int has_crlf(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

/* RFC 6750 section 2.1 b64token is a subset of visible ASCII; anything else (space, \x01 the
 * token mechanisms use as separator, control bytes, 8-bit) cannot be a bearer token. */
static int token_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
            return 0;
    return 1;
}

/* RFC 4505 section 3: the trace is an e-mail address or 1..255 UTF-8 characters without
 * control characters (C0, DEL, C1). */
static int trace_ok(const char *s)
{
    size_t chars = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, need, cp;
        if (c < 0x80) {
            need = 0;
            cp = c;
        } else if ((c & 0xe0) == 0xc0) {
            need = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3;
            cp = c & 0x07;
        } else
            return 0;
        p++;
        for (unsigned k = 0; k < need; k++, p++) {
            if ((*p & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (*p & 0x3fu);
        }
        static const unsigned min[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min[need] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            return 0;
        chars++;
    }
    return chars <= 255;
}

static unsigned check_args(int mech, const char *user, const char *pass, const char *host,
                           unsigned port, char *detail, size_t size)
{
    const char *mn = mw_sasl_mech_name(mech);
    const unsigned inval = ST_ERROR_INVALID_ARGUMENT;
    if (mech <= MW_SASL_NONE || mech >= MW_SASL_MECH_COUNT)
        return arg_error(detail, size, ST_ERROR_INVALID_AUTHENTICATION_TYPE,
                         "unknown SASL mechanism%s%s", "", "");
    if (mech == MW_SASL_ANONYMOUS) {
        /* The password is ignored; the trace is optional. */
        if (user && strlen(user) > MW_SASL_ARG_MAX)
            return arg_error(detail, size, inval, "the %s is too long for %s", "trace", mn);
        if (user && !trace_ok(user))
            return arg_error(detail, size, inval,
                             "the %s for %s must be at most 255 UTF-8 characters without "
                             "control characters (RFC 4505)",
                             "trace", mn);
        return ST_ERROR_NONE;
    }
    int token = mech == MW_SASL_XOAUTH2 || mech == MW_SASL_OAUTHBEARER;
    const char *secret = token ? "token" : "password";
    if (!user || !*user)
        return arg_error(detail, size, inval, "a %s is required for %s", "user name", mn);
    /* Treck rule: a user name with an empty password is a caller mistake, not an attempt. */
    if (!pass || !*pass)
        return arg_error(detail, size, inval, "a user name was given without a %s for %s", secret,
                         mn);
    if (strlen(user) > MW_SASL_ARG_MAX || strlen(pass) > MW_SASL_ARG_MAX ||
        (host && strlen(host) > MW_SASL_ARG_MAX))
        return arg_error(detail, size, inval, "an argument is too long%s for %s", "", mn);
    if (has_crlf(user))
        return arg_error(detail, size, inval, "CR or LF in the %s for %s", "user name", mn);
    if (has_crlf(pass))
        return arg_error(detail, size, inval, "CR or LF in the %s for %s", secret, mn);
    if (token) {
        if (!token_ok(pass))
            return arg_error(detail, size, inval,
                             "the %s for %s must be visible ASCII (RFC 6750 b64token)", secret, mn);
        if (strchr(user, '\x01'))
            return arg_error(detail, size, inval, "\\x01 in the %s for %s", "user name", mn);
    }
    if (mech == MW_SASL_OAUTHBEARER) {
        if (host && !token_ok(host))
            return arg_error(detail, size, inval, "the %s for %s must be visible ASCII",
                             "host name", mn);
        if (port > 65535)
            return arg_error(detail, size, inval, "the %s for %s is out of range", "port", mn);
    }
    return ST_ERROR_NONE;
}

unsigned mw_sasl_new(mw_sasl **out, int mech, const char *user, const char *pass, const char *host,
                     unsigned port, char *detail, size_t detail_size)
{
    if (detail && detail_size)
        detail[0] = 0;
    if (!out)
        return arg_error(detail, detail_size, ST_ERROR_INVALID_ARGUMENT,
                         "no place for the SASL object%s%s", "", "");
    *out = NULL;
    unsigned err = check_args(mech, user, pass, host, port, detail, detail_size);
    if (err)
        return err;
    mw_sasl *m = mw_calloc(1, sizeof *m);
    if (!m)
        return arg_error(detail, detail_size, ST_ERROR_OUT_OF_MEMORY, "out of memory%s%s", "", "");
    m->mech = mech;
    m->port = port;
    mw_sasl_buf_init(&m->resp);
    err = ST_ERROR_NONE;
    if (mw_strdup_opt(&m->user, user ? user : "") != 0 ||
        (mech == MW_SASL_OAUTHBEARER && mw_strdup_opt(&m->host, host) != 0))
        err = ST_ERROR_OUT_OF_MEMORY;
    else if (mech == MW_SASL_SCRAM_SHA1 || mech == MW_SASL_SCRAM_SHA256)
        err = mw_scram_prepare_password(pass, &m->pass, detail, detail_size);
    else if (mech != MW_SASL_ANONYMOUS && mw_strdup_opt(&m->pass, pass) != 0)
        err = ST_ERROR_OUT_OF_MEMORY;
    if (err) {
        if (err == ST_ERROR_OUT_OF_MEMORY)
            arg_error(detail, detail_size, err, "out of memory%s%s", "", "");
        mw_sasl_free(m);
        return err;
    }
    *out = m;
    return ST_ERROR_NONE;
}

/* ---- the mechanisms ---- */

/* RFC 4616 section 2: [authzid] NUL authcid NUL passwd, with an empty authzid. */
static int plain_initial(mw_sasl *m)
{
    mw_buf b;
    mw_sasl_buf_init(&b);
    mw_buf_putc(&b, 0);
    mw_buf_puts(&b, m->user);
    mw_buf_putc(&b, 0);
    mw_buf_puts(&b, m->pass);
    return mw_sasl_respond(m, &b);
}

/* RFC 4505 section 2: the message is the trace itself (possibly empty). */
static int anonymous_initial(mw_sasl *m)
{
    mw_buf b;
    mw_sasl_buf_init(&b);
    mw_buf_puts(&b, m->user);
    return mw_sasl_respond(m, &b);
}

/* "user=" user ^A "auth=Bearer " token ^A ^A (Google and Microsoft XOAUTH2 documentation). */
static int xoauth2_initial(mw_sasl *m)
{
    mw_buf b;
    mw_sasl_buf_init(&b);
    mw_buf_puts(&b, "user=");
    mw_buf_puts(&b, m->user);
    mw_buf_puts(&b, "\x01"
                    "auth=Bearer ");
    mw_buf_puts(&b, m->pass);
    mw_buf_puts(&b, "\x01\x01");
    return mw_sasl_respond(m, &b);
}

/* RFC 7628 section 3.1: gs2-header "n,a=" saslname "," then kvpairs separated by ^A. The
 * authzid is a saslname (RFC 5801 section 4): ',' and '=' are escaped as =2C and =3D. */
static int oauthbearer_initial(mw_sasl *m)
{
    mw_buf b;
    mw_sasl_buf_init(&b);
    mw_buf_puts(&b, "n,a=");
    for (const char *p = m->user; *p; p++) {
        if (*p == ',')
            mw_buf_puts(&b, "=2C");
        else if (*p == '=')
            mw_buf_puts(&b, "=3D");
        else
            mw_buf_putc(&b, *p);
    }
    mw_buf_puts(&b, ",");
    if (m->host && *m->host) {
        mw_buf_puts(&b, "\x01host=");
        mw_buf_puts(&b, m->host);
    }
    if (m->port)
        mw_buf_printf(&b, "\x01port=%u", m->port);
    mw_buf_puts(&b, "\x01"
                    "auth=Bearer ");
    mw_buf_puts(&b, m->pass);
    mw_buf_puts(&b, "\x01\x01");
    return mw_sasl_respond(m, &b);
}

/* RFC 2195 section 2: user SP lowercase hex of HMAC-MD5(password, challenge). */
static int cram_md5_step(mw_sasl *m, const unsigned char *c, size_t n)
{
    if (n == 0)
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION, "empty CRAM-MD5 challenge");
    unsigned char mac[16];
    int rc = gnutls_hmac_fast(GNUTLS_MAC_MD5, m->pass, strlen(m->pass), c, n, mac);
    if (rc < 0)
        return mw_sasl_fail(
            m, rc == GNUTLS_E_MEMORY_ERROR ? ST_ERROR_OUT_OF_MEMORY : ST_ERROR_INTERNAL,
            "HMAC-MD5 failed: %s", gnutls_strerror(rc));
    char hex[2 * sizeof mac + 1];
    for (size_t i = 0; i < sizeof mac; i++) {
        hex[2 * i] = "0123456789abcdef"[mac[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[mac[i] & 15];
    }
    hex[2 * sizeof mac] = 0;
    mw_buf b;
    mw_sasl_buf_init(&b);
    mw_buf_puts(&b, m->user);
    mw_buf_puts(&b, " ");
    mw_buf_puts(&b, hex);
    mw_wipe(mac, sizeof mac);
    mw_wipe(hex, sizeof hex);
    return mw_sasl_respond(m, &b);
}

/* XOAUTH2 and OAUTHBEARER: after the initial response the only challenge a server sends is
 * its error JSON (RFC 7628 section 3.2.2). The client answers with an empty response
 * (XOAUTH2) or a single ^A (RFC 7628 section 3.2.3) and the server then fails the exchange;
 * the JSON stays as the detail. */
static int token_error_step(mw_sasl *m, const unsigned char *c, size_t n)
{
    char json[sizeof m->detail];
    mw_sasl_copy_text(json, sizeof json, c, n);
    mw_buf b;
    mw_sasl_buf_init(&b);
    if (m->mech == MW_SASL_OAUTHBEARER)
        mw_buf_puts(&b, "\x01");
    int r = mw_sasl_respond(m, &b);
    if (r != MW_SASL_CONTINUE)
        return r;
    memcpy(m->detail, json, sizeof json);
    m->error = ST_ERROR_AUTHENTICATION_FAILED;
    mw_sasl_set_state(m, MW_SASL_ST_ERROR_ANSWERED);
    return MW_SASL_CONTINUE;
}

static int initial_response(mw_sasl *m)
{
    switch (m->mech) {
    case MW_SASL_PLAIN:
        return plain_initial(m);
    case MW_SASL_ANONYMOUS:
        return anonymous_initial(m);
    case MW_SASL_XOAUTH2:
        return xoauth2_initial(m);
    case MW_SASL_OAUTHBEARER:
        return oauthbearer_initial(m);
    default:
        return mw_scram_client_first(m);
    }
}

static int has_initial(int mech)
{
    return mech != MW_SASL_LOGIN && mech != MW_SASL_CRAM_MD5;
}

int mw_sasl_initial(mw_sasl *m, const unsigned char **resp, size_t *len)
{
    if (!m || !resp || !len)
        return MW_SASL_FAILED;
    *resp = NULL;
    *len = 0;
    if (m->state == MW_SASL_ST_FAILED)
        return MW_SASL_FAILED;
    if (m->state != MW_SASL_ST_START)
        return mw_sasl_fail(m, ST_ERROR_INTERNAL, "the %s exchange has already started",
                            names[m->mech]);
    if (!has_initial(m->mech))
        return MW_SASL_NO_INITIAL;
    int r = initial_response(m);
    if (r != MW_SASL_CONTINUE)
        return r;
    mw_sasl_set_state(m, MW_SASL_ST_SENT_1);
    hand_out(m, resp, len);
    return MW_SASL_CONTINUE;
}

int mw_sasl_step(mw_sasl *m, const unsigned char *challenge, size_t clen,
                 const unsigned char **resp, size_t *len)
{
    if (!m || !resp || !len || (!challenge && clen))
        return m ? mw_sasl_fail(m, ST_ERROR_INTERNAL, "mw_sasl_step: bad arguments")
                 : MW_SASL_FAILED;
    *resp = NULL;
    *len = 0;
    if (m->state == MW_SASL_ST_FAILED)
        return MW_SASL_FAILED;
    const char *mn = names[m->mech];
    int r;
    enum mw_sasl_state next;
    if (m->state == MW_SASL_ST_START && has_initial(m->mech)) {
        /* No SASL-IR: the server's first challenge is empty (RFC 4422 section 5); its
         * content, if any, carries nothing for these mechanisms and is not used. */
        r = initial_response(m);
        next = MW_SASL_ST_SENT_1;
    } else if (m->mech == MW_SASL_LOGIN && m->state == MW_SASL_ST_START) {
        /* The challenges ask for the user name, then the password; only the order is
         * relied on (servers word and localise the prompts differently). */
        mw_buf b;
        mw_sasl_buf_init(&b);
        mw_buf_puts(&b, m->user);
        r = mw_sasl_respond(m, &b);
        next = MW_SASL_ST_SENT_1;
    } else if (m->mech == MW_SASL_LOGIN && m->state == MW_SASL_ST_SENT_1) {
        mw_buf b;
        mw_sasl_buf_init(&b);
        mw_buf_puts(&b, m->pass);
        r = mw_sasl_respond(m, &b);
        next = MW_SASL_ST_SENT_2;
    } else if (m->mech == MW_SASL_CRAM_MD5 && m->state == MW_SASL_ST_START) {
        r = cram_md5_step(m, challenge, clen);
        next = MW_SASL_ST_SENT_1;
    } else if ((m->mech == MW_SASL_XOAUTH2 || m->mech == MW_SASL_OAUTHBEARER) &&
               m->state == MW_SASL_ST_SENT_1) {
        r = token_error_step(m, challenge, clen);
        next = MW_SASL_ST_ERROR_ANSWERED;
    } else if ((m->mech == MW_SASL_SCRAM_SHA1 || m->mech == MW_SASL_SCRAM_SHA256) &&
               (m->state == MW_SASL_ST_SENT_1 || m->state == MW_SASL_ST_SENT_2)) {
        /* scram.c moves the state itself (server-first, then server-final). */
        r = mw_scram_step(m, challenge, clen);
        next = MW_SASL_ST_START;
    } else {
        char text[64];
        mw_sasl_copy_text(text, sizeof text, challenge, clen);
        return mw_sasl_fail(m, ST_ERROR_PROTOCOL_VIOLATION,
                            "unexpected %s challenge after the exchange ended: \"%s\"", mn, text);
    }
    if (r != MW_SASL_CONTINUE)
        return r;
    if (next != MW_SASL_ST_START)
        mw_sasl_set_state(m, next);
    hand_out(m, resp, len);
    return MW_SASL_CONTINUE;
}

unsigned mw_sasl_finish(mw_sasl *m, const unsigned char *data, size_t len)
{
    if (!m)
        return ST_ERROR_AUTHENTICATION_FAILED;
    if (m->state == MW_SASL_ST_FAILED)
        return ST_ERROR_AUTHENTICATION_FAILED;
    if (m->state == MW_SASL_ST_ERROR_ANSWERED) {
        /* The server already said the token was refused; a success now contradicts it. The
         * error JSON stays as the detail. */
        m->error = ST_ERROR_AUTHENTICATION_FAILED;
        return ST_ERROR_AUTHENTICATION_FAILED;
    }
    if (m->mech == MW_SASL_SCRAM_SHA1 || m->mech == MW_SASL_SCRAM_SHA256)
        return mw_scram_finish(m, data, len);
    /* The other mechanisms have no server proof: the protocol's word is all there is, and
     * additional success data means nothing to them. */
    return ST_ERROR_NONE;
}

const char *mw_sasl_detail(const mw_sasl *m)
{
    return m ? m->detail : "";
}

unsigned mw_sasl_error(const mw_sasl *m)
{
    return m ? m->error : ST_ERROR_INVALID_ARGUMENT;
}

int mw_sasl_mech(const mw_sasl *m)
{
    return m ? m->mech : MW_SASL_NONE;
}

void mw_sasl_free(mw_sasl *m)
{
    if (!m)
        return;
    mw_buf_free(&m->resp);
    mw_free_secret(m->pass);
    mw_free_secret(m->user);
    free(m->host);
    mw_free_secret(m->client_first_bare);
    mw_wipe(m, sizeof *m);
    free(m);
}
