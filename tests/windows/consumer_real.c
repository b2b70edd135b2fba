/* A C program written the SocketTools way (TCHAR, _T(), LPCTSTR, the plain names), built against
 * scripts/build-windows.sh's installed tree (OUTDIR) in an ANSI build and in a UNICODE build
 * (-DUNICODE -D_UNICODE -municode: SmtpConnect is SmtpConnectW there, SECURITYCREDENTIALS the
 * W structure). tests/windows/installed-consumer.sh compiles it with the mingw compiler and
 * runs it under Wine against the fixture's Postfix and Dovecot:
 *   consumer_real HOST SUBMISSION_PORT IMAP_PORT USER PASSWORD CAFILE RECIPIENT
 * It sends a message with a unique token in its subject through Postfix (STARTTLS, AUTH, the
 * fixture's CA), then logs into Dovecot (STARTTLS) and searches INBOX for the token until it
 * has arrived (30 s at most). Exit status 0 only when the message was read back. */
#include <windows.h>

#include <tchar.h>

#include <stdio.h>
#include <string.h>

#include <mailwire/mailwire.h>

/* Prints WHAT and the text of ERR; the texts are TCHAR strings, so no printf format is used
 * (a wide %s differs between the CRT's and C99's printf). */
static int fail(LPCTSTR what, LPCTSTR text)
{
    _fputts(what, stderr);
    _fputts(_T(": "), stderr);
    _fputts(text ? text : _T("(no text)"), stderr);
    _fputts(_T("\n"), stderr);
    return 1;
}

static int send_message(LPCTSTR host, unsigned port, LPCTSTR user, LPCTSTR pass,
                        const SECURITYCREDENTIALS *cred, LPCTSTR from, LPCTSTR to,
                        const char *message)
{
    /* Port 587 with SMTP_OPTION_SECURE: STARTTLS after EHLO (RFC 3207). */
    HCLIENT h = SmtpConnect(host, port, 30, SMTP_OPTION_SECURE, NULL, cred);
    if (h == INVALID_CLIENT)
        return fail(_T("SmtpConnect"), SmtpGetErrorText(SmtpGetLastError()));
    int rc = 1;
    if (SmtpAuthenticate(h, SMTP_AUTH_AUTO, user, pass) != 0)
        fail(_T("SmtpAuthenticate"), SmtpGetErrorText(SmtpGetLastError()));
    else if (SmtpSendMessage(h, from, to, message, strlen(message), 0) != 0)
        fail(_T("SmtpSendMessage"), SmtpGetErrorText(SmtpGetLastError()));
    else
        rc = 0;
    SmtpDisconnect(h);
    return rc;
}

/* Searches INBOX for TOKEN in a subject until it is there or 30 s have passed; then checks
 * that the headers fetched carry the token. */
static int read_back(LPCTSTR host, unsigned port, LPCTSTR user, LPCTSTR pass,
                     const SECURITYCREDENTIALS *cred, LPCTSTR token, const char *token8)
{
    HCLIENT h = ImapConnect(host, port, 30, IMAP_OPTION_SECURE, cred);
    if (h == INVALID_CLIENT)
        return fail(_T("ImapConnect"), ImapGetErrorText(ImapGetLastError()));
    int rc = 1;
    IMAPSEARCH *search = ImapSearchCreate();
    if (ImapLogin(h, IMAP_AUTH_AUTO, user, pass) != 0) {
        fail(_T("ImapLogin"), ImapGetErrorText(ImapGetLastError()));
        goto out;
    }
    if (!search || ImapSearchAdd(search, _T("SUBJECT"), token) != 0) {
        fail(_T("ImapSearchAdd"), ImapGetErrorText(ImapGetLastError()));
        goto out;
    }
    uint32_t ids[8];
    size_t found = 0;
    for (int tries = 0; tries < 60 && found == 0; tries++) {
        if (tries > 0)
            Sleep(500);
        /* SELECT again: the new message enters the session's view of INBOX. */
        IMAPMAILBOX box;
        memset(&box, 0, sizeof box);
        if (ImapSelectMailbox(h, _T("INBOX"), &box) != 0) {
            fail(_T("ImapSelectMailbox"), ImapGetErrorText(ImapGetLastError()));
            goto out;
        }
        found = sizeof ids / sizeof ids[0];
        if (ImapSearchMailbox(h, search, NULL, 0, ids, &found) != 0) {
            fail(_T("ImapSearchMailbox"), ImapGetErrorText(ImapGetLastError()));
            goto out;
        }
    }
    if (found == 0) {
        fail(_T("read back"), _T("the message did not arrive in INBOX within 30 s"));
        goto out;
    }
    char headers[16384];
    size_t len = sizeof headers - 1;
    if (ImapGetHeaders(h, ids[0], headers, &len, 0) != 0) {
        fail(_T("ImapGetHeaders"), ImapGetErrorText(ImapGetLastError()));
        goto out;
    }
    headers[len] = '\0';
    if (!strstr(headers, token8)) {
        fail(_T("ImapGetHeaders"), _T("the headers fetched do not carry the token"));
        goto out;
    }
    printf("read back from Dovecot: message %u with subject token %s\n", (unsigned)ids[0], token8);
    rc = 0;
out:
    ImapSearchFree(search);
    ImapDisconnect(h);
    return rc;
}

int _tmain(int argc, TCHAR **argv)
{
    if (argc != 8) {
        _fputts(_T("usage: consumer_real HOST SUBMISSION_PORT IMAP_PORT USER PASSWORD CAFILE ")
                _T("RECIPIENT\n"),
                stderr);
        return 2;
    }
    LPCTSTR host = argv[1], user = argv[4], pass = argv[5], to = argv[7];
    unsigned smtp_port = (unsigned)_ttoi(argv[2]), imap_port = (unsigned)_ttoi(argv[3]);
    /* MailwireGetVersion() is a TCHAR string (MailwireGetVersionW in a UNICODE build). */
    _fputts(_T("mailwire "), stdout);
    _fputts(MailwireGetVersion(), stdout);
    printf(", %s build\n", sizeof(TCHAR) == sizeof(char) ? "ANSI" : "UNICODE");

    SECURITYCREDENTIALS cred;
    memset(&cred, 0, sizeof cred);
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = argv[6];

    /* A token no earlier run used: the process id and the tick count. */
    unsigned pid = (unsigned)GetCurrentProcessId(), ticks = (unsigned)GetTickCount();
    char token8[64];
    TCHAR token[64];
    snprintf(token8, sizeof token8, "mw-consumer-c-%u-%u", pid, ticks);
    for (size_t i = 0;; i++) { /* ASCII: the same characters as TCHARs */
        token[i] = (TCHAR)token8[i];
        if (!token8[i])
            break;
    }
    char message[512];
    snprintf(message, sizeof message,
             "From: consumer <alice@localhost>\r\nSubject: %s\r\n\r\n"
             "Sent by tests/windows/consumer_real.c (%s build).\r\n",
             token8, sizeof(TCHAR) == sizeof(char) ? "ANSI" : "UNICODE");

    if (send_message(host, smtp_port, user, pass, &cred, _T("alice@localhost"), to, message) != 0)
        return 1;
    return read_back(host, imap_port, user, pass, &cred, token, token8);
}
