/* What a protocol engine offers the session (internal). A leaf header: engines include it
 * and nothing of the session, so they stay free of sockets, TLS, clocks, handles and the
 * thread's last error.
 *
 * The contract: an engine op call (mw_smtp_op_*, mw_imap_op_*) checks its arguments and the
 * protocol state, then either refuses (returns the error code; why() gives the cause;
 * nothing is queued and a running operation is left alone) or queues its commands and
 * returns ST_ERROR_NONE. The session then drives the operation through the functions below
 * until status() says it ended. No function may do I/O or read a clock. */
#ifndef MW_ENGINE_OPS_H
#define MW_ENGINE_OPS_H

#include <stddef.h>
#include <stdint.h>

/* Status of the engine's current operation. */
enum mw_op_status {
    MW_OP_RUNNING = 0,   /* more I/O needed */
    MW_OP_DONE = 1,      /* finished successfully (once its output is flushed) */
    MW_OP_START_TLS = 2, /* STARTTLS go-ahead received: upgrade the transport now */
    MW_OP_FAILED = 3,    /* failed; the session stays usable (e.g. a 5xx reply) */
    MW_OP_FATAL = 4      /* failed; the connection must be dropped */
};

typedef struct mw_engine_ops {
    const char *name;
    /* Take received bytes; return how many were consumed. May stop early (after a STARTTLS
     * go-ahead); the session then treats leftover bytes as injected. */
    size_t (*feed)(void *eng, const char *data, size_t len);
    /* Lend the next bytes to send; 0 when there are none. *secret_from is the offset from
     * which the bytes must not reach the trace ((size_t)-1: nothing secret). */
    size_t (*output)(void *eng, const char **data, size_t *secret_from);
    /* n of the lent bytes were sent. */
    void (*sent)(void *eng, size_t n);
    /* Whether the engine waits for input. */
    int (*wants_read)(void *eng);
    /* MW_OP_*; on failure *err is the error code and *detail its cause (may be NULL). */
    int (*status)(void *eng, unsigned *err, const char **detail);
    /* The transport is now TLS: forget everything learned before (security checklist 6, 7). */
    void (*tls_started)(void *eng);
    /* Counter bumped whenever a reply completes or bulk data advances; the session re-arms
     * the per-reply deadline when it changes. May be NULL. */
    unsigned long (*progress)(void *eng);
    /* Optional (may be NULL). The next event the engine wants raised (MAILWIRE_EVENT_*), 0
     * when none; *err is the error the event carries. Drained after every feed and send, so
     * callbacks run while the operation goes on (COMMAND per reply, PROGRESS, UPDATE). */
    unsigned (*next_event)(void *eng, unsigned *err);
    /* Optional. The deadline of the operation passed. Return 1 when the engine handled it (it
     * queued output or changed state, e.g. IMAP IDLE sends DONE): the session re-arms the
     * deadline and goes on. Return 0 (or leave NULL) to fail with ST_ERROR_TIMEOUT. */
    int (*expire)(void *eng);
    /* Optional. Cancellation was requested. Return 1 when the engine ends the operation
     * itself in an orderly way (it queues what it must send and later reports MW_OP_FAILED
     * with ST_ERROR_CANCELLED, or MW_OP_DONE); 0 (or NULL): the session fails the operation
     * with ST_ERROR_CANCELLED and drops the connection. */
    int (*cancel)(void *eng);
    /* Start the connect operation: the greeting is awaited once the transport is up (after
     * the TLS handshake with implicit TLS). ST_ERROR_NONE or an error (why() says). */
    unsigned (*connect)(void *eng);
    /* Queue the polite end of the session (SMTP QUIT, IMAP LOGOUT) as a new operation, when
     * the connection can take a command now (a running IMAP IDLE is ended first).
     * ST_ERROR_NONE when queued; an error when nothing can be sent. */
    unsigned (*close)(void *eng);
    /* The connection is gone (dropped after a fatal error, closed, or freed): the engine
     * ends any operation and refuses further ones with ST_ERROR_NOT_CONNECTED. why: the
     * error that dropped it (ST_ERROR_CANCELLED for a cancel, ST_ERROR_TIMEOUT, ...), with
     * which unfinished work ends; ST_ERROR_NONE for a close or a free (unfinished work then
     * ends with ST_ERROR_CONNECTION_CLOSED). Optional. */
    void (*closed)(void *eng, unsigned why);
    /* Optional. Local work the operation must do before it can send more (SMTP scans a
     * message for NUL bytes and over-long lines before its envelope): one bounded slice, so
     * that no single MailwireExecute() runs long and the call that starts an operation stays
     * O(1). Return 1 while more remains (the session then asks to be stepped again at once),
     * 0 when there is none. */
    int (*work)(void *eng);
    /* Optional. Bytes the engine knows are on their way (the rest of an IMAP literal being
     * read), 0 when it does not know. The session then lets the kernel wake it only once a
     * good part of them has arrived (Linux SO_RCVLOWAT) instead of for every few kilobytes a
     * slow sender writes: fewer wake-ups per megabyte. */
    uint64_t (*incoming)(void *eng);
    /* Optional. 1 while the operation is a bulk download with more responses certain to follow
     * (an IMAP range fetch after its UIDs are known), 0 otherwise. Servers write such a
     * stream in small TLS records (Dovecot: 4 KiB), and waking for each cost more CPU than
     * decrypting it; the session then waits for a good amount of data or a short while,
     * whichever comes first, so the end of the stream is late by that while at most. */
    int (*streaming)(void *eng);
    /* The cause of the last refused op call ("" when none); never NULL. */
    const char *(*why)(void *eng);
    /* The protocol answers each burst of commands with short replies and then waits: received
     * data is acknowledged at once where the platform allows it (Linux TCP_QUICKACK), so no
     * server reply waits behind this side's delayed ACK. Bulk-download protocols leave it 0
     * (delayed ACKs halve the ACK traffic there). */
    int ack_now;
} mw_engine_ops;

#endif
