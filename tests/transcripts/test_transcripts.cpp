// Every transcript under tests/transcripts/<protocol>/ is one test, replayed at every chunk
// size (tests/transcripts/README.md); and the runner's own tests: it must fail, and say where.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <mailwire/common.h>

#include "bindings.hpp"

namespace
{

using mw_transcript::Failure;

// The transcript directory: MW_TRANSCRIPT_DIR in the environment, else the source tree's.
std::string Dir()
{
    const char *d = std::getenv("MW_TRANSCRIPT_DIR");
    return d && *d ? d : MW_TRANSCRIPT_DIR;
}

const mw_transcript::Protocol &Proto(const std::string &name)
{
    static const mw_transcript::Protocol smtp = mw_transcript::SmtpProtocol(),
                                         imap = mw_transcript::ImapProtocol();
    return name == "imap" ? imap : smtp;
}

void Report(const std::vector<Failure> &failures)
{
    for (const Failure &f : failures)
        ADD_FAILURE_AT(f.file.c_str(), f.line)
            << (f.chunk ? "chunk size " + std::to_string(f.chunk) + ": " : "") << f.message;
}

class Transcript : public testing::TestWithParam<std::string>
{
};

// The folder names the protocol: a transcript in smtp/ cannot be replayed as IMAP.
TEST_P(Transcript, Replay)
{
    std::filesystem::path path(GetParam());
    Report(mw_transcript::ReplayFile(GetParam(), {Proto(path.parent_path().filename().string())}));
}

std::string TestName(const testing::TestParamInfo<std::string> &info)
{
    std::string name = std::filesystem::path(info.param).stem().string();
    for (char &c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)))
            c = '_';
    return name;
}

INSTANTIATE_TEST_SUITE_P(Smtp, Transcript,
                         testing::ValuesIn(mw_transcript::ListTranscripts(Dir() + "/smtp")),
                         TestName);
INSTANTIATE_TEST_SUITE_P(Imap, Transcript,
                         testing::ValuesIn(mw_transcript::ListTranscripts(Dir() + "/imap")),
                         TestName);

// ---- the runner itself --------------------------------------------------------------------

std::vector<Failure> ReplayText(const std::string &text)
{
    return mw_transcript::Replay("inline.txt", text, {Proto("smtp"), Proto("imap")});
}

const char *kGreeting = "protocol: smtp\n"
                        "options: SMTP_OPTION_EXTENDED\n"
                        "> connect\n"
                        "S: 220 mx\n"
                        "C: EHLO client.example\n"
                        "S: 250-mx\n"
                        "S: 250 PIPELINING\n";

TEST(TranscriptRunner, AGoodTranscriptPasses)
{
    EXPECT_TRUE(ReplayText(std::string(kGreeting) + "= status DONE\n").empty());
}

// A changed client byte: the failure names the line, the chunk size and both byte strings.
TEST(TranscriptRunner, ADifferentClientByteIsReportedWithLineAndBytes)
{
    std::string t = kGreeting;
    t.replace(t.find("EHLO client"), 4, "HELO");
    auto f = ReplayText(t);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].file, "inline.txt");
    EXPECT_EQ(f[0].line, 5);
    EXPECT_EQ(f[0].chunk, 1u) << "the first replay (one byte at a time) already fails";
    EXPECT_NE(f[0].message.find("first difference at byte 0"), std::string::npos) << f[0].message;
    EXPECT_NE(f[0].message.find("expected: \"HELO client.example\\r\\n\""), std::string::npos)
        << f[0].message;
    EXPECT_NE(f[0].message.find("actual:   \"EHLO client.example\\r\\n\""), std::string::npos)
        << f[0].message;
}

TEST(TranscriptRunner, ClientBytesNoLineShowsFail)
{
    // The EHLO line is left out: the next server message is the point of failure.
    std::string t = kGreeting;
    t.replace(t.find("C: EHLO"), std::string("C: EHLO client.example").size(), "= status RUNNING");
    auto f = ReplayText(t);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].line, 6);
    EXPECT_NE(f[0].message.find("unshown: \"EHLO client.example\\r\\n\""), std::string::npos)
        << f[0].message;
    // And at the end of a session.
    f = ReplayText("protocol: smtp\n> connect\nS: 220 mx\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("at the end of the session"), std::string::npos) << f[0].message;
}

TEST(TranscriptRunner, StatusEventsAndChecksAreCompared)
{
    auto f = ReplayText(std::string(kGreeting) + "= status FAILED SERVER_PERMANENT\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].line, 8);
    EXPECT_NE(f[0].message.find("expected: FAILED SERVER_PERMANENT"), std::string::npos);
    EXPECT_NE(f[0].message.find("actual:   DONE"), std::string::npos) << f[0].message;

    const std::string events = "protocol: smtp\n> connect\nS: 220 mx\nE: COMMAND\n"
                               "C: HELO client.example\nS: 250 mx\n";
    EXPECT_TRUE(ReplayText(events + "E: COMMAND\n").empty());
    f = ReplayText(events + "E: COMMAND SERVER_TEMPORARY\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].line, 7);
    EXPECT_NE(f[0].message.find("the engine raised event COMMAND NONE"), std::string::npos)
        << f[0].message;
    // Listing some events means listing all of them.
    f = ReplayText(events + "= state READY\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("no E: line lists it"), std::string::npos) << f[0].message;

    f = ReplayText(std::string(kGreeting) + "= extopts PIPELINING SIZE\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("actual:   \"PIPELINING\""), std::string::npos) << f[0].message;
}

TEST(TranscriptRunner, UnreadServerBytesMustBeListed)
{
    // The greeting is refused: the engine stops, the second line stays unread.
    const std::string t = "protocol: smtp\n> connect\nS: 554 no\nS: 250 extra\n";
    auto f = ReplayText(t + "= status FATAL SERVER_PERMANENT\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("unread: \"250 extra\\r\\n\""), std::string::npos) << f[0].message;
    EXPECT_TRUE(ReplayText(t + "= unread 250 extra\n= status FATAL SERVER_PERMANENT\n").empty());
}

TEST(TranscriptRunner, SecretMarkersAreCompared)
{
    std::string t = kGreeting;
    t.replace(t.find("250 PIPELINING"), 14, "250 AUTH PLAIN");
    t += "> auth PLAIN u p\n";
    EXPECT_TRUE(ReplayText(t + "C: AUTH PLAIN \\{AHUAcA==\\}\nS: 235 ok\n").empty());
    auto f = ReplayText(t + "C: AUTH PLAIN AHUAcA==\nS: 235 ok\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("flagged bytes secret that the transcript does not mark"),
              std::string::npos)
        << f[0].message;
    EXPECT_NE(f[0].message.find("actual:   \"AUTH PLAIN \\{AHUAcA==\\}\\r\\n\""), std::string::npos)
        << f[0].message;
}

TEST(TranscriptRunner, OpRefusalsAndUsageErrors)
{
    auto f = ReplayText("protocol: smtp\n> connect now\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("unexpected argument \"now\""), std::string::npos) << f[0].message;
    f = ReplayText("protocol: smtp\n> dsn SMTP_NOTIFY_NEVER|SMTP_NOTIFY_DELAY\n");
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NE(f[0].message.find("refused with INVALID_ARGUMENT"), std::string::npos)
        << f[0].message;
}

TEST(TranscriptRunner, MalformedTranscriptsAreErrorsAtTheirLine)
{
    struct Case {
        const char *text;
        int line;
        const char *message;
    } cases[] = {
        {"protocol: smtp\n> connect\nS: 220 \\q\n", 3, "unknown escape \\q"},
        {"protocol: smtp\n> connect\nS: 220 \n", 3, "trailing whitespace"},
        {"protocol: smtp\n> connect\nS: 220\\x4\n", 3, "two hex digits"},
        {"protocol: smtp\n> connect\nS: \\{x\\}\n", 3, "C: lines only"},
        {"protocol: pop3\n> connect\n", 1, "unknown protocol pop3"},
        {"options: SMTP_OPTION_EXTENDED\n> connect\n", 1, "no \"protocol:\" header"},
        {"protocol: smtp\noptions: SMTP_OPTION_BOGUS\n> connect\n", 2, "unknown name"},
        {"protocol: smtp\n> connect\noptions: SMTP_OPTION_EXTENDED\n", 3, "header lines come"},
        {"protocol: smtp\n> connect\nX: what\n", 3, "unknown line"},
        {"protocol: smtp\n> connect\n= status DONE ST_ERROR_NONE extra\n", 3, "too many words"},
        {"protocol: smtp\n> connect\nE: NOISE\n", 3, "unknown event"},
        {"protocol: smtp\n> connect\nS: \\[x*]\n", 3, "\\[text*count]"},
    };
    for (const auto &c : cases) {
        auto f = ReplayText(c.text);
        ASSERT_EQ(f.size(), 1u) << c.text;
        EXPECT_EQ(f[0].line, c.line) << c.text;
        EXPECT_EQ(f[0].chunk, 0u) << c.text;
        EXPECT_NE(f[0].message.find(c.message), std::string::npos) << f[0].message;
    }
}

TEST(TranscriptRunner, EveryErrorCodeHasAName)
{
    for (unsigned e = 0; e < ST_ERROR_COUNT; e++) {
        ASSERT_NE(mw_transcript::ErrorName(e), nullptr) << e;
        unsigned back = 0;
        EXPECT_TRUE(mw_transcript::ErrorByName(mw_transcript::ErrorName(e), &back));
        EXPECT_EQ(back, e);
    }
}

} // namespace
