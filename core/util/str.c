/* String helpers; see str.h. */
#include "str.h"
#include "alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mw_strdup_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (!src)
        return 0;
    size_t n = strlen(src) + 1;
    *dst = mw_malloc(n);
    if (!*dst)
        return -1;
    memcpy(*dst, src, n);
    return 0;
}

void mw_wipe(void *p, size_t len)
{
    /* A volatile pointer keeps the stores from being elided as dead. */
    volatile unsigned char *v = p;
    while (len--)
        *v++ = 0;
}

void mw_free_secret(char *s)
{
    if (!s)
        return;
    mw_wipe(s, strlen(s));
    free(s);
}

static int ascii_lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int mw_strncasecmp(const char *a, const char *b, size_t n)
{
    for (; n > 0; n--, a++, b++) {
        int ca = ascii_lower((unsigned char)*a), cb = ascii_lower((unsigned char)*b);
        if (ca != cb)
            return ca - cb;
        if (ca == 0)
            return 0;
    }
    return 0;
}

int mw_strcasecmp(const char *a, const char *b)
{
    return mw_strncasecmp(a, b, (size_t)-1);
}

char *mw_strndup(const char *s, size_t n)
{
    char *p = mw_malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

size_t mw_strlcpy(char *dst, const char *src, size_t size)
{
    size_t n = strlen(src);
    if (n >= size)
        n = size - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
    return n;
}

void mw_detail_vprintf(char *dst, size_t size, const char *fmt, va_list ap)
{
    char tmp[1024];
    if (size == 0)
        return;
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0)
        tmp[0] = 0;
    mw_strlcpy(dst, tmp, size);
}

void mw_detail_printf(char *dst, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mw_detail_vprintf(dst, size, fmt, ap);
    va_end(ap);
}
