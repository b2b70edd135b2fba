/* A program built against scripts/build-windows.sh's installed tree (OUTDIR), as its README
 * shows: once with the DLL's import library, once with the static library. scripts/test.sh
 * builds both with the mingw compiler and runs them from OUTDIR/bin under Wine. It calls the
 * library without MailwireInitialize(): Winsock is started on first use, and a connection to
 * a port where nothing listens is refused. Exit status 0 when it is. */
#include <mailwire/mailwire.h>
#include <stdio.h>

int main(void)
{
    printf("mailwire %s\n", MailwireGetVersion());
    HCLIENT h = SmtpConnect("127.0.0.1", 1, 5, 0, NULL, NULL);
    unsigned err = SmtpGetLastError();
    printf("connect to 127.0.0.1 port 1: %s (%u: %s)\n",
           h == INVALID_CLIENT ? "failed" : "connected", err, MailwireGetLastErrorDetail());
    if (h != INVALID_CLIENT)
        SmtpDisconnect(h);
    return h == INVALID_CLIENT && err == ST_ERROR_CONNECT_REFUSED ? 0 : 1;
}
