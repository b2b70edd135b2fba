/* MIME composer: the message layout as a list of segments, and the streaming reader.
 *
 * Layout (RFC 2046 section 5.1): text only -> text/plain; HTML only -> text/html; both ->
 * multipart/alternative (text first, RFC 2046 section 5.1.4); with attachments ->
 * multipart/mixed with the body (or the alternative) first, then one base64 part per file.
 *
 * Boundaries are "=_m" / "=_a" followed by 32 random hex digits. No body line can start with
 * "--=_": quoted-printable writes '=' only as "=XX" or a soft break, base64 has neither '-'
 * nor '=' at a line start except padding, and a 7bit text with such a line is sent
 * quoted-printable instead. The two boundaries differ in their third character, so neither is
 * a prefix of the other.
 *
 * Every size is known up front (text encodings are run once to count; a base64 file of n
 * octets gives 4*ceil(n/3) characters plus CRLF per 76), so mw_mime_size() is exact. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../platform/file.h"
#include "../util/buf.h"
#include "../util/str.h"
#include "compose_private.h"
#include "hdrenc.h"
#include "sbuf.h"

#define PREAMBLE "This is a multi-part message in MIME format.\r\n"

static unsigned add_seg(mw_mime *m, const mw_seg *s)
{
    mw_seg *p = mw_grow(m->segs, &m->segs_cap, m->nsegs + 1, sizeof *p);
    if (!p)
        return ST_ERROR_OUT_OF_MEMORY;
    m->segs = p;
    m->segs[m->nsegs++] = *s;
    m->total += s->size;
    return 0;
}

/* Move the generated text so far into a MEM segment. */
static unsigned flush(mw_mime *m, mw_sb *sb)
{
    if (sb->b.failed)
        return ST_ERROR_OUT_OF_MEMORY;
    if (sb->b.len == 0)
        return 0;
    mw_seg s = {MW_SEG_MEM, NULL, NULL, 0, 0, 0, 0};
    s.mem = mw_sb_take(sb, &s.len);
    if (!s.mem)
        return ST_ERROR_OUT_OF_MEMORY;
    s.size = s.len;
    unsigned err = add_seg(m, &s);
    if (err)
        free(s.mem);
    return err;
}

/* Whether a text can go as 7bit (RFC 2045 section 2.7): ASCII, CRLF line breaks only, lines
 * of at most 998 octets; and, our own rules, no line starting with "." (SMTP end of data),
 * "From " (mbox munging) or "--=_" (our boundaries), and, when the body ends the message, a
 * final line break (otherwise quoted-printable ends it with a soft break and the text stays
 * exact). */
static int can_7bit(const char *s, size_t n, int ends_message)
{
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x80)
            return 0;
        if (ch == '\r') {
            if (i + 1 >= n || s[i + 1] != '\n')
                return 0;
            i++;
            col = 0;
            continue;
        }
        if (ch == '\n')
            return 0;
        if (col == 0 && (ch == '.' || (n - i >= 5 && memcmp(s + i, "From ", 5) == 0) ||
                         (n - i >= 4 && memcmp(s + i, "--=_", 4) == 0)))
            return 0;
        if (++col > 998)
            return 0;
    }
    return !ends_message || n == 0 || (n >= 2 && s[n - 1] == '\n');
}

/* Content headers of a text part, then its body segment. */
static unsigned text_part(mw_mime *m, mw_sb *sb, const char *subtype, const char *s, size_t n,
                          int ends_message)
{
    int seven = can_7bit(s, n, ends_message);
    mw_sb_puts(sb, "Content-Type:");
    char ct[32];
    snprintf(ct, sizeof ct, "text/%s;", subtype);
    mw_sb_token(sb, ct, strlen(ct), 0);
    char cs[80];
    snprintf(cs, sizeof cs, "charset=%s", m->charset);
    mw_sb_token(sb, cs, strlen(cs), 0);
    mw_sb_puts(sb, "\r\nContent-Transfer-Encoding: ");
    mw_sb_puts(sb, seven ? "7bit" : "quoted-printable");
    mw_sb_puts(sb, "\r\n\r\n");
    unsigned err = flush(m, sb);
    if (err || n == 0)
        return err;
    mw_seg seg = {seven ? MW_SEG_RAW : MW_SEG_QP, NULL, s, n, 0, 0, 0};
    if (seven) {
        seg.size = n;
    } else {
        seg.final_soft = ends_message;
        seg.size = mw_qp_size(s, n, ends_message);
    }
    return add_seg(m, &seg);
}

static void multipart_header(mw_sb *sb, const char *subtype, const char *boundary)
{
    mw_sb_puts(sb, "Content-Type: multipart/");
    mw_sb_puts(sb, subtype);
    mw_sb_puts(sb, ";\r\n boundary=\"");
    mw_sb_puts(sb, boundary);
    mw_sb_puts(sb, "\"\r\n\r\n");
}

/* The body of a multipart/alternative: "--A" text "--A" html "--A--" (no final CRLF; the
 * caller adds what follows). */
static unsigned alternative_body(mw_mime *m, mw_sb *sb, const char *b)
{
    mw_sb_puts(sb, "--");
    mw_sb_puts(sb, b);
    mw_sb_puts(sb, "\r\n");
    unsigned err = text_part(m, sb, "plain", m->text, m->text_len, 0);
    if (err)
        return err;
    mw_sb_puts(sb, "\r\n--");
    mw_sb_puts(sb, b);
    mw_sb_puts(sb, "\r\n");
    if ((err = text_part(m, sb, "html", m->html, m->html_len, 0)) != 0)
        return err;
    mw_sb_puts(sb, "\r\n--");
    mw_sb_puts(sb, b);
    mw_sb_puts(sb, "--");
    return 0;
}

static unsigned attachment_part(mw_mime *m, mw_sb *sb, size_t i)
{
    const mw_att *a = &m->atts[i];
    mw_sb_puts(sb, "Content-Type: ");
    mw_sb_puts(sb, a->type);
    mw_hdr_filename_param(sb, "name", a->name, strlen(a->name));
    mw_sb_puts(sb, "\r\nContent-Disposition: attachment");
    mw_hdr_filename_param(sb, "filename", a->name, strlen(a->name));
    mw_sb_puts(sb, "\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    unsigned err = flush(m, sb);
    if (err)
        return err;
    uint64_t chars = (a->size + 2) / 3 * 4;
    mw_seg seg = {MW_SEG_FILE, NULL, NULL, 0, 0, i, chars + 2 * ((chars + 75) / 76)};
    return add_seg(m, &seg);
}

static unsigned layout(mw_mime *m, mw_sb *sb)
{
    unsigned err;
    char bm[sizeof m->bseed + 4], ba[sizeof m->bseed + 4];
    snprintf(bm, sizeof bm, "=_m%s", m->bseed);
    snprintf(ba, sizeof ba, "=_a%s", m->bseed);
    if (m->from_hdr)
        mw_sb_puts(sb, m->from_hdr);
    if (m->to_hdr)
        mw_sb_puts(sb, m->to_hdr);
    if (m->cc_hdr)
        mw_sb_puts(sb, m->cc_hdr);
    if (m->subject)
        mw_sb_puts(sb, m->subject);
    mw_sb_puts(sb, "Date: ");
    mw_sb_puts(sb, m->date);
    mw_sb_puts(sb, "\r\nMessage-ID: ");
    mw_sb_puts(sb, m->msgid);
    mw_sb_puts(sb, "\r\nMIME-Version: 1.0\r\n");
    if (m->headers)
        mw_sb_puts(sb, m->headers);

    int both = m->text && m->html;
    if (m->natts == 0) {
        if (both) {
            multipart_header(sb, "alternative", ba);
            mw_sb_puts(sb, PREAMBLE);
            if ((err = alternative_body(m, sb, ba)) != 0)
                return err;
            mw_sb_puts(sb, "\r\n");
            return flush(m, sb);
        }
        if (m->html)
            err = text_part(m, sb, "html", m->html, m->html_len, 1);
        else
            err = text_part(m, sb, "plain", m->text ? m->text : "", m->text_len, 1);
        return err ? err : flush(m, sb);
    }
    multipart_header(sb, "mixed", bm);
    mw_sb_puts(sb, PREAMBLE);
    int first = 1;
    if (m->text || m->html) {
        mw_sb_puts(sb, "--");
        mw_sb_puts(sb, bm);
        mw_sb_puts(sb, "\r\n");
        first = 0;
        if (both) {
            multipart_header(sb, "alternative", ba);
            err = alternative_body(m, sb, ba);
        } else if (m->html) {
            err = text_part(m, sb, "html", m->html, m->html_len, 0);
        } else {
            err = text_part(m, sb, "plain", m->text, m->text_len, 0);
        }
        if (err)
            return err;
    }
    for (size_t i = 0; i < m->natts; i++) {
        mw_sb_puts(sb, first ? "--" : "\r\n--");
        mw_sb_puts(sb, bm);
        mw_sb_puts(sb, "\r\n");
        first = 0;
        if ((err = attachment_part(m, sb, i)) != 0)
            return err;
    }
    mw_sb_puts(sb, "\r\n--");
    mw_sb_puts(sb, bm);
    mw_sb_puts(sb, "--\r\n");
    return flush(m, sb);
}

unsigned mw_mime_layout(mw_mime *m)
{
    mw_mime_layout_free(m);
    mw_sb sb;
    mw_sb_init(&sb);
    unsigned err = layout(m, &sb);
    mw_sb_free(&sb);
    if (err)
        mw_mime_layout_free(m);
    return err;
}

void mw_mime_layout_free(mw_mime *m)
{
    for (size_t i = 0; i < m->nsegs; i++)
        free(m->segs[i].mem);
    m->nsegs = 0;
    m->total = 0;
    m->cur = 0;
    m->qp_started = 0;
    if (m->fp)
        fclose(m->fp);
    m->fp = NULL;
    m->file_done = 0;
    m->pend = NULL;
    m->pend_len = 0;
    m->failed = 0;
    m->detail[0] = 0;
}

/* One step of an attachment: open it on first use, read a chunk and encode it, or at the end
 * of the file check its size and flush the encoder. */
static int file_step(mw_mime *m, const mw_seg *s)
{
    const mw_att *a = &m->atts[s->att];
    if (!m->fp) {
        m->fp = mw_fopen(a->path, "rb");
        if (!m->fp) {
            mw_detail_printf(m->detail, sizeof m->detail, "attachment \"%s\" cannot be opened: %s",
                             a->path, strerror(errno));
            return -1;
        }
        m->file_done = 0;
        mw_b64_stream_init(&m->b64, 76);
    }
    size_t r = fread(m->fin, 1, MW_MIME_FILE_CHUNK, m->fp);
    if (r > 0) {
        m->file_done += r;
        if (m->file_done > a->size) {
            mw_detail_printf(
                m->detail, sizeof m->detail,
                "attachment \"%s\" changed size while the message was sent (%llu octets "
                "when it was prepared, now more)",
                a->path, (unsigned long long)a->size);
            return -1;
        }
        m->pend = m->fout;
        m->pend_len = mw_b64_stream_update(&m->b64, m->fin, r, m->fout);
        return 0;
    }
    if (ferror(m->fp)) {
        mw_detail_printf(m->detail, sizeof m->detail, "attachment \"%s\" could not be read: %s",
                         a->path, strerror(errno));
        return -1;
    }
    if (m->file_done != a->size) {
        mw_detail_printf(
            m->detail, sizeof m->detail,
            "attachment \"%s\" changed size while the message was sent (%llu octets when "
            "it was prepared, %llu now)",
            a->path, (unsigned long long)a->size, (unsigned long long)m->file_done);
        return -1;
    }
    fclose(m->fp);
    m->fp = NULL;
    m->pend = m->fout;
    m->pend_len = mw_b64_stream_final(&m->b64, m->fout);
    m->cur++;
    return 0;
}

long mw_mime_read(mw_mime *m, char *buf, size_t cap)
{
    if (m->failed)
        return -1;
    if (cap > LONG_MAX)
        cap = LONG_MAX;
    size_t got = 0;
    while (got < cap) {
        if (m->pend_len > 0) {
            size_t k = m->pend_len < cap - got ? m->pend_len : cap - got;
            memcpy(buf + got, m->pend, k);
            m->pend += k;
            m->pend_len -= k;
            got += k;
            continue;
        }
        if (m->cur >= m->nsegs)
            break;
        const mw_seg *s = &m->segs[m->cur];
        switch (s->kind) {
        case MW_SEG_MEM:
        case MW_SEG_RAW:
            m->pend = s->kind == MW_SEG_MEM ? s->mem : s->data;
            m->pend_len = s->len;
            m->cur++;
            break;
        case MW_SEG_QP:
            if (!m->qp_started) {
                mw_qp_init(&m->qp, s->data, s->len, s->final_soft);
                m->qp_started = 1;
            }
            m->pend = m->line;
            m->pend_len = mw_qp_line(&m->qp, m->line);
            if (m->pend_len == 0) {
                m->qp_started = 0;
                m->cur++;
            }
            break;
        case MW_SEG_FILE:
            if (file_step(m, s) != 0) {
                m->failed = 1;
                if (m->fp)
                    fclose(m->fp);
                m->fp = NULL;
                return -1;
            }
            break;
        }
    }
    return (long)got;
}
