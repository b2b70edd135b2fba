/* Message sources for SmtpSendMessage() and SmtpSendMimeMessage() (internal): a memory
 * buffer, a file or a message object (HMESSAGE), streamed, and the content scan that decides
 * BODY=8BITMIME and SMTPUTF8. */
#ifndef MW_SMTP_SOURCE_H
#define MW_SMTP_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "engine.h"

/* What a message holds that the envelope must announce. */
typedef struct mw_smtp_scan {
    int has_8bit;              /* an octet >= 0x80 anywhere: BODY=8BITMIME (RFC 6152) */
    int header_8bit;           /* ... in the header section: SMTPUTF8 (RFC 6532 section 3.2) */
    int has_nul;               /* a NUL: refused (RFC 5322 section 2.3) */
    int in_header;             /* still before the first empty line */
    int line_empty;            /* the current header line is empty so far */
    uint64_t nul_offset;       /* where the first NUL is */
    int has_long_line;         /* a line over 998 octets: refused (RFC 5321 section 4.5.3.1.6) */
    uint64_t long_line_offset; /* where that line starts */
    uint64_t line_len;         /* octets of the current line so far (CR and LF end lines) */
    uint64_t offset;
} mw_smtp_scan;

/* Longest text line SMTP carries, without its CRLF (RFC 5321 section 4.5.3.1.6). */
#define MW_SMTP_MAX_LINE 998

MW_INTERNAL void mw_smtp_scan_init(mw_smtp_scan *sc);
MW_INTERNAL void mw_smtp_scan_update(mw_smtp_scan *sc, const char *p, size_t n);

/* A source over p[0..n), which the caller keeps valid until the operation ends (no copy:
 * starting a send stays O(1) whatever the size). Returns ST_ERROR_NONE or an error. */
MW_INTERNAL unsigned mw_smtp_source_memory(mw_smtp_source *src, const char *p, size_t n);
/* A source reading the file at path in chunks; its size comes from the file system, it is not
 * read here. Returns ST_ERROR_NONE, ST_ERROR_OUT_OF_MEMORY, or ST_ERROR_FILE with the cause in
 * why. */
MW_INTERNAL unsigned mw_smtp_source_file(mw_smtp_source *src, const char *path, char *why,
                                         size_t why_size);

/* SmtpSendMessage()'s message, msg[0..len) or (is_file) the file named msg, as a source the
 * engine scans before the envelope (src->scan: a NUL or a line over 998 octets is refused
 * before anything is sent, security checklist item 39; 8-bit bytes decide BODY=8BITMIME and
 * SMTPUTF8). ST_ERROR_NONE, or the error with its cause in why (no source then). */
MW_INTERNAL unsigned mw_smtp_message_source(mw_smtp_source *src, const void *msg, size_t len,
                                            int is_file, char *why, size_t why_size);

/* A message object's composed bytes, pulled from a writer (core/mime/writer.h) in slices as
 * the engine takes them, so starting the send stays O(1) in the attachment sizes and memory
 * stays flat: attachments are read and encoded chunk by chunk. The writer holds a reference
 * to m (the caller may delete its handle meanwhile; changes are refused until the end). Bcc
 * is never written. total is the exact size when the plan knows it (SIZE=); content the
 * library has not seen (quoted-printable or 7bit/8bit files and callbacks, parsed parts with
 * NUL or long lines) makes the engine scan first (src->scan), which also counts the size.
 * *need_8bit / *need_smtputf8: what the envelope must announce (8-bit content, raw UTF-8 in
 * the header section). options: MIME_EXPORT_8BIT / MIME_EXPORT_UTF8. ST_ERROR_NONE, or the
 * error with its cause in why. */
struct mw_msg;
MW_INTERNAL unsigned mw_smtp_source_message(mw_smtp_source *src, struct mw_msg *m, uint32_t options,
                                            int *need_8bit, int *need_smtputf8, char *why,
                                            size_t why_size);

#endif
