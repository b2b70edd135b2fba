/* Time, threads and locks. */
#ifndef _WIN32
#define _GNU_SOURCE
#endif
#include "platform.h"
#include "../util/alloc.h"

#include <errno.h>
#include <stdlib.h>

#ifdef _WIN32
#include <process.h>
#else
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#endif

int64_t mw_now_ms(void)
{
#ifdef _WIN32
    return (int64_t)GetTickCount64();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#endif
}

uint32_t mw_thread_id(void)
{
#ifdef _WIN32
    return (uint32_t)GetCurrentThreadId();
#elif defined(__linux__)
    /* Cached per thread: owner checks ask on every call, and a system call each time showed
     * in the SMTP profile (several per message). A forked child's first thread keeps the
     * parent's cached id, which is fine: handles do not survive fork() anyway. */
    static MW_THREAD_LOCAL uint32_t tid;
    if (tid == 0)
        tid = (uint32_t)syscall(SYS_gettid);
    return tid;
#else
    /* Elsewhere: a process-unique number handed out on first use per thread. */
    static unsigned long next = 1;
    static MW_THREAD_LOCAL uint32_t id;
    if (id == 0)
        id = (uint32_t)__atomic_fetch_add(&next, 1, __ATOMIC_RELAXED);
    return id;
#endif
}

void mw_sleep_ms(unsigned ms)
{
#ifdef _WIN32
    Sleep(ms);
#else
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) /* a signal handler ran: sleep the rest */
        ;
#endif
}

typedef struct thread_start {
    void (*fn)(void *);
    void *arg;
} thread_start;

#ifdef _WIN32
static unsigned __stdcall thread_main(void *p)
#else
static void *thread_main(void *p)
#endif
{
    thread_start ts = *(thread_start *)p;
    free(p);
    ts.fn(ts.arg);
#ifdef _WIN32
    return 0;
#else
    return NULL;
#endif
}

int mw_thread_start_detached(void (*fn)(void *), void *arg)
{
    thread_start *ts = mw_malloc(sizeof *ts);
    if (!ts)
        return -1;
    ts->fn = fn;
    ts->arg = arg;
#ifdef _WIN32
    uintptr_t h = _beginthreadex(NULL, 0, thread_main, ts, 0, NULL);
    if (h == 0) {
        free(ts);
        return -1;
    }
    CloseHandle((HANDLE)h);
    return 0;
#else
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, thread_main, ts);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(ts);
        return -1;
    }
    return 0;
#endif
}

#ifdef _WIN32
static SRWLOCK g_lock = SRWLOCK_INIT;
void mw_global_lock(void)
{
    AcquireSRWLockExclusive(&g_lock);
}
void mw_global_unlock(void)
{
    ReleaseSRWLockExclusive(&g_lock);
}
void mw_mutex_init(mw_mutex_t *m)
{
    InitializeCriticalSection(m);
}
void mw_mutex_destroy(mw_mutex_t *m)
{
    DeleteCriticalSection(m);
}
void mw_mutex_lock(mw_mutex_t *m)
{
    EnterCriticalSection(m);
}
void mw_mutex_unlock(mw_mutex_t *m)
{
    LeaveCriticalSection(m);
}
#else
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
void mw_global_lock(void)
{
    pthread_mutex_lock(&g_lock);
}
void mw_global_unlock(void)
{
    pthread_mutex_unlock(&g_lock);
}
void mw_mutex_init(mw_mutex_t *m)
{
    pthread_mutex_init(m, NULL);
}
void mw_mutex_destroy(mw_mutex_t *m)
{
    pthread_mutex_destroy(m);
}
void mw_mutex_lock(mw_mutex_t *m)
{
    pthread_mutex_lock(m);
}
void mw_mutex_unlock(mw_mutex_t *m)
{
    pthread_mutex_unlock(m);
}
#endif
