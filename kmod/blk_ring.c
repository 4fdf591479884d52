// SPDX-License-Identifier: GPL-2.0
/*
 * blk_ring.c - the block host's request path (blk_impl.h): queue_rq, the
 * request ring's host half (posting, completions), fences, and the thread
 * that serves a block driver's channel. blk.c states the invariants.
 */
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/slab.h>

#include "blk_impl.h"
#include "../src/ipc/endpoint.h"

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

const struct blk_mq_ops cordon_blk_ops = {
	.queue_rq = blk_queue_rq,
	.timeout = blk_timeout,
	.init_request = blk_init_request,
};

const struct block_device_operations cordon_blk_fops = {
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

struct done_ctx {
	struct cordon_blkchan *bc;
	struct cordon_blkdisk *bd;
};

static int blk_run_done(void *arg, const struct cdn_ring_run *r)
{
	struct done_ctx *c = arg;
	int st, first_err = CDN_OK;
	u32 k;

	for (k = 0; k < r->count; k++) {
		st = complete_one(c->bc, c->bd, r->first_seq + k, r->status, false);
		first_err = first_err ?: st;
	}
	return first_err;
}

static int blk_verdict(void *arg, const struct cdn_ring_verdict *v)
{
	struct done_ctx *c = arg;

	return complete_one(c->bc, c->bd, v->seq, v->value ? v->value : BLK_STS_IOERR, true);
}

/* (Any run status: the block layer is told OK or an I/O error.) */
static const struct cdn_ring_done_walker blk_walker = {
	.run = blk_run_done,
	.verdict = blk_verdict,
};

/* CDN_RPC_RQRING_DONE, under the glue's lock. */
static int take_completions(struct cordon_blkchan *bc, const void *buf, u32 len)
{
	struct cdn_ring_done_hdr hdr;
	const u8 *runs, *verdicts;
	int st = cdn_ring_done_parse(buf, len, &hdr, &runs, &verdicts);
	struct done_ctx c = {bc, bc->bd};
	u32 bad = 0;

	if (st != CDN_OK || !c.bd) {
		bc->count.protocol_errors++;
		return st != CDN_OK ? st : CDN_ESTATE;
	}
	st = cdn_ring_done_walk(&hdr, runs, verdicts, &blk_walker, &c, &bad);
	bc->count.protocol_errors += bad;
	return st;
}

int cordon_blk_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
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
void cordon_blk_orphan_expired(struct work_struct *w)
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
void cordon_blk_park_media(struct cordon_blkdisk *bd, struct cordon_blkchan *bc)
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
void cordon_blk_fence(struct cordon_blkchan *bc, const char *why)
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
	cordon_blk_park_media(bd, bc);
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

	if (cordon_chan_domain_gone(bc->c))
		return "the domain's process is gone";
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
int cordon_blk_thread(void *arg)
{
	struct cordon_blkchan *bc = arg;

	while (!kthread_should_stop()) {
		const char *why;

		cordon_chan_kick_arm(bc->c);
		if (bc->fenced || !bc->bd) /* given up; or before init, when calls need the glue */
			schedule_timeout_interruptible(max(1UL, nsecs_to_jiffies(BLK_POLL_NS)));
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
			cordon_blk_fence(bc, why);
	}
	return 0;
}
