/* Fuzz the SMTP engine (core/smtp/engine.h) as a whole, driven by the server's byte stream: a
 * session runs connect (greeting, EHLO or HELO, STARTTLS when the options ask for it), AUTH,
 * a whole message (SmtpSendMessage: MAIL, RCPTs, DATA or BDAT), the transaction API (MAIL,
 * RCPT, one final write), a batch of two messages, VRFY, NOOP and QUIT, each started when the
 * one before it ended (DONE or FAILED; a FATAL end stops the session). All the fuzz bytes are
 * what the server sends, fed whole and again in input-derived chunks.
 * Checked:
 *   - no crash, leak or sanitizer report; statuses are valid MW_OP_* values and a failed
 *     operation carries an error code and a detail text without CR (multi-line server text
 *     keeps its LFs);
 *   - the engine never consumes more than it is given and never stalls: a feed that takes
 *     nothing happens only at the end of an operation;
 *   - what the client sends holds no NUL, and every line it starts is one of its commands, a
 *     base64 SASL answer, "*", or a line of the message being sent (BDAT chunks are skipped
 *     by their announced size): server bytes never reach the wire;
 *   - every SASL answer (after "AUTH <mech> " or on a line of its own) is marked secret, so
 *     the trace can redact it;
 *   - recipients reported after a send are ones the caller gave, at most as many;
 *   - whole and chunked feeding give the same client bytes, statuses and errors.
 * Input layout: byte 0 options (bit 0 EXTENDED, 1 NOPIPELINING, 2 NOCHUNKING, 3
 * ALLRECIPIENTS, 4 SECURE (STARTTLS), 5 SECURE_IMPLICIT, 6 acks at once, 7 DSN parameters),
 * byte 1 the SASL mechanism (mod MW_SASL_MECH_COUNT; 0: the automatic choice), byte 2 the
 * chunk seed, then the server bytes. The SCRAM client nonce is the RFC 5802 / RFC 7677 test
 * vector's, so a seed can carry a server-first message the client accepts.
 * FZ_DEBUG=1 in the environment prints how each operation ended and, on a mismatch, both
 * client streams. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "core/sasl/sasl.h"
#include "core/smtp/engine.h"
#include "core/smtp/source.h"
#include "fuzz_util.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "check failed at line %d: %s\n", __LINE__, #c);                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The message of every send; its lines (dot-stuffed) are the only non-command lines allowed
 * on the wire besides SASL answers. */
static const char body[] = "Subject: fuzz\r\n\r\n.dot\r\nlast line\r\n";
static const char *const body_lines[] = {"Subject: fuzz", "", "..dot", "last line", "."};
static const char *const rcpts[] = {"bob@example.org", "carol@example.org"};

static int debug = -1;

typedef struct run_result {
    fz_buf sent;   /* client bytes */
    fz_buf secret; /* per client byte: 1 when lent as secret */
    fz_buf log;    /* op index, status, error per finished op; batch results; recipients */
} run_result;

static int status_of(mw_smtp *e, unsigned *err)
{
    const char *detail = NULL;
    *err = 0;
    int st = mw_smtp_engine_ops.status(e, err, &detail);
    CHECK(st >= MW_OP_RUNNING && st <= MW_OP_FATAL);
    if (st == MW_OP_FAILED || st == MW_OP_FATAL) {
        CHECK(*err != 0 && detail && detail[0]);
        /* Server text in it keeps its lines joined by LF (as SmtpGetResultString() has
         * them); a CR never gets through the reply parser. */
        CHECK(!strchr(detail, '\r'));
    }
    return st;
}

/* Send everything the engine has, and do its local work (the message scan) meanwhile: the
 * session steps work() while it says more remains, sending what each slice queued. */
static void drain(mw_smtp *e, run_result *r)
{
    const char *p;
    size_t secret, n;
    while ((n = mw_smtp_engine_ops.output(e, &p, &secret)) > 0) {
        CHECK(!memchr(p, 0, n)); /* NUL on the wire */
        fz_put(&r->sent, p, n);
        for (size_t i = 0; i < n; i++)
            fz_putc(&r->secret, secret != (size_t)-1 && i >= secret ? 1 : 0);
        mw_smtp_engine_ops.sent(e, n);
    }
    unsigned err;
    while (mw_smtp_engine_ops.next_event(e, &err) != 0) {
    }
}

static void pump(mw_smtp *e, run_result *r)
{
    drain(e, r);
    int more;
    do {
        more = mw_smtp_engine_ops.work(e);
        drain(e, r);
    } while (more);
}

static void batch_done(void *ctx, size_t index, unsigned err, const char *detail, int sent,
                       const mw_smtp *e)
{
    (void)e;
    fz_buf *log = ctx;
    CHECK(err == 0 || (detail && detail[0]));
    fz_putu(log, 0xba7c0000u + index);
    fz_putu(log, err);
    fz_putu(log, (uint64_t)sent);
}

static char *dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    CHECK(p);
    memcpy(p, s, n);
    return p;
}

static unsigned start_batch(mw_smtp *e, fz_buf *log)
{
    mw_smtp_batch_msg *msgs = calloc(2, sizeof *msgs);
    CHECK(msgs);
    for (size_t i = 0; i < 2; i++) {
        msgs[i].from = dup("alice@example.org");
        msgs[i].nrcpt = i + 1;
        msgs[i].rcpts = calloc(i + 1, sizeof(char *));
        CHECK(msgs[i].rcpts);
        for (size_t k = 0; k <= i; k++)
            msgs[i].rcpts[k] = dup(rcpts[k]);
        CHECK(mw_smtp_source_memory(&msgs[i].src, body, sizeof body - 1) == 0);
        msgs[i].src.scan = 1;
    }
    return mw_smtp_op_send_batch(e, msgs, 2, batch_done, log);
}

/* Start operation number k of the session; its refusal (not offered, wrong state) is part of
 * the outcome too. */
static unsigned start_op(mw_smtp *e, unsigned k, int mech, fz_buf *log)
{
    mw_smtp_envelope env = {"alice@example.org", rcpts, 2, sizeof body - 1, 0, 0};
    mw_smtp_source src;
    switch (k) {
    case 1:
        if (mech == MW_SASL_SCRAM_SHA1)
            mw_sasl_set_test_nonce("fyko+d2lbbFgONRv9qkxdawL"); /* RFC 5802 section 5 */
        else /* SCRAM-SHA-256, or the automatic choice (a random nonce would differ between
              * the whole and the chunked run) */
            mw_sasl_set_test_nonce("rOprNGfwEbeRWgbNEkqO"); /* RFC 7677 section 3 */
        return mw_smtp_op_auth(e, mech, "user", "pencil", "mx.example", 587, 1);
    case 2:
        CHECK(mw_smtp_source_memory(&src, body, sizeof body - 1) == 0);
        src.scan = 1;
        return mw_smtp_op_send(e, &env, &src);
    case 3:
        return mw_smtp_op_mail(e, &env);
    case 4:
        return mw_smtp_op_rcpt(e, rcpts[1]);
    case 5:
        return mw_smtp_op_write(e, body, sizeof body - 1, 1);
    case 6:
        return start_batch(e, log);
    case 7:
        return mw_smtp_op_command(e, MW_SMTP_CMD_VRFY, "postmaster");
    case 8:
        return mw_smtp_op_command(e, MW_SMTP_CMD_NOOP, NULL);
    case 9:
        return mw_smtp_op_command(e, MW_SMTP_CMD_QUIT, NULL);
    default:
        return 0;
    }
}
#define LAST_OP 9

static void log_rcpts(mw_smtp *e, fz_buf *log)
{
    size_t n = mw_smtp_rcpt_count(e);
    CHECK(n <= 2);
    for (size_t i = 0; i < n; i++) {
        const mw_smtp_rcpt *r = mw_smtp_rcpt_at(e, i);
        CHECK(r && r->addr);
        CHECK(strcmp(r->addr, rcpts[0]) == 0 || strcmp(r->addr, rcpts[1]) == 0);
        fz_puts(log, r->addr, strlen(r->addr));
        fz_putu(log, (uint64_t)r->code);
    }
}

static void run(uint32_t options, int dsn, int acks, int mech, const char *d, size_t n,
                unsigned seed, run_result *r)
{
    mw_smtp *e = mw_smtp_new(options, "client.example");
    CHECK(e);
    if (dsn)
        CHECK(mw_smtp_set_dsn(e, SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE, "envid.1") == 0);
    mw_smtp_set_acks_at_once(e, acks);
    if (options & SMTP_OPTION_SECURE_IMPLICIT)
        mw_smtp_engine_ops.tls_started(e); /* the handshake before the greeting */
    CHECK(mw_smtp_op_connect(e) == 0);
    unsigned next = 1;
    size_t off = 0;
    for (;;) {
        pump(e, r);
        unsigned err;
        int st = status_of(e, &err);
        if (st == MW_OP_START_TLS) {
            /* The session would run the handshake here; the rest of the stream stands for
             * what arrives over TLS. */
            mw_smtp_engine_ops.tls_started(e);
            continue;
        }
        if (st != MW_OP_RUNNING) {
            if (debug)
                fprintf(stderr, "[seed %u off %zu] op %u ended %d err %u: %s\n", seed, off,
                        next - 1, st, err, mw_smtp_last_text(e));
            fz_putu(&r->log, next);
            fz_putu(&r->log, (uint64_t)st);
            fz_putu(&r->log, err);
            if (next == 3 || next == 7)
                log_rcpts(e, &r->log); /* after the whole send */
            if (st == MW_OP_FATAL)
                break;
            unsigned rc = 1;
            while (next <= LAST_OP && (rc = start_op(e, next++, mech, &r->log)) != 0) {
                CHECK(mw_smtp_engine_ops.why(e)[0]); /* a refusal says why */
                fz_putu(&r->log, 0x7ef00000u + rc);
            }
            mw_sasl_set_test_nonce(NULL); /* unused when AUTH was refused */
            if (rc != 0)
                break; /* nothing left to run */
            continue;
        }
        if (off >= n)
            break;
        size_t chunk = fz_chunk(seed, off, n - off);
        size_t used = mw_smtp_engine_ops.feed(e, d + off, chunk);
        CHECK(used <= chunk);
        if (used == 0)
            CHECK(status_of(e, &err) != MW_OP_RUNNING); /* stalled */
        off += used;
    }
    mw_smtp_free(e);
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

static int starts(const char *p, size_t n, const char *s)
{
    size_t k = strlen(s);
    return n >= k && memcmp(p, s, k) == 0;
}

static int all_secret(const run_result *r, size_t from, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!r->secret.p[from + i])
            return 0;
    return 1;
}

static void check_sent(const run_result *r)
{
    const fz_buf *b = &r->sent;
    size_t i = 0;
    while (i < b->len) {
        const char *line = b->p + i;
        size_t ll = 0;
        while (i + ll + 1 < b->len && !(line[ll] == '\r' && line[ll + 1] == '\n'))
            ll++;
        CHECK(i + ll + 1 < b->len); /* a line without CRLF */
        size_t next = i + ll + 2;
        int ok = 0;
        static const char *const cmds[] = {"EHLO client.example",
                                           "HELO client.example",
                                           "STARTTLS",
                                           "DATA",
                                           "RSET",
                                           "QUIT",
                                           "NOOP",
                                           "VRFY postmaster",
                                           "*"};
        for (size_t k = 0; k < sizeof cmds / sizeof cmds[0] && !ok; k++)
            ok = ll == strlen(cmds[k]) && memcmp(line, cmds[k], ll) == 0;
        for (size_t k = 0; k < sizeof body_lines / sizeof body_lines[0] && !ok; k++)
            ok = ll == strlen(body_lines[k]) && memcmp(line, body_lines[k], ll) == 0;
        if (!ok && (starts(line, ll, "MAIL FROM:<alice@example.org>") ||
                    starts(line, ll, "RCPT TO:<bob@example.org>") ||
                    starts(line, ll, "RCPT TO:<carol@example.org>")))
            ok = 1;
        if (!ok && starts(line, ll, "AUTH ")) {
            /* "AUTH MECH" or "AUTH MECH response": the response is secret. */
            const char *sp = memchr(line + 5, ' ', ll - 5);
            if (sp) {
                size_t at = (size_t)(sp + 1 - line);
                CHECK(is_b64(sp + 1, ll - at));
                CHECK(all_secret(r, i + at, ll - at));
            }
            ok = 1;
        }
        if (!ok && starts(line, ll, "BDAT ")) {
            char num[24];
            size_t k = 5, m = 0;
            while (k < ll && line[k] >= '0' && line[k] <= '9' && m < sizeof num - 1)
                num[m++] = line[k++];
            num[m] = 0;
            CHECK(m > 0 && (k == ll || (ll - k == 5 && memcmp(line + k, " LAST", 5) == 0)));
            size_t size = (size_t)strtoull(num, NULL, 10);
            CHECK(size <= b->len - next);
            next += size; /* the chunk's bytes */
            ok = 1;
        }
        if (!ok && ll > 0 && is_b64(line, ll)) {
            CHECK(all_secret(r, i, ll)); /* a SASL answer */
            ok = 1;
        }
        if (!ok) {
            fprintf(stderr, "unexpected client line: %.*s\n", (int)ll, line);
            abort();
        }
        i = next;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (debug < 0)
        debug = getenv("FZ_DEBUG") != NULL;
    if (size < 3)
        return 0;
    static const uint32_t bits[] = {SMTP_OPTION_EXTENDED,   SMTP_OPTION_NOPIPELINING,
                                    SMTP_OPTION_NOCHUNKING, SMTP_OPTION_ALLRECIPIENTS,
                                    SMTP_OPTION_SECURE,     SMTP_OPTION_SECURE_IMPLICIT};
    uint32_t options = 0;
    for (unsigned k = 0; k < 6; k++)
        if (data[0] & (1u << k))
            options |= bits[k];
    if (options & SMTP_OPTION_SECURE_IMPLICIT)
        options |= SMTP_OPTION_SECURE;
    int acks = (data[0] >> 6) & 1, dsn = (data[0] >> 7) & 1;
    int mech = data[1] % MW_SASL_MECH_COUNT;
    const char *d = (const char *)data + 3;
    size_t n = size - 3;
    run_result whole = {{0}, {0}, {0}}, split = {{0}, {0}, {0}};
    run(options, dsn, acks, mech, d, n, 0, &whole);
    run(options, dsn, acks, mech, d, n, data[2] ? data[2] : 7, &split);
    check_sent(&whole);
    if (!fz_same(&whole.sent, &split.sent) || !fz_same(&whole.log, &split.log)) {
        fprintf(stderr, "chunked feeding changed the outcome\n");
        if (debug) {
            fprintf(stderr, "--- whole:\n%.*s\n--- split:\n%.*s\n", (int)whole.sent.len,
                    whole.sent.p, (int)split.sent.len, split.sent.p);
        }
        abort();
    }
    fz_free(&whole.sent);
    fz_free(&whole.secret);
    fz_free(&whole.log);
    fz_free(&split.sent);
    fz_free(&split.secret);
    fz_free(&split.log);
    return 0;
}
