/* The incremental MIME parser (internal).
 *
 * Bytes are pushed in any split (mw_parser_feed()); lines are cut at CRLF, LF or a lone CR
 * (as Python's email package does) and handled one at a time by a stack of frames, one per
 * open entity: header section, leaf body, multipart preamble / parts / epilogue, encapsulated
 * message. Leaf bodies are never held: the parser only records their ranges in the store
 * (store.h), keeping at most one header line (MIME_MAX_HEADER_LINE) or the first
 * PEEK octets of a body line (enough to recognise a boundary) in memory.
 *
 * Structure rules (RFC 2046 section 5.1, with Python's email.feedparser behaviour, which the
 * tests compare against):
 *   - a line "--" boundary ["--"] [SP/HTAB...] ends the entity it is in when the boundary is
 *     that of an enclosing multipart; the outermost such multipart takes the line (so an
 *     inner multipart reusing an outer boundary ends with the outer part);
 *   - the line break before a boundary line belongs to the boundary;
 *   - repeated opening boundary lines open one part; a missing closing boundary ends the
 *     multipart at the end of its enclosing entity; a multipart whose first boundary never
 *     comes, or without a boundary parameter, is a leaf;
 *   - every message/\* type except message/delivery-status encapsulates a message whatever
 *     its transfer encoding; multipart/digest parts default to message/rfc822;
 *   - the header section ends at an empty line, or at the first line that is neither a field
 *     ("name:" with printable ASCII names, possibly empty) nor a continuation, which then
 *     starts the body; a leading "From " line is skipped; continuation lines before any
 *     field and fields without a name are dropped. */
#ifndef MW_MIME_PARSE_H
#define MW_MIME_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "msg.h"
#include "store.h"

typedef struct mw_parser mw_parser;

/* A parser filling the tree of a message whose bytes are in store. With append, fed bytes
 * are appended to the store first (memory and spill stores); without, the store already
 * holds them (a file, a copied buffer). options: MIME_IMPORT_*. NULL when out of memory. */
MW_INTERNAL mw_parser *mw_parser_new(mw_store *store, int append, uint32_t options);
/* Parse the next bytes. ST_ERROR_NONE, or ST_ERROR_OUT_OF_MEMORY, ST_ERROR_FILE (the store),
 * ST_ERROR_LIMIT_EXCEEDED (MIME_IMPORT_STRICT); the parser is unusable after a failure. */
MW_INTERNAL unsigned mw_parser_feed(mw_parser *p, const char *data, size_t n);
/* End of input: the last line, every open entity closed. On success *root receives the tree
 * (owned by the caller). */
MW_INTERNAL unsigned mw_parser_finish(mw_parser *p, mw_part **root);
MW_INTERNAL const char *mw_parser_detail(const mw_parser *p);
MW_INTERNAL void mw_parser_free(mw_parser *p);

#endif
