/* What the IMAP API files share (internal): the per-handle block, the handle lookup and the
 * one way an engine op is started. The API files check the C API's pointer arguments, look
 * the handle up, call the engine op (core/imap/engine.h) and start it; they hold no protocol
 * text and touch no engine field. */
#ifndef MW_IMAP_API_H
#define MW_IMAP_API_H

#include <mailwire/imap.h>

#include "../session/client.h"
#include "../session/errors.h"
#include "../session/session.h"
#include "engine.h"

typedef struct mw_imap_client {
    mw_imap_engine *e;
    mw_session *s;             /* refreshed by every lookup */
    unsigned idle_interval_ms; /* IDLE re-issue interval (RFC 2177: under 29 minutes) */
    unsigned poll_interval_ms; /* NOOP polling without IDLE */
} mw_imap_client;

/* The client of h (owner thread checked). ST_ERROR_NONE or the error (thread error set). */
MW_INTERNAL unsigned mw_imap_lookup(HCLIENT h, mw_imap_client **c);
/* mw_imap_lookup() for a call that starts an operation (mw_client_enter()). */
MW_INTERNAL unsigned mw_imap_enter(HCLIENT h, mw_imap_client **c);
/* Start the engine op whose call returned err (mw_client_op()). op_timeout_ms: the reply
 * deadline of this operation, 0 for the session timeout. */
MW_INTERNAL int mw_imap_start(mw_imap_client *c, unsigned err, unsigned op_timeout_ms);
/* Fail a call before any engine op: sets the thread error, returns IMAP_ERROR. */
MW_INTERNAL int mw_imap_api_refuse(unsigned err, const char *detail);

#endif
