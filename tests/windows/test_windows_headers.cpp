// The public headers in a Windows program: with <windows.h> before them and after them (two
// translation units of this program, headers_windows_*.cpp, compiled with -Werror), and the
// objects they declare usable at run time. The seed's Connect(host, port, timeout, options,
// NULL, WM_NULL) form with <windows.h>'s own HWND and WM_NULL is tests/cpp/seed_connect.cpp
// (run against Postfix by CppSmtp.SeedConnectCallFormsCompileAndConnect).
#include <gtest/gtest.h>

#include "windows/headers_probe.hpp"

TEST(WindowsHeaders, WindowsHBeforeMailwireHeaders)
{
    EXPECT_EQ(HeadersProbeWindowsFirst(), 0);
}

TEST(WindowsHeaders, WindowsHAfterMailwireHeaders)
{
    EXPECT_EQ(HeadersProbeWindowsLast(), 0);
}

TEST(WindowsHeaders, WindowsHBeforeMailwireHeadersUnderUnicode)
{
    EXPECT_EQ(HeadersProbeWindowsFirstUnicode(), 0);
}
