/* The message object behind HMESSAGE (internal): a tree of MIME entities.
 *
 * Every entity (mw_part) has its header fields in order and either children (multipart,
 * message/rfc822) or a leaf body. A leaf body is one of:
 *   - composed: decoded content in memory, in a file (read when written) or behind a read
 *     callback, encoded when the message is written (writer.c);
 *   - parsed: a range of a byte store (store.h) holding the content as it was received,
 *     still transfer-encoded; decoded when read (content.c).
 * A parsed entity that was not changed is written back as the bytes of its range (line ends
 * made CRLF); a changed one is written from its fields and children.
 *
 * Composed messages keep their leaves by role (text, HTML, inline, attachment, message) and
 * derive the containers from them (compose.c: mw_msg_rebuild()), so the tree is always what
 * will be written. Imported messages keep the structure the parser found.
 *
 * Locking: an mw_msg is used by one thread at a time (the API's rule); `busy` counts the
 * writers (sends) that hold a reference, during which changes are refused. */
#ifndef MW_MIME_MSG_H
#define MW_MIME_MSG_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <mailwire/mime.h>

#include "../platform/platform.h"
#include "../util/buf.h"

typedef struct mw_store mw_store;
typedef struct mw_parser mw_parser;

/* One header field. value: for raw fields the octets after the colon as received or as the
 * library generated them (folds included, no final line break); for text fields UTF-8 text
 * the caller gave, encoded when written. */
typedef struct mw_hdr {
    char *name;
    char *value;
    size_t len;
    unsigned char raw;
} mw_hdr;

/* A range of a store, with what the writer and the SMTP envelope need to know of it. */
typedef struct mw_span {
    uint64_t off, len;
    uint64_t bare_eols; /* lone CR or LF inside (each becomes CRLF when written) */
    uint64_t eight;     /* octets >= 0x80 inside */
} mw_span;

enum mw_body_kind { MW_BODY_NONE, MW_BODY_MEM, MW_BODY_FILE, MW_BODY_PROC, MW_BODY_RAW };

/* Roles of composed leaves and containers (compose.c). */
enum mw_role {
    MW_ROLE_NONE,
    MW_ROLE_TEXT,
    MW_ROLE_HTML,
    MW_ROLE_INLINE,
    MW_ROLE_ATTACH,
    MW_ROLE_MESSAGE, /* message/rfc822 wrapper of an attached message */
    MW_ROLE_CONTAINER,
    MW_ROLE_EMPTY /* the empty text/plain of a message without a body; replaced by any */
};

/* Internal flags beside the public MIME_PART_* bits. */
#define MW_PART_DIRTY 0x10000u    /* parsed, but changed: write from the fields */
#define MW_PART_TEXTBODY 0x20000u /* composed text: 7bit/8bit/QP chosen when written */

typedef struct mw_part mw_part;
struct mw_part {
    mw_part *parent;
    mw_part **kids;
    size_t nkids, kids_cap;
    mw_hdr *hdrs;
    size_t nhdrs, hdrs_cap;
    uint32_t flags; /* MIME_PART_* | MW_PART_* */
    int role;

    /* Composed leaf body. */
    int body;       /* enum mw_body_kind */
    char *mem;      /* MW_BODY_MEM: owned (text: CRLF line ends) */
    size_t mem_len; /* MW_BODY_MEM */
    char *path;     /* MW_BODY_FILE */
    uint64_t size;  /* MW_BODY_FILE/PROC: octets of content */
    MIMEREADPROC proc;
    void *proc_user;
    unsigned enc;     /* MIME_ENCODING_*: forced, or AUTO */
    const char *msub; /* composed container: "mixed", "alternative" or "related" */

    /* Parsed entity. */
    mw_store *store;  /* reference, or NULL */
    mw_span whole;    /* the entity: header section, empty line, body */
    mw_span bodyspan; /* its body */
    uint32_t hdr_bytes;

    /* Derived, filled by mw_msg_index(). */
    int index;
    unsigned depth;
    char *ctype;   /* "type/subtype" lower case after defaults */
    char *deftype; /* default content type given by the parent (NULL: text/plain) */
    char section[96], hsection[104];
};

#define MW_MSG_MAGIC 0x4d696d65u

typedef struct mw_msg {
    uint32_t magic;
    atomic_int refs; /* the handle's and each send's */
    atomic_int busy; /* sends reading it */
    mw_part *root;
    int imported; /* structure from the parser: compose calls refused */
    /* Depth-first index of the entities (rebuilt after every change of the tree). */
    mw_part **index;
    size_t nindex, index_cap;
    int index_valid;
    /* Generated when created: Date and the random part of Message-ID and boundaries. */
    char date[64];
    char seed[33];     /* boundaries */
    char idrand[33];   /* Message-ID */
    mw_parser *parser; /* a pushed import in progress */
    uint32_t import_options;
    /* Strings handed out by MimeGetMessagePartInfo() (valid until the next call). */
    char *info_strs[4];
    /* The mailboxes of the fields MimeGetAddress() read last (api_msg.c): a copy of those
     * fields as the key, and per mailbox its display name and address in addr_text. */
    mw_buf addr_key, addr_text;
    struct mw_addr_at *addr_at;
    size_t addr_n, addr_cap;
    int addr_valid;
} mw_msg;

/* --- msg.c ----------------------------------------------------------------------------- */

MW_INTERNAL mw_msg *mw_msg_new(void);
/* Drop a reference; the last one frees the message. */
MW_INTERNAL void mw_msg_unref(mw_msg *m);
MW_INTERNAL void mw_msg_ref(mw_msg *m);
/* Empty the tree (root and stores released), keep the handle. */
MW_INTERNAL void mw_msg_clear(mw_msg *m);

MW_INTERNAL mw_part *mw_part_new(void);
MW_INTERNAL void mw_part_free(mw_part *p);
/* Append child; 0 or -1 (out of memory). */
MW_INTERNAL int mw_part_add_kid(mw_part *p, mw_part *kid);
/* Detach (not free) kid from its parent. */
MW_INTERNAL void mw_part_remove_kid(mw_part *p, mw_part *kid);

/* Header list. mw_part_hdr_add(): copies name and value; 0 or -1. */
MW_INTERNAL int mw_part_hdr_add(mw_part *p, const char *name, size_t nlen, const char *value,
                                size_t vlen, int raw);
/* Index of the n-th (0-based) field named name, or -1. */
MW_INTERNAL long mw_part_hdr_find(const mw_part *p, const char *name, size_t nth);
/* Index of the first field named name at or after index from, or -1: walks every field of a
 * name in one pass (mw_part_hdr_find() for each n starts over each time). */
MW_INTERNAL long mw_part_hdr_next(const mw_part *p, const char *name, size_t from);
MW_INTERNAL void mw_part_hdr_delete_at(mw_part *p, size_t i);
/* Delete every field named name; returns how many. */
MW_INTERNAL size_t mw_part_hdr_delete(mw_part *p, const char *name);

/* Rebuild the depth-first index, sections and content types; 0 or -1 (out of memory). */
MW_INTERNAL int mw_msg_index(mw_msg *m);
/* The entity with that index (after mw_msg_index()), or NULL. */
MW_INTERNAL mw_part *mw_msg_part(mw_msg *m, int i);

/* Mark p and every entity above it changed (they are then written from their fields). */
MW_INTERNAL void mw_part_touch(mw_part *p);

/* Case-insensitive ASCII comparison of name with the NUL-terminated s over n octets. */
MW_INTERNAL int mw_name_eq(const char *name, size_t n, const char *s);

/* --- handles (api_msg.c) --------------------------------------------------------------- */

/* The message of a handle; NULL with ST_ERROR_INVALID_HANDLE set. */
MW_INTERNAL mw_msg *mw_msg_of(HMESSAGE h);
/* For changes: as mw_msg_of(), and NULL with ST_ERROR_BUSY while a send reads it. */
MW_INTERNAL mw_msg *mw_msg_for_change(HMESSAGE h);

#endif
