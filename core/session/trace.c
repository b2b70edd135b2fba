/* Process-wide default trace and the built-in file trace; see trace.h. */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* gmtime_r */
#endif
#include "trace.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

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
        f = fopen(lpszFileName, "a");
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
