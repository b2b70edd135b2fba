/* Session settings, accessors, event registration and the trace glue; see session.h. The
 * step and the connection set-up are in session.c. */
#include <stdarg.h>
#include <string.h>

#include "../net/deflate.h"
#include "../net/tls.h"
#include "session_priv.h"
#include "winevents.h"

/* ---- events and trace ------------------------------------------------------------------- */

int mw_session_register_event(mw_session *s, unsigned event, MAILWIRE_EVENTPROC fn, void *user)
{
    if (event == 0 || event >= MAILWIRE_EVENT_MAX)
        return -1;
    s->events[event].fn = fn;
    s->events[event].user = user;
    return 0;
}

void mw_session_emit(mw_session *s, unsigned event, unsigned err)
{
    if (event == 0 || event >= MAILWIRE_EVENT_MAX)
        return;
#ifdef _WIN32
    /* Posted first: a callback may disconnect, and the window still hears of the event. */
    mw_winev_post(s, event, err);
#endif
    if (!s->events[event].fn)
        return;
    s->dispatch_depth++;
    s->events[event].fn(s->handle, event, err, s->events[event].user);
    s->dispatch_depth--;
}

void mw_session_set_trace(mw_session *s, mw_trace_fn fn, void *user)
{
    s->tracer.fn = fn;
    s->tracer.user = user;
}

void mw_session_set_public_trace(mw_session *s, MAILWIRE_TRACEPROC fn, void *user)
{
    s->tracer.app = fn;
    s->tracer.app_user = user;
}

void mw_session_trace_info(mw_session *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_trace_vinfo(&s->tracer, fmt, ap);
    va_end(ap);
}

/* ---- accessors -------------------------------------------------------------------------- */

void mw_session_get_security_info(mw_session *s, SECURITYINFO *info)
{
    /* A caller built against an older header passes a shorter structure (dwSize): it gets
     * the members it knows, and nothing is written past them. */
    uint32_t size = info->dwSize;
    SECURITYINFO full = s->sec;
    mw_transport *t = mw_transport_base(s->tr); /* under a COMPRESS layer */
    if (t && mw_is_tls(t))
        mw_tls_get_info(t, &full);
    memcpy(info, &full, size < sizeof full ? size : sizeof full);
    info->dwSize = size;
}

void mw_session_set_protocol(mw_session *s, unsigned proto, void *data, void (*destroy)(void *))
{
    s->proto = proto;
    s->proto_data = data;
    s->proto_destroy = destroy;
}

void *mw_session_protocol(const mw_session *s, unsigned proto)
{
    return s->proto == proto ? s->proto_data : NULL;
}

void mw_session_set_async(mw_session *s, int async)
{
    s->async = async != 0;
}

int mw_session_is_async(const mw_session *s)
{
    return s->async;
}

unsigned mw_session_timeout(const mw_session *s)
{
    return s->timeout_ms;
}

int mw_session_ending(const mw_session *s)
{
    if (!s->op_active || !s->eng_ops)
        return 0;
    unsigned err;
    const char *detail;
    int st = s->eng_ops->status(s->eng, &err, &detail);
    return st == MW_OP_DONE || st == MW_OP_FAILED || st == MW_OP_FATAL;
}

int mw_session_busy(const mw_session *s)
{
    return s->op_active;
}

unsigned mw_session_last_error(const mw_session *s)
{
    return s->err;
}

const char *mw_session_host(const mw_session *s)
{
    return s->host ? s->host : "";
}

unsigned mw_session_port(const mw_session *s)
{
    return s->port;
}

void *mw_session_engine(const mw_session *s)
{
    return s->eng;
}

const char *mw_session_engine_why(const mw_session *s)
{
    return s->eng_ops && s->eng_ops->why ? s->eng_ops->why(s->eng) : "";
}

unsigned mw_session_engine_close(mw_session *s)
{
    if (!s->eng_ops || !s->eng_ops->close)
        return ST_ERROR_NOT_SUPPORTED;
    return s->eng_ops->close(s->eng);
}

enum mw_phase mw_session_phase(const mw_session *s)
{
    return s->phase;
}

int mw_session_is_tls(const mw_session *s)
{
    return s->tr && mw_is_tls(mw_transport_base(s->tr)) && s->phase == MW_PH_OPEN;
}

const char *mw_session_error_detail(const mw_session *s)
{
    return s->detail;
}

uint32_t mw_session_options(const mw_session *s)
{
    return s->options;
}

int mw_session_peer_is_loopback(const mw_session *s)
{
    return mw_sock_peer_is_loopback(s->sock);
}

HCLIENT mw_session_handle(const mw_session *s)
{
    return s->handle;
}

void mw_session_set_handle(mw_session *s, HCLIENT h)
{
    s->handle = h;
    s->tracer.handle = h;
}

uint32_t mw_session_owner(const mw_session *s)
{
    return s->owner;
}

void mw_session_set_owner(mw_session *s, uint32_t tid)
{
    s->owner = tid;
}
