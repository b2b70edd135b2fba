/* The W forms that are more than a conversion of their arguments (scripts/gen-wide.py lists
 * them in SPECIAL): the credentials, made and freed as SECURITYCREDENTIALSW, and
 * SmtpSendMessageW, whose lpvMessage is text only when it names a file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#include "../session/errors.h"
#include "../util/alloc.h"
#include "../util/str.h"
#include "wconv.h"

/* Length in wchar_t of s, NUL included (0 for NULL). */
static size_t wide_size(const wchar_t *s)
{
    return s ? wcslen(s) + 1 : 0;
}

/* One block: the structure, then its strings (wiped when freed: the password is there). */
static wchar_t *put(wchar_t **at, const wchar_t *s)
{
    if (!s)
        return NULL;
    size_t n = wcslen(s) + 1;
    wchar_t *p = *at;
    memcpy(p, s, n * sizeof *p);
    *at += n;
    return p;
}

/* The W credentials made from the A ones the A form made (so the A form stays the one that
 * checks and copies), as one allocation. */
static int creds_to_wide(const SECURITYCREDENTIALS *a, LPSECURITYCREDENTIALSW *out)
{
    wchar_t *cert = mw_w_dup(a->lpszCertificateFile), *key = mw_w_dup(a->lpszPrivateKeyFile),
            *pass = mw_w_dup(a->lpszPassword), *ca = mw_w_dup(a->lpszCAFile),
            *pin = mw_w_dup(a->lpszPinnedFingerprint);
    int failed = (a->lpszCertificateFile && !cert) || (a->lpszPrivateKeyFile && !key) ||
                 (a->lpszPassword && !pass) || (a->lpszCAFile && !ca) ||
                 (a->lpszPinnedFingerprint && !pin);
    size_t n = wide_size(cert) + wide_size(key) + wide_size(pass) + wide_size(ca) + wide_size(pin);
    SECURITYCREDENTIALSW *w = NULL;
    if (!failed) {
        w = mw_calloc(1, sizeof *w + n * sizeof(wchar_t));
        if (!w)
            mw_set_error(ST_ERROR_OUT_OF_MEMORY, "SECURITYCREDENTIALSW");
    }
    if (w) {
        wchar_t *at = (wchar_t *)(void *)(w + 1);
        w->dwSize = sizeof *w;
        w->dwOptions = a->dwOptions;
        w->lpszCertificateFile = put(&at, cert);
        w->lpszPrivateKeyFile = put(&at, key);
        w->lpszPassword = put(&at, pass);
        w->lpszCAFile = put(&at, ca);
        w->lpszPinnedFingerprint = put(&at, pin);
    }
    free(cert);
    free(key);
    if (pass) {
        mw_wipe(pass, wcslen(pass) * sizeof *pass);
        free(pass);
    }
    free(ca);
    free(pin);
    *out = w;
    return w ? 0 : -1;
}

typedef int (*create_fn)(uint32_t, const char *, const char *, const char *, const char *,
                         LPSECURITYCREDENTIALS *);
typedef void (*delete_fn)(LPSECURITYCREDENTIALS);

static int create_wide(create_fn create, delete_fn del, uint32_t dwOptions,
                       const wchar_t *lpszCertificateFile, const wchar_t *lpszPrivateKeyFile,
                       const wchar_t *lpszPassword, const wchar_t *lpszCAFile,
                       LPSECURITYCREDENTIALSW *lppCredentials)
{
    char *cert = NULL, *key = NULL, *pass = NULL, *ca = NULL;
    LPSECURITYCREDENTIALS a = NULL;
    int r = MAILWIRE_ERROR;
    if (lppCredentials)
        *lppCredentials = NULL;
    if (mw_w_in(&cert, lpszCertificateFile, "lpszCertificateFile") ||
        mw_w_in(&key, lpszPrivateKeyFile, "lpszPrivateKeyFile") ||
        mw_w_in(&pass, lpszPassword, "lpszPassword") || mw_w_in(&ca, lpszCAFile, "lpszCAFile"))
        goto done;
    r = create(dwOptions, cert, key, pass, ca, lppCredentials ? &a : NULL);
    if (r >= 0 && creds_to_wide(a, lppCredentials))
        r = MAILWIRE_ERROR;
done:
    del(a);
    mw_w_free(cert);
    mw_w_free(key);
    mw_w_free(pass);
    mw_w_free(ca);
    return r;
}

static void delete_wide(LPSECURITYCREDENTIALSW lpCredentials)
{
    if (!lpCredentials)
        return;
    if (lpCredentials->lpszPassword) {
        mw_wipe((void *)lpCredentials->lpszPassword,
                wcslen(lpCredentials->lpszPassword) * sizeof(wchar_t));
    }
    free(lpCredentials);
}

int MailwireCreateSecurityCredentialsW(uint32_t dwOptions, const wchar_t *lpszCertificateFile,
                                       const wchar_t *lpszPrivateKeyFile,
                                       const wchar_t *lpszPassword, const wchar_t *lpszCAFile,
                                       LPSECURITYCREDENTIALSW *lppCredentials)
{
    return create_wide(MailwireCreateSecurityCredentials, MailwireDeleteSecurityCredentials,
                       dwOptions, lpszCertificateFile, lpszPrivateKeyFile, lpszPassword, lpszCAFile,
                       lppCredentials);
}

void MailwireDeleteSecurityCredentialsW(LPSECURITYCREDENTIALSW lpCredentials)
{
    delete_wide(lpCredentials);
}

int SmtpCreateSecurityCredentialsW(uint32_t dwOptions, const wchar_t *lpszCertificateFile,
                                   const wchar_t *lpszPrivateKeyFile, const wchar_t *lpszPassword,
                                   const wchar_t *lpszCAFile,
                                   LPSECURITYCREDENTIALSW *lppCredentials)
{
    return create_wide(SmtpCreateSecurityCredentials, SmtpDeleteSecurityCredentials, dwOptions,
                       lpszCertificateFile, lpszPrivateKeyFile, lpszPassword, lpszCAFile,
                       lppCredentials);
}

void SmtpDeleteSecurityCredentialsW(LPSECURITYCREDENTIALSW lpCredentials)
{
    delete_wide(lpCredentials);
}

int SmtpSendMessageW(HCLIENT hClient, const wchar_t *lpszFrom, const wchar_t *lpszRecipients,
                     const void *lpvMessage, size_t cbMessage, uint32_t dwOptions)
{
    char *from = NULL, *rcpt = NULL, *path = NULL;
    int r = MAILWIRE_ERROR;
    const void *message = lpvMessage;
    if (mw_w_in(&from, lpszFrom, "lpszFrom") || mw_w_in(&rcpt, lpszRecipients, "lpszRecipients"))
        goto done;
    /* SMTP_MESSAGE_FILE: lpvMessage is a wchar_t path; otherwise the message's octets, which are
     * no text to convert (MIME is octets, RFC 5322 section 2.1). The path is only read while
     * the call starts the transfer: the session opens the file then. */
    if (dwOptions == SMTP_MESSAGE_FILE && lpvMessage) {
        if (mw_w_in(&path, (const wchar_t *)lpvMessage, "lpvMessage"))
            goto done;
        message = path;
    }
    r = SmtpSendMessage(hClient, from, rcpt, message, cbMessage, dwOptions);
done:
    mw_w_free(from);
    mw_w_free(rcpt);
    mw_w_free(path);
    return r;
}
