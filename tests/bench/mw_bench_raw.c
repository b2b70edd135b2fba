/* mw_bench_raw: the ceilings the mail clients are compared with, measured on the same machine
 * in the same run (no mail protocol, no library of ours):
 *
 *   mw_bench_raw bulk [BYTES]          one loopback TCP connection, one direction, as fast as
 *                                      it goes: bytes per second (the bound of a bulk fetch)
 *   mw_bench_raw rtt [SIZE [COUNT]]    SIZE bytes out, a 22-byte reply back, and only then the
 *                                      next SIZE bytes: messages per second with exactly one
 *                                      round trip per message (the bound of an SMTP client
 *                                      that waits for each final reply)
 *   mw_bench_raw cipher [BYTES]        GnuTLS AEAD decryption of 16 KiB TLS-sized records for
 *                                      AES-128-GCM, AES-256-GCM and CHACHA20-POLY1305: bytes per
 *                                      second (the CPU a TLS client cannot avoid)
 *
 * The peer of bulk and rtt is a forked process, as a server would be, so the two ends run on
 * both cores as they do against smtp-sink. Output: key=value lines for scripts/bench.sh. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

static void nodelay(int s)
{
    int on = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

static void write_all(int s, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(s, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            die("send");
        }
        p += w;
        n -= (size_t)w;
    }
}

/* Reads exactly n bytes; returns 0 at EOF before the first byte. */
static int read_all(int s, char *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(s, p + got, n - got, 0);
        if (r == 0) {
            if (got == 0)
                return 0;
            fprintf(stderr, "short read\n");
            exit(1);
        }
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("recv");
        }
        got += (size_t)r;
    }
    return 1;
}

/* A listening socket on 127.0.0.1 with a kernel-chosen port; the forked peer accepts on it. */
static int listen_any(struct sockaddr_in *addr)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    if (l < 0)
        die("socket");
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof *addr;
    if (bind(l, (struct sockaddr *)addr, len) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)addr, &len) < 0)
        die("bind/listen");
    return l;
}

static int connect_to(const struct sockaddr_in *addr)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0 || connect(s, (const struct sockaddr *)addr, sizeof *addr) < 0)
        die("connect");
    return s;
}

static int accept_one(int l)
{
    int s = accept(l, NULL, NULL);
    if (s < 0)
        die("accept");
    close(l);
    return s;
}

static void reap(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
}

/* The receiver (this process) times from the first byte to the last, then tells the sender. */
static int bulk(uint64_t total)
{
    struct sockaddr_in addr;
    int l = listen_any(&addr);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    enum { CHUNK = 256 * 1024 };
    static char buf[CHUNK];
    if (pid == 0) {
        close(l);
        int s = connect_to(&addr);
        memset(buf, 'x', sizeof buf);
        for (uint64_t left = total; left;) {
            size_t n = left < CHUNK ? (size_t)left : CHUNK;
            write_all(s, buf, n);
            left -= n;
        }
        shutdown(s, SHUT_WR);
        char c;
        (void)!recv(s, &c, 1, 0);
        _exit(0);
    }
    int s = accept_one(l);
    uint64_t got = 0;
    double t0 = 0;
    for (;;) {
        ssize_t r = recv(s, buf, sizeof buf, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            die("recv");
        if (r == 0)
            break;
        if (got == 0)
            t0 = now();
        got += (uint64_t)r;
    }
    double dt = now() - t0;
    write_all(s, "k", 1);
    close(s);
    reap(pid);
    if (got != total) {
        fprintf(stderr, "bulk: got %llu of %llu bytes\n", (unsigned long long)got,
                (unsigned long long)total);
        return 1;
    }
    printf("raw_bulk_bytes=%llu raw_bulk_seconds=%.6f raw_bulk_bytes_per_s=%.0f\n",
           (unsigned long long)total, dt, (double)total / dt);
    return 0;
}

static int rtt(size_t size, unsigned count)
{
    static const char reply[] = "250 2.0.0 Ok: queued\r\n";
    const size_t rlen = sizeof reply - 1;
    struct sockaddr_in addr;
    int l = listen_any(&addr);
    char *msg = malloc(size);
    if (!msg)
        die("malloc");
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        int s = accept_one(l);
        nodelay(s);
        while (read_all(s, msg, size))
            write_all(s, reply, rlen);
        _exit(0);
    }
    close(l);
    int s = connect_to(&addr);
    nodelay(s);
    memset(msg, 'x', size);
    char in[64];
    double t0 = now();
    for (unsigned i = 0; i < count; i++) {
        write_all(s, msg, size);
        if (!read_all(s, in, rlen)) {
            fprintf(stderr, "rtt: peer closed\n");
            return 1;
        }
    }
    double dt = now() - t0;
    close(s);
    reap(pid);
    free(msg);
    printf("raw_rtt_size=%zu raw_rtt_count=%u raw_rtt_seconds=%.6f raw_rtt_msg_per_s=%.0f\n", size,
           count, dt, count / dt);
    return 0;
}

static int cipher(uint64_t total)
{
    static const struct {
        gnutls_cipher_algorithm_t alg;
        const char *key;
    } ciphers[] = {{GNUTLS_CIPHER_AES_128_GCM, "AES_128_GCM"},
                   {GNUTLS_CIPHER_AES_256_GCM, "AES_256_GCM"},
                   {GNUTLS_CIPHER_CHACHA20_POLY1305, "CHACHA20_POLY1305"}};
    enum { RECORD = 16384, TAG = 16 };
    static unsigned char plain[RECORD], sealed[RECORD + TAG], opened[RECORD];
    unsigned char key[32], nonce[12] = {0};
    memset(plain, 'x', sizeof plain);
    memset(key, 7, sizeof key);
    for (size_t c = 0; c < sizeof ciphers / sizeof ciphers[0]; c++) {
        gnutls_datum_t k = {key, (unsigned)gnutls_cipher_get_key_size(ciphers[c].alg)};
        gnutls_aead_cipher_hd_t h;
        if (gnutls_aead_cipher_init(&h, ciphers[c].alg, &k) < 0) {
            printf("%scipher_%s_bytes_per_s=0", c ? " " : "", ciphers[c].key);
            continue;
        }
        size_t slen = sizeof sealed;
        if (gnutls_aead_cipher_encrypt(h, nonce, sizeof nonce, NULL, 0, TAG, plain, RECORD, sealed,
                                       &slen) < 0)
            die("gnutls_aead_cipher_encrypt");
        /* The same record over and over: a client decrypts each record once, and the data in
         * a record does not change the cost of AES-GCM or ChaCha20-Poly1305. */
        uint64_t done = 0;
        double t0 = now();
        while (done < total) {
            size_t olen = sizeof opened;
            if (gnutls_aead_cipher_decrypt(h, nonce, sizeof nonce, NULL, 0, TAG, sealed, slen,
                                           opened, &olen) < 0)
                die("gnutls_aead_cipher_decrypt");
            done += RECORD;
        }
        double dt = now() - t0;
        gnutls_aead_cipher_deinit(h);
        printf("%scipher_%s_bytes_per_s=%.0f", c ? " " : "", ciphers[c].key, (double)done / dt);
    }
    printf("\n"); /* one line: scripts/bench.sh keeps a client's last line of figures */
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "bulk") == 0)
        return bulk(argc > 2 ? strtoull(argv[2], NULL, 10) : (uint64_t)1 << 31);
    if (strcmp(mode, "rtt") == 0)
        return rtt(argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 4096,
                   argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 20000);
    if (strcmp(mode, "cipher") == 0)
        return cipher(argc > 2 ? strtoull(argv[2], NULL, 10) : (uint64_t)256 << 20);
    fprintf(stderr, "usage: mw_bench_raw bulk [BYTES] | rtt [SIZE [COUNT]] | cipher [BYTES]\n");
    return 2;
}
