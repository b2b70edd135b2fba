/* mailwire idle: one line per change of a mailbox until interrupted (RFC 2177 IDLE). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_MAILBOX = 1 };

typedef struct idle_ctx {
    const char *mailbox;
} idle_ctx;

static int idle_option(void *ctx, int id, const char *val)
{
    ((idle_ctx *)ctx)->mailbox = val;
    return id == OPT_MAILBOX ? 0 : CLI_EXIT_USAGE;
}

static void MAILWIRE_CALLBACK print_new(const IMAPMESSAGE *m, void *user)
{
    (void)user;
    char *line = cli_format_message(m);
    if (line) {
        printf("new\t%s\n", line);
        fflush(stdout);
    }
    free(line);
}

int cli_cmd_idle(cli_args *a)
{
    static const cli_opt opts[] = {
        CLI_CONN_OPTIONS, {"mailbox", 'm', 1, OPT_MAILBOX}, {NULL, 0, 0, 0}};
    cli_conn c = {0};
    idle_ctx ic = {0};
    cli_list pos = {0};
    int st = cli_imap_args(a, "idle", opts, &c, &ic, idle_option, &pos);
    if (st == 0 && pos.count)
        st = cli_usage_error("idle", "unexpected argument '%s'", pos.items[0]);
    cli_list_free(&pos);
    if (st != 0)
        return st < 0 ? CLI_EXIT_OK : st;
    /* Before any session (and any library thread) exists: see platform.c. */
    cli_interrupt_prepare();
    HCLIENT h;
    if ((st = cli_imap_open(&c, &h)) != CLI_EXIT_OK)
        return st;
    cli_interrupt_watch(h);
    const char *mailbox = cli_mailbox_of(&c, ic.mailbox);
    IMAPMAILBOX mb;
    unsigned count = 0;
    if (ImapExamineMailbox(h, mailbox, &mb) != 0) {
        st = cli_fail("mailbox");
        goto out;
    }
    count = mb.nMessages;
    {
        char *name = cli_printable(mailbox);
        fprintf(stderr, "mailwire: watching %s (%u message%s); Ctrl-C to stop\n", name ? name : "",
                count, count == 1 ? "" : "s");
        free(name);
    }
    fflush(stderr);
    while (!cli_interrupted()) {
        unsigned changes = 0, now = 0;
        /* A change reported while the last one was being fetched is in the count already:
         * report it before waiting again. */
        if (ImapGetMessageCount(h, &now) != 0)
            break;
        if (now == count) {
            /* IDLE until the first change (RFC 2177); re-issued well within the 30 minutes
             * a server may wait before it logs an idle client out. */
            if (ImapIdle(h, 25 * 60, IMAP_IDLE_WAIT, &changes) != 0) {
                if (!cli_interrupted())
                    st = cli_fail("idle");
                break;
            }
            if (cli_interrupted() || ImapGetMessageCount(h, &now) != 0)
                break;
        }
        if (now > count) {
            if (ImapGetNewestMessages(h, now - count, IMAP_INFO_ENVELOPE, print_new, NULL) != 0) {
                if (!cli_interrupted())
                    st = cli_fail("fetch");
                break;
            }
        } else if (now < count) {
            printf("expunged\t%u\t%u\n", count - now, now);
        } else if (changes) {
            printf("changed\t%u\t%u\n", changes, now);
        }
        fflush(stdout);
        count = now;
    }
out:
    cli_interrupt_done();
    ImapDisconnect(h);
    return st;
}
