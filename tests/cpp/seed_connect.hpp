// Functions of seed_connect.cpp (the SocketTools Connect call forms).
#pragma once

#include <mailwire/SmtpClient.hpp>

// Connect(host, port, timeout, options, NULL, WM_NULL).
bool SeedConnectWithNullWindow(CSmtpClient &client, const char *host, unsigned port);
// Connect(...) with HWND and UINT variables; window is the HWND's value.
bool SeedConnectWithWindowVariables(CSmtpClient &client, const char *host, unsigned port,
                                    void *window);
// Connect(host, port) and Connect(host, port, timeout, options).
bool SeedConnectShortForms(CSmtpClient &client, const char *host, unsigned port);
