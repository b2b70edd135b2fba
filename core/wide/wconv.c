/* wchar_t <-> UTF-8 for the W forms (see wconv.h). Strict both ways: UTF-8 per RFC 3629
 * section 3 (no overlong forms, no surrogates, nothing past U+10FFFF); UTF-16 per RFC 2781
 * section 2 (a surrogate only as a high-low pair). */
#include "wconv.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../session/errors.h"
#include "../session/handle.h"
#include "../session/session.h"
#include "../util/alloc.h"
#include "../util/str.h"

#if WCHAR_MAX <= 0xFFFF
#define MW_W_UTF16 1
#else
#define MW_W_UTF16 0
#endif

/* Largest caller buffer taken at its word: past it the UTF-8 buffer size would overflow. */
#define MW_W_MAX_CCH ((size_t)INT_MAX / 4u - 1u)

/* The next code point of w at *i, or -1 (not Unicode: an unpaired surrogate, a value past
 * U+10FFFF or a negative wchar_t). */
static long next_wide(const wchar_t *w, size_t *i)
{
    uint32_t c = (uint32_t)w[*i];
    (*i)++;
#if MW_W_UTF16
    c &= 0xFFFFu;
    if (c >= 0xD800u && c <= 0xDBFFu) {
        uint32_t lo = (uint32_t)w[*i] & 0xFFFFu;
        if (lo < 0xDC00u || lo > 0xDFFFu)
            return -1;
        (*i)++;
        return (long)(0x10000u + ((c - 0xD800u) << 10) + (lo - 0xDC00u));
    }
#endif
    if ((c >= 0xD800u && c <= 0xDFFFu) || c > 0x10FFFFu)
        return -1;
    return (long)c;
}

static size_t utf8_put(char *out, uint32_t c)
{
    unsigned char *o = (unsigned char *)out;
    if (c < 0x80u) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800u) {
        o[0] = (unsigned char)(0xC0u | (c >> 6));
        o[1] = (unsigned char)(0x80u | (c & 0x3Fu));
        return 2;
    }
    if (c < 0x10000u) {
        o[0] = (unsigned char)(0xE0u | (c >> 12));
        o[1] = (unsigned char)(0x80u | ((c >> 6) & 0x3Fu));
        o[2] = (unsigned char)(0x80u | (c & 0x3Fu));
        return 3;
    }
    o[0] = (unsigned char)(0xF0u | (c >> 18));
    o[1] = (unsigned char)(0x80u | ((c >> 12) & 0x3Fu));
    o[2] = (unsigned char)(0x80u | ((c >> 6) & 0x3Fu));
    o[3] = (unsigned char)(0x80u | (c & 0x3Fu));
    return 4;
}

int mw_w_in(char **out, const wchar_t *w, const char *what)
{
    *out = NULL;
    if (!w)
        return 0;
    size_t i = 0, len = 0;
    while (w[i]) {
        size_t at = i;
        long c = next_wide(w, &i);
        if (c < 0) {
            mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                         "%s: not Unicode text (unpaired surrogate or invalid code point) at "
                         "wchar_t index %zu",
                         what, at);
            return -1;
        }
        len += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
    }
    char *s = mw_malloc(len + 1);
    if (!s) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, "%s: converting to UTF-8", what);
        return -1;
    }
    size_t n = 0;
    for (i = 0; w[i];)
        n += utf8_put(s + n, (uint32_t)next_wide(w, &i));
    s[n] = '\0';
    *out = s;
    return 0;
}

void mw_w_free(char *s)
{
    mw_free_secret(s);
}

int mw_w_in_list(char ***out, const wchar_t *const *w, const char *what)
{
    *out = NULL;
    if (!w)
        return 0;
    size_t n = 0;
    while (w[n])
        n++;
    char **list = mw_calloc(n + 1, sizeof *list);
    if (!list) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, "%s: converting to UTF-8", what);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (mw_w_in(&list[i], w[i], what)) {
            mw_w_free_list(list);
            return -1;
        }
    }
    *out = list;
    return 0;
}

void mw_w_free_list(char **list)
{
    if (!list)
        return;
    for (size_t i = 0; list[i]; i++)
        mw_w_free(list[i]);
    free(list);
}

/* The next code point of UTF-8 s at *i, or -1 (malformed, overlong, surrogate, too large). */
static long next_utf8(const unsigned char *s, size_t *i)
{
    uint32_t c = s[*i];
    size_t n;
    uint32_t min;
    if (c < 0x80u) {
        (*i)++;
        return (long)c;
    }
    if ((c & 0xE0u) == 0xC0u) {
        n = 1;
        min = 0x80u;
        c &= 0x1Fu;
    } else if ((c & 0xF0u) == 0xE0u) {
        n = 2;
        min = 0x800u;
        c &= 0x0Fu;
    } else if ((c & 0xF8u) == 0xF0u) {
        n = 3;
        min = 0x10000u;
        c &= 0x07u;
    } else {
        return -1;
    }
    for (size_t k = 1; k <= n; k++) {
        unsigned char b = s[*i + k];
        if ((b & 0xC0u) != 0x80u) /* also stops at the NUL */
            return -1;
        c = (c << 6) | (b & 0x3Fu);
    }
    if (c < min || c > 0x10FFFFu || (c >= 0xD800u && c <= 0xDFFFu))
        return -1;
    *i += n + 1;
    return (long)c;
}

static size_t wide_units(long c)
{
    return MW_W_UTF16 && c >= 0x10000 ? 2 : 1;
}

int mw_w_store(wchar_t *w, size_t cch, const char *s, size_t *full, size_t *copied)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    size_t i = 0, total = 0, n = 0;
    int room = cch > 0;
    while (u[i]) {
        size_t at = i;
        long c = next_utf8(u, &i);
        if (c < 0) {
            if (cch > 0)
                w[0] = L'\0';
            mw_set_error(ST_ERROR_NOT_SUPPORTED,
                         "the text is not valid UTF-8 (octet %zu) and has no wchar_t form", at);
            return -1;
        }
        size_t k = wide_units(c);
        total += k;
        if (room && n + k <= cch - 1) {
#if MW_W_UTF16
            if (k == 2) {
                w[n++] = (wchar_t)(0xD800u + (((uint32_t)c - 0x10000u) >> 10));
                w[n++] = (wchar_t)(0xDC00u + (((uint32_t)c - 0x10000u) & 0x3FFu));
                continue;
            }
#endif
            w[n++] = (wchar_t)c;
        } else {
            room = 0; /* cut here: nothing after a character that did not fit */
        }
    }
    if (cch > 0)
        w[n] = L'\0';
    if (full)
        *full = total;
    if (copied)
        *copied = n;
    return 0;
}

wchar_t *mw_w_dup(const char *s)
{
    if (!s)
        return NULL;
    size_t full;
    if (mw_w_store(NULL, 0, s, &full, NULL))
        return NULL;
    wchar_t *w = mw_malloc((full + 1) * sizeof *w);
    if (!w) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, "converting to wchar_t");
        return NULL;
    }
    mw_w_store(w, full + 1, s, NULL, NULL);
    return w;
}

/* The slots of the calling thread that hold a buffer. A thread-exit hook (a pthread key's
 * destructor; a fiber-local storage callback on Windows, which runs when the thread ends)
 * frees them: _Thread_local storage has no destructors of its own. The main thread's stay
 * until the process ends. */
static MW_THREAD_LOCAL mw_w_slot *t_slots;

static void free_slots(void *unused)
{
    (void)unused;
    for (mw_w_slot *s = t_slots, *next; s; s = next) {
        next = s->next;
        free(s->w);
        s->w = NULL;
        s->cap = 0;
        s->next = NULL;
    }
    t_slots = NULL;
}

#ifdef _WIN32
static INIT_ONCE exit_once = INIT_ONCE_STATIC_INIT;
static DWORD exit_key = FLS_OUT_OF_INDEXES;

static void NTAPI on_thread_exit(void *value)
{
    free_slots(value);
}

static BOOL CALLBACK make_exit_key(INIT_ONCE *once, void *param, void **ctx)
{
    (void)once;
    (void)param;
    (void)ctx;
    exit_key = FlsAlloc(on_thread_exit);
    return TRUE;
}

static void watch_thread_exit(void)
{
    InitOnceExecuteOnce(&exit_once, make_exit_key, NULL, NULL);
    if (exit_key != FLS_OUT_OF_INDEXES)
        FlsSetValue(exit_key, (void *)&t_slots);
}
#else
static pthread_once_t exit_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static int exit_key_ok;

static void make_exit_key(void)
{
    exit_key_ok = pthread_key_create(&exit_key, free_slots) == 0;
}

static void watch_thread_exit(void)
{
    pthread_once(&exit_once, make_exit_key);
    if (exit_key_ok)
        pthread_setspecific(exit_key, (void *)&t_slots);
}
#endif

const wchar_t *mw_w_slot_set(mw_w_slot *slot, const char *s)
{
    if (!s)
        return NULL;
    size_t full;
    if (mw_w_store(NULL, 0, s, &full, NULL))
        return NULL;
    if (full + 1 > slot->cap) {
        wchar_t *w = mw_realloc(slot->w, (full + 1) * sizeof *w);
        if (!w) {
            mw_set_error(ST_ERROR_OUT_OF_MEMORY, "converting to wchar_t");
            return NULL;
        }
        if (!slot->w) {
            if (!t_slots)
                watch_thread_exit();
            slot->next = t_slots;
            t_slots = slot;
        }
        slot->w = w;
        slot->cap = full + 1;
    }
    mw_w_store(slot->w, slot->cap, s, NULL, NULL);
    return slot->w;
}

int mw_w_out_open(mw_w_out *o, wchar_t *w, size_t cch, mw_w_kind kind)
{
    memset(o, 0, sizeof *o);
    o->w = w;
    o->cch = w ? cch : 0;
    o->kind = kind;
    if (o->cch == 0 && kind != MW_W_FULL)
        return 0; /* the A form sees the NULL or empty buffer and answers as documented */
    if (o->cch > MW_W_MAX_CCH)
        o->cch = MW_W_MAX_CCH;
    /* One wchar_t never needs more than 3 UTF-8 octets in UTF-16 (a pair: 4 for 2) and 4 in
     * UTF-32: 4 per unit covers both. */
    o->cb = o->cch * 4u + 1u;
    if (o->cb < 64)
        o->cb = 64;
    o->s = mw_malloc(o->cb);
    if (!o->s) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, "a buffer for the UTF-8 text");
        return -1;
    }
    o->s[0] = '\0';
    return 0;
}

int mw_w_out_again(mw_w_out *o, int r)
{
    if (o->kind != MW_W_FULL || r < 0 || (size_t)r < o->cb)
        return 0;
    char *s = mw_realloc(o->s, (size_t)r + 1u);
    if (!s) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, "a buffer for the UTF-8 text");
        return -1;
    }
    o->s = s;
    o->cb = (size_t)r + 1u;
    return 1;
}

int mw_w_out_finish(mw_w_out *o, int r)
{
    if (r < 0 || !o->s)
        return r;
    size_t full = 0, copied = 0;
    if (mw_w_store(o->w, o->cch, o->s, &full, &copied))
        return MAILWIRE_ERROR;
    switch (o->kind) {
    case MW_W_FULL:
        return full > (size_t)INT_MAX ? INT_MAX : (int)full;
    case MW_W_COPIED:
        return (int)copied;
    case MW_W_FIT:
        if (copied < full) {
            if (o->cch > 0)
                o->w[0] = L'\0';
            mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                         "the text (%zu wchar_t) does not fit in the buffer of %zu wchar_t", full,
                         o->cch);
            return MAILWIRE_ERROR;
        }
        return r;
    case MW_W_TRUNC:
    default:
        return r;
    }
}

void mw_w_out_close(mw_w_out *o)
{
    if (o->s) {
        mw_wipe(o->s, o->cb);
        free(o->s);
    }
    o->s = NULL;
}

int mw_w_blocking_only(HCLIENT hClient, const char *fn)
{
    mw_session *s;
    if (mw_handle_lookup(hClient, 1, &s))
        return 0;
    if (!mw_session_is_async(s))
        return 0;
    mw_set_error(ST_ERROR_NOT_SUPPORTED,
                 "%s: the W form needs a blocking session (the A form keeps the output buffer "
                 "of a non-blocking call); use the A form there",
                 fn);
    return -1;
}
