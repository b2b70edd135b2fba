/* EHLO capability parser (internal): RFC 5321 section 4.1.1.1 and the extensions' RFCs.
 *
 * Turns the text of a 250 reply to EHLO (lines joined by LF, first line the server's
 * greeting) into SMTP_EXTOPT_* bits, the SIZE limit and the offered SASL mechanisms. The raw
 * lines are kept for SmtpGetExtendedOptionsEx(). */
#ifndef MW_SMTP_CAPS_H
#define MW_SMTP_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"

typedef struct mw_smtp_caps {
    uint32_t flags;      /* SMTP_EXTOPT_* */
    uint64_t size_limit; /* SIZE parameter; 0: none announced (or no limit) */
    unsigned auth;       /* MW_SASL_BIT() of the offered mechanisms */
    char *lines;         /* the keyword lines (without the greeting line), LF-separated */
} mw_smtp_caps;

/* Parse text; 0, or -1 when out of memory (caps then empty). Replaces earlier contents. */
MW_INTERNAL int mw_smtp_caps_parse(mw_smtp_caps *c, const char *text, size_t len);
/* Forget everything (after STARTTLS, RFC 3207 section 4.2). */
MW_INTERNAL void mw_smtp_caps_clear(mw_smtp_caps *c);

#endif
