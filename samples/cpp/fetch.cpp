// cpp_fetch: list the newest messages of INBOX and print the newest one, with CImapClient.
//
//   cpp_fetch HOST PORT USER PASSWORD [CAFILE] [COUNT]
//
// An argument left out (or given as "") is read from the environment: MW_IMAP_HOST, MW_IMAP_PORT,
// MW_IMAP_USER, MW_IMAP_PASSWORD, MW_IMAP_CAFILE, MW_IMAP_COUNT. Connects with STARTTLS (implicit
// TLS on port 993), logs in with the strongest mechanism the server offers, opens INBOX read-only,
// lists the last COUNT messages (default 10: date, sender, subject) and writes the newest
// one to stdout. CAFILE adds a trust anchor (e.g. a test CA).
#include <mailwire/ImapClient.hpp>

#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace
{

std::string Arg(int argc, char **argv, int i, const char *env, const char *fallback = "")
{
    if (i < argc && argv[i][0] != '\0')
        return argv[i];
    const char *value = std::getenv(env);
    return value ? value : fallback;
}

int Fail(const CImapClient &imap, const char *what)
{
    std::cerr << what << ": " << imap.GetErrorString() << " (" << imap.GetLastErrorDetail()
              << ")\n";
    return 1;
}

} // namespace

int main(int argc, char **argv)
{
    const std::string host = Arg(argc, argv, 1, "MW_IMAP_HOST");
    const std::string port = Arg(argc, argv, 2, "MW_IMAP_PORT", "143");
    const std::string user = Arg(argc, argv, 3, "MW_IMAP_USER");
    const std::string password = Arg(argc, argv, 4, "MW_IMAP_PASSWORD");
    const std::string caFile = Arg(argc, argv, 5, "MW_IMAP_CAFILE");
    const unsigned long count =
        std::strtoul(Arg(argc, argv, 6, "MW_IMAP_COUNT", "10").c_str(), nullptr, 10);
    if (host.empty() || user.empty()) {
        std::cerr << "usage: " << argv[0] << " HOST PORT USER PASSWORD [CAFILE] [COUNT]\n";
        return 2;
    }
    const auto portNumber = static_cast<unsigned>(std::strtoul(port.c_str(), nullptr, 10));

    mailwire::CLibrary library;
    mailwire::CSecurityCredentials credentials;
    if (!caFile.empty() && !credentials.Create(0, nullptr, nullptr, nullptr, caFile.c_str())) {
        std::cerr << "credentials: " << mailwire::GetLastErrorDetail() << "\n";
        return 1;
    }
    const uint32_t options =
        portNumber == IMAP_PORT_SECURE ? IMAP_OPTION_SECURE_IMPLICIT : IMAP_OPTION_SECURE;

    CImapClient imap; // logs out when it goes out of scope
    if (!imap.Connect(host.c_str(), portNumber, 20, options, credentials.Get()))
        return Fail(imap, "connect");
    if (!imap.Login(user.c_str(), password.c_str()))
        return Fail(imap, "login");

    IMAPMAILBOX inbox{};
    if (!imap.ExamineMailbox("INBOX", inbox)) // read-only: \Seen flags stay as they are
        return Fail(imap, "examine");
    std::cout << "INBOX: " << inbox.nMessages << " messages\n";
    if (inbox.nMessages == 0 || count == 0)
        return 0;

    const unsigned last = inbox.nMessages;
    const unsigned first = last > count ? static_cast<unsigned>(last - count + 1) : 1;
    const std::string set = std::to_string(first) + ":" + std::to_string(last);
    std::vector<mailwire::ImapMessageInfo> messages;
    if (!imap.GetMessageInfo(set.c_str(), messages, IMAP_INFO_ENVELOPE))
        return Fail(imap, "list");
    for (const mailwire::ImapMessageInfo &m : messages)
        std::cout << std::setw(6) << m.id << "  " << std::left << std::setw(28) << m.date
                  << std::setw(32) << m.from.substr(0, 30) << std::right << m.subject << "\n";

    std::cout << "---- message " << last << " ----\n";
    if (!imap.FetchMessage(last, [](std::string_view chunk) {
            std::cout.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
        }))
        return Fail(imap, "fetch");
    return 0;
}
