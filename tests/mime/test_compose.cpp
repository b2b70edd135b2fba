// MIME composer: every message is read back by a real parser (Python's email package, through
// check_message.py) and compared field by field with what was put in; the wire form is
// checked line by line (CRLF only, <= 998 octets), read with several buffer sizes, and its
// length compared with mw_mime_size().
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "common/memory.hpp"
#include "common/portable.h"
#include "json_mini.hpp"

extern "C" {
#include <mailwire/common.h>

#include "core/mime/compose.h"
#include "core/mime/random.h"
#include "core/mime/utf8.h"
#include "core/util/base64.h"
#include "core/util/alloc.h"
}

namespace
{

namespace fs = std::filesystem;
using mwtest::Json;

// What Compose() fixes, so that a message composes to the same bytes at every run: the Date
// (given as lpszDate) and the random bytes behind the Message-ID and the boundaries (the test
// programs' random source, tests/support/mime_hooks.c).
const char *const kDate = "Sun, 22 Nov 2026 06:00:00 +0100";
const unsigned char kSeed[] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
const char *const kMsgId = "<0123456789abcdef0123456789abcdef@example.org>";

// The seeded random source for the life of the object.
struct Seeded {
    Seeded()
    {
        mw_mime_set_test_seed(kSeed, sizeof kSeed);
    }
    ~Seeded()
    {
        mw_mime_set_test_seed(nullptr, 0);
    }
    Seeded(const Seeded &) = delete;
    Seeded &operator=(const Seeded &) = delete;
};

// msg with the fixed Date unless it has its own.
SMTPMESSAGE Dated(const SMTPMESSAGE &msg)
{
    SMTPMESSAGE m = msg;
    if (!m.lpszDate)
        m.lpszDate = kDate;
    return m;
}

// A scratch directory for attachment and message files, removed at the end.
class Scratch
{
  public:
    Scratch()
    {
        char d[1024];
        if (mwt_make_temp_dir("mw-mime-", d, sizeof d) != 0)
            throw std::runtime_error("cannot make a temporary directory");
        dir_ = d;
    }
    ~Scratch()
    {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string Write(const std::string &name, const std::string &data) const
    {
        std::string path = dir_ + "/" + name;
        std::ofstream f(path, std::ios::binary);
        f.write(data.data(), static_cast<std::streamsize>(data.size()));
        return path;
    }
    const std::string &dir() const
    {
        return dir_;
    }

  private:
    std::string dir_;
};

std::string RandomBytes(size_t n, unsigned seed)
{
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto &c : s)
        c = static_cast<char>(rng() & 0xff);
    return s;
}

std::string Sha256Hex(const std::string &data)
{
    unsigned char d[32];
    gnutls_hash_fast(GNUTLS_DIG_SHA256, data.data(), data.size(), d);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char c : d) {
        out += hex[c >> 4];
        out += hex[c & 15];
    }
    return out;
}

// Line breaks of any kind (CRLF, lone LF, lone CR) as CRLF: what the composer promises for
// text bodies.
std::string Crlf(const std::string &s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\r') {
            out += "\r\n";
            if (i + 1 < s.size() && s[i + 1] == '\n')
                i++;
        } else if (s[i] == '\n') {
            out += "\r\n";
        } else {
            out += s[i];
        }
    }
    return out;
}

SMTPMESSAGE Blank()
{
    SMTPMESSAGE m;
    std::memset(&m, 0, sizeof m);
    m.dwSize = sizeof m;
    m.lpszFrom = "Alice <alice@example.org>";
    m.lpszTo = "bob@example.net";
    return m;
}

std::string ReadAll(mw_mime *m, size_t chunk, long *err = nullptr)
{
    std::string out;
    std::vector<char> buf(chunk);
    for (;;) {
        long n = mw_mime_read(m, buf.data(), chunk);
        if (n < 0) {
            if (err)
                *err = n;
            return out;
        }
        if (n == 0)
            return out;
        EXPECT_LE(static_cast<size_t>(n), chunk);
        out.append(buf.data(), static_cast<size_t>(n));
    }
}

// The wire form: CRLF line ends only, every line within 998 octets plus CRLF, the message
// ends with CRLF, and (unless SMTPUTF8 is needed) every octet is ASCII.
void CheckWire(const std::string &s, bool ascii)
{
    ASSERT_GE(s.size(), 2u);
    EXPECT_EQ(s.substr(s.size() - 2), "\r\n");
    size_t line = 0, lineno = 1;
    for (size_t i = 0; i < s.size(); i++) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c == '\r') {
            ASSERT_TRUE(i + 1 < s.size() && s[i + 1] == '\n') << "bare CR on line " << lineno;
            ASSERT_LE(line, 998u) << "line " << lineno;
            line = 0;
            lineno++;
            i++;
            continue;
        }
        ASSERT_NE(c, '\n') << "bare LF on line " << lineno;
        ASSERT_NE(c, 0) << "NUL on line " << lineno;
        if (ascii) {
            ASSERT_LT(c, 0x80) << "8-bit octet on line " << lineno;
        }
        line++;
    }
}

// Compose with the fixed Date and random bytes, and read with buffers of 1, 7, 4096 and 65536
// octets; all four must give the same bytes, exactly mw_mime_size() of them.
std::string Compose(const SMTPMESSAGE &in, bool small_chunks = true)
{
    Seeded seeded;
    const SMTPMESSAGE msg = Dated(in);
    std::string first;
    std::vector<size_t> chunks = {65536, 4096, 7, 1};
    if (!small_chunks)
        chunks = {65536, 4096};
    for (size_t chunk : chunks) {
        mw_mime *m = nullptr;
        char detail[512];
        unsigned rc = mw_mime_new(&m, &msg, "example.org", detail, sizeof detail);
        EXPECT_EQ(rc, 0u) << detail;
        if (rc)
            return "";
        long err = 0;
        std::string out = ReadAll(m, chunk, &err);
        EXPECT_EQ(err, 0) << mw_mime_detail(m);
        EXPECT_EQ(static_cast<uint64_t>(out.size()), mw_mime_size(m)) << "chunk " << chunk;
        bool ascii = !mw_mime_needs_smtputf8(m);
        mw_mime_free(m);
        if (first.empty()) {
            first = out;
            CheckWire(out, ascii);
        } else {
            EXPECT_TRUE(out == first) << "chunk " << chunk << " gives different bytes";
        }
    }
    return first;
}

Json Parse(const std::string &message)
{
    Scratch sc;
    std::string path = sc.Write("message.eml", message);
    std::string cmd = std::string(MW_PYTHON3) + " " + MW_CHECK_MESSAGE + " " + path;
    FILE *p = popen(cmd.c_str(), "r");
    if (!p)
        throw std::runtime_error("popen failed");
    std::string out;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    int status = pclose(p);
    if (status != 0)
        throw std::runtime_error("check_message.py failed: " + out);
    return Json::Parse(out);
}

// Header field names compare without regard to ASCII case (RFC 5322 section 1.2.2).
bool SameName(const std::string &a, const std::string &b)
{
    auto lower = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; };
    if (a.size() != b.size())
        return false;
    for (size_t i = 0; i < a.size(); i++)
        if (lower(static_cast<unsigned char>(a[i])) != lower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string Header(const Json &j, const std::string &name)
{
    std::string found;
    int count = 0;
    for (const auto &h : j["headers"].arr) {
        if (SameName(h[0].str, name)) {
            found = h[1].str;
            count++;
        }
    }
    EXPECT_LE(count, 1) << name << " appears " << count << " times";
    return found;
}

bool HasHeader(const Json &j, const std::string &name)
{
    for (const auto &h : j["headers"].arr)
        if (SameName(h[0].str, name))
            return true;
    return false;
}

std::vector<std::string> Structure(const Json &j)
{
    std::vector<std::string> v;
    for (const auto &s : j["structure"].arr)
        v.push_back(s.str);
    return v;
}

void NoDefects(const Json &j)
{
    std::string all;
    for (const auto &d : j["defects"].arr)
        all += d.str + " ";
    EXPECT_EQ(j["defects"].size(), 0u) << all;
}

// The header section (up to the first empty line).
std::string HeaderSection(const std::string &msg)
{
    return msg.substr(0, msg.find("\r\n\r\n") + 2);
}

TEST(Compose, TextOnly)
{
    SMTPMESSAGE msg = Blank();
    msg.lpszSubject = "Hello";
    msg.lpszText = "Hello Bob,\r\nhow are you?\r\n";
    std::string out = Compose(msg);
    Json j = Parse(out);
    NoDefects(j);
    EXPECT_EQ(Structure(j), std::vector<std::string>{"text/plain"});
    EXPECT_EQ(Header(j, "From"), "Alice <alice@example.org>");
    EXPECT_EQ(Header(j, "To"), "bob@example.net");
    EXPECT_EQ(Header(j, "Subject"), "Hello");
    EXPECT_EQ(Header(j, "Date"), kDate);
    EXPECT_EQ(Header(j, "Message-ID"), kMsgId);
    EXPECT_EQ(Header(j, "MIME-Version"), "1.0");
    const Json &p = j["parts"][0];
    EXPECT_EQ(p["charset"].str, "utf-8");
    EXPECT_EQ(p["cte"].str, "7bit");
    EXPECT_EQ(p["text"].str, msg.lpszText);
    // The generated fields come in the documented order.
    std::vector<std::string> names;
    for (const auto &h : j["headers"].arr)
        names.push_back(h[0].str);
    std::vector<std::string> want = {
        "From",       "To",           "Subject",      "Date",
        "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
    EXPECT_EQ(names, want);
}

TEST(Compose, HtmlOnly)
{
    SMTPMESSAGE msg = Blank();
    msg.lpszHTML = "<p>Gr\xc3\xbc\xc3\x9f"
                   "e</p>\n";
    std::string out = Compose(msg);
    Json j = Parse(out);
    NoDefects(j);
    EXPECT_EQ(Structure(j), std::vector<std::string>{"text/html"});
    EXPECT_EQ(j["parts"][0]["cte"].str, "quoted-printable");
    EXPECT_EQ(j["parts"][0]["text"].str, Crlf(msg.lpszHTML));
    EXPECT_FALSE(HasHeader(j, "Subject"));
}

TEST(Compose, NoBodyAtAll)
{
    SMTPMESSAGE msg = Blank();
    Json j = Parse(Compose(msg));
    NoDefects(j);
    EXPECT_EQ(Structure(j), std::vector<std::string>{"text/plain"});
    EXPECT_EQ(j["parts"][0]["text"].str, "");
    // An empty Subject is written (empty); a NULL one is left out; Bcc alone means no To.
    msg.lpszSubject = "";
    msg.lpszTo = nullptr;
    msg.lpszBcc = "hidden@example.net";
    std::string out = Compose(msg);
    j = Parse(out);
    NoDefects(j);
    EXPECT_TRUE(HasHeader(j, "Subject"));
    EXPECT_EQ(Header(j, "Subject"), "");
    EXPECT_FALSE(HasHeader(j, "To"));
    EXPECT_EQ(out.find("hidden"), std::string::npos);
}

TEST(Compose, TextAndHtmlAlternative)
{
    SMTPMESSAGE msg = Blank();
    msg.lpszText = "plain version";
    msg.lpszHTML = "<b>html version</b>";
    msg.lpszCharSet = "UTF-8";
    std::string out = Compose(msg);
    Json j = Parse(out);
    NoDefects(j);
    std::vector<std::string> want = {"multipart/alternative", "text/plain", "text/html"};
    EXPECT_EQ(Structure(j), want);
    EXPECT_EQ(j["parts"][0]["text"].str, "plain version");
    EXPECT_EQ(j["parts"][1]["text"].str, "<b>html version</b>");
    EXPECT_EQ(j["parts"][0]["charset"].str, "utf-8");
    EXPECT_NE(out.find("boundary=\"=_a0123456789abcdef0123456789abcdef\""), std::string::npos);
}

TEST(Compose, AttachmentsRoundTrip)
{
    Scratch sc;
    std::vector<std::string> data, names, paths;
    const size_t sizes[] = {0, 1, 2, 3, 57, 58, 76, 1000, 48 * 1024 + 1};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        names.push_back("file" + std::to_string(i) + ".bin");
        data.push_back(RandomBytes(sizes[i], static_cast<unsigned>(i + 1)));
    }
    names.push_back("\xc3\x9c"
                    "bersicht \xe6\x97\xa5\xe6\x9c\xac.pdf"); // Übersicht 日本.pdf
    data.push_back(RandomBytes(5000, 99));
    std::string long_name;
    for (int i = 0; i < 7; i++)
        long_name += "a-very-long-file-name-part-" + std::to_string(i) + "_";
    long_name += ".PNG";
    names.push_back(long_name);
    data.push_back(RandomBytes(300, 98));
    names.push_back("line\r\nbreak: Bcc.txt"); // percent-encoded, never a raw line break
    data.push_back("x");
    names.push_back("win\\dir\\say \"hi\".TXT"); // '\\' separates directories too
    data.push_back("just text\r\n");
    for (size_t i = 0; i < names.size(); i++)
        paths.push_back(sc.Write(names[i], data[i]));
    names.back() = "say \"hi\".TXT";
    // A path with directories: only the base name is the attachment's name.
    fs::create_directories(sc.dir() + "/sub/dir");
    paths.push_back(sc.Write("sub/dir/report.Json", "{\"a\": 1}"));
    names.push_back("report.Json");
    data.push_back("{\"a\": 1}");

    std::vector<const char *> atts;
    for (auto &p : paths)
        atts.push_back(p.c_str());
    atts.push_back(nullptr);
    SMTPMESSAGE msg = Blank();
    msg.lpszText = "see attached";
    msg.lpszHTML = "<p>see attached</p>";
    msg.lpszAttachments = atts.data();
    std::string out = Compose(msg);
    Json j = Parse(out);
    NoDefects(j);
    std::vector<std::string> want = {"multipart/mixed", "multipart/alternative", "text/plain",
                                     "text/html"};
    std::vector<std::string> got = Structure(j);
    got.resize(4);
    EXPECT_EQ(got, want);
    ASSERT_EQ(j["parts"].size(), 2 + names.size());
    EXPECT_EQ(j["parts"][0]["text"].str, "see attached");
    EXPECT_EQ(j["parts"][1]["text"].str, "<p>see attached</p>");
    for (size_t i = 0; i < names.size(); i++) {
        const Json &p = j["parts"][2 + i];
        EXPECT_EQ(p["filename"].str, names[i]);
        EXPECT_EQ(p["param_name"].str, names[i]);
        EXPECT_EQ(p["disposition"].str, "attachment");
        EXPECT_EQ(p["cte"].str, "base64");
        EXPECT_EQ(p["sha256"].str, Sha256Hex(data[i])) << names[i];
        EXPECT_EQ(static_cast<size_t>(p["size"].num), data[i].size());
    }
    EXPECT_EQ(j["parts"][2]["content_type"].str, "application/octet-stream");
    EXPECT_EQ(j["parts"][2 + 9]["content_type"].str, "application/pdf");
    EXPECT_EQ(j["parts"][2 + 10]["content_type"].str, "image/png");
    EXPECT_EQ(j["parts"][2 + 11]["content_type"].str, "text/plain");
    EXPECT_EQ(j["parts"][2 + 12]["content_type"].str, "text/plain");
    EXPECT_NE(out.find("filename*=utf-8''line%0D%0Abreak%3A%20Bcc.txt"), std::string::npos);
    EXPECT_EQ(j["parts"][2 + 13]["content_type"].str, "application/json");
    // Long and non-ASCII names use RFC 2231 (continuations for the long one).
    EXPECT_NE(out.find("filename*=utf-8''%C3%9Cbersicht%20%E6%97%A5%E6%9C%AC.pdf"),
              std::string::npos);
    EXPECT_NE(out.find("filename*0*=utf-8''a-very-long"), std::string::npos);
    EXPECT_NE(out.find("filename*1*="), std::string::npos);
    // Header lines stay within 78 characters here (no unbreakable token is that long).
    std::istringstream lines(out.substr(0, out.find("\r\n\r\n--=_a")));
    for (std::string line; std::getline(lines, line);)
        EXPECT_LE(line.size(), 79u) << line; // 78 + the CR getline leaves
}

TEST(Compose, AttachmentsWithoutBody)
{
    Scratch sc;
    std::string big = RandomBytes(10 * 1024 * 1024, 7);
    std::string p1 = sc.Write("big.zip", big);
    std::string p2 = sc.Write("empty.gz", "");
    const char *atts[] = {p1.c_str(), p2.c_str(), nullptr};
    SMTPMESSAGE msg = Blank();
    msg.lpszAttachments = atts;
    std::string out = Compose(msg, false);
    Json j = Parse(out);
    NoDefects(j);
    std::vector<std::string> want = {"multipart/mixed", "application/zip", "application/gzip"};
    EXPECT_EQ(Structure(j), want);
    EXPECT_EQ(j["parts"][0]["sha256"].str, Sha256Hex(big));
    EXPECT_EQ(j["parts"][1]["size"].num, 0);
}

TEST(Compose, TextWithAttachmentAndHtmlWithAttachment)
{
    Scratch sc;
    std::string p = sc.Write("a.csv", "x,y\n1,2\n");
    const char *atts[] = {p.c_str(), nullptr};
    SMTPMESSAGE msg = Blank();
    msg.lpszText = "text";
    msg.lpszAttachments = atts;
    Json j = Parse(Compose(msg));
    NoDefects(j);
    std::vector<std::string> want = {"multipart/mixed", "text/plain", "text/csv"};
    EXPECT_EQ(Structure(j), want);
    msg.lpszText = nullptr;
    msg.lpszHTML = "<i>h</i>";
    j = Parse(Compose(msg));
    want = {"multipart/mixed", "text/html", "text/csv"};
    EXPECT_EQ(Structure(j), want);
    EXPECT_EQ(j["parts"][0]["text"].str, "<i>h</i>");
}

TEST(Compose, NonAsciiSubjectAndDisplayNames)
{
    SMTPMESSAGE msg = Blank();
    const std::string subject =
        "Gr\xc3\xbc\xc3\x9f"
        "e aus K\xc3\xb6ln \xe2\x80\x94 "
        "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x86\xe3\x82\xad\xe3\x82\xb9"
        "\xe3\x83\x88 and a rather long tail of ASCII words to force folding over several "
        "lines \xf0\x9f\x98\x80 end";
    msg.lpszSubject = subject.c_str();
    msg.lpszFrom = "\"J\xc3\xb6rg M\xc3\xbcller\" <joerg@example.org>";
    msg.lpszTo = "\xe6\x97\xa5\xe6\x9c\xac \xe5\xa4\xaa\xe9\x83\x8e <taro@example.jp>, "
                 "\"Doe, John\" <john@example.com>; plain@example.com, "
                 "\"Say \\\"hi\\\"\" <q@example.com>, Mr. X (comment) <x@example.com>";
    msg.lpszCc = "=?notencoded?= <c@example.com>";
    msg.lpszText = "t";
    std::string out = Compose(msg);
    Json j = Parse(out);
    NoDefects(j);
    EXPECT_EQ(Header(j, "Subject"), subject);
    const Json &from = j["addresses"]["from"];
    ASSERT_EQ(from.size(), 1u);
    EXPECT_EQ(from[0][0].str, "J\xc3\xb6rg M\xc3\xbcller");
    EXPECT_EQ(from[0][1].str, "joerg@example.org");
    const Json &to = j["addresses"]["to"];
    ASSERT_EQ(to.size(), 5u);
    EXPECT_EQ(to[0][0].str, "\xe6\x97\xa5\xe6\x9c\xac \xe5\xa4\xaa\xe9\x83\x8e");
    EXPECT_EQ(to[0][1].str, "taro@example.jp");
    EXPECT_EQ(to[1][0].str, "Doe, John");
    EXPECT_EQ(to[2][0].str, "");
    EXPECT_EQ(to[2][1].str, "plain@example.com");
    EXPECT_EQ(to[3][0].str, "Say \"hi\"");
    EXPECT_EQ(to[4][0].str, "Mr. X");
    EXPECT_EQ(j["addresses"]["cc"][0][0].str, "=?notencoded?=");
    std::string hs = HeaderSection(out);
    std::istringstream lines(hs);
    for (std::string line; std::getline(lines, line);)
        EXPECT_LE(line.size(), 79u) << line;
    // Encoded words are at most 75 characters and each holds whole UTF-8 characters.
    std::regex ew("=\\?utf-8\\?([QB])\\?([^?]*)\\?=");
    int words = 0;
    for (auto it = std::sregex_iterator(hs.begin(), hs.end(), ew); it != std::sregex_iterator();
         ++it) {
        words++;
        EXPECT_LE(it->str().size(), 75u) << it->str();
        std::string text = (*it)[2].str(), raw;
        if ((*it)[1].str() == "B") {
            std::vector<unsigned char> out(MW_B64_DECODED_MAX(text.size()) + 1);
            size_t len = 0;
            ASSERT_EQ(mw_b64_decode(text.data(), text.size(), out.data(), &len), 0) << text;
            raw.assign(reinterpret_cast<char *>(out.data()), len);
        } else {
            for (size_t i = 0; i < text.size(); i++) {
                if (text[i] == '=' && i + 2 < text.size()) {
                    raw += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
                    i += 2;
                } else {
                    raw += text[i] == '_' ? ' ' : text[i];
                }
            }
        }
        EXPECT_EQ(mw_utf8_check(raw.data(), raw.size()), raw.size()) << it->str();
    }
    EXPECT_GE(words, 5);
}

TEST(Compose, LongAsciiSubjectFoldsAtWhiteSpace)
{
    SMTPMESSAGE msg = Blank();
    std::string subject;
    for (int i = 0; i < 60; i++)
        subject += "word" + std::to_string(i) + (i % 7 == 0 ? "  " : " ");
    subject += "last";
    msg.lpszSubject = subject.c_str();
    std::string out = Compose(msg);
    Json j = Parse(out);
    EXPECT_EQ(Header(j, "Subject"), subject);
    EXPECT_EQ(out.find("=?utf-8?"), std::string::npos); // plain ASCII is not encoded
    std::istringstream lines(HeaderSection(out));
    for (std::string line; std::getline(lines, line);)
        EXPECT_LE(line.size(), 79u) << line;
    // A single 2000-character word cannot fold; it is encoded instead, never over 998.
    std::string word(2000, 'w');
    msg.lpszSubject = word.c_str();
    out = Compose(msg);
    EXPECT_EQ(Header(Parse(out), "Subject"), word);
}

TEST(Compose, ExtraHeaders)
{
    SMTPMESSAGE msg = Blank();
    msg.lpszHeaders = "Reply-To: Help <help@example.org>\nX-Mailer: mailwire test\r\n"
                      "X-Folded: first part\r\n\tsecond part\rIn-Reply-To: <a@b>\r\n";
    std::string out = Compose(msg);
    Json j = Parse(out);
    NoDefects(j);
    EXPECT_EQ(Header(j, "Reply-To"), "Help <help@example.org>");
    EXPECT_EQ(Header(j, "X-Mailer"), "mailwire test");
    EXPECT_EQ(Header(j, "X-Folded"), "first part\tsecond part"); // unfolding keeps the tab
    EXPECT_EQ(Header(j, "In-Reply-To"), "<a@b>");
    EXPECT_NE(out.find("X-Folded: first part\r\n\tsecond part\r\n"), std::string::npos);
}

TEST(Compose, BccOnlyInTheEnvelope)
{
    SMTPMESSAGE msg = Blank();
    msg.lpszFrom = "\"Alice A.\" <Alice@Example.org>";
    msg.lpszTo = "bob@example.net, Carol <carol@example.net>";
    msg.lpszCc = "BOB@example.net; dave@example.net";
    msg.lpszBcc = "secret@example.com, carol@EXAMPLE.net";
    std::string out = Compose(msg);
    Json j = Parse(out);
    EXPECT_FALSE(HasHeader(j, "Bcc"));
    EXPECT_EQ(out.find("secret"), std::string::npos);
    mw_mime *m = nullptr;
    ASSERT_EQ(mw_mime_new(&m, &msg, nullptr, nullptr, 0), 0u);
    EXPECT_STREQ(mw_mime_envelope_from(m), "Alice@Example.org");
    std::vector<std::string> rcpt;
    for (size_t i = 0; i < mw_mime_recipient_count(m); i++)
        rcpt.push_back(mw_mime_recipient(m, i));
    std::vector<std::string> want = {"bob@example.net", "carol@example.net", "dave@example.net",
                                     "secret@example.com"};
    EXPECT_EQ(rcpt, want);
    EXPECT_EQ(mw_mime_recipient(m, 4), nullptr);
    EXPECT_EQ(mw_mime_needs_smtputf8(m), 0);
    EXPECT_EQ(mw_mime_needs_8bit(m), 0);
    mw_mime_free(m);
}

TEST(Compose, Utf8AddressesNeedSmtputf8AndStayRaw)
{
    SMTPMESSAGE msg = Blank();
    msg.lpszTo = "J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc"
                 "cher.example>";
    std::string out = Compose(msg);
    EXPECT_NE(out.find("<j\xc3\xb6rg@b\xc3\xbc"
                       "cher.example>"),
              std::string::npos);
    mw_mime *m = nullptr;
    ASSERT_EQ(mw_mime_new(&m, &msg, nullptr, nullptr, 0), 0u);
    EXPECT_EQ(mw_mime_needs_smtputf8(m), 1);
    EXPECT_STREQ(mw_mime_recipient(m, 0), "j\xc3\xb6rg@b\xc3\xbc"
                                          "cher.example");
    mw_mime_free(m);
}

// Text bodies that break naive encoders. Python's decoded text must equal the input with
// every line break (CRLF, lone LF, lone CR) turned into CRLF, and nothing else changed.
TEST(Compose, TrickyTextBodies)
{
    const std::string long_line(2500, 'x');
    const std::string long_utf8 = [] {
        std::string s;
        for (int i = 0; i < 400; i++)
            s += "\xc3\xa9";
        return s;
    }();
    const std::vector<std::string> bodies = {
        "before\r\n.\r\nafter\r\n",
        ".\r\n",
        ".leading dot\n..two dots\n.",
        "bare\nLF\nlines\n",
        "bare\rCR\rlines\r",
        "mixed\r\n\n\r\r\nend",
        "no final newline",
        "From the start\nFrom here\n",
        "trailing spaces   \ntrailing tab\t\n   \n",
        "--=_m0123456789abcdef0123456789abcdef\r\nlooks like our boundary\r\n",
        "tab\tin\tthe\tmiddle and = signs ==\r\n",
        long_line + "\r\n" + long_line,
        long_utf8,
        "=\r\n",
        std::string(997, 'y') + " \r\n" + std::string(76, 'z') + "\r\n" + std::string(75, 'z') +
            " ",
        "",
    };
    for (const auto &body : bodies) {
        SCOPED_TRACE(body.substr(0, 60));
        SMTPMESSAGE msg = Blank();
        msg.lpszText = body.c_str();
        std::string out = Compose(msg);
        Json j = Parse(out);
        NoDefects(j);
        EXPECT_EQ(j["parts"][0]["text"].str, Crlf(body));
        // Inside a multipart (the body does not end the message) as well.
        msg.lpszHTML = "<p>x</p>";
        j = Parse(Compose(msg));
        NoDefects(j);
        EXPECT_EQ(j["parts"][0]["text"].str, Crlf(body));
        // No line of the body is a lone "." and no line starts with our boundary prefix.
        for (size_t pos = 0; (pos = out.find("\r\n.\r\n", pos)) != std::string::npos; pos++)
            ADD_FAILURE() << "lone '.' line at " << pos;
        size_t body_start = out.find("\r\n\r\n") + 4;
        EXPECT_EQ(out.find("\r\n--=_", body_start), std::string::npos);
        // Quoted-printable lines are at most 76 characters (RFC 2045 section 6.7 rule 5).
        if (out.find("Content-Transfer-Encoding: quoted-printable\r\n") != std::string::npos) {
            std::istringstream lines(out.substr(body_start));
            for (std::string line; std::getline(lines, line);)
                EXPECT_LE(line.size(), 77u) << line; // 76 + the CR getline leaves
        }
    }
}

TEST(Compose, OtherCharset)
{
    SMTPMESSAGE msg = Blank();
    msg.lpszCharSet = "iso-8859-1";
    msg.lpszText = "caf\xe9\n"; // Latin-1, not UTF-8: accepted for this charset
    Json j = Parse(Compose(msg));
    NoDefects(j);
    EXPECT_EQ(j["parts"][0]["charset"].str, "iso-8859-1");
    EXPECT_EQ(j["parts"][0]["text"].str, "caf\xc3\xa9\r\n");
}

TEST(Compose, GeneratedDateAndMessageId)
{
    SMTPMESSAGE msg = Blank();
    mw_mime *m = nullptr;
    ASSERT_EQ(mw_mime_new(&m, &msg, nullptr, nullptr, 0), 0u);
    std::string out = ReadAll(m, 4096);
    EXPECT_EQ(static_cast<uint64_t>(out.size()), mw_mime_size(m));
    mw_mime_free(m);
    Json j = Parse(out);
    NoDefects(j);
    std::regex date("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{1,2} "
                    "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
                    "[0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}");
    EXPECT_TRUE(std::regex_match(Header(j, "Date"), date)) << Header(j, "Date");
    std::regex id("<[0-9a-f]{32}@example\\.org>");
    std::string id1 = Header(j, "Message-ID");
    EXPECT_TRUE(std::regex_match(id1, id)) << id1;
    // The domain argument wins; every message gets a fresh id and boundary.
    ASSERT_EQ(mw_mime_new(&m, &msg, "mail.example.com", nullptr, 0), 0u);
    std::string id2 = Header(Parse(ReadAll(m, 4096)), "Message-ID");
    mw_mime_free(m);
    EXPECT_TRUE(std::regex_match(id2, std::regex("<[0-9a-f]{32}@mail\\.example\\.com>"))) << id2;
    EXPECT_NE(id1.substr(0, 33), id2.substr(0, 33));
    // A caller's Date is used as given.
    msg.lpszDate = "Mon, 01 Jan 2024 00:00:00 -0500";
    ASSERT_EQ(mw_mime_new(&m, &msg, nullptr, nullptr, 0), 0u);
    std::string out3 = ReadAll(m, 4096);
    EXPECT_NE(out3.find("\r\nDate: Mon, 01 Jan 2024 00:00:00 -0500\r\n"), std::string::npos);
    EXPECT_EQ(Header(Parse(out3), "Date"), msg.lpszDate);
    mw_mime_free(m);
}

TEST(Compose, MessageIdDomainFromTheSender)
{
    const std::vector<std::pair<const char *, const char *>> table = {
        {"\"odd@local\"@example.com", "@example.com>"},
        {"Postmaster <postmaster>", "@localhost.invalid>"},
        {"u@[192.0.2.7]", "@[192.0.2.7]>"},
    };
    for (const auto &t : table) {
        SMTPMESSAGE msg = Blank();
        msg.lpszFrom = t.first;
        mw_mime *m = nullptr;
        ASSERT_EQ(mw_mime_new(&m, &msg, nullptr, nullptr, 0), 0u) << t.first;
        std::string id = Header(Parse(ReadAll(m, 4096)), "Message-ID");
        mw_mime_free(m);
        EXPECT_EQ(id.substr(33), t.second) << t.first;
    }
}

TEST(Compose, SeedIsReproducible)
{
    SMTPMESSAGE msg = Blank();
    msg.lpszText = "a";
    msg.lpszHTML = "b";
    EXPECT_EQ(Compose(msg), Compose(msg));
}

#ifdef __linux__
// Runs in a fresh child process (this program re-executed with a filter): in a process that
// already ran other tests, freed but resident heap would hide any growth.
TEST(Compose, FiftyMegabyteAttachmentKeepsMemoryFlat)
{
    if (!getenv("MW_MIME_MEMORY_CHILD")) {
        std::string cmd = "MW_MIME_MEMORY_CHILD=1 /proc/" + std::to_string(mwt_getpid()) +
                          "/exe --gtest_filter=Compose.FiftyMegabyteAttachmentKeepsMemoryFlat";
        FILE *p = popen(cmd.c_str(), "r");
        ASSERT_NE(p, nullptr);
        std::string out;
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0)
            out.append(buf, n);
        int status = pclose(p);
        EXPECT_EQ(status, 0) << out;
        size_t at = out.find("peak RSS growth");
        ASSERT_NE(at, std::string::npos) << out;
        std::printf("%s", out.substr(at, out.find('\n', at) + 1 - at).c_str());
        return;
    }
    Scratch sc;
    std::string path = sc.dir() + "/big.mp4";
    {
        std::ofstream f(path, std::ios::binary);
        std::string chunk = RandomBytes(1024 * 1024, 5);
        for (int i = 0; i < 50; i++)
            f.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    }
    // Reset the peak (Linux clear_refs, value 5) after the file was written.
    {
        std::ofstream cr("/proc/self/clear_refs");
        cr << "5";
    }
    long before = mwtest::PeakRssKiB();
    ASSERT_GT(before, 0);
    const char *atts[] = {path.c_str(), nullptr};
    SMTPMESSAGE msg = Blank();
    msg.lpszText = "big one";
    msg.lpszAttachments = atts;
    mw_mime *m = nullptr;
    ASSERT_EQ(mw_mime_new(&m, &msg, nullptr, nullptr, 0), 0u);
    std::vector<char> buf(65536);
    uint64_t total = 0;
    long n;
    while ((n = mw_mime_read(m, buf.data(), buf.size())) > 0)
        total += static_cast<uint64_t>(n);
    EXPECT_EQ(n, 0) << mw_mime_detail(m);
    EXPECT_EQ(total, mw_mime_size(m));
    EXPECT_GT(total, 50u * 1024 * 1024 * 4 / 3);
    mw_mime_free(m);
    long after = mwtest::PeakRssKiB();
    std::printf("peak RSS growth composing a 50 MiB attachment: %ld KiB (message %llu octets)\n",
                after - before, static_cast<unsigned long long>(total));
    EXPECT_LT(after - before, 8 * 1024);
}
#endif

TEST(Compose, FileChangedSizeFailsTheRead)
{
    Scratch sc;
    std::string path = sc.Write("grow.bin", RandomBytes(1000, 3));
    const char *atts[] = {path.c_str(), nullptr};
    SMTPMESSAGE msg = Blank();
    msg.lpszAttachments = atts;
    for (int grow = 0; grow < 2; grow++) {
        sc.Write("grow.bin", RandomBytes(1000, 3));
        mw_mime *m = nullptr;
        ASSERT_EQ(mw_mime_new(&m, &msg, nullptr, nullptr, 0), 0u);
        sc.Write("grow.bin", RandomBytes(grow ? 1001 : 999, 3));
        long err = 0;
        ReadAll(m, 4096, &err);
        EXPECT_EQ(err, -1);
        std::string d = mw_mime_detail(m);
        EXPECT_NE(d.find("changed size"), std::string::npos) << d;
        EXPECT_NE(d.find(path), std::string::npos) << d;
        char b[8];
        EXPECT_EQ(mw_mime_read(m, b, sizeof b), -1); // stays failed
        mw_mime_free(m);
    }
    // A file removed before its turn.
    mw_mime *m = nullptr;
    ASSERT_EQ(mw_mime_new(&m, &msg, nullptr, nullptr, 0), 0u);
    fs::remove(path);
    long err = 0;
    ReadAll(m, 4096, &err);
    EXPECT_EQ(err, -1);
    EXPECT_NE(std::string(mw_mime_detail(m)).find("cannot be opened"), std::string::npos);
    mw_mime_free(m);
}

struct Invalid {
    const char *what;
    SMTPMESSAGE msg;
    const char *domain;
    unsigned code;
    std::string detail;
};

TEST(Compose, InvalidInputs)
{
    Scratch sc;
    std::string dir = sc.dir();
    std::string missing = sc.dir() + "/missing.pdf";
    static const char *dir_att[2];
    static const char *missing_att[2];
    static const char *empty_att[2] = {"", nullptr};
    dir_att[0] = dir.c_str();
    missing_att[0] = missing.c_str();
    const std::string long_header = "X-Long: " + std::string(991, 'v');
    std::vector<Invalid> table;
    auto add = [&](const char *what, auto edit, unsigned code, std::string detail,
                   const char *domain = nullptr) {
        SMTPMESSAGE m = Blank();
        edit(m);
        table.push_back({what, m, domain, code, std::move(detail)});
    };
    const unsigned inval = ST_ERROR_INVALID_ARGUMENT;
    add(
        "dwSize", [](SMTPMESSAGE &m) { m.dwSize = 4; }, inval,
        "SMTPMESSAGE.dwSize is 4, expected sizeof(SMTPMESSAGE) = " +
            std::to_string(sizeof(SMTPMESSAGE)));
    add(
        "dwOptions", [](SMTPMESSAGE &m) { m.dwOptions = 1; }, inval,
        "SMTPMESSAGE.dwOptions must be 0");
    add(
        "no From", [](SMTPMESSAGE &m) { m.lpszFrom = nullptr; }, inval, "lpszFrom is required");
    add(
        "two From", [](SMTPMESSAGE &m) { m.lpszFrom = "a@x, b@y"; }, inval,
        "lpszFrom must hold exactly one mailbox (found 2)");
    add(
        "From injection", [](SMTPMESSAGE &m) { m.lpszFrom = "a@x\r\nBcc: e@y"; }, inval,
        "lpszFrom: CR in address list at offset 3");
    add(
        "no recipient", [](SMTPMESSAGE &m) { m.lpszTo = " , "; }, inval,
        "no recipient: lpszTo, lpszCc and lpszBcc hold no address");
    add(
        "bad To", [](SMTPMESSAGE &m) { m.lpszTo = "\"Doe <d@x>"; }, inval,
        "lpszTo: unbalanced quote in address list at offset 0");
    add(
        "bad Cc", [](SMTPMESSAGE &m) { m.lpszCc = "a b@x"; }, inval,
        "lpszCc: white space in address in address list at offset 1");
    add(
        "bad Bcc", [](SMTPMESSAGE &m) { m.lpszBcc = "x@y\n"; }, inval,
        "lpszBcc: LF in address list at offset 3");
    add(
        "Subject LF", [](SMTPMESSAGE &m) { m.lpszSubject = "Hello\nBcc: x@y"; }, inval,
        "lpszSubject: LF at offset 5");
    add(
        "Subject control", [](SMTPMESSAGE &m) { m.lpszSubject = "a\x1b[31m"; }, inval,
        "lpszSubject: control character 0x1B at offset 1");
    add(
        "Subject UTF-8", [](SMTPMESSAGE &m) { m.lpszSubject = "ok \xe2\x82"; }, inval,
        "lpszSubject: malformed UTF-8 at offset 3");
    add(
        "Date CR", [](SMTPMESSAGE &m) { m.lpszDate = "today\r"; }, inval,
        "lpszDate: CR at offset 5");
    add(
        "Date empty", [](SMTPMESSAGE &m) { m.lpszDate = ""; }, inval,
        "lpszDate must be 1 to 255 ASCII characters (RFC 5322 section 3.3)");
    add(
        "Header Bcc", [](SMTPMESSAGE &m) { m.lpszHeaders = "X-A: 1\nbcc: x@y"; }, inval,
        "lpszHeaders: line 2: field \"bcc\" is generated by the composer (use the SMTPMESSAGE "
        "member)");
    add(
        "Header Content", [](SMTPMESSAGE &m) { m.lpszHeaders = "Content-Type: text/plain"; }, inval,
        "lpszHeaders: line 1: field \"Content-Type\" is generated by the composer (use the "
        "SMTPMESSAGE member)");
    add(
        "Header no colon", [](SMTPMESSAGE &m) { m.lpszHeaders = "NoColon"; }, inval,
        "lpszHeaders: line 1 has no ':' (expected \"Name: value\")");
    add(
        "Header space in name", [](SMTPMESSAGE &m) { m.lpszHeaders = "Bad Name: x"; }, inval,
        "lpszHeaders: line 1: invalid character 0x20 in the field name (expected \"Name: "
        "value\")");
    add(
        "Header empty name", [](SMTPMESSAGE &m) { m.lpszHeaders = ": x"; }, inval,
        "lpszHeaders: line 1 has an empty field name");
    add(
        "Header blank line", [](SMTPMESSAGE &m) { m.lpszHeaders = "X-A: 1\r\n\r\nX-B: 2"; }, inval,
        "lpszHeaders: empty line 2 would end the header section");
    add(
        "Header continuation first", [](SMTPMESSAGE &m) { m.lpszHeaders = " x"; }, inval,
        "lpszHeaders: line 1 continues a field but none precedes it");
    add(
        "Header non-ASCII", [](SMTPMESSAGE &m) { m.lpszHeaders = "X-A: caf\xc3\xa9"; }, inval,
        "lpszHeaders: line 1: non-ASCII octet at column 9 (encode the value per RFC 2047)");
    add(
        "Header control", [](SMTPMESSAGE &m) { m.lpszHeaders = "X-A: a\x01"; }, inval,
        "lpszHeaders: line 1: control character 0x01 at column 7");
    add(
        "Header too long", [&](SMTPMESSAGE &m) { m.lpszHeaders = long_header.c_str(); }, inval,
        "lpszHeaders: line 1 is longer than 998 octets");
    add(
        "charset token", [](SMTPMESSAGE &m) { m.lpszCharSet = "utf 8"; }, inval,
        "lpszCharSet: character 0x20 at offset 3 is not allowed in a charset name (RFC 2045 "
        "section 5.1 token)");
    add(
        "charset empty", [](SMTPMESSAGE &m) { m.lpszCharSet = ""; }, inval,
        "lpszCharSet must be 1 to 64 characters");
    add(
        "text UTF-8", [](SMTPMESSAGE &m) { m.lpszText = "ab\xff"; }, inval,
        "lpszText: malformed UTF-8 at offset 2 (charset utf-8)");
    add(
        "html UTF-8", [](SMTPMESSAGE &m) { m.lpszHTML = "\xc0\xaf"; }, inval,
        "lpszHTML: malformed UTF-8 at offset 0 (charset utf-8)");
    add(
        "missing file", [](SMTPMESSAGE &m) { m.lpszAttachments = missing_att; }, ST_ERROR_FILE,
        "attachment \"" + missing + "\": No such file or directory");
    add(
        "directory", [](SMTPMESSAGE &m) { m.lpszAttachments = dir_att; }, ST_ERROR_FILE,
        "attachment \"" + dir + "\" is not a regular file");
    add(
        "empty path", [](SMTPMESSAGE &m) { m.lpszAttachments = empty_att; }, inval,
        "lpszAttachments[0] is empty");
    add(
        "domain", [](SMTPMESSAGE &) {}, inval,
        "domain \"bad domain\" is not a valid Message-ID right-hand side", "bad domain");
    for (const auto &t : table) {
        mw_mime *m = reinterpret_cast<mw_mime *>(0x1);
        char detail[512] = "";
        unsigned rc = mw_mime_new(&m, &t.msg, t.domain, detail, sizeof detail);
        EXPECT_EQ(rc, t.code) << t.what;
        EXPECT_EQ(std::string(detail), t.detail) << t.what;
        EXPECT_EQ(m, nullptr) << t.what;
    }
    mw_mime *m = nullptr;
    char detail[64];
    EXPECT_EQ(mw_mime_new(&m, nullptr, nullptr, detail, sizeof detail),
              static_cast<unsigned>(ST_ERROR_INVALID_ARGUMENT));
    EXPECT_STREQ(detail, "message is NULL");
}

// Every allocation of a full composition fails in turn: each run ends with a clean
// out-of-memory error (or succeeds when the failure point is past the last allocation),
// never a crash or a leak (the sanitizer build runs this too).
TEST(Compose, AllocationFailures)
{
    Scratch sc;
    std::string p = sc.Write("\xc3\xa9t\xc3\xa9.pdf", RandomBytes(5000, 1));
    const char *atts[] = {p.c_str(), nullptr};
    SMTPMESSAGE msg = Blank();
    msg.lpszFrom = "\"J\xc3\xb6rg\" <j@example.org>";
    msg.lpszTo = "a@x, B <b@y>";
    msg.lpszCc = "c@z";
    msg.lpszBcc = "d@w, a@x";
    msg.lpszSubject = "S\xc3\xbc"
                      "bject";
    msg.lpszHeaders = "X-A: 1\nX-B: 2";
    msg.lpszText = "text\n";
    msg.lpszHTML = "<p>html</p>";
    msg.lpszAttachments = atts;
    std::string reference = Compose(msg);
    ASSERT_FALSE(reference.empty());
    Seeded seeded;
    msg = Dated(msg);
    int failures = 0;
    for (long n = 0; n < 10000; n++) {
        mw_alloc_fail_at(n);
        mw_mime *m = nullptr;
        char detail[256] = "";
        unsigned rc = mw_mime_new(&m, &msg, "example.org", detail, sizeof detail);
        std::string out;
        long err = 0;
        if (rc == 0) {
            out = ReadAll(m, 4096, &err);
            if (err) {
                EXPECT_STREQ(mw_mime_detail(m), "out of memory");
            }
        }
        int triggered = mw_alloc_fail_at(-1);
        mw_mime_free(m);
        if (!triggered) {
            EXPECT_EQ(rc, 0u);
            EXPECT_TRUE(out == reference);
            break;
        }
        failures++;
        if (rc) {
            EXPECT_EQ(rc, static_cast<unsigned>(ST_ERROR_OUT_OF_MEMORY)) << n;
            EXPECT_STREQ(detail, "out of memory") << n;
            EXPECT_EQ(m, nullptr);
        } else {
            EXPECT_EQ(err, -1) << "allocation " << n << " failed silently";
        }
    }
    EXPECT_GT(failures, 10);
}

} // namespace
