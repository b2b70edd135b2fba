/* The one client path of both protocols (internal): how a public call turns a handle into a
 * session, opens a connection, starts an operation, waits for it (blocking face) or leaves
 * it to MailwireExecute() (non-blocking face), and closes the session.
 *
 * This is the API boundary: the functions here, and only they, set the calling thread's
 * last error (the rule is documented in common.h). Engines and the session keep the cause of
 * a failure in their own detail text. */
#ifndef MW_CLIENT_H
#define MW_CLIENT_H

#include <mailwire/common.h>

#include "engine_ops.h"
#include "session.h"

/* Find the session of h for a call of protocol proto: the owner thread is checked (unless
 * FREETHREAD) and a handle of another protocol is ST_ERROR_INVALID_HANDLE. *data receives the
 * protocol state. Returns ST_ERROR_NONE or the error (thread error set). */
MW_INTERNAL unsigned mw_client_lookup(HCLIENT h, unsigned proto, mw_session **s, void **data);

/* mw_client_lookup() for a call that starts an operation: ST_ERROR_BUSY (thread error set)
 * while the session still finishes an operation the engine has already ended, i.e. from an
 * event handler of that operation, where a new one cannot start yet. A running operation
 * the engine may hand over (IMAP IDLE) is not ending: the engine decides then. */
MW_INTERNAL unsigned mw_client_enter(HCLIENT h, unsigned proto, mw_session **s, void **data);

/* Whether h is a live handle of protocol proto, without the owner check (for the calls any
 * thread may make: cancel, attach). ST_ERROR_NONE or ST_ERROR_INVALID_HANDLE (thread error
 * set). */
MW_INTERNAL unsigned mw_client_check(HCLIENT h, unsigned proto);

/* What a connect call asks for. The protocol has applied its own rules first (default and
 * well-known ports, implied options) and built its engine, which the protocol block owns. */
typedef struct mw_open_args {
    unsigned proto; /* MW_PROTO_SMTP or MW_PROTO_IMAP */
    const char *host;
    unsigned port;                   /* 1..65535 */
    unsigned timeout_s;              /* 0: 20 s; at most a day */
    uint32_t options;                /* MAILWIRE_OPTION_* */
    const SECURITYCREDENTIALS *cred; /* may be NULL */
    int async;                       /* a non-blocking session */
    MAILWIRE_TRACEPROC trace;        /* NULL: the process default (MailwireSetDefaultTrace) */
    void *trace_user;
    const mw_engine_ops *ops;
    void *eng;                   /* the engine, ready for ops->connect() */
    void *data;                  /* the protocol block: the session owns it from the call on, */
    void (*destroy)(void *data); /* also when the call fails (destroy(data) runs then) */
    /* Optional: told the session once it exists, before anything is sent (a protocol block
     * that keeps its session, a trace hook). */
    void (*attached)(void *data, mw_session *s);
} mw_open_args;

/* Open a session: resolve, connect, TLS, greeting and the protocol's start (EHLO, STARTTLS,
 * CAPABILITY...), all as the connect operation of the engine. A blocking session returns
 * once it is ready, or INVALID_CLIENT with the thread error set (nothing is left behind). A
 * non-blocking one returns the handle at once with the thread error ST_ERROR_IN_PROGRESS,
 * under the start rule of mw_client_op(); the operation's end is reported by
 * MailwireExecute() and the CONNECT event. */
MW_INTERNAL HCLIENT mw_client_open(const mw_open_args *a);

/* Start the operation an engine op call has just queued; err is what that call returned
 * (its cause then comes from the engine's why()). The one start rule of both protocols:
 * a blocking session runs the operation to its end (0, or MAILWIRE_ERROR); a non-blocking one
 * returns MAILWIRE_IN_PROGRESS at once, having done nothing more: the call stays O(1) and no
 * callback runs inside it, and the poll info asks for a step now (timeout 0), so the
 * commands go out at the first MailwireExecute().
 * op_timeout_ms replaces the session timeout for the replies of this operation (0: the
 * session timeout). When an operation was running and the engine let the new one take its
 * place (IMAP: a command ends IDLE), the running session operation simply goes on as the new
 * one. */
MW_INTERNAL int mw_client_op(mw_session *s, unsigned err, unsigned op_timeout_ms);

/* The blocking face: step and poll until the operation ends. ST_ERROR_NONE or the error
 * (thread error set either way). Wakes promptly on cancel. When an event callback freed the
 * session, ST_ERROR_INVALID_HANDLE and s is gone. */
MW_INTERNAL unsigned mw_client_run(mw_session *s);

/* SmtpDisconnect()/ImapDisconnect(): the polite end (QUIT, LOGOUT) when the connection can
 * take a command, then the handle and the session are gone. A blocking session waits for the
 * reply, at most the session timeout or 5 s, whichever is shorter; a non-blocking one sends
 * what it can without waiting, and ends a running operation with COMPLETE (cancelled).
 * Any thread may close: when no call runs on the session, the caller closes it (taking it
 * over from an owner that may have ended); when the owner is inside a call, that call is
 * cancelled and frees the session as it returns (mw_client_closed_elsewhere()). With
 * FREETHREAD a call running elsewhere makes it ST_ERROR_BUSY (the caller serialises). */
MW_INTERNAL int mw_client_close(HCLIENT h, unsigned proto);

/* After a call ran on s: when another thread closed the handle meanwhile, free s (this
 * thread's now), set ST_ERROR_INVALID_HANDLE and return 1: s is gone. */
MW_INTERNAL int mw_client_closed_elsewhere(mw_session *s);

/* Fail a call before anything started: sets the thread error (detail printf-style, NULL for
 * none) and returns MAILWIRE_ERROR. */
MW_INTERNAL int mw_client_refuse(unsigned err, const char *fmt, ...) MW_PRINTF(2, 3);

/* A call that succeeded without starting an operation: thread error ST_ERROR_NONE, 0. */
MW_INTERNAL int mw_client_ok(void);

#endif
