/* A growing string buffer for header text, with folding at white space (internal).
 *
 * Header lines are folded before a token that would take the line past 78 characters
 * (RFC 5322 section 2.2.3 and 2.1.1); callers keep tokens short enough that no line can
 * reach the 998-octet limit. An allocation failure is sticky: later appends do nothing and
 * mw_sb_take() returns NULL. */
#ifndef MW_MIME_SBUF_H
#define MW_MIME_SBUF_H

#include <stddef.h>

#include "../platform/platform.h"

#define MW_FOLD_WIDTH 78

typedef struct mw_sb {
    char *p;
    size_t len, cap;
    size_t line_start; /* offset just after the last LF */
    int failed;
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
/* Give up the content (NUL-terminated) to the caller, or NULL after a failure. */
MW_INTERNAL char *mw_sb_take(mw_sb *sb, size_t *len);
MW_INTERNAL void mw_sb_free(mw_sb *sb);

#endif
