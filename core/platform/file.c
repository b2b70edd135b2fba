/* UTF-8 file names on every platform; see file.h. */
#ifndef _WIN32
#define _FILE_OFFSET_BITS 64
#endif
#include "file.h"
#include "../util/alloc.h"
#include "../util/str.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#ifdef _WIN32
wchar_t *mw_utf8_to_wide(const char *s)
{
    /* MB_ERR_INVALID_CHARS: a malformed name fails instead of naming another file through
     * U+FFFD. */
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) {
        errno = EILSEQ;
        return NULL;
    }
    wchar_t *w = mw_malloc((size_t)n * sizeof *w);
    if (!w) {
        errno = ENOMEM;
        return NULL;
    }
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        errno = EILSEQ;
        return NULL;
    }
    return w;
}

size_t mw_wide_to_utf8(const wchar_t *w, int wlen, char *out, size_t size)
{
    if (wlen < 0)
        wlen = (int)wcslen(w);
    int cap = size > INT_MAX ? INT_MAX : (int)size;
    /* Shorten the input until its UTF-8 form fits with the terminator, never splitting a
     * surrogate pair; a message text is short, so the retries are few and cheap. */
    while (wlen > 0) {
        int n = WideCharToMultiByte(CP_UTF8, 0, w, wlen, NULL, 0, NULL, NULL);
        if (n > 0 && n < cap) {
            WideCharToMultiByte(CP_UTF8, 0, w, wlen, out, cap, NULL, NULL);
            out[n] = 0;
            return (size_t)n;
        }
        wlen--;
        if (wlen > 0 && w[wlen - 1] >= 0xD800 && w[wlen - 1] <= 0xDBFF)
            wlen--;
    }
    out[0] = 0;
    return 0;
}
#endif

FILE *mw_fopen(const char *path, const char *mode)
{
#ifdef _WIN32
    wchar_t wmode[8];
    size_t i;
    for (i = 0; mode[i] && i + 1 < sizeof wmode / sizeof wmode[0]; i++)
        wmode[i] = (wchar_t)(unsigned char)mode[i];
    wmode[i] = 0;
    wchar_t *wpath = mw_utf8_to_wide(path);
    if (!wpath)
        return NULL;
    FILE *f = _wfopen(wpath, wmode);
    int e = errno;
    free(wpath);
    errno = e;
    return f;
#else
    return fopen(path, mode);
#endif
}

int mw_file_stat(const char *path, mw_file_info *info)
{
#ifdef _WIN32
    struct _stat64 st;
    wchar_t *wpath = mw_utf8_to_wide(path);
    if (!wpath)
        return -1;
    int rc = _wstat64(wpath, &st);
    int e = errno;
    free(wpath);
    errno = e;
    if (rc != 0)
        return -1;
    info->regular = (st.st_mode & _S_IFMT) == _S_IFREG;
#else
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    info->regular = S_ISREG(st.st_mode);
#endif
    info->size = (uint64_t)st.st_size;
    info->mtime = (int64_t)st.st_mtime;
    return 0;
}

int mw_file_read_all(const char *path, size_t max, unsigned char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = mw_fopen(path, "rb");
    if (!f)
        return -1;
    /* Read to the end rather than trust a size taken first: the file may change meanwhile. */
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    int err = 0;
    for (;;) {
        if (!buf || n + 1 == cap) { /* full: one byte stays free for the terminator */
            if (cap == max + 1) {
                /* max bytes read: fine if that was all of it */
                if (fgetc(f) != EOF)
                    err = EFBIG;
                else if (ferror(f))
                    err = errno ? errno : EIO;
                break;
            }
            size_t ncap = cap ? cap * 2 : 16384;
            if (ncap > max + 1 || ncap < cap)
                ncap = max + 1;
            unsigned char *nb = mw_malloc(ncap);
            if (!nb) {
                err = ENOMEM;
                break;
            }
            if (buf) {
                memcpy(nb, buf, n);
                mw_file_free(buf, n);
            }
            buf = nb;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                err = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (err) {
        mw_file_free(buf, n);
        errno = err;
        return -1;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

void mw_file_free(unsigned char *data, size_t len)
{
    if (!data)
        return;
    mw_wipe(data, len);
    free(data);
}
