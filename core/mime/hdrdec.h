/* Header field decoding (internal): unfolding, RFC 2047 encoded words, 8-bit text.
 *
 * The rules follow Python's email package (policy default), which is what the parser is
 * measured against: encoded words are recognised as its header parser does (also when glued
 * to other text in unstructured fields, with white space inside, with "?=" followed by hex
 * digits in Q text), white space between two encoded words is dropped (RFC 2047 section
 * 6.2), B text is decoded leniently (missing padding added, characters outside the alphabet
 * skipped), an unknown charset leaves the octets as raw 8-bit text. Raw 8-bit octets outside
 * encoded words are UTF-8 when they form valid UTF-8, else Windows-1252 (Python keeps them
 * as U+FFFD instead). */
#ifndef MW_MIME_HDRDEC_H
#define MW_MIME_HDRDEC_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../util/buf.h"

/* Unfold a stored value (RFC 5322 section 2.2.3): every CR and LF removed, leading SP/HTAB
 * dropped (what follows the colon). */
MW_INTERNAL void mw_hdr_unfold(const char *v, size_t n, mw_buf *out);

/* Decode one encoded word w[0..n) ("=?charset?enc?text?=", exactly two '?' inside) to UTF-8
 * appended to out. Returns 0, or -1 when w is not a well-formed encoded word (nothing
 * appended). */
MW_INTERNAL int mw_ew_decode(const char *w, size_t n, mw_buf *out);

/* Length of the encoded word at s[0..n) as Python's get_encoded_word() delimits it, or 0
 * when there is none (s must start with "=?"). */
MW_INTERNAL size_t mw_ew_span(const char *s, size_t n);

/* Decode an unfolded unstructured value (RFC 5322 section 3.2.5, RFC 2047 section 5 (1)). */
MW_INTERNAL void mw_hdr_decode_text(const char *s, size_t n, mw_buf *out);

/* Append 8-bit text: runs of octets >= 0x80 as UTF-8 when valid, else Windows-1252. */
MW_INTERNAL void mw_hdr_put_8bit(const char *s, size_t n, mw_buf *out);

/* Lenient base64 (Python's binascii.a2b_base64 without strict mode): characters outside the
 * alphabet skipped, decoding stops at a completing pad. Returns the state for streaming. */
typedef struct mw_b64dec {
    unsigned quad, pads, done;
    unsigned long left;
} mw_b64dec;
MW_INTERNAL void mw_b64dec_init(mw_b64dec *d);
/* Decode n characters into out (room for n bytes); returns bytes written. */
MW_INTERNAL size_t mw_b64dec_update(mw_b64dec *d, const char *in, size_t n, unsigned char *out);

#endif
