/* Fuzz modified UTF-7 (core/imap/utf7.h, RFC 3501 section 5.1.3).
 *   - Encoding: valid UTF-8 (checked independently with mw_utf8_check) always encodes; the
 *     result is printable ASCII only and decodes back to the exact input; invalid UTF-8 is
 *     refused with *bad set.
 *   - Decoding arbitrary bytes never crashes; when it succeeds the result is valid UTF-8 and
 *     re-encodes to something that decodes to the same result; when it fails *bad is set.
 * The input is used both as UTF-8 and as modified UTF-7. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/imap/utf7.h"
#include "core/mime/utf8.h"

static void check_printable(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    int bad = 0;

    /* UTF-8 -> UTF-7 -> UTF-8. */
    char *enc = mw_imap_utf7_encode(in, size, &bad);
    /* A NUL is refused too: a mailbox name is a C string, and "&AAA-" does not decode. */
    int valid = mw_utf8_check(in, size) == size && !memchr(in, 0, size);
    if (!enc) {
        if (!bad || valid)
            abort(); /* valid UTF-8 refused */
    } else {
        if (bad || !valid)
            abort(); /* invalid UTF-8 accepted */
        check_printable(enc);
        size_t el = strlen(enc);
        char *dec = mw_imap_utf7_decode(enc, el, &bad);
        if (!dec || bad)
            abort(); /* our own encoding does not decode */
        if (memcmp(dec, in, size) != 0 || dec[size] != 0)
            abort(); /* the round trip changed the name */
        free(dec);
        free(enc);
    }

    /* Arbitrary UTF-7 -> UTF-8 -> UTF-7 -> UTF-8. */
    char *dec = mw_imap_utf7_decode(in, size, &bad);
    if (!dec) {
        if (!bad)
            abort();
        return 0;
    }
    if (bad)
        abort();
    /* The result is NUL-terminated without a length: a decoded U+0000 ("&AAA-") ends it
     * early, so the checks below use the C string the caller sees. */
    size_t dl = strlen(dec);
    if (mw_utf8_check(dec, dl) != dl)
        abort(); /* decoding produced malformed UTF-8 */
    char *again = mw_imap_utf7_encode(dec, dl, &bad);
    if (!again || bad)
        abort();
    check_printable(again);
    char *dec2 = mw_imap_utf7_decode(again, strlen(again), &bad);
    if (!dec2 || bad || strcmp(dec2, dec) != 0)
        abort();
    free(dec2);
    free(again);
    free(dec);
    return 0;
}
