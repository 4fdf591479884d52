// SPDX-License-Identifier: GPL-2.0
/*
 * net_ring.c - the net host's transmit path (cordon_net.h): the real
 * device's ops, the transmit ring's host half, the driver's counters, and
 * the channel's thread. The invariants are net.c's.
 *
 * Transmit: net_xmit (the device's ndo_start_xmit, with bottom halves off)
 * only queues the skb on the device and wakes the thread of the domain
 * serving it, if any. The thread copies each packet into a buffer of the
 * domain's heap, frees the skb, and posts the buffers in batches; the
 * domain's transmit loop (kernel/drvlib/txring.c) runs the driver's
 * ndo_start_xmit and sends back completions, which free the buffers.
 * Nothing the kernel's transmit path does waits for the domain.
 */
#include <linux/etherdevice.h>
#include <linux/kthread.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>

#include "net_impl.h"

/* ---- the real device's ops ---- */

static netdev_tx_t net_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct cordon_netport *port = netdev_priv(dev);
	struct cordon_netchan *nc;

	if (skb_queue_len(&port->txq) >= NET_TXQ_MAX) {
		netif_stop_queue(dev); /* the stack keeps it; the thread wakes the queue */
		return NETDEV_TX_BUSY;
	}
	/* the domain gets whole packets: a checksum left to the device is done here */
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb)) {
		atomic64_inc(&port->dropped);
		dev_kfree_skb_any(skb);
		return NETDEV_TX_OK;
	}
	/* as tun does: a domain may hold on to it indefinitely (or be gone), so
	 * the sender's socket is not charged for it meanwhile; the queue's
	 * bound and the stopped queue are the backpressure */
	skb_orphan(skb);
	skb_queue_tail(&port->txq, skb);
	rcu_read_lock(); /* (the caller holds it too: detach waits for both) */
	nc = rcu_dereference(port->chan);
	if (nc) {
		atomic64_inc(&nc->queued);
		wake_up(&nc->wq);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static void net_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	struct cordon_netport *port = netdev_priv(dev);
	unsigned long flags;

	spin_lock_irqsave(&port->stats_lock, flags);
	s->rx_packets = port->base.rx_packets + port->last.rx_packets;
	s->tx_packets = port->base.tx_packets + port->last.tx_packets;
	s->rx_bytes = port->base.rx_bytes + port->last.rx_bytes;
	s->tx_bytes = port->base.tx_bytes + port->last.tx_bytes;
	s->rx_dropped = port->base.rx_dropped + port->last.rx_dropped;
	s->tx_dropped = port->base.tx_dropped + port->last.tx_dropped;
	spin_unlock_irqrestore(&port->stats_lock, flags);
	s->tx_dropped += atomic64_read(&port->dropped);
}

/* Under RTNL. The serving driver is asked first; with none, the carrier
 * follows the request and is replayed to the next driver. */
static int net_change_carrier(struct net_device *dev, bool on)
{
	struct cordon_netport *port = netdev_priv(dev);
	struct cordon_netchan *nc;
	int err = 0;

	mutex_lock(&port->chan_mutex);
	nc = rcu_dereference_protected(port->chan, lockdep_is_held(&port->chan_mutex));
	if (nc) {
		err = nc->svc->drv->change_carrier(nc->view, on);
		if (err > 0 || err < -MAX_ERRNO)
			err = -EIO; /* not an errno: the driver's answer is refused */
	}
	if (!err) {
		port->carrier_set = true;
		port->carrier = on;
		if (on)
			netif_carrier_on(dev);
		else
			netif_carrier_off(dev);
	}
	mutex_unlock(&port->chan_mutex);
	return err;
}

/* Unregistering, the device closed: what the stack left queued goes. */
static void net_uninit(struct net_device *dev)
{
	struct cordon_netport *port = netdev_priv(dev);

	skb_queue_purge(&port->txq);
}

const struct net_device_ops cordon_net_port_ops = {
	.ndo_uninit = net_uninit,
	.ndo_start_xmit = net_xmit,
	.ndo_get_stats64 = net_get_stats64,
	.ndo_change_carrier = net_change_carrier,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

/* ---- the driver's counters ---- */

/* The driver's own counters, through its ndo_get_stats64 in the domain. */
void cordon_net_refresh_stats(struct cordon_netchan *nc)
{
	struct cordon_netport *port = nc->port;
	struct cordon_net_counters c;
	unsigned long flags;

	memset(&c, 0, sizeof(c));
	nc->stats_at = jiffies;
	nc->stats_due = false;
	if (nc->svc->drv->get_stats(nc->view, &c) != 0) {
		/* the driver did not answer: the counts stay as they were, and
		 * no periodic read waits on it again until it completes a packet
		 * (a hung driver must not hold its thread from the deadline) */
		nc->stats_stalled = true;
		return;
	}
	spin_lock_irqsave(&port->stats_lock, flags);
	port->last.rx_packets = c.rx_packets;
	port->last.tx_packets = c.tx_packets;
	port->last.rx_bytes = c.rx_bytes;
	port->last.tx_bytes = c.tx_bytes;
	port->last.rx_dropped = c.rx_dropped;
	port->last.tx_dropped = c.tx_dropped;
	spin_unlock_irqrestore(&port->stats_lock, flags);
	nc->count.refreshes++;
}

/* ---- the transmit ring's host half ---- */

static void drop_slot(struct cordon_netchan *nc, struct net_slot *sl)
{
	cdn_heap_free(nc->heap, sl->buf, CDN_HEAP_HOST);
	sl->buf = 0;
	nc->in_flight--;
}

/*
 * Copies up to one batch of queued packets into the heap and posts it. The
 * slots and the heap are under ring_lock; the post (which takes the glue's
 * lock, and may serve completions while the ring is full) is not, so the
 * two locks are never held in the other order than the completion path's.
 */
static int post_batch(struct cordon_netchan *nc)
{
	struct cordon_netport *port = nc->port;
	struct cdn_ring_batch_hdr *hdr = (void *)nc->batch;
	struct cdn_txring_desc *desc = (void *)(hdr + 1);
	u32 first, n = 0, k;
	int st;

	spin_lock(&nc->ring_lock);
	first = nc->next_seq;
	while (n < CDN_RING_BATCH_MAX && nc->in_flight < CDN_RING_SLOTS) {
		struct sk_buff *skb = skb_dequeue(&port->txq);
		struct net_slot *sl = &nc->slot[(first + n) % CDN_RING_SLOTS];
		cdn_href buf;
		void *p;

		if (!skb)
			break;
		if (skb->len > U16_MAX ||
		    cdn_heap_alloc(nc->heap, CDN_HEAP_HOST, skb->len, &buf, &p) != CDN_OK) {
			nc->count.dropped++;
			atomic64_inc(&port->dropped);
			dev_kfree_skb_any(skb);
			continue;
		}
		sl->buf = buf;
		sl->seq = first + n;
		sl->posted = jiffies;
		skb_copy_bits(skb, 0, p, skb->len);
		desc[n].data_off = (u32)((u8 *)p - nc->heap_base);
		desc[n].len = (u16)skb->len;
		desc[n].protocol = (u16)skb->protocol;
		consume_skb(skb);
		nc->in_flight++;
		n++;
	}
	nc->next_seq = first + n;
	spin_unlock(&nc->ring_lock);
	if (!n)
		return -EAGAIN;
	hdr->ref = cdn_glue_ref_of(nc->g, nc->view);
	hdr->first_seq = first;
	hdr->count = (u16)n;
	hdr->flags = 0;
	st = cdn_glue_post(nc->g, CDN_RPC_TXRING, nc->batch,
			   sizeof(*hdr) + n * sizeof(struct cdn_txring_desc));
	spin_lock(&nc->ring_lock);
	if (st != CDN_OK) { /* the domain is gone or broken: these never left */
		for (k = 0; k < n; k++) {
			struct net_slot *sl = &nc->slot[(first + k) % CDN_RING_SLOTS];

			if (sl->buf && sl->seq == first + k)
				drop_slot(nc, sl);
		}
		nc->count.dropped += n;
		atomic64_add(n, &port->dropped);
	} else {
		nc->count.posted += n;
		nc->count.batches++;
	}
	spin_unlock(&nc->ring_lock);
	return st == CDN_OK ? 0 : -EIO;
}

/* A completion for packet seq: frees its buffer, if seq is in flight. */
static int complete_one(struct cordon_netchan *nc, u32 seq)
{
	struct net_slot *sl = &nc->slot[seq % CDN_RING_SLOTS];

	if (!sl->buf || sl->seq != seq) {
		nc->count.protocol_errors++;
		return CDN_EBADH;
	}
	drop_slot(nc, sl);
	nc->count.completed++;
	nc->stats_due = true;
	nc->stats_stalled = false;
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
	struct cordon_netchan *nc = arg;
	int st = complete_one(nc, v->seq);

	if (st == CDN_OK) {
		nc->count.completed--;
		nc->count.dropped++;
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

/* CDN_RPC_TXRING_DONE: runs of packets the driver freed, and verdicts.
 * Runs where the glue's lock is held: the thread's poll, or any call's
 * nested serving. */
static int take_completions(struct cordon_netchan *nc, const void *buf, u32 len)
{
	struct cdn_ring_done_hdr hdr;
	const u8 *runs, *verdicts;
	u32 bad = 0;
	int st;

	spin_lock(&nc->ring_lock);
	st = cdn_ring_done_parse(buf, len, &hdr, &runs, &verdicts);
	if (st == CDN_OK) {
		st = cdn_ring_done_walk(&hdr, runs, verdicts, &net_walker, nc, &bad);
		nc->count.protocol_errors += bad;
	} else {
		nc->count.protocol_errors++;
	}
	spin_unlock(&nc->ring_lock);
	return st;
}

/* The glue's dispatcher: ring completions here, the rest generated. */
int cordon_net_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
	struct cdn_glue *g = arg;
	struct cordon_netchan *nc = cdn_glue_user(g);
	struct cordon_net_driver *drv = nc->svc->drv;

	if (req->rpc_id == CDN_RPC_HELLO) { /* the launcher's handshake: this host takes it */
		WRITE_ONCE(nc->hello, true);
		return CDN_OK;
	}
	if (drv->rpc_rtnl_lock && req->rpc_id == drv->rpc_rtnl_lock) {
		if (READ_ONCE(nc->rtnl_owner) != current) {
			nc->count.protocol_errors++; /* RTNL outside init or exit: never */
			return CDN_ESTATE;
		}
		nc->rtnl_depth++;
		return CDN_OK;
	}
	if (drv->rpc_rtnl_unlock && req->rpc_id == drv->rpc_rtnl_unlock) {
		if (READ_ONCE(nc->rtnl_owner) != current || !nc->rtnl_depth) {
			nc->count.protocol_errors++;
			return CDN_ESTATE;
		}
		nc->rtnl_depth--;
		return CDN_OK;
	}
	if (req->rpc_id == CDN_RPC_TXRING_DONE)
		return take_completions(nc, req->ext_len ? req->ext : req->data,
					req->ext_len ? req->ext_len : req->inline_len);
	return drv->dispatch(g, req, rep);
}

/* Why the host should give the domain up now, or NULL. */
static const char *watch(struct cordon_netchan *nc)
{
	if (cordon_chan_domain_gone(nc->c))
		return "the domain's process is gone";
	if (cdn_ep_broken(nc->c->ep))
		return "the channel broke the protocol";
	if (cdn_ep_marked_dead(nc->c->ep))
		return "the channel is dead";
	if (READ_ONCE(nc->in_flight)) { /* a driver that keeps a packet is given up */
		unsigned long now = jiffies;
		bool late = false;
		u32 i;

		spin_lock(&nc->ring_lock);
		for (i = 0; i < CDN_RING_SLOTS && !late; i++)
			late = nc->slot[i].buf &&
			       time_after(now, nc->slot[i].posted + NET_DEADLINE);
		spin_unlock(&nc->ring_lock);
		if (late)
			return "a packet outlived its deadline";
	}
	return NULL;
}

/*
 * The channel's one server: posts what the device queued, takes
 * completions and the driver's calls, refreshes the counters, and watches
 * the domain: one whose process is gone is given up even while its
 * channel stays open (its device orphaned for the next domain).
 */
int cordon_net_thread(void *arg)
{
	struct cordon_netchan *nc = arg;

	while (!kthread_should_stop()) {
		/* attached: nc->port set before posting (net.c); it stays
		 * until this thread fences, or is stopped */
		struct cordon_netport *port = smp_load_acquire(&nc->posting) ? nc->port : NULL;
		const char *why;

		wait_event_interruptible_timeout(
			nc->wq, (port && !skb_queue_empty(&port->txq)) || kthread_should_stop(),
			NET_POLL);
		while (port && !skb_queue_empty(&port->txq) && nc->in_flight < CDN_RING_SLOTS &&
		       post_batch(nc) == 0)
			;
		cdn_glue_poll(nc->g); /* completions, the driver's printk lines */
		if (port &&
		    (nc->stats_due ||
		     (!nc->stats_stalled && time_after(jiffies, nc->stats_at + NET_STATS_EVERY))))
			cordon_net_refresh_stats(nc);
		if (port && netif_queue_stopped(port->dev) &&
		    skb_queue_len(&port->txq) < NET_TXQ_MAX / 2)
			netif_wake_queue(port->dev);
		why = READ_ONCE(nc->fenced) || !READ_ONCE(nc->hello) ? NULL : watch(nc);
		if (why)
			cordon_net_fence(nc, why);
	}
	return 0;
}
