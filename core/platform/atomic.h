/* Atomic integers for the few flags threads share (cancel, close request, running thread).
 *
 * C11 <stdatomic.h> where the compiler has it. MSVC accepts it in C only from Visual Studio
 * 2022 17.5 and only with /experimental:c11atomics, so there (or with MW_ATOMIC_INTERLOCKED
 * defined, which lets the mingw build compile and test this branch) the Interlocked functions
 * of <windows.h> do the same: every operation here is sequentially consistent, as the C11
 * calls without an explicit order are. */
#ifndef MW_ATOMIC_H
#define MW_ATOMIC_H

#if defined(_MSC_VER) && !defined(__clang__) && !defined(MW_ATOMIC_INTERLOCKED)
#define MW_ATOMIC_INTERLOCKED 1
#endif

#ifdef MW_ATOMIC_INTERLOCKED
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>

typedef struct mw_atomic_int {
    volatile LONG v;
} mw_atomic_int;
typedef mw_atomic_int mw_atomic_uint; /* stored as LONG; read back as unsigned */

static inline void mw_atomic_init(mw_atomic_int *a, long v)
{
    a->v = (LONG)v;
}
static inline long mw_atomic_load(const mw_atomic_int *a)
{
    /* A read as C11's atomic_load (which takes const too): a compare-exchange that never
     * changes the value, hence the cast. */
    return (long)InterlockedCompareExchange((volatile LONG *)&a->v, 0, 0);
}
static inline void mw_atomic_store(mw_atomic_int *a, long v)
{
    (void)InterlockedExchange(&a->v, (LONG)v);
}
static inline long mw_atomic_fetch_add(mw_atomic_int *a, long v)
{
    return (long)InterlockedExchangeAdd(&a->v, (LONG)v);
}
#define mw_atomic_uinit(a, v) mw_atomic_init((a), (long)(v))
#define mw_atomic_uload(a) ((unsigned)mw_atomic_load(a))
#define mw_atomic_ustore(a, v) mw_atomic_store((a), (long)(v))
/* Compare-and-swap: stores desired when *a holds *expected and returns 1; otherwise returns 0
 * with what *a held in *expected (C11 atomic_compare_exchange_strong). */
static inline int mw_atomic_ucas(mw_atomic_uint *a, unsigned *expected, unsigned desired)
{
    LONG want = (LONG)*expected;
    LONG old = InterlockedCompareExchange(&a->v, (LONG)desired, want);
    if (old == want)
        return 1;
    *expected = (unsigned)old;
    return 0;
}

#else
#include <stdatomic.h>

typedef atomic_int mw_atomic_int;
typedef atomic_uint mw_atomic_uint;

#define mw_atomic_init(a, v) atomic_init((a), (int)(v))
#define mw_atomic_load(a) atomic_load(a)
#define mw_atomic_store(a, v) atomic_store((a), (int)(v))
#define mw_atomic_fetch_add(a, v) atomic_fetch_add((a), (int)(v))
#define mw_atomic_uinit(a, v) atomic_init((a), (unsigned)(v))
#define mw_atomic_uload(a) atomic_load(a)
#define mw_atomic_ustore(a, v) atomic_store((a), (unsigned)(v))
#define mw_atomic_ucas(a, expected, desired)                                                       \
    atomic_compare_exchange_strong((a), (expected), (unsigned)(desired))
#endif

#endif /* MW_ATOMIC_H */
