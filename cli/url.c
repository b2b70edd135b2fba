/* Server URLs: smtp://, smtps://, imap://, imaps:// with an optional user, port and (IMAP) a
 * mailbox path, in the shape of RFC 3986 (host, [IPv6] literal, port) and the imap URL of
 * RFC 5092 (only what names a server and a mailbox). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Copies [p, p+n) percent-decoded into out; -1 when it does not fit, is malformed, or holds a
 * control character (a user name or mailbox never needs one). */
static int decode(const char *p, size_t n, char *out, size_t cb)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)p[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int a = hexval(p[i + 1]), b = hexval(p[i + 2]);
            if (a < 0 || b < 0)
                return -1;
            c = a * 16 + b;
            i += 2;
        }
        if (c < 0x20 || c == 0x7F || o + 1 >= cb)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

int cli_url_parse(const char *text, const char *want, cli_url *out)
{
    memset(out, 0, sizeof *out);
    const char *sep = strstr(text, "://");
    size_t wl = strlen(want);
    if (!sep || (size_t)(sep - text) < wl || (size_t)(sep - text) > wl + 1 ||
        strncmp(text, want, wl) != 0 || ((size_t)(sep - text) == wl + 1 && text[wl] != 's')) {
        fprintf(stderr, "mailwire: '%s' is not a %s:// or %ss:// URL\n", text, want, want);
        return -1;
    }
    memcpy(out->scheme, text, (size_t)(sep - text));
    out->implicit_tls = (size_t)(sep - text) == wl + 1;
    const char *p = sep + 3;
    const char *end = p + strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < end; q++)
        if (*q == '@')
            at = q;
    if (at) {
        if (decode(p, (size_t)(at - p), out->user, sizeof out->user) != 0 || !out->user[0]) {
            fprintf(stderr, "mailwire: bad user name in '%s'\n", text);
            return -1;
        }
        p = at + 1;
    }
    const char *host_end, *port = NULL;
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close) {
            fprintf(stderr, "mailwire: unterminated IPv6 address in '%s'\n", text);
            return -1;
        }
        if (close + 1 < end) {
            if (close[1] != ':') {
                fprintf(stderr, "mailwire: bad host in '%s'\n", text);
                return -1;
            }
            port = close + 2;
        }
        p++;
        host_end = close;
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        host_end = colon ? colon : end;
        if (colon)
            port = colon + 1;
    }
    size_t hl = (size_t)(host_end - p);
    if (hl == 0 || hl >= sizeof out->host) {
        fprintf(stderr, "mailwire: no host in '%s'\n", text);
        return -1;
    }
    memcpy(out->host, p, hl);
    if (port) {
        char digits[8] = "";
        unsigned long v = 0;
        size_t pl = (size_t)(end - port);
        if (pl < sizeof digits)
            memcpy(digits, port, pl);
        if (pl == 0 || pl >= sizeof digits || cli_parse_number(digits, 65535, &v) != 0) {
            fprintf(stderr, "mailwire: bad port in '%s'\n", text);
            return -1;
        }
        out->port = (unsigned)v;
    }
    if (*end == '/' && end[1]) {
        const char *path_end = end + 1 + strcspn(end + 1, "?#");
        if (decode(end + 1, (size_t)(path_end - end - 1), out->path, sizeof out->path) != 0) {
            fprintf(stderr, "mailwire: bad path in '%s'\n", text);
            return -1;
        }
    }
    return 0;
}
