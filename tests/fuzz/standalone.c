/* Replays fuzz inputs without libFuzzer: every file named on the command line, or every file
 * in a directory named there, goes through LLVMFuzzerTestOneInput() once. Used by the normal
 * (gcc) builds so the fuzz targets and their seed corpora run as regression tests. */
#if !defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* getaddrinfo & co. under -std=c11 (tests/common/portable.h) */
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/portable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return 1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb)
                free(buf);
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (!buf) {
        fprintf(stderr, "out of memory reading %s\n", path);
        return 1;
    }
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

typedef struct replay {
    const char *dir;
    int failures, count;
} replay;

static int replay_entry(const char *name, void *user)
{
    replay *r = user;
    char path[4096];
    if (name[0] == '.')
        return 0;
    snprintf(path, sizeof path, "%s/%s", r->dir, name);
    r->failures += run_file(path);
    r->count++;
    return 0;
}

int main(int argc, char **argv)
{
    replay r = {NULL, 0, 0};
    for (int i = 1; i < argc; i++) {
        if (!mwt_is_dir(argv[i])) {
            r.failures += run_file(argv[i]);
            r.count++;
            continue;
        }
        r.dir = argv[i];
        if (mwt_list_dir(argv[i], replay_entry, &r) != 0) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
    }
    printf("%d inputs replayed\n", r.count);
    /* An empty corpus means the seeds went missing: fail rather than pass vacuously. */
    return r.failures || r.count == 0 ? 1 : 0;
}
