/* Quoted-printable body encoder, one output line at a time (internal).
 *
 * RFC 2045 section 6.7: lines of at most 76 characters, soft line breaks ("=" CRLF), "=",
 * controls and octets above 126 encoded, white space before a line break encoded. Input line
 * breaks of any kind (CRLF, lone LF, lone CR) become CRLF. A "." or "From " at the start of an
 * output line is encoded too, so no line of the body can end SMTP DATA or be munged by mbox
 * writers, and no output line can start with "--=_" (every '=' is followed by hex digits or
 * the line break), which keeps the composer's boundaries unique. */
#ifndef MW_MIME_QP_H
#define MW_MIME_QP_H

#include <stddef.h>

#include "../platform/platform.h"

/* Longest output of one mw_qp_line() call: 76 characters + CRLF. */
#define MW_QP_LINE_MAX 78

typedef struct mw_qp {
    const char *s;
    size_t n, pos;
    int final_soft; /* end a last line without a line break with a soft break */
} mw_qp;

MW_INTERNAL void mw_qp_init(mw_qp *q, const char *s, size_t n, int final_soft);
/* Write the next output line into out (MW_QP_LINE_MAX bytes); returns its length, 0 at the
 * end. */
MW_INTERNAL size_t mw_qp_line(mw_qp *q, char *out);
/* Total output length for s (runs the encoder without keeping the output). */
MW_INTERNAL size_t mw_qp_size(const char *s, size_t n, int final_soft);

#endif
