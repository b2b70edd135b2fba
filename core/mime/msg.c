/* The entity tree: parts, header lists, the depth-first index and IMAP sections; see msg.h. */
#include "msg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "../util/alloc.h"
#include "../util/buf.h"
#include "../util/str.h"
#include "params.h"
#include "store.h"

int mw_name_eq(const char *name, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++, s++) {
        int a = (unsigned char)name[i], b = (unsigned char)*s;
        if (!b)
            return 0;
        if (a >= 'A' && a <= 'Z')
            a += 32;
        if (b >= 'A' && b <= 'Z')
            b += 32;
        if (a != b)
            return 0;
    }
    return *s == 0;
}

mw_msg *mw_msg_new(void)
{
    mw_msg *m = mw_calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->magic = MW_MSG_MAGIC;
    mw_buf_init(&m->addr_key, 0, 0);
    mw_buf_init(&m->addr_text, 0, 0);
    atomic_init(&m->refs, 1);
    atomic_init(&m->busy, 0);
    return m;
}

void mw_msg_ref(mw_msg *m)
{
    atomic_fetch_add(&m->refs, 1);
}

void mw_msg_clear(mw_msg *m)
{
    mw_part_free(m->root);
    m->root = NULL;
    m->imported = 0;
    m->index_valid = 0;
    m->nindex = 0;
}

MW_INTERNAL void mw_parser_free(mw_parser *p); /* parse.c */

void mw_msg_unref(mw_msg *m)
{
    if (!m || atomic_fetch_sub(&m->refs, 1) != 1)
        return;
    mw_msg_clear(m);
    mw_parser_free(m->parser);
    free(m->index);
    for (size_t i = 0; i < sizeof m->info_strs / sizeof m->info_strs[0]; i++)
        free(m->info_strs[i]);
    mw_buf_free(&m->addr_key);
    mw_buf_free(&m->addr_text);
    free(m->addr_at);
    m->magic = 0;
    free(m);
}

mw_part *mw_part_new(void)
{
    mw_part *p = mw_calloc(1, sizeof *p);
    if (p)
        p->index = -1;
    return p;
}

void mw_part_free(mw_part *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nkids; i++)
        mw_part_free(p->kids[i]);
    free(p->kids);
    for (size_t i = 0; i < p->nhdrs; i++) {
        free(p->hdrs[i].name);
        free(p->hdrs[i].value);
    }
    free(p->hdrs);
    free(p->mem);
    free(p->path);
    free(p->ctype);
    free(p->deftype);
    mw_store_unref(p->store);
    free(p);
}

int mw_part_add_kid(mw_part *p, mw_part *kid)
{
    mw_part **k = mw_grow(p->kids, &p->kids_cap, p->nkids + 1, sizeof *k);
    if (!k)
        return -1;
    p->kids = k;
    p->kids[p->nkids++] = kid;
    kid->parent = p;
    return 0;
}

void mw_part_remove_kid(mw_part *p, mw_part *kid)
{
    for (size_t i = 0; i < p->nkids; i++) {
        if (p->kids[i] == kid) {
            memmove(p->kids + i, p->kids + i + 1, (p->nkids - i - 1) * sizeof *p->kids);
            p->nkids--;
            kid->parent = NULL;
            return;
        }
    }
}

int mw_part_hdr_add(mw_part *p, const char *name, size_t nlen, const char *value, size_t vlen,
                    int raw)
{
    mw_hdr *h = mw_grow(p->hdrs, &p->hdrs_cap, p->nhdrs + 1, sizeof *h);
    if (!h)
        return -1;
    p->hdrs = h;
    mw_hdr *n = &p->hdrs[p->nhdrs];
    n->name = mw_strndup(name, nlen);
    n->value = mw_strndup(value, vlen);
    if (!n->name || !n->value) {
        free(n->name);
        free(n->value);
        return -1;
    }
    n->len = vlen;
    n->raw = (unsigned char)(raw != 0);
    p->nhdrs++;
    return 0;
}

long mw_part_hdr_next(const mw_part *p, const char *name, size_t from)
{
    size_t nl = strlen(name);
    for (size_t i = from; i < p->nhdrs; i++) {
        const char *hn = p->hdrs[i].name;
        if (strlen(hn) == nl && mw_name_eq(hn, nl, name))
            return (long)i;
    }
    return -1;
}

long mw_part_hdr_find(const mw_part *p, const char *name, size_t nth)
{
    long i = mw_part_hdr_next(p, name, 0);
    while (i >= 0 && nth-- > 0)
        i = mw_part_hdr_next(p, name, (size_t)i + 1);
    return i;
}

void mw_part_hdr_delete_at(mw_part *p, size_t i)
{
    free(p->hdrs[i].name);
    free(p->hdrs[i].value);
    memmove(p->hdrs + i, p->hdrs + i + 1, (p->nhdrs - i - 1) * sizeof *p->hdrs);
    p->nhdrs--;
}

size_t mw_part_hdr_delete(mw_part *p, const char *name)
{
    size_t n = 0;
    long i;
    while ((i = mw_part_hdr_find(p, name, 0)) >= 0) {
        mw_part_hdr_delete_at(p, (size_t)i);
        n++;
    }
    return n;
}

void mw_part_touch(mw_part *p)
{
    for (; p; p = p->parent)
        if (p->flags & MIME_PART_PARSED)
            p->flags |= MW_PART_DIRTY;
}

/* --- index ---------------------------------------------------------------------------- */

static int is_root(const mw_part *p)
{
    return !p->parent || (p->parent->flags & MIME_PART_MESSAGE);
}

static void set_section(char *dst, size_t size, const char *base, const char *suffix)
{
    if (*base)
        snprintf(dst, size, "%s%s%s", base, *suffix ? "." : "", suffix);
    else
        snprintf(dst, size, "%s", suffix);
}

/* Sections (RFC 3501 section 6.4.5): base is the part number of p ("" for the top). */
static void sections(mw_part *p, const char *base)
{
    int multi = (p->flags & MIME_PART_MULTIPART) != 0;
    if (is_root(p)) {
        set_section(p->hsection, sizeof p->hsection, base, "HEADER");
        if (multi || (p->flags & MIME_PART_MESSAGE && !*base))
            set_section(p->section, sizeof p->section, base, multi ? "" : "1");
        else
            set_section(p->section, sizeof p->section, base, "1");
    } else {
        set_section(p->section, sizeof p->section, base, "");
        set_section(p->hsection, sizeof p->hsection, base, "MIME");
    }
    if (multi) {
        for (size_t i = 0; i < p->nkids; i++) {
            char num[24], b[sizeof p->section];
            snprintf(num, sizeof num, "%zu", i + 1);
            set_section(b, sizeof b, base, num);
            sections(p->kids[i], b);
        }
    } else if (p->flags & MIME_PART_MESSAGE) {
        for (size_t i = 0; i < p->nkids; i++)
            sections(p->kids[i], p->section);
    }
}

static int walk(mw_msg *m, mw_part *p, unsigned depth)
{
    mw_part **v = mw_grow(m->index, &m->index_cap, m->nindex + 1, sizeof *v);
    if (!v)
        return -1;
    m->index = v;
    p->index = (int)m->nindex;
    p->depth = depth;
    m->index[m->nindex++] = p;
    free(p->ctype);
    p->ctype = mw_part_content_type(p);
    if (!p->ctype)
        return -1;
    int digest = strcmp(p->ctype, "multipart/digest") == 0;
    for (size_t i = 0; i < p->nkids; i++) {
        mw_part *k = p->kids[i];
        free(k->deftype);
        k->deftype = NULL;
        if (digest && !(k->deftype = mw_strndup("message/rfc822", 14)))
            return -1;
        if (walk(m, k, depth + 1) != 0)
            return -1;
    }
    return 0;
}

int mw_msg_index(mw_msg *m)
{
    m->nindex = 0;
    m->index_valid = 0;
    if (!m->root)
        return 0;
    if (walk(m, m->root, 0) != 0)
        return -1;
    m->root->flags |= MIME_PART_ROOT;
    sections(m->root, "");
    m->index_valid = 1;
    return 0;
}

mw_part *mw_msg_part(mw_msg *m, int i)
{
    if (!m->index_valid && mw_msg_index(m) != 0)
        return NULL;
    if (i < 0 || (size_t)i >= m->nindex)
        return NULL;
    return m->index[i];
}
