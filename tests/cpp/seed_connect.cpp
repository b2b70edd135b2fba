// The call forms of SocketTools' CSmtpClient::Connect (seed 001), written as a SocketTools
// application writes them. This file must compile unchanged; it is also compiled by
// check_headers.sh with g++ and clang++ at strict warning levels. The test program calls the
// functions against the real Postfix (test_smtp_client.cpp).
#ifdef _WIN32
#include <windows.h> // HWND, LPCTSTR, UINT, DWORD, WM_NULL, as a SocketTools program has them
#endif

#include <mailwire/SmtpClient.hpp>

#include "seed_connect.hpp"

#ifndef _WIN32
// What <windows.h> provides (STRICT handle type, the message constants).
typedef struct HWND__ *HWND;
typedef const char *LPCTSTR;
typedef unsigned int UINT;
typedef uint32_t DWORD;
#define WM_NULL 0x0000
#endif

bool SeedConnectWithNullWindow(CSmtpClient &client, const char *host, unsigned port)
{
    LPCTSTR lpszRemoteHost = host;
    UINT nRemotePort = port;
    return client.Connect(lpszRemoteHost, nRemotePort, 20, SMTP_OPTION_EXTENDED, NULL, WM_NULL);
}

bool SeedConnectWithWindowVariables(CSmtpClient &client, const char *host, unsigned port,
                                    void *window)
{
    LPCTSTR lpszRemoteHost = host;
    UINT nRemotePort = port;
    UINT nTimeout = 20;
    DWORD dwOptions = SMTP_OPTION_EXTENDED;
    HWND hEventWnd = static_cast<HWND>(window);
    UINT uEventMsg = WM_NULL;
    return client.Connect(lpszRemoteHost, nRemotePort, nTimeout, dwOptions, hEventWnd, uEventMsg);
}

bool SeedConnectShortForms(CSmtpClient &client, const char *host, unsigned port)
{
    if (!client.Connect(host, port))
        return false;
    client.Disconnect();
    return client.Connect(host, port, 20, SMTP_OPTION_NONE);
}
