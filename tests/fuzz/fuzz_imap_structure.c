/* Fuzz the IMAP ENVELOPE and BODYSTRUCTURE reader (ImapParseBodyStructure(),
 * core/imap/structure.c) with arbitrary text. The input is "ENVELOPE NUL BODYSTRUCTURE", or
 * a BODYSTRUCTURE alone when it holds no NUL. Checked:
 *   - the call succeeds or fails with one of its documented errors (malformed text, a limit);
 *   - a message built stays within the caps (MIME_MAX_PARTS, MIME_MAX_DEPTH);
 *   - server text never becomes a header field of its own: every field of every part is one
 *     of those the reader writes (the ENVELOPE fields, MIME-Version, Content-*). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/imap.h>
#include <mailwire/mime.h>

#include "core/util/str.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "check failed at line %d: %s\n", __LINE__, #c);                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int known_field(const char *name)
{
    static const char *const names[] = {"Date",
                                        "Subject",
                                        "From",
                                        "Sender",
                                        "Reply-To",
                                        "To",
                                        "Cc",
                                        "Bcc",
                                        "In-Reply-To",
                                        "Message-ID",
                                        "MIME-Version",
                                        "Content-Type",
                                        "Content-ID",
                                        "Content-Description",
                                        "Content-Transfer-Encoding",
                                        "Content-Disposition",
                                        "Content-Language",
                                        "Content-Location"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (mw_strcasecmp(name, names[i]) == 0)
            return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 20)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    const char *env = NULL, *bs = text;
    size_t nul = strlen(text);
    if (nul < size) {
        env = text;
        bs = text + nul + 1;
    }
    HMESSAGE m = MimeCreateMessage();
    CHECK(m != INVALID_MESSAGE);
    if (ImapParseBodyStructure(bs, env, m) == 0) {
        int np = MimeGetMessagePartCount(m);
        CHECK(np >= 1 && np <= MIME_MAX_PARTS + 1);
        for (int i = 0; i < np; i++) {
            MIMEPARTINFO pi;
            memset(&pi, 0, sizeof pi);
            pi.dwSize = sizeof pi;
            CHECK(MimeGetMessagePartInfo(m, i, &pi) == 0);
            CHECK(pi.nDepth <= MIME_MAX_DEPTH);
            int nh = MimeGetMessageHeaderCount(m, i);
            CHECK(nh >= 0);
            for (int k = 0; k < nh; k++) {
                char name[256];
                CHECK(MimeGetMessageHeaderAt(m, i, k, name, sizeof name, NULL, 0,
                                             MIME_HEADER_RAW) >= 0);
                if (!known_field(name)) {
                    fprintf(stderr, "field \"%s\" in part %d\n", name, i);
                    abort();
                }
            }
        }
    } else {
        unsigned err = MailwireGetLastError();
        CHECK(err == ST_ERROR_PROTOCOL_VIOLATION || err == ST_ERROR_LIMIT_EXCEEDED ||
              err == ST_ERROR_OUT_OF_MEMORY);
    }
    MimeDeleteMessage(m);
    free(text);
    return 0;
}
