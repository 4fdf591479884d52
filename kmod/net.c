// SPDX-License-Identifier: GPL-2.0
/*
 * net.c - isolated network drivers with the kernel as host (cordon_net.h):
 * the service, what the driver's init asks for, the devices it makes and
 * takes over, the commands. The transmit path is net_ring.c.
 *
 * Two objects. A cordon_netport is the real device (in its net_device's
 * private area): its ops are the host's, its queue of packets not yet
 * posted, its counters. A cordon_netchan is one domain serving it: the glue
 * on a channel, its heap, the slots of the packets in flight, the thread
 * that posts and completes. A device outlives its domains; a domain serves
 * at most one device.
 *
 * The driver never touches the real device: its calls (alloc_netdev_mqs,
 * register_netdevice, ether_setup, ...) act on its model of the device, a
 * view object of the glue module's (drivers/net/kmod/linux/netdevice.h);
 * register_netdevice records the model here, and once the driver's init
 * has returned the host makes the device from it, every field checked
 * (port_apply_model). A reply from the domain can rewrite its model, never
 * a live device's flags, MTU or features.
 *
 * Invariants:
 *   - slot[seq % CDN_RING_SLOTS] holds the buffer of packet seq while it is
 *     in flight, and its seq: a completion for any other number (never
 *     posted, already completed, or a stale lap) is refused and counted.
 *   - only the channel's thread touches the heap and the slots (and INIT,
 *     EXIT, SYNC, which stop it from posting or wait for it).
 *   - port->chan is the domain serving the device or NULL; it changes under
 *     port->chan_mutex, is published with RCU (net_xmit reads it under
 *     rcu_read_lock), and a detached channel is freed only after
 *     synchronize_net. nc->port changes under nc->port_mutex, and only
 *     while the thread cannot be using it (the thread itself fences, or is
 *     stopped first).
 *   - a port is on svc->ports from its registration until its
 *     unregistration; an orphan (no domain, nobody claiming it) is
 *     unregistered after NET_GRACE unless claimed, and only the service's
 *     channel naming it claims it.
 *   - lock order: RTNL, then port->chan_mutex, then the glue's lock; RTNL,
 *     then svc->lock (a claim reads names);
 *     svc->lock is never held across a glue call or an unregistration.
 *   - what the host spends on a domain is bounded: the slots (256), the
 *     device's queue (NET_TXQ_MAX), a packet's time in flight
 *     (NET_DEADLINE, then the domain is given up), a glue call (2 s), view objects
 *     (CORDON_NET_VIEWS), devices (one a channel), an orphan's wait for a
 *     new domain (NET_GRACE).
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/kthread.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>

#include "net_impl.h"
#include "../src/ipc/endpoint.h"

/* ---- the view functions' side (cordon_net.h) ---- */

/* The channel whose init or exit runs now, RTNL held: only one at a time. */
static struct cordon_netchan *net_in_call;

struct cordon_netchan *cordon_net_chan_current(void)
{
	struct cordon_netchan *nc = READ_ONCE(net_in_call);

	return nc && READ_ONCE(nc->rtnl_owner) == current ? nc : NULL;
}
EXPORT_SYMBOL_GPL(cordon_net_chan_current);

void *cordon_net_view_alloc(struct cordon_netchan *nc, size_t size)
{
	int i;

	for (i = 0; nc && i < CORDON_NET_VIEWS; i++)
		if (!nc->views[i])
			return nc->views[i] = kzalloc(size, GFP_KERNEL);
	return NULL;
}
EXPORT_SYMBOL_GPL(cordon_net_view_alloc);

void cordon_net_ether_defaults(struct cordon_net_model *m)
{
	m->type = ARPHRD_ETHER;
	m->hard_header_len = ETH_HLEN;
	m->mtu = ETH_DATA_LEN;
	m->min_mtu = ETH_MIN_MTU;
	m->max_mtu = ETH_DATA_LEN;
	m->addr_len = ETH_ALEN;
	m->flags = IFF_BROADCAST | IFF_MULTICAST;
	m->priv_flags |= IFF_TX_SKB_SHARING;
}
EXPORT_SYMBOL_GPL(cordon_net_ether_defaults);

int cordon_net_want_device(struct cordon_netchan *nc, void *view, const struct cordon_net_model *m)
{
	struct cordon_net_model c = *m; /* the glue module's copy may change under us: one read */

	if (!nc || !view || nc->view || nc->port)
		return -EBUSY; /* one device a channel */
	c.pattern[sizeof(c.pattern) - 1] = 0;
	if (!cordon_name_pattern_ok(c.pattern, sizeof(c.pattern), false) ||
	    c.type != ARPHRD_ETHER || c.addr_len != ETH_ALEN)
		return -EINVAL; /* an Ethernet-like device, named as the host allows */
	nc->view = view;
	nc->model = c;
	return 0;
}
EXPORT_SYMBOL_GPL(cordon_net_want_device);

void cordon_net_drop_device(struct cordon_netchan *nc, void *view)
{
	if (nc && view && nc->view == view && !nc->port)
		nc->view = NULL; /* its init unwinding; a served device goes with EXIT */
}
EXPORT_SYMBOL_GPL(cordon_net_drop_device);

/* ---- a device's making, orphaning, taking over and unregistering ---- */

#define NET_FLAGS_MODEL (IFF_BROADCAST | IFF_MULTICAST | IFF_NOARP)
#define NET_PRIV_MODEL	IFF_LIVE_ADDR_CHANGE
/* what the host's transmit path supports: it copies every packet whole
 * (SG, HIGHDMA), finishes checksums itself (HW_CSUM), locks nothing per
 * packet (LLTX); no offload the domain would have to finish */
#define NET_FEATURES (NETIF_F_SG | NETIF_F_HIGHDMA | NETIF_F_HW_CSUM | NETIF_F_LLTX)

static void port_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->netdev_ops = &cordon_net_port_ops;
	dev->needs_free_netdev = true;
	dev->features |= NETIF_F_NETNS_LOCAL; /* the device stays where its host is */
}

/* The model's fields, checked, onto a device not yet registered. */
static void port_apply_model(struct net_device *dev, const struct cordon_net_model *m)
{
	u32 min_mtu = min_t(u32, m->min_mtu, NET_MTU_MAX);
	u32 max_mtu = m->max_mtu ? clamp_t(u32, m->max_mtu, min_mtu, NET_MTU_MAX) : NET_MTU_MAX;

	dev->flags = (dev->flags & ~NET_FLAGS_MODEL) | (m->flags & NET_FLAGS_MODEL);
	dev->priv_flags |= m->priv_flags & NET_PRIV_MODEL;
	dev->features |= m->features & NET_FEATURES;
	dev->hw_features |= m->hw_features & NET_FEATURES;
	dev->hw_enc_features |= m->hw_enc_features & NET_FEATURES;
	dev->min_mtu = min_mtu;
	dev->max_mtu = max_mtu;
	dev->mtu = clamp_t(u32, m->mtu, min_mtu, max_mtu);
	eth_hw_addr_random(dev); /* the driver's address is the host's to give */
	if (!m->carrier)
		netif_carrier_off(dev);
}

/* Unregisters port's device (frees the port with it). Not on svc->ports. */
static void port_unregister(struct cordon_netport *port)
{
	unregister_netdev(port->dev);
}

static void port_orphan_expired(struct work_struct *w)
{
	struct cordon_netport *port =
		container_of(to_delayed_work(w), struct cordon_netport, orphan_work);
	bool expired;

	mutex_lock(&port->svc->lock);
	expired = port->orphan;
	if (expired)
		list_del_init(&port->node); /* no longer anyone's to claim */
	mutex_unlock(&port->svc->lock);
	if (expired) {
		pr_info("cordon: %s: no driver took it over in %d s; unregistered\n",
			port->dev->name, NET_GRACE / HZ);
		port_unregister(port);
	}
}

/* A new device, as nc's driver's model asks; registered, not yet served. */
static struct cordon_netport *port_make(struct cordon_netchan *nc, int *err)
{
	const char *pattern = nc->model.pattern;
	struct cordon_netport *port;
	struct net_device *dev;

	dev = alloc_netdev(sizeof(*port), pattern,
			   strchr(pattern, '%') ? NET_NAME_ENUM : NET_NAME_PREDICTABLE, port_setup);
	if (!dev) {
		*err = -ENOMEM;
		return NULL;
	}
	port = netdev_priv(dev);
	port->dev = dev;
	port->svc = nc->svc;
	strscpy(port->pattern, pattern, sizeof(port->pattern));
	INIT_LIST_HEAD(&port->node);
	mutex_init(&port->chan_mutex);
	skb_queue_head_init(&port->txq);
	spin_lock_init(&port->stats_lock);
	atomic64_set(&port->dropped, 0);
	INIT_DELAYED_WORK(&port->orphan_work, port_orphan_expired);
	port_apply_model(dev, &nc->model);
	*err = register_netdev(dev);
	if (*err) {
		free_netdev(dev);
		return NULL;
	}
	rtnl_lock();
	strscpy(port->registered_name, dev->name, sizeof(port->registered_name));
	rtnl_unlock();
	mutex_lock(&nc->svc->lock);
	list_add_tail(&port->node, &nc->svc->ports);
	mutex_unlock(&nc->svc->lock);
	return port;
}

/* Claims the orphaned device of nc's service called name, or NULL: only
 * the supervisor of the domain that served it names it, so a restarted
 * driver never takes another driver's device. The name is the device's
 * own, or the one it was registered under (a supervisor's name for it
 * survives a rename); an own name goes first. */
static struct cordon_netport *port_claim(struct cordon_netchan *nc, const char *name)
{
	struct cordon_netport *port, *found = NULL;
	int pass;

	rtnl_lock(); /* dev->name: renames hold it */
	mutex_lock(&nc->svc->lock);
	for (pass = 0; pass < 2 && !found; pass++) {
		list_for_each_entry(port, &nc->svc->ports, node)
		{
			if (port->orphan && strcmp(port->pattern, nc->model.pattern) == 0 &&
			    strcmp(pass ? port->registered_name : port->dev->name, name) == 0) {
				port->orphan =
					false; /* the orphan timer, if it fires, finds it taken */
				found = port;
				break;
			}
		}
	}
	mutex_unlock(&nc->svc->lock);
	rtnl_unlock();
	if (found)
		cancel_delayed_work(&found->orphan_work);
	return found;
}

/* nc's driver serves port from now: the device's queue runs again, and the
 * carrier the old driver was told is told to the new one. */
static int port_attach(struct cordon_netchan *nc, struct cordon_netport *port)
{
	mutex_lock(&nc->port_mutex);
	if (nc->fenced) {
		mutex_unlock(&nc->port_mutex);
		return -EIO; /* given up meanwhile */
	}
	mutex_lock(&port->chan_mutex);
	nc->port = port;
	cordon_net_refresh_stats(nc);
	if (port->carrier_set) /* the device's carrier stays the host's either way */
		nc->svc->drv->change_carrier(nc->view, port->carrier);
	rcu_assign_pointer(port->chan, nc);
	mutex_unlock(&port->chan_mutex);
	smp_store_release(&nc->posting, true); /* after nc->port: the thread reads it */
	mutex_unlock(&nc->port_mutex);
	netif_wake_queue(port->dev);
	wake_up(&nc->wq);
	return 0;
}

/*
 * nc no longer serves its device. The driver's counts so far stay in the
 * device's; what the stack sends meanwhile waits in its queue (up to
 * NET_TXQ_MAX, then in the stack's). Orphaned: it waits NET_GRACE for a new
 * domain; otherwise the caller unregisters it. Called by the thread, or
 * with it stopped.
 */
static struct cordon_netport *port_detach(struct cordon_netchan *nc, bool orphan)
{
	struct cordon_netport *port;
	unsigned long flags;

	mutex_lock(&nc->port_mutex);
	port = nc->port;
	WRITE_ONCE(nc->posting, false);
	if (!port) {
		mutex_unlock(&nc->port_mutex);
		return NULL;
	}
	mutex_lock(&port->chan_mutex);
	RCU_INIT_POINTER(port->chan, NULL);
	mutex_unlock(&port->chan_mutex);
	synchronize_net(); /* net_xmit no longer sees nc */
	spin_lock_irqsave(&port->stats_lock, flags);
	port->base.rx_packets += port->last.rx_packets;
	port->base.tx_packets += port->last.tx_packets;
	port->base.rx_bytes += port->last.rx_bytes;
	port->base.tx_bytes += port->last.tx_bytes;
	port->base.rx_dropped += port->last.rx_dropped;
	port->base.tx_dropped += port->last.tx_dropped;
	memset(&port->last, 0, sizeof(port->last));
	spin_unlock_irqrestore(&port->stats_lock, flags);
	atomic64_add(nc->in_flight, &port->dropped); /* copies in a dead domain's heap */
	nc->port = NULL;
	mutex_unlock(&nc->port_mutex);
	if (orphan) {
		mutex_lock(&nc->svc->lock);
		port->orphan = true;
		mutex_unlock(&nc->svc->lock);
		schedule_delayed_work(&port->orphan_work, NET_GRACE);
	}
	return port;
}

/* The host gives the domain up: nothing more is asked of it, and its
 * device waits for the next one. */
void cordon_net_fence(struct cordon_netchan *nc, const char *why)
{
	struct cordon_netport *port;

	cdn_ep_mark_dead(nc->c->ep); /* every call and post to it fails at once */
	mutex_lock(&nc->port_mutex);
	WRITE_ONCE(nc->fenced, true);
	strscpy(nc->fence_reason, why, sizeof(nc->fence_reason));
	nc->count.fences++;
	mutex_unlock(&nc->port_mutex);
	port = port_detach(nc, true);
	if (port)
		pr_info("cordon: %s: driver given up (%s); the device waits for a new one\n",
			port->dev->name, why);
}

/* ---- the commands ---- */

/*
 * The driver's init or exit, with RTNL held by this task for the whole call
 * (the order is always RTNL, then the glue's lock, as a trampoline called
 * under RTNL takes them). The driver's own rtnl_lock inside only counts;
 * whatever it leaves unbalanced ends with the call.
 */
static s32 call_under_rtnl(struct cordon_netchan *nc, s32 (*call)(struct cdn_glue *g))
{
	s32 st;

	rtnl_lock();
	WRITE_ONCE(nc->rtnl_owner, current);
	WRITE_ONCE(net_in_call, nc);
	nc->rtnl_depth = 0;
	st = call(nc->g);
	WRITE_ONCE(net_in_call, NULL);
	WRITE_ONCE(nc->rtnl_owner, NULL);
	nc->rtnl_depth = 0;
	rtnl_unlock();
	return st;
}

static s32 call_exit_status(struct cdn_glue *g)
{
	((struct cordon_netchan *)cdn_glue_user(g))->svc->drv->call_exit(g);
	return CDN_OK;
}

/* CORDON_NET_INIT; buf in: empty (a new device), or the name of an
 * orphaned device to take over. */
static long net_init(struct cordon_netchan *nc, u8 *buf, u32 len, u32 *out_len)
{
	struct cordon_net_init out;
	struct cordon_netport *port = NULL;
	unsigned long until = jiffies + 5 * HZ;
	char claim[IFNAMSIZ] = "";
	s32 st;

	if (len > sizeof(claim) - 1)
		return -EINVAL;
	memcpy(claim, buf, len);
	claim[len] = 0;
	if (nc->port || nc->view || nc->fenced || !nc->thread)
		return -EBUSY;
	memset(&out, 0, sizeof(out));
	/* no call before the domain's HELLO: until then it serves nothing */
	while (!READ_ONCE(nc->hello) && time_before(jiffies, until))
		schedule_timeout_interruptible(1);
	st = READ_ONCE(nc->hello) ? nc->svc->drv->check_glue(nc->g) : CDN_ETIMEDOUT;
	if (st == CDN_OK)
		st = call_under_rtnl(nc, nc->svc->drv->call_init);
	if (st == CDN_OK && !nc->view)
		st = CDN_ENOENT; /* the driver registered no device */
	if (st == CDN_OK) {
		int err = 0;

		if (claim[0] && !(port = port_claim(nc, claim)))
			err = -ENOENT; /* no orphan of that name */
		else if (!port)
			port = port_make(nc, &err);
		if (port) {
			err = port_attach(nc, port);
			if (err) { /* given up meanwhile: the device waits for the next */
				mutex_lock(&nc->svc->lock);
				port->orphan = true;
				mutex_unlock(&nc->svc->lock);
				schedule_delayed_work(&port->orphan_work, NET_GRACE);
			}
		}
		if (err)
			st = err; /* the host could not make, take over or attach the device */
		else
			out.reattached = claim[0] != 0;
	}
	if (st == CDN_OK)
		strscpy(out.name, port->dev->name, sizeof(out.name));
	out.status = st;
	memcpy(buf, &out, sizeof(out));
	*out_len = sizeof(out);
	return 0;
}

/* Waits (a bounded while) for what is queued and in flight to complete. */
static void net_drain(struct cordon_netchan *nc, unsigned long timeout)
{
	unsigned long until = jiffies + timeout;

	while (time_before(jiffies, until)) {
		struct cordon_netport *port = READ_ONCE(nc->port);

		if (!READ_ONCE(nc->posting) ||
		    (!nc->in_flight && (!port || skb_queue_empty(&port->txq))))
			break; /* done, or nothing more will be */
		schedule_timeout_interruptible(1);
	}
}

/* CORDON_NET_EXIT: the device goes, then the driver's own teardown. */
static long net_exit(struct cordon_netchan *nc)
{
	struct cordon_netport *port;

	if (!READ_ONCE(nc->posting))
		return -ENODEV;
	net_drain(nc, HZ);
	kthread_stop(nc->thread); /* from here only this task uses the channel */
	nc->thread = NULL;
	port = port_detach(nc, false);
	if (!port)
		return -ENODEV;
	mutex_lock(&nc->svc->lock);
	list_del_init(&port->node);
	mutex_unlock(&nc->svc->lock);
	port_unregister(port);
	call_under_rtnl(nc, call_exit_status); /* the driver unregisters (and frees) its model */
	return 0;
}

static long net_command(struct cordon_chan *c, u32 cmd, u8 *buf, u32 len, u32 *out_len)
{
	struct cordon_netchan *nc = cordon_chan_data(c);
	struct cordon_netport *port;
	unsigned long until;

	switch (cmd) {
	case CORDON_NET_INIT:
		return net_init(nc, buf, len, out_len);
	case CORDON_NET_EXIT:
		return net_exit(nc);
	case CORDON_NET_SYNC:
		net_drain(nc, 5 * HZ);
		if (READ_ONCE(nc->posting))
			nc->stats_due = true;
		until = jiffies + HZ;
		while (nc->stats_due && READ_ONCE(nc->posting) && time_before(jiffies, until))
			schedule_timeout_interruptible(1);
		fallthrough;
	case CORDON_NET_STATS:
		nc->count.queued = atomic64_read(&nc->queued);
		nc->count.attached = READ_ONCE(nc->posting);
		nc->count.orphaned = 0;
		mutex_lock(&nc->svc->lock);
		list_for_each_entry(port, &nc->svc->ports, node) nc->count.orphaned += port->orphan;
		mutex_unlock(&nc->svc->lock);
		memcpy(nc->count.fence_reason, nc->fence_reason, sizeof(nc->fence_reason));
		BUILD_BUG_ON(sizeof(nc->count) > 256);
		memcpy(buf, &nc->count, sizeof(nc->count));
		*out_len = sizeof(nc->count);
		return 0;
	default:
		return -EINVAL;
	}
}

static int net_start(struct cordon_chan *c)
{
	struct net_service *svc = container_of(c->service, struct net_service, s);
	struct cordon_netchan *nc;
	int err = -ENOMEM;

	if (!c->heap)
		return -EINVAL; /* packets travel in the domain's heap */
	nc = kzalloc(sizeof(*nc), GFP_KERNEL);
	if (!nc)
		return -ENOMEM;
	nc->svc = svc;
	nc->c = c;
	nc->heap = c->heap;
	nc->heap_base = cdn_heap_base(c->heap);
	init_waitqueue_head(&nc->wq);
	mutex_init(&nc->port_mutex);
	spin_lock_init(&nc->ring_lock);
	atomic64_set(&nc->queued, 0);
	if (cdn_glue_create(CDN_GLUE_HOST, c->ep, &nc->g) != CDN_OK)
		goto free;
	cdn_glue_set_heap(nc->g, c->heap, 1);
	cdn_glue_set_timeout(nc->g, NET_GLUE_TIMEOUT);
	svc->drv->host_init(nc->g);
	cdn_glue_set_user(nc->g, nc);
	cdn_glue_set_dispatch(nc->g, cordon_net_dispatch);
	nc->thread = kthread_run(cordon_net_thread, nc, "cordon-%s", svc->drv->name);
	if (IS_ERR(nc->thread)) {
		err = PTR_ERR(nc->thread);
		goto destroy;
	}
	cordon_chan_set_data(c, nc);
	return 0;
destroy:
	cdn_glue_destroy(nc->g);
free:
	kfree(nc);
	return err;
}

/* The channel's file is gone: the domain is dead or was let go. Its
 * device, if it still had one, is orphaned for the next domain. */
static void net_stop(struct cordon_chan *c)
{
	struct cordon_netchan *nc = cordon_chan_data(c);
	int i;

	if (!nc)
		return;
	WRITE_ONCE(nc->posting, false);
	cdn_ep_mark_dead(c->ep); /* nothing more from this domain: calls fail at once */
	if (nc->thread)
		kthread_stop(nc->thread);
	if (port_detach(nc, true))
		pr_info("cordon: %s: the domain's channel was closed; the device waits for a new "
			"driver\n",
			nc->model.pattern);
	cdn_glue_destroy(nc->g);
	for (i = 0; i < CORDON_NET_VIEWS; i++)
		kfree(nc->views[i]);
	kfree(nc);
}

int cordon_net_register(struct cordon_net_driver *d)
{
	struct net_service *svc;
	int err;

	if (!d || !d->host_init || !d->dispatch || !d->check_glue || !d->call_init ||
	    !d->call_exit || !d->get_stats || !d->change_carrier)
		return -EINVAL;
	svc = kzalloc(sizeof(*svc), GFP_KERNEL);
	if (!svc)
		return -ENOMEM;
	svc->drv = d;
	mutex_init(&svc->lock);
	INIT_LIST_HEAD(&svc->ports);
	svc->s = (struct cordon_service){
		.id = d->service,
		.name = d->name,
		.owner = d->owner,
		.start = net_start,
		.stop = net_stop,
		.command = net_command,
	};
	err = cordon_service_register(&svc->s);
	if (err)
		kfree(svc);
	else
		d->registered = svc;
	return err;
}
EXPORT_SYMBOL_GPL(cordon_net_register);

/* No channel is open (each holds the owner module): what is left are
 * orphans, unregistered here. */
void cordon_net_unregister(struct cordon_net_driver *d)
{
	struct net_service *svc = d ? d->registered : NULL;
	struct cordon_netport *port, *tmp;

	if (!svc)
		return;
	cordon_service_unregister(&svc->s);
	mutex_lock(&svc->lock);
	list_for_each_entry(port, &svc->ports, node) port->orphan = false;
	mutex_unlock(&svc->lock);
	list_for_each_entry_safe(port, tmp, &svc->ports, node)
	{
		cancel_delayed_work_sync(&port->orphan_work); /* finds it not orphaned */
		list_del_init(&port->node);
		port_unregister(port);
	}
	kfree(svc);
	d->registered = NULL;
}
EXPORT_SYMBOL_GPL(cordon_net_unregister);
