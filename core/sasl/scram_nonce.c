/* The SCRAM client nonce; see sasl_private.h. Alone in this file so that the test programs can
 * link their own version (tests/support/sasl_hooks.c) in place of this object, to give the
 * fixed nonces of the RFC test vectors: the library always takes a random one. Anything added
 * here must be added there too. */
#include "sasl_private.h"

int mw_scram_nonce(char *out)
{
    return mw_scram_random_nonce(out);
}
