/*
 * blk.c - the host's block core: tag sets, disks, and synchronous I/O through
 * a driver's queue_rq (the load generator's path), with the checks a host
 * needs against a driver that misbehaves: requests never completed or
 * completed twice, out-of-range status values.
 */
#include <stdio.h>

#include "../core/core_impl.h"
#include "cordon/glue.h"
#include "linux/blk-mq.h"

static struct gendisk *disks;

void cdn_blk_reset(void)
{
    disks = NULL;
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
    return disk;
}

int add_disk(struct gendisk *disk)
{
    if (!disk || disk->added || !disk->disk_name[0])
        return -EINVAL;
    disk->added = 1;
    disk->next = disks;
    disks = disk;
    return 0;
}

void del_gendisk(struct gendisk *disk)
{
    for (struct gendisk **p = &disks; *p; p = &(*p)->next)
        if (*p == disk) {
            *p = disk->next;
            disk->added = 0;
            return;
        }
}

void put_disk(struct gendisk *disk)
{
    if (!disk)
        return;
    del_gendisk(disk);
    cdn_glue_forget_everywhere(&disk->queue->hctx);
    cdn_glue_forget_everywhere(disk->queue);
    cdn_glue_forget_everywhere(disk);
    free(disk->queue);
    free(disk);
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

int cdn_blk_rw(struct gendisk *disk, int op, u64 sector, u32 bytes, void *buf)
{
    if (!disk || !disk->added || (op != REQ_OP_READ && op != REQ_OP_WRITE) || bytes == 0 ||
        bytes > CDN_HEAP_MAX_OBJ || bytes % 512)
        return -EINVAL;
    struct request_queue *q = disk->queue;
    struct request *rq = calloc(1, sizeof *rq);
    if (!rq)
        return -ENOMEM;
    cdn_href ref;
    void *data;
    if (cdn_heap_alloc(cdn_kernel_heap(), CDN_HEAP_HOST, bytes, &ref, &data) != 0) {
        free(rq);
        return -ENOMEM;
    }
    rq->sector = sector;
    rq->nr_bytes = bytes;
    rq->op = (u8)op;
    rq->data = data;
    rq->q = q;
    if (op == REQ_OP_WRITE)
        memcpy(data, buf, bytes);
    struct blk_mq_queue_data bd = {.rq = rq, .last = true};
    blk_status_t sts = q->tag_set->ops->queue_rq(&q->hctx, &bd);
    int err = 0;
    if (!rq->completed) {
        /* BLK_STS_RESOURCE/busy means "try later"; anything else without a
         * completion is a driver that lost the request (or died). */
        cdn_kstats.blk_not_completed++;
        printk(KERN_ERR "%s: request at sector %llu never completed (queue_rq returned %u)\n",
               disk->disk_name, (unsigned long long)sector, (unsigned)sts);
        err = -EIO;
    } else if (rq->status != BLK_STS_OK) {
        err = -EIO;
    } else if (op == REQ_OP_READ) {
        memcpy(buf, data, bytes);
    }
    cdn_kstats.blk_requests++;
    cdn_glue_forget_everywhere(rq);
    uint32_t owner;
    if (cdn_heap_owner(cdn_kernel_heap(), ref, &owner) == 0 && owner != CDN_HEAP_HOST)
        cdn_heap_move(cdn_kernel_heap(), ref, owner, CDN_HEAP_HOST);
    cdn_heap_free(cdn_kernel_heap(), ref, CDN_HEAP_HOST);
    free(rq);
    return err;
}
