/* imap_readback: wait for a message with a given subject in INBOX, then print its header
 * block and the names of its attachments.
 *
 *   imap_readback HOST PORT USER PASSWORD SUBJECT [CAFILE] [WAIT_SECONDS]
 *
 * Connects with STARTTLS (implicit TLS on port 993), logs in with the strongest mechanism
 * offered, selects INBOX and searches for SUBJECT (the value is quoted or sent as a literal
 * by the library, whatever it contains). While nothing matches it waits in IDLE for new mail,
 * up to WAIT_SECONDS (default 15). Attachment names come from BODYSTRUCTURE, so the
 * attachments themselves are never downloaded. Exit status 0 when the message was found. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mailwire/common.h>
#include <mailwire/imap.h>

static int fail(const char *what)
{
    fprintf(stderr, "%s: %s (%s)\n", what, ImapGetErrorText(ImapGetLastError()),
            MailwireGetLastErrorDetail());
    return 1;
}

/* Print every value that follows a "filename" or "name" parameter in a BODYSTRUCTURE. The
 * text is IMAP syntax: ("attachment" ("filename" "report.pdf")). RFC 2231 forms
 * ("filename*") are printed as sent. */
static void MAILWIRE_CALLBACK print_attachments(const IMAPMESSAGE *m, void *user)
{
    int *count = user;
    const char *p = m->lpszBodyStructure ? m->lpszBodyStructure : "";
    static const char *const keys[] = {"\"filename\" \"", "\"filename*\" \"", "\"FILENAME\" \""};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        const char *q = p;
        while ((q = strstr(q, keys[k])) != NULL) {
            q += strlen(keys[k]);
            const char *end = strchr(q, '"');
            if (!end)
                break;
            printf("attachment: %.*s\n", (int)(end - q), q);
            ++*count;
            q = end;
        }
    }
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: %s HOST PORT USER PASSWORD SUBJECT [CAFILE] [WAIT_SECONDS]\n",
                argv[0]);
        return 2;
    }
    const char *host = argv[1], *user = argv[3], *pass = argv[4], *subject = argv[5];
    unsigned port = (unsigned)atoi(argv[2]);
    int wait_seconds = argc > 7 ? atoi(argv[7]) : 15;
    SECURITYCREDENTIALS cred = {0};
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = argc > 6 && argv[6][0] ? argv[6] : NULL;
    uint32_t options = port == 993 ? IMAP_OPTION_SECURE_IMPLICIT : IMAP_OPTION_SECURE;

    if (!ImapInitialize())
        return fail("ImapInitialize");
    HCLIENT h = ImapConnect(host, port, 20, options, &cred);
    if (h == INVALID_CLIENT)
        return fail("ImapConnect");
    int rc = 1;
    IMAPMAILBOX box;
    memset(&box, 0, sizeof box);
    if (ImapLogin(h, IMAP_AUTH_AUTO, user, pass) != 0) {
        fail("ImapLogin");
        goto out;
    }
    if (ImapSelectMailbox(h, "INBOX", &box) != 0) {
        fail("ImapSelectMailbox");
        goto out;
    }
    IMAPSEARCH *search = ImapSearchCreate();
    if (!search || ImapSearchAdd(search, "SUBJECT", subject) != 0) {
        ImapSearchFree(search);
        fail("ImapSearchAdd");
        goto out;
    }
    uint32_t ids[16];
    size_t found = 0;
    time_t until = time(NULL) + wait_seconds;
    for (;;) {
        found = sizeof ids / sizeof ids[0];
        if (ImapSearchMailbox(h, search, NULL, 0, ids, &found) != 0) {
            fail("ImapSearchMailbox");
            break;
        }
        if (found > 0 || time(NULL) >= until)
            break;
        /* Nothing yet: wait for the server to announce new mail (RFC 2177 IDLE). */
        unsigned changes = 0;
        if (ImapIdle(h, (unsigned)(until - time(NULL)) + 1, IMAP_IDLE_WAIT, &changes) != 0) {
            fail("ImapIdle");
            break;
        }
    }
    ImapSearchFree(search);
    if (found == 0) {
        fprintf(stderr, "no message with subject \"%s\" arrived within %d s\n", subject,
                wait_seconds);
        goto out;
    }
    unsigned id = ids[found > sizeof ids / sizeof ids[0] ? sizeof ids / sizeof ids[0] - 1
                                                         : found - 1]; /* the newest match */
    char headers[16384];
    size_t len = sizeof headers;
    if (ImapGetHeaders(h, id, headers, &len, 0) != 0) {
        fail("ImapGetHeaders");
        goto out;
    }
    printf("---- headers of message %u ----\n%.*s", id, (int)len, headers);
    char set[16];
    snprintf(set, sizeof set, "%u", id);
    int attachments = 0;
    if (ImapGetMessageInfo(h, set, IMAP_INFO_BODYSTRUCTURE, print_attachments, &attachments) != 0) {
        fail("ImapGetMessageInfo");
        goto out;
    }
    if (attachments == 0)
        printf("no attachments\n");
    rc = 0;
out:
    ImapDisconnect(h);
    ImapUninitialize();
    return rc;
}
