/* A C program using the installed headers and library. */
#include <mailwire/mailwire.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
    if (!MailwireInitialize())
        return 1;
    if (strcmp(MailwireGetVersion(), MAILWIRE_VERSION_STRING) != 0)
        return 2;
    printf("mailwire %s: %s\n", MailwireGetVersion(), MailwireGetErrorString(ST_ERROR_TIMEOUT));
    /* The protocol APIs are exported too: a refused argument comes back as an error code
     * without any network traffic. */
    if (!SmtpInitialize() || !ImapInitialize())
        return 3;
    if (SmtpConnect("", 0, 0, SMTP_OPTION_NONE, NULL, NULL) != INVALID_CLIENT ||
        SmtpGetLastError() != ST_ERROR_INVALID_ARGUMENT)
        return 4;
    if (ImapConnect(NULL, 0, 0, IMAP_OPTION_NONE, NULL) != INVALID_CLIENT ||
        ImapGetLastError() != ST_ERROR_INVALID_ARGUMENT)
        return 5;
    ImapUninitialize();
    SmtpUninitialize();
    MailwireUninitialize();
    return 0;
}
