// SmtpSubmitMessage() end to end against the fixture's Postfix: the composed message is read
// back from the Maildir and parsed by Python's email package (tests/mime/check_message.py),
// then compared field by field; attachments must be byte-identical.
#include <gtest/gtest.h>

#include <gnutls/crypto.h>

#include <cstdio>
#include <random>
#include <string>

#include "json_mini.hpp"
#include "smtp_test_util.hpp"

namespace
{

using mwtest::CaCreds;
using mwtest::Fx;
using mwtest::Json;
using mwtest::Unique;
using mwtest::WaitForMessage;

std::string Sha256Hex(const std::string &data)
{
    unsigned char d[32];
    gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data(), data.size(), d);
    std::string out;
    char b[3];
    for (unsigned char c : d) {
        std::snprintf(b, sizeof b, "%02x", c);
        out += b;
    }
    return out;
}

void WriteFile(const std::string &path, const std::string &data)
{
    FILE *f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr) << path;
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
}

// Python's view of a stored message.
Json Parse(const std::string &stored)
{
    std::string path = "/tmp/mw-smtp-parse-" + Unique("m") + ".eml";
    WriteFile(path, stored);
    std::string cmd = std::string(MW_PYTHON3) + " " + MW_CHECK_MESSAGE + " " + path;
    std::string out;
    if (FILE *p = popen(cmd.c_str(), "r")) {
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
            out.append(buf, n);
        pclose(p);
    }
    std::remove(path.c_str());
    return Json::Parse(out);
}

std::string Header(const Json &j, const std::string &name)
{
    for (const auto &h : j["headers"].arr)
        if (h[0].str == name)
            return h[1].str;
    return "<none>";
}

TEST(SmtpSubmit, ComposedMessageReadsBackInPythonEmail)
{
    std::string token = Unique("submit");
    std::mt19937 rng(7);
    std::string bin(300 * 1024 + 7, '\0');
    for (auto &c : bin)
        c = static_cast<char>(rng());
    const std::string text_att = "plain attachment\r\nwith a line\r\n.\r\n";
    std::string bin_path = "/tmp/mw-smtp-" + token + ".bin";
    std::string txt_path = "/tmp/Gr\xc3\xbc\xc3\x9f"
                           "e " +
                           token + ".txt";
    WriteFile(bin_path, bin);
    WriteFile(txt_path, text_att);
    const char *atts[] = {bin_path.c_str(), txt_path.c_str(), nullptr};
    std::string headers = "X-Test-Token: " + token;
    std::string subject = "Gr\xc3\xbc\xc3\x9f"
                          "e aus M\xc3\xbcnchen " +
                          token;

    SMTPMESSAGE msg{};
    msg.dwSize = sizeof msg;
    msg.lpszFrom = "Mailwire T\xc3\xabst <alice@localhost>";
    msg.lpszTo = "\"Carol, C.\" <carol@localhost>";
    msg.lpszCc = "bob@localhost";
    msg.lpszBcc = "alice@localhost";
    msg.lpszSubject = subject.c_str();
    msg.lpszHeaders = headers.c_str();
    msg.lpszText = "H\xc3\xa4llo,\nline 2\n.\nend\n";
    msg.lpszHTML = "<p>H\xc3\xa4llo</p>\n";
    msg.lpszAttachments = atts;

    std::string user = Fx().Value("MW_USER1"), pass = Fx().Value("MW_PASS1");
    SMTPSERVER srv{};
    srv.lpszHostName = "localhost";
    srv.lpszUserName = user.c_str();
    srv.lpszPassword = pass.c_str();
    srv.nHostPort = Fx().Port("MW_SUBMISSION_PORT");
    srv.dwOptions = SMTP_OPTION_SECURE;
    CaCreds ca;
    std::string trace;
    auto tr = [](HCLIENT, unsigned dir, const char *data, size_t len, void *user) {
        auto *t = static_cast<std::string *>(user);
        *t += static_cast<char>(dir);
        *t += ": ";
        t->append(data, len);
    };
    ASSERT_EQ(SmtpSubmitMessageEx(&srv, &msg, ca.get(), tr, &trace), 0)
        << MailwireGetLastErrorDetail();
    // The trace shows the exchange with the AUTH responses redacted (SCRAM-SHA-256 is the
    // strongest mechanism the fixture offers).
    EXPECT_NE(trace.find("S: STARTTLS\r\n"), std::string::npos) << trace;
    EXPECT_NE(trace.find("S: AUTH SCRAM-SHA-256 <redacted"), std::string::npos) << trace;
    EXPECT_EQ(trace.find("S: AUTH SCRAM-SHA-256 n,"), std::string::npos);
    EXPECT_NE(trace.find("R: 235 "), std::string::npos);
    EXPECT_NE(trace.find("S: QUIT"), std::string::npos);

    std::string stored = WaitForMessage("carol", token);
    ASSERT_FALSE(stored.empty());
    Json j = Parse(stored);
    EXPECT_TRUE(j["defects"].arr.empty());
    EXPECT_EQ(Header(j, "Subject"), subject);
    EXPECT_EQ(Header(j, "Bcc"), "<none>");
    EXPECT_NE(Header(j, "Message-ID"), "<none>");
    EXPECT_NE(Header(j, "Date"), "<none>");
    const Json &from = j["addresses"]["from"];
    ASSERT_EQ(from.arr.size(), 1u);
    EXPECT_EQ(from[0][0].str, "Mailwire T\xc3\xabst");
    EXPECT_EQ(from[0][1].str, "alice@localhost");
    EXPECT_EQ(j["addresses"]["to"][0][0].str, "Carol, C.");
    EXPECT_EQ(j["addresses"]["cc"][0][1].str, "bob@localhost");
    const Json &parts = j["parts"];
    ASSERT_EQ(parts.arr.size(), 4u);
    EXPECT_EQ(parts[0]["content_type"].str, "text/plain");
    EXPECT_EQ(parts[0]["text"].str, "H\xc3\xa4llo,\nline 2\n.\nend\n");
    EXPECT_EQ(parts[1]["content_type"].str, "text/html");
    EXPECT_EQ(parts[1]["text"].str, "<p>H\xc3\xa4llo</p>\n");
    EXPECT_EQ(parts[2]["filename"].str, "mw-smtp-" + token + ".bin");
    EXPECT_EQ(parts[2]["sha256"].str, Sha256Hex(bin));
    EXPECT_EQ(parts[3]["filename"].str, txt_path.substr(5));
    EXPECT_EQ(parts[3]["sha256"].str, Sha256Hex(text_att));

    // Bcc and Cc recipients got the same message; none of them sees the Bcc.
    for (const char *who : {"alice", "bob"}) {
        std::string m = WaitForMessage(who, token);
        ASSERT_FALSE(m.empty()) << who;
        EXPECT_EQ(Header(Parse(m), "Bcc"), "<none>");
    }
    std::remove(bin_path.c_str());
    std::remove(txt_path.c_str());
}

TEST(SmtpSubmit, ArgumentAndServerErrors)
{
    SMTPMESSAGE msg{};
    msg.dwSize = sizeof msg;
    msg.lpszFrom = "alice@localhost";
    msg.lpszTo = "carol@localhost";
    msg.lpszText = "x";
    SMTPSERVER srv{};
    srv.lpszHostName = "localhost";
    srv.nHostPort = Fx().Port("MW_SMTP_PORT");
    srv.lpszUserName = "alice";
    EXPECT_EQ(SmtpSubmitMessage(&srv, &msg), SMTP_ERROR) << "user without password";
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    srv.lpszUserName = nullptr;
    msg.lpszSubject = "bad\r\nBcc: x@y";
    EXPECT_EQ(SmtpSubmitMessage(&srv, &msg), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    msg.lpszSubject = "ok";
    msg.lpszTo = "nosuch@localhost";
    EXPECT_EQ(SmtpSubmitMessage(&srv, &msg), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_NO_VALID_RECIPIENTS);
    // Wrong password through submission: the AUTH error, after a clean QUIT.
    srv.nHostPort = Fx().Port("MW_SUBMISSION_PORT");
    srv.dwOptions = SMTP_OPTION_SECURE;
    srv.lpszUserName = "alice";
    srv.lpszPassword = "wrong";
    msg.lpszTo = "carol@localhost";
    CaCreds ca;
    EXPECT_EQ(SmtpSubmitMessageEx(&srv, &msg, ca.get(), nullptr, nullptr), SMTP_ERROR);
    EXPECT_EQ(SmtpGetLastError(), (unsigned)ST_ERROR_AUTHENTICATION_FAILED);
}

} // namespace
