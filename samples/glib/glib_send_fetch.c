/* glib_send_fetch: send one message and fetch it back, on a GLib main loop (no GTK, no thread,
 * no poll loop of its own): <mailwire/adapters/glib.h> drives each session, and the
 * MAILWIRE_EVENT_COMPLETE handler starts the next step.
 *
 *   glib_send_fetch HOST SMTP_PORT IMAP_PORT USER PASSWORD ADDRESS [CAFILE]
 *
 * SMTP on SMTP_PORT with STARTTLS and AUTH as USER sends a message from and to ADDRESS; IMAP on
 * IMAP_PORT with STARTTLS logs in as USER, searches INBOX for the message's subject (again
 * every 200 ms, from a GLib timeout, until it has been delivered, up to 20 s), fetches it and
 * prints it. While that runs, a 10 ms timer on the same loop measures the longest time the
 * loop was kept busy. Exit status 0 when the message came back as sent. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include <mailwire/adapters/glib.h>
#include <mailwire/imap.h>
#include <mailwire/smtp.h>

enum step {
    SMTP_CONNECT,
    SMTP_AUTH,
    SMTP_SEND,
    IMAP_CONNECT,
    IMAP_LOGIN,
    IMAP_SELECT,
    IMAP_SEARCH,
    IMAP_FETCH
};
static const char *const step_names[] = {"SMTP connect", "SMTP AUTH",  "SMTP send",
                                         "IMAP connect", "IMAP login", "IMAP select",
                                         "IMAP search",  "IMAP fetch"};

typedef struct app {
    GMainLoop *loop;
    const char *host, *user, *password, *address;
    unsigned smtp_port, imap_port;
    SECURITYCREDENTIALS cred;
    enum step step;
    HCLIENT smtp, imap;
    char subject[64], criteria[80], message[512];
    uint32_t ids[1];
    size_t nids;
    int searches;
    char fetched[8192];
    size_t fetched_len;
    int status;
    gint64 last_tick, longest_gap;
} app;

static void MAILWIRE_CALLBACK on_complete(HCLIENT h, unsigned event, unsigned error, void *user);

static void fail(app *a, unsigned error)
{
    fprintf(stderr, "%s: %s (%s)\n", step_names[a->step], MailwireGetErrorString(error),
            MailwireGetLastErrorDetail());
    a->status = 1;
    if (a->smtp != INVALID_CLIENT)
        SmtpDisconnect(a->smtp);
    if (a->imap != INVALID_CLIENT)
        ImapDisconnect(a->imap);
    a->smtp = a->imap = INVALID_CLIENT;
    g_main_loop_quit(a->loop);
}

/* A call that starts an operation returns MAILWIRE_IN_PROGRESS; its end comes to
 * on_complete(). Anything else is a refusal on the spot. */
static void started(app *a, enum step step, int result)
{
    a->step = step;
    if (result != MAILWIRE_IN_PROGRESS)
        fail(a, MailwireGetLastError());
}

static gboolean search_again(gpointer user)
{
    app *a = user;
    a->nids = 1;
    started(a, IMAP_SEARCH, ImapSearchMailbox(a->imap, NULL, a->criteria, 0, a->ids, &a->nids));
    return G_SOURCE_REMOVE;
}

static void MAILWIRE_CALLBACK on_complete(HCLIENT h, unsigned event, unsigned error, void *user)
{
    app *a = user;
    (void)event;
    if (error) {
        fail(a, error);
        return;
    }
    switch (a->step) {
    case SMTP_CONNECT:
        started(a, SMTP_AUTH, SmtpAuthenticate(h, SMTP_AUTH_AUTO, a->user, a->password));
        break;
    case SMTP_AUTH:
        started(a, SMTP_SEND,
                SmtpSendMessage(h, a->address, a->address, a->message, 0, SMTP_MESSAGE_MEMORY));
        break;
    case SMTP_SEND:
        printf("sent: %s\n", a->subject);
        SmtpDisconnect(h); /* allowed in a handler; the source goes with the session */
        a->smtp = INVALID_CLIENT;
        a->imap = ImapAsyncConnect(a->host, a->imap_port, 20, IMAP_OPTION_SECURE, &a->cred);
        if (a->imap == INVALID_CLIENT || !mailwire_glib_attach(a->imap, NULL)) {
            fail(a, MailwireGetLastError());
            return;
        }
        ImapRegisterEvent(a->imap, IMAP_EVENT_COMPLETE, on_complete, a);
        a->step = IMAP_CONNECT;
        break;
    case IMAP_CONNECT:
        started(a, IMAP_LOGIN, ImapLogin(h, IMAP_AUTH_AUTO, a->user, a->password));
        break;
    case IMAP_LOGIN:
        started(a, IMAP_SELECT, ImapSelectMailbox(h, "INBOX", NULL));
        break;
    case IMAP_SELECT:
        search_again(a);
        break;
    case IMAP_SEARCH:
        if (a->nids == 0) {
            if (++a->searches == 100) { /* 20 s */
                fprintf(stderr, "the message did not arrive\n");
                fail(a, ST_ERROR_TIMEOUT);
                return;
            }
            g_timeout_add(200, search_again, a); /* delivery is asynchronous */
            break;
        }
        a->fetched_len = sizeof a->fetched;
        started(a, IMAP_FETCH, ImapGetMessage(h, a->ids[0], 0, a->fetched, &a->fetched_len, 0));
        break;
    case IMAP_FETCH:
        printf("fetched message %u, %zu bytes:\n%.*s", (unsigned)a->ids[0], a->fetched_len,
               (int)a->fetched_len, a->fetched);
        /* The server adds trace headers in front; the rest is what was sent. */
        if (a->fetched_len < strlen(a->message) ||
            strcmp(a->fetched + a->fetched_len - strlen(a->message), a->message) != 0) {
            fprintf(stderr, "the message came back changed\n");
            a->status = 1;
        }
        ImapDisconnect(h);
        a->imap = INVALID_CLIENT;
        g_main_loop_quit(a->loop);
        break;
    }
}

static gboolean tick(gpointer user)
{
    app *a = user;
    gint64 now = g_get_monotonic_time();
    if (a->last_tick && now - a->last_tick > a->longest_gap)
        a->longest_gap = now - a->last_tick;
    a->last_tick = now;
    return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: %s HOST SMTP_PORT IMAP_PORT USER PASSWORD ADDRESS [CAFILE]\n",
                argv[0]);
        return 2;
    }
    static app a; /* zeroed */
    a.host = argv[1];
    a.smtp_port = (unsigned)atoi(argv[2]);
    a.imap_port = (unsigned)atoi(argv[3]);
    a.user = argv[4];
    a.password = argv[5];
    a.address = argv[6];
    a.cred.dwSize = sizeof a.cred;
    a.cred.lpszCAFile = argc > 7 && argv[7][0] ? argv[7] : NULL;
    snprintf(a.subject, sizeof a.subject, "glib sample %ld.%ld", (long)g_get_real_time(),
             (long)g_random_int_range(0, 1000000));
    snprintf(a.criteria, sizeof a.criteria, "SUBJECT \"%s\"", a.subject);
    snprintf(a.message, sizeof a.message,
             "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\n"
             "Sent and fetched back by samples/glib/glib_send_fetch.c.\r\n"
             ".A line that starts with a dot comes back as it was.\r\n",
             a.address, a.address, a.subject);

    a.loop = g_main_loop_new(NULL, FALSE);
    guint ticker = g_timeout_add(10, tick, &a);
    a.smtp = SmtpAsyncConnect(a.host, a.smtp_port, 20, SMTP_OPTION_SECURE, NULL, &a.cred);
    if (a.smtp == INVALID_CLIENT || !mailwire_glib_attach(a.smtp, NULL)) {
        fprintf(stderr, "SMTP: %s\n", MailwireGetLastErrorDetail());
        return 1;
    }
    SmtpRegisterEvent(a.smtp, SMTP_EVENT_COMPLETE, on_complete, &a);
    a.step = SMTP_CONNECT;
    g_main_loop_run(a.loop);
    /* A closed session's source removes itself on the next iteration: let that happen. */
    g_source_remove(ticker);
    while (g_main_context_iteration(NULL, FALSE))
        ;
    g_main_loop_unref(a.loop);
    printf("longest time the loop was busy: %.1f ms\n", (double)a.longest_gap / 1000.0);
    return a.status;
}
