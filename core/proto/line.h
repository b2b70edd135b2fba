/* Line assembler with a hard length limit (internal).
 *
 * Turns a byte stream into CRLF-terminated lines, resumable at any byte. A line that lies
 * whole inside the input is returned in place (no copy); only a line split across feeds is
 * gathered in the assembler's buffer, which never grows past the limit. NUL in a line is an
 * error (security checklist item 27), and so is a line over the limit (item 26). By default
 * the terminator must be CRLF and a CR elsewhere is an error (RFC 5321 section 2.3.8,
 * RFC 9051 section 2.2); MW_LINE_LENIENT_EOL accepts a bare LF as a terminator. */
#ifndef MW_LINE_H
#define MW_LINE_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../util/buf.h"

enum mw_line_status {
    MW_LINE_NEED_MORE = 0, /* all input consumed; no complete line yet */
    MW_LINE_COMPLETE = 1,  /* a line is available */
    MW_LINE_TOO_LONG = -1, /* the line exceeds the limit */
    MW_LINE_NUL = -2,      /* the line holds a NUL byte */
    MW_LINE_BAD_EOL = -3,  /* bare CR, or bare LF in strict mode */
    MW_LINE_NOMEM = -4     /* the buffer could not grow */
};

enum { MW_LINE_LENIENT_EOL = 1 };

typedef struct mw_line_asm {
    mw_buf part;  /* the bytes gathered so far of a split line; its cap is limit */
    size_t limit; /* maximum line length including the CRLF */
    unsigned flags;
    int lent;   /* the last line was lent from part: empty it on the next call */
    int failed; /* sticky: after an error the stream cannot be resynchronised */
} mw_line_asm;

MW_INTERNAL void mw_line_init(mw_line_asm *a, size_t limit, unsigned flags);
MW_INTERNAL void mw_line_free(mw_line_asm *a);
/* Forget a partial line (after a reconnect or STARTTLS). */
MW_INTERNAL void mw_line_reset(mw_line_asm *a);

/* Consume input up to and including the end of the next line. *consumed is how much of data
 * was used (less than len when a line completed early: feed the rest next). On
 * MW_LINE_COMPLETE, *line and *line_len give the line without its terminator; the pointer is
 * valid until the next call or until data changes. */
MW_INTERNAL int mw_line_feed(mw_line_asm *a, const char *data, size_t len, size_t *consumed,
                             const char **line, size_t *line_len);

#endif
