/* The public message API (include/mailwire/mime.h): handles, header fields, addresses,
 * dates. Parts and bodies are in api_parts.c, import and export in api_io.c. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/mime.h>

#include "../session/errors.h"
#include "../util/buf.h"
#include "../util/str.h"
#include "addrread.h"
#include "address.h"
#include "build.h"
#include "compose_private.h"
#include "date.h"
#include "hdrdec.h"
#include "hdrout.h"
#include "params.h"
#include "utf8.h"

mw_msg *mw_msg_of(HMESSAGE h)
{
    mw_msg *m = (mw_msg *)h;
    if (!m || m->magic != MW_MSG_MAGIC) {
        mw_set_error(ST_ERROR_INVALID_HANDLE, "not a message handle");
        return NULL;
    }
    return m;
}

mw_msg *mw_msg_for_change(HMESSAGE h)
{
    mw_msg *m = mw_msg_of(h);
    if (m && atomic_load(&m->busy) > 0) {
        mw_set_error(ST_ERROR_BUSY, "a send is reading the message; it cannot change now");
        return NULL;
    }
    if (m && m->parser) {
        mw_set_error(ST_ERROR_BUSY, "an import is in progress (MimeImportEnd() first)");
        return NULL;
    }
    return m;
}

/* Copy s[0..n) to the caller's buffer (terminated, truncated); returns n as an int. */
static int give(const char *s, size_t n, char *buf, size_t cb)
{
    if (buf && cb) {
        size_t k = n < cb - 1 ? n : cb - 1;
        memcpy(buf, s, k);
        buf[k] = 0;
    }
    return n > INT_MAX ? INT_MAX : (int)n;
}

HMESSAGE MimeCreateMessage(void)
{
    mw_msg *m = mw_msg_new();
    if (!m) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return INVALID_MESSAGE;
    }
    unsigned err = mw_build_init(m);
    if (err) {
        mw_msg_unref(m);
        mw_set_error(err, err == ST_ERROR_INTERNAL ? "the random generator failed" : NULL);
        return INVALID_MESSAGE;
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return (HMESSAGE)m;
}

int MimeDeleteMessage(HMESSAGE hMessage)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m)
        return MIME_ERROR;
    if (atomic_load(&m->refs) == 1)
        m->magic = 0;
    mw_msg_unref(m);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

HMESSAGE MimeComposeMessage(const char *lpszFrom, const char *lpszTo, const char *lpszCc,
                            const char *lpszSubject, const char *lpszText, const char *lpszHTML,
                            const char *lpszCharSet, uint32_t dwOptions)
{
    if (dwOptions != 0) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "dwOptions must be 0");
        return INVALID_MESSAGE;
    }
    HMESSAGE h = MimeCreateMessage();
    if (h == INVALID_MESSAGE)
        return h;
    if ((lpszFrom && MimeSetMessageHeader(h, 0, "From", lpszFrom) != 0) ||
        (lpszTo && MimeSetMessageHeader(h, 0, "To", lpszTo) != 0) ||
        (lpszCc && MimeSetMessageHeader(h, 0, "Cc", lpszCc) != 0) ||
        (lpszSubject && MimeSetMessageHeader(h, 0, "Subject", lpszSubject) != 0) ||
        (lpszText && MimeSetMessageText(h, lpszText, lpszCharSet) != 0) ||
        (lpszHTML && MimeSetMessageHTML(h, lpszHTML, lpszCharSet) != 0)) {
        unsigned err = mw_get_error();
        char d[512];
        mw_strlcpy(d, mw_get_error_detail(), sizeof d);
        MimeDeleteMessage(h);
        mw_set_error_text(err, d);
        return INVALID_MESSAGE;
    }
    return h;
}

/* --- header fields --------------------------------------------------------------------- */

static int bad_name(const char *n)
{
    if (!n || !*n || strlen(n) > 76)
        return 1;
    for (; *n; n++)
        if ((unsigned char)*n < 33 || (unsigned char)*n > 126 || *n == ':')
            return 1;
    return 0;
}

static mw_part *part_of(mw_msg *m, int n)
{
    mw_part *p = mw_msg_part(m, n);
    if (!p)
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "no part %d", n);
    return p;
}

static unsigned no_addr(void *user, const mw_addr *a)
{
    (void)user;
    (void)a;
    return 0;
}

/* Checks of a value for field name on part p; 0 or MIME_ERROR with the error set. */
static int check_value(const mw_part *p, const char *name, const char *v)
{
    char d[300];
    if (mw_mime_check_line(name, v, d, sizeof d) != 0) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "%s", d);
        return MIME_ERROR;
    }
    size_t nl = strlen(name);
    if (p->role != MW_ROLE_NONE && !(p->flags & MIME_PART_PARSED) &&
        (mw_name_eq(name, nl, "Content-Type") || mw_name_eq(name, nl, "Content-Disposition") ||
         mw_name_eq(name, nl, "Content-Transfer-Encoding"))) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                     "%s of a composed part is written by the library (set the type and "
                     "encoding when attaching)",
                     name);
        return MIME_ERROR;
    }
    if (mw_hdr_is_address(name) && !mw_hdr_is_empty_group(v)) {
        if (mw_addr_list_parse(v, no_addr, NULL, d, sizeof d) != 0) {
            mw_set_error(ST_ERROR_INVALID_ARGUMENT, "%s: %s", name, d);
            return MIME_ERROR;
        }
    } else if (mw_hdr_is_structured(name) && mw_addr_is_utf8(v, strlen(v))) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "%s must be ASCII (a structured field)", name);
        return MIME_ERROR;
    }
    return 0;
}

static int set_header(HMESSAGE h, int nPart, const char *name, const char *value, int replace)
{
    mw_msg *m = mw_msg_for_change(h);
    if (!m)
        return MIME_ERROR;
    if (bad_name(name)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT,
                     "a field name is 1 to 76 printable ASCII characters without ':'");
        return MIME_ERROR;
    }
    mw_part *p = part_of(m, nPart);
    if (!p)
        return MIME_ERROR;
    if (value && check_value(p, name, value) != 0)
        return MIME_ERROR;
    if (replace)
        mw_part_hdr_delete(p, name);
    if (value && mw_part_hdr_add(p, name, strlen(name), value, strlen(value), 0) != 0) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    mw_part_touch(p);
    m->index_valid = 0;
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MimeSetMessageHeader(HMESSAGE hMessage, int nPart, const char *lpszName, const char *lpszValue)
{
    return set_header(hMessage, nPart, lpszName, lpszValue, 1);
}

int MimeAddMessageHeader(HMESSAGE hMessage, int nPart, const char *lpszName, const char *lpszValue)
{
    if (!lpszValue) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszValue is NULL");
        return MIME_ERROR;
    }
    return set_header(hMessage, nPart, lpszName, lpszValue, 0);
}

int MimeDeleteMessageHeader(HMESSAGE hMessage, int nPart, const char *lpszName)
{
    mw_msg *m = mw_msg_for_change(hMessage);
    if (!m)
        return MIME_ERROR;
    if (bad_name(lpszName)) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "invalid field name");
        return MIME_ERROR;
    }
    mw_part *p = part_of(m, nPart);
    if (!p)
        return MIME_ERROR;
    size_t n = mw_part_hdr_delete(p, lpszName);
    if (n)
        mw_part_touch(p);
    m->index_valid = 0;
    mw_set_error(ST_ERROR_NONE, NULL);
    return (int)n;
}

/* The decoded value of field h into out. */
static void decoded(const mw_hdr *h, mw_buf *out)
{
    if (!h->raw) {
        mw_buf_put(out, h->value, h->len);
        return;
    }
    mw_buf u;
    mw_buf_init(&u, 0, 0);
    mw_hdr_unfold(h->value, h->len, &u);
    if (mw_hdr_is_address(h->name))
        mw_addr_render(mw_buf_str(&u), u.len, out);
    else if (strlen(h->name) >= 8 && mw_name_eq(h->name, 8, "Content-") &&
             !mw_name_eq(h->name, strlen(h->name), "Content-Description") &&
             !mw_name_eq(h->name, strlen(h->name), "Content-ID"))
        mw_hdr_mime_str(h->value, h->len, out);
    else
        mw_hdr_decode_text(mw_buf_str(&u), u.len, out);
    mw_buf_free(&u);
}

int MimeGetMessageHeader(HMESSAGE hMessage, int nPart, const char *lpszName, char *lpszBuffer,
                         size_t cbBuffer)
{
    mw_msg *m = mw_msg_of(hMessage);
    if (!m)
        return MIME_ERROR;
    if (!lpszName) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszName is NULL");
        return MIME_ERROR;
    }
    mw_part *p = part_of(m, nPart);
    if (!p)
        return MIME_ERROR;
    long i = mw_part_hdr_find(p, lpszName, 0);
    if (i < 0) {
        mw_set_error(ST_ERROR_NOT_FOUND, "no %s field", lpszName);
        return MIME_ERROR;
    }
    mw_buf out;
    mw_buf_init(&out, 0, 0);
    decoded(&p->hdrs[i], &out);
    if (out.failed) {
        mw_buf_free(&out);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    int r = give(mw_buf_str(&out), out.len, lpszBuffer, cbBuffer);
    mw_buf_free(&out);
    mw_set_error(ST_ERROR_NONE, NULL);
    return r;
}

int MimeGetMessageHeaderCount(HMESSAGE hMessage, int nPart)
{
    mw_msg *m = mw_msg_of(hMessage);
    mw_part *p = m ? part_of(m, nPart) : NULL;
    if (!p)
        return MIME_ERROR;
    return (int)p->nhdrs;
}

int MimeGetMessageHeaderAt(HMESSAGE hMessage, int nPart, int nIndex, char *lpszName, size_t cbName,
                           char *lpszValue, size_t cbValue, uint32_t dwOptions)
{
    mw_msg *m = mw_msg_of(hMessage);
    mw_part *p = m ? part_of(m, nPart) : NULL;
    if (!p)
        return MIME_ERROR;
    if (nIndex < 0 || (size_t)nIndex >= p->nhdrs) {
        mw_set_error(ST_ERROR_NOT_FOUND, "no field %d", nIndex);
        return MIME_ERROR;
    }
    const mw_hdr *h = &p->hdrs[nIndex];
    give(h->name, strlen(h->name), lpszName, cbName);
    mw_buf out;
    mw_buf_init(&out, 0, 0);
    if (dwOptions & MIME_HEADER_RAW)
        mw_hdr_unfold(h->value, h->len, &out);
    else
        decoded(h, &out);
    int r = give(mw_buf_str(&out), out.len, lpszValue, cbValue);
    int failed = out.failed;
    mw_buf_free(&out);
    if (failed) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return r;
}

/* --- addresses ------------------------------------------------------------------------- */

/* Reading mailbox k of a field used to parse the field's first k mailboxes, so a loop over a
 * To: of n recipients (MimeGetAddressCount() then MimeGetAddress() for each index, as every
 * reader does) cost n*n/2 mailbox parses. The mailboxes of the fields read last are kept in
 * the message instead. The key is a copy of those fields (raw or text, length, octets): the
 * list is the product of those octets alone, and comparing them costs less than one parse,
 * so no change to the message has to remember to invalidate the list. */
struct mw_addr_at {
    size_t name, name_len, addr, addr_len; /* offsets into addr_text */
};

static void cache_add(mw_msg *m, const char *name, size_t name_len, const char *addr,
                      size_t addr_len)
{
    struct mw_addr_at *v = mw_grow(m->addr_at, &m->addr_cap, m->addr_n + 1, sizeof *v);
    if (!v) {
        m->addr_text.failed = 1;
        return;
    }
    m->addr_at = v;
    struct mw_addr_at *e = &v[m->addr_n++];
    e->name = m->addr_text.len;
    e->name_len = name_len;
    mw_buf_put(&m->addr_text, name, name_len);
    mw_buf_putc(&m->addr_text, 0);
    e->addr = m->addr_text.len;
    e->addr_len = addr_len;
    mw_buf_put(&m->addr_text, addr, addr_len);
    mw_buf_putc(&m->addr_text, 0);
}

static int on_read_addr(void *user, const char *name, const char *addr, const char *group)
{
    (void)group;
    if (addr) /* NULL: the start or end of a group, not a mailbox */
        cache_add(user, name, strlen(name), addr, strlen(addr));
    return 0;
}

static unsigned on_text_addr(void *user, const mw_addr *a)
{
    mw_msg *m = user;
    mw_buf n;
    mw_buf_init(&n, 0, 0);
    if (a->display) {
        for (size_t i = 0; i < a->display_len; i++) {
            if (a->display[i] == '\\' && a->display_quoted && i + 1 < a->display_len)
                i++;
            if (a->display[i] != '"' || a->display_quoted)
                mw_buf_putc(&n, a->display[i]);
        }
    }
    if (n.failed)
        m->addr_text.failed = 1;
    cache_add(m, mw_buf_str(&n), n.len, a->addr, a->addr_len);
    mw_buf_free(&n);
    return 0;
}

/* Fills the message's list with the mailboxes of every field named name of part p, unless it
 * holds them already. 0, or -1 with ST_ERROR_OUT_OF_MEMORY set. */
static int read_addresses(mw_msg *m, const mw_part *p, const char *name)
{
    /* Compare the fields with the key in place first: the common call finds them unchanged
     * and then copies nothing. */
    int same = m->addr_valid;
    size_t at = 0;
    for (long i = mw_part_hdr_next(p, name, 0); same; i = mw_part_hdr_next(p, name, i + 1)) {
        if (i < 0) {
            same = at == m->addr_key.len;
            break;
        }
        const mw_hdr *h = &p->hdrs[i];
        size_t len = h->raw ? h->len : strlen(h->value);
        same = m->addr_key.len - at >= 1 + sizeof len + len;
        if (same) {
            const char *key = m->addr_key.p + at;
            same = key[0] == (h->raw ? 'r' : 't') && memcmp(key + 1, &len, sizeof len) == 0 &&
                   memcmp(key + 1 + sizeof len, h->value, len) == 0;
        }
        at += 1 + sizeof len + len;
    }
    if (same)
        return 0;
    mw_buf key;
    mw_buf_init(&key, 0, 0);
    for (long i = mw_part_hdr_next(p, name, 0); i >= 0; i = mw_part_hdr_next(p, name, i + 1)) {
        const mw_hdr *h = &p->hdrs[i];
        size_t len = h->raw ? h->len : strlen(h->value);
        mw_buf_putc(&key, h->raw ? 'r' : 't');
        mw_buf_put(&key, &len, sizeof len);
        mw_buf_put(&key, h->value, len);
    }
    if (key.failed) {
        mw_buf_free(&key);
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return -1;
    }
    mw_buf_free(&m->addr_key);
    m->addr_key = key;
    mw_buf_reset(&m->addr_text);
    m->addr_n = 0;
    m->addr_valid = 0;
    for (long i = mw_part_hdr_next(p, name, 0); i >= 0; i = mw_part_hdr_next(p, name, i + 1)) {
        const mw_hdr *h = &p->hdrs[i];
        if (!h->raw) {
            if (!mw_hdr_is_empty_group(h->value))
                mw_addr_list_parse(h->value, on_text_addr, m, NULL, 0);
            continue;
        }
        mw_buf u;
        mw_buf_init(&u, 0, 0);
        mw_hdr_unfold(h->value, h->len, &u);
        if (u.failed)
            m->addr_text.failed = 1;
        else
            mw_addr_read(mw_buf_str(&u), u.len, on_read_addr, m);
        mw_buf_free(&u);
    }
    if (m->addr_text.failed) {
        mw_buf_reset(&m->addr_text);
        m->addr_n = 0;
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return -1;
    }
    m->addr_valid = 1;
    return 0;
}

int MimeGetAddressCount(HMESSAGE hMessage, int nPart, const char *lpszName)
{
    mw_msg *m = mw_msg_of(hMessage);
    mw_part *p = m ? part_of(m, nPart) : NULL;
    if (!p)
        return MIME_ERROR;
    if (!lpszName) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszName is NULL");
        return MIME_ERROR;
    }
    if (read_addresses(m, p, lpszName) != 0)
        return MIME_ERROR;
    return m->addr_n > INT_MAX ? INT_MAX : (int)m->addr_n;
}

int MimeGetAddress(HMESSAGE hMessage, int nPart, const char *lpszName, int nIndex,
                   char *lpszDisplayName, size_t cbDisplayName, char *lpszAddress, size_t cbAddress)
{
    mw_msg *m = mw_msg_of(hMessage);
    mw_part *p = m ? part_of(m, nPart) : NULL;
    if (!p)
        return MIME_ERROR;
    if (!lpszName || nIndex < 0) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszName is NULL or nIndex negative");
        return MIME_ERROR;
    }
    if (read_addresses(m, p, lpszName) != 0)
        return MIME_ERROR;
    if ((size_t)nIndex >= m->addr_n) {
        mw_set_error(ST_ERROR_NOT_FOUND, "no mailbox %d in %s", nIndex, lpszName);
        return MIME_ERROR;
    }
    const struct mw_addr_at *e = &m->addr_at[nIndex];
    give(m->addr_text.p + e->name, e->name_len, lpszDisplayName, cbDisplayName);
    give(m->addr_text.p + e->addr, e->addr_len, lpszAddress, cbAddress);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MimeGetMessageDate(HMESSAGE hMessage, int64_t *lpTime, int *lpnOffsetMinutes)
{
    mw_msg *m = mw_msg_of(hMessage);
    mw_part *p = m ? part_of(m, 0) : NULL;
    if (!p)
        return MIME_ERROR;
    long i = mw_part_hdr_find(p, "Date", 0);
    const char *v = i >= 0 ? p->hdrs[i].value : m->imported ? NULL : m->date;
    size_t n = i >= 0 ? p->hdrs[i].len : v ? strlen(v) : 0;
    if (!v) {
        mw_set_error(ST_ERROR_NOT_FOUND, "no Date field");
        return MIME_ERROR;
    }
    mw_buf u;
    mw_buf_init(&u, 0, 0);
    mw_hdr_unfold(v, n, &u);
    mw_date d;
    int rc = mw_date_parse(mw_buf_str(&u), u.len, &d);
    mw_buf_free(&u);
    if (rc != 0) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "the Date field does not parse");
        return MIME_ERROR;
    }
    if (lpTime)
        *lpTime = mw_date_unix(&d);
    if (lpnOffsetMinutes)
        *lpnOffsetMinutes = (int)(d.zone / 60);
    mw_set_error(ST_ERROR_NONE, NULL);
    return 0;
}

int MimeDecodeHeader(const char *lpszValue, char *lpszBuffer, size_t cbBuffer)
{
    if (!lpszValue) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "lpszValue is NULL");
        return MIME_ERROR;
    }
    mw_buf u, out;
    mw_buf_init(&u, 0, 0);
    mw_buf_init(&out, 0, 0);
    mw_hdr_unfold(lpszValue, strlen(lpszValue), &u);
    mw_hdr_decode_text(mw_buf_str(&u), u.len, &out);
    int failed = out.failed || u.failed;
    int r = give(mw_buf_str(&out), out.len, lpszBuffer, cbBuffer);
    mw_buf_free(&u);
    mw_buf_free(&out);
    if (failed) {
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, NULL);
        return MIME_ERROR;
    }
    mw_set_error(ST_ERROR_NONE, NULL);
    return r;
}
