/* MIME's random source; see random.h. Alone in this file so that the test programs can link
 * their own version (tests/support/mime_hooks.c) in place of this object: the library itself
 * has no test branch here. Anything added here must be added there too. */
#include "random.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

int mw_mime_random(void *out, size_t n)
{
    return gnutls_rnd(GNUTLS_RND_NONCE, out, n) == 0 ? 0 : -1;
}
