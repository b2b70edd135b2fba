/* Handle lookup and blocking / non-blocking dispatch shared by the protocol APIs; see
 * client.h. */
#include "client.h"

#include "errors.h"
#include "handle.h"

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

int mw_client_result(unsigned err)
{
    if (err == ST_ERROR_NONE)
        return 0;
    return err == ST_ERROR_IN_PROGRESS ? MAILWIRE_IN_PROGRESS : MAILWIRE_ERROR;
}

int mw_client_wait(mw_session *s)
{
    if (mw_session_is_async(s)) {
        mw_set_error(ST_ERROR_IN_PROGRESS, NULL);
        return MAILWIRE_IN_PROGRESS;
    }
    return mw_client_result(mw_session_run(s));
}

int mw_client_start(mw_session *s)
{
    if (mw_session_begin(s))
        return MAILWIRE_ERROR;
    return mw_client_wait(s);
}
