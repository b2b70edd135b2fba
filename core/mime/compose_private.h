/* Helpers of the composer shared by its files (internal): field checks, the caller's extra
 * header lines, and the generated Date and Message-ID parts (compose_fields.c). */
#ifndef MW_MIME_COMPOSE_PRIVATE_H
#define MW_MIME_COMPOSE_PRIVATE_H

#include <stddef.h>

#include "../platform/platform.h"

/* Format detail (printf-style) and return code. */
MW_INTERNAL unsigned mw_mime_fail(char *detail, size_t size, unsigned code, const char *fmt, ...)
    MW_PRINTF(4, 5);
MW_INTERNAL int mw_ascii_casecmp(const char *a, const char *b);
/* A single-line field (Subject, Date): UTF-8, no CR, LF or controls but TAB. */
MW_INTERNAL unsigned mw_mime_check_line(const char *field, const char *s, char *detail,
                                        size_t size);
/* A charset name: an RFC 2045 token of 1 to 64 characters. */
MW_INTERNAL unsigned mw_mime_check_charset(const char *cs, char *detail, size_t size);
/* Validate SMTPMESSAGE.lpszHeaders into *out: well-formed "Name: value" lines with CRLF line
 * ends (NULL when there are none); fields the composer writes itself are refused. */
MW_INTERNAL unsigned mw_mime_extra_headers(const char *s, char **out, char *detail, size_t size);
/* The current local time in RFC 5322 section 3.3 form; 0 or -1. */
MW_INTERNAL int mw_mime_date_now(char *out, size_t size);
/* 2*bytes random lowercase hex digits plus a terminator (mw_mime_random); 0 or -1. */
MW_INTERNAL int mw_mime_random_hex(char *out, size_t bytes);
/* Whether d can be the right-hand side of a Message-ID (RFC 5322 section 3.6.4). */
MW_INTERNAL int mw_mime_valid_id_domain(const char *d);

#endif
