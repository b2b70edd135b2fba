/* mailwire: send, list, fetch, append, watch and parse mail from the command line, with the
 * mailwire library (see mailwire.1). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <mailwire/version.h>

static const char *const g_conn_help =
    "Server options:\n"
    "  -s, --server URL       smtp://HOST[:PORT] (25), smtps://HOST[:PORT] (465, TLS from the\n"
    "                         start); imap://HOST[:PORT] (143), imaps://HOST[:PORT] (993).\n"
    "                         A user may be given as scheme://USER@HOST.\n"
    "      --starttls         with smtp:// or imap://: upgrade with STARTTLS, and fail rather\n"
    "                         than go on in clear when the server does not offer it\n"
    "  -u, --user NAME        log in as NAME (SMTP: optional; IMAP: required)\n"
    "      --password-file F  the password is the first line of F\n"
    "      --password-env VAR the password is in the environment variable VAR\n"
    "                         (MAILWIRE_PASSWORD is used when set and nothing else is given)\n"
    "      --password P       works, but other users can see it: warns on stderr\n"
    "                         (without any of these: asked on the terminal, not echoed)\n"
    "      --ca-file FILE     trust the CA certificates in FILE (PEM) as well as the system's\n"
    "      --timeout SECONDS  per step (connect, each reply); default 20\n"
    "      --trace            print the protocol dialogue on stderr (passwords and AUTH\n"
    "                         exchanges are redacted by the library)\n";

static const char *const g_compose_help =
    "Message options:\n"
    "  -f, --from ADDRESS     sender: \"Name <addr@example.org>\" or addr@example.org\n"
    "  -t, --to ADDRESS       recipient (repeatable; a value may hold a comma-separated list)\n"
    "      --cc ADDRESS       copy recipient (repeatable)\n"
    "      --bcc ADDRESS      blind copy (repeatable; in the envelope, never in the header)\n"
    "      --subject TEXT     subject (UTF-8; encoded as RFC 2047 needs)\n"
    "      --text TEXT        the plain text\n"
    "      --text-file FILE   the plain text from FILE ('-': standard input)\n"
    "      --html FILE        an HTML body (with a text: multipart/alternative)\n"
    "  -a, --attach FILE      attach FILE (repeatable; streamed, never read into memory)\n"
    "      --header 'N: V'    add a header field (repeatable)\n";

static const char *const g_exit_help =
    "Exit status: 0 success, 1 other error (a local file, a message), 2 usage, 3 connection or\n"
    "TLS (resolution, refused, timeout, certificate), 4 authentication, 5 server refusal (a\n"
    "command, a recipient or the message).\n";

void cli_help(const char *command, FILE *out)
{
    if (!command) {
        fputs("Usage: mailwire COMMAND [OPTIONS]\n"
              "\n"
              "Commands:\n"
              "  send     compose and send a message over SMTP (or send a ready one: --raw)\n"
              "  list     list the mailboxes, or the newest messages of one (IMAP)\n"
              "  fetch    fetch one message by UID: raw, shown decoded, attachments saved\n"
              "  append   store a message file or a composed message in a mailbox\n"
              "  idle     print one line per change of a mailbox until interrupted\n"
              "  parse    parse a message file; --json for a machine-readable view\n"
              "\n"
              "mailwire COMMAND --help describes a command; mailwire --version.\n"
              "\n",
              out);
        fputs(g_exit_help, out);
        return;
    }
    if (strcmp(command, "send") == 0) {
        fputs("Usage: mailwire send --server URL --from ADDRESS --to ADDRESS [OPTIONS]\n"
              "       mailwire send --server URL --raw FILE [--from ADDRESS] [--to ADDRESS...]\n"
              "\n"
              "Composes a message and sends it. Without --text, --text-file or --html the text\n"
              "is read from standard input. With --raw the file is sent as it is; the envelope\n"
              "comes from --from/--to/--cc/--bcc, else from its From, To, Cc and Bcc fields.\n"
              "A progress bar (bytes, rate, time left) is drawn on stderr when stderr is a\n"
              "terminal. Every recipient must be accepted, or nothing is sent.\n"
              "\n",
              out);
        fputs(g_compose_help, out);
        fputs(
            "      --raw FILE         send FILE, a whole message, as it is ('-': standard input)\n"
            "      --no-progress      no progress bar\n\n",
            out);
    } else if (strcmp(command, "list") == 0) {
        fputs("Usage: mailwire list --server URL --user NAME [--mailbox NAME [--newest N]]\n"
              "\n"
              "Without --mailbox: one line per mailbox, NAME<TAB>MESSAGES<TAB>UNSEEN<TAB>\n"
              "ATTRIBUTES (counts are '-' when the server cannot send them with the list).\n"
              "With --mailbox (or imap://HOST/MAILBOX): its newest N messages (default 20),\n"
              "newest first, UID<TAB>DATE<TAB>FROM<TAB>SUBJECT<TAB>SIZE<TAB>FLAGS, the date in\n"
              "ISO 8601, from and subject decoded to UTF-8. Nothing is changed on the server.\n"
              "\n"
              "  -m, --mailbox NAME     the mailbox (UTF-8)\n"
              "  -n, --newest N         how many messages\n\n",
              out);
    } else if (strcmp(command, "fetch") == 0) {
        fputs("Usage: mailwire fetch --server URL --user NAME [--mailbox NAME] [OPTIONS] UID\n"
              "\n"
              "Fetches one message by UID: as it is on standard output (or into --output),\n"
              "or with --show decoded, as a mail reader shows it, with its attachment list.\n"
              "\\Seen is left alone unless --seen.\n"
              "\n"
              "  -m, --mailbox NAME     the mailbox (default INBOX)\n"
              "  -o, --output FILE      write the message to FILE\n"
              "      --show             print the header, the text and the attachment list\n"
              "      --save-attachments DIR\n"
              "                         save each attachment into DIR (created when missing;\n"
              "                         names are sanitised, existing files never replaced)\n"
              "      --seen             mark the message \\Seen\n\n",
              out);
    } else if (strcmp(command, "append") == 0) {
        fputs("Usage: mailwire append --server URL --user NAME [--mailbox NAME] FILE\n"
              "       mailwire append --server URL --user NAME [--mailbox NAME] --from ...\n"
              "\n"
              "Stores a message file, or a message composed with the message options (as for\n"
              "send), in a mailbox (default INBOX) and prints its UID (0 when the server does\n"
              "not say).\n"
              "\n"
              "  -m, --mailbox NAME     the mailbox\n"
              "      --create           create the mailbox first when it does not exist\n"
              "      --flags LIST       seen, answered, flagged, draft, deleted (commas)\n\n",
              out);
        fputs(g_compose_help, out);
        fputc('\n', out);
    } else if (strcmp(command, "idle") == 0) {
        fputs("Usage: mailwire idle --server URL --user NAME [--mailbox NAME]\n"
              "\n"
              "Watches a mailbox (default INBOX) with IDLE and prints one line per change\n"
              "until interrupted (Ctrl-C, SIGINT, SIGTERM: exit status 0):\n"
              "  new<TAB>UID<TAB>DATE<TAB>FROM<TAB>SUBJECT<TAB>SIZE<TAB>FLAGS\n"
              "  expunged<TAB>COUNT<TAB>MESSAGES-LEFT\n"
              "  changed<TAB>COUNT<TAB>MESSAGES      (flags changed)\n"
              "\n"
              "  -m, --mailbox NAME     the mailbox\n\n",
              out);
    } else if (strcmp(command, "parse") == 0) {
        fputs("Usage: mailwire parse FILE [--json]\n"
              "\n"
              "Parses a message file ('-': standard input) and shows it as fetch --show does,\n"
              "or with --json prints: headers [{name, value}] decoded to UTF-8, subject,\n"
              "message_id, from/to/cc/reply_to [{name, address}], date (ISO 8601), text (the\n"
              "plain text, else the HTML), and parts: each leaf part's content_type, charset,\n"
              "filename, disposition, content_id, and size and sha256 of its decoded content.\n"
              "\n",
              out);
        fputs(g_exit_help, out);
        return;
    }
    fputs(g_conn_help, out);
    fputc('\n', out);
    fputs(g_exit_help, out);
}

int main(int argc, char **argv)
{
    cli_utf8_args(&argc, &argv);
    if (argc < 2) {
        cli_help(NULL, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        if (argc > 2 && strcmp(cmd, "help") == 0)
            cli_help(argv[2], stdout);
        else
            cli_help(NULL, stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
        printf("mailwire %s (library %s)\n", MAILWIRE_VERSION_STRING, MailwireGetVersion());
        return CLI_EXIT_OK;
    }
    static const struct {
        const char *name;
        int (*run)(cli_args *);
    } commands[] = {{"send", cli_cmd_send},     {"list", cli_cmd_list}, {"fetch", cli_cmd_fetch},
                    {"append", cli_cmd_append}, {"idle", cli_cmd_idle}, {"parse", cli_cmd_parse}};
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(cmd, commands[i].name) == 0) {
            cli_args a = {argc, argv, 2, 0, commands[i].name};
            /* The last MailwireUninitialize() lets a trust-store load that a failed TLS
             * connection left running end before the process does (include/mailwire/common.h:
             * under Wine an exit in the middle of it holds up other programs). */
            int init = MailwireInitialize();
            int st = commands[i].run(&a);
            if (init)
                MailwireUninitialize();
            if (fflush(stdout) != 0 && st == CLI_EXIT_OK) {
                fprintf(stderr, "mailwire: cannot write to standard output\n");
                st = CLI_EXIT_ERROR;
            }
            return st;
        }
    }
    return cli_usage_error(NULL, "unknown command '%s'", cmd);
}
