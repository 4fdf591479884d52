/*
 * rqring.c - the request ring: how the block core hands requests to an
 * isolated driver that has one (cordon_rings.h).
 *
 * A request is queued on its disk's ring and its issuer waits on an event
 * (cordon/async.h). Requests queued together go to the driver in one
 * posted message, as blk-mq hands a plugged list to queue_rq with bd->last
 * on the final one: the batch is posted when it is full, or when the host
 * has nothing else to do (its async runtime goes idle: every issuer is
 * waiting). Each request travels as a descriptor - sector, length, op,
 * where its data sits in the shared heap - named by its number in the
 * driver's in-flight table. The domain runs the driver's queue_rq on a
 * shadow of each; blk_mq_end_request becomes a completion, posted with
 * others. Completions wake the issuers.
 *
 * Invariants (the host's; the domain is not trusted):
 *   - a request is in at most one table, once; a completion takes it out,
 *     so a second completion names a number from the past and is counted,
 *     never applied; a number from the future is forged (a protocol
 *     violation); a status outside the block layer's set is refused;
 *   - every issuer is woken exactly once per try: by the request's
 *     completion, by a verdict that says the driver did not take it (or
 *     was busy: the block core sends it again later), when the table has
 *     no slot for it (likewise), or when the driver's domain goes away
 *     (the request is then "lost", and the block core may issue it again
 *     to the restarted driver);
 *   - a request's data buffer is not reused while the driver could still
 *     write into it: in-flight requests are only given up after the
 *     driver's domain has stopped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blk_impl.h"
#include "../core/ring_post.h"
#include "cordon/async.h"
#include "cordon/glue.h"
#include "cordon_rings.h"
#include "linux/blk-mq.h"

#define WATCH_CALLS 256u /* idle calls between looks at a busy driver */

struct cdn_rqring {
    struct cdn_ring_post post; /* first: the shared part (ring_post.h) */
    struct {
        struct cdn_ring_batch_hdr hdr;
        struct cdn_rqring_desc d[CDN_RING_BATCH_MAX];
    } msg;
};

/* Wakes rq's issuer (once), or ends an asynchronous request. */
static void wake(struct cdn_driver *drv, struct request *rq, int lost)
{
    if (rq->end_io) {
        cdn_blk_async_ended(rq, lost);
        return;
    }
    rq->lost = lost;
    struct cdn_event *e = rq->event;
    if (!e)
        return;
    rq->event = NULL;
    if (drv && drv->rt)
        cdn_event_signal(drv->rt, e);
    else
        e->signalled = 1; /* a synchronous issuer polls for it */
}

/* A request that has not reached the driver (never posted). The driver
 * holds every slot of the table: its issuer waits, as for a driver that
 * said "busy", and sends it again (blk-mq would wait for a tag). Else it
 * is lost, and may go again even if it is a write - the driver never had
 * its buffer. */
static void give_back(struct cdn_ring_post *p, void *obj, int why)
{
    struct request *rq = obj;
    if (why == CDN_ELIMIT) {
        /* for up to twice the driver's deadline: the watch gives up a
         * driver that keeps every slot first, and the request then goes
         * to the restarted one */
        if (!rq->busy_until) {
            int64_t t = p->drv->policy.call_timeout_ns;
            rq->busy_until = cdn_now_ns() + 2 * (t > 0 ? t : CDN_BLK_BUSY_BUDGET_NS);
        }
        rq->busy = 1;
        wake(p->drv, rq, 0);
        return;
    }
    rq->unsent = 1;
    wake(p->drv, rq, 1);
}

void cdn_rqring_attach(struct gendisk *disk)
{
    cdn_rqring_detach(disk);
    uint64_t ref;
    struct cdn_driver *drv =
        cdn_core_ring_driver(disk->queue ? disk->queue->tag_set : NULL, CDN_RINGS_RQ, disk, &ref);
    if (drv) /* else a native driver, or one without a ring: per-call queue_rq */
        disk->rqr = cdn_ring_post_new(drv, ref, sizeof(struct cdn_rqring));
}

void cdn_rqring_detach(struct gendisk *disk)
{
    struct cdn_rqring *t = disk->rqr;
    if (!t)
        return;
    disk->rqr = NULL;
    cdn_ring_post_detach(&t->post, give_back);
}

/* A request's descriptor: where on the disk, how much, which way, and
 * where its data sits in the shared heap. */
static void describe(const struct cdn_ring_post *p, const void *obj, void *desc)
{
    const struct request *rq = obj;
    struct cdn_rqring_desc *d = desc;
    memset(d, 0, sizeof *d);
    d->sector = rq->sector;
    d->data_off = (uint32_t)(rq->data - p->heap_base);
    d->nr_bytes = rq->nr_bytes;
    d->op = rq->op;
}

/* The last of a message is blk-mq's bd->last. */
static void sealed(struct cdn_ring_post *p, void *descs, uint32_t k)
{
    (void)p;
    ((struct cdn_rqring_desc *)descs)[k - 1].last = 1;
}

static const struct cdn_ring_post_ops rq_ops = {
    .rpc = CDN_RPC_RQRING,
    .desc_size = sizeof(struct cdn_rqring_desc),
    .describe = describe,
    .sealed = sealed,
    .give_back = give_back,
};

/* Posts what is queued on disk's ring, in as many messages as the slots
 * allow. Requests that cannot be posted are given back (give_back): to
 * wait for a slot, or lost. */
static int rq_flush(struct gendisk *disk)
{
    struct cdn_rqring *t = disk->rqr;
    if (!t)
        return CDN_OK;
    int gone;
    return cdn_ring_post_flush(&t->post, &t->post.drv->rings->rqs, &rq_ops, &t->msg, &gone);
}

/* Gives up on every request in flight to drv, whose domain is dead or is
 * made so here: their issuers wake and see them lost. */
static void fail_inflight(struct cdn_driver *drv, const char *why, int status)
{
    if (drv->dom && cdn_domain_alive(drv->dom)) {
        cdn_domain_kill(drv->dom, why);
        cdn_domain_wait_stopped(drv->dom, 1000000000LL);
    }
    if (drv->glue)
        cdn_glue_set_error(drv->glue, status);
    cdn_blk_rings_reclaim(drv);
}

struct cdn_driver *cdn_rqring_driver(struct gendisk *disk)
{
    return disk->rqr ? disk->rqr->post.drv : NULL;
}

/* Joins rq to disk's pending batch, its end to be told through ev (NULL:
 * an asynchronous request, told through cdn_blk_async_ended); posts the
 * batch when it is full or no runtime's idle hook would. -1: the batch is
 * full while a flush of this ring is posting, rq not queued. */
static int enqueue(struct gendisk *disk, struct request *rq, struct cdn_event *ev)
{
    struct cdn_ring_post *p = &disk->rqr->post;
    rq->completed = 0;
    rq->status = 0;
    rq->lost = 0;
    rq->unsent = 0;
    rq->busy = 0;
    rq->event = NULL;
    rq->drv = p->drv;
    if (p->npending == CDN_RING_BATCH_MAX)
        return -1;
    rq->event = ev;
    rq->queued_ns = cdn_coarse_ns();
    p->pending[p->npending++] = rq;
    if (p->npending == CDN_RING_BATCH_MAX || !p->drv->rt)
        rq_flush(disk); /* full, or no runtime whose idle hook would post it */
    return 0;
}

int cdn_rqring_issue(struct gendisk *disk, struct request *rq)
{
    struct cdn_driver *drv = disk->rqr->post.drv;
    struct cdn_event ev;
    cdn_event_init(&ev);
    if (enqueue(disk, rq, &ev) != 0)
        return 0; /* it cannot take more */
    if (drv->rt) {
        cdn_event_wait(drv->rt, &ev);
    } else {
        /* Synchronous: serve the channel until the answer is in. */
        int64_t timeout = drv->policy.call_timeout_ns;
        int64_t deadline = timeout > 0 ? cdn_now_ns() + timeout : INT64_MAX; /* <= 0: none */
        while (!ev.signalled) {
            int st = drv->glue ? cdn_glue_poll(drv->glue) : CDN_EDEAD;
            if (st != CDN_OK)
                fail_inflight(drv, "channel failed", st);
            else if (cdn_now_ns() >= deadline)
                fail_inflight(drv, "request timed out", CDN_ETIMEDOUT);
        }
    }
    return rq->completed && rq->status == BLK_STS_OK;
}

int cdn_rqring_submit(struct gendisk *disk, struct request *rq)
{
    return enqueue(disk, rq, NULL);
}

static int valid_status(int v)
{
    return v == BLK_STS_OK || v == BLK_STS_NOTSUPP || v == BLK_STS_IOERR || v == BLK_STS_RESOURCE;
}

/* A run of ended requests, all with the run's status. */
static int apply_run(struct cdn_driver *drv, struct cdn_inflight *tab, const struct cdn_ring_run *r)
{
    void *done[CDN_RING_SLOTS]; /* r->count <= CDN_RING_SLOTS: checked */
    uint32_t stale, forged;
    uint32_t ndone = cdn_inflight_take_run(tab, r->first_seq, r->count, done, &stale, &forged);
    for (uint32_t j = 0; j < ndone; j++) {
        struct request *rq = done[j];
        rq->status = (blk_status_t)r->status;
        rq->completed = 1;
        wake(drv, rq, 0);
    }
    if (stale) {
        cdn_kstats.blk_double_completions += stale;
        printk(KERN_ERR "%s: %u request(s) completed twice; ignored\n", drv->desc->name, stale);
    }
    return forged ? CDN_EBADH : CDN_OK; /* forged: numbers never handed out */
}

/* queue_rq's verdict on a request it did not end. */
static int apply_verdict(struct cdn_driver *drv, struct cdn_inflight *tab,
                         const struct cdn_ring_verdict *v)
{
    int stale;
    struct request *rq = cdn_inflight_take(tab, v->seq, &stale);
    if (rq) {
        if (v->value == BLK_STS_RESOURCE || v->value == BLK_STS_DEV_RESOURCE) {
            rq->busy = 1; /* "try later": its issuer waits and sends it again */
        } else {
            /* queue_rq refused it without ending it: it failed */
            cdn_kstats.blk_not_completed++;
            printk(KERN_ERR "%s: request at sector %llu never completed (queue_rq returned %d)\n",
                   drv->desc->name, (unsigned long long)rq->sector, (int)v->value);
        }
        wake(drv, rq, 0);
        return CDN_OK;
    }
    return stale ? CDN_OK : CDN_EBADH; /* after the end, the end stands; else forged */
}

static const struct cdn_ring_done_ops rq_done = {
    .status_ok = valid_status,
    .run = apply_run,
    .verdict = apply_verdict,
};

int cdn_rqring_done(struct cdn_driver *drv, const void *buf, uint32_t len)
{
    if (!drv->rings || !drv->rings->rqs.obj)
        return CDN_EPROTO; /* it was never given a request */
    return cdn_ring_done_apply(drv, &drv->rings->rqs, buf, len, &rq_done);
}

static void reclaim_rq(void *obj, void *arg)
{
    wake(arg, obj, 1);
}

void cdn_blk_rings_reclaim(struct cdn_driver *drv)
{
    if (drv->rings && drv->rings->rqs.obj) {
        cdn_inflight_drain(&drv->rings->rqs, reclaim_rq, drv);
    }
}

/* When the oldest request in flight joined its batch. Deadlines are per
 * request: a driver that finishes others, or sends empty completion
 * messages, does not make a request it keeps any younger. */
static int64_t oldest_queued(const struct cdn_inflight *t)
{
    int64_t oldest = INT64_MAX;
    for (uint32_t i = 0; i < CDN_RING_SLOTS; i++) {
        const struct request *rq = t->obj[i];
        if (rq && rq->queued_ns < oldest)
            oldest = rq->queued_ns;
    }
    return oldest;
}

/* The host's async runtime is idle. Post what is queued; and since the
 * issuers of requests in flight are all asleep, look after them: a driver
 * whose domain died, or that has kept any request past the call deadline,
 * is failed (its domain stopped first). */
void cdn_rqring_idle(struct gendisk *disk)
{
    struct cdn_rqring *t = disk->rqr;
    if (!t)
        return;
    if (t->post.npending)
        rq_flush(disk);
    t = disk->rqr;
    if (!t)
        return;
    struct cdn_driver *drv = t->post.drv;
    struct cdn_rings *rs = drv->rings;
    if (!rs || !rs->rqs.live)
        return;
    /* The host idles often and briefly (between a post and its
     * completions): a death the domain's monitor has marked is seen at
     * once; otherwise look once a coarse tick or every WATCH_CALLS idle
     * calls (tens of microseconds), not on each. */
    struct cdn_ep *ep = cdn_glue_ep(t->post.g);
    if (!cdn_ep_marked_dead(ep) && !cdn_ratelimit_due(&rs->rq_watch, WATCH_CALLS))
        return;
    if (cdn_ep_broken(ep)) { /* it broke the protocol (strict mode): done with it */
        fail_inflight(drv, "protocol violation", CDN_EPROTO);
        return;
    }
    if (cdn_ep_check_peer(ep) != CDN_OK) {
        fail_inflight(drv, "channel failed", CDN_EDEAD);
        return;
    }
    if (drv->policy.call_timeout_ns > 0 &&
        cdn_coarse_ns() - oldest_queued(&rs->rqs) > drv->policy.call_timeout_ns) {
        printk(KERN_ERR "%s: a request kept for over %lld ms (%u in flight)\n", drv->desc->name,
               (long long)(drv->policy.call_timeout_ns / 1000000), rs->rqs.live);
        fail_inflight(drv, "requests timed out", CDN_ETIMEDOUT);
    }
}
