/* SMTP reply parser (internal): RFC 5321 section 4.2, incremental, with hard limits.
 *
 * Bytes in, complete replies out. Multi-line replies ("250-..." then "250 ...") are joined
 * with LF; every line must carry the same code (section 4.2.1). The enhanced status code of
 * RFC 3463 ("2.1.5") is taken from the first line when its class matches the reply's class.
 * A NUL, a bare CR or LF, a malformed code, mixed codes, a line over the limit or too many
 * lines end the stream for good (security checklist items 26, 27, 30). */
#ifndef MW_SMTP_REPLY_H
#define MW_SMTP_REPLY_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../proto/line.h"
#include "../util/buf.h"

/* Defaults: RFC 5321 section 4.5.3.1.5 asks for 512 octets per reply line; real servers send
 * longer ones (long AUTH challenges, XOAUTH2 error JSON), so allow 4 KiB per line, 1000 lines
 * and 64 KiB of text per reply. */
#define MW_SMTP_REPLY_LINE_MAX 4096
#define MW_SMTP_REPLY_LINES_MAX 1000
#define MW_SMTP_REPLY_TEXT_MAX 65536

enum mw_smtp_reply_status {
    MW_SR_NEED_MORE = 0, /* all input consumed; the reply is not complete yet */
    MW_SR_COMPLETE = 1,  /* a reply is complete: code, enh, text */
    MW_SR_ERROR = -1     /* malformed input; err and detail say why; the stream is dead */
};

typedef struct mw_smtp_reply {
    mw_line_asm la;
    size_t max_lines, max_text;
    int in_reply; /* a continuation line was seen */
    int code;     /* 100..599 once the first line is read */
    unsigned lines;
    char enh[16]; /* "x.y.z" or "" */
    mw_buf buf;   /* holds the text */
    char *text;   /* lines without their codes, joined with LF, NUL-terminated: buf.p */
    size_t len;   /* buf.len (text and len are what readers of a reply use) */
    int failed;
    unsigned err;
    char detail[128];
} mw_smtp_reply;

MW_INTERNAL void mw_smtp_reply_init(mw_smtp_reply *r, size_t line_max, size_t lines_max,
                                    size_t text_max);
MW_INTERNAL void mw_smtp_reply_free(mw_smtp_reply *r);
/* Forget a partial reply (after STARTTLS). */
MW_INTERNAL void mw_smtp_reply_reset(mw_smtp_reply *r);
/* Consume input up to the end of the next reply; *consumed is how much was used. On
 * MW_SR_COMPLETE the reply is in r->code / r->enh / r->text until the next call. */
MW_INTERNAL int mw_smtp_reply_feed(mw_smtp_reply *r, const char *data, size_t len,
                                   size_t *consumed);

#endif
