// SPDX-License-Identifier: GPL-2.0
/*
 * blk.c - isolated block drivers with the kernel as host (cordon_blk.h).
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
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/ctype.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "cordon.h"
#include "cordon_blk.h"
#include "cordon/heap.h"
#include "cordon_rings.h"
#include "../src/ipc/endpoint.h"

#define BLK_MAX_SECTORS	 128u			 /* 64 KiB a request: one heap chunk */
#define BLK_POLL	 (HZ / 50 ? HZ / 50 : 1) /* the thread looks at the channel this often */
#define BLK_POLL_NS	 (20LL * NSEC_PER_MSEC)
#define BLK_DEADLINE_NS	 (3LL * NSEC_PER_SEC) /* a request in flight longer: domain given up */
#define BLK_BUSY_MAX	 1000		      /* "busy" answers before a request fails */
#define BLK_GRACE	 (10 * HZ)	      /* an orphan waits this long for a new domain */
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

static DEFINE_IDA(blk_units);

/* ---- the view functions' side (cordon_blk.h) ---- */

struct cordon_blkchan *cordon_blk_chan_of(struct cdn_glue *g)
{
	return g ? cdn_glue_user(g) : NULL;
}
EXPORT_SYMBOL_GPL(cordon_blk_chan_of);

void cordon_blk_protocol_error(struct cordon_blkchan *bc)
{
	if (bc)
		bc->count.protocol_errors++;
}
EXPORT_SYMBOL_GPL(cordon_blk_protocol_error);

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

/* A name pattern the host accepts: [a-z0-9_-], with exactly one "%d". */
static bool pattern_ok(const char *p)
{
	int i, holes = 0;

	for (i = 0; p[i]; i++) {
		if (p[i] == '%') {
			if (p[i + 1] != 'd')
				return false;
			holes++;
			i++;
		} else if (!islower(p[i]) && !isdigit(p[i]) && p[i] != '_' && p[i] != '-') {
			return false;
		}
	}
	return holes == 1 && i < DISK_NAME_LEN - 8;
}

int cordon_blk_want_disk(struct cordon_blkchan *bc, void *view, const char *pattern, u64 sectors)
{
	char p[DISK_NAME_LEN];

	if (!bc || !view || bc->view || !bc->depth)
		return -EINVAL; /* once, after a tag set */
	if (strscpy(p, pattern, sizeof(p)) < 0 || !pattern_ok(p))
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

/* ---- the block layer's side ---- */

static blk_status_t blk_queue_rq(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *qd)
{
	struct cordon_blkdisk *bd = hctx->queue->queuedata;
	struct request *rq = qd->rq;
	struct blk_pdu *pdu = blk_mq_rq_to_pdu(rq);
	struct cordon_blkchan *bc;

	if (req_op(rq) != REQ_OP_READ && req_op(rq) != REQ_OP_WRITE)
		return BLK_STS_NOTSUPP;
	if (blk_rq_bytes(rq) > BLK_MAX_SECTORS << SECTOR_SHIFT || !blk_rq_bytes(rq))
		return BLK_STS_IOERR;
	spin_lock(&bd->lock);
	if (bd->state == BLK_FAILING) {
		spin_unlock(&bd->lock);
		return BLK_STS_IOERR;
	}
	bc = bd->chan;
	if (bd->state != BLK_LIVE || !bc) { /* between domains: the queue stops soon */
		spin_unlock(&bd->lock);
		return BLK_STS_RESOURCE;
	}
	if (!pdu->first_ns) {
		pdu->first_ns = ktime_get_ns();
		pdu->busy = 0;
	}
	blk_mq_start_request(rq);
	list_add_tail(&rq->queuelist, &bd->pending);
	spin_unlock(&bd->lock);
	cordon_chan_kick(bc->c); /* the thread may sleep on the channel's bell */
	return BLK_STS_OK;
}

/* The host watches deadlines itself (the thread): the block layer's timer
 * only restarts. */
static enum blk_eh_timer_return blk_timeout(struct request *rq)
{
	return BLK_EH_RESET_TIMER;
}

static int blk_init_request(struct blk_mq_tag_set *set, struct request *rq, unsigned int hctx_idx,
			    unsigned int numa_node)
{
	memset(blk_mq_rq_to_pdu(rq), 0, sizeof(struct blk_pdu));
	return 0;
}

static const struct blk_mq_ops blk_ops = {
	.queue_rq = blk_queue_rq,
	.timeout = blk_timeout,
	.init_request = blk_init_request,
};

static const struct block_device_operations blk_fops = {
	.owner = THIS_MODULE,
};

/* ---- the ring ---- */

static void copy_in(struct request *rq, u8 *dst)
{
	struct req_iterator it;
	struct bio_vec bv;

	rq_for_each_segment(bv, rq, it)
	{
		memcpy_from_bvec((char *)dst, &bv);
		dst += bv.bv_len;
	}
}

static void copy_out(struct request *rq, const u8 *src)
{
	struct req_iterator it;
	struct bio_vec bv;

	rq_for_each_segment(bv, rq, it)
	{
		memcpy_to_bvec(&bv, (const char *)src);
		src += bv.bv_len;
	}
}

/* Ends rq as the block layer expects, after the fact that it is no longer
 * in any table of ours. */
static void end_rq(struct request *rq, blk_status_t st)
{
	memset(blk_mq_rq_to_pdu(rq), 0, sizeof(struct blk_pdu));
	blk_mq_end_request(rq, st);
}

static void requeue_rq(struct request *rq, bool delay)
{
	blk_mq_requeue_request(rq, false);
	if (delay)
		blk_mq_delay_kick_requeue_list(rq->q, 3);
}

/*
 * Moves up to one batch of pending requests into slots and posts it. The
 * buffers are allocated and filled under ring_mutex; the post (the glue's
 * lock) is not, so the order is the completion path's. Returns the number
 * posted, 0 if nothing was, -EIO if the post failed (the domain is gone).
 */
static int post_batch(struct cordon_blkchan *bc)
{
	struct cordon_blkdisk *bd = bc->bd;
	struct cdn_rqring_desc *d = bc->msg.d;
	struct request *rq;
	u32 first, n = 0;
	int st;

	bc->starved = false;
	mutex_lock(&bd->ring_mutex);
	first = bd->next_seq;
	while (n < CDN_RING_BATCH_MAX && bd->in_flight < CDN_RING_SLOTS) {
		struct blk_slot *sl = &bd->slot[(first + n) % CDN_RING_SLOTS];
		void *p;
		cdn_href ref;

		if (sl->rq)
			break; /* an older request still holds this slot */
		spin_lock(&bd->lock);
		rq = list_first_entry_or_null(&bd->pending, struct request, queuelist);
		if (rq)
			list_del_init(&rq->queuelist);
		spin_unlock(&bd->lock);
		if (!rq)
			break;
		if (cdn_heap_alloc(bc->heap, CDN_HEAP_HOST, blk_rq_bytes(rq), &ref, &p) != CDN_OK) {
			if (!bd->in_flight && !n) { /* nothing will free any: it fails */
				bc->count.failed++;
				end_rq(rq, BLK_STS_IOERR);
				continue;
			}
			spin_lock(&bd->lock); /* it waits for completions to free buffers */
			list_add(&rq->queuelist, &bd->pending);
			spin_unlock(&bd->lock);
			bc->starved = true;
			break;
		}
		if (rq_data_dir(rq) == WRITE)
			copy_in(rq, p);
		sl->rq = rq;
		sl->buf = p;
		sl->ref = ref;
		sl->seq = first + n;
		sl->posted_ns = ktime_get_ns();
		memset(&d[n], 0, sizeof(d[n]));
		d[n].sector = blk_rq_pos(rq);
		d[n].data_off = (u32)((u8 *)p - bc->heap_base);
		d[n].nr_bytes = blk_rq_bytes(rq);
		d[n].op = rq_data_dir(rq) == WRITE ? 1 : 0;
		bd->in_flight++;
		n++;
	}
	bd->next_seq = first + n;
	mutex_unlock(&bd->ring_mutex);
	if (!n)
		return 0;
	d[n - 1].last = 1;
	bc->msg.hdr.ref = cdn_glue_ref_of(bc->g, bc->view);
	bc->msg.hdr.first_seq = first;
	bc->msg.hdr.count = (u16)n;
	bc->msg.hdr.flags = 0;
	st = cdn_glue_post(bc->g, CDN_RPC_RQRING, &bc->msg,
			   sizeof(bc->msg.hdr) + n * sizeof(struct cdn_rqring_desc));
	if (st != CDN_OK) {
		/* never left: the requests stay in their slots, and the
		 * fence that follows gives them back */
		return -EIO;
	}
	bc->count.posted += n;
	return (int)n;
}

/* Takes request seq out of its slot, if it is in flight under that number. */
static struct request *take_slot(struct cordon_blkdisk *bd, u32 seq, struct blk_slot *out)
{
	struct blk_slot *sl = &bd->slot[seq % CDN_RING_SLOTS];
	struct request *rq = sl->rq;

	if (!rq || sl->seq != seq)
		return NULL;
	*out = *sl;
	sl->rq = NULL;
	bd->in_flight--;
	return rq;
}

/* One completion (a run's member, status from the run) or verdict. */
static int complete_one(struct cordon_blkchan *bc, struct cordon_blkdisk *bd, u32 seq, s32 status,
			bool verdict)
{
	struct blk_slot sl;
	struct request *rq;
	struct blk_pdu *pdu;

	mutex_lock(&bd->ring_mutex);
	rq = take_slot(bd, seq, &sl);
	if (rq && status == BLK_STS_OK && rq_data_dir(rq) == READ)
		copy_out(rq, sl.buf); /* the buffer's bytes read once, into the pages */
	if (rq)
		cdn_heap_free(bc->heap, sl.ref, CDN_HEAP_HOST);
	mutex_unlock(&bd->ring_mutex);
	if (!rq) {
		bc->count.protocol_errors++;
		return CDN_EBADH;
	}
	pdu = blk_mq_rq_to_pdu(rq);
	if (verdict && (status == BLK_STS_RESOURCE || status == BLK_STS_DEV_RESOURCE) &&
	    ++pdu->busy < BLK_BUSY_MAX && ktime_get_ns() - pdu->first_ns < (u64)BLK_DEADLINE_NS) {
		bc->count.requeued++; /* "busy": the block layer sends it again */
		requeue_rq(rq, true);
		return CDN_OK;
	}
	if (status == BLK_STS_OK) {
		bc->count.completed++;
		end_rq(rq, BLK_STS_OK);
	} else {
		/* whatever the domain says, the block layer sees an I/O error */
		bc->count.failed++;
		end_rq(rq, BLK_STS_IOERR);
	}
	return CDN_OK;
}

/* CDN_RPC_RQRING_DONE, under the glue's lock. */
static int take_completions(struct cordon_blkchan *bc, const void *buf, u32 len)
{
	struct cdn_ring_done_hdr hdr;
	const u8 *runs, *verdicts;
	int st = cdn_ring_done_parse(buf, len, &hdr, &runs, &verdicts), first_err = CDN_OK;
	struct cordon_blkdisk *bd = bc->bd;
	u32 i, k;

	if (st != CDN_OK || !bd) {
		bc->count.protocol_errors++;
		return st != CDN_OK ? st : CDN_ESTATE;
	}
	for (i = 0; i < hdr.nruns; i++) {
		struct cdn_ring_run r;

		memcpy(&r, runs + i * sizeof(r), sizeof(r)); /* the domain's: copied, then read */
		if (r.count == 0 || r.count > CDN_RING_SLOTS) {
			bc->count.protocol_errors++;
			first_err = first_err ?: CDN_EPROTO;
			continue;
		}
		for (k = 0; k < r.count; k++) {
			st = complete_one(bc, bd, r.first_seq + k, r.status, false);
			first_err = first_err ?: st;
		}
	}
	for (i = 0; i < hdr.nverdicts; i++) {
		struct cdn_ring_verdict v;

		memcpy(&v, verdicts + i * sizeof(v), sizeof(v));
		st = complete_one(bc, bd, v.seq, v.value ? v.value : BLK_STS_IOERR, true);
		first_err = first_err ?: st;
	}
	return first_err;
}

static int blk_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
	struct cdn_glue *g = arg;
	struct cordon_blkchan *bc = cdn_glue_user(g);

	if (req->rpc_id == CDN_RPC_HELLO) { /* the launcher's handshake: this host takes it */
		WRITE_ONCE(bc->hello, true);
		return CDN_OK;
	}
	if (req->rpc_id == CDN_RPC_RQRING_DONE)
		return take_completions(bc, req->ext_len ? req->ext : req->data,
					req->ext_len ? req->ext_len : req->inline_len);
	if (cdn_rpc_is_ring(req->rpc_id)) {
		bc->count.protocol_errors++; /* the host's own ring ids: never from a domain */
		return CDN_EPROTO;
	}
	return bc->svc->drv->dispatch(g, req, rep);
}

/* ---- orphans and fences ---- */

/* A disk that waited BLK_GRACE for a new domain fails its I/O from now on
 * (its queue runs again, and queue_rq fails each request at once). */
static void orphan_expired(struct work_struct *w)
{
	struct cordon_blkdisk *bd = container_of(w, struct cordon_blkdisk, orphan_work.work);
	bool run = false;

	mutex_lock(&bd->svc->lock);
	spin_lock(&bd->lock);
	if (bd->state == BLK_ORPHAN) {
		bd->state = BLK_FAILING;
		run = bd->quiesced;
		bd->quiesced = false;
	}
	spin_unlock(&bd->lock);
	mutex_unlock(&bd->svc->lock);
	if (run) {
		blk_mq_unquiesce_queue(bd->disk->queue);
		blk_mq_kick_requeue_list(bd->disk->queue);
	}
}

/* Copies every stored chunk out of the channel's heap (ring_mutex held). */
static void park_media(struct cordon_blkdisk *bd, struct cordon_blkchan *bc)
{
	u32 i;

	for (i = 0; i < bd->nchunks; i++) {
		struct blk_chunk *ch = &bd->media[i];

		if (!ch->p)
			continue;
		ch->parked = kvmalloc(CORDON_BLK_MEDIA_CHUNK, GFP_KERNEL);
		if (ch->parked)
			memcpy(ch->parked, ch->p, CORDON_BLK_MEDIA_CHUNK);
		else
			pr_err("cordon: %s: out of memory parking the device's memory\n", bd->name);
		cdn_heap_free(bc->heap, ch->ref, CDN_HEAP_HOST);
		ch->p = NULL;
		ch->ref = 0;
	}
}

/*
 * The host gives up on bc's domain (it died, hung, or broke the protocol):
 * nothing more is taken from it, its disk's queue stops, the requests it
 * held go back to the block layer (to run again on the next domain), and
 * the device's memory is parked. A disk being deleted fails them instead.
 * Runs in the thread, or at stop once the thread has ended.
 */
static void fence(struct cordon_blkchan *bc, const char *why)
{
	struct cordon_blkdisk *bd = bc->bd;
	struct request *rq, *tmp;
	LIST_HEAD(back);
	LIST_HEAD(held);
	u32 i;

	if (!bd)
		return;
	cdn_ep_mark_dead(bc->c->ep); /* every call and post to it fails at once */
	bc->fenced = true;
	strscpy(bc->fence_reason, why, sizeof(bc->fence_reason));
	bc->count.fences++;
	spin_lock(&bd->lock);
	bd->chan = NULL;
	bd->state = bd->deleting ? BLK_FAILING : BLK_ORPHAN;
	spin_unlock(&bd->lock);
	if (!bd->deleting && !bd->quiesced) {
		blk_mq_quiesce_queue(bd->disk->queue); /* queue_rq in progress has returned */
		bd->quiesced = true;
	}
	spin_lock(&bd->lock);
	list_splice_init(&bd->pending, &back);
	spin_unlock(&bd->lock);
	mutex_lock(&bd->ring_mutex);
	for (i = 0; i < CDN_RING_SLOTS; i++) {
		struct blk_slot *sl = &bd->slot[i];

		if (!sl->rq)
			continue;
		cdn_heap_free(bc->heap, sl->ref, CDN_HEAP_HOST);
		list_add_tail(&sl->rq->queuelist, &held);
		sl->rq = NULL;
	}
	bd->in_flight = 0;
	park_media(bd, bc);
	mutex_unlock(&bd->ring_mutex);
	list_for_each_entry_safe(rq, tmp, &held, queuelist)
	{ /* the domain had these */
		struct blk_pdu *pdu = blk_mq_rq_to_pdu(rq);

		if (++pdu->lost >= BLK_TRIES) {
			list_del_init(&rq->queuelist);
			bc->count.failed++;
			end_rq(rq, BLK_STS_IOERR);
		}
	}
	list_splice_tail_init(&held, &back);
	list_for_each_entry_safe(rq, tmp, &back, queuelist)
	{
		list_del_init(&rq->queuelist);
		if (bd->deleting) {
			bc->count.failed++;
			end_rq(rq, BLK_STS_IOERR);
		} else {
			bc->count.requeued++;
			((struct blk_pdu *)blk_mq_rq_to_pdu(rq))->first_ns =
				0; /* a new domain, a new count */
			requeue_rq(rq, false);
		}
	}
	bc->bd = NULL;
	if (!bd->deleting)
		schedule_delayed_work(&bd->orphan_work, BLK_GRACE);
	pr_info("cordon: %s: domain given up (%s); the disk waits for the next one\n", bd->name,
		why);
}

/* Why the thread should give up on its domain, or NULL. */
static const char *watch(struct cordon_blkchan *bc)
{
	struct cordon_blkdisk *bd = bc->bd;
	u64 now = ktime_get_ns();
	const char *why = NULL;
	u32 i;

	if (cdn_ep_broken(bc->c->ep))
		return "the channel broke the protocol";
	if (cdn_ep_marked_dead(bc->c->ep))
		return "the channel is dead";
	mutex_lock(&bd->ring_mutex);
	for (i = 0; i < CDN_RING_SLOTS && !why; i++)
		if (bd->slot[i].rq && now - bd->slot[i].posted_ns > (u64)BLK_DEADLINE_NS) {
			why = "a request outlived its deadline";
			pr_info("cordon: %s: request %u (sector %llu, %u bytes, %s) outlived its "
				"deadline; %u in flight, next %u\n",
				bd->name, bd->slot[i].seq, (u64)blk_rq_pos(bd->slot[i].rq),
				blk_rq_bytes(bd->slot[i].rq),
				rq_data_dir(bd->slot[i].rq) == WRITE ? "write" : "read",
				bd->in_flight, bd->next_seq);
		}
	mutex_unlock(&bd->ring_mutex);
	return why;
}

static bool work_waiting(struct cordon_blkchan *bc)
{
	struct cordon_blkdisk *bd = READ_ONCE(bc->bd);

	return bd && !list_empty_careful(&bd->pending);
}

/*
 * The channel's one server once the driver's init is done: posts what
 * queue_rq queued, takes completions and the driver's calls, and watches
 * the domain. It sleeps on the channel's bell, so the domain's messages
 * and queue_rq's kick both wake it.
 */
static int blk_thread(void *arg)
{
	struct cordon_blkchan *bc = arg;

	while (!kthread_should_stop()) {
		const char *why;

		cordon_chan_kick_arm(bc->c);
		if (bc->fenced || !bc->bd) /* given up; or before init, when calls need the glue */
			schedule_timeout_interruptible(BLK_POLL);
		else if (!work_waiting(bc) || bc->starved)
			cdn_glue_wait(bc->g, BLK_POLL_NS);
		if (!bc->bd) {
			cdn_glue_poll(bc->g); /* the handshake, the driver's log lines */
			continue;
		}
		while (bc->bd && post_batch(bc) > 0) {
			cdn_glue_poll(bc->g); /* completions free slots for the next batch */
			cond_resched();
		}
		cdn_glue_poll(bc->g);
		why = bc->bd ? watch(bc) : NULL;
		if (why)
			fence(bc, why);
	}
	return 0;
}

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
	INIT_DELAYED_WORK(&bd->orphan_work, orphan_expired);
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
	bd->set.ops = &blk_ops;
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
	disk->fops = &blk_fops;
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
		park_media(bd, bc); /* frees the chunks from the heap; the copies go below */
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
	cdn_glue_set_dispatch(bc->g, blk_dispatch);
	bc->thread = kthread_run(blk_thread, bc, "cordon-%s", svc->drv->name);
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
		fence(bc, "the domain's channel was closed");
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
