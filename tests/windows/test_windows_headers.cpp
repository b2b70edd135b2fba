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

// SocketTools TCHAR code (LPCTSTR members, _T() literals, TCHAR buffers, a CString stand-in)
// against the C API and the C++ classes: ANSI, UNICODE, and UNICODE with <windows.h> last
// (headers_windows_tchar*.cpp). 0: every call gave what its build's text type expects.
TEST(WindowsHeaders, TcharCodeCompilesAndRunsInAnsiBuild)
{
    EXPECT_EQ(HeadersProbeTcharAnsi(), 0);
}

TEST(WindowsHeaders, TcharCodeCompilesAndRunsInUnicodeBuild)
{
    EXPECT_EQ(HeadersProbeTcharUnicode(), 0);
}

TEST(WindowsHeaders, TcharCodeCompilesAndRunsInUnicodeBuildWithWindowsHLast)
{
    EXPECT_EQ(HeadersProbeTcharUnicodeLast(), 0);
}
