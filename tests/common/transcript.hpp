// Engine transcripts: text files of server bytes, client bytes, operations and expected results,
// replayed against a protocol engine at every chunk size from 1 byte to the longest server
// message. The format is described in tests/transcripts/README.md.
//
// The runner knows nothing of SMTP or IMAP: it drives an engine through its mw_engine_ops table
// (feed, output/sent, status, next_event, tls_started ...), as the session does, and leaves the
// protocol to a Binding (engine creation, op names and arguments, state queries). It does not
// use gtest, so a test, a recorder or a fuzzer driver can all call it.
#ifndef MW_TEST_TRANSCRIPT_HPP
#define MW_TEST_TRANSCRIPT_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

extern "C" {
#include "core/session/engine_ops.h"
}

namespace mw_transcript
{

// A line a binding cannot use (unknown op or key, bad argument); reported at that line.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The words after "> op" (unescaped): bare words, quoted words and key=value words. A binding
// takes what it understands; Done() then reports any word it did not take.
class Args
{
  public:
    struct Word {
        std::string text; // for key=value: the value
        std::string key;  // empty for a bare or quoted word
        bool quoted = false;
        bool used = false;
    };
    explicit Args(std::vector<Word> words) : words_(std::move(words)) {}

    // A bare (unquoted) word equal to `flag`, e.g. "final" or "8bit".
    bool Flag(const std::string &flag);
    // The next bare or quoted word not taken yet; UsageError naming `what` when none is left.
    std::string Next(const std::string &what);
    bool HasNext() const;
    bool Has(const std::string &key) const;
    // The value of key=value (the last one when repeated), or `def`.
    std::string Get(const std::string &key, const std::string &def = "");
    std::vector<std::string> All(const std::string &key);
    // key=N (decimal or 0x hex), or `def`.
    uint64_t Number(const std::string &key, uint64_t def);
    void Done() const;

  private:
    std::vector<Word> words_;
};

// One engine under test. Created per replay (per chunk size) and destroyed afterwards.
class Binding
{
  public:
    virtual ~Binding() = default;
    virtual const mw_engine_ops &Ops() const = 0;
    virtual void *Engine() = 0;
    // "> op args": start the operation. Returns the op call's result (ST_ERROR_NONE: queued).
    virtual unsigned Op(const std::string &op, Args &args) = 0;
    // Why the last op call was refused (the engine's why(), once it has one).
    virtual std::string Why();
    // "= key value": the engine's current value of key, as text. UsageError for an unknown key.
    virtual std::string Query(const std::string &key) = 0;
};

using NamedValues = std::vector<std::pair<std::string, uint32_t>>;

// A protocol the runner can replay ("protocol: name" in a transcript).
struct Protocol {
    std::string name;
    NamedValues options;              // the names "options:" accepts
    std::vector<std::string> headers; // further header keys the binding takes (e.g. "local")
    // Make an engine for one replay. headers: the session's extra header lines (key -> value).
    std::function<std::unique_ptr<Binding>(uint32_t options,
                                           const std::map<std::string, std::string> &headers)>
        create;
};

struct Failure {
    std::string file;
    int line = 0;
    size_t chunk = 0; // 0: the file could not be parsed
    std::string message;
};

// Replay every session of a transcript at each chunk size; the first failure of each session.
std::vector<Failure> Replay(const std::string &file, const std::string &text,
                            const std::vector<Protocol> &protocols);
std::vector<Failure> ReplayFile(const std::string &path, const std::vector<Protocol> &protocols);

// The *.txt files of dir, sorted by name (empty when the directory does not exist).
std::vector<std::string> ListTranscripts(const std::string &dir);

// Bytes as a transcript would write them: printable ASCII as is, \r \n \t \\ \" and \xNN.
std::string Escape(const std::string &bytes);
// "AUTHENTICATION_FAILED" for ST_ERROR_AUTHENTICATION_FAILED; nullptr for an unknown code.
const char *ErrorName(unsigned err);
// Accepts "NAME", "ST_ERROR_NAME" or a number.
bool ErrorByName(const std::string &name, unsigned *err);
// "A | B" or "A|B" or "A B" of names from `names` (or numbers) ORed together.
uint32_t ParseFlags(const std::string &text, const NamedValues &names);

} // namespace mw_transcript

#endif
