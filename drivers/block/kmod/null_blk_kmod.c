// SPDX-License-Identifier: GPL-2.0
/*
 * null_blk_kmod.c - null_blk isolated with the kernel as host: its
 * kernel-side glue module, cordon_null_blk.ko. The glue is cordon-idlc's
 * host side of null_blk.idl, compiled against the driver's view of blk-mq
 * (linux/blk-mq.h beside this file); the host functions below record what
 * the driver asks for, and cordon.ko's block host (kmod/blk.c) makes the
 * real disk from it. The driver itself (drivers/block/null_blk.c, the same
 * file the user-space host runs) lives in a domain.
 */
#include <linux/module.h>

#include "cordon_blk.h"
#include "cordon_service.h"
#include "null_blk_host.h"

/* The channel whose driver owns the tag set (its ops table is the glue's
 * shadow), or NULL. */
static struct cordon_blkchan *chan_of_set(struct blk_mq_tag_set *set)
{
	return set && set->ops ? cordon_blk_chan_of(cdn_glue_owner_of(set->ops)) : NULL;
}

int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)
{
	struct cordon_blkchan *bc = chan_of_set(set);

	return bc ? cordon_blk_want_depth(bc, set->queue_depth) : -EINVAL;
}

/* The real tag set is the host's, and lives as long as its disk. */
void blk_mq_free_tag_set(struct blk_mq_tag_set *set)
{
}

struct gendisk *cdn_blk_mq_alloc_disk(struct blk_mq_tag_set *set)
{
	struct cordon_blkchan *bc = chan_of_set(set);
	struct gendisk *disk = bc ? cordon_blk_view_alloc(bc, sizeof(*disk)) : NULL;
	struct request_queue *q = disk ? cordon_blk_view_alloc(bc, sizeof(*q)) : NULL;

	if (!q)
		return NULL; /* (a view already made stays with the channel) */
	q->tag_set = set;
	disk->queue = q;
	disk->chan = bc;
	return disk;
}

int add_disk(struct gendisk *disk)
{
	if (!disk || !disk->chan)
		return -EINVAL;
	return cordon_blk_want_disk(disk->chan, disk, disk->disk_name, disk->capacity);
}

/* The host deletes the real disk before it runs the driver's exit. */
void del_gendisk(struct gendisk *disk)
{
}

/* The views go with the channel. */
void put_disk(struct gendisk *disk)
{
}

void set_capacity(struct gendisk *disk, u64 sectors)
{
	if (disk)
		disk->capacity = sectors;
}

/* Requests reach the driver through the request ring and end there; the
 * glue refuses a request handle here before this runs (the domain has
 * none), so a call is never honoured. */
void blk_mq_end_request(struct request *rq, u8 error)
{
}

u64 cdn_blk_media_chunk(struct gendisk *disk, u32 index, bool alloc)
{
	return disk && disk->chan ? cordon_blk_media(disk->chan, index, alloc) : 0;
}

/* The driver's printk lines: sanitised, rate-limited (cordon.ko). */
void cdn_kernel_log(const char *msg)
{
	cordon_domain_log("null_blk", msg);
}

static struct cordon_blk_driver null_blk_isolated = {
	.name = "null_blk",
	.service = CORDON_SERVICE_NULL_BLK,
	.owner = THIS_MODULE,
	.host_init = null_blk_host_init,
	.dispatch = null_blk_host_dispatch,
	.check_glue = null_blk_host_check,
	.call_init = null_blk_call_null_init,
	.call_exit = null_blk_call_null_exit,
};

static int __init null_blk_kmod_init(void)
{
	return cordon_blk_register(&null_blk_isolated);
}

static void __exit null_blk_kmod_exit(void)
{
	cordon_blk_unregister(&null_blk_isolated);
}

module_init(null_blk_kmod_init);
module_exit(null_blk_kmod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cordon: null_blk, isolated in a user-space domain");
