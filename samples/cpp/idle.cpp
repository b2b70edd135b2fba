// cpp_idle: wait for new mail in INBOX with IMAP IDLE and print the subject of each new
// message, with CImapClient and a lambda on the UPDATE event.
//
//   cpp_idle HOST PORT USER PASSWORD [CAFILE] [UPDATES] [SECONDS]
//
// An argument left out (or given as "") is read from the environment: MW_IMAP_HOST, MW_IMAP_PORT,
// MW_IMAP_USER, MW_IMAP_PASSWORD, MW_IMAP_CAFILE, MW_IMAP_UPDATES, MW_IMAP_SECONDS. The program
// ends after UPDATES mailbox changes (default 1) or SECONDS seconds (default 300), whichever comes
// first. Another thread could end a wait at once with CImapClient::Cancel().
#include <mailwire/ImapClient.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

namespace
{

std::string Arg(int argc, char **argv, int i, const char *env, const char *fallback = "")
{
    if (i < argc && argv[i][0] != '\0')
        return argv[i];
    const char *value = std::getenv(env);
    return value ? value : fallback;
}

unsigned Number(const std::string &text)
{
    return static_cast<unsigned>(std::strtoul(text.c_str(), nullptr, 10));
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
    const unsigned port = Number(Arg(argc, argv, 2, "MW_IMAP_PORT", "143"));
    const std::string user = Arg(argc, argv, 3, "MW_IMAP_USER");
    const std::string password = Arg(argc, argv, 4, "MW_IMAP_PASSWORD");
    const std::string caFile = Arg(argc, argv, 5, "MW_IMAP_CAFILE");
    const unsigned maxUpdates = Number(Arg(argc, argv, 6, "MW_IMAP_UPDATES", "1"));
    const unsigned seconds = Number(Arg(argc, argv, 7, "MW_IMAP_SECONDS", "300"));
    if (host.empty() || user.empty()) {
        std::cerr << "usage: " << argv[0]
                  << " HOST PORT USER PASSWORD [CAFILE] [UPDATES] [SECONDS]\n";
        return 2;
    }

    mailwire::CLibrary library;
    mailwire::CSecurityCredentials credentials;
    if (!caFile.empty() && !credentials.Create(0, nullptr, nullptr, nullptr, caFile.c_str())) {
        std::cerr << "credentials: " << mailwire::GetLastErrorDetail() << "\n";
        return 1;
    }
    const uint32_t options =
        port == IMAP_PORT_SECURE ? IMAP_OPTION_SECURE_IMPLICIT : IMAP_OPTION_SECURE;

    CImapClient imap;
    if (!imap.Connect(host.c_str(), port, 20, options, credentials.Get()))
        return Fail(imap, "connect");
    if (!imap.Login(user.c_str(), password.c_str()))
        return Fail(imap, "login");
    IMAPMAILBOX inbox{};
    if (!imap.SelectMailbox("INBOX", inbox))
        return Fail(imap, "select");

    // Runs inside Idle() for every EXISTS, EXPUNGE or flag change the server reports.
    unsigned updates = 0;
    imap.RegisterEvent(IMAP_EVENT_UPDATE, [&updates](CImapClient &client, unsigned, unsigned) {
        ++updates;
        std::cerr << "mailbox changed: " << client.GetMessageCount() << " messages\n";
    });

    unsigned seen = inbox.nMessages;
    std::cout << "INBOX has " << seen << " messages; waiting for more\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (updates < maxUpdates) {
        const auto left = std::chrono::duration_cast<std::chrono::seconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            break;
        if (!imap.Idle(static_cast<unsigned>(left.count())))
            return Fail(imap, "idle");
        const unsigned now = imap.GetMessageCount();
        if (now > seen) {
            const std::string set = std::to_string(seen + 1) + ":" + std::to_string(now);
            if (!imap.GetMessageInfo(set.c_str(), [](const mailwire::ImapMessageInfo &m) {
                    std::cout << "new message " << m.id << ": from " << m.from << ", subject "
                              << m.subject << "\n";
                }))
                return Fail(imap, "fetch");
        }
        seen = now; // an expunge may also have made it smaller
    }
    std::cout << updates << " update(s)\n";
    return 0;
}
