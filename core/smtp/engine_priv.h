/* Inside of the SMTP engine, shared by engine.c (states, replies, commands), envelope.c and
 * body.c (the transaction) and auth.c (the SASL exchange). Nothing else includes it. */
#ifndef MW_SMTP_ENGINE_PRIV_H
#define MW_SMTP_ENGINE_PRIV_H

#include "../sasl/sasl.h"
#include "../util/buf.h"
#include "../util/evq.h"
#include "dot.h"
#include "engine.h"
#include "reply.h"
#include "source.h"

/* Protocol states; changed only by set_state() (engine.c). */
enum smtp_state {
    SMTP_ST_NONE,          /* no connection yet */
    SMTP_ST_GREETING,      /* 220 awaited */
    SMTP_ST_EHLO,          /* EHLO sent */
    SMTP_ST_HELO,          /* HELO sent (no EXTENDED, or EHLO refused) */
    SMTP_ST_STARTTLS,      /* STARTTLS sent, 220 awaited */
    SMTP_ST_TLS_HANDSHAKE, /* go-ahead received; the session runs the handshake */
    SMTP_ST_READY,         /* idle between operations, no transaction */
    SMTP_ST_SCAN,          /* reading a message before its envelope (mw_smtp_scan_work()) */
    SMTP_ST_AUTH,          /* AUTH exchange */
    SMTP_ST_COMMAND,       /* one simple command (RSET, NOOP, VRFY, EXPN, raw) */
    SMTP_ST_ENVELOPE,      /* MAIL / RCPT (/ DATA) replies awaited */
    SMTP_ST_MAIL_OPEN,     /* transaction API: MAIL accepted, recipients may follow */
    SMTP_ST_DATA_CMD,      /* DATA sent, 354 awaited */
    SMTP_ST_BODY,          /* message bytes flowing after 354 */
    SMTP_ST_DATA_OPEN,     /* transaction API: inside DATA, waiting for SmtpWrite() */
    SMTP_ST_BDAT,          /* message flowing as BDAT chunks */
    SMTP_ST_DATA_END,      /* end of data sent, the verdict awaited */
    SMTP_ST_RSET_FAIL,     /* RSET after a failed transaction, then report the failure */
    SMTP_ST_QUIT,          /* QUIT sent */
    SMTP_ST_CLOSED         /* QUIT done, or a fatal error */
};

/* What a queued command's reply means. */
enum smtp_expect {
    EXP_GREETING,
    EXP_EHLO,
    EXP_HELO,
    EXP_STARTTLS,
    EXP_AUTH,
    EXP_MAIL,
    EXP_RCPT,
    EXP_DATA,
    EXP_BDAT,
    EXP_EOD,       /* reply to the end of the message */
    EXP_EOD_ABORT, /* reply to an empty message sent to leave DATA after a failed envelope */
    EXP_RSET_FAIL, /* RSET after a failure; the stored failure is reported afterwards */
    EXP_RSET_NEXT, /* RSET leading a transaction queued behind a BDAT one (batch.c) */
    EXP_CMD,
    EXP_QUIT
};

struct mw_smtp {
    enum smtp_state state;
    uint32_t options;
    char *local_name;
    int tls;    /* the transport is TLS */
    int ehlo;   /* extensions in use (EHLO accepted) */
    int secure; /* STARTTLS required */

    mw_smtp_reply rp;
    mw_smtp_caps caps;

    /* output: out.p[opos..out.len) is lent to the session; [sec_from, sec_to) is secret and
     * wiped once sent or dropped */
    mw_buf out;
    size_t opos;
    size_t sec_from, sec_to;

    /* replies expected, in order */
    unsigned char *exp;
    size_t exp_head, exp_len, exp_cap;

    /* operation */
    int op; /* MW_OP_* */
    unsigned err;
    char detail[400];
    char why[400];   /* cause of the last refused op call (engine_ops.h: why) */
    char *reply_out; /* mw_smtp_set_reply_out(): where the next op's final reply text goes */
    size_t reply_out_size;
    unsigned long progress;
    int cmd_kind; /* MW_SMTP_CMD_* of a simple command */
    int cmd_back; /* state after it */

    /* last reply */
    int last_code;
    char last_enh[16];
    mw_buf last; /* its text */

    /* events for the session */
    mw_evq events;

    /* transaction */
    mw_smtp_rcpt *rcpt;
    size_t nrcpt, rcpt_cap;
    size_t rcpt_sent, rcpt_replies, rcpt_ok;
    int mail_code;
    int tx_api;        /* the transaction runs through SmtpCreateMessage()/SmtpAddRecipient() */
    int tx_utf8;       /* the open transaction's MAIL FROM carried SMTPUTF8 */
    int data_in_batch; /* DATA was pipelined with the envelope */
    int bdat_in_batch; /* BDAT chunks follow the envelope without waiting */
    int use_bdat;
    int pipelining;
    unsigned pend_err; /* failure reported after the RSET that ends the transaction */
    char pend_detail[400];
    /* The server's refusal that RSET follows: SmtpGetResultCode() reports it, not the RSET's
     * 250 (the RSET is the library's, not the caller's command). */
    int pend_kept;
    int pend_code;
    char pend_enh[16];
    mw_buf pend_text;

    /* body */
    mw_smtp_source src;
    int have_src, src_end, body_final;
    const char *sp;
    size_t sl;
    mw_smtp_dot dot;
    uint64_t bytes_done, bytes_total;
    /* The server accepted the message (2xx to the final "." or BDAT LAST): only then does the
     * progress reach the total (issue 15: 100 % shown before a refusal arrived). */
    int data_accepted;
    size_t bdat_out;  /* BDAT replies outstanding */
    int bdat_last;    /* the LAST chunk was queued */
    int bdat_hold;    /* ... and waits in the output for the replies before it */
    int acks_at_once; /* the session acknowledges received data at once: no hold needed */
    int bdat_failed;

    /* local work before sending (engine_ops.h: work) */
    int scanning;       /* MW_SMTP_SCAN_* */
    mw_smtp_scan scan;  /* the message (or, for pieces, the transaction so far: wscan) */
    mw_smtp_scan wscan; /* SmtpWrite(): what the pieces accepted so far hold */
    char *scan_from;    /* the message's sender, until its envelope is queued */
    uint64_t scan_size; /* its SIZE= */
    int scan_utf8;      /* its addresses need SMTPUTF8 */
    const char *piece;  /* SmtpWrite(): the piece being scanned */
    size_t piece_left;

    /* DSN */
    uint32_t dsn;
    char *envid;

    /* AUTH */
    mw_sasl *sasl;
    int auth_cancelled;

    /* mw_smtp_op_send_batch(): the messages still to send (batch.c), NULL otherwise */
    struct mw_smtp_batch *batch;
};

enum {
    MW_SMTP_SCAN_NONE = 0,
    MW_SMTP_SCAN_MESSAGE = 1,
    MW_SMTP_SCAN_PIECE = 2,
    MW_SMTP_SCAN_BATCH = 3 /* the batch's next message is read before its envelope (batch.c) */
};

/* Bytes scanned per slice: about a millisecond of work, so no step runs long however large the
 * message (a GUI's event loop stays responsive, the starting call stays O(1)). */
#define MW_SMTP_SCAN_SLICE (1024u * 1024u)
/* engine.c: when the scan sc found a NUL or a line over 998 octets (security checklist item
 * 39), the refusal's text (what appended) into out and 1; else 0. */
MW_INTERNAL int mw_smtp_scan_refusal(const mw_smtp_scan *sc, const char *what, char *out,
                                     size_t size);
/* envelope.c, for batch.c: start a whole-message transaction from an envelope whose message
 * has been scanned (src is owned by the engine from now on, also on failure). queued: its
 * commands went out already (mw_smtp_queue_envelope(), behind the previous transaction), so
 * only the state is set up. 0, or -1 when out of memory. */
MW_INTERNAL int mw_smtp_start_tx(mw_smtp *e, const mw_smtp_envelope *env, mw_smtp_source *src,
                                 int utf8, int queued);
/* envelope.c: queue MAIL, the RCPTs and (when DATA goes in the batch) DATA of a whole-message
 * transaction with their expected replies, without touching the transaction state: used to
 * put the next transaction behind the end of the current one's data (RFC 2920 section 3.1).
 * Only with PIPELINING. 0, or -1 when out of memory (what was queued stays: the caller fails
 * the connection). */
MW_INTERNAL int mw_smtp_queue_envelope(mw_smtp *e, const mw_smtp_envelope *env, int utf8);
/* envelope.c: what mw_smtp_op_send() checks of an envelope before anything is queued (the
 * addresses, and with content the scanned message's needs against the server); the cause
 * goes to why. */
MW_INTERNAL unsigned mw_smtp_check_send(mw_smtp *e, const mw_smtp_envelope *env, int *utf8,
                                        int content);
/* body.c: report the stored failure (pend_err, pend_detail) with the kept refusal as the last
 * reply, without the RSET (the next transaction's commands are on their way already). */
MW_INTERNAL void mw_smtp_report_pending(mw_smtp *e);
/* batch.c: hooks of the engine's entry points. settle: the current transaction ended (op not
 * running): record its result and start the next one; ahead: queue the next transaction's
 * envelope behind the current one's end of data when that is safe; work: scan the next
 * message (1 while more remains); ahead_queued: the next transaction's commands are out. */
MW_INTERNAL void mw_smtp_batch_settle(mw_smtp *e);
MW_INTERNAL void mw_smtp_batch_ahead(mw_smtp *e);
MW_INTERNAL int mw_smtp_batch_work(mw_smtp *e);
MW_INTERNAL int mw_smtp_batch_ahead_queued(const mw_smtp *e);
MW_INTERNAL void mw_smtp_batch_free(mw_smtp *e);

/* envelope.c: the message scan is complete: check what it needs against the server and queue
 * the envelope (0), or fail the operation (-1). */
MW_INTERNAL int mw_smtp_scan_done(mw_smtp *e);
/* body.c: the SmtpWrite() piece scan is complete and clean: send it. */
MW_INTERNAL void mw_smtp_piece_done(mw_smtp *e);

/* engine.c helpers used by auth.c */
MW_INTERNAL void mw_smtp_set_state(mw_smtp *e, enum smtp_state st);
MW_INTERNAL int mw_smtp_push_exp(mw_smtp *e, enum smtp_expect x);
/* Append a command line (CRLF added). secret_from: offset in the line from which the bytes
 * are secret, (size_t)-1 for none. Returns 0 or -1 (out of memory). */
MW_INTERNAL int mw_smtp_out_line(mw_smtp *e, const char *line, size_t len, size_t secret_from);
/* Refuse an op call: the cause goes to why (overlap-safe), the code is returned. */
MW_INTERNAL unsigned mw_smtp_refuse(mw_smtp *e, unsigned err, const char *fmt, ...) MW_PRINTF(3, 4);
/* The checks every op call starts with: connected (ST_ERROR_NOT_CONNECTED), no operation
 * running (ST_ERROR_BUSY). */
MW_INTERNAL unsigned mw_smtp_check_start(mw_smtp *e);
MW_INTERNAL void mw_smtp_fail(mw_smtp *e, unsigned err, int fatal, const char *fmt, ...)
    MW_PRINTF(4, 5);
/* Fail with the error class of the last reply (4xx temporary, 5xx permanent, anything else
 * out of sync and fatal); what names the command. */
MW_INTERNAL void mw_smtp_fail_reply(mw_smtp *e, const char *what);
MW_INTERNAL void mw_smtp_done(mw_smtp *e, enum smtp_state next);
MW_INTERNAL int mw_smtp_out_printf(mw_smtp *e, const char *fmt, ...) MW_PRINTF(2, 3);
/* Make room for n more bytes at mw_buf_tail(&e->out) (an empty buffer is reset to its
 * start, so a refill of an empty buffer starts at offset 0). */
MW_INTERNAL int mw_smtp_out_reserve(mw_smtp *e, size_t n);
/* Drop everything queued and not yet sent (its secret part wiped). */
MW_INTERNAL void mw_smtp_out_drop(mw_smtp *e);
MW_INTERNAL void mw_smtp_push_event(mw_smtp *e, unsigned ev, unsigned err);
/* ST_ERROR_SERVER_TEMPORARY for 4xx, _PERMANENT for 5xx, else ST_ERROR_OUT_OF_SYNC. */
MW_INTERNAL unsigned mw_smtp_class_error(int code);
/* An operation starts in state st. */
MW_INTERNAL int mw_smtp_begin_op(mw_smtp *e, enum smtp_state st);
MW_INTERNAL void mw_smtp_close_source(mw_smtp *e);
MW_INTERNAL void mw_smtp_clear_rcpts(mw_smtp *e);
/* envelope.c and body.c: replies to the envelope and the body, and the body refills */
MW_INTERNAL void mw_smtp_on_mail(mw_smtp *e);
MW_INTERNAL void mw_smtp_on_rcpt(mw_smtp *e);
MW_INTERNAL void mw_smtp_on_data(mw_smtp *e);
MW_INTERNAL void mw_smtp_on_eod(mw_smtp *e, int abort);
MW_INTERNAL void mw_smtp_on_bdat(mw_smtp *e);
MW_INTERNAL void mw_smtp_refill_data(mw_smtp *e);
MW_INTERNAL void mw_smtp_refill_bdat(mw_smtp *e);
/* A BDAT chunk leaves the queue: its reply is expected. */
MW_INTERNAL void mw_smtp_bdat_sent(mw_smtp *e);
/* Release a held LAST chunk once no reply is outstanding; 1 when released. */
MW_INTERNAL int mw_smtp_bdat_release(mw_smtp *e);
/* body.c, for the envelope's replies: open the body (DATA, or straight to BDAT chunks);
 * stop producing BDAT chunks (those in flight are still answered); end a failed
 * transaction with RSET and report the stored failure (pend_err, pend_detail) once it is
 * answered, after recording it with fail_after_rset. */
MW_INTERNAL void mw_smtp_start_body(mw_smtp *e);
MW_INTERNAL void mw_smtp_stop_bdat(mw_smtp *e);
MW_INTERNAL void mw_smtp_rset_then_fail(mw_smtp *e);
MW_INTERNAL void mw_smtp_fail_after_rset(mw_smtp *e, unsigned err, const char *fmt, ...)
    MW_PRINTF(3, 4);
/* The reply to that RSET: report the stored failure with the refusal as the last reply. */
MW_INTERNAL void mw_smtp_on_rset_fail(mw_smtp *e);
/* envelope.c, for body.c: the detail of ST_ERROR_NO_VALID_RECIPIENTS with the server's own
 * words, e.g. "no recipient was accepted: <bob@x> 550 5.1.1 User unknown" (bounded; with a
 * count when several were refused). */
MW_INTERNAL void mw_smtp_refusals_detail(const mw_smtp *e, char *out, size_t size);
/* auth.c */
MW_INTERNAL void mw_smtp_auth_reply(mw_smtp *e);

#endif
