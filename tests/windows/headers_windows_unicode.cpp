// headers_windows_first.cpp again with UNICODE and _UNICODE defined, as MFC projects have them
// by default: <windows.h> then maps SendMessage, GetMessage... to their W names, and the
// public headers must still compile (the library's own text is UTF-8 char either way; the
// wide API of issue 13 item 3 is not here yet).
#ifndef UNICODE
#define UNICODE
#endif
#ifndef _UNICODE
#define _UNICODE
#endif
#define HEADERS_PROBE_NAME HeadersProbeWindowsFirstUnicode
#include "headers_windows_first.cpp"
