/* Writing header fields (internal): a field as the wire carries it, from the caller's text
 * or from the stored raw value. */
#ifndef MW_MIME_HDROUT_H
#define MW_MIME_HDROUT_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "msg.h"
#include "sbuf.h"

/* Address fields: their values are address lists (RFC 5322 section 3.6.2-3.6.3, 3.6.6). */
MW_INTERNAL int mw_hdr_is_address(const char *name);
/* Fields whose value must be ASCII (structured, RFC 5322 section 3.6.4-3.6.5, RFC 2045). */
MW_INTERNAL int mw_hdr_is_structured(const char *name);
/* An empty group ("undisclosed-recipients:;", RFC 5322 section 3.4), written as is. */
MW_INTERNAL int mw_hdr_is_empty_group(const char *s);

/* Append "Name:" value CRLF. Raw values are written with their line breaks made CRLF; text
 * values are encoded: address lists with RFC 2047 display names and, unless options has
 * MIME_EXPORT_UTF8, non-ASCII domains as IDNA A-labels; unstructured text as RFC 2047
 * encoded words when not printable ASCII; structured values folded at white space.
 * *utf8 is set when raw UTF-8 was written (a non-ASCII local part: SMTPUTF8 needed).
 * Returns 0, or -1 when out of memory. */
MW_INTERNAL int mw_hdr_write(mw_sb *sb, const mw_hdr *h, uint32_t options, int *utf8);

/* The address of the first mailbox of a text address field, its domain in *dom (NULL when
 * there is none); for the generated Message-ID. Writes into out (size bytes); 0 or -1. */
MW_INTERNAL int mw_hdr_first_domain(const char *list, char *out, size_t size);

#endif
