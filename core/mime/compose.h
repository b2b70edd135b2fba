/* SMTPMESSAGE as a message object, for SmtpSubmitMessage() (internal): RFC 5322 headers,
 * RFC 2045-2049 bodies. The fields are checked and built into an HMESSAGE tree (build.h);
 * the bytes come from a writer (writer.h).
 *
 * Streaming: the message is produced in pieces on demand, attachments are read from their
 * files as the output is pulled, so memory stays flat whatever the attachment sizes. The
 * output uses CRLF line endings and keeps every line within 998 octets (RFC 5322 section
 * 2.1.1), so the SMTP DATA encoder passes it through unchanged (it still dot-stuffs).
 *
 * Layout: text only -> text/plain; HTML only -> text/html; both -> multipart/alternative
 * (text first); with attachments -> multipart/mixed, the body (or the alternative) first, then
 * one base64 part per file. Text parts are 7bit when that is safe, else quoted-printable;
 * their line breaks (CRLF, LF or CR) become CRLF, nothing else changes. Header fields: From,
 * To, Cc, Subject, Date, Message-ID, MIME-Version, the caller's extra lines, then the MIME
 * fields; Bcc never appears. An mw_mime is used by one thread at a time. */
#ifndef MW_COMPOSE_H
#define MW_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/smtp.h>

#include "../platform/platform.h"

typedef struct mw_mime mw_mime;

/* Validate msg and prepare the composition: required fields present, no CR/LF/NUL in header
 * values (lpszHeaders: well-formed "Name: value" lines only, no Bcc/From/To/Cc/Subject/Date/
 * Message-ID/MIME-Version/Content-* duplicates of generated fields), every attachment file
 * readable. Strings and file names are copied; files are opened when their turn comes.
 * domain: right-hand side for the generated Message-ID (NULL: taken from the sender).
 * Returns ST_ERROR_NONE, ST_ERROR_INVALID_ARGUMENT, ST_ERROR_FILE or ST_ERROR_OUT_OF_MEMORY
 * with detail set. */
MW_INTERNAL unsigned mw_mime_new(mw_mime **out, const SMTPMESSAGE *msg, const char *domain,
                                 char *detail, size_t detail_size);

/* Exact size in octets of the whole message (known before any byte is produced, from the
 * attachment file sizes): for SMTP SIZE= (RFC 1870) and progress totals. */
MW_INTERNAL uint64_t mw_mime_size(const mw_mime *m);

/* Whether the message holds 8-bit octets (BODY=8BITMIME needed), and whether it needs SMTPUTF8
 * (non-ASCII addresses). The composer itself keeps bodies 7-bit (quoted-printable / base64)
 * and headers ASCII (RFC 2047), so both are 0 unless addresses are non-ASCII. */
MW_INTERNAL int mw_mime_needs_8bit(const mw_mime *m);
MW_INTERNAL int mw_mime_needs_smtputf8(const mw_mime *m);

/* Copy up to cap next octets into buf. Returns the count (0 at the end, or when cap is 0), or
 * -1 on a file error (ST_ERROR_FILE, detail in mw_mime_detail()), e.g. a file that changed
 * size since mw_mime_new() or could no longer be opened; after -1 every call returns -1.
 * Each attachment is opened when its turn comes and read in fixed-size chunks. */
MW_INTERNAL long mw_mime_read(mw_mime *m, char *buf, size_t cap);

MW_INTERNAL const char *mw_mime_detail(const mw_mime *m);

/* The envelope: sender addr-spec (from lpszFrom) and every recipient of To, Cc and Bcc, in
 * that order, duplicates removed (case-insensitive). Valid while m lives. */
MW_INTERNAL const char *mw_mime_envelope_from(const mw_mime *m);
MW_INTERNAL size_t mw_mime_recipient_count(const mw_mime *m);
MW_INTERNAL const char *mw_mime_recipient(const mw_mime *m, size_t i);

/* The message object inside (owned by m; take a reference to keep it). */
struct mw_msg;
MW_INTERNAL struct mw_msg *mw_mime_msg(const mw_mime *m);

MW_INTERNAL void mw_mime_free(mw_mime *m);

#endif
