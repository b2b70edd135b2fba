/* Allocation wrappers (internal).
 *
 * Every allocation of the library goes through these, so a test can make the Nth one fail
 * and check that each failure path ends in a clean error without a crash or a leak (the
 * counting versions are linked into test programs only). Memory is released with plain
 * free(). */
#ifndef MW_ALLOC_H
#define MW_ALLOC_H

#include <stddef.h>

#include "../platform/platform.h"

MW_INTERNAL void *mw_malloc(size_t n);
MW_INTERNAL void *mw_calloc(size_t count, size_t size);
MW_INTERNAL void *mw_realloc(void *p, size_t n);

/* Test hook, defined only in the test programs (tests/support/alloc_hooks.c, which also
 * replaces the three functions above there): the n-th allocation from now (0 = the next one)
 * fails; n < 0 disables. Returns whether the previously armed failure was triggered. Library
 * code must not call it: scripts/check-symbols.sh fails on the undefined reference. */
MW_INTERNAL int mw_alloc_fail_at(long n);

#endif
