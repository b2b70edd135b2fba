/* The mailwire command-line tool: declarations shared by its files.
 *
 * The tool is an application of the library: it includes <mailwire/...> only and links the
 * installed library, so everything it does a program can do through the public API. Each
 * command lives in its own file (send.c, list.c, fetch.c, append.c, idle.c, parse_json.c); what is
 * platform-specific (terminal, signals, UTF-8 paths and arguments on Windows) is in platform.c and
 * secret.c. */
#ifndef MAILWIRE_CLI_H
#define MAILWIRE_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mailwire/common.h>
#include <mailwire/imap.h>
#include <mailwire/mime.h>
#include <mailwire/smtp.h>

/* Exit statuses (documented in --help and mailwire.1). */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_ERROR = 1,   /* anything else: a local file, a message that cannot be built */
    CLI_EXIT_USAGE = 2,   /* bad command line */
    CLI_EXIT_CONNECT = 3, /* name resolution, connection, TLS, certificate, timeout */
    CLI_EXIT_AUTH = 4,    /* credentials refused (or refused to be sent in clear) */
    CLI_EXIT_REFUSED = 5  /* the server refused a command, a recipient or the message */
};

/* A growable byte buffer (always NUL-terminated). */
typedef struct cli_buf {
    char *data;
    size_t len, cap;
} cli_buf;

int cli_buf_add(cli_buf *b, const void *p, size_t n);
int cli_buf_str(cli_buf *b, const char *s);
void cli_buf_free(cli_buf *b);

char *cli_strdup(const char *s);
/* A decimal number from 1 to max, digits only; 0, or -1 when it is not one. */
int cli_parse_number(const char *s, unsigned long max, unsigned long *out);

/* A list of strings given by repeated options (--to, --attach...). */
typedef struct cli_list {
    const char **items;
    size_t count;
} cli_list;

int cli_list_add(cli_list *l, const char *s);
void cli_list_free(cli_list *l);
/* "a, b, c" (caller frees), or NULL for an empty list. */
char *cli_list_join(const cli_list *l);

/* A server given as scheme://[user@]host[:port][/path]. */
typedef struct cli_url {
    char scheme[8]; /* smtp, smtps, imap, imaps */
    char host[256];
    char user[256];
    char path[1024]; /* percent-decoded, without the leading '/' */
    unsigned port;   /* 0: the scheme's default */
    int implicit_tls;
} cli_url;

/* Parses text; 0, or -1 with a message on stderr. want: "smtp" or "imap" (the s variant is
 * accepted too). */
int cli_url_parse(const char *text, const char *want, cli_url *out);

/* Options shared by every command that talks to a server. */
typedef struct cli_conn {
    const char *server;
    const char *user;
    const char *password_file;
    const char *password_env;
    const char *password; /* --password (warned about) */
    const char *ca_file;
    unsigned timeout;
    int starttls;
    int trace;
    cli_url url;
} cli_conn;

/* Option parsing. Each command has a table; cli_getopt() returns the id of the next option
 * (its value in *val), 0 for a positional argument (in *val), -1 at the end and -2 on an error
 * (reported on stderr). "--name=value" and "--name value" are both accepted; "--" ends the
 * options. The shared connection options are handled by cli_conn_option(). */
typedef struct cli_opt {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 for none */
    int has_arg;
    int id;
} cli_opt;

typedef struct cli_args {
    int argc;
    char **argv;
    int index;
    int no_more_options;
    const char *command;
} cli_args;

int cli_getopt(cli_args *a, const cli_opt *opts, const char **val);
/* Connection option ids start here; the table entries come from CLI_CONN_OPTIONS. */
enum {
    CLI_OPT_SERVER = 1000,
    CLI_OPT_USER,
    CLI_OPT_PASSWORD_FILE,
    CLI_OPT_PASSWORD_ENV,
    CLI_OPT_PASSWORD,
    CLI_OPT_CA_FILE,
    CLI_OPT_STARTTLS,
    CLI_OPT_TRACE,
    CLI_OPT_TIMEOUT,
    CLI_OPT_HELP
};
#define CLI_CONN_OPTIONS                                                                           \
    {"server", 's', 1, CLI_OPT_SERVER}, {"user", 'u', 1, CLI_OPT_USER},                            \
        {"password-file", 0, 1, CLI_OPT_PASSWORD_FILE},                                            \
        {"password-env", 0, 1, CLI_OPT_PASSWORD_ENV}, {"password", 0, 1, CLI_OPT_PASSWORD},        \
        {"ca-file", 0, 1, CLI_OPT_CA_FILE}, {"starttls", 0, 0, CLI_OPT_STARTTLS},                  \
        {"trace", 0, 0, CLI_OPT_TRACE}, {"timeout", 0, 1, CLI_OPT_TIMEOUT},                        \
    {                                                                                              \
        "help", 'h', 0, CLI_OPT_HELP                                                               \
    }
/* Applies a connection option; 0, or -1 after a usage error on stderr. */
int cli_conn_option(cli_conn *c, int id, const char *val);

/* Errors: prints "mailwire: WHAT: <error text> (<detail>)" from the calling thread's last
 * error and returns the exit status for it. */
int cli_fail(const char *what);
int cli_exit_status(unsigned error);
int cli_usage_error(const char *command, const char *fmt, const char *arg);

/* Connections: parse the URL, get the password, connect (trace, CA file), log in. Return an
 * exit status; *out is set on success. */
int cli_smtp_open(cli_conn *c, HCLIENT *out);
int cli_imap_open(cli_conn *c, HCLIENT *out);

/* Password: from --password-file, --password-env, --password (warned), MAILWIRE_PASSWORD,
 * or a prompt on the terminal without echo. Returns a heap copy (wipe with cli_secret_free)
 * or NULL after a message on stderr. */
char *cli_get_password(const cli_conn *c);
void cli_secret_free(char *s);
/* Platform part of the prompt: reads a line from the terminal without echo; NULL when there
 * is no terminal. */
char *cli_prompt_noecho(const char *prompt);

/* Files and platform helpers (platform.c). Paths are UTF-8 everywhere. */
FILE *cli_fopen(const char *path, const char *mode);
int cli_read_file(const char *path, cli_buf *out); /* "-": standard input */
int cli_isatty(FILE *f);
void cli_binary_stdout(void);
int cli_make_dir(const char *path); /* 0 also when it exists */
uint64_t cli_now_ms(void);
void cli_utf8_args(int *argc, char ***argv);
/* Ctrl-C / SIGINT / SIGTERM: cli_interrupt_prepare() before any session exists (blocks the
 * signals so that the library's threads never take them), cli_interrupt_watch() once the
 * session exists: an interrupt then sets the flag and cancels what runs on it. */
void cli_interrupt_prepare(void);
void cli_interrupt_watch(HCLIENT h);
void cli_interrupt_done(void);
int cli_interrupted(void);

/* Progress bar on stderr (progress.c); active only when stderr is a terminal. */
typedef struct cli_progress {
    int active;
    uint64_t start_ms, last_ms;
    int drawn;
} cli_progress;
void cli_progress_start(cli_progress *p, int enabled);
void cli_progress_update(cli_progress *p, uint64_t done, uint64_t total);
void cli_progress_end(cli_progress *p, int ok, uint64_t total);

/* Composing (send.c, also used by append). */
typedef struct cli_compose {
    const char *from, *subject, *text, *text_file, *html_file;
    cli_list to, cc, bcc, attach, headers;
} cli_compose;
/* Handles a compose option; 1 when it was one, 0 when not, -1 on a usage error. */
int cli_compose_option(cli_compose *m, int id, const char *val);
#define CLI_COMPOSE_OPTIONS                                                                        \
    {"from", 'f', 1, CLI_OPT_FROM}, {"to", 't', 1, CLI_OPT_TO}, {"cc", 0, 1, CLI_OPT_CC},          \
        {"bcc", 0, 1, CLI_OPT_BCC}, {"subject", 0, 1, CLI_OPT_SUBJECT},                            \
        {"text", 0, 1, CLI_OPT_TEXT}, {"text-file", 0, 1, CLI_OPT_TEXT_FILE},                      \
        {"html", 0, 1, CLI_OPT_HTML}, {"attach", 'a', 1, CLI_OPT_ATTACH},                          \
    {                                                                                              \
        "header", 0, 1, CLI_OPT_HEADER                                                             \
    }
enum {
    CLI_OPT_FROM = 2000,
    CLI_OPT_TO,
    CLI_OPT_CC,
    CLI_OPT_BCC,
    CLI_OPT_SUBJECT,
    CLI_OPT_TEXT,
    CLI_OPT_TEXT_FILE,
    CLI_OPT_HTML,
    CLI_OPT_ATTACH,
    CLI_OPT_HEADER
};
/* Builds the message; returns an exit status, *out set on success. read_stdin: take the text
 * from standard input when no text, text file or HTML was given. */
int cli_compose_build(const cli_compose *m, int read_stdin, HMESSAGE *out);
void cli_compose_free(cli_compose *m);

/* Showing and saving parsed messages (show.c). */
int cli_show_message(HMESSAGE h, FILE *out);
int cli_save_attachments(HMESSAGE h, const char *dir);
/* Text safe to print on a terminal: C0/C1 controls and DEL become spaces (a subject cannot
 * move the cursor or change the terminal's settings). Returns a heap copy. */
char *cli_printable(const char *s);
/* A header value decoded (MimeGetMessageHeader), heap copy; NULL when absent. */
char *cli_header(HMESSAGE h, int part, const char *name);
/* ISO 8601 text of a time and offset: "2026-12-05T04:05:06+01:00". */
void cli_iso8601(int64_t t, int offset_min, char out[96]);

/* Shared by the IMAP commands (imap_common.c). cli_imap_args() parses the command line:
 * connection options into *c, the command's own through `own` (0, or an exit status),
 * positional arguments into *pos; it returns 0, an exit status, or -1 after --help. */
typedef int (*cli_own_option)(void *ctx, int id, const char *val);
int cli_imap_args(cli_args *a, const char *cmd, const cli_opt *opts, cli_conn *c, void *ctx,
                  cli_own_option own, cli_list *pos);
const char *cli_mailbox_of(const cli_conn *c, const char *opt);
/* "UID<TAB>date<TAB>from<TAB>subject<TAB>size<TAB>flags" (heap), decoded and printable. */
char *cli_format_message(const IMAPMESSAGE *m);
/* IMAPMESSAGEPROC adding cli_format_message() lines to the cli_list given as user data. */
void MAILWIRE_CALLBACK cli_collect_message(const IMAPMESSAGE *m, void *user);

/* The commands. */
int cli_cmd_send(cli_args *a);
int cli_cmd_list(cli_args *a);
int cli_cmd_fetch(cli_args *a);
int cli_cmd_append(cli_args *a);
int cli_cmd_idle(cli_args *a);
int cli_cmd_parse(cli_args *a);

/* Help texts (main.c). */
void cli_help(const char *command, FILE *out);

#endif /* MAILWIRE_CLI_H */
