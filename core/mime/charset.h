/* Charset conversion to and from UTF-8 (internal).
 *
 * One small interface with two back ends, picked at configure time: iconv from the C library
 * (charset_iconv.c, MW_HAVE_ICONV), which knows ISO-8859-x, Windows-125x, KOI8-R/U,
 * Shift_JIS, EUC-JP, ISO-2022-JP, GB2312/GBK/GB18030, Big5, EUC-KR and more; or, where iconv
 * is missing (some Windows toolchains), the built-in one (charset_builtin.c) for UTF-8,
 * US-ASCII, ISO-8859-1 and Windows-1252 only. UTF-8 and US-ASCII never go through iconv.
 *
 * Decoding (to UTF-8) never fails on bad input: octets the charset does not define become
 * U+FFFD, as Python's errors="replace" does; an unknown charset is reported so that the
 * caller can fall back (mw_cs_fallback_utf8()). Encoding (from UTF-8) fails on characters
 * the charset cannot hold. */
#ifndef MW_MIME_CHARSET_H
#define MW_MIME_CHARSET_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../util/buf.h"

/* Whether a charset name means UTF-8 / US-ASCII (with the usual aliases). */
MW_INTERNAL int mw_cs_is_utf8(const char *cs);
MW_INTERNAL int mw_cs_is_ascii(const char *cs);

/* Append the UTF-8 form of in[0..n) in charset cs to out. Returns 0, or -1 when the charset
 * is unknown to the back end (nothing appended). Bad octets become U+FFFD. */
MW_INTERNAL int mw_cs_to_utf8(const char *cs, const char *in, size_t n, mw_buf *out);

/* Append in[0..n) (UTF-8) converted to charset cs to out. Returns 0; -1: unknown charset;
 * -2: a character cs cannot represent, or malformed UTF-8 (*bad_at: its offset). */
MW_INTERNAL int mw_cs_from_utf8(const char *cs, const char *in, size_t n, mw_buf *out,
                                size_t *bad_at);

/* Bytes of no known charset: as UTF-8 when they are valid UTF-8, else as Windows-1252. */
MW_INTERNAL void mw_cs_fallback_utf8(const char *in, size_t n, mw_buf *out);

/* Append UTF-8 with Python's replacement rule: each maximal invalid subpart becomes U+FFFD. */
MW_INTERNAL void mw_cs_utf8_replace(const char *in, size_t n, mw_buf *out);

/* Back end (charset_iconv.c or charset_builtin.c): the same contracts for charsets other
 * than UTF-8 and US-ASCII. */
MW_INTERNAL int mw_cs_backend_to_utf8(const char *cs, const char *in, size_t n, mw_buf *out);
MW_INTERNAL int mw_cs_backend_from_utf8(const char *cs, const char *in, size_t n, mw_buf *out,
                                        size_t *bad_at);

/* Windows-1252 (and ISO-8859-1 through it) helpers shared by both back ends. */
MW_INTERNAL void mw_cs_put_cp(mw_buf *out, unsigned long cp);
MW_INTERNAL unsigned long mw_cs_cp1252(unsigned char c);

#endif
