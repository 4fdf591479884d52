// SPDX-License-Identifier: GPL-2.0
/*
 * blk.c - isolated block drivers with the kernel as host (cordon_blk.h):
 * the service, what the driver's init asks for, the disks it makes and takes
 * over, the commands. The request path is blk_ring.c.
 *
 * Two objects. A cordon_blkdisk is the real disk: Linux's tag set and
 * gendisk, the request ring's host half (pending requests, the slots of
 * those in flight), the device's memory. A cordon_blkchan is one domain
 * serving it: the glue on a channel, its heap, the thread that posts and
 * completes. A disk outlives its domains; a domain serves at most one disk.
 *
 * A request's life: queue_rq (may not sleep) starts it and puts it on the
 * disk's pending list; the thread moves it into a slot, copies a write's
 * data into a buffer of the domain's heap and posts a batch; the domain's
 * completion names the slot's sequence number; the thread copies a read's
 * data out of the buffer (once, into the request's pages), frees the buffer
 * and ends the request. The domain never sees a kernel pointer or a page
 * of the request: only its buffer, for as long as the request is in flight.
 *
 * Invariants:
 *   - slot[seq % CDN_RING_SLOTS] holds request seq while it is in flight,
 *     with its number: a completion for any other number (never posted,
 *     completed already, a stale lap) is refused and counted, never
 *     applied. A slot is reused only once it is empty.
 *   - a disk's chan, state and pending list are under its spinlock; the
 *     slots and the media table under ring_mutex (sleepable contexts only:
 *     the heap's lock sleeps). Lock order: the glue's lock, then
 *     ring_mutex, then the spinlock; svc->lock is never taken inside any.
 *   - media[i].p is in the heap of the channel attached to the disk, or
 *     NULL; when the disk is orphaned every stored chunk is copied into
 *     private memory first (media[i].parked), so no acknowledged write
 *     depends on a dead domain's heap.
 *   - every request the block layer gave the disk is in exactly one place:
 *     pending, a slot, or back with the block layer (ended or requeued).
 *   - what the host spends on a domain is bounded: the slots (256), a
 *     request's size (64 KiB), its time in flight (BLK_DEADLINE_NS, then
 *     the domain is given up), "busy" answers per request (BLK_BUSY_MAX),
 *     tries per request (BLK_TRIES), a glue call (2 s), an orphan's wait
 *     for a new domain (BLK_GRACE), view objects (CORDON_BLK_VIEWS).
 *   - device memory never takes the heap's last BLK_IO_RESERVE bytes
 *     (media_stored <= media_max counts parked chunks too, so a new domain
 *     with a heap no smaller can always take every chunk back); a request
 *     that finds no heap for its buffer waits for completions, or fails at
 *     once when none is in flight.
 */
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "blk_impl.h"
#include "../src/ipc/endpoint.h"

static DEFINE_IDA(blk_units);

/* ---- the view functions' side (cordon_blk.h) ---- */

struct cordon_blkchan *cordon_blk_chan_of(struct cdn_glue *g)
{
	return g ? cdn_glue_user(g) : NULL;
}
EXPORT_SYMBOL_GPL(cordon_blk_chan_of);

void *cordon_blk_view_alloc(struct cordon_blkchan *bc, size_t size)
{
	int i;

	for (i = 0; bc && i < CORDON_BLK_VIEWS; i++)
		if (!bc->views[i])
			return bc->views[i] = kzalloc(size, GFP_KERNEL);
	return NULL;
}
EXPORT_SYMBOL_GPL(cordon_blk_view_alloc);

int cordon_blk_want_depth(struct cordon_blkchan *bc, u32 depth)
{
	if (!bc || !depth)
		return -EINVAL;
	bc->depth = min_t(u32, depth, CDN_RING_SLOTS);
	return 0;
}
EXPORT_SYMBOL_GPL(cordon_blk_want_depth);

int cordon_blk_want_disk(struct cordon_blkchan *bc, void *view, const char *pattern, u64 sectors)
{
	char p[DISK_NAME_LEN];

	if (!bc || !view || bc->view || !bc->depth)
		return -EINVAL; /* once, after a tag set */
	if (strscpy(p, pattern, sizeof(p)) < 0 || !cordon_name_pattern_ok(p, sizeof(p), true))
		return -EINVAL;
	if (!sectors || sectors > (u64)BLK_MAX_CHUNKS * (CORDON_BLK_MEDIA_CHUNK >> SECTOR_SHIFT))
		return -EINVAL;
	bc->view = view;
	memcpy(bc->pattern, p, sizeof(p));
	bc->sectors = sectors;
	return 0;
}
EXPORT_SYMBOL_GPL(cordon_blk_want_disk);

u64 cordon_blk_media(struct cordon_blkchan *bc, u32 index, bool alloc)
{
	struct cordon_blkdisk *bd = bc ? READ_ONCE(bc->bd) : NULL;
	struct blk_chunk *ch;
	u64 ref = 0;

	if (!bd || index >= bd->nchunks)
		return 0;
	mutex_lock(&bd->ring_mutex);
	ch = &bd->media[index];
	/* a new chunk only within the media's share of the heap (requests'
	 * buffers keep the rest); a parked one always comes back (every
	 * stored chunk fits that share of a heap no smaller) */
	if (!ch->p && (ch->parked || (alloc && bd->media_stored < bd->media_max))) {
		void *p;
		cdn_href r;

		if (cdn_heap_alloc(bc->heap, CDN_HEAP_HOST, CORDON_BLK_MEDIA_CHUNK, &r, &p) ==
		    CDN_OK) {
			if (ch->parked) {
				memcpy(p, ch->parked, CORDON_BLK_MEDIA_CHUNK);
				kvfree(ch->parked);
				ch->parked = NULL;
			} else {
				memset(p, 0, CORDON_BLK_MEDIA_CHUNK);
				bd->media_stored++;
			}
			ch->p = p;
			ch->ref = r;
		}
	}
	if (ch->p)
		ref = ch->ref;
	mutex_unlock(&bd->ring_mutex);
	return ref;
}
EXPORT_SYMBOL_GPL(cordon_blk_media);

/* ---- a disk's making, taking over and deletion ---- */

static void disk_free(struct cordon_blkdisk *bd)
{
	u32 i;

	cancel_delayed_work_sync(&bd->orphan_work);
	if (bd->disk)
		put_disk(bd->disk);
	blk_mq_free_tag_set(&bd->set);
	for (i = 0; bd->media && i < bd->nchunks; i++)
		kvfree(bd->media[i].parked); /* (chunks in a heap were parked or freed) */
	kvfree(bd->media);
	if (bd->unit >= 0)
		ida_free(&blk_units, bd->unit);
	kfree(bd);
}

/* The name the driver's pattern gives unit. */
static void disk_name(char *out, const char *pattern, int unit)
{
	const char *hole = strstr(pattern, "%d");

	snprintf(out, DISK_NAME_LEN, "%.*s%d%s", (int)(hole - pattern), pattern, unit, hole + 2);
}

/* A new disk, as bc's driver asked; attached to bc, added. */
static int disk_make(struct cordon_blkchan *bc)
{
	struct cordon_blkdisk *bd = kzalloc(sizeof(*bd), GFP_KERNEL);
	struct gendisk *disk;
	int err;

	if (!bd)
		return -ENOMEM;
	bd->svc = bc->svc;
	bd->unit = -1;
	spin_lock_init(&bd->lock);
	mutex_init(&bd->ring_mutex);
	INIT_LIST_HEAD(&bd->pending);
	INIT_LIST_HEAD(&bd->node);
	INIT_DELAYED_WORK(&bd->orphan_work, cordon_blk_orphan_expired);
	bd->sectors = bc->sectors;
	bd->heap_size = cdn_heap_size(bc->heap);
	bd->media_max = bd->heap_size > BLK_IO_RESERVE
				? (u32)((bd->heap_size - BLK_IO_RESERVE) / CORDON_BLK_MEDIA_CHUNK)
				: 0;
	bd->nchunks = DIV_ROUND_UP(bc->sectors << SECTOR_SHIFT, CORDON_BLK_MEDIA_CHUNK);
	bd->media = kvcalloc(bd->nchunks, sizeof(*bd->media), GFP_KERNEL);
	err = -ENOMEM;
	if (!bd->media)
		goto free;
	bd->unit = ida_alloc_max(&blk_units, 9999, GFP_KERNEL);
	if (bd->unit < 0) {
		err = bd->unit;
		goto free;
	}
	disk_name(bd->name, bc->pattern, bd->unit);
	bd->set.ops = &cordon_blk_ops;
	bd->set.nr_hw_queues = 1;
	bd->set.queue_depth = bc->depth;
	bd->set.numa_node = NUMA_NO_NODE;
	bd->set.cmd_size = sizeof(struct blk_pdu);
	bd->set.flags = BLK_MQ_F_SHOULD_MERGE;
	bd->set.driver_data = bd;
	bd->set.timeout = 30 * HZ;
	err = blk_mq_alloc_tag_set(&bd->set);
	if (err)
		goto free;
	disk = blk_mq_alloc_disk(&bd->set, bd);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto free;
	}
	bd->disk = disk;
	disk->fops = &cordon_blk_fops;
	disk->private_data = bd;
	strscpy(disk->disk_name, bd->name, DISK_NAME_LEN);
	set_capacity(disk, bd->sectors);
	blk_queue_logical_block_size(disk->queue, SECTOR_SIZE);
	blk_queue_max_hw_sectors(disk->queue, BLK_MAX_SECTORS);
	blk_queue_max_segment_size(disk->queue, BLK_MAX_SECTORS << SECTOR_SHIFT);
	bd->state = BLK_LIVE;
	bd->chan = bc;
	WRITE_ONCE(bc->bd, bd);
	err = add_disk(disk); /* may read the partition table: the thread serves it */
	if (err) {
		WRITE_ONCE(bc->bd, NULL);
		goto free;
	}
	mutex_lock(&bc->svc->lock);
	list_add_tail(&bd->node, &bc->svc->disks);
	mutex_unlock(&bc->svc->lock);
	return 0;
free:
	disk_free(bd);
	return err;
}

/* Claims the orphaned disk called name of bc's service for bc, or NULL:
 * only the supervisor of the domain that served it names it, so a
 * restarted driver never takes another driver's disk. */
static struct cordon_blkdisk *claim_orphan(struct cordon_blkchan *bc, const char *name)
{
	struct cordon_blkdisk *bd, *found = NULL;

	mutex_lock(&bc->svc->lock);
	list_for_each_entry(bd, &bc->svc->disks, node)
	{
		if (strcmp(bd->name, name) != 0)
			continue;
		spin_lock(&bd->lock);
		if (!bd->chan && (bd->state == BLK_ORPHAN || bd->state == BLK_FAILING)) {
			bd->state = BLK_CLAIMED;
			found = bd;
		}
		spin_unlock(&bd->lock);
		if (found)
			break;
	}
	mutex_unlock(&bc->svc->lock);
	return found;
}

/* bc's driver takes over bd: the requests it waits with run again. */
static int disk_reattach(struct cordon_blkchan *bc, struct cordon_blkdisk *bd)
{
	cancel_delayed_work_sync(&bd->orphan_work);
	if (bc->sectors != bd->sectors || cdn_heap_size(bc->heap) < bd->heap_size) {
		/* not the disk this driver would make, or its memory would not fit */
		spin_lock(&bd->lock);
		bd->state = BLK_ORPHAN;
		spin_unlock(&bd->lock);
		schedule_delayed_work(&bd->orphan_work, BLK_GRACE);
		return -EINVAL;
	}
	spin_lock(&bd->lock);
	bd->chan = bc;
	bd->state = BLK_LIVE;
	spin_unlock(&bd->lock);
	WRITE_ONCE(bc->bd, bd);
	if (bd->quiesced) {
		bd->quiesced = false;
		blk_mq_unquiesce_queue(bd->disk->queue);
	}
	blk_mq_kick_requeue_list(bd->disk->queue);
	blk_mq_run_hw_queues(bd->disk->queue, true);
	return 0;
}

/* CORDON_BLK_INIT; buf in: empty (a new disk), or the name of an orphaned
 * disk to take over. */
static long blk_init(struct cordon_blkchan *bc, u8 *buf, u32 len, u32 *out_len)
{
	struct cordon_blk_init out;
	struct cordon_blkdisk *bd = NULL;
	unsigned long until = jiffies + 5 * HZ;
	char claim[DISK_NAME_LEN] = "";
	s32 st;

	if (len > sizeof(claim) - 1)
		return -EINVAL;
	memcpy(claim, buf, len);
	claim[len] = 0;
	if (bc->bd || bc->view || bc->fenced)
		return -EBUSY;
	memset(&out, 0, sizeof(out));
	/* no call before the domain's HELLO: until then it serves nothing */
	while (!READ_ONCE(bc->hello) && time_before(jiffies, until))
		schedule_timeout_interruptible(1);
	st = READ_ONCE(bc->hello) ? bc->svc->drv->check_glue(bc->g) : CDN_ETIMEDOUT;
	if (st == CDN_OK)
		st = bc->svc->drv->call_init(bc->g);
	if (st == CDN_OK && !bc->view)
		st = CDN_ENOENT; /* the driver added no disk */
	if (st == CDN_OK) {
		int err;

		if (claim[0] && !(bd = claim_orphan(bc, claim)))
			err = -ENOENT; /* no orphan of that name */
		else
			err = bd ? disk_reattach(bc, bd) : disk_make(bc);
		if (err)
			st = err; /* the host could not make or take over the disk */
		else
			out.reattached = bd != NULL;
	}
	if (st == CDN_OK)
		strscpy(out.name, bc->bd->name, sizeof(out.name));
	out.status = st;
	memcpy(buf, &out, sizeof(out));
	*out_len = sizeof(out);
	return 0;
}

static long blk_exit(struct cordon_blkchan *bc)
{
	struct cordon_blkdisk *bd = bc->bd;

	if (!bd)
		return -ENODEV;
	mutex_lock(&bc->svc->lock);
	list_del_init(&bd->node); /* no longer anyone's to claim */
	mutex_unlock(&bc->svc->lock);
	WRITE_ONCE(bd->deleting, true);
	del_gendisk(bd->disk); /* drains I/O: the thread serves it, or fences a hung domain */
	cordon_chan_kick(bc->c);
	kthread_stop(bc->thread); /* nothing in flight: from here only this task uses bd */
	bc->thread = NULL;
	spin_lock(&bd->lock);
	bd->chan = NULL;
	bd->state = BLK_FAILING;
	spin_unlock(&bd->lock);
	mutex_lock(&bd->ring_mutex);
	WRITE_ONCE(bc->bd, NULL);
	if (!bc->fenced)
		cordon_blk_park_media(bd,
				      bc); /* frees the chunks from the heap; the copies go below */
	mutex_unlock(&bd->ring_mutex);
	if (!bc->fenced)
		bc->svc->drv->call_exit(bc->g); /* the driver's own teardown */
	disk_free(bd);
	return 0;
}

static long blk_command(struct cordon_chan *c, u32 cmd, u8 *buf, u32 len, u32 *out_len)
{
	struct cordon_blkchan *bc = cordon_chan_data(c);
	struct cordon_blkdisk *bd;

	switch (cmd) {
	case CORDON_BLK_INIT:
		return blk_init(bc, buf, len, out_len);
	case CORDON_BLK_EXIT:
		return blk_exit(bc);
	case CORDON_BLK_STATS:
		bc->count.attached = READ_ONCE(bc->bd) != NULL;
		bc->count.orphaned = 0;
		mutex_lock(&bc->svc->lock);
		list_for_each_entry(bd, &bc->svc->disks, node) bc->count.orphaned +=
			READ_ONCE(bd->chan) == NULL;
		mutex_unlock(&bc->svc->lock);
		memcpy(bc->count.fence_reason, bc->fence_reason, sizeof(bc->fence_reason));
		BUILD_BUG_ON(sizeof(bc->count) > 256);
		memcpy(buf, &bc->count, sizeof(bc->count));
		*out_len = sizeof(bc->count);
		return 0;
	default:
		return -EINVAL;
	}
}

static int blk_start(struct cordon_chan *c)
{
	struct blk_service *svc = container_of(c->service, struct blk_service, s);
	struct cordon_blkchan *bc;
	int err = -ENOMEM;

	if (!c->heap)
		return -EINVAL; /* requests' data travel in the domain's heap */
	bc = kzalloc(sizeof(*bc), GFP_KERNEL);
	if (!bc)
		return -ENOMEM;
	bc->svc = svc;
	bc->c = c;
	bc->heap = c->heap;
	bc->heap_base = cdn_heap_base(c->heap);
	if (cdn_glue_create(CDN_GLUE_HOST, c->ep, &bc->g) != CDN_OK)
		goto free;
	cdn_glue_set_heap(bc->g, c->heap, 1);
	cdn_glue_set_timeout(bc->g, BLK_GLUE_TIMEOUT);
	svc->drv->host_init(bc->g);
	cdn_glue_set_user(bc->g, bc);
	cdn_glue_set_dispatch(bc->g, cordon_blk_dispatch);
	bc->thread = kthread_run(cordon_blk_thread, bc, "cordon-%s", svc->drv->name);
	if (IS_ERR(bc->thread)) {
		err = PTR_ERR(bc->thread);
		goto destroy;
	}
	cordon_chan_set_data(c, bc);
	return 0;
destroy:
	cdn_glue_destroy(bc->g);
free:
	kfree(bc);
	return err;
}

/* The channel's file is gone: the domain is dead or was let go. Its disk,
 * if it still had one, is orphaned for the next domain to take over. */
static void blk_stop(struct cordon_chan *c)
{
	struct cordon_blkchan *bc = cordon_chan_data(c);
	int i;

	if (!bc)
		return;
	cdn_ep_mark_dead(c->ep);
	if (bc->thread) {
		cordon_chan_kick(c);
		kthread_stop(bc->thread);
	}
	if (bc->bd)
		cordon_blk_fence(bc, "the domain's channel was closed");
	cdn_glue_destroy(bc->g);
	for (i = 0; i < CORDON_BLK_VIEWS; i++)
		kfree(bc->views[i]);
	kfree(bc);
}

int cordon_blk_register(struct cordon_blk_driver *d)
{
	struct blk_service *svc;
	int err;

	if (!d || !d->host_init || !d->dispatch || !d->check_glue || !d->call_init || !d->call_exit)
		return -EINVAL;
	svc = kzalloc(sizeof(*svc), GFP_KERNEL);
	if (!svc)
		return -ENOMEM;
	svc->drv = d;
	mutex_init(&svc->lock);
	INIT_LIST_HEAD(&svc->disks);
	svc->s = (struct cordon_service){
		.id = d->service,
		.name = d->name,
		.owner = d->owner,
		.start = blk_start,
		.stop = blk_stop,
		.command = blk_command,
	};
	err = cordon_service_register(&svc->s);
	if (err)
		kfree(svc);
	else
		d->registered = svc;
	return err;
}
EXPORT_SYMBOL_GPL(cordon_blk_register);

/* No channel is open (each holds the owner module): what is left are
 * orphans, deleted here with their I/O failed. */
void cordon_blk_unregister(struct cordon_blk_driver *d)
{
	struct blk_service *svc = d ? d->registered : NULL;
	struct cordon_blkdisk *bd, *tmp;

	if (!svc)
		return;
	cordon_service_unregister(&svc->s);
	list_for_each_entry_safe(bd, tmp, &svc->disks, node)
	{
		list_del_init(&bd->node);
		cancel_delayed_work_sync(&bd->orphan_work);
		spin_lock(&bd->lock);
		bd->state = BLK_FAILING;
		spin_unlock(&bd->lock);
		if (bd->quiesced) {
			bd->quiesced = false;
			blk_mq_unquiesce_queue(bd->disk->queue);
		}
		blk_mq_kick_requeue_list(bd->disk->queue);
		del_gendisk(bd->disk);
		disk_free(bd);
	}
	kfree(svc);
	d->registered = NULL;
}
EXPORT_SYMBOL_GPL(cordon_blk_unregister);
