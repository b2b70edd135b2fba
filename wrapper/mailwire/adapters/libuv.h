/*
 * <mailwire/adapters/libuv.h>: drive a non-blocking mailwire session from a libuv loop.
 *
 * Header-only C (C11, or C++17): nothing to link but libuv itself (pkg-config libuv, 1.x) and
 * mailwire. libuv's headers need POSIX declarations: strict C11 (-std=c11) must define
 * _POSIX_C_SOURCE=200809L (or _DEFAULT_SOURCE) before any include.
 *
 *     HCLIENT h = ImapAsyncConnect("mail.example.org", 143, 20, IMAP_OPTION_SECURE, NULL);
 *     ImapRegisterEvent(h, IMAP_EVENT_COMPLETE, on_complete, app); // each step ends there
 *     mailwire_uv_attach(h, uv_default_loop());
 *     uv_run(uv_default_loop(), UV_RUN_DEFAULT);
 *
 * The session says through MailwireSetWatch() which descriptor to watch, for what and until
 * when; the driver keeps a uv_poll_t on that descriptor and a uv_timer_t for the deadline,
 * and calls MailwireExecute() when either fires. Results come through the session's events:
 * MAILWIRE_EVENT_COMPLETE once per operation, with the error as its argument. Operations may be
 * started from anywhere on the loop's thread: the session tells the driver, whose timer takes
 * them up on the next iteration. A session with nothing running keeps no handle active, so
 * uv_run(UV_RUN_DEFAULT) returns when every session is idle.
 *
 * A uv_poll_t cannot change its descriptor: the driver closes it and starts a new one when the
 * session moves on (the resolver's wake-up descriptor, then the socket). It also stops and
 * restarts the poll when the session asks for other events, rather than letting libuv modify
 * its registration in place: a socket closed and re-created inside one MailwireExecute() (the
 * next address of a host name) may come back under the same number, and epoll has forgotten
 * the closed one; libuv would abort() on a modification. Handles are closed with uv_close(),
 * that is on a later iteration of the loop.
 *
 * Lifetime. Closing the session (SmtpDisconnect(), ImapDisconnect(), also from inside an event
 * handler) ends the driver by itself: it closes its handles and frees itself once the loop has
 * run their close callbacks (run the loop once more after the last disconnect before
 * uv_loop_close()). mailwire_uv_detach() stops driving a session that stays open; call it only
 * while the session is open, the driver is gone after a disconnect.
 *
 * Threads. Attach, run the loop, and close the session on the thread that owns the session
 * and runs the loop: libuv is not thread-safe, MailwireExecute() is the owner's call, and the
 * watch callback runs on the thread that drives or closes the session.
 *
 * Windows: the descriptor is a SOCKET, which uv_poll_init_socket() takes as it is.
 */
#ifndef MAILWIRE_ADAPTERS_LIBUV_H
#define MAILWIRE_ADAPTERS_LIBUV_H

#include <stdlib.h>

#include <mailwire/common.h>

/* After mailwire's header: on Windows uv.h brings MinGW's winsock2.h, which defines a
 * SECURITY_PROTOCOL_NONE of its own and would make mailwire's definition a redefinition
 * warning. */
#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The driver of one session (allocated by mailwire_uv_attach(), freed by itself). */
typedef struct mailwire_uv {
    uv_loop_t *loop;
    HCLIENT client;       /**< The session; INVALID_CLIENT once detached or gone. */
    uv_timer_t timer;     /**< The deadline; 0 ms for "execute now" and for a look. */
    uv_poll_t *poll;      /**< The watcher of sock, or NULL. */
    MAILWIRE_SOCKET sock; /**< The descriptor watched, or (MAILWIRE_SOCKET)-1. */
    int poll_events;      /**< UV_READABLE / UV_WRITABLE the poll was started with. */
    int handles;          /**< Handles not closed yet: the block goes with the last one. */
    int started;          /**< The timer exists (attach has registered the watch). */
    int told;             /**< The watch callback ran during the current MailwireExecute(). */
    int check_gone;       /**< Told "no descriptor": is the handle still there? */
    int failed;           /**< libuv refused a descriptor: cancel the operation. */
    /* What the watch said while attach was registering it (before the timer existed). */
    MAILWIRE_SOCKET first_sock;
    unsigned first_events;
    int first_timeout;
} mailwire_uv;

/* ---- internals (names end in _impl_) ------------------------------------------------------ */

static inline void mailwire_uv_impl_on_close(uv_handle_t *handle)
{
    mailwire_uv *d = (mailwire_uv *)handle->data;
    if (handle != (uv_handle_t *)&d->timer)
        free(handle);
    if (--d->handles == 0)
        free(d);
}

static inline void mailwire_uv_impl_drop_poll(mailwire_uv *d)
{
    if (d->poll)
        uv_close((uv_handle_t *)d->poll, mailwire_uv_impl_on_close);
    d->poll = NULL;
    d->sock = (MAILWIRE_SOCKET)-1;
    d->poll_events = 0;
}

/* Let go of the session: close every handle; the block goes with the last close callback. */
static inline void mailwire_uv_impl_release(mailwire_uv *d)
{
    d->client = INVALID_CLIENT;
    mailwire_uv_impl_drop_poll(d);
    if (!uv_is_closing((uv_handle_t *)&d->timer))
        uv_close((uv_handle_t *)&d->timer, mailwire_uv_impl_on_close);
}

/* Whether the session is gone (then the driver lets go of it). A session another thread owns
 * now cannot be driven from here: the driver stops watching until the session tells it more. */
static inline int mailwire_uv_impl_gone(mailwire_uv *d)
{
    MAILWIRE_SOCKET sock;
    unsigned events;
    int timeout;
    if (MailwireGetPollInfo(d->client, &sock, &events, &timeout) == 0)
        return 0;
    mailwire_uv_impl_drop_poll(d);
    uv_timer_stop(&d->timer);
    if (MailwireGetLastError() != ST_ERROR_INVALID_HANDLE)
        return 0;
    mailwire_uv_impl_release(d);
    return 1;
}

static inline void mailwire_uv_impl_on_timer(uv_timer_t *timer);

static inline void mailwire_uv_impl_execute(mailwire_uv *d, int by_timer)
{
    d->told = 0;
    if (MailwireExecute(d->client) == MAILWIRE_ERROR) {
        unsigned err = MailwireGetLastError();
        /* An event handler closed the session, or another thread owns it now. */
        if (err == ST_ERROR_INVALID_HANDLE || err == ST_ERROR_NOT_OWNER) {
            mailwire_uv_impl_gone(d);
            return;
        }
    }
    /* Woken by the deadline, and the session saw nothing change: its clock has not reached the
     * deadline yet (libuv's loop time is in whole milliseconds, and may be coarser). The timer
     * has run out: look again in a millisecond, or the deadline would be lost. */
    if (by_timer && !d->told && d->client != INVALID_CLIENT)
        uv_timer_start(&d->timer, mailwire_uv_impl_on_timer, 1, 0);
}

static inline void mailwire_uv_impl_on_timer(uv_timer_t *timer)
{
    mailwire_uv *d = (mailwire_uv *)timer->data;
    if (d->client == INVALID_CLIENT)
        return;
    if (d->check_gone) {
        d->check_gone = 0;
        mailwire_uv_impl_gone(d);
        return;
    }
    if (d->failed) {
        /* The operation cannot be watched: end it (COMPLETE, ST_ERROR_CANCELLED) rather than
         * leave it hanging until its deadline. */
        d->failed = 0;
        MailwireCancel(d->client);
    }
    mailwire_uv_impl_execute(d, 1);
}

static inline void mailwire_uv_impl_on_poll(uv_poll_t *poll, int status, int events)
{
    mailwire_uv *d = (mailwire_uv *)poll->data;
    (void)status; /* an error on the socket is the session's to find and report */
    (void)events;
    if (d->client == INVALID_CLIENT || poll != d->poll)
        return;
    mailwire_uv_impl_execute(d, 0);
}

/* Watch sock for events, or nothing (sock -1 or events 0): an idle session keeps no handle
 * active, and a hung-up descriptor nobody asked about cannot wake the loop. */
static inline void mailwire_uv_impl_set_poll(mailwire_uv *d, MAILWIRE_SOCKET sock, unsigned events)
{
    int want = ((events & MAILWIRE_POLL_READ) ? UV_READABLE : 0) |
               ((events & MAILWIRE_POLL_WRITE) ? UV_WRITABLE : 0);
    if (sock == (MAILWIRE_SOCKET)-1)
        want = 0;
    if (d->poll && (want == 0 || sock != d->sock))
        mailwire_uv_impl_drop_poll(d);
    if (want == 0)
        return;
    if (!d->poll) {
        uv_poll_t *p = (uv_poll_t *)malloc(sizeof *p);
        if (!p || uv_poll_init_socket(d->loop, p, (uv_os_sock_t)sock) != 0) {
            free(p); /* not initialised: nothing to close */
            d->failed = 1;
            return;
        }
        p->data = d;
        d->handles++;
        d->poll = p;
        d->sock = sock;
    } else if (want != d->poll_events) {
        /* Stopped first, so that libuv registers the descriptor afresh (see the file comment)
         * instead of modifying a registration epoll may have dropped. */
        uv_poll_stop(d->poll);
    } else {
        return;
    }
    d->poll_events = 0;
    if (uv_poll_start(d->poll, want, mailwire_uv_impl_on_poll) != 0) {
        d->failed = 1;
        return;
    }
    d->poll_events = want;
}

static inline void mailwire_uv_impl_apply(mailwire_uv *d, MAILWIRE_SOCKET sock, unsigned events,
                                          int timeout)
{
    mailwire_uv_impl_set_poll(d, sock, events);
    if (sock == (MAILWIRE_SOCKET)-1) {
        /* Either the connection is gone and the handle stays until it is closed, or the
         * session is being freed right now: the callback cannot tell which, and must not call
         * into the session. Look from the loop. */
        d->check_gone = 1;
        timeout = 0;
    } else {
        d->check_gone = 0;
    }
    if (d->failed)
        timeout = 0;
    if (timeout < 0) {
        uv_timer_stop(&d->timer);
        return;
    }
    /* The loop's clock is only brought up to date once per iteration: from a stale one the
     * deadline would come early. */
    uv_update_time(d->loop);
    uv_timer_start(&d->timer, mailwire_uv_impl_on_timer, (uint64_t)timeout, 0);
}

/* MAILWIRE_WATCHPROC: only records what to wait for; the work happens in the callbacks. */
static inline void MAILWIRE_CALLBACK mailwire_uv_impl_watch(HCLIENT hClient,
                                                            MAILWIRE_SOCKET hSocket,
                                                            unsigned nEvents, int nTimeout,
                                                            void *lpUserData)
{
    mailwire_uv *d = (mailwire_uv *)lpUserData;
    (void)hClient;
    d->told = 1;
    if (!d->started) { /* the first call, from inside MailwireSetWatch() in attach */
        d->first_sock = hSocket;
        d->first_events = nEvents;
        d->first_timeout = nTimeout;
        return;
    }
    if (d->client != INVALID_CLIENT)
        mailwire_uv_impl_apply(d, hSocket, nEvents, nTimeout);
}

/* ---- the API --------------------------------------------------------------------------------- */

/**
 * @brief Drive a non-blocking session from a libuv loop until the session closes.
 *
 * Registers the driver as the session's watch (MailwireSetWatch()): a session has one driver
 * at a time (a second one replaces the first, which then waits for nothing; detach the first).
 * @param hClient a session from SmtpAsyncConnect() or ImapAsyncConnect().
 * @param loop    the loop (uv_default_loop() or one of the application's).
 * @return the driver, for mailwire_uv_detach() only; or NULL with the last error:
 *         ST_ERROR_OUT_OF_MEMORY, or that of MailwireSetWatch() (ST_ERROR_INVALID_HANDLE,
 *         ST_ERROR_NOT_OWNER, ST_ERROR_INVALID_ARGUMENT for a blocking session).
 * @par Thread: the session's owner, which runs the loop.
 */
static inline mailwire_uv *mailwire_uv_attach(HCLIENT hClient, uv_loop_t *loop)
{
    mailwire_uv *d = (mailwire_uv *)calloc(1, sizeof *d);
    if (!d) {
        MailwireSetLastError(ST_ERROR_OUT_OF_MEMORY);
        return NULL;
    }
    d->loop = loop;
    d->client = hClient;
    d->sock = d->first_sock = (MAILWIRE_SOCKET)-1;
    d->first_timeout = -1;
    /* The watch is told at once, inside MailwireSetWatch(); it only records that, so a refusal
     * leaves no libuv handle behind to close. */
    if (MailwireSetWatch(hClient, mailwire_uv_impl_watch, d) != 0) {
        free(d);
        return NULL;
    }
    uv_timer_init(loop, &d->timer);
    d->timer.data = d;
    d->handles = 1;
    d->started = 1;
    mailwire_uv_impl_apply(d, d->first_sock, d->first_events, d->first_timeout);
    return d;
}

/**
 * @brief Stop driving a session that stays open; the driver closes its handles and frees
 *        itself on the loop's next iteration.
 *
 * Only while the session is open: once it has been closed the driver is gone by itself (and
 * this pointer with it). May be called from an event handler of the session.
 * @param driver from mailwire_uv_attach(); NULL does nothing.
 * @par Thread: the session's owner, which runs the loop.
 */
static inline void mailwire_uv_detach(mailwire_uv *driver)
{
    if (!driver || driver->client == INVALID_CLIENT)
        return;
    MailwireSetWatch(driver->client, NULL, NULL);
    mailwire_uv_impl_release(driver);
}

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_ADAPTERS_LIBUV_H */
