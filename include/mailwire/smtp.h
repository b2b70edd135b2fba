/**
 * @file smtp.h
 * @brief mailwire SMTP client API (SocketTools-style).
 *
 * Every int-returning call returns 0 on success and SMTP_ERROR on failure (the reason in
 * SmtpGetLastError()); on a non-blocking session a call that started an operation returns
 * MAILWIRE_IN_PROGRESS. See common.h for handles, errors, events and TLS structures.
 */
#ifndef MAILWIRE_SMTP_H
#define MAILWIRE_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief Where and how SmtpSubmitMessage() connects (the SocketTools SMTPSERVER structure).
 */
typedef struct _SMTPSERVER {
    const char *lpszHostName; /**< Host name or IP address of the server; required. */
    const char *lpszUserName; /**< User name for AUTH; NULL or "" for no authentication.
                                   When given, SMTP_OPTION_EXTENDED is implied. */
    const char *lpszPassword; /**< Password (or OAuth 2.0 token); NULL or "" with no user. */
    unsigned nHostPort;       /**< Port; 0 picks 25, or 465 with SMTP_OPTION_SECURE_IMPLICIT.
                                   587 implies SMTP_OPTION_EXTENDED. */
    unsigned nTimeout;        /**< Seconds to wait for each server reply; 0 means 20. */
    uint32_t dwOptions;       /**< SMTP_OPTION_* flags. */
    uint32_t dwReserved;      /**< Reserved; must be 0. */
} SMTPSERVER, *LPSMTPSERVER;

/**
 * @brief A message for SmtpSubmitMessage(): the library composes RFC 5322 + MIME from it.
 *
 * Strings are UTF-8. Address lists (To, Cc, Bcc) are separated by commas or semicolons;
 * display names may be quoted ("Doe, John" <john@example.org>). Every address of To, Cc and
 * Bcc becomes an envelope recipient; Bcc is never written into the headers.
 */
typedef struct _SMTPMESSAGE {
    uint32_t dwSize;          /**< sizeof(SMTPMESSAGE); versioning guard. */
    const char *lpszFrom;     /**< Sender, "Name <addr>" or "addr"; required. Also the
                                   envelope sender (MAIL FROM). */
    const char *lpszTo;       /**< Primary recipients; required unless Cc or Bcc is given. */
    const char *lpszCc;       /**< Copy recipients, or NULL. */
    const char *lpszBcc;      /**< Blind copy recipients (envelope only), or NULL. */
    const char *lpszSubject;  /**< Subject, or NULL for none. Non-ASCII is RFC 2047 encoded. */
    const char *lpszDate;     /**< Date header value (RFC 5322 section 3.3); NULL: now. */
    const char *lpszHeaders;  /**< Extra header lines ("Name: value", separated by CRLF or LF),
                                   or NULL. Each must be a well-formed header field. */
    const char *lpszText;     /**< Plain text body, or NULL. */
    const char *lpszHTML;     /**< HTML body, or NULL. With a text body the two become
                                   multipart/alternative. */
    const char *const *lpszAttachments; /**< NULL-terminated array of file paths to attach,
                                             or NULL. The file name (without directory) is
                                             the attachment name; the content type follows
                                             the extension. */
    const char *lpszCharSet;  /**< Charset of the text parts; NULL means "utf-8". */
    uint32_t dwOptions;       /**< Reserved for composition options; must be 0. */
} SMTPMESSAGE, *LPSMTPMESSAGE;

#ifdef __cplusplus
}
#endif

#endif
