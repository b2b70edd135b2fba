/* The test programs' MIME random source (see core/mime/random.h): GnuTLS's random bytes, as in
 * the library, unless a test fixed them with mw_mime_set_test_seed() so that the composed
 * message is the same at every run. Linked ahead of the static library like alloc_hooks.c, so
 * the archive's random.o is never pulled in; this file must define every symbol
 * core/mime/random.c defines. */
#include "core/mime/random.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

/* Set and used on the test's thread. */
static unsigned char g_seed[64];
static size_t g_seed_len; /* 0: random bytes */

void mw_mime_set_test_seed(const void *seed, size_t n)
{
    if (!seed || n > sizeof g_seed)
        n = 0;
    if (n)
        memcpy(g_seed, seed, n);
    g_seed_len = n;
}

int mw_mime_random(void *out, size_t n)
{
    if (!g_seed_len)
        return gnutls_rnd(GNUTLS_RND_NONCE, out, n) == 0 ? 0 : -1;
    unsigned char *p = out;
    for (size_t i = 0; i < n; i++)
        p[i] = g_seed[i % g_seed_len];
    return 0;
}
