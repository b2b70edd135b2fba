/* mailwire send: compose a message with the message object (mime.h) and send it with
 * SmtpSendMimeMessage(), or send a ready message file (--raw) with SmtpSendMessage(). The
 * composing half is shared with `mailwire append`. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_compose_option(cli_compose *m, int id, const char *val)
{
    switch (id) {
    case CLI_OPT_FROM:
        m->from = val;
        return 1;
    case CLI_OPT_TO:
        return cli_list_add(&m->to, val) == 0 ? 1 : -1;
    case CLI_OPT_CC:
        return cli_list_add(&m->cc, val) == 0 ? 1 : -1;
    case CLI_OPT_BCC:
        return cli_list_add(&m->bcc, val) == 0 ? 1 : -1;
    case CLI_OPT_SUBJECT:
        m->subject = val;
        return 1;
    case CLI_OPT_TEXT:
        m->text = val;
        return 1;
    case CLI_OPT_TEXT_FILE:
        m->text_file = val;
        return 1;
    case CLI_OPT_HTML:
        m->html_file = val;
        return 1;
    case CLI_OPT_ATTACH:
        return cli_list_add(&m->attach, val) == 0 ? 1 : -1;
    case CLI_OPT_HEADER:
        return cli_list_add(&m->headers, val) == 0 ? 1 : -1;
    default:
        return 0;
    }
}

void cli_compose_free(cli_compose *m)
{
    cli_list_free(&m->to);
    cli_list_free(&m->cc);
    cli_list_free(&m->bcc);
    cli_list_free(&m->attach);
    cli_list_free(&m->headers);
}

static int set_list(HMESSAGE h, const char *name, const cli_list *l)
{
    char *v = cli_list_join(l);
    if (!v)
        return 0;
    int rc = MimeSetMessageHeader(h, 0, name, v);
    free(v);
    return rc;
}

static int read_text(const char *path, cli_buf *b, const char *what)
{
    if (cli_read_file(path, b) != 0) {
        fprintf(stderr, "mailwire: cannot read the %s '%s'\n", what, path);
        return -1;
    }
    return 0;
}

int cli_compose_build(const cli_compose *m, int read_stdin, HMESSAGE *out)
{
    HMESSAGE h = MimeCreateMessage();
    if (h == INVALID_MESSAGE)
        return cli_fail("message");
    int st = CLI_EXIT_OK;
    cli_buf text = {0}, html = {0};
    const char *what = "From";
    if ((m->from && MimeSetMessageHeader(h, 0, "From", m->from) != 0) ||
        (what = "To", set_list(h, "To", &m->to) != 0) ||
        (what = "Cc", set_list(h, "Cc", &m->cc) != 0) ||
        (what = "Bcc", set_list(h, "Bcc", &m->bcc) != 0) ||
        (what = "Subject", m->subject && MimeSetMessageHeader(h, 0, "Subject", m->subject) != 0)) {
        char msg[64];
        snprintf(msg, sizeof msg, "the %s field", what);
        st = cli_fail(msg);
        goto out;
    }
    for (size_t i = 0; i < m->headers.count; i++) {
        const char *hv = m->headers.items[i], *colon = strchr(hv, ':');
        if (!colon || colon == hv) {
            st = cli_usage_error("send", "--header wants 'Name: value', not '%s'", hv);
            goto out;
        }
        char name[128];
        size_t n = (size_t)(colon - hv);
        if (n >= sizeof name) {
            st = cli_usage_error("send", "header name too long in '%s'", hv);
            goto out;
        }
        memcpy(name, hv, n);
        name[n] = '\0';
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        if (MimeAddMessageHeader(h, 0, name, v) != 0) {
            st = cli_fail("--header");
            goto out;
        }
    }
    const char *body = m->text;
    if (!body && m->text_file) {
        if (read_text(m->text_file, &text, "text file") != 0) {
            st = CLI_EXIT_ERROR;
            goto out;
        }
        body = text.data;
    } else if (!body && !m->html_file && read_stdin) {
        if (cli_isatty(stdin))
            fprintf(stderr, "mailwire: reading the text from standard input (end with Ctrl-D; "
                            "--text \"\" for none)\n");
        if (read_text("-", &text, "text on standard input") != 0) {
            st = CLI_EXIT_ERROR;
            goto out;
        }
        body = text.data;
    }
    if (body && MimeSetMessageText(h, body, NULL) != 0) {
        st = cli_fail("the text");
        goto out;
    }
    if (m->html_file) {
        if (read_text(m->html_file, &html, "HTML file") != 0) {
            st = CLI_EXIT_ERROR;
            goto out;
        }
        if (MimeSetMessageHTML(h, html.data, NULL) != 0) {
            st = cli_fail("the HTML");
            goto out;
        }
    }
    for (size_t i = 0; i < m->attach.count; i++) {
        if (MimeAttachFile(h, m->attach.items[i], NULL, 0) < 0) {
            char msg[1200];
            snprintf(msg, sizeof msg, "attachment '%s'", m->attach.items[i]);
            st = cli_fail(msg);
            goto out;
        }
    }
out:
    cli_buf_free(&text);
    cli_buf_free(&html);
    if (st != CLI_EXIT_OK) {
        MimeDeleteMessage(h);
        return st;
    }
    *out = h;
    return CLI_EXIT_OK;
}

/* The envelope of a --raw message when not given: From (Sender with several), and every
 * address of To, Cc and Bcc, parsed by the message object (from the file, or from the bytes
 * read from standard input). */
static int envelope_from_file(const char *path, const cli_buf *data, char **from, char **rcpts)
{
    HMESSAGE h = MimeCreateMessage();
    if (h == INVALID_MESSAGE || (data ? MimeImportMessageData(h, data->data, data->len, 0)
                                      : MimeImportMessage(h, path, 0)) != 0) {
        int st = cli_fail("--raw");
        MimeDeleteMessage(h);
        return st;
    }
    cli_buf r = {0};
    char name[512], addr[1024];
    static const char *const fields[] = {"To", "Cc", "Bcc"};
    for (size_t f = 0; f < 3; f++) {
        int n = MimeGetAddressCount(h, 0, fields[f]);
        for (int i = 0; i < n; i++) {
            if (MimeGetAddress(h, 0, fields[f], i, name, sizeof name, addr, sizeof addr) != 0)
                continue;
            if ((r.len && cli_buf_str(&r, ", ") != 0) || cli_buf_str(&r, addr) != 0)
                break;
        }
    }
    const char *sender_field = MimeGetAddressCount(h, 0, "From") == 1 ? "From" : "Sender";
    if (!*from && MimeGetAddress(h, 0, sender_field, 0, name, sizeof name, addr, sizeof addr) == 0)
        *from = cli_strdup(addr);
    if (!*rcpts)
        *rcpts = r.data;
    else
        cli_buf_free(&r);
    MimeDeleteMessage(h);
    return CLI_EXIT_OK;
}

static cli_progress g_progress;

static void MAILWIRE_CALLBACK on_progress(HCLIENT h, unsigned ev, unsigned err, void *user)
{
    (void)ev;
    (void)err;
    (void)user;
    SMTPTRANSFERSTATUS s;
    memset(&s, 0, sizeof s);
    s.dwSize = sizeof s;
    if (SmtpGetTransferStatus(h, &s) == 0)
        cli_progress_update(&g_progress, s.qwBytesCopied, s.qwBytesTotal);
}

enum { OPT_RAW = 1, OPT_NO_PROGRESS };

int cli_cmd_send(cli_args *a)
{
    static const cli_opt opts[] = {CLI_CONN_OPTIONS,
                                   CLI_COMPOSE_OPTIONS,
                                   {"raw", 0, 1, OPT_RAW},
                                   {"no-progress", 0, 0, OPT_NO_PROGRESS},
                                   {NULL, 0, 0, 0}};
    cli_conn conn = {0};
    cli_compose m = {0};
    const char *raw = NULL, *val;
    int progress = 1, id, st = CLI_EXIT_OK;
    while ((id = cli_getopt(a, opts, &val)) != -1) {
        if (id == -2) {
            st = CLI_EXIT_USAGE;
            goto done;
        }
        if (id == CLI_OPT_HELP) {
            cli_help("send", stdout);
            goto done;
        }
        if (id == 0) {
            st = cli_usage_error("send", "unexpected argument '%s'", val);
            goto done;
        }
        int r = cli_compose_option(&m, id, val);
        if (r < 0) {
            st = CLI_EXIT_ERROR;
            goto done;
        }
        if (r > 0)
            continue;
        if (id == OPT_RAW)
            raw = val;
        else if (id == OPT_NO_PROGRESS)
            progress = 0;
        else if (cli_conn_option(&conn, id, val) != 0) {
            st = cli_usage_error("send", "bad value '%s'", val ? val : "");
            goto done;
        }
    }
    if (raw &&
        (m.subject || m.text || m.text_file || m.html_file || m.attach.count || m.headers.count)) {
        st = cli_usage_error("send", "%s",
                             "--raw sends a ready message: no --subject, --text, "
                             "--html, --attach or --header with it");
        goto done;
    }
    if (!raw && m.to.count + m.cc.count + m.bcc.count == 0) {
        st = cli_usage_error("send", "%s", "no recipient: give --to, --cc or --bcc");
        goto done;
    }
    if (!raw && !m.from) {
        st = cli_usage_error("send", "%s", "no sender: give --from ADDRESS");
        goto done;
    }

    HMESSAGE msg = INVALID_MESSAGE;
    char *from = NULL, *rcpts = NULL;
    /* --raw -: the message from standard input, held in memory (a file is streamed). */
    cli_buf stdin_msg = {0};
    int raw_stdin = raw && strcmp(raw, "-") == 0;
    if (raw_stdin && cli_read_file("-", &stdin_msg) != 0) {
        fprintf(stderr, "mailwire: cannot read the message from standard input\n");
        st = CLI_EXIT_ERROR;
        goto free_env;
    }
    if (!raw) {
        st = cli_compose_build(&m, 1, &msg);
        if (st != CLI_EXIT_OK)
            goto done;
    } else {
        if (m.from)
            from = cli_strdup(m.from);
        cli_list all = {0};
        for (size_t i = 0; i < m.to.count; i++)
            cli_list_add(&all, m.to.items[i]);
        for (size_t i = 0; i < m.cc.count; i++)
            cli_list_add(&all, m.cc.items[i]);
        for (size_t i = 0; i < m.bcc.count; i++)
            cli_list_add(&all, m.bcc.items[i]);
        rcpts = cli_list_join(&all);
        cli_list_free(&all);
        if ((!from || !rcpts) && (st = envelope_from_file(raw, raw_stdin ? &stdin_msg : NULL, &from,
                                                          &rcpts)) != CLI_EXIT_OK)
            goto free_env;
        if (!from || !rcpts || !*rcpts) {
            st = cli_usage_error("send", "%s",
                                 "--raw: no sender or recipient in the message; "
                                 "give --from and --to");
            goto free_env;
        }
    }

    HCLIENT h;
    st = cli_smtp_open(&conn, &h);
    if (st == CLI_EXIT_OK) {
        cli_progress_start(&g_progress, progress && !conn.trace);
        if (g_progress.active)
            SmtpRegisterEvent(h, SMTP_EVENT_PROGRESS, on_progress, NULL);
        int rc = raw_stdin ? SmtpSendMessage(h, from, rcpts, stdin_msg.data, stdin_msg.len,
                                             SMTP_MESSAGE_MEMORY)
                 : raw     ? SmtpSendMessage(h, from, rcpts, raw, 0, SMTP_MESSAGE_FILE)
                           : SmtpSendMimeMessage(h, msg, NULL, NULL, 0);
        SMTPTRANSFERSTATUS s;
        memset(&s, 0, sizeof s);
        s.dwSize = sizeof s;
        SmtpGetTransferStatus(h, &s);
        cli_progress_end(&g_progress, rc == 0, s.qwBytesTotal);
        if (rc != 0) {
            st = cli_fail("send");
            /* Which recipients the server refused, and why. */
            int n = SmtpGetRecipientCount(h);
            for (int i = 0; i < n; i++) {
                SMTPRECIPIENT r;
                memset(&r, 0, sizeof r);
                r.dwSize = sizeof r;
                if (SmtpGetRecipientResult(h, (unsigned)i, &r) == 0 && r.nResultCode >= 400) {
                    char *t = cli_printable(r.lpszResultString ? r.lpszResultString : "");
                    fprintf(stderr, "mailwire: recipient %s refused: %d %s\n",
                            r.lpszAddress ? r.lpszAddress : "?", r.nResultCode, t ? t : "");
                    free(t);
                }
            }
        }
        SmtpDisconnect(h);
    }
free_env:
    cli_buf_free(&stdin_msg);
    free(from);
    free(rcpts);
    if (msg != INVALID_MESSAGE)
        MimeDeleteMessage(msg);
done:
    cli_compose_free(&m);
    return st;
}
