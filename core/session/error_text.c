/* Error texts copied into a caller's buffer; see error_text.h. */
#include "error_text.h"

#include <string.h>

#include "errors.h"

int mw_error_text_copy(unsigned code, char *buf, int max)
{
    if (!buf || max < 1)
        return 0;
    const char *text = mw_error_string(code);
    size_t n = strlen(text);
    if (n > (size_t)max - 1)
        n = (size_t)max - 1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    return (int)n;
}
