/* Non-blocking connect; see connect.h. */
#ifndef _WIN32
#define _GNU_SOURCE
#endif
#include "connect.h"
#include "../util/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

int mw_connector_begin(mw_connector *c, struct addrinfo *list, int prefer_ipv6)
{
    memset(c, 0, sizeof *c);
    c->sock = MW_INVALID_SOCKET;
    c->only_refused = 1;
    c->list = list;
    for (struct addrinfo *a = list; a; a = a->ai_next)
        c->count++;
    c->order = mw_calloc(c->count ? c->count : 1, sizeof *c->order);
    if (!c->order)
        return -1;
    /* Stable partition: the preferred family first, each family in resolver order. */
    size_t n = 0;
    int first = prefer_ipv6 ? AF_INET6 : AF_INET;
    for (struct addrinfo *a = list; a; a = a->ai_next)
        if (a->ai_family == first)
            c->order[n++] = a;
    for (struct addrinfo *a = list; a; a = a->ai_next)
        if (a->ai_family != first)
            c->order[n++] = a;
    return 0;
}

static void fail_attempt(mw_connector *c, int err)
{
    c->last_err = err;
#ifdef _WIN32
    if (err != WSAECONNREFUSED)
#else
    if (err != ECONNREFUSED)
#endif
        c->only_refused = 0;
    mw_sock_close(c->sock);
    c->sock = MW_INVALID_SOCKET;
}

static void note_addr(mw_connector *c, const struct addrinfo *a)
{
    char host[NI_MAXHOST];
    if (getnameinfo(a->ai_addr, (socklen_t)a->ai_addrlen, host, sizeof host, NULL, 0,
                    NI_NUMERICHOST) == 0) {
        strncpy(c->last_addr, host, sizeof c->last_addr - 1);
        c->last_addr[sizeof c->last_addr - 1] = 0;
    }
}

/* Start the next attempt. 1: connected at once, 0: in progress, -1: no address left. */
static int start_next(mw_connector *c)
{
    while (c->next < c->count) {
        const struct addrinfo *a = c->order[c->next++];
        note_addr(c, a);
        mw_socket_t s = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (s == MW_INVALID_SOCKET) {
            c->sock = MW_INVALID_SOCKET;
            fail_attempt(c, mw_sock_errno());
            continue;
        }
        c->sock = s;
        if (mw_sock_set_nonblocking(s)) {
            fail_attempt(c, mw_sock_errno());
            continue;
        }
        /* Commands are small and latency-bound; batching is done by the engines. */
        int on = 1;
        setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, sizeof on);
#ifdef SO_NOSIGPIPE
        setsockopt(s, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#endif
        if (connect(s, a->ai_addr, (socklen_t)a->ai_addrlen) == 0)
            return 1;
        int e = mw_sock_errno();
        if (mw_sock_would_block(e))
            return 0;
        fail_attempt(c, e);
    }
    return -1;
}

int mw_connector_step(mw_connector *c)
{
    for (;;) {
        if (c->sock == MW_INVALID_SOCKET)
            return start_next(c);
        int perr = 0;
        int ready = mw_poll2(c->sock, MW_WANT_WRITE, MW_INVALID_SOCKET, 0, &perr);
        if (ready < 0) {
            fail_attempt(c, perr);
            continue;
        }
        if (!ready)
            return 0;
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(c->sock, SOL_SOCKET, SO_ERROR, (char *)&soerr, &len) != 0)
            soerr = mw_sock_errno();
        if (soerr == 0)
            return 1;
        fail_attempt(c, soerr);
    }
}

mw_socket_t mw_connector_take(mw_connector *c)
{
    mw_socket_t s = c->sock;
    c->sock = MW_INVALID_SOCKET;
    return s;
}

void mw_connector_free(mw_connector *c)
{
    mw_sock_close(c->sock);
    c->sock = MW_INVALID_SOCKET;
    free(c->order);
    c->order = NULL;
    if (c->list)
        freeaddrinfo(c->list);
    c->list = NULL;
}
