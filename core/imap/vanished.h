/* The "* VANISHED" response of QRESYNC (RFC 7162 section 3.2.10), streamed (internal).
 *
 * A VANISHED (EARLIER) reply to a QRESYNC SELECT lists every UID expunged since the client's
 * MODSEQ: after years of mail that is a line far longer than any sane line limit. Like the
 * numbers of "* SEARCH", its UID set is therefore never gathered as a line: the reader scans
 * it as it arrives and hands out the ranges in batches (IMAP_RD_VANISHED), so memory stays
 * bounded whatever its size. Only the number of ranges of one response has a hard limit
 * (MW_IMAP_VANISHED_MAX_RANGES; ST_ERROR_LIMIT_EXCEEDED). Anything but
 * `"VANISHED" [SP "(EARLIER)"] SP known-uids` CRLF, with known-uids a set of UIDs from 1 to
 * 4294967295 (no "*"), is a protocol violation. */
#ifndef MW_IMAP_VANISHED_H
#define MW_IMAP_VANISHED_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"

struct mw_imap_reader;

/* Ranges handed out per IMAP_RD_VANISHED event. */
#define MW_IMAP_VANISHED_BATCH 128
/* The most UID ranges one VANISHED response may hold: 4 Mi (a line of at least 8 MiB; the
 * ranges are never held, so this bounds the time one response takes, not memory). */
#define MW_IMAP_VANISHED_MAX_RANGES (4u << 20)

typedef struct mw_imap_vscan {
    int active;   /* inside a VANISHED response */
    int stage;    /* where in its grammar (vanished.c) */
    int earlier;  /* "(EARLIER)" was given */
    char word[8]; /* the word inside the parentheses so far */
    unsigned wlen;
    uint64_t num, first; /* the number being read; the first number of a range */
    unsigned digits;
    int in_range; /* after the ':' */
    size_t total; /* ranges of this response so far */
    /* The batch: ranges[2k] .. ranges[2k + 1], first <= last. */
    uint32_t ranges[2 * MW_IMAP_VANISHED_BATCH];
    size_t n;
} mw_imap_vscan;

/* Whether the response starting now is "* VANISHED " (any case), as search_starts() decides
 * for "* SEARCH " in reader.c: the reader passes what it gathered of the line and the next
 * bytes. */
MW_INTERNAL int mw_imap_vanished_prefix(const char *gathered, size_t have, const char *data,
                                        size_t avail, size_t *take);
/* Start scanning after the prefix. */
MW_INTERNAL void mw_imap_vanished_begin(mw_imap_vscan *v);
/* Scan bytes; returns how many were used. Stops when the batch is full, at the end of the
 * line (active cleared) or at a bad byte: with ranges pending they go out first (the byte
 * fails on the next call, so how the input was cut never changes what is reported), else the
 * reader fails (r->failed, err, detail). *flush: the batch must go out now. */
MW_INTERNAL size_t mw_imap_vanished_scan(struct mw_imap_reader *r, const char *p, size_t n,
                                         int *flush);

#endif
