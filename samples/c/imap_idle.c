/* imap_idle: wait for new mail with IMAP IDLE and print the subject of each new message.
 *
 *   imap_idle HOST PORT USER PASSWORD [CAFILE] [ROUNDS]
 *
 * Each round waits up to 60 seconds (IDLE, or NOOP polling when the server lacks IDLE); when
 * the mailbox grew, the new messages' envelopes are fetched. Ctrl-C ends the program; from
 * another thread ImapCancel() would end the wait cleanly. */
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

static void MAILWIRE_CALLBACK on_update(HCLIENT h, unsigned ev, unsigned err, void *user)
{
    (void)h;
    (void)ev;
    (void)err;
    (void)user;
    fprintf(stderr, "mailbox changed\n");
}

static void MAILWIRE_CALLBACK show(const IMAPMESSAGE *m, void *user)
{
    (void)user;
    printf("new message %u: from %s, subject %s\n", m->nMessageId, m->lpszFrom, m->lpszSubject);
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s HOST PORT USER PASSWORD [CAFILE] [ROUNDS]\n", argv[0]);
        return 2;
    }
    unsigned port = (unsigned)atoi(argv[2]);
    int rounds = argc > 6 ? atoi(argv[6]) : 1000000;
    SECURITYCREDENTIALS cred;
    memset(&cred, 0, sizeof cred);
    cred.dwSize = sizeof cred;
    cred.lpszCAFile = argc > 5 && argv[5][0] ? argv[5] : NULL;
    uint32_t options = port == IMAP_PORT_SECURE ? IMAP_OPTION_SECURE_IMPLICIT : IMAP_OPTION_SECURE;

    ImapInitialize();
    HCLIENT h = ImapConnect(argv[1], port, 20, options, &cred);
    if (h == INVALID_CLIENT)
        return fail("connect");
    if (ImapLogin(h, IMAP_AUTH_AUTO, argv[3], argv[4]) != 0) {
        ImapDisconnect(h);
        return fail("login");
    }
    IMAPMAILBOX mb;
    if (ImapSelectMailbox(h, "INBOX", &mb) != 0) {
        ImapDisconnect(h);
        return fail("select");
    }
    ImapRegisterEvent(h, IMAP_EVENT_UPDATE, on_update, NULL);
    unsigned seen = mb.nMessages;
    printf("INBOX has %u messages; waiting for more\n", seen);
    for (int i = 0; i < rounds; i++) {
        unsigned changes = 0, now = 0;
        if (ImapIdle(h, 60, IMAP_IDLE_WAIT, &changes) != 0) {
            ImapDisconnect(h);
            return fail("idle");
        }
        ImapGetMessageCount(h, &now);
        if (now > seen) {
            char set[32];
            snprintf(set, sizeof set, "%u:%u", seen + 1, now);
            if (ImapGetMessageInfo(h, set, IMAP_INFO_ENVELOPE, show, NULL) != 0) {
                ImapDisconnect(h);
                return fail("fetch");
            }
        }
        seen = now;
    }
    ImapDisconnect(h);
    ImapUninitialize();
    return 0;
}
