/* Where the password comes from. A password on the command line is visible to every user of
 * the machine (ps, /proc/PID/cmdline) and lands in shell histories, so it works but warns;
 * the file, the environment variable and the prompt do not have that problem. */
#if !defined(_WIN32)
#define _POSIX_C_SOURCE 200809L /* fileno, termios */
#endif
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <conio.h>
#include <windows.h>
#else
#include <termios.h>
#include <unistd.h>
#endif

void cli_secret_free(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    free(s);
}

static char *copy(const char *s, size_t n)
{
    char *o = malloc(n + 1);
    if (o) {
        memcpy(o, s, n);
        o[n] = '\0';
    }
    return o;
}

/* The first line of a file, without its line end. */
static char *from_file(const char *path)
{
    cli_buf b = {0};
    if (cli_read_file(path, &b) != 0) {
        fprintf(stderr, "mailwire: cannot read the password file '%s'\n", path);
        return NULL;
    }
    size_t n = strcspn(b.data ? b.data : "", "\r\n");
    char *o = copy(b.data ? b.data : "", n);
    if (b.data)
        memset(b.data, 0, b.len);
    cli_buf_free(&b);
    if (o && !*o) {
        fprintf(stderr, "mailwire: the password file '%s' is empty\n", path);
        free(o);
        return NULL;
    }
    return o;
}

char *cli_get_password(const cli_conn *c)
{
    if (c->password_file)
        return from_file(c->password_file);
    if (c->password_env) {
        const char *v = getenv(c->password_env);
        if (!v || !*v) {
            fprintf(stderr, "mailwire: the environment variable %s is not set\n", c->password_env);
            return NULL;
        }
        return copy(v, strlen(v));
    }
    if (c->password) {
        fprintf(stderr, "mailwire: warning: a password given with --password is visible to "
                        "other users of this machine; use --password-file, MAILWIRE_PASSWORD or "
                        "the prompt\n");
        return copy(c->password, strlen(c->password));
    }
    const char *v = getenv("MAILWIRE_PASSWORD");
    if (v && *v)
        return copy(v, strlen(v));
    char prompt[400];
    snprintf(prompt, sizeof prompt, "Password for %s@%s: ", c->user, c->url.host);
    char *p = cli_prompt_noecho(prompt);
    if (!p)
        fprintf(stderr, "mailwire: no password: give --password-file FILE, set "
                        "MAILWIRE_PASSWORD, or run on a terminal to be asked\n");
    return p;
}

#ifdef _WIN32
char *cli_prompt_noecho(const char *prompt)
{
    if (GetConsoleWindow() == NULL) /* no console to ask on */
        return NULL;
    fputs(prompt, stderr);
    fflush(stderr);
    wchar_t w[512];
    size_t n = 0;
    for (;;) {
        wint_t ch = _getwch();
        if (ch == L'\r' || ch == L'\n' || ch == WEOF)
            break;
        if (ch == 3) { /* Ctrl-C */
            fputc('\n', stderr);
            return NULL;
        }
        if (ch == 8) {
            if (n)
                n--;
            continue;
        }
        if (n + 1 < sizeof w / sizeof w[0])
            w[n++] = (wchar_t)ch;
    }
    fputc('\n', stderr);
    int len = WideCharToMultiByte(CP_UTF8, 0, w, (int)n, NULL, 0, NULL, NULL);
    char *o = malloc((size_t)len + 1);
    if (o) {
        WideCharToMultiByte(CP_UTF8, 0, w, (int)n, o, len, NULL, NULL);
        o[len] = '\0';
    }
    SecureZeroMemory(w, sizeof w);
    return o;
}
#else
char *cli_prompt_noecho(const char *prompt)
{
    FILE *tty = fopen("/dev/tty", "r+");
    if (!tty)
        return NULL;
    int fd = fileno(tty);
    struct termios old, quiet;
    int have_term = tcgetattr(fd, &old) == 0;
    if (have_term) {
        quiet = old;
        quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    fputs(prompt, tty);
    fflush(tty);
    char line[512];
    char *r = fgets(line, sizeof line, tty);
    if (have_term)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    if (!r)
        return NULL;
    char *o = copy(line, strcspn(line, "\r\n"));
    memset(line, 0, sizeof line);
    return o;
}
#endif
