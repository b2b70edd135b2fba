/* Header text with folding at white space (internal): a thin layer over mw_buf.
 *
 * Header lines are folded before a token that would take the line past 78 characters
 * (RFC 5322 section 2.2.3 and 2.1.1); callers keep tokens short enough that no line can
 * reach the 998-octet limit. The bytes live in an mw_buf, so an allocation failure is sticky
 * (sb.b.failed): later appends do nothing and mw_sb_take() returns NULL. */
#ifndef MW_MIME_SBUF_H
#define MW_MIME_SBUF_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../util/buf.h"

#define MW_FOLD_WIDTH 78

typedef struct mw_sb {
    mw_buf b;          /* the text; b.len and b.failed are read by the composer */
    size_t line_start; /* offset just after the last LF: the fold rule needs the column */
} mw_sb;

MW_INTERNAL void mw_sb_init(mw_sb *sb);
MW_INTERNAL void mw_sb_put(mw_sb *sb, const char *s, size_t n);
MW_INTERNAL void mw_sb_puts(mw_sb *sb, const char *s);
/* Characters on the current (last) line. */
MW_INTERNAL size_t mw_sb_col(const mw_sb *sb);
/* Append " " + token, or CRLF " " + token when it would not fit on the current line with
 * `reserve` more characters after it (e.g. 1 for a following ','). */
MW_INTERNAL void mw_sb_token(mw_sb *sb, const char *tok, size_t n, size_t reserve);
/* Append token that begins with its own white space, folding before it when needed (the
 * white space is kept, so unfolding restores the text exactly). */
MW_INTERNAL void mw_sb_ws_token(mw_sb *sb, const char *tok, size_t n);
/* Give up the content (NUL-terminated) to the caller, or NULL after a failure; *len (may be
 * NULL) gets its length. The buffer is empty afterwards either way. */
MW_INTERNAL char *mw_sb_take(mw_sb *sb, size_t *len);
MW_INTERNAL void mw_sb_free(mw_sb *sb);

#endif
