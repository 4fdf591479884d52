/*
 * core_impl.h - state shared by the host kernel core's files: statistics,
 * driver heaps, the supervisor's entry points for the subsystems, and the
 * host's side of a driver's data-path rings. The subsystems' own private
 * declarations are in kernel/net/net_impl.h and kernel/block/blk_impl.h;
 * the in-flight table in inflight.h; a subsystem's hooks in subsys.h.
 */
#ifndef CORDON_KERNEL_CORE_IMPL_H
#define CORDON_KERNEL_CORE_IMPL_H

#include "cordon_kernel.h"
#include "cordon_rings.h"
#include "inflight.h"
#include "linux/kernel.h"

extern struct cdn_kernel_stats cdn_kstats;

/* A heap for a new isolated driver, of the kernel's heap size; and its
 * end at unload (kept until the kernel exits if host objects still live
 * in it). The heaps of loaded drivers, for cdn_kernel_heaps. */
int cdn_core_heap_new(struct cdn_heap **out);
void cdn_core_heap_put(struct cdn_heap *h);
int cdn_core_driver_heaps(struct cdn_heap **out, int max);

/* ---- the supervisor, for the subsystems ---- */

/* Recovery: while a restarted driver's init runs (replay), the driver
 * (struct cdn_driver *); else NULL. Its init gets back the devices and
 * disks orphaned with *it* (orphan_owner), never another driver's: two
 * drivers of one kind may be down at once. */
extern void *cdn_kernel_recovering;
/* Whether a call's status means the crossing itself failed (the domain died,
 * hung, or broke the protocol), not that the driver answered with an error. */
int cdn_core_crossing_status(int st);
/* A crossing through g failed: let the supervisor apply g's driver's policy.
 * Returns 1 if the driver was restarted and is up, 0 otherwise. */
int cdn_core_crossing_failed(struct cdn_glue *g);
/* A request reached a device orphaned by owner: nonzero if the caller waited
 * for a restart that succeeded (the device is re-attached), 0 to fail fast. */
int cdn_core_wait_driver(void *owner);
/* The async runtime of a loaded driver (NULL: none, or not a loaded driver:
 * owner is looked up, not trusted). */
struct cdn_async;
struct cdn_async *cdn_core_driver_rt(void *owner);
/* Whether some loaded driver still uses rt. */
int cdn_core_rt_in_use(const struct cdn_async *rt);
/* The host is idle (its async runtime found nothing to do): each
 * subsystem posts the batches waiting and looks after requests in flight
 * (a dead or stuck driver's are failed, so that their waiters go on). */
void cdn_core_rings_idle(void *arg);

/* ---- the host's side of a driver's data-path rings (cordon_rings.h) ---- */

/* Kept across restarts: the numbers go on increasing, so a new domain
 * cannot name an old one's. */
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

/* What a ring does with the two parts of a completion message. */
struct cdn_ring_done_ops {
    int (*status_ok)(int status); /* a run's status the ring knows */
    /* a run of completions (count checked: 1..CDN_RING_SLOTS) */
    int (*run)(struct cdn_driver *drv, struct cdn_inflight *tab, const struct cdn_ring_run *r);
    /* a verdict on one object (ndo_start_xmit's or queue_rq's return) */
    int (*verdict)(struct cdn_driver *drv, struct cdn_inflight *tab,
                   const struct cdn_ring_verdict *v);
};

/* Applies a completion message from drv for the objects of tab: every run
 * and verdict that is valid, even past a bad one (nothing is left half
 * done); returns CDN_OK, or the first error (CDN_EPROTO malformed,
 * CDN_EBADH a number never handed out). inflight.c; both rings use it. */
int cdn_ring_done_apply(struct cdn_driver *drv, struct cdn_inflight *tab, const void *buf,
                        uint32_t len, const struct cdn_ring_done_ops *ops);

#endif
