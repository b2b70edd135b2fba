/* Header text buffer; see sbuf.h. */
#include "sbuf.h"

#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"

void mw_sb_init(mw_sb *sb)
{
    memset(sb, 0, sizeof(*sb));
}

void mw_sb_put(mw_sb *sb, const char *s, size_t n)
{
    if (sb->failed)
        return;
    if (sb->len + n + 1 > sb->cap) {
        size_t cap = sb->cap ? sb->cap : 256;
        while (cap < sb->len + n + 1)
            cap *= 2;
        char *p = mw_realloc(sb->p, cap);
        if (!p) {
            sb->failed = 1;
            return;
        }
        sb->p = p;
        sb->cap = cap;
    }
    memcpy(sb->p + sb->len, s, n);
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n')
            sb->line_start = sb->len + i + 1;
    sb->len += n;
    sb->p[sb->len] = 0;
}

void mw_sb_puts(mw_sb *sb, const char *s)
{
    mw_sb_put(sb, s, strlen(s));
}

size_t mw_sb_col(const mw_sb *sb)
{
    return sb->len - sb->line_start;
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
    if (!sb->failed && !sb->p)
        mw_sb_put(sb, "", 0);
    if (sb->failed) {
        mw_sb_free(sb);
        return NULL;
    }
    char *p = sb->p;
    if (len)
        *len = sb->len;
    mw_sb_init(sb);
    return p;
}

void mw_sb_free(mw_sb *sb)
{
    free(sb->p);
    mw_sb_init(sb);
}
