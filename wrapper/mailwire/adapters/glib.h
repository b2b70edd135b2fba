/*
 * <mailwire/adapters/glib.h>: drive a non-blocking mailwire session from a GLib main loop
 * (GTK programs, or any GMainContext).
 *
 * Header-only C (C11, or C++17): nothing to link but GLib itself (pkg-config glib-2.0, 2.36 or
 * newer) and mailwire.
 *
 *     HCLIENT h = SmtpAsyncConnect("mail.example.org", 587, 20, SMTP_OPTION_SECURE, NULL, NULL);
 *     SmtpRegisterEvent(h, SMTP_EVENT_COMPLETE, on_complete, app); // each step ends there
 *     mailwire_glib_attach(h, NULL);                               // NULL: the default context
 *     g_main_loop_run(loop);
 *
 * One GSource per session. The session says through MailwireSetWatch() which descriptor to
 * watch, for what and until when; the source watches that descriptor (g_source_add_unix_fd(),
 * changed or replaced as the session asks), keeps the deadline as its ready time, and calls
 * MailwireExecute() when either fires. Results come through the session's events:
 * MAILWIRE_EVENT_COMPLETE once per operation, with the error as its argument. Operations may be
 * started from anywhere on the loop's thread (an event handler, another source, before the
 * loop runs): the session tells the source, which takes them up on the next iteration. A
 * session with nothing running leaves the source idle: no descriptor, no ready time.
 *
 * Lifetime. Closing the session (SmtpDisconnect(), ImapDisconnect(), also from inside an
 * event handler) removes the source from its context by itself, on the next iteration.
 * Destroying the source first (g_source_destroy(), g_source_remove()) stops driving the session,
 * which stays open; start another source for it, or close it.
 *
 * Threads. Create the source, run its context and close the session on the thread that owns
 * the session (the one that connected it, or MailwireAttachThread()): MailwireExecute() is the
 * owner's call, and the watch callback runs on the thread that drives or closes the session.
 *
 * Windows. The descriptor is a SOCKET there, and GLib polls event objects, not sockets: the
 * source creates one event object, lets WSAEventSelect() signal it for the socket the session
 * names (read: FD_READ, write: FD_WRITE and FD_CONNECT, both: FD_CLOSE), polls it with
 * g_source_add_poll(), and resets it with WSAEnumNetworkEvents() before each
 * MailwireExecute(). WSAEventSelect() is called again whenever the session asks for something
 * else, which re-reports a socket that is already readable or writable. This part is
 * type-checked with MinGW against GLib's Windows declarations (tests/adapters/check_headers.sh)
 * but has never run: Debian ships no GLib for Windows.
 */
#ifndef MAILWIRE_ADAPTERS_GLIB_H
#define MAILWIRE_ADAPTERS_GLIB_H

#include <glib.h>

#include <mailwire/common.h>

#ifdef G_OS_WIN32
/* After mailwire's header: MinGW's winsock2.h defines a SECURITY_PROTOCOL_NONE of its own, which
 * would make mailwire's definition a redefinition warning. */
#include <winsock2.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** The source of one session: a GSource with what it watches. */
typedef struct MailwireGlibSource {
    GSource source;       /**< First: what GLib knows of it. */
    HCLIENT client;       /**< The session; INVALID_CLIENT once it is known to be gone. */
    MAILWIRE_SOCKET sock; /**< The descriptor watched, or (MAILWIRE_SOCKET)-1. */
    unsigned events;      /**< MAILWIRE_POLL_* it is watched for; 0: not watched. */
    gboolean told;        /**< The watch callback ran during the current dispatch. */
    gboolean check_gone;  /**< Told "no descriptor": is the handle still there? */
#ifdef G_OS_WIN32
    GPollFD pfd;     /**< The event object WSAEventSelect() signals. */
    gboolean polled; /**< pfd is among the source's polls. */
#else
    gpointer tag; /**< From g_source_add_unix_fd(), or NULL. */
#endif
} MailwireGlibSource;

/* ---- internals (names end in _impl_) ------------------------------------------------------ */

/* Watch sock for events, or nothing (sock -1 or events 0). Nothing at all is watched while the
 * session wants nothing: poll() reports a hung-up descriptor whatever is asked, and an idle
 * session's peer closing would otherwise wake the loop on every iteration. */
static inline void mailwire_glib_impl_set_fd(MailwireGlibSource *s, MAILWIRE_SOCKET sock,
                                             unsigned events)
{
    if (sock == (MAILWIRE_SOCKET)-1)
        events = 0;
#ifdef G_OS_WIN32
    if (events == 0) {
        if (s->polled)
            g_source_remove_poll(&s->source, &s->pfd);
        s->polled = FALSE;
        /* Left associated with the event until it asks for something again: the socket may
         * be closed already, and its handle value taken by another. */
        s->sock = (MAILWIRE_SOCKET)-1;
        s->events = 0;
        return;
    }
    long mask = FD_CLOSE;
    if (events & MAILWIRE_POLL_READ)
        mask |= FD_READ;
    if (events & MAILWIRE_POLL_WRITE)
        mask |= FD_WRITE | FD_CONNECT;
    WSAEventSelect((SOCKET)sock, (WSAEVENT)s->pfd.fd, mask);
    if (!s->polled)
        g_source_add_poll(&s->source, &s->pfd);
    s->polled = TRUE;
#else
    GIOCondition cond = (GIOCondition)(((events & MAILWIRE_POLL_READ) ? G_IO_IN : 0) |
                                       ((events & MAILWIRE_POLL_WRITE) ? G_IO_OUT : 0));
    if (s->tag && (events == 0 || sock != s->sock)) {
        g_source_remove_unix_fd(&s->source, s->tag);
        s->tag = NULL;
    }
    if (events == 0) {
        s->sock = (MAILWIRE_SOCKET)-1;
        s->events = 0;
        return;
    }
    if (!s->tag)
        s->tag = g_source_add_unix_fd(&s->source, (gint)sock, cond);
    else if (events != s->events)
        g_source_modify_unix_fd(&s->source, s->tag, cond);
#endif
    s->sock = sock;
    s->events = events;
}

/* Whether the session is gone (then the source lets go of it). A session another thread owns
 * now cannot be driven from here: the source stops watching until the session tells it more. */
static inline gboolean mailwire_glib_impl_gone(MailwireGlibSource *s)
{
    MAILWIRE_SOCKET sock;
    unsigned events;
    int timeout;
    if (MailwireGetPollInfo(s->client, &sock, &events, &timeout) == 0)
        return FALSE;
    mailwire_glib_impl_set_fd(s, (MAILWIRE_SOCKET)-1, 0);
    g_source_set_ready_time(&s->source, -1);
    if (MailwireGetLastError() != ST_ERROR_INVALID_HANDLE)
        return FALSE;
    s->client = INVALID_CLIENT;
    return TRUE;
}

/* MAILWIRE_WATCHPROC: only records what to wait for; the work happens in dispatch. */
static inline void MAILWIRE_CALLBACK mailwire_glib_impl_watch(HCLIENT hClient,
                                                              MAILWIRE_SOCKET hSocket,
                                                              unsigned nEvents, int nTimeout,
                                                              void *lpUserData)
{
    MailwireGlibSource *s = (MailwireGlibSource *)lpUserData;
    (void)hClient;
    s->told = TRUE;
    if (g_source_is_destroyed(&s->source))
        return; /* the application let go of it; finalize unregisters */
    mailwire_glib_impl_set_fd(s, hSocket, nEvents);
    if (hSocket == (MAILWIRE_SOCKET)-1) {
        /* Either the connection is gone and the handle stays until it is closed, or the
         * session is being freed right now: the callback cannot tell which, and must not call
         * into the session. Dispatch once to look. */
        s->check_gone = TRUE;
        g_source_set_ready_time(&s->source, 0);
        return;
    }
    s->check_gone = FALSE;
    if (nTimeout < 0)
        g_source_set_ready_time(&s->source, -1);
    else if (nTimeout == 0)
        g_source_set_ready_time(&s->source, 0); /* "execute now": on the next iteration */
    else
        g_source_set_ready_time(&s->source, g_get_monotonic_time() + (gint64)nTimeout * 1000);
}

#ifdef G_OS_WIN32
static inline gboolean mailwire_glib_impl_check(GSource *source)
{
    MailwireGlibSource *s = (MailwireGlibSource *)source;
    return s->polled && s->pfd.revents != 0;
}
#endif

static inline gboolean mailwire_glib_impl_dispatch(GSource *source, GSourceFunc callback,
                                                   gpointer data)
{
    MailwireGlibSource *s = (MailwireGlibSource *)source;
    (void)callback; /* results come through the session's events */
    (void)data;
    if (s->client == INVALID_CLIENT)
        return G_SOURCE_REMOVE;
#ifdef G_OS_WIN32
    if (s->polled && s->pfd.revents) {
        WSANETWORKEVENTS ne; /* resets the event object; the session finds out the rest */
        WSAEnumNetworkEvents((SOCKET)s->sock, (WSAEVENT)s->pfd.fd, &ne);
    }
#endif
    if (s->check_gone) {
        s->check_gone = FALSE;
        g_source_set_ready_time(source, -1);
        return mailwire_glib_impl_gone(s) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
    }
    gint64 now = g_source_get_time(source), ready = g_source_get_ready_time(source);
    s->told = FALSE;
    if (MailwireExecute(s->client) == MAILWIRE_ERROR) {
        unsigned err = MailwireGetLastError();
        /* An event handler closed the session, or another thread owns it now. */
        if (err == ST_ERROR_INVALID_HANDLE || err == ST_ERROR_NOT_OWNER)
            return mailwire_glib_impl_gone(s) ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
    }
    /* Woken by the deadline, and the session saw nothing change: its clock has not reached
     * the deadline yet (on Windows it ticks in 16 ms steps). The ready time stays in the past
     * and would wake the loop at once, again and again: look again in a millisecond. */
    if (!s->told && ready >= 0 && ready <= now)
        g_source_set_ready_time(source, now + 1000);
    return G_SOURCE_CONTINUE;
}

static inline void mailwire_glib_impl_finalize(GSource *source)
{
    MailwireGlibSource *s = (MailwireGlibSource *)source;
    if (s->client != INVALID_CLIENT) {
        /* The session outlives its source: it must not call into freed memory. A handle that
         * is gone already just fails here. */
        HCLIENT h = s->client;
        s->client = INVALID_CLIENT;
        MailwireSetWatch(h, NULL, NULL);
    }
#ifdef G_OS_WIN32
    if (s->sock != (MAILWIRE_SOCKET)-1)
        WSAEventSelect((SOCKET)s->sock, NULL, 0);
    WSACloseEvent((WSAEVENT)s->pfd.fd);
#endif
}

static inline GSourceFuncs *mailwire_glib_impl_funcs(void)
{
    /* Local to a function rather than to the header: a header-level static would be an unused
     * variable in every file that includes the header without using it. */
    static GSourceFuncs funcs = {
        NULL, /* prepare: the descriptor and the ready time are all GLib needs */
#ifdef G_OS_WIN32
        mailwire_glib_impl_check,
#else
        NULL,
#endif
        mailwire_glib_impl_dispatch,
        mailwire_glib_impl_finalize,
        NULL,
        NULL};
    return &funcs;
}

/* ---- the API --------------------------------------------------------------------------------- */

/**
 * @brief A new GSource that drives a non-blocking session, not attached yet.
 *
 * Registers itself as the session's watch (MailwireSetWatch()), so a session has one source at
 * a time (a second one replaces the first, which then waits for nothing). Attach it with
 * g_source_attach(); it may be given a priority or a name first (default "mailwire").
 * @param hClient a session from SmtpAsyncConnect() or ImapAsyncConnect().
 * @return the source (a reference for the caller: g_source_unref() it once attached), or NULL
 *         with the last error of MailwireSetWatch() (ST_ERROR_INVALID_HANDLE,
 *         ST_ERROR_NOT_OWNER, ST_ERROR_INVALID_ARGUMENT for a blocking session).
 * @par Thread: the session's owner.
 */
static inline GSource *mailwire_glib_source_new(HCLIENT hClient)
{
    GSource *source = g_source_new(mailwire_glib_impl_funcs(), sizeof(MailwireGlibSource));
    MailwireGlibSource *s = (MailwireGlibSource *)source; /* the rest is zeroed */
    s->client = hClient;
    s->sock = (MAILWIRE_SOCKET)-1;
#ifdef G_OS_WIN32
    s->pfd.fd = (gintptr)WSACreateEvent();
    s->pfd.events = G_IO_IN;
#endif
    g_source_set_name(source, "mailwire");
    if (MailwireSetWatch(hClient, mailwire_glib_impl_watch, s) != 0) {
        s->client = INVALID_CLIENT; /* nothing to unregister in finalize */
        g_source_unref(source);
        return NULL;
    }
    return source;
}

/**
 * @brief Drive a non-blocking session from a GMainContext: mailwire_glib_source_new() attached
 *        to context, which holds the only reference.
 * @param hClient a session from SmtpAsyncConnect() or ImapAsyncConnect().
 * @param context the context (NULL: the default one, as g_source_attach()).
 * @return the source id in that context (g_source_remove() for the default context,
 *         g_main_context_find_source_by_id() otherwise), or 0 with the last error of
 *         mailwire_glib_source_new().
 * @par Thread: the session's owner, which runs the context.
 */
static inline guint mailwire_glib_attach(HCLIENT hClient, GMainContext *context)
{
    GSource *source = mailwire_glib_source_new(hClient);
    if (!source)
        return 0;
    guint id = g_source_attach(source, context);
    g_source_unref(source);
    return id;
}

#ifdef __cplusplus
}
#endif

#endif /* MAILWIRE_ADAPTERS_GLIB_H */
