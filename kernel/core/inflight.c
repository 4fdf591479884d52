/*
 * inflight.c - the host's table of objects posted to a driver through a
 * ring and not yet completed (see cordon_rings.h and core_impl.h).
 *
 * An object is named by the sequence number it was posted under; it sits in
 * slot seq % CDN_RING_SLOTS. Invariants:
 *   - a slot holds at most one object; the number it was posted under is
 *     kept beside it, so a completion names it only with that number;
 *   - numbers are handed out in increasing order (mod 2^32), skipping a
 *     slot still held, so a number not yet handed out is recognisably
 *     "from the future" (forged) and one handed out before is recognisably
 *     "from the past" (completed already: a double completion);
 *   - take() and take_run() are the only ways out of the table except
 *     drain(), and each clears the slot: an object is handed back exactly
 *     once.
 */
#include <stdlib.h>
#include <string.h>

#include "core_impl.h"

int cdn_inflight_init(struct cdn_inflight *t)
{
    t->obj = calloc(CDN_RING_SLOTS, sizeof *t->obj);
    t->seq = calloc(CDN_RING_SLOTS, sizeof *t->seq);
    t->live = 0;
    t->next_seq = 1;
    if (t->obj && t->seq)
        return CDN_OK;
    cdn_inflight_free(t);
    return CDN_ENOMEM;
}

void cdn_inflight_free(struct cdn_inflight *t)
{
    free(t->obj);
    free(t->seq);
    t->obj = NULL;
    t->seq = NULL;
}

/* cdn_inflight_take and the run forms (post_run, take_run) are inline
 * (core_impl.h): the transmit path runs them for every batch. */

uint32_t cdn_inflight_drain(struct cdn_inflight *t, void (*fn)(void *obj, void *arg), void *arg)
{
    uint32_t n = 0;
    for (uint32_t i = 0; t->obj && i < CDN_RING_SLOTS; i++)
        if (t->obj[i]) {
            void *obj = t->obj[i];
            t->obj[i] = NULL;
            t->live--;
            fn(obj, arg);
            n++;
        }
    return n;
}

