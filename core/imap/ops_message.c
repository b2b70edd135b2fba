/* IMAP engine ops on messages: SEARCH (RFC 9051 section 6.4.4, ESEARCH RFC 4731), STORE
 * (6.4.6), COPY and MOVE (6.4.7, RFC 6851), APPEND (6.3.12, LITERAL+ RFC 7888, APPENDUID
 * RFC 4315). */
#include "engine_priv.h"

#include <stdlib.h>
#include <string.h>

#include "../util/str.h"

/* ---- search ----------------------------------------------------------------------------- */

static void deliver_search(mw_imap_engine *e)
{
    if (e->op_err || !e->dest.nids)
        return;
    (void)mw_imap_search_results(e, e->dest.ids, *e->dest.nids);
    *e->dest.nids = e->search_total; /* every match, kept or only counted */
    if (e->search_total > e->nsearch)
        mw_imap_op_note(e, ST_ERROR_LIMIT_EXCEEDED,
                        "%zu matches; the first %zu are kept (the search limit), the rest counted",
                        e->search_total, e->nsearch);
}

/* How a builder value is sent: RFC 9051 section 6.4.4 (and RFC 5032 OLDER/YOUNGER) gives
 * LARGER, SMALLER, OLDER and YOUNGER a number and UID a sequence set, neither of which may be
 * quoted; every other value is a string. The key's last word decides ("NOT LARGER"). */
enum { VALUE_STRING, VALUE_NUMBER, VALUE_SET };

static int value_kind(const char *key)
{
    const char *w = strrchr(key, ' ');
    w = w ? w + 1 : key;
    static const char *const numeric[] = {"LARGER", "SMALLER", "OLDER", "YOUNGER",
                                          "MODSEQ"}; /* RFC 7162 section 3.1.5 */
    for (size_t i = 0; i < sizeof numeric / sizeof numeric[0]; i++)
        if (mw_strcasecmp(w, numeric[i]) == 0)
            return VALUE_NUMBER;
    return mw_strcasecmp(w, "UID") == 0 ? VALUE_SET : VALUE_STRING;
}

/* number = 1*DIGIT within 63 bits (RFC 9051 number64 for LARGER/SMALLER). */
static int valid_number(const char *v)
{
    size_t n = strlen(v);
    if (n == 0 || n > 18)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] < '0' || v[i] > '9')
            return 0;
    return 1;
}

unsigned mw_imap_op_search(mw_imap_engine *e, const mw_imap_criteria *built, const char *raw,
                           uint32_t options, uint32_t *ids, size_t *count)
{
    if (!count || (*count && !ids))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "lpnCount (and lpIds) are required");
    if (!built && (!raw || !*raw))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "no search criteria");
    /* Raw criteria go out as written: a control character could inject a command, and a
     * "{n}" would announce a literal the engine does not send (the builder sends values that
     * need one). */
    if (!built && (mw_imap_has_control(raw) || strchr(raw, '{')))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "control characters or a literal in raw search criteria");
    if (built && built->n == 0)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "empty search criteria");
    for (size_t i = 0; built && i < built->n; i++) {
        const char *v = built->values[i];
        int kind = value_kind(built->keys[i]);
        if (v && kind == VALUE_NUMBER && !valid_number(v))
            return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "%s takes a number, not \"%s\"",
                                  built->keys[i], v);
        if (v && kind == VALUE_SET && mw_imap_valid_set(v))
            return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                                  "UID takes a sequence set (\"1:5,7\"), not \"%s\"", v);
    }
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    int eight = 0;
    if (built) {
        for (size_t i = 0; i < built->n; i++)
            eight |= mw_imap_has_8bit(built->values[i]);
    } else {
        eight = mw_imap_has_8bit(raw);
        if (eight && !e->utf8)
            return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                                  "8-bit raw criteria need UTF-8 enabled; use the builder");
    }
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    /* Every match is kept for ImapGetSearchResults() (the C++ layer counts first, then reads
     * them there), up to the engine's search limit; the rest is counted and reported. */
    mw_imap_search_reset(e, (size_t)-1);
    e->dest.ids = ids;
    e->dest.nids = count;
    e->deliver = deliver_search;
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (options & IMAP_FETCH_UID) ? "UID SEARCH" : "SEARCH");
    /* RFC 4731 (and IMAP4rev2): the matches as a compact set in one ESEARCH response. */
    if (e->caps & (IMAP_CAP_ESEARCH | IMAP_CAP_IMAP4REV2))
        mw_imap_out_puts(&e->out, " RETURN (ALL)");
    /* RFC 9051 6.4.4: CHARSET only for IMAP4rev1 without UTF8=ACCEPT. */
    if (eight && !e->utf8)
        mw_imap_out_puts(&e->out, " CHARSET UTF-8");
    if (built) {
        for (size_t i = 0; i < built->n; i++) {
            mw_imap_out_put(&e->out, " ", 1);
            mw_imap_out_puts(&e->out, built->keys[i]);
            if (built->values[i]) {
                mw_imap_out_put(&e->out, " ", 1);
                if (value_kind(built->keys[i]) != VALUE_STRING) {
                    mw_imap_out_puts(&e->out, built->values[i]); /* checked above */
                    continue;
                }
                /* A C string always encodes (a literal at worst); only memory can fail. */
                (void)mw_imap_out_string(&e->out, built->values[i], strlen(built->values[i]),
                                         IMAP_ARG_STRING);
            }
        }
    } else {
        mw_imap_out_put(&e->out, " ", 1);
        mw_imap_out_puts(&e->out, raw);
    }
    mw_imap_cmd_end(e, IMAP_CMD_SEARCH);
    return ST_ERROR_NONE;
}

/* ---- store, copy, move ------------------------------------------------------------------ */

static void put_flags(mw_imap_out *o, uint32_t flags)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } f[] = {{IMAP_FLAG_ANSWERED, "\\Answered"},
             {IMAP_FLAG_DRAFT, "\\Draft"},
             {IMAP_FLAG_URGENT, "\\Flagged"},
             {IMAP_FLAG_SEEN, "\\Seen"},
             {IMAP_FLAG_DELETED, "\\Deleted"}};
    int first = 1;
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (flags & f[i].bit) {
            if (!first)
                mw_imap_out_put(o, " ", 1);
            mw_imap_out_puts(o, f[i].name);
            first = 0;
        }
}

/* Keywords: atoms only (RFC 9051 flag-keyword), space separated. */
static int valid_keywords(const char *kw)
{
    const char *why;
    size_t len;
    if (!kw)
        return 1;
    for (const char *w = mw_imap_word(kw, &len); len; w = mw_imap_word(w + len, &len))
        if (mw_imap_choose(w, len, IMAP_ARG_ASTRING, 0, &why) != IMAP_ENC_ATOM)
            return 0;
    return 1;
}

unsigned mw_imap_op_store(mw_imap_engine *e, const char *set, uint32_t mode, uint32_t flags,
                          const char *keywords)
{
    return mw_imap_op_store_mod(e, set, mode, flags, keywords, NULL);
}

unsigned mw_imap_op_store_mod(mw_imap_engine *e, const char *set, uint32_t mode, uint32_t flags,
                              const char *keywords, const char *modifier)
{
    if (mw_imap_valid_set(set))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "invalid message set");
    if (!valid_keywords(keywords))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "keywords must be atoms");
    if ((mode & IMAP_STORE_ADD) && (mode & IMAP_STORE_REMOVE))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "add and remove at once");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (err)
        return err;
    if (modifier && !(e->caps & IMAP_CAP_CONDSTORE))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED, "the server does not offer CONDSTORE");
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (mode & IMAP_FETCH_UID) ? "UID STORE " : "STORE ");
    mw_imap_out_puts(&e->out, set);
    if (modifier)
        mw_imap_out_puts(&e->out, modifier); /* RFC 7162 section 3.1.3 */
    mw_imap_out_puts(&e->out, (mode & IMAP_STORE_ADD)      ? " +FLAGS"
                              : (mode & IMAP_STORE_REMOVE) ? " -FLAGS"
                                                           : " FLAGS");
    if (mode & IMAP_STORE_SILENT)
        mw_imap_out_puts(&e->out, ".SILENT");
    mw_imap_out_puts(&e->out, " (");
    put_flags(&e->out, flags);
    if (keywords && *keywords) {
        if (flags & 0x1f)
            mw_imap_out_put(&e->out, " ", 1);
        mw_imap_out_puts(&e->out, keywords);
    }
    mw_imap_out_puts(&e->out, ")");
    mw_imap_cmd_end(e, IMAP_CMD_STORE);
    /* Our own STORE's FETCH replies are not someone else's change. */
    e->fetch_active = 1;
    return ST_ERROR_NONE;
}

unsigned mw_imap_op_copy(mw_imap_engine *e, const char *set, const char *mailbox, uint32_t options,
                         int move)
{
    if (mw_imap_valid_set(set) || !mailbox)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a valid set and a mailbox are required");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (!err)
        err = mw_imap_check_mailbox(e, mailbox, "the mailbox name");
    if (err)
        return err;
    int native = !move || (e->caps & (IMAP_CAP_MOVE | IMAP_CAP_IMAP4REV2));
    char *copy = NULL;
    if (!native && mw_strdup_opt(&copy, set))
        return mw_imap_refuse(e, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    mw_imap_op_start(e, native ? IMAP_OP_SIMPLE : IMAP_OP_MOVE_FALLBACK);
    if (!native) {
        free(e->move_set);
        e->move_set = copy;
        e->move_uid = (options & IMAP_FETCH_UID) != 0;
    }
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, (options & IMAP_FETCH_UID) ? "UID " : "");
    mw_imap_out_puts(&e->out, move && native ? "MOVE " : "COPY ");
    mw_imap_out_puts(&e->out, set);
    mw_imap_out_put(&e->out, " ", 1);
    mw_imap_put_mailbox(e, mailbox);
    mw_imap_cmd_end(e, move && native ? IMAP_CMD_MOVE : IMAP_CMD_COPY);
    return ST_ERROR_NONE;
}

/* ---- append ----------------------------------------------------------------------------- */

/* INTERNALDATE: "dd-Mon-yyyy hh:mm:ss +zzzz" (RFC 9051 date-time); checked by shape. */
static int valid_date(const char *d)
{
    size_t n = strlen(d);
    if (n != 26 && n != 25)
        return 0;
    for (const char *p = d; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              *p == '-' || *p == ' ' || *p == ':' || *p == '+'))
            return 0;
    return 1;
}

static void deliver_append(mw_imap_engine *e)
{
    if (!e->op_err && e->dest.uid)
        *e->dest.uid = e->append_uid;
}

/* The checks of an APPEND, before anything is queued. */
static unsigned check_append(mw_imap_engine *e, const char *mailbox, const char *date,
                             const void *data, IMAPSOURCEPROC src)
{
    if (!mailbox || !*mailbox || (!data && !src))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT, "a mailbox and a message are required");
    if (date && !valid_date(date))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "the date must look like \"01-Jan-2026 10:00:00 +0000\"");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_AUTH);
    if (!err)
        err = mw_imap_check_mailbox(e, mailbox, "the mailbox name");
    return err;
}

unsigned mw_imap_op_append(mw_imap_engine *e, const char *mailbox, uint32_t flags, const char *date,
                           uint64_t size, const void *data, IMAPSOURCEPROC src, void *src_user,
                           mw_imap_release_fn release, void *release_user, uint32_t *uid)
{
    if (uid)
        *uid = 0;
    unsigned err = check_append(e, mailbox, date, data, src);
    if (!err && (flags & IMAP_APPEND_BINARY))
        err = mw_imap_binary_check_append(e);
    if (err)
        return mw_imap_refuse_release(release, release_user, err);
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    e->release = release;
    e->release_user = release_user;
    e->append_uid = 0;
    e->dest.uid = uid;
    e->deliver = deliver_append;
    mw_imap_cmd_begin(e);
    mw_imap_out_puts(&e->out, "APPEND ");
    mw_imap_put_mailbox(e, mailbox);
    if (flags & 0x1f) {
        mw_imap_out_puts(&e->out, " (");
        put_flags(&e->out, flags);
        mw_imap_out_puts(&e->out, ")");
    }
    if (date) {
        mw_imap_out_puts(&e->out, " ");
        (void)mw_imap_out_string(&e->out, date, strlen(date), IMAP_ARG_NOLIT);
    }
    /* RFC 7888: {n+} with LITERAL+ (or LITERAL- up to 4096); else wait for "+". RFC 3516
     * section 4.4: ~{n} (literal8) for a message that may hold NUL bytes. */
    const char *lit8 = (flags & IMAP_APPEND_BINARY) ? "~" : "";
    if ((e->out.flags & IMAP_ENC_LITERAL_PLUS) ||
        ((e->out.flags & IMAP_ENC_LITERAL_MINUS) && size <= 4096)) {
        mw_imap_out_printf(&e->out, " %s{%llu+}\r\n", lit8, (unsigned long long)size);
    } else {
        mw_imap_out_printf(&e->out, " %s{%llu}\r\n", lit8, (unsigned long long)size);
        mw_imap_out_mark(&e->out, IMAP_MARK_SYNC, 0);
    }
    mw_imap_out_mark(&e->out, IMAP_MARK_SOURCE, size);
    e->mem = data;
    e->mem_left = data ? (size_t)size : 0;
    e->src = data ? NULL : src;
    e->src_user = src_user;
    e->src_left = size;
    e->chunk_len = e->chunk_off = 0;
    e->xfer_total = size;
    mw_imap_cmd_end(e, IMAP_CMD_APPEND);
    return ST_ERROR_NONE;
}
