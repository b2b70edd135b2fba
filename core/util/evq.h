/* The bounded queue of (event, error) pairs an engine raises through the session (internal).
 *
 * Both engines queue MAILWIRE_EVENT_* while they parse and send; the session drains the queue
 * after every feed and send (engine_ops.h: next_event) and raises each event in turn. The
 * queue is bounded so that an application that never lets the session drain cannot make it
 * grow: when full, new events are dropped (what they announce is kept in the engine's state,
 * which the callbacks read). A PROGRESS already waiting is not queued again, since its
 * callback reads the current figures anyway: a fast transfer cannot fill the queue with
 * PROGRESS and crowd out the events that say something new. A zeroed mw_evq is empty. */
#ifndef MW_UTIL_EVQ_H
#define MW_UTIL_EVQ_H

#include "../platform/platform.h"

/* Events held at most; between two drains an engine raises a few, or one per reply or
 * untagged update of a single read. */
#define MW_EVQ_CAP 64

typedef struct mw_evq {
    struct {
        unsigned ev, err;
    } slot[MW_EVQ_CAP];
    unsigned head, len;
} mw_evq;

/* Queue event ev (MAILWIRE_EVENT_*, non-zero: 0 is ignored) carrying error err. */
MW_INTERNAL void mw_evq_push(mw_evq *q, unsigned ev, unsigned err);

/* The oldest event, removed from the queue, with its error in *err; 0 when empty (*err is
 * then left alone). */
MW_INTERNAL unsigned mw_evq_pop(mw_evq *q, unsigned *err);

#endif
