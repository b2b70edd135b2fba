/* IMAP command output (internal): the queue of bytes to send with its marks, and the one
 * argument encoder that decides how every caller-supplied string goes on the wire.
 *
 * Marks sit at byte offsets of the queue and tell the sender where to stop or what to switch:
 *   SYNC       a synchronising literal was announced: wait for the server's "+" (RFC 9051
 *              section 4.3); never send the literal after a NO/BAD (security checklist 35);
 *   SECRET_ON/SECRET_OFF  the bytes between are credentials: the trace redacts them;
 *   SOURCE     n bytes come from the engine's streaming source (APPEND from a file or a
 *              callback) instead of the queue.
 * Offsets are absolute (base + index) so that commands can remember where they end while the
 * queue drops what has been sent. */
#ifndef MW_IMAP_ENCODE_H
#define MW_IMAP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "../util/buf.h"

enum mw_imap_mark_kind {
    IMAP_MARK_SYNC = 1,
    IMAP_MARK_SECRET_ON,
    IMAP_MARK_SECRET_OFF,
    IMAP_MARK_SOURCE
};

typedef struct mw_imap_mark {
    uint64_t at; /* absolute offset */
    int kind;
    uint64_t n; /* SOURCE: byte count */
} mw_imap_mark;

/* Encoder flags, from the server's capabilities. */
enum {
    IMAP_ENC_LITERAL_PLUS = 1,  /* LITERAL+ (RFC 7888): {n+} for any size */
    IMAP_ENC_LITERAL_MINUS = 2, /* LITERAL- (RFC 7888): {n+} up to 4096 bytes */
    IMAP_ENC_UTF8 = 4           /* UTF-8 allowed in quoted strings (IMAP4rev2, UTF8=ACCEPT) */
};

/* Argument kinds for mw_imap_out_string(). */
enum {
    IMAP_ARG_ASTRING = 0, /* atom, quoted or literal (user names, mailbox names, criteria) */
    IMAP_ARG_STRING = 1,  /* quoted or literal, never an atom (SEARCH strings, dates) */
    IMAP_ARG_NOLIT = 2    /* quoted only: the grammar allows no literal here */
};

typedef struct mw_imap_out {
    /* The bytes queued. A secret buffer: it carries passwords and AUTHENTICATE responses,
     * so every byte that leaves it (sent and dropped, cut, moved, freed) is wiped. An append
     * that fails (out of memory) sets b.failed: the command must be abandoned. */
    mw_buf b;
    size_t sent;   /* index of the next byte to lend */
    uint64_t base; /* absolute offset of b.p[0] */
    mw_imap_mark *marks;
    size_t nmark, capmark;
    unsigned flags; /* IMAP_ENC_* */
} mw_imap_out;

MW_INTERNAL void mw_imap_out_init(mw_imap_out *o);
MW_INTERNAL void mw_imap_out_free(mw_imap_out *o);
/* Absolute offset of the end of the queue. */
static inline uint64_t mw_imap_out_end(const mw_imap_out *o)
{
    return o->base + o->b.len;
}
MW_INTERNAL void mw_imap_out_put(mw_imap_out *o, const char *p, size_t n);
MW_INTERNAL void mw_imap_out_puts(mw_imap_out *o, const char *s);
MW_INTERNAL void mw_imap_out_printf(mw_imap_out *o, const char *fmt, ...) MW_PRINTF(2, 3);
MW_INTERNAL void mw_imap_out_mark(mw_imap_out *o, int kind, uint64_t n);
/* Drop the unsent bytes in [from, to) (absolute) and their marks: a command refused before
 * its literal was sent. Later bytes move down. */
MW_INTERNAL void mw_imap_out_cut(mw_imap_out *o, uint64_t from, uint64_t to);
/* Release sent bytes at the front. */
MW_INTERNAL void mw_imap_out_compact(mw_imap_out *o);

/* How a string would be sent; for tests. */
enum { IMAP_ENC_ATOM = 1, IMAP_ENC_QUOTED = 2, IMAP_ENC_LITERAL = 3, IMAP_ENC_SYNC_LITERAL = 4 };

/* Choose the representation of s[0..n) for an argument of the given kind (RFC 9051
 * section 4.3): an atom when every byte is an ATOM-CHAR, a quoted string (with \" and \\
 * escaped) when it has no CR, LF or (without UTF-8 permission) 8-bit byte, else a literal
 * ({n+} when LITERAL+/LITERAL- allow it). NUL is never encodable; CR/LF where no literal is
 * allowed is an error. Returns IMAP_ENC_* or 0 with *why set. */
MW_INTERNAL int mw_imap_choose(const char *s, size_t n, int kind, unsigned flags, const char **why);

/* Append one argument, encoded as mw_imap_choose() decided. Returns 0, or an ST_ERROR_* code
 * (ST_ERROR_INVALID_ARGUMENT: nothing was appended). */
MW_INTERNAL unsigned mw_imap_out_string(mw_imap_out *o, const char *s, size_t n, int kind);

/* Validate a sequence set or UID set given as text (digits, ':', ',', '*'); 0 when valid. */
MW_INTERNAL int mw_imap_valid_set(const char *s);

#endif
