/*
 * rq_async.c - asynchronous block I/O: blk_execute_rq_nowait and end_io
 * (linux/blk-mq.h), so that one fiber keeps many requests in flight, as fio
 * does through io_uring, instead of one fiber per request in flight.
 *
 * A request to a driver with a request ring and an async runtime joins the
 * ring's pending batch and the call returns; the batch is posted when it is
 * full or when the host goes idle (rqring.c), and the completion path ends
 * the request. Every other driver (native, per-call isolated, one without
 * a runtime) is called synchronously and the request ends before
 * blk_execute_rq_nowait returns.
 *
 * Requests that cannot go now wait on the requeue list, which a fiber of
 * the driver's async runtime works through (Linux's requeue work on
 * kblockd): a request whose driver failed before answering (the supervisor
 * decides about the driver first; then a read, or a write that was never
 * posted, is issued once more, to the restarted driver, and a write that
 * was fails, since the failed driver could have changed its shared
 * buffer), one for a disk whose driver
 * is being restarted, one that found its ring's batch full while a flush
 * was posting, and one its driver called busy ("try later") or had no
 * slot for, sent again after blk-mq's delay (cdn_blk_busy_wait).
 *
 * A submission made from inside an end_io (a submitter that refills its
 * queue as requests end) is held until the outermost end_io returns, so a
 * native driver, which ends requests inline, cannot make it recurse.
 *
 * Invariants:
 *   - end_io runs exactly once per submission, and nothing touches the
 *     request after it (the caller may free or resubmit it then);
 *   - a request in flight holds a reference on its disk (cdn_blk_disk_get),
 *     given back after its end_io;
 *   - a request is in at most one place: the caller's hands, the list of
 *     submissions held during an end_io, a ring's batch or in-flight
 *     table, or the requeue list;
 *   - its data buffer is the host's again before end_io runs.
 */
#include <stdlib.h>
#include <string.h>

#include "blk_impl.h"
#include "cordon/async.h"
#include "linux/blk-mq.h"

static struct request *requeue_head, **requeue_tail = &requeue_head;
static struct cdn_async *worker_rt; /* the runtime the requeue fiber runs on, if one runs */

/* The driver a request goes to now: its disk's ring driver, the one the
 * disk waits for after a failure, or the one it was last sent to. */
static void *driver_for(const struct request *rq)
{
    struct gendisk *disk = rq->disk;
    if (disk->orphaned)
        return disk->orphan_owner;
    struct cdn_driver *drv = cdn_rqring_driver(disk);
    return drv ? drv : rq->drv;
}

/* The runtime that can work on rq: its driver's, looked up among the
 * loaded drivers (a runtime is never remembered past its driver). */
static struct cdn_async *rt_for(const struct request *rq)
{
    return cdn_blk_disk_live(rq->disk) ? cdn_core_driver_rt(driver_for(rq)) : NULL;
}

/* Submissions made from inside an end_io wait here until the outermost
 * end_io returns: a native driver ends a request inline, so a submitter
 * that resubmits from end_io would otherwise recurse once per I/O. */
static struct request *deferred_head, **deferred_tail = &deferred_head;
static int end_io_depth, draining;

static void start(struct request *rq);

static void run_deferred(void)
{
    if (draining)
        return; /* the loop below picks up what this end_io queued */
    draining = 1;
    while (deferred_head) {
        struct request *rq = deferred_head;
        deferred_head = rq->requeue_next;
        if (!deferred_head)
            deferred_tail = &deferred_head;
        start(rq);
    }
    draining = 0;
}

static void finish(struct request *rq, blk_status_t status)
{
    struct gendisk *disk = rq->disk; /* end_io may free or resubmit rq */
    rq->in_flight = 0;
    cdn_kstats.blk_requests++;
    end_io_depth++;
    rq->end_io(rq, status);
    if (--end_io_depth == 0)
        run_deferred();
    cdn_blk_disk_put(disk); /* taken at submission */
}

static void requeue_worker(void *arg);

/* Starts a requeue fiber for the first request on the list, if none runs;
 * requests no runtime can serve end with an error. */
static void kick_worker(void)
{
    if (worker_rt && !cdn_core_rt_in_use(worker_rt))
        worker_rt = NULL; /* its driver went, and its runtime with the fiber */
    while (!worker_rt && requeue_head) {
        struct request *rq = requeue_head;
        struct cdn_async *rt = rt_for(rq);
        if (rt && cdn_async_spawn(rt, requeue_worker, rt) == 0) {
            worker_rt = rt;
            return;
        }
        requeue_head = rq->requeue_next;
        if (!requeue_head)
            requeue_tail = &requeue_head;
        finish(rq, BLK_STS_IOERR);
    }
}

static void requeue(struct request *rq)
{
    rq->requeue_next = NULL;
    *requeue_tail = rq;
    requeue_tail = &rq->requeue_next;
    kick_worker();
}

/* Sends rq on its way. from_worker: the requeue fiber, which has waited for
 * a restart already; an orphaned disk then fails the request at once. */
static void submit(struct request *rq, int from_worker)
{
    struct gendisk *disk = rq->disk;
    if (disk->orphaned && !from_worker && rt_for(rq)) {
        requeue(rq); /* the worker waits for the restart, by policy */
        return;
    }
    struct cdn_driver *drv = cdn_rqring_driver(disk);
    if (drv && drv->rt) {
        if (cdn_rqring_submit(disk, rq) != 0)
            requeue(rq); /* the batch is full while a flush posts: next time */
        return;
    }
    rq->drv = drv;
    int ok = cdn_blk_run_sync(disk, rq, rq->data_ref, NULL);
    finish(rq, ok ? BLK_STS_OK : rq->completed && rq->status ? rq->status : BLK_STS_IOERR);
}

/* Takes the first request on the list that runtime rt serves, or NULL. */
static struct request *take_for(struct cdn_async *rt)
{
    for (struct request **p = &requeue_head; *p; p = &(*p)->requeue_next) {
        struct request *rq = *p;
        if (rt_for(rq) != rt)
            continue;
        *p = rq->requeue_next;
        if (requeue_tail == &rq->requeue_next)
            requeue_tail = p;
        return rq;
    }
    return NULL;
}

static void requeue_worker(void *arg)
{
    struct cdn_async *rt = arg;
    struct request *rq;
    int64_t waited_at = 0; /* busy requests requeued together wait once */
    while ((rq = take_for(rt)) != NULL) {
        struct gendisk *disk = rq->disk;
        if (rq->busy) {
            rq->busy = 0;
            /* rq->drv is trusted only while it is a loaded driver of ours */
            struct cdn_driver *drv = cdn_core_driver_rt(rq->drv) == rt ? rq->drv : NULL;
            if (!cdn_blk_busy_wait(rq, drv ? drv->policy.call_timeout_ns : 0, rt, &waited_at)) {
                finish(rq, BLK_STS_IOERR); /* busy for too long */
                continue;
            }
        }
        if (rq->lost) {
            /* Its driver went away without answering: the supervisor
             * decides (a restart, or down by policy). */
            rq->lost = 0;
            /* rq->drv is trusted only while it is a loaded driver of ours */
            if (cdn_core_driver_rt(rq->drv) != rt || cdn_driver_check(rq->drv) != CDN_OK ||
                !cdn_blk_disk_live(disk) || rq->give_up) {
                finish(rq, BLK_STS_IOERR);
                continue;
            }
            cdn_kstats.blk_retried++;
        }
        if (disk->orphaned)
            cdn_core_wait_driver(disk->orphan_owner); /* may yield */
        if (!cdn_blk_disk_live(disk)) {
            finish(rq, BLK_STS_IOERR);
            continue;
        }
        submit(rq, 1);
    }
    worker_rt = NULL;
    kick_worker(); /* requests for another runtime, if any */
}

void cdn_blk_async_ended(struct request *rq, int lost)
{
    cdn_blk_return_to_host(rq->data_heap, rq->data_ref);
    if (lost && !rq->completed) {
        if (!rt_for(rq)) {
            finish(rq, BLK_STS_IOERR);
            return;
        }
        /* The requeue worker lets the supervisor see the failure first
         * (nothing else may, if no read is in flight: a driver given up
         * with only writes in it would stay dead), then issues the request
         * again, once, if it is a read or was never posted (the driver
         * never had the buffer), and fails the rest. */
        rq->give_up = rq->retried || (rq->op != REQ_OP_READ && !rq->unsent);
        rq->unsent = 0;
        rq->retried = 1;
        rq->lost = 1;
        requeue(rq);
        return;
    }
    if (!lost && !rq->completed && rq->busy && rt_for(rq)) {
        /* queue_rq said "busy, try later": the requeue worker waits a
         * moment and sends it again (rq->busy stays set for it) */
        requeue(rq);
        return;
    }
    finish(rq, rq->completed ? rq->status : BLK_STS_IOERR);
}

void cdn_blk_async_reset(void)
{
    /* Every disk is gone by now, and with it every request in flight (a
     * request holds its disk). */
    requeue_head = NULL;
    requeue_tail = &requeue_head;
    deferred_head = NULL;
    deferred_tail = &deferred_head;
    end_io_depth = draining = 0;
    worker_rt = NULL;
}

struct request *cdn_blk_alloc_request(struct gendisk *disk, u32 bytes)
{
    if (!disk || bytes == 0 || bytes > CDN_HEAP_CHUNK || bytes % 512)
        return NULL;
    struct request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return NULL;
    cdn_href ref;
    void *data;
    if (cdn_heap_alloc(disk->heap, CDN_HEAP_HOST, bytes, &ref, &data) != 0) {
        free(rq);
        return NULL;
    }
    rq->disk = disk;
    rq->q = disk->queue;
    rq->data = data;
    rq->data_ref = ref;
    rq->data_heap = disk->heap;
    rq->data_cap = bytes;
    rq->nr_bytes = bytes;
    return rq;
}

void blk_mq_free_request(struct request *rq)
{
    if (!rq)
        return;
    if (rq->in_flight) {
        printk(KERN_ERR "blk: request at sector %llu freed while in flight; kept\n",
               (unsigned long long)rq->sector);
        return; /* a leak, not a use after free */
    }
    cdn_heap_free(rq->data_heap, rq->data_ref, CDN_HEAP_HOST);
    free(rq);
}

/* Checks a submission and sends it on its way. */
static void start(struct request *rq)
{
    struct gendisk *disk = rq->disk;
    if (!disk || !cdn_blk_disk_live(disk) || (rq->op != REQ_OP_READ && rq->op != REQ_OP_WRITE) ||
        rq->nr_bytes == 0 || rq->nr_bytes > rq->data_cap || rq->nr_bytes % 512) {
        finish(rq, BLK_STS_IOERR);
        return;
    }
    submit(rq, 0);
}

void blk_execute_rq_nowait(struct request *rq, bool at_head)
{
    (void)at_head; /* one queue, in order */
    if (!rq || !rq->end_io)
        return;
    if (rq->in_flight) {
        printk(KERN_ERR "blk: request at sector %llu submitted twice; ignored\n",
               (unsigned long long)rq->sector);
        return;
    }
    rq->in_flight = 1;
    /* A request in flight holds its disk: a driver that deletes and puts
     * its disk meanwhile cannot have the memory reused under it (another
     * disk at the same address would look live to the checks below). */
    cdn_blk_disk_get(rq->disk);
    rq->retried = 0;
    rq->give_up = 0;
    rq->unsent = 0;
    rq->busy = 0;
    rq->busy_until = 0;
    rq->lost = 0;
    rq->completed = 0;
    rq->status = 0;
    if (end_io_depth > 0) { /* from an end_io: once it returns */
        rq->requeue_next = NULL;
        *deferred_tail = rq;
        deferred_tail = &rq->requeue_next;
        return;
    }
    start(rq);
}
