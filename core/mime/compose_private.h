/* The composer's state, shared by compose.c (validation, envelope) and compose_plan.c
 * (message layout and streaming) (internal). */
#ifndef MW_MIME_COMPOSE_PRIVATE_H
#define MW_MIME_COMPOSE_PRIVATE_H

#include <stdint.h>
#include <stdio.h>

#include "../util/base64.h"
#include "address.h"
#include "compose.h"
#include "qp.h"

/* File reads per step: a multiple of 3, so every chunk encodes to whole base64 quanta. */
#define MW_MIME_FILE_CHUNK (3 * 16384)

enum mw_seg_kind {
    MW_SEG_MEM,  /* owned generated text (headers, boundaries) */
    MW_SEG_RAW,  /* a 7bit text body, written as is */
    MW_SEG_QP,   /* a text body, quoted-printable */
    MW_SEG_FILE, /* an attachment, base64 */
};

typedef struct mw_seg {
    enum mw_seg_kind kind;
    char *mem;        /* MW_SEG_MEM: owned */
    const char *data; /* MW_SEG_RAW/QP: the body copy held by mw_mime */
    size_t len;       /* bytes of mem or data */
    int final_soft;   /* MW_SEG_QP */
    size_t att;       /* MW_SEG_FILE: index into atts */
    uint64_t size;    /* octets this segment produces */
} mw_seg;

typedef struct mw_att {
    char *path;
    const char *name; /* base name, inside path */
    const char *type;
    uint64_t size; /* at mw_mime_new() time */
} mw_att;

struct mw_mime {
    /* Copies of the message fields. */
    char *from_hdr, *to_hdr, *cc_hdr; /* formatted address headers (complete lines) or NULL */
    char *subject;                    /* NULL: no Subject field */
    char *headers;                    /* validated extra lines, CRLF-terminated, or NULL */
    char *text, *html;
    size_t text_len, html_len;
    char *charset;
    mw_att *atts;
    size_t natts;
    char date[256];
    char msgid[320];
    char bseed[33]; /* 32 random hex digits; boundaries are "=_m" / "=_a" and these */
    int smtputf8;

    /* Envelope. */
    char *env_from;
    mw_addr_vec rcpt; /* addr-specs of To, Cc and Bcc, each once */

    /* Layout. */
    mw_seg *segs;
    size_t nsegs, segs_cap;
    uint64_t total;

    /* Streaming state. */
    size_t cur;     /* current segment */
    size_t seg_pos; /* MEM/RAW: bytes of the segment done */
    mw_qp qp;
    int qp_started;
    FILE *fp;
    uint64_t file_done;
    mw_b64_stream b64;
    unsigned char *fin; /* MW_MIME_FILE_CHUNK bytes */
    char *fout;         /* encoded chunk */
    char line[MW_QP_LINE_MAX + 8];
    const char *pend; /* pending output not yet copied out */
    size_t pend_len;
    int failed;
    char detail[512];
};

/* Shared helpers (compose_fields.c). mw_mime_fail formats detail and returns code. */
MW_INTERNAL unsigned mw_mime_fail(char *detail, size_t size, unsigned code, const char *fmt, ...)
    MW_PRINTF(4, 5);
MW_INTERNAL int mw_ascii_casecmp(const char *a, const char *b);
/* A single-line field (Subject, Date): UTF-8, no CR, LF or controls but TAB. */
MW_INTERNAL unsigned mw_mime_check_line(const char *field, const char *s, char *detail,
                                        size_t size);
/* lpszCharSet: an RFC 2045 token of 1 to 64 characters. */
MW_INTERNAL unsigned mw_mime_check_charset(const char *cs, char *detail, size_t size);
/* Validate lpszHeaders and keep them in m->headers with CRLF line ends. */
MW_INTERNAL unsigned mw_mime_extra_headers(mw_mime *m, const char *s, char *detail, size_t size);
/* The current local time in RFC 5322 section 3.3 form; 0 or -1. */
MW_INTERNAL int mw_mime_date_now(char *out, size_t size);
/* 2*bytes random lowercase hex digits plus a terminator (mw_mime_random); 0 or -1. */
MW_INTERNAL int mw_mime_random_hex(char *out, size_t bytes);
/* Whether d can be the right-hand side of a Message-ID (RFC 5322 section 3.6.4). */
MW_INTERNAL int mw_mime_valid_id_domain(const char *d);

/* Build the segment list and the total size. Returns 0 or ST_ERROR_OUT_OF_MEMORY. */
MW_INTERNAL unsigned mw_mime_layout(mw_mime *m);
MW_INTERNAL void mw_mime_layout_free(mw_mime *m);

#endif
