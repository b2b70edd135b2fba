/* Socket helpers, the wake-up channel and poll. */
#include "platform.h"
#include "file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#ifndef _WIN32
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#ifdef _WIN32
static INIT_ONCE g_wsa_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK wsa_start(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    WSADATA wsa;
    (void)once;
    (void)param;
    (void)ctx;
    return WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
}
#endif

int mw_sockets_ready(void)
{
#ifdef _WIN32
    /* Once per process, never undone: a WSACleanup() at exit is pointless and one from
     * DllMain is forbidden. Winsock counts start-ups, so the application's own
     * WSAStartup/WSACleanup pairs, and MailwireInitialize/MailwireUninitialize, cannot stop
     * sockets under a running session. A failure is not remembered: the next call tries
     * again. */
    return InitOnceExecuteOnce(&g_wsa_once, wsa_start, NULL, NULL) ? 0 : -1;
#else
    return 0;
#endif
}

int mw_platform_init(void)
{
#ifdef _WIN32
    WSADATA wsa;
    return WSAStartup(MAKEWORD(2, 2), &wsa) == 0 ? 0 : -1;
#else
    return 0;
#endif
}

void mw_platform_cleanup(void)
{
#ifdef _WIN32
    WSACleanup();
#endif
}

int mw_sock_errno(void)
{
#ifdef _WIN32
    return WSAGetLastError();
#else
    return errno;
#endif
}

int mw_sock_would_block(int err)
{
#ifdef _WIN32
    return err == WSAEWOULDBLOCK || err == WSAEINPROGRESS;
#else
    return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS;
#endif
}

int mw_sock_interrupted(int err)
{
#ifdef _WIN32
    return err == WSAEINTR;
#else
    return err == EINTR;
#endif
}

const char *mw_sock_strerror(int err, char *buf, size_t len)
{
#ifdef _WIN32
    /* The system's text in the user's language: asked for in UTF-16 and given out in UTF-8,
     * like every string of the API (FormatMessageA would give the ANSI code page). The
     * message tables end their texts in CR LF and some break lines inside: one line here. */
    wchar_t w[512];
    DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL,
                             (DWORD)err, 0, w, (DWORD)(sizeof w / sizeof w[0]), NULL);
    for (DWORD i = 0; i < n; i++)
        if (w[i] == L'\r' || w[i] == L'\n' || w[i] == L'\t')
            w[i] = L' ';
    while (n > 0 && (w[n - 1] == L' ' || w[n - 1] == L'.'))
        n--;
    if (n == 0 || mw_wide_to_utf8(w, (int)n, buf, len) == 0)
        snprintf(buf, len, "socket error %d", err);
#else
    /* strerror_r comes in two flavours; strerror on a private copy is simpler and the
     * message table is read-only. */
    snprintf(buf, len, "%s", strerror(err));
#endif
    return buf;
}

int mw_sock_set_nonblocking(mw_socket_t s)
{
#ifdef _WIN32
    u_long on = 1;
    return ioctlsocket(s, FIONBIO, &on) == 0 ? 0 : -1;
#else
    int fl = fcntl(s, F_GETFL, 0);
    if (fl < 0 || fcntl(s, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    fcntl(s, F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

void mw_sock_close(mw_socket_t s)
{
    if (s == MW_INVALID_SOCKET)
        return;
#ifdef _WIN32
    closesocket(s);
#else
    close(s);
#endif
}

long mw_sock_send(mw_socket_t s, const void *buf, size_t len, int *err)
{
    for (;;) {
#ifdef _WIN32
        int n = send(s, (const char *)buf, len > INT_MAX ? INT_MAX : (int)len, 0);
#else
        ssize_t n = send(s, buf, len, MSG_NOSIGNAL);
#endif
        if (n >= 0)
            return (long)n;
        int e = mw_sock_errno();
        if (mw_sock_interrupted(e))
            continue;
        *err = e;
        return -1;
    }
}

long mw_sock_recv(mw_socket_t s, void *buf, size_t len, int *err)
{
    for (;;) {
#ifdef _WIN32
        int n = recv(s, (char *)buf, len > INT_MAX ? INT_MAX : (int)len, 0);
#else
        ssize_t n = recv(s, buf, len, 0);
#endif
        if (n >= 0)
            return (long)n;
        int e = mw_sock_errno();
        if (mw_sock_interrupted(e))
            continue;
        *err = e;
        return -1;
    }
}

#ifdef _WIN32
/* Winsock has no pipe that WSAPoll accepts: build a connected loopback pair. */
static int win_socketpair(mw_socket_t sv[2])
{
    SOCKET l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    struct sockaddr_in a;
    int alen = sizeof a;
    if (l == INVALID_SOCKET)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &alen))
        goto fail;
    sv[1] = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (sv[1] == INVALID_SOCKET || connect(sv[1], (struct sockaddr *)&a, sizeof a))
        goto fail;
    sv[0] = accept(l, NULL, NULL);
    if (sv[0] == INVALID_SOCKET)
        goto fail;
    closesocket(l);
    return 0;
fail:
    closesocket(l);
    return -1;
}
#endif

int mw_wakeup_open(mw_wakeup *w)
{
    mw_socket_t sv[2];
#ifdef _WIN32
    /* Every session opens its channel first: Winsock is started here at the latest. */
    if (mw_sockets_ready() || win_socketpair(sv))
        return -1;
#else
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
        return -1;
#endif
    mw_sock_set_nonblocking(sv[0]);
    mw_sock_set_nonblocking(sv[1]);
    w->rd = sv[0];
    w->wr = sv[1];
    return 0;
}

void mw_wakeup_close(mw_wakeup *w)
{
    mw_sock_close(w->rd);
    mw_sock_close(w->wr);
    w->rd = w->wr = MW_INVALID_SOCKET;
}

void mw_wakeup_signal(mw_wakeup *w)
{
    int err;
    char b = 1;
    /* A full buffer already means "signalled"; the error is of no interest. */
    (void)mw_sock_send(w->wr, &b, 1, &err);
}

void mw_wakeup_drain(mw_wakeup *w)
{
    char buf[64];
    int err;
    while (mw_sock_recv(w->rd, buf, sizeof buf, &err) > 0) {
    }
}

int mw_poll2(mw_socket_t sock, int want, mw_socket_t wake, int timeout_ms, int *err)
{
#ifdef _WIN32
    WSAPOLLFD p[2];
#else
    struct pollfd p[2];
#endif
    int n = 0, si = -1;
    memset(p, 0, sizeof p);
    if (sock != MW_INVALID_SOCKET && want) {
        p[n].fd = sock;
        p[n].events =
            (short)(((want & MW_WANT_READ) ? POLLIN : 0) | ((want & MW_WANT_WRITE) ? POLLOUT : 0));
        si = n++;
    }
    if (wake != MW_INVALID_SOCKET) {
        p[n].fd = wake;
        p[n].events = POLLIN;
        n++;
    }
    for (;;) {
#ifdef _WIN32
        int r = WSAPoll(p, (ULONG)n, timeout_ms);
#else
        int r = poll(p, (nfds_t)n, timeout_ms);
#endif
        if (r < 0) {
            int e = mw_sock_errno();
            if (mw_sock_interrupted(e))
                continue;
            *err = e;
            return -1;
        }
        if (si < 0)
            return 0;
        int ready = 0;
        short re = p[si].revents;
        /* Errors and hang-ups are reported as readiness so the caller's next recv/send (or
         * SO_ERROR check) sees the real cause. */
        if (re & (POLLIN | POLLERR | POLLHUP))
            ready |= (want & MW_WANT_READ) ? MW_WANT_READ : MW_WANT_WRITE;
        if (re & (POLLOUT | POLLERR | POLLHUP))
            ready |= (want & MW_WANT_WRITE) ? MW_WANT_WRITE : 0;
        return ready;
    }
}

int mw_sock_peer_is_loopback(mw_socket_t s)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (s == MW_INVALID_SOCKET || getpeername(s, (struct sockaddr *)&ss, &len))
        return 0;
    if (ss.ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
        return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    return 0;
}

int mw_sock_can_ack_now(void)
{
#if defined(__linux__) && defined(TCP_QUICKACK)
    return 1;
#else
    return 0;
#endif
}

int mw_sock_ack_now(mw_socket_t s)
{
#if defined(__linux__) && defined(TCP_QUICKACK)
    /* Not a permanent mode: the kernel may leave it again, so the caller sets it after every
     * receive. Setting it sends an ACK the kernel had scheduled for later. */
    int one = 1;
    return setsockopt(s, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one) == 0;
#else
    (void)s;
    return 0;
#endif
}

int mw_sock_set_rcvlowat(mw_socket_t s, int bytes)
{
#if defined(__linux__) && defined(SO_RCVLOWAT)
    return setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes);
#else
    (void)s;
    (void)bytes;
    return -1;
#endif
}
