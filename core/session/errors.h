/* Per-thread last error and the error texts (internal). */
#ifndef MW_ERRORS_H
#define MW_ERRORS_H

#include "../platform/platform.h"

/* Set the calling thread's last error and its detail (printf-style; NULL for none). */
MW_INTERNAL void mw_set_error(unsigned code, const char *fmt, ...) MW_PRINTF(2, 3);
/* Set the calling thread's last error with a detail string taken as is. */
MW_INTERNAL void mw_set_error_text(unsigned code, const char *detail);
MW_INTERNAL unsigned mw_get_error(void);
MW_INTERNAL const char *mw_get_error_detail(void);
/* Fixed text of a code; never NULL. */
MW_INTERNAL const char *mw_error_string(unsigned code);

#endif
