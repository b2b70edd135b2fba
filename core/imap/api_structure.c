/* IMAP API: messages as objects from what the server says about them. ENVELOPE and
 * BODYSTRUCTURE become an HMESSAGE holding the header fields and the part tree without the
 * bodies (core/imap/structure.c); one part is fetched by its section and decoded through a
 * pushed import (MIME header and body of the section), so its transfer encoding is undone by
 * the same decoder as for parsed messages and memory stays bounded (the import spills to a
 * temporary file past MIME_SPILL_THRESHOLD). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/mime.h>

#include "api.h"
#include "structure.h"

#include "../util/buf.h"

static int import_skeleton(const char *envelope, const char *bodystructure, HMESSAGE hMessage)
{
    mw_buf out;
    mw_buf_init(&out, MW_IMAP_STRUCT_MAX_OUT, 0);
    char why[200] = "";
    unsigned err = mw_imap_structure_text(envelope, bodystructure, &out, why, sizeof why);
    if (!err && out.failed) {
        err = ST_ERROR_LIMIT_EXCEEDED;
        snprintf(why, sizeof why, "the structure is too large");
    }
    if (err) {
        mw_buf_free(&out);
        mw_set_error(err, "%s", why);
        return IMAP_ERROR;
    }
    int rc = MimeImportMessageData(hMessage, out.p ? out.p : "", out.len, MIME_IMPORT_STRICT);
    mw_buf_free(&out);
    return rc == 0 ? 0 : IMAP_ERROR;
}

int ImapParseBodyStructure(const char *lpszBodyStructure, const char *lpszEnvelope,
                           HMESSAGE hMessage)
{
    if (!lpszBodyStructure || !hMessage) {
        mw_set_error(ST_ERROR_INVALID_ARGUMENT, "a BODYSTRUCTURE and a message are required");
        return IMAP_ERROR;
    }
    return import_skeleton(lpszEnvelope, lpszBodyStructure, hMessage);
}

typedef struct structure_ctx {
    mw_imap_engine *e;
    HMESSAGE m;
    int seen, rc;
    unsigned err;
    char why[300];
} structure_ctx;

static void MAILWIRE_CALLBACK on_info(const IMAPMESSAGE *msg, void *user)
{
    structure_ctx *x = user;
    if (x->seen++)
        return; /* one message asked for; a second answer (a server's own) is ignored */
    x->rc = import_skeleton(mw_imap_info_envelope(x->e), msg->lpszBodyStructure, x->m);
    if (x->rc) {
        x->err = MailwireGetLastError();
        snprintf(x->why, sizeof x->why, "%s", MailwireGetLastErrorDetail());
    }
}

int ImapGetMessageStructure(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                            HMESSAGE hMessage)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    if (!hMessage || !nMessageId)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a message id and an HMESSAGE are "
                                                             "required");
    if (mw_session_is_async(c->s))
        return mw_imap_api_refuse(ST_ERROR_NOT_SUPPORTED,
                                  "a blocking session is needed; on a non-blocking one call "
                                  "ImapGetMessageInfo() with IMAP_INFO_BODYSTRUCTURE and "
                                  "ImapParseBodyStructure() in its callback");
    structure_ctx x;
    memset(&x, 0, sizeof x);
    x.e = c->e;
    x.m = hMessage;
    char set[16];
    snprintf(set, sizeof set, "%u", nMessageId);
    int rc = mw_imap_start(c,
                           mw_imap_op_message_info(c->e, set,
                                                   (dwOptions & IMAP_FETCH_UID) |
                                                       IMAP_INFO_ENVELOPE | IMAP_INFO_BODYSTRUCTURE,
                                                   on_info, &x),
                           0);
    if (rc)
        return rc;
    if (!x.seen)
        return mw_imap_api_refuse(ST_ERROR_SERVER_PERMANENT, "no such message");
    if (x.rc)
        return mw_imap_api_refuse(x.err, x.why);
    return 0;
}

/* ---- one part, decoded ------------------------------------------------------------------ */

typedef struct section_sink {
    HMESSAGE m;
    uint64_t bytes;
} section_sink;

static int MAILWIRE_CALLBACK to_import(unsigned id, uint32_t uid, const char *p, size_t n,
                                       uint64_t total, void *user)
{
    (void)id;
    (void)uid;
    (void)total;
    section_sink *s = user;
    s->bytes += p ? n : 0;
    return p && n ? MimeImportWrite(s->m, p, n) != 0 : 0;
}

/* Fetch section's MIME header and content into a new message (part 0 is the section). */
static HMESSAGE fetch_section(HCLIENT h, mw_imap_client *c, unsigned id, uint32_t options,
                              const char *section)
{
    size_t n = section ? strlen(section) : 0;
    if (!n || n > 100 || strspn(section, "0123456789.") != n || section[0] == '.' ||
        section[n - 1] == '.' || strstr(section, "..")) {
        mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a part number such as \"2\" or \"1.3\" is "
                                                      "required");
        return INVALID_MESSAGE;
    }
    if (mw_session_is_async(c->s)) {
        mw_imap_api_refuse(ST_ERROR_NOT_SUPPORTED, "a blocking session is needed (two fetches)");
        return INVALID_MESSAGE;
    }
    HMESSAGE m = MimeCreateMessage();
    if (!m)
        return INVALID_MESSAGE;
    char mime[112];
    snprintf(mime, sizeof mime, "%s.MIME", section);
    uint32_t fo = options & (IMAP_FETCH_UID | IMAP_FETCH_SEEN);
    section_sink sink = {m, 0};
    if (MimeImportBegin(m, MIME_IMPORT_DEFAULT) != 0 ||
        ImapFetchMessage(h, id, fo, mime, 0, 0, to_import, &sink) != 0 ||
        ImapFetchMessage(h, id, fo, section, 0, 0, to_import, &sink) != 0 ||
        MimeImportEnd(m) != 0) {
        unsigned err = MailwireGetLastError();
        char why[300];
        snprintf(why, sizeof why, "%s", MailwireGetLastErrorDetail());
        MimeDeleteMessage(m);
        mw_imap_api_refuse(err ? err : ST_ERROR_INTERNAL, why);
        return INVALID_MESSAGE;
    }
    if (sink.bytes == 0) {
        /* A server answers NIL for a section the message does not have (RFC 9051 section
         * 6.4.5): neither a header nor content came back. */
        MimeDeleteMessage(m);
        mw_imap_api_refuse(ST_ERROR_NOT_FOUND, "the message has no such part");
        return INVALID_MESSAGE;
    }
    return m;
}

/* ---- one part, decoded by the server (BINARY, RFC 3516) ------------------------------------ */

typedef struct binary_sink {
    MIMEWRITEPROC fn;
    void *user;
    int failed;
} binary_sink;

static int MAILWIRE_CALLBACK to_writer(unsigned id, uint32_t uid, const char *p, size_t n,
                                       uint64_t total, void *user)
{
    (void)id;
    (void)uid;
    (void)total;
    binary_sink *b = user;
    if (p && n && b->fn(b->user, p, n) != 0) {
        b->failed = 1;
        return 1;
    }
    return 0;
}

/* IMAP_FETCH_BINARY when the server offers BINARY: one FETCH BINARY.PEEK[section] straight to
 * the writer. 1 when it was done (*rc is the result), 0 when the client decodes instead: no
 * BINARY, IMAP_PART_UTF8 (the charset is in the part's header), or UNKNOWN-CTE (the server
 * cannot decode the part: the client may know its encoding). */
static int fetch_part_binary(HCLIENT h, mw_imap_client *c, unsigned id, uint32_t options,
                             const char *section, MIMEWRITEPROC fn, void *user, int *rc)
{
    if (!(options & IMAP_FETCH_BINARY) || (options & IMAP_PART_UTF8) ||
        !mw_imap_has_cap(c->e, "BINARY") || mw_session_is_async(c->s))
        return 0;
    binary_sink b = {fn, user, 0};
    *rc = ImapFetchMessage(h, id, options & (IMAP_FETCH_UID | IMAP_FETCH_SEEN | IMAP_FETCH_BINARY),
                           section, 0, 0, to_writer, &b);
    if (*rc != 0 && MailwireGetLastError() == ST_ERROR_NOT_SUPPORTED)
        return 0;
    if (*rc != 0 && b.failed)
        mw_imap_api_refuse(ST_ERROR_CALLBACK_FAILED, "the write callback stopped the part");
    return 1;
}

int ImapFetchMessagePart(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                         const char *lpszSection, MIMEWRITEPROC lpfnWrite, void *lpUserData)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    if (!lpfnWrite)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a callback is required");
    int brc;
    if (lpszSection && *lpszSection &&
        fetch_part_binary(hClient, c, nMessageId, dwOptions, lpszSection, lpfnWrite, lpUserData,
                          &brc))
        return brc;
    HMESSAGE m = fetch_section(hClient, c, nMessageId, dwOptions, lpszSection);
    if (!m)
        return IMAP_ERROR;
    int rc = MimeReadMessagePart(m, 0, lpfnWrite, lpUserData,
                                 (dwOptions & IMAP_PART_UTF8) ? MIME_CONTENT_UTF8 : 0u);
    MimeDeleteMessage(m);
    return rc == 0 ? 0 : IMAP_ERROR;
}

int ImapSaveMessagePart(HCLIENT hClient, unsigned nMessageId, uint32_t dwOptions,
                        const char *lpszSection, const char *lpszFileName)
{
    mw_imap_client *c;
    if (mw_imap_enter(hClient, &c))
        return IMAP_ERROR;
    if (!lpszFileName || !*lpszFileName)
        return mw_imap_api_refuse(ST_ERROR_INVALID_ARGUMENT, "a file name is required");
    HMESSAGE m = fetch_section(hClient, c, nMessageId, dwOptions, lpszSection);
    if (!m)
        return IMAP_ERROR;
    int rc =
        MimeExtractFile(m, 0, lpszFileName, (dwOptions & IMAP_PART_UTF8) ? MIME_CONTENT_UTF8 : 0u);
    MimeDeleteMessage(m);
    return rc == 0 ? 0 : IMAP_ERROR;
}
