/* What the IMAP commands share: the command line (connection options, the command's own,
 * positional arguments), the mailbox to use, and a message's one-line summary (list, idle). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* The mailbox: --mailbox, else the URL's path, else INBOX. */
const char *cli_mailbox_of(const cli_conn *c, const char *opt)
{
    if (opt)
        return opt;
    return c->url.path[0] ? c->url.path : "INBOX";
}

/* An ENVELOPE date as ISO 8601 (through the message object's date parser); the text as
 * sent when it does not parse. */
static void format_date(const char *env_date, char out[96])
{
    snprintf(out, 96, "%s", env_date ? env_date : "");
    HMESSAGE t = MimeCreateMessage();
    int64_t when = 0;
    int off = 0;
    if (t != INVALID_MESSAGE && env_date && *env_date &&
        MimeSetMessageHeader(t, 0, "Date", env_date) == 0 &&
        MimeGetMessageDate(t, &when, &off) == 0)
        cli_iso8601(when, off, out);
    if (t != INVALID_MESSAGE)
        MimeDeleteMessage(t);
}

static char *decoded(const char *s)
{
    if (!s)
        return cli_strdup("");
    int n = MimeDecodeHeader(s, NULL, 0);
    char *o = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!o || MimeDecodeHeader(s, o, (size_t)n + 1) < 0) {
        free(o);
        return cli_printable(s);
    }
    char *p = cli_printable(o);
    free(o);
    return p;
}

static void format_flags(uint32_t f, const char *keywords, char *out, size_t cb)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{IMAP_FLAG_SEEN, "\\Seen"},       {IMAP_FLAG_ANSWERED, "\\Answered"},
                 {IMAP_FLAG_URGENT, "\\Flagged"},  {IMAP_FLAG_DRAFT, "\\Draft"},
                 {IMAP_FLAG_DELETED, "\\Deleted"}, {IMAP_FLAG_RECENT, "\\Recent"}};
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (f & names[i].bit) {
            if (out[0])
                strncat(out, " ", cb - strlen(out) - 1);
            strncat(out, names[i].name, cb - strlen(out) - 1);
        }
    }
    if (keywords && *keywords) {
        if (out[0])
            strncat(out, " ", cb - strlen(out) - 1);
        strncat(out, keywords, cb - strlen(out) - 1);
    }
}

/* "UID<TAB>date<TAB>from<TAB>subject<TAB>size<TAB>flags" */
char *cli_format_message(const IMAPMESSAGE *m)
{
    char date[96], flags[512], head[64];
    format_date(m->lpszEnvDate && *m->lpszEnvDate ? m->lpszEnvDate : m->lpszDate, date);
    format_flags(m->dwFlags, m->lpszKeywords, flags, sizeof flags);
    char *from = decoded(m->lpszFrom), *subject = decoded(m->lpszSubject);
    cli_buf b = {0};
    snprintf(head, sizeof head, "%u\t", (unsigned)m->dwUID);
    cli_buf_str(&b, head);
    cli_buf_str(&b, date);
    cli_buf_str(&b, "\t");
    cli_buf_str(&b, from ? from : "");
    cli_buf_str(&b, "\t");
    cli_buf_str(&b, subject ? subject : "");
    snprintf(head, sizeof head, "\t%llu\t", (unsigned long long)m->nSize);
    cli_buf_str(&b, head);
    cli_buf_str(&b, flags);
    free(from);
    free(subject);
    return b.data;
}

void MAILWIRE_CALLBACK cli_collect_message(const IMAPMESSAGE *m, void *user)
{
    char *line = cli_format_message(m);
    if (line)
        cli_list_add(user, line);
}

/* Parses the command line of an IMAP command: the connection options, the command's own
 * (handled by the caller through `own`), positional arguments into *pos. */
int cli_imap_args(cli_args *a, const char *cmd, const cli_opt *opts, cli_conn *c, void *ctx,
                  cli_own_option own, cli_list *pos)
{
    const char *val;
    int id;
    while ((id = cli_getopt(a, opts, &val)) != -1) {
        if (id == -2)
            return CLI_EXIT_USAGE;
        if (id == CLI_OPT_HELP) {
            cli_help(cmd, stdout);
            return -1;
        }
        if (id == 0) {
            cli_list_add(pos, val);
            continue;
        }
        if (id >= CLI_OPT_SERVER && id <= CLI_OPT_TIMEOUT) {
            if (cli_conn_option(c, id, val) != 0)
                return cli_usage_error(cmd, "bad value '%s'", val ? val : "");
            continue;
        }
        int r = own(ctx, id, val);
        if (r != 0)
            return r;
    }
    return CLI_EXIT_OK;
}
