// SPDX-License-Identifier: GPL-2.0
/*
 * dummy_kmod.c - the dummy driver isolated with the kernel as host: its
 * kernel-side glue module, cordon_dummy.ko. The glue is cordon-idlc's host
 * side of dummy.idl, compiled against the driver's view of the network core
 * (linux/netdevice.h beside this file); the host functions below act on the
 * driver's model of its device and record what it asks for, and cordon.ko's
 * net host (kmod/net.c) makes and keeps the real device. The driver itself
 * (dummy.c, the same file the user-space host runs) lives in a domain.
 */
#include <linux/module.h>
#include <linux/string.h>

#include "cordon_log.h"
#include "cordon_net.h"
#include "cordon_service.h"
#include "dummy_host.h"

/* The model's fields as the host wants them. */
static void model_of(const struct net_device *dev, struct cordon_net_model *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->pattern, dev->name, sizeof(m->pattern));
	m->pattern[sizeof(m->pattern) - 1] = 0;
	m->flags = dev->flags;
	m->priv_flags = dev->priv_flags;
	m->mtu = dev->mtu;
	m->min_mtu = dev->min_mtu;
	m->max_mtu = dev->max_mtu;
	m->type = dev->type;
	m->hard_header_len = dev->hard_header_len;
	m->addr_len = dev->addr_len;
	m->features = dev->features;
	m->hw_features = dev->hw_features;
	m->hw_enc_features = dev->hw_enc_features;
	m->carrier = dev->carrier;
}

/* A model of the device, in the channel whose init runs (none outside it). */
struct net_device *alloc_netdev_mqs(int sizeof_priv, const char *name,
				    unsigned char name_assign_type,
				    void (*setup)(struct net_device *dev), unsigned int txqs,
				    unsigned int rxqs)
{
	struct cordon_netchan *nc = cordon_net_chan_current();
	struct net_device *dev;

	if (!nc || !name || sizeof_priv < 0 || !txqs || !rxqs)
		return NULL;
	dev = cordon_net_view_alloc(nc, sizeof(*dev));
	if (!dev)
		return NULL;
	strscpy(dev->name, name, sizeof(dev->name));
	dev->chan = nc;
	dev->carrier = true; /* as Linux's: a new device has its carrier */
	if (setup)
		setup(dev); /* the driver's, in its domain: it fills the model */
	return dev;
}

/* Models go with their channel. */
void free_netdev(struct net_device *dev)
{
}

int register_netdevice(struct net_device *dev)
{
	struct cordon_net_model m;
	int err;

	if (!dev || dev->registered || dev->chan != cordon_net_chan_current())
		return -EINVAL;
	if (dev->netdev_ops && dev->netdev_ops->ndo_init) {
		err = dev->netdev_ops->ndo_init(dev); /* the driver's, on its model */
		if (err)
			return err < 0 && err >= -4095 ? err : -EIO;
	}
	model_of(dev, &m);
	err = cordon_net_want_device(dev->chan, dev, &m);
	if (!err)
		dev->registered = true;
	return err;
}

int register_netdev(struct net_device *dev)
{
	return register_netdevice(dev); /* the host holds RTNL around init */
}

void unregister_netdevice(struct net_device *dev)
{
	if (!dev || !dev->registered || dev->chan != cordon_net_chan_current())
		return;
	dev->registered = false;
	cordon_net_drop_device(dev->chan, dev);
}

void unregister_netdev(struct net_device *dev)
{
	unregister_netdevice(dev);
}

void ether_setup(struct net_device *dev)
{
	struct cordon_net_model m;

	if (!dev)
		return;
	memset(&m, 0, sizeof(m));
	cordon_net_ether_defaults(&m);
	dev->type = m.type;
	dev->hard_header_len = m.hard_header_len;
	dev->mtu = m.mtu;
	dev->min_mtu = m.min_mtu;
	dev->max_mtu = m.max_mtu;
	dev->addr_len = m.addr_len;
	dev->flags = m.flags;
	dev->priv_flags |= m.priv_flags;
}

/* The real device's address is the host's to give (net.c): it is always
 * a random one, as this call asks. */
void eth_hw_addr_random(struct net_device *dev)
{
}

/* On the model only: the real device's carrier follows the host's
 * ndo_change_carrier, which asks the driver first. */
void netif_carrier_on(struct net_device *dev)
{
	if (dev)
		dev->carrier = true;
}

void netif_carrier_off(struct net_device *dev)
{
	if (dev)
		dev->carrier = false;
}

/* Packets reach the driver through the transmit ring and end there; the
 * glue refuses an skb handle here before this runs (the domain has none). */
void consume_skb(struct sk_buff *skb)
{
}

/* The net host answers the driver's rtnl_lock and rtnl_unlock itself
 * (kmod/net.c); the glue never gets to these. */
void rtnl_lock(void)
{
}

void rtnl_unlock(void)
{
}

/* The driver's printk lines: sanitised, rate-limited (cordon.ko). */
void cdn_kernel_log(const char *msg)
{
	cordon_domain_log("dummy", msg);
}

static int dummy_get_stats(void *view, struct cordon_net_counters *out)
{
	struct net_device *dev = view;
	struct cdn_glue *g = dev->netdev_ops ? cdn_glue_owner_of(dev->netdev_ops) : NULL;
	struct rtnl_link_stats64 s;

	if (!g || !dev->netdev_ops->ndo_get_stats64)
		return -EIO;
	memset(&s, 0, sizeof(s));
	dev->netdev_ops->ndo_get_stats64(dev, &s);
	if (cdn_glue_last_error(g) != CDN_OK)
		return -EIO; /* no answer, or a malformed one: nothing to take */
	out->rx_packets = s.rx_packets;
	out->tx_packets = s.tx_packets;
	out->rx_bytes = s.rx_bytes;
	out->tx_bytes = s.tx_bytes;
	out->rx_dropped = s.rx_dropped;
	out->tx_dropped = s.tx_dropped;
	return 0;
}

static int dummy_change_carrier(void *view, bool on)
{
	struct net_device *dev = view;

	if (!dev->netdev_ops || !dev->netdev_ops->ndo_change_carrier)
		return -EOPNOTSUPP;
	return dev->netdev_ops->ndo_change_carrier(dev, on);
}

static struct cordon_net_driver dummy_isolated = {
	.name = "dummy",
	.service = CORDON_SERVICE_DUMMY,
	.owner = THIS_MODULE,
	.host_init = dummy_host_init,
	.dispatch = dummy_host_dispatch,
	.check_glue = dummy_host_check,
	.call_init = dummy_call_dummy_init_module,
	.call_exit = dummy_call_dummy_cleanup_module,
	.get_stats = dummy_get_stats,
	.change_carrier = dummy_change_carrier,
	.rpc_rtnl_lock = dummy_RPC_rtnl_lock,
	.rpc_rtnl_unlock = dummy_RPC_rtnl_unlock,
};

static int __init dummy_kmod_init(void)
{
	return cordon_net_register(&dummy_isolated);
}

static void __exit dummy_kmod_exit(void)
{
	cordon_net_unregister(&dummy_isolated);
}

module_init(dummy_kmod_init);
module_exit(dummy_kmod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cordon: the dummy driver, isolated in a user-space domain");
