/* The writer's state, shared by writer_plan.c (the plan) and writer.c (the stream)
 * (internal). */
#ifndef MW_MIME_WRITER_PRIV_H
#define MW_MIME_WRITER_PRIV_H

#include <stdio.h>

#include "../util/base64.h"
#include "qp.h"
#include "writer.h"

/* Source reads per step: a multiple of 3, so every chunk encodes to whole base64 quanta. */
#define MW_W_CHUNK (3 * 16384)

enum { MW_SEG_TEXT, MW_SEG_STORE, MW_SEG_LEAF };
enum { MW_ENC_RAW, MW_ENC_QP, MW_ENC_B64 };

typedef struct mw_wseg {
    int kind;
    char *text; /* MW_SEG_TEXT: owned */
    size_t text_len;
    mw_store *store; /* MW_SEG_STORE: held by the part (the writer holds the message) */
    uint64_t off, len;
    const mw_part *part; /* MW_SEG_LEAF */
    int enc;             /* MW_ENC_* */
    int final_soft;      /* quoted-printable of the message's last body */
    uint64_t size;
    int size_known;
} mw_wseg;

struct mw_writer {
    mw_msg *m;
    uint32_t options;
    mw_wseg *segs;
    size_t nsegs, segs_cap;
    int utf8, eightbit, scan;
    /* Streaming. */
    size_t cur;
    uint64_t done; /* source octets of the current segment consumed */
    const char *pend;
    size_t pend_len;
    char *in, *out; /* MW_W_CHUNK source bytes; their encoding */
    char line[MW_QP_LINE_MAX + 8];
    FILE *fp;
    mw_qp qp;
    int started; /* the current segment has begun */
    mw_b64_stream b64;
    char *qbuf; /* quoted-printable of a file or callback: a window of the source */
    size_t qlen, qpos;
    int qeof;
    int cr; /* MW_SEG_STORE: the last octet was CR */
    unsigned err;
    char detail[256];
};

/* writer_plan.c: build the plan. 0 or an error code (w->detail set). */
MW_INTERNAL unsigned mw_writer_plan(mw_writer *w);
/* writer.c: the next quoted-printable line of a file or callback leaf into w->line (0 at the
 * end, -1 on an error); used to stream and to count. */
MW_INTERNAL long mw_writer_qp_line(mw_writer *w, const mw_wseg *s);
/* Open / close the source of a file or callback leaf. */
MW_INTERNAL int mw_writer_src_open(mw_writer *w, const mw_wseg *s);
MW_INTERNAL void mw_writer_src_close(mw_writer *w);

#endif
