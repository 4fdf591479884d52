/*
 * rings.h - the domain library's side of the data-path rings
 * (cordon_rings.h): ring messages from the host go to the handler of their
 * kind; everything else to the module's generated dispatch.
 */
#ifndef CORDON_KERNEL_DOMAIN_RINGS_H
#define CORDON_KERNEL_DOMAIN_RINGS_H

#include <stdint.h>

#include "cordon/async.h"
#include "cordon/glue.h"
#include "cordon_rings.h"

/* Handles one ring message (buf, len: its payload). */
typedef int (*cdn_dom_ring_fn)(struct cdn_glue *g, const void *buf, uint32_t len);

/* Serves the ring message req with the handler registered for its rpc id
 * (CDN_ENOENT if none). */
int cdn_dom_ring_dispatch(struct cdn_glue *g, const struct cdn_msg *req);
/* idle (may be NULL) runs when the domain has nothing else to do: it posts
 * what the handler held back to batch (completions). end (may be NULL)
 * frees the ring's state when the module leaves. */
void cdn_dom_ring_register(uint16_t rpc, cdn_dom_ring_fn fn, void (*idle)(void), void (*end)(void));
/* Called by the module wrapper once the domain's async runtime exists, and
 * when its serve loop has ended. */
void cdn_dom_rings_start(struct cdn_async *rt);
void cdn_dom_rings_end(void);

/* ---- what the ring handlers share ---- */

/* Whether p is one of the CDN_RING_SLOTS shadows of elem bytes at pool (an
 * object the driver got through a ring) or anything else (then the driver
 * got it another way, and the generated rpc deals with it). */
static inline int cdn_dom_is_shadow(const void *pool, size_t elem, const void *p)
{
    uintptr_t at = (uintptr_t)p, base = (uintptr_t)pool;
    return pool && at >= base && at < base + CDN_RING_SLOTS * elem && (at - base) % elem == 0;
}

/* Completions held back to go out in one message: runs of consecutive
 * numbers with the same status, and verdicts. */
struct cdn_dom_done {
    struct cdn_glue *g;
    uint16_t rpc;     /* CDN_RPC_TXRING_DONE or CDN_RPC_RQRING_DONE */
    uint32_t objects; /* objects the held runs and verdicts name */
    struct cdn_ring_done_hdr hdr;
    struct cdn_ring_run runs[CDN_RING_DONE_MAX];
    struct cdn_ring_verdict verdicts[CDN_RING_DONE_MAX];
};
void cdn_dom_done_run(struct cdn_dom_done *d, uint32_t seq, int16_t status);
void cdn_dom_done_verdict(struct cdn_dom_done *d, uint32_t seq, int32_t value);
/* Posts what is held (a copy: a batch served while the post waits for room
 * starts a list of its own). */
void cdn_dom_done_flush(struct cdn_dom_done *d);
/* How many objects the held completions are about. */
static inline unsigned cdn_dom_done_held(const struct cdn_dom_done *d)
{
    return d->objects;
}

/*
 * A driver's ring entry point is not re-entered: a batch that arrives while
 * one runs (the driver made a call, and the runtime served the channel
 * meanwhile) is copied and run after it, in order - as Linux serialises
 * ndo_start_xmit per queue and queue_rq per hardware context.
 */
struct cdn_dom_serial {
    int busy;
    struct cdn_dom_deferred *head, **tail;
};
typedef void (*cdn_dom_batch_fn)(struct cdn_glue *g, const void *buf, uint32_t len);
/* Whether buf holds a whole batch of descriptors of desc_size bytes: a
 * header, at most CDN_RING_BATCH_MAX descriptors, nothing else (CDN_OK or
 * CDN_EPROTO). The host's message: a ring checks it before anything runs. */
int cdn_dom_batch_check(const void *buf, uint32_t len, size_t desc_size);
/* Runs fn(g, buf, len) now, or later if a batch is running; CDN_ENOMEM if
 * the copy for later cannot be made. */
int cdn_dom_serial_run(struct cdn_dom_serial *s, struct cdn_glue *g, const void *buf, uint32_t len,
                       cdn_dom_batch_fn fn);

/*
 * Transmit (kernel/drvlib/txring.c): the driver's ndo_start_xmit runs on
 * shadows of the host's skbs, and its consume_skb of one of them becomes a
 * completion. The module is linked with -Wl,--wrap=consume_skb, so the
 * driver's calls reach the domain library first; skbs that did not come
 * through the ring go on to the generated rpc. netdev_type: the IDL's type
 * id of struct net_device (<module>_TYPE_net_device).
 */
int cdn_dom_txring_setup(struct cdn_glue *g, uint16_t netdev_type);

/*
 * Requests (kernel/drvlib/rqring.c): the driver's queue_rq runs on
 * shadows of the host's requests; blk_mq_end_request of one of them becomes
 * a completion. disk_type: the IDL's type id of struct gendisk. The module
 * is linked with -Wl,--wrap=blk_mq_end_request and kernel/drvlib/blk_end.c
 * (or a wrapper of its own that calls cdn_dom_blk_end first).
 */
struct request;
int cdn_dom_rqring_setup(struct cdn_glue *g, uint16_t disk_type);
/* 1 if rq came through the ring (its end is now a completion), else 0. */
int cdn_dom_blk_end(struct request *rq, unsigned char error);

#endif
