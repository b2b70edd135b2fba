/* Base64 on nettle; see base64.h. */
#include "base64.h"

#include <string.h>

#include "alloc.h"

size_t mw_b64_encode(const void *in, size_t n, char *out)
{
    /* nettle_base64_encode_raw writes exactly BASE64_ENCODE_RAW_LENGTH(n) characters. */
    base64_encode_raw(out, n, in);
    return MW_B64_ENCODED_LEN(n);
}

char *mw_b64_encode_alloc(const void *in, size_t n, size_t *outlen)
{
    size_t len = MW_B64_ENCODED_LEN(n);
    char *out = mw_malloc(len + 1);
    if (!out)
        return NULL;
    mw_b64_encode(in, n, out);
    out[len] = 0;
    if (outlen)
        *outlen = len;
    return out;
}

static int b64_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

int mw_b64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen)
{
    /* nettle's decoder skips white space and accepts missing padding; SASL (RFC 4422
     * section 3) and IMAP/SMTP want the strict form, so check the shape first. */
    if (n % 4 != 0)
        return -1;
    size_t pad = 0;
    if (n >= 1 && in[n - 1] == '=')
        pad = (n >= 2 && in[n - 2] == '=') ? 2 : 1;
    for (size_t i = 0; i < n - pad; i++)
        if (!b64_char((unsigned char)in[i]))
            return -1;
    struct base64_decode_ctx ctx;
    base64_decode_init(&ctx);
    size_t len = MW_B64_DECODED_MAX(n);
    if (!base64_decode_update(&ctx, &len, out, n, in) || !base64_decode_final(&ctx))
        return -1;
    *outlen = len;
    return 0;
}

void mw_b64_stream_init(mw_b64_stream *st, unsigned line)
{
    base64_encode_init(&st->ctx);
    st->line = line ? line : 76;
    st->column = 0;
}

size_t mw_b64_stream_max(const mw_b64_stream *st, size_t n)
{
    size_t chars = BASE64_ENCODE_LENGTH(n);
    return chars + 2 * (chars / st->line + 1);
}

/* Copy encoded characters to out, inserting CRLF at the line width. */
static size_t wrap(mw_b64_stream *st, const char *enc, size_t n, char *out)
{
    size_t o = 0;
    while (n > 0) {
        size_t room = st->line - st->column;
        size_t take = n < room ? n : room;
        memcpy(out + o, enc, take);
        o += take;
        enc += take;
        n -= take;
        st->column += (unsigned)take;
        if (st->column == st->line) {
            out[o++] = '\r';
            out[o++] = '\n';
            st->column = 0;
        }
    }
    return o;
}

size_t mw_b64_stream_update(mw_b64_stream *st, const void *in, size_t n, char *out)
{
    const unsigned char *p = in;
    size_t o = 0;
    char enc[BASE64_ENCODE_LENGTH(3 * 256)];
    while (n > 0) {
        size_t take = n < 3 * 256 ? n : 3 * 256;
        size_t m = base64_encode_update(&st->ctx, enc, take, p);
        o += wrap(st, enc, m, out + o);
        p += take;
        n -= take;
    }
    return o;
}

size_t mw_b64_stream_final(mw_b64_stream *st, char *out)
{
    char enc[BASE64_ENCODE_FINAL_LENGTH];
    size_t m = base64_encode_final(&st->ctx, enc);
    size_t o = wrap(st, enc, m, out);
    if (st->column > 0) {
        out[o++] = '\r';
        out[o++] = '\n';
        st->column = 0;
    }
    return o;
}
