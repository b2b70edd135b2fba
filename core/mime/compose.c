/* SMTPMESSAGE to a message object (the composer behind SmtpSubmitMessage()); see compose.h.
 * The fields are checked here with the texts SmtpSubmitMessage() has always reported, then
 * the message is built with the same calls as the public Mime* API (build.c) and written by
 * a writer (writer.h). */
#include "compose.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/mime.h>

#include "../session/errors.h"
#include "../platform/file.h"
#include "../util/alloc.h"
#include "../util/str.h"
#include "address.h"
#include "build.h"
#include "compose_private.h"
#include "msg.h"
#include "utf8.h"
#include "writer.h"

struct mw_mime {
    mw_msg *msg;
    mw_writer *w;
    char *env_from;
    mw_addr_vec rcpt; /* To, Cc and Bcc, each once */
    int utf8;
};

typedef struct addr_ctx {
    mw_mime *m;
    size_t count;
    int envelope;
    mw_addr first;
} addr_ctx;

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
        c->m->utf8 = 1;
    if (c->count++ == 0)
        c->first = *a;
    return c->envelope ? add_recipient(c->m, a->addr, a->addr_len) : 0;
}

/* Parse an address field; add it as a header field when it holds a mailbox. */
static unsigned address_field(mw_mime *m, const char *field, const char *name, const char *list,
                              int envelope, addr_ctx *c, char *detail, size_t size)
{
    memset(c, 0, sizeof *c);
    c->m = m;
    c->envelope = envelope;
    char pd[256];
    unsigned err = mw_addr_list_parse(list, on_addr, c, pd, sizeof pd);
    if (err == ST_ERROR_OUT_OF_MEMORY)
        return mw_mime_fail(detail, size, err, "out of memory");
    if (err)
        return mw_mime_fail(detail, size, err, "%s: %s", field, pd);
    if (name && c->count > 0 &&
        mw_part_hdr_add(m->msg->root, name, strlen(name), list, strlen(list), 0) != 0)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    return 0;
}

static unsigned fill_addresses(mw_mime *m, const SMTPMESSAGE *msg, char *detail, size_t size)
{
    const unsigned inval = ST_ERROR_INVALID_ARGUMENT;
    unsigned err;
    if (!msg->lpszFrom || !*msg->lpszFrom)
        return mw_mime_fail(detail, size, inval, "lpszFrom is required");
    addr_ctx c;
    if ((err = address_field(m, "lpszFrom", "From", msg->lpszFrom, 0, &c, detail, size)) != 0)
        return err;
    if (c.count != 1)
        return mw_mime_fail(detail, size, inval,
                            "lpszFrom must hold exactly one mailbox (found %zu)", c.count);
    m->env_from = mw_strndup(c.first.addr, c.first.addr_len);
    if (!m->env_from)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    if ((msg->lpszTo &&
         (err = address_field(m, "lpszTo", "To", msg->lpszTo, 1, &c, detail, size)) != 0) ||
        (msg->lpszCc &&
         (err = address_field(m, "lpszCc", "Cc", msg->lpszCc, 1, &c, detail, size)) != 0) ||
        (msg->lpszBcc &&
         (err = address_field(m, "lpszBcc", NULL, msg->lpszBcc, 1, &c, detail, size)) != 0))
        return err;
    if (m->rcpt.n == 0)
        return mw_mime_fail(detail, size, inval,
                            "no recipient: lpszTo, lpszCc and lpszBcc hold no address");
    return 0;
}

static unsigned text_field(mw_mime *m, const char *name, const char *v, char *detail, size_t size)
{
    if (mw_part_hdr_add(m->msg->root, name, strlen(name), v, strlen(v), 0) != 0)
        return mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    return 0;
}

/* The caller's extra lines ("Name: value" CRLF, folds kept) as raw fields. */
static unsigned extra_fields(mw_mime *m, const char *s, char *detail, size_t size)
{
    char *lines = NULL;
    unsigned err = mw_mime_extra_headers(s, &lines, detail, size);
    if (err || !lines)
        return err;
    const char *p = lines;
    while (*p && !err) {
        const char *colon = strchr(p, ':');
        const char *end = p;
        for (;;) { /* the field ends at a CRLF not followed by white space */
            end = strstr(end, "\r\n");
            if (!end || (end[2] != ' ' && end[2] != '\t'))
                break;
            end += 2;
        }
        if (!end)
            end = p + strlen(p);
        if (mw_part_hdr_add(m->msg->root, p, (size_t)(colon - p), colon + 1,
                            (size_t)(end - colon - 1), 1) != 0)
            err = mw_mime_fail(detail, size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        p = *end ? end + 2 : end;
    }
    free(lines);
    return err;
}

static unsigned fill_fields(mw_mime *m, const SMTPMESSAGE *msg, const char *domain, char *detail,
                            size_t size)
{
    unsigned err;
    if (msg->lpszSubject) {
        if ((err = mw_mime_check_line("lpszSubject", msg->lpszSubject, detail, size)) != 0 ||
            (err = text_field(m, "Subject", msg->lpszSubject, detail, size)) != 0)
            return err;
    }
    if (msg->lpszDate) {
        if ((err = mw_mime_check_line("lpszDate", msg->lpszDate, detail, size)) != 0)
            return err;
        size_t n = strlen(msg->lpszDate);
        if (n == 0 || n > 255 || mw_addr_is_utf8(msg->lpszDate, n))
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                                "lpszDate must be 1 to 255 ASCII characters (RFC 5322 section "
                                "3.3)");
        if ((err = text_field(m, "Date", msg->lpszDate, detail, size)) != 0)
            return err;
    }
    if (domain) {
        if (!mw_mime_valid_id_domain(domain))
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                                "domain \"%.100s\" is not a valid Message-ID right-hand side",
                                domain);
        char id[400];
        snprintf(id, sizeof id, "<%s@%s>", m->msg->idrand, domain);
        if ((err = text_field(m, "Message-ID", id, detail, size)) != 0)
            return err;
    }
    if (msg->lpszHeaders && (err = extra_fields(m, msg->lpszHeaders, detail, size)) != 0)
        return err;
    return 0;
}

static unsigned fill_bodies(mw_mime *m, const SMTPMESSAGE *msg, char *detail, size_t size)
{
    const char *cs = msg->lpszCharSet ? msg->lpszCharSet : "utf-8";
    unsigned err = mw_mime_check_charset(cs, detail, size);
    if (err)
        return err;
    int utf8 = mw_ascii_casecmp(cs, "utf-8") == 0 || mw_ascii_casecmp(cs, "utf8") == 0;
    const char *bodies[2] = {msg->lpszText, msg->lpszHTML};
    const char *names[2] = {"lpszText", "lpszHTML"};
    for (int b = 0; b < 2; b++) {
        if (!bodies[b])
            continue;
        size_t n = strlen(bodies[b]), bad = mw_utf8_check(bodies[b], n);
        if (utf8 && bad != n)
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                                "%s: malformed UTF-8 at offset %zu (charset %s)", names[b], bad,
                                cs);
    }
    int none =
        !msg->lpszText && !msg->lpszHTML && !(msg->lpszAttachments && msg->lpszAttachments[0]);
    for (int b = 0; b < 2; b++) {
        /* No body and no attachment: an empty text in the charset asked for. */
        const char *t = bodies[b] ? bodies[b] : (b == 0 && none ? "" : NULL);
        if (!t)
            continue;
        char why[300];
        if ((err = mw_build_body(m->msg, b, t, cs, 0, why, sizeof why)) != 0)
            return mw_mime_fail(detail, size, err, "%s", why);
    }
    return 0;
}

static unsigned fill_attachments(mw_mime *m, const char *const *paths, char *detail, size_t size)
{
    for (size_t i = 0; paths && paths[i]; i++) {
        if (!*paths[i])
            return mw_mime_fail(detail, size, ST_ERROR_INVALID_ARGUMENT,
                                "lpszAttachments[%zu] is empty", i);
        if (MimeAttachFile((HMESSAGE)m->msg, paths[i], NULL, 0) < 0)
            return mw_mime_fail(detail, size, mw_get_error(), "%s",
                                mw_get_error() == ST_ERROR_OUT_OF_MEMORY ? "out of memory"
                                                                         : mw_get_error_detail());
    }
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
    const unsigned inval = ST_ERROR_INVALID_ARGUMENT;
    if (msg->dwSize != sizeof(SMTPMESSAGE))
        return mw_mime_fail(detail, detail_size, inval,
                            "SMTPMESSAGE.dwSize is %u, expected sizeof(SMTPMESSAGE) = %zu",
                            (unsigned)msg->dwSize, sizeof(SMTPMESSAGE));
    if (msg->dwOptions != 0)
        return mw_mime_fail(detail, detail_size, inval, "SMTPMESSAGE.dwOptions must be 0");
    mw_mime *m = mw_calloc(1, sizeof *m);
    if (!m)
        return mw_mime_fail(detail, detail_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
    unsigned err = 0;
    m->msg = mw_msg_new();
    if (!m->msg || (err = mw_build_init(m->msg)) != 0) {
        err = err ? err : ST_ERROR_OUT_OF_MEMORY;
        mw_mime_fail(detail, detail_size, err,
                     err == ST_ERROR_INTERNAL ? "the random generator failed" : "out of memory");
    } else if ((err = fill_addresses(m, msg, detail, detail_size)) == 0 &&
               (err = fill_fields(m, msg, domain, detail, detail_size)) == 0 &&
               (err = fill_bodies(m, msg, detail, detail_size)) == 0 &&
               (err = fill_attachments(m, msg->lpszAttachments, detail, detail_size)) == 0) {
        char why[300];
        if (mw_msg_index(m->msg) != 0)
            err = mw_mime_fail(detail, detail_size, ST_ERROR_OUT_OF_MEMORY, "out of memory");
        else if ((err = mw_writer_new(m->msg, MIME_EXPORT_NOBCC, &m->w, why, sizeof why)) != 0)
            mw_mime_fail(detail, detail_size, err, "%s", why);
    }
    if (err) {
        mw_mime_free(m);
        return err;
    }
    if (mw_writer_needs_smtputf8(m->w))
        m->utf8 = 1;
    *out = m;
    return 0;
}

uint64_t mw_mime_size(const mw_mime *m)
{
    uint64_t n = 0;
    mw_writer_size(m->w, &n);
    return n;
}

int mw_mime_needs_8bit(const mw_mime *m)
{
    return m->utf8 || mw_writer_needs_8bit(m->w);
}

int mw_mime_needs_smtputf8(const mw_mime *m)
{
    return m->utf8;
}

long mw_mime_read(mw_mime *m, char *buf, size_t cap)
{
    return mw_writer_read(m->w, buf, cap);
}

const char *mw_mime_detail(const mw_mime *m)
{
    return mw_writer_detail(m->w);
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

struct mw_msg *mw_mime_msg(const mw_mime *m)
{
    return m->msg;
}

void mw_mime_free(mw_mime *m)
{
    if (!m)
        return;
    mw_writer_free(m->w);
    mw_msg_unref(m->msg);
    free(m->env_from);
    mw_addr_vec_free(&m->rcpt);
    free(m);
}
