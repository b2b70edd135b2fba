/* Fuzz the MIME parser and the readers of a parsed message (mime.h) with arbitrary bytes.
 * Checked:
 *   - the import from memory never fails on content (only the hard caps may refuse, and only
 *     with MIME_IMPORT_STRICT), and pushing the same bytes in chunks of varying size gives
 *     the same tree: part count, and per part its flags, parent, content type, file name,
 *     section and decoded size;
 *   - the tree respects the documented caps (MIME_MAX_DEPTH, MIME_MAX_PARTS);
 *   - every header value, address, the message text and every part's decoded content can be
 *     read, and texts are valid UTF-8;
 *   - the message exports again, and the export parses.
 * The first input octet chooses the chunk pattern of the pushed import. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/mime.h>

#include "core/mime/utf8.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "check failed at line %d: %s\n", __LINE__, #c);                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int MAILWIRE_CALLBACK count_sink(void *user, const void *p, size_t n)
{
    (void)p;
    *(uint64_t *)user += n;
    return 0;
}

static void valid_text(const char *s, int n)
{
    CHECK(n >= 0);
    CHECK(mw_utf8_check(s, (size_t)n) == (size_t)n);
}

/* Reads everything a reader would; returns a digest of the tree for the comparison. */
static void walk(HMESSAGE h, char *sig, size_t cap)
{
    size_t used = 0;
    sig[0] = 0;
    int np = MimeGetMessagePartCount(h);
    CHECK(np >= 1 && np <= MIME_MAX_PARTS + 1);
    static char buf[1 << 16], name[256];
    for (int i = 0; i < np; i++) {
        MIMEPARTINFO pi;
        memset(&pi, 0, sizeof pi);
        pi.dwSize = sizeof pi;
        CHECK(MimeGetMessagePartInfo(h, i, &pi) == 0);
        CHECK(pi.nDepth <= 2 * MIME_MAX_DEPTH + 2);
        CHECK(i == 0 ? pi.nParent == -1 : (pi.nParent >= 0 && pi.nParent < i));
        CHECK(MimeFindMessagePart(h, pi.lpszSection) >= 0);
        uint64_t size = 0;
        CHECK(MimeReadMessagePart(h, i, count_sink, &size, 0) == 0);
        if (used < cap)
            used += (size_t)snprintf(sig + used, cap - used, "%x/%d/%s/%s/%s/%llu;", pi.dwFlags,
                                     pi.nParent, pi.lpszContentType, pi.lpszFileName,
                                     pi.lpszSection, (unsigned long long)size);
        int nh = MimeGetMessageHeaderCount(h, i);
        CHECK(nh >= 0 && nh <= MIME_MAX_HEADERS);
        for (int k = 0; k < nh; k++) {
            int n = MimeGetMessageHeaderAt(h, i, k, name, sizeof name, buf, sizeof buf, 0);
            if (n >= 0 && (size_t)n < sizeof buf)
                valid_text(buf, n);
        }
    }
    static const char *const fields[] = {"From", "To", "Cc", "Reply-To", "Sender", "Bcc"};
    for (size_t f = 0; f < sizeof fields / sizeof *fields; f++) {
        int na = MimeGetAddressCount(h, 0, fields[f]);
        CHECK(na >= 0);
        for (int k = 0; k < na && k < 64; k++) {
            char dn[512], ad[512];
            CHECK(MimeGetAddress(h, 0, fields[f], k, dn, sizeof dn, ad, sizeof ad) == 0);
        }
    }
    int64_t t;
    int off;
    (void)MimeGetMessageDate(h, &t, &off);
    int n = MimeGetMessageText(h, buf, sizeof buf);
    CHECK(n >= 0);
    if ((size_t)n < sizeof buf)
        valid_text(buf, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char sig1[1 << 15], sig2[1 << 15];
    unsigned pattern = size ? data[0] : 0;
    HMESSAGE a = MimeCreateMessage(), b = MimeCreateMessage();
    CHECK(a && b);
    CHECK(MimeImportMessageData(a, data, size, 0) == 0);
    walk(a, sig1, sizeof sig1);

    CHECK(MimeImportBegin(b, 0) == 0);
    size_t at = 0, step = (pattern & 15) + 1;
    while (at < size) {
        size_t k = size - at < step ? size - at : step;
        CHECK(MimeImportWrite(b, data + at, k) == 0);
        at += k;
        step = (step * 7 + pattern) % 61 + 1;
    }
    CHECK(MimeImportEnd(b) == 0);
    walk(b, sig2, sizeof sig2);
    CHECK(strcmp(sig1, sig2) == 0);

    char *out = NULL;
    size_t outlen = 0;
    if (MimeExportMessageToMemory(a, 0, &out, &outlen) == 0) {
        uint64_t want = 0;
        CHECK(MimeGetMessageSize(a, 0, &want) == 0);
        CHECK(want == outlen);
        CHECK(MimeImportMessageData(b, out, outlen, 0) == 0);
        MimeFreeMemory(out);
    }
    MimeDeleteMessage(a);
    MimeDeleteMessage(b);
    return 0;
}
