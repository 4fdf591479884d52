/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cordon_blk.h - an isolated block driver with the kernel as host. A
 * driver's glue module (drivers/block/kmod/NAME_kmod.c with cordon-idlc's
 * host glue for NAME.idl) describes the driver; cordon.ko's block host
 * (blk.c) owns the real disk:
 *   - the driver's init runs in its domain, through the glue; what it asks
 *     of the block layer (a tag set, a disk, its capacity, add_disk) is
 *     recorded by the glue module's host functions through the calls
 *     below, and the host makes the real tag set and gendisk once the init
 *     has returned (Linux's blocking calls never run inside a glue call);
 *   - requests go through the request ring (cordon_rings.h): the disk's
 *     queue_rq queues them, a kernel thread copies a write's data into a
 *     buffer of the domain's heap and posts batches, and completions end
 *     the real requests (a read's data copied out once);
 *   - the disk outlives its domain: when the domain dies or is given up
 *     (a request past its deadline, a protocol violation), the queue is
 *     quiesced, the requests it held are requeued, the device's memory is
 *     parked in the host, and the next domain of the same service takes
 *     the disk over (ublk's user recovery, for a driver in a domain).
 *
 * This header names no block-layer type: the glue module's side of it is
 * compiled against the driver's view of blk-mq (its IDL's projections),
 * not Linux's.
 */
#ifndef CORDON_BLK_H
#define CORDON_BLK_H

#include <linux/types.h>

#include "cordon/glue.h"
#include "cordon/kabi.h"

struct cordon_blk_driver {
	const char *name;
	u32 service; /* the service id its domains ask for */
	struct module *owner;
	void (*host_init)(struct cdn_glue *g); /* the generated NAME_host_init */
	cdn_handler_fn dispatch;	       /* NAME_host_dispatch */
	int (*check_glue)(struct cdn_glue *g); /* NAME_host_check */
	int32_t (*call_init)(struct cdn_glue *g);
	void (*call_exit)(struct cdn_glue *g);
	void *registered; /* blk.c's: the service, while registered */
};

int cordon_blk_register(struct cordon_blk_driver *d);
/* Deletes the disks the service still has (orphaned ones included). */
void cordon_blk_unregister(struct cordon_blk_driver *d);

/*
 * For the glue module's host functions, during the driver's init (in the
 * glue's dispatch, on the channel of glue g). Each checks what it is given;
 * a domain that asks twice, or out of order, is refused.
 */
struct cordon_blkchan;
struct cordon_blkchan *cordon_blk_chan_of(struct cdn_glue *g);
/* Zeroed memory for one of the driver's view objects (its disk, its
 * queue), freed when the channel ends; at most CORDON_BLK_VIEWS a channel,
 * then NULL. */
#define CORDON_BLK_VIEWS 8
void *cordon_blk_view_alloc(struct cordon_blkchan *bc, size_t size);
/* blk_mq_alloc_tag_set: the queue depth the driver wants (clamped to the
 * ring's slots). */
int cordon_blk_want_depth(struct cordon_blkchan *bc, u32 depth);
/* add_disk: the disk the driver made (view: its glue object, named in the
 * request ring's batches), its name pattern (at most one %d, which the
 * host numbers) and capacity in 512-byte sectors. 0 or -errno. */
int cordon_blk_want_disk(struct cordon_blkchan *bc, void *view, const char *pattern, u64 sectors);
/* cdn_blk_media_chunk: the shared-heap reference of the device's memory
 * chunk index (CORDON_BLK_MEDIA_CHUNK bytes), made on first use when
 * alloc; 0 if out of range, not stored and !alloc, or out of memory. */
#define CORDON_BLK_MEDIA_CHUNK 65536u
u64 cordon_blk_media(struct cordon_blkchan *bc, u32 index, bool alloc);

#endif
