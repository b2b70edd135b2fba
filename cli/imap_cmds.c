/* The IMAP commands: list (mailboxes, or the newest messages of one), fetch (one message by
 * UID: raw, shown decoded, attachments saved), append (a file or a composed message) and
 * idle (one line per change until interrupted). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum {
    OPT_MAILBOX = 1,
    OPT_NEWEST,
    OPT_OUTPUT,
    OPT_SHOW,
    OPT_SAVE_ATTACHMENTS,
    OPT_FLAGS,
    OPT_CREATE,
    OPT_SEEN
};

/* The mailbox: --mailbox, else the URL's path, else INBOX. */
static const char *mailbox_of(const cli_conn *c, const char *opt)
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
static char *format_message(const IMAPMESSAGE *m)
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

static void MAILWIRE_CALLBACK collect(const IMAPMESSAGE *m, void *user)
{
    char *line = format_message(m);
    if (line)
        cli_list_add(user, line);
}

/* Parses the command line of an IMAP command: the connection options, the command's own
 * (handled by the caller through `own`), positional arguments into *pos. */
typedef int (*own_option)(void *ctx, int id, const char *val);

static int parse(cli_args *a, const char *cmd, const cli_opt *opts, cli_conn *c, void *ctx,
                 own_option own, cli_list *pos)
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

/* ---- list ---- */

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
    int st = parse(a, "list", opts, &c, &l, list_option, &pos);
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
        else if (ImapGetNewestMessages(h, l.newest, IMAP_INFO_ENVELOPE, collect, &lines) != 0)
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

/* ---- fetch ---- */

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
    int st = parse(a, "fetch", opts, &c, &f, fetch_option, &pos);
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
    if ((f.seen ? ImapSelectMailbox(h, mailbox_of(&c, f.mailbox), NULL)
                : ImapExamineMailbox(h, mailbox_of(&c, f.mailbox), NULL)) != 0) {
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

/* ---- append ---- */

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

static int MAILWIRE_CALLBACK spool_write(void *user, const void *p, size_t n)
{
    return fwrite(p, 1, n, user) == n ? 0 : 1;
}

static long MAILWIRE_CALLBACK spool_read(char *buf, size_t n, void *user)
{
    size_t got = fread(buf, 1, n, user);
    return got == 0 && ferror((FILE *)user) ? -1 : (long)got;
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
    int st = parse(a, "append", opts, &c, &ap, append_option, &pos);
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
    FILE *spool = NULL;
    uint64_t size = 0;
    if (!file) {
        HMESSAGE msg;
        st = cli_compose_build(m, 0, &msg);
        cli_compose_free(&ap.m);
        if (st != CLI_EXIT_OK)
            return st;
        /* Spooled to an anonymous temporary file: the message object writes by pushing, the
         * APPEND literal is pulled, and attachments are never all held in memory. */
        spool = tmpfile();
        if (!spool || MimeGetMessageSize(msg, 0, &size) != 0 ||
            MimeExportMessageEx(msg, 0, spool_write, spool) != 0 || fflush(spool) != 0) {
            st = spool ? cli_fail("message") : CLI_EXIT_ERROR;
            if (!spool)
                fprintf(stderr, "mailwire: cannot create a temporary file\n");
            MimeDeleteMessage(msg);
            if (spool)
                fclose(spool);
            return st;
        }
        MimeDeleteMessage(msg);
        rewind(spool);
    } else {
        cli_compose_free(&ap.m);
    }
    HCLIENT h;
    if ((st = cli_imap_open(&c, &h)) != CLI_EXIT_OK) {
        if (spool)
            fclose(spool);
        return st;
    }
    const char *mailbox = mailbox_of(&c, ap.mailbox);
    /* --create: a mailbox that exists already is no error (RFC 9051 section 6.3.4: NO). */
    if (ap.create && ImapCreateMailbox(h, mailbox) != 0 &&
        MailwireGetLastError() != ST_ERROR_SERVER_PERMANENT)
        st = cli_fail("create");
    uint32_t uid = 0;
    if (st == CLI_EXIT_OK) {
        int rc =
            file ? ImapCreateMessageFromFile(h, mailbox, ap.flags, NULL, file, &uid)
                 : ImapCreateMessageEx(h, mailbox, ap.flags, NULL, size, spool_read, spool, &uid);
        if (rc != 0)
            st = cli_fail("append");
        else
            printf("%u\n", (unsigned)uid);
    }
    ImapDisconnect(h);
    if (spool)
        fclose(spool);
    return st;
}

/* ---- idle ---- */

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
    char *line = format_message(m);
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
    int st = parse(a, "idle", opts, &c, &ic, idle_option, &pos);
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
    const char *mailbox = mailbox_of(&c, ic.mailbox);
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
