/* Line assembler; see line.h. */
#include "line.h"

#include <string.h>

void mw_line_init(mw_line_asm *a, size_t limit, unsigned flags)
{
    memset(a, 0, sizeof *a);
    a->limit = limit < 3 ? 3 : limit;
    a->flags = flags;
    /* The cap is a second guard: mw_line_feed() checks the limit before it appends. */
    mw_buf_init(&a->part, a->limit, 0);
}

void mw_line_free(mw_line_asm *a)
{
    mw_buf_free(&a->part);
    memset(a, 0, sizeof *a);
}

void mw_line_reset(mw_line_asm *a)
{
    mw_buf_reset(&a->part);
    a->lent = 0;
    a->failed = 0;
}

/* Check a complete line (terminator included, n >= 1, last byte LF) and strip the
 * terminator. */
static int check_line(const mw_line_asm *a, const char *p, size_t n, size_t *body)
{
    size_t end = n - 1; /* index of the LF */
    /* NUL first: a NUL is reported as soon as it arrives (see mw_line_feed), so checking it
     * first here too makes the verdict independent of how the bytes were split. */
    if (memchr(p, '\0', end))
        return MW_LINE_NUL;
    if (end > 0 && p[end - 1] == '\r')
        end--;
    else if (!(a->flags & MW_LINE_LENIENT_EOL))
        return MW_LINE_BAD_EOL;
    if (memchr(p, '\r', end))
        return MW_LINE_BAD_EOL;
    *body = end;
    return MW_LINE_COMPLETE;
}

int mw_line_feed(mw_line_asm *a, const char *data, size_t len, size_t *consumed, const char **line,
                 size_t *line_len)
{
    *consumed = 0;
    if (a->failed)
        return a->failed;
    if (a->lent) {
        mw_buf_truncate(&a->part, 0);
        a->lent = 0;
    }
    const char *lf = len ? memchr(data, '\n', len) : NULL;
    size_t take = lf ? (size_t)(lf - data) + 1 : len;
    size_t have = a->part.len;
    if (have + take > a->limit) {
        /* Report the overlong line as soon as it is known, without buffering it. A NUL
         * within the limit came first and wins, as it would have in smaller pieces. */
        *consumed = take;
        if (memchr(data, '\0', a->limit - have))
            return a->failed = MW_LINE_NUL;
        return a->failed = MW_LINE_TOO_LONG;
    }
    if (!lf) {
        /* Early checks so a NUL is reported without waiting for the end of the line. */
        if (memchr(data, '\0', len)) {
            *consumed = len;
            return a->failed = MW_LINE_NUL;
        }
        mw_buf_put(&a->part, data, len);
        if (a->part.failed)
            return a->failed = MW_LINE_NOMEM;
        *consumed = len;
        return MW_LINE_NEED_MORE;
    }
    *consumed = take;
    const char *p = data;
    size_t n = take;
    if (have) {
        mw_buf_put(&a->part, data, take);
        if (a->part.failed)
            return a->failed = MW_LINE_NOMEM;
        p = a->part.p;
        n = a->part.len;
        a->lent = 1;
    }
    size_t body = 0;
    int rc = check_line(a, p, n, &body);
    if (rc != MW_LINE_COMPLETE)
        return a->failed = rc;
    *line = p;
    *line_len = body;
    return MW_LINE_COMPLETE;
}
