/* Fuzz the IMAP engine (core/imap/engine.h) through its ops and mw_engine_ops, as the API and
 * the session drive it: a scripted exchange (greeting, LOGIN, SELECT, FETCH with a body sink)
 * runs up to an input-chosen step, then the fuzz bytes arrive as the server's reply at that
 * step.
 * Checked, with the bytes fed whole and in input-derived chunks:
 *   - no crash, leak or sanitizer report; the status is a valid MW_OP_* value, and a failed
 *     operation carries an error code and a detail text;
 *   - the engine consumes no more than it is given and stops only at an end of the operation;
 *   - what the client sends holds no NUL and every line it starts is a tagged command
 *     ("A<n> "), DONE or a SASL/continuation answer of the running command - never server
 *     bytes echoed back;
 *   - the body sink receives no more bytes than the server sent;
 *   - whole and chunked feeding give the same status, error and sink data whenever the
 *     client sends nothing while the fuzz bytes arrive (see below).
 * Input layout: byte 0 the step (mod 4: greeting, LOGIN, SELECT, FETCH) and, in bits 2-4, a
 * variant: at the LOGIN step AUTHENTICATE with IMAP_AUTH_<variant> (1 PLAIN .. 7 SCRAM-SHA-256,
 * against a greeting that offers them with SASL-IR; 0 is LOGIN), at the last step another
 * command in place of FETCH (1 LIST, 2 STATUS, 3 SEARCH, 4 ENVELOPE and BODYSTRUCTURE, 5 NOOP,
 * 6 STORE, 7 APPEND); byte 1 the chunk seed, then the server bytes. The SCRAM client nonce is
 * fixed (the RFC 5802 / RFC 7677 vectors'). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "core/imap/engine.h"
#include "core/sasl/sasl.h"
#include "fuzz_util.h"

typedef struct run_result {
    fz_buf sent, sink;
    size_t sent_before; /* client bytes sent before the fuzz bytes arrived */
    int status;
    unsigned err;
} run_result;

static int sink_fn(unsigned seq, uint32_t uid, const char *p, size_t n, uint64_t total, void *u)
{
    (void)seq;
    (void)uid;
    (void)total;
    fz_buf *b = u;
    if (p)
        fz_put(b, p, n);
    return 0;
}

static int status_of(mw_imap_engine *e, unsigned *err)
{
    const char *detail = NULL;
    *err = 0;
    int st = mw_imap_engine_ops.status(e, err, &detail);
    if (st < MW_OP_RUNNING || st > MW_OP_FATAL)
        abort();
    if ((st == MW_OP_FAILED || st == MW_OP_FATAL) && (*err == 0 || !detail || !detail[0]))
        abort(); /* a failure without a code or a cause */
    return st;
}

static void flush(mw_imap_engine *e, fz_buf *sent)
{
    const char *p;
    size_t secret, n;
    while ((n = mw_imap_engine_ops.output(e, &p, &secret)) > 0) {
        if (memchr(p, 0, n))
            abort(); /* NUL on the wire */
        fz_put(sent, p, n);
        mw_imap_engine_ops.sent(e, n);
    }
    unsigned err;
    while (mw_imap_engine_ops.next_event(e, &err) != 0) {
    }
}

/* Feed in chunks while the operation runs; returns the bytes consumed. */
static size_t feed(mw_imap_engine *e, const char *d, size_t n, unsigned seed, fz_buf *sent)
{
    size_t off = 0;
    unsigned err;
    while (off < n && status_of(e, &err) == MW_OP_RUNNING) {
        size_t chunk = fz_chunk(seed, off, n - off), used = 0;
        while (used < chunk && status_of(e, &err) == MW_OP_RUNNING) {
            size_t u = mw_imap_engine_ops.feed(e, d + off + used, chunk - used);
            if (u > chunk - used)
                abort();
            flush(e, sent);
            if (u == 0)
                break;
            used += u;
        }
        off += used;
        if (used < chunk) {
            /* Stopping early is only allowed at the end of the operation. */
            if (status_of(e, &err) == MW_OP_RUNNING)
                abort();
            break;
        }
    }
    return off;
}

/* An op the scripted exchange needs must be accepted. */
static void must(unsigned err)
{
    if (err != ST_ERROR_NONE)
        abort();
}

static void info_fn(const IMAPMESSAGE *m, void *u)
{
    (void)m;
    (void)u;
}

/* The command the fuzz bytes answer at the last step. */
static void last_op(mw_imap_engine *e, unsigned variant, fz_buf *sink)
{
    static IMAPMAILBOXINFO first;
    static IMAPMAILBOXSTATUS status;
    static uint32_t ids[64];
    static const char msg[] = "Subject: x\r\n\r\nbody\r\n";
    static size_t count; /* the engine writes these while the operation runs */
    count = sizeof ids / sizeof ids[0];
    memset(&first, 0, sizeof first);
    memset(&status, 0, sizeof status);
    switch (variant) {
    case 1:
        must(mw_imap_op_list(e, "", "*", IMAP_LIST_DEFAULT, &first));
        break;
    case 2:
        must(mw_imap_op_status(e, "INBOX", &status));
        break;
    case 3:
        must(mw_imap_op_search(e, NULL, "ALL", 0, ids, &count));
        break;
    case 4:
        must(mw_imap_op_message_info(e, "1:*",
                                     IMAP_FETCH_UID | IMAP_INFO_ENVELOPE | IMAP_INFO_BODYSTRUCTURE,
                                     info_fn, NULL));
        break;
    case 5:
        must(mw_imap_op_noop(e));
        break;
    case 6:
        must(mw_imap_op_store(e, "1:*", IMAP_STORE_ADD, IMAP_FLAG_SEEN, NULL));
        break;
    case 7:
        must(mw_imap_op_append(e, "INBOX", 0, NULL, sizeof msg - 1, msg, NULL, NULL, NULL, NULL,
                               NULL));
        break;
    default:
        must(mw_imap_op_fetch(e, 1, IMAP_FETCH_UID, "", 0, 0, sink_fn, sink, NULL, NULL));
        break;
    }
}

static const char greeting_auth[] =
    "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN AUTH=CRAM-MD5 AUTH=ANONYMOUS "
    "AUTH=XOAUTH2 AUTH=OAUTHBEARER AUTH=SCRAM-SHA-1 AUTH=SCRAM-SHA-256] ready\r\n";

static const char *script[] = {
    "* OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS] ready\r\n",
    "A1 OK [CAPABILITY IMAP4rev1 LITERAL+ IDLE UIDPLUS MOVE] logged in\r\n",
    ("* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 3 EXISTS\r\n"
     "* OK [UIDVALIDITY 3857529045] UIDs valid\r\nA2 OK [READ-WRITE] SELECT completed\r\n"),
};

static void run(unsigned step, unsigned variant, const char *d, size_t n, unsigned seed,
                run_result *res)
{
    mw_imap_engine *e = mw_imap_new(0, NULL);
    if (!e)
        abort();
    must(mw_imap_op_connect(e));
    flush(e, &res->sent);
    unsigned err;
    for (unsigned s = 0; s < step; s++) {
        const char *in = s == 0 && step == 1 && variant ? greeting_auth : script[s];
        if (feed(e, in, strlen(in), 0, &res->sent) != strlen(in) ||
            status_of(e, &err) != MW_OP_DONE)
            abort(); /* the scripted exchange itself must work */
        if (s == 0 && step == 1 && variant) {
            mw_sasl_set_test_nonce(variant == IMAP_AUTH_SCRAM_SHA1 ? "fyko+d2lbbFgONRv9qkxdawL"
                                                                   : "rOprNGfwEbeRWgbNEkqO");
            must(mw_imap_op_login(e, variant, "user", "pencil", "localhost", 143, 1));
            mw_sasl_set_test_nonce(NULL);
        } else if (s == 0) { /* loopback: the password may go in cleartext */
            must(mw_imap_op_login(e, IMAP_AUTH_LOGIN, "user", "secret", "localhost", 143, 1));
        } else if (s == 1) {
            must(mw_imap_op_select(e, "INBOX", 0, NULL));
        } else {
            last_op(e, variant, &res->sink);
        }
        flush(e, &res->sent);
    }
    res->sent_before = res->sent.len;
    size_t used = feed(e, d, n, seed, &res->sent);
    if (used > n)
        abort();
    res->status = status_of(e, &res->err);
    if (res->sink.len > n)
        abort(); /* body bytes the server never sent */
    mw_imap_free(e);
}

static int is_b64(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '='))
            return 0;
    }
    return 1;
}

/* The size of a literal announced at the end of a line ("{n}" or "{n+}"), or -1. */
static long literal_at_end(const char *line, size_t ll)
{
    if (ll < 3 || line[ll - 1] != '}')
        return -1;
    size_t k = ll - 1;
    if (line[k - 1] == '+')
        k--;
    size_t end = k;
    while (k > 0 && line[k - 1] >= '0' && line[k - 1] <= '9')
        k--;
    if (k == end || k == 0 || line[k - 1] != '{' || end - k > 9)
        return -1;
    return strtol(line + k, NULL, 10);
}

/* Every line the client starts is a tagged command or DONE (or, during AUTHENTICATE, a
 * base64 answer or "*"); literal data (after "{n}" or "{n+}" at a line end) is skipped by
 * its announced size, and the command line goes on after it. */
static void check_sent(const fz_buf *b, int sasl)
{
    size_t i = 0;
    int cont = 0;
    while (i < b->len) {
        const char *line = b->p + i;
        const char *eol = NULL;
        for (size_t k = i; k + 1 < b->len; k++)
            if (b->p[k] == '\r' && b->p[k + 1] == '\n') {
                eol = b->p + k;
                break;
            }
        if (!eol)
            abort(); /* a line without CRLF */
        size_t ll = (size_t)(eol - line);
        int tagged = ll > 2 && line[0] == 'A' && line[1] >= '1' && line[1] <= '9';
        if (!cont && !tagged && !(ll == 4 && memcmp(line, "DONE", 4) == 0) &&
            !(sasl && is_b64(line, ll)) && !(sasl && ll == 1 && line[0] == '*'))
            abort(); /* only commands start lines */
        i += ll + 2;
        long lit = literal_at_end(line, ll);
        cont = lit >= 0;
        if (lit > 0) {
            if ((size_t)lit > b->len - i)
                abort(); /* a literal shorter than announced */
            i += (size_t)lit;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned step = data[0] % 4, variant = (data[0] >> 2) % 8;
    const char *d = (const char *)data + 2;
    size_t n = size - 2;
    run_result whole = {{0}, {0}, 0, 0, 0}, split = {{0}, {0}, 0, 0, 0};
    run(step, variant, d, n, 0, &whole);
    run(step, variant, d, n, data[1] ? data[1] : 7, &split);
    /* When the client answers during the fuzz bytes (a command sent after the greeting, a
     * literal after "+"), a tagged reply that arrives in the same feed as its trigger is
     * rightly a violation (the command was not sent yet) while a later chunk is not: compare
     * only runs where the client stayed silent. */
    int silent = whole.sent.len == whole.sent_before && split.sent.len == split.sent_before;
    if (silent && (whole.status != split.status || whole.err != split.err ||
                   !fz_same(&whole.sent, &split.sent) || !fz_same(&whole.sink, &split.sink)))
        abort(); /* chunking changed the outcome */
    check_sent(&whole.sent, step == 1 && variant != 0);
    fz_free(&whole.sent);
    fz_free(&whole.sink);
    fz_free(&split.sent);
    fz_free(&split.sink);
    return 0;
}
