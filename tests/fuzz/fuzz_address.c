/* Fuzz the RFC 5322 address-list parser (core/mime/address.h) with arbitrary text.
 * Checked:
 *   - every reported mailbox (address and display name) lies inside the input string and
 *     holds no CR, LF or NUL; the address is 1..254 octets;
 *   - a list with CR or LF anywhere is refused;
 *   - the number of callbacks equals mw_addr_list_count() on success, and the count is -1
 *     exactly when the parse fails; a failure has a detail text "... at offset <n>" with n
 *     inside the input (or the NULL-list text);
 *   - a non-zero callback return stops the parse at once and is returned;
 *   - the addresses, written back as "<a1>, <a2>, ...", parse to the same addresses.
 * The input is used up to its first NUL (the API takes C strings). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mailwire/common.h>

#include "core/mime/address.h"
#include "fuzz_util.h"

typedef struct ctx {
    const char *list;
    size_t len;
    unsigned calls, stop_at;
    fz_buf addrs; /* length-prefixed addresses */
} ctx;

static void inside(const ctx *c, const char *p, size_t n)
{
    if (p < c->list || p > c->list + c->len || n > (size_t)(c->list + c->len - p))
        abort(); /* a mailbox outside the input */
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\r' || p[i] == '\n' || p[i] == '\0')
            abort();
}

static unsigned on_box(void *user, const mw_addr *a)
{
    ctx *c = user;
    if (!a->addr || a->addr_len == 0 || a->addr_len > 254)
        abort();
    inside(c, a->addr, a->addr_len);
    if (a->display)
        inside(c, a->display, a->display_len);
    fz_puts(&c->addrs, a->addr, a->addr_len);
    if (++c->calls == c->stop_at)
        return 0x7777u;
    return 0;
}

static void check_detail(const char *detail, size_t len)
{
    const char *at = strstr(detail, " at offset ");
    if (!at) {
        if (strcmp(detail, "address list is NULL") != 0)
            abort();
        return;
    }
    char *end;
    unsigned long off = strtoul(at + 11, &end, 10);
    if (end == at + 11 || *end != 0 || off > len)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *list = malloc(size + 1);
    if (!list)
        abort();
    memcpy(list, data, size);
    list[size] = 0;
    size_t len = strlen(list);
    ctx c = {list, len, 0, 0, {0}};
    char detail[256] = "";
    unsigned rc = mw_addr_list_parse(list, on_box, &c, detail, sizeof detail);
    long count = mw_addr_list_count(list);
    if (rc == 0) {
        if (strchr(list, '\r') || strchr(list, '\n'))
            abort(); /* CR or LF accepted */
        if (count != (long)c.calls)
            abort();
    } else {
        if (rc != ST_ERROR_INVALID_ARGUMENT || count != -1)
            abort();
        check_detail(detail, len);
    }

    /* Stopping early. */
    if (c.calls > 0) {
        ctx s = {list, len, 0, 1 + (unsigned)(data[0] % c.calls), {0}};
        if (mw_addr_list_parse(list, on_box, &s, NULL, 0) != 0x7777u || s.calls != s.stop_at)
            abort();
        fz_free(&s.addrs);
    }

    /* Written back in angle brackets, the addresses parse to the same. */
    if (rc == 0 && c.calls > 0) {
        fz_buf out = {0};
        size_t i = 0;
        while (i < c.addrs.len) {
            uint64_t n;
            memcpy(&n, c.addrs.p + i, sizeof n);
            i += sizeof n;
            if (out.len)
                fz_put(&out, ", ", 2);
            fz_putc(&out, '<');
            fz_put(&out, c.addrs.p + i, (size_t)n);
            fz_putc(&out, '>');
            i += (size_t)n;
        }
        ctx r = {out.p, out.len, 0, 0, {0}};
        if (mw_addr_list_parse(out.p, on_box, &r, detail, sizeof detail) != 0 ||
            !fz_same(&r.addrs, &c.addrs))
            abort(); /* the parser does not accept its own addresses back */
        fz_free(&r.addrs);
        fz_free(&out);
    }
    fz_free(&c.addrs);
    free(list);
    return 0;
}
