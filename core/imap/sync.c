/* CONDSTORE and QRESYNC (RFC 7162) in the IMAP engine: ENABLE, VANISHED, the MODIFIED and
 * NOMODSEQ response codes, FETCH (CHANGEDSINCE), conditional STORE (UNCHANGEDSINCE) and the
 * QRESYNC select. The VANISHED UID set is scanned by the reader (vanished.c). */
#include "engine_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/alloc.h"
#include "../util/str.h"

/* MODIFIED ids kept at most when the caller gives more room (the rest is counted). */
#define MAX_MODIFIED_KEPT (1u << 20)

void mw_imap_sync_reset(mw_imap_engine *e)
{
    e->sync.condstore_on = e->sync.qresync_on = 0;
    e->sync.nomodseq = 0;
}

void mw_imap_sync_free(mw_imap_engine *e)
{
    free(e->sync.known);
    e->sync.known = NULL;
    free(e->sync.mod);
    e->sync.mod = NULL;
    e->sync.nmod = e->sync.capmod = 0;
}

void mw_imap_sync_op_begin(mw_imap_engine *e)
{
    mw_imap_sync *s = &e->sync;
    s->enable_want = 0;
    s->op_vanished = NULL;
    s->op_user = NULL;
    s->op_qresync = 0;
    s->changes = NULL;
    s->nchanged = 0;
    s->nvanished = 0;
    s->collect_modified = 0;
    s->nmod = s->mod_keep = s->mod_total = 0;
    s->dest_mod = NULL;
    s->dest_nmod = NULL;
    s->changed_cb = NULL;
    s->changed_user = NULL;
    free(s->known);
    s->known = NULL;
}

void mw_imap_set_vanished_cb(mw_imap_engine *e, IMAPVANISHEDPROC cb, void *user)
{
    e->sync.vanished_cb = cb;
    e->sync.vanished_user = user;
}

void mw_imap_set_change_cb(mw_imap_engine *e, IMAPCHANGEPROC cb, void *user)
{
    e->sync.change_cb = cb;
    e->sync.change_user = user;
}

/* ---- what the server sends ------------------------------------------------------------- */

void mw_imap_sync_unsolicited(mw_imap_engine *e, const IMAPMESSAGE *m, const char *kw)
{
    if (!e->sync.change_cb || mw_imap_pre_tls(e))
        return; /* checklist 7: nothing learned before TLS reaches the caller */
    /* RFC 7162 section 3.1.4: with CONDSTORE enabled, a FETCH with FLAGS carries the new
     * MODSEQ; section 3.2.4: with QRESYNC, the UID too. */
    IMAPCHANGE c;
    memset(&c, 0, sizeof c);
    c.nMessageId = m->nMessageId;
    c.dwUID = m->dwUID;
    c.dwFlags = m->dwFlags;
    c.lpszKeywords = kw;
    c.nModSeq = e->sync.cur_modseq;
    e->sync.change_cb(&c, e->sync.change_user);
}

void mw_imap_sync_vanished(mw_imap_engine *e)
{
    mw_imap_vscan *v = &e->rd.vs;
    size_t n = v->n;
    v->n = 0;
    e->progress++;
    if (mw_imap_pre_tls(e))
        return; /* checklist 7: nothing learned before TLS reaches the caller */
    mw_imap_sync *s = &e->sync;
    IMAPVANISHEDPROC cb = s->op_vanished ? s->op_vanished : s->vanished_cb;
    void *user = s->op_vanished ? s->op_user : s->vanished_user;
    for (size_t i = 0; i < n; i++) {
        uint32_t a = v->ranges[2 * i], b = v->ranges[2 * i + 1];
        uint64_t count = (uint64_t)b - a + 1;
        s->nvanished += count;
        /* RFC 7162 section 3.2.10: without EARLIER every UID is a message expunged now, in
         * place of one EXPUNGE each: the count goes down by as many (never below 0: UIDs the
         * client cannot check against its own list). With EARLIER they were gone before the
         * EXISTS the client has. */
        if (!v->earlier && e->state == IMAP_ST_SELECTED) {
            e->mbox.nMessages =
                count >= e->mbox.nMessages ? 0 : e->mbox.nMessages - (unsigned)count;
        }
        if (cb)
            cb(a, b, v->earlier, user);
    }
    if (n && !v->earlier && e->state == IMAP_ST_SELECTED)
        mw_imap_note_change(e);
}

/* Parse a sequence set (nz-number or ranges, no "*"), calling add for every id kept; 0, or
 * -1 when malformed. Ranges are expanded only as far as ids are kept: "1:4294967295" is
 * counted, not walked. */
static int modified_set(mw_imap_engine *e, const char *p, const char *end)
{
    mw_imap_sync *s = &e->sync;
    if (p == end)
        return -1;
    while (p < end) {
        uint64_t a, b;
        const char *q = p;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
        if (mw_imap_parse_u64(p, (size_t)(q - p), &a) || a == 0 || a > UINT32_MAX)
            return -1;
        b = a;
        if (q < end && *q == ':') {
            const char *r = ++q;
            while (q < end && *q >= '0' && *q <= '9')
                q++;
            if (mw_imap_parse_u64(r, (size_t)(q - r), &b) || b == 0 || b > UINT32_MAX)
                return -1;
            if (b < a) {
                uint64_t t = a;
                a = b;
                b = t;
            }
        }
        if (q < end && *q != ',')
            return -1;
        if (q < end && q + 1 == end)
            return -1; /* a set ending in a comma (checklist 28) */
        uint64_t x = a;
        for (; x <= b && s->nmod < s->mod_keep; x++) {
            uint32_t *nm = mw_grow(s->mod, &s->capmod, s->nmod + 1, sizeof *nm);
            if (!nm) {
                mw_imap_op_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
                return 0;
            }
            s->mod = nm;
            s->mod[s->nmod++] = (uint32_t)x;
        }
        s->mod_total += (size_t)(b - a + 1);
        p = q < end ? q + 1 : q;
    }
    return 0;
}

int mw_imap_sync_code(mw_imap_engine *e, const char *code, size_t len)
{
    if (len >= 8 && mw_strncasecmp(code, "NOMODSEQ", 8) == 0 && (len == 8 || code[8] == ' ')) {
        e->sync.nomodseq = 1; /* RFC 7162 section 3.1.2.2 */
        return 1;
    }
    if (len < 8 || mw_strncasecmp(code, "MODIFIED", 8) != 0 || (len > 8 && code[8] != ' '))
        return 0;
    /* RFC 7162 section 3.1.3: "MODIFIED" SP sequence-set, on the tagged reply of a
     * conditional STORE. Another command has no use for it. */
    if (!e->sync.collect_modified)
        return 1;
    if (len <= 9 || modified_set(e, code + 9, code + len))
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed MODIFIED response code");
    return 1;
}

void mw_imap_sync_enabled(mw_imap_engine *e, size_t k)
{
    const mw_imap_reader *r = &e->rd;
    for (; k < r->ntok; k++) {
        if (mw_imap_tok_is(r, &r->toks[k], "CONDSTORE"))
            e->sync.condstore_on = 1;
        else if (mw_imap_tok_is(r, &r->toks[k], "QRESYNC"))
            e->sync.qresync_on = e->sync.condstore_on = 1; /* RFC 7162 section 3.2.3 */
    }
}

/* ---- ENABLE ---------------------------------------------------------------------------- */

static void deliver_enable(mw_imap_engine *e)
{
    uint32_t want = e->sync.enable_want;
    if (e->op_err)
        return;
    if (((want & IMAP_ENABLE_QRESYNC) && !e->sync.qresync_on) ||
        ((want & IMAP_ENABLE_CONDSTORE) && !e->sync.condstore_on))
        mw_imap_op_note(e, ST_ERROR_NOT_SUPPORTED, "the server did not report %s ENABLED",
                        (want & IMAP_ENABLE_QRESYNC) && !e->sync.qresync_on ? "QRESYNC"
                                                                            : "CONDSTORE");
}

static unsigned need_sync_caps(mw_imap_engine *e, uint32_t options)
{
    if (!(e->caps & IMAP_CAP_ENABLE))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED, "the server does not offer ENABLE");
    if ((options & IMAP_ENABLE_QRESYNC) && !(e->caps & IMAP_CAP_QRESYNC))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED, "the server does not offer QRESYNC");
    if ((options & IMAP_ENABLE_CONDSTORE) && !(e->caps & IMAP_CAP_CONDSTORE))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED, "the server does not offer CONDSTORE");
    return ST_ERROR_NONE;
}

static void queue_enable(mw_imap_engine *e, uint32_t options)
{
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "ENABLE");
    if (options & IMAP_ENABLE_CONDSTORE)
        mw_imap_out_puts(&e->out, " CONDSTORE");
    if (options & IMAP_ENABLE_QRESYNC)
        mw_imap_out_puts(&e->out, " QRESYNC");
    /* Not IMAP_CMD_ENABLE: that one is the connect's optional extra, whose refusal changes
     * nothing; this one is the caller's request and its refusal is reported. */
    mw_imap_cmd_end(e, IMAP_CMD_OTHER);
}

unsigned mw_imap_op_enable_sync(mw_imap_engine *e, uint32_t options)
{
    options &= IMAP_ENABLE_CONDSTORE | IMAP_ENABLE_QRESYNC;
    if (!options)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "IMAP_ENABLE_CONDSTORE or IMAP_ENABLE_QRESYNC is required");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_AUTH);
    if (err || (err = need_sync_caps(e, options)) != 0)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    e->sync.enable_want = options;
    e->deliver = deliver_enable;
    queue_enable(e, options);
    return ST_ERROR_NONE;
}

/* ---- FETCH (CHANGEDSINCE) --------------------------------------------------------------- */

/* The engine reports FETCH data as IMAPMESSAGE; a changed message goes to the caller as an
 * IMAPCHANGE, with the MODSEQ fetch.c kept, and is counted. */
void mw_imap_sync_to_change(const IMAPMESSAGE *m, void *user)
{
    mw_imap_engine *e = user;
    IMAPCHANGE c;
    memset(&c, 0, sizeof c);
    c.nMessageId = m->nMessageId;
    c.dwUID = m->dwUID;
    c.dwFlags = m->dwFlags;
    c.lpszKeywords = m->lpszKeywords;
    c.nModSeq = e->sync.cur_modseq;
    e->sync.nchanged++;
    if (e->sync.changed_cb)
        e->sync.changed_cb(&c, e->sync.changed_user);
}

unsigned mw_imap_op_changed_since(mw_imap_engine *e, const char *set, uint32_t options,
                                  uint64_t modseq, IMAPCHANGEPROC cb, void *user)
{
    int vanished = (options & IMAP_CHANGES_VANISHED) != 0;
    if (!cb || mw_imap_valid_set(set))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a valid set and a callback are required");
    if (vanished && (!(options & IMAP_FETCH_UID) || modseq == 0))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "IMAP_CHANGES_VANISHED needs IMAP_FETCH_UID and a MODSEQ above 0 "
                              "(RFC 7162 section 3.2.6)");
    if (modseq > INT64_MAX)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a MODSEQ has 63 bits");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    if (!(e->caps & IMAP_CAP_CONDSTORE))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED, "the server does not offer CONDSTORE");
    if (vanished && !e->sync.qresync_on)
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED,
                              "IMAP_CHANGES_VANISHED needs QRESYNC enabled (ImapEnableSync())");
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (options & IMAP_FETCH_UID) ? "UID FETCH " : "FETCH ");
    mw_imap_out_puts(&e->out, set);
    /* RFC 7162 section 3.1.4.1: CHANGEDSINCE implies MODSEQ; naming it keeps the reply the
     * same on every server. Its value is a mod-sequence-value (above 0): 0 asks for all. */
    mw_imap_out_puts(&e->out, " (UID FLAGS MODSEQ)");
    if (modseq)
        mw_imap_out_printf(&e->out, " (CHANGEDSINCE %llu%s)", (unsigned long long)modseq,
                           vanished ? " VANISHED" : "");
    mw_imap_cmd_end(e, IMAP_CMD_FETCH);
    e->sync.changed_cb = cb;
    e->sync.changed_user = user;
    e->info_cb = mw_imap_sync_to_change;
    e->info_user = e;
    e->fetch_active = 1;
    return ST_ERROR_NONE;
}

/* ---- STORE (UNCHANGEDSINCE) ------------------------------------------------------------- */

static void deliver_modified(mw_imap_engine *e)
{
    mw_imap_sync *s = &e->sync;
    if (!s->dest_nmod)
        return;
    /* Also after a NO: which messages were not stored is what the caller needs then too. */
    size_t n = s->nmod < *s->dest_nmod ? s->nmod : *s->dest_nmod;
    if (n)
        memcpy(s->dest_mod, s->mod, n * sizeof *s->mod);
    *s->dest_nmod = s->mod_total;
}

unsigned mw_imap_op_store_unchanged(mw_imap_engine *e, const char *set, uint32_t mode,
                                    uint32_t flags, const char *keywords, uint64_t modseq,
                                    uint32_t *ids, size_t *count)
{
    if (!count || (*count && !ids))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "lpnModified (and lpModified) are required");
    if (modseq > INT64_MAX)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a MODSEQ has 63 bits");
    char modifier[48];
    snprintf(modifier, sizeof modifier, " (UNCHANGEDSINCE %llu)", (unsigned long long)modseq);
    size_t cap = *count;
    unsigned err = mw_imap_op_store_mod(e, set, mode, flags, keywords, modifier);
    if (err)
        return err;
    mw_imap_sync *s = &e->sync;
    s->collect_modified = 1;
    s->mod_keep = cap < MAX_MODIFIED_KEPT ? cap : MAX_MODIFIED_KEPT;
    s->dest_mod = ids;
    s->dest_nmod = count;
    e->deliver = deliver_modified;
    return ST_ERROR_NONE;
}

/* ---- SELECT (QRESYNC ...) --------------------------------------------------------------- */

void mw_imap_sync_deliver_changes(mw_imap_engine *e)
{
    mw_imap_sync *s = &e->sync;
    IMAPCHANGES *c = s->changes;
    if (!c || e->op_err)
        return;
    c->dwUidValidity = e->mbox.dwMailboxUID;
    c->bUidValidityChanged = e->mbox.dwMailboxUID != s->want_uidvalidity;
    c->bNoModSeq = s->nomodseq;
    c->nHighestModSeq = e->mbox.nHighestModSeq;
    c->nMessages = e->mbox.nMessages;
    c->nChanged = s->nchanged;
    c->nVanished = s->nvanished;
}

static int valid_opt_set(const char *s)
{
    return !s || !mw_imap_valid_set(s);
}

unsigned mw_imap_op_qresync_select(mw_imap_engine *e, const char *name, uint32_t options,
                                   uint32_t uidvalidity, uint64_t modseq, const char *known_uids,
                                   const char *seqs, const char *seq_uids, IMAPCHANGEPROC changed,
                                   IMAPVANISHEDPROC vanished, void *user, IMAPCHANGES *out)
{
    int examine = (options & IMAP_SELECT_READONLY) != 0;
    if (!name || !*name)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a mailbox name is required");
    if (!out || out->dwSize < sizeof *out)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "lpChanges with dwSize = sizeof(IMAPCHANGES) is required");
    if (uidvalidity == 0 || modseq == 0 || modseq > INT64_MAX)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a UIDVALIDITY and a MODSEQ above 0 are required "
                              "(RFC 7162 section 3.2.5)");
    if (!valid_opt_set(known_uids) || !valid_opt_set(seqs) || !valid_opt_set(seq_uids) ||
        (!seqs != !seq_uids) || (seqs && !known_uids))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "invalid known UIDs or sequence match data");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_AUTH);
    if (err || (err = mw_imap_check_mailbox(e, name, "the mailbox name")) != 0)
        return err;
    if (!e->sync.qresync_on && !(e->caps & IMAP_CAP_QRESYNC) && (e->caps & IMAP_CAP_CONDSTORE))
        return mw_imap_op_changes_condstore(e, name, examine, uidvalidity, modseq, known_uids,
                                            changed, vanished, user, out);
    if (!e->sync.qresync_on && (err = need_sync_caps(e, IMAP_ENABLE_QRESYNC)) != 0)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_sync *s = &e->sync;
    /* RFC 7162 section 3.2.3: QRESYNC in SELECT needs ENABLE QRESYNC first; pipelined, the
     * server has handled it before it reads the SELECT. */
    if (!s->qresync_on)
        queue_enable(e, IMAP_ENABLE_QRESYNC);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, examine ? "EXAMINE " : "SELECT ");
    mw_imap_put_mailbox(e, name);
    mw_imap_out_printf(&e->out, " (QRESYNC (%lu %llu", (unsigned long)uidvalidity,
                       (unsigned long long)modseq);
    if (known_uids) {
        mw_imap_out_puts(&e->out, " ");
        mw_imap_out_puts(&e->out, known_uids);
    }
    if (seqs) {
        mw_imap_out_puts(&e->out, " (");
        mw_imap_out_puts(&e->out, seqs);
        mw_imap_out_puts(&e->out, " ");
        mw_imap_out_puts(&e->out, seq_uids);
        mw_imap_out_puts(&e->out, ")");
    }
    mw_imap_out_puts(&e->out, "))");
    mw_imap_select_sent(e, examine);
    s->op_qresync = 1;
    /* The changed messages come as FETCH responses before the tagged OK (RFC 7162 section
     * 3.2.5): they go to the caller, not counted as changes by someone else. */
    mw_imap_sync_route(e, uidvalidity, changed, vanished, user, out, mw_imap_sync_to_change,
                       mw_imap_sync_deliver_changes);
    return ST_ERROR_NONE;
}

void mw_imap_sync_route(mw_imap_engine *e, uint32_t uidvalidity, IMAPCHANGEPROC changed,
                        IMAPVANISHEDPROC vanished, void *user, IMAPCHANGES *out,
                        void (*to_change)(const IMAPMESSAGE *, void *),
                        void (*deliver)(mw_imap_engine *))
{
    mw_imap_sync *s = &e->sync;
    s->want_uidvalidity = uidvalidity;
    s->changes = out;
    s->op_vanished = vanished;
    s->op_user = user;
    s->changed_cb = changed;
    s->changed_user = user;
    e->info_cb = to_change;
    e->info_user = e;
    e->fetch_active = 1;
    e->deliver = deliver;
}
