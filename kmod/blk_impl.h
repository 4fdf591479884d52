/* SPDX-License-Identifier: GPL-2.0 */
/*
 * blk_impl.h - the block host's private declarations (blk.c: the service,
 * its disks and the driver's requests of them; blk_ring.c: the request
 * path, fences and the channel's thread). The invariants are blk.c's.
 */
#ifndef CORDON_BLK_IMPL_H
#define CORDON_BLK_IMPL_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/workqueue.h>

#include "cordon.h"
#include "cordon_blk.h"
#include "cordon/heap.h"
#include "cordon_rings.h"

#define BLK_MAX_SECTORS	 128u			/* 64 KiB a request: one heap chunk */
#define BLK_POLL_NS	 (20LL * NSEC_PER_MSEC) /* the thread looks at the channel this often */
#define BLK_DEADLINE_NS	 (3LL * NSEC_PER_SEC)	/* a request in flight longer: domain given up */
#define BLK_BUSY_MAX	 1000			/* "busy" answers before a request fails */
#define BLK_GRACE	 (10 * HZ)		/* an orphan waits this long for a new domain */
#define BLK_GLUE_TIMEOUT (2LL * NSEC_PER_SEC)
#define BLK_MAX_CHUNKS	 16384u	    /* 1 GiB of device memory */
#define BLK_IO_RESERVE	 (8u << 20) /* of a domain's heap, never given to device memory */

struct blk_service {
	struct cordon_service s;
	struct cordon_blk_driver *drv;
	struct mutex lock;	/* disks, and a disk's claim by a channel */
	struct list_head disks; /* struct cordon_blkdisk */
};

struct blk_pdu { /* per request, in the block layer's allocation */
	u64 first_ns;
	u32 busy;
	u32 lost; /* times a domain was given up while it held the request */
};

/* A request a given-up domain held goes to the next one once; held by a
 * second one that fails, it fails (a request that kills every driver it
 * meets must not kill them forever). Whole-block reads and writes are
 * idempotent and the caller was told nothing, so running one again loses
 * no acknowledged write. */
#define BLK_TRIES 2

struct blk_slot {
	struct request *rq; /* NULL: free */
	void *buf;
	cdn_href ref;
	u32 seq;
	u64 posted_ns;
};

struct blk_chunk {
	void *p; /* in the attached channel's heap */
	cdn_href ref;
	void *parked; /* private copy while no domain serves the disk */
};

enum blk_state { BLK_LIVE, BLK_ORPHAN, BLK_CLAIMED, BLK_FAILING };

struct cordon_blkdisk {
	struct list_head node; /* in svc->disks while it may be claimed */
	struct blk_service *svc;
	struct blk_mq_tag_set set;
	struct gendisk *disk;
	char name[DISK_NAME_LEN];
	u64 sectors;
	int unit;
	spinlock_t lock;	     /* chan, state, pending */
	struct cordon_blkchan *chan; /* the domain serving it, or NULL */
	enum blk_state state;
	bool quiesced, deleting;
	struct list_head pending; /* started, not yet posted (rq->queuelist) */
	struct mutex ring_mutex;  /* slot[], next_seq, in_flight, media */
	struct blk_slot slot[CDN_RING_SLOTS];
	u32 next_seq, in_flight;
	struct blk_chunk *media;
	u32 nchunks;
	u32 media_stored, media_max; /* chunks stored (in the heap or parked), and the most */
	size_t heap_size;	     /* the heap it was made with: a new domain's is no smaller */
	struct delayed_work orphan_work;
};

struct cordon_blkchan {
	struct blk_service *svc;
	struct cordon_chan *c;
	struct cdn_glue *g;
	struct cdn_heap *heap;
	u8 *heap_base;
	struct task_struct *thread;
	bool hello;
	struct cordon_blkdisk *bd; /* the disk it serves (the thread's to change) */
	/* what the driver's init asked for */
	u32 depth;
	void *view;
	char pattern[DISK_NAME_LEN];
	u64 sectors;
	bool fenced;
	bool starved; /* the last post found no heap for a request's buffer */
	char fence_reason[64];
	void *views[CORDON_BLK_VIEWS];
	struct cordon_blk_stats count;
	struct {
		struct cdn_ring_batch_hdr hdr;
		struct cdn_rqring_desc d[CDN_RING_BATCH_MAX];
	} msg;
};

/* blk_ring.c */
extern const struct blk_mq_ops cordon_blk_ops;
extern const struct block_device_operations cordon_blk_fops;
int cordon_blk_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep);
int cordon_blk_thread(void *arg);
void cordon_blk_fence(struct cordon_blkchan *bc, const char *why);
void cordon_blk_park_media(struct cordon_blkdisk *bd, struct cordon_blkchan *bc);
void cordon_blk_orphan_expired(struct work_struct *w);

#endif
