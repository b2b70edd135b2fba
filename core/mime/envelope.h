/* The SMTP envelope of a message object (internal): what SmtpSendMimeMessage() sends when the
 * caller gives no sender or recipients (RFC 5321 section 3.3; RFC 5322 section 3.6.3). */
#ifndef MW_MIME_ENVELOPE_H
#define MW_MIME_ENVELOPE_H

#include <stddef.h>

#include "../platform/platform.h"
#include "address.h"
#include "msg.h"

/* The sender: the From mailbox (the Sender mailbox when From holds several); a new string in
 * *from. The recipients (rcpt != NULL): every mailbox of To, Cc and Bcc, each once (ASCII
 * case ignored), appended to *rcpt. Domains of ASCII local parts go as IDNA A-labels
 * (RFC 5891), as the header fields are written. *utf8 is set when an address stays
 * non-ASCII (SMTPUTF8, RFC 6531). ST_ERROR_NONE, ST_ERROR_INVALID_ARGUMENT (no sender, no
 * recipient) or ST_ERROR_OUT_OF_MEMORY, cause in why. */
MW_INTERNAL unsigned mw_msg_envelope(mw_msg *m, char **from, mw_addr_vec *rcpt, int *utf8,
                                     char *why, size_t why_size);

#endif
