/* atomic_probe.c in the Interlocked form of core/platform/atomic.h (Windows only). */
#define MW_PROBE_INTERLOCKED 1
#include "atomic_probe.c"
