/* Protocol traces (internal): where a session's trace goes, the redaction of secrets on the
 * way, and the process-wide default trace that new sessions start with (see
 * MailwireSetDefaultTrace() and MailwireEnableTrace() in common.h). */
#ifndef MW_TRACE_H
#define MW_TRACE_H

#include <mailwire/common.h>

#include "../platform/platform.h"

#include <stdarg.h>

/* Trace directions. */
enum { MW_TRACE_SENT = 'S', MW_TRACE_RECEIVED = 'R', MW_TRACE_INFO = 'I' };

/* An internal observer (tests) next to the application's callback. */
typedef void (*mw_trace_fn)(void *user, int direction, const char *data, size_t len);

/* The traces of one session. */
typedef struct mw_tracer {
    mw_trace_fn fn; /* internal observer, NULL when none */
    void *user;
    MAILWIRE_TRACEPROC app; /* the application's trace (MailwireSetTrace), NULL when none */
    void *app_user;
    HCLIENT handle; /* what the application's callback is told */
} mw_tracer;

/* The current default (NULL when none). */
MW_INTERNAL void mw_trace_default(MAILWIRE_TRACEPROC *fn, void **user);
/* A tracer with the process-wide default as the application's trace. */
MW_INTERNAL void mw_tracer_init(mw_tracer *t);
static inline int mw_tracing(const mw_tracer *t)
{
    return t->fn || t->app;
}
MW_INTERNAL void mw_trace_out(const mw_tracer *t, int dir, const char *data, size_t len);
/* Sent bytes, with everything from secret_from on (credentials, tokens, AUTH payloads)
 * replaced by a marker, so that no secret ever reaches a log. */
MW_INTERNAL void mw_trace_sent(const mw_tracer *t, const char *data, size_t len,
                               size_t secret_from);
/* A line about the session itself (MW_TRACE_INFO). */
MW_INTERNAL void mw_trace_vinfo(const mw_tracer *t, const char *fmt, va_list ap) MW_PRINTF(2, 0);

#endif
