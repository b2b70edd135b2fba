/* Public functions shared by the SMTP and IMAP APIs (common.h). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include <mailwire/common.h>
#include <mailwire/version.h>

#include "../net/tls_creds.h"
#include "../net/tls_resume.h"
#include "../util/str.h"
#include "../util/alloc.h"
#include "errors.h"
#include "client.h"
#include "handle.h"

static int g_init_count;

int MailwireInitialize(void)
{
    int ok = 1;
    mw_global_lock();
    if (g_init_count == 0) {
        /* GnuTLS initialises itself on load since 3.3; the explicit call keeps it loaded and
         * is reference-counted by GnuTLS too. */
        if (mw_platform_init() != 0 || gnutls_global_init() < 0)
            ok = 0;
    }
    if (ok)
        g_init_count++;
    mw_global_unlock();
    if (!ok)
        mw_set_error(ST_ERROR_INTERNAL, "library initialisation failed");
    return ok;
}

/* How long the last MailwireUninitialize() waits for a trust-store load still running on the
 * library's worker thread (tls_creds.c says why it waits at all). A load takes milliseconds;
 * the bound only matters if the store hangs. */
#define LOADER_WAIT_MS 10000

void MailwireUninitialize(void)
{
    mw_global_lock();
    int last = g_init_count == 1;
    mw_global_unlock();
    if (last)
        (void)mw_tls_creds_prefetch_wait(LOADER_WAIT_MS);
    mw_global_lock();
    if (g_init_count > 0 && --g_init_count == 0) {
        mw_tls_creds_flush_locked();
        mw_tls_resume_flush_locked();
        gnutls_global_deinit();
        mw_platform_cleanup();
    }
    mw_global_unlock();
}

unsigned MailwireGetLastError(void)
{
    return mw_get_error();
}

void MailwireSetLastError(unsigned nError)
{
    mw_set_error(nError, NULL);
}

const char *MailwireGetErrorString(unsigned nError)
{
    return mw_error_string(nError);
}

const char *MailwireGetLastErrorDetail(void)
{
    return mw_get_error_detail();
}

uint32_t MailwireGetCurrentThreadId(void)
{
    return mw_thread_id();
}

uint32_t MailwireAttachThread(HCLIENT hClient, uint32_t dwThreadId)
{
    unsigned err;
    uint32_t prev = mw_handle_attach(hClient, dwThreadId, &err);
    if (!err)
        mw_set_error(ST_ERROR_NONE, NULL);
    return prev;
}

int MailwireCancel(HCLIENT hClient)
{
    return mw_handle_cancel(hClient) ? -1 : 0;
}

int MailwireRegisterEvent(HCLIENT hClient, unsigned nEventId, MAILWIRE_EVENTPROC lpfnProc,
                          void *lpUserData)
{
    mw_session *s;
    if (mw_handle_lookup(hClient, 1, &s))
        return -1;
    if (mw_session_register_event(s, nEventId, lpfnProc, lpUserData)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "unknown event %u", nEventId);
        return -1;
    }
    return 0;
}

int MailwireGetSecurityInfo(HCLIENT hClient, SECURITYINFO *lpInfo)
{
    mw_session *s;
    /* The first version of the structure ended before bResumed; it is still accepted. */
    if (!lpInfo || lpInfo->dwSize < offsetof(SECURITYINFO, bResumed)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "SECURITYINFO.dwSize must be sizeof(SECURITYINFO)");
        return -1;
    }
    if (mw_handle_lookup(hClient, 1, &s))
        return -1;
    mw_session_get_security_info(s, lpInfo);
    return 0;
}

int MailwireCreateSecurityCredentials(uint32_t dwOptions, const char *lpszCertificateFile,
                                      const char *lpszPrivateKeyFile, const char *lpszPassword,
                                      const char *lpszCAFile, LPSECURITYCREDENTIALS *lppCredentials)
{
    if (!lppCredentials) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lppCredentials is NULL");
        return -1;
    }
    *lppCredentials = NULL;
    SECURITYCREDENTIALS *c = mw_calloc(1, sizeof *c);
    char *cert = NULL, *key = NULL, *pass = NULL, *ca = NULL;
    if (!c || mw_strdup_opt(&cert, lpszCertificateFile) ||
        mw_strdup_opt(&key, lpszPrivateKeyFile) || mw_strdup_opt(&pass, lpszPassword) ||
        mw_strdup_opt(&ca, lpszCAFile)) {
        free(c);
        free(cert);
        free(key);
        mw_free_secret(pass);
        free(ca);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return -1;
    }
    c->dwSize = sizeof *c;
    c->dwOptions = dwOptions;
    c->lpszCertificateFile = cert;
    c->lpszPrivateKeyFile = key;
    c->lpszPassword = pass;
    c->lpszCAFile = ca;
    *lppCredentials = c;
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MailwireSetDefaultCertificateAuthority(const char *lpszCAFile, const char *lpszCADirectory)
{
    unsigned err = mw_tls_set_default_ca(lpszCAFile, lpszCADirectory);
    if (err) {
        mw_set_error(err, "copying the default CA paths");
        return -1;
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

void MailwireDeleteSecurityCredentials(LPSECURITYCREDENTIALS lpCredentials)
{
    if (!lpCredentials)
        return;
    /* The strings were allocated by MailwireCreateSecurityCredentials; casting away const is
     * how the block owns them. */
    free((char *)lpCredentials->lpszCertificateFile);
    free((char *)lpCredentials->lpszPrivateKeyFile);
    mw_free_secret((char *)lpCredentials->lpszPassword);
    free((char *)lpCredentials->lpszCAFile);
    free((char *)lpCredentials->lpszPinnedFingerprint);
    mw_wipe(lpCredentials, sizeof *lpCredentials);
    free(lpCredentials);
}

int MailwireExecute(HCLIENT hClient)
{
    mw_session *s;
    if (mw_handle_lookup(hClient, 1, &s))
        return MAILWIRE_ERROR;
    if (!mw_session_busy(s)) {
        /* Nothing runs: report how the last operation ended (again). */
        unsigned err = mw_session_last_error(s);
        mw_set_error_text(err, err ? mw_session_error_detail(s) : "");
        return err ? MAILWIRE_ERROR : 0;
    }
    int r = mw_session_step(s);
    if (r != MW_STEP_FREED && mw_client_closed_elsewhere(s))
        return MAILWIRE_ERROR;
    switch (r) {
    case MW_STEP_WAIT:
        mw_set_error(ST_ERROR_IN_PROGRESS, NULL);
        return MAILWIRE_IN_PROGRESS;
    case MW_STEP_DONE:
        mw_set_error(ST_ERROR_NONE, NULL);
        return 0;
    case MW_STEP_FREED:
        mw_set_error(ST_ERROR_INVALID_HANDLE, "the session was freed by an event callback");
        return MAILWIRE_ERROR;
    default:
        mw_set_error_text(mw_session_last_error(s), mw_session_error_detail(s));
        return MAILWIRE_ERROR;
    }
}

int MailwireGetPollInfo(HCLIENT hClient, MAILWIRE_SOCKET *lpSocket, unsigned *lpEvents,
                        int *lpTimeout)
{
    mw_session *s;
    if (!lpSocket || !lpEvents || !lpTimeout) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "an output pointer is NULL");
        return MAILWIRE_ERROR;
    }
    if (mw_handle_lookup(hClient, 1, &s))
        return MAILWIRE_ERROR;
    mw_socket_t sock;
    int want, timeout;
    mw_session_wait_info(s, &sock, &want, &timeout);
    *lpSocket = (MAILWIRE_SOCKET)sock;
    *lpEvents = (unsigned)want & (MAILWIRE_POLL_READ | MAILWIRE_POLL_WRITE);
    *lpTimeout = timeout;
    return 0;
}

int MailwireSetWatch(HCLIENT hClient, MAILWIRE_WATCHPROC lpfnWatch, void *lpUserData)
{
    mw_session *s;
    if (mw_handle_lookup(hClient, 1, &s))
        return MAILWIRE_ERROR;
    if (lpfnWatch && !mw_session_is_async(s))
        return mw_client_refuse(ST_ERROR_INVALID_ARGUMENT,
                                "a blocking session does its own waiting; watch a session from "
                                "SmtpAsyncConnect() or ImapAsyncConnect()");
    mw_session_set_watch(s, lpfnWatch, lpUserData);
    return mw_client_ok();
}

const char *MailwireGetVersion(void)
{
    return MAILWIRE_VERSION_STRING;
}
