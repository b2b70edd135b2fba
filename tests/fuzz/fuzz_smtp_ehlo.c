/* Fuzz the EHLO capability parser (core/smtp/caps.h) on arbitrary reply text (lines joined by
 * LF, the first one the greeting). Properties:
 *   - only defined SMTP_EXTOPT_* bits and defined SASL mechanism bits come out;
 *   - each SMTP_EXTOPT_AUTH<mech> flag is set exactly when that mechanism's bit is, and any
 *     mechanism implies SMTP_EXTOPT_AUTH; a SIZE limit implies SMTP_EXTOPT_SIZE;
 *   - the kept lines are exactly the text after the greeting;
 *   - lines are independent: the result for the whole text is the union of the results for
 *     the greeting plus each line alone, and the SIZE limit is one that some line announces;
 *   - keywords and mechanism names are case-insensitive (RFC 5321 section 2.4): the
 *     lower-cased text gives the same flags, mechanisms and limit;
 *   - parsing again into the same structure replaces the result and gives the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "core/sasl/sasl.h"
#include "core/smtp/caps.h"

#define ALL_FLAGS 0x000fffffu
#define ALL_MECHS (((1u << MW_SASL_MECH_COUNT) - 1u) & ~1u)

static const struct {
    int mech;
    uint32_t flag;
} auth_flags[] = {
    {MW_SASL_LOGIN, SMTP_EXTOPT_AUTHLOGIN},
    {MW_SASL_PLAIN, SMTP_EXTOPT_AUTHPLAIN},
    {MW_SASL_CRAM_MD5, SMTP_EXTOPT_AUTHCRAMMD5},
    {MW_SASL_XOAUTH2, SMTP_EXTOPT_AUTHXOAUTH2},
    {MW_SASL_OAUTHBEARER, SMTP_EXTOPT_AUTHBEARER},
    {MW_SASL_SCRAM_SHA1, SMTP_EXTOPT_AUTHSCRAMSHA1},
    {MW_SASL_SCRAM_SHA256, SMTP_EXTOPT_AUTHSCRAMSHA256},
};

static void parse(mw_smtp_caps *c, const char *t, size_t n)
{
    if (mw_smtp_caps_parse(c, t, n) != 0)
        abort(); /* no allocation failure is injected here */
    if (c->flags & ~ALL_FLAGS || c->auth & ~ALL_MECHS)
        abort();
    for (size_t i = 0; i < sizeof auth_flags / sizeof auth_flags[0]; i++) {
        int has_bit = (c->auth & MW_SASL_BIT(auth_flags[i].mech)) != 0;
        int has_flag = (c->flags & auth_flags[i].flag) != 0;
        if (has_bit != has_flag)
            abort();
    }
    if (c->auth && !(c->flags & SMTP_EXTOPT_AUTH))
        abort();
    if (c->size_limit && !(c->flags & SMTP_EXTOPT_SIZE))
        abort();
    const char *nl = memchr(t, '\n', n);
    if (!nl) {
        if (c->flags || c->auth || c->size_limit || c->lines)
            abort(); /* a greeting alone announces nothing */
    } else {
        size_t rest = n - (size_t)(nl + 1 - t);
        if (!c->lines || strlen(c->lines) > rest || memcmp(c->lines, nl + 1, rest))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    mw_smtp_caps whole, one, low;
    memset(&whole, 0, sizeof whole);
    memset(&one, 0, sizeof one);
    memset(&low, 0, sizeof low);
    parse(&whole, t, size);

    /* Line independence. */
    const char *nl = memchr(t, '\n', size);
    if (nl) {
        uint32_t flags = 0;
        unsigned auth = 0;
        int size_seen = whole.size_limit == 0;
        const char *p = nl + 1;
        size_t rest = size - (size_t)(p - t);
        char *tmp = malloc(rest + 2);
        if (!tmp)
            abort();
        for (;;) {
            const char *e = memchr(p, '\n', rest);
            size_t ln = e ? (size_t)(e - p) : rest;
            tmp[0] = '\n';
            memcpy(tmp + 1, p, ln);
            parse(&one, tmp, ln + 1);
            flags |= one.flags;
            auth |= one.auth;
            if (one.size_limit == whole.size_limit)
                size_seen = 1;
            if (!e)
                break;
            rest -= ln + 1;
            p = e + 1;
        }
        free(tmp);
        if (flags != whole.flags || auth != whole.auth || !size_seen)
            abort();
    }

    /* Case-insensitivity. */
    char *lower = malloc(size + 1);
    if (!lower)
        abort();
    for (size_t i = 0; i < size; i++)
        lower[i] = (char)(data[i] >= 'A' && data[i] <= 'Z' ? data[i] + 32 : data[i]);
    parse(&low, lower, size);
    if (low.flags != whole.flags || low.auth != whole.auth || low.size_limit != whole.size_limit)
        abort();
    free(lower);

    /* Re-parse into a used structure. */
    uint32_t f = whole.flags;
    unsigned a = whole.auth;
    uint64_t s = whole.size_limit;
    parse(&whole, t, size);
    if (whole.flags != f || whole.auth != a || whole.size_limit != s)
        abort();

    mw_smtp_caps_clear(&whole);
    mw_smtp_caps_clear(&one);
    mw_smtp_caps_clear(&low);
    return 0;
}
