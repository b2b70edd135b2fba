/* IMAP ENVELOPE and BODYSTRUCTURE as a message object (internal; RFC 9051 section 7.5.2).
 *
 * The two structures, as the server sent them (IMAP syntax: lists, quoted strings, literals,
 * NIL, atoms), are read by a bounded recursive-descent reader and written out as the header
 * sections of the message they describe: the ENVELOPE as Date, Subject, From, Sender,
 * Reply-To, To, Cc, Bcc, In-Reply-To and Message-ID fields (values as the server gave them,
 * so RFC 2047 words are decoded by the MIME layer when read), each body part as its
 * Content-* fields, multiparts with boundaries of their own, bodies empty. That skeleton is
 * then parsed by the MIME parser into an HMESSAGE, so the part tree, the IMAP section
 * numbers, the decoded file names and the address lists are exactly the ones a parsed
 * message has, without a second tree builder.
 *
 * Limits: parts nested deeper than MIME_MAX_DEPTH, more than MIME_MAX_PARTS parts, or more
 * than MW_IMAP_STRUCT_MAX_LISTS parenthesised lists fail with ST_ERROR_LIMIT_EXCEEDED;
 * malformed text fails with ST_ERROR_PROTOCOL_VIOLATION; the cause is in why. */
#ifndef MW_IMAP_STRUCTURE_H
#define MW_IMAP_STRUCTURE_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../util/buf.h"

/* Lists of any kind (parameters, addresses, parts) in one structure. */
#define MW_IMAP_STRUCT_MAX_LISTS 100000u
/* Octets of the skeleton written for one structure. */
#define MW_IMAP_STRUCT_MAX_OUT (16u * 1024u * 1024u)

/* Write the skeleton message of envelope (may be NULL or "": no header fields from it) and
 * bodystructure (required) into out. ST_ERROR_NONE, ST_ERROR_LIMIT_EXCEEDED,
 * ST_ERROR_PROTOCOL_VIOLATION or ST_ERROR_OUT_OF_MEMORY, the cause in why. */
MW_INTERNAL unsigned mw_imap_structure_text(const char *envelope, const char *bodystructure,
                                            mw_buf *out, char *why, size_t why_size);

#endif
