/* Handle table; see handle.h. */
#include "handle.h"
#include "../util/alloc.h"

#include <stdlib.h>

#include "errors.h"

typedef struct slot {
    mw_session *s;
    uint32_t gen;
} slot;

static slot *g_slots;
static uint32_t g_count;

#define IDX_BITS 20u
#define IDX_MASK ((1u << IDX_BITS) - 1)

static HCLIENT encode(uint32_t idx, uint32_t gen)
{
    return (HCLIENT)(uintptr_t)(((uintptr_t)(gen & 0xfffu) << IDX_BITS) | (idx + 1));
}

/* Slot of h under the lock, or NULL. */
static slot *find(HCLIENT h)
{
    uintptr_t v = (uintptr_t)h;
    uint32_t idx = (uint32_t)(v & IDX_MASK);
    if (idx == 0 || idx > g_count || (v >> IDX_BITS) > 0xfffu)
        return NULL;
    slot *sl = &g_slots[idx - 1];
    if (!sl->s || (sl->gen & 0xfffu) != (uint32_t)(v >> IDX_BITS))
        return NULL;
    return sl;
}

HCLIENT mw_handle_register(mw_session *s)
{
    HCLIENT h = INVALID_CLIENT;
    mw_global_lock();
    uint32_t i = 0;
    while (i < g_count && g_slots[i].s)
        i++;
    if (i == g_count && g_count < IDX_MASK) {
        uint32_t n = g_count ? g_count * 2 : 16;
        slot *ns = mw_realloc(g_slots, n * sizeof *ns);
        if (ns) {
            for (uint32_t k = g_count; k < n; k++) {
                ns[k].s = NULL;
                ns[k].gen = 0;
            }
            g_slots = ns;
            g_count = n;
        }
    }
    if (i < g_count) {
        g_slots[i].s = s;
        g_slots[i].gen++;
        if ((g_slots[i].gen & 0xfffu) == 0) /* the generation is never 0 */
            g_slots[i].gen++;
        h = encode(i, g_slots[i].gen);
        mw_session_set_handle(s, h);
    }
    mw_global_unlock();
    if (h == INVALID_CLIENT)
        mw_set_error(ST_ERROR_OUT_OF_MEMORY, "handle table full");
    return h;
}

void mw_handle_unregister(HCLIENT h)
{
    mw_global_lock();
    slot *sl = find(h);
    if (sl)
        sl->s = NULL;
    mw_global_unlock();
}

unsigned mw_handle_lookup(HCLIENT h, int check_owner, mw_session **out)
{
    unsigned err = ST_ERROR_NONE;
    uint32_t owner = 0, me = 0;
    mw_global_lock();
    slot *sl = find(h);
    if (!sl) {
        err = ST_ERROR_INVALID_HANDLE;
    } else {
        owner = mw_session_owner(sl->s);
        me = mw_thread_id();
        int free_thread = (mw_session_options(sl->s) & MAILWIRE_OPTION_FREETHREAD) != 0;
        if (check_owner && !free_thread && owner != me)
            err = ST_ERROR_NOT_OWNER;
        else
            *out = sl->s;
    }
    mw_global_unlock();
    if (err == ST_ERROR_NOT_OWNER)
        mw_set_error(err, "the handle belongs to thread %u, the caller is thread %u",
                     (unsigned)owner, (unsigned)me);
    else if (err)
        mw_set_error(err, NULL);
    return err;
}

uint32_t mw_handle_attach(HCLIENT h, uint32_t tid, unsigned *err)
{
    uint32_t prev = 0;
    *err = ST_ERROR_NONE;
    mw_global_lock();
    slot *sl = find(h);
    if (!sl) {
        *err = ST_ERROR_INVALID_HANDLE;
    } else {
        prev = mw_session_owner(sl->s);
        mw_session_set_owner(sl->s, tid ? tid : mw_thread_id());
    }
    mw_global_unlock();
    if (*err)
        mw_set_error(*err, NULL);
    return prev;
}

unsigned mw_handle_cancel(HCLIENT h)
{
    unsigned err = ST_ERROR_NONE;
    mw_global_lock();
    /* Under the lock the session cannot be freed (freeing unregisters first). */
    slot *sl = find(h);
    if (sl)
        mw_session_cancel(sl->s);
    else
        err = ST_ERROR_INVALID_HANDLE;
    mw_global_unlock();
    if (err)
        mw_set_error(err, NULL);
    return err;
}
