/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linux/blk-mq.h as the kernel half of null_blk's glue sees it: the
 * driver's view of the block layer, the structs null_blk.idl projects and
 * no more. tests/kernel/run.sh puts this file beside the generated host
 * glue, so the IDL's `include "linux/blk-mq.h"` finds it before Linux's.
 *
 * Why not Linux's own: in Linux a request's data lives in bios and pages
 * and a disk's capacity in its block device; the driver (the same
 * null_blk.c as on the user-space host) reads rq->data, rq->sector and
 * disk->capacity. These objects are the glue's, kept on the host for the
 * driver's handles; the real tag set and gendisk are cordon.ko's
 * (kmod/blk.c), made from what the driver asked for here, and requests
 * reach the driver through the request ring, never through these structs.
 */
#ifndef CORDON_KMOD_NULL_BLK_VIEW_H
#define CORDON_KMOD_NULL_BLK_VIEW_H

#include <linux/types.h>

struct blk_mq_hw_ctx;
struct blk_mq_queue_data;

struct blk_mq_ops {
	u8 (*queue_rq)(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd);
};

struct blk_mq_tag_set {
	const struct blk_mq_ops *ops;
	unsigned int nr_hw_queues;
	unsigned int queue_depth;
	int numa_node;
	unsigned int cmd_size;
	unsigned int flags;
};

struct request_queue {
	struct blk_mq_tag_set *tag_set;
};

struct blk_mq_hw_ctx {
	struct request_queue *queue;
	unsigned int queue_num;
};

struct gendisk {
	char disk_name[32];
	int major;
	int first_minor;
	u64 capacity; /* 512-byte sectors */
	struct request_queue *queue;
	/* the host's own (not projected) */
	void *chan; /* the struct cordon_blkchan whose driver made it */
};

struct request {
	u64 sector;
	u32 nr_bytes;
	u8 op;
	unsigned char *data;
};

struct blk_mq_queue_data {
	struct request *rq;
	bool last;
};

/* The host functions null_blk.idl names (drivers/block/kmod/null_blk_kmod.c). */
int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set);
void blk_mq_free_tag_set(struct blk_mq_tag_set *set);
struct gendisk *cdn_blk_mq_alloc_disk(struct blk_mq_tag_set *set);
int add_disk(struct gendisk *disk);
void del_gendisk(struct gendisk *disk);
void put_disk(struct gendisk *disk);
void set_capacity(struct gendisk *disk, u64 sectors);
void blk_mq_end_request(struct request *rq, u8 error);
void cdn_kernel_log(const char *msg);
u64 cdn_blk_media_chunk(struct gendisk *disk, u32 index, bool alloc);

#endif
