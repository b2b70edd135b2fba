/* Header text with folding; see sbuf.h. */
#include "sbuf.h"

#include <string.h>

void mw_sb_init(mw_sb *sb)
{
    mw_buf_init(&sb->b, 0, 0);
    sb->line_start = 0;
}

void mw_sb_put(mw_sb *sb, const char *s, size_t n)
{
    size_t at = sb->b.len;
    mw_buf_put(&sb->b, s, n);
    if (sb->b.failed)
        return;
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] == '\n') {
            sb->line_start = at + i;
            break;
        }
    }
}

void mw_sb_puts(mw_sb *sb, const char *s)
{
    mw_sb_put(sb, s, strlen(s));
}

size_t mw_sb_col(const mw_sb *sb)
{
    return sb->b.len - sb->line_start;
}

void mw_sb_token(mw_sb *sb, const char *tok, size_t n, size_t reserve)
{
    /* Fold only when the line already holds something beyond the folding white space. */
    if (mw_sb_col(sb) > 1 && mw_sb_col(sb) + 1 + n + reserve > MW_FOLD_WIDTH)
        mw_sb_put(sb, "\r\n", 2);
    mw_sb_put(sb, " ", 1);
    mw_sb_put(sb, tok, n);
}

void mw_sb_ws_token(mw_sb *sb, const char *tok, size_t n)
{
    if (mw_sb_col(sb) > 1 && mw_sb_col(sb) + n > MW_FOLD_WIDTH)
        mw_sb_put(sb, "\r\n", 2);
    mw_sb_put(sb, tok, n);
}

char *mw_sb_take(mw_sb *sb, size_t *len)
{
    size_t n = sb->b.len;
    char *p = mw_buf_take(&sb->b);
    if (p && len)
        *len = n;
    sb->line_start = 0;
    return p;
}

void mw_sb_free(mw_sb *sb)
{
    mw_buf_free(&sb->b);
    sb->line_start = 0;
}
