/* Small helpers of the command-line tool: buffers, string lists, option parsing, errors and
 * the exit status they map to. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_buf_add(cli_buf *b, const void *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int cli_buf_str(cli_buf *b, const char *s)
{
    return cli_buf_add(b, s, strlen(s));
}

void cli_buf_free(cli_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int cli_list_add(cli_list *l, const char *s)
{
    const char **n = realloc((void *)l->items, (l->count + 1) * sizeof *n);
    if (!n)
        return -1;
    l->items = n;
    l->items[l->count++] = s;
    return 0;
}

void cli_list_free(cli_list *l)
{
    free((void *)l->items);
    l->items = NULL;
    l->count = 0;
}

char *cli_list_join(const cli_list *l)
{
    if (l->count == 0)
        return NULL;
    cli_buf b = {0};
    for (size_t i = 0; i < l->count; i++) {
        if ((i && cli_buf_str(&b, ", ") != 0) || cli_buf_str(&b, l->items[i]) != 0) {
            cli_buf_free(&b);
            return NULL;
        }
    }
    return b.data;
}

int cli_usage_error(const char *command, const char *fmt, const char *arg)
{
    fprintf(stderr, "mailwire%s%s: ", command ? " " : "", command ? command : "");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'mailwire %s%s--help'.\n", command ? command : "", command ? " " : "");
    return CLI_EXIT_USAGE;
}

int cli_getopt(cli_args *a, const cli_opt *opts, const char **val)
{
    if (a->index >= a->argc)
        return -1;
    const char *arg = a->argv[a->index++];
    if (a->no_more_options || arg[0] != '-' || arg[1] == '\0') {
        *val = arg;
        return 0;
    }
    if (strcmp(arg, "--") == 0) {
        a->no_more_options = 1;
        return cli_getopt(a, opts, val);
    }
    const cli_opt *o = NULL;
    const char *inline_val = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);
        for (const cli_opt *p = opts; p->name; p++) {
            if (strlen(p->name) == n && strncmp(p->name, name, n) == 0) {
                o = p;
                break;
            }
        }
        if (eq)
            inline_val = eq + 1;
    } else if (arg[2] == '\0') {
        for (const cli_opt *p = opts; p->name; p++) {
            if (p->short_name && p->short_name == arg[1]) {
                o = p;
                break;
            }
        }
    }
    if (!o) {
        cli_usage_error(a->command, "unknown option '%s'", arg);
        return -2;
    }
    if (!o->has_arg) {
        if (inline_val) {
            cli_usage_error(a->command, "option '%s' takes no value", arg);
            return -2;
        }
        *val = NULL;
        return o->id;
    }
    if (inline_val) {
        *val = inline_val;
    } else if (a->index < a->argc) {
        *val = a->argv[a->index++];
    } else {
        cli_usage_error(a->command, "option '%s' needs a value", arg);
        return -2;
    }
    return o->id;
}

int cli_conn_option(cli_conn *c, int id, const char *val)
{
    switch (id) {
    case CLI_OPT_SERVER:
        c->server = val;
        return 0;
    case CLI_OPT_USER:
        c->user = val;
        return 0;
    case CLI_OPT_PASSWORD_FILE:
        c->password_file = val;
        return 0;
    case CLI_OPT_PASSWORD_ENV:
        c->password_env = val;
        return 0;
    case CLI_OPT_PASSWORD:
        c->password = val;
        return 0;
    case CLI_OPT_CA_FILE:
        c->ca_file = val;
        return 0;
    case CLI_OPT_STARTTLS:
        c->starttls = 1;
        return 0;
    case CLI_OPT_TRACE:
        c->trace = 1;
        return 0;
    case CLI_OPT_TIMEOUT: {
        unsigned long t;
        if (cli_parse_number(val, 86400, &t) != 0)
            return -1;
        c->timeout = (unsigned)t;
        return 0;
    }
    default:
        return -1;
    }
}

int cli_exit_status(unsigned error)
{
    switch (error) {
    case ST_ERROR_NONE:
        return CLI_EXIT_OK;
    case ST_ERROR_RESOLVE_FAILED:
    case ST_ERROR_CONNECT_REFUSED:
    case ST_ERROR_CONNECT_FAILED:
    case ST_ERROR_TIMEOUT:
    case ST_ERROR_CONNECTION_CLOSED:
    case ST_ERROR_TLS_HANDSHAKE_FAILED:
    case ST_ERROR_CERTIFICATE_REJECTED:
    case ST_ERROR_TLS_TRUNCATED:
    case ST_ERROR_TLS_LEGACY_UNAVAILABLE:
    case ST_ERROR_STARTTLS_UNAVAILABLE:
    case ST_ERROR_SOCKET:
    case ST_ERROR_CREDENTIALS:
        return CLI_EXIT_CONNECT;
    case ST_ERROR_AUTHENTICATION_FAILED:
    case ST_ERROR_INVALID_AUTHENTICATION_TYPE:
    case ST_ERROR_CLEARTEXT_REFUSED:
        return CLI_EXIT_AUTH;
    case ST_ERROR_SERVER_PERMANENT:
    case ST_ERROR_SERVER_TEMPORARY:
    case ST_ERROR_NO_VALID_RECIPIENTS:
    case ST_ERROR_MESSAGE_TOO_LARGE:
    case ST_ERROR_COMMAND_REJECTED:
    case ST_ERROR_NOT_SUPPORTED:
        return CLI_EXIT_REFUSED;
    default:
        return CLI_EXIT_ERROR;
    }
}

int cli_fail(const char *what)
{
    unsigned e = MailwireGetLastError();
    const char *detail = MailwireGetLastErrorDetail();
    char *safe = cli_printable(detail ? detail : "");
    /* Details from other libraries (GnuTLS) may end in spaces. */
    for (size_t n = safe ? strlen(safe) : 0; n > 0 && safe[n - 1] == ' '; n--)
        safe[n - 1] = '\0';
    fprintf(stderr, "mailwire: %s: %s", what, MailwireGetErrorString(e));
    if (safe && *safe)
        fprintf(stderr, " (%s)", safe);
    fputc('\n', stderr);
    free(safe);
    int status = cli_exit_status(e);
    return status == CLI_EXIT_OK ? CLI_EXIT_ERROR : status;
}

char *cli_printable(const char *s)
{
    size_t n = strlen(s);
    char *o = malloc(n + 1);
    if (!o)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        /* C1 controls are U+0080..U+009F: 0xC2 0x80..0x9F in UTF-8 (one space for both). */
        if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
            (unsigned char)s[i + 1] <= 0x9F) {
            o[i] = ' ';
            o[i + 1] = ' ';
            i++;
            continue;
        }
        o[i] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
    }
    o[n] = '\0';
    return o;
}

char *cli_header(HMESSAGE h, int part, const char *name)
{
    char small[512];
    int n = MimeGetMessageHeader(h, part, name, small, sizeof small);
    if (n < 0)
        return NULL;
    char *o = malloc((size_t)n + 1);
    if (!o)
        return NULL;
    if ((size_t)n < sizeof small)
        memcpy(o, small, (size_t)n + 1);
    else if (MimeGetMessageHeader(h, part, name, o, (size_t)n + 1) < 0) {
        free(o);
        return NULL;
    }
    return o;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian; H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void cli_iso8601(int64_t t, int offset_min, char out[96])
{
    int64_t local = t + (int64_t)offset_min * 60;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t secs = local - days * 86400;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int off = offset_min < 0 ? -offset_min : offset_min;
    snprintf(out, 96, "%04lld-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60),
             offset_min < 0 ? '-' : '+', off / 60, off % 60);
}

int cli_parse_number(const char *s, unsigned long max, unsigned long *out)
{
    /* Digits only: strtoul() alone would take "-1", " 7" or "+7". */
    if (*s < '0' || *s > '9' || strlen(s) > 10)
        return -1;
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (*end || v == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

char *cli_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *o = malloc(n);
    if (o)
        memcpy(o, s, n);
    return o;
}
