/* IMAP engine: BINARY (RFC 3516). The server undoes a part's Content-Transfer-Encoding
 * (FETCH BINARY[part], BINARY.PEEK[part]) and says the decoded size (BINARY.SIZE[part]); an
 * APPEND may carry a literal8 (~{n}), whose octets may be NUL and whose lines have no length
 * limit. The reader accepts literal8 wherever a literal may come; body items named BINARY[...]
 * reach the fetch sink like BODY[...] (fetch.c). */
#include "engine_priv.h"

#include <stdio.h>
#include <string.h>

#include "../util/str.h"

/* section-binary = "[" [section-part] "]": part numbers only, no HEADER, TEXT or MIME. */
static int part_numbers(const char *s)
{
    size_t n = strlen(s);
    if (n == 0)
        return 1;
    return strspn(s, "0123456789.") == n && s[0] != '.' && s[n - 1] != '.' && !strstr(s, "..");
}

unsigned mw_imap_binary_check(mw_imap_engine *e, uint32_t options, const char *section)
{
    if (!(options & IMAP_FETCH_BINARY))
        return ST_ERROR_NONE;
    if (!part_numbers(section))
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "IMAP_FETCH_BINARY takes a part number such as \"2\" or \"1.3\" (or "
                              "none for the whole message), not HEADER, TEXT or MIME");
    if (!(e->caps & IMAP_CAP_BINARY))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED,
                              "the server does not offer BINARY (RFC 3516)");
    return ST_ERROR_NONE;
}

unsigned mw_imap_binary_check_append(mw_imap_engine *e)
{
    if (!(e->caps & IMAP_CAP_BINARY))
        return mw_imap_refuse(e, ST_ERROR_NOT_SUPPORTED,
                              "the server does not offer BINARY (RFC 3516): a message with NUL "
                              "bytes cannot be appended");
    return ST_ERROR_NONE;
}

int mw_imap_binary_size_item(mw_imap_engine *e, const mw_imap_reader *r, const mw_imap_tok *name,
                             const mw_imap_tok *val)
{
    const char *p = mw_imap_tok_ptr(r, name);
    size_t n = (size_t)name->len;
    if (name->type != IMAP_T_ATOM || n < 13 || mw_strncasecmp(p, "BINARY.SIZE[", 12) != 0 ||
        p[n - 1] != ']')
        return 0;
    uint64_t v;
    size_t sl = n - 13, wl = strlen(e->fetch_section);
    /* Only the section asked for, in the operation that asked (the size goes nowhere else). */
    if (e->fetch_active && e->bin_size_out && sl == wl &&
        mw_strncasecmp(p + 12, e->fetch_section, wl) == 0) {
        if (mw_imap_tok_u64(r, val, &v))
            mw_imap_op_note(e, ST_ERROR_PROTOCOL_VIOLATION, "malformed BINARY.SIZE in FETCH");
        else {
            e->bin_size = v;
            e->bin_size_seen = 1;
        }
    }
    return 1;
}

void mw_imap_binary_unknown_cte(mw_imap_engine *e, const char *text, size_t n)
{
    /* RFC 3516 section 4.3: the server cannot decode the part's encoding. The caller can
     * fetch it with BODY[] and decode it itself (ImapFetchMessagePart()). */
    mw_imap_op_note(e, ST_ERROR_NOT_SUPPORTED,
                    "the server cannot decode this part's Content-Transfer-Encoding "
                    "[UNKNOWN-CTE]: %.*s",
                    (int)(n > 200 ? 200 : n), text);
}

static void deliver_size(mw_imap_engine *e)
{
    if (!e->op_err && !e->bin_size_seen)
        mw_imap_op_note(e, ST_ERROR_SERVER_PERMANENT, "no such message or part");
    else if (!e->op_err)
        *e->bin_size_out = e->bin_size;
    e->bin_size_out = NULL;
}

unsigned mw_imap_op_binary_size(mw_imap_engine *e, unsigned id, uint32_t options,
                                const char *section, uint64_t *size)
{
    section = section ? section : "";
    if (!size || id == 0)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a message id and a place for the size are required");
    *size = 0;
    if (!part_numbers(section) || strlen(section) > 100)
        return mw_imap_refuse(e, ST_ERROR_INVALID_ARGUMENT,
                              "a part number such as \"2\" or \"1.3\" is required");
    unsigned err = mw_imap_need(e, MW_IMAP_NEED_SELECTED);
    if (!err)
        err = mw_imap_binary_check(e, IMAP_FETCH_BINARY, section);
    if (err)
        return err;
    mw_imap_op_start(e, IMAP_OP_SIMPLE);
    e->fetch_active = 1;
    mw_strlcpy(e->fetch_section, section, sizeof e->fetch_section);
    e->bin_size = 0;
    e->bin_size_seen = 0;
    e->bin_size_out = size;
    e->deliver = deliver_size;
    mw_imap_cmd_begin(e);
    mw_imap_out_printf(&e->out, "%sFETCH %u (BINARY.SIZE[",
                       (options & IMAP_FETCH_UID) ? "UID " : "", id);
    mw_imap_out_puts(&e->out, section);
    mw_imap_out_puts(&e->out, "])");
    mw_imap_cmd_end(e, IMAP_CMD_FETCH);
    return ST_ERROR_NONE;
}
