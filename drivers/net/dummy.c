// SPDX-License-Identifier: MIT
/*
 * dummy.c - a dummy network device, written for cordon in the style of
 * Linux's drivers/net/dummy.c: every packet sent to it is counted and
 * dropped. The same source runs linked into the host (native) or isolated in
 * a domain, where the kernel calls below are generated stubs
 * (drivers/net/dummy.idl) and the host calls back through trampolines.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>

#define DRV_NAME "dummy"

static int numdummies = 1;
module_param(numdummies, int, 0);
MODULE_PARM_DESC(numdummies, "Number of dummy pseudo devices (0 to 8)");

/* Transmit: count the packet, free it. */
static netdev_tx_t dummy_xmit(struct sk_buff *skb, struct net_device *dev)
{
    dev_lstats_add(dev, skb->len);
    skb_tx_timestamp(skb);
    dev_kfree_skb(skb);
    return NETDEV_TX_OK;
}

static int dummy_dev_init(struct net_device *dev)
{
    dev->lstats.packets = 0;
    dev->lstats.bytes = 0;
    return 0;
}

static void dummy_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *stats)
{
    dev_lstats_read(dev, &stats->tx_packets, &stats->tx_bytes);
}

static int dummy_change_carrier(struct net_device *dev, bool new_carrier)
{
    if (new_carrier)
        netif_carrier_on(dev);
    else
        netif_carrier_off(dev);
    return 0;
}

static const struct net_device_ops dummy_netdev_ops = {
    .ndo_init = dummy_dev_init,
    .ndo_start_xmit = dummy_xmit,
    .ndo_get_stats64 = dummy_get_stats64,
    .ndo_change_carrier = dummy_change_carrier,
};

static void dummy_setup(struct net_device *dev)
{
    ether_setup(dev);

    /* Initialize the device structure. */
    dev->netdev_ops = &dummy_netdev_ops;
    dev->needs_free_netdev = true;

    /* Fill in device structure with ethernet-generic values. */
    dev->flags |= IFF_NOARP;
    dev->flags &= ~IFF_MULTICAST;
    dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
    dev->features |= NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA | NETIF_F_LLTX;
    dev->features |= NETIF_F_GSO_SOFTWARE;
    dev->hw_features |= dev->features;
    dev->hw_enc_features |= dev->features;
    eth_hw_addr_random(dev);

    dev->min_mtu = 0;
    dev->max_mtu = 0;
}

static struct net_device *dummies[8];

static int __init dummy_init_one(int i)
{
    struct net_device *dev_dummy;
    int err;

    dev_dummy = alloc_netdev(0, "dummy%d", NET_NAME_ENUM, dummy_setup);
    if (!dev_dummy)
        return -ENOMEM;

    err = register_netdevice(dev_dummy);
    if (err < 0)
        goto err;
    dummies[i] = dev_dummy;
    return 0;

err:
    free_netdev(dev_dummy);
    return err;
}

static void dummy_remove_all(void)
{
    for (int i = 0; i < (int)ARRAY_SIZE(dummies); i++)
        if (dummies[i]) {
            unregister_netdevice(dummies[i]);
            dummies[i] = NULL;
        }
}

int __init dummy_init_module(void)
{
    int i, err = 0;

    if (numdummies < 0 || numdummies > (int)ARRAY_SIZE(dummies)) {
        pr_err("%s: numdummies=%d: 0 to %d devices\n", DRV_NAME, numdummies,
               (int)ARRAY_SIZE(dummies));
        return -EINVAL;
    }
    rtnl_lock();
    for (i = 0; i < numdummies && !err; i++)
        err = dummy_init_one(i);
    if (err)
        dummy_remove_all(); /* none of them stays, as Linux's dummy unwinds */
    rtnl_unlock();
    if (err)
        pr_err("%s: cannot create devices: %d\n", DRV_NAME, err);
    else
        pr_info("%s: %d device(s) ready\n", DRV_NAME, numdummies);
    return err;
}

void __exit dummy_cleanup_module(void)
{
    rtnl_lock();
    dummy_remove_all();
    rtnl_unlock();
}

module_init(dummy_init_module);
module_exit(dummy_cleanup_module);
MODULE_LICENSE("MIT");
MODULE_DESCRIPTION("Dummy netdevice driver (cordon case study)");
