/* wchar_t <-> UTF-8 for the W forms of the API (include/mailwire/wide.h, internal).
 *
 * wchar_t holds UTF-16 where it is 16 bits wide (Windows) and UTF-32 elsewhere. The W forms
 * convert their text to UTF-8, call the one UTF-8 implementation and convert what comes
 * back: nothing else lives here. Every failure sets the calling thread's last error:
 * ST_ERROR_INVALID_ARGUMENT for text that is not Unicode (an unpaired surrogate, a value past
 * U+10FFFF), ST_ERROR_NOT_SUPPORTED for library text that is not valid UTF-8 (a server's raw
 * octets), ST_ERROR_OUT_OF_MEMORY. */
#ifndef MW_WIDE_WCONV_H
#define MW_WIDE_WCONV_H

#include <stddef.h>
#include <wchar.h>

#include <mailwire/common.h>

#include "../platform/platform.h"

/* A W argument in UTF-8: *out is NULL for NULL, else a new string (free with mw_w_free).
 * what names the parameter in the error detail. 0, or -1 with the last error set. */
MW_INTERNAL int mw_w_in(char **out, const wchar_t *w, const char *what);
/* Wipes (the text may be a password) and frees; NULL is fine. */
MW_INTERNAL void mw_w_free(char *s);
/* A NULL-terminated array of W strings (NULL gives NULL). 0, or -1 with the last error set. */
MW_INTERNAL int mw_w_in_list(char ***out, const wchar_t *const *w, const char *what);
MW_INTERNAL void mw_w_free_list(char **list);

/* Stores UTF-8 s (NULL taken as "") into w[cch] as wchar_t, NUL-terminated when cch > 0 and
 * cut at a character boundary (a surrogate pair is never split). *full receives the length of
 * the whole text in wchar_t, *copied what was stored (both without the NUL; either may be
 * NULL). 0, or -1 (ST_ERROR_NOT_SUPPORTED: s is not valid UTF-8; w then holds ""). */
MW_INTERNAL int mw_w_store(wchar_t *w, size_t cch, const char *s, size_t *full, size_t *copied);
/* A new wchar_t copy of UTF-8 s (NULL for NULL), or NULL with the last error set. */
MW_INTERNAL wchar_t *mw_w_dup(const char *s);

/* Storage of the text a pointer-returning W form gives back, one per function and thread
 * (a static MW_THREAD_LOCAL, zero-initialised): valid until that function is called again on
 * the same thread. The buffers of a thread are freed when it ends. */
typedef struct mw_w_slot {
    wchar_t *w;
    size_t cap;
    struct mw_w_slot *next; /* the thread's slots with a buffer, freed at its end */
} mw_w_slot;
/* Converts s into the slot: the slot's text, NULL for NULL s, or NULL with the last error set. */
MW_INTERNAL const wchar_t *mw_w_slot_set(mw_w_slot *slot, const char *s);

/* How a W output buffer's result is given back (the A form's documented semantics). */
typedef enum mw_w_kind {
    MW_W_TRUNC, /* cut to fit; the A result is returned */
    MW_W_FIT,   /* must fit, else ST_ERROR_INVALID_ARGUMENT and "" */
    MW_W_FULL,  /* cut to fit; the full length (in wchar_t) is returned */
    MW_W_COPIED /* cut to fit; the number of wchar_t stored is returned */
} mw_w_kind;

/* A caller's wchar_t buffer and the UTF-8 buffer the A form writes in its place. */
typedef struct mw_w_out {
    wchar_t *w;
    size_t cch;
    char *s;
    size_t cb;
    mw_w_kind kind;
} mw_w_out;
/* Prepares the UTF-8 buffer: large enough for anything cch wchar_t can hold (NULL with a NULL
 * or empty caller buffer, except for MW_W_FULL, which always needs the text). 0 or -1. */
MW_INTERNAL int mw_w_out_open(mw_w_out *o, wchar_t *w, size_t cch, mw_w_kind kind);
/* MW_W_FULL: after A returned r, 1 when the UTF-8 text was cut (the buffer has grown to the
 * full length, call A again), 0 when done (or -1 out of memory, with the last error set). */
MW_INTERNAL int mw_w_out_again(mw_w_out *o, int r);
/* Stores the UTF-8 result into the caller's buffer and maps A's result r to the W result. */
MW_INTERNAL int mw_w_out_finish(mw_w_out *o, int r);
MW_INTERNAL void mw_w_out_close(mw_w_out *o);

/* 0 when hClient is a blocking session (or not a session: the A form reports that); -1 with
 * ST_ERROR_NOT_SUPPORTED for a non-blocking one, whose output buffer the A form would keep
 * past the W form's return. */
MW_INTERNAL int mw_w_blocking_only(HCLIENT hClient, const char *fn);

#endif
