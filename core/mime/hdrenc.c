/* Header field encodings; see hdrenc.h. */
#include "hdrenc.h"

#include <string.h>

#include "../util/base64.h"
#include "utf8.h"

/* RFC 2047 section 2: an encoded word is at most 75 characters. */
#define EW_MAX 75
#define EW_PREFIX_Q "=?utf-8?Q?"
#define EW_PREFIX_B "=?utf-8?B?"
#define EW_OVERHEAD 12 /* "=?utf-8?Q?" + "?=" */

static const char hex[] = "0123456789ABCDEF";

/* Characters a Q-encoded word may carry literally anywhere, including phrases (RFC 2047
 * section 5 (3)). */
static int q_literal(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '!' || ch == '*' || ch == '+' || ch == '-' || ch == '/';
}

static size_t q_len(unsigned char ch)
{
    return (q_literal(ch) || ch == ' ') ? 1 : 3;
}

/* Append encoded words for s, folding between words. Each word holds whole UTF-8 characters
 * (RFC 2047 section 5: a multi-octet character must not be split). */
static void encoded_words(mw_sb *sb, const char *s, size_t n, size_t reserve)
{
    size_t qn = 0;
    for (size_t i = 0; i < n; i++)
        qn += q_len((unsigned char)s[i]);
    int use_b = MW_B64_ENCODED_LEN(n) < qn;
    size_t pos = 0;
    do {
        size_t col = mw_sb_col(sb);
        size_t room = MW_FOLD_WIDTH > col + 1 + reserve ? MW_FOLD_WIDTH - col - 1 - reserve : 0;
        if (room < EW_OVERHEAD + 12 && col > 1) {
            mw_sb_put(sb, "\r\n", 2); /* fold first: the word then has a whole line */
            room = MW_FOLD_WIDTH - 2 - reserve;
        }
        if (room > EW_MAX)
            room = EW_MAX;
        size_t budget = room - EW_OVERHEAD; /* characters of encoded text */
        /* Take whole characters while they fit. */
        size_t end = pos, used = 0;
        while (end < n) {
            size_t cl = mw_utf8_seq_len(s + end, n - end);
            if (cl == 0)
                cl = 1; /* the caller checked UTF-8; never loop forever */
            size_t add;
            if (use_b) {
                add = MW_B64_ENCODED_LEN(end + cl - pos);
            } else {
                add = used;
                for (size_t k = 0; k < cl; k++)
                    add += q_len((unsigned char)s[end + k]);
            }
            if (add > budget && end > pos)
                break;
            if (!use_b)
                used = add;
            end += cl;
        }
        char word[EW_MAX + 64];
        size_t w = 0;
        memcpy(word, use_b ? EW_PREFIX_B : EW_PREFIX_Q, 10);
        w = 10;
        if (use_b) {
            w += mw_b64_encode(s + pos, end - pos, word + w);
        } else {
            for (size_t k = pos; k < end; k++) {
                unsigned char ch = (unsigned char)s[k];
                if (ch == ' ') {
                    word[w++] = '_';
                } else if (q_literal(ch)) {
                    word[w++] = (char)ch;
                } else {
                    word[w++] = '=';
                    word[w++] = hex[ch >> 4];
                    word[w++] = hex[ch & 15];
                }
            }
        }
        word[w++] = '?';
        word[w++] = '=';
        mw_sb_put(sb, " ", 1);
        mw_sb_put(sb, word, w);
        pos = end;
    } while (pos < n);
}

static int has_encoded_word_start(const char *s, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '=' && s[i + 1] == '?')
            return 1;
    return 0;
}

/* Printable ASCII words (runs without SP/HTAB) of at most 75 characters, separated by white
 * space, none at either end: such text folds at its white space without any encoding. */
static int plain_words(const char *s, size_t n, int (*ok)(unsigned char), int single_spaces)
{
    if (n == 0 || s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
        return 0;
    if (has_encoded_word_start(s, n))
        return 0; /* would be decoded by readers (RFC 2047 section 6.1) */
    size_t word = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == ' ' || ch == '\t') {
            if (single_spaces && (ch == '\t' || s[i + 1] == ' '))
                return 0;
            word = 0;
        } else if (!ok(ch) || ++word > EW_MAX) {
            return 0;
        }
    }
    return 1;
}

static int vchar(unsigned char ch)
{
    return ch > 0x20 && ch < 0x7f;
}

void mw_hdr_unstructured(mw_sb *sb, const char *s, size_t n)
{
    if (n == 0)
        return;
    if (!plain_words(s, n, vchar, 0)) {
        encoded_words(sb, s, n, 0);
        return;
    }
    /* Tokens are white space + word; the first gets the single space after the colon. */
    size_t i = 0;
    int first = 1;
    while (i < n) {
        size_t j = i;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        while (j < n && s[j] != ' ' && s[j] != '\t')
            j++;
        if (first)
            mw_sb_token(sb, s + i, j - i, 0);
        else
            mw_sb_ws_token(sb, s + i, j - i);
        first = 0;
        i = j;
    }
}

/* atext (RFC 5322 section 3.2.3). */
static int atext(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL);
}

void mw_hdr_phrase(mw_sb *sb, const char *s, size_t n)
{
    /* A following ',' or " <addr>" is the caller's; reserve one character for a comma. */
    if (plain_words(s, n, atext, 1)) {
        size_t i = 0;
        while (i < n) {
            size_t j = i;
            while (j < n && s[j] != ' ')
                j++;
            mw_sb_token(sb, s + i, j - i, 1);
            i = j < n ? j + 1 : j;
        }
        return;
    }
    /* A quoted string when it is short printable ASCII (no folding inside quotes needed). */
    size_t qlen = 2;
    int ascii = !has_encoded_word_start(s, n);
    for (size_t i = 0; i < n && ascii; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch > 0x7e)
            ascii = 0;
        qlen += (ch == '"' || ch == '\\') ? 2 : 1;
    }
    if (ascii && qlen <= EW_MAX) {
        char q[EW_MAX * 2 + 4];
        size_t w = 0;
        q[w++] = '"';
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '"' || s[i] == '\\')
                q[w++] = '\\';
            q[w++] = s[i];
        }
        q[w++] = '"';
        mw_sb_token(sb, q, w, 1);
        return;
    }
    encoded_words(sb, s, n, 1);
}

/* attr-char (RFC 2231 section 7, as restated in RFC 5987 section 3.2.1). */
static int attr_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch && strchr("!#$&+-.^_`|~", ch) != NULL);
}

/* Longest file name written as a plain quoted string: ` filename="...";` stays within 78. */
#define PLAIN_NAME_MAX 60
/* Percent-encoded characters per continuation line. */
#define SEGMENT_MAX 56

void mw_hdr_filename_param(mw_sb *sb, const char *pname, const char *s, size_t n)
{
    int plain = n > 0 && n <= PLAIN_NAME_MAX && !has_encoded_word_start(s, n);
    for (size_t i = 0; i < n && plain; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\')
            plain = 0;
    }
    mw_sb_put(sb, ";\r\n ", 4);
    if (plain) {
        mw_sb_puts(sb, pname);
        mw_sb_put(sb, "=\"", 2);
        mw_sb_put(sb, s, n);
        mw_sb_put(sb, "\"", 1);
        return;
    }
    size_t enc = 0;
    for (size_t i = 0; i < n; i++)
        enc += attr_char((unsigned char)s[i]) ? 1 : 3;
    int split = enc > SEGMENT_MAX;
    size_t pos = 0;
    unsigned idx = 0;
    do {
        char head[64];
        size_t hl = strlen(pname);
        memcpy(head, pname, hl);
        if (split) {
            /* name*0*=, name*1*=, ... (RFC 2231 sections 3 and 4.1). */
            char num[16];
            size_t nl = 0;
            unsigned v = idx;
            do {
                num[nl++] = (char)('0' + v % 10);
                v /= 10;
            } while (v);
            head[hl++] = '*';
            while (nl)
                head[hl++] = num[--nl];
        }
        memcpy(head + hl, "*=", 2);
        hl += 2;
        if (idx > 0)
            mw_sb_put(sb, ";\r\n ", 4);
        mw_sb_put(sb, head, hl);
        if (idx == 0)
            mw_sb_put(sb, "utf-8''", 7);
        /* Whole UTF-8 characters per segment, so each segment is readable on its own. */
        size_t used = 0;
        while (pos < n) {
            size_t cl = mw_utf8_seq_len(s + pos, n - pos);
            if (cl == 0)
                cl = 1;
            size_t add = 0;
            for (size_t k = 0; k < cl; k++)
                add += attr_char((unsigned char)s[pos + k]) ? 1 : 3;
            if (used + add > SEGMENT_MAX && used > 0)
                break;
            for (size_t k = 0; k < cl; k++) {
                unsigned char ch = (unsigned char)s[pos + k];
                if (attr_char(ch)) {
                    mw_sb_put(sb, (const char *)&s[pos + k], 1);
                } else {
                    char t[3] = {'%', hex[ch >> 4], hex[ch & 15]};
                    mw_sb_put(sb, t, 3);
                }
            }
            used += add;
            pos += cl;
        }
        idx++;
    } while (pos < n);
}
