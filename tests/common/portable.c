/* The test programs' portability layer; see portable.h. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif
#include "portable.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <process.h>
#else
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;
#endif

#ifdef _WIN32
/* UTF-8 to a new UTF-16 string (free()), NULL when invalid or out of memory. */
static wchar_t *widen(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

static void narrow(const wchar_t *w, char *out, size_t size)
{
    if (WideCharToMultiByte(CP_UTF8, 0, w, -1, out, (int)size, NULL, NULL) <= 0)
        out[0] = 0;
}

static INIT_ONCE g_wsa_once = INIT_ONCE_STATIC_INIT;
static BOOL CALLBACK wsa_start(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    WSADATA wsa;
    (void)once;
    (void)param;
    (void)ctx;
    return WSAStartup(MAKEWORD(2, 2), &wsa) == 0;
}
#endif

int mwt_sockets_init(void)
{
#ifdef _WIN32
    return InitOnceExecuteOnce(&g_wsa_once, wsa_start, NULL, NULL) ? 0 : -1;
#else
    return 0;
#endif
}

int mwt_set_nonblocking(mwt_socket s)
{
#ifdef _WIN32
    u_long on = 1;
    return ioctlsocket(s, FIONBIO, &on) == 0 ? 0 : -1;
#else
    int fl = fcntl(s, F_GETFL, 0);
    return fl < 0 || fcntl(s, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
#endif
}

mwt_socket mwt_socket_tcp(int family, int nonblocking)
{
#ifdef _WIN32
    /* WSA_FLAG_NO_HANDLE_INHERIT: the CLOEXEC of Windows. */
    SOCKET s = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
#else
    int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
#endif
    if (s != MWT_INVALID_SOCKET && nonblocking && mwt_set_nonblocking(s) != 0) {
        mwt_close_socket(s);
        return MWT_INVALID_SOCKET;
    }
    return s;
}

mwt_socket mwt_accept(mwt_socket listener, int nonblocking)
{
#ifdef _WIN32
    SOCKET s = accept(listener, NULL, NULL);
    if (s != INVALID_SOCKET && nonblocking && mwt_set_nonblocking(s) != 0) {
        int e = WSAGetLastError();
        closesocket(s);
        WSASetLastError(e);
        return INVALID_SOCKET;
    }
    return s;
#else
    return accept4(listener, NULL, NULL, SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0));
#endif
}

void mwt_close_socket(mwt_socket s)
{
    if (s == MWT_INVALID_SOCKET)
        return;
#ifdef _WIN32
    closesocket(s);
#else
    close(s);
#endif
}

long mwt_send(mwt_socket s, const void *data, size_t len)
{
    for (;;) {
#ifdef _WIN32
        int n = send(s, (const char *)data, len > 0x7fffffff ? 0x7fffffff : (int)len, 0);
#else
        ssize_t n = send(s, data, len, MSG_NOSIGNAL);
#endif
        if (n >= 0 || !mwt_interrupted(mwt_socket_error()))
            return (long)n;
    }
}

long mwt_recv(mwt_socket s, void *data, size_t len)
{
    for (;;) {
#ifdef _WIN32
        int n = recv(s, (char *)data, len > 0x7fffffff ? 0x7fffffff : (int)len, 0);
#else
        ssize_t n = recv(s, data, len, 0);
#endif
        if (n >= 0 || !mwt_interrupted(mwt_socket_error()))
            return (long)n;
    }
}

int mwt_setsockopt_int(mwt_socket s, int level, int name, int value)
{
    return setsockopt(s, level, name, (const char *)&value, sizeof value);
}

int mwt_set_io_timeout(mwt_socket s, int ms)
{
#ifdef _WIN32
    DWORD t = (DWORD)ms; /* Winsock takes milliseconds as a DWORD */
#else
    struct timeval t = {ms / 1000, (ms % 1000) * 1000};
#endif
    return setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&t, sizeof t) ||
                   setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (const char *)&t, sizeof t)
               ? -1
               : 0;
}

int mwt_socket_error(void)
{
#ifdef _WIN32
    return WSAGetLastError();
#else
    return errno;
#endif
}

int mwt_would_block(int err)
{
#ifdef _WIN32
    return err == WSAEWOULDBLOCK || err == WSAEINPROGRESS;
#else
    return err == EAGAIN || err == EWOULDBLOCK || err == EINPROGRESS;
#endif
}

int mwt_interrupted(int err)
{
#ifdef _WIN32
    return err == WSAEINTR;
#else
    return err == EINTR;
#endif
}

int mwt_conn_reset(int err)
{
#ifdef _WIN32
    return err == WSAECONNRESET || err == WSAECONNABORTED;
#else
    return err == ECONNRESET || err == ECONNABORTED || err == EPIPE;
#endif
}

const char *mwt_socket_strerror(int err, char *buf, size_t size)
{
#ifdef _WIN32
    wchar_t w[256];
    if (FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)err,
                       0, w, 256, NULL) == 0) {
        snprintf(buf, size, "socket error %d", err);
        return buf;
    }
    narrow(w, buf, size);
    size_t n = strlen(buf);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
        buf[--n] = 0;
#else
    snprintf(buf, size, "%s", strerror(err));
#endif
    return buf;
}

int mwt_poll(mwt_pollfd *fds, size_t n, int timeout_ms)
{
    for (;;) {
#ifdef _WIN32
        int r = WSAPoll(fds, (ULONG)n, timeout_ms);
#else
        int r = poll(fds, (nfds_t)n, timeout_ms);
#endif
        if (r >= 0 || !mwt_interrupted(mwt_socket_error()))
            return r;
    }
}

int mwt_wait_socket(mwt_socket s, unsigned want, int timeout_ms)
{
    mwt_pollfd p;
    memset(&p, 0, sizeof p);
    p.fd = s;
    p.events = (short)(((want & 1) ? POLLIN : 0) | ((want & 2) ? POLLOUT : 0));
    return mwt_poll(&p, 1, timeout_ms);
}

int mwt_socket_pair(mwt_socket sv[2])
{
#ifdef _WIN32
    struct sockaddr_in a;
    int alen = sizeof a;
    SOCKET l = mwt_socket_tcp(AF_INET, 0);
    sv[0] = sv[1] = INVALID_SOCKET;
    if (l == INVALID_SOCKET)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) ||
        getsockname(l, (struct sockaddr *)&a, &alen))
        goto fail;
    sv[1] = mwt_socket_tcp(AF_INET, 0);
    if (sv[1] == INVALID_SOCKET || connect(sv[1], (struct sockaddr *)&a, sizeof a))
        goto fail;
    sv[0] = accept(l, NULL, NULL);
    if (sv[0] == INVALID_SOCKET)
        goto fail;
    closesocket(l);
    mwt_setsockopt_int(sv[1], IPPROTO_TCP, TCP_NODELAY, 1);
    mwt_set_nonblocking(sv[0]);
    mwt_set_nonblocking(sv[1]);
    return 0;
fail:
    closesocket(l);
    mwt_close_socket(sv[1]);
    sv[0] = sv[1] = INVALID_SOCKET;
    return -1;
#else
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) != 0)
        return -1;
    return 0;
#endif
}

int mwt_getpid(void)
{
#ifdef _WIN32
    return (int)GetCurrentProcessId();
#else
    return (int)getpid();
#endif
}

void mwt_sleep_ms(unsigned ms)
{
#ifdef _WIN32
    Sleep(ms);
#else
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
#endif
}

int mwt_setenv(const char *name, const char *value)
{
#ifdef _WIN32
    /* _putenv_s with "" removes the variable, as unsetenv does. */
    return _putenv_s(name, value ? value : "") == 0 ? 0 : -1;
#else
    return value ? setenv(name, value, 1) : unsetenv(name);
#endif
}

const char *mwt_temp_dir(void)
{
    static char dir[1024];
    if (dir[0])
        return dir;
#ifdef _WIN32
    wchar_t w[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, w);
    if (n == 0 || n > MAX_PATH)
        wcscpy(w, L"C:\\Windows\\Temp\\");
    narrow(w, dir, sizeof dir);
#else
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s", t && *t ? t : "/tmp");
#endif
    size_t len = strlen(dir);
    while (len > 1 && (dir[len - 1] == '/' || dir[len - 1] == '\\'))
        dir[--len] = 0;
    return dir;
}

int mwt_make_temp_dir(const char *prefix, char *out, size_t size)
{
#ifdef _WIN32
    static const char chars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    unsigned seed = (unsigned)GetTickCount() ^ (unsigned)GetCurrentProcessId() << 16;
    for (int attempt = 0; attempt < 100; attempt++) {
        char name[16];
        for (int i = 0; i < 6; i++) {
            seed = seed * 1103515245u + 12345u;
            name[i] = chars[(seed >> 16) % (sizeof chars - 1)];
        }
        name[6] = 0;
        snprintf(out, size, "%s\\%s%s", mwt_temp_dir(), prefix, name);
        wchar_t *w = widen(out);
        if (!w)
            return -1;
        BOOL ok = CreateDirectoryW(w, NULL);
        DWORD e = GetLastError();
        free(w);
        if (ok)
            return 0;
        if (e != ERROR_ALREADY_EXISTS)
            return -1;
    }
    return -1;
#else
    if (snprintf(out, size, "%s/%sXXXXXX", mwt_temp_dir(), prefix) >= (int)size)
        return -1;
    return mkdtemp(out) ? 0 : -1;
#endif
}

int mwt_is_dir(const char *path)
{
#ifdef _WIN32
    wchar_t *w = widen(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
#else
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
#endif
}

int mwt_list_dir(const char *dir, int (*fn)(const char *name, void *user), void *user)
{
#ifdef _WIN32
    char pattern[2048];
    snprintf(pattern, sizeof pattern, "%s\\*", dir);
    wchar_t *w = widen(pattern);
    if (!w)
        return -1;
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(w, &fd);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return GetLastError() == ERROR_FILE_NOT_FOUND ? 0 : -1;
    do {
        char name[1024];
        narrow(fd.cFileName, name, sizeof name);
        if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && fn(name, user))
            break;
    } while (FindNextFileW(h, &fd));
    FindClose(h);
    return 0;
#else
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 && fn(e->d_name, user))
            break;
    closedir(d);
    return 0;
#endif
}

FILE *mwt_fopen(const char *path, const char *mode)
{
#ifdef _WIN32
    wchar_t *w = widen(path), *m = widen(mode);
    FILE *f = w && m ? _wfopen(w, m) : NULL;
    free(w);
    free(m);
    return f;
#else
    return fopen(path, mode);
#endif
}

int mwt_remove_file(const char *path)
{
#ifdef _WIN32
    wchar_t *w = widen(path);
    int rc = w && DeleteFileW(w) ? 0 : -1;
    free(w);
    return rc;
#else
    return unlink(path);
#endif
}

long long mwt_lock_file(const char *path, char *why, size_t why_size)
{
#ifdef _WIN32
    wchar_t *w = widen(path);
    HANDLE h = w ? CreateFileW(w, GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                               NULL, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, NULL)
                 : INVALID_HANDLE_VALUE;
    free(w);
    OVERLAPPED o;
    memset(&o, 0, sizeof o);
    if (h == INVALID_HANDLE_VALUE || !LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK, 0, 1, 0, &o)) {
        snprintf(why, why_size, "cannot lock %s: error %lu", path, (unsigned long)GetLastError());
        if (h != INVALID_HANDLE_VALUE)
            CloseHandle(h);
        return -1;
    }
    return (long long)(intptr_t)h;
#else
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            snprintf(why, why_size, "cannot lock %s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
    }
    return fd;
#endif
}

void mwt_unlock_file(long long handle)
{
    if (handle < 0)
        return;
#ifdef _WIN32
    CloseHandle((HANDLE)(intptr_t)handle); /* closing releases the lock */
#else
    close((int)handle);
#endif
}

int mwt_run_bash(const char *script, const char *arg, const char *log, char *why, size_t why_size)
{
#ifdef _WIN32
    (void)arg;
    (void)log;
    snprintf(why, why_size, "cannot run bash %s on Windows: the build prepares its output", script);
    return -1;
#else
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
    char *argv[] = {(char *)"bash", (char *)script, (char *)arg, NULL};
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, "bash", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, why_size, "cannot run bash: %s", strerror(rc));
        return -1;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(why, why_size, "waitpid: %s", strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        snprintf(why, why_size, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(why, why_size, "killed by signal %d", WTERMSIG(status));
    return -1;
#endif
}
