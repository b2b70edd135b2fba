// The Windows build against the fixture's real Postfix and Dovecot (issue 13, item 6), on
// every platform; under Wine in the Windows stage of scripts/test.sh, where these are the
// Windows paths: GnuTLS and its CA file behind a UTF-8 name, an attachment behind one,
// WSAPoll driving a non-blocking session, the wake-up channel that lets another thread cancel
// a blocking call.
#include "common/portable.h"

#include <gtest/gtest.h>

#include <mailwire/imap.h>
#include <mailwire/smtp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "smtp/smtp_test_util.hpp"

using mwtest::Fx;
using mwtest::Unique;
using Clock = std::chrono::steady_clock;

namespace
{

const char *const kName = u8"Z\u00fcrich-\u5831\u544a";

long long MsSince(Clock::time_point t0)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
}

// A scratch directory with files under UTF-8 names, removed at the end.
struct Scratch {
    char dir[1024] = {0};
    std::vector<std::string> files;
    Scratch()
    {
        EXPECT_EQ(mwt_make_temp_dir("mw-winreal-", dir, sizeof dir), 0);
    }
    ~Scratch()
    {
        for (const auto &f : files)
            mwt_remove_file(f.c_str());
#ifdef _WIN32
        RemoveDirectoryA(dir);
#else
        rmdir(dir);
#endif
    }
    // Writes data to dir/name (name in UTF-8) with the test's own wide-aware fopen.
    std::string Write(const std::string &name, const std::string &data)
    {
        std::string path = std::string(dir) + "/" + name;
        FILE *f = mwt_fopen(path.c_str(), "wb");
        EXPECT_NE(f, nullptr) << path;
        if (f) {
            std::fwrite(data.data(), 1, data.size(), f);
            std::fclose(f);
        }
        files.push_back(path);
        return path;
    }
};

// The fixture's CA, copied to a file with a UTF-8 name: a connection that verifies the
// server's certificate shows GnuTLS was given the CA's contents (its own _file loaders take
// ANSI paths on Windows).
struct Utf8Ca {
    std::string path;
    SECURITYCREDENTIALS c{};
    explicit Utf8Ca(Scratch &s)
    {
        path = s.Write(std::string(kName) + "-ca.pem", mwtest::ReadFile(Fx().Value("MW_CA_FILE")));
        c.dwSize = sizeof c;
        c.lpszCAFile = path.c_str();
    }
};

// Drives a non-blocking session's operation to its end with mwt_poll (WSAPoll on Windows)
// on what MailwireGetPollInfo() names. The result of the last MailwireExecute().
int Drive(HCLIENT h, int limit_ms, int *polls)
{
    auto t0 = Clock::now();
    int rc = MAILWIRE_IN_PROGRESS;
    while (rc == MAILWIRE_IN_PROGRESS && MsSince(t0) < limit_ms) {
        MAILWIRE_SOCKET sock;
        unsigned want = 0;
        int timeout = -1;
        if (MailwireGetPollInfo(h, &sock, &want, &timeout) != 0)
            return MAILWIRE_ERROR;
        if (timeout != 0) {
            mwt_pollfd p{};
            p.fd = sock;
            p.events = static_cast<short>(((want & MAILWIRE_POLL_READ) ? POLLIN : 0) |
                                          ((want & MAILWIRE_POLL_WRITE) ? POLLOUT : 0));
            int wait = timeout < 0 || timeout > 1000 ? 1000 : timeout;
            if (mwt_poll(&p, 1, wait) < 0)
                return MAILWIRE_ERROR;
            ++*polls;
        }
        rc = MailwireExecute(h);
    }
    return rc;
}

// Reads back over IMAP (STARTTLS, LOGIN) the message of user 1 whose X-Token is token.
std::string ReadBackOverImap(const std::string &token, const SECURITYCREDENTIALS *ca)
{
    HCLIENT h = ImapConnect(Fx().Value("MW_HOST").c_str(), Fx().Port("MW_IMAP_PORT"), 20,
                            IMAP_OPTION_SECURE, ca);
    EXPECT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    if (h == INVALID_CLIENT)
        return "";
    std::string out;
    EXPECT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, Fx().Value("MW_USER1").c_str(),
                        Fx().Value("MW_PASS1").c_str()),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(ImapSelectMailbox(h, "INBOX", nullptr), 0) << MailwireGetLastErrorDetail();
    std::string criteria = "HEADER X-Token \"" + token + "\"";
    uint32_t ids[4];
    size_t n = 4;
    EXPECT_EQ(ImapSearchMailbox(h, nullptr, criteria.c_str(), IMAP_FETCH_UID, ids, &n), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_EQ(n, 1u);
    if (n == 1) {
        std::vector<char> buf(1 << 20);
        size_t len = buf.size();
        EXPECT_EQ(ImapGetMessage(h, ids[0], 0, buf.data(), &len, IMAP_FETCH_UID), 0)
            << MailwireGetLastErrorDetail();
        out.assign(buf.data(), len);
    }
    ImapDisconnect(h);
    return out;
}

} // namespace

// STARTTLS on the submission port, AUTH, an attachment and the CA behind UTF-8 paths; the
// message read back from Dovecot over IMAP with the attachment's content and its name.
TEST(WindowsReal, Utf8AttachmentSentWithStartTlsAndAuthReadsBackOverImap)
{
    Scratch s;
    Utf8Ca ca(s);
    std::string token = Unique("winutf8");
    std::string att = s.Write(std::string(kName) + ".txt", u8"Gr\u00fcezi aus Z\u00fcrich\n");
    const char *atts[] = {att.c_str(), nullptr};
    std::string to = Fx().Value("MW_USER1") + "@" + Fx().Value("MW_DOMAIN");
    std::string headers = "X-Token: " + token;
    SMTPMESSAGE m{};
    m.dwSize = sizeof m;
    m.lpszFrom = "alice@localhost";
    m.lpszTo = to.c_str();
    m.lpszSubject = token.c_str();
    m.lpszHeaders = headers.c_str();
    m.lpszText = "attached";
    m.lpszAttachments = atts;
    std::string user = Fx().Value("MW_USER1"), pass = Fx().Value("MW_PASS1");
    SMTPSERVER srv{};
    srv.lpszHostName = "localhost";
    srv.lpszUserName = user.c_str();
    srv.lpszPassword = pass.c_str();
    srv.nHostPort = Fx().Port("MW_SUBMISSION_PORT");
    srv.dwOptions = SMTP_OPTION_SECURE;
    std::string trace;
    ASSERT_EQ(SmtpSubmitMessageEx(
                  &srv, &m, &ca.c,
                  [](HCLIENT, unsigned, const char *data, size_t len, void *user) {
                      static_cast<std::string *>(user)->append(data, len);
                  },
                  &trace),
              0)
        << MailwireGetLastErrorDetail();
    EXPECT_NE(trace.find("STARTTLS"), std::string::npos);
    EXPECT_NE(trace.find("AUTH"), std::string::npos);
    EXPECT_EQ(trace.find(pass), std::string::npos) << "the password reached the trace";

    ASSERT_FALSE(mwtest::WaitForMessage(user, "X-Token: " + token).empty()) << "not delivered";
    std::string got = ReadBackOverImap(token, &ca.c);
    EXPECT_NE(got.find("R3LDvGV6aSBhdXMgWsO8cmljaAo="), std::string::npos) << got;
    EXPECT_NE(got.find("Z%C3%BCrich-%E5%A0%B1%E5%91%8A.txt"), std::string::npos) << got;
}

// The fixture's certificate is refused without its CA (the system store of a Wine prefix
// does not hold it), and the reason says it is the certificate.
TEST(WindowsReal, UntrustedCertificateIsRejected)
{
    HCLIENT h = SmtpConnect("localhost", Fx().Port("MW_SUBMISSION_PORT"), 20, SMTP_OPTION_SECURE,
                            nullptr, nullptr);
    EXPECT_EQ(h, INVALID_CLIENT);
    EXPECT_EQ(SmtpGetLastError(), static_cast<unsigned>(ST_ERROR_CERTIFICATE_REJECTED))
        << MailwireGetLastErrorDetail();
    if (h != INVALID_CLIENT)
        SmtpDisconnect(h);
}

// A non-blocking session from connect to QUIT with WSAPoll: STARTTLS, AUTH, a message.
TEST(WindowsReal, NonBlockingSessionDrivenByPoll)
{
    Scratch s;
    Utf8Ca ca(s);
    int polls = 0;
    HCLIENT h = SmtpAsyncConnect("localhost", Fx().Port("MW_SUBMISSION_PORT"), 20,
                                 SMTP_OPTION_SECURE, nullptr, &ca.c);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    EXPECT_EQ(Drive(h, 20000, &polls), 0) << MailwireGetLastErrorDetail();
    int rc = SmtpAuthenticate(h, SMTP_AUTH_AUTO, Fx().Value("MW_USER1").c_str(),
                              Fx().Value("MW_PASS1").c_str());
    if (rc == MAILWIRE_IN_PROGRESS)
        rc = Drive(h, 20000, &polls);
    EXPECT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    std::string token = Unique("winpoll");
    std::string to = Fx().Value("MW_USER1") + "@" + Fx().Value("MW_DOMAIN");
    std::string msg = "From: alice@localhost\r\nSubject: " + token + "\r\n\r\nby WSAPoll\r\n";
    rc = SmtpSendMessage(h, "alice@localhost", to.c_str(), msg.c_str(), msg.size(),
                         SMTP_MESSAGE_MEMORY);
    if (rc == MAILWIRE_IN_PROGRESS)
        rc = Drive(h, 20000, &polls);
    EXPECT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    EXPECT_GT(polls, 0) << "every step finished without a wait: nothing was polled";
    SmtpDisconnect(h);
    EXPECT_FALSE(mwtest::WaitForMessage(Fx().Value("MW_USER1"), "Subject: " + token).empty());
}

// Another thread cancels a blocking IDLE (which waits for the server for up to 30 s): the
// call returns CANCELLED at once and the session goes on. The IDLE is on a mailbox of its
// own: in INBOX a delivery by a concurrent test ended it as a change before the cancel.
TEST(WindowsReal, CancelFromAnotherThreadEndsABlockingCall)
{
    Scratch s;
    Utf8Ca ca(s);
    HCLIENT h = ImapConnect(Fx().Value("MW_HOST").c_str(), Fx().Port("MW_IMAP_PORT"), 20,
                            IMAP_OPTION_SECURE, &ca.c);
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapLogin(h, IMAP_AUTH_LOGIN, Fx().Value("MW_USER1").c_str(),
                        Fx().Value("MW_PASS1").c_str()),
              0)
        << MailwireGetLastErrorDetail();
    std::string box = Unique("wincancel");
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0) << MailwireGetLastErrorDetail();
    std::atomic<int> cancel_rc{-2};
    std::thread canceller([&] {
        mwt_sleep_ms(500);
        cancel_rc = ImapCancel(h);
    });
    auto t0 = Clock::now();
    unsigned changes = 99;
    int rc = ImapIdle(h, 30, IMAP_IDLE_WAIT, &changes);
    long long took = MsSince(t0);
    canceller.join();
    EXPECT_EQ(cancel_rc.load(), 0);
    EXPECT_EQ(rc, IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), static_cast<unsigned>(ST_ERROR_CANCELLED))
        << MailwireGetLastErrorDetail();
    EXPECT_GE(took, 400);
    EXPECT_LT(took, 5000) << "the cancel did not wake the waiting call";
    EXPECT_EQ(ImapNoop(h), 0) << "the session did not survive the cancel: "
                              << MailwireGetLastErrorDetail();
    ImapDisconnect(h);
}
