/* mailwire list: the mailboxes, or the newest messages of one. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_MAILBOX = 1, OPT_NEWEST };

typedef struct list_ctx {
    const char *mailbox;
    unsigned newest;
} list_ctx;

static int list_option(void *ctx, int id, const char *val)
{
    list_ctx *l = ctx;
    if (id == OPT_MAILBOX) {
        l->mailbox = val;
        return 0;
    }
    unsigned long n;
    if (cli_parse_number(val, 100000, &n) != 0)
        return cli_usage_error("list", "--newest wants a count from 1 to 100000, not '%s'", val);
    l->newest = (unsigned)n;
    return 0;
}

static void attributes(uint32_t a, char *out, size_t cb)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } names[] = {{IMAP_SPECIAL_ALL, "\\All"},
                 {IMAP_SPECIAL_ARCHIVE, "\\Archive"},
                 {IMAP_SPECIAL_DRAFTS, "\\Drafts"},
                 {IMAP_SPECIAL_FLAGGED, "\\Flagged"},
                 {IMAP_SPECIAL_JUNK, "\\Junk"},
                 {IMAP_SPECIAL_SENT, "\\Sent"},
                 {IMAP_SPECIAL_TRASH, "\\Trash"},
                 {IMAP_FLAG_NOSELECT, "\\Noselect"},
                 {IMAP_FLAG_HASCHILDREN, "\\HasChildren"}};
    out[0] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (a & names[i].bit) {
            if (out[0])
                strncat(out, " ", cb - strlen(out) - 1);
            strncat(out, names[i].name, cb - strlen(out) - 1);
        }
    }
}

int cli_cmd_list(cli_args *a)
{
    static const cli_opt opts[] = {CLI_CONN_OPTIONS,
                                   {"mailbox", 'm', 1, OPT_MAILBOX},
                                   {"newest", 'n', 1, OPT_NEWEST},
                                   {NULL, 0, 0, 0}};
    cli_conn c = {0};
    list_ctx l = {NULL, 20};
    cli_list pos = {0};
    int st = cli_imap_args(a, "list", opts, &c, &l, list_option, &pos);
    if (st == 0 && pos.count)
        st = cli_usage_error("list", "unexpected argument '%s'", pos.items[0]);
    cli_list_free(&pos);
    if (st != 0)
        return st < 0 ? CLI_EXIT_OK : st;
    HCLIENT h;
    if ((st = cli_imap_open(&c, &h)) != CLI_EXIT_OK)
        return st;
    const char *mailbox = l.mailbox ? l.mailbox : (c.url.path[0] ? c.url.path : NULL);
    if (!mailbox) {
        IMAPMAILBOXINFO info;
        memset(&info, 0, sizeof info);
        int rc = ImapGetFirstMailbox(h, NULL, "*", IMAP_LIST_STATUS, &info);
        while (rc == 0) {
            char attr[256], *name = cli_printable(info.szMailbox);
            attributes(info.dwAttributes, attr, sizeof attr);
            if (info.bHasStatus)
                printf("%s\t%u\t%u\t%s\n", name ? name : "", info.nMessages, info.nUnseenMessages,
                       attr);
            else
                printf("%s\t-\t-\t%s\n", name ? name : "", attr);
            free(name);
            rc = ImapGetNextMailbox(h, &info);
        }
        if (MailwireGetLastError() != ST_ERROR_NO_MORE_MAILBOXES)
            st = cli_fail("list");
    } else {
        IMAPMAILBOX mb;
        cli_list lines = {0};
        /* EXAMINE: read-only, so listing changes nothing (no \Recent taken, no flag set). */
        if (ImapExamineMailbox(h, mailbox, &mb) != 0)
            st = cli_fail("mailbox");
        else if (ImapGetNewestMessages(h, l.newest, IMAP_INFO_ENVELOPE, cli_collect_message,
                                       &lines) != 0)
            st = cli_fail("list");
        /* Newest first, as a mail program shows them. */
        for (size_t i = lines.count; i-- > 0;) {
            if (st == CLI_EXIT_OK)
                printf("%s\n", lines.items[i]);
            free((void *)lines.items[i]);
        }
        cli_list_free(&lines);
    }
    ImapDisconnect(h);
    return st;
}
