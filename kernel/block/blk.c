/*
 * blk.c - the host's block core: tag sets, disks, and synchronous I/O through
 * a driver's queue_rq (the load generator's path), with the checks a host
 * needs against a driver that misbehaves: requests never completed or
 * completed twice, out-of-range status values.
 */
#include <stdio.h>
#include <string.h>

#include "blk_impl.h"
#include "../core/subsys.h"
#include "cordon/glue.h"
#include "linux/blk-mq.h"

/* Registered disks (add_disk), and disks allocated but not registered
 * (before add_disk, after del_gendisk): each disk is on exactly one of the
 * two lists from blk_mq_alloc_disk to put_disk, so a driver that fails
 * between the two calls leaves nothing the core cannot find and free. */
static struct gendisk *disks, *unregistered;

static int list_unlink(struct gendisk **head, struct gendisk *disk)
{
    for (struct gendisk **p = head; *p; p = &(*p)->next)
        if (*p == disk) {
            *p = disk->next;
            disk->next = NULL;
            return 1;
        }
    return 0;
}

/* What an orphaned disk's queue runs until its driver is back: fail the
 * request, completed (so the core does not count it as lost). */
static blk_status_t orphan_queue_rq(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd)
{
    (void)hctx;
    blk_mq_end_request(bd->rq, BLK_STS_IOERR);
    return BLK_STS_OK;
}
static const struct blk_mq_ops orphan_ops = {.queue_rq = orphan_queue_rq};
static struct blk_mq_tag_set orphan_set = {.ops = &orphan_ops, .nr_hw_queues = 1, .queue_depth = 1};

int cdn_blk_orphan(struct cdn_glue *g, void *owner)
{
    int n = 0;
    for (struct gendisk *d = disks; d; d = d->next) {
        struct request_queue *q = d->queue;
        /* the tag set is the driver's (a shadow the glue is about to free) */
        if (q && q->tag_set && q->tag_set != &orphan_set && cdn_glue_owner_of(q->tag_set) == g) {
            cdn_rqring_detach(d); /* requests waiting for a batch are lost: they may go again */
            q->tag_set = &orphan_set;
            q->queuedata = NULL;
            d->orphaned = 1;
            d->orphan_owner = owner;
            n++;
        }
    }
    /* Its disks no host client can reach (never registered, or already
     * unregistered): nothing to keep for a restart, freed now. */
    for (struct gendisk *d = unregistered, *next; d; d = next) {
        next = d->next;
        struct request_queue *q = d->queue;
        if (q && q->tag_set && cdn_glue_owner_of(q->tag_set) == g)
            put_disk(d);
    }
    return n;
}

void cdn_blk_reset(void)
{
    disks = NULL;
    unregistered = NULL;
    cdn_blk_async_reset();
}

int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)
{
    if (!set || !set->ops || !set->ops->queue_rq || set->nr_hw_queues < 1 || set->queue_depth < 1 ||
        set->queue_depth > 4096)
        return -EINVAL;
    return 0;
}

void blk_mq_free_tag_set(struct blk_mq_tag_set *set)
{
    (void)set; /* the memory is the caller's */
}

struct gendisk *cdn_blk_mq_alloc_disk(struct blk_mq_tag_set *set)
{
    if (!set)
        return NULL;
    if (cdn_kernel_recovering)
        for (struct gendisk *d = disks; d; d = d->next)
            if (d->orphaned && d->orphan_owner == cdn_kernel_recovering) {
                /* replay: the restarted driver gets its old disk back, with
                 * its new tag set; host clients keep their pointer */
                d->queue->tag_set = set;
                d->orphaned = 0;
                d->reattached = 1;
                cdn_kstats.devices_reattached++;
                return d;
            }
    struct gendisk *disk = calloc(1, sizeof *disk);
    struct request_queue *q = calloc(1, sizeof *q);
    if (!disk || !q) {
        free(disk);
        free(q);
        return NULL;
    }
    q->tag_set = set;
    q->hctx.queue = q;
    disk->queue = q;
    disk->heap = cdn_kernel_heap_of(set); /* its driver's, for good */
    disk->next = unregistered;
    unregistered = disk;
    return disk;
}

/*
 * The name a disk registers under. Linux drivers print their own index
 * ("nullb%d" with an index from a module-wide ida); a cordon driver loaded
 * twice (natively and isolated, say) is two module instances that cannot
 * see each other's, so the core fills in one "%d" with the lowest free
 * number, as dev_alloc_name does for "eth%d". A name already registered is
 * refused, as Linux refuses a second device of one name (-EEXIST).
 */
static int disk_assign_name(struct gendisk *disk)
{
    char *name = disk->disk_name;
    name[sizeof disk->disk_name - 1] = 0; /* the driver's string: it may lack an end */
    const char *pct = strchr(name, '%');
    if (!pct) {
        if (!name[0])
            return -EINVAL;
        return cdn_blk_disk_by_name(name) ? -EEXIST : 0;
    }
    if (pct[1] != 'd' || strchr(pct + 2, '%'))
        return -EINVAL; /* one %d, nothing else a printf would read */
    char tmpl[sizeof disk->disk_name];
    memcpy(tmpl, name, sizeof tmpl);
    int head = (int)(pct - name);
    for (int i = 0; i < 1000; i++) {
        char cand[sizeof disk->disk_name];
        int n = snprintf(cand, sizeof cand, "%.*s%d%s", head, tmpl, i, tmpl + head + 2);
        if (n < 0 || (size_t)n >= sizeof cand)
            return -EINVAL; /* the number does not fit */
        if (!cdn_blk_disk_by_name(cand)) {
            memcpy(name, cand, sizeof cand);
            return 0;
        }
    }
    return -ENFILE;
}

int add_disk(struct gendisk *disk)
{
    if (disk && disk->reattached) {
        disk->reattached = 0;
        /* still registered, under the name it had (the restarted driver
         * sent its template, or anything) */
        memcpy(disk->disk_name, disk->registered_name, sizeof disk->disk_name);
        cdn_rqring_attach(disk); /* the new domain's ring */
        return 0;
    }
    if (!disk || disk->added || disk->free_on_return)
        return -EINVAL; /* added, or put and only waiting for its I/O to end */
    int err = disk_assign_name(disk);
    if (err)
        return err;
    memcpy(disk->registered_name, disk->disk_name, sizeof disk->disk_name);
    disk->added = 1;
    /* a native driver's tag set belongs to no glue: its requests need no
     * lookup of one (a lock and a hash probe each) */
    disk->isolated = cdn_glue_owner_of(disk->queue->tag_set) != NULL;
    list_unlink(&unregistered, disk);
    disk->next = disks;
    disks = disk;
    cdn_rqring_attach(disk);
    return 0;
}

void del_gendisk(struct gendisk *disk)
{
    if (!disk || !list_unlink(&disks, disk))
        return;
    disk->added = 0;
    cdn_rqring_detach(disk);
    disk->next = unregistered;
    unregistered = disk;
}

int cdn_blk_release_orphans(void *owner)
{
    int n = 0;
    for (struct gendisk *d = disks, *next; d; d = next) {
        next = d->next;
        if (d->orphaned && d->orphan_owner == owner) {
            del_gendisk(d);
            put_disk(d); /* frees it, with its media */
            n++;
        }
    }
    return n;
}

/* Makes sure the chunk table covers index, allocating it on first use;
 * -1 if index is beyond the capacity (or out of memory). */
static int media_slot(struct gendisk *disk, u32 index)
{
    u64 bytes = disk->capacity << SECTOR_SHIFT;
    u64 chunks = (bytes + CDN_BLK_MEDIA_CHUNK - 1) / CDN_BLK_MEDIA_CHUNK;
    if (index >= chunks || chunks > (1u << 20))
        return -1;
    if (!disk->media) {
        disk->media = calloc(chunks, sizeof *disk->media);
        disk->media_ref = calloc(chunks, sizeof *disk->media_ref);
        if (!disk->media || !disk->media_ref) {
            free(disk->media);
            free(disk->media_ref);
            disk->media = NULL;
            disk->media_ref = NULL;
            return -1;
        }
        disk->media_chunks = (u32)chunks;
    }
    if (index >= disk->media_chunks)
        return -1; /* the capacity grew after the table was made: not supported */
    return 0;
}

u64 cdn_blk_media_chunk(struct gendisk *disk, u32 index, bool alloc)
{
    if (!disk || media_slot(disk, index) != 0)
        return 0;
    if (!disk->media[index] && alloc) {
        cdn_href ref;
        void *p;
        /* host-owned, in its driver's heap (no other domain maps it): a
         * driver's death does not reclaim it */
        if (cdn_heap_alloc(disk->heap, CDN_HEAP_HOST, CDN_BLK_MEDIA_CHUNK, &ref, &p) != 0)
            return 0;
        memset(p, 0, CDN_BLK_MEDIA_CHUNK);
        disk->media[index] = p;
        disk->media_ref[index] = ref;
    }
    return disk->media[index] ? disk->media_ref[index] : 0;
}

void *cdn_blk_media(struct gendisk *disk, u32 index, bool alloc)
{
    if (!disk || !cdn_blk_media_chunk(disk, index, alloc))
        return NULL;
    return disk->media[index];
}

static void media_free(struct gendisk *disk)
{
    for (u32 i = 0; disk->media && i < disk->media_chunks; i++)
        if (disk->media[i])
            cdn_heap_free(disk->heap, disk->media_ref[i], CDN_HEAP_HOST);
    free(disk->media);
    free(disk->media_ref);
    disk->media = NULL;
    disk->media_ref = NULL;
    disk->media_chunks = 0;
}

/* The disk is not added here (put_disk refuses an added one, add_disk one
 * waiting to be freed), so it has no ring; and nothing holds it, so no
 * request is in flight to it (each holds its disk: rq_async.c). */
static void disk_free_now(struct gendisk *disk)
{
    media_free(disk);
    list_unlink(&unregistered, disk);
    cdn_glue_forget_everywhere(&disk->queue->hctx);
    cdn_glue_forget_everywhere(disk->queue);
    cdn_glue_forget_everywhere(disk);
    free(disk->queue);
    free(disk);
}

/*
 * Synchronous I/O holds a reference on its disk from the first try to the
 * last (cdn_blk_run_sync): the driver it calls is not trusted to leave the
 * disk alone - it may del_gendisk and put_disk from inside queue_rq - and
 * the core reads the disk after each try. A put meanwhile only marks it;
 * the last reference frees it. Clients hold the same reference
 * (cdn_blk_disk_get/put), as the net core's dev_hold/dev_put.
 */
static void disk_call_begin(struct gendisk *disk)
{
    disk->refcnt++;
}

static int disk_call_end(struct gendisk *disk)
{
    if (--disk->refcnt == 0 && disk->free_on_return) {
        disk_free_now(disk);
        return 0;
    }
    return 1;
}

void cdn_blk_disk_get(struct gendisk *disk)
{
    if (disk)
        disk_call_begin(disk);
}

void cdn_blk_disk_put(struct gendisk *disk)
{
    if (disk && disk->refcnt > 0)
        disk_call_end(disk);
}

void put_disk(struct gendisk *disk)
{
    if (!disk)
        return;
    if (disk->added) {
        /* del_gendisk first, as Linux requires; a driver that does not is
         * told, and the disk stays (its clients still hold it) */
        cdn_kstats.disk_bad_puts++;
        printk(KERN_ERR "%s: put_disk on a disk still added; ignored\n", disk->disk_name);
        return;
    }
    if (disk->refcnt) {
        disk->free_on_return = 1;
        return;
    }
    disk_free_now(disk);
}

void set_capacity(struct gendisk *disk, u64 sectors)
{
    disk->capacity = sectors;
}

void blk_mq_end_request(struct request *rq, blk_status_t error)
{
    if (!rq)
        return;
    if (rq->completed) {
        cdn_kstats.blk_double_completions++;
        printk(KERN_ERR "blk: request at sector %llu completed twice; ignored\n",
               (unsigned long long)rq->sector);
        return;
    }
    rq->status = error;
    rq->completed = 1;
}

struct gendisk *cdn_blk_disk_by_name(const char *name)
{
    for (struct gendisk *d = disks; d; d = d->next)
        if (strcmp(d->disk_name, name) == 0)
            return d;
    return NULL;
}

/* The data buffer is the host's again (whoever the driver gave it to). */
void cdn_blk_return_to_host(struct cdn_heap *heap, cdn_href ref)
{
    uint32_t owner;
    if (cdn_heap_owner(heap, ref, &owner) == 0 && owner != CDN_HEAP_HOST)
        cdn_heap_move(heap, ref, owner, CDN_HEAP_HOST);
}

/* One pass of a request through the driver; 1 if it completed with
 * BLK_STS_OK. The data buffer is the host's again when this returns. */
static int issue(struct gendisk *disk, struct request *rq, cdn_href ref)
{
    struct cdn_heap *heap = disk->heap;
    struct request_queue *q = disk->queue;
    rq->completed = 0;
    rq->status = 0;
    rq->busy = 0;
    struct blk_mq_queue_data bd = {.rq = rq, .last = true};
    blk_status_t sts = q->tag_set->ops->queue_rq(&q->hctx, &bd);
    if (!rq->completed) {
        if (blk_sts_busy(sts)) {
            rq->busy = 1; /* "try later": the caller waits and sends it again */
        } else {
            /* anything else without a completion is a driver that lost
             * the request (or died) */
            cdn_kstats.blk_not_completed++;
            printk(KERN_ERR "%s: request at sector %llu never completed (queue_rq returned %u)\n",
                   disk->disk_name, (unsigned long long)rq->sector, (unsigned)sts);
        }
    }
    if (disk->isolated) {
        /* what only a crossing makes: a handle for rq, its buffer lent */
        cdn_glue_forget_everywhere(rq);
        cdn_blk_return_to_host(heap, ref);
    }
    return rq->completed && rq->status == BLK_STS_OK;
}

/* blk-mq's BLK_MQ_RESOURCE_DELAY: how long a request its driver called busy
 * waits before it goes to the driver again. */
#define BUSY_DELAY_NS 3000000LL

int cdn_blk_busy_wait(struct request *rq, int64_t budget_ns, struct cdn_async *rt,
                      int64_t *waited_at)
{
    int64_t now = cdn_now_ns();
    if (!rq->busy_until)
        rq->busy_until = now + (budget_ns > 0 ? budget_ns : CDN_BLK_BUSY_BUDGET_NS);
    if (now >= rq->busy_until) {
        printk(KERN_ERR "blk: request at sector %llu still busy; failed\n",
               (unsigned long long)rq->sector);
        return 0;
    }
    cdn_kstats.blk_busy_retries++;
    if (!waited_at || now - *waited_at >= BUSY_DELAY_NS) {
        cdn_async_sleep(rt, BUSY_DELAY_NS);
        if (waited_at)
            *waited_at = cdn_now_ns();
    }
    return 1;
}

/* The busy budget and the runtime to wait on for drv (NULL: native). */
static int64_t busy_budget(const struct cdn_driver *drv)
{
    return drv ? drv->policy.call_timeout_ns : 0;
}

static struct cdn_async *busy_rt(const struct cdn_driver *drv)
{
    return drv && drv->rt && cdn_async_in_fiber(drv->rt) ? drv->rt : NULL;
}

/*
 * Runs rq through its disk's driver and waits for the end; 1 if it ended
 * with BLK_STS_OK. The data buffer is the host's again when this returns.
 * A request in flight when its driver fails is issued again, once, to the
 * restarted driver: reads and writes of whole blocks are idempotent, and
 * the caller has not been told anything yet, so no acknowledged write is
 * lost and no read returns another request's data. A write goes again only
 * if `wbuf` holds its bytes (the failed driver may have scribbled on the
 * shared buffer); without it a lost write fails. For a read, `wbuf` (if
 * given) is what the buffer holds before each try.
 */
static int cdn_blk_run_tries(struct gendisk *disk, struct request *rq, cdn_href ref,
                             const void *wbuf)
{
    struct cdn_heap *heap = disk->heap;
    int ok = 0;
    for (int attempt = 0; attempt < 2 && !ok; attempt++) {
        if (attempt > 0 && (rq->op == REQ_OP_WRITE && !wbuf))
            break;
        if (attempt > 0 && disk->orphaned)
            cdn_core_wait_driver(disk->orphan_owner);
        if (wbuf)
            memcpy(rq->data, wbuf, rq->nr_bytes); /* again: the failed driver may have written */
        if (disk->rqr) {
            struct cdn_driver *drv = cdn_rqring_driver(disk);
            ok = cdn_rqring_issue(disk, rq);
            cdn_blk_return_to_host(heap, ref);
            if (!ok && rq->busy) {
                if (!cdn_blk_busy_wait(rq, busy_budget(drv), busy_rt(drv), NULL))
                    break; /* busy for too long: it fails */
                attempt--; /* not a retry: the driver did not take it */
                continue;
            }
            if (ok || !rq->lost)
                break; /* the driver answered: its error stands */
            /* It went away without answering: the supervisor decides. */
            if (cdn_driver_check(drv) != CDN_OK)
                break; /* down by policy: fail */
            cdn_kstats.blk_retried++;
            continue;
        }
        /* g stays valid until the checks below: a restart run by another
         * fiber waits until no call is in progress in the old glue before it
         * destroys it, and nothing between our call's return and these
         * reads yields (fibers are cooperative). */
        struct cdn_glue *g = disk->isolated ? cdn_glue_owner_of(disk->queue->tag_set) : NULL;
        ok = issue(disk, rq, ref);
        if (!ok && rq->busy) {
            struct cdn_driver *drv = g ? cdn_core_driver_of(g) : NULL;
            if (!cdn_blk_busy_wait(rq, busy_budget(drv), busy_rt(drv), NULL))
                break; /* busy for too long: it fails */
            attempt--; /* not a retry: the driver did not take it */
            continue;
        }
        if (ok || !g)
            break;
        if (!cdn_core_crossing_status(cdn_glue_last_error(g)))
            break; /* the driver answered: its error stands */
        if (!cdn_core_crossing_failed(g))
            break; /* down by policy: fail */
        cdn_kstats.blk_retried++;
    }
    return ok;
}

/* cdn_blk_run_tries with the disk held throughout (disk_call_begin). */
int cdn_blk_run_sync(struct gendisk *disk, struct request *rq, cdn_href ref, const void *wbuf)
{
    rq->busy_until = 0;
    disk_call_begin(disk);
    int ok = cdn_blk_run_tries(disk, rq, ref, wbuf);
    disk_call_end(disk);
    return ok;
}

int cdn_blk_rw(struct gendisk *disk, int op, u64 sector, u32 bytes, void *buf)
{
    if (!disk || !disk->added || (op != REQ_OP_READ && op != REQ_OP_WRITE) || bytes == 0 ||
        bytes > CDN_HEAP_CHUNK || bytes % 512)
        return -EINVAL;
    if (disk->orphaned)
        cdn_core_wait_driver(disk->orphan_owner); /* by policy: wait for a restart, or not */
    /* The request lives as long as this call: no domain can name it after
     * (its handle is forgotten, its ring number taken back, before we return). */
    struct request rq_store;
    memset(&rq_store, 0, sizeof rq_store);
    struct request *rq = &rq_store;
    cdn_href ref;
    void *data;
    struct cdn_heap *heap = disk->heap; /* the driver may free disk during the call */
    if (cdn_heap_alloc(heap, CDN_HEAP_HOST, bytes, &ref, &data) != 0)
        return -ENOMEM;
    rq->sector = sector;
    rq->nr_bytes = bytes;
    rq->op = (u8)op;
    rq->data = data;
    rq->q = disk->queue;
    /* A read starts from the caller's bytes too: a driver that leaves the
     * buffer alone (null_blk without memory_backed) gives the caller back
     * its own bytes, as Linux reads into the caller's page - never what an
     * earlier request, perhaps another client's, left in this heap memory. */
    int ok = cdn_blk_run_sync(disk, rq, ref, buf);
    if (ok && op == REQ_OP_READ)
        memcpy(buf, data, bytes);
    cdn_kstats.blk_requests++;
    cdn_heap_free(heap, ref, CDN_HEAP_HOST);
    return ok ? 0 : -EIO;
}

int cdn_blk_disk_live(const struct gendisk *disk)
{
    for (struct gendisk *d = disks; d; d = d->next)
        if (d == disk)
            return 1;
    return 0;
}

void cdn_blk_rings_idle(void)
{
    /* a post may serve the driver's requests, a del_gendisk and put of
     * this disk among them: held, its successor read after, and from the
     * top again if it left the list (as cdn_net_rings_idle) */
    for (struct gendisk *d = disks, *next; d; d = next) {
        disk_call_begin(d);
        if (d->rqr)
            cdn_rqring_idle(d);
        next = d->added ? d->next : disks;
        disk_call_end(d);
    }
}

/* The block subsystem's part in a driver's life (subsys.h). */
static int blk_init(void)
{
    cdn_blk_reset();
    return 0;
}

static const struct cdn_subsys blk_subsys = {
    .name = "block",
    .init = blk_init,
    .orphan = cdn_blk_orphan,
    .release_orphans = cdn_blk_release_orphans,
    .rings_reclaim = cdn_blk_rings_reclaim,
    .rings_idle = cdn_blk_rings_idle,
    .done_rpc = CDN_RPC_RQRING_DONE,
    .done = cdn_rqring_done,
};
CDN_SUBSYS(blk_subsys);
