/* core/platform/atomic.h exercised from C in both of its forms: the C11 one everywhere, and
 * on Windows the Interlocked one that MSVC builds use (MW_ATOMIC_INTERLOCKED, compiled here by
 * mingw so that it is built and run somewhere). test_windows_unit.cpp checks the results. */
#include "windows/atomic_probe.h"

#ifdef MW_PROBE_INTERLOCKED
#define MW_ATOMIC_INTERLOCKED 1
#define PROBE mwt_atomic_probe_interlocked
#else
#define PROBE mwt_atomic_probe_c11
#endif
#include "core/platform/atomic.h"

int PROBE(void)
{
    mw_atomic_int i;
    mw_atomic_uint u;
    mw_atomic_init(&i, 5);
    mw_atomic_uinit(&u, 0);
    int fails = 0;
    fails += mw_atomic_load(&i) != 5;
    mw_atomic_store(&i, -3);
    fails += mw_atomic_load(&i) != -3;
    fails += mw_atomic_fetch_add(&i, 10) != -3;
    fails += mw_atomic_load(&i) != 7;
    /* The compare-and-swap succeeds only from the expected value, and otherwise reports
     * what was there; unsigned values past INT_MAX survive (the session's RUNNER_CLOSE). */
    unsigned expected = 0;
    fails += !mw_atomic_ucas(&u, &expected, 42u);
    fails += mw_atomic_uload(&u) != 42u;
    expected = 0;
    fails += mw_atomic_ucas(&u, &expected, 7u);
    fails += expected != 42u;
    fails += mw_atomic_uload(&u) != 42u;
    expected = 42u;
    fails += !mw_atomic_ucas(&u, &expected, 0xFFFFFFFFu);
    fails += mw_atomic_uload(&u) != 0xFFFFFFFFu;
    mw_atomic_ustore(&u, 0);
    fails += mw_atomic_uload(&u) != 0;
    return fails;
}
