/* DATA / BDAT body encoder (internal): RFC 5321 section 2.3.8 (CR and LF only as CRLF) and
 * section 4.5.2 (transparency).
 *
 * Streams across arbitrary input boundaries with constant state: a CR, an LF, a bare CR or a
 * line-initial dot split between two buffers encodes exactly as if the input were one buffer
 * (security checklist item 38). Every bare CR and bare LF becomes CRLF, so no byte sequence a
 * lenient server could read as end-of-data leaves ("\n.\n", "\r.\r" ..., item 37); with dot
 * stuffing (DATA) every line-initial dot is doubled (item 36). BDAT uses the same encoder
 * without stuffing. A NUL stops the encoder: a server that drops NULs would otherwise turn
 * "\r\n\0.\r\n" into the end of the data. */
#ifndef MW_SMTP_DOT_H
#define MW_SMTP_DOT_H

#include <stddef.h>

#include "../platform/platform.h"

typedef struct mw_smtp_dot {
    int stuff;      /* double line-initial dots (DATA) */
    int line_start; /* the next byte starts a line */
    int pending_cr; /* the last input byte was a CR whose partner is not known yet */
} mw_smtp_dot;

/* Worst-case output of one input byte: a pending CR turned into CRLF, then a doubled dot. */
#define MW_SMTP_DOT_MAX_EXPANSION 4
/* Room mw_smtp_dot_final() needs: CRLF, then "." CRLF. */
#define MW_SMTP_DOT_FINAL_MAX 5

MW_INTERNAL void mw_smtp_dot_init(mw_smtp_dot *d, int stuff);
/* Encode from in[0..len) into out[0..cap); stops when fewer than MW_SMTP_DOT_MAX_EXPANSION
 * bytes of room are left or the input is used up. *used receives the input consumed. Returns
 * the bytes written, or -1 at a NUL byte (*used then points at it). */
MW_INTERNAL long mw_smtp_dot_encode(mw_smtp_dot *d, const char *in, size_t len, size_t *used,
                                    char *out, size_t cap);
/* End of the message: CRLF unless the output ends with one, then (with stuffing) "." CRLF.
 * Returns the bytes written (at most MW_SMTP_DOT_FINAL_MAX). */
MW_INTERNAL size_t mw_smtp_dot_final(mw_smtp_dot *d, char *out);

#endif
