// headers_windows_tchar.cpp in a UNICODE build (MFC's default): TCHAR is wchar_t, the plain
// names are the W forms.
#ifndef UNICODE
#define UNICODE
#endif
#ifndef _UNICODE
#define _UNICODE
#endif
#define HEADERS_TCHAR_PROBE_NAME HeadersProbeTcharUnicode
#include "headers_windows_tchar.cpp"
