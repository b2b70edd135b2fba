/* mailwire fetch UID: the message raw (standard output or a file), shown decoded, or its
 * attachments saved. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum { OPT_MAILBOX = 1, OPT_OUTPUT, OPT_SHOW, OPT_SAVE_ATTACHMENTS, OPT_SEEN };

typedef struct fetch_ctx {
    const char *mailbox, *output, *save_dir;
    int show, seen;
} fetch_ctx;

static int fetch_option(void *ctx, int id, const char *val)
{
    fetch_ctx *f = ctx;
    switch (id) {
    case OPT_MAILBOX:
        f->mailbox = val;
        break;
    case OPT_OUTPUT:
        f->output = val;
        break;
    case OPT_SHOW:
        f->show = 1;
        break;
    case OPT_SAVE_ATTACHMENTS:
        f->save_dir = val;
        break;
    case OPT_SEEN:
        f->seen = 1;
        break;
    default:
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static int MAILWIRE_CALLBACK to_stdout(unsigned id, uint32_t uid, const char *p, size_t n,
                                       uint64_t total, void *user)
{
    (void)id;
    (void)uid;
    (void)total;
    (void)user;
    return n && fwrite(p, 1, n, stdout) != n ? 1 : 0;
}

static int MAILWIRE_CALLBACK to_message(unsigned id, uint32_t uid, const char *p, size_t n,
                                        uint64_t total, void *user)
{
    (void)id;
    (void)uid;
    (void)total;
    return n && MimeImportWrite(user, p, n) != 0 ? 1 : 0;
}

static int parse_uid(const char *cmd, const char *s, unsigned *uid)
{
    unsigned long v;
    if (cli_parse_number(s, 0xFFFFFFFFul, &v) != 0)
        return cli_usage_error(cmd, "'%s' is not a UID (a number from 1)", s);
    *uid = (unsigned)v;
    return 0;
}

int cli_cmd_fetch(cli_args *a)
{
    static const cli_opt opts[] = {CLI_CONN_OPTIONS,
                                   {"mailbox", 'm', 1, OPT_MAILBOX},
                                   {"output", 'o', 1, OPT_OUTPUT},
                                   {"show", 0, 0, OPT_SHOW},
                                   {"save-attachments", 0, 1, OPT_SAVE_ATTACHMENTS},
                                   {"seen", 0, 0, OPT_SEEN},
                                   {NULL, 0, 0, 0}};
    cli_conn c = {0};
    fetch_ctx f = {0};
    cli_list pos = {0};
    unsigned uid = 0;
    int st = cli_imap_args(a, "fetch", opts, &c, &f, fetch_option, &pos);
    if (st == 0 && pos.count != 1)
        st = cli_usage_error("fetch", "%s", "give one UID (see 'mailwire list --mailbox NAME')");
    if (st == 0)
        st = parse_uid("fetch", pos.items[0], &uid);
    cli_list_free(&pos);
    if (st != 0)
        return st < 0 ? CLI_EXIT_OK : st;
    HCLIENT h;
    if ((st = cli_imap_open(&c, &h)) != CLI_EXIT_OK)
        return st;
    uint32_t fo = IMAP_FETCH_UID | (f.seen ? IMAP_FETCH_SEEN : 0u);
    HMESSAGE msg = INVALID_MESSAGE;
    int need_parse = f.show || f.save_dir;
    if ((f.seen ? ImapSelectMailbox(h, cli_mailbox_of(&c, f.mailbox), NULL)
                : ImapExamineMailbox(h, cli_mailbox_of(&c, f.mailbox), NULL)) != 0) {
        st = cli_fail("mailbox");
    } else if (f.output) {
        if (ImapSaveMessage(h, uid, fo, f.output) != 0)
            st = cli_fail("fetch");
        else if (need_parse) {
            msg = MimeCreateMessage();
            if (msg == INVALID_MESSAGE || MimeImportMessage(msg, f.output, 0) != 0)
                st = cli_fail("parse");
        }
    } else if (need_parse) {
        /* Parsed as it arrives: large bodies go to a temporary file, not memory (mime.h). */
        msg = MimeCreateMessage();
        if (msg == INVALID_MESSAGE || MimeImportBegin(msg, 0) != 0)
            st = cli_fail("parse");
        else if (ImapFetchMessage(h, uid, fo, NULL, 0, 0, to_message, msg) != 0)
            st = cli_fail("fetch");
        else if (MimeImportEnd(msg) != 0)
            st = cli_fail("parse");
    } else {
        cli_binary_stdout();
        if (ImapFetchMessage(h, uid, fo, NULL, 0, 0, to_stdout, NULL) != 0)
            st = cli_fail("fetch");
        if (fflush(stdout) != 0 && st == CLI_EXIT_OK) {
            fprintf(stderr, "mailwire: fetch: cannot write to standard output\n");
            st = CLI_EXIT_ERROR;
        }
    }
    ImapDisconnect(h);
    if (st == CLI_EXIT_OK && f.show)
        st = cli_show_message(msg, stdout);
    if (st == CLI_EXIT_OK && f.save_dir)
        st = cli_save_attachments(msg, f.save_dir);
    if (msg != INVALID_MESSAGE)
        MimeDeleteMessage(msg);
    return st;
}
