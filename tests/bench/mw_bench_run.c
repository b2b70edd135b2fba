/* mw_bench_run: run one benchmark client and report what it cost, the same way for every
 * client (mailwire's bench programs, smtp-source, python, curl, mbsync).
 *
 *   mw_bench_run [-o FILE] [-t SECONDS] -- command [args...]
 *
 * Prints one line "wall=S user=S sys=S cpu=S maxrss_kib=N status=N" to FILE (default:
 * stderr) once the command has exited; the command's own output goes where it would.
 * Wall time is taken around fork/exec and wait4, so it includes the client's start-up (a
 * python interpreter, curl's or mbsync's initialisation): every client pays its own, and the
 * figure is what a user of that client waits for. CPU and peak RSS come from wait4's rusage of
 * that child alone (with any children it waited for), which /usr/bin/time reports too, but
 * only to 10 ms; this gives microseconds.
 * With -t, the command is killed (SIGKILL) after SECONDS and status is 124, so a hung client
 * cannot stall the whole benchmark run. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pid_t child;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
    if (child > 0)
        kill(child, SIGKILL);
}

static double seconds(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    const char *out = NULL;
    unsigned limit = 0;
    int opt;
    while ((opt = getopt(argc, argv, "+o:t:")) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 't':
            limit = (unsigned)strtoul(optarg, NULL, 10);
            break;
        default:
            fprintf(stderr, "usage: mw_bench_run [-o FILE] [-t SECONDS] -- command [args...]\n");
            return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "mw_bench_run: no command\n");
        return 2;
    }

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    child = fork();
    if (child < 0) {
        perror("mw_bench_run: fork");
        return 2;
    }
    if (child == 0) {
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "mw_bench_run: %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }
    if (limit) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_alarm;
        sigaction(SIGALRM, &sa, NULL);
        alarm(limit);
    }
    int status = 0;
    struct rusage ru;
    pid_t r;
    do
        r = wait4(child, &status, 0, &ru);
    while (r < 0 && errno == EINTR);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (r < 0) {
        perror("mw_bench_run: wait4");
        return 2;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (timed_out)
        code = 124;

    double wall = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    double user = seconds(ru.ru_utime), sys = seconds(ru.ru_stime);
    FILE *f = out ? fopen(out, "w") : stderr;
    if (!f) {
        perror(out);
        return 2;
    }
    fprintf(f, "wall=%.6f user=%.6f sys=%.6f cpu=%.6f maxrss_kib=%ld status=%d\n", wall, user, sys,
            user + sys, ru.ru_maxrss, code);
    if (out)
        fclose(f);
    return code;
}
