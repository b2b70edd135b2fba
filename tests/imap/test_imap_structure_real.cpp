// IMAP structures against the fixture's Dovecot: the parse corpus (tests/mime/corpus) is
// appended as it is, then for each message ImapGetMessageStructure() (ENVELOPE and
// BODYSTRUCTURE, no body) is compared with the MIME parser's tree of the same bytes: per
// part the content type, charset, file name, disposition, Content-ID, transfer encoding, IMAP
// section, parent and kind; and the ENVELOPE fields with the parsed header fields (subject
// decoded, address lists as name + address, date, message ids). Where Dovecot reads a
// broken message differently from the parser (it follows its own recovery rules), the
// disagreement is printed and the share of agreeing messages is bounded (290 of 322 on
// Dovecot 2.3.19: the rest are broken messages each side recovers differently, comments
// taken as display names, MISSING_DOMAIN placeholders, Content-IDs of multiparts, which
// BODYSTRUCTURE has no place for). Then single parts are fetched by section and decoded
// (ImapFetchMessagePart(), ImapSaveMessagePart()) and compared with the parser's content.
#include <gtest/gtest.h>

#include <mailwire/imap.h>
#include <mailwire/mime.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "imap_real_util.hpp"

namespace
{

using namespace mwtest::real;

std::string Read(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

struct Msg {
    HMESSAGE h = MimeCreateMessage();
    Msg() = default;
    Msg(const Msg &) = delete;
    Msg &operator=(const Msg &) = delete;
    ~Msg()
    {
        MimeDeleteMessage(h);
    }
};

std::string PartLine(HMESSAGE h, int i)
{
    MIMEPARTINFO pi{};
    pi.dwSize = sizeof pi;
    if (MimeGetMessagePartInfo(h, i, &pi) != 0)
        return "(no part)";
    // The server states the RFC 2045 defaults a message leaves out (section 5.2: charset
    // us-ascii for text; section 6.1: 7bit) and gives no encoding for a multipart: the
    // comparison takes the defaults on both sides.
    std::string s = pi.lpszContentType, cs = pi.lpszCharSet, cte = pi.lpszEncoding;
    if (cs.empty() && s.rfind("text/", 0) == 0)
        cs = "us-ascii";
    if (cte.empty())
        cte = "7bit";
    if (pi.dwFlags & MIME_PART_MULTIPART)
        cte = "-";
    s += std::string(" cs=") + cs + " fn=" + pi.lpszFileName + " disp=" + pi.lpszDisposition +
         " id=" + pi.lpszContentId + " cte=" + cte + " sec=" + pi.lpszSection +
         " parent=" + std::to_string(pi.nParent) + " kind=" +
         std::to_string(pi.dwFlags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE |
                                      MIME_PART_ATTACHMENT | MIME_PART_ROOT));
    return s;
}

std::string Header(HMESSAGE h, const char *name)
{
    char buf[4096] = "";
    return MimeGetMessageHeader(h, 0, name, buf, sizeof buf) < 0 ? "" : buf;
}

// An address list as "[name|addr]...". With `like`: a name is kept only where the same entry
// of like's field has one (a server takes a comment, "bbb@ddd.com (John X. Doe)", as the
// display name where RFC 5322 has none).
std::string Addresses(HMESSAGE h, const char *field, HMESSAGE like = nullptr,
                      const char *likeField = nullptr)
{
    std::string s;
    int n = MimeGetAddressCount(h, 0, field);
    for (int i = 0; i < n; ++i) {
        char name[512] = "", addr[512] = "", other[512] = "";
        MimeGetAddress(h, 0, field, i, name, sizeof name, addr, sizeof addr);
        if (like && MimeGetAddress(like, 0, likeField, i, other, sizeof other, nullptr, 0) == 0 &&
            !*other)
            name[0] = 0;
        s += std::string("[") + name + "|" + addr + "]";
    }
    return s;
}

// The differences between the two readings, "" when they agree.
std::string Compare(HMESSAGE parsed, HMESSAGE fromImap)
{
    std::string diff;
    int n = MimeGetMessagePartCount(parsed), m = MimeGetMessagePartCount(fromImap);
    if (n != m)
        diff += "parts " + std::to_string(n) + " vs " + std::to_string(m) + "\n";
    for (int i = 0; i < std::min(n, m); ++i) {
        std::string a = PartLine(parsed, i), b = PartLine(fromImap, i);
        if (a != b)
            diff += "part " + std::to_string(i) + ":\n  mime " + a + "\n  imap " + b + "\n";
    }
    for (const char *f : {"Subject", "Message-ID", "In-Reply-To", "Date"}) {
        std::string a = Header(parsed, f), b = Header(fromImap, f);
        if (a != b)
            diff += std::string(f) + ": mime \"" + a + "\" imap \"" + b + "\"\n";
    }
    for (const char *f : {"From", "Sender", "Reply-To", "To", "Cc", "Bcc"}) {
        const char *g = f;
        // RFC 9051 section 7.5.2: a missing Sender or Reply-To is given as From.
        if ((!strcmp(f, "Sender") || !strcmp(f, "Reply-To")) &&
            MimeGetAddressCount(parsed, 0, f) <= 0)
            g = "From";
        std::string a = Addresses(parsed, g), b = Addresses(fromImap, f, parsed, g);
        if (a != b)
            diff += std::string(f) + ": mime " + a + " imap " + b + "\n";
    }
    return diff;
}

int MAILWIRE_CALLBACK Collect(void *user, const void *p, size_t n)
{
    static_cast<std::string *>(user)->append(static_cast<const char *>(p), n);
    return 0;
}

TEST(ImapStructureReal, CorpusStructuresMatchTheParsedTrees)
{
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    for (const auto &e : fs::directory_iterator(MW_MIME_CORPUS))
        if (e.path().extension() == ".eml")
            files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    ASSERT_GE(files.size(), 300u);

    HCLIENT h = Session();
    ASSERT_NE(h, INVALID_CLIENT) << MailwireGetLastErrorDetail();
    std::string box = Unique("structure");
    ASSERT_EQ(ImapCreateMailbox(h, box.c_str()), 0) << MailwireGetLastErrorDetail();
    std::vector<uint32_t> uids(files.size());
    for (size_t i = 0; i < files.size(); ++i) {
        std::string data = Read(files[i]);
        ASSERT_EQ(ImapCreateMessage(h, box.c_str(), 0, nullptr, data.data(), data.size(), &uids[i]),
                  0)
            << files[i] << ": " << MailwireGetLastErrorDetail();
    }
    ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);

    size_t agree = 0, agreeCpython = 0, cpython = 0, fetched = 0;
    std::string report;
    for (size_t i = 0; i < files.size(); ++i) {
        std::string name = fs::path(files[i]).filename().string();
        // What the server stores (Dovecot keeps the bytes; the parser reads the same).
        std::string stored;
        ASSERT_EQ(ImapFetchMessage(
                      h, uids[i], IMAP_FETCH_UID, "", 0, 0,
                      [](unsigned, uint32_t, const char *p, size_t n, uint64_t, void *u) {
                          if (p)
                              static_cast<std::string *>(u)->append(p, n);
                          return 0;
                      },
                      &stored),
                  0)
            << name << ": " << MailwireGetLastErrorDetail();
        Msg parsed, imap;
        ASSERT_EQ(MimeImportMessageData(parsed.h, stored.data(), stored.size(), 0), 0) << name;
        int rc = ImapGetMessageStructure(h, uids[i], IMAP_FETCH_UID, imap.h);
        std::string diff = rc == 0 ? Compare(parsed.h, imap.h)
                                   : std::string("ImapGetMessageStructure: ") +
                                         MailwireGetLastErrorDetail() + "\n";
        if (rc != 0 && ImapNoop(h) != 0) {
            // A structure over the response reader's limits (nesting) ends the session, as
            // any response over them does: connect again for the next message.
            diff += "(the session was closed; connected again)\n";
            ImapDisconnect(h);
            h = Session();
            ASSERT_NE(h, INVALID_CLIENT);
            ASSERT_EQ(ImapSelectMailbox(h, box.c_str(), nullptr), 0);
        }
        bool isCpython = name.rfind("cpython-", 0) == 0;
        cpython += isCpython;
        if (diff.empty()) {
            agree++;
            agreeCpython += isCpython;
        } else {
            report += "== " + name + "\n" + diff;
        }
        // The first few attachments: fetched by section and decoded, as the parser decodes.
        if (rc == 0 && diff.empty() && fetched < 25) {
            for (int p = 1; p < MimeGetMessagePartCount(imap.h) && fetched < 25; ++p) {
                MIMEPARTINFO pi{};
                pi.dwSize = sizeof pi;
                ASSERT_EQ(MimeGetMessagePartInfo(imap.h, p, &pi), 0);
                if (pi.dwFlags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE) || !*pi.lpszFileName)
                    continue;
                std::string want, got;
                ASSERT_EQ(MimeReadMessagePart(parsed.h, p, Collect, &want, 0), 0);
                ASSERT_EQ(
                    ImapFetchMessagePart(h, uids[i], IMAP_FETCH_UID, pi.lpszSection, Collect, &got),
                    0)
                    << name << " " << pi.lpszSection << ": " << MailwireGetLastErrorDetail();
                EXPECT_TRUE(got == want) << name << " part " << pi.lpszSection;
                fetched++;
            }
        }
    }
    std::printf("[ measure ] BODYSTRUCTURE/ENVELOPE vs parser: %zu of %zu messages agree "
                "(%zu of %zu CPython test messages); %zu parts fetched by section\n",
                agree, files.size(), agreeCpython, cpython, fetched);
    if (!report.empty())
        std::printf("%s", report.c_str());
    EXPECT_GE(fetched, 10u);
    EXPECT_GE(agree * 100, files.size() * MW_STRUCTURE_AGREE_PERCENT)
        << "more messages read differently than expected";

    // Saved to a file, and the errors.
    std::string path = std::string(mwt_temp_dir()) + "/" + Unique("mw-part");
    EXPECT_EQ(ImapSaveMessagePart(h, uids[0], IMAP_FETCH_UID, "1", path.c_str()), 0)
        << MailwireGetLastErrorDetail();
    EXPECT_TRUE(std::filesystem::exists(path));
    std::remove(path.c_str());
    std::string sink;
    EXPECT_EQ(ImapFetchMessagePart(h, uids[0], IMAP_FETCH_UID, "1.HEADER", Collect, &sink),
              IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_INVALID_ARGUMENT);
    Msg none;
    EXPECT_EQ(ImapGetMessageStructure(h, uids.back() + 1000, IMAP_FETCH_UID, none.h), IMAP_ERROR);
    EXPECT_EQ(ImapGetLastError(), (unsigned)ST_ERROR_SERVER_PERMANENT);

    ImapCloseMailbox(h);
    ImapDeleteMailbox(h, box.c_str());
    ImapDisconnect(h);
}

} // namespace
