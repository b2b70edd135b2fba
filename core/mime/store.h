/* Byte stores behind parsed messages (internal).
 *
 * The parser does not copy bodies into the tree: every parsed entity records a range of the
 * store its bytes came from, and readers fetch them by offset. Three kinds:
 *   - memory: a private copy (MimeImportMessageData());
 *   - file: the imported file itself, opened once and re-read by offset (MimeImportMessage());
 *   - spill: pushed bytes (MimeImportWrite()) in memory up to a threshold, then all of them
 *     in an anonymous temporary file (tmpfile()), so a large attachment arriving from an
 *     IMAP FETCH never sits in memory.
 * Stores are shared by reference (an attached message keeps the store of its source); reads
 * take a lock, so a send on another thread and the owner may read at once. */
#ifndef MW_MIME_STORE_H
#define MW_MIME_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"

typedef struct mw_store mw_store;

MW_INTERNAL mw_store *mw_store_new_mem(void);
MW_INTERNAL mw_store *mw_store_new_spill(size_t threshold);
/* ST_ERROR_NONE, or ST_ERROR_FILE / ST_ERROR_OUT_OF_MEMORY with the cause in why. */
MW_INTERNAL unsigned mw_store_open_file(const char *path, mw_store **out, char *why,
                                        size_t why_size);
/* Append bytes (memory and spill stores). 0, or ST_ERROR_OUT_OF_MEMORY / ST_ERROR_FILE. */
MW_INTERNAL unsigned mw_store_append(mw_store *s, const void *p, size_t n);
/* Read up to n bytes at off; returns the count (0 past the end), or -1 on a read error. */
MW_INTERNAL long mw_store_read(mw_store *s, uint64_t off, void *buf, size_t n);
MW_INTERNAL uint64_t mw_store_size(const mw_store *s);
/* Content flags recorded by the parser: a NUL octet, a line over 998 octets. */
MW_INTERNAL void mw_store_set_flags(mw_store *s, int has_nul, int has_long_line);
MW_INTERNAL int mw_store_needs_scan(const mw_store *s);
MW_INTERNAL void mw_store_ref(mw_store *s);
MW_INTERNAL void mw_store_unref(mw_store *s);

#endif
