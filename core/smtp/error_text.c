/* SMTP error texts: the SocketTools buffer form and the pointer form. */
#include <mailwire/smtp.h>

#include "../session/error_text.h"
#include "../session/errors.h"

int SmtpGetErrorString(unsigned dwError, char *lpszBuffer, int nMaxLength)
{
    return mw_error_text_copy(dwError, lpszBuffer, nMaxLength);
}

const char *SmtpGetErrorText(unsigned nError)
{
    return mw_error_string(nError);
}
