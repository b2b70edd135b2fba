/* What the IMAP API files share (internal): the per-handle block and the call prologue that
 * turns a handle into a ready engine, plus the common way to run an operation. */
#ifndef MW_IMAP_API_H
#define MW_IMAP_API_H

#include <mailwire/imap.h>

#include "../session/client.h"
#include "../session/errors.h"
#include "../session/session.h"
#include "engine.h"

typedef struct mw_imap_client {
    mw_imap_engine e;
    mw_session *s;
    char *host;
    unsigned port;
    unsigned idle_interval_ms; /* IDLE re-issue interval (RFC 2177: under 29 minutes) */
    unsigned poll_interval_ms; /* NOOP polling without IDLE */
    /* APPEND sources that must outlive the call on a non-blocking session */
    const char *mem_p;
    size_t mem_left;
    void *append_file; /* FILE *, closed when the next APPEND starts or the handle goes */
} mw_imap_client;

/* Find the client of h for a call that runs a command: connected, not busy (a running
 * non-blocking IDLE is ended with DONE first). Returns ST_ERROR_NONE or the error (thread
 * error set). */
MW_INTERNAL unsigned mw_imap_enter(HCLIENT h, mw_imap_client **c);
/* Like mw_imap_enter() but no connection is needed (getters). */
MW_INTERNAL unsigned mw_imap_enter_local(HCLIENT h, mw_imap_client **c);
/* Start the operation the engine has queued and wait for it (blocking) or return
 * MAILWIRE_IN_PROGRESS. op_timeout_ms: 0 for the session timeout. */
MW_INTERNAL int mw_imap_run(mw_imap_client *c, unsigned op_timeout_ms);
/* Fail a call before anything was queued: sets the thread error, returns IMAP_ERROR. */
MW_INTERNAL int mw_imap_refuse(unsigned err, const char *detail);
/* The logged-in / selected checks. */
MW_INTERNAL int mw_imap_need_auth(mw_imap_client *c);
MW_INTERNAL int mw_imap_need_selected(mw_imap_client *c);

#endif
