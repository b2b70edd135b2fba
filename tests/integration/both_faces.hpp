// The both-faces table (issue 10, item 3): every public call of smtp.h and imap.h that talks
// to a server, run once on a blocking session and once on a non-blocking one (the Async
// connect calls; MAILWIRE_IN_PROGRESS driven with MailwireGetPollInfo(), poll() and
// MailwireExecute()) against the fixture's Postfix and Dovecot. Each row sets up its
// preconditions on the face's own session, makes the call once and reads back what a user
// would read; the harness (test_both_faces.cpp) compares the two outcomes field by field and
// checks the last-error rule of common.h on both faces (MW_FACES_SHOW=1 prints each outcome).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <mailwire/mailwire.h>

namespace mwtest::faces
{

enum class Proto { Smtp, Imap };

// The last error the harness sets before every call. A call that runs or starts an operation
// must replace it (ST_ERROR_NONE, ST_ERROR_IN_PROGRESS or its error); a call that only reads
// must leave it (common.h).
constexpr unsigned kStale = ST_ERROR_INTERNAL;

// What a call left behind on one face, as named text fields in a fixed order: "return",
// "last error", "detail", the row's results, then "events" and "sent". Text that names the
// row's own mailboxes, files or tokens, or that the servers vary on their own (queue ids,
// timings, UIDVALIDITY), is normalised first (Normalize() in test_both_faces.cpp).
struct Outcome {
    int rc = 0;
    unsigned err = 0;
    std::string detail;
    std::vector<std::pair<std::string, std::string>> fields;
    // The value of a field, "" when there is none.
    std::string Get(const std::string &name) const;
};
std::ostream &operator<<(std::ostream &os, const Outcome &o);

// What a user checks on a face's outcome (besides both faces agreeing). err ST_ERROR_NONE
// means the call succeeded (return 0); detail and the field values are parts of the text
// (after normalisation), exact values where `is` is used.
struct Expect {
    unsigned err = ST_ERROR_NONE;
    std::string detail;
    std::vector<std::pair<std::string, std::string>> has, is;
};

class Ctx;

// One row of the table. The row's lambdas run once per face, each time with a fresh Ctx.
struct Row {
    // Flags.
    static constexpr unsigned kNoOperation = 1u; // the call never starts an operation (a
                                                 // getter, a setting, a disconnect): the
                                                 // non-blocking return is final at once
    static constexpr unsigned kReturnsCode = 2u; // SmtpCommand(): a blocking success returns
                                                 // the reply code (see the harness)
    static constexpr unsigned kScanned = 4u;     // refused by the scan the SMTP engine runs in
                                                 // the steps before anything is sent (starting
                                                 // stays O(1), smtp.h): the non-blocking face
                                                 // reports it after MAILWIRE_IN_PROGRESS
    Row(std::string n, Proto p) : name(std::move(n)), proto(p) {}

    std::string name;
    Proto proto;
    std::function<void(Ctx &)> setup;   // preconditions (may be empty)
    std::function<int(Ctx &)> call;     // the call under test
    std::function<void(Ctx &)> results; // reads the results back: Ctx::Add()
    Expect expect;
    std::function<void(const Outcome &)> check; // extra checks of one face's outcome
    unsigned flags = 0;
    // A known difference: these fields are left out of the comparison, and check_async (set
    // then) replaces the checks on the non-blocking face. The row's comment says why.
    std::vector<std::string> differs;
    Expect expect_async;
    std::function<void(const Outcome &)> check_async;

    // Builder style, so that the tables read as one statement per row.
    Row &Setup(std::function<void(Ctx &)> f)
    {
        setup = std::move(f);
        return *this;
    }
    Row &Call(std::function<int(Ctx &)> f)
    {
        call = std::move(f);
        return *this;
    }
    Row &Results(std::function<void(Ctx &)> f)
    {
        results = std::move(f);
        return *this;
    }
    Row &Ok()
    {
        expect.err = ST_ERROR_NONE;
        return *this;
    }
    Row &Fails(unsigned err, std::string detail = "")
    {
        expect.err = err;
        expect.detail = std::move(detail);
        return *this;
    }
    // A getter: succeeds and leaves the last error as the harness set it (kStale).
    Row &KeepsLastError()
    {
        expect.err = kStale;
        return *this;
    }
    Row &Has(std::string field, std::string part)
    {
        expect.has.emplace_back(std::move(field), std::move(part));
        return *this;
    }
    Row &Is(std::string field, std::string value)
    {
        expect.is.emplace_back(std::move(field), std::move(value));
        return *this;
    }
    Row &Check(std::function<void(const Outcome &)> f)
    {
        check = std::move(f);
        return *this;
    }
    Row &Flags(unsigned f)
    {
        flags |= f;
        return *this;
    }
    Row &KnownDifference(std::vector<std::string> fields, Expect on_async,
                         std::function<void(const Outcome &)> check_on_async = nullptr)
    {
        differs = std::move(fields);
        expect_async = std::move(on_async);
        check_async = std::move(check_on_async);
        return *this;
    }
};

// gtest prints a parameter with this (the row's name is enough).
void PrintTo(const Row &row, std::ostream *os);

// One face of one row: its session, the scratch the call writes into, its results.
class Ctx
{
  public:
    Ctx(const Row &row, bool async);
    ~Ctx();
    Ctx(const Ctx &) = delete;
    Ctx &operator=(const Ctx &) = delete;

    const Row &row;
    const bool async;
    // Unique per row and face; every mailbox, file and token of the row starts with it, and
    // Normalize() replaces it by "{box}" so that the two faces compare.
    const std::string prefix;
    HCLIENT h = INVALID_CLIENT;
    int rc = 0; // the call's final return, for the results

    const char *Face() const
    {
        return async ? "non-blocking" : "blocking";
    }
    std::string Box(const std::string &suffix = "") const
    {
        return suffix.empty() ? prefix : prefix + "-" + suffix;
    }
    // A path in the test's temporary directory, removed when the Ctx goes.
    std::string File(const std::string &suffix);

    // Run a call on this face to its end: as it is on the blocking face, pumped on the
    // non-blocking one. The final return.
    int Do(const std::function<int(HCLIENT)> &call);
    // Drive the operation running on h until MailwireExecute() ends it.
    int Pump();

    // Connect calls of this face (SmtpConnect or SmtpAsyncConnect...): 0 (blocking, h set),
    // MAILWIRE_IN_PROGRESS (non-blocking, h set) or MAILWIRE_ERROR (h invalid). The trace is
    // attached from the first byte.
    int ConnectSmtp(uint16_t port, uint32_t options, const SECURITYCREDENTIALS *cred,
                    const char *host = "localhost");
    int ConnectImap(uint16_t port, uint32_t options, const SECURITYCREDENTIALS *cred,
                    const char *host = "localhost");
    // Set-up helpers: connect (and pump) asserting success, then record the events.
    void OpenSmtp(uint16_t port, uint32_t options);
    void OpenImap(uint16_t port, uint32_t options);
    void RecordEvents();

    // Results: one named field, in the order added.
    void Add(const std::string &field, const std::string &value);
    void Add(const std::string &field, long long value)
    {
        Add(field, std::to_string(value));
    }
    // A getter that only reads (common.h): when it succeeded (ok), the last error and its
    // detail must be what they were before it, on both faces.
    void ReadOnly(const char *getter, const std::function<bool()> &read);

    // Scratch the calls write into: it outlives the operation on both faces.
    std::string buf, got, text;
    size_t len = 0, count = 0;
    uint32_t uid = 0;
    unsigned changes = 0, calls = 0;
    long fail_after = -1;
    IMAPMAILBOX mb{};
    IMAPMAILBOXSTATUS st{};
    IMAPMAILBOXINFO info{};
    std::vector<uint32_t> ids;
    std::vector<std::string> lines;
    HCLIENT old = INVALID_CLIENT;
    IMAPSEARCH *search = nullptr;
    std::thread helper; // joined before the session goes (IDLE rows: a change from outside)

    // Filled by the harness.
    std::string sent;                                  // bytes sent during the call
    std::vector<std::pair<unsigned, unsigned>> events; // (event, error) raised by the call
    std::vector<std::pair<std::string, std::string>> results;

  private:
    static void MAILWIRE_CALLBACK TraceFn(HCLIENT, unsigned dir, const char *data, size_t len,
                                          void *user);
    static void MAILWIRE_CALLBACK EventFn(HCLIENT, unsigned ev, unsigned err, void *user);
    std::vector<std::string> files_;
};

// ---- set-up steps --------------------------------------------------------------------

using Step = std::function<void(Ctx &)>;

// Steps one after the other, stopping at the first fatal failure.
inline Step Then(Step first, Step next)
{
    return [=](Ctx &c) {
        first(c);
        if (!::testing::Test::HasFatalFailure())
            next(c);
    };
}

// A set-up call that must succeed on the face (pumped on the non-blocking one).
inline Step Must(std::function<int(Ctx &)> call)
{
    return [=](Ctx &c) {
        ASSERT_EQ(c.Do([&](HCLIENT) { return call(c); }), 0)
            << c.Face() << ": " << MailwireGetLastErrorDetail();
    };
}

// A set-up call that may fail (a refused recipient): its outcome is not the row's subject.
inline Step Try(std::function<int(Ctx &)> call)
{
    return [=](Ctx &c) { c.Do([&](HCLIENT) { return call(c); }); };
}

// ---- the fixture, as the rows use it ---------------------------------------------------

uint16_t Port(const char *key);
std::string User();     // the IMAP and AUTH user of the rows (dave)
std::string Password(); // its password
// Credentials trusting the fixture's CA (static storage).
const SECURITYCREDENTIALS *Ca();
// A loopback port nothing listens on (the same one for the whole process).
uint16_t ClosedPort();

// The blocking IMAP session (same user) that seeds and removes the rows' mailboxes and
// looks at them from outside; never one of the faces.
HCLIENT Observer();
// The test messages appended by Seed(): fixed bytes, so that sizes and UIDs agree.
std::string SeedMessage(unsigned i);
// Create mailbox c.Box(suffix) through the observer and append SeedMessage(1..n) with a fixed
// INTERNALDATE.
void Seed(Ctx &c, const std::string &suffix, unsigned n);
// What the observer sees in c.Box(suffix): STATUS, then UID, flags, size and subject of
// every message.
std::string Observe(Ctx &c, const std::string &suffix = "");

// ---- the tables ------------------------------------------------------------------------

std::vector<Row> SmtpRows();
std::vector<Row> ImapSessionRows();
std::vector<Row> ImapReadRows();
std::vector<Row> ImapChangeRows();

} // namespace mwtest::faces
