/* Date fields (internal): RFC 5322 section 3.3 dates with the obsolete forms of section 4.3
 * and the variants Python's email.utils.parsedate_tz() accepts (day name optional, RFC 850
 * "DD-Mon-YY", two-digit years, North American zone names, "." as time separator). */
#ifndef MW_MIME_DATE_H
#define MW_MIME_DATE_H

#include <stddef.h>
#include <stdint.h>

#include "../platform/platform.h"

typedef struct mw_date {
    int year, mon, day, hour, min, sec;
    int has_zone; /* 0: "-0000" or an unknown zone (local time unknown) */
    long zone;    /* seconds east of UTC */
} mw_date;

/* Parse s[0..n). 0, or -1 when it is not a date (or not a valid one). */
MW_INTERNAL int mw_date_parse(const char *s, size_t n, mw_date *d);
/* Seconds since 1970-01-01 UTC. */
MW_INTERNAL int64_t mw_date_unix(const mw_date *d);
/* "Mon, 20 Nov 1995 19:12:08 -0500" (the zone "-0000" when unknown). */
MW_INTERNAL void mw_date_format(const mw_date *d, char *out, size_t size);
/* ISO 8601: "1995-11-20T19:12:08-05:00" (no offset when unknown). */
MW_INTERNAL void mw_date_iso(const mw_date *d, char *out, size_t size);

#endif
