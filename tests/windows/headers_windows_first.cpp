// <windows.h> (with its SendMessage, GetMessage... macros and Winsock 1) before every public
// header, C and C++, as an MFC or Win32 program includes them (stdafx.h first). Compiled
// only for Windows; test_windows_headers.cpp calls what it defines.
#ifdef _WIN32
#include <windows.h>
#endif

#include <mailwire/ImapClient.hpp>
#include <mailwire/MailMessage.hpp>
#include <mailwire/Mailwire.hpp>
#include <mailwire/SmtpClient.hpp>
#include <mailwire/mailwire.h>

#include "windows/headers_probe.hpp"

#ifndef HEADERS_PROBE_NAME
#define HEADERS_PROBE_NAME HeadersProbeWindowsFirst
#endif

int HEADERS_PROBE_NAME()
{
    CSmtpClient smtp;
    CImapClient imap;
    mailwire::CMailMessage m;
    m.SetFrom("a@example.org").AddTo("b@example.org").SetSubject("probe").SetText("x");
    // Both names are the library's: SECURITY_PROTOCOL_NONE as <winsock2.h> spells it.
    unsigned none = SECURITY_PROTOCOL_NONE;
    // The window-message events take <windows.h>'s own HWND and UINT, whichever came first.
    int (*enable_smtp)(HCLIENT, HWND, UINT) = SmtpEnableEvents;
    int (*enable_imap)(HCLIENT, HWND, UINT) = ImapEnableEvents;
    return (smtp.IsConnected() ? 1 : 0) + (imap.IsConnected() ? 2 : 0) + static_cast<int>(none) +
           (MailwireGetVersion()[0] ? 0 : 4) + (enable_smtp && enable_imap ? 0 : 8);
}
