/* Composing a message (internal): leaves by role, containers derived from them.
 *
 * Structure (RFC 2046 section 5.1, RFC 2387): text and HTML -> multipart/alternative (text
 * first); inline parts with the HTML -> multipart/related (HTML first); attachments and
 * attached messages -> multipart/mixed, the body first. A message without a body has an
 * empty text/plain one. mw_msg_rebuild() recomputes the containers after every change and
 * moves the message's own fields to the new top entity. */
#ifndef MW_MIME_BUILD_H
#define MW_MIME_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "msg.h"

/* Make m a new composed message: an empty text body, Date and the random parts of
 * Message-ID and boundaries generated. 0, or ST_ERROR_OUT_OF_MEMORY / ST_ERROR_INTERNAL. */
MW_INTERNAL unsigned mw_build_init(mw_msg *m);

/* Set (text != NULL) or remove the text (html == 0) or HTML body: UTF-8 text converted to
 * charset cs (convert != 0; else the text is in cs already), line breaks made CRLF. Error
 * codes as MimeSetMessageText(), cause in why. */
MW_INTERNAL unsigned mw_build_body(mw_msg *m, int html, const char *text, const char *cs,
                                   int convert, char *why, size_t why_size);

/* A new attachment leaf: Content-Type (type, with name=), Content-Disposition (filename=),
 * and for inline parts a Content-ID. filename may be NULL. NULL when out of memory. */
MW_INTERNAL mw_part *mw_build_leaf(const char *type, const char *filename, int inline_part);

/* Add a leaf made by mw_build_leaf() (or a message/rfc822 wrapper) with its role and
 * rebuild; returns its index, or -1 when out of memory (the leaf is freed). */
MW_INTERNAL int mw_build_add(mw_msg *m, mw_part *leaf, int role);

/* The message/rfc822 wrapper around the root of another message (taken from it; its
 * generated fields are written into it first). NULL when out of memory. */
MW_INTERNAL mw_part *mw_build_message_part(mw_msg *inner);

/* Recompute the containers; 0 or -1 (out of memory: the tree is left as it was). */
MW_INTERNAL int mw_msg_rebuild(mw_msg *m);

#endif
