/* MIME's random source (internal): the bytes behind every Message-ID and boundary.
 *
 * A file of its own (random.c) so that the test programs can replace it with a seeded one
 * (tests/support/mime_hooks.c, linked ahead of the library as the allocation hooks are) and
 * compose the same message twice; the library's version always asks GnuTLS. */
#ifndef MW_MIME_RANDOM_H
#define MW_MIME_RANDOM_H

#include <stddef.h>

#include "../platform/platform.h"

/* n random bytes into out; 0, or -1 when the generator failed. */
MW_INTERNAL int mw_mime_random(void *out, size_t n);

/* Test hook, defined only in the test programs (tests/support/mime_hooks.c): from now on
 * mw_mime_random() gives the n bytes of seed (copied), from the first, repeated as needed,
 * at every call, so that Message-IDs and boundaries are reproducible; NULL (or n == 0) brings
 * back the random bytes. Library code must not call it: scripts/check-symbols.sh fails on
 * the undefined reference. */
MW_INTERNAL void mw_mime_set_test_seed(const void *seed, size_t n);

#endif
