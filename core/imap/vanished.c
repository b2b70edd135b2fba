/* The "* VANISHED" response scanned as it arrives; see vanished.h. */
#include "vanished.h"

#include <string.h>

#include <mailwire/common.h>

#include "../util/str.h"
#include "reader.h"

#define PREFIX "* VANISHED "
#define PREFIX_LEN 11

/* Stages of `"VANISHED" [SP "(EARLIER)"] SP known-uids CRLF` after the prefix. */
enum {
    V_START,  /* "(" or the first digit */
    V_WORD,   /* the word inside the parentheses */
    V_SPACE,  /* the space after ")" */
    V_DIGIT,  /* a number must start here */
    V_NUMBER, /* inside a number */
    V_LF      /* CR seen, LF must follow */
};

int mw_imap_vanished_prefix(const char *gathered, size_t have, const char *data, size_t avail,
                            size_t *take)
{
    if (have >= PREFIX_LEN || avail < PREFIX_LEN - have)
        return 0;
    for (size_t i = 0; i < PREFIX_LEN; i++) {
        char c = i < have ? gathered[i] : data[i - have];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 32);
        if (c != PREFIX[i])
            return 0;
    }
    *take = PREFIX_LEN - have;
    return 1;
}

void mw_imap_vanished_begin(mw_imap_vscan *v)
{
    memset(v, 0, sizeof *v);
    v->active = 1;
    v->stage = V_START;
}

static size_t bad(mw_imap_reader *r, unsigned err, const char *why)
{
    r->err = err;
    r->failed = 1;
    mw_detail_printf(r->detail, sizeof r->detail, "%s", why);
    return 0;
}

/* The number just read ends a UID or the first half of a range: 0, or -1 when it is no
 * UID. */
static int end_number(mw_imap_vscan *v)
{
    if (v->num == 0 || v->num > UINT32_MAX)
        return -1;
    if (!v->in_range)
        v->first = v->num;
    return 0;
}

/* Emit the range that ends with the number just read (nz-number or nz-number ":" nz-number;
 * RFC 9051 seq-range allows either order). */
static void emit(mw_imap_vscan *v)
{
    uint64_t a = v->in_range ? v->first : v->num, b = v->num;
    if (a > b) {
        uint64_t t = a;
        a = b;
        b = t;
    }
    v->ranges[2 * v->n] = (uint32_t)a;
    v->ranges[2 * v->n + 1] = (uint32_t)b;
    v->n++;
    v->total++;
    v->in_range = 0;
    v->num = 0;
    v->digits = 0;
}

size_t mw_imap_vanished_scan(mw_imap_reader *r, const char *p, size_t n, int *flush)
{
    mw_imap_vscan *v = &r->vs;
    const char *why = NULL;
    unsigned err = ST_ERROR_PROTOCOL_VIOLATION;
    size_t i = 0;
    *flush = 0;
    for (; i < n; i++) {
        char c = p[i];
        switch (v->stage) {
        case V_START:
            if (c == '(') {
                v->stage = V_WORD;
                continue;
            }
            v->stage = V_DIGIT;
            /* fall through */
        case V_DIGIT:
            if (c < '0' || c > '9') {
                why = "malformed VANISHED response: a UID was expected";
                goto stop;
            }
            v->stage = V_NUMBER;
            /* fall through */
        case V_NUMBER:
            if (c >= '0' && c <= '9') {
                if (++v->digits > 10) {
                    why = "malformed VANISHED response: a UID over 4294967295";
                    goto stop;
                }
                v->num = v->num * 10 + (uint64_t)(c - '0');
                continue;
            }
            if (c != ':' && c != ',' && c != '\r') {
                why = "malformed VANISHED response: invalid character in the UID set";
                goto stop;
            }
            if (end_number(v)) {
                why = "malformed VANISHED response: UID 0 or over 4294967295";
                goto stop;
            }
            if (c == ':') {
                if (v->in_range) {
                    why = "malformed VANISHED response: a range with two ':'";
                    goto stop;
                }
                v->in_range = 1;
                v->num = 0;
                v->digits = 0;
                v->stage = V_DIGIT;
                continue;
            }
            /* A range ends: room for it first (the batch goes out, this byte comes back). */
            if (v->n == MW_IMAP_VANISHED_BATCH) {
                *flush = 1;
                return i;
            }
            if (v->total >= MW_IMAP_VANISHED_MAX_RANGES) {
                err = ST_ERROR_LIMIT_EXCEEDED;
                why = "VANISHED response with more UID ranges than the limit";
                goto stop;
            }
            emit(v);
            v->stage = c == ',' ? V_DIGIT : V_LF;
            continue;
        case V_WORD:
            if (c == ')') {
                if (v->wlen != 7 || mw_strncasecmp(v->word, "EARLIER", 7) != 0) {
                    why = "malformed VANISHED response: unknown tag";
                    goto stop;
                }
                v->earlier = 1;
                v->stage = V_SPACE;
                continue;
            }
            if (v->wlen >= sizeof v->word || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                why = "malformed VANISHED response: unknown tag";
                goto stop;
            }
            v->word[v->wlen++] = c;
            continue;
        case V_SPACE:
            if (c != ' ') {
                why = "malformed VANISHED response: a space after (EARLIER) was expected";
                goto stop;
            }
            v->stage = V_DIGIT;
            continue;
        case V_LF:
            if (c != '\n') {
                why = "bare CR in a response line";
                goto stop;
            }
            v->active = 0;
            *flush = v->n > 0;
            return i + 1;
        }
    }
    return i;
stop:
    if (v->n) {
        *flush = 1; /* what came before the bad byte first */
        return i;
    }
    return bad(r, err, why);
}
