/* Error texts copied into a caller's buffer: the SocketTools form of XxxGetErrorString
 * (internal). */
#ifndef MW_ERROR_TEXT_H
#define MW_ERROR_TEXT_H

#include "../platform/platform.h"

/* Copy the fixed text of code into buf (at most max - 1 characters and a NUL; the texts are
 * ASCII, so a cut never splits a character). Returns the number of characters copied, 0 when
 * buf is NULL or max < 1 (buf untouched). The calling thread's last error is left alone: this
 * is how callers print it. */
MW_INTERNAL int mw_error_text_copy(unsigned code, char *buf, int max);

#endif
