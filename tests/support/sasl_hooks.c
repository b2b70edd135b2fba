/* The test programs' SCRAM client nonce (see core/sasl/sasl_private.h): the library's own
 * random nonce, unless a test set a fixed one for the next exchange with
 * mw_sasl_set_test_nonce() (the RFC 5802 and RFC 7677 test vectors). Linked ahead of the
 * static library like alloc_hooks.c, so the archive's scram_nonce.o is never pulled in; this
 * file must define every symbol scram_nonce.c defines. */
#include "core/sasl/sasl_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The nonce of the next exchange; "" for a random one. Set and used on the test's thread. */
static char g_next[MW_SASL_NONCE_MAX + 1];

void mw_sasl_set_test_nonce(const char *nonce)
{
    if (!nonce) {
        g_next[0] = 0;
        return;
    }
    /* A nonce SCRAM forbids (RFC 5802 section 7) would make the test check something else
     * than it says: stop it loudly. */
    size_t n = strlen(nonce);
    int ok = n > 0 && n <= MW_SASL_NONCE_MAX;
    for (const char *p = nonce; ok && *p; p++)
        ok = *p >= 0x21 && *p <= 0x7e && *p != ',';
    if (!ok) {
        fprintf(stderr, "mw_sasl_set_test_nonce: \"%s\" is not a SCRAM nonce\n", nonce);
        abort();
    }
    memcpy(g_next, nonce, n + 1);
}

int mw_scram_nonce(char *out)
{
    if (!g_next[0])
        return mw_scram_random_nonce(out);
    memcpy(out, g_next, strlen(g_next) + 1);
    g_next[0] = 0;
    return 0;
}
