/* Opening a session for a command: the server URL, TLS (implicit, or STARTTLS made mandatory
 * by --starttls), the CA file, the trace, the password and the login. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* --trace: the library's own trace, which never carries a password, a token or an AUTH
 * response ("<redacted N bytes>" in their place, common.h), one line per protocol line on
 * stderr, "C: " sent, "S: " received, "* " notes. */
static void MAILWIRE_CALLBACK trace_line(HCLIENT h, unsigned dir, const char *data, size_t n,
                                         void *user)
{
    static int at_line_start = 1;
    (void)h;
    (void)user;
    const char *prefix = dir == MAILWIRE_TRACE_SENT       ? "C: "
                         : dir == MAILWIRE_TRACE_RECEIVED ? "S: "
                                                          : "* ";
    for (size_t i = 0; i < n; i++) {
        if (at_line_start) {
            fputs(prefix, stderr);
            at_line_start = 0;
        }
        unsigned char c = (unsigned char)data[i];
        if (c == '\r')
            continue;
        /* What the server sends is shown, but never as terminal control sequences. */
        fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F ? '.' : (int)c, stderr);
        if (c == '\n')
            at_line_start = 1;
    }
    if (dir == MAILWIRE_TRACE_INFO && !at_line_start) {
        fputc('\n', stderr);
        at_line_start = 1;
    }
}

static int prepare(cli_conn *c, const char *proto, SECURITYCREDENTIALS *cred)
{
    if (!c->server) {
        fprintf(stderr, "mailwire: no server: give --server %s://HOST[:PORT] or %ss://...\n", proto,
                proto);
        return CLI_EXIT_USAGE;
    }
    if (cli_url_parse(c->server, proto, &c->url) != 0)
        return CLI_EXIT_USAGE;
    if (c->starttls && c->url.implicit_tls) {
        fprintf(stderr, "mailwire: --starttls goes with %s://, not %ss:// (TLS from the start)\n",
                proto, proto);
        return CLI_EXIT_USAGE;
    }
    if (!c->user && c->url.user[0])
        c->user = c->url.user;
    memset(cred, 0, sizeof *cred);
    cred->dwSize = sizeof *cred;
    cred->lpszCAFile = c->ca_file;
    if (c->trace)
        MailwireSetDefaultTrace(trace_line, NULL);
    return CLI_EXIT_OK;
}

int cli_smtp_open(cli_conn *c, HCLIENT *out)
{
    SECURITYCREDENTIALS cred;
    int st = prepare(c, "smtp", &cred);
    if (st != CLI_EXIT_OK)
        return st;
    char *password = NULL;
    if (c->user && !(password = cli_get_password(c)))
        return CLI_EXIT_USAGE;
    /* EHLO always; a refused recipient fails the whole send (msmtp does the same): a
     * command-line send is all or nothing, never a silent partial delivery. */
    uint32_t opts = SMTP_OPTION_EXTENDED | SMTP_OPTION_ALLRECIPIENTS;
    if (c->url.implicit_tls)
        opts |= SMTP_OPTION_SECURE_IMPLICIT;
    else if (c->starttls)
        opts |= SMTP_OPTION_SECURE;
    unsigned port = c->url.port ? c->url.port : (c->url.implicit_tls ? 465u : 25u);
    HCLIENT h = SmtpConnect(c->url.host, port, c->timeout, opts, NULL, &cred);
    if (h == INVALID_CLIENT) {
        cli_secret_free(password);
        return cli_fail("connect");
    }
    if (password) {
        int rc = SmtpAuthenticate(h, SMTP_AUTH_AUTO, c->user, password);
        cli_secret_free(password);
        if (rc != 0) {
            st = cli_fail("authentication");
            SmtpDisconnect(h);
            return st;
        }
    }
    *out = h;
    return CLI_EXIT_OK;
}

int cli_imap_open(cli_conn *c, HCLIENT *out)
{
    SECURITYCREDENTIALS cred;
    int st = prepare(c, "imap", &cred);
    if (st != CLI_EXIT_OK)
        return st;
    if (!c->user) {
        fprintf(stderr, "mailwire: IMAP needs a user name: --user NAME\n");
        return CLI_EXIT_USAGE;
    }
    char *password = cli_get_password(c);
    if (!password)
        return CLI_EXIT_USAGE;
    uint32_t opts = IMAP_OPTION_NONE;
    if (c->url.implicit_tls)
        opts |= IMAP_OPTION_SECURE_IMPLICIT;
    else if (c->starttls)
        opts |= IMAP_OPTION_SECURE;
    unsigned port = c->url.port ? c->url.port : (c->url.implicit_tls ? 993u : 143u);
    HCLIENT h = ImapConnect(c->url.host, port, c->timeout, opts, &cred);
    if (h == INVALID_CLIENT) {
        cli_secret_free(password);
        return cli_fail("connect");
    }
    int rc = ImapLogin(h, IMAP_AUTH_AUTO, c->user, password);
    cli_secret_free(password);
    if (rc != 0) {
        st = cli_fail("login");
        ImapDisconnect(h);
        return st;
    }
    *out = h;
    return CLI_EXIT_OK;
}
