/* The counting allocator of the test programs (see core/util/alloc.h).
 *
 * These definitions replace the library's plain mw_malloc, mw_calloc and mw_realloc in every
 * test program linked with mw_test_common: the linker takes object files given to it before
 * archive members, so core/util/alloc.c is never pulled out of the static library there, and
 * the library that users get has no test hook in it. This file must define every symbol
 * alloc.c defines; if alloc.c gains one, the test programs fail to link (the same symbol
 * twice) until it is added here too. */
#include "core/util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>

static atomic_long g_countdown = -1; /* allocations left before the armed failure */
static atomic_int g_triggered;

static int should_fail(void)
{
    if (atomic_load_explicit(&g_countdown, memory_order_relaxed) < 0)
        return 0;
    if (atomic_fetch_sub(&g_countdown, 1) == 0) {
        atomic_store(&g_triggered, 1);
        return 1;
    }
    return 0;
}

void *mw_malloc(size_t n)
{
    return should_fail() ? NULL : malloc(n);
}

void *mw_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count, size);
}

void *mw_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : realloc(p, n);
}

int mw_alloc_fail_at(long n)
{
    int was = atomic_exchange(&g_triggered, 0);
    atomic_store(&g_countdown, n < 0 ? -1 : n);
    return was;
}
