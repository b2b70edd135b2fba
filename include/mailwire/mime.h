/**
 * @file mime.h
 * @brief Messages as objects (the SocketTools Mail Message API): compose, parse, export.
 *
 * An HMESSAGE holds one RFC 5322 message as a tree of MIME entities (RFC 2045-2049): header
 * fields and, per entity, a body that is either a leaf (text, an attachment) or a list of
 * children (multipart/\*, and message/rfc822 whose one child is the encapsulated message).
 *
 * **Part numbers.** Every entity has an index, 0-based in depth-first order as in
 * SocketTools' MIME library: part 0 is the message itself, then each entity before its
 * children. Indices change when a compose call changes the structure (adding an HTML body
 * or the first attachment inserts a multipart container). MIMEPARTINFO also gives each
 * entity its IMAP section (RFC 3501 section 6.4.5, RFC 9051 section 6.4.5): the part number
 * to FETCH its content ("1", "2.1"), and the section of its header ("HEADER", "2.HEADER",
 * "1.2.MIME"); MimeFindMessagePart() maps a section back to an index.
 *
 * **Strings** in and out are UTF-8. Header values are given as text: the library encodes
 * them on output only where needed (RFC 2047 encoded words, RFC 2231 parameters; raw UTF-8
 * with MIME_EXPORT_UTF8, RFC 6532), and decodes what it parsed when asked for a value.
 *
 * **Composing.** MimeCreateMessage() or MimeComposeMessage(), then headers, MimeSetMessageText()
 * / MimeSetMessageHTML() (both: multipart/alternative), attachments from files, memory or a
 * read callback (multipart/mixed), inline parts with a Content-ID next to the HTML
 * (multipart/related), attached messages (message/rfc822). Date, Message-ID and MIME-Version
 * are added on output when the message has none. The message is written by
 * MimeExportMessage() and friends, or sent by SmtpSendMimeMessage(), as a stream: attachment
 * files are read and encoded as the output is pulled, never held in memory, and the exact
 * size is known before the first byte (MimeGetMessageSize()).
 *
 * **Transfer encodings** (RFC 2045 section 6) are chosen per leaf unless the caller forces one:
 * text is 7bit when it is ASCII with short CRLF lines, else quoted-printable (8bit instead
 * when exported with MIME_EXPORT_8BIT, i.e. the server offers 8BITMIME); other content is
 * base64. Text given with a charset other than UTF-8 is converted from UTF-8 when set.
 *
 * **Parsing.** MimeImportMessage() (a file), MimeImportMessageData() (memory) or
 * MimeImportBegin() / MimeImportWrite() / MimeImportEnd() (bytes pushed as they arrive, e.g.
 * an IMAP FETCH stream) build the same tree. The parser is lenient the way mail readers are
 * (it follows Python's email package): LF or CR line ends, missing closing boundaries, bad
 * base64 and quoted-printable, 8-bit header octets in no declared charset (UTF-8 when they
 * are valid UTF-8, else Windows-1252), header lines over 998 octets. Bodies are not copied
 * into the tree: each entity records where its bytes are in the source, which is the file
 * itself for MimeImportMessage() (re-read by offset, so the file must not change while the
 * message lives), a private copy for MimeImportMessageData(), and for pushed bytes memory up
 * to MIME_SPILL_THRESHOLD, then an anonymous temporary file (tmpfile()). Content is decoded
 * only when read (MimeReadMessagePart(), MimeExtractFile()), as a stream.
 *
 * **Hard caps** (bytes from untrusted senders never grow memory without bound):
 * MIME_MAX_DEPTH, MIME_MAX_PARTS, MIME_MAX_HEADER_BLOCK, MIME_MAX_HEADERS,
 * MIME_MAX_HEADER_LINE. By default a message beyond a cap is truncated gracefully and the
 * entity concerned is flagged MIME_PART_TRUNCATED (see each cap for what is kept); with
 * MIME_IMPORT_STRICT the import fails with ST_ERROR_LIMIT_EXCEEDED instead.
 *
 * **Charsets.** Conversion to and from UTF-8 uses iconv from the C library: ISO-8859-x,
 * Windows-125x, KOI8-R/U, Shift_JIS, EUC-JP, ISO-2022-JP, GB2312/GBK/GB18030, Big5, EUC-KR
 * and whatever else the system's iconv knows. When the library was built without iconv
 * (some Windows toolchains), a built-in converter handles UTF-8, US-ASCII, ISO-8859-1 and
 * Windows-1252 only; other charsets then fail with ST_ERROR_NOT_SUPPORTED when text is set,
 * and are passed through as UTF-8/Windows-1252 when text is read.
 *
 * **Errors** follow the library's rule (common.h): int calls return 0 (or a count, length or
 * index, as documented) on success and MIME_ERROR (-1) on failure, with the calling thread's
 * last error set (MailwireGetLastError(), MailwireGetLastErrorDetail()).
 *
 * **Threads.** An HMESSAGE may be used from any thread, by one thread at a time. A send
 * (SmtpSendMimeMessage()) holds its own reference: the message may be deleted by the caller
 * meanwhile, but not changed (changes fail with ST_ERROR_BUSY until the send has ended).
 * No call blocks on the network; file calls block on the file system.
 */
#ifndef MAILWIRE_MIME_H
#define MAILWIRE_MIME_H

#include <stddef.h>
#include <stdint.h>

#include <mailwire/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** @brief Opaque message handle. */
typedef struct mw_message_tag *HMESSAGE;

/** The value a failed create, compose or import returns. */
#define INVALID_MESSAGE ((HMESSAGE)0)
/** An int call failed; see MailwireGetLastError(). */
#define MIME_ERROR (-1)

/** @name Hard caps of the parser
 * @{ */
/** Nesting of multiparts and encapsulated messages. An entity deeper than this is kept as a
 *  leaf (its body unparsed) and flagged MIME_PART_TRUNCATED. */
#define MIME_MAX_DEPTH 32
/** Entities per message. Boundaries that would start more are taken as content of the part
 *  before them, which is flagged MIME_PART_TRUNCATED. */
#define MIME_MAX_PARTS 4096
/** Octets of one entity's header section. Fields beyond it are dropped (the body still starts
 *  after the empty line) and the entity is flagged MIME_PART_TRUNCATED. */
#define MIME_MAX_HEADER_BLOCK (256u * 1024u)
/** Header fields per entity; more are dropped as for MIME_MAX_HEADER_BLOCK. */
#define MIME_MAX_HEADERS 1024
/** Octets of one header line (RFC 5322 allows 998); the rest of a longer line is dropped and
 *  the entity flagged MIME_PART_TRUNCATED. Body lines have no cap: they are never held. */
#define MIME_MAX_HEADER_LINE (64u * 1024u)
/** Pushed bytes (MimeImportWrite()) kept in memory before they go to a temporary file. */
#define MIME_SPILL_THRESHOLD (1024u * 1024u)
/** @} */

/** @name Export options (MimeExportMessage(), MimeGetMessageSize() ... dwOptions)
 * @{ */
#define MIME_EXPORT_DEFAULT 0x0000u /**< 7-bit clean, ASCII header fields. */
/** Text parts may use 8bit (RFC 6152: the server offers 8BITMIME). */
#define MIME_EXPORT_8BIT 0x0001u
/** Header fields may carry raw UTF-8 (RFC 6532: the server offers SMTPUTF8); otherwise
 *  non-ASCII text is RFC 2047 encoded and non-ASCII domains are written as A-labels (IDNA,
 *  RFC 5891). A non-ASCII local part can only be written raw (RFC 6531). */
#define MIME_EXPORT_UTF8 0x0002u
/** Leave the Bcc field out (SmtpSendMimeMessage() always does). */
#define MIME_EXPORT_NOBCC 0x0004u
/** @} */

/** @name Import options
 * @{ */
/** No option: lenient, with the caps truncating what is beyond them. */
#define MIME_IMPORT_DEFAULT 0x0000u
/** A message beyond a hard cap fails with ST_ERROR_LIMIT_EXCEEDED instead of being truncated. */
#define MIME_IMPORT_STRICT 0x0001u
/** @} */

/** @name Attach options: a transfer encoding (low 4 bits) and flags
 * @{ */
#define MIME_ENCODING_AUTO 0u   /**< Chosen by the library (base64 for attachments). */
#define MIME_ENCODING_7BIT 1u   /**< As is; the content must be 7-bit CRLF text. */
#define MIME_ENCODING_8BIT 2u   /**< As is; needs 8BITMIME; CRLF text, lines <= 998. */
#define MIME_ENCODING_QUOTED 3u /**< Quoted-printable (a file is read twice: size, then send). */
#define MIME_ENCODING_BASE64 4u /**< Base64. */
/** Content-Disposition inline. An inline part with a Content-ID (set one with
 *  MimeSetMessageHeader() on the returned part, or one is generated) goes into a
 *  multipart/related with the HTML body (RFC 2387). */
#define MIME_ATTACH_INLINE 0x0100u
/** @} */

/** @name Header and content options
 * @{ */
/** MimeGetMessageHeaderAt(): the value as stored (unfolded, not decoded). */
#define MIME_HEADER_RAW 0x0001u
/** MimeReadMessagePart() / MimeExtractFile(): convert a text part to UTF-8 from its charset. */
#define MIME_CONTENT_UTF8 0x0001u
/** @} */

/** @name MIMEPARTINFO dwFlags
 * @{ */
#define MIME_PART_MULTIPART 0x0001u /**< A multipart; its children are its parts. */
/** message/rfc822 (or another message/\*): one child, the encapsulated message. */
#define MIME_PART_MESSAGE 0x0002u
/** The top of a message (part 0, or the child of a MIME_PART_MESSAGE part). */
#define MIME_PART_ROOT 0x0004u
#define MIME_PART_ATTACHMENT 0x0008u /**< Content-Disposition: attachment. */
#define MIME_PART_TRUNCATED 0x0010u  /**< A hard cap cut this entity short (see above). */
/** Built by the parser (content still encoded in the source), not by a compose call. */
#define MIME_PART_PARSED 0x0020u
/** @} */

/**
 * @brief What MimeGetMessagePartInfo() reports of one entity. Strings are UTF-8, never NULL
 * ("" when absent), and stay valid until the next call with the same HMESSAGE.
 */
typedef struct _MIMEPARTINFO {
    uint32_t dwSize;               /**< sizeof(MIMEPARTINFO); set by the caller. */
    int nParent;                   /**< Index of the enclosing entity; -1 for part 0. */
    unsigned nDepth;               /**< 0 for part 0. */
    unsigned nChildren;            /**< Direct children. */
    uint32_t dwFlags;              /**< MIME_PART_* bits. */
    const char *lpszContentType;   /**< "type/subtype", lower case, after the RFC 2045 defaults
                                        (text/plain; message/rfc822 in multipart/digest). */
    const char *lpszCharSet;       /**< The charset parameter, lower case. */
    const char *lpszFileName;      /**< Disposition filename, else Content-Type name, decoded
                                        (RFC 2231, RFC 2047). */
    const char *lpszDisposition;   /**< "attachment", "inline" or another token; lower case. */
    const char *lpszContentId;     /**< The Content-ID field as written ("<id@host>"). */
    const char *lpszEncoding;      /**< Content-Transfer-Encoding, lower case ("" absent). */
    const char *lpszSection;       /**< IMAP part number of the content ("1", "2.1"); "" for
                                        a multipart at the top. */
    const char *lpszHeaderSection; /**< IMAP section of the header: "HEADER", "2.HEADER",
                                        "1.2.MIME". */
    uint64_t qwEncodedSize;        /**< Octets of the body as stored (parsed: as in the
                                        source; composed: 0). */
} MIMEPARTINFO, *LPMIMEPARTINFO;
/** @typedef LPMIMEPARTINFO
 *  @brief Pointer to MIMEPARTINFO (the SocketTools name). */

/**
 * @brief Supplies attachment bytes (MimeAttachStream()).
 * @param lpUserData the pointer given with the callback.
 * @param qwOffset   where to read from: the library reads sequentially from 0, and starts at
 *                   0 again for each export (a size count or a second send reads again).
 * @param lpBuffer   where to put the bytes.
 * @param cbBuffer   room in lpBuffer.
 * @return bytes stored (0 only at the end), or -1 on an error (the export fails with
 *         ST_ERROR_CALLBACK_FAILED).
 */
typedef long(MAILWIRE_CALLBACK *MIMEREADPROC)(void *lpUserData, uint64_t qwOffset, void *lpBuffer,
                                              size_t cbBuffer);
/**
 * @brief Receives output bytes (MimeExportMessageEx(), MimeReadMessagePart()).
 * @return 0 to go on, non-zero to stop (the call fails with ST_ERROR_CALLBACK_FAILED).
 */
typedef int(MAILWIRE_CALLBACK *MIMEWRITEPROC)(void *lpUserData, const void *lpBuffer,
                                              size_t cbBuffer);

/**
 * @brief Create an empty message (no header fields, no body).
 * @return a handle, or INVALID_MESSAGE with ST_ERROR_OUT_OF_MEMORY.
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API HMESSAGE MimeCreateMessage(void);

/**
 * @brief Delete a message and everything it holds. A send that still reads it keeps its own
 * reference and ends normally. The handle must not be used afterwards.
 * @return 0, or MIME_ERROR with ST_ERROR_INVALID_HANDLE.
 * @par Blocking: no.
 * @par Thread: any (one at a time per message).
 */
MAILWIRE_API int MimeDeleteMessage(HMESSAGE hMessage);

/**
 * @brief Create a message with the usual fields and body in one call (SocketTools
 * MimeComposeMessage()): From, To, Cc, Subject (RFC 5322 section 3.6), text and HTML
 * (multipart/alternative when both, RFC 2046 section 5.1.4).
 * @param lpszFrom    sender "Name <addr>" or "addr"; NULL for none.
 * @param lpszTo      recipients (commas or semicolons); NULL for none.
 * @param lpszCc      copy recipients, or NULL.
 * @param lpszSubject the subject, or NULL.
 * @param lpszText    plain text body, or NULL.
 * @param lpszHTML    HTML body, or NULL.
 * @param lpszCharSet charset for the bodies ("utf-8" when NULL); the text is converted from
 *                    UTF-8.
 * @param dwOptions   0.
 * @return a handle, or INVALID_MESSAGE with the error of MimeSetMessageHeader() or
 *         MimeSetMessageText().
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API HMESSAGE MimeComposeMessage(const char *lpszFrom, const char *lpszTo,
                                         const char *lpszCc, const char *lpszSubject,
                                         const char *lpszText, const char *lpszHTML,
                                         const char *lpszCharSet, uint32_t dwOptions);

/**
 * @brief Set a header field of an entity, replacing every field of that name (RFC 5322
 * section 3.6; names compare without regard to case).
 *
 * The value is UTF-8 text: address fields (From, To, Cc, Bcc, Reply-To, Sender, Resent-*)
 * are parsed as address lists ("Name <a@b>, c@d"; RFC 5322 section 3.4) and written with
 * display names encoded where needed (RFC 2047 section 5); unstructured fields are written
 * as is when printable ASCII, else as encoded words (RFC 2047); Date, Message-ID,
 * In-Reply-To, References, MIME-Version and Content-* must be ASCII. The library writes
 * Content-Type, Content-Transfer-Encoding and Content-Disposition of composed parts itself:
 * setting them is refused there, except Content-ID and Content-Description.
 * @param hMessage  the message.
 * @param nPart     entity index (0: the message).
 * @param lpszName  field name: printable ASCII without ':' (RFC 5322 section 3.6.8).
 * @param lpszValue the value, or NULL to delete the field. Copied.
 * @return 0, or MIME_ERROR: ST_ERROR_INVALID_HANDLE, ST_ERROR_INVALID_ARGUMENT (bad name,
 *         CR/LF/controls or malformed UTF-8 in the value, an address list that does not
 *         parse, no such part), ST_ERROR_BUSY (a send is reading the message),
 *         ST_ERROR_OUT_OF_MEMORY.
 * @par Blocking: no.
 * @par Thread: any (one at a time per message).
 */
MAILWIRE_API int MimeSetMessageHeader(HMESSAGE hMessage, int nPart, const char *lpszName,
                                      const char *lpszValue);

/**
 * @brief Add a header field after the entity's others, keeping fields of the same name
 * (Received, Comments...). Arguments and errors as MimeSetMessageHeader().
 */
MAILWIRE_API int MimeAddMessageHeader(HMESSAGE hMessage, int nPart, const char *lpszName,
                                      const char *lpszValue);

/**
 * @brief Delete every field of that name from an entity.
 * @return the number of fields deleted (0 when there was none), or MIME_ERROR
 *         (ST_ERROR_INVALID_HANDLE, ST_ERROR_INVALID_ARGUMENT, ST_ERROR_BUSY).
 */
MAILWIRE_API int MimeDeleteMessageHeader(HMESSAGE hMessage, int nPart, const char *lpszName);

/**
 * @brief The decoded value of the first field of that name: unfolded (RFC 5322 section
 * 2.2.3), encoded words decoded to UTF-8 (RFC 2047, with the lenient forms Python's email
 * package accepts), 8-bit octets taken as UTF-8 when valid, else Windows-1252. Address
 * fields come back as "Name <addr>, addr" with names quoted where RFC 5322 needs it, Date
 * as it was written.
 * @param hMessage the message.
 * @param nPart entity index (0: the message).
 * @param lpszName the field name (any case).
 * @param lpszBuffer receives the value (terminated, truncated to fit); may be NULL.
 * @param cbBuffer   its size.
 * @return the full length of the value in octets (more than cbBuffer - 1 means truncated),
 *         or MIME_ERROR: ST_ERROR_NOT_FOUND (no such field), ST_ERROR_INVALID_HANDLE,
 *         ST_ERROR_INVALID_ARGUMENT, ST_ERROR_OUT_OF_MEMORY.
 * @par Blocking: no.
 * @par Thread: any (one at a time per message).
 */
MAILWIRE_API int MimeGetMessageHeader(HMESSAGE hMessage, int nPart, const char *lpszName,
                                      char *lpszBuffer, size_t cbBuffer);

/**
 * @brief Number of header fields of an entity (repeated names counted each time).
 * @return the count, or MIME_ERROR (ST_ERROR_INVALID_HANDLE, ST_ERROR_INVALID_ARGUMENT).
 */
MAILWIRE_API int MimeGetMessageHeaderCount(HMESSAGE hMessage, int nPart);

/**
 * @brief The nIndex-th header field of an entity, in order: its name and its value, decoded
 * as MimeGetMessageHeader() does, or with MIME_HEADER_RAW as stored (unfolded, encoded words
 * kept).
 * @return the full length of the value, or MIME_ERROR (ST_ERROR_NOT_FOUND past the last
 *         field, ST_ERROR_INVALID_HANDLE, ST_ERROR_INVALID_ARGUMENT).
 */
MAILWIRE_API int MimeGetMessageHeaderAt(HMESSAGE hMessage, int nPart, int nIndex, char *lpszName,
                                        size_t cbName, char *lpszValue, size_t cbValue,
                                        uint32_t dwOptions);

/**
 * @brief Number of mailboxes in an address field (every field of that name; groups are
 * opened up, RFC 5322 section 3.4).
 * @return the count (0 when the field is absent), or MIME_ERROR.
 */
MAILWIRE_API int MimeGetAddressCount(HMESSAGE hMessage, int nPart, const char *lpszName);

/**
 * @brief One mailbox of an address field: its display name (decoded, RFC 2047) and its
 * addr-spec as written ("local@domain"; a quoted local part keeps its quotes).
 * @return 0, or MIME_ERROR (ST_ERROR_NOT_FOUND past the last mailbox,
 *         ST_ERROR_OUT_OF_MEMORY, ...). Buffers are terminated and truncated to fit; either
 *         may be NULL.
 * The message keeps the mailboxes of the fields it read last, so a loop over the indexes
 * parses the fields once, not once per index; a change to the fields is seen by the next
 * call.
 */
MAILWIRE_API int MimeGetAddress(HMESSAGE hMessage, int nPart, const char *lpszName, int nIndex,
                                char *lpszDisplayName, size_t cbDisplayName, char *lpszAddress,
                                size_t cbAddress);

/**
 * @brief The Date field parsed (RFC 5322 section 3.3, with the obsolete forms of section 4.3).
 * @param hMessage the message.
 * @param lpTime          seconds since 1970-01-01 UTC.
 * @param lpnOffsetMinutes the zone offset written (-0000 and unknown zones give 0).
 * @return 0, or MIME_ERROR (ST_ERROR_NOT_FOUND without a Date, ST_ERROR_INVALID_ARGUMENT
 *         when it does not parse).
 */
MAILWIRE_API int MimeGetMessageDate(HMESSAGE hMessage, int64_t *lpTime, int *lpnOffsetMinutes);

/**
 * @brief Set the plain text body (RFC 2046 section 4.1.1); with an HTML body the two become
 * multipart/alternative. Line breaks (CRLF, LF, CR) are written as CRLF.
 * @param hMessage the message.
 * @param lpszText    UTF-8 text; NULL removes the text body. Copied.
 * @param lpszCharSet charset to write it in ("utf-8" when NULL); converted from UTF-8.
 * @return 0, or MIME_ERROR: ST_ERROR_INVALID_ARGUMENT (malformed UTF-8, a text the charset
 *         cannot represent), ST_ERROR_NOT_SUPPORTED (a charset the converter does not know),
 *         ST_ERROR_INVALID_STATE (an imported message: its structure is not recomposed),
 *         ST_ERROR_BUSY, ST_ERROR_OUT_OF_MEMORY.
 */
MAILWIRE_API int MimeSetMessageText(HMESSAGE hMessage, const char *lpszText,
                                    const char *lpszCharSet);

/** @brief Set the HTML body (text/html); as MimeSetMessageText(). */
MAILWIRE_API int MimeSetMessageHTML(HMESSAGE hMessage, const char *lpszHTML,
                                    const char *lpszCharSet);

/**
 * @brief The text of the message as UTF-8: the first text/plain body that is not an
 * attachment, else the first text/html, chosen as Python's EmailMessage.get_body() does
 * (multipart/related follows its start part), decoded and converted from its charset
 * (unknown charsets: UTF-8 when valid, else Windows-1252; bad octets become U+FFFD).
 * @return the full length in octets (0: no text body), or MIME_ERROR.
 * @par Blocking: reads the part from its source (a file for MimeImportMessage()).
 */
MAILWIRE_API int MimeGetMessageText(HMESSAGE hMessage, char *lpszBuffer, size_t cbBuffer);

/**
 * @brief Attach a file (RFC 2183 attachment; multipart/mixed). The file is checked now and
 * read only when the message is written, in chunks; its size must not change meanwhile.
 * @param hMessage the message.
 * @param lpszFileName    path (UTF-8); its last component is the file name written
 *                        (RFC 2231 when not plain ASCII).
 * @param lpszContentType "type/subtype", or NULL to pick one from the extension.
 * @param dwOptions       MIME_ENCODING_* | MIME_ATTACH_INLINE.
 * @return the index of the new part, or MIME_ERROR: ST_ERROR_FILE (missing, not a regular
 *         file, unreadable), ST_ERROR_INVALID_ARGUMENT, ST_ERROR_INVALID_STATE, ST_ERROR_BUSY,
 *         ST_ERROR_OUT_OF_MEMORY.
 */
MAILWIRE_API int MimeAttachFile(HMESSAGE hMessage, const char *lpszFileName,
                                const char *lpszContentType, uint32_t dwOptions);

/**
 * @brief Attach bytes from memory (copied). lpszFileName names the attachment (may be NULL);
 * other arguments and the result as MimeAttachFile().
 */
MAILWIRE_API int MimeAttachData(HMESSAGE hMessage, const void *lpvData, size_t cbData,
                                const char *lpszFileName, const char *lpszContentType,
                                uint32_t dwOptions);

/**
 * @brief Attach content supplied by a callback as the message is written (a database blob,
 * a pipe spooled elsewhere): exactly qwSize bytes, read from offset 0 at each export.
 * @param hMessage the message.
 * @param lpUserData passed to lpfnRead.
 * @param qwSize the exact number of bytes lpfnRead supplies.
 * @param lpszFileName the attachment's file name, or NULL.
 * @param lpszContentType "type/subtype", or NULL to pick one from the file name.
 * @param dwOptions MIME_ENCODING_* | MIME_ATTACH_INLINE.
 * @param lpfnRead   the reader; it and lpUserData must stay valid while the message lives.
 * Other arguments and the result as MimeAttachFile().
 */
MAILWIRE_API int MimeAttachStream(HMESSAGE hMessage, MIMEREADPROC lpfnRead, void *lpUserData,
                                  uint64_t qwSize, const char *lpszFileName,
                                  const char *lpszContentType, uint32_t dwOptions);

/**
 * @brief Attach a message as message/rfc822 (RFC 2046 section 5.2.1). The attached handle
 * becomes part of hMessage: it is invalid afterwards (deleted with hMessage).
 * @return the index of the message/rfc822 part, or MIME_ERROR (ST_ERROR_INVALID_HANDLE,
 *         ST_ERROR_INVALID_ARGUMENT for the same handle twice, ST_ERROR_INVALID_STATE,
 *         ST_ERROR_BUSY).
 */
MAILWIRE_API int MimeAttachMessage(HMESSAGE hMessage, HMESSAGE hAttached, uint32_t dwOptions);

/**
 * @brief Attach a ready message (RFC 5322 bytes, copied and parsed) as message/rfc822.
 * @return as MimeAttachMessage().
 */
MAILWIRE_API int MimeAttachMessageData(HMESSAGE hMessage, const void *lpvData, size_t cbData,
                                       uint32_t dwOptions);

/** @brief Number of entities (part 0 included). @return the count, or MIME_ERROR. */
MAILWIRE_API int MimeGetMessagePartCount(HMESSAGE hMessage);

/**
 * @brief Describe one entity (see MIMEPARTINFO).
 * @return 0, or MIME_ERROR (ST_ERROR_INVALID_ARGUMENT: dwSize or index).
 */
MAILWIRE_API int MimeGetMessagePartInfo(HMESSAGE hMessage, int nPart, LPMIMEPARTINFO lpInfo);

/**
 * @brief The index of the entity with an IMAP section ("1.2"; "" or "0": part 0; a
 * "HEADER"/"MIME" suffix is ignored).
 * @return the index, or MIME_ERROR (ST_ERROR_NOT_FOUND).
 */
MAILWIRE_API int MimeFindMessagePart(HMESSAGE hMessage, const char *lpszSection);

/**
 * @brief Stream the decoded content of a leaf (base64 and quoted-printable undone, RFC 2045
 * section 6) to a callback, in chunks; with MIME_CONTENT_UTF8 a text part is converted to
 * UTF-8. A multipart gives nothing; a message/rfc822 part gives the encapsulated message.
 * Bad encodings are decoded leniently (invalid characters skipped, as Python does).
 * @return 0, or MIME_ERROR: ST_ERROR_CALLBACK_FAILED (the callback stopped), ST_ERROR_FILE
 *         (the source file), ST_ERROR_INVALID_ARGUMENT.
 * @par Blocking: on the source (file) and the callback.
 */
MAILWIRE_API int MimeReadMessagePart(HMESSAGE hMessage, int nPart, MIMEWRITEPROC lpfnWrite,
                                     void *lpUserData, uint32_t dwOptions);

/**
 * @brief Save the decoded content of a part to a file (created or truncated), as
 * MimeReadMessagePart() gives it.
 * @return 0, or MIME_ERROR (ST_ERROR_FILE, ...). A partly written file is removed.
 */
MAILWIRE_API int MimeExtractFile(HMESSAGE hMessage, int nPart, const char *lpszFileName,
                                 uint32_t dwOptions);

/**
 * @brief Size of a part's decoded content (decodes it once to count; nothing is kept).
 * @return 0, or MIME_ERROR.
 */
MAILWIRE_API int MimeGetMessagePartSize(HMESSAGE hMessage, int nPart, uint64_t *lpqwSize);

/**
 * @brief Replace the content of hMessage with the message in a file (parsed, see above). The
 * file is read once now; bodies are re-read from it by offset when asked for.
 * @return 0, or MIME_ERROR: ST_ERROR_FILE, ST_ERROR_LIMIT_EXCEEDED (MIME_IMPORT_STRICT),
 *         ST_ERROR_BUSY, ST_ERROR_OUT_OF_MEMORY. After a failure the message is empty.
 */
MAILWIRE_API int MimeImportMessage(HMESSAGE hMessage, const char *lpszFileName, uint32_t dwOptions);

/** @brief As MimeImportMessage(), from memory (copied). */
MAILWIRE_API int MimeImportMessageData(HMESSAGE hMessage, const void *lpvData, size_t cbData,
                                       uint32_t dwOptions);

/**
 * @brief Start an import of bytes pushed as they arrive (MimeImportWrite()), e.g. an IMAP
 * BODY[] literal streamed by chunks. The message is emptied.
 * @return 0, or MIME_ERROR (ST_ERROR_BUSY, ST_ERROR_OUT_OF_MEMORY).
 */
MAILWIRE_API int MimeImportBegin(HMESSAGE hMessage, uint32_t dwOptions);

/**
 * @brief Push the next bytes of the message (any split, even inside a CRLF).
 * @return 0, or MIME_ERROR: ST_ERROR_INVALID_STATE (no import started), ST_ERROR_FILE (the
 *         temporary file), ST_ERROR_LIMIT_EXCEEDED (MIME_IMPORT_STRICT),
 *         ST_ERROR_OUT_OF_MEMORY. After a failure the import is over and the message empty.
 */
MAILWIRE_API int MimeImportWrite(HMESSAGE hMessage, const void *lpvData, size_t cbData);

/** @brief End a pushed import: the last line, missing boundaries, the tree is complete.
 * @return 0, or MIME_ERROR as MimeImportWrite(). */
MAILWIRE_API int MimeImportEnd(HMESSAGE hMessage);

/**
 * @brief Write the message to a file (created or truncated), CRLF line ends.
 * @param hMessage the message.
 * @param lpszFileName path of the file (UTF-8).
 * @param dwOptions MIME_EXPORT_* bits.
 * @return 0, or MIME_ERROR: ST_ERROR_FILE (the output, or an attachment that cannot be read
 *         or changed size), ST_ERROR_CALLBACK_FAILED (an attachment callback),
 *         ST_ERROR_INVALID_ARGUMENT. A partly written file is removed.
 * @par Blocking: on the file system.
 */
MAILWIRE_API int MimeExportMessage(HMESSAGE hMessage, const char *lpszFileName, uint32_t dwOptions);

/** @brief Write the message to a callback, in chunks (as MimeExportMessage()). */
MAILWIRE_API int MimeExportMessageEx(HMESSAGE hMessage, uint32_t dwOptions, MIMEWRITEPROC lpfnWrite,
                                     void *lpUserData);

/**
 * @brief Write the message into a new buffer (terminated; free it with MimeFreeMemory()).
 * @return 0 with *lppBuffer and *lpcbBuffer set, or MIME_ERROR (as MimeExportMessage(),
 *         ST_ERROR_OUT_OF_MEMORY).
 */
MAILWIRE_API int MimeExportMessageToMemory(HMESSAGE hMessage, uint32_t dwOptions, char **lppBuffer,
                                           size_t *lpcbBuffer);

/** @brief Free a buffer of MimeExportMessageToMemory(); NULL is fine. */
MAILWIRE_API void MimeFreeMemory(void *lpBuffer);

/**
 * @brief The exact size in octets MimeExportMessage() would write with these options,
 * computed without building the message: attachment sizes come from the files and
 * callbacks; only quoted-printable attachments from files or callbacks are read once to
 * count.
 * @return 0, or MIME_ERROR (ST_ERROR_FILE, ST_ERROR_CALLBACK_FAILED).
 */
MAILWIRE_API int MimeGetMessageSize(HMESSAGE hMessage, uint32_t dwOptions, uint64_t *lpqwSize);

/**
 * @brief Decode a header value that may hold RFC 2047 encoded words (an IMAP ENVELOPE
 * subject, say) to UTF-8, as MimeGetMessageHeader() decodes unstructured fields.
 * @return the full length, or MIME_ERROR (ST_ERROR_INVALID_ARGUMENT, ST_ERROR_OUT_OF_MEMORY).
 * @par Blocking: no.
 * @par Thread: any.
 */
MAILWIRE_API int MimeDecodeHeader(const char *lpszValue, char *lpszBuffer, size_t cbBuffer);

#ifdef __cplusplus
}
#endif

/** @brief The declarations above are complete: <mailwire/wide.h> adds their A (UTF-8) and W
 *  (wchar_t) forms and, on Windows under UNICODE, maps the plain names to the W forms
 *  (generated by scripts/gen-wide.py). */
#define MAILWIRE_MIME_COMPLETE
#include <mailwire/wide.h>

#endif /* MAILWIRE_MIME_H */
