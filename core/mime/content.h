/* Reading what a part holds (internal): its decoded content as a stream, the message text.
 *
 * Parsed content is decoded as Python's email package does (Message.get_payload(decode=True)):
 * base64 leniently (characters outside the alphabet skipped, decoding ends at a completing
 * pad, a missing pad tolerated), quoted-printable as binascii.a2b_qp (soft breaks, "=XX" in
 * either case, other '=' kept as is, "==" as '='), anything else as is; the line break before
 * a boundary is not content. Composed content is given back as it was attached. */
#ifndef MW_MIME_CONTENT_H
#define MW_MIME_CONTENT_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../util/buf.h"
#include "msg.h"

/* Receives decoded bytes; non-zero stops (ST_ERROR_CALLBACK_FAILED). */
typedef int (*mw_sink)(void *user, const char *p, size_t n);

/* Stream p's decoded content (a message/rfc822 part: the encapsulated message as stored).
 * 0, or ST_ERROR_FILE / ST_ERROR_CALLBACK_FAILED / ST_ERROR_OUT_OF_MEMORY, cause in why. */
MW_INTERNAL unsigned mw_part_read(mw_msg *m, mw_part *p, mw_sink sink, void *user, char *why,
                                  size_t why_size);

/* p's content as UTF-8 text appended to out (from its charset; unknown charsets as UTF-8
 * when valid, else Windows-1252). 0 or an error as mw_part_read(). */
MW_INTERNAL unsigned mw_part_text(mw_msg *m, mw_part *p, mw_buf *out, char *why, size_t why_size);

/* The body Python's EmailMessage.get_body(("plain", "html")) picks, or NULL. */
MW_INTERNAL mw_part *mw_msg_body(mw_msg *m);

/* Whether p's Content-Disposition is "attachment". */
MW_INTERNAL int mw_part_is_attachment(const mw_part *p);

#endif
