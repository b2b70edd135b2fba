/* Charset back end over iconv from the C library; see charset.h. */
#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "../util/str.h"

/* Names mail uses that iconv does not know under that name. */
static const char *alias(const char *cs)
{
    static const struct {
        const char *mail, *iconv;
    } table[] = {
        {"ks_c_5601-1987", "CP949"},
        {"ks_c_5601", "CP949"},
        {"x-gbk", "GBK"},
        {"x-sjis", "SHIFT_JIS"},
        {"unicode-1-1-utf-7", "UTF-7"},
        {"x-euc-jp", "EUC-JP"},
        {"x-mac-roman", "MACINTOSH"},
        {"cp-850", "CP850"},
        {"windows-874", "CP874"},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (mw_strcasecmp(cs, table[i].mail) == 0)
            return table[i].iconv;
    return NULL;
}

static iconv_t open_cd(const char *to, const char *from)
{
    iconv_t cd = iconv_open(to, from);
    return cd;
}

static iconv_t open_from(const char *cs)
{
    iconv_t cd = open_cd("UTF-8", cs);
    if (cd == (iconv_t)-1 && alias(cs))
        cd = open_cd("UTF-8", alias(cs));
    return cd;
}

static iconv_t open_to(const char *cs)
{
    iconv_t cd = open_cd(cs, "UTF-8");
    if (cd == (iconv_t)-1 && alias(cs))
        cd = open_cd(alias(cs), "UTF-8");
    return cd;
}

int mw_cs_backend_to_utf8(const char *cs, const char *in, size_t n, mw_buf *out)
{
    if (!*cs || strlen(cs) > 64)
        return -1;
    iconv_t cd = open_from(cs);
    if (cd == (iconv_t)-1)
        return -1;
    char *ip = (char *)in;
    size_t left = n;
    for (;;) {
        if (mw_buf_reserve(out, left * 4 + 16) != 0)
            break;
        char *op = mw_buf_tail(out);
        size_t room = left * 4 + 16;
        size_t before = room;
        size_t r = iconv(cd, left ? &ip : NULL, &left, &op, &room);
        mw_buf_commit(out, before - room);
        if (r != (size_t)-1) {
            if (left == 0) {
                /* Flush a stateful encoding (ISO-2022-JP back to ASCII). */
                if (mw_buf_reserve(out, 16) == 0) {
                    op = mw_buf_tail(out);
                    room = before = 16;
                    iconv(cd, NULL, NULL, &op, &room);
                    mw_buf_commit(out, before - room);
                }
                break;
            }
            continue;
        }
        if (errno == E2BIG)
            continue;
        /* EILSEQ: an octet the charset does not define; EINVAL: a sequence cut off at the
         * end. Either becomes U+FFFD and the octet is skipped. */
        mw_buf_put(out, "\xef\xbf\xbd", 3);
        if (left == 0)
            break;
        ip++;
        left--;
        iconv(cd, NULL, NULL, NULL, NULL);
        if (left == 0)
            break;
    }
    iconv_close(cd);
    return 0;
}

int mw_cs_backend_from_utf8(const char *cs, const char *in, size_t n, mw_buf *out, size_t *bad_at)
{
    if (!*cs || strlen(cs) > 64)
        return -1;
    iconv_t cd = open_to(cs);
    if (cd == (iconv_t)-1)
        return -1;
    char *ip = (char *)in;
    size_t left = n;
    int rc = 0;
    for (;;) {
        size_t room = left * 4 + 16, before = room;
        if (mw_buf_reserve(out, room) != 0)
            break;
        char *op = mw_buf_tail(out);
        size_t r = iconv(cd, left ? &ip : NULL, &left, &op, &room);
        mw_buf_commit(out, before - room);
        if (r == (size_t)-1 && errno == E2BIG)
            continue;
        if (r == (size_t)-1) {
            *bad_at = (size_t)(ip - in);
            rc = -2;
            break;
        }
        if (left == 0) {
            if (mw_buf_reserve(out, 16) == 0) {
                op = mw_buf_tail(out);
                room = before = 16;
                iconv(cd, NULL, NULL, &op, &room);
                mw_buf_commit(out, before - room);
            }
            break;
        }
    }
    iconv_close(cd);
    return rc;
}
