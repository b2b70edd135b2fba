// Functions of the header probes (headers_windows_first.cpp, headers_windows_last.cpp): each
// returns 0 when the objects its translation unit made are in their initial state.
#pragma once

int HeadersProbeWindowsFirst();
int HeadersProbeWindowsLast();
int HeadersProbeWindowsFirstUnicode();
int HeadersProbeTcharAnsi();
int HeadersProbeTcharUnicode();
int HeadersProbeTcharUnicodeLast();
