/* Charset back end without iconv: ISO-8859-1 and Windows-1252 only (UTF-8 and US-ASCII are
 * handled before the back end); see charset.h. Other charsets are unknown (-1), which the
 * API reports as ST_ERROR_NOT_SUPPORTED. */
#include "charset.h"

#include <string.h>

#include "../util/str.h"
#include "utf8.h"

static int which(const char *cs)
{
    if (mw_strcasecmp(cs, "iso-8859-1") == 0 || mw_strcasecmp(cs, "latin1") == 0 ||
        mw_strcasecmp(cs, "iso8859-1") == 0 || mw_strcasecmp(cs, "l1") == 0)
        return 1;
    if (mw_strcasecmp(cs, "windows-1252") == 0 || mw_strcasecmp(cs, "cp1252") == 0)
        return 2;
    return 0;
}

int mw_cs_backend_to_utf8(const char *cs, const char *in, size_t n, mw_buf *out)
{
    int w = which(cs);
    if (!w)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        mw_cs_put_cp(out, w == 2 ? mw_cs_cp1252(c) : c);
    }
    return 0;
}

int mw_cs_backend_from_utf8(const char *cs, const char *in, size_t n, mw_buf *out, size_t *bad_at)
{
    int w = which(cs);
    if (!w)
        return -1;
    size_t i = 0;
    while (i < n) {
        size_t k = mw_utf8_seq_len(in + i, n - i);
        const unsigned char *p = (const unsigned char *)in + i;
        unsigned long cp = k == 1   ? p[0]
                           : k == 2 ? ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu)
                           : k == 3
                               ? ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu)
                               : 0x110000;
        int found = -1;
        if (cp < 0x100 && (w == 1 || cp < 0x80 || cp >= 0xa0))
            found = (int)cp;
        for (int c = 0x80; found < 0 && w == 2 && c < 0xa0; c++)
            if (mw_cs_cp1252((unsigned char)c) == cp)
                found = c;
        if (found < 0) {
            *bad_at = i;
            return -2;
        }
        mw_buf_putc(out, (char)found);
        i += k;
    }
    return 0;
}
