/* IMAP response reader (internal): an incremental lexer for server responses.
 *
 * A response is one or more line segments; a segment that ends in a literal announcement
 * ({n}, {n+} or ~{n}, RFC 9051 section 4.3, RFC 7888, RFC 3516) is followed by n bytes of
 * literal data and then the next segment. The reader is resumable at any byte: feed it what
 * arrived and it reports one event at a time:
 *   - IMAP_RD_RESPONSE: a whole response is parsed (tokens or status text, see below);
 *   - IMAP_RD_LITERAL: a literal was announced; the tokens so far are readable and the
 *     caller chooses with mw_imap_reader_literal_mode() whether its bytes are kept in memory
 *     (bounded by lit_mem_limit) or streamed out in chunks (never buffered whole);
 *   - IMAP_RD_CHUNK: chunk/chunk_len point at streamed literal bytes inside the input;
 *   - IMAP_RD_ERROR: malformed input or a limit was hit (err, detail); the reader is stuck.
 * The announced literal size is never allocated up front (security checklist item 24).
 *
 * Status responses ("tag OK/NO/BAD ...", "* OK/NO/BAD/BYE/PREAUTH ...") and continuation
 * requests ("+ ...") are text: they can carry no literal, so "{5}" at their end is text
 * (item 28). Every other response is tokenized: atoms (a bracketed section such as
 * BODY[HEADER.FIELDS (A B)]<0> is one atom), quoted strings (unescaped), literals, NIL,
 * parentheses with a depth limit. */
#ifndef MW_IMAP_READER_H
#define MW_IMAP_READER_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"
#include "../proto/line.h"
#include "vanished.h"

enum mw_imap_tok_type {
    IMAP_T_ATOM = 1,    /* atom or number (bytes in buf) */
    IMAP_T_STRING = 2,  /* quoted string or in-memory literal (bytes in buf) */
    IMAP_T_NIL = 3,     /* NIL */
    IMAP_T_LPAREN = 4,  /* ( */
    IMAP_T_RPAREN = 5,  /* ) */
    IMAP_T_STREAMED = 6 /* a literal passed to the caller in chunks; len is its size */
};

typedef struct mw_imap_tok {
    int type;
    int literal;  /* a STRING that came as a literal (kept so it can be written back exactly) */
    size_t off;   /* bytes at buf + off (not for STREAMED) */
    uint64_t len; /* length of the bytes, or of the streamed literal */
} mw_imap_tok;

enum mw_imap_resp_kind {
    IMAP_RESP_NONE = 0,
    IMAP_RESP_CONT = 1,   /* "+ text" */
    IMAP_RESP_STATUS = 2, /* tagged or untagged OK/NO/BAD/BYE/PREAUTH with text */
    IMAP_RESP_DATA = 3    /* untagged data, tokenized (tokens start with "*") */
};

enum mw_imap_status_cond { IMAP_OK = 1, IMAP_NO = 2, IMAP_BAD = 3, IMAP_BYE = 4, IMAP_PREAUTH = 5 };

enum mw_imap_rd_event {
    IMAP_RD_NEED_MORE = 0,
    IMAP_RD_RESPONSE = 1,
    IMAP_RD_LITERAL = 2,
    IMAP_RD_CHUNK = 3,
    IMAP_RD_IDS = 4,      /* numbers of a "* SEARCH" response: ids[0..nids), taken by the caller */
    IMAP_RD_VANISHED = 5, /* UID ranges of a "* VANISHED" response: vs.ranges, vs.n (vanished.h) */
    IMAP_RD_ERROR = -1
};

enum mw_imap_lit_mode { IMAP_LIT_MEMORY = 0, IMAP_LIT_STREAM = 1 };

typedef struct mw_imap_limits {
    size_t line;         /* one segment, CRLF included */
    size_t response_mem; /* bytes of strings plus tokens held for one response */
    size_t lit_mem;      /* one literal kept in memory */
    unsigned depth;      /* parenthesis nesting */
    size_t search_ids;   /* ids the engine keeps of one search (0: the default, 1 Mi) */
} mw_imap_limits;

typedef struct mw_imap_reader {
    mw_imap_limits lim;
    mw_line_asm la;
    char *buf; /* atoms and strings of the current response */
    size_t len, cap;
    mw_imap_tok *toks;
    size_t ntok, captok;
    unsigned depth;
    int kind;     /* enum mw_imap_resp_kind of the response being read (NONE between them) */
    int cur_kind; /* kind of the response just completed (IMAP_RD_RESPONSE) */
    /* status responses */
    int cond;
    size_t tag_off, tag_len, code_off, code_len, text_off, text_len;
    int has_code;
    /* literal in progress */
    uint64_t lit_left;
    int lit_active, lit_mode, lit_tok;
    int lit8;          /* ~{n}: a binary literal (RFC 3516) was announced */
    const char *chunk; /* IMAP_RD_CHUNK */
    size_t chunk_len;
    /* A "* SEARCH" response (RFC 9051 section 7.3.4) is never gathered as a line: without
     * ESEARCH a server sends every match on it (170,000 ids make 1 MiB), so its numbers are
     * scanned as they arrive and handed out in batches (IMAP_RD_IDS); what is kept of them is
     * the caller's limit, not the line limit. */
    int srch;       /* inside one */
    int srch_paren; /* inside its "(MODSEQ n)" (RFC 7162 section 3.1.5) */
    int srch_cr;    /* its CR arrived, the LF must follow */
    unsigned srch_digits;
    uint64_t srch_num;
    uint32_t ids[256];
    size_t nids;
    mw_imap_vscan vs; /* a "* VANISHED" response, scanned as it arrives (vanished.h) */
    int failed;
    unsigned err;
    char detail[160];
} mw_imap_reader;

MW_INTERNAL void mw_imap_reader_init(mw_imap_reader *r, const mw_imap_limits *lim);
MW_INTERNAL void mw_imap_reader_free(mw_imap_reader *r);
/* Forget everything (a new connection or STARTTLS). */
MW_INTERNAL void mw_imap_reader_reset(mw_imap_reader *r);

/* Consume input up to the next event; returns the bytes used and the event in *ev. After
 * IMAP_RD_RESPONSE the response stays readable until the next call; after IMAP_RD_IDS the
 * caller takes ids[0..nids) and sets nids to 0. */
MW_INTERNAL size_t mw_imap_reader_feed(mw_imap_reader *r, const char *data, size_t len, int *ev);
/* After IMAP_RD_LITERAL: where the literal's bytes go (default: memory). */
MW_INTERNAL void mw_imap_reader_literal_mode(mw_imap_reader *r, int mode);

/* The announced size of the literal of the last IMAP_RD_LITERAL event. */
MW_INTERNAL uint64_t mw_imap_reader_literal_size(const mw_imap_reader *r);

/* Token access. */
static inline const char *mw_imap_tok_ptr(const mw_imap_reader *r, const mw_imap_tok *t)
{
    return r->buf + t->off;
}
/* Case-insensitive comparison of an atom (or string) with a NUL-terminated word. */
MW_INTERNAL int mw_imap_tok_is(const mw_imap_reader *r, const mw_imap_tok *t, const char *word);
/* Parse a token as an unsigned 32-bit (or, with big, 63-bit) number; -1 when not one. */
MW_INTERNAL int mw_imap_tok_u32(const mw_imap_reader *r, const mw_imap_tok *t, uint32_t *out);
MW_INTERNAL int mw_imap_tok_u64(const mw_imap_reader *r, const mw_imap_tok *t, uint64_t *out);
/* Index of the token after the value that starts at i (skips a whole parenthesised list). */
MW_INTERNAL size_t mw_imap_tok_skip(const mw_imap_reader *r, size_t i);

/* Parse a decimal number from s[0..n): 0 on success. */
MW_INTERNAL int mw_imap_parse_u64(const char *s, size_t n, uint64_t *out);

#endif
