/* MIME header parameters as readers see them (internal): Content-Type and
 * Content-Disposition values, their parameters with RFC 2231 continuations and charsets
 * (RFC 2231 sections 3-4), file names (RFC 2183 section 2.3), with the leniency of Python's
 * email package (Message.get_param(), get_filename(), get_content_charset(),
 * get_content_type()), which the parser is measured against:
 *   - parameters split at ';' outside quotes, names compared without case;
 *   - a plain parameter wins over an RFC 2231 one of the same name;
 *   - encoded words inside quoted values are decoded (RFC 2047 forbids them there, but
 *     mailers write them);
 *   - a content type without exactly one '/' is text/plain (RFC 2045 section 5.2). */
#ifndef MW_MIME_PARAMS_H
#define MW_MIME_PARAMS_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../util/buf.h"
#include "msg.h"

/* The value of a structured MIME field as text: unfolded, encoded words in quoted strings
 * decoded, 8-bit octets as in mw_hdr_put_8bit(). */
MW_INTERNAL void mw_hdr_mime_str(const char *v, size_t n, mw_buf *out);

/* p's content type, lower case, after the defaults (its deftype, else text/plain); a new
 * string, NULL when out of memory. */
MW_INTERNAL char *mw_part_content_type(const mw_part *p);

/* The first token of a field's value (before ';'), trimmed, lower case; 0, or -1 when p
 * has no such field. */
MW_INTERNAL int mw_part_field_token(const mw_part *p, const char *field, mw_buf *out);

/* Parameter param of the first field named field, decoded to UTF-8 (RFC 2231 charset, or
 * the octets as 8-bit text). 0, or -1 when absent. */
MW_INTERNAL int mw_part_param(const mw_part *p, const char *field, const char *param, mw_buf *out);

/* get_filename(): the disposition's filename, else the type's name; trimmed. 0 or -1. */
MW_INTERNAL int mw_part_filename(const mw_part *p, mw_buf *out);

/* get_content_charset(): the charset parameter, lower case, ASCII only. 0 or -1. */
MW_INTERNAL int mw_part_charset(const mw_part *p, mw_buf *out);

#endif
