/* Bounded event queue; see evq.h. */
#include "evq.h"

#include <mailwire/common.h>

void mw_evq_push(mw_evq *q, unsigned ev, unsigned err)
{
    if (ev == 0 || q->len == MW_EVQ_CAP)
        return;
    if (ev == MAILWIRE_EVENT_PROGRESS)
        for (unsigned i = 0; i < q->len; i++)
            if (q->slot[(q->head + i) % MW_EVQ_CAP].ev == ev)
                return;
    unsigned at = (q->head + q->len++) % MW_EVQ_CAP;
    q->slot[at].ev = ev;
    q->slot[at].err = err;
}

unsigned mw_evq_pop(mw_evq *q, unsigned *err)
{
    if (q->len == 0)
        return 0;
    unsigned ev = q->slot[q->head].ev;
    *err = q->slot[q->head].err;
    q->head = (q->head + 1) % MW_EVQ_CAP;
    q->len--;
    return ev;
}
