/* core_impl.h - state shared by the host kernel core's files. */
#ifndef CORDON_KERNEL_CORE_IMPL_H
#define CORDON_KERNEL_CORE_IMPL_H

#include "cordon_kernel.h"
#include "cordon_rings.h"
#include "linux/kernel.h"

struct net_device;
struct sk_buff;

extern struct cdn_kernel_stats cdn_kstats;

/* kfree_skb on each of skbs[0..n) (a run of completions), in one pass:
 * the glues asked once, the heap once (as Linux's napi_consume_skb frees
 * transmitted skbs in bulk). A pointer that is no live skb is reported and
 * skipped, as kfree_skb does. */
void cdn_kfree_skb_bulk(struct sk_buff *const *skbs, uint32_t n);

/* A heap for a new isolated driver, of the kernel's heap size; and its
 * end at unload (kept until the kernel exits if host objects still live
 * in it). The heaps of loaded drivers, for cdn_kernel_heaps. */
int cdn_core_heap_new(struct cdn_heap **out);
void cdn_core_heap_put(struct cdn_heap *h);
int cdn_core_driver_heaps(struct cdn_heap **out, int max);

/* Forgets all network devices and restarts naming (kernel bring-up). */
void cdn_net_reset(void);
void cdn_blk_reset(void);

/* Recovery: while a restarted driver's init runs (replay), the driver
 * (struct cdn_driver *); else NULL. Its init gets back the devices and
 * disks orphaned with *it* (orphan_owner), never another driver's: two
 * drivers of one kind may be down at once. */
extern void *cdn_kernel_recovering;
/* Points devices whose ops belong to glue g at inert ops and remembers their
 * driver (owner); returns how many. */
int cdn_net_orphan(struct cdn_glue *g, void *owner);
/* Whether a call's status means the crossing itself failed (the domain died,
 * hung, or broke the protocol), not that the driver answered with an error. */
int cdn_core_crossing_status(int st);
/* A crossing through g failed: let the supervisor apply g's driver's policy.
 * Returns 1 if the driver was restarted and is up, 0 otherwise. */
int cdn_core_crossing_failed(struct cdn_glue *g);
/* Points disks whose tag set belongs to glue g at an inert queue. */
int cdn_blk_orphan(struct cdn_glue *g, void *owner);
/* A driver that stayed down is unloaded: free the devices it left orphaned. */
int cdn_net_release_orphans(void *owner);
int cdn_blk_release_orphans(void *owner);
/* A request reached a device orphaned by owner: nonzero if the caller waited
 * for a restart that succeeded (the device is re-attached), 0 to fail fast. */
int cdn_core_wait_driver(void *owner);
/* The async runtime of a loaded driver (NULL: none, or not a loaded driver:
 * owner is looked up, not trusted). */
struct cdn_async;
struct cdn_async *cdn_core_driver_rt(void *owner);
/* Whether some loaded driver still uses rt. */
int cdn_core_rt_in_use(const struct cdn_async *rt);

/* ---- data-path rings (cordon_rings.h) ---- */

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

/* The host's side of an isolated driver's rings. Kept across restarts: the
 * numbers go on increasing, so a new domain cannot name an old one's. */
struct cdn_rings {
    struct cdn_inflight skbs;      /* skbs posted for transmit */
    struct cdn_inflight rqs;       /* block requests queued */
    struct cdn_ratelimit rq_watch; /* the idle hook's looks at the driver */
};

/* The driver g serves, if g is an isolated driver's glue, else NULL. */
struct cdn_driver *cdn_core_driver_of(struct cdn_glue *g);
/* Its rings (made on first use); NULL if it has none of kind `ring`
 * (CDN_RINGS_*), its policy turns them off, or memory ran out. */
struct cdn_rings *cdn_core_rings(struct cdn_driver *drv, unsigned ring);
/* The isolated driver that owns `table` (an ops table or a tag set, a
 * shadow its glue made) if it serves rings of kind `ring`, with its glue's
 * reference for obj (the device or disk) in *ref; NULL if there is no ring
 * to use: native, no such ring, policy off, or the domain does not know obj. */
struct cdn_driver *cdn_core_ring_driver(const void *table, unsigned ring, const void *obj,
                                        uint64_t *ref);
/* A ring message from the driver (a completion batch): checks and applies
 * it. Returns CDN_OK, or CDN_EPROTO / CDN_EBADH for a malformed message or
 * a forged handle (what the supervisor's strict mode punishes). */
int cdn_net_tx_done(struct cdn_driver *drv, const void *buf, uint32_t len);
/* Checks a completion message's layout (inflight.c; both rings use it). */
int cdn_ring_done_parse(const void *buf, uint32_t len, struct cdn_ring_done_hdr *hdr,
                        const uint8_t **runs, const uint8_t **verdicts);
int cdn_blk_done(struct cdn_driver *drv, const void *buf, uint32_t len);
/* The driver's domain is gone: frees every skb it held and every packet
 * waiting for a batch (counted as reclaimed), and drops the devices'
 * rings (made again when the restarted driver re-attaches). */
void cdn_net_rings_reclaim(struct cdn_driver *drv);
void cdn_blk_rings_reclaim(struct cdn_driver *drv);
/* The request ring of a disk whose driver has one (add_disk), and the
 * block path through it (rq_ring.c). */
struct gendisk;
struct request;
void cdn_rqring_attach(struct gendisk *disk);
void cdn_rqring_detach(struct gendisk *disk);
/* Queues rq and waits for its end: 1 if it completed with BLK_STS_OK, 0
 * if it failed; rq->lost tells a driver that went away without answering. */
int cdn_rqring_issue(struct gendisk *disk, struct request *rq);
/* Queues an asynchronous request (rq->end_io) without waiting; its end
 * comes through cdn_blk_async_ended. -1: the batch is full while a flush
 * posts (not queued). */
int cdn_rqring_submit(struct gendisk *disk, struct request *rq);
struct cdn_driver *cdn_rqring_driver(struct gendisk *disk);
/* Block core (blk.c, rq_async.c): one request through the driver,
 * waiting (see cdn_blk_run_sync); the data buffer back to the host;
 * whether a disk is still registered; an asynchronous request's end from
 * the ring (lost: its driver went away without answering). */
int cdn_blk_run_sync(struct gendisk *disk, struct request *rq, uint64_t ref, const void *wbuf);
void cdn_blk_return_to_host(struct cdn_heap *heap, uint64_t ref);
/* How long a request may stay busy when its driver has no call deadline of
 * its own (a native driver). */
#define CDN_BLK_BUSY_BUDGET_NS 5000000000LL
/* rq's driver called it busy ("try later"), or had no slot for it: waits
 * BLK_MQ_RESOURCE_DELAY on rt (NULL: sleeps) and returns 1 to send it
 * again, or 0 once rq->busy_until has passed (set here on the first wait
 * if not yet: budget_ns from now, <= 0 for CDN_BLK_BUSY_BUDGET_NS).
 * waited_at (may be NULL): when the caller last waited; a wait less than
 * the delay ago covers this request too (a worker with many busy ones). */
int cdn_blk_busy_wait(struct request *rq, int64_t budget_ns, cdn_async *rt, int64_t *waited_at);
int cdn_blk_disk_live(const struct gendisk *disk);
void cdn_blk_async_ended(struct request *rq, int lost);
void cdn_blk_async_reset(void);
/* The host is idle (its async runtime found nothing to do): post the
 * batches waiting, and look after requests in flight (a dead or stuck
 * driver's are failed, so that their waiters go on). */
void cdn_core_rings_idle(void *arg);
void cdn_blk_rings_idle(void);
void cdn_net_rings_idle(void);
void cdn_rqring_idle(struct gendisk *disk);

/* The transmit ring of a device whose driver has one (register_netdevice). */
void cdn_txring_attach(struct net_device *dev);
void cdn_txring_detach(struct net_device *dev);
int cdn_txring_xmit(struct net_device *dev, struct sk_buff *skb, bool more);
int cdn_txring_flush(struct net_device *dev);

/* The skb head pool (skbuff.c), made and dropped with the kernel. */
int cdn_skb_pool_init(void);
void cdn_skb_pool_exit(void);
/* Nonzero while skb is allocated and not yet freed. */
int cdn_skb_live(const struct sk_buff *skb);
unsigned long cdn_skbs_live(void);

#endif
