/* The session's fields (internal), shared by session.c (the step, connection set-up,
 * failure), session_attrs.c (settings, accessors, events and traces) and winevents.c (the
 * window-message driver on Windows). Nothing else includes it. */
#ifndef MW_SESSION_PRIV_H
#define MW_SESSION_PRIV_H

#include "../platform/atomic.h"

#include "../net/transport.h"
#include "../platform/connect.h"
#include "../platform/resolve.h"
#include "session.h"
#include "trace.h"

typedef struct event_slot {
    MAILWIRE_EVENTPROC fn;
    void *user;
} event_slot;

struct mw_session {
    uint32_t options;
    unsigned timeout_ms;
    uint32_t owner;
    HCLIENT handle;
    enum mw_phase phase;

    char *host;
    uint16_t port;
    mw_tls_config tls_cfg;
    mw_resolve *resolve;
    mw_connector conn;
    int conn_active;
    mw_socket_t sock;
    mw_transport *tr;
    mw_wakeup wake;
    mw_atomic_int cancel;
    mw_atomic_int close_requested; /* another thread closed the handle during a call */
    mw_atomic_uint runner;         /* thread inside run/step (FREETHREAD misuse check), 0: none */

    const mw_engine_ops *eng_ops;
    void *eng;
    unsigned long eng_progress;

    unsigned proto;
    void *proto_data;
    void (*proto_destroy)(void *);
    int async;
    unsigned op_timeout_ms; /* 0: timeout_ms */

    int op_active;    /* an operation is running */
    int op_connect;   /* ... and it is the connect operation */
    int64_t deadline; /* absolute mw_now_ms() time; 0: none */
    int want;         /* MW_WANT_* bits from the last WAIT */
    int unstepped;    /* begun but not stepped yet: want says nothing so far */
    int local_work;   /* the engine has local work left (engine_ops.h: work): step again now */
    int lowat;        /* the socket's receive low-water mark now (0: never set, i.e. 1) */
    /* The mark was raised on a guess (engine_ops.h: streaming), not on bytes known to come:
     * the wait then also ends at lowat_until (absolute mw_now_ms() time). */
    int lowat_guess;
    int64_t lowat_until;
    size_t rx_since_wait; /* bytes arrived since the last wait for data */
    int quiet_op;         /* the running operation raises no COMPLETE (a disconnect's QUIT) */

    /* the watch callback (MailwireSetWatch) and what it was told last */
    MAILWIRE_WATCHPROC watch;
    void *watch_user;
    int w_valid;
    mw_socket_t w_sock;
    int w_want;
    int64_t w_when; /* -1: no deadline; 0: now; else absolute mw_now_ms() time */

    char *rbuf;
    size_t rpos, rlen;

    unsigned err;
    char detail[512];

    event_slot events[MAILWIRE_EVENT_MAX];
    int dispatch_depth;
    int free_pending;

    mw_tracer tracer;
    int write_blocked; /* a send had to wait: WRITE is raised when the socket takes data again */
    int read_pending;  /* bytes arrived in this step: READ is raised once they are processed */

    SECURITYINFO sec; /* kept after a certificate rejection, when the transport is gone */

    /* Window-message events (winevents.c; Windows only, zero elsewhere): the application's
     * window and message, and the library's driver window with what it was told to watch. */
    void *ev_wnd;
    unsigned ev_msg;
    void *ev_drv;
    mw_socket_t ev_sock;
    unsigned ev_mask;
    mw_atomic_int ev_posted; /* a "step now" message is on its way to the driver window */
    int64_t step_t0;         /* mw_now_ms() when the current step began (the slice budget) */
};

#endif
