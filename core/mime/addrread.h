/* Address fields as received (internal): a lenient reader beside address.c's strict parser
 * of what callers type (which refuses groups and anything an envelope cannot carry).
 *
 * Received lists are read the way Python's email.headerregistry does: groups opened up
 * (RFC 5322 section 3.4), comments dropped, display names decoded (RFC 2047 encoded words,
 * also inside quotes, white space between encoded words dropped, runs of white space and
 * comments as one space), obsolete routes ("<@a,@b:u@d>") and dots in phrases accepted,
 * local parts unquoted and quoted again only when they need it. */
#ifndef MW_MIME_ADDRREAD_H
#define MW_MIME_ADDRREAD_H

#include <stddef.h>

#include "../platform/platform.h"
#include "../util/buf.h"

/* Called per mailbox: its decoded display name ("" for none) and addr-spec; group: the
 * group's display name, or NULL outside a group. Return non-zero to stop. */
typedef int (*mw_addr_read_fn)(void *user, const char *name, const char *addr, const char *group);

/* Read an unfolded address field value. Returns what fn returned to stop, else 0. */
MW_INTERNAL int mw_addr_read(const char *s, size_t n, mw_addr_read_fn fn, void *user);

/* The field as text (what MimeGetMessageHeader() gives for address fields): mailboxes as
 * "Name <addr>" (names quoted when they hold specials) or "addr", groups as
 * "name: a, b;", joined with ", ". */
MW_INTERNAL void mw_addr_render(const char *s, size_t n, mw_buf *out);

#endif
