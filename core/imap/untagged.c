/* Untagged data and response codes: the mailbox state, capabilities, listings, searches and
 * fetched messages (RFC 9051 section 7). */
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"
#include "../util/str.h"
#include "utf7.h"

#include "../util/alloc.h"
#include "../util/buf.h"

#define MAX_LIST_ENTRIES 100000
#define MAX_SEARCH_IDS (16u << 20)

/* ---- capabilities ------------------------------------------------------------------------ */

static const struct {
    const char *name;
    uint32_t bit;
} cap_names[] = {
    {"IMAP4REV1", IMAP_CAP_IMAP4REV1},
    {"IMAP4REV2", IMAP_CAP_IMAP4REV2},
    {"STARTTLS", IMAP_CAP_STARTTLS},
    {"LOGINDISABLED", IMAP_CAP_LOGINDISABLED},
    {"SASL-IR", IMAP_CAP_SASL_IR},
    {"LITERAL+", IMAP_CAP_LITERAL_PLUS},
    {"LITERAL-", IMAP_CAP_LITERAL_MINUS},
    {"IDLE", IMAP_CAP_IDLE},
    {"UNSELECT", IMAP_CAP_UNSELECT},
    {"UIDPLUS", IMAP_CAP_UIDPLUS},
    {"MOVE", IMAP_CAP_MOVE},
    {"ID", IMAP_CAP_ID},
    {"ENABLE", IMAP_CAP_ENABLE},
    {"CONDSTORE", IMAP_CAP_CONDSTORE},
    {"QRESYNC", IMAP_CAP_QRESYNC},
    {"UTF8=ACCEPT", IMAP_CAP_UTF8_ACCEPT},
    {"SPECIAL-USE", IMAP_CAP_SPECIAL_USE},
    {"LIST-STATUS", IMAP_CAP_LIST_STATUS},
    {"NAMESPACE", IMAP_CAP_NAMESPACE},
    {"LIST-EXTENDED", IMAP_CAP_LIST_EXTENDED},
    {"ESEARCH", IMAP_CAP_ESEARCH},
    {"STATUS=SIZE", IMAP_CAP_STATUS_SIZE},
    {"BINARY", IMAP_CAP_BINARY},
    {"COMPRESS=DEFLATE", IMAP_CAP_COMPRESS_DEFLATE},
};

static void set_enc_flags(mw_imap_engine *e)
{
    unsigned f = 0;
    if (e->caps & IMAP_CAP_LITERAL_PLUS)
        f |= IMAP_ENC_LITERAL_PLUS;
    if (e->caps & IMAP_CAP_LITERAL_MINUS)
        f |= IMAP_ENC_LITERAL_MINUS;
    if (e->caps & IMAP_CAP_IMAP4REV2)
        f |= IMAP_ENC_LITERAL_MINUS; /* RFC 9051 includes LITERAL- */
    if (e->utf8)
        f |= IMAP_ENC_UTF8;
    e->out.flags = f;
}

void mw_imap_parse_caps(mw_imap_engine *e, const char *s, size_t n)
{
    char *copy = mw_malloc(n + 1);
    if (!copy)
        return;
    memcpy(copy, s, n);
    copy[n] = 0;
    free(e->capstr);
    e->capstr = copy;
    e->caps = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && s[i] == ' ')
            i++;
        size_t j = i;
        while (j < n && s[j] != ' ')
            j++;
        for (size_t k = 0; k < sizeof cap_names / sizeof cap_names[0]; k++)
            if (strlen(cap_names[k].name) == j - i &&
                mw_strncasecmp(cap_names[k].name, s + i, j - i) == 0)
                e->caps |= cap_names[k].bit;
        i = j;
    }
    e->caps_known = 1;
    e->caps_gen++;
    set_enc_flags(e);
}

/* ---- flags ------------------------------------------------------------------------------- */

static uint32_t flag_bit(const mw_imap_reader *r, const mw_imap_tok *t)
{
    static const struct {
        const char *name;
        uint32_t bit;
    } f[] = {{"\\Answered", IMAP_FLAG_ANSWERED}, {"\\Draft", IMAP_FLAG_DRAFT},
             {"\\Flagged", IMAP_FLAG_URGENT},    {"\\Seen", IMAP_FLAG_SEEN},
             {"\\Deleted", IMAP_FLAG_DELETED},   {"\\Recent", IMAP_FLAG_RECENT},
             {"\\*", IMAP_FLAG_KEYWORDS}};
    for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
        if (mw_imap_tok_is(r, t, f[k].name))
            return f[k].bit;
    return 0;
}

/* Flags of the list starting at token i (an LPAREN); keywords appended to kw when given. */
uint32_t mw_imap_parse_flags(const mw_imap_reader *r, size_t i, char *kw, size_t kwsize)
{
    uint32_t bits = 0;
    if (kw && kwsize)
        kw[0] = 0;
    if (i >= r->ntok || r->toks[i].type != IMAP_T_LPAREN)
        return 0;
    size_t end = mw_imap_tok_skip(r, i) - 1;
    for (size_t k = i + 1; k < end; k++) {
        const mw_imap_tok *t = &r->toks[k];
        uint32_t b = flag_bit(r, t);
        bits |= b;
        if (!b && kw && t->type == IMAP_T_ATOM) {
            size_t used = strlen(kw);
            if (used + t->len + 2 < kwsize) {
                if (used)
                    kw[used++] = ' ';
                memcpy(kw + used, mw_imap_tok_ptr(r, t), (size_t)t->len);
                kw[used + t->len] = 0;
            }
        }
    }
    return bits;
}

/* ---- response codes ---------------------------------------------------------------------- */

static int code_word(const char *code, size_t len, const char *word, const char **arg,
                     size_t *arglen)
{
    size_t n = strlen(word);
    if (len < n || mw_strncasecmp(code, word, n) != 0 || (len > n && code[n] != ' '))
        return 0;
    *arg = len > n ? code + n + 1 : code + len;
    *arglen = len > n ? len - n - 1 : 0;
    return 1;
}

static int code_u64(const char *s, size_t n, uint64_t *v)
{
    size_t i = 0;
    while (i < n && s[i] != ' ')
        i++;
    return mw_imap_parse_u64(s, i, v);
}

void mw_imap_handle_code(mw_imap_engine *e, const char *code, size_t len, int tagged, int kind)
{
    const char *a;
    size_t al;
    uint64_t v;
    (void)tagged;
    if (code_word(code, len, "CAPABILITY", &a, &al)) {
        mw_imap_parse_caps(e, a, al);
        return;
    }
    /* Checklist 7 and 8: nothing else learned before TLS is trusted. */
    if (mw_imap_pre_tls(e) || mw_imap_sync_code(e, code, len))
        return;
    if (code_word(code, len, "ALERT", &a, &al)) {
        const mw_imap_reader *r = &e->rd;
        size_t n = r->text_len < sizeof e->alert - 1 ? r->text_len : sizeof e->alert - 1;
        memcpy(e->alert, r->buf + r->text_off, n);
        e->alert[n] = 0;
    } else if (code_word(code, len, "UIDVALIDITY", &a, &al)) {
        if (!code_u64(a, al, &v) && v <= UINT32_MAX)
            e->mbox.dwMailboxUID = (uint32_t)v;
    } else if (code_word(code, len, "UIDNEXT", &a, &al)) {
        if (!code_u64(a, al, &v) && v <= UINT32_MAX)
            e->mbox.dwNextMessageUID = (uint32_t)v;
    } else if (code_word(code, len, "UNSEEN", &a, &al)) {
        if (!code_u64(a, al, &v) && v <= UINT32_MAX)
            e->mbox.nUnseenMessageId = (unsigned)v;
    } else if (code_word(code, len, "HIGHESTMODSEQ", &a, &al)) {
        if (!code_u64(a, al, &v))
            e->mbox.nHighestModSeq = v;
    } else if (code_word(code, len, "READ-ONLY", &a, &al)) {
        if (kind == IMAP_CMD_SELECT || kind == IMAP_CMD_EXAMINE) {
            e->mbox.bReadOnly = 1;
            e->mbox.dwAccessMode = IMAP_ACCESS_READONLY;
        }
    } else if (code_word(code, len, "READ-WRITE", &a, &al)) {
        if (kind == IMAP_CMD_SELECT) {
            e->mbox.bReadOnly = 0;
            e->mbox.dwAccessMode = IMAP_ACCESS_READWRITE;
        }
    } else if (code_word(code, len, "PERMANENTFLAGS", &a, &al)) {
        uint32_t bits = 0;
        static const struct {
            const char *n;
            uint32_t b;
        } f[] = {{"\\Answered", IMAP_FLAG_ANSWERED}, {"\\Draft", IMAP_FLAG_DRAFT},
                 {"\\Flagged", IMAP_FLAG_URGENT},    {"\\Seen", IMAP_FLAG_SEEN},
                 {"\\Deleted", IMAP_FLAG_DELETED},   {"\\*", IMAP_FLAG_KEYWORDS}};
        for (size_t k = 0; k < sizeof f / sizeof f[0]; k++) {
            size_t n = strlen(f[k].n);
            for (size_t i = 0; i + n <= al; i++)
                if (mw_strncasecmp(a + i, f[k].n, n) == 0 &&
                    (i + n == al || a[i + n] == ' ' || a[i + n] == ')'))
                    bits |= f[k].b;
        }
        e->mbox.dwPermanentFlags = bits;
    } else if (code_word(code, len, "UNKNOWN-CTE", &a, &al)) {
        mw_imap_binary_unknown_cte(e, e->rd.buf + e->rd.text_off, e->rd.text_len);
    } else if (code_word(code, len, "APPENDUID", &a, &al)) {
        /* APPENDUID uidvalidity uid (RFC 4315) */
        const char *sp = memchr(a, ' ', al);
        if (sp && !code_u64(sp + 1, al - (size_t)(sp + 1 - a), &v) && v <= UINT32_MAX)
            e->append_uid = (uint32_t)v;
    }
}

/* ---- LIST, STATUS, SEARCH, NAMESPACE ----------------------------------------------------- */

static char *mailbox_name(const mw_imap_engine *e, const mw_imap_reader *r, const mw_imap_tok *t)
{
    /* RFC 9051 mailbox = "INBOX" / astring: never NIL, so the atom NIL (any case) is a
     * mailbox of that name. Cyrus quotes only "NIL" in upper case and sends Nil bare; a
     * Dovecot recording shows NIL bare. The reader made it a NIL token; its bytes are kept. */
    if (t->type != IMAP_T_ATOM && t->type != IMAP_T_STRING && t->type != IMAP_T_NIL)
        return NULL;
    const char *p = mw_imap_tok_ptr(r, t);
    size_t n = (size_t)t->len;
    if (!e->utf8) {
        int bad = 0;
        char *d = mw_imap_utf7_decode(p, n, &bad);
        if (d || !bad)
            return d;
        /* Not valid modified UTF-7: keep the bytes as sent. */
    }
    if (memchr(p, 0, n))
        return NULL;
    char *c = mw_malloc(n + 1);
    if (c) {
        memcpy(c, p, n);
        c[n] = 0;
    }
    return c;
}

static void handle_list(mw_imap_engine *e)
{
    const mw_imap_reader *r = &e->rd;
    if (r->ntok < 5 || r->toks[2].type != IMAP_T_LPAREN) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed LIST response");
        return;
    }
    static const struct {
        const char *n;
        uint32_t b;
    } a[] = {{"\\Noinferiors", IMAP_FLAG_NOINFERIORS},
             {"\\Noselect", IMAP_FLAG_NOSELECT},
             {"\\Marked", IMAP_FLAG_MARKED},
             {"\\Unmarked", IMAP_FLAG_UNMARKED},
             {"\\HasChildren", IMAP_FLAG_HASCHILDREN},
             {"\\HasNoChildren", IMAP_FLAG_HASNOCHILDREN},
             {"\\Subscribed", IMAP_FLAG_SUBSCRIBED},
             {"\\NonExistent", IMAP_FLAG_NONEXISTENT | IMAP_FLAG_NOSELECT},
             {"\\All", IMAP_SPECIAL_ALL},
             {"\\Archive", IMAP_SPECIAL_ARCHIVE},
             {"\\Drafts", IMAP_SPECIAL_DRAFTS},
             {"\\Flagged", IMAP_SPECIAL_FLAGGED},
             {"\\Junk", IMAP_SPECIAL_JUNK},
             {"\\Sent", IMAP_SPECIAL_SENT},
             {"\\Trash", IMAP_SPECIAL_TRASH}};
    size_t i = 3, end = mw_imap_tok_skip(r, 2);
    uint32_t attrs = 0;
    for (; i + 1 < end; i++)
        for (size_t k = 0; k < sizeof a / sizeof a[0]; k++)
            if (mw_imap_tok_is(r, &r->toks[i], a[k].n))
                attrs |= a[k].b;
    if (end + 1 >= r->ntok) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed LIST response");
        return;
    }
    const mw_imap_tok *d = &r->toks[end], *name = &r->toks[end + 1];
    char delim = 0;
    /* RFC 9051: DQUOTE QUOTED-CHAR DQUOTE / nil. Some servers send "" for a flat namespace:
     * no delimiter, as NIL says (MailKit reads it so too). A longer string cannot be one
     * character: the entry is reported and skipped, the session goes on. */
    if (d->type == IMAP_T_STRING && d->len == 1)
        delim = mw_imap_tok_ptr(r, d)[0];
    else if (d->type == IMAP_T_STRING && d->len > 1) {
        mw_imap_op_note(e, ST_ERROR_PROTOCOL_VIOLATION,
                        "LIST entry with a delimiter of %llu characters skipped",
                        (unsigned long long)d->len);
        return;
    } else if (d->type != IMAP_T_NIL && d->type != IMAP_T_STRING) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed LIST delimiter");
        return;
    }
    if (e->nlist >= MAX_LIST_ENTRIES) {
        mw_imap_op_fail(e, ST_ERROR_LIMIT_EXCEEDED, 1, "more than %d mailboxes listed",
                        MAX_LIST_ENTRIES);
        return;
    }
    char *n = mailbox_name(e, r, name);
    if (!n) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed LIST mailbox name");
        return;
    }
    mw_imap_list_entry *nl = mw_grow(e->list, &e->caplist, e->nlist + 1, sizeof *nl);
    if (!nl) {
        free(n);
        mw_imap_op_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return;
    }
    e->list = nl;
    e->list[e->nlist].name = n;
    e->list[e->nlist].delim = delim;
    e->list[e->nlist].attrs = attrs;
    e->list[e->nlist].has_status = 0;
    e->list[e->nlist].messages = e->list[e->nlist].unseen = 0;
    e->nlist++;
}

static void handle_status(mw_imap_engine *e)
{
    const mw_imap_reader *r = &e->rd;
    if (r->ntok < 5 || r->toks[3].type != IMAP_T_LPAREN) {
        mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed STATUS response");
        return;
    }
    size_t end = mw_imap_tok_skip(r, 3) - 1;
    static const char *const numeric[] = {"MESSAGES",    "RECENT",  "UNSEEN",
                                          "UIDVALIDITY", "UIDNEXT", "SIZE"};
    for (size_t k = 4, next; k < end; k = next) {
        const mw_imap_tok *t = &r->toks[k];
        next = k + 1 < end ? mw_imap_tok_skip(r, k + 1) : end;
        /* Items this engine does not ask for are skipped whatever their value: Gmail sends
         * MAILBOXID (...) (RFC 8474) and APPENDLIMIT NIL (RFC 7889) in STATUS and in LIST-STATUS
         * replies. */
        int known = 0;
        for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++)
            known |= mw_imap_tok_is(r, t, numeric[i]);
        if (!known)
            continue;
        uint64_t v;
        if (k + 1 >= end || mw_imap_tok_u64(r, &r->toks[k + 1], &v)) {
            /* One of ours without a number: the response is complete and the session fine;
             * the operation reports it. */
            mw_imap_op_note(e, ST_ERROR_PROTOCOL_VIOLATION, "malformed STATUS value");
            continue;
        }
        unsigned u = v > UINT32_MAX ? UINT32_MAX : (unsigned)v;
        if (mw_imap_tok_is(r, t, "MESSAGES"))
            e->status.nMessages = u;
        else if (mw_imap_tok_is(r, t, "RECENT"))
            e->status.nRecentMessages = u;
        else if (mw_imap_tok_is(r, t, "UNSEEN"))
            e->status.nUnseenMessages = u;
        else if (mw_imap_tok_is(r, t, "UIDVALIDITY"))
            e->status.dwMailboxUID = u;
        else if (mw_imap_tok_is(r, t, "UIDNEXT"))
            e->status.dwNextMessageUID = u;
        else if (mw_imap_tok_is(r, t, "SIZE"))
            e->status.nSize = v;
    }
    /* LIST-STATUS (RFC 5819): the STATUS follows the LIST line of its mailbox. */
    if (e->nlist > 0) {
        char *name = mailbox_name(e, r, &r->toks[2]);
        for (size_t i = e->nlist; name && i-- > 0;) {
            mw_imap_list_entry *le = &e->list[i];
            if (strcmp(le->name, name) == 0) {
                le->has_status = 1;
                le->messages = e->status.nMessages;
                le->unseen = e->status.nUnseenMessages;
                break;
            }
        }
        free(name);
    }
}

void mw_imap_search_reset(mw_imap_engine *e, size_t keep)
{
    e->nsearch = 0;
    e->search_total = 0;
    size_t max = e->rd.lim.search_ids ? e->rd.lim.search_ids : MAX_SEARCH_IDS;
    e->search_keep = keep < max ? keep : max;
}

/* Count one match and keep it while the caller's capacity lasts. */
static int add_id(mw_imap_engine *e, uint32_t id)
{
    e->search_total++;
    if (e->nsearch >= e->search_keep)
        return 0;
    uint32_t *ns = mw_grow(e->search, &e->capsearch, e->nsearch + 1, sizeof *ns);
    if (!ns) {
        mw_imap_op_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        return -1;
    }
    e->search = ns;
    e->search[e->nsearch++] = id;
    return 0;
}

void mw_imap_search_ids(mw_imap_engine *e, const uint32_t *ids, size_t n)
{
    e->progress++;
    if (mw_imap_pre_tls(e))
        return; /* checklist 7 */
    for (size_t i = 0; i < n; i++)
        if (add_id(e, ids[i]))
            return;
}

/* "* SEARCH" with no number (the reader streams those with numbers). */
static void handle_search(mw_imap_engine *e)
{
    const mw_imap_reader *r = &e->rd;
    for (size_t k = 2; k < r->ntok; k++) {
        uint32_t id;
        if (r->toks[k].type == IMAP_T_LPAREN) { /* (MODSEQ n) of CONDSTORE */
            k = mw_imap_tok_skip(r, k) - 1;
            continue;
        }
        if (mw_imap_tok_u32(r, &r->toks[k], &id) || id == 0) {
            mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed SEARCH response");
            return;
        }
        if (add_id(e, id))
            return;
    }
}

/* ESEARCH (RFC 4731 / RFC 9051): only ALL carries ids; a sequence set is expanded. */
static void handle_esearch(mw_imap_engine *e)
{
    const mw_imap_reader *r = &e->rd;
    for (size_t k = 2; k < r->ntok; k = mw_imap_tok_skip(r, k)) {
        if (!mw_imap_tok_is(r, &r->toks[k], "ALL") || k + 1 >= r->ntok)
            continue;
        const mw_imap_tok *t = &r->toks[k + 1];
        if (t->type != IMAP_T_ATOM)
            break;
        const char *p = mw_imap_tok_ptr(r, t), *end = p + t->len;
        while (p < end) {
            uint64_t a, b;
            const char *q = p;
            while (q < end && *q >= '0' && *q <= '9')
                q++;
            if (mw_imap_parse_u64(p, (size_t)(q - p), &a) || a == 0 || a > UINT32_MAX)
                goto bad;
            b = a;
            if (q < end && *q == ':') {
                const char *s = ++q;
                while (q < end && *q >= '0' && *q <= '9')
                    q++;
                if (mw_imap_parse_u64(s, (size_t)(q - s), &b) || b == 0 || b > UINT32_MAX)
                    goto bad;
                if (b < a) {
                    uint64_t t2 = a;
                    a = b;
                    b = t2;
                }
            }
            /* Only what is kept is expanded: "1:4294967295" is counted, not walked. */
            uint64_t x = a;
            for (; x <= b && e->nsearch < e->search_keep; x++)
                if (add_id(e, (uint32_t)x))
                    return;
            e->search_total += (size_t)(b + 1 - x);
            if (q < end && *q != ',')
                goto bad;
            p = q < end ? q + 1 : q;
        }
        break;
    }
    return;
bad:
    mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed ESEARCH response");
}

static void handle_namespace(mw_imap_engine *e)
{
    const mw_imap_reader *r = &e->rd;
    /* * NAMESPACE (("prefix" "delim") ...) other shared */
    if (r->ntok >= 7 && r->toks[2].type == IMAP_T_LPAREN && r->toks[3].type == IMAP_T_LPAREN) {
        const mw_imap_tok *p = &r->toks[4], *d = &r->toks[5];
        char *name = mailbox_name(e, r, p);
        if (name) {
            size_t n = strlen(name);
            if (n >= sizeof e->ns_prefix)
                n = sizeof e->ns_prefix - 1;
            memcpy(e->ns_prefix, name, n);
            e->ns_prefix[n] = 0;
            free(name);
        }
        e->ns_delim = d->type == IMAP_T_STRING && d->len == 1 ? mw_imap_tok_ptr(r, d)[0] : 0;
    }
}

void mw_imap_handle_data(mw_imap_engine *e)
{
    const mw_imap_reader *r = &e->rd;
    if (r->ntok < 2)
        goto bad;
    const mw_imap_tok *t1 = &r->toks[1];
    uint32_t num;
    if (!mw_imap_tok_u32(r, t1, &num)) {
        if (r->ntok < 3)
            goto bad;
        const mw_imap_tok *t2 = &r->toks[2];
        if (mw_imap_pre_tls(e))
            return; /* checklist 7 */
        if (mw_imap_tok_is(r, t2, "EXISTS")) {
            unsigned old = e->mbox.nMessages;
            e->mbox.nMessages = num;
            if (num > old && e->state == IMAP_ST_SELECTED)
                mw_imap_note_change(e);
        } else if (mw_imap_tok_is(r, t2, "RECENT")) {
            e->mbox.nRecentMessages = num;
        } else if (mw_imap_tok_is(r, t2, "EXPUNGE")) {
            if (num == 0) {
                mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "EXPUNGE of message 0");
                return;
            }
            /* Beyond the count it can only concern the mailbox being left: an EXPUNGE still
             * on its way when a pipelined SELECT reset the state. Nothing to count down. */
            if (num > e->mbox.nMessages)
                return;
            e->mbox.nMessages--;
            mw_imap_note_change(e);
        } else if (mw_imap_tok_is(r, t2, "FETCH")) {
            if (num == 0)
                goto bad;
            mw_imap_handle_fetch(e, num);
        }
        return;
    }
    if (mw_imap_tok_is(r, t1, "CAPABILITY")) {
        /* Rebuild the list from the tokens. */
        mw_buf b;
        mw_buf_init(&b, 0, 0);
        for (size_t k = 2; k < r->ntok; k++) {
            if (r->toks[k].type != IMAP_T_ATOM)
                continue;
            if (b.len)
                mw_buf_putc(&b, ' ');
            mw_buf_put(&b, mw_imap_tok_ptr(r, &r->toks[k]), (size_t)r->toks[k].len);
        }
        if (b.failed)
            mw_imap_op_fail(e, ST_ERROR_OUT_OF_MEMORY, 1, "out of memory");
        else
            mw_imap_parse_caps(e, mw_buf_str(&b), b.len);
        mw_buf_free(&b);
        return;
    }
    if (mw_imap_pre_tls(e))
        return; /* checklist 7: nothing but capabilities before TLS */
    if (mw_imap_tok_is(r, t1, "FLAGS")) {
        e->mbox.dwFlags = mw_imap_parse_flags(r, 2, NULL, 0);
    } else if (mw_imap_tok_is(r, t1, "LIST") || mw_imap_tok_is(r, t1, "LSUB")) {
        handle_list(e);
    } else if (mw_imap_tok_is(r, t1, "STATUS")) {
        handle_status(e);
    } else if (mw_imap_tok_is(r, t1, "SEARCH")) {
        handle_search(e);
    } else if (mw_imap_tok_is(r, t1, "ESEARCH")) {
        handle_esearch(e);
    } else if (mw_imap_tok_is(r, t1, "NAMESPACE")) {
        handle_namespace(e);
    } else if (mw_imap_tok_is(r, t1, "ENABLED")) {
        for (size_t k = 2; k < r->ntok; k++) {
            if (mw_imap_tok_is(r, &r->toks[k], "IMAP4REV2"))
                e->rev2 = e->utf8 = 1;
            else if (mw_imap_tok_is(r, &r->toks[k], "UTF8=ACCEPT"))
                e->utf8 = 1;
        }
        set_enc_flags(e);
        mw_imap_sync_enabled(e, 2);
    }
    /* ID and unknown data are ignored (RFC 9051 section 7); VANISHED never gets here (the
     * reader streams it to sync.c). */
    return;
bad:
    mw_imap_op_fail(e, ST_ERROR_PROTOCOL_VIOLATION, 1, "malformed untagged response");
}
