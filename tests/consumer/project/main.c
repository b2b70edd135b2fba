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
    MailwireUninitialize();
    return 0;
}
