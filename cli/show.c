/* A parsed message shown as a mail reader would (fetch --show, parse without --json), and its
 * attachments saved to a directory (fetch --save-attachments). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* Leaf parts a reader lists as attachments: those with a file name or an attachment
 * disposition, and any leaf that is not text (an image, a PDF). The text the reader shows
 * (MimeGetMessageText()) is a text leaf without either. */
static int is_attachment(const MIMEPARTINFO *pi)
{
    if (pi->dwFlags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE))
        return 0;
    return pi->lpszFileName[0] || strcmp(pi->lpszDisposition, "attachment") == 0 ||
           strncmp(pi->lpszContentType, "text/", 5) != 0;
}

/* Text for a terminal: line breaks and tabs kept, other controls (escape sequences) made
 * harmless. */
static void put_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\r')
            continue;
        fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F ? ' ' : (int)c, out);
    }
}

int cli_show_message(HMESSAGE h, FILE *out)
{
    static const char *const fields[] = {"From", "To", "Cc", "Reply-To", "Date", "Subject"};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        char *v = cli_header(h, 0, fields[i]);
        if (!v)
            continue;
        char *p = cli_printable(v);
        fprintf(out, "%s: %s\n", fields[i], p ? p : "");
        free(p);
        free(v);
    }
    fputc('\n', out);
    int n = MimeGetMessageText(h, NULL, 0);
    if (n > 0) {
        char *text = malloc((size_t)n + 1);
        if (text && MimeGetMessageText(h, text, (size_t)n + 1) >= 0) {
            put_text(out, text);
            if (text[n - 1] != '\n')
                fputc('\n', out);
        }
        free(text);
    } else if (n < 0) {
        return cli_fail("text");
    }
    int parts = MimeGetMessagePartCount(h), listed = 0;
    for (int i = 0; i < parts; i++) {
        MIMEPARTINFO pi;
        memset(&pi, 0, sizeof pi);
        pi.dwSize = sizeof pi;
        if (MimeGetMessagePartInfo(h, i, &pi) != 0 || !is_attachment(&pi))
            continue;
        uint64_t size = 0;
        MimeGetMessagePartSize(h, i, &size);
        char *name = cli_printable(pi.lpszFileName[0] ? pi.lpszFileName : "(no name)");
        if (!listed++)
            fprintf(out, "\nAttachments:\n");
        fprintf(out, "  %s  %s  %llu bytes  (part %s)\n", name ? name : "", pi.lpszContentType,
                (unsigned long long)size, pi.lpszSection);
        free(name);
    }
    return fflush(out) == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}

static int is_device_name(const char *name)
{
    static const char *const devices[] = {"CON", "PRN", "AUX", "NUL", "COM", "LPT"};
    size_t stem = strcspn(name, ".");
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++) {
        size_t n = strlen(devices[i]);
        int digit = i >= 4;
        if (stem != n + (size_t)digit)
            continue;
        int same = 1;
        for (size_t k = 0; k < n; k++)
            if ((name[k] & ~0x20) != devices[i][k])
                same = 0;
        if (same && (!digit || (name[n] >= '1' && name[n] <= '9')))
            return 1;
    }
    return 0;
}

/* A file name from a message is the sender's choice: only its last path component is used,
 * characters that are special to a file system or a terminal are replaced, leading dots go
 * (no hidden files, no ".."), and an existing file is never overwritten. */
static char *safe_name(const char *dir, const char *wanted, const char *section)
{
    const char *base = wanted;
    for (const char *p = wanted; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    cli_buf name = {0};
    for (const char *p = base; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (name.len == 0 && (c == '.' || c == ' '))
            continue;
        if (c < 0x20 || c == 0x7F || strchr(":*?\"<>|", c))
            c = '_';
        cli_buf_add(&name, &c, 1);
    }
    /* Trailing dots and spaces vanish on Windows ("a.exe." is "a.exe"). */
    while (name.len && (name.data[name.len - 1] == '.' || name.data[name.len - 1] == ' '))
        name.data[--name.len] = '\0';
    if (name.len == 0) {
        cli_buf_str(&name, "part-");
        cli_buf_str(&name, section);
    }
    if (is_device_name(name.data)) {
        /* CON, NUL, COM1... name devices on Windows, with any extension. */
        cli_buf safe = {0};
        cli_buf_str(&safe, "_");
        cli_buf_str(&safe, name.data);
        cli_buf_free(&name);
        name = safe;
    }
    cli_buf path = {0};
    for (int n = 1; n < 1000; n++) {
        path.len = 0;
        cli_buf_str(&path, dir);
        cli_buf_str(&path, "/");
        if (n == 1) {
            cli_buf_str(&path, name.data);
        } else {
            /* "report (2).pdf" */
            const char *dot = strrchr(name.data, '.');
            size_t stem = dot && dot != name.data ? (size_t)(dot - name.data) : name.len;
            char num[16];
            snprintf(num, sizeof num, " (%d)", n);
            cli_buf_add(&path, name.data, stem);
            cli_buf_str(&path, num);
            cli_buf_str(&path, name.data + stem);
        }
        FILE *f = cli_fopen(path.data, "rb");
        if (!f)
            break;
        fclose(f);
    }
    cli_buf_free(&name);
    return path.data;
}

int cli_save_attachments(HMESSAGE h, const char *dir)
{
    if (cli_make_dir(dir) != 0) {
        fprintf(stderr, "mailwire: cannot create the directory '%s'\n", dir);
        return CLI_EXIT_ERROR;
    }
    int parts = MimeGetMessagePartCount(h);
    for (int i = 0; i < parts; i++) {
        MIMEPARTINFO pi;
        memset(&pi, 0, sizeof pi);
        pi.dwSize = sizeof pi;
        if (MimeGetMessagePartInfo(h, i, &pi) != 0 || !is_attachment(&pi))
            continue;
        char *path = safe_name(dir, pi.lpszFileName, pi.lpszSection);
        if (!path || MimeExtractFile(h, i, path, 0) != 0) {
            free(path);
            return cli_fail("save attachment");
        }
        char *p = cli_printable(path);
        printf("saved\t%s\n", p ? p : "");
        free(p);
        free(path);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_ERROR;
}
