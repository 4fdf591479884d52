/*
 * blk_impl.h - the block subsystem's private declarations, shared by its
 * files (blk.c, rqring.c, rq_async.c) and reached by the core only
 * through its hooks (kernel/core/subsys.h).
 */
#ifndef CORDON_KERNEL_BLK_IMPL_H
#define CORDON_KERNEL_BLK_IMPL_H

#include "../core/core_impl.h"

struct gendisk;
struct request;

/* The subsystem's hooks (blk.c registers them). */
void cdn_blk_reset(void);
/* Points disks whose tag set belongs to glue g at an inert queue. */
int cdn_blk_orphan(struct cdn_glue *g, void *owner);
/* A driver that stayed down is unloaded: free the disks it left orphaned. */
int cdn_blk_release_orphans(void *owner);
/* A completion message from the driver's request ring (as cdn_txring_done). */
int cdn_rqring_done(struct cdn_driver *drv, const void *buf, uint32_t len);
/* The driver's domain is gone: every request it held is woken as lost. */
void cdn_blk_rings_reclaim(struct cdn_driver *drv);
/* The host is idle: post waiting batches, watch requests in flight. */
void cdn_blk_rings_idle(void);

/* The request ring of a disk whose driver has one (add_disk), and the
 * block path through it (rqring.c). */
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
void cdn_rqring_idle(struct gendisk *disk);

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
int cdn_blk_busy_wait(struct request *rq, int64_t budget_ns, struct cdn_async *rt,
                      int64_t *waited_at);
int cdn_blk_disk_live(const struct gendisk *disk);
void cdn_blk_async_ended(struct request *rq, int lost);
void cdn_blk_async_reset(void);

#endif
