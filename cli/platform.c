/* What differs between POSIX systems and Windows, kept in one file: UTF-8 paths and
 * arguments (Windows hands programs ANSI-code-page strings unless asked for wide ones),
 * terminals, binary standard output, directories, a clock, and interrupts. */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L /* fileno, isatty, sigwait, pthread_sigmask, clock_gettime */
#endif
#include "cli.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <fcntl.h>
#include <io.h>
#include <windows.h>
/* after <windows.h>, which it needs */
#include <shellapi.h>
#else
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#endif

#ifdef _WIN32
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (w)
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}
#endif

FILE *cli_fopen(const char *path, const char *mode)
{
#ifdef _WIN32
    wchar_t *wp = wide(path), *wm = wide(mode);
    FILE *f = wp && wm ? _wfopen(wp, wm) : NULL;
    free(wp);
    free(wm);
    return f;
#else
    return fopen(path, mode);
#endif
}

int cli_read_file(const char *path, cli_buf *out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : cli_fopen(path, "rb");
    if (!f)
        return -1;
#ifdef _WIN32
    if (f == stdin)
        _setmode(_fileno(stdin), _O_BINARY);
#endif
    char chunk[65536];
    size_t n;
    int rc = cli_buf_add(out, "", 0);
    while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rc = cli_buf_add(out, chunk, n);
    if (ferror(f))
        rc = -1;
    if (f != stdin)
        fclose(f);
    return rc;
}

int cli_isatty(FILE *f)
{
#ifdef _WIN32
    return _isatty(_fileno(f));
#else
    return isatty(fileno(f));
#endif
}

void cli_binary_stdout(void)
{
#ifdef _WIN32
    fflush(stdout);
    _setmode(_fileno(stdout), _O_BINARY);
#endif
}

int cli_make_dir(const char *path)
{
#ifdef _WIN32
    wchar_t *w = wide(path);
    if (!w)
        return -1;
    DWORD attr = GetFileAttributesW(w);
    int rc = 0;
    if (attr == INVALID_FILE_ATTRIBUTES)
        rc = CreateDirectoryW(w, NULL) ? 0 : -1;
    else if (!(attr & FILE_ATTRIBUTE_DIRECTORY))
        rc = -1;
    free(w);
    return rc;
#else
    struct stat st;
    if (stat(path, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : -1;
    return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
#endif
}

uint64_t cli_now_ms(void)
{
#ifdef _WIN32
    return (uint64_t)GetTickCount64();
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
#endif
}

void cli_utf8_args(int *argc, char ***argv)
{
#ifdef _WIN32
    int n = 0;
    wchar_t **w = CommandLineToArgvW(GetCommandLineW(), &n);
    if (!w)
        return;
    char **out = calloc((size_t)n + 1, sizeof *out);
    if (!out)
        return;
    for (int i = 0; i < n; i++) {
        int len = WideCharToMultiByte(CP_UTF8, 0, w[i], -1, NULL, 0, NULL, NULL);
        out[i] = malloc(len > 0 ? (size_t)len : 1);
        if (!out[i])
            return;
        out[i][0] = '\0';
        if (len > 0)
            WideCharToMultiByte(CP_UTF8, 0, w[i], -1, out[i], len, NULL, NULL);
    }
    LocalFree(w);
    *argc = n;
    *argv = out; /* lives as long as the process */
    /* Text printed to the console is UTF-8 too. */
    SetConsoleOutputCP(CP_UTF8);
#else
    (void)argc;
    (void)argv;
#endif
}

/* Interrupts. The library's calls are not async-signal-safe, so nothing is done in a signal
 * handler: on POSIX systems the signals are blocked in every thread and one thread takes
 * them with sigwait(); on Windows the console control handler already runs on a thread of
 * its own. Either then sets the flag and cancels the running call (MailwireCancel() may be
 * called from any thread), again every 50 ms until the command has noticed, so an interrupt
 * that falls between two calls is not lost. */
static atomic_int g_interrupted;
static atomic_int g_done;
static HCLIENT g_client = INVALID_CLIENT;

int cli_interrupted(void)
{
    return atomic_load(&g_interrupted);
}

void cli_interrupt_done(void)
{
    atomic_store(&g_done, 1);
}

static void cancel_until_done(void)
{
    atomic_store(&g_interrupted, 1);
    while (!atomic_load(&g_done)) {
        MailwireCancel(g_client);
#ifdef _WIN32
        Sleep(50);
#else
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
#endif
    }
}

#ifdef _WIN32
static BOOL WINAPI on_console_event(DWORD type)
{
    if (type != CTRL_C_EVENT && type != CTRL_BREAK_EVENT && type != CTRL_CLOSE_EVENT)
        return FALSE;
    cancel_until_done();
    return TRUE;
}

void cli_interrupt_prepare(void) {}

void cli_interrupt_watch(HCLIENT h)
{
    g_client = h;
    SetConsoleCtrlHandler(on_console_event, TRUE);
}
#else
static sigset_t g_signals;

static void *signal_thread(void *arg)
{
    (void)arg;
    int sig = 0;
    if (sigwait(&g_signals, &sig) == 0)
        cancel_until_done();
    return NULL;
}

void cli_interrupt_prepare(void)
{
    sigemptyset(&g_signals);
    sigaddset(&g_signals, SIGINT);
    sigaddset(&g_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &g_signals, NULL);
}

void cli_interrupt_watch(HCLIENT h)
{
    g_client = h;
    pthread_t t;
    if (pthread_create(&t, NULL, signal_thread, NULL) == 0)
        pthread_detach(t);
}
#endif
