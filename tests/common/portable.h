/* The test programs' portability layer: what they need of sockets, poll, processes, the
 * environment and temporary directories, on POSIX and on Windows (mingw-w64, run under Wine),
 * so that no test file includes a POSIX-only header (the library keeps its own in
 * core/platform). C and C++; the names carry mwt_ (test), apart from the library's mw_.
 *
 * Winsock: mwt_sockets_init() starts it for tests that open sockets themselves (the fake
 * server, connector tests). Programs that only call the library must not: the library starts
 * Winsock on its own on first use, and the tests show it (tests/windows). */
#ifndef MWT_PORTABLE_H
#define MWT_PORTABLE_H

#include <stddef.h>
#include <stdio.h>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX /* std::min and std::max stay usable in C++ */
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
typedef SOCKET mwt_socket;
typedef WSAPOLLFD mwt_pollfd;
#define MWT_INVALID_SOCKET INVALID_SOCKET
#define MWT_SHUT_WR SD_SEND
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
typedef int mwt_socket;
typedef struct pollfd mwt_pollfd;
#define MWT_INVALID_SOCKET (-1)
#define MWT_SHUT_WR SHUT_WR
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sockets ---- */

/* Start Winsock (once; nothing elsewhere). 0, or -1. */
int mwt_sockets_init(void);
/* A TCP socket for family, non-blocking when asked, not inherited by child processes. */
mwt_socket mwt_socket_tcp(int family, int nonblocking);
/* accept(), the new socket non-blocking when asked. MWT_INVALID_SOCKET with the error in
 * mwt_socket_error(). */
mwt_socket mwt_accept(mwt_socket listener, int nonblocking);
int mwt_set_nonblocking(mwt_socket s);
void mwt_close_socket(mwt_socket s);
/* send() without SIGPIPE and recv(); bytes, 0 (recv: orderly shutdown), or -1 with the error
 * in mwt_socket_error(). EINTR is retried. */
long mwt_send(mwt_socket s, const void *data, size_t len);
long mwt_recv(mwt_socket s, void *data, size_t len);
/* setsockopt() with an int value. */
int mwt_setsockopt_int(mwt_socket s, int level, int name, int value);
/* Send and receive timeouts of a blocking socket. */
int mwt_set_io_timeout(mwt_socket s, int ms);
/* The socket's last error (errno / WSAGetLastError()), and its kind. */
int mwt_socket_error(void);
int mwt_would_block(int err);
int mwt_interrupted(int err);
/* A connection reset or abort by the peer. */
int mwt_conn_reset(int err);
/* Text for a socket error, in buf (UTF-8). */
const char *mwt_socket_strerror(int err, char *buf, size_t size);
/* poll() / WSAPoll(), retried on EINTR. Returns as poll() does. */
int mwt_poll(mwt_pollfd *fds, size_t n, int timeout_ms);
/* Waits until s is ready for want (1: read, 2: write, 3: either: the MAILWIRE_POLL_* bits of
 * MailwireGetPollInfo()) or timeout_ms pass (-1: no limit). Returns as poll() does. */
int mwt_wait_socket(mwt_socket s, unsigned want, int timeout_ms);
/* A pair of connected sockets (AF_UNIX on POSIX, TCP over loopback on Windows, where WSAPoll
 * takes sockets only), both non-blocking. 0, or -1. */
int mwt_socket_pair(mwt_socket sv[2]);

/* ---- processes, time, environment, files ---- */

int mwt_getpid(void);
void mwt_sleep_ms(unsigned ms);
/* setenv(name, value, 1), or unsetenv(name) when value is NULL. 0, or -1. */
int mwt_setenv(const char *name, const char *value);
/* The directory for temporary files ($TMPDIR or /tmp; Windows: GetTempPath), without a
 * trailing separator, UTF-8. */
const char *mwt_temp_dir(void);
/* A new, empty directory <temp>/<prefix>XXXXXX; its path (UTF-8) in out. 0, or -1. */
int mwt_make_temp_dir(const char *prefix, char *out, size_t size);
/* Whether path (UTF-8) names a directory. */
int mwt_is_dir(const char *path);
/* Calls fn with every entry name of dir (UTF-8) but "." and "..", until fn returns non-zero.
 * 0, or -1 when dir cannot be read. */
int mwt_list_dir(const char *dir, int (*fn)(const char *name, void *user), void *user);
/* fopen() for a UTF-8 path (Windows: _wfopen, so that any name works whatever the ANSI code
 * page; the test's own way to make and read the files it hands the library). */
FILE *mwt_fopen(const char *path, const char *mode);
/* Removes the file at a UTF-8 path. 0, or -1. */
int mwt_remove_file(const char *path);
/* An exclusive lock on the file at path (created when missing), held until mwt_unlock_file().
 * Waits for another holder. A handle, or -1 with the reason in why. */
long long mwt_lock_file(const char *path, char *why, size_t why_size);
void mwt_unlock_file(long long handle);
/* Runs `bash script arg` with stdin from the null device and stdout and stderr into the file
 * log. 0 when it exited with 0; otherwise -1 with the reason (exit status, signal, or that
 * no bash can be started, as on Windows) in why. */
int mwt_run_bash(const char *script, const char *arg, const char *log, char *why, size_t why_size);

#ifdef __cplusplus
}
#endif

#endif /* MWT_PORTABLE_H */
