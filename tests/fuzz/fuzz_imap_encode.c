/* Fuzz the IMAP argument encoder (core/imap/encode.h) with arbitrary user strings, every
 * argument kind and every capability combination. Checked:
 *   - a string with NUL is refused with ST_ERROR_INVALID_ARGUMENT and nothing is queued; so is
 *     CR/LF or (without UTF-8 permission) 8-bit data where no literal is allowed;
 *   - otherwise the queued bytes are exactly one atom, quoted string or literal, matching
 *     mw_imap_choose(); CR and LF never occur outside the literal's data (the CRLF that ends a
 *     literal announcement is part of the literal syntax, RFC 9051 section 4.3);
 *   - an atom only for IMAP_ARG_ASTRING, made of ATOM-CHARs, never "NIL"; a quoted string
 *     holds no 8-bit byte without IMAP_ENC_UTF8 and escapes only '"' and '\';
 *   - {n+} only under LITERAL+ or LITERAL- with n <= 4096, and a synchronising literal {n}
 *     carries a SYNC mark right after its CRLF (no other marks);
 *   - decoding the atom/quoted/literal form gives the original string back.
 * Input layout: byte 0 bits 0-2 IMAP_ENC_* flags, bits 3-4 argument kind; then the string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "core/imap/encode.h"
#include "fuzz_util.h"

static int atom_char(unsigned char c)
{
    return c > 0x20 && c < 0x7f && !strchr("(){%*\"\\]", c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0] & 7;
    int kind = (data[0] >> 3) % 3;
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    int nul = memchr(s, 0, n) != NULL, crlf = 0, eight = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        crlf |= c == '\r' || c == '\n';
        eight |= c >= 0x80;
    }
    mw_imap_out o;
    mw_imap_out_init(&o);
    o.flags = flags;
    const char *why = NULL;
    int how = mw_imap_choose(s, n, kind, flags, &why);
    unsigned rc = mw_imap_out_string(&o, s, n, kind);
    int refuse = nul || (kind == IMAP_ARG_NOLIT && (crlf || (eight && !(flags & IMAP_ENC_UTF8))));
    if (refuse) {
        if (rc != ST_ERROR_INVALID_ARGUMENT || how != 0 || !why || o.b.len != 0 || o.nmark != 0)
            abort();
        mw_imap_out_free(&o);
        return 0;
    }
    if (rc != ST_ERROR_NONE || how == 0 || o.b.failed)
        abort();
    const char *e = o.b.p ? o.b.p : "";
    size_t el = o.b.len;
    fz_buf back = {0};
    if (el > 0 && e[0] == '"') {
        if (how != IMAP_ENC_QUOTED || el < 2 || e[el - 1] != '"' || o.nmark)
            abort();
        size_t i = 1;
        for (; i < el - 1; i++) {
            unsigned char c = (unsigned char)e[i];
            if (c == '\r' || c == '\n' || (c >= 0x80 && !(flags & IMAP_ENC_UTF8)))
                abort();
            if (c == '"')
                abort(); /* an unescaped quote before the end */
            if (c == '\\') {
                if (i + 1 >= el - 1 || (e[i + 1] != '"' && e[i + 1] != '\\'))
                    abort();
                i++;
                c = (unsigned char)e[i];
            }
            fz_putc(&back, (char)c);
        }
    } else if (el > 0 && e[0] == '{') {
        size_t i = 1;
        uint64_t v = 0;
        while (i < el && e[i] >= '0' && e[i] <= '9')
            v = v * 10 + (uint64_t)(e[i++] - '0');
        int plus = i < el && e[i] == '+';
        if (plus)
            i++;
        if (i == 1 || i + 3 > el || memcmp(e + i, "}\r\n", 3) != 0)
            abort();
        i += 3;
        if (v != el - i)
            abort(); /* announced size differs from the data */
        if (plus) {
            if (how != IMAP_ENC_LITERAL || o.nmark ||
                !((flags & IMAP_ENC_LITERAL_PLUS) ||
                  ((flags & IMAP_ENC_LITERAL_MINUS) && v <= 4096)))
                abort();
        } else {
            if (how != IMAP_ENC_SYNC_LITERAL || o.nmark != 1 || o.marks[0].kind != IMAP_MARK_SYNC ||
                o.marks[0].at != i)
                abort();
        }
        /* A literal only when an atom or quoted string cannot carry the value. */
        if (!crlf && (!eight || (flags & IMAP_ENC_UTF8)))
            abort();
        fz_put(&back, e + i, el - i);
    } else {
        if (how != IMAP_ENC_ATOM || kind != IMAP_ARG_ASTRING || el == 0 || o.nmark)
            abort();
        for (size_t i = 0; i < el; i++)
            if (!atom_char((unsigned char)e[i]))
                abort();
        if (el == 3 && (e[0] | 0x20) == 'n' && (e[1] | 0x20) == 'i' && (e[2] | 0x20) == 'l')
            abort(); /* would read back as NIL */
        fz_put(&back, e, el);
    }
    if (back.len != n || (n && memcmp(back.p, s, n) != 0))
        abort(); /* decoding does not give the original */
    fz_free(&back);
    mw_imap_out_free(&o);
    return 0;
}
