/* SMTP reply parser; see reply.h. */
#include "reply.h"

#include <string.h>

#include <mailwire/common.h>

#include "../util/str.h"

/* text and len follow the buffer after every change to it. */
static void show_text(mw_smtp_reply *r)
{
    r->text = r->buf.p;
    r->len = r->buf.len;
}

void mw_smtp_reply_init(mw_smtp_reply *r, size_t line_max, size_t lines_max, size_t text_max)
{
    memset(r, 0, sizeof *r);
    mw_line_init(&r->la, line_max, 0);
    /* No cap on the buffer: append() checks max_text itself, to tell the limit from an
     * allocation failure. */
    mw_buf_init(&r->buf, 0, 0);
    r->max_lines = lines_max;
    r->max_text = text_max;
}

void mw_smtp_reply_free(mw_smtp_reply *r)
{
    mw_line_free(&r->la);
    mw_buf_free(&r->buf);
    show_text(r);
}

static void clear_reply(mw_smtp_reply *r)
{
    r->in_reply = 0;
    r->code = 0;
    r->lines = 0;
    r->enh[0] = 0;
    mw_buf_reset(&r->buf);
    show_text(r);
}

void mw_smtp_reply_reset(mw_smtp_reply *r)
{
    mw_line_reset(&r->la);
    clear_reply(r);
    r->failed = 0;
}

static int fail(mw_smtp_reply *r, unsigned err, const char *what)
{
    r->failed = 1;
    r->err = err;
    mw_strlcpy(r->detail, what, sizeof r->detail);
    return MW_SR_ERROR;
}

static int append(mw_smtp_reply *r, const char *p, size_t n)
{
    if (r->buf.len + n + 2 > r->max_text) /* LF separator and NUL */
        return -1;
    /* Room first, so that even an empty first line leaves text "" rather than NULL. */
    if (mw_buf_reserve(&r->buf, n + 1))
        return -2;
    /* A separator before every line but the first, also after an empty first line: an empty
     * "250-" line must not make the next line look like the first (the fuzzer found EHLO
     * losing SIZE that way). r->lines already counts this line. */
    if (r->lines > 1)
        mw_buf_putc(&r->buf, '\n');
    mw_buf_put(&r->buf, p, n);
    show_text(r);
    return 0;
}

/* RFC 3463 section 2: class "." subject "." detail, subject and detail 1-3 digits. */
static void take_enhanced(mw_smtp_reply *r, const char *t, size_t n)
{
    size_t i = 0;
    if (n < 5 || t[0] != '0' + r->code / 100 || t[1] != '.')
        return;
    i = 2;
    for (int part = 0; part < 2; part++) {
        size_t d = 0;
        while (i < n && t[i] >= '0' && t[i] <= '9' && d < 4) {
            i++;
            d++;
        }
        if (d == 0 || d > 3)
            return;
        if (part == 0) {
            if (i >= n || t[i] != '.')
                return;
            i++;
        }
    }
    if (i < n && t[i] != ' ')
        return;
    memcpy(r->enh, t, i);
    r->enh[i] = 0;
}

static int take_line(mw_smtp_reply *r, const char *p, size_t n)
{
    /* Reply-line = Reply-code [ SP / "-" textstring ], RFC 5321 section 4.2; a bare code is
     * accepted as a last line. */
    if (n < 3 || p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '5' || p[2] < '0' || p[2] > '9')
        return fail(r, ST_ERROR_PROTOCOL_VIOLATION, "malformed reply code");
    if (n > 3 && p[3] != ' ' && p[3] != '-')
        return fail(r, ST_ERROR_PROTOCOL_VIOLATION, "malformed reply line");
    int code = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    if (r->in_reply && code != r->code)
        return fail(r, ST_ERROR_PROTOCOL_VIOLATION, "multi-line reply with mixed codes");
    if (++r->lines > r->max_lines)
        return fail(r, ST_ERROR_LIMIT_EXCEEDED, "too many reply lines");
    const char *t = n > 4 ? p + 4 : p + n;
    size_t tn = n > 4 ? n - 4 : 0;
    int first = !r->in_reply;
    r->code = code;
    int a = append(r, t, tn);
    if (a == -1)
        return fail(r, ST_ERROR_LIMIT_EXCEEDED, "reply text too long");
    if (a == -2)
        return fail(r, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    if (first)
        take_enhanced(r, t, tn);
    if (n > 3 && p[3] == '-') {
        r->in_reply = 1;
        return MW_SR_NEED_MORE;
    }
    r->in_reply = 0;
    return MW_SR_COMPLETE;
}

int mw_smtp_reply_feed(mw_smtp_reply *r, const char *data, size_t len, size_t *consumed)
{
    *consumed = 0;
    if (r->failed)
        return MW_SR_ERROR;
    while (*consumed < len) {
        size_t used = 0, ln = 0;
        const char *line = NULL;
        if (!r->in_reply && r->code)
            clear_reply(r); /* the previous reply was handed out; start afresh */
        int rc = mw_line_feed(&r->la, data + *consumed, len - *consumed, &used, &line, &ln);
        *consumed += used;
        switch (rc) {
        case MW_LINE_NEED_MORE:
            return MW_SR_NEED_MORE;
        case MW_LINE_TOO_LONG:
            return fail(r, ST_ERROR_LIMIT_EXCEEDED, "reply line too long");
        case MW_LINE_NUL:
            return fail(r, ST_ERROR_PROTOCOL_VIOLATION, "NUL byte in a reply");
        case MW_LINE_BAD_EOL:
            return fail(r, ST_ERROR_PROTOCOL_VIOLATION, "bare CR or LF in a reply");
        case MW_LINE_NOMEM:
            return fail(r, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        default:
            break;
        }
        rc = take_line(r, line, ln);
        if (rc != MW_SR_NEED_MORE)
            return rc;
    }
    return MW_SR_NEED_MORE;
}
