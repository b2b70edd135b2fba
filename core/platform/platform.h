/* Portable socket, time, thread and lock primitives (internal).
 *
 * POSIX (Linux) and Windows (mingw-w64, tested under Wine) are built and tested; the _WIN32
 * branches (SOCKET handles, WSAPoll, closesocket, WSAGetLastError) keep the layers above free
 * of a separate code path. Files: file.h (UTF-8 paths), atomic.h, the resolver and connector. */
#ifndef MW_PLATFORM_H
#define MW_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET mw_socket_t;
#define MW_INVALID_SOCKET INVALID_SOCKET
typedef CRITICAL_SECTION mw_mutex_t;
#else
#include <pthread.h>
#include <sys/types.h>
typedef int mw_socket_t;
#define MW_INVALID_SOCKET (-1)
typedef pthread_mutex_t mw_mutex_t;
#endif

#if defined(_MSC_VER) && !defined(__clang__)
#define MW_THREAD_LOCAL __declspec(thread)
#else
#define MW_THREAD_LOCAL _Thread_local
#endif

/* Internal names are hidden from the shared library's symbol table. A PE DLL exports only
 * what is marked dllexport (MAILWIRE_API), so Windows needs nothing, and gcc warns that it
 * ignores the ELF visibility attribute there. */
#if defined(_WIN32)
#define MW_INTERNAL
#elif defined(__GNUC__) || defined(__clang__)
#define MW_INTERNAL __attribute__((visibility("hidden")))
#else
#define MW_INTERNAL
#endif

/* Format checking against the printf that is really called. mingw-w64 names it in
 * __MINGW_PRINTF_FORMAT: gnu_printf when its own C99 printf is in use (the build defines
 * __USE_MINGW_ANSI_STDIO, so %zu and %lld work on every msvcrt), ms_printf otherwise, where
 * gcc then rightly flags %zu. */
#if defined(__MINGW32__)
#include <stdio.h> /* defines __MINGW_PRINTF_FORMAT */
#define MW_PRINTF(f, a) __attribute__((format(__MINGW_PRINTF_FORMAT, f, a)))
#elif defined(__GNUC__) || defined(__clang__)
#define MW_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MW_PRINTF(f, a)
#endif

/* Directions a session waits for; combined as bits. */
enum { MW_WANT_NONE = 0, MW_WANT_READ = 1, MW_WANT_WRITE = 2 };

/* Monotonic milliseconds; only differences are meaningful. */
MW_INTERNAL int64_t mw_now_ms(void);

/* OS thread id of the caller (gettid / GetCurrentThreadId). */
MW_INTERNAL uint32_t mw_thread_id(void);

/* Start a detached thread; returns 0 on success. */
MW_INTERNAL int mw_thread_start_detached(void (*fn)(void *), void *arg);

/* Suspend the calling thread for about ms milliseconds. */
MW_INTERNAL void mw_sleep_ms(unsigned ms);

/* One process-wide lock for the library's few globals (handle table, init count); usable
 * before any initialisation. */
MW_INTERNAL void mw_global_lock(void);
MW_INTERNAL void mw_global_unlock(void);

MW_INTERNAL void mw_mutex_init(mw_mutex_t *m);
MW_INTERNAL void mw_mutex_destroy(mw_mutex_t *m);
MW_INTERNAL void mw_mutex_lock(mw_mutex_t *m);
MW_INTERNAL void mw_mutex_unlock(mw_mutex_t *m);

/* Sockets usable in this process: Winsock started (once, whether or not the application
 * called MailwireInitialize() or WSAStartup()); nothing elsewhere. 0, or -1. Called before
 * anything that needs Winsock (wake-up channel, resolver, host name). */
MW_INTERNAL int mw_sockets_ready(void);

/* MailwireInitialize()'s set-up, undone by mw_platform_cleanup() (Winsock start-up; SIGPIPE
 * needs nothing since sends use MSG_NOSIGNAL). Returns 0 on success. */
MW_INTERNAL int mw_platform_init(void);
MW_INTERNAL void mw_platform_cleanup(void);

/* Last socket error (errno / WSAGetLastError) and whether it means "try again". */
MW_INTERNAL int mw_sock_errno(void);
MW_INTERNAL int mw_sock_would_block(int err);
MW_INTERNAL int mw_sock_interrupted(int err);
MW_INTERNAL const char *mw_sock_strerror(int err, char *buf, size_t len);

MW_INTERNAL int mw_sock_set_nonblocking(mw_socket_t s);
MW_INTERNAL void mw_sock_close(mw_socket_t s);

/* send/recv without SIGPIPE. Return bytes, or -1 with the error in *err. recv returns 0 on
 * orderly shutdown. */
/* Acknowledge the data received on s now instead of after the delayed-ACK timer, where the
 * platform has a way (Linux: TCP_QUICKACK, which also sends an ACK already scheduled). 1 when
 * it did, 0 where the platform cannot. */
MW_INTERNAL int mw_sock_ack_now(mw_socket_t s);
/* Whether mw_sock_ack_now() works on this platform. */
MW_INTERNAL int mw_sock_can_ack_now(void);

/* Let poll() report s readable only once at least bytes are queued (Linux SO_RCVLOWAT;
 * elsewhere nothing happens). 0 when set. */
MW_INTERNAL int mw_sock_set_rcvlowat(mw_socket_t s, int bytes);

/* Whether the connected peer of s is a loopback address (127/8 or ::1). */
MW_INTERNAL int mw_sock_peer_is_loopback(mw_socket_t s);

MW_INTERNAL long mw_sock_send(mw_socket_t s, const void *buf, size_t len, int *err);
MW_INTERNAL long mw_sock_recv(mw_socket_t s, void *buf, size_t len, int *err);

/* A wake-up channel: any thread may signal it; a poll on its read side wakes. Used by
 * cancel and by the resolver thread. */
typedef struct mw_wakeup {
    mw_socket_t rd;
    mw_socket_t wr;
} mw_wakeup;

MW_INTERNAL int mw_wakeup_open(mw_wakeup *w);
MW_INTERNAL void mw_wakeup_close(mw_wakeup *w);
MW_INTERNAL void mw_wakeup_signal(mw_wakeup *w);
MW_INTERNAL void mw_wakeup_drain(mw_wakeup *w);

/* Wait until `sock` is ready for `want` (MW_WANT_* bits) or `wake` is signalled, for at most
 * timeout_ms (-1: no limit). Returns the ready MW_WANT_* bits of sock (0 on timeout or wake-up)
 * or -1 on a poll failure (*err set). sock may be MW_INVALID_SOCKET (wait on wake only). */
MW_INTERNAL int mw_poll2(mw_socket_t sock, int want, mw_socket_t wake, int timeout_ms, int *err);

#endif /* MW_PLATFORM_H */
