/* smtp_nonblocking: one thread drives several non-blocking SMTP sessions with poll(): each
 * connects (STARTTLS when the server offers it is not assumed: plain unless MW_SMTP_SECURE=1),
 * sends a few messages with SmtpSendMessage() and disconnects. Progress is reported from the
 * COMMAND and PROGRESS events.
 *
 * usage: smtp_nonblocking [host [port [sessions [messages [from [to]]]]]]
 * Defaults (or environment): MW_SMTP_HOST localhost, MW_SMTP_PORT 25, 4 sessions, 5 messages
 * each, MW_SMTP_FROM sample@localhost, MW_SMTP_TO the sender; MW_SMTP_CA extra trust anchors.
 * poll() on POSIX, WSAPoll() (the same call and structure) on Windows. Exit status 0 when every
 * message was accepted. */
#ifdef _WIN32
#include <winsock2.h> /* WSAPoll, WSAPOLLFD; the library has started Winsock by then */
typedef WSAPOLLFD pollfd_t;
#define poll_sockets(fds, n, timeout) WSAPoll((fds), (ULONG)(n), (timeout))
#else
#include <poll.h>
typedef struct pollfd pollfd_t;
#define poll_sockets(fds, n, timeout) poll((fds), (nfds_t)(n), (timeout))
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/smtp.h>

#define MAX_SESSIONS 64

typedef struct session {
    HCLIENT h;
    int connected, sent, done, failed;
    unsigned long progress_events;
    char msg[256];
} session;

static const char *arg(int argc, char **argv, int i, const char *env, const char *def)
{
    if (i < argc && argv[i][0])
        return argv[i];
    const char *v = getenv(env);
    return v && *v ? v : def;
}

static void MAILWIRE_CALLBACK on_event(HCLIENT h, unsigned ev, unsigned err, void *user)
{
    session *s = user;
    if (ev == SMTP_EVENT_PROGRESS) {
        s->progress_events++;
        return;
    }
    if (ev == SMTP_EVENT_COMMAND && err != 0)
        printf("session %p: server refused: %d\n", (void *)h, SmtpGetResultCode(h));
}

static int start_send(session *s, int index, const char *from, const char *to)
{
    snprintf(s->msg, sizeof s->msg,
             "From: <%s>\r\nTo: <%s>\r\nSubject: non-blocking sample %d/%d\r\n\r\n"
             "sent by samples/c/smtp_nonblocking.c\r\n",
             from, to, index, s->sent);
    return SmtpSendMessage(s->h, from, to, s->msg, 0, SMTP_MESSAGE_MEMORY);
}

int main(int argc, char **argv)
{
    const char *host = arg(argc, argv, 1, "MW_SMTP_HOST", "localhost");
    unsigned port = (unsigned)atoi(arg(argc, argv, 2, "MW_SMTP_PORT", "25"));
    int nsess = atoi(arg(argc, argv, 3, "MW_SMTP_SESSIONS", "4"));
    int nmsg = atoi(arg(argc, argv, 4, "MW_SMTP_MESSAGES", "5"));
    const char *from = arg(argc, argv, 5, "MW_SMTP_FROM", "sample@localhost");
    const char *to = arg(argc, argv, 6, "MW_SMTP_TO", from);
    const char *ca = arg(argc, argv, 7, "MW_SMTP_CA", "");
    uint32_t options = SMTP_OPTION_EXTENDED;
    if (getenv("MW_SMTP_SECURE") && strcmp(getenv("MW_SMTP_SECURE"), "1") == 0)
        options |= SMTP_OPTION_SECURE;
    if (nsess < 1 || nsess > MAX_SESSIONS || nmsg < 1) {
        fprintf(stderr, "sessions must be 1..%d and messages at least 1\n", MAX_SESSIONS);
        return 1;
    }
    SECURITYCREDENTIALS cred;
    memset(&cred, 0, sizeof cred);
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = *ca ? ca : NULL;

    static session ss[MAX_SESSIONS];
    for (int i = 0; i < nsess; i++) {
        ss[i].h = SmtpAsyncConnect(host, port, 20, options, NULL, &cred);
        if (ss[i].h == INVALID_CLIENT) {
            fprintf(stderr, "connect %d: %s\n", i, MailwireGetLastErrorDetail());
            return 1;
        }
        SmtpRegisterEvent(ss[i].h, SMTP_EVENT_PROGRESS, on_event, &ss[i]);
        SmtpRegisterEvent(ss[i].h, SMTP_EVENT_COMMAND, on_event, &ss[i]);
    }
    int finished = 0, failures = 0;
    while (finished < nsess) {
        pollfd_t pfd[MAX_SESSIONS];
        int who[MAX_SESSIONS], n = 0, timeout = -1;
        for (int i = 0; i < nsess; i++) {
            if (ss[i].done)
                continue;
            MAILWIRE_SOCKET sock;
            unsigned events;
            int t;
            SmtpGetPollInfo(ss[i].h, &sock, &events, &t);
            pfd[n].fd = sock;
            pfd[n].events = (short)(((events & MAILWIRE_POLL_READ) ? POLLIN : 0) |
                                    ((events & MAILWIRE_POLL_WRITE) ? POLLOUT : 0));
            pfd[n].revents = 0;
            who[n++] = i;
            if (t >= 0 && (timeout < 0 || t < timeout))
                timeout = t;
        }
        if (poll_sockets(pfd, n, timeout) < 0) {
            perror("poll");
            return 1;
        }
        for (int k = 0; k < n; k++) {
            session *s = &ss[who[k]];
            int r = SmtpExecute(s->h);
            if (r == SMTP_IN_PROGRESS)
                continue;
            if (r == SMTP_ERROR) {
                fprintf(stderr, "session %d: %s (%s)\n", who[k],
                        SmtpGetErrorText(SmtpGetLastError()), MailwireGetLastErrorDetail());
                s->failed = s->done = 1;
                failures++;
                finished++;
                continue;
            }
            if (!s->connected)
                s->connected = 1;
            else
                s->sent++;
            if (s->sent == nmsg) {
                s->done = 1;
                finished++;
                printf("session %d: %d messages accepted (%lu progress events)\n", who[k], s->sent,
                       s->progress_events);
            } else if (start_send(s, who[k], from, to) == SMTP_ERROR) {
                fprintf(stderr, "session %d: %s\n", who[k], MailwireGetLastErrorDetail());
                s->failed = s->done = 1;
                failures++;
                finished++;
            }
        }
    }
    for (int i = 0; i < nsess; i++)
        SmtpDisconnect(ss[i].h);
    return failures ? 1 : 0;
}
