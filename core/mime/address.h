/* RFC 5322 address lists as users write them (internal): "a@x, Bee <b@y>; \"Doe, J\" <j@z>".
 *
 * Used by the MIME composer (header fields, RFC 2047 display names) and by the SMTP layer
 * (envelope sender and recipients of SmtpSendMessage(), SmtpCreateMessage(),
 * SmtpAddRecipient() and SmtpSubmitMessage()). */
#ifndef MW_ADDRESS_H
#define MW_ADDRESS_H

#include <stddef.h>

#include "../platform/platform.h"

/* One parsed mailbox. Pointers refer into the parsed list string (not NUL-terminated);
 * display is NULL when there is none; display excludes surrounding quotes but keeps quoted-pair
 * backslashes as written (display_quoted says whether it was a quoted string). */
typedef struct mw_addr {
    const char *display;
    size_t display_len;
    int display_quoted;
    const char *addr; /* addr-spec: local@domain (or a bare local part) */
    size_t addr_len;
} mw_addr;

/* Parse a list separated by commas or semicolons; quoted strings, comments "(...)" and
 * angle brackets are respected, white space around items ignored, empty items skipped.
 * fn is called once per mailbox in order; a non-zero return from fn stops the parse and is
 * returned. Returns 0 when the list was parsed, ST_ERROR_INVALID_ARGUMENT (detail set) for CR,
 * LF or NUL anywhere, an unbalanced quote, comment or bracket, an empty address, or an
 * address an SMTP envelope cannot carry (RFC 5321 section 4.1.2: white space or controls
 * in the addr-spec, "<" or ">" inside it); or fn's return value.
 *
 * Details: the detail text reads "<what> in address list at offset <n>" (n: octets from the
 * start of list), e.g. "unbalanced quote in address list at offset 12". Besides the cases
 * above it reports malformed UTF-8 (UTF-8 is otherwise allowed anywhere, RFC 6532), a local
 * part over 64 octets or an address over 254 (RFC 5321 section 4.5.3.1), and group syntax
 * ("undisclosed-recipients:;"), which is refused: groups have no mailbox to report and a
 * stray ':' must not silently change the recipients. A bare local part ("postmaster") and
 * quoted local parts ("a b"@x, reported as written) are accepted. NUL cannot occur inside a
 * C string; detail may be NULL. Nothing is allocated; any thread may call. */
MW_INTERNAL unsigned mw_addr_list_parse(const char *list,
                                        unsigned (*fn)(void *user, const mw_addr *a), void *user,
                                        char *detail, size_t detail_size);

/* The addr-specs of a list, each a NUL-terminated copy (the envelope view of a list:
 * display names and comments dropped, duplicates kept as written). */
typedef struct mw_addr_vec {
    char **v;
    size_t n, cap;
} mw_addr_vec;

/* Parse list (as mw_addr_list_parse()) into *out, which is initialised here and must be
 * released with mw_addr_vec_free() whatever the result (it is empty after a failure).
 * Returns ST_ERROR_NONE (an empty list gives n == 0), ST_ERROR_INVALID_ARGUMENT with the
 * detail of mw_addr_list_parse(), or ST_ERROR_OUT_OF_MEMORY (detail "out of memory"). */
MW_INTERNAL unsigned mw_addr_vec_parse(const char *list, mw_addr_vec *out, char *detail,
                                       size_t detail_size);
/* Append a copy of addr[0..len). ST_ERROR_NONE, or ST_ERROR_OUT_OF_MEMORY (the strings held
 * are unchanged). */
MW_INTERNAL unsigned mw_addr_vec_add(mw_addr_vec *v, const char *addr, size_t len);
/* Free every string and the array; v is empty afterwards. */
MW_INTERNAL void mw_addr_vec_free(mw_addr_vec *v);

/* Exactly one address as a user writes it ("a@b", "<a@b>", "Name <a@b>") into *out, a new
 * string holding its addr-spec (free() it). With allow_null, "" and "<>" give "": the null
 * reverse-path of a bounce (RFC 5321 sections 4.1.1.2 and 4.5.5). *out is NULL after a
 * failure. Returns ST_ERROR_NONE, ST_ERROR_INVALID_ARGUMENT (detail: "address is NULL",
 * the detail of mw_addr_list_parse(), or "exactly one address expected, found <n>"), or
 * ST_ERROR_OUT_OF_MEMORY (detail "out of memory"). */
MW_INTERNAL unsigned mw_addr_parse_one(const char *in, int allow_null, char **out, char *detail,
                                       size_t detail_size);

/* Number of mailboxes in a list, or -1 when it does not parse. */
MW_INTERNAL long mw_addr_list_count(const char *list);

/* Whether the bytes hold anything outside ASCII (SMTPUTF8 needed for an address, RFC 6531). */
MW_INTERNAL int mw_addr_is_utf8(const char *s, size_t len);

#endif
