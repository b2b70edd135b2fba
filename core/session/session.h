/* The part every client handle shares (internal): connection set-up (resolve, connect, TLS),
 * the transport, the attached protocol engine, deadlines, cancel, events, trace, owner thread
 * and the last reply.
 *
 * One non-blocking step function drives everything; the blocking facade is a poll loop over
 * it, so the two faces cannot drift. Protocol engines do no I/O: the session lends them the
 * bytes it reads and sends the bytes they lend it. */
#ifndef MW_SESSION_H
#define MW_SESSION_H

#include <stdint.h>

#include <mailwire/common.h>

#include "../net/tls.h"
#include "engine_ops.h"
#include "trace.h"
#include "../platform/platform.h"

/* Protocol tags for mw_session_set_protocol(): a handle of one protocol passed to the other
 * protocol's API is ST_ERROR_INVALID_HANDLE. */
enum { MW_PROTO_NONE = 0, MW_PROTO_SMTP = 1, MW_PROTO_IMAP = 2 };

enum mw_step {
    MW_STEP_WAIT = 0,    /* would block: see mw_session_wait_info() */
    MW_STEP_DONE = 1,    /* the operation finished */
    MW_STEP_FAILED = -1, /* the operation failed: s->err, s->detail */
    MW_STEP_FREED = 2    /* an event callback freed the session: do not touch it again */
};

/* Connection phase; changed only by set_phase() in session.c. */
enum mw_phase {
    MW_PH_IDLE,       /* not connected */
    MW_PH_RESOLVING,  /* waiting for the resolver thread */
    MW_PH_CONNECTING, /* TCP connect in progress */
    MW_PH_TLS_WAIT,   /* TLS is next; the trust store is still loading on the prefetch worker */
    MW_PH_HANDSHAKE,  /* TLS handshake in progress (implicit or STARTTLS) */
    MW_PH_OPEN,       /* transport ready; the engine runs */
    MW_PH_CLOSED      /* connection dropped or closed */
};

typedef struct mw_session mw_session;

/* New unconnected session owned by the calling thread. options: MAILWIRE_OPTION_* bits.
 * timeout_ms bounds every wait (connect, handshake, each reply). */
MW_INTERNAL mw_session *mw_session_new(uint32_t options, unsigned timeout_ms);

/* Free (after closing). Inside an event callback the free is deferred until the dispatcher
 * unwinds. */
MW_INTERNAL void mw_session_free(mw_session *s);

/* Copy TLS client credentials; ST_ERROR_NONE or an error (cause in the error detail). Like
 * every session function, it leaves the thread's last error alone: the client layer
 * (client.c) sets that once, at the API boundary. */
MW_INTERNAL unsigned mw_session_set_credentials(mw_session *s, const SECURITYCREDENTIALS *cred);
/* A non-blocking session that will use TLS: load its trust (the system store and its CA
 * file) on a worker thread now, unless already loaded or loading, so that the step that
 * starts the handshake finds it ready instead of holding the event loop while it loads
 * (tls_creds.h). */
MW_INTERNAL void mw_session_prefetch_tls(mw_session *s);

/* Attach the protocol engine (not owned). */
MW_INTERNAL void mw_session_set_engine(mw_session *s, const mw_engine_ops *ops, void *eng);

/* Start connecting to host:port (the operation ends when the transport is ready and the
 * engine, if any, reports done). Returns ST_ERROR_NONE or an error (cause in the detail). */
MW_INTERNAL unsigned mw_session_connect(mw_session *s, const char *host, uint16_t port);

/* Start an engine operation on an open session (the engine has queued its commands). */
MW_INTERNAL unsigned mw_session_begin(mw_session *s);

/* Do all the work possible without blocking. Returns MW_STEP_*. */
MW_INTERNAL int mw_session_step(mw_session *s);

/* What to wait for before the next step: the socket (or, while resolving, the wake-up
 * channel), MW_WANT_* bits, and milliseconds until the deadline (-1: none; 0: step now). */
MW_INTERNAL void mw_session_wait_info(mw_session *s, mw_socket_t *sock, int *want, int *timeout_ms);

/* The wake-up channel a blocking wait polls besides the socket: a cancel from another
 * thread (or the resolver finishing) signals it. */
MW_INTERNAL mw_socket_t mw_session_wake_fd(const mw_session *s);

/* End the running operation with err, dropping the connection (the wait itself failed). */
MW_INTERNAL void mw_session_abort(mw_session *s, unsigned err, const char *detail);

/* The watch callback (MailwireSetWatch()): set (NULL to stop), told at once what to watch;
 * notify tells it again when that changed (after a step, when an operation starts). */
MW_INTERNAL void mw_session_set_watch(mw_session *s, MAILWIRE_WATCHPROC fn, void *user);
MW_INTERNAL void mw_session_notify_watch(mw_session *s);
/* The operation about to start is the library's own (a disconnect's QUIT/LOGOUT): it raises no
 * MAILWIRE_EVENT_COMPLETE. */
MW_INTERNAL void mw_session_set_quiet_op(mw_session *s, int quiet);

/* Another thread closes the session: when a thread is inside a call on s, that call is
 * cancelled and frees the session when it returns (1; mw_session_close_requested() is then
 * true for it after mw_session_release()); when none is, 0 and the caller closes s itself.
 * Exactly one of the two frees s, however the call and the close interleave. Any thread. */
MW_INTERNAL int mw_session_hand_close(mw_session *s);
MW_INTERNAL int mw_session_close_requested(const mw_session *s);
/* The running operation of a non-blocking session is given up (its session is closed): it
 * ends with MAILWIRE_EVENT_COMPLETE and ST_ERROR_CANCELLED. */
MW_INTERNAL void mw_session_abandon(mw_session *s);

/* Request cancellation; any thread. */
MW_INTERNAL void mw_session_cancel(mw_session *s);

/* Orderly close: TLS close_notify (one non-blocking try), then close the socket. */
MW_INTERNAL void mw_session_close(mw_session *s);

/* Upgrade the open connection to TLS in place (the engine asked for it, or a test does). */
MW_INTERNAL unsigned mw_session_start_tls(mw_session *s);

MW_INTERNAL int mw_session_register_event(mw_session *s, unsigned event, MAILWIRE_EVENTPROC fn,
                                          void *user);
MW_INTERNAL void mw_session_emit(mw_session *s, unsigned event, unsigned err);

MW_INTERNAL void mw_session_set_trace(mw_session *s, mw_trace_fn fn, void *user);
/* The application's trace callback (MailwireSetTrace); sessions start with the process-wide
 * default (MailwireSetDefaultTrace / MailwireEnableTrace). Sent secrets are redacted for both
 * traces alike. */
MW_INTERNAL void mw_session_set_public_trace(mw_session *s, MAILWIRE_TRACEPROC fn, void *user);
/* Trace a message about the session itself. */
MW_INTERNAL void mw_session_trace_info(mw_session *s, const char *fmt, ...) MW_PRINTF(2, 3);

MW_INTERNAL void mw_session_get_security_info(mw_session *s, SECURITYINFO *info);

/* Attach protocol state (the API layer's per-handle block, usually holding the engine). The
 * session owns it from now on: destroy(data) runs when the session is freed, also when an
 * event callback freed it (deferred free). */
MW_INTERNAL void mw_session_set_protocol(mw_session *s, unsigned proto, void *data,
                                         void (*destroy)(void *data));
/* The protocol state when the session carries proto, else NULL. */
MW_INTERNAL void *mw_session_protocol(const mw_session *s, unsigned proto);

/* Non-blocking sessions (Smtp/ImapAsyncConnect): operations return "in progress" and the
 * caller pumps mw_session_step() (MailwireExecute). */
MW_INTERNAL void mw_session_set_async(mw_session *s, int async);
MW_INTERNAL int mw_session_is_async(const mw_session *s);

/* Deadline for the replies of the operation in progress, replacing the session timeout until
 * the operation ends (IMAP IDLE waits longer than a reply). 0 restores the session timeout.
 * Call after mw_session_begin(); re-arms the deadline from now. */
MW_INTERNAL void mw_session_set_op_timeout(mw_session *s, unsigned timeout_ms);
/* The session's configured timeout in milliseconds. */
MW_INTERNAL unsigned mw_session_timeout(const mw_session *s);
/* A blocking wait (client.c) counts as being inside a call on s for its whole length, not
 * only while it steps: claim returns what release needs. Nested claims are harmless. */
MW_INTERNAL unsigned mw_session_claim(mw_session *s);
MW_INTERNAL void mw_session_release(mw_session *s, unsigned claim);
/* Whether another thread is inside a blocking wait or mw_session_step() on s right now
 * (possible with FREETHREAD): freeing s then would pull it from under that thread. */
MW_INTERNAL int mw_session_used_elsewhere(const mw_session *s);
/* Whether the session still runs an operation the engine has ended (its output is being
 * flushed, or its events raised): nothing new may start from there. */
MW_INTERNAL int mw_session_ending(const mw_session *s);
/* Whether an operation is running (started and not yet finished or failed). */
MW_INTERNAL int mw_session_busy(const mw_session *s);
/* The error of the last operation (ST_ERROR_NONE after success). */
MW_INTERNAL unsigned mw_session_last_error(const mw_session *s);

/* Accessors. */
MW_INTERNAL const char *mw_session_host(const mw_session *s);
MW_INTERNAL unsigned mw_session_port(const mw_session *s);
/* The engine attached with mw_session_set_engine() (NULL when none). */
MW_INTERNAL void *mw_session_engine(const mw_session *s);
/* The engine's cause of its last refused op call ("" when none). */
MW_INTERNAL const char *mw_session_engine_why(const mw_session *s);
/* Let the engine queue the polite end of the session (engine_ops.h: close). */
MW_INTERNAL unsigned mw_session_engine_close(mw_session *s);
MW_INTERNAL enum mw_phase mw_session_phase(const mw_session *s);
MW_INTERNAL int mw_session_is_tls(const mw_session *s);
MW_INTERNAL const char *mw_session_error_detail(const mw_session *s);
MW_INTERNAL uint32_t mw_session_options(const mw_session *s);
/* Whether the peer is a loopback address (cleartext credentials are allowed there). */
MW_INTERNAL int mw_session_peer_is_loopback(const mw_session *s);

/* The handle this session is registered under (INVALID_CLIENT when none). */
MW_INTERNAL HCLIENT mw_session_handle(const mw_session *s);
MW_INTERNAL void mw_session_set_handle(mw_session *s, HCLIENT h);

/* Owner thread (not checked with FREETHREAD). Read and written under the handle table's
 * lock. */
MW_INTERNAL uint32_t mw_session_owner(const mw_session *s);
MW_INTERNAL void mw_session_set_owner(mw_session *s, uint32_t tid);

#endif
