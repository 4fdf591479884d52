/*
 * rqring.c - the domain's end of the request ring (cordon_rings.h).
 *
 * A batch from the host names requests by number; each gets a shadow
 * struct request in the slot of its number, pointing at its data in the
 * shared heap, and the driver's queue_rq runs on it with bd->last set on
 * the batch's final one, as blk-mq dispatches a plugged list. The driver
 * ends a request with blk_mq_end_request: for a shadow that is a
 * completion, posted in groups of BLK_DONE_GROUP, or when the domain goes
 * idle (at once if it happens outside a batch, from a deferred context). Batches are serialised per
 * domain (rings.h), as blk-mq serialises queue_rq on a hardware context.
 *
 * The driver's end_request calls reach this file through the module's
 * wrapper (-Wl,--wrap=blk_mq_end_request; cdn_dom_blk_end below), so a
 * module that wraps the function for its own reasons can still chain here.
 */
#include <stdlib.h>
#include <string.h>

#include "linux/blk-mq.h"
#include "rings.h"

struct rq_shadow {
    struct request rq; /* first: the driver's pointer is the shadow's */
    uint32_t seq;      /* the host's number for the request */
    int held;          /* the driver has it */
};

/* The driver's view of a disk's one hardware queue, made on first use. */
struct hw_queue {
    struct gendisk *disk;
    struct blk_mq_hw_ctx hctx;
};

static uint16_t blk_disk_type;
static struct rq_shadow *pool; /* CDN_RING_SLOTS: the shadow of seq is pool[seq % SLOTS] */
static struct hw_queue queues[8];
static struct cdn_dom_serial serial;
static struct cdn_dom_done done = {.rpc = CDN_RPC_RQRING_DONE};
static int since_flush;
#define BLK_DONE_GROUP 4

static struct rq_shadow *shadow_of(const struct request *rq)
{
    return cdn_dom_is_shadow(pool, sizeof *pool, rq) ? (struct rq_shadow *)rq : NULL;
}

static struct blk_mq_hw_ctx *hctx_of(struct gendisk *disk)
{
    struct hw_queue *free_q = NULL;
    for (unsigned i = 0; i < sizeof queues / sizeof queues[0]; i++) {
        if (queues[i].disk == disk)
            return &queues[i].hctx;
        if (!queues[i].disk && !free_q)
            free_q = &queues[i];
    }
    if (!free_q)
        return NULL;
    free_q->disk = disk;
    free_q->hctx.queue = disk->queue;
    free_q->hctx.queue_num = 0;
    return &free_q->hctx;
}

/*
 * The data of the next request, asked for while the driver works on this
 * one: it was last written by the host's CPU (a write's payload, or a read
 * buffer the host checked), so each line comes from the other core; started
 * early, those transfers overlap the driver's work instead of stalling its
 * copy. A write's lines are read, a read's written (prefetch for
 * ownership). Bounded: PREFETCH_MAX bytes, from a range checked like any
 * other the host names.
 */
#define PREFETCH_MAX 4096u
static void prefetch_data(struct cdn_glue *g, const struct cdn_rqring_desc *d)
{
    uint32_t n = d->nr_bytes < PREFETCH_MAX ? d->nr_bytes : PREFETCH_MAX;
    const char *p = n ? cdn_glue_heap_range(g, d->data_off, n) : NULL;
    if (!p)
        return;
    for (uint32_t off = 0; off < n; off += 64) {
        if (d->op == REQ_OP_WRITE)
            __builtin_prefetch(p + off, 0);
        else
            __builtin_prefetch(p + off, 1);
    }
}

/* One batch, checked by rqring_serve. */
static void run_batch(struct cdn_glue *g, const void *buf, uint32_t len)
{
    (void)len;
    struct cdn_ring_batch_hdr hdr;
    memcpy(&hdr, buf, sizeof hdr);
    /* A private copy: the driver may make calls, and the runtime then
     * receives into the buffer this batch came in. */
    struct cdn_rqring_desc descs[CDN_RING_BATCH_MAX];
    memcpy(descs, (const uint8_t *)buf + sizeof hdr, hdr.count * sizeof descs[0]);
    void *obj = NULL;
    struct blk_mq_hw_ctx *hctx = NULL;
    blk_status_t (*queue_rq)(struct blk_mq_hw_ctx *, const struct blk_mq_queue_data *) = NULL;
    if (cdn_glue_resolve(g, hdr.ref, 0, blk_disk_type, sizeof(struct gendisk), &obj) == CDN_OK &&
        obj) {
        struct gendisk *disk = obj;
        hctx = disk->queue ? hctx_of(disk) : NULL;
        if (hctx && disk->queue->tag_set && disk->queue->tag_set->ops)
            queue_rq = disk->queue->tag_set->ops->queue_rq;
    }
    prefetch_data(g, &descs[0]);
    for (uint32_t i = 0; i < hdr.count; i++) {
        struct cdn_rqring_desc d = descs[i];
        uint32_t seq = hdr.first_seq + i;
        struct rq_shadow *s = &pool[seq % CDN_RING_SLOTS];
        void *data = d.nr_bytes ? cdn_glue_heap_range(g, d.data_off, d.nr_bytes) : NULL;
        if (i + 1 < hdr.count)
            prefetch_data(g, &descs[i + 1]);
        if (!queue_rq || !data || s->held) {
            cdn_dom_done_verdict(&done, seq, BLK_STS_IOERR); /* not taken */
            continue;
        }
        memset(&s->rq, 0, sizeof s->rq);
        s->rq.sector = d.sector;
        s->rq.nr_bytes = d.nr_bytes;
        s->rq.op = d.op;
        s->rq.data = data;
        s->rq.q = hctx->queue;
        s->seq = seq;
        s->held = 1;
        struct blk_mq_queue_data bd = {.rq = &s->rq, .last = d.last != 0};
        blk_status_t rc = queue_rq(hctx, &bd);
        if (rc != BLK_STS_OK && s->held) {
            /* refused without an end: the host fails it */
            cdn_dom_done_verdict(&done, seq, rc);
            s->held = 0;
        }
    }
}

static int rqring_serve(struct cdn_glue *g, const void *buf, uint32_t len)
{
    if (cdn_dom_batch_check(buf, len, sizeof(struct cdn_rqring_desc)) != CDN_OK)
        return CDN_EPROTO;
    int st = cdn_dom_serial_run(&serial, g, buf, len, run_batch);
    if (!serial.busy && cdn_dom_done_held(&done) >= BLK_DONE_GROUP)
        cdn_dom_done_flush(&done);
    return st;
}

static void rqring_idle(void)
{
    if (!serial.busy)
        cdn_dom_done_flush(&done);
}

/* The module leaves (an inproc domain shares the host's heap). */
static void rqring_end(void)
{
    free(pool);
    pool = NULL;
    memset(queues, 0, sizeof queues);
}

int cdn_dom_rqring_setup(struct cdn_glue *g, uint16_t disk_type)
{
    if (!pool && !(pool = calloc(CDN_RING_SLOTS, sizeof *pool)))
        return CDN_ENOMEM;
    done.g = g;
    blk_disk_type = disk_type;
    cdn_dom_ring_register(CDN_RPC_RQRING, rqring_serve, rqring_idle, rqring_end);
    return CDN_OK;
}

int cdn_dom_blk_end(struct request *rq, blk_status_t error)
{
    struct rq_shadow *s = shadow_of(rq);
    if (!s)
        return 0;
    /* Sent even for a request already ended: its number is from the past
     * by then, and the host counts the double completion. */
    cdn_dom_done_run(&done, s->seq, (int16_t)error);
    s->held = 0;
    /* Completions go back in small groups even in the middle of a batch:
     * the host's submitter then refills the queue while the rest of the
     * batch is served, instead of host and domain taking turns. Measured
     * (docs/benchmarks.md): with a fiber per request, groups of 1 or 4 kept
     * ~90% of native at 4 KiB QD16, 16 about 70%, idle only 78%; with one
     * submitting fiber, 512 B QD16: 2 ~87%, 4 ~88%, 8 ~92% (but 4 KiB fell
     * to ~84%), 16 under 70%. */
    if (!serial.busy || ++since_flush >= BLK_DONE_GROUP) {
        since_flush = 0;
        cdn_dom_done_flush(&done);
    }
    return 1;
}
