/* Modified UTF-7 for mailbox names (RFC 3501 section 5.1.3), used on the wire when neither
 * IMAP4rev2 nor UTF8=ACCEPT is in effect (internal). The API speaks UTF-8. */
#ifndef MW_IMAP_UTF7_H
#define MW_IMAP_UTF7_H

#include <stddef.h>

#include "../platform/platform.h"

/* UTF-8 -> modified UTF-7. Returns a new NUL-terminated string (mw_malloc), or NULL when the
 * input is not valid UTF-8 (*bad set) or memory ran out (*bad clear). */
MW_INTERNAL char *mw_imap_utf7_encode(const char *utf8, size_t n, int *bad);

/* Modified UTF-7 -> UTF-8. NULL when the input is not valid modified UTF-7 (*bad set; the
 * caller may then show the name as received) or memory ran out. */
MW_INTERNAL char *mw_imap_utf7_decode(const char *s, size_t n, int *bad);

#endif
