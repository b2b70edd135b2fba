/* The test programs' resolver lookup (see core/platform/resolve.h): the library's
 * mw_resolve_getaddrinfo (core/platform/resolve_gai.c) plus a delay that a test sets with
 * mw_resolve_set_test_delay(), so that it can show nothing waits for DNS. Linked ahead of the
 * static library like alloc_hooks.c, so the archive's resolve_gai.o is never pulled in; this
 * file must define every symbol resolve_gai.c defines. */
#ifndef _WIN32
#define _GNU_SOURCE
#endif
#include "core/platform/resolve.h"

#include <stdatomic.h>

#ifndef _WIN32
#include <netdb.h>
#include <sys/socket.h>
#include <time.h>
#endif

static atomic_uint g_delay_ms;

void mw_resolve_set_test_delay(unsigned ms)
{
    atomic_store(&g_delay_ms, ms);
}

int mw_resolve_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints,
                           struct addrinfo **res)
{
    unsigned ms = atomic_load(&g_delay_ms);
    if (ms) {
#ifdef _WIN32
        Sleep(ms);
#else
        struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
#endif
    }
    return getaddrinfo(host, port, hints, res);
}
