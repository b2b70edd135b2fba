/* Small string helpers shared across layers (internal). */
#ifndef MW_STR_H
#define MW_STR_H

#include <stdarg.h>
#include <stddef.h>

#include "../platform/platform.h"

/* *dst = copy of src, or NULL when src is NULL. Returns 0, or -1 when out of memory. */
MW_INTERNAL int mw_strdup_opt(char **dst, const char *src);

/* Overwrite a secret with zeros (not optimised away) and free it. NULL is fine. */
MW_INTERNAL void mw_free_secret(char *s);

/* Zero len bytes in a way the compiler keeps. */
MW_INTERNAL void mw_wipe(void *p, size_t len);

/* A NUL-terminated copy of the n bytes at s (which need not be terminated), or NULL when out
 * of memory. */
MW_INTERNAL char *mw_strndup(const char *s, size_t n);

/* Bounded copy that always terminates (dst non-empty). Returns strlen(dst). */
MW_INTERNAL size_t mw_strlcpy(char *dst, const char *src, size_t size);

/* strncasecmp() for protocol words: ASCII letters only, whatever the locale (a Turkish locale
 * must not make "i" and "I" differ), and on every platform (Windows has no <strings.h>). */
MW_INTERNAL int mw_strncasecmp(const char *a, const char *b, size_t n);
/* strcasecmp() the same way: whole NUL-terminated strings. */
MW_INTERNAL int mw_strcasecmp(const char *a, const char *b);

/* Format a detail text into dst (size bytes, always terminated). Safe when an argument
 * points into dst itself (an error detail often quotes the previous one): the text is
 * formatted into a scratch copy first, overlapping vsnprintf arguments being undefined. */
MW_INTERNAL void mw_detail_printf(char *dst, size_t size, const char *fmt, ...) MW_PRINTF(3, 4);
/* The same for a function that takes its own variable arguments (a module's fail(fmt, ...)). */
MW_INTERNAL void mw_detail_vprintf(char *dst, size_t size, const char *fmt, va_list ap)
    MW_PRINTF(3, 0);

#endif
