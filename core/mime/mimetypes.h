/* Content type of an attachment from its file name's extension (internal). */
#ifndef MW_MIME_TYPES_H
#define MW_MIME_TYPES_H

#include "../platform/platform.h"

/* The media type for the extension of name (case-insensitive), or "application/octet-stream"
 * when it is unknown. ".eml" is deliberately application/octet-stream: message/rfc822 allows
 * only 7bit, 8bit or binary encodings (RFC 2046 section 5.2.1), never base64, and a stored
 * message may hold 8-bit octets or long lines. */
MW_INTERNAL const char *mw_mime_type_for(const char *name);

#endif
