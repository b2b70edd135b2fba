/* Quoted-printable encoder; see qp.h. */
#include "qp.h"

#include <string.h>

#define QP_MAX 76

void mw_qp_init(mw_qp *q, const char *s, size_t n, int final_soft)
{
    q->s = s;
    q->n = n;
    q->pos = 0;
    q->final_soft = final_soft;
}

static int is_break(char ch)
{
    return ch == '\r' || ch == '\n';
}

size_t mw_qp_line(mw_qp *q, char *out)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *s = q->s;
    size_t n = q->n, i = q->pos, o = 0;
    if (i >= n)
        return 0;
    for (;;) {
        if (i >= n) {
            /* The text ends without a line break. */
            if (q->final_soft) {
                out[o++] = '=';
                out[o++] = '\r';
                out[o++] = '\n';
            }
            break;
        }
        if (is_break(s[i])) {
            i += (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
            out[o++] = '\r';
            out[o++] = '\n';
            break;
        }
        unsigned char ch = (unsigned char)s[i];
        int line_end = i + 1 >= n || is_break(s[i + 1]);
        int encode;
        if (ch == ' ' || ch == '\t')
            encode = line_end; /* trailing white space would be lost in transport */
        else if (ch == '.' && o == 0)
            encode = 1;
        else if (ch == 'F' && o == 0 && n - i >= 5 && memcmp(s + i, "From ", 5) == 0)
            encode = 1;
        else
            encode = ch < 33 || ch > 126 || ch == '=';
        size_t len = encode ? 3 : 1;
        /* The last character of a hard line may use column 76; otherwise keep room for
         * the '=' of a soft break. */
        size_t limit = (line_end && !(i + 1 >= n && q->final_soft)) ? QP_MAX : QP_MAX - 1;
        if (o + len > limit) {
            out[o++] = '=';
            out[o++] = '\r';
            out[o++] = '\n';
            break;
        }
        if (encode) {
            out[o++] = '=';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        } else {
            out[o++] = (char)ch;
        }
        i++;
    }
    q->pos = i;
    return o;
}

size_t mw_qp_size(const char *s, size_t n, int final_soft)
{
    mw_qp q;
    char line[MW_QP_LINE_MAX];
    size_t total = 0, k;
    mw_qp_init(&q, s, n, final_soft);
    while ((k = mw_qp_line(&q, line)) > 0)
        total += k;
    return total;
}
