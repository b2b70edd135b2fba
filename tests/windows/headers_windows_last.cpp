// Every public header, C and C++, before <windows.h> and <winsock2.h>: nothing they define
// may clash with what those bring afterwards. Compiled only for Windows;
// test_windows_headers.cpp calls what it defines.
#include <mailwire/ImapClient.hpp>
#include <mailwire/MailMessage.hpp>
#include <mailwire/Mailwire.hpp>
#include <mailwire/SmtpClient.hpp>
#include <mailwire/mailwire.h>

#ifdef _WIN32
#include <winsock2.h>
#include <windows.h>
#endif

#include "windows/headers_probe.hpp"

int HeadersProbeWindowsLast()
{
    CSmtpClient smtp;
    CImapClient imap;
    unsigned none = SECURITY_PROTOCOL_NONE;
    // The window-message events take <windows.h>'s own HWND and UINT, whichever came first.
    int (*enable_smtp)(HCLIENT, HWND, UINT) = SmtpEnableEvents;
    int (*enable_imap)(HCLIENT, HWND, UINT) = ImapEnableEvents;
    return (smtp.IsConnected() ? 1 : 0) + (imap.IsConnected() ? 2 : 0) + static_cast<int>(none) +
           (MailwireGetVersion()[0] ? 0 : 4) + (enable_smtp && enable_imap ? 0 : 8);
}
