/* UTF-8 checks shared by the address parser and the composer (internal). */
#ifndef MW_MIME_UTF8_H
#define MW_MIME_UTF8_H

#include <stddef.h>

#include "../platform/platform.h"

/* Offset of the first octet that does not start a well-formed UTF-8 sequence (RFC 3629
 * section 4: no overlong forms, no surrogates, nothing above U+10FFFF), or len when all of
 * s is well-formed. */
MW_INTERNAL size_t mw_utf8_check(const char *s, size_t len);

/* Length of the well-formed sequence starting at s (1 for ASCII), or 0 when malformed or cut
 * off before len. */
MW_INTERNAL size_t mw_utf8_seq_len(const char *s, size_t len);

#endif
