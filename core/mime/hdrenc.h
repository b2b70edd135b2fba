/* Header field encodings (internal): RFC 2047 encoded words for Subject and display names,
 * RFC 2231 parameter values for attachment names. Input strings are UTF-8 (checked by the
 * caller); output is ASCII, folded through mw_sb. */
#ifndef MW_MIME_HDRENC_H
#define MW_MIME_HDRENC_H

#include <stddef.h>

#include "../platform/platform.h"
#include "sbuf.h"

/* Append an unstructured value (Subject, RFC 5322 section 3.2.5) after "Name:": as is when it
 * is short-worded printable ASCII, else as RFC 2047 encoded words (B or Q, whichever is
 * shorter, each at most 75 characters, split only between UTF-8 characters). */
MW_INTERNAL void mw_hdr_unstructured(mw_sb *sb, const char *s, size_t n);

/* Append a display name (a phrase, RFC 5322 section 3.2.5): atoms, a quoted string or encoded
 * words (RFC 2047 section 5 (3)). s is the decoded text. */
MW_INTERNAL void mw_hdr_phrase(mw_sb *sb, const char *s, size_t n);

/* Append "; name=value" for a file name: a quoted string when it is short, safe ASCII; else
 * RFC 2231 extended (name*=utf-8''...), split into continuations (name*0*=...) when long.
 * Each parameter starts on its own folded line. */
MW_INTERNAL void mw_hdr_filename_param(mw_sb *sb, const char *pname, const char *s, size_t n);

#endif
