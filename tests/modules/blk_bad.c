/*
 * blk_bad.c - a block driver that misbehaves on purpose, behind the glue of
 * drivers/block/null_blk.idl. The request's sector picks the fault:
 *   1000  never complete the request
 *   2000  complete it twice
 *   3000  complete it with an out-of-range status (77)
 *   4000  put_disk its disk while it is still added, then complete
 *   5000  complete, then del_gendisk and put_disk its disk from inside
 *         queue_rq (the host is in the middle of the I/O)
 *   6000  "busy, try later" (BLK_STS_RESOURCE, not ended) twice, then
 *         complete it: blk-mq's contract, which the host must honour
 *   7000  busy every time (BLK_STS_DEV_RESOURCE)
 *   else  complete it (no data kept)
 * It serves the request ring too (the host's driver descriptor decides
 * which path its requests take).
 */
#include <linux/blk-mq.h>
#include <linux/module.h>

#include "driver_module.h"
#include "rings.h"
#include "null_blk_domain.h"

static struct blk_mq_tag_set set;
static struct gendisk *disk;

static blk_status_t bad_queue_rq(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd)
{
    (void)hctx;
    struct request *rq = bd->rq;
    switch (blk_rq_pos(rq)) {
    case 1000:
        return BLK_STS_OK; /* forgot to complete */
    case 2000:
        blk_mq_end_request(rq, BLK_STS_OK);
        blk_mq_end_request(rq, BLK_STS_OK); /* our shadow is gone: refused by the host */
        return BLK_STS_OK;
    case 3000:
        blk_mq_end_request(rq, 77);
        return BLK_STS_OK;
    case 4000:
        put_disk(disk); /* still added: the host must refuse */
        blk_mq_end_request(rq, BLK_STS_OK);
        return BLK_STS_OK;
    case 6000: {
        static int busy_left = 2;
        if (busy_left > 0) {
            busy_left--;
            return BLK_STS_RESOURCE;
        }
        busy_left = 2; /* the next request at 6000 starts over */
        blk_mq_end_request(rq, BLK_STS_OK);
        return BLK_STS_OK;
    }
    case 7000:
        return BLK_STS_DEV_RESOURCE;
    case 5000:
        blk_mq_end_request(rq, BLK_STS_OK);
        del_gendisk(disk);
        put_disk(disk);
        disk = NULL;
        return BLK_STS_OK;
    default:
        if (rq->data && req_op(rq) == REQ_OP_READ)
            memset(rq->data, 0xab, blk_rq_bytes(rq));
        blk_mq_end_request(rq, BLK_STS_OK);
        return BLK_STS_OK;
    }
}

static const struct blk_mq_ops bad_ops = {.queue_rq = bad_queue_rq};

int null_init(void)
{
    set.ops = &bad_ops;
    set.nr_hw_queues = 1;
    set.queue_depth = 8;
    if (blk_mq_alloc_tag_set(&set))
        return -EINVAL;
    disk = blk_mq_alloc_disk(&set, NULL);
    if (!disk)
        return -ENOMEM;
    snprintf(disk->disk_name, sizeof disk->disk_name, "badb0");
    set_capacity(disk, 8192);
    return add_disk(disk);
}

void null_exit(void)
{
    if (disk) {
        del_gendisk(disk);
        put_disk(disk);
    }
    blk_mq_free_tag_set(&set);
}

static void blk_bad_rings(struct cdn_glue *g)
{
    cdn_dom_rqring_setup(g, null_blk_TYPE_gendisk);
}

CDN_DRIVER_MODULE_RINGS(blk_bad, null_blk_domain_init, null_blk_domain_dispatch, blk_bad_rings);
