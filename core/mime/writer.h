/* Writing a message (internal): the tree as RFC 5322 + MIME bytes, pulled in chunks.
 *
 * A writer plans the output once (a list of segments: generated header text, ranges of a
 * parsed source, composed leaves to encode) and then produces it as it is pulled, so
 * attachments are read and encoded chunk by chunk and memory stays flat. The size of every
 * segment is known from the plan, except quoted-printable content of files and callbacks,
 * which mw_writer_count() reads once to count. Line ends are CRLF everywhere (parsed ranges
 * are converted on the way out, their bare CR and LF counted by the parser).
 *
 * A writer holds a reference to its message and marks it busy (changes are refused) until
 * it is freed; it may be used from another thread than the message's owner (a send), one
 * thread at a time. Several writers of one message may run at once.
 *
 * This is what sends plug into: SMTP (core/smtp/source.c, mw_smtp_source_message()) and,
 * later, IMAP APPEND: mw_writer_new(), mw_writer_size() (or mw_writer_count()) for the
 * literal length, then mw_writer_read() until 0. */
#ifndef MW_MIME_WRITER_H
#define MW_MIME_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "msg.h"

typedef struct mw_writer mw_writer;

/* Plan the output of m (options: MIME_EXPORT_*). ST_ERROR_NONE, ST_ERROR_OUT_OF_MEMORY or
 * ST_ERROR_INVALID_ARGUMENT (an empty message), cause in why. */
MW_INTERNAL unsigned mw_writer_new(mw_msg *m, uint32_t options, mw_writer **out, char *why,
                                   size_t why_size);
/* The exact size when the plan knows it (1), or 0 when some content must be counted first
 * (quoted-printable files and callbacks). */
MW_INTERNAL int mw_writer_size(const mw_writer *w, uint64_t *size);
/* Count what is unknown (reads those sources once) and give the exact size. 0, or the
 * error code (mw_writer_detail()). */
MW_INTERNAL unsigned mw_writer_count(mw_writer *w, uint64_t *size);
/* Next bytes of the message; the count, 0 at the end, -1 on an error (mw_writer_error(),
 * mw_writer_detail()); errors are sticky. */
MW_INTERNAL long mw_writer_read(mw_writer *w, char *buf, size_t cap);
/* Start again from the first byte. 0. */
MW_INTERNAL int mw_writer_rewind(mw_writer *w);
MW_INTERNAL unsigned mw_writer_error(const mw_writer *w);
MW_INTERNAL const char *mw_writer_detail(const mw_writer *w);
/* What the SMTP envelope needs: 8-bit content (BODY=8BITMIME), raw UTF-8 in the header
 * (SMTPUTF8), and whether the content is not known to be clean (NUL, long lines: let the
 * engine scan it before anything is sent). */
MW_INTERNAL int mw_writer_needs_8bit(const mw_writer *w);
MW_INTERNAL int mw_writer_needs_smtputf8(const mw_writer *w);
MW_INTERNAL int mw_writer_needs_scan(const mw_writer *w);
MW_INTERNAL void mw_writer_free(mw_writer *w);

#endif
