/* libuv_send_fetch: send one message and fetch it back, on a libuv loop (no thread, no poll
 * loop of its own): <mailwire/adapters/libuv.h> drives each session, and the
 * MAILWIRE_EVENT_COMPLETE handler starts the next step.
 *
 *   libuv_send_fetch HOST SMTP_PORT IMAP_PORT USER PASSWORD ADDRESS [CAFILE]
 *
 * SMTP on SMTP_PORT with STARTTLS and AUTH as USER sends a message from and to ADDRESS; IMAP on
 * IMAP_PORT with STARTTLS logs in as USER, searches INBOX for the message's subject (again
 * every 200 ms, from a uv timer, until it has been delivered, up to 20 s), fetches it and
 * prints it. While that runs, a 10 ms timer on the same loop measures the longest time the
 * loop was kept busy. uv_run() returns when nothing is left to do: the drivers of closed
 * sessions have closed their handles. Exit status 0 when the message came back as sent. */

/* libuv's headers use POSIX types that strict C11 (-std=c11) does not declare by itself. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include <mailwire/adapters/libuv.h>
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
    uv_loop_t *loop;
    const char *host, *user, *password, *address;
    unsigned smtp_port, imap_port;
    SECURITYCREDENTIALS cred;
    enum step step;
    HCLIENT smtp, imap;
    char subject[64], criteria[80], message[512];
    uint32_t ids[1];
    size_t nids;
    int searches;
    uv_timer_t retry, ticker;
    char fetched[8192];
    size_t fetched_len;
    int status;
    uint64_t last_tick, longest_gap;
} app;

static void MAILWIRE_CALLBACK on_complete(HCLIENT h, unsigned event, unsigned error, void *user);

/* The end, good or bad: close what is open; uv_run() returns once the handles are closed. */
static void finish(app *a)
{
    if (a->smtp != INVALID_CLIENT)
        SmtpDisconnect(a->smtp);
    if (a->imap != INVALID_CLIENT)
        ImapDisconnect(a->imap);
    a->smtp = a->imap = INVALID_CLIENT;
    if (!uv_is_closing((uv_handle_t *)&a->ticker)) {
        uv_close((uv_handle_t *)&a->retry, NULL);
        uv_close((uv_handle_t *)&a->ticker, NULL);
    }
}

static void fail(app *a, unsigned error)
{
    fprintf(stderr, "%s: %s (%s)\n", step_names[a->step], MailwireGetErrorString(error),
            MailwireGetLastErrorDetail());
    a->status = 1;
    finish(a);
}

/* A call that starts an operation returns MAILWIRE_IN_PROGRESS; its end comes to
 * on_complete(). Anything else is a refusal on the spot. */
static void started(app *a, enum step step, int result)
{
    a->step = step;
    if (result != MAILWIRE_IN_PROGRESS)
        fail(a, MailwireGetLastError());
}

static void search_again(uv_timer_t *timer)
{
    app *a = timer->data;
    a->nids = 1;
    started(a, IMAP_SEARCH, ImapSearchMailbox(a->imap, NULL, a->criteria, 0, a->ids, &a->nids));
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
        SmtpDisconnect(h); /* allowed in a handler; the driver goes with the session */
        a->smtp = INVALID_CLIENT;
        a->imap = ImapAsyncConnect(a->host, a->imap_port, 20, IMAP_OPTION_SECURE, &a->cred);
        if (a->imap == INVALID_CLIENT || !mailwire_uv_attach(a->imap, a->loop)) {
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
        search_again(&a->retry);
        break;
    case IMAP_SEARCH:
        if (a->nids == 0) {
            if (++a->searches == 100) { /* 20 s */
                fprintf(stderr, "the message did not arrive\n");
                fail(a, ST_ERROR_TIMEOUT);
                return;
            }
            uv_timer_start(&a->retry, search_again, 200, 0); /* delivery is asynchronous */
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
            memcmp(a->fetched + a->fetched_len - strlen(a->message), a->message,
                   strlen(a->message)) != 0) {
            fprintf(stderr, "the message came back changed\n");
            a->status = 1;
        }
        finish(a);
        break;
    }
}

static void tick(uv_timer_t *timer)
{
    app *a = timer->data;
    uint64_t now = uv_hrtime();
    if (a->last_tick && now - a->last_tick > a->longest_gap)
        a->longest_gap = now - a->last_tick;
    a->last_tick = now;
}

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: %s HOST SMTP_PORT IMAP_PORT USER PASSWORD ADDRESS [CAFILE]\n",
                argv[0]);
        return 2;
    }
    static app a; /* zeroed */
    a.loop = uv_default_loop();
    a.host = argv[1];
    a.smtp_port = (unsigned)atoi(argv[2]);
    a.imap_port = (unsigned)atoi(argv[3]);
    a.user = argv[4];
    a.password = argv[5];
    a.address = argv[6];
    a.cred.dwSize = sizeof a.cred;
    a.cred.lpszCAFile = argc > 7 && argv[7][0] ? argv[7] : NULL;
    snprintf(a.subject, sizeof a.subject, "libuv sample %llu.%ld", (unsigned long long)uv_hrtime(),
             (long)time(NULL));
    snprintf(a.criteria, sizeof a.criteria, "SUBJECT \"%s\"", a.subject);
    snprintf(a.message, sizeof a.message,
             "From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\n"
             "Sent and fetched back by samples/libuv/libuv_send_fetch.c.\r\n"
             ".A line that starts with a dot comes back as it was.\r\n",
             a.address, a.address, a.subject);

    uv_timer_init(a.loop, &a.retry);
    a.retry.data = &a;
    uv_timer_init(a.loop, &a.ticker);
    a.ticker.data = &a;
    uv_timer_start(&a.ticker, tick, 10, 10);
    a.smtp = SmtpAsyncConnect(a.host, a.smtp_port, 20, SMTP_OPTION_SECURE, NULL, &a.cred);
    if (a.smtp == INVALID_CLIENT || !mailwire_uv_attach(a.smtp, a.loop)) {
        fprintf(stderr, "SMTP: %s\n", MailwireGetLastErrorDetail());
        return 1;
    }
    SmtpRegisterEvent(a.smtp, SMTP_EVENT_COMPLETE, on_complete, &a);
    a.step = SMTP_CONNECT;
    uv_run(a.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(a.loop) != 0) {
        fprintf(stderr, "a handle was left open on the loop\n");
        a.status = 1;
    }
    printf("longest time the loop was busy: %.1f ms\n", (double)a.longest_gap / 1e6);
    return a.status;
}
