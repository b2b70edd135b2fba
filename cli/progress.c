/* The progress bar of a send: one line on stderr, redrawn in place at most ten times a
 * second, with the bytes sent, the rate and the time left. Drawn only when stderr is a
 * terminal: redirected output (a log, a pipe, a test) gets no carriage returns. */
#include "cli.h"

#include <string.h>

void cli_progress_start(cli_progress *p, int enabled)
{
    memset(p, 0, sizeof *p);
    p->active = enabled && cli_isatty(stderr);
    p->start_ms = cli_now_ms();
}

static void human(uint64_t v, char *out, size_t cb)
{
    if (v < 1024)
        snprintf(out, cb, "%u B", (unsigned)v);
    else if (v < 1024u * 1024u)
        snprintf(out, cb, "%.1f KiB", (double)v / 1024.0);
    else
        snprintf(out, cb, "%.1f MiB", (double)v / (1024.0 * 1024.0));
}

static void draw(cli_progress *p, uint64_t done, uint64_t total, int final)
{
    uint64_t now = cli_now_ms();
    double secs = (double)(now - p->start_ms) / 1000.0;
    double rate = secs > 0.0 ? (double)done / secs : 0.0;
    unsigned pct = total ? (unsigned)(done * 100u / total) : 0;
    enum { WIDTH = 24 };
    char bar[WIDTH + 1];
    unsigned fill = total ? (unsigned)(done * WIDTH / total) : 0;
    for (unsigned i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '-';
    bar[WIDTH] = '\0';
    char d[32], t[32], r[32], left[32];
    human(done, d, sizeof d);
    human(total, t, sizeof t);
    human((uint64_t)rate, r, sizeof r);
    if (final) {
        snprintf(left, sizeof left, "%.1f s", secs);
    } else if (rate > 0.0 && total > done) {
        unsigned s = (unsigned)((double)(total - done) / rate + 0.5);
        snprintf(left, sizeof left, "%u:%02u left", s / 60, s % 60);
    } else {
        snprintf(left, sizeof left, "--:-- left");
    }
    fprintf(stderr, "\r%3u%% [%s] %s / %s  %s/s  %s   ", pct, bar, d, t, r, left);
    fflush(stderr);
    p->drawn = 1;
    p->last_ms = now;
}

void cli_progress_update(cli_progress *p, uint64_t done, uint64_t total)
{
    if (!p->active || total == 0)
        return;
    if (p->drawn && cli_now_ms() - p->last_ms < 100)
        return;
    draw(p, done, total, 0);
}

void cli_progress_end(cli_progress *p, int ok, uint64_t total)
{
    if (!p->active)
        return;
    if (ok && total)
        draw(p, total, total, 1);
    if (p->drawn)
        fputc('\n', stderr);
    p->active = 0;
}
