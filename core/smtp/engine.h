/* The SMTP protocol engine (internal): RFC 5321 with STARTTLS (RFC 3207), AUTH (RFC 4954),
 * PIPELINING (RFC 2920), CHUNKING (RFC 3030), SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8
 * (RFC 6531) and DSN (RFC 3461).
 *
 * Sans-I/O: bytes in (feed), bytes out (output/sent), no clock. Every public operation is a
 * sequence of states of one enum, changed only by set_state(). An operation is started with
 * one of the mw_smtp_op_*() calls, which checks its arguments, queues the commands and the
 * replies they expect, and leaves the rest to the session loop (mw_engine_ops). Replies are
 * matched to the queue of expected replies in order, which is what makes pipelining the
 * same code path as lock-step. */
#ifndef MW_SMTP_ENGINE_H
#define MW_SMTP_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "../session/engine_ops.h"
#include "caps.h"

typedef struct mw_smtp mw_smtp;

MW_INTERNAL extern const mw_engine_ops mw_smtp_engine_ops;

/* A message body for DATA/BDAT, pulled as the connection can take it. */
typedef struct mw_smtp_source {
    /* Next span of message bytes in *p (owned by the source, valid until the next call):
     * its length, 0 at the end, -1 on an error (detail() says why). */
    long (*next)(void *ctx, const char **p);
    const char *(*detail)(void *ctx);
    void (*close)(void *ctx); /* may be NULL */
    /* Start again from the first byte; 0, or -1 (detail() says why). Needed with scan. */
    int (*rewind)(void *ctx);
    void *ctx;
    uint64_t total; /* size in octets when known (progress, SIZE=), else 0 */
    /* The engine reads the whole message once before the envelope (in slices, during the
     * steps): a NUL or a line over 998 octets refuses it with nothing sent, and 8-bit bytes
     * decide BODY=8BITMIME and SMTPUTF8 (the envelope's need_* flags are then ignored). */
    int scan;
} mw_smtp_source;

/* Result of one RCPT. */
typedef struct mw_smtp_rcpt {
    char *addr;
    int code;
    char enh[16];
    char *text;
} mw_smtp_rcpt;

/* Parameters of a transaction (MAIL FROM). */
typedef struct mw_smtp_envelope {
    const char *from;         /* addr-spec or "" */
    const char *const *rcpts; /* addr-specs */
    size_t nrcpt;
    uint64_t size;     /* SIZE=, 0: unknown */
    int need_8bit;     /* BODY=8BITMIME required */
    int need_smtputf8; /* SMTPUTF8 required (also set when an address is not ASCII) */
} mw_smtp_envelope;

/* options: SMTP_OPTION_* bits of the session. local_name: EHLO/HELO argument (copied). */
MW_INTERNAL mw_smtp *mw_smtp_new(uint32_t options, const char *local_name);
MW_INTERNAL void mw_smtp_free(mw_smtp *e);

/* Operations (engine_ops.h has the contract). Each returns ST_ERROR_NONE after queueing, or
 * an error with nothing queued and the cause in the ops table's why(). */
MW_INTERNAL unsigned mw_smtp_op_connect(mw_smtp *e);
MW_INTERNAL unsigned mw_smtp_op_auth(mw_smtp *e, int mech, const char *user, const char *pass,
                                     const char *host, unsigned port, int cleartext_ok);
/* One whole message: envelope (pipelined when offered), then the body from src (DATA or
 * BDAT). The engine owns src from now on (closes it), also on failure. */
MW_INTERNAL unsigned mw_smtp_op_send(mw_smtp *e, const mw_smtp_envelope *env, mw_smtp_source *src);
/* Several whole messages on one session as one operation (SmtpSendMessages()). Each is
 * scanned as mw_smtp_op_send() scans one (in the steps, just before it is needed), and with
 * PIPELINING the next message's MAIL, RCPTs (and DATA) follow the current one's end of data
 * in the same write (RFC 2920 section 3.1): one round trip per message. Every message gets
 * its own result through done(ctx, index, err, detail, sent, e), called once per message in
 * order while e's getters (last reply, recipients) describe that message; sent is 0 when
 * nothing of it went out (refused before its envelope). A failed message does not stop the
 * batch; a fatal error ends it, and every message not done yet gets that error. The
 * operation ends DONE when all were accepted, else FAILED with the first failure's error.
 * The engine takes msgs (an array from malloc()) and everything in it, also on failure: no
 * copy, so starting stays cheap per message. */
typedef struct mw_smtp_batch_msg {
    char *from;   /* addr-spec or "", from malloc() */
    char **rcpts; /* addr-specs, the array and each string from malloc() */
    size_t nrcpt;
    mw_smtp_source src;
    int utf8; /* set by the engine */
} mw_smtp_batch_msg;
typedef void (*mw_smtp_batch_done)(void *ctx, size_t index, unsigned err, const char *detail,
                                   int sent, const mw_smtp *e);
MW_INTERNAL unsigned mw_smtp_op_send_batch(mw_smtp *e, mw_smtp_batch_msg *msgs, size_t n,
                                           mw_smtp_batch_done done, void *ctx);
/* Release msgs[0..n) and the array (what is set of each: zeroed fields are skipped). */
MW_INTERNAL void mw_smtp_batch_msgs_free(mw_smtp_batch_msg *msgs, size_t n);
/* Transaction API. */
MW_INTERNAL unsigned mw_smtp_op_mail(mw_smtp *e, const mw_smtp_envelope *env);
MW_INTERNAL unsigned mw_smtp_op_rcpt(mw_smtp *e, const char *addr);
/* Append body bytes (data must stay valid until the operation ends); final: end the message
 * after them and wait for the server's verdict. The bytes are scanned in the steps before any
 * of them is sent: a NUL, or a line that would pass 998 octets counting what earlier pieces
 * left open, fails the operation with ST_ERROR_INVALID_ARGUMENT and the transaction open. */
MW_INTERNAL unsigned mw_smtp_op_write(mw_smtp *e, const char *data, size_t len, int final);
/* Simple commands. kind: MW_SMTP_CMD_*. */
enum {
    MW_SMTP_CMD_RAW,
    MW_SMTP_CMD_RSET,
    MW_SMTP_CMD_NOOP,
    MW_SMTP_CMD_VRFY,
    MW_SMTP_CMD_EXPN,
    MW_SMTP_CMD_QUIT
};
MW_INTERNAL unsigned mw_smtp_op_command(mw_smtp *e, int kind, const char *arg);

/* The next operation, once it succeeds, copies the server's reply text into out (size bytes,
 * terminated), so a non-blocking call delivers it like a blocking one (SmtpExpandAddress). */
MW_INTERNAL void mw_smtp_set_reply_out(mw_smtp *e, char *out, size_t size);

/* The session acknowledges received data at once (mw_sock_can_ack_now()): a message of one
 * BDAT chunk may then go in the same write as its envelope, one round trip instead of two,
 * without the server's final reply waiting for a delayed ACK. */
MW_INTERNAL void mw_smtp_set_acks_at_once(mw_smtp *e, int on);

/* DSN settings for later transactions (SMTP_NOTIFY_* | SMTP_RETURN_*), envid may be NULL. */
MW_INTERNAL unsigned mw_smtp_set_dsn(mw_smtp *e, uint32_t flags, const char *envid);

/* State for the API getters. */
MW_INTERNAL const mw_smtp_caps *mw_smtp_caps_of(const mw_smtp *e);
MW_INTERNAL int mw_smtp_last_code(const mw_smtp *e);
MW_INTERNAL const char *mw_smtp_last_enh(const mw_smtp *e);
MW_INTERNAL const char *mw_smtp_last_text(const mw_smtp *e);
MW_INTERNAL size_t mw_smtp_rcpt_count(const mw_smtp *e);
MW_INTERNAL const mw_smtp_rcpt *mw_smtp_rcpt_at(const mw_smtp *e, size_t i);
MW_INTERNAL void mw_smtp_transfer(const mw_smtp *e, uint64_t *done, uint64_t *total);
MW_INTERNAL int mw_smtp_is_extended(const mw_smtp *e);
/* Whether the connection can take a command (not closed, no body open). */
MW_INTERNAL int mw_smtp_usable(const mw_smtp *e);
/* Name of the current state (traces, tests). */
MW_INTERNAL const char *mw_smtp_state_name(const mw_smtp *e);

/* Address checks shared with the API: an addr-spec an envelope can carry (RFC 5321 section
 * 4.1.2 and 4.5.3.1: no CR, LF, NUL, controls, space, "<" or ">"; local part up to 64 octets,
 * path up to 256). Returns 0 or -1 with a reason in detail. */
MW_INTERNAL int mw_smtp_check_address(const char *addr, size_t len, int allow_empty, char *detail,
                                      size_t detail_size);

#endif
