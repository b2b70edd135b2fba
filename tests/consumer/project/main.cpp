// A C++ program using the header-only layer from the installed tree: every public C++ header,
// the classes constructed, and one call that must fail cleanly (nothing listens on port 1).
#include <mailwire/ImapClient.hpp>
#include <mailwire/MailMessage.hpp>
#include <mailwire/Mailwire.hpp>
#include <mailwire/SmtpClient.hpp>

#include <iostream>

int main()
{
    mailwire::CLibrary lib;
    if (!lib.IsInitialized())
        return 1;
    CSmtpClient smtp;
    CImapClient imap;
    mailwire::CMailMessage message;
    message.SetFrom("a@example.org").AddTo("b@example.org");
    if (smtp.Connect("127.0.0.1", 1, 5) || smtp.GetLastError() != ST_ERROR_CONNECT_REFUSED)
        return 2;
    if (imap.Connect("127.0.0.1", 1, 5) || imap.GetLastError() != ST_ERROR_CONNECT_REFUSED)
        return 3;
    std::cout << "mailwire " << mailwire::GetVersion() << ": "
              << mailwire::GetErrorString(ST_ERROR_CANCELLED) << "; " << smtp.GetErrorString()
              << "\n";
    return 0;
}
