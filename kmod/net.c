// SPDX-License-Identifier: GPL-2.0
/*
 * net.c - isolated network drivers with the kernel as host (cordon_net.h).
 *
 * One cordon_netdev per channel: the driver's glue on the channel, the
 * device the driver registered, and the transmit ring's host half.
 *
 * Transmit: net_xmit (the device's ndo_start_xmit, with bottom halves off)
 * only queues the skb and wakes the channel's thread. The thread copies each
 * packet into a buffer of the domain's heap, frees the skb, and posts the
 * buffers in batches (cordon_rings.h); the domain's transmit loop
 * (kernel/drvlib/txring.c) runs the driver's ndo_start_xmit on shadows and
 * sends back completions, which free the buffers. Nothing the kernel's
 * transmit path does waits for the domain.
 *
 * Invariants:
 *   - slot[seq % CDN_RING_SLOTS] holds the buffer of packet seq while it is
 *     in flight, and its seq: a completion for any other number (never
 *     posted, already completed, or a stale lap) is refused and counted.
 *   - only the thread touches the heap and the slots (and INIT/EXIT, which
 *     stop it from posting first).
 *   - the device's ops table is the glue's shadow of the driver's; its
 *     ndo_start_xmit and ndo_get_stats64 are replaced by net_xmit and
 *     net_get_stats64 before the device can be brought up.
 */
#include <linux/etherdevice.h>
#include <linux/kthread.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "cordon.h"
#include "cordon_net.h"
#include "cordon/heap.h"
#include "cordon_rings.h"

#define NET_TXQ_MAX	 1024			 /* skbs queued before the stack is told to wait */
#define NET_POLL	 (HZ / 50 ? HZ / 50 : 1) /* the thread looks at the channel this often */
#define NET_STATS_EVERY	 (HZ / 10 ? HZ / 10 : 1) /* and refreshes the counters */
#define NET_GLUE_TIMEOUT (2LL * NSEC_PER_SEC)

struct net_service {
	struct cordon_service s;
	struct cordon_net_driver *drv;
};

struct net_slot {
	cdn_href buf; /* 0: free */
	u32 seq;
};

struct cordon_netdev {
	struct cordon_net_driver *drv;
	struct cdn_glue *g;
	struct cdn_heap *heap;
	u8 *heap_base;
	struct task_struct *thread;
	wait_queue_head_t wq;
	struct sk_buff_head txq;
	struct net_device *dev;		/* the driver's device, once INIT found it */
	bool posting;			/* the thread posts (INIT done, no EXIT yet) */
	bool hello;			/* the domain said it is ready (CDN_RPC_HELLO) */
	struct task_struct *rtnl_owner; /* the task running init or exit, RTNL held */
	unsigned int rtnl_depth;	/* the driver's rtnl_lock calls inside it */
	void (*dom_get_stats64)(struct net_device *dev, struct rtnl_link_stats64 *s);
	spinlock_t stats_lock;
	spinlock_t ring_lock;		/* slot[], in_flight, next_seq, the heap */
	struct rtnl_link_stats64 stats; /* the driver's counters, last read */
	unsigned long stats_at;
	bool stats_due;
	u32 next_seq, in_flight;
	struct net_slot slot[CDN_RING_SLOTS];
	u8 batch[sizeof(struct cdn_ring_batch_hdr) +
		 CDN_RING_BATCH_MAX * sizeof(struct cdn_txring_desc)];
	struct cordon_net_stats count;
	atomic64_t queued, dropped_early;
};

static netdev_tx_t net_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct cordon_netdev *nd = dev->ml_priv;

	if (unlikely(!nd || !READ_ONCE(nd->posting))) {
		atomic64_inc(&nd->dropped_early);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	if (skb_queue_len(&nd->txq) >= NET_TXQ_MAX) {
		netif_stop_queue(dev);
		return NETDEV_TX_BUSY;
	}
	skb_queue_tail(&nd->txq, skb);
	atomic64_inc(&nd->queued);
	wake_up(&nd->wq);
	return NETDEV_TX_OK;
}

static void net_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	struct cordon_netdev *nd = dev->ml_priv;
	unsigned long flags;

	if (!nd)
		return;
	spin_lock_irqsave(&nd->stats_lock, flags);
	*s = nd->stats;
	spin_unlock_irqrestore(&nd->stats_lock, flags);
	s->tx_dropped += atomic64_read(&nd->dropped_early) + READ_ONCE(nd->count.dropped);
}

/* The driver's own counters, through its ndo_get_stats64 in the domain. */
static void refresh_stats(struct cordon_netdev *nd)
{
	struct rtnl_link_stats64 s;

	memset(&s, 0, sizeof(s));
	nd->dom_get_stats64(nd->dev, &s);
	spin_lock_bh(&nd->stats_lock);
	nd->stats = s;
	spin_unlock_bh(&nd->stats_lock);
	nd->count.refreshes++;
	nd->stats_at = jiffies;
	nd->stats_due = false;
}

static void drop_slot(struct cordon_netdev *nd, struct net_slot *sl)
{
	cdn_heap_free(nd->heap, sl->buf, CDN_HEAP_HOST);
	sl->buf = 0;
	nd->in_flight--;
}

/*
 * Copies up to one batch of queued packets into the heap and posts it. The
 * slots and the heap are under ring_lock; the post (which takes the glue's
 * lock, and may serve completions while the ring is full) is not, so the
 * two locks are never held in the other order than the completion path's.
 */
static int post_batch(struct cordon_netdev *nd)
{
	struct cdn_ring_batch_hdr *hdr = (void *)nd->batch;
	struct cdn_txring_desc *desc = (void *)(hdr + 1);
	u32 first, n = 0, k;
	int st;

	spin_lock(&nd->ring_lock);
	first = nd->next_seq;
	while (n < CDN_RING_BATCH_MAX && nd->in_flight < CDN_RING_SLOTS) {
		struct sk_buff *skb = skb_dequeue(&nd->txq);
		struct net_slot *sl = &nd->slot[(first + n) % CDN_RING_SLOTS];
		cdn_href buf;
		void *p;

		if (!skb)
			break;
		if (skb->len > U16_MAX ||
		    cdn_heap_alloc(nd->heap, CDN_HEAP_HOST, skb->len, &buf, &p) != CDN_OK) {
			nd->count.dropped++;
			dev_kfree_skb_any(skb);
			continue;
		}
		sl->buf = buf;
		sl->seq = first + n;
		skb_copy_bits(skb, 0, p, skb->len);
		desc[n].data_off = (u32)((u8 *)p - nd->heap_base);
		desc[n].len = (u16)skb->len;
		desc[n].protocol = (u16)skb->protocol;
		consume_skb(skb);
		nd->in_flight++;
		n++;
	}
	nd->next_seq = first + n;
	spin_unlock(&nd->ring_lock);
	if (!n)
		return -EAGAIN;
	hdr->ref = cdn_glue_ref_of(nd->g, nd->dev);
	hdr->first_seq = first;
	hdr->count = (u16)n;
	hdr->flags = 0;
	st = cdn_glue_post(nd->g, CDN_RPC_TXRING, nd->batch,
			   sizeof(*hdr) + n * sizeof(struct cdn_txring_desc));
	spin_lock(&nd->ring_lock);
	if (st != CDN_OK) { /* the domain is gone or broken: these never left */
		for (k = 0; k < n; k++) {
			struct net_slot *sl = &nd->slot[(first + k) % CDN_RING_SLOTS];

			if (sl->buf && sl->seq == first + k)
				drop_slot(nd, sl);
		}
		nd->count.dropped += n;
	} else {
		nd->count.posted += n;
		nd->count.batches++;
	}
	spin_unlock(&nd->ring_lock);
	return st == CDN_OK ? 0 : -EIO;
}

/* A completion for packet seq: frees its buffer, if seq is in flight. */
static int complete_one(struct cordon_netdev *nd, u32 seq)
{
	struct net_slot *sl = &nd->slot[seq % CDN_RING_SLOTS];

	if (!sl->buf || sl->seq != seq) {
		nd->count.protocol_errors++;
		return CDN_EBADH;
	}
	drop_slot(nd, sl);
	nd->count.completed++;
	nd->stats_due = true;
	return CDN_OK;
}

static int net_run_done(void *arg, const struct cdn_ring_run *r)
{
	int st, first_err = CDN_OK;
	u32 k;

	for (k = 0; k < r->count; k++) {
		st = complete_one(arg, r->first_seq + k);
		first_err = first_err ?: st;
	}
	return first_err;
}

/* not sent (the driver said busy, or lied): the copy is dropped */
static int net_verdict(void *arg, const struct cdn_ring_verdict *v)
{
	struct cordon_netdev *nd = arg;
	int st = complete_one(nd, v->seq);

	if (st == CDN_OK) {
		nd->count.completed--;
		nd->count.dropped++;
	}
	return st;
}

/* A transmit run carries no status: any is a lie. */
static int net_status_ok(int status)
{
	return status == 0;
}

static const struct cdn_ring_done_walker net_walker = {
	.status_ok = net_status_ok,
	.run = net_run_done,
	.verdict = net_verdict,
};

static int take_completions_locked(struct cordon_netdev *nd, const void *buf, u32 len)
{
	struct cdn_ring_done_hdr hdr;
	const u8 *runs, *verdicts;
	int st = cdn_ring_done_parse(buf, len, &hdr, &runs, &verdicts);
	u32 bad = 0;

	if (st != CDN_OK) {
		nd->count.protocol_errors++;
		return st;
	}
	st = cdn_ring_done_walk(&hdr, runs, verdicts, &net_walker, nd, &bad);
	nd->count.protocol_errors += bad;
	return st;
}

/* CDN_RPC_TXRING_DONE: runs of packets the driver freed, and verdicts.
 * Runs where the glue's lock is held: the thread's poll, or any call's
 * nested serving. */
static int take_completions(struct cordon_netdev *nd, const void *buf, u32 len)
{
	int st;

	spin_lock(&nd->ring_lock);
	st = take_completions_locked(nd, buf, len);
	spin_unlock(&nd->ring_lock);
	return st;
}

/* The glue's dispatcher: ring completions here, the rest generated. */
static int net_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
	struct cdn_glue *g = arg;
	struct cordon_netdev *nd = cdn_glue_user(g);

	if (req->rpc_id == CDN_RPC_HELLO) { /* the launcher's handshake: this host takes it */
		WRITE_ONCE(nd->hello, true);
		return CDN_OK;
	}
	if (nd->drv->rpc_rtnl_lock && req->rpc_id == nd->drv->rpc_rtnl_lock) {
		if (READ_ONCE(nd->rtnl_owner) != current) {
			nd->count.protocol_errors++; /* RTNL outside init or exit: never */
			return CDN_ESTATE;
		}
		nd->rtnl_depth++;
		return CDN_OK;
	}
	if (nd->drv->rpc_rtnl_unlock && req->rpc_id == nd->drv->rpc_rtnl_unlock) {
		if (READ_ONCE(nd->rtnl_owner) != current || !nd->rtnl_depth) {
			nd->count.protocol_errors++;
			return CDN_ESTATE;
		}
		nd->rtnl_depth--;
		return CDN_OK;
	}
	if (req->rpc_id == CDN_RPC_TXRING_DONE)
		return take_completions(nd, req->ext_len ? req->ext : req->data,
					req->ext_len ? req->ext_len : req->inline_len);
	return nd->drv->dispatch(g, req, rep);
}

static int net_thread(void *arg)
{
	struct cordon_netdev *nd = arg;

	while (!kthread_should_stop()) {
		wait_event_interruptible_timeout(
			nd->wq, !skb_queue_empty(&nd->txq) || kthread_should_stop(), NET_POLL);
		while (READ_ONCE(nd->posting) && !skb_queue_empty(&nd->txq) &&
		       nd->in_flight < CDN_RING_SLOTS && post_batch(nd) == 0)
			;
		cdn_glue_poll(nd->g); /* completions, the driver's printk lines */
		if (READ_ONCE(nd->posting) &&
		    (nd->stats_due || time_after(jiffies, nd->stats_at + NET_STATS_EVERY)))
			refresh_stats(nd);
		if (READ_ONCE(nd->posting) && netif_queue_stopped(nd->dev) &&
		    skb_queue_len(&nd->txq) < NET_TXQ_MAX / 2)
			netif_wake_queue(nd->dev);
	}
	return 0;
}

/* The device the driver registered: the one whose ops table is the glue's. */
static struct net_device *find_device(struct cordon_netdev *nd)
{
	struct net_device *dev, *found = NULL;

	rtnl_lock();
	for_each_netdev(&init_net,
			dev) if (dev->netdev_ops && cdn_glue_owner_of(dev->netdev_ops) == nd->g)
	{
		found = dev;
		break;
	}
	if (found) {
		struct net_device_ops *ops = (struct net_device_ops *)found->netdev_ops;

		nd->dom_get_stats64 = ops->ndo_get_stats64;
		found->ml_priv = nd;
		ops->ndo_start_xmit = net_xmit;
		ops->ndo_get_stats64 = net_get_stats64;
	}
	rtnl_unlock();
	return found;
}

/*
 * The driver's init or exit, with RTNL held by this task for the whole call
 * (the order is always RTNL, then the glue's lock, as a trampoline called
 * under RTNL takes them). The driver's own rtnl_lock inside only counts;
 * whatever it leaves unbalanced ends with the call.
 */
static s32 call_under_rtnl(struct cordon_netdev *nd, s32 (*call)(struct cdn_glue *g))
{
	s32 st;

	rtnl_lock();
	WRITE_ONCE(nd->rtnl_owner, current);
	nd->rtnl_depth = 0;
	st = call(nd->g);
	WRITE_ONCE(nd->rtnl_owner, NULL);
	nd->rtnl_depth = 0;
	rtnl_unlock();
	return st;
}

static struct cordon_net_driver *exit_driver_of(struct cdn_glue *g)
{
	return ((struct cordon_netdev *)cdn_glue_user(g))->drv;
}

static s32 call_exit_status(struct cdn_glue *g)
{
	exit_driver_of(g)->call_exit(g);
	return CDN_OK;
}

static long net_init(struct cordon_netdev *nd, u8 *buf, u32 *out_len)
{
	s32 st;

	unsigned long until = jiffies + 5 * HZ;

	if (nd->dev)
		return -EBUSY;
	/* no call before the domain's HELLO: until then it serves nothing */
	while (!READ_ONCE(nd->hello) && time_before(jiffies, until))
		schedule_timeout_interruptible(1);
	st = READ_ONCE(nd->hello) ? nd->drv->check_glue(nd->g) : CDN_ETIMEDOUT;
	if (st == CDN_OK)
		st = call_under_rtnl(nd, nd->drv->call_init);
	if (st == CDN_OK) {
		nd->dev = find_device(nd);
		if (!nd->dev)
			st = CDN_ENOENT; /* the driver registered no device */
	}
	if (nd->dev && nd->dom_get_stats64) {
		refresh_stats(nd);
		smp_store_release(&nd->posting, true); /* after dev: the thread reads it */
	}
	memcpy(buf, &st, sizeof(st));
	memset(buf + 4, 0, IFNAMSIZ);
	if (nd->dev)
		strscpy(buf + 4, nd->dev->name, IFNAMSIZ);
	*out_len = 4 + IFNAMSIZ;
	return 0;
}

/* Stops posting and waits (a bounded while) for what is in flight. */
static void quiesce(struct cordon_netdev *nd)
{
	unsigned long until = jiffies + HZ;

	WRITE_ONCE(nd->posting, false);
	skb_queue_purge(&nd->txq);
	while (nd->in_flight && time_before(jiffies, until))
		schedule_timeout_interruptible(1);
}

static long net_exit(struct cordon_netdev *nd)
{
	if (!nd->dev)
		return -ENODEV;
	quiesce(nd);
	call_under_rtnl(nd, call_exit_status); /* the driver unregisters (and frees) its device */
	nd->dev = NULL;
	return 0;
}

static long net_command(struct cordon_chan *c, u32 cmd, u8 *buf, u32 len, u32 *out_len)
{
	struct cordon_netdev *nd = cordon_chan_data(c);
	unsigned long until;

	switch (cmd) {
	case CORDON_NET_INIT:
		return net_init(nd, buf, out_len);
	case CORDON_NET_EXIT:
		return net_exit(nd);
	case CORDON_NET_SYNC:
		until = jiffies + 5 * HZ;
		while ((!skb_queue_empty(&nd->txq) || nd->in_flight) && time_before(jiffies, until))
			schedule_timeout_interruptible(1);
		if (nd->dev && READ_ONCE(nd->posting))
			nd->stats_due = true;
		until = jiffies + HZ;
		while (nd->stats_due && time_before(jiffies, until))
			schedule_timeout_interruptible(1);
		fallthrough;
	case CORDON_NET_STATS:
		nd->count.queued = atomic64_read(&nd->queued);
		memcpy(buf, &nd->count, sizeof(nd->count));
		*out_len = sizeof(nd->count);
		return 0;
	default:
		return -EINVAL;
	}
}

static int net_start(struct cordon_chan *c)
{
	struct net_service *ns = container_of(c->service, struct net_service, s);
	struct cordon_netdev *nd;
	int err = -ENOMEM;

	if (!c->heap)
		return -EINVAL; /* packets travel in the domain's heap */
	nd = kzalloc(sizeof(*nd), GFP_KERNEL);
	if (!nd)
		return -ENOMEM;
	nd->drv = ns->drv;
	nd->heap = c->heap;
	nd->heap_base = cdn_heap_base(c->heap);
	init_waitqueue_head(&nd->wq);
	skb_queue_head_init(&nd->txq);
	spin_lock_init(&nd->stats_lock);
	spin_lock_init(&nd->ring_lock);
	if (cdn_glue_create(CDN_GLUE_HOST, c->ep, &nd->g) != CDN_OK)
		goto free;
	cdn_glue_set_heap(nd->g, c->heap, 1);
	cdn_glue_set_timeout(nd->g, NET_GLUE_TIMEOUT);
	nd->drv->host_init(nd->g);
	cdn_glue_set_user(nd->g, nd);
	cdn_glue_set_dispatch(nd->g, net_dispatch);
	nd->thread = kthread_run(net_thread, nd, "cordon-%s", nd->drv->name);
	if (IS_ERR(nd->thread)) {
		err = PTR_ERR(nd->thread);
		goto destroy;
	}
	cordon_chan_set_data(c, nd);
	return 0;
destroy:
	cdn_glue_destroy(nd->g);
free:
	kfree(nd);
	return err;
}

static void net_stop(struct cordon_chan *c)
{
	struct cordon_netdev *nd = cordon_chan_data(c);

	if (!nd)
		return;
	WRITE_ONCE(nd->posting, false);
	cdn_ep_mark_dead(c->ep); /* nothing more from this domain: calls fail at once */
	kthread_stop(nd->thread);
	skb_queue_purge(&nd->txq);
	if (nd->dev) /* the domain never ran the driver's exit: the host takes the device down */
		unregister_netdev(nd->dev);
	cdn_glue_destroy(nd->g);
	kfree(nd);
}

int cordon_net_register(struct cordon_net_driver *d)
{
	struct net_service *ns;
	int err;

	if (!d || !d->host_init || !d->dispatch || !d->check_glue || !d->call_init || !d->call_exit)
		return -EINVAL;
	ns = kzalloc(sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return -ENOMEM;
	ns->drv = d;
	ns->s = (struct cordon_service){
		.id = d->service,
		.name = d->name,
		.owner = d->owner,
		.start = net_start,
		.stop = net_stop,
		.command = net_command,
	};
	err = cordon_service_register(&ns->s);
	if (err)
		kfree(ns);
	else
		d->registered = ns;
	return err;
}
EXPORT_SYMBOL_GPL(cordon_net_register);

void cordon_net_unregister(struct cordon_net_driver *d)
{
	struct net_service *ns = d ? d->registered : NULL;

	if (!ns)
		return;
	cordon_service_unregister(&ns->s);
	kfree(ns);
	d->registered = NULL;
}
EXPORT_SYMBOL_GPL(cordon_net_unregister);
