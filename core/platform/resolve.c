/* Resolver thread; see resolve.h. */
#ifndef _WIN32
#define _GNU_SOURCE
#endif
#include "resolve.h"
#include "../util/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef _WIN32
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include "../util/str.h"

struct mw_resolve {
    mw_mutex_t lock;
    int refs; /* session + thread */
    int done;
    int abandoned;
    int gai_err;
    struct addrinfo *result;
    mw_wakeup *wake;
    char port[8];
    char host[];
};

static void tcp_hints(struct addrinfo *hints, int flags)
{
    memset(hints, 0, sizeof *hints);
    hints->ai_family = AF_UNSPEC;
    hints->ai_socktype = SOCK_STREAM;
    hints->ai_protocol = IPPROTO_TCP;
    hints->ai_flags = flags;
}

static void release(mw_resolve *r)
{
    mw_mutex_lock(&r->lock);
    int left = --r->refs;
    mw_mutex_unlock(&r->lock);
    if (left == 0) {
        if (r->result)
            freeaddrinfo(r->result);
        mw_mutex_destroy(&r->lock);
        free(r);
    }
}

static void resolve_main(void *arg)
{
    mw_resolve *r = arg;
    struct addrinfo hints, *ai = NULL;
    tcp_hints(&hints, AI_ADDRCONFIG);
    int rc = mw_resolve_getaddrinfo(r->host, r->port, &hints, &ai);
    mw_mutex_lock(&r->lock);
    r->gai_err = rc;
    r->result = rc == 0 ? ai : NULL;
    r->done = 1;
    /* The wake-up channel belongs to the session: touch it only while the session still
     * holds the job (abandon() takes the same lock). */
    if (!r->abandoned)
        mw_wakeup_signal(r->wake);
    mw_mutex_unlock(&r->lock);
    release(r);
}

mw_resolve *mw_resolve_start(const char *host, uint16_t port, mw_wakeup *wake)
{
    if (mw_sockets_ready())
        return NULL;
    size_t hl = strlen(host);
    mw_resolve *r = mw_calloc(1, sizeof *r + hl + 1);
    if (!r)
        return NULL;
    memcpy(r->host, host, hl + 1);
    snprintf(r->port, sizeof r->port, "%u", (unsigned)port);
    r->wake = wake;
    mw_mutex_init(&r->lock);
    /* IP literals need no thread. */
    struct addrinfo hints, *ai = NULL;
    tcp_hints(&hints, AI_NUMERICHOST);
    if (getaddrinfo(host, r->port, &hints, &ai) == 0) {
        r->result = ai;
        r->done = 1;
        r->refs = 1;
        return r;
    }
    r->refs = 2;
    if (mw_thread_start_detached(resolve_main, r) != 0) {
        mw_mutex_destroy(&r->lock);
        free(r);
        return NULL;
    }
    return r;
}

int mw_resolve_poll(mw_resolve *r, struct addrinfo **ai, int *gai_err)
{
    mw_mutex_lock(&r->lock);
    int done = r->done;
    if (done) {
        *ai = r->result;
        *gai_err = r->gai_err;
        r->result = NULL;
        r->abandoned = 1;
    }
    mw_mutex_unlock(&r->lock);
    if (done)
        release(r);
    return done;
}

void mw_resolve_abandon(mw_resolve *r)
{
    if (!r)
        return;
    mw_mutex_lock(&r->lock);
    r->abandoned = 1;
    mw_mutex_unlock(&r->lock);
    release(r);
}

const char *mw_resolve_strerror(int gai_err)
{
#ifdef _WIN32
    /* The EAI_ codes are Winsock errors there, and gai_strerrorA() is FormatMessageA into one
     * static buffer: the ANSI code page, a CR LF at the end, and not thread-safe. */
    static MW_THREAD_LOCAL char text[256];
    return mw_sock_strerror(gai_err, text, sizeof text);
#else
    return gai_strerror(gai_err);
#endif
}

static char g_canon[256]; /* the canonical local name, once a blocking caller looked it up */

/* A name EHLO can carry as it is: no space, no control character. */
static int usable_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
            return 0;
    return 1;
}

void mw_resolve_local_name(char *out, size_t size, int may_block)
{
    char host[256] = "";
    mw_strlcpy(out, "localhost", size);
    mw_global_lock();
    if (g_canon[0])
        mw_strlcpy(out, g_canon, size);
    mw_global_unlock();
    if (strcmp(out, "localhost") != 0)
        return;
    if (mw_sockets_ready() || gethostname(host, sizeof host - 1) != 0)
        return;
    host[sizeof host - 1] = 0;
    if (may_block && !strchr(host, '.')) {
        struct addrinfo hints, *ai = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_flags = AI_CANONNAME;
        if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai) {
            if (ai->ai_canonname && strchr(ai->ai_canonname, '.') && usable_name(ai->ai_canonname))
                mw_strlcpy(host, ai->ai_canonname, sizeof host);
            freeaddrinfo(ai);
        }
    }
    if (!usable_name(host))
        return;
    mw_strlcpy(out, host, size);
    if (may_block) {
        mw_global_lock();
        mw_strlcpy(g_canon, host, sizeof g_canon);
        mw_global_unlock();
    }
}
