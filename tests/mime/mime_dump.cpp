// mw_mime_dump FILE: parse a message with the message object (mime.h) and print what a mail
// reader would show as JSON, in the shape tests/mime/py_parse.py prints from Python's email
// package, so compare_parse.py can compare the two field by field:
//
//   headers  [{name, value}] decoded to UTF-8, in order
//   subject, message_id   decoded values ("" when absent; null when absent)
//   from, to, cc, reply_to [{name, address}]
//   date     {"epoch": seconds UTC, "offset": minutes} or null
//   text     the message text (MimeGetMessageText())
//   parts    the leaf parts in order: content_type, charset, filename, disposition,
//            content_id, size and sha256 of the decoded content
//
// The message is imported three ways (MimeImportMessage() from the file, MimeImportMessageData()
// from memory, MimeImportBegin()/Write()/End() pushed in chunks of 1 to 13 octets) and the
// three outputs must be identical (exit status 2 otherwise): the parser gives one tree
// whatever the source and the split.
#include <mailwire/mime.h>

#include <gnutls/crypto.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace
{

std::string JsonString(const std::string &s)
{
    std::string o = "\"";
    for (unsigned char c : s) {
        if (c == '"' || c == '\\') {
            o += '\\';
            o += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o += static_cast<char>(c);
        }
    }
    return o + "\"";
}

// A value of a call that returns its full length and fills a buffer.
template <typename F> std::string Grow(F call, bool *found = nullptr)
{
    std::vector<char> buf(256);
    int n = call(buf.data(), buf.size());
    if (found)
        *found = n >= 0;
    if (n < 0)
        return "";
    if (static_cast<size_t>(n) >= buf.size()) {
        buf.resize(static_cast<size_t>(n) + 1);
        n = call(buf.data(), buf.size());
        if (n < 0)
            return "";
    }
    return std::string(buf.data(), static_cast<size_t>(n));
}

std::string Addresses(HMESSAGE h, const char *field)
{
    int n = MimeGetAddressCount(h, 0, field);
    std::string o = "[";
    for (int i = 0; i < n; ++i) {
        char name[4096] = "", addr[4096] = "";
        if (MimeGetAddress(h, 0, field, i, name, sizeof name, addr, sizeof addr) != 0)
            continue;
        if (o.size() > 1)
            o += ", ";
        o += "{\"name\": " + JsonString(name) + ", \"address\": " + JsonString(addr) + "}";
    }
    return o + "]";
}

struct Hash {
    gnutls_hash_hd_t h = nullptr;
    uint64_t size = 0;
};

int MAILWIRE_CALLBACK OnContent(void *user, const void *p, size_t n)
{
    auto *hs = static_cast<Hash *>(user);
    hs->size += n;
    return gnutls_hash(hs->h, p, n);
}

std::string Dump(HMESSAGE h)
{
    std::string o = "{\"headers\": [";
    int nh = MimeGetMessageHeaderCount(h, 0);
    for (int i = 0; i < nh; ++i) {
        char name[1024] = "";
        std::string value = Grow([&](char *b, size_t cb) {
            return MimeGetMessageHeaderAt(h, 0, i, name, sizeof name, b, cb, 0);
        });
        o += std::string(i ? ", " : "") + "{\"name\": " + JsonString(name) +
             ", \"value\": " + JsonString(value) + "}";
    }
    o += "]";
    for (const char *f : {"Subject", "Message-ID"}) {
        bool found = false;
        std::string v =
            Grow([&](char *b, size_t cb) { return MimeGetMessageHeader(h, 0, f, b, cb); }, &found);
        o += std::string(", \"") + (f[0] == 'S' ? "subject" : "message_id") +
             "\": " + (found ? JsonString(v) : "null");
    }
    o += ", \"from\": " + Addresses(h, "From");
    o += ", \"to\": " + Addresses(h, "To");
    o += ", \"cc\": " + Addresses(h, "Cc");
    o += ", \"reply_to\": " + Addresses(h, "Reply-To");
    int64_t t = 0;
    int off = 0;
    if (MimeGetMessageDate(h, &t, &off) == 0)
        o += ", \"date\": {\"epoch\": " + std::to_string(t) +
             ", \"offset\": " + std::to_string(off) + "}";
    else
        o += ", \"date\": null";
    o += ", \"text\": " +
         JsonString(Grow([&](char *b, size_t cb) { return MimeGetMessageText(h, b, cb); }));
    o += ", \"parts\": [";
    int np = MimeGetMessagePartCount(h);
    bool first = true;
    for (int i = 0; i < np; ++i) {
        MIMEPARTINFO pi{};
        pi.dwSize = sizeof pi;
        if (MimeGetMessagePartInfo(h, i, &pi) != 0)
            return "part info failed";
        if (pi.dwFlags & (MIME_PART_MULTIPART | MIME_PART_MESSAGE))
            continue;
        std::string ct = pi.lpszContentType, cs = pi.lpszCharSet, fn = pi.lpszFileName,
                    di = pi.lpszDisposition, cid = pi.lpszContentId;
        Hash hs;
        gnutls_hash_init(&hs.h, GNUTLS_DIG_SHA256);
        int r = MimeReadMessagePart(h, i, OnContent, &hs, 0);
        unsigned char d[32];
        gnutls_hash_deinit(hs.h, d);
        std::string hex;
        for (unsigned char c : d) {
            char b[3];
            std::snprintf(b, sizeof b, "%02x", c);
            hex += b;
        }
        if (r != 0)
            hex = "read failed";
        o += std::string(first ? "" : ", ") + "{\"content_type\": " + JsonString(ct) +
             ", \"charset\": " + JsonString(cs) + ", \"filename\": " + JsonString(fn) +
             ", \"disposition\": " + JsonString(di) + ", \"content_id\": " + JsonString(cid) +
             ", \"size\": " + std::to_string(hs.size) + ", \"sha256\": " + JsonString(hex) + "}";
        first = false;
    }
    return o + "]}";
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: mw_mime_dump FILE\n");
        return 1;
    }
    std::string data;
    if (FILE *f = std::fopen(argv[1], "rb")) {
        char b[65536];
        size_t n;
        while ((n = std::fread(b, 1, sizeof b, f)) > 0)
            data.append(b, n);
        std::fclose(f);
    } else {
        std::perror(argv[1]);
        return 1;
    }
    std::string out[3];
    for (int way = 0; way < 3; ++way) {
        HMESSAGE h = MimeCreateMessage();
        int r;
        if (way == 0) {
            r = MimeImportMessage(h, argv[1], 0);
        } else if (way == 1) {
            r = MimeImportMessageData(h, data.data(), data.size(), 0);
        } else {
            r = MimeImportBegin(h, 0);
            size_t at = 0, step = 1;
            while (r == 0 && at < data.size()) {
                size_t n = std::min(step, data.size() - at);
                r = MimeImportWrite(h, data.data() + at, n);
                at += n;
                step = step % 13 + 1;
            }
            if (r == 0)
                r = MimeImportEnd(h);
        }
        if (r != 0) {
            std::fprintf(stderr, "import %d failed: %s\n", way, MailwireGetLastErrorDetail());
            MimeDeleteMessage(h);
            return 1;
        }
        out[way] = Dump(h);
        MimeDeleteMessage(h);
    }
    std::printf("%s\n", out[0].c_str());
    if (out[1] != out[0] || out[2] != out[0]) {
        std::fprintf(stderr, "imports differ:\nfile:   %s\nmemory: %s\npushed: %s\n",
                     out[0].c_str(), out[1].c_str(), out[2].c_str());
        return 2;
    }
    return 0;
}
