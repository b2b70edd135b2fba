/* EHLO capability parser; see caps.h. */
#include "caps.h"

#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../sasl/sasl.h"
#include "../util/str.h"

void mw_smtp_caps_clear(mw_smtp_caps *c)
{
    free(c->lines);
    memset(c, 0, sizeof *c);
}

static int word_is(const char *w, size_t n, const char *kw)
{
    size_t k = strlen(kw);
    if (n != k)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char a = w[i], b = kw[i];
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 'a' + 'A');
        if (a != b)
            return 0;
    }
    return 1;
}

static const struct {
    const char *kw;
    uint32_t bit;
} keywords[] = {
    {"EXPN", SMTP_EXTOPT_EXPN},         {"VRFY", SMTP_EXTOPT_VRFY},
    {"DSN", SMTP_EXTOPT_DSN},           {"SIZE", SMTP_EXTOPT_SIZE},
    {"ETRN", SMTP_EXTOPT_ETRN},         {"8BITMIME", SMTP_EXTOPT_8BITMIME},
    {"STARTTLS", SMTP_EXTOPT_STARTTLS}, {"PIPELINING", SMTP_EXTOPT_PIPELINING},
    {"CHUNKING", SMTP_EXTOPT_CHUNKING}, {"BINARYMIME", SMTP_EXTOPT_BINARYMIME},
    {"SMTPUTF8", SMTP_EXTOPT_SMTPUTF8}, {"ENHANCEDSTATUSCODES", SMTP_EXTOPT_ENHANCEDSTATUSCODES},
    {"AUTH", SMTP_EXTOPT_AUTH},
};

/* The SASL mechanism names of an AUTH line, mapped to their SMTP_EXTOPT_AUTH* bits too. */
static void take_auth(mw_smtp_caps *c, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i < n && p[i] == ' ')
            i++;
        size_t s = i;
        while (i < n && p[i] != ' ')
            i++;
        if (i == s)
            break;
        int m = mw_sasl_mech_from_name(p + s, i - s);
        if (m == MW_SASL_NONE)
            continue;
        c->auth |= MW_SASL_BIT(m);
        switch (m) {
        case MW_SASL_LOGIN:
            c->flags |= SMTP_EXTOPT_AUTHLOGIN;
            break;
        case MW_SASL_PLAIN:
            c->flags |= SMTP_EXTOPT_AUTHPLAIN;
            break;
        case MW_SASL_CRAM_MD5:
            c->flags |= SMTP_EXTOPT_AUTHCRAMMD5;
            break;
        case MW_SASL_XOAUTH2:
            c->flags |= SMTP_EXTOPT_AUTHXOAUTH2;
            break;
        case MW_SASL_OAUTHBEARER:
            c->flags |= SMTP_EXTOPT_AUTHBEARER;
            break;
        case MW_SASL_SCRAM_SHA1:
            c->flags |= SMTP_EXTOPT_AUTHSCRAMSHA1;
            break;
        case MW_SASL_SCRAM_SHA256:
            c->flags |= SMTP_EXTOPT_AUTHSCRAMSHA256;
            break;
        default:
            break;
        }
    }
}

static void take_line(mw_smtp_caps *c, const char *p, size_t n)
{
    size_t k = 0;
    while (k < n && p[k] != ' ' && p[k] != '=')
        k++;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++) {
        if (!word_is(p, k, keywords[i].kw))
            continue;
        c->flags |= keywords[i].bit;
        if (keywords[i].bit == SMTP_EXTOPT_AUTH && k < n)
            take_auth(c, p + k + 1, n - k - 1);
        if (keywords[i].bit == SMTP_EXTOPT_SIZE && k < n) {
            /* RFC 1870 section 4: "SIZE" [SP number]; 0 means no fixed limit. */
            uint64_t v = 0;
            size_t j = k + 1, digits = 0;
            while (j < n && p[j] >= '0' && p[j] <= '9' && digits < 19) {
                v = v * 10 + (uint64_t)(p[j] - '0');
                j++;
                digits++;
            }
            if (digits && j == n)
                c->size_limit = v;
        }
        return;
    }
    /* "AUTH=LOGIN PLAIN" is the pre-RFC 4954 form some servers still send besides AUTH. */
    if (k < n && p[k] == '=' && word_is(p, k, "AUTH")) {
        c->flags |= SMTP_EXTOPT_AUTH;
        take_auth(c, p + k + 1, n - k - 1);
    }
}

int mw_smtp_caps_parse(mw_smtp_caps *c, const char *text, size_t len)
{
    mw_smtp_caps_clear(c);
    const char *nl = memchr(text, '\n', len);
    if (!nl)
        return 0; /* only the greeting line: no extensions */
    const char *p = nl + 1;
    size_t rest = len - (size_t)(p - text);
    c->lines = mw_strndup(p, rest);
    if (!c->lines)
        return -1;
    while (rest > 0) {
        const char *e = memchr(p, '\n', rest);
        size_t n = e ? (size_t)(e - p) : rest;
        take_line(c, p, n);
        if (!e)
            break;
        rest -= n + 1;
        p = e + 1;
    }
    return 0;
}
