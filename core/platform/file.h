/* Files named by the API (attachments, messages to send or save, trace files, certificates,
 * keys, CA files): their paths are UTF-8 on every platform (internal).
 *
 * Elsewhere a path is bytes and UTF-8 passes through; Windows' fopen() and _stat64() read
 * char paths in the ANSI code page, where "Zürich-報告.txt" does not exist, so the paths are
 * converted to UTF-16 and the wide calls made. Every file the library opens goes through
 * here. */
#ifndef MW_FILE_H
#define MW_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "platform.h"

/* fopen() for a UTF-8 path. NULL with errno set (EILSEQ: not valid UTF-8, on Windows). */
MW_INTERNAL FILE *mw_fopen(const char *path, const char *mode);

typedef struct mw_file_info {
    uint64_t size;
    int64_t mtime; /* seconds since 1970 */
    int regular;   /* a regular file (not a directory, device...) */
} mw_file_info;

/* stat() for a UTF-8 path. 0, or -1 with errno set. */
MW_INTERNAL int mw_file_stat(const char *path, mw_file_info *info);

/* The whole file at a UTF-8 path in memory (NUL-terminated, not counted in *len), for
 * GnuTLS's _mem loaders: its _file loaders take char paths in the ANSI code page on Windows.
 * *data is freed with mw_file_free(). 0, or -1 with errno set (EFBIG: larger than max). */
MW_INTERNAL int mw_file_read_all(const char *path, size_t max, unsigned char **data, size_t *len);
/* Wipe (the file may hold a private key) and free what mw_file_read_all() returned. */
MW_INTERNAL void mw_file_free(unsigned char *data, size_t len);

#ifdef _WIN32
/* UTF-8 to a new UTF-16 string (free()); NULL with errno EILSEQ or ENOMEM. */
MW_INTERNAL wchar_t *mw_utf8_to_wide(const char *s);
/* UTF-16 (wlen units, or -1: NUL-terminated) to UTF-8 in out (size > 0 bytes, always
 * terminated), cut at a character boundary when it does not fit. Returns strlen(out). */
MW_INTERNAL size_t mw_wide_to_utf8(const wchar_t *w, int wlen, char *out, size_t size);
#endif

#endif /* MW_FILE_H */
