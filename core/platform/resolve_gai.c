/* The resolver thread's call to getaddrinfo(); see resolve.h. Alone in this file so that the
 * test programs can link their own version (tests/support/resolve_hooks.c) in place of this
 * object: the library itself has no test branch on its DNS path. Anything added here must be
 * added there too. */
#ifndef _WIN32
#define _GNU_SOURCE
#endif
#include "resolve.h"

#ifndef _WIN32
#include <netdb.h>
#include <sys/socket.h>
#endif

int mw_resolve_getaddrinfo(const char *host, const char *port, const struct addrinfo *hints,
                           struct addrinfo **res)
{
    return getaddrinfo(host, port, hints, res);
}
