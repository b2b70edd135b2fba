/* mailwire parse FILE [--json]: a message file parsed by the message object, shown as a
 * reader would or printed as JSON (RFC 8259):
 *
 *   headers   [{name, value}] in order, values decoded to UTF-8
 *   subject, message_id         decoded text, null when absent
 *   from, to, cc, reply_to      [{name, address}]
 *   date      ISO 8601 with the offset written ("2026-12-05T04:05:06+01:00"), null when
 *             absent or unparsable
 *   text      the message text (plain, else HTML) as UTF-8
 *   parts     the leaf parts in order: content_type, charset, filename, disposition,
 *             content_id, size and sha256 of the decoded content
 *
 * Strings are escaped for JSON (quotes, backslashes, control characters), and whatever is not
 * valid UTF-8 (a corrupt part's text) becomes U+FFFD, so the output is always valid JSON. */
#include "cli.h"

#include <nettle/sha2.h>

#include <stdlib.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlongs, no surrogates, at most
 * U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

static void json_string(FILE *out, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    fputc('"', out);
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
            i++;
        } else if (c == '\n') {
            fputs("\\n", out);
            i++;
        } else if (c == '\r') {
            fputs("\\r", out);
            i++;
        } else if (c == '\t') {
            fputs("\\t", out);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(out, "\\u%04x", c);
            i++;
        } else {
            size_t len = utf8_len(p + i, n - i);
            if (len == 0) {
                fputs("\xEF\xBF\xBD", out); /* U+FFFD */
                i++;
            } else {
                fwrite(p + i, 1, len, out);
                i += len;
            }
        }
    }
    fputc('"', out);
}

static void json_cstr(FILE *out, const char *s)
{
    json_string(out, s, strlen(s));
}

static void addresses(FILE *out, HMESSAGE h, const char *field)
{
    int n = MimeGetAddressCount(h, 0, field);
    fputc('[', out);
    for (int i = 0, first = 1; i < n; i++) {
        char name[4096], addr[4096];
        if (MimeGetAddress(h, 0, field, i, name, sizeof name, addr, sizeof addr) != 0)
            continue;
        fputs(first ? "{\"name\": " : ", {\"name\": ", out);
        json_cstr(out, name);
        fputs(", \"address\": ", out);
        json_cstr(out, addr);
        fputc('}', out);
        first = 0;
    }
    fputc(']', out);
}

typedef struct hash_ctx {
    struct sha256_ctx sha;
    uint64_t size;
} hash_ctx;

static int MAILWIRE_CALLBACK hash_content(void *user, const void *p, size_t n)
{
    hash_ctx *hc = user;
    sha256_update(&hc->sha, n, p);
    hc->size += n;
    return 0;
}

/* A value of a call that returns its full length: grown to fit. */
static char *header_at(HMESSAGE h, int i, char *name, size_t cb_name)
{
    char small[1024];
    int n = MimeGetMessageHeaderAt(h, 0, i, name, cb_name, small, sizeof small, 0);
    if (n < 0)
        return NULL;
    char *v = malloc((size_t)n + 1);
    if (!v)
        return NULL;
    if ((size_t)n < sizeof small)
        memcpy(v, small, (size_t)n + 1);
    else if (MimeGetMessageHeaderAt(h, 0, i, name, cb_name, v, (size_t)n + 1, 0) < 0) {
        free(v);
        return NULL;
    }
    return v;
}

static int print_json(HMESSAGE h, FILE *out)
{
    fputs("{\"headers\": [", out);
    int nh = MimeGetMessageHeaderCount(h, 0);
    for (int i = 0; i < nh; i++) {
        char name[1024] = "";
        char *v = header_at(h, i, name, sizeof name);
        fputs(i ? ", {\"name\": " : "{\"name\": ", out);
        json_cstr(out, name);
        fputs(", \"value\": ", out);
        json_cstr(out, v ? v : "");
        fputc('}', out);
        free(v);
    }
    fputc(']', out);
    static const char *const single[][2] = {{"subject", "Subject"}, {"message_id", "Message-ID"}};
    for (size_t i = 0; i < 2; i++) {
        char *v = cli_header(h, 0, single[i][1]);
        fprintf(out, ", \"%s\": ", single[i][0]);
        if (v)
            json_cstr(out, v);
        else
            fputs("null", out);
        free(v);
    }
    static const char *const lists[][2] = {
        {"from", "From"}, {"to", "To"}, {"cc", "Cc"}, {"reply_to", "Reply-To"}};
    for (size_t i = 0; i < 4; i++) {
        fprintf(out, ", \"%s\": ", lists[i][0]);
        addresses(out, h, lists[i][1]);
    }
    int64_t t = 0;
    int off = 0;
    fputs(", \"date\": ", out);
    if (MimeGetMessageDate(h, &t, &off) == 0) {
        char iso[96];
        cli_iso8601(t, off, iso);
        json_cstr(out, iso);
    } else {
        fputs("null", out);
    }
    fputs(", \"text\": ", out);
    int n = MimeGetMessageText(h, NULL, 0);
    char *text = n > 0 ? malloc((size_t)n + 1) : NULL;
    if (text && MimeGetMessageText(h, text, (size_t)n + 1) >= 0)
        json_string(out, text, (size_t)n);
    else
        json_cstr(out, "");
    free(text);
    fputs(", \"parts\": [", out);
    int parts = MimeGetMessagePartCount(h), first = 1;
    for (int i = 0; i < parts; i++) {
        MIMEPARTINFO pi;
        memset(&pi, 0, sizeof pi);
        pi.dwSize = sizeof pi;
        if (MimeGetMessagePartInfo(h, i, &pi) != 0)
            return cli_fail("part");
        if (pi.dwFlags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE))
            continue;
        /* The strings of pi last until the next call on h: print them before reading. */
        fputs(first ? "{\"content_type\": " : ", {\"content_type\": ", out);
        json_cstr(out, pi.lpszContentType);
        fputs(", \"charset\": ", out);
        json_cstr(out, pi.lpszCharSet);
        fputs(", \"filename\": ", out);
        json_cstr(out, pi.lpszFileName);
        fputs(", \"disposition\": ", out);
        json_cstr(out, pi.lpszDisposition);
        fputs(", \"content_id\": ", out);
        json_cstr(out, pi.lpszContentId);
        hash_ctx hc;
        sha256_init(&hc.sha);
        hc.size = 0;
        if (MimeReadMessagePart(h, i, hash_content, &hc, 0) != 0)
            return cli_fail("part content");
        uint8_t d[SHA256_DIGEST_SIZE];
        sha256_digest(&hc.sha, sizeof d, d);
        fprintf(out, ", \"size\": %llu, \"sha256\": \"", (unsigned long long)hc.size);
        for (size_t k = 0; k < sizeof d; k++)
            fprintf(out, "%02x", d[k]);
        fputs("\"}", out);
        first = 0;
    }
    fputs("]}\n", out);
    return fflush(out) == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

enum { OPT_JSON = 1 };

int cli_cmd_parse(cli_args *a)
{
    static const cli_opt opts[] = {
        {"json", 0, 0, OPT_JSON}, {"help", 'h', 0, CLI_OPT_HELP}, {NULL, 0, 0, 0}};
    const char *file = NULL, *val;
    int json = 0, id;
    while ((id = cli_getopt(a, opts, &val)) != -1) {
        if (id == -2)
            return CLI_EXIT_USAGE;
        if (id == CLI_OPT_HELP) {
            cli_help("parse", stdout);
            return CLI_EXIT_OK;
        }
        if (id == OPT_JSON)
            json = 1;
        else if (!file)
            file = val;
        else
            return cli_usage_error("parse", "unexpected argument '%s'", val);
    }
    if (!file)
        return cli_usage_error("parse", "%s", "give a message FILE ('-' for standard input)");
    HMESSAGE h = MimeCreateMessage();
    if (h == INVALID_MESSAGE)
        return cli_fail("parse");
    int rc;
    if (strcmp(file, "-") == 0) {
        cli_buf b = {0};
        rc = cli_read_file("-", &b) == 0 ? MimeImportMessageData(h, b.data, b.len, 0) : -1;
        cli_buf_free(&b);
    } else {
        rc = MimeImportMessage(h, file, 0);
    }
    int st;
    if (rc != 0) {
        char what[1100];
        snprintf(what, sizeof what, "cannot parse '%s'", file);
        st = cli_fail(what);
    } else {
        st = json ? print_json(h, stdout) : cli_show_message(h, stdout);
    }
    MimeDeleteMessage(h);
    return st;
}
