// The protocol bindings of the transcript runner (tests/common/transcript.hpp): what the op
// names and "= key" checks of tests/transcripts/<protocol>/*.txt mean for each engine.
#ifndef MW_TEST_TRANSCRIPT_BINDINGS_HPP
#define MW_TEST_TRANSCRIPT_BINDINGS_HPP

#include <string>

#include <mailwire/imap.h>

#include "common/transcript.hpp"

namespace mw_transcript
{

Protocol SmtpProtocol();
Protocol ImapProtocol();

// Results as the IMAP checks show them (mailbox, list.N, info.N; tests/transcripts/README.md),
// for the recorder to print checks from what the public API returned.
std::string ImapMailboxText(const IMAPMAILBOX &m);
std::string ImapListText(const IMAPMAILBOXINFO &i);
std::string ImapStatusText(const IMAPMAILBOXSTATUS &s);
std::string ImapMessageText(const IMAPMESSAGE &m);

} // namespace mw_transcript

#endif
