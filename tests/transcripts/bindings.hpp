// The protocol bindings of the transcript runner (tests/common/transcript.hpp): what the op
// names and "= key" checks of tests/transcripts/<protocol>/*.txt mean for each engine.
#ifndef MW_TEST_TRANSCRIPT_BINDINGS_HPP
#define MW_TEST_TRANSCRIPT_BINDINGS_HPP

#include "common/transcript.hpp"

namespace mw_transcript
{

Protocol SmtpProtocol();
Protocol ImapProtocol();

} // namespace mw_transcript

#endif
