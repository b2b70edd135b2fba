/* Untagged FETCH data: bodies streamed to the caller's sink (never buffered whole), and the
 * metadata items (FLAGS, UID, RFC822.SIZE, INTERNALDATE, ENVELOPE, BODYSTRUCTURE) turned into
 * an IMAPMESSAGE (RFC 9051 section 7.5.2). */
#include <stdlib.h>
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

/* Serialise tokens [i, end) back to IMAP syntax (BODYSTRUCTURE as text). */
static void sb_tokens(mw_buf *b, const mw_imap_reader *r, size_t i, size_t end)
{
    int need_space = 0;
    for (size_t k = i; k < end; k++) {
        const mw_imap_tok *t = &r->toks[k];
        if (t->type == IMAP_T_RPAREN) {
            mw_buf_put(b, ")", 1);
            need_space = 1;
            continue;
        }
        if (need_space)
            mw_buf_put(b, " ", 1);
        need_space = 1;
        switch (t->type) {
        case IMAP_T_LPAREN:
            mw_buf_put(b, "(", 1);
            need_space = 0;
            break;
        case IMAP_T_NIL:
            mw_buf_put(b, "NIL", 3);
            break;
        case IMAP_T_ATOM:
            sb_tok(b, r, t);
            break;
        case IMAP_T_STRING: {
            mw_buf_put(b, "\"", 1);
            const char *p = mw_imap_tok_ptr(r, t);
            for (size_t j = 0; j < t->len; j++) {
                if (p[j] == '"' || p[j] == '\\')
                    mw_buf_put(b, "\\", 1);
                if (p[j] == '\r' || p[j] == '\n')
                    mw_buf_put(b, " ", 1);
                else
                    mw_buf_put(b, p + j, 1);
            }
            mw_buf_put(b, "\"", 1);
            break;
        }
        default:
            mw_buf_put(b, "NIL", 3);
            break;
        }
    }
}

/* An ENVELOPE address list ((name adl mailbox host) ...) as "Name <mailbox@host>, ...". */
static void sb_addresses(mw_buf *b, const mw_imap_reader *r, size_t i)
{
    if (i >= r->ntok || r->toks[i].type != IMAP_T_LPAREN)
        return;
    size_t end = mw_imap_tok_skip(r, i) - 1, k = i + 1;
    int first = 1;
    while (k < end) {
        if (r->toks[k].type != IMAP_T_LPAREN)
            return;
        size_t next = mw_imap_tok_skip(r, k);
        if (next - k == 6) {
            const mw_imap_tok *name = &r->toks[k + 1], *mbox = &r->toks[k + 3],
                              *host = &r->toks[k + 4];
            if (mbox->type != IMAP_T_NIL && host->type != IMAP_T_NIL) {
                if (!first)
                    mw_buf_put(b, ", ", 2);
                first = 0;
                if (name->type == IMAP_T_STRING && name->len) {
                    sb_tok(b, r, name);
                    mw_buf_put(b, " <", 2);
                }
                sb_tok(b, r, mbox);
                mw_buf_put(b, "@", 1);
                sb_tok(b, r, host);
                if (name->type == IMAP_T_STRING && name->len)
                    mw_buf_put(b, ">", 1);
            }
        }
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
    e->xfer_total += total;
    e->fetch_starts++;
    if (!e->sink_err && e->sink(seq, e->cur_uid, NULL, 0, total, e->sink_user))
        e->sink_err = ST_ERROR_CANCELLED;
    return IMAP_LIT_STREAM;
}

void mw_imap_deliver_chunk(mw_imap_engine *e, const char *p, size_t n)
{
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
    char kw[512] = "";
    /* date, subject, from, to, cc, message-id, envelope date, body structure */
    mw_buf t[8];
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        mw_buf_init(&t[i], 0, 0);
    mw_buf *date = &t[0], *subj = &t[1], *from = &t[2], *to = &t[3], *cc = &t[4], *msgid = &t[5],
           *envdate = &t[6], *bs = &t[7];
    int flags_seen = 0, body_seen = 0;
    size_t end = mw_imap_tok_skip(r, 3) - 1;
    for (size_t k = 4; k < end;) {
        const mw_imap_tok *name = &r->toks[k];
        if (k + 1 >= end) {
            mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "FETCH item without a value");
            goto out;
        }
        const mw_imap_tok *val = &r->toks[k + 1];
        size_t next = mw_imap_tok_skip(r, k + 1);
        if (mw_imap_tok_is(r, name, "UID")) {
            if (mw_imap_tok_u32(r, val, &m.dwUID)) {
                mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed UID in FETCH");
                goto out;
            }
        } else if (mw_imap_tok_is(r, name, "FLAGS")) {
            m.dwFlags = mw_imap_parse_flags(r, k + 1, kw, sizeof kw);
            flags_seen = 1;
        } else if (mw_imap_tok_is(r, name, "RFC822.SIZE")) {
            if (mw_imap_tok_u64(r, val, &m.nSize)) {
                mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed RFC822.SIZE");
                goto out;
            }
        } else if (mw_imap_tok_is(r, name, "INTERNALDATE")) {
            sb_tok(date, r, val);
        } else if (mw_imap_tok_is(r, name, "ENVELOPE")) {
            /* RFC 9051 section 7.5.2: exactly ten members, date subject from sender reply-to
             * to cc bcc in-reply-to message-id. Anything else is refused rather than read
             * (a short list once made the fields past its end uninitialised). */
            size_t f = k + 2, fields[10];
            int nf = 0;
            if (val->type == IMAP_T_LPAREN)
                for (; nf < 10 && f < next - 1; nf++) {
                    fields[nf] = f;
                    f = mw_imap_tok_skip(r, f);
                }
            if (val->type != IMAP_T_LPAREN || nf != 10 || f != next - 1) {
                mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed ENVELOPE in FETCH");
                goto out;
            }
            sb_tok(envdate, r, &r->toks[fields[0]]);
            sb_tok(subj, r, &r->toks[fields[1]]);
            sb_addresses(from, r, fields[2]);
            sb_addresses(to, r, fields[5]);
            sb_addresses(cc, r, fields[6]);
            sb_tok(msgid, r, &r->toks[fields[9]]);
        } else if (mw_imap_tok_is(r, name, "BODYSTRUCTURE") || mw_imap_tok_is(r, name, "BODY")) {
            sb_tokens(bs, r, k + 1, next);
        } else if (is_body_item(r, name)) {
            body_seen = 1;
            /* A body that came as a quoted string, NIL or an in-memory literal. */
            if (e->fetch_active && e->sink && val->type != IMAP_T_STREAMED && !e->sink_err) {
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
        e->info_cb(&m, e->info_user);
    } else if (!e->fetch_active && flags_seen && !body_seen) {
        /* Unsolicited flag change (another client, or during IDLE). */
        mw_imap_note_change(e);
    }
out:
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        mw_buf_free(&t[i]);
}
