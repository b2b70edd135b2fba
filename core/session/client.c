/* The one client path of both protocols: open, start an operation, the blocking wait, close;
 * see client.h. */
#include "client.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/str.h"
#include "errors.h"
#include "handle.h"

#define DEFAULT_TIMEOUT_S 20u
#define MAX_TIMEOUT_S 86400u
/* How long a blocking disconnect waits for the reply to QUIT or LOGOUT at most: the
 * connection goes either way, and an application closing down should not hang for a full
 * timeout on a server that stopped answering. */
#define CLOSE_WAIT_MS 5000u

unsigned mw_client_lookup(HCLIENT h, unsigned proto, mw_session **s, void **data)
{
    unsigned err = mw_handle_lookup(h, 1, s);
    if (err)
        return err;
    *data = mw_session_protocol(*s, proto);
    if (!*data) {
        mw_set_error(ST_ERROR_INVALID_HANDLE, "the handle belongs to another protocol");
        return ST_ERROR_INVALID_HANDLE;
    }
    return ST_ERROR_NONE;
}

unsigned mw_client_enter(HCLIENT h, unsigned proto, mw_session **s, void **data)
{
    unsigned err = mw_client_lookup(h, proto, s, data);
    if (!err && mw_session_ending(*s)) {
        mw_set_error(ST_ERROR_BUSY, "the previous operation is still ending (a call from one of "
                                    "its event handlers)");
        return ST_ERROR_BUSY;
    }
    return err;
}

unsigned mw_client_check(HCLIENT h, unsigned proto)
{
    mw_session *s;
    unsigned err = mw_handle_lookup(h, 0, &s);
    if (err)
        return err;
    if (!mw_session_protocol(s, proto)) {
        mw_set_error(ST_ERROR_INVALID_HANDLE, "the handle belongs to another protocol");
        return ST_ERROR_INVALID_HANDLE;
    }
    return ST_ERROR_NONE;
}

int mw_client_refuse(unsigned err, const char *fmt, ...)
{
    char detail[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(detail, sizeof detail, fmt, ap);
        va_end(ap);
    }
    mw_set_error_text(err, detail);
    return MAILWIRE_ERROR;
}

int mw_client_ok(void)
{
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

/* The session's own failure (the cause is in its detail) as the thread's last error. */
static unsigned session_error(const mw_session *s, unsigned err)
{
    mw_set_error_text(err, mw_session_error_detail(s));
    return err;
}

/* ---- the blocking face ------------------------------------------------------------------ */

static unsigned run(mw_session *s, int *freed)
{
    for (;;) {
        int r = mw_session_step(s);
        if (r == MW_STEP_DONE)
            return ST_ERROR_NONE;
        if (r == MW_STEP_FAILED)
            return mw_session_last_error(s);
        if (r == MW_STEP_FREED) {
            *freed = 1;
            return ST_ERROR_INVALID_HANDLE;
        }
        mw_socket_t sock;
        int want, timeout, perr = 0;
        mw_session_wait_info(s, &sock, &want, &timeout);
        if (timeout == 0)
            continue;
        /* The wake-up channel is polled too, so a cancel from another thread (or the resolver
         * finishing) ends the wait at once. While resolving it is the only thing to wait on. */
        if (mw_session_phase(s) == MW_PH_RESOLVING)
            sock = MW_INVALID_SOCKET;
        if (mw_poll2(sock, want, mw_session_wake_fd(s), timeout, &perr) < 0) {
            char d[160], e[128];
            snprintf(d, sizeof d, "poll: %s", mw_sock_strerror(perr, e, sizeof e));
            mw_session_abort(s, ST_ERROR_SOCKET, d);
            return ST_ERROR_SOCKET;
        }
    }
}

/* run() with the thread error set; *freed tells whether an event callback freed s. */
static unsigned run_to_end(mw_session *s, int *freed)
{
    /* The whole loop, waits included, counts as "inside a call" (mw_session_used_elsewhere). */
    unsigned claim = mw_session_claim(s);
    *freed = 0;
    unsigned err = run(s, freed);
    if (*freed) {
        mw_set_error(ST_ERROR_INVALID_HANDLE, "the session was freed by an event callback");
        return ST_ERROR_INVALID_HANDLE;
    }
    mw_session_release(s, claim);
    if (mw_client_closed_elsewhere(s)) {
        *freed = 1;
        return ST_ERROR_INVALID_HANDLE;
    }
    if (err)
        return session_error(s, err);
    mw_set_error(ST_ERROR_NONE, NULL);
    return ST_ERROR_NONE;
}

unsigned mw_client_run(mw_session *s)
{
    int freed;
    return run_to_end(s, &freed);
}

int mw_client_closed_elsewhere(mw_session *s)
{
    if (!mw_session_close_requested(s))
        return 0;
    /* Another thread closed the handle while this thread's call ran (mw_client_close()): the
     * call was cancelled and the session is this thread's to free. */
    mw_session_free(s);
    mw_set_error(ST_ERROR_INVALID_HANDLE,
                 "another thread closed the session while this call ran on it");
    return 1;
}

/* ---- starting operations ---------------------------------------------------------------- */

int mw_client_op(mw_session *s, unsigned err, unsigned op_timeout_ms)
{
    if (err)
        return mw_client_refuse(err, "%s", mw_session_engine_why(s));
    if (!mw_session_busy(s) && (err = mw_session_begin(s)) != ST_ERROR_NONE) {
        /* The engine took the operation, so the session should be open and idle; if it is
         * not, the two disagree and the connection cannot be trusted. */
        mw_session_abort(s, ST_ERROR_INTERNAL,
                         "the engine started an operation the session "
                         "cannot run");
        return mw_client_refuse(err, "%s", mw_session_error_detail(s));
    }
    mw_session_set_op_timeout(s, op_timeout_ms);
    if (!mw_session_is_async(s))
        return mw_client_run(s) ? MAILWIRE_ERROR : 0;
    /* Non-blocking: nothing more happens in this call (it stays O(1), and no callback runs
     * inside the call that started the operation); the poll info says "step now", and so
     * does the watch callback (which only schedules). */
    mw_set_error(ST_ERROR_IN_PROGRESS, NULL);
    mw_session_notify_watch(s);
    return MAILWIRE_IN_PROGRESS;
}

/* ---- open and close --------------------------------------------------------------------- */

static int bad_host(const char *h)
{
    if (!h || !*h)
        return 1;
    for (; *h; h++)
        if ((unsigned char)*h <= 0x20 || (unsigned char)*h == 0x7f)
            return 1;
    return 0;
}

/* Undo a failed open: nothing of the session may survive. The thread error is set. */
static HCLIENT open_failed(mw_session *s, HCLIENT h, unsigned err, const char *detail)
{
    char d[512];
    mw_strlcpy(d, detail ? detail : "", sizeof d); /* detail may live in s */
    if (h != INVALID_CLIENT)
        mw_handle_unregister(h);
    mw_session_free(s);
    mw_set_error_text(err, d);
    return INVALID_CLIENT;
}

HCLIENT mw_client_open(const mw_open_args *a)
{
    const char *why = NULL;
    if (bad_host(a->host))
        why = "a host name without spaces or control characters is required";
    else if (a->port == 0 || a->port > 65535)
        why = "the port must be 1 to 65535";
    else if (a->timeout_s > MAX_TIMEOUT_S)
        why = "the timeout is longer than a day";
    unsigned timeout_s = a->timeout_s ? a->timeout_s : DEFAULT_TIMEOUT_S;
    mw_session *s = why ? NULL : mw_session_new(a->options, timeout_s * 1000u);
    if (!s) {
        a->destroy(a->data);
        mw_set_error_text(why ? ST_ERROR_INVALID_ARGUMENT : ST_ERROR_OUT_OF_MEMORY, why);
        return INVALID_CLIENT;
    }
    mw_session_set_protocol(s, a->proto, a->data, a->destroy);
    mw_session_set_engine(s, a->ops, a->eng);
    if (a->attached)
        a->attached(a->data, s);
    mw_session_set_async(s, a->async);
    unsigned err;
    if (a->cred && (err = mw_session_set_credentials(s, a->cred)) != ST_ERROR_NONE)
        return open_failed(s, INVALID_CLIENT, err, mw_session_error_detail(s));
    HCLIENT h = mw_handle_register(s);
    if (h == INVALID_CLIENT)
        return open_failed(s, h, ST_ERROR_OUT_OF_MEMORY, "the handle table is full");
    if (a->trace)
        mw_session_set_public_trace(s, a->trace, a->trace_user);
    /* Blocking sessions too: the trust store loads while TCP connects and the greeting comes,
     * and the wait for it (MW_PH_TLS_WAIT) is one a cancel ends. */
    mw_session_prefetch_tls(s);
    if ((err = a->ops->connect(a->eng)) != ST_ERROR_NONE)
        return open_failed(s, h, err, a->ops->why(a->eng));
    if ((err = mw_session_connect(s, a->host, (uint16_t)a->port)) != ST_ERROR_NONE)
        return open_failed(s, h, err, mw_session_error_detail(s));
    if (a->async) {
        mw_set_error(ST_ERROR_IN_PROGRESS, NULL); /* see mw_client_op() */
        return h;
    }
    int freed;
    if ((err = run_to_end(s, &freed)) != ST_ERROR_NONE) {
        if (freed)
            return INVALID_CLIENT;
        return open_failed(s, h, err, mw_session_error_detail(s));
    }
    return h;
}

int mw_client_close(HCLIENT h, unsigned proto)
{
    mw_session *s;
    unsigned err = mw_handle_lookup(h, 0, &s);
    if (err)
        return MAILWIRE_ERROR;
    if (!mw_session_protocol(s, proto))
        return mw_client_refuse(ST_ERROR_INVALID_HANDLE, "the handle belongs to another protocol");
    int free_thread = (mw_session_options(s) & MAILWIRE_OPTION_FREETHREAD) != 0;
    int owner = free_thread || mw_session_owner(s) == mw_thread_id();
    if (free_thread && mw_session_used_elsewhere(s)) {
        /* FREETHREAD: the caller serialises; freeing the session now would pull it from under
         * the thread inside a call. End that call instead. */
        mw_session_cancel(s);
        return mw_client_refuse(ST_ERROR_BUSY,
                                "another thread is inside a call on this handle; it was "
                                "cancelled: disconnect once that call has returned");
    }
    if (!free_thread) {
        /* The handle is gone for everyone from now on (before the hand-over: the owner may
         * free the session the moment it has it). If the owner is inside a call, that call is
         * cancelled and frees the session as it returns (common.h: closing from another
         * thread); otherwise it is closed here. */
        mw_handle_unregister(h);
        if (mw_session_hand_close(s))
            return mw_client_ok();
    }
    if (!owner) {
        /* No call runs on the session (its owner may have ended, the usual case of an object
         * connected on a worker thread and destroyed on the main thread): close it here, as
         * the owner would have. */
        mw_session_set_owner(s, mw_thread_id());
    }
    if (mw_session_busy(s) && !mw_session_ending(s))
        mw_session_abandon(s); /* a running operation ends here: COMPLETE, cancelled */
    /* RFC 5321 section 4.1.1.10 (QUIT), RFC 9051 section 6.1.3 (LOGOUT): the polite end, when
     * the connection can take a command now; the connection goes either way. */
    if (mw_session_phase(s) == MW_PH_OPEN && !mw_session_ending(s) &&
        mw_session_engine_close(s) == ST_ERROR_NONE &&
        (mw_session_busy(s) || mw_session_begin(s) == ST_ERROR_NONE)) {
        int freed = 0;
        mw_session_set_quiet_op(s, 1);
        if (mw_session_is_async(s)) {
            /* Sent if the socket takes it now; the reply is not waited for. */
            freed = mw_session_step(s) == MW_STEP_FREED;
        } else {
            unsigned t = mw_session_timeout(s);
            mw_session_set_op_timeout(s, t && t < CLOSE_WAIT_MS ? t : CLOSE_WAIT_MS);
            (void)run_to_end(s, &freed);
        }
        if (freed)
            return mw_client_ok(); /* an event callback disconnected it already */
    }
    mw_handle_unregister(h);
    mw_session_free(s);
    return mw_client_ok();
}
