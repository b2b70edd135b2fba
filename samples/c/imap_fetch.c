/* imap_fetch: list the mailboxes of an account and print the newest message of INBOX.
 *
 *   imap_fetch HOST PORT USER PASSWORD [CAFILE]
 *
 * Connects with STARTTLS (or implicit TLS on port 993), logs in with the strongest mechanism
 * the server offers, lists every mailbox with its special use, selects INBOX and streams the
 * newest message to stdout. CAFILE adds a trust anchor (e.g. a test CA). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>
#include <mailwire/imap.h>

static int fail(const char *what)
{
    fprintf(stderr, "%s: %s (%s)\n", what, ImapGetErrorText(ImapGetLastError()),
            MailwireGetLastErrorDetail());
    return 1;
}

static int MAILWIRE_CALLBACK print_chunk(unsigned id, uint32_t uid, const char *data, size_t len,
                                         uint64_t total, void *user)
{
    (void)user;
    if (!data)
        printf("---- message %u (UID %u, %llu bytes) ----\n", id, uid, (unsigned long long)total);
    else
        fwrite(data, 1, len, stdout);
    return 0;
}

static const char *use_of(uint32_t attrs)
{
    if (attrs & IMAP_SPECIAL_SENT)
        return " (sent)";
    if (attrs & IMAP_SPECIAL_DRAFTS)
        return " (drafts)";
    if (attrs & IMAP_SPECIAL_TRASH)
        return " (trash)";
    if (attrs & IMAP_SPECIAL_JUNK)
        return " (junk)";
    if (attrs & IMAP_SPECIAL_ARCHIVE)
        return " (archive)";
    return "";
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s HOST PORT USER PASSWORD [CAFILE]\n", argv[0]);
        return 2;
    }
    unsigned port = (unsigned)atoi(argv[2]);
    SECURITYCREDENTIALS cred;
    memset(&cred, 0, sizeof cred);
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = argc > 5 ? argv[5] : NULL;
    uint32_t options = port == IMAP_PORT_SECURE ? IMAP_OPTION_SECURE_IMPLICIT : IMAP_OPTION_SECURE;

    ImapInitialize();
    HCLIENT h = ImapConnect(argv[1], port, 20, options, &cred);
    if (h == INVALID_CLIENT)
        return fail("connect");
    if (ImapLogin(h, IMAP_AUTH_AUTO, argv[3], argv[4]) != 0) {
        ImapDisconnect(h);
        return fail("login");
    }

    IMAPMAILBOXINFO info;
    int rc = ImapGetFirstMailbox(h, "", "*", IMAP_LIST_DEFAULT, &info);
    while (rc == 0) {
        printf("%s%s\n", info.szMailbox, use_of(info.dwAttributes));
        rc = ImapGetNextMailbox(h, &info);
    }
    if (ImapGetLastError() != ST_ERROR_NO_MORE_MAILBOXES) {
        ImapDisconnect(h);
        return fail("list");
    }

    IMAPMAILBOX mb;
    if (ImapExamineMailbox(h, "INBOX", &mb) != 0) {
        ImapDisconnect(h);
        return fail("examine");
    }
    printf("INBOX: %u messages, UIDVALIDITY %u, next UID %u\n", mb.nMessages, mb.dwMailboxUID,
           mb.dwNextMessageUID);
    if (mb.nMessages > 0 &&
        ImapFetchMessage(h, mb.nMessages, 0, "", 0, 0, print_chunk, NULL) != 0) {
        ImapDisconnect(h);
        return fail("fetch");
    }
    ImapDisconnect(h);
    ImapUninitialize();
    return 0;
}
