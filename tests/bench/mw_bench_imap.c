/* mw_bench_imap: mailwire as an IMAP client for scripts/bench.sh. Public API only.
 *
 *   mw_bench_imap -p PORT -u USER -P PASSWORD -b MAILBOX [-h HOST] [-S | -I] [-a CAFILE]
 *                 [-M fetch|info] [-o DIR] [-w TIMEOUT]
 *
 *   -S / -I     STARTTLS / implicit TLS (default: cleartext), verified against -a CAFILE
 *   -M fetch    (default) every message, whole: ImapFetchMessages(1..last), i.e. pipelined
 *               UID FETCH BODY.PEEK[] batches, the bytes counted in the callback
 *   -M info     FLAGS, UID, RFC822.SIZE, INTERNALDATE and ENVELOPE of every message:
 *               ImapGetMessageInfo("1:*", IMAP_INFO_ENVELOPE)
 *   -o DIR      with fetch: also write each message to DIR/<uid> (put DIR on tmpfs), as a
 *               mail client that stores what it fetches would; compare with mbsync
 *
 * Logs in with LOGIN, as imaplib does, so both pay the same for authentication. Prints one
 * line of key=value pairs: messages=, bytes= (with info: the sum of RFC822.SIZE), seconds= and
 * fetch_cpu= (wall and user+sys CPU of the fetch call alone, without start-up, connect, TLS
 * handshake and login), tls=. Exit status 0
 * on success. Wall time, CPU and peak RSS of the whole process come from mw_bench_run. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mailwire/imap.h>

typedef struct sink {
    unsigned long messages;
    unsigned long long bytes;
    const char *dir;
    int fd;
    int failed;
} sink;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int MAILWIRE_CALLBACK on_chunk(unsigned id, uint32_t uid, const char *data, size_t len,
                                      uint64_t total, void *user)
{
    sink *s = user;
    (void)total;
    if (!data) {
        s->messages++;
        if (s->dir) {
            if (s->fd >= 0)
                close(s->fd);
            char path[4096];
            snprintf(path, sizeof path, "%s/%u", s->dir, uid ? uid : id);
            s->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (s->fd < 0) {
                perror(path);
                s->failed = 1;
                return 1;
            }
        }
        return 0;
    }
    s->bytes += len;
    if (s->fd >= 0) {
        while (len) {
            ssize_t w = write(s->fd, data, len);
            if (w < 0) {
                perror("write");
                s->failed = 1;
                return 1;
            }
            data += w;
            len -= (size_t)w;
        }
    }
    return 0;
}

static void MAILWIRE_CALLBACK on_info(const IMAPMESSAGE *m, void *user)
{
    sink *s = user;
    s->messages++;
    /* The sum of RFC822.SIZE: checks against the full fetch that every message was seen. */
    s->bytes += m->nSize;
}

static void usage(void)
{
    fprintf(stderr, "usage: mw_bench_imap -p PORT -u USER -P PASSWORD -b MAILBOX [-h HOST]"
                    " [-S | -I] [-a CAFILE] [-M fetch|info] [-o DIR] [-w TIMEOUT]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *user = NULL, *pass = NULL, *box = NULL, *ca = NULL;
    const char *mode = "fetch";
    unsigned port = 0, timeout = 120;
    uint32_t flags = IMAP_OPTION_NONE;
    sink s = {0, 0, NULL, -1, 0};
    int c;
    while ((c = getopt(argc, argv, "h:p:u:P:b:SIa:M:o:w:")) != -1) {
        switch (c) {
        case 'h':
            host = optarg;
            break;
        case 'p':
            port = (unsigned)atoi(optarg);
            break;
        case 'u':
            user = optarg;
            break;
        case 'P':
            pass = optarg;
            break;
        case 'b':
            box = optarg;
            break;
        case 'S':
            flags |= IMAP_OPTION_SECURE;
            break;
        case 'I':
            flags |= IMAP_OPTION_SECURE_IMPLICIT;
            break;
        case 'a':
            ca = optarg;
            break;
        case 'M':
            mode = optarg;
            break;
        case 'o':
            s.dir = optarg;
            break;
        case 'w':
            timeout = (unsigned)atoi(optarg);
            break;
        default:
            usage();
        }
    }
    int info = strcmp(mode, "info") == 0;
    if (!port || !user || !pass || !box || (!info && strcmp(mode, "fetch") != 0))
        usage();

    SECURITYCREDENTIALS cred;
    memset(&cred, 0, sizeof cred);
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = ca;
    HCLIENT h = ImapConnect(host, port, timeout, flags, &cred);
    if (h == INVALID_CLIENT || ImapLogin(h, IMAP_AUTH_LOGIN, user, pass) != 0 ||
        ImapExamineMailbox(h, box, NULL) != 0) {
        fprintf(stderr, "mw_bench_imap: %s (%s)\n", ImapGetErrorText(ImapGetLastError()),
                MailwireGetLastErrorDetail());
        return 1;
    }
    char tls[160] = "none";
    SECURITYINFO si;
    memset(&si, 0, sizeof si);
    si.dwSize = sizeof si;
    if (ImapGetSecurityInfo(h, &si) == 0 && si.szProtocol[0])
        snprintf(tls, sizeof tls, "%s/%s", si.szProtocol, si.szCipherSuite);

    double t0 = now(), c0 = cpu_seconds();
    int rc = info ? ImapGetMessageInfo(h, "1:*", IMAP_INFO_ENVELOPE, on_info, &s)
                  : ImapFetchMessages(h, 1, 0, 0, on_chunk, &s);
    double dt = now() - t0, dc = cpu_seconds() - c0;
    if (rc != 0)
        fprintf(stderr, "mw_bench_imap: %s (%s)\n", ImapGetErrorText(ImapGetLastError()),
                MailwireGetLastErrorDetail());
    if (s.fd >= 0)
        close(s.fd);
    ImapDisconnect(h);
    printf("messages=%lu bytes=%llu seconds=%.6f fetch_cpu=%.6f tls=%s\n", s.messages, s.bytes, dt,
           dc, tls);
    return rc == 0 && !s.failed ? 0 : 1;
}
