// An MFC-style C++ program (Win32 and TCHAR; mingw has no MFC) over the C++ classes, built
// against scripts/build-windows.sh's installed tree (OUTDIR) in an ANSI build and in a UNICODE
// build (-DUNICODE -D_UNICODE -municode, MFC's default). tests/windows/installed-consumer.sh
// compiles it with the mingw compiler and runs it under Wine against the fixture's Postfix and
// Dovecot:
//   consumer_mfc HOST SMTP_PORT SUBMISSION_PORT IMAP_PORT USER PASSWORD CAFILE RECIPIENT
// First the seed's call form `Connect(host, port, timeout, options, NULL, WM_NULL)` on the
// plain SMTP port (a blocking session, no TLS); then a message with a unique token in its
// subject through Postfix's submission port (STARTTLS, AUTH, the fixture's CA in the TCHAR
// SECURITYCREDENTIALS); then CImapClient logs into Dovecot (STARTTLS) and searches INBOX for
// the token until it has arrived (30 s at most). Exit status 0 only when it was read back.
#include <windows.h>

#include <tchar.h>

#include <mailwire/ImapClient.hpp>
#include <mailwire/SmtpClient.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace
{

using tstring = std::basic_string<TCHAR>;

int Fail(LPCTSTR what, const std::string &error)
{
    _fputts(what, stderr);
    std::fprintf(stderr, ": %s\n", error.c_str());
    return 1;
}

// The seed's form with a null window and WM_NULL: a blocking session on the plain port.
int SeedConnect(LPCTSTR host, unsigned port)
{
    CSmtpClient smtp;
    if (!smtp.Connect(host, port, 30, SMTP_OPTION_EXTENDED, NULL, WM_NULL))
        return Fail(_T("CSmtpClient::Connect(..., NULL, WM_NULL)"), smtp.GetErrorString());
    if (smtp.IsInProgress())
        return Fail(_T("CSmtpClient::Connect(..., NULL, WM_NULL)"), "not a blocking session");
    smtp.Disconnect();
    return 0;
}

int Send(LPCTSTR host, unsigned port, LPCTSTR user, LPCTSTR pass, const SECURITYCREDENTIALS &cred,
         LPCTSTR to, const std::string &message)
{
    CSmtpClient smtp;
    // SMTP_OPTION_SECURE on the submission port: STARTTLS after EHLO (RFC 3207).
    if (!smtp.Connect(host, port, 30, SMTP_OPTION_SECURE, NULL, &cred))
        return Fail(_T("CSmtpClient::Connect"), smtp.GetErrorString());
    if (!smtp.Authenticate(user, pass))
        return Fail(_T("CSmtpClient::Authenticate"), smtp.GetErrorString());
    if (!smtp.SendMessage(_T("alice@localhost"), to, message.data(), message.size(), 0))
        return Fail(_T("CSmtpClient::SendMessage"), smtp.GetErrorString());
    smtp.Disconnect();
    return 0;
}

int ReadBack(LPCTSTR host, unsigned port, LPCTSTR user, LPCTSTR pass,
             const SECURITYCREDENTIALS &cred, const tstring &token, const std::string &token8)
{
    CImapClient imap;
    if (!imap.Connect(host, port, 30, IMAP_OPTION_SECURE, &cred))
        return Fail(_T("CImapClient::Connect"), imap.GetErrorString());
    if (!imap.Login(user, pass))
        return Fail(_T("CImapClient::Login"), imap.GetErrorString());
    tstring criteria = tstring(_T("SUBJECT \"")) + token + _T("\"");
    std::vector<uint32_t> ids;
    for (int tries = 0; tries < 60 && ids.empty(); tries++) {
        if (tries > 0)
            Sleep(500);
        // SELECT again: the new message enters the session's view of INBOX.
        if (!imap.SelectMailbox(_T("INBOX")))
            return Fail(_T("CImapClient::SelectMailbox"), imap.GetErrorString());
        if (!imap.SearchMailbox(criteria, ids))
            return Fail(_T("CImapClient::SearchMailbox"), imap.GetErrorString());
    }
    if (ids.empty())
        return Fail(_T("read back"), "the message did not arrive in INBOX within 30 s");
    std::string headers;
    if (!imap.GetHeaders(ids.front(), headers))
        return Fail(_T("CImapClient::GetHeaders"), imap.GetErrorString());
    if (headers.find(token8) == std::string::npos)
        return Fail(_T("CImapClient::GetHeaders"), "the headers fetched do not carry the token");
    std::printf("read back from Dovecot: message %u with subject token %s\n",
                static_cast<unsigned>(ids.front()), token8.c_str());
    imap.Disconnect();
    return 0;
}

} // namespace

int _tmain(int argc, TCHAR **argv)
{
    if (argc != 9) {
        _fputts(_T("usage: consumer_mfc HOST SMTP_PORT SUBMISSION_PORT IMAP_PORT USER PASSWORD ")
                _T("CAFILE RECIPIENT\n"),
                stderr);
        return 2;
    }
    LPCTSTR host = argv[1], user = argv[5], pass = argv[6], to = argv[8];
    const unsigned smtpPort = static_cast<unsigned>(_ttoi(argv[2]));
    const unsigned submissionPort = static_cast<unsigned>(_ttoi(argv[3]));
    const unsigned imapPort = static_cast<unsigned>(_ttoi(argv[4]));
    const char *flavour = sizeof(TCHAR) == sizeof(char) ? "ANSI" : "UNICODE";
    // MailwireGetVersion() is a TCHAR string (MailwireGetVersionW in a UNICODE build).
    _fputts(_T("mailwire "), stdout);
    _fputts(MailwireGetVersion(), stdout);
    std::printf(", %s build\n", flavour);

    SECURITYCREDENTIALS cred = {};
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = argv[7];

    // A token no earlier run used: the process id and the tick count, in a TCHAR buffer as an
    // MFC program would format it, and in UTF-8 for the message itself.
    TCHAR token[64];
    _sntprintf(token, sizeof token / sizeof token[0], _T("mw-consumer-mfc-%lu-%lu"),
               static_cast<unsigned long>(GetCurrentProcessId()),
               static_cast<unsigned long>(GetTickCount()));
    token[sizeof token / sizeof token[0] - 1] = 0;
    std::string token8;
    for (const TCHAR *p = token; *p; ++p) // ASCII: each TCHAR is one character
        token8 += static_cast<char>(*p);
    std::string message = "From: consumer <alice@localhost>\r\nSubject: " + token8 +
                          "\r\n\r\nSent by tests/windows/consumer_mfc.cpp (" + flavour +
                          " build).\r\n";

    if (SeedConnect(host, smtpPort) != 0 ||
        Send(host, submissionPort, user, pass, cred, to, message) != 0)
        return 1;
    return ReadBack(host, imapPort, user, pass, cred, token, token8);
}
