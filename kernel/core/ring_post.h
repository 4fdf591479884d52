/*
 * ring_post.h - what the transmit ring (kernel/net/txring.c) and the
 * request ring (kernel/block/rqring.c) share on the host: the batch of
 * objects gathered for a driver's domain, and posting it as ring messages
 * (cordon_rings.h), each object entered in the driver's in-flight table.
 *
 * A ring is made when an isolated driver with one registers the device or
 * disk, and undone when it goes; a detach while a flush is posting (a post
 * may serve the channel, and the driver fail meanwhile) only marks the
 * ring, and the flush frees it when the post returns.
 *
 * The flush is inline, and its per-ring operations are constant, so each
 * ring's describe step compiles into its own loop: the transmit path runs
 * it for every packet.
 *
 * Invariants (with the ring's own, in its file):
 *   - an object gathered is, once the flush returns, in exactly one of: the
 *     in-flight table (posted), or handed back through give_back (never
 *     posted: the post failed, the table had no room, the ring went away);
 *   - a number the table gave for a message that was not sent is taken back
 *     before the flush returns, so no completion can name it.
 */
#ifndef CORDON_KERNEL_CORE_RING_POST_H
#define CORDON_KERNEL_CORE_RING_POST_H

#include <stdlib.h>
#include <string.h>

#include "core_impl.h"
#include "cordon/glue.h"
#include "cordon_rings.h"

struct cdn_ring_post {
    struct cdn_glue *g;
    struct cdn_driver *drv;
    uint64_t ref; /* the device or disk, as the driver's glue knows it */
    const uint8_t *heap_base;
    int busy; /* a flush is posting (and may yield): a nested flush waits its turn */
    int dead; /* detached while busy: freed when the flush returns */
    uint32_t npending;
    void *pending[CDN_RING_BATCH_MAX];
};

/* What a ring does with its objects. */
struct cdn_ring_post_ops {
    uint16_t rpc;     /* CDN_RPC_TXRING, CDN_RPC_RQRING */
    size_t desc_size; /* bytes of one descriptor */
    /* Before each message (NULL: none): CDN_OK to go on, or the status to
     * stop with (the transmit ring waits here for a free slot). */
    int (*before)(struct cdn_ring_post *p, struct cdn_inflight *tab);
    /* Writes obj's descriptor. */
    void (*describe)(const struct cdn_ring_post *p, const void *obj, void *desc);
    /* After the k descriptors of a message are written (NULL: nothing). */
    void (*sealed)(struct cdn_ring_post *p, void *descs, uint32_t k);
    /* obj was gathered and has not reached the driver; why: CDN_ELIMIT if
     * the driver holds every slot of the table (it may go later), else
     * the post failed or the ring went away. */
    void (*give_back)(struct cdn_ring_post *p, void *obj, int why);
};

/* A ring of size bytes (its struct begins with a struct cdn_ring_post) for
 * drv's object ref; NULL if there is no memory (the object then goes
 * through per-call glue). */
static inline void *cdn_ring_post_new(struct cdn_driver *drv, uint64_t ref, size_t size)
{
    struct cdn_ring_post *p = calloc(1, size);
    if (!p)
        return NULL;
    p->g = drv->glue;
    p->drv = drv;
    p->ref = ref;
    p->heap_base = cdn_heap_base(drv->heap ? drv->heap : cdn_kernel_heap()); /* what it maps */
    return p;
}

/* The ring's device or disk no longer has it: what was gathered goes back,
 * and the ring is freed now or, if a flush is posting, when it returns. */
static inline void cdn_ring_post_detach(struct cdn_ring_post *p,
                                        void (*give_back)(struct cdn_ring_post *p, void *obj,
                                                          int why))
{
    for (uint32_t i = 0; i < p->npending; i++)
        give_back(p, p->pending[i], CDN_EDEAD);
    p->npending = 0;
    if (p->busy)
        p->dead = 1;
    else
        free(p);
}

/*
 * Posts what is gathered, in as many messages as the table's slots allow,
 * msg being the ring's message buffer (a struct cdn_ring_batch_hdr, then
 * room for CDN_RING_BATCH_MAX descriptors). Returns CDN_OK, or why it
 * stopped (what was not posted has been given back). *gone: the ring was
 * detached during a post and is freed - the caller must not touch it.
 */
static inline int cdn_ring_post_flush(struct cdn_ring_post *p, struct cdn_inflight *tab,
                                      const struct cdn_ring_post_ops *ops, void *msg, int *gone)
{
    *gone = 0;
    if (p->npending == 0 || p->busy)
        return CDN_OK; /* a flush in progress (it may yield) posts these after its own */
    /* The batch is ours from here: a detach while we post must not give it
     * back too. */
    void *objs[CDN_RING_BATCH_MAX];
    uint32_t n = p->npending, i = 0;
    memcpy(objs, p->pending, n * sizeof objs[0]);
    p->npending = 0;
    p->busy = 1;
    struct cdn_ring_batch_hdr *hdr = msg;
    uint8_t *descs = (uint8_t *)msg + sizeof *hdr;
    int st = CDN_OK;
    while (i < n) {
        if (ops->before && (st = ops->before(p, tab)) != CDN_OK)
            break;
        uint32_t first;
        uint32_t k = cdn_inflight_post_run(tab, objs + i, n - i, &first);
        if (k == 0) {
            /* The driver holds every slot: a stuck queue, dealt with by
             * the ring's own watch; these are given back. */
            st = CDN_ELIMIT;
            break;
        }
        for (uint32_t j = 0; j < k; j++)
            ops->describe(p, objs[i + j], descs + j * ops->desc_size);
        if (ops->sealed)
            ops->sealed(p, descs, k);
        hdr->ref = p->ref;
        hdr->first_seq = first;
        hdr->count = (uint16_t)k;
        hdr->flags = 0;
        st = cdn_glue_post(p->g, ops->rpc, msg, (uint32_t)(sizeof *hdr + k * ops->desc_size));
        cdn_kstats.ring_batches++;
        if (p->dead) {
            /* The driver failed during the post: its reclaim has handed
             * back these k along with everything else in the table. */
            i += k;
            break;
        }
        if (st != CDN_OK) {
            /* Not sent: these never reached the driver. */
            for (uint32_t j = 0; j < k; j++) {
                int stale;
                cdn_inflight_take(tab, first + j, &stale);
            }
            break;
        }
        i += k;
    }
    for (; i < n; i++)
        ops->give_back(p, objs[i], st == CDN_OK ? CDN_EDEAD : st);
    if (p->dead) {
        free(p);
        *gone = 1;
    } else {
        p->busy = 0;
    }
    return st;
}

#endif
