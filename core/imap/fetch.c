/* Untagged FETCH data: bodies streamed to the caller's sink (never buffered whole), and the
 * metadata items (FLAGS, UID, RFC822.SIZE, INTERNALDATE, ENVELOPE, BODYSTRUCTURE) turned into
 * an IMAPMESSAGE (RFC 9051 section 7.5.2). */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "engine_priv.h"
#include "../util/str.h"

#include "../util/buf.h"

/* ---- address lists and structures for IMAPMESSAGE --------------------------------------- */

/* Append the text of nstring token t. */
static void sb_tok(mw_buf *b, const mw_imap_reader *r, const mw_imap_tok *t)
{
    if (t->type == IMAP_T_ATOM || t->type == IMAP_T_STRING)
        mw_buf_put(b, mw_imap_tok_ptr(r, t), (size_t)t->len);
}

/* Write tokens [i, end) back as the server sent them (BODYSTRUCTURE as text): one space
 * between members, none after "(" or between ")" and "(" (RFC 9051 body-type-mpart =
 * 1*body SP media-subtype: multipart children follow each other directly), atoms and NIL as
 * their bytes, quoted strings re-escaped (\" and \\ are the only escapes), literals as
 * literals. */
static void sb_tokens(mw_buf *b, const mw_imap_reader *r, size_t i, size_t end)
{
    int prev = 0; /* type of the token written last */
    for (size_t k = i; k < end; k++) {
        const mw_imap_tok *t = &r->toks[k];
        if (prev && prev != IMAP_T_LPAREN && t->type != IMAP_T_RPAREN &&
            !(prev == IMAP_T_RPAREN && t->type == IMAP_T_LPAREN))
            mw_buf_put(b, " ", 1);
        prev = t->type;
        switch (t->type) {
        case IMAP_T_LPAREN:
            mw_buf_put(b, "(", 1);
            break;
        case IMAP_T_RPAREN:
            mw_buf_put(b, ")", 1);
            break;
        case IMAP_T_NIL:
        case IMAP_T_ATOM:
            mw_buf_put(b, mw_imap_tok_ptr(r, t), (size_t)t->len);
            break;
        case IMAP_T_STRING: {
            const char *p = mw_imap_tok_ptr(r, t);
            if (t->literal) {
                char head[32];
                int hn = snprintf(head, sizeof head, "{%llu}\r\n", (unsigned long long)t->len);
                mw_buf_put(b, head, (size_t)hn);
                mw_buf_put(b, p, (size_t)t->len);
                break;
            }
            mw_buf_put(b, "\"", 1);
            for (size_t j = 0; j < t->len; j++) {
                if (p[j] == '"' || p[j] == '\\')
                    mw_buf_put(b, "\\", 1);
                mw_buf_put(b, p + j, 1);
            }
            mw_buf_put(b, "\"", 1);
            break;
        }
        default: /* a streamed literal cannot be written back */
            mw_buf_put(b, "NIL", 3);
            break;
        }
    }
}

/* A display name as RFC 5322 wants it in a header: an atom sequence as it is, anything
 * holding a special (a comma, a dot, a quote...) as a quoted-string, so "Doe, John" stays one
 * name rather than two addresses. */
static void sb_name(mw_buf *b, const mw_imap_reader *r, const mw_imap_tok *t)
{
    const char *p = mw_imap_tok_ptr(r, t);
    size_t n = (size_t)t->len;
    int quote = 0;
    for (size_t j = 0; j < n; j++)
        if (strchr("()<>[]:;@\\,.\"", p[j]) || (unsigned char)p[j] < 0x20)
            quote = 1;
    if (!quote) {
        mw_buf_put(b, p, n);
        return;
    }
    mw_buf_put(b, "\"", 1);
    for (size_t j = 0; j < n; j++) {
        if (p[j] == '"' || p[j] == '\\')
            mw_buf_put(b, "\\", 1);
        mw_buf_put(b, p + j, 1);
    }
    mw_buf_put(b, "\"", 1);
}

static int is_nil(const mw_imap_tok *t)
{
    return t->type == IMAP_T_NIL;
}

/* An ENVELOPE address list ((name adl mailbox host) ...) as "Name <mailbox@host>, ...".
 * RFC 9051 section 7.5.2: a NIL host marks a group, (NIL NIL "group" NIL) to open it and
 * (NIL NIL NIL NIL) to close it; written "group: a@b, c@d;". Gmail uses a NIL host for bare
 * local parts too ("undisclosed" recipients without a domain): when no group end follows, the
 * address is the local part alone. */
static void sb_addresses(mw_buf *b, const mw_imap_reader *r, size_t i)
{
    if (i >= r->ntok || r->toks[i].type != IMAP_T_LPAREN)
        return;
    size_t end = mw_imap_tok_skip(r, i) - 1, k = i + 1;
    int first = 1, in_group = 0, opened = 0;
    while (k < end) {
        if (r->toks[k].type != IMAP_T_LPAREN)
            return;
        size_t next = mw_imap_tok_skip(r, k);
        if (next - k != 6) {
            k = next;
            continue;
        }
        const mw_imap_tok *name = &r->toks[k + 1], *mbox = &r->toks[k + 3], *host = &r->toks[k + 4];
        int has_name = name->type == IMAP_T_STRING && name->len;
        if (is_nil(mbox) && is_nil(host)) { /* group end */
            if (in_group)
                mw_buf_put(b, ";", 1);
            in_group = opened = 0;
            first = 0;
            k = next;
            continue;
        }
        if (is_nil(mbox)) { /* a host without a mailbox: nothing to write */
            k = next;
            continue;
        }
        if (is_nil(host)) {
            int group = 0;
            for (size_t q = next; q < end && r->toks[q].type == IMAP_T_LPAREN;
                 q = mw_imap_tok_skip(r, q))
                if (mw_imap_tok_skip(r, q) - q == 6 && is_nil(&r->toks[q + 3]) &&
                    is_nil(&r->toks[q + 4])) {
                    group = 1;
                    break;
                }
            if (group && !in_group) {
                if (!first)
                    mw_buf_put(b, ", ", 2);
                sb_tok(b, r, mbox);
                mw_buf_put(b, ":", 1);
                in_group = opened = 1;
                k = next;
                continue;
            }
        }
        if (opened) /* the first member follows the colon after a space */
            mw_buf_put(b, " ", 1);
        else if (!first)
            mw_buf_put(b, ", ", 2);
        first = opened = 0;
        if (has_name) {
            sb_name(b, r, name);
            mw_buf_put(b, " <", 2);
        }
        sb_tok(b, r, mbox);
        if (!is_nil(host)) {
            mw_buf_put(b, "@", 1);
            sb_tok(b, r, host);
        }
        if (has_name)
            mw_buf_put(b, ">", 1);
        k = next;
    }
}

/* ---- FETCH ------------------------------------------------------------------------------- */

static int is_body_item(const mw_imap_reader *r, const mw_imap_tok *t)
{
    if (t->type != IMAP_T_ATOM)
        return 0;
    const char *p = mw_imap_tok_ptr(r, t);
    size_t n = (size_t)t->len;
    return (n >= 5 && mw_strncasecmp(p, "BODY[", 5) == 0) ||
           (n >= 7 && mw_strncasecmp(p, "BINARY[", 7) == 0) ||
           (n >= 6 && mw_strncasecmp(p, "RFC822", 6) == 0 &&
            !(n > 7 && p[6] == '.' && (p[7] | 0x20) == 's'));
}

/* Whether body item t is the section the fetch asked for (RFC 9051 section 7.5.2: the reply
 * names it as BODY[section] with an optional <origin>; BINARY[...] of RFC 3516, and the
 * RFC822 forms of RFC 1730 for the whole message, its header and its text). A server may send
 * other sections along (BODY[1.MIME] with BODY[1]); only the one asked for reaches the sink.
 * Names compare without case; a HEADER.FIELDS list is not compared (servers rewrite it). */
static int wanted_section(const mw_imap_engine *e, const mw_imap_reader *r, const mw_imap_tok *t)
{
    const char *p = mw_imap_tok_ptr(r, t), *want = e->fetch_section;
    size_t n = (size_t)t->len, s, len;
    if (n >= 6 && mw_strncasecmp(p, "RFC822", 6) == 0) {
        const char *rest = p + 6;
        size_t rn = n - 6;
        if (rn == 0)
            return want[0] == 0;
        return (rn == 7 && mw_strncasecmp(rest, ".HEADER", 7) == 0 &&
                mw_strcasecmp(want, "HEADER") == 0) ||
               (rn == 5 && mw_strncasecmp(rest, ".TEXT", 5) == 0 &&
                mw_strcasecmp(want, "TEXT") == 0);
    }
    const char *open = memchr(p, '[', n);
    if (!open)
        return 0;
    s = (size_t)(open - p) + 1;
    const char *close = memchr(p + s, ']', n - s);
    if (!close)
        return 0;
    len = (size_t)(close - (p + s));
    size_t wl = strlen(want);
    const char *paren = memchr(p + s, '(', len);
    const char *wparen = strchr(want, '(');
    if (paren && wparen) { /* HEADER.FIELDS[.NOT] (...): the names before the list */
        size_t a = (size_t)(paren - (p + s)), b = (size_t)(wparen - want);
        while (a && p[s + a - 1] == ' ')
            a--;
        while (b && want[b - 1] == ' ')
            b--;
        return a == b && mw_strncasecmp(p + s, want, a) == 0;
    }
    return len == wl && mw_strncasecmp(p + s, want, wl) == 0;
}

/* UID of a FETCH response among the items read so far (0 when not seen yet). */
static uint32_t fetch_uid_so_far(const mw_imap_reader *r)
{
    uint32_t uid = 0;
    for (size_t k = 4; k + 1 < r->ntok; k = mw_imap_tok_skip(r, k + 1))
        if (mw_imap_tok_is(r, &r->toks[k], "UID"))
            mw_imap_tok_u32(r, &r->toks[k + 1], &uid);
    return uid;
}

int mw_imap_literal_mode_for(mw_imap_engine *e)
{
    const mw_imap_reader *r = &e->rd;
    if (!e->fetch_active || !e->sink || r->ntok < 5 || r->depth != 1 || mw_imap_pre_tls(e))
        return IMAP_LIT_MEMORY;
    uint32_t seq;
    if (mw_imap_tok_u32(r, &r->toks[1], &seq) || !mw_imap_tok_is(r, &r->toks[2], "FETCH") ||
        !is_body_item(r, &r->toks[r->ntok - 1]))
        return IMAP_LIT_MEMORY;
    e->cur_seq = seq;
    e->cur_uid = fetch_uid_so_far(r);
    uint64_t total = mw_imap_reader_literal_size(r);
    e->cur_discard = !wanted_section(e, r, &r->toks[r->ntok - 1]);
    if (e->cur_discard)
        return IMAP_LIT_STREAM; /* read and dropped: never held in memory */
    e->xfer_total += total;
    e->fetch_starts++;
    if (!e->sink_err && e->sink(seq, e->cur_uid, NULL, 0, total, e->sink_user))
        e->sink_err = ST_ERROR_CANCELLED;
    return IMAP_LIT_STREAM;
}

void mw_imap_deliver_chunk(mw_imap_engine *e, const char *p, size_t n)
{
    if (e->cur_discard) {
        e->progress++;
        return;
    }
    e->xfer_done += n;
    e->progress++;
    mw_imap_push_event(e, MAILWIRE_EVENT_PROGRESS, 0);
    if (e->sink_err)
        return;
    if (e->sink(e->cur_seq, e->cur_uid, p, n, 0, e->sink_user))
        e->sink_err = e->sink_err ? e->sink_err : ST_ERROR_CANCELLED;
}

void mw_imap_handle_fetch(mw_imap_engine *e, uint32_t seq)
{
    const mw_imap_reader *r = &e->rd;
    if (r->ntok < 4 || r->toks[3].type != IMAP_T_LPAREN) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed FETCH response");
        return;
    }
    IMAPMESSAGE m;
    memset(&m, 0, sizeof m);
    m.nMessageId = seq;
    e->sync.cur_modseq = 0; /* MODSEQ (sync.c reads it in its info callback) */
    char kw[512] = "";
    /* date, subject, from, to, cc, message-id, envelope date, body structure, the ENVELOPE
     * as sent (for ImapGetMessageStructure()) */
    mw_buf t[9];
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        mw_buf_init(&t[i], 0, 0);
    mw_buf *date = &t[0], *subj = &t[1], *from = &t[2], *to = &t[3], *cc = &t[4], *msgid = &t[5],
           *envdate = &t[6], *bs = &t[7], *envraw = &t[8];
    int flags_seen = 0, body_seen = 0;
    size_t end = mw_imap_tok_skip(r, 3) - 1;
    for (size_t k = 4; k < end;) {
        const mw_imap_tok *name = &r->toks[k], *val = NULL;
        size_t vk = k + 1, next;
        if (name->type == IMAP_T_LPAREN) {
            /* Domino sends "(ENVELOPE (...))": the item name inside a list of its own. That
             * one is unambiguous and read as the ENVELOPE; any other value without a name is
             * skipped and reported, the session goes on. */
            size_t close = mw_imap_tok_skip(r, k);
            if (k + 2 < close && mw_imap_tok_is(r, &r->toks[k + 1], "ENVELOPE") &&
                r->toks[k + 2].type == IMAP_T_LPAREN && mw_imap_tok_skip(r, k + 2) == close - 1) {
                name = &r->toks[k + 1];
                vk = k + 2;
            } else {
                mw_imap_op_note(e, ST_ERROR_PROTOCOL_VIOLATION,
                                "FETCH value without an item name skipped");
                k = close;
                continue;
            }
        }
        if (vk >= end || r->toks[vk].type == IMAP_T_RPAREN) {
            /* Yandex ends with "BODY[2] )": a body section without a value, read as empty.
             * Any other item without a value is reported; what came before it stands. */
            if (!is_body_item(r, name)) {
                mw_imap_op_note(e, ST_ERROR_PROTOCOL_VIOLATION, "FETCH item without a value");
                break;
            }
            next = vk;
        } else {
            val = &r->toks[vk];
            next = mw_imap_tok_skip(r, vk);
        }
        size_t vend = val ? mw_imap_tok_skip(r, vk) : vk;
        if (name != &r->toks[k])
            next = mw_imap_tok_skip(r, k);
        if (!val) {
            body_seen = 1;
            if (e->fetch_active && e->sink && !e->sink_err && wanted_section(e, r, name)) {
                e->fetch_starts++;
                if (e->sink(seq, m.dwUID, NULL, 0, 0, e->sink_user))
                    e->sink_err = ST_ERROR_CANCELLED;
            }
            k = next;
            continue;
        }
        if (mw_imap_tok_is(r, name, "UID")) {
            if (mw_imap_tok_u32(r, val, &m.dwUID)) {
                mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed UID in FETCH");
                goto out;
            }
        } else if (mw_imap_tok_is(r, name, "FLAGS")) {
            m.dwFlags = mw_imap_parse_flags(r, vk, kw, sizeof kw);
            flags_seen = 1;
        } else if (mw_imap_tok_is(r, name, "RFC822.SIZE")) {
            if (mw_imap_tok_u64(r, val, &m.nSize)) {
                mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed RFC822.SIZE");
                goto out;
            }
        } else if (mw_imap_tok_is(r, name, "MODSEQ")) {
            /* RFC 7162 section 3.1.4: "MODSEQ" SP "(" mod-sequence-value ")" */
            if (val->type != IMAP_T_LPAREN || vend != vk + 3 ||
                mw_imap_tok_u64(r, &r->toks[vk + 1], &e->sync.cur_modseq)) {
                mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed MODSEQ in FETCH");
                goto out;
            }
        } else if (mw_imap_tok_is(r, name, "INTERNALDATE")) {
            sb_tok(date, r, val);
        } else if (mw_imap_tok_is(r, name, "ENVELOPE")) {
            /* RFC 9051 section 7.5.2: exactly ten members, date subject from sender reply-to
             * to cc bcc in-reply-to message-id. Anything else is refused rather than read
             * (a short list once made the fields past its end uninitialised). */
            size_t f = vk + 1, fields[10];
            int nf = 0;
            if (val->type == IMAP_T_LPAREN)
                for (; nf < 10 && f < vend - 1; nf++) {
                    fields[nf] = f;
                    f = mw_imap_tok_skip(r, f);
                }
            if (val->type != IMAP_T_LPAREN || nf != 10 || f != vend - 1) {
                mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed ENVELOPE in FETCH");
                goto out;
            }
            sb_tok(envdate, r, &r->toks[fields[0]]);
            sb_tok(subj, r, &r->toks[fields[1]]);
            sb_addresses(from, r, fields[2]);
            sb_addresses(to, r, fields[5]);
            sb_addresses(cc, r, fields[6]);
            sb_tok(msgid, r, &r->toks[fields[9]]);
            sb_tokens(envraw, r, vk, vend);
        } else if (mw_imap_tok_is(r, name, "BODYSTRUCTURE") || mw_imap_tok_is(r, name, "BODY")) {
            sb_tokens(bs, r, vk, vend);
        } else if (mw_imap_binary_size_item(e, r, name, val)) {
            /* BINARY.SIZE[part] (RFC 3516), binary.c */
        } else if (is_body_item(r, name)) {
            body_seen = 1;
            /* A body that came as a quoted string, NIL or an in-memory literal. */
            if (e->fetch_active && e->sink && val->type != IMAP_T_STREAMED && !e->sink_err &&
                wanted_section(e, r, name)) {
                uint64_t len = val->type == IMAP_T_STRING ? val->len : 0;
                e->fetch_starts++;
                if (e->sink(seq, m.dwUID, NULL, 0, len, e->sink_user) ||
                    (len &&
                     e->sink(seq, m.dwUID, mw_imap_tok_ptr(r, val), (size_t)len, 0, e->sink_user)))
                    e->sink_err = ST_ERROR_CANCELLED;
                e->xfer_total += len;
                e->xfer_done += len;
            }
        }
        k = next;
    }
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].failed) {
            mw_imap_op_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
            goto out;
        }
    if (e->info_cb && e->fetch_active) {
        m.lpszDate = mw_buf_str(date);
        m.lpszKeywords = kw;
        m.lpszSubject = mw_buf_str(subj);
        m.lpszFrom = mw_buf_str(from);
        m.lpszTo = mw_buf_str(to);
        m.lpszCc = mw_buf_str(cc);
        m.lpszMessageId = mw_buf_str(msgid);
        m.lpszEnvDate = mw_buf_str(envdate);
        m.lpszBodyStructure = mw_buf_str(bs);
        e->info_envelope = mw_buf_str(envraw);
        e->info_cb(&m, e->info_user);
        e->info_envelope = NULL;
    } else if (flags_seen && !body_seen) {
        /* Flags no info callback takes: another client's change (during IDLE, NOOP or any
         * command, an UPDATE event too) or the reply of the session's own STORE (fetch_active:
         * not someone else's change). Both go to the change callback. */
        mw_imap_sync_unsolicited(e, &m, kw);
        if (!e->fetch_active)
            mw_imap_note_change(e);
    }
out:
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        mw_buf_free(&t[i]);
}
