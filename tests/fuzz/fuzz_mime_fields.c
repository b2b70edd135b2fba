/* Fuzz the decoders a received message's header fields go through (core/mime), one at a time
 * and without the cost of a whole parse (fuzz_mime_parse reaches them too, a hundred times
 * slower): unstructured text with RFC 2047 encoded words (hdrdec), dates (date), address
 * lists as received (addrread), charset conversion (charset), and the MIME parameters of
 * Content-Type / Content-Disposition with RFC 2231 continuations and charsets (params).
 * Checked, besides no crash, leak or sanitizer report:
 *   - every decoded text is valid UTF-8 and no longer than the caps allow;
 *   - MimeDecodeHeader() gives the same text as the internal decoder, and its length;
 *   - a date that parses has fields in range, and its RFC 5322 form parses to the same
 *     instant and zone;
 *   - an address list yields mailboxes whose names and addresses are valid UTF-8, and its
 *     rendered form reads back to as many mailboxes (when it holds no NUL);
 *   - a charset conversion either reports an unknown charset with nothing appended, or
 *     appends valid UTF-8; converting that back never fails on the text's own characters
 *     unless the charset lacks one (-2);
 *   - Content-Type and file name read through the public API are valid UTF-8.
 * Input layout: byte 0 the decoder (mod 6: 0 text, 1 date, 2 addresses, 3 charset, 4 MIME
 * parameters through a parsed message, 5 structured MIME value), then its text; mode 3 is
 * "charset NUL bytes", mode 4 "Content-Type value NUL Content-Disposition value". */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/mime.h>

#include "core/mime/addrread.h"
#include "core/mime/charset.h"
#include "core/mime/date.h"
#include "core/mime/hdrdec.h"
#include "core/mime/params.h"
#include "core/mime/utf8.h"
#include "core/util/buf.h"

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "check failed at line %d: %s\n", __LINE__, #c);                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void utf8(const char *s, size_t n)
{
    size_t ok = mw_utf8_check(s, n);
    if (ok != n) {
        fprintf(stderr, "invalid UTF-8 at offset %zu of %zu:", ok, n);
        for (size_t i = ok > 8 ? ok - 8 : 0; i < n && i < ok + 8; i++)
            fprintf(stderr, " %02x", (unsigned char)s[i]);
        fprintf(stderr, "\n");
        abort();
    }
}

static void buf_utf8(const mw_buf *b)
{
    if (b->len)
        utf8(b->p, b->len);
}

static void text(const char *s, size_t n)
{
    mw_buf unf, dec;
    mw_buf_init(&unf, 0, 0);
    mw_buf_init(&dec, 0, 0);
    mw_hdr_unfold(s, n, &unf);
    CHECK(!unf.failed);
    for (size_t i = 0; i < unf.len; i++)
        CHECK(unf.p[i] != '\r' && unf.p[i] != '\n');
    mw_hdr_decode_text(unf.p ? unf.p : "", unf.len, &dec);
    CHECK(!dec.failed);
    buf_utf8(&dec);
    /* The public face of the same decoder (a C string: up to the first NUL). */
    char *z = malloc(n + 1);
    CHECK(z);
    memcpy(z, s, n);
    z[n] = 0;
    static char out[1 << 16];
    int len = MimeDecodeHeader(z, out, sizeof out);
    CHECK(len >= 0);
    if ((size_t)len < sizeof out)
        utf8(out, (size_t)len);
    free(z);
    mw_buf_free(&unf);
    mw_buf_free(&dec);
}

static void date(const char *s, size_t n)
{
    mw_date d;
    if (mw_date_parse(s, n, &d) != 0)
        return;
    CHECK(d.mon >= 1 && d.mon <= 12 && d.day >= 1 && d.day <= 31);
    CHECK(d.hour >= 0 && d.hour <= 23 && d.min >= 0 && d.min <= 59 && d.sec >= 0 && d.sec <= 60);
    CHECK(d.zone > -100L * 3600 && d.zone < 100L * 3600);
    char f[128], iso[128];
    mw_date_format(&d, f, sizeof f);
    mw_date_iso(&d, iso, sizeof iso);
    mw_date again;
    if (mw_date_parse(f, strlen(f), &again) != 0) {
        fprintf(stderr, "\"%.*s\" formats as \"%s\", which does not parse\n", (int)n, s, f);
        abort();
    }
    if (mw_date_unix(&again) != mw_date_unix(&d) || again.has_zone != d.has_zone ||
        (d.has_zone && again.zone != d.zone)) {
        fprintf(stderr, "\"%.*s\" formats as \"%s\", which parses to another instant\n", (int)n, s,
                f);
        abort();
    }
}

static int count_box(void *user, const char *name, const char *addr, const char *group)
{
    if (!name && !addr) {
        CHECK(group); /* the end of a group (addrread.c calls once more with NULLs) */
        utf8(group, strlen(group));
        return 0;
    }
    CHECK(name && addr);
    utf8(name, strlen(name));
    utf8(addr, strlen(addr));
    if (group)
        utf8(group, strlen(group));
    ++*(size_t *)user;
    return 0;
}

static void addresses(const char *s, size_t n)
{
    size_t boxes = 0, again = 0;
    CHECK(mw_addr_read(s, n, count_box, &boxes) == 0);
    mw_buf r;
    mw_buf_init(&r, 0, 0);
    mw_addr_render(s, n, &r);
    CHECK(!r.failed);
    buf_utf8(&r);
    CHECK(mw_addr_read(r.p ? r.p : "", r.len, count_box, &again) == 0);
    /* The rendered text is handed out as a C string: a NUL inside a field cuts it, so the
     * round trip holds for NUL-free fields only. */
    if (again != boxes && !memchr(s, 0, n)) {
        fprintf(stderr, "\"%.*s\": %zu mailboxes, rendered \"%s\": %zu\n", (int)n, s, boxes,
                r.p ? r.p : "", again);
        abort();
    }
    mw_buf_free(&r);
}

static void charset(const char *s, size_t n)
{
    const char *nul = memchr(s, 0, n);
    if (!nul || nul - s > 40)
        return;
    const char *cs = s, *in = nul + 1;
    size_t len = n - (size_t)(in - s);
    mw_buf out;
    mw_buf_init(&out, 0, 0);
    int rc = mw_cs_to_utf8(cs, in, len, &out);
    CHECK(rc == 0 || rc == -1);
    CHECK(!out.failed);
    if (rc == -1) {
        CHECK(out.len == 0); /* unknown: nothing appended */
        mw_cs_fallback_utf8(in, len, &out);
    }
    buf_utf8(&out);
    mw_buf back;
    mw_buf_init(&back, 0, 0);
    size_t bad = 0;
    int b = mw_cs_from_utf8(cs, out.p ? out.p : "", out.len, &back, &bad);
    CHECK(b == 0 || b == -1 || b == -2);
    CHECK(b != -1 || rc == -1); /* a charset decoded is one the encoder knows */
    if (b == -2)
        CHECK(bad < out.len);
    mw_buf_free(&back);
    mw_buf_free(&out);
}

static void params(const char *s, size_t n)
{
    const char *nul = memchr(s, 0, n);
    size_t tn = nul ? (size_t)(nul - s) : n;
    mw_buf m;
    mw_buf_init(&m, 0, 0);
    mw_buf_puts(&m, "Content-Type: ");
    mw_buf_put(&m, s, tn);
    if (nul) {
        mw_buf_puts(&m, "\r\nContent-Disposition: ");
        mw_buf_put(&m, nul + 1, n - tn - 1);
    }
    mw_buf_puts(&m, "\r\n\r\nbody\r\n");
    CHECK(!m.failed);
    HMESSAGE h = MimeCreateMessage();
    CHECK(h != INVALID_MESSAGE);
    CHECK(MimeImportMessageData(h, m.p, m.len, 0) == 0);
    int np = MimeGetMessagePartCount(h);
    CHECK(np >= 1);
    for (int i = 0; i < np && i < 8; i++) {
        MIMEPARTINFO pi;
        memset(&pi, 0, sizeof pi);
        pi.dwSize = sizeof pi;
        CHECK(MimeGetMessagePartInfo(h, i, &pi) == 0);
        utf8(pi.lpszContentType, strlen(pi.lpszContentType));
        utf8(pi.lpszFileName, strlen(pi.lpszFileName));
        static char v[1 << 16];
        int len = MimeGetMessageHeader(h, i, "Content-Type", v, sizeof v);
        if (len >= 0 && (size_t)len < sizeof v)
            utf8(v, (size_t)len);
    }
    MimeDeleteMessage(h);
    mw_buf_free(&m);
}

static void mime_value(const char *s, size_t n)
{
    mw_buf out;
    mw_buf_init(&out, 0, 0);
    mw_hdr_mime_str(s, n, &out);
    CHECK(!out.failed);
    buf_utf8(&out);
    mw_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 16384)
        return 0;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    switch (data[0] % 6) {
    case 0:
        text(s, n);
        break;
    case 1:
        date(s, n);
        break;
    case 2:
        addresses(s, n);
        break;
    case 3:
        charset(s, n);
        break;
    case 4:
        params(s, n);
        break;
    default:
        mime_value(s, n);
        break;
    }
    return 0;
}
