/* Plain TCP transport. */
#include "transport.h"
#include "../util/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <mailwire/common.h>

typedef struct plain {
    mw_transport base;
    int want;
} plain;

void mw_transport_set_sock_error(mw_transport *t, const char *what, int err)
{
    char buf[128];
#ifdef _WIN32
    int reset = err == WSAECONNRESET || err == WSAECONNABORTED;
#else
    int reset = err == ECONNRESET || err == EPIPE;
#endif
    t->err = reset ? ST_ERROR_CONNECTION_CLOSED : ST_ERROR_SOCKET;
    snprintf(t->detail, sizeof t->detail, "%s: %s", what, mw_sock_strerror(err, buf, sizeof buf));
}

static long plain_recv(mw_transport *t, void *buf, size_t len)
{
    plain *p = (plain *)t;
    int err = 0;
    long n = mw_sock_recv(t->sock, buf, len, &err);
    if (n >= 0)
        return n;
    if (mw_sock_would_block(err)) {
        p->want = MW_WANT_READ;
        return MW_IO_AGAIN;
    }
    mw_transport_set_sock_error(t, "recv", err);
    return MW_IO_ERROR;
}

static long plain_send(mw_transport *t, const void *buf, size_t len)
{
    plain *p = (plain *)t;
    int err = 0;
    long n = mw_sock_send(t->sock, buf, len, &err);
    if (n >= 0)
        return n;
    if (mw_sock_would_block(err)) {
        p->want = MW_WANT_WRITE;
        return MW_IO_AGAIN;
    }
    mw_transport_set_sock_error(t, "send", err);
    return MW_IO_ERROR;
}

static size_t plain_pending(mw_transport *t)
{
    (void)t;
    return 0;
}

static int plain_want(mw_transport *t)
{
    return ((plain *)t)->want;
}

static void plain_shutdown(mw_transport *t)
{
    (void)t;
}

static void plain_destroy(mw_transport *t)
{
    free(t);
}

static const mw_transport_ops plain_ops = {plain_recv, plain_send,     plain_pending,
                                           plain_want, plain_shutdown, plain_destroy};

mw_transport *mw_plain_transport_new(mw_socket_t sock)
{
    plain *p = mw_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->base.ops = &plain_ops;
    p->base.sock = sock;
    return &p->base;
}
