/* Handle table: HCLIENT values are checked references to sessions (internal).
 *
 * A handle encodes a slot index and a generation, so a stale or forged handle is detected
 * (ST_ERROR_INVALID_HANDLE) instead of being dereferenced. The owner-thread check happens
 * here, under the same lock that ownership transfer and cancel use. */
#ifndef MW_HANDLE_H
#define MW_HANDLE_H

#include <mailwire/common.h>

#include "session.h"

/* Register s; INVALID_CLIENT when out of memory. */
MW_INTERNAL HCLIENT mw_handle_register(mw_session *s);
/* Remove h from the table (the session itself is not freed). */
MW_INTERNAL void mw_handle_unregister(HCLIENT h);
/* Find the session of h. With check_owner, a call from a thread other than the owner fails
 * with ST_ERROR_NOT_OWNER. Returns ST_ERROR_NONE or the error (thread error set). */
MW_INTERNAL unsigned mw_handle_lookup(HCLIENT h, int check_owner, mw_session **out);
/* Make tid (0: the caller) the owner; returns the previous owner, or 0 with *err set. */
MW_INTERNAL uint32_t mw_handle_attach(HCLIENT h, uint32_t tid, unsigned *err);
/* Cancel the session behind h from any thread. */
MW_INTERNAL unsigned mw_handle_cancel(HCLIENT h);

#endif
