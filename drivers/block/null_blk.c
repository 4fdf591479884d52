// SPDX-License-Identifier: MIT
/*
 * null_blk.c - a null block device, written for cordon in the style of
 * Linux's drivers/block/null_blk: requests complete at once; in the
 * memory-backed mode written data is kept and read back. Where Linux's
 * null_blk keeps pages of its own, this one stores into the device's memory
 * (cdn_blk_media), which the host keeps: it behaves like a disk whose
 * contents survive a crash of its driver. The same source runs natively or
 * isolated (null_blk.idl).
 */
#include <linux/blk-mq.h>
#include <linux/module.h>

#define NULLB_PAGE CDN_BLK_MEDIA_CHUNK

static unsigned long long nr_sectors = (64ull << 20) >> SECTOR_SHIFT; /* 64 MiB */
static bool memory_backed = true;
module_param(memory_backed, bool, 0444);
MODULE_PARM_DESC(memory_backed, "Keep written data and read it back (default: true)");

static unsigned int hw_queue_depth = 64;
module_param(hw_queue_depth, uint, 0444);
MODULE_PARM_DESC(hw_queue_depth, "Queue depth for each hardware queue (default: 64)");

struct nullb {
    struct blk_mq_tag_set tag_set;
    struct gendisk *disk;
};

static struct nullb *the_nullb;

/* The store's page idx (a chunk of the device's memory), made on first write. */
static unsigned char *nullb_page(struct nullb *nb, u64 idx, bool alloc)
{
    return cdn_blk_media(nb->disk, (u32)idx, alloc);
}

/* Copies between the request's data and the store, page by page. */
static blk_status_t null_transfer(struct nullb *nb, struct request *rq)
{
    u64 pos = blk_rq_pos(rq) << SECTOR_SHIFT;
    unsigned int done = 0, len = blk_rq_bytes(rq);
    if (pos + len > (get_capacity(nb->disk) << SECTOR_SHIFT) || !rq->data)
        return BLK_STS_IOERR;
    while (done < len) {
        u64 at = pos + done;
        unsigned int off = (unsigned int)(at % NULLB_PAGE);
        unsigned int n = NULLB_PAGE - off < len - done ? NULLB_PAGE - off : len - done;
        bool write = req_op(rq) == REQ_OP_WRITE;
        unsigned char *page = nullb_page(nb, at / NULLB_PAGE, write);
        if (write) {
            if (!page)
                return BLK_STS_RESOURCE;
            memcpy(page + off, rq->data + done, n);
        } else if (page) {
            memcpy(rq->data + done, page + off, n);
        } else {
            memset(rq->data + done, 0, n); /* never written: zeros */
        }
        done += n;
    }
    return BLK_STS_OK;
}

static blk_status_t null_queue_rq(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd)
{
    struct request *rq = bd->rq;
    struct nullb *nb = hctx->queue->queuedata;
    blk_status_t sts = BLK_STS_OK;

    blk_mq_start_request(rq);
    if (memory_backed && req_op(rq) != REQ_OP_FLUSH)
        sts = null_transfer(nb, rq);
    blk_mq_end_request(rq, sts);
    return BLK_STS_OK;
}

static const struct blk_mq_ops null_mq_ops = {
    .queue_rq = null_queue_rq,
};

int __init null_init(void)
{
    struct nullb *nb = kzalloc(sizeof *nb, GFP_KERNEL);
    int err;

    if (!nb)
        return -ENOMEM;
    nb->tag_set.ops = &null_mq_ops;
    nb->tag_set.nr_hw_queues = 1;
    nb->tag_set.queue_depth = hw_queue_depth;
    nb->tag_set.numa_node = -1;
    nb->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
    nb->tag_set.driver_data = nb;
    err = blk_mq_alloc_tag_set(&nb->tag_set);
    if (err)
        goto out_free;
    nb->disk = blk_mq_alloc_disk(&nb->tag_set, nb);
    if (!nb->disk) {
        err = -ENOMEM;
        goto out_tags;
    }
    /* cordon's block core numbers it (nullb0, nullb1, ...: a driver loaded
     * twice cannot count its instances itself) */
    snprintf(nb->disk->disk_name, sizeof nb->disk->disk_name, "nullb%%d");
    set_capacity(nb->disk, nr_sectors);
    err = add_disk(nb->disk);
    if (err)
        goto out_disk;
    the_nullb = nb;
    pr_info("null_blk: disk %s created (%llu sectors, %s)\n", nb->disk->disk_name,
            (unsigned long long)nr_sectors, memory_backed ? "memory backed" : "no store");
    return 0;

out_disk:
    put_disk(nb->disk);
out_tags:
    blk_mq_free_tag_set(&nb->tag_set);
out_free:
    kfree(nb);
    return err;
}

void __exit null_exit(void)
{
    struct nullb *nb = the_nullb;
    if (!nb)
        return;
    del_gendisk(nb->disk);
    put_disk(nb->disk);
    blk_mq_free_tag_set(&nb->tag_set);
    kfree(nb);
    the_nullb = NULL;
}

module_init(null_init);
module_exit(null_exit);
MODULE_LICENSE("MIT");
