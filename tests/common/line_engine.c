/* Test line engine; see line_engine.h. */
#include "line_engine.h"

#include <stdio.h>
#include <string.h>

#include <mailwire/common.h>

static void append_reply(mwt_line_engine *e, const char *line, size_t len)
{
    if (e->replies_len + len + 1 >= sizeof e->replies)
        return;
    memcpy(e->replies + e->replies_len, line, len);
    e->replies_len += len;
    e->replies[e->replies_len++] = '\n';
    e->replies[e->replies_len] = 0;
}

static int reply_ends(const mwt_line_engine *e, const char *line, size_t len)
{
    if (e->mode == MWT_LE_LINES)
        return 1;
    return len == 3 || (len > 3 && line[3] == ' ');
}

static int go_ahead(const mwt_line_engine *e, const char *line, size_t len)
{
    if (e->mode == MWT_LE_SMTP)
        return e->last_code == 220;
    /* IMAP: "<tag> OK ..." */
    const char *sp = memchr(line, ' ', len);
    return sp && (size_t)(sp - line) + 3 <= len && memcmp(sp, " OK", 3) == 0;
}

static size_t le_feed(void *eng, const char *data, size_t len)
{
    mwt_line_engine *e = eng;
    size_t used = 0;
    while (used < len && e->state == MW_OP_RUNNING) {
        size_t c = 0, ll = 0;
        const char *line = NULL;
        int r = mw_line_feed(&e->la, data + used, len - used, &c, &line, &ll);
        used += c;
        if (r == MW_LINE_NEED_MORE)
            break;
        if (r < 0) {
            e->state = MW_OP_FATAL;
            e->err = r == MW_LINE_TOO_LONG ? ST_ERROR_LIMIT_EXCEEDED : ST_ERROR_PROTOCOL_VIOLATION;
            snprintf(e->detail, sizeof e->detail, "line assembler error %d", r);
            break;
        }
        append_reply(e, line, ll);
        if (e->mode == MWT_LE_SMTP && ll >= 3)
            e->last_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
        if (!reply_ends(e, line, ll))
            continue;
        e->progress++;
        if (e->emit_commands)
            e->pending_events++;
        if (e->awaiting > 0)
            e->awaiting--;
        if (e->tls_next > 0 && e->awaiting == 0) {
            e->tls_next = 0;
            if (go_ahead(e, line, ll)) {
                /* Stop here: whatever follows the go-ahead must not be consumed. */
                e->state = MW_OP_START_TLS;
            } else {
                e->state = MW_OP_FATAL;
                e->err = ST_ERROR_STARTTLS_UNAVAILABLE;
                snprintf(e->detail, sizeof e->detail, "STARTTLS refused: %.*s", (int)ll, line);
            }
            break;
        }
        if (e->awaiting == 0 && e->cancelling) {
            e->cancelling = 0;
            e->state = MW_OP_FAILED;
            e->err = ST_ERROR_CANCELLED;
            snprintf(e->detail, sizeof e->detail, "cancelled after an orderly exchange");
        } else if (e->awaiting == 0) {
            e->state = MW_OP_DONE;
        }
    }
    return used;
}

/* Queue bytes after whatever is still unsent. */
static void queue(mwt_line_engine *e, const char *cmd)
{
    size_t n = strlen(cmd);
    if (e->out_len + n > sizeof e->out)
        n = sizeof e->out - e->out_len;
    memcpy(e->out + e->out_len, cmd, n);
    e->out_len += n;
}

/* 64-byte lines of filler for the bulk mode, lent 16 KiB at a time as a real engine lends its
 * output: in 128-byte sends, 16 MiB took longer under Wine (each send a round trip through
 * its Winsock layer) than the fake server's 10 s timeout. Written once, then only read. */
static char filler[16384 + 64];

static const char *filler_bytes(void)
{
    static const char line[] = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n";
    if (filler[0] == 0)
        for (size_t i = 0; i < sizeof filler; i += 64)
            memcpy(filler + i, line, 64);
    return filler;
}

static size_t le_output(void *eng, const char **data, size_t *secret_from)
{
    mwt_line_engine *e = eng;
    if (e->bulk_sent < e->bulk) {
        size_t left = e->bulk - e->bulk_sent, off = e->bulk_sent % 64;
        size_t n = sizeof filler - off;
        *data = filler_bytes() + off;
        *secret_from = (size_t)-1;
        return n < left ? n : left;
    }
    *data = e->out + e->out_sent;
    *secret_from = e->secret_from == (size_t)-1 || e->secret_from < e->out_sent
                       ? (e->secret_from == (size_t)-1 ? (size_t)-1 : 0)
                       : e->secret_from - e->out_sent;
    return e->out_len - e->out_sent;
}

static void le_sent(void *eng, size_t n)
{
    mwt_line_engine *e = eng;
    if (e->bulk_sent < e->bulk) {
        e->bulk_sent += n;
        return;
    }
    e->out_sent += n;
    if (e->out_sent == e->out_len) {
        e->out_sent = e->out_len = 0;
        e->secret_from = (size_t)-1;
    }
}

static int le_wants_read(void *eng)
{
    mwt_line_engine *e = eng;
    return e->state == MW_OP_RUNNING && e->awaiting > 0;
}

static int le_status(void *eng, unsigned *err, const char **detail)
{
    mwt_line_engine *e = eng;
    *err = e->err;
    *detail = e->detail;
    return e->state;
}

static void le_tls_started(void *eng)
{
    mwt_line_engine *e = eng;
    mw_line_reset(&e->la);
    e->tls_started_count++;
    e->state = e->awaiting > 0 ? MW_OP_RUNNING : MW_OP_DONE;
}

static unsigned long le_progress(void *eng)
{
    return ((mwt_line_engine *)eng)->progress;
}

static unsigned le_next_event(void *eng, unsigned *err)
{
    mwt_line_engine *e = eng;
    if (!e->pending_events)
        return 0;
    e->pending_events--;
    *err = ST_ERROR_NONE;
    return MAILWIRE_EVENT_COMMAND;
}

static int le_expire(void *eng)
{
    mwt_line_engine *e = eng;
    if (!e->expire_cmd || e->state != MW_OP_RUNNING)
        return 0;
    /* Like IMAP IDLE's DONE: the command completes the reply already awaited. */
    e->expire_count++;
    queue(e, e->expire_cmd);
    return 1;
}

static int le_cancel(void *eng)
{
    mwt_line_engine *e = eng;
    if (!e->cancel_cmd || e->state != MW_OP_RUNNING)
        return 0;
    e->cancel_count++;
    queue(e, e->cancel_cmd);
    e->awaiting = 1;
    e->cancelling = 1;
    return 1;
}

const mw_engine_ops mwt_line_engine_ops = {
    .name = "test-lines",
    .feed = le_feed,
    .output = le_output,
    .sent = le_sent,
    .wants_read = le_wants_read,
    .status = le_status,
    .tls_started = le_tls_started,
    .progress = le_progress,
    .next_event = le_next_event,
    .expire = le_expire,
    .cancel = le_cancel,
};

void mwt_le_init(mwt_line_engine *e, int mode, size_t line_limit)
{
    memset(e, 0, sizeof *e);
    e->mode = mode;
    e->secret_from = (size_t)-1;
    e->state = MW_OP_DONE;
    mw_line_init(&e->la, line_limit, 0);
}

void mwt_le_free(mwt_line_engine *e)
{
    mw_line_free(&e->la);
}

void mwt_le_expect(mwt_line_engine *e, int replies)
{
    e->awaiting += replies;
    e->state = MW_OP_RUNNING;
    e->err = 0;
    e->detail[0] = 0;
}

void mwt_le_command(mwt_line_engine *e, const char *cmd, size_t secret_from)
{
    size_t n = strlen(cmd);
    if (e->out_len + n > sizeof e->out)
        n = sizeof e->out - e->out_len;
    if (secret_from != (size_t)-1 && e->secret_from == (size_t)-1)
        e->secret_from = e->out_len + secret_from;
    memcpy(e->out + e->out_len, cmd, n);
    e->out_len += n;
    mwt_le_expect(e, 1);
}

void mwt_le_starttls(mwt_line_engine *e, const char *cmd)
{
    mwt_le_command(e, cmd, (size_t)-1);
    e->tls_next = 1;
}
