/* What changed since a MODSEQ on a server that offers CONDSTORE but not QRESYNC (RFC 7162
 * section 3.1; Gmail is one). QRESYNC answers in one SELECT (sync.c); here three commands go
 * out pipelined, which RFC 9051 section 5.5 lets the server run in order:
 *   SELECT mailbox (CONDSTORE)                          the UIDVALIDITY verdict, HIGHESTMODSEQ
 *   UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE n)   the changed messages
 *   UID SEARCH [RETURN (ALL)] UID known | ALL           the UIDs still there
 * Without VANISHED the server never says which messages went: the vanished UIDs are those of
 * the caller's known set (or, without one, of 1 to UIDNEXT-1) that the search no longer finds.
 * Reporting a UID the caller never had is harmless (it removes nothing), missing one is not:
 * so a search that was cut short by the engine's limit fails the call instead. */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

#include "../util/str.h"

/* A FETCH after a SELECT that found another UIDVALIDITY belongs to a mailbox the caller does
 * not know: nothing of it is reported (the verdict is). */
static void to_change_checked(const IMAPMESSAGE *m, void *user)
{
    mw_imap_engine *e = user;
    if (e->mbox.dwMailboxUID == e->sync.want_uidvalidity)
        mw_imap_sync_to_change(m, user);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The known UIDs a..b that are not among the present ones (sorted) go to the callback. */
static void report_gaps(mw_imap_engine *e, const uint32_t *present, size_t n, uint32_t a,
                        uint32_t b)
{
    mw_imap_sync *s = &e->sync;
    IMAPVANISHEDPROC cb = s->op_vanished ? s->op_vanished : s->vanished_cb;
    void *user = s->op_vanished ? s->op_user : s->vanished_user;
    /* The first present UID at or above a. */
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (present[mid] < a)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t next = a; /* the first UID not yet accounted for */
    for (size_t i = lo; i < n && present[i] <= b && next <= b; i++) {
        if (present[i] > next) {
            s->nvanished += present[i] - next;
            if (cb)
                cb((uint32_t)next, present[i] - 1, 1, user);
        }
        if (present[i] >= next)
            next = (uint64_t)present[i] + 1;
    }
    if (next <= b) {
        s->nvanished += b - next + 1;
        if (cb)
            cb((uint32_t)next, b, 1, user);
    }
}

static void deliver(mw_imap_engine *e)
{
    mw_imap_sync *s = &e->sync;
    mw_imap_sync_deliver_changes(e);
    if (e->op_err || !s->changes || s->changes->bUidValidityChanged)
        return;
    if (e->search_total > e->nsearch) {
        mw_imap_op_note(e, ST_ERROR_LIMIT_EXCEEDED,
                        "%zu messages are more than the search limit (%zu): the UIDs that "
                        "vanished cannot be told without QRESYNC",
                        e->search_total, e->nsearch);
        return;
    }
    size_t n = e->nsearch;
    if (n > 1)
        qsort(e->search, n, sizeof *e->search, cmp_u32);
    /* "*" and, without a known set, the end of the range: the last UID assigned so far. */
    uint32_t top = e->mbox.dwNextMessageUID > 1 ? e->mbox.dwNextMessageUID - 1
                   : n                          ? e->search[n - 1]
                                                : 0;
    if (!s->known) {
        if (top)
            report_gaps(e, e->search, n, 1, top);
    } else {
        /* The set was checked when the op started (mw_imap_valid_set). */
        for (const char *p = s->known; *p;) {
            uint64_t a = 0, b;
            if (*p == '*') {
                a = top;
                p++;
            } else {
                while (*p >= '0' && *p <= '9')
                    a = a * 10 + (uint64_t)(*p++ - '0');
            }
            b = a;
            if (*p == ':') {
                p++;
                if (*p == '*') {
                    b = top;
                    p++;
                } else {
                    b = 0;
                    while (*p >= '0' && *p <= '9')
                        b = b * 10 + (uint64_t)(*p++ - '0');
                }
            }
            if (*p == ',')
                p++;
            if (a > b) {
                uint64_t t = a;
                a = b;
                b = t;
            }
            if (a == 0)
                a = 1;
            if (b >= a && b <= UINT32_MAX)
                report_gaps(e, e->search, n, (uint32_t)a, (uint32_t)b);
        }
    }
    s->changes->nVanished = s->nvanished;
}

unsigned mw_imap_op_changes_condstore(mw_imap_engine *e, const char *name, int examine,
                                      uint32_t uidvalidity, uint64_t modseq, const char *known_uids,
                                      IMAPCHANGEPROC changed, IMAPVANISHEDPROC vanished, void *user,
                                      IMAPCHANGES *out)
{
    char *known = NULL;
    if (mw_strdup_opt(&known, known_uids))
        return mw_imap_refuse(e, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_sync *s = &e->sync;
    s->known = known;
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, examine ? "EXAMINE " : "SELECT ");
    mw_imap_put_mailbox(e, name);
    mw_imap_out_puts(&e->out, " (CONDSTORE)"); /* RFC 7162 section 3.1.8 */
    mw_imap_select_sent(e, examine);
    mw_imap_cmd_begin(e);
    mw_imap_out_printf(&e->out, "UID FETCH 1:* (UID FLAGS MODSEQ) (CHANGEDSINCE %llu)",
                       (unsigned long long)modseq);
    mw_imap_cmd_end(e, IMAP_CMD_FETCH);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "UID SEARCH");
    /* RFC 4731 (and IMAP4rev2): the UIDs as a compact set in one ESEARCH response. */
    if (e->caps & (IMAP_CAP_ESEARCH | IMAP_CAP_IMAP4REV2))
        mw_imap_out_puts(&e->out, " RETURN (ALL)");
    if (known) {
        mw_imap_out_puts(&e->out, " UID ");
        mw_imap_out_puts(&e->out, known);
    } else {
        mw_imap_out_puts(&e->out, " ALL");
    }
    mw_imap_cmd_end(e, IMAP_CMD_SEARCH);
    mw_imap_search_reset(e, (size_t)-1);
    mw_imap_sync_route(e, uidvalidity, changed, vanished, user, out, to_change_checked, deliver);
    return ST_ERROR_NONE;
}
