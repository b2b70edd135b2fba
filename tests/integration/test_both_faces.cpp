// The both-faces harness (see both_faces.hpp): each row of the SMTP and IMAP tables runs on a
// blocking and on a non-blocking session; the two outcomes must agree field by field, both
// faces must keep the last-error rule of common.h, and each outcome must be what a user
// expects from the call.
#include "both_faces.hpp"

#include "common/portable.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <cstdlib>
#include <iostream>
#include <regex>
#include <sstream>

#include "common/fixture_env.hpp"

namespace mwtest::faces
{

std::string Outcome::Get(const std::string &name) const
{
    for (const auto &f : fields)
        if (f.first == name)
            return f.second;
    return "";
}

std::ostream &operator<<(std::ostream &os, const Outcome &o)
{
    for (const auto &f : o.fields)
        os << "\n    " << f.first << ": " << f.second;
    return os;
}

void PrintTo(const Row &row, std::ostream *os)
{
    *os << row.name;
}

// ---- the fixture --------------------------------------------------------------------------

uint16_t Port(const char *key)
{
    return Fixture::Get().Port(key);
}

std::string User()
{
    return Fixture::Get().Value("MW_USER4");
}

std::string Password()
{
    return Fixture::Get().Value("MW_PASS4");
}

const SECURITYCREDENTIALS *Ca()
{
    static std::string file;
    static SECURITYCREDENTIALS c{};
    file = Fixture::Get().Value("MW_CA_FILE");
    c.dwSize = sizeof c;
    c.lpszCAFile = file.c_str();
    return &c;
}

uint16_t ClosedPort()
{
    // Bound and closed again: the kernel does not hand it out at once to another listener.
    static uint16_t port = [] {
        mwt_sockets_init(); // a socket of the test's own
        mwt_socket fd = mwt_socket_tcp(AF_INET, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t n = sizeof a;
        bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a);
        getsockname(fd, reinterpret_cast<sockaddr *>(&a), &n);
        mwt_close_socket(fd);
        return ntohs(a.sin_port);
    }();
    return port;
}

namespace
{

HCLIENT g_observer = INVALID_CLIENT;

// Logs the observer out when the program ends.
class ObserverEnvironment : public ::testing::Environment
{
  public:
    void TearDown() override
    {
        if (g_observer != INVALID_CLIENT)
            ImapDisconnect(g_observer);
        g_observer = INVALID_CLIENT;
    }
};
::testing::Environment *const g_env = ::testing::AddGlobalTestEnvironment(new ObserverEnvironment);

} // namespace

HCLIENT Observer()
{
    if (g_observer == INVALID_CLIENT) {
        g_observer = ImapConnect("localhost", Port("MW_IMAP_PORT"), 10, IMAP_OPTION_SECURE, Ca());
        EXPECT_NE(g_observer, INVALID_CLIENT) << MailwireGetLastErrorDetail();
        if (g_observer != INVALID_CLIENT &&
            ImapLogin(g_observer, IMAP_AUTH_LOGIN, User().c_str(), Password().c_str()) != 0) {
            ADD_FAILURE() << "observer login: " << MailwireGetLastErrorDetail();
            ImapDisconnect(g_observer);
            g_observer = INVALID_CLIENT;
        }
    }
    return g_observer;
}

std::string SeedMessage(unsigned i)
{
    std::string head = "From: Alice <alice@localhost>\r\nTo: Dave <dave@localhost>\r\n"
                       "Date: Mon, 1 Jan 2024 10:00:0" +
                       std::to_string(i % 10) + " +0000\r\nMessage-ID: <seed-" + std::to_string(i) +
                       "@faces.localhost>\r\n";
    switch (i) {
    case 1:
        return head + "Subject: face message one\r\n\r\none\r\n";
    case 2:
        return head + "Subject: face message two\r\n\r\n" + std::string(3000, 'x') + "\r\n";
    default:
        return head + "Subject: face message " + std::to_string(i) +
               "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
               "--b\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
               "--b\r\nContent-Type: text/plain\r\n\r\nsecond part\r\n--b--\r\n";
    }
}

void Seed(Ctx &c, const std::string &suffix, unsigned n)
{
    HCLIENT o = Observer();
    ASSERT_NE(o, INVALID_CLIENT);
    std::string box = c.Box(suffix);
    // Dovecot 2.3 answers a CREATE of a new name now and then with NO [ALREADYEXISTS] although
    // it created the mailbox, while other sessions of the same user create and delete
    // mailboxes (seen with Python's imaplib too: about 1 in 1,000 with three such sessions).
    // The names here are unique: the mailbox is there when STATUS finds it.
    int rc = ImapCreateMailbox(o, box.c_str());
    if (rc != 0 && std::string(ImapGetResultString(o)).find("ALREADYEXISTS") != std::string::npos) {
        IMAPMAILBOXSTATUS st{};
        rc = ImapGetMailboxStatus(o, box.c_str(), &st);
    }
    ASSERT_EQ(rc, 0) << MailwireGetLastErrorDetail();
    for (unsigned i = 1; i <= n; i++) {
        std::string m = SeedMessage(i);
        ASSERT_EQ(ImapCreateMessage(o, box.c_str(), 0, "01-Jan-2024 10:00:00 +0000", m.data(),
                                    m.size(), nullptr),
                  0)
            << MailwireGetLastErrorDetail();
    }
}

std::string Observe(Ctx &c, const std::string &suffix)
{
    HCLIENT o = Observer();
    if (o == INVALID_CLIENT)
        return "no observer";
    std::string box = c.Box(suffix);
    IMAPMAILBOXSTATUS st{};
    if (ImapGetMailboxStatus(o, box.c_str(), &st) != 0)
        return "no mailbox";
    std::string s = "messages " + std::to_string(st.nMessages) + ", unseen " +
                    std::to_string(st.nUnseenMessages) + ", uidnext " +
                    std::to_string(st.dwNextMessageUID);
    if (st.nMessages && ImapExamineMailbox(o, box.c_str(), nullptr) == 0) {
        ImapGetMessageInfo(
            o, "1:*", IMAP_INFO_ENVELOPE,
            [](const IMAPMESSAGE *m, void *user) {
                auto &out = *static_cast<std::string *>(user);
                out += "; uid " + std::to_string(m->dwUID) + " flags " +
                       std::to_string(m->dwFlags & ~(uint32_t)IMAP_FLAG_RECENT) + " " +
                       (m->lpszKeywords ? m->lpszKeywords : "") + " size " +
                       std::to_string(m->nSize) + " " + (m->lpszSubject ? m->lpszSubject : "");
            },
            &s);
        ImapUnselectMailbox(o);
    }
    return s;
}

// ---- one face ----------------------------------------------------------------------------

static std::string MakePrefix(bool async)
{
    // One process may run many rows (the program run by hand), and ctest runs each row in a
    // process of its own, whose pid an earlier row's process may have had (its mailboxes can
    // outlive it when a row fails): a random tag per process and a counter keep the names
    // apart. Fixed width, so that messages holding the prefix have the same size on both
    // faces.
    static const unsigned tag = std::random_device{}();
    static unsigned n = 0;
    char p[48];
    std::snprintf(p, sizeof p, "mwf%08x-%05u%c", tag, ++n % 100000, async ? 'a' : 'b');
    return p;
}

Ctx::Ctx(const Row &r, bool is_async) : row(r), async(is_async), prefix(MakePrefix(is_async)) {}

Ctx::~Ctx()
{
    if (helper.joinable())
        helper.join();
    if (h != INVALID_CLIENT)
        (row.proto == Proto::Smtp ? SmtpDisconnect : ImapDisconnect)(h);
    if (search)
        ImapSearchFree(search);
    for (const auto &f : files_)
        std::remove(f.c_str());
    if (row.proto != Proto::Imap || g_observer == INVALID_CLIENT)
        return;
    // The row's mailboxes, children before their parents.
    std::vector<std::string> boxes;
    IMAPMAILBOXINFO i{};
    std::string pattern = prefix + "*";
    if (ImapGetFirstMailbox(g_observer, "", pattern.c_str(), IMAP_LIST_DEFAULT, &i) == 0) {
        do
            boxes.push_back(i.szMailbox);
        while (ImapGetNextMailbox(g_observer, &i) == 0);
    }
    std::sort(boxes.begin(), boxes.end(),
              [](const std::string &a, const std::string &b) { return a.size() > b.size(); });
    for (const auto &b : boxes)
        ImapDeleteMailbox(g_observer, b.c_str());
}

std::string Ctx::File(const std::string &suffix)
{
    std::string path = ::testing::TempDir() + prefix + "-" + suffix;
    files_.push_back(path);
    return path;
}

int Ctx::Pump()
{
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        MAILWIRE_SOCKET sock;
        unsigned want = 0;
        int timeout = -1;
        if (MailwireGetPollInfo(h, &sock, &want, &timeout) != 0)
            return MAILWIRE_ERROR;
        if (timeout != 0) {
            mwt_wait_socket(sock, want, timeout < 0 || timeout > 100 ? 100 : timeout);
        }
        int rc = MailwireExecute(h);
        if (rc != MAILWIRE_IN_PROGRESS)
            return rc;
        if (std::chrono::steady_clock::now() > until) {
            ADD_FAILURE() << row.name << ": the non-blocking operation did not end in 30 s";
            return rc;
        }
    }
}

int Ctx::Do(const std::function<int(HCLIENT)> &call)
{
    int rc = call(h);
    if (async && rc == MAILWIRE_IN_PROGRESS)
        rc = Pump();
    return rc;
}

void Ctx::TraceFn(HCLIENT, unsigned dir, const char *data, size_t len, void *user)
{
    if (dir == MAILWIRE_TRACE_SENT)
        static_cast<Ctx *>(user)->sent.append(data, len);
}

void Ctx::EventFn(HCLIENT, unsigned ev, unsigned err, void *user)
{
    // READ and WRITE describe the event loop of a non-blocking session (common.h: raised
    // there only), and PROGRESS counts how the bytes were cut into writes, which depends on
    // the socket and not on the face: none of them is a result.
    if (ev != MAILWIRE_EVENT_PROGRESS && ev != MAILWIRE_EVENT_READ && ev != MAILWIRE_EVENT_WRITE)
        static_cast<Ctx *>(user)->events.emplace_back(ev, err);
}

void Ctx::RecordEvents()
{
    for (unsigned ev = 1; ev < MAILWIRE_EVENT_MAX; ev++)
        MailwireRegisterEvent(h, ev, &Ctx::EventFn, this);
}

int Ctx::ConnectSmtp(uint16_t port, uint32_t options, const SECURITYCREDENTIALS *cred,
                     const char *host)
{
    // A blocking connect returns the handle only at its end: the default trace sees its
    // first byte (and the non-blocking one gets it the same way).
    MailwireSetDefaultTrace(&Ctx::TraceFn, this);
    h = (async ? SmtpAsyncConnect : SmtpConnect)(host, port, 10, options, "faces.localhost", cred);
    MailwireSetDefaultTrace(nullptr, nullptr);
    if (h == INVALID_CLIENT)
        return MAILWIRE_ERROR;
    if (async)
        RecordEvents(); /* the connect's COMPLETE is checked (the other events are not compared) */
    return async ? MAILWIRE_IN_PROGRESS : 0;
}

int Ctx::ConnectImap(uint16_t port, uint32_t options, const SECURITYCREDENTIALS *cred,
                     const char *host)
{
    MailwireSetDefaultTrace(&Ctx::TraceFn, this);
    h = (async ? ImapAsyncConnect : ImapConnect)(host, port, 10, options, cred);
    MailwireSetDefaultTrace(nullptr, nullptr);
    if (h == INVALID_CLIENT)
        return MAILWIRE_ERROR;
    if (async)
        RecordEvents(); /* the connect's COMPLETE is checked (the other events are not compared) */
    return async ? MAILWIRE_IN_PROGRESS : 0;
}

void Ctx::OpenSmtp(uint16_t port, uint32_t options)
{
    int rc = ConnectSmtp(port, options, Ca());
    if (rc == MAILWIRE_IN_PROGRESS)
        rc = Pump();
    ASSERT_EQ(rc, 0) << Face() << " SMTP connect: " << MailwireGetLastErrorDetail();
    RecordEvents();
}

void Ctx::OpenImap(uint16_t port, uint32_t options)
{
    int rc = ConnectImap(port, options, Ca());
    if (rc == MAILWIRE_IN_PROGRESS)
        rc = Pump();
    ASSERT_EQ(rc, 0) << Face() << " IMAP connect: " << MailwireGetLastErrorDetail();
    RecordEvents();
}

void Ctx::Add(const std::string &field, const std::string &value)
{
    results.emplace_back(field, value);
}

void Ctx::ReadOnly(const char *getter, const std::function<bool()> &read)
{
    unsigned err = MailwireGetLastError();
    std::string detail = MailwireGetLastErrorDetail();
    if (!read())
        return;
    unsigned now = MailwireGetLastError();
    std::string now_detail = MailwireGetLastErrorDetail();
    EXPECT_TRUE(now == err && now_detail == detail)
        << row.name << " (" << Face() << "): " << getter
        << " only reads, yet it changed the last error from " << err << " (" << detail << ") to "
        << now << " (" << now_detail << ")";
}

namespace
{

// Text that differs between the faces for reasons of their own row and not of the face: the
// row's names (the prefix), Postfix queue ids, Dovecot's command timings, and UIDVALIDITY
// (each face has mailboxes of its own; their UIDs agree as both start empty).
std::string Normalize(const Ctx &c, std::string s)
{
    for (size_t at; (at = s.find(c.prefix)) != std::string::npos;)
        s.replace(at, c.prefix.size(), "{box}");
    static const std::regex queued(R"(queued as [0-9A-Za-z]+)");
    static const std::regex timing(R"(\(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\))");
    static const std::regex validity(R"((UIDVALIDITY|APPENDUID|COPYUID) \d+)");
    s = std::regex_replace(s, queued, "queued as {id}");
    s = std::regex_replace(s, timing, "(t secs)");
    return std::regex_replace(s, validity, "$1 {v}");
}

std::string ErrorName(unsigned err)
{
    return std::to_string(err) + " " + MailwireGetErrorString(err);
}

// Every getter common.h names as "only reads", on the face's handle right after the call:
// the call's own last error must survive each one that succeeds. (ImapGetNextMailbox()
// consumes the listing: the LIST rows check it as they read.) The getters that fail when no
// mailbox is selected come last, as a failure replaces the last error.
void SweepGetters(Ctx &c)
{
    HCLIENT h = c.h;
    SECURITYINFO si{};
    si.dwSize = sizeof si;
    MAILWIRE_SOCKET sock;
    unsigned want;
    int timeout;
    c.ReadOnly("MailwireGetSecurityInfo", [&] { return MailwireGetSecurityInfo(h, &si) == 0; });
    c.ReadOnly("MailwireGetPollInfo",
               [&] { return MailwireGetPollInfo(h, &sock, &want, &timeout) == 0; });
    if (c.row.proto == Proto::Smtp) {
        char text[1024];
        c.ReadOnly("SmtpGetResultCode", [&] { return SmtpGetResultCode(h) != SMTP_ERROR; });
        c.ReadOnly("SmtpGetResultString",
                   [&] { return SmtpGetResultString(h, text, sizeof text) >= 0; });
        SMTPTRANSFERSTATUS ts{};
        ts.dwSize = sizeof ts;
        c.ReadOnly("SmtpGetTransferStatus", [&] { return SmtpGetTransferStatus(h, &ts) == 0; });
        int n = 0;
        c.ReadOnly("SmtpGetRecipientCount", [&] { return (n = SmtpGetRecipientCount(h)) >= 0; });
        for (int i = 0; i < n; i++) {
            SMTPRECIPIENT r{};
            r.dwSize = sizeof r;
            c.ReadOnly("SmtpGetRecipientResult",
                       [&] { return SmtpGetRecipientResult(h, (unsigned)i, &r) == 0; });
        }
        uint32_t opts;
        uint64_t limit;
        const char *lines;
        c.ReadOnly("SmtpGetExtendedOptions", [&] { return SmtpGetExtendedOptions(h, &opts) == 0; });
        c.ReadOnly("SmtpGetExtendedOptionsEx",
                   [&] { return SmtpGetExtendedOptionsEx(h, &opts, &limit, &lines) == 0; });
        c.ReadOnly("SmtpGetSecurityInfo", [&] { return SmtpGetSecurityInfo(h, &si) == 0; });
        c.ReadOnly("SmtpGetPollInfo",
                   [&] { return SmtpGetPollInfo(h, &sock, &want, &timeout) == 0; });
        c.ReadOnly("SmtpGetSocket", [&] {
            SmtpGetSocket(h);
            return true;
        });
        return;
    }
    std::string caps(16384, '\0');
    // ImapGetResultCode() returns -1 before any command completed too: on a live handle of
    // the owner thread every one of these succeeds.
    c.ReadOnly("ImapGetResultCode", [&] { return ImapGetResultCode(h) >= -1; });
    c.ReadOnly("ImapGetResultString", [&] { return ImapGetResultString(h) != nullptr; });
    c.ReadOnly("ImapGetAlert", [&] { return ImapGetAlert(h) != nullptr; });
    c.ReadOnly("ImapHasCapability", [&] { return ImapHasCapability(h, "IMAP4rev1") >= 0; });
    c.ReadOnly("ImapGetCapabilities",
               [&] { return ImapGetCapabilities(h, &caps[0], caps.size()) == 0; });
    uint64_t done, total;
    c.ReadOnly("ImapGetTransferStatus",
               [&] { return ImapGetTransferStatus(h, &done, &total) == 0; });
    size_t none = 0;
    c.ReadOnly("ImapGetSearchResults",
               [&] { return ImapGetSearchResults(h, nullptr, &none) == 0; });
    c.ReadOnly("ImapGetSecurityInfo", [&] { return ImapGetSecurityInfo(h, &si) == 0; });
    c.ReadOnly("ImapGetPollInfo", [&] { return ImapGetPollInfo(h, &sock, &want, &timeout) == 0; });
    IMAPMAILBOX mb;
    unsigned count;
    c.ReadOnly("ImapGetMailboxInfo", [&] { return ImapGetMailboxInfo(h, &mb) == 0; });
    c.ReadOnly("ImapGetMessageCount", [&] { return ImapGetMessageCount(h, &count) == 0; });
}

struct FaceRun {
    Outcome out;
    bool complete = false;
};

FaceRun RunFace(const Row &row, bool async)
{
    FaceRun run;
    Ctx c(row, async);
    if (row.setup)
        row.setup(c);
    if (::testing::Test::HasFatalFailure())
        return run;
    c.sent.clear();
    c.events.clear();
    MailwireSetLastError(kStale);
    const bool had_session = c.h != INVALID_CLIENT; // not a connect row
    int rc = row.call(c);
    const int first = rc;
    if (async && !(row.flags & Row::kNoOperation)) {
        // common.h: the call that starts a non-blocking operation returns at once; a refused
        // one fails at once.
        EXPECT_NE(rc, 0) << row.name << ": a non-blocking call that starts an operation "
                         << "never completes inside that call";
        if (rc == MAILWIRE_IN_PROGRESS) {
            EXPECT_EQ(MailwireGetLastError(), (unsigned)ST_ERROR_IN_PROGRESS) << row.name;
            rc = c.Pump();
        }
    }
    if ((row.flags & Row::kReturnsCode) && !async && rc > 0) {
        // SmtpCommand(): the blocking face returns the reply code itself, the non-blocking
        // one 0 from SmtpExecute() with the code in SmtpGetResultCode() (smtp.h documents
        // both); both must name the same code, which the row reads as a result.
        EXPECT_EQ(rc, SmtpGetResultCode(c.h)) << row.name;
        rc = 0;
    }
    Outcome &o = run.out;
    c.rc = o.rc = rc;
    o.err = MailwireGetLastError();
    o.detail = Normalize(c, MailwireGetLastErrorDetail());
    std::string sent = Normalize(c, c.sent);
    if (async && had_session && rc == MAILWIRE_ERROR && sent.empty() &&
        !(row.flags & Row::kScanned)) {
        // Refused by the argument and state checks: at once on both faces, nothing started
        // (common.h, imap.h).
        EXPECT_EQ(first, MAILWIRE_ERROR)
            << row.name << ": failed without sending anything, but only after returning "
            << "MAILWIRE_IN_PROGRESS";
    }
    // COMPLETE belongs to the non-blocking face (common.h): exactly once for an operation
    // the call started (it returned MAILWIRE_IN_PROGRESS), last, with the operation's error;
    // never on the blocking face. It is checked here and left out of the comparison.
    int completes = 0;
    std::string events;
    for (const auto &e : c.events) {
        if (e.first == MAILWIRE_EVENT_COMPLETE) {
            completes++;
            EXPECT_EQ(e.second, rc == 0 ? 0u : o.err) << row.name << ": COMPLETE's error";
            EXPECT_EQ(&e, &c.events.back()) << row.name << ": COMPLETE comes last";
            continue;
        }
        events += "(" + std::to_string(e.first) + "," + std::to_string(e.second) + ")";
    }
    if (!had_session)
        events.clear(); /* a blocking connect returns its handle at the end: no events seen */
    if (!(row.flags & Row::kNoOperation)) {
        EXPECT_EQ(completes, async && first == MAILWIRE_IN_PROGRESS ? 1 : 0)
            << row.name << (async ? ", non-blocking" : ", blocking")
            << ": COMPLETE once per operation started, on the non-blocking face only";
    }
    if (c.h != INVALID_CLIENT)
        SweepGetters(c);
    if (row.results)
        row.results(c);
    o.fields.emplace_back("return", std::to_string(rc));
    o.fields.emplace_back("last error", ErrorName(o.err));
    o.fields.emplace_back("detail", o.detail);
    for (const auto &f : c.results)
        o.fields.emplace_back(f.first, Normalize(c, f.second));
    o.fields.emplace_back("events", events);
    o.fields.emplace_back("sent", sent);
    run.complete = !::testing::Test::HasFatalFailure();
    return run;
}

bool Differs(const Row &row, const std::string &field)
{
    return std::find(row.differs.begin(), row.differs.end(), field) != row.differs.end();
}

void Compare(const Row &row, const Outcome &b, const Outcome &a)
{
    for (const auto &f : b.fields) {
        if (Differs(row, f.first))
            continue;
        bool found = false;
        for (const auto &g : a.fields)
            if (g.first == f.first) {
                found = true;
                EXPECT_EQ(f.second, g.second)
                    << row.name << ": the faces differ in \"" << f.first
                    << "\"\n  blocking:     " << f.second << "\n  non-blocking: " << g.second;
            }
        EXPECT_TRUE(found) << row.name << ": \"" << f.first << "\" only on the blocking face";
    }
    for (const auto &g : a.fields) {
        bool found = false;
        for (const auto &f : b.fields)
            found = found || f.first == g.first;
        EXPECT_TRUE(found || Differs(row, g.first))
            << row.name << ": \"" << g.first << "\" only on the non-blocking face";
    }
}

void CheckFace(const Row &row, const Expect &e, const std::function<void(const Outcome &)> &extra,
               const Outcome &o, const char *face)
{
    SCOPED_TRACE(row.name + " on the " + face + " face");
    const bool ok = e.err == ST_ERROR_NONE || e.err == kStale;
    EXPECT_EQ(o.rc, ok ? 0 : MAILWIRE_ERROR) << o;
    EXPECT_EQ(ErrorName(o.err), ErrorName(e.err)) << o;
    if (!e.detail.empty()) {
        EXPECT_NE(o.detail.find(e.detail), std::string::npos)
            << "detail without \"" << e.detail << "\"" << o;
    }
    for (const auto &f : e.has)
        EXPECT_NE(o.Get(f.first).find(f.second), std::string::npos)
            << "\"" << f.first << "\" without \"" << f.second << "\"" << o;
    for (const auto &f : e.is)
        EXPECT_EQ(o.Get(f.first), f.second) << "\"" << f.first << "\"" << o;
    if (extra)
        extra(o);
}

class BothFaces : public ::testing::TestWithParam<Row>
{
};

TEST_P(BothFaces, SameOutcome)
{
    const Row &row = GetParam();
    FaceRun b, a;
    {
        SCOPED_TRACE(row.name + ", blocking face");
        b = RunFace(row, false);
    }
    ASSERT_TRUE(b.complete);
    {
        SCOPED_TRACE(row.name + ", non-blocking face");
        a = RunFace(row, true);
    }
    ASSERT_TRUE(a.complete);
    if (const char *show = std::getenv("MW_FACES_SHOW"); show && *show)
        std::cout << row.name << ", blocking:" << b.out << "\n"
                  << row.name << ", non-blocking:" << a.out << "\n";
    Compare(row, b.out, a.out);
    CheckFace(row, row.expect, row.check, b.out, "blocking");
    if (row.differs.empty())
        CheckFace(row, row.expect, row.check, a.out, "non-blocking");
    else
        CheckFace(row, row.expect_async, row.check_async, a.out, "non-blocking");
}

std::string RowName(const ::testing::TestParamInfo<Row> &info)
{
    return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Smtp, BothFaces, ::testing::ValuesIn(SmtpRows()), RowName);
INSTANTIATE_TEST_SUITE_P(ImapSession, BothFaces, ::testing::ValuesIn(ImapSessionRows()), RowName);
INSTANTIATE_TEST_SUITE_P(ImapRead, BothFaces, ::testing::ValuesIn(ImapReadRows()), RowName);
INSTANTIATE_TEST_SUITE_P(ImapChange, BothFaces, ::testing::ValuesIn(ImapChangeRows()), RowName);

} // namespace

} // namespace mwtest::faces
