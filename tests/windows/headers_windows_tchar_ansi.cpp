// headers_windows_tchar.cpp in an ANSI build: TCHAR is char, the plain names the UTF-8 functions.
#ifdef UNICODE
#undef UNICODE
#endif
#ifdef _UNICODE
#undef _UNICODE
#endif
#define HEADERS_TCHAR_PROBE_NAME HeadersProbeTcharAnsi
#include "headers_windows_tchar.cpp"
