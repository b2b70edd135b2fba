/* The atomics probes (atomic_probe.c): each returns the number of failed checks. */
#ifndef MWT_ATOMIC_PROBE_H
#define MWT_ATOMIC_PROBE_H

#ifdef __cplusplus
extern "C" {
#endif

int mwt_atomic_probe_c11(void);
#ifdef _WIN32
int mwt_atomic_probe_interlocked(void);
#endif

#ifdef __cplusplus
}
#endif

#endif
