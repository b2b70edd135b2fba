/* Allocation wrappers; see alloc.h. The library's own versions only forward: the counting
 * versions that make the Nth allocation fail are compiled into the test programs alone
 * (tests/support/alloc_hooks.c), which replace this whole file there. Anything added here must
 * be added there too. */
#include "alloc.h"

#include <stdlib.h>

void *mw_malloc(size_t n)
{
    return malloc(n);
}

void *mw_calloc(size_t count, size_t size)
{
    return calloc(count, size);
}

void *mw_realloc(void *p, size_t n)
{
    return realloc(p, n);
}
