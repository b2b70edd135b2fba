/* Process-wide default trace and the built-in file trace; see trace.h. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#endif
#include "trace.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../platform/file.h"
#include "errors.h"
#include "handle.h"
#include "session.h"

static MAILWIRE_TRACEPROC g_fn;
static void *g_user;
static FILE *g_file;

void mw_trace_default(MAILWIRE_TRACEPROC *fn, void **user)
{
    mw_global_lock();
    *fn = g_fn;
    *user = g_user;
    mw_global_unlock();
}

void mw_tracer_init(mw_tracer *t)
{
    memset(t, 0, sizeof *t);
    t->handle = INVALID_CLIENT;
    mw_trace_default(&t->app, &t->app_user);
}

void mw_trace_out(const mw_tracer *t, int dir, const char *data, size_t len)
{
    if (t->fn)
        t->fn(t->user, dir, data, len);
    if (t->app)
        t->app(t->handle, (unsigned)dir, data, len, t->app_user);
}

void mw_trace_sent(const mw_tracer *t, const char *data, size_t len, size_t secret_from)
{
    if (!mw_tracing(t))
        return;
    if (secret_from >= len) {
        mw_trace_out(t, MW_TRACE_SENT, data, len);
        return;
    }
    char buf[256];
    size_t keep = secret_from < 200 ? secret_from : 200;
    memcpy(buf, data, keep);
    int m = snprintf(buf + keep, sizeof buf - keep, "<redacted %zu bytes>", len - secret_from);
    /* Keep the line structure visible: a redacted command still ends its line. */
    size_t n = keep + (size_t)m;
    if (len >= 2 && data[len - 2] == '\r' && data[len - 1] == '\n' && n + 2 < sizeof buf) {
        buf[n++] = '\r';
        buf[n++] = '\n';
    }
    mw_trace_out(t, MW_TRACE_SENT, buf, n);
}

void mw_trace_vinfo(const mw_tracer *t, const char *fmt, va_list ap)
{
    if (!mw_tracing(t))
        return;
    char buf[512];
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    if (n < 0)
        return;
    mw_trace_out(t, MW_TRACE_INFO, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

/* Writes under the global lock: sessions on several threads share the file. Each chunk is
 * split at line ends so the file stays one protocol line per trace line. */
static void MAILWIRE_CALLBACK file_trace(HCLIENT h, unsigned dir, const char *data, size_t len,
                                         void *user)
{
    (void)user;
    const char *tag = dir == MAILWIRE_TRACE_SENT       ? "C:"
                      : dir == MAILWIRE_TRACE_RECEIVED ? "S:"
                                                       : "*:";
    time_t now = time(NULL);
    struct tm tmv;
#ifdef _WIN32
    gmtime_s(&tmv, &now);
#else
    gmtime_r(&now, &tmv);
#endif
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tmv);
    mw_global_lock();
    if (g_file) {
        while (len > 0) {
            const char *nl = memchr(data, '\n', len);
            size_t n = nl ? (size_t)(nl - data) + 1 : len;
            size_t show = n;
            while (show > 0 && (data[show - 1] == '\n' || data[show - 1] == '\r'))
                show--;
            fprintf(g_file, "%s %p %s %.*s\n", stamp, (void *)h, tag, (int)show, data);
            data += n;
            len -= n;
        }
        fflush(g_file);
    }
    mw_global_unlock();
}

void MailwireSetDefaultTrace(MAILWIRE_TRACEPROC lpfnTrace, void *lpUserData)
{
    mw_global_lock();
    g_fn = lpfnTrace;
    g_user = lpUserData;
    if (g_file) {
        fclose(g_file);
        g_file = NULL;
    }
    mw_global_unlock();
}

int MailwireEnableTrace(const char *lpszFileName, uint32_t dwFlags)
{
    if (dwFlags != 0) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "dwFlags must be 0");
        return MAILWIRE_ERROR;
    }
    FILE *f = NULL;
    if (lpszFileName) {
        f = mw_fopen(lpszFileName, "a");
        if (!f) {
            mw_set_error(ST_ERROR_FILE, "cannot open trace file %s", lpszFileName);
            return MAILWIRE_ERROR;
        }
    }
    mw_global_lock();
    if (g_file)
        fclose(g_file);
    g_file = f;
    g_fn = f ? file_trace : NULL;
    g_user = NULL;
    mw_global_unlock();
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MailwireSetTrace(HCLIENT hClient, MAILWIRE_TRACEPROC lpfnTrace, void *lpUserData)
{
    mw_session *s;
    if (mw_handle_lookup(hClient, 1, &s))
        return MAILWIRE_ERROR;
    mw_session_set_public_trace(s, lpfnTrace, lpUserData);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}
