/* Base64 (RFC 4648 section 4) on top of nettle, GnuTLS's crypto library (internal).
 *
 * One-shot helpers for SASL exchanges, and a streaming encoder that wraps lines for MIME
 * bodies (RFC 2045 section 6.8: at most 76 characters per line). */
#ifndef MW_BASE64_H
#define MW_BASE64_H

#include <stddef.h>

#include <nettle/base64.h>

#include "../platform/platform.h"

/* Length of the encoding of n bytes (no line breaks, no terminator). */
#define MW_B64_ENCODED_LEN(n) ((((n) + 2) / 3) * 4)
/* Upper bound of the decoding of n base64 characters. */
#define MW_B64_DECODED_MAX(n) ((((n) + 3) / 4) * 3)

/* Encode n bytes into out (room for MW_B64_ENCODED_LEN(n) bytes); returns the length written.
 * No terminator, no line breaks. */
MW_INTERNAL size_t mw_b64_encode(const void *in, size_t n, char *out);

/* Encode into a new NUL-terminated string (mw_malloc); NULL when out of memory. */
MW_INTERNAL char *mw_b64_encode_alloc(const void *in, size_t n, size_t *outlen);

/* Decode n characters strictly: padding required as RFC 4648 says, no white space, no
 * characters outside the alphabet. out needs MW_B64_DECODED_MAX(n) bytes. Returns 0 and the
 * length in *outlen, or -1 for invalid input. */
MW_INTERNAL int mw_b64_decode(const char *in, size_t n, unsigned char *out, size_t *outlen);

/* Streaming encoder with CRLF line breaks every `line` characters (76 for MIME). */
typedef struct mw_b64_stream {
    struct base64_encode_ctx ctx;
    unsigned line;   /* characters per line */
    unsigned column; /* characters on the current line */
} mw_b64_stream;

MW_INTERNAL void mw_b64_stream_init(mw_b64_stream *st, unsigned line);
/* Upper bound of the output of one mw_b64_stream_update() of n bytes. */
MW_INTERNAL size_t mw_b64_stream_max(const mw_b64_stream *st, size_t n);
/* Encode n bytes; returns the bytes written to out (room: mw_b64_stream_max()). */
MW_INTERNAL size_t mw_b64_stream_update(mw_b64_stream *st, const void *in, size_t n, char *out);
/* Flush padding and the final CRLF (when the last line is not empty); out needs 8 bytes. */
MW_INTERNAL size_t mw_b64_stream_final(mw_b64_stream *st, char *out);

#endif
