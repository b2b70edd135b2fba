// mw_tlsprobe --ca FILE smtp|imap HOST PORT
// Connects with implicit TLS through the mailwire session core, verifies the server, and
// prints the greeting with the negotiated TLS version, cipher suite and peer certificate.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "common/test_client.hpp"

namespace
{

std::string Date(int64_t t)
{
    char buf[64];
    time_t tt = static_cast<time_t>(t);
    strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", gmtime(&tt));
    return buf;
}

int Usage()
{
    std::fprintf(stderr, "usage: mw_tlsprobe [--ca FILE] smtp|imap HOST PORT\n");
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    std::string ca;
    int i = 1;
    if (i + 1 < argc && std::string(argv[i]) == "--ca") {
        ca = argv[i + 1];
        i += 2;
    }
    if (argc - i != 3)
        return Usage();
    std::string proto = argv[i], host = argv[i + 1];
    int port = std::atoi(argv[i + 2]);
    if ((proto != "smtp" && proto != "imap") || port <= 0 || port > 65535)
        return Usage();

    MailwireInitialize();
    int rc = 0;
    {
        mwtest::TestClient c(MAILWIRE_OPTION_SECURE_IMPLICIT, 10000,
                             proto == "smtp" ? MWT_LE_SMTP : MWT_LE_LINES);
        SECURITYCREDENTIALS cr{};
        cr.dwSize = sizeof cr;
        cr.lpszCAFile = ca.empty() ? nullptr : ca.c_str();
        c.SetCredentials(cr);
        unsigned err = c.Connect(host, static_cast<uint16_t>(port));
        SECURITYINFO si = c.Security();
        std::printf("%s server %s port %d\n", proto == "smtp" ? "SMTP" : "IMAP", host.c_str(),
                    port);
        if (err) {
            std::printf("  failed: %s (%s)\n", MailwireGetErrorString(err), c.Detail().c_str());
            rc = 1;
        } else {
            std::string greeting = c.Replies();
            while (!greeting.empty() && greeting.back() == '\n')
                greeting.pop_back();
            std::printf("  greeting:    %s\n", greeting.c_str());
            std::printf("  TLS version: %s\n", si.szProtocol);
            std::printf("  cipher:      %s\n", si.szCipherSuite);
        }
        std::printf("  subject:     %s\n", si.szSubject);
        std::printf("  issuer:      %s\n", si.szIssuer);
        std::printf("  valid:       %s .. %s\n", Date(si.tNotBefore).c_str(),
                    Date(si.tNotAfter).c_str());
        std::printf("  SHA-256:     %s\n", si.szFingerprint);
        std::printf("  verified:    %s (%s)\n", si.bVerified ? "yes" : "no", si.szStatusText);
        mw_session_close(c.session());
    }
    MailwireUninitialize();
    return rc;
}
