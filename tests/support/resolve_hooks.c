/* The test programs' resolver lookup (see core/platform/resolve.h): the library's
 * mw_resolve_getaddrinfo (core/platform/resolve_gai.c) plus a delay that a test sets with
 * mw_resolve_set_test_delay(), so that it can show nothing waits for DNS. Linked ahead of the
 * static library like alloc_hooks.c, so the archive's resolve_gai.o is never pulled in; this
 * file must define every symbol resolve_gai.c defines. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* getaddrinfo & co. under -std=c11 (tests/common/portable.h) */
#endif
#include "core/platform/atomic.h"
#include "core/platform/resolve.h"
#include "tests/common/portable.h"

static mw_atomic_uint g_delay_ms;

void mw_resolve_set_test_delay(unsigned ms)
{
    mw_atomic_ustore(&g_delay_ms, ms);
}

int mw_resolve_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints,
                           struct addrinfo **res)
{
    unsigned ms = mw_atomic_uload(&g_delay_ms);
    if (ms)
        mwt_sleep_ms(ms);
    return getaddrinfo(host, port, hints, res);
}
