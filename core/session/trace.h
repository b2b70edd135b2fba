/* The process-wide default trace that new sessions start with (internal); see
 * MailwireSetDefaultTrace() and MailwireEnableTrace() in common.h. */
#ifndef MW_TRACE_H
#define MW_TRACE_H

#include <mailwire/common.h>

#include "../platform/platform.h"

/* The current default (NULL when none). */
MW_INTERNAL void mw_trace_default(MAILWIRE_TRACEPROC *fn, void **user);

#endif
