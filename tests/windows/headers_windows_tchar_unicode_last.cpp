// headers_windows_tchar.cpp in a UNICODE build with <windows.h> after mailwire's headers.
#ifndef UNICODE
#define UNICODE
#endif
#ifndef _UNICODE
#define _UNICODE
#endif
#define HEADERS_TCHAR_WINDOWS_LAST
#define HEADERS_TCHAR_PROBE_NAME HeadersProbeTcharUnicodeLast
#include "headers_windows_tchar.cpp"
