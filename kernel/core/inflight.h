/*
 * inflight.h - the in-flight table of a data-path ring: objects posted to a
 * driver and not yet completed, named by sequence number (inflight.c has
 * its invariants). Both rings (net transmit, block requests) use it.
 */
#ifndef CORDON_KERNEL_INFLIGHT_H
#define CORDON_KERNEL_INFLIGHT_H

#include <stdint.h>

#include "cordon_rings.h"

/* Objects posted to a driver through a ring and not yet completed
 * (inflight.c): named by sequence number, at most one per slot. Two
 * parallel arrays rather than an array of pairs: a run of slots is then a
 * run of pointers, posted and taken back with one copy. */
struct cdn_inflight {
    void **obj;    /* CDN_RING_SLOTS: the object in each slot, or NULL */
    uint32_t *seq; /* CDN_RING_SLOTS: the number it was posted under */
    uint32_t live;
    uint32_t next_seq;
};
int cdn_inflight_init(struct cdn_inflight *t);
void cdn_inflight_free(struct cdn_inflight *t);
/* take and the run forms run for every batch on the transmit path:
 * inline. The table's invariants are stated in inflight.c. */

/* Whether a number not in the table was handed out before (a second
 * completion) rather than never (forged). */
static inline int cdn_inflight_from_past(const struct cdn_inflight *t, uint32_t seq)
{
    uint32_t age = t->next_seq - seq;
    return age != 0 && age <= 0x80000000u;
}

/* Takes seq's object out, or NULL: *stale then tells a number handed out
 * before (a second completion) from one never handed out (forged). */
static inline void *cdn_inflight_take(struct cdn_inflight *t, uint32_t seq, int *stale)
{
    uint32_t i = seq % CDN_RING_SLOTS;
    void *obj = t->obj[i];
    if (obj && t->seq[i] == seq) {
        t->obj[i] = NULL;
        t->live--;
        *stale = 0;
        return obj;
    }
    *stale = cdn_inflight_from_past(t, seq);
    return NULL;
}

/*
 * Runs: what both rings do with the table. post_run enters objs[0..n)
 * under consecutive numbers, as far as the slots allow without skipping a
 * held one, and returns how many (at least one if any slot is free; 0 when
 * all are held), the first number in *first. take_run takes the objects
 * of the completion run [first, first + count) out, in order, into out[]
 * (room for count), and counts the numbers from the past (*stale: already
 * completed) and from the future (*forged: never handed out); returns how
 * many it took. Both have a fast path for the common case - every slot of
 * the run free (post), every one holding its number (take) - checked and
 * done a run at a time (at most two pieces: the slots wrap).
 */
static inline int cdn_inflight_run_free(const struct cdn_inflight *t, uint32_t s, uint32_t n)
{
    uintptr_t any = 0;
    for (uint32_t i = 0; i < n; i++)
        any |= (uintptr_t)t->obj[s + i];
    return any == 0;
}

static inline int cdn_inflight_run_held(const struct cdn_inflight *t, uint32_t s, uint32_t n,
                                        uint32_t seq)
{
    uint32_t miss = 0;
    for (uint32_t i = 0; i < n; i++)
        miss |= (uint32_t)(t->obj[s + i] == NULL) | (t->seq[s + i] ^ (seq + i));
    return miss == 0;
}

static inline uint32_t cdn_inflight_post_run(struct cdn_inflight *t, void *const *objs, uint32_t n,
                                             uint32_t *first)
{
    uint32_t live = t->live, next = t->next_seq;
    if (n == 0 || live >= CDN_RING_SLOTS)
        return 0;
    while (t->obj[next % CDN_RING_SLOTS])
        next++; /* a slot the driver still holds: its number goes unused */
    *first = next;
    uint32_t k = n < CDN_RING_SLOTS - live ? n : CDN_RING_SLOTS - live;
    uint32_t s = next % CDN_RING_SLOTS;
    uint32_t n1 = k < CDN_RING_SLOTS - s ? k : CDN_RING_SLOTS - s, n2 = k - n1;
    if (cdn_inflight_run_free(t, s, n1) && cdn_inflight_run_free(t, 0, n2)) {
        /* loops, not memcpy: a run is tens of pointers, and a call to the
         * library's copy for each piece cost more than the copy */
        for (uint32_t i = 0; i < n1; i++) {
            t->obj[s + i] = objs[i];
            t->seq[s + i] = next + i;
        }
        for (uint32_t i = 0; i < n2; i++) {
            t->obj[i] = objs[n1 + i];
            t->seq[i] = next + n1 + i;
        }
        t->live = live + k;
        t->next_seq = next + k;
        return k;
    }
    /* a held slot inside the run: up to it */
    for (k = 0; k < n && live < CDN_RING_SLOTS; k++, next++, live++) {
        uint32_t i = next % CDN_RING_SLOTS;
        if (k > 0 && t->obj[i])
            break; /* the next number would skip a held slot: another run */
        t->obj[i] = objs[k];
        t->seq[i] = next;
    }
    t->live = live;
    t->next_seq = next;
    return k;
}

static inline uint32_t cdn_inflight_take_run(struct cdn_inflight *t, uint32_t first, uint32_t count,
                                             void **out, uint32_t *stale, uint32_t *forged)
{
    *stale = *forged = 0;
    uint32_t s = first % CDN_RING_SLOTS;
    if (count <= CDN_RING_SLOTS) {
        uint32_t n1 = count < CDN_RING_SLOTS - s ? count : CDN_RING_SLOTS - s, n2 = count - n1;
        if (cdn_inflight_run_held(t, s, n1, first) && cdn_inflight_run_held(t, 0, n2, first + n1)) {
            for (uint32_t i = 0; i < n1; i++) {
                out[i] = t->obj[s + i];
                t->obj[s + i] = NULL;
            }
            for (uint32_t i = 0; i < n2; i++) {
                out[n1 + i] = t->obj[i];
                t->obj[i] = NULL;
            }
            t->live -= count;
            return count;
        }
    }
    /* some number of the run is not in flight: one at a time */
    uint32_t n = 0;
    for (uint32_t j = 0; j < count; j++) {
        int past;
        void *obj = cdn_inflight_take(t, first + j, &past);
        if (obj)
            out[n++] = obj;
        else if (past)
            ++*stale;
        else
            ++*forged;
    }
    return n;
}

/* Takes every object out, calling fn on each; returns how many. */
uint32_t cdn_inflight_drain(struct cdn_inflight *t, void (*fn)(void *obj, void *arg), void *arg);

#endif
