/* Session core; see session.h. */
#ifndef _WIN32
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <netdb.h>
#endif

#include "../net/tls_creds.h"
#include "../util/alloc.h"
#include "../util/str.h"
#include "errors.h"
#include "session_priv.h"
#include "winevents.h"

/* Internal step result: the phase changed, run the next phase's step at once. */
#define STEP_NEXT (-2)

/* Large enough for a TLS record's plaintext, so one recv drains one record. */
#define MW_RBUF_SIZE 16384

static const char *const phase_names[] = {"IDLE",      "RESOLVING", "CONNECTING", "TLS_WAIT",
                                          "HANDSHAKE", "OPEN",      "CLOSED"};

/* How often a session waiting in MW_PH_TLS_WAIT looks whether the worker is done: the load
 * takes 5 to 60 ms (up to a second under Wine), so a few wake-ups per load, no signal. */
#define TLS_WAIT_POLL_MS 2

/* The one place the phase changes, so the trace shows every transition by name. */
static void set_phase(mw_session *s, enum mw_phase ph)
{
    if (s->phase == ph)
        return;
    mw_session_trace_info(s, "phase %s -> %s", phase_names[s->phase], phase_names[ph]);
    s->phase = ph;
}

static void arm_deadline(mw_session *s)
{
    unsigned ms = s->op_timeout_ms ? s->op_timeout_ms : s->timeout_ms;
    s->deadline = ms ? mw_now_ms() + (int64_t)ms : 0;
}

mw_session *mw_session_new(uint32_t options, unsigned timeout_ms)
{
    mw_session *s = mw_calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->rbuf = mw_malloc(MW_RBUF_SIZE);
    if (!s->rbuf || mw_wakeup_open(&s->wake)) {
        free(s->rbuf);
        free(s);
        return NULL;
    }
    s->options = options;
    s->timeout_ms = timeout_ms;
    s->owner = mw_thread_id();
    s->sock = MW_INVALID_SOCKET;
    s->ev_sock = MW_INVALID_SOCKET;
    s->phase = MW_PH_IDLE;
    s->tls_cfg.trusted_site = (options & MAILWIRE_OPTION_TRUSTEDSITE) != 0;
    s->tls_cfg.fallback = (options & MAILWIRE_OPTION_SECURE_FALLBACK) != 0;
    mw_atomic_init(&s->cancel, 0);
    mw_atomic_init(&s->close_requested, 0);
    mw_tracer_init(&s->tracer);
    return s;
}

/* why: the error that dropped the connection (passed on to the engine, whose unfinished work
 * ends with it), or ST_ERROR_NONE for a close or a free. */
static void drop_connection(mw_session *s, unsigned why)
{
    if (s->resolve) {
        mw_resolve_abandon(s->resolve);
        s->resolve = NULL;
    }
    if (s->conn_active) {
        mw_connector_free(&s->conn);
        s->conn_active = 0;
    }
    if (s->tr) {
        s->tr->ops->destroy(s->tr);
        s->tr = NULL;
    }
    int had_socket = s->sock != MW_INVALID_SOCKET;
    mw_sock_close(s->sock);
    s->sock = MW_INVALID_SOCKET;
    s->rpos = s->rlen = 0;
    s->lowat = s->lowat_guess = 0; /* a new socket starts at 1 */
    s->rx_since_wait = 0;
    s->op_active = 0;
    if (s->phase != MW_PH_IDLE)
        set_phase(s, MW_PH_CLOSED);
    /* The engine must not believe in a connection that is gone: it ends its operation and
     * refuses further ones (ST_ERROR_NOT_CONNECTED). */
    if (had_socket && s->eng_ops && s->eng_ops->closed)
        s->eng_ops->closed(s->eng, why);
}

static void really_free(mw_session *s)
{
    drop_connection(s, ST_ERROR_NONE);
    mw_wakeup_close(&s->wake);
    mw_tls_config_clear(&s->tls_cfg);
    free(s->host);
    free(s->rbuf);
    if (s->proto_destroy)
        s->proto_destroy(s->proto_data);
    free(s);
}

void mw_session_free(mw_session *s)
{
    if (!s)
        return;
#ifdef _WIN32
    mw_winev_release(s); /* before the watch below: the driver window's watch goes with it */
#endif
    if (s->watch) {
        /* The descriptor goes: the event loop must stop watching it. Once only. */
        MAILWIRE_WATCHPROC fn = s->watch;
        s->watch = NULL;
        fn(s->handle, (MAILWIRE_SOCKET)-1, 0, -1, s->watch_user);
    }
    if (s->dispatch_depth > 0) {
        s->free_pending = 1;
        return;
    }
    mw_session_close(s);
    really_free(s);
}

/* A call refused before any operation started: the cause is kept like an operation's, but
 * no event is raised and nothing is dropped. */
static unsigned refuse(mw_session *s, unsigned err, const char *detail)
{
    s->err = err;
    mw_strlcpy(s->detail, detail ? detail : "", sizeof s->detail);
    return err;
}

unsigned mw_session_set_credentials(mw_session *s, const SECURITYCREDENTIALS *cred)
{
    char detail[256] = "";
    int trusted = s->tls_cfg.trusted_site, fallback = s->tls_cfg.fallback;
    mw_tls_config_clear(&s->tls_cfg);
    s->tls_cfg.trusted_site = trusted;
    s->tls_cfg.fallback = fallback;
    unsigned err = mw_tls_config_set(&s->tls_cfg, cred, detail, sizeof detail);
    return err ? refuse(s, err, detail) : ST_ERROR_NONE;
}

/* The prefetch worker. It takes no reference on the library: the application's last
 * MailwireUninitialize() would free what it loads as idle (GnuTLS stays initialised by its own
 * library constructor), and the connection then loads again. */
static void prefetch_main(void *arg)
{
    mw_tls_creds_prefetch_run(arg);
}

void mw_session_prefetch_tls(mw_session *s)
{
    if (!(s->options & (MAILWIRE_OPTION_SECURE | MAILWIRE_OPTION_SECURE_IMPLICIT)))
        return;
    mw_tls_prefetch *p = mw_tls_creds_prefetch_start(&s->tls_cfg);
    if (p && mw_thread_start_detached(prefetch_main, p) != 0)
        mw_tls_creds_prefetch_cancel(p); /* the handshake loads them, as before */
}

void mw_session_set_engine(mw_session *s, const mw_engine_ops *ops, void *eng)
{
    s->eng_ops = ops;
    s->eng = eng;
    s->eng_progress = ops && ops->progress ? ops->progress(eng) : 0;
}

/* ---- failure ---------------------------------------------------------------------------- */

/* The operation a non-blocking call started has ended (MAILWIRE_EVENT_COMPLETE), once; the
 * polite end a disconnect sends on its own is not such an operation. */
static void emit_complete(mw_session *s, unsigned err)
{
    if (s->async && !s->quiet_op)
        mw_session_emit(s, MAILWIRE_EVENT_COMPLETE, err);
}

/* End the operation with an error. fatal: the connection is dropped as well. */
static void reset_lowat(mw_session *s);

static int fail(mw_session *s, unsigned err, int fatal, const char *detail)
{
    s->err = err;
    mw_strlcpy(s->detail, detail ? detail : "", sizeof s->detail);
    mw_session_trace_info(s, "error %u (%s)%s%s", err, mw_error_string(err),
                          s->detail[0] ? ": " : "", s->detail);
    int was_connect = s->op_connect;
    s->op_active = 0;
    s->op_connect = 0;
    s->op_timeout_ms = 0;
    if (fatal)
        drop_connection(s, err);
    else
        reset_lowat(s);
    if (err == ST_ERROR_TIMEOUT)
        mw_session_emit(s, MAILWIRE_EVENT_TIMEOUT, err);
    else if (err == ST_ERROR_CANCELLED)
        mw_session_emit(s, MAILWIRE_EVENT_CANCEL, err);
    else if (err == ST_ERROR_CONNECTION_CLOSED || err == ST_ERROR_TLS_TRUNCATED)
        mw_session_emit(s, MAILWIRE_EVENT_DISCONNECT, err);
    if (was_connect)
        mw_session_emit(s, MAILWIRE_EVENT_CONNECT, err);
    else
        mw_session_emit(s, MAILWIRE_EVENT_ERROR, err);
    emit_complete(s, err);
    return MW_STEP_FAILED;
}

static int fail_transport(mw_session *s, const mw_transport *t)
{
    /* A certificate refused in a TLS renegotiation: SECURITYINFO tells why afterwards too. */
    if (t == s->tr && mw_is_tls(s->tr))
        mw_tls_get_info(s->tr, &s->sec);
    return fail(s, t->err ? t->err : ST_ERROR_SOCKET, 1, t->detail);
}

static int finish(mw_session *s)
{
    int was_connect = s->op_connect;
    reset_lowat(s);
    s->op_active = 0;
    s->op_connect = 0;
    s->op_timeout_ms = 0;
    s->err = ST_ERROR_NONE;
    s->detail[0] = 0;
    if (was_connect)
        mw_session_emit(s, MAILWIRE_EVENT_CONNECT, ST_ERROR_NONE);
    emit_complete(s, ST_ERROR_NONE);
    return MW_STEP_DONE;
}

/* ---- connection set-up ------------------------------------------------------------------ */

unsigned mw_session_connect(mw_session *s, const char *host, uint16_t port)
{
    if (s->phase != MW_PH_IDLE && s->phase != MW_PH_CLOSED)
        return refuse(s, ST_ERROR_ALREADY_CONNECTED, NULL);
    if (!host || !*host || port == 0)
        return refuse(s, ST_ERROR_INVALID_ARGUMENT, "a host name and a port are required");
    char *copy;
    if (mw_strdup_opt(&copy, host))
        return refuse(s, ST_ERROR_OUT_OF_MEMORY, NULL);
    free(s->host);
    s->host = copy;
    s->port = port;
    mw_atomic_store(&s->cancel, 0);
    mw_wakeup_drain(&s->wake);
    s->resolve = mw_resolve_start(host, port, &s->wake);
    if (!s->resolve)
        return refuse(s, ST_ERROR_OUT_OF_MEMORY, "could not start the resolver");
    s->op_active = 1;
    s->op_connect = 1;
    s->unstepped = 1;
    arm_deadline(s);
    set_phase(s, MW_PH_RESOLVING);
    mw_session_trace_info(s, "connecting to %s port %u", host, (unsigned)port);
    return ST_ERROR_NONE;
}

unsigned mw_session_begin(mw_session *s)
{
    if (s->phase != MW_PH_OPEN)
        return refuse(s, ST_ERROR_NOT_CONNECTED, NULL);
    if (s->op_active)
        return refuse(s, ST_ERROR_BUSY, NULL);
    /* A cancel applies to the operation in progress; one left over from before is void. */
    mw_atomic_store(&s->cancel, 0);
    mw_wakeup_drain(&s->wake);
    s->op_active = 1;
    s->op_connect = 0;
    s->unstepped = 1;
    arm_deadline(s);
    return ST_ERROR_NONE;
}

/* Create the TLS transport and start the handshake (the credentials are loaded, or load now). */
static unsigned tls_begin(mw_session *s)
{
    char detail[256] = "";
    mw_transport *t = NULL;
    s->tls_cfg.port = mw_session_port(s);
    s->tls_cfg.no_resume = (s->options & MAILWIRE_OPTION_NORESUME) != 0;
    unsigned err = mw_tls_new(&s->tls_cfg, s->host, s->sock, &t, detail, sizeof detail);
    if (err) {
        fail(s, err, 1, detail);
        return err;
    }
    if (s->tr)
        s->tr->ops->destroy(s->tr);
    s->tr = t;
    memset(&s->sec, 0, sizeof s->sec);
    arm_deadline(s); /* the handshake gets a full timeout of its own */
    set_phase(s, MW_PH_HANDSHAKE);
    return ST_ERROR_NONE;
}

unsigned mw_session_start_tls(mw_session *s)
{
    /* The trust store (the system's: hundreds of certificates) may be loading on the prefetch
     * worker now; a load here as well would hold this step for all of it: an event loop
     * frozen for 5 to 60 ms (a second under Wine) on its first TLS connection, and a blocking
     * call that no cancel reaches. So a session whose credentials are not loaded starts the
     * worker if nothing loads them yet, and waits for it in MW_PH_TLS_WAIT, which polls. */
    mw_session_prefetch_tls(s);
    if (mw_tls_creds_prefetching()) {
        arm_deadline(s);
        set_phase(s, MW_PH_TLS_WAIT);
        return ST_ERROR_NONE;
    }
    return tls_begin(s);
}

/* Whoever loaded (the worker, or no one: a failed load is redone by tls_begin() and reports
 * its cause), the handshake starts once no load is in flight. A worker that loaded other
 * credentials leaves this session's to load inline, as before the worker existed. */
static int step_tls_wait(mw_session *s)
{
    if (mw_tls_creds_prefetching()) {
        s->want = 0;
        return MW_STEP_WAIT;
    }
    return tls_begin(s) ? MW_STEP_FAILED : STEP_NEXT;
}

static int step_resolving(mw_session *s)
{
    struct addrinfo *ai = NULL;
    int gai = 0;
    mw_wakeup_drain(&s->wake);
    if (!mw_resolve_poll(s->resolve, &ai, &gai)) {
        s->want = MW_WANT_READ; /* on the wake-up channel */
        return MW_STEP_WAIT;
    }
    s->resolve = NULL;
    /* The thread signals before it marks the job done, so a signal that raced with the drain
     * above is in the channel now: drain again, or every later poll would wake at once. */
    mw_wakeup_drain(&s->wake);
    if (!ai) {
        char d[300];
        snprintf(d, sizeof d, "%s: %s", s->host, mw_resolve_strerror(gai));
        return fail(s, ST_ERROR_RESOLVE_FAILED, 1, d);
    }
    if (mw_connector_begin(&s->conn, ai, (s->options & MAILWIRE_OPTION_PREFER_IPV6) != 0)) {
        freeaddrinfo(ai);
        return fail(s, ST_ERROR_OUT_OF_MEMORY, 1, NULL);
    }
    s->conn_active = 1;
    set_phase(s, MW_PH_CONNECTING);
    return STEP_NEXT;
}

static int step_connecting(mw_session *s)
{
    int r = mw_connector_step(&s->conn);
    if (r == 0) {
        s->want = MW_WANT_WRITE;
        return MW_STEP_WAIT;
    }
    if (r < 0) {
        char d[300], e[128];
        snprintf(d, sizeof d, "%s port %u (last address tried %s): %s", s->host, (unsigned)s->port,
                 s->conn.last_addr[0] ? s->conn.last_addr : "none",
                 s->conn.count ? mw_sock_strerror(s->conn.last_err, e, sizeof e) : "no address");
        unsigned err = s->conn.count && s->conn.only_refused ? ST_ERROR_CONNECT_REFUSED
                                                             : ST_ERROR_CONNECT_FAILED;
        return fail(s, err, 1, d);
    }
    s->sock = mw_connector_take(&s->conn);
    mw_connector_free(&s->conn);
    s->conn_active = 0;
    mw_session_trace_info(s, "connected to %s", s->conn.last_addr);
    s->tr = mw_plain_transport_new(s->sock);
    if (!s->tr)
        return fail(s, ST_ERROR_OUT_OF_MEMORY, 1, NULL);
    if (s->options & MAILWIRE_OPTION_SECURE_IMPLICIT) {
        if (mw_session_start_tls(s))
            return MW_STEP_FAILED;
        return STEP_NEXT;
    }
    arm_deadline(s); /* the greeting gets a full timeout */
    set_phase(s, MW_PH_OPEN);
    return STEP_NEXT;
}

static int step_handshake(mw_session *s)
{
    int r = mw_tls_handshake(s->tr);
    if (r == MW_IO_AGAIN) {
        s->want = s->tr->ops->want(s->tr);
        return MW_STEP_WAIT;
    }
    mw_tls_get_info(s->tr, &s->sec);
    if (r == MW_IO_ERROR)
        return fail_transport(s, s->tr);
    mw_session_trace_info(s, "TLS established: %s %s%s, certificate %s", s->sec.szProtocol,
                          s->sec.szCipherSuite, s->sec.bResumed ? " (resumed)" : "",
                          s->sec.szStatusText);
    if (s->eng_ops && s->eng_ops->tls_started)
        s->eng_ops->tls_started(s->eng);
    arm_deadline(s);
    set_phase(s, MW_PH_OPEN);
    return STEP_NEXT;
}

/* ---- the open connection ---------------------------------------------------------------- */

static int engine_status(mw_session *s, unsigned *err, const char **detail)
{
    *err = ST_ERROR_NONE;
    *detail = NULL;
    if (!s->eng_ops)
        return MW_OP_DONE;
    return s->eng_ops->status(s->eng, err, detail);
}

static void note_progress(mw_session *s)
{
    if (s->eng_ops && s->eng_ops->progress) {
        unsigned long p = s->eng_ops->progress(s->eng);
        if (p != s->eng_progress) {
            s->eng_progress = p;
            arm_deadline(s);
        }
    }
}

/* A Cancel is pending: from a callback on this thread, or from another thread. */
static int cancel_requested(mw_session *s)
{
    return mw_atomic_load(&s->cancel) != 0;
}

/* READ and WRITE are raised for non-blocking sessions only, as SocketTools does: a blocking
 * call does its own reading and writing. */
static void emit_async(mw_session *s, unsigned event)
{
    if (s->async)
        mw_session_emit(s, event, ST_ERROR_NONE);
}

/* Raise the events the engine queued. A callback may free the session: the free is deferred
 * until the step unwinds (dispatch_depth). */
static void drain_events(mw_session *s)
{
    if (!s->eng_ops || !s->eng_ops->next_event)
        return;
    unsigned err = 0, ev;
    while ((ev = s->eng_ops->next_event(s->eng, &err)) != 0) {
        mw_session_emit(s, ev, err);
        err = 0;
    }
}

/* Results of flush_output(). Their own values: MW_IO_AGAIN and MW_STEP_FAILED are both -1,
 * and mixing them up made a send that would block look like a failure without an error. */
enum { FLUSH_DONE = 0, FLUSH_AGAIN = 1, FLUSH_FAILED = 2, FLUSH_CANCELLED = 3 };

/* Window-message events: the longest a step sends before it gives the message loop back. */
#define MW_WINEV_SLICE_MS 20

/* Send what the engine lends until it has nothing more or the socket would block. */
static int flush_output(mw_session *s)
{
    if (!s->eng_ops)
        return FLUSH_DONE;
    for (;;) {
        const char *p = NULL;
        size_t secret = (size_t)-1;
        size_t n = s->eng_ops->output(s->eng, &p, &secret);
        if (n == 0)
            return FLUSH_DONE;
        long w = s->tr->ops->send(s->tr, p, n);
        if (w == MW_IO_AGAIN) {
            s->want |= s->tr->ops->want(s->tr);
            s->write_blocked = 1;
            return FLUSH_AGAIN;
        }
        if (w < 0) {
            fail_transport(s, s->tr);
            return FLUSH_FAILED;
        }
        mw_trace_sent(&s->tracer, p, (size_t)w, secret);
        s->eng_ops->sent(s->eng, (size_t)w);
        if (s->write_blocked) {
            /* The socket takes data again after a send had to wait (SocketTools' WRITE). */
            s->write_blocked = 0;
            emit_async(s, MAILWIRE_EVENT_WRITE);
        }
        drain_events(s);
        if (cancel_requested(s))
            return FLUSH_CANCELLED; /* nothing more goes out; session_step() acts on it */
        if (s->ev_drv && mw_now_ms() - s->step_t0 >= MW_WINEV_SLICE_MS) {
            /* Window-message events: the step runs inside the application's message loop,
             * and a socket that never blocks (loopback, a fast LAN) would keep it here for
             * the whole message. Give the loop back (its PROGRESS messages, paints, input)
             * and step again at once. */
            s->local_work = 1;
            return FLUSH_AGAIN;
        }
    }
}

/* Before a wait for data: while a large literal arrives, wake when a good part of it is
 * there, not for every segment a slow (TLS-encrypting) server writes. The mark stays below
 * what must still come by a margin larger than a TLS record the transport may hold half of
 * already, so the wait can never outlast the data.
 * While the engine streams a bulk download of unknown size (engine_ops.h: streaming) and the
 * last wait brought only a little (under GUESS_BELOW: the server writes small pieces, e.g.
 * Dovecot's 4 KiB TLS records, and each woke the client), the mark is a guess and the wait
 * also ends after GUESS_MS: one wake-up per few milliseconds replaces one per record. A
 * 142 MB fetch over TLS woke ~2,500 times, a fifth of the client's CPU. The end of the stream
 * is late by GUESS_MS at most. No guess after a wait that brought nothing (a pausing server
 * costs one extra wake-up, not one every GUESS_MS), nor after one that brought a lot: a fast
 * sender would then stall on the receive window while the client sleeps (cleartext Dovecot
 * lost ~15% of its speed that way). */
static void set_lowat(mw_session *s)
{
    enum {
        MAX_LOWAT = 64 * 1024,
        MARGIN = 24 * 1024,
        GUESS_LOWAT = 1024 * 1024,
        GUESS_MS = 5,
        GUESS_BELOW = 256 * 1024
    };
    uint64_t more = s->eng_ops && s->eng_ops->incoming ? s->eng_ops->incoming(s->eng) : 0;
    int lowat = more > MAX_LOWAT + MARGIN ? MAX_LOWAT
                : more > 2 * MARGIN       ? (int)(more - MARGIN)
                                          : 1;
    int guess = s->rx_since_wait > 0 && s->rx_since_wait < GUESS_BELOW && s->eng_ops &&
                s->eng_ops->streaming && s->eng_ops->streaming(s->eng);
    if (s->tr && s->tr->handshaking) {
        lowat = 1; /* a renegotiation's few bytes would never reach the mark */
        guess = 0;
    }
    s->rx_since_wait = 0;
    s->lowat_guess = 0;
    if (guess) {
        lowat = GUESS_LOWAT;
        s->lowat_until = mw_now_ms() + GUESS_MS;
    }
    if (lowat != (s->lowat ? s->lowat : 1)) {
        if (mw_sock_set_rcvlowat(s->sock, lowat) != 0)
            return; /* not supported: every wait ends at the first byte, as before */
        s->lowat = lowat;
    }
    s->lowat_guess = guess;
}

/* Back to waking at the first byte once the operation no longer reads (the application may
 * poll the idle socket for what the server says on its own). */
static void reset_lowat(mw_session *s)
{
    s->lowat_guess = 0;
    if (s->lowat > 1 && s->sock != MW_INVALID_SOCKET && mw_sock_set_rcvlowat(s->sock, 1) == 0)
        s->lowat = 1;
}

static int step_open(mw_session *s)
{
    for (;;) {
        if (cancel_requested(s))
            return STEP_NEXT; /* an event callback or the trace cancelled: session_step() acts */
        s->want = 0;
        s->local_work = 0;
        s->lowat_guess = 0; /* set again only by a wait for data below */
        if (s->eng_ops && s->eng_ops->work && s->eng_ops->work(s->eng)) {
            /* One slice per step: a non-blocking caller gets control back (and is told to
             * step again at once); a blocking wait loops straight on. The slice is progress
             * for the deadline. */
            s->local_work = 1;
            arm_deadline(s);
            return MW_STEP_WAIT;
        }
        if (s->eng_ops && s->eng_ops->compress && s->eng_ops->compress(s->eng)) {
            if (mw_session_start_compress(s))
                return MW_STEP_FAILED;
            continue;
        }
        int fr = flush_output(s);
        if (fr == FLUSH_FAILED)
            return MW_STEP_FAILED;
        if (fr == FLUSH_CANCELLED)
            return STEP_NEXT;
        unsigned err;
        const char *detail;
        int st = engine_status(s, &err, &detail);
        note_progress(s);
        if (st == MW_OP_FAILED || st == MW_OP_FATAL)
            return fail(s, err ? err : ST_ERROR_INTERNAL, st == MW_OP_FATAL, detail);
        if (st == MW_OP_DONE && fr == FLUSH_DONE)
            return finish(s);
        if (st == MW_OP_START_TLS && fr == FLUSH_DONE) {
            /* Bytes after the go-ahead arrived in plaintext and would be taken as protected
             * once TLS is up: response injection (security checklist item 4). */
            if (s->rpos < s->rlen || s->tr->ops->pending(s->tr)) {
                char d[128];
                snprintf(d, sizeof d, "%zu bytes followed the STARTTLS go-ahead",
                         s->rlen - s->rpos);
                return fail(s, ST_ERROR_PROTOCOL_VIOLATION, 1, d);
            }
            if (mw_session_start_tls(s))
                return MW_STEP_FAILED;
            return STEP_NEXT;
        }
        if (s->rpos < s->rlen && st == MW_OP_RUNNING) {
            size_t used = s->eng_ops->feed(s->eng, s->rbuf + s->rpos, s->rlen - s->rpos);
            s->rpos += used;
            if (s->rpos == s->rlen)
                s->rpos = s->rlen = 0;
            drain_events(s);
            if (s->read_pending && s->rlen == 0) {
                /* What arrived has been processed (SocketTools' READ). */
                s->read_pending = 0;
                emit_async(s, MAILWIRE_EVENT_READ);
            }
            if (used == 0 && engine_status(s, &err, &detail) == MW_OP_RUNNING)
                return fail(s, ST_ERROR_INTERNAL, 1, "the engine stopped taking input");
            continue;
        }
        int reading = st == MW_OP_RUNNING && s->eng_ops && s->eng_ops->wants_read(s->eng);
        if (!reading) {
            if (fr == FLUSH_AGAIN)
                return MW_STEP_WAIT;
            /* Nothing to read and nothing to send, yet not done: a stuck engine. */
            return fail(s, ST_ERROR_INTERNAL, 1, "the engine neither reads nor finishes");
        }
        long n = s->tr->ops->recv(s->tr, s->rbuf, MW_RBUF_SIZE);
        if (n == MW_IO_AGAIN) {
            s->want |= s->tr->ops->want(s->tr);
            set_lowat(s);
            return MW_STEP_WAIT;
        }
        if (n == MW_IO_ERROR)
            return fail_transport(s, s->tr);
        if (n == 0)
            return fail(s, ST_ERROR_CONNECTION_CLOSED, 1,
                        "the server closed the connection while a reply was awaited");
        if (s->eng_ops && s->eng_ops->ack_now)
            (void)mw_sock_ack_now(s->sock);
        mw_trace_out(&s->tracer, MW_TRACE_RECEIVED, s->rbuf, (size_t)n);
        s->rx_since_wait += (size_t)n;
        s->rpos = 0;
        s->rlen = (size_t)n;
        s->read_pending = 1;
    }
}

static int session_step(mw_session *s);

/* Act on a pending cancel. An engine in a state it can leave cleanly (IMAP IDLE) ends the
 * operation itself and the step goes on; anything else is cut off, since the protocol state
 * is unknown mid-exchange. */
static int take_cancel(mw_session *s)
{
    mw_atomic_store(&s->cancel, 0);
    mw_wakeup_drain(&s->wake);
    if (s->phase == MW_PH_OPEN && !s->op_connect && s->eng_ops && s->eng_ops->cancel &&
        s->eng_ops->cancel(s->eng)) {
        arm_deadline(s);
        return STEP_NEXT;
    }
    return fail(s, ST_ERROR_CANCELLED, 1, "cancelled by the application");
}

/* s->runner holds the thread inside a call on s, 0 when none, or RUNNER_CLOSE once another
 * thread has handed that call the close (mw_session_hand_close()). Every change is a
 * compare-and-swap, so exactly one of the two threads ends up freeing the session: the closer
 * when the call had already returned, the caller when it had not. */
#define RUNNER_CLOSE 0xFFFFFFFFu

unsigned mw_session_claim(mw_session *s)
{
    unsigned me = mw_thread_id(), prev = 0;
    if (mw_atomic_ucas(&s->runner, &prev, me))
        return 0;
    return prev ? prev : me; /* nested (or closing): the outer claim releases */
}

void mw_session_release(mw_session *s, unsigned claim)
{
    if (claim != 0)
        return;
    unsigned expected = mw_thread_id();
    if (mw_atomic_ucas(&s->runner, &expected, 0))
        return;
    if (expected == RUNNER_CLOSE) {
        /* Another thread closed the handle during this call: the session is ours to free. */
        mw_atomic_ustore(&s->runner, 0);
        mw_atomic_store(&s->close_requested, 1);
    }
}

int mw_session_hand_close(mw_session *s)
{
    unsigned me = mw_thread_id();
    for (;;) {
        unsigned r = mw_atomic_uload(&s->runner);
        if (r == 0 || r == me)
            return 0;
        if (r == RUNNER_CLOSE)
            return 1;
        if (mw_atomic_ucas(&s->runner, &r, RUNNER_CLOSE)) {
            mw_session_cancel(s);
            return 1;
        }
    }
}

int mw_session_step(mw_session *s)
{
    /* Record the thread while it works on s, so a Disconnect from another thread can refuse
     * to free s under it. Nested calls (from callbacks) keep the outer record. */
    unsigned claim = mw_session_claim(s);
    int r = session_step(s);
    if (r != MW_STEP_FREED) {
        mw_session_release(s, claim);
        mw_session_notify_watch(s);
    }
    return r;
}

int mw_session_used_elsewhere(const mw_session *s)
{
    unsigned r = mw_atomic_uload(&s->runner);
    return r != 0 && r != mw_thread_id();
}

static int session_step(mw_session *s)
{
    if (!s->op_active)
        return s->err ? MW_STEP_FAILED : MW_STEP_DONE;
    s->dispatch_depth++;
    s->unstepped = 0;
    s->step_t0 = mw_now_ms();
    int r = STEP_NEXT;
    while (r == STEP_NEXT) {
        /* Checked on every pass, not once per step: a callback that cancels (or a thread that
         * does while this one runs) must stop the operation before the next byte goes out,
         * even when the socket never blocks and the whole exchange fits in one step. */
        if (cancel_requested(s) && (r = take_cancel(s)) != STEP_NEXT)
            break;
        switch (s->phase) {
        case MW_PH_RESOLVING:
            r = step_resolving(s);
            break;
        case MW_PH_CONNECTING:
            r = step_connecting(s);
            break;
        case MW_PH_TLS_WAIT:
            r = step_tls_wait(s);
            break;
        case MW_PH_HANDSHAKE:
            r = step_handshake(s);
            break;
        case MW_PH_OPEN:
            r = s->eng_ops || s->op_connect ? step_open(s) : finish(s);
            break;
        default:
            r = fail(s, ST_ERROR_NOT_CONNECTED, 0, NULL);
            break;
        }
        if (r == MW_STEP_WAIT && s->deadline && mw_now_ms() >= s->deadline &&
            s->phase == MW_PH_OPEN && !s->op_connect && s->eng_ops && s->eng_ops->expire &&
            s->eng_ops->expire(s->eng)) {
            arm_deadline(s);
            r = STEP_NEXT; /* the engine queued something: send it */
        }
    }
    if (r == MW_STEP_WAIT && s->deadline && mw_now_ms() >= s->deadline) {
        static const char *const what[] = {"",
                                           "name resolution",
                                           "connect",
                                           "loading the trust store",
                                           "TLS handshake",
                                           "server reply",
                                           ""};
        char d[128];
        snprintf(d, sizeof d, "no progress in %s within %u ms", what[s->phase], s->timeout_ms);
        r = fail(s, ST_ERROR_TIMEOUT, 1, d);
    }
    s->dispatch_depth--;
    if (s->free_pending && s->dispatch_depth == 0) {
        /* A callback asked for the free while we were dispatching: do it now that nothing on
         * the stack refers to the session any more. */
        mw_session_close(s);
        really_free(s);
        return MW_STEP_FREED;
    }
    return r;
}

void mw_session_wait_info(mw_session *s, mw_socket_t *sock, int *want, int *timeout_ms)
{
    *sock = s->phase == MW_PH_RESOLVING ? s->wake.rd : s->sock;
    *want = s->phase == MW_PH_CONNECTING ? MW_WANT_WRITE : s->want;
    if (s->phase == MW_PH_CONNECTING)
        *sock = s->conn.sock;
    /* Records GnuTLS already decrypted are invisible to poll(): step again at once. So is an
     * operation that has not been stepped yet (nothing is known of what it will wait for),
     * and one whose engine has local work left. */
    if (s->op_active && (s->unstepped || s->local_work || cancel_requested(s))) {
        *timeout_ms = 0;
        return;
    }
    if (s->tr && s->phase == MW_PH_OPEN && s->tr->ops->pending(s->tr)) {
        *timeout_ms = 0;
        return;
    }
    if (!s->op_active) {
        *timeout_ms = 0;
        return;
    }
    int64_t now = mw_now_ms(), until = s->deadline;
    /* A guessed low-water mark (set_lowat()) bounds the wait too. */
    if (s->lowat_guess && (!until || s->lowat_until < until))
        until = s->lowat_until;
    if (!until) {
        *timeout_ms = s->phase == MW_PH_TLS_WAIT ? TLS_WAIT_POLL_MS : -1;
        return;
    }
    int64_t left = until - now;
    if (s->phase == MW_PH_TLS_WAIT && left > TLS_WAIT_POLL_MS)
        left = TLS_WAIT_POLL_MS;
    *timeout_ms = left <= 0 ? 0 : left > 0x7fffffff ? 0x7fffffff : (int)left;
}

mw_socket_t mw_session_wake_fd(const mw_session *s)
{
    return s->wake.rd;
}

void mw_session_abort(mw_session *s, unsigned err, const char *detail)
{
    if (s->op_active)
        fail(s, err, 1, detail);
    else
        refuse(s, err, detail);
}

void mw_session_set_op_timeout(mw_session *s, unsigned timeout_ms)
{
    s->op_timeout_ms = timeout_ms;
    if (s->op_active)
        arm_deadline(s);
}

void mw_session_notify_watch(mw_session *s)
{
    if (!s->watch)
        return;
    mw_socket_t sock;
    int want, timeout;
    mw_session_wait_info(s, &sock, &want, &timeout);
    if (!s->op_active) { /* nothing runs: nothing to wait for */
        want = 0;
        timeout = -1;
    }
    want &= MW_WANT_READ | MW_WANT_WRITE;
    int64_t when = timeout < 0 ? -1 : timeout == 0 ? 0 : mw_now_ms() + timeout;
    /* "Now" is told every time (each one asks for another MailwireExecute()); otherwise only
     * what changed, so a session waiting for the server costs the loop nothing. */
    if (s->w_valid && when != 0 && sock == s->w_sock && want == s->w_want && when == s->w_when)
        return;
    s->w_valid = 1;
    s->w_sock = sock;
    s->w_want = want;
    s->w_when = when;
    s->watch(s->handle, (MAILWIRE_SOCKET)sock, (unsigned)want, timeout, s->watch_user);
}

void mw_session_set_watch(mw_session *s, MAILWIRE_WATCHPROC fn, void *user)
{
    s->watch = fn;
    s->watch_user = user;
    s->w_valid = 0;
    mw_session_notify_watch(s);
}

void mw_session_set_quiet_op(mw_session *s, int quiet)
{
    s->quiet_op = quiet != 0;
}

int mw_session_close_requested(const mw_session *s)
{
    return mw_atomic_load(&s->close_requested) != 0;
}

void mw_session_abandon(mw_session *s)
{
    if (!s->op_active)
        return;
    int quiet = s->quiet_op;
    s->op_active = 0;
    s->op_connect = 0;
    s->op_timeout_ms = 0;
    s->err = ST_ERROR_CANCELLED;
    mw_strlcpy(s->detail, "the session was closed while the operation ran", sizeof s->detail);
    if (s->async && !quiet)
        mw_session_emit(s, MAILWIRE_EVENT_COMPLETE, ST_ERROR_CANCELLED);
}

void mw_session_cancel(mw_session *s)
{
    mw_atomic_store(&s->cancel, 1);
    mw_wakeup_signal(&s->wake);
#ifdef _WIN32
    mw_winev_wake(s);
#endif
}

void mw_session_close(mw_session *s)
{
    if (s->tr && s->phase == MW_PH_OPEN)
        s->tr->ops->shutdown(s->tr);
    drop_connection(s, ST_ERROR_NONE);
}
