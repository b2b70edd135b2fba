// headers_windows_first.cpp again with UNICODE and _UNICODE defined, as MFC projects have them
// by default: <windows.h> then maps SendMessage, GetMessage... to their W names, and
// mailwire's headers map their plain names to the W forms (include/mailwire/wide.h); the
// C++ classes, which call the A names, must still compile. TCHAR code against both:
// headers_windows_tchar.cpp.
#ifndef UNICODE
#define UNICODE
#endif
#ifndef _UNICODE
#define _UNICODE
#endif
#define HEADERS_PROBE_NAME HeadersProbeWindowsFirstUnicode
#include "headers_windows_first.cpp"
