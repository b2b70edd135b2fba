/* Fuzz base64: strict decoding never overruns its bound; whatever decodes re-encodes to
 * something that decodes to the same bytes; any bytes encode and decode back unchanged, and
 * the streaming (line-wrapped) encoder agrees with the one-shot encoder. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Decode the input as text. */
    unsigned char *dec = malloc(MW_B64_DECODED_MAX(size) + 1);
    size_t dlen = 0;
    if (!dec)
        abort();
    if (mw_b64_decode((const char *)data, size, dec, &dlen) == 0) {
        if (dlen > MW_B64_DECODED_MAX(size))
            abort();
        char *enc = malloc(MW_B64_ENCODED_LEN(dlen) + 1);
        unsigned char *again = malloc(dlen + 1);
        size_t elen = mw_b64_encode(dec, dlen, enc), alen = 0;
        if (mw_b64_decode(enc, elen, again, &alen) != 0 || alen != dlen ||
            memcmp(again, dec, dlen) != 0)
            abort();
        free(enc);
        free(again);
    }
    free(dec);

    /* Encode the input as bytes, one-shot and streaming. */
    char *enc = malloc(MW_B64_ENCODED_LEN(size) + 1);
    size_t elen = mw_b64_encode(data, size, enc);
    unsigned char *back = malloc(size + 1);
    size_t blen = 0;
    if (mw_b64_decode(enc, elen, back, &blen) != 0 || blen != size || memcmp(back, data, size))
        abort();
    mw_b64_stream st;
    mw_b64_stream_init(&st, 76);
    char *wrapped = malloc(mw_b64_stream_max(&st, size) + 16);
    size_t split = size ? data[0] % (size + 1) : 0, w = 0;
    w += mw_b64_stream_update(&st, data, split, wrapped + w);
    w += mw_b64_stream_update(&st, data + split, size - split, wrapped + w);
    w += mw_b64_stream_final(&st, wrapped + w);
    /* Removing the CRLFs gives the one-shot encoding; every line is at most 76 characters. */
    size_t k = 0, col = 0;
    for (size_t i = 0; i < w; i++) {
        if (wrapped[i] == '\r') {
            if (i + 1 >= w || wrapped[i + 1] != '\n' || col == 0 || col > 76)
                abort();
            i++;
            col = 0;
            continue;
        }
        if (k >= elen || wrapped[i] != enc[k++])
            abort();
        col++;
    }
    if (k != elen || col != 0)
        abort();
    free(wrapped);
    free(back);
    free(enc);
    return 0;
}
