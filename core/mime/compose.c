/* MIME composer: validation of SMTPMESSAGE, header fields, the envelope; see compose.h.
 * Field checks, Date and Message-ID are in compose_fields.c; the message layout and the
 * streaming reader in compose_plan.c. */
#include "compose.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../platform/file.h"
#include "../util/alloc.h"
#include "../util/str.h"
#include "address.h"
#include "compose_private.h"
#include "hdrenc.h"
#include "mimetypes.h"
#include "utf8.h"

/* --- Address fields ---------------------------------------------------------------------- */

typedef struct addr_ctx {
    mw_mime *m;
    mw_sb *sb; /* header being formatted, or NULL (Bcc) */
    size_t count;
    int envelope; /* add to the recipients */
    const mw_addr *first;
    mw_addr first_copy;
} addr_ctx;

/* The text of a display name: quoted-pairs resolved, comments dropped, words separated by one
 * space (RFC 5322 section 3.2.5 phrase semantics). out has room for a->display_len bytes. */
static size_t display_text(const mw_addr *a, char *out)
{
    const char *s = a->display;
    size_t n = a->display_len, o = 0, i = 0;
    if (a->display_quoted) {
        for (; i < n; i++) {
            if (s[i] == '\\' && i + 1 < n)
                i++;
            out[o++] = s[i];
        }
        return o;
    }
    int space = 0;
    while (i < n) {
        if (s[i] == ' ' || s[i] == '\t') {
            space = o > 0;
            i++;
        } else if (s[i] == '(') {
            size_t depth = 0;
            for (; i < n; i++) {
                if (s[i] == '\\')
                    i++;
                else if (s[i] == '(')
                    depth++;
                else if (s[i] == ')' && --depth == 0)
                    break;
            }
            i++;
            space = o > 0;
        } else {
            if (space)
                out[o++] = ' ';
            space = 0;
            if (s[i] == '"') {
                for (i++; i < n && s[i] != '"'; i++) {
                    if (s[i] == '\\' && i + 1 < n)
                        i++;
                    out[o++] = s[i];
                }
                i++;
            } else {
                out[o++] = s[i++];
            }
        }
    }
    return o;
}

/* Add an envelope recipient unless To, Cc or Bcc already named it (ignoring ASCII case), so a
 * mailbox listed twice gets one RCPT and one copy. */
static unsigned add_recipient(mw_mime *m, const char *addr, size_t len)
{
    unsigned err = mw_addr_vec_add(&m->rcpt, addr, len);
    if (err)
        return err;
    const char *added = m->rcpt.v[m->rcpt.n - 1];
    for (size_t i = 0; i + 1 < m->rcpt.n; i++) {
        if (mw_ascii_casecmp(m->rcpt.v[i], added) == 0) {
            free(m->rcpt.v[--m->rcpt.n]);
            break;
        }
    }
    return 0;
}

static unsigned on_addr(void *user, const mw_addr *a)
{
    addr_ctx *c = user;
    if (mw_addr_is_utf8(a->addr, a->addr_len))
        c->m->smtputf8 = 1; /* RFC 6531/6532: the address is written raw, never encoded */
    if (c->count == 0) {
        c->first_copy = *a;
        c->first = &c->first_copy;
    }
    if (c->envelope) {
        unsigned err = add_recipient(c->m, a->addr, a->addr_len);
        if (err)
            return err;
    }
    if (c->sb) {
        if (c->count > 0)
            mw_sb_put(c->sb, ",", 1);
        size_t dn = 0;
        if (a->display && a->display_len > 0) {
            char *d = mw_malloc(a->display_len);
            if (!d)
                return ST_ERROR_OUT_OF_MEMORY;
            dn = display_text(a, d);
            if (dn > 0)
                mw_hdr_phrase(c->sb, d, dn);
            free(d);
        }
        char *tok = mw_malloc(a->addr_len + 2);
        if (!tok)
            return ST_ERROR_OUT_OF_MEMORY;
        size_t t = 0;
        if (dn > 0)
            tok[t++] = '<';
        memcpy(tok + t, a->addr, a->addr_len);
        t += a->addr_len;
        if (dn > 0)
            tok[t++] = '>';
        mw_sb_token(c->sb, tok, t, 1);
        free(tok);
        if (c->sb->b.failed)
            return ST_ERROR_OUT_OF_MEMORY;
    }
    c->count++;
    return 0;
}

/* Parse one address field; format "Name: ..." CRLF into *hdr when name is given and the list
 * holds a mailbox. */
static unsigned address_field(mw_mime *m, const char *field, const char *name, const char *list,
                              int envelope, char **hdr, addr_ctx *c, char *detail, size_t size)
{
    mw_sb sb;
    mw_sb_init(&sb);
    memset(c, 0, sizeof(*c));
    c->m = m;
    c->sb = name ? &sb : NULL;
    c->envelope = envelope;
    if (name) {
        mw_sb_puts(&sb, name);
        mw_sb_put(&sb, ":", 1);
    }
    char pd[256];
    unsigned err = mw_addr_list_parse(list, on_addr, c, pd, sizeof pd);
    if (err) {
        mw_sb_free(&sb);
        if (err == ST_ERROR_OUT_OF_MEMORY)
            return mw_mime_fail(detail, size, err, "out of memory");
        return mw_mime_fail(detail, size, err, "%s: %s", field, pd);
    }
    if (name && c->count > 0) {
        mw_sb_put(&sb, "\r\n", 2);
        *hdr = mw_sb_take(&sb, NULL);
        if (!*hdr)
            return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    mw_sb_free(&sb);
    return 0;
}

/* --- Attachments --------------------------------------------------------------------------- */

static unsigned add_attachment(mw_mime *m, const char *path, char *detail, size_t size)
{
    unsigned code = ST_ERROR_FILE;
    if (!path || !*path)
        return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                            "lpszAttachments[%zu] is empty", m->natts);
    mw_file_info st;
    if (mw_file_stat(path, &st) != 0)
        return mw_mime_fail(detail, size, code, "attachment \"%s\": %s", path, strerror(errno));
    if (!st.regular)
        return mw_mime_fail(detail, size, code, "attachment \"%s\" is not a regular file", path);
    uint64_t fsize = st.size;
    FILE *fp = mw_fopen(path, "rb");
    if (!fp)
        return mw_mime_fail(detail, size, code, "attachment \"%s\" cannot be opened: %s", path,
                            strerror(errno));
    fclose(fp);
    /* The base name: what follows the last '/' or '\\' (both separators on every system, as
     * paths may come from either). */
    const char *base = path;
    for (const char *p = path; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t bl = strlen(base);
    if (bl == 0)
        return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                            "attachment \"%s\" has no file name", path);
    if (mw_utf8_check(base, bl) != bl)
        return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                            "attachment \"%s\": the file name is not UTF-8", path);
    mw_att *a = &m->atts[m->natts];
    a->path = mw_strndup(path, strlen(path));
    if (!a->path)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    m->natts++;
    a->name = a->path + (base - path);
    a->type = mw_mime_type_for(a->name);
    a->size = fsize;
    return 0;
}

/* --- Construction -------------------------------------------------------------------------- */

/* From, To, Cc, Bcc: header fields and the envelope. *sender_domain: the From address's
 * domain (NULL for a bare local part), for the Message-ID. */
static unsigned fill_addresses(mw_mime *m, const SMTPMESSAGE *msg, const char **sender_domain,
                               size_t *sender_domain_len, char *detail, size_t size)
{
    const unsigned inval = ST_ERROR_INVALID_ARGUMENT;
    unsigned err;
    if (!msg->lpszFrom || !*msg->lpszFrom)
        return mw_mime_fail(detail, size, inval, "lpszFrom is required");
    addr_ctx c;
    err = address_field(m, "lpszFrom", "From", msg->lpszFrom, 0, &m->from_hdr, &c, detail, size);
    if (err)
        return err;
    if (c.count != 1)
        return mw_mime_fail(detail, size, inval,
                            "lpszFrom must hold exactly one mailbox (found %zu)", c.count);
    m->env_from = mw_strndup(c.first->addr, c.first->addr_len);
    if (!m->env_from)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    const char *p = m->env_from;
    if (*p == '"') { /* skip a quoted local part, which may hold '@' */
        for (p++; *p && *p != '"'; p++)
            if (*p == '\\' && p[1])
                p++;
    }
    const char *at = strchr(p, '@');
    *sender_domain = at ? at + 1 : NULL;
    *sender_domain_len = at ? strlen(at + 1) : 0;

    if (msg->lpszTo &&
        (err = address_field(m, "lpszTo", "To", msg->lpszTo, 1, &m->to_hdr, &c, detail, size)) != 0)
        return err;
    if (msg->lpszCc &&
        (err = address_field(m, "lpszCc", "Cc", msg->lpszCc, 1, &m->cc_hdr, &c, detail, size)) != 0)
        return err;
    if (msg->lpszBcc &&
        (err = address_field(m, "lpszBcc", NULL, msg->lpszBcc, 1, NULL, &c, detail, size)) != 0)
        return err;
    if (m->rcpt.n == 0)
        return mw_mime_fail(detail, size, inval,
                            "no recipient: lpszTo, lpszCc and lpszBcc hold no address");
    return 0;
}

/* Subject, Date, extra header lines and the charset. */
static unsigned fill_fields(mw_mime *m, const SMTPMESSAGE *msg, char *detail, size_t size)
{
    const unsigned inval = ST_ERROR_INVALID_ARGUMENT;
    unsigned err;
    if (msg->lpszSubject) {
        if ((err = mw_mime_check_line("lpszSubject", msg->lpszSubject, detail, size)) != 0)
            return err;
        mw_sb sb;
        mw_sb_init(&sb);
        mw_sb_puts(&sb, "Subject:");
        mw_hdr_unstructured(&sb, msg->lpszSubject, strlen(msg->lpszSubject));
        mw_sb_put(&sb, "\r\n", 2);
        m->subject = mw_sb_take(&sb, NULL);
        if (!m->subject)
            return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    }
    if (msg->lpszDate) {
        if ((err = mw_mime_check_line("lpszDate", msg->lpszDate, detail, size)) != 0)
            return err;
        size_t n = strlen(msg->lpszDate);
        if (n == 0 || n >= sizeof m->date || mw_addr_is_utf8(msg->lpszDate, n))
            return mw_mime_fail(detail, size, inval,
                                "lpszDate must be 1 to %zu ASCII characters (RFC 5322 section "
                                "3.3)",
                                sizeof m->date - 1);
        memcpy(m->date, msg->lpszDate, n + 1);
    } else if (mw_mime_date_now(m->date, sizeof m->date) != 0) {
        return mw_mime_fail(detail, size, ST_ERROR_INTERNAL, "the local time is not available");
    }
    if (msg->lpszHeaders && (err = mw_mime_extra_headers(m, msg->lpszHeaders, detail, size)) != 0)
        return err;
    const char *cs = msg->lpszCharSet ? msg->lpszCharSet : "utf-8";
    if ((err = mw_mime_check_charset(cs, detail, size)) != 0)
        return err;
    m->charset = mw_strndup(cs, strlen(cs));
    if (!m->charset)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    return 0;
}

/* Copies of the text and HTML bodies; with a UTF-8 charset they must be well-formed UTF-8. */
static unsigned fill_bodies(mw_mime *m, const SMTPMESSAGE *msg, char *detail, size_t size)
{
    int utf8 =
        mw_ascii_casecmp(m->charset, "utf-8") == 0 || mw_ascii_casecmp(m->charset, "utf8") == 0;
    const char *bodies[2] = {msg->lpszText, msg->lpszHTML};
    const char *names[2] = {"lpszText", "lpszHTML"};
    for (int b = 0; b < 2; b++) {
        if (!bodies[b])
            continue;
        size_t n = strlen(bodies[b]);
        size_t bad = mw_utf8_check(bodies[b], n);
        if (utf8 && bad != n)
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                                "%s: malformed UTF-8 at offset %zu (charset %s)", names[b], bad,
                                m->charset);
        char *copy = mw_strndup(bodies[b], n);
        if (!copy)
            return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        if (b == 0) {
            m->text = copy;
            m->text_len = n;
        } else {
            m->html = copy;
            m->html_len = n;
        }
    }
    return 0;
}

/* Check every attachment and allocate the fixed read and encode buffers. */
static unsigned fill_attachments(mw_mime *m, const char *const *paths, char *detail, size_t size)
{
    size_t n = 0;
    while (paths && paths[n])
        n++;
    if (n == 0)
        return 0;
    m->atts = mw_calloc(n, sizeof(*m->atts));
    if (!m->atts)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    for (size_t i = 0; i < n; i++) {
        unsigned err = add_attachment(m, paths[i], detail, size);
        if (err)
            return err;
    }
    m->fin = mw_malloc(MW_MIME_FILE_CHUNK);
    mw_b64_stream_init(&m->b64, 76);
    m->fout = mw_malloc(mw_b64_stream_max(&m->b64, MW_MIME_FILE_CHUNK) + 8);
    if (!m->fin || !m->fout)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    return 0;
}

/* Message-ID <random@domain> (RFC 5322 section 3.6.4) and the boundary seed. */
static unsigned fill_ids(mw_mime *m, const char *domain, const char *sender_domain,
                         size_t sender_domain_len, char *detail, size_t size)
{
    char rnd[33];
    if (mw_mime_random_hex(rnd, 16) != 0 || mw_mime_random_hex(m->bseed, 16) != 0)
        return mw_mime_fail(detail, size, ST_ERROR_INTERNAL, "the random generator failed");
    if (domain) {
        if (!mw_mime_valid_id_domain(domain))
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                                "domain \"%.100s\" is not a valid Message-ID right-hand side",
                                domain);
        snprintf(m->msgid, sizeof m->msgid, "<%s@%s>", rnd, domain);
    } else if (sender_domain_len > 0) {
        snprintf(m->msgid, sizeof m->msgid, "<%s@%.*s>", rnd, (int)sender_domain_len,
                 sender_domain);
    } else {
        snprintf(m->msgid, sizeof m->msgid, "<%s@localhost.invalid>", rnd);
    }
    return 0;
}

static unsigned fill(mw_mime *m, const SMTPMESSAGE *msg, const char *domain, char *detail,
                     size_t size)
{
    const unsigned inval = ST_ERROR_INVALID_ARGUMENT;
    if (msg->dwSize != sizeof(SMTPMESSAGE))
        return mw_mime_fail(detail, size, inval,
                            "SMTPMESSAGE.dwSize is %u, expected sizeof(SMTPMESSAGE) = %zu",
                            (unsigned)msg->dwSize, sizeof(SMTPMESSAGE));
    if (msg->dwOptions != 0)
        return mw_mime_fail(detail, size, inval, "SMTPMESSAGE.dwOptions must be 0");
    const char *sender_domain = NULL;
    size_t sender_domain_len = 0;
    unsigned err;
    if ((err = fill_addresses(m, msg, &sender_domain, &sender_domain_len, detail, size)) != 0 ||
        (err = fill_fields(m, msg, detail, size)) != 0 ||
        (err = fill_bodies(m, msg, detail, size)) != 0 ||
        (err = fill_attachments(m, msg->lpszAttachments, detail, size)) != 0 ||
        (err = fill_ids(m, domain, sender_domain, sender_domain_len, detail, size)) != 0)
        return err;
    if (mw_mime_layout(m) != 0)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    return 0;
}

unsigned mw_mime_new(mw_mime **out, const SMTPMESSAGE *msg, const char *domain, char *detail,
                     size_t detail_size)
{
    if (detail && detail_size > 0)
        detail[0] = 0;
    if (!out || !msg)
        return mw_mime_fail(detail, detail_size, ST_ERROR_INVALID_ARGUMENT, "message is NULL");
    *out = NULL;
    mw_mime *m = mw_calloc(1, sizeof(*m));
    if (!m)
        return mw_mime_fail(detail, detail_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    unsigned err = fill(m, msg, domain, detail, detail_size);
    if (err) {
        mw_mime_free(m);
        return err;
    }
    *out = m;
    return 0;
}

uint64_t mw_mime_size(const mw_mime *m)
{
    return m->total;
}

int mw_mime_needs_8bit(const mw_mime *m)
{
    /* Bodies are 7bit, quoted-printable or base64; only raw UTF-8 addresses are 8-bit. */
    return m->smtputf8;
}

int mw_mime_needs_smtputf8(const mw_mime *m)
{
    return m->smtputf8;
}

const char *mw_mime_detail(const mw_mime *m)
{
    return m->detail;
}

const char *mw_mime_envelope_from(const mw_mime *m)
{
    return m->env_from;
}

size_t mw_mime_recipient_count(const mw_mime *m)
{
    return m->rcpt.n;
}

const char *mw_mime_recipient(const mw_mime *m, size_t i)
{
    return i < m->rcpt.n ? m->rcpt.v[i] : NULL;
}

void mw_mime_free(mw_mime *m)
{
    if (!m)
        return;
    mw_mime_layout_free(m);
    free(m->segs);
    free(m->from_hdr);
    free(m->to_hdr);
    free(m->cc_hdr);
    free(m->subject);
    free(m->headers);
    free(m->text);
    free(m->html);
    free(m->charset);
    for (size_t i = 0; i < m->natts; i++)
        free(m->atts[i].path);
    free(m->atts);
    free(m->fin);
    free(m->fout);
    free(m->env_from);
    mw_addr_vec_free(&m->rcpt);
    free(m);
}
