/* mw_bench_smtp: mailwire as an SMTP load client, for scripts/bench.sh. Public API only.
 *
 *   mw_bench_smtp -p PORT -F MESSAGE [-h HOST] [-m COUNT] [-s SESSIONS] [-S] [-a CAFILE]
 *                 [-C] [-T SECONDS] [-f FROM] [-t TO] [-w TIMEOUT]
 *
 *   -F MESSAGE  the message file (sent as it is, from memory; every client of the benchmark
 *               sends the same file)
 *   -m COUNT    messages in total (default 1000)
 *   -s N        0 (default): one blocking connection, SmtpConnect + SmtpSendMessage COUNT
 *               times. N >= 1: N non-blocking sessions (SmtpAsyncConnect) driven by this one
 *               thread with SmtpGetPollInfo + poll() + SmtpExecute; each session takes the
 *               next message as soon as it is done with one (smtp-source -s N does the same),
 *               so COUNT is shared by all of them.
 *   -S          STARTTLS (SMTP_OPTION_SECURE), verified against -a CAFILE
 *   -C          SMTP_OPTION_NOCHUNKING: DATA even when the server offers CHUNKING
 *   -T SECONDS  stop starting messages after SECONDS (0: no limit); the count actually sent
 *               is printed, so a very slow path costs bounded time and still gives its rate
 *   -w TIMEOUT  the session timeout in seconds (default 60)
 *   -P          pass MESSAGE to SmtpSendMessage as a file path (SMTP_MESSAGE_FILE) instead of
 *               reading it into memory
 *   -B N        send N messages per SmtpSendMessages() call (the next envelope pipelined
 *               behind each message's data); 0 (default): one SmtpSendMessage() per message
 *
 * Prints one line of key=value pairs on stdout: sent=, failed=, seconds= (from the first
 * connect to the last reply), msg_per_s=, tls= (negotiated protocol and suite, or none).
 * With -s, also how long the calls that start non-blocking work took (the target is under a
 * millisecond each, whatever the message size): start_max_ms= (SmtpAsyncConnect and
 * SmtpSendMessage, the slowest), start_med_ms= (median), step_max_ms= (the slowest
 * SmtpExecute, which bounds how long an event loop is held per wake-up) and connect_max_ms=
 * (the slowest SmtpAsyncConnect alone), and start_cpu_max_ms= (the most CPU time the calling
 * thread spent in one of those starting calls: on a loaded machine a call's wall time also
 * holds the time the scheduler gave to other processes).
 * The exit status is 0 when every message started was accepted. The process figures (wall,
 * CPU, peak RSS) are taken from outside by mw_bench_run, as for the other clients. */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mailwire/smtp.h>

typedef struct options {
    const char *host, *from, *to, *file, *ca;
    unsigned port, timeout, sessions, batch;
    unsigned long count;
    double budget;
    uint32_t flags;
} options;

typedef struct message {
    char *data;
    size_t size;
    const char *path; /* -P: sent from this file */
} message;

/* Durations of the calls that start non-blocking work, and the slowest SmtpExecute. */
typedef struct timing {
    double *starts;
    size_t n, cap;
    double step_max;
    double connect_max; /* the slowest SmtpAsyncConnect alone */
    double cpu_max;     /* the most CPU time the calling thread spent in one starting call */
} timing;

/* What the run did: filled by both modes, printed by main. */
typedef struct result {
    unsigned long started, sent, failed;
    char tls[160];
} result;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the calling thread: a starting call's wall time on a loaded machine includes
 * the time the scheduler gave other processes (100 smtpd on 2 cores), which is not work the
 * call does; this is. */
static double thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void note_cpu(timing *t, double seconds)
{
    if (seconds > t->cpu_max)
        t->cpu_max = seconds;
}

static int load(const char *path, message *m)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    m->data = malloc(n > 0 ? (size_t)n : 1);
    m->size = n > 0 ? (size_t)n : 0;
    if (!m->data || fread(m->data, 1, m->size, f) != m->size) {
        fprintf(stderr, "%s: cannot read\n", path);
        fclose(f);
        return -1;
    }
    fclose(f);
    return 0;
}

static void note_start(timing *t, double seconds)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        double *p = realloc(t->starts, cap * sizeof *p);
        if (!p)
            return;
        t->starts = p;
        t->cap = cap;
    }
    t->starts[t->n++] = seconds;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int start_send(const message *m, HCLIENT h, const options *o)
{
    if (m->path)
        return SmtpSendMessage(h, o->from, o->to, m->path, 0, SMTP_MESSAGE_FILE);
    return SmtpSendMessage(h, o->from, o->to, m->data, m->size, SMTP_MESSAGE_MEMORY);
}

/* -B: n messages in one SmtpSendMessages() call over b (room for o->batch elements). */
static int start_batch(const message *m, HCLIENT h, const options *o, SMTPBATCHMESSAGE *b,
                       unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        memset(&b[i], 0, sizeof b[i]);
        b[i].dwSize = sizeof b[i];
        b[i].lpszFrom = o->from;
        b[i].lpszRecipients = o->to;
        b[i].lpvMessage = m->path ? (const void *)m->path : m->data;
        b[i].cbMessage = m->path ? 0 : m->size;
        b[i].dwOptions = m->path ? SMTP_MESSAGE_FILE : SMTP_MESSAGE_MEMORY;
    }
    return SmtpSendMessages(h, b, n, 0);
}

/* How many of a finished batch's n messages were accepted. */
static unsigned batch_ok(const SMTPBATCHMESSAGE *b, unsigned n)
{
    unsigned ok = 0;
    for (unsigned i = 0; i < n; i++)
        ok += b[i].dwError == 0;
    return ok;
}

/* The next batch's size: o->batch, or what is left. */
static unsigned batch_take(const options *o, const result *r)
{
    unsigned long left = o->count - r->started;
    return left < o->batch ? (unsigned)left : o->batch;
}

static void note_tls(HCLIENT h, result *r)
{
    SECURITYINFO si;
    memset(&si, 0, sizeof si);
    si.dwSize = sizeof si;
    if (r->tls[0] || SmtpGetSecurityInfo(h, &si) != 0)
        return;
    if (si.szProtocol[0])
        snprintf(r->tls, sizeof r->tls, "%s/%s", si.szProtocol, si.szCipherSuite);
}

static void report_error(const char *what, unsigned long n)
{
    /* The first few failures are enough to see what went wrong; thousands would drown it. */
    if (n <= 5)
        fprintf(stderr, "mw_bench_smtp: %s: %s (%s)\n", what, SmtpGetErrorText(SmtpGetLastError()),
                MailwireGetLastErrorDetail());
}

static int run_blocking(const options *o, const SECURITYCREDENTIALS *cred, const message *m,
                        result *r, double t0)
{
    HCLIENT h = SmtpConnect(o->host, o->port, o->timeout, o->flags, "localhost", cred);
    if (h == INVALID_CLIENT) {
        report_error("connect", 1);
        return -1;
    }
    note_tls(h, r);
    SMTPBATCHMESSAGE *b = o->batch ? calloc(o->batch, sizeof *b) : NULL;
    while (b && r->started < o->count && (o->budget <= 0 || now() - t0 < o->budget)) {
        unsigned k = batch_take(o, r);
        r->started += k;
        int rc = start_batch(m, h, o, b, k);
        unsigned ok = batch_ok(b, k);
        r->sent += ok;
        r->failed += k - ok;
        if (rc != 0) {
            report_error("send", r->failed);
            if (SmtpGetLastError() != ST_ERROR_SERVER_PERMANENT &&
                SmtpGetLastError() != ST_ERROR_SERVER_TEMPORARY &&
                SmtpGetLastError() != ST_ERROR_NO_VALID_RECIPIENTS)
                break;
        }
    }
    free(b);
    while (!o->batch && r->started < o->count && (o->budget <= 0 || now() - t0 < o->budget)) {
        r->started++;
        if (start_send(m, h, o) == 0) {
            r->sent++;
        } else {
            report_error("send", ++r->failed);
            if (SmtpGetLastError() != ST_ERROR_SERVER_PERMANENT &&
                SmtpGetLastError() != ST_ERROR_SERVER_TEMPORARY)
                break; /* the session is gone */
        }
    }
    SmtpDisconnect(h);
    return 0;
}

enum { S_CONNECTING, S_SENDING, S_DONE };

typedef struct session {
    HCLIENT h;
    int state;
    SMTPBATCHMESSAGE *b; /* -B: the batch in flight */
    unsigned bn;
    double due; /* when SmtpExecute must run even without socket events */
} session;

/* Reads the session's wishes into its pollfd slot; one call per Execute, not per poll. */
static void refresh(session *s, struct pollfd *p)
{
    MAILWIRE_SOCKET sock;
    unsigned ev = 0;
    int ms = -1;
    if (SmtpGetPollInfo(s->h, &sock, &ev, &ms) != 0) {
        s->due = now();
        return;
    }
    p->fd = sock;
    p->events = (short)(((ev & MAILWIRE_POLL_READ) ? POLLIN : 0) |
                        ((ev & MAILWIRE_POLL_WRITE) ? POLLOUT : 0));
    p->revents = 0;
    s->due = ms < 0 ? 1e300 : now() + ms / 1000.0;
}

static int run_sessions(const options *o, const SECURITYCREDENTIALS *cred, const message *m,
                        result *r, double t0, timing *tm)
{
    unsigned n = o->sessions, active = 0;
    session *ss = calloc(n, sizeof *ss);
    struct pollfd *pfd = calloc(n, sizeof *pfd);
    if (!ss || !pfd)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        pfd[i].fd = -1;
        double c0 = now(), u0 = thread_cpu();
        ss[i].h = SmtpAsyncConnect(o->host, o->port, o->timeout, o->flags, "localhost", cred);
        note_cpu(tm, thread_cpu() - u0);
        note_start(tm, now() - c0);
        if (now() - c0 > tm->connect_max)
            tm->connect_max = now() - c0;
        if (ss[i].h == INVALID_CLIENT) {
            report_error("async connect", ++r->failed);
            ss[i].state = S_DONE;
            continue;
        }
        ss[i].state = S_CONNECTING;
        active++;
        refresh(&ss[i], &pfd[i]);
    }
    unsigned long errors = 0;
    while (active) {
        double t = now(), first = 1e300;
        for (unsigned i = 0; i < n; i++)
            if (ss[i].state != S_DONE && ss[i].due < first)
                first = ss[i].due;
        int ms = first >= 1e299 ? -1 : first <= t ? 0 : (int)((first - t) * 1000.0) + 1;
        if (poll(pfd, n, ms) < 0) {
            perror("poll");
            return -1;
        }
        t = now();
        for (unsigned i = 0; i < n; i++) {
            session *s = &ss[i];
            if (s->state == S_DONE || (!pfd[i].revents && s->due > t))
                continue;
            double e0 = now();
            int rc = SmtpExecute(s->h);
            if (now() - e0 > tm->step_max)
                tm->step_max = now() - e0;
            if (rc == SMTP_IN_PROGRESS) {
                refresh(s, &pfd[i]);
                continue;
            }
            if (rc == SMTP_ERROR) {
                report_error(s->state == S_CONNECTING ? "connect" : "send", ++errors);
                if (s->state == S_SENDING && !o->batch)
                    r->failed++;
            } else if (s->state == S_CONNECTING) {
                note_tls(s->h, r);
                s->state = S_SENDING;
            } else if (!o->batch) {
                r->sent++;
            }
            if (s->state == S_SENDING && o->batch && s->bn) {
                unsigned ok = batch_ok(s->b, s->bn);
                r->sent += ok;
                r->failed += s->bn - ok;
                s->bn = 0;
            }
            if (rc == 0 && r->started < o->count && (o->budget <= 0 || t - t0 < o->budget)) {
                double s0 = now(), u0 = thread_cpu();
                if (o->batch) {
                    if (!s->b && !(s->b = calloc(o->batch, sizeof *s->b)))
                        return -1;
                    s->bn = batch_take(o, r);
                    r->started += s->bn;
                    rc = start_batch(m, s->h, o, s->b, s->bn);
                } else {
                    r->started++;
                    rc = start_send(m, s->h, o);
                }
                note_cpu(tm, thread_cpu() - u0);
                note_start(tm, now() - s0);
                if (rc == SMTP_IN_PROGRESS || rc == 0) {
                    refresh(s, &pfd[i]);
                    continue;
                }
                report_error("start send", ++errors);
                r->failed += o->batch ? s->bn : 1;
                s->bn = 0;
            }
            /* Finished (or failed): QUIT goes out without waiting for its reply. */
            SmtpDisconnect(s->h);
            free(s->b);
            s->b = NULL;
            s->state = S_DONE;
            pfd[i].fd = -1;
            active--;
        }
    }
    free(ss);
    free(pfd);
    /* Sessions that never connected did not send their share. */
    return errors && !r->sent ? -1 : 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: mw_bench_smtp -p PORT -F MESSAGE [-h HOST] [-m COUNT] [-s SESSIONS]"
                    " [-S] [-a CAFILE] [-C] [-T SECONDS] [-f FROM] [-t TO] [-w TIMEOUT] [-P]"
                    " [-B N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    options o = {
        "127.0.0.1", "bench@localhost",   "bench@example.org", NULL, NULL, 0, 60, 0, 0, 1000,
        0,           SMTP_OPTION_EXTENDED};
    int c, by_path = 0;
    while ((c = getopt(argc, argv, "h:p:F:m:s:Sa:CT:f:t:w:PB:")) != -1) {
        switch (c) {
        case 'h':
            o.host = optarg;
            break;
        case 'p':
            o.port = (unsigned)atoi(optarg);
            break;
        case 'F':
            o.file = optarg;
            break;
        case 'm':
            o.count = strtoul(optarg, NULL, 10);
            break;
        case 's':
            o.sessions = (unsigned)atoi(optarg);
            break;
        case 'S':
            o.flags |= SMTP_OPTION_SECURE;
            break;
        case 'a':
            o.ca = optarg;
            break;
        case 'C':
            o.flags |= SMTP_OPTION_NOCHUNKING;
            break;
        case 'T':
            o.budget = atof(optarg);
            break;
        case 'f':
            o.from = optarg;
            break;
        case 't':
            o.to = optarg;
            break;
        case 'w':
            o.timeout = (unsigned)atoi(optarg);
            break;
        case 'P':
            by_path = 1;
            break;
        case 'B':
            o.batch = (unsigned)atoi(optarg);
            break;
        default:
            usage();
        }
    }
    if (!o.port || !o.file)
        usage();
    message m = {NULL, 0, NULL};
    if (by_path)
        m.path = o.file;
    else if (load(o.file, &m) != 0)
        return 2;
    SECURITYCREDENTIALS cred;
    memset(&cred, 0, sizeof cred);
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = o.ca;

    result r;
    memset(&r, 0, sizeof r);
    timing tm = {NULL, 0, 0, 0, 0, 0};
    double t0 = now();
    int rc =
        o.sessions ? run_sessions(&o, &cred, &m, &r, t0, &tm) : run_blocking(&o, &cred, &m, &r, t0);
    double dt = now() - t0;
    printf("sent=%lu failed=%lu seconds=%.6f msg_per_s=%.1f tls=%s", r.sent, r.failed, dt,
           dt > 0 ? r.sent / dt : 0.0, r.tls[0] ? r.tls : "none");
    if (tm.n) {
        qsort(tm.starts, tm.n, sizeof *tm.starts, cmp_double);
        printf(" start_max_ms=%.3f start_med_ms=%.3f step_max_ms=%.3f connect_max_ms=%.3f"
               " start_cpu_max_ms=%.3f",
               tm.starts[tm.n - 1] * 1e3, tm.starts[tm.n / 2] * 1e3, tm.step_max * 1e3,
               tm.connect_max * 1e3, tm.cpu_max * 1e3);
    }
    printf("\n");
    free(tm.starts);
    free(m.data);
    return rc == 0 && r.failed == 0 && r.sent > 0 ? 0 : 1;
}
