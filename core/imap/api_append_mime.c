/* IMAP API: APPEND of a message object (ImapAppendMimeMessage()). The message is written by
 * the MIME writer (core/mime/writer.h) as the connection takes it: the literal's length
 * comes from the writer's plan before anything is sent, and the bytes are pulled into the
 * engine's chunk buffer, so memory does not depend on the attachment sizes. The writer is
 * the op's resource, freed by the release hook when the operation ends. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

#include "../mime/msg.h"
#include "../mime/writer.h"

typedef struct append_src {
    mw_writer *w;
} append_src;

static long MAILWIRE_CALLBACK pull(char *buf, size_t size, void *user)
{
    long n = mw_writer_read(((append_src *)user)->w, buf, size);
    /* 0 before the announced size, or -1: the engine fails the op (a literal cannot end
     * short, RFC 9051 section 4.3) and drops the connection. */
    return n > 0 ? n : -1;
}

/* The release hook: the writer goes (its reference on the message with it) exactly once. A
 * read error of an attachment is reported with the writer's own text. */
static unsigned release(void *user, char *detail, size_t size)
{
    append_src *a = user;
    unsigned err = mw_writer_error(a->w);
    if (err && detail && size)
        snprintf(detail, size, "%s", mw_writer_detail(a->w));
    mw_writer_free(a->w);
    free(a);
    return err;
}

int ImapAppendMimeMessage(HCLIENT hClient, const char *lpszMailbox, HMESSAGE hMessage,
                          uint32_t dwFlags, const char *lpszDate, uint32_t dwOptions,
                          uint32_t *lpdwUID)
{
    if (lpdwUID)
        *lpdwUID = 0;
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    mw_msg *m = (mw_msg *)hMessage;
    if (!m || m->magic != MW_MSG_MAGIC)
        return mw_imap_api_refuse(ST_ERROR_INVALID_HANDLE, "not a message handle");
    if (dwOptions & ~(uint32_t)(MIME_EXPORT_8BIT | MIME_EXPORT_UTF8 | MIME_EXPORT_NOBCC))
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT,
                                  "dwOptions: MIME_EXPORT_8BIT, MIME_EXPORT_UTF8 and "
                                  "MIME_EXPORT_NOBCC only");
    if (m->parser)
        return mw_imap_api_refuse(ST_ERROR_BUSY, "an import into the message is in progress");
    /* A literal carries any octet but NUL (RFC 9051 section 4.3), so 8-bit text is fine
     * whenever the caller allows it. Raw UTF-8 header fields (RFC 6532) only go to a server
     * that speaks IMAP4rev2 (RFC 9051 section 6.3.12, which includes RFC 9755's UTF-8
     * support); an IMAP4rev1 server, even with UTF8=ACCEPT, would need the UTF8 (literal8)
     * form of RFC 6855 section 4, so the header is RFC 2047 encoded instead. */
    if (!mw_imap_utf8_headers(c->e))
        dwOptions &= ~(uint32_t)MIME_EXPORT_UTF8;
    append_src *a = calloc(1, sizeof *a);
    if (!a)
        return mw_imap_api_refuse(ST_ERROR_OUT_OF_MEMORY, NULL);
    char why[300] = "";
    unsigned err = mw_writer_new(m, dwOptions, &a->w, why, sizeof why);
    if (err) {
        free(a);
        return mw_imap_api_refuse(err, why);
    }
    /* The literal's length: from the plan, or (quoted-printable files and callbacks) counted
     * by reading those sources once. Nothing has been built in memory. */
    uint64_t size = 0;
    if (!mw_writer_size(a->w, &size) && (err = mw_writer_count(a->w, &size)) != 0) {
        snprintf(why, sizeof why, "%s", mw_writer_detail(a->w));
        mw_writer_free(a->w);
        free(a);
        return mw_imap_api_refuse(err, why);
    }
    return mw_imap_start(c,
                         mw_imap_op_append(c->e, lpszMailbox, dwFlags, lpszDate, size, NULL, pull,
                                           a, release, a, lpdwUID),
                         0);
}
