/* mailwire append: a message file, or a message composed as for send, stored in a mailbox. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_MAILBOX = 1, OPT_FLAGS, OPT_CREATE };

typedef struct append_ctx {
    const char *mailbox;
    uint32_t flags;
    int create;
    cli_compose m;
} append_ctx;

static int append_option(void *ctx, int id, const char *val)
{
    append_ctx *ap = ctx;
    int r = cli_compose_option(&ap->m, id, val);
    if (r != 0)
        return r > 0 ? 0 : CLI_EXIT_ERROR;
    if (id == OPT_MAILBOX) {
        ap->mailbox = val;
    } else if (id == OPT_CREATE) {
        ap->create = 1;
    } else if (id == OPT_FLAGS) {
        static const struct {
            const char *name;
            uint32_t bit;
        } names[] = {{"seen", IMAP_FLAG_SEEN},
                     {"answered", IMAP_FLAG_ANSWERED},
                     {"flagged", IMAP_FLAG_URGENT},
                     {"draft", IMAP_FLAG_DRAFT},
                     {"deleted", IMAP_FLAG_DELETED}};
        const char *p = val;
        while (*p) {
            size_t n = strcspn(p, ", ");
            size_t i;
            for (i = 0; i < sizeof names / sizeof names[0]; i++)
                if (strlen(names[i].name) == n && strncmp(names[i].name, p, n) == 0)
                    break;
            if (i == sizeof names / sizeof names[0])
                return cli_usage_error("append",
                                       "unknown flag in '%s' (seen, answered, "
                                       "flagged, draft, deleted)",
                                       val);
            ap->flags |= names[i].bit;
            p += n;
            p += strspn(p, ", ");
        }
    } else {
        return CLI_EXIT_USAGE;
    }
    return 0;
}

int cli_cmd_append(cli_args *a)
{
    static const cli_opt opts[] = {
        CLI_CONN_OPTIONS,           CLI_COMPOSE_OPTIONS,          {"mailbox", 'm', 1, OPT_MAILBOX},
        {"flags", 0, 1, OPT_FLAGS}, {"create", 0, 0, OPT_CREATE}, {NULL, 0, 0, 0}};
    cli_conn c = {0};
    append_ctx ap;
    memset(&ap, 0, sizeof ap);
    cli_list pos = {0};
    int st = cli_imap_args(a, "append", opts, &c, &ap, append_option, &pos);
    const cli_compose *m = &ap.m;
    int composing = m->from || m->to.count || m->cc.count || m->subject || m->text ||
                    m->text_file || m->html_file || m->attach.count || m->headers.count;
    if (st == 0 && pos.count > 1)
        st = cli_usage_error("append", "unexpected argument '%s'", pos.items[1]);
    if (st == 0 && pos.count == 1 && composing)
        st = cli_usage_error("append", "%s", "give a message FILE or compose options, not both");
    if (st == 0 && pos.count == 0 && !composing)
        st = cli_usage_error("append", "%s",
                             "give a message FILE, or compose one (--from, "
                             "--to, --subject, --text...)");
    const char *file = pos.count ? pos.items[0] : NULL;
    cli_list_free(&pos);
    if (st != 0) {
        cli_compose_free(&ap.m);
        return st < 0 ? CLI_EXIT_OK : st;
    }
    HMESSAGE msg = NULL;
    if (!file) {
        st = cli_compose_build(m, 0, &msg);
        cli_compose_free(&ap.m);
        if (st != CLI_EXIT_OK)
            return st;
    } else {
        cli_compose_free(&ap.m);
    }
    HCLIENT h;
    if ((st = cli_imap_open(&c, &h)) != CLI_EXIT_OK) {
        if (msg)
            MimeDeleteMessage(msg);
        return st;
    }
    const char *mailbox = cli_mailbox_of(&c, ap.mailbox);
    /* --create: a mailbox that exists already is no error (RFC 9051 section 6.3.4: NO). */
    if (ap.create && ImapCreateMailbox(h, mailbox) != 0 &&
        MailwireGetLastError() != ST_ERROR_SERVER_PERMANENT)
        st = cli_fail("create");
    uint32_t uid = 0;
    if (st == CLI_EXIT_OK) {
        /* A composed message streams from the message object into the APPEND literal, its
         * length known beforehand: attachments are never all held in memory. */
        int rc = file ? ImapCreateMessageFromFile(h, mailbox, ap.flags, NULL, file, &uid)
                      : ImapAppendMimeMessage(h, mailbox, msg, ap.flags, NULL, 0, &uid);
        if (rc != 0)
            st = cli_fail("append");
        else
            printf("%u\n", (unsigned)uid);
    }
    ImapDisconnect(h);
    if (msg)
        MimeDeleteMessage(msg);
    return st;
}
