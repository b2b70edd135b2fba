// cpp_send: send mail with the C++ classes, twice:
//   1. a CSmtpClient session: Connect (STARTTLS or implicit TLS), Authenticate, SendMessage of
//      a ready-made message with a progress handler, the per-recipient results, Disconnect;
//   2. CSmtpClient::SubmitMessageEx with a CMailMessage: text, HTML and an attachment composed
//      by the library, in one call, with the dialogue traced (secrets redacted).
//
// usage: cpp_send [host [port [user [password [cafile [to [attachment]]]]]]]
// Arguments fall back to MW_SMTP_HOST (localhost), MW_SMTP_PORT (587), MW_SMTP_USER,
// MW_SMTP_PASSWORD, MW_SMTP_CA (extra trust anchors, PEM), MW_SMTP_TO (the user at localhost)
// and MW_SMTP_ATTACH (this file). Port 465 means implicit TLS, any other port STARTTLS.
// Exit status 0 when both messages were accepted.
#include <mailwire/SmtpClient.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace
{
std::string Arg(int argc, char **argv, int i, const char *env, const std::string &fallback)
{
    if (i < argc && argv[i][0])
        return argv[i];
    const char *v = std::getenv(env);
    return v && *v ? v : fallback;
}

int Fail(const char *step, unsigned error, const std::string &detail)
{
    std::cerr << step << " failed: " << mailwire::GetErrorString(error) << " (" << detail << ")\n";
    return 1;
}
} // namespace

int main(int argc, char **argv)
{
    const std::string host = Arg(argc, argv, 1, "MW_SMTP_HOST", "localhost");
    const unsigned port =
        static_cast<unsigned>(std::stoul(Arg(argc, argv, 2, "MW_SMTP_PORT", "587")));
    const std::string user = Arg(argc, argv, 3, "MW_SMTP_USER", "");
    const std::string password = Arg(argc, argv, 4, "MW_SMTP_PASSWORD", "");
    const std::string caFile = Arg(argc, argv, 5, "MW_SMTP_CA", "");
    const std::string from = (user.empty() ? std::string("sample") : user) + "@localhost";
    const std::string to = Arg(argc, argv, 6, "MW_SMTP_TO", from);
    const std::string attachment = Arg(argc, argv, 7, "MW_SMTP_ATTACH", __FILE__);

    mailwire::CLibrary library;
    mailwire::CSecurityCredentials credentials;
    if (!caFile.empty() && !credentials.Create(0, nullptr, nullptr, nullptr, caFile.c_str()))
        return Fail("loading the CA file", mailwire::GetLastError(), caFile);
    const uint32_t tls = port == 465 ? SMTP_OPTION_SECURE_IMPLICIT : SMTP_OPTION_SECURE;

    // 1. A session.
    {
        CSmtpClient client;
        if (!client.Connect(host.c_str(), port, 20, SMTP_OPTION_EXTENDED | tls, nullptr,
                            credentials.Get()))
            return Fail("Connect", client.GetLastError(), client.GetLastErrorDetail());
        std::cout << "connected with " << client.GetSecurityInfo().szProtocol << "\n";
        if (!user.empty() && !client.Authenticate(user.c_str(), password.c_str()))
            return Fail("Authenticate", client.GetLastError(), client.GetLastErrorDetail());

        client.RegisterEvent(SMTP_EVENT_PROGRESS, [](CSmtpClient &c, unsigned, unsigned) {
            SMTPTRANSFERSTATUS s = c.GetTransferStatus();
            if (s.qwBytesTotal)
                std::cout << "  sent " << s.qwBytesCopied * 100 / s.qwBytesTotal << "%\n";
        });
        std::string message = "From: " + from + "\r\nTo: " + to +
                              "\r\nSubject: mailwire C++ sample: a session\r\n\r\n";
        for (int i = 1; i <= 2000; ++i)
            message += "line " + std::to_string(i) + " of a message long enough for progress\r\n";
        if (!client.SendMessage(from.c_str(), to.c_str(), message))
            return Fail("SendMessage", client.GetLastError(), client.GetLastErrorDetail());
        for (const mailwire::SmtpRecipientResult &r : client.GetRecipientResults())
            std::cout << "  " << r.address << ": " << r.resultCode << " " << r.enhancedCode << "\n";
        std::cout << "accepted: " << client.GetResultString() << "\n";
    } // the destructor sends QUIT

    // 2. One call, composed by the library.
    mailwire::CMailMessage mail;
    mail.SetFrom("mailwire sample <" + from + ">")
        .AddTo(to)
        .SetSubject("mailwire C++ sample: SubmitMessage with an attachment")
        .SetText("Hello from CMailMessage.\n")
        .SetHtml("<p>Hello from <b>CMailMessage</b>.</p>\n")
        .AddAttachment(attachment);
    mail.AddHeader("X-Mailer", "mailwire cpp_send");
    SMTPSERVER server{};
    server.lpszHostName = host.c_str();
    server.nHostPort = port;
    server.lpszUserName = user.empty() ? nullptr : user.c_str();
    server.lpszPassword = user.empty() ? nullptr : password.c_str();
    server.dwOptions = tls;
    bool ok = CSmtpClient::SubmitMessageEx(
        server, mail, credentials.Get(), [](unsigned direction, std::string_view data) {
            if (direction != MAILWIRE_TRACE_INFO)
                std::cout << (direction == MAILWIRE_TRACE_SENT ? "C: " : "S: ") << data;
        });
    if (!ok)
        return Fail("SubmitMessageEx", mailwire::GetLastError(), mailwire::GetLastErrorDetail());
    std::cout << "submitted with attachment " << attachment << "\n";
    return 0;
}
