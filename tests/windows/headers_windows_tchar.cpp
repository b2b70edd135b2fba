// SocketTools-style TCHAR code against the public headers, as a Win32 or MFC program writes it
// (LPCTSTR, TCHAR, _T(), CString): compiled three times by headers_windows_tchar_*.cpp, ANSI
// and UNICODE with <windows.h> before mailwire's headers, and UNICODE with it after them. In
// the UNICODE builds the plain names are the W forms (include/mailwire/wide.h); in the ANSI
// build they are the UTF-8 functions. test_windows_headers.cpp calls what this defines.
#ifndef HEADERS_TCHAR_WINDOWS_LAST
#include <tchar.h>
#include <windows.h>
#endif

#include <mailwire/ImapClient.hpp>
#include <mailwire/MailMessage.hpp>
#include <mailwire/SmtpClient.hpp>
#include <mailwire/mailwire.h>

#ifdef HEADERS_TCHAR_WINDOWS_LAST
#include <tchar.h>
#include <windows.h>
#endif

#include <cstring>
#include <string>

#include "windows/headers_probe.hpp"

namespace
{

// What ATL/MFC's CStringT offers the classes: GetString() and the conversion to PCXSTR
// (<atlstr.h> is not available to mingw).
class CStringStandIn
{
  public:
    CStringStandIn(const TCHAR *s) : m_s(s) {}
    const TCHAR *GetString() const
    {
        return m_s.c_str();
    }
    operator const TCHAR *() const
    {
        return m_s.c_str();
    }

  private:
    std::basic_string<TCHAR> m_s;
};

// The seed's call (SmtpConnect reference page), unchanged: compiled, never called (no network
// in a header check).
[[maybe_unused]] HCLIENT SeedConnect()
{
    return SmtpConnect(_T("mail.example.org"), 587, 30, SMTP_OPTION_SECURE, NULL, WM_NULL);
}

// SMTPSERVER and SMTPMESSAGE with LPCTSTR members (seed 002), filled as the documentation does.
int SubmitWithTcharStructures()
{
    LPCTSTR attachments[] = {_T("C:\\Reports\\Z\u00fcrich-\u5831\u544a.txt"), NULL};
    SMTPSERVER server;
    ZeroMemory(&server, sizeof(server));
    server.lpszHostName = NULL; // refused before any connection: no network here
    server.lpszUserName = _T("alice");
    server.lpszPassword = _T("secret");
    server.nHostPort = 587;
    server.dwOptions = SMTP_OPTION_SECURE;
    SMTPMESSAGE message;
    ZeroMemory(&message, sizeof(message));
    message.dwSize = sizeof(message);
    message.lpszFrom = _T("Alice <alice@example.org>");
    message.lpszTo = _T("bob@example.org");
    message.lpszSubject = _T("Gr\u00fc\u00dfe");
    message.lpszText = _T("Hello");
    message.lpszAttachments = attachments;
    if (SmtpSubmitMessage(&server, &message) != SMTP_ERROR)
        return 1;
    return SmtpGetLastError() == ST_ERROR_INVALID_ARGUMENT ? 0 : 2;
}

int ErrorTextsAsTchar()
{
    LPCTSTR text = SmtpGetErrorText(ST_ERROR_TIMEOUT);
    TCHAR buffer[64];
    int n = SmtpGetErrorString(ST_ERROR_TIMEOUT, buffer, 64);
    if (!text || _tcscmp(text, _T("the operation timed out")) != 0)
        return 4;
    if (n != static_cast<int>(_tcslen(buffer)) || _tcscmp(buffer, text) != 0)
        return 8;
    TCHAR capability[16];
    if (ImapGetCapabilities(INVALID_CLIENT, capability, 16) != IMAP_ERROR)
        return 16;
    LPSECURITYCREDENTIALS lpCredentials = NULL;
    if (SmtpCreateSecurityCredentials(0, NULL, NULL, NULL, _T("ca.pem"), &lpCredentials) != 0 ||
        _tcscmp(lpCredentials->lpszCAFile, _T("ca.pem")) != 0)
        return 32;
    SmtpDeleteSecurityCredentials(lpCredentials);
    SECURITYINFO info;
    ZeroMemory(&info, sizeof(info));
    info.dwSize = sizeof(info);
    if (SmtpGetSecurityInfo(INVALID_CLIENT, &info) != SMTP_ERROR)
        return 64;
    return 0;
}

// The C++ classes with every kind of text: TCHAR literals, wide and narrow std strings, the
// CString stand-in; what reaches the C API is UTF-8 either way.
int ClassesTakeEveryText()
{
    mailwire::CMailMessage m;
    m.SetFrom(CStringStandIn(_T("Alice <alice@example.org>")))
        .AddTo(std::wstring(L"bob@example.org"))
        .AddCc(L"carol@example.org")
        .SetSubject(L"Gr\u00fc\u00dfe \U0001F600")
        .SetText(std::string("narrow"));
    if (!m.AddHeader(L"X-Probe", CStringStandIn(_T("yes"))))
        return 128;
    if (m.GetHeader(_T("Subject")) != "Gr\xC3\xBC\xC3\x9F"
                                      "e \xF0\x9F\x98\x80" ||
        m.GetHeader(L"From") != "Alice <alice@example.org>" ||
        m.GetHeader(CStringStandIn(_T("X-Probe"))) != "yes")
        return 256;
    CSmtpClient smtp;
    // Not connected: each fails at once, without I/O; what matters is that they compile.
    bool any = smtp.AddRecipient(_T("bob@example.org")) || smtp.VerifyAddress(L"x") ||
               smtp.Authenticate(CStringStandIn(_T("alice")), std::wstring(L"secret"));
    CImapClient imap;
    any = any || imap.SelectMailbox(CStringStandIn(_T("INBOX"))) ||
          imap.CreateMailbox(std::wstring(L"\u5831\u544a")) || imap.Login(_T("a"), L"b");
    if (any)
        return 512;
    if (smtp.Connect(_T(""), 587, 30, SMTP_OPTION_SECURE, _T("probe.example")))
        return 1024;
    // The structures under their TCHAR names with the classes (the W overloads in UNICODE).
    LPSECURITYCREDENTIALS lpCredentials = NULL;
    if (!CSmtpClient::CreateSecurityCredentials(0, NULL, NULL, NULL, _T("ca.pem"), &lpCredentials))
        return 2048;
    bool connected =
        smtp.Connect(_T(""), 587, 30, SMTP_OPTION_SECURE, _T("probe.example"), lpCredentials) ||
        imap.Connect(_T(""), 993, 30, IMAP_OPTION_SECURE, lpCredentials);
    CSmtpClient::DeleteSecurityCredentials(lpCredentials);
    SECURITYINFO info;
    SMTPSERVER server;
    ZeroMemory(&server, sizeof(server));
    SMTPMESSAGE message;
    ZeroMemory(&message, sizeof(message));
    message.dwSize = sizeof(message);
    if (connected || smtp.GetSecurityInfo(info) || CSmtpClient::SubmitMessage(server, message))
        return 4096;
    return 0;
}

} // namespace

int HEADERS_TCHAR_PROBE_NAME()
{
    return SubmitWithTcharStructures() + ErrorTextsAsTchar() + ClassesTakeEveryText();
}
