/* What the SMTP and IMAP API layers share to turn a handle into a session and to run an
 * operation in blocking or non-blocking mode (internal). */
#ifndef MW_CLIENT_H
#define MW_CLIENT_H

#include <mailwire/common.h>

#include "session.h"

/* Find the session of h for a call of protocol proto: the owner thread is checked (unless
 * FREETHREAD) and a handle of another protocol is ST_ERROR_INVALID_HANDLE. *data receives the
 * protocol state. Returns ST_ERROR_NONE or the error (thread error set). */
MW_INTERNAL unsigned mw_client_lookup(HCLIENT h, unsigned proto, mw_session **s, void **data);

/* Whether h is a live handle of protocol proto, without the owner check (for the calls any
 * thread may make: cancel, attach). ST_ERROR_NONE or ST_ERROR_INVALID_HANDLE (thread error
 * set). */
MW_INTERNAL unsigned mw_client_check(HCLIENT h, unsigned proto);

/* The operation has been started (mw_session_connect() or mw_session_begin() succeeded).
 * Blocking session: run it to the end and return 0, or MAILWIRE_ERROR with the thread error
 * set. Non-blocking session: return MAILWIRE_IN_PROGRESS with the thread error
 * ST_ERROR_IN_PROGRESS; the caller pumps MailwireExecute(). */
MW_INTERNAL int mw_client_wait(mw_session *s);

/* mw_session_begin() then mw_client_wait(). */
MW_INTERNAL int mw_client_start(mw_session *s);

/* Map an error code to the public int result: 0 for ST_ERROR_NONE, MAILWIRE_IN_PROGRESS for
 * ST_ERROR_IN_PROGRESS, else MAILWIRE_ERROR. */
MW_INTERNAL int mw_client_result(unsigned err);

#endif
