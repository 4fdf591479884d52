/*
 * bad_netdev.h - the part of a misbehaving test network driver that behaves:
 * one device named NAME ("bad%d"), its ops table (the given transmit and a
 * stats read), and the module's init and exit (the dummy IDL's entry
 * points). The driver supplies only its transmit, where it misbehaves,
 * and may supply an ndo_uninit and a statement its exit runs first
 * (BAD_NETDEV_HOOKS).
 *
 *     static netdev_tx_t my_xmit(struct sk_buff *skb, struct net_device *dev);
 *     BAD_NETDEV("bad%d", my_xmit)
 */
#ifndef CORDON_TESTS_BAD_NETDEV_H
#define CORDON_TESTS_BAD_NETDEV_H

#include <linux/netdevice.h>

#define BAD_NETDEV(NAME, XMIT) BAD_NETDEV_HOOKS(NAME, XMIT, NULL, (void)0)
#define BAD_NETDEV_HOOKS(NAME, XMIT, UNINIT, BEFORE_EXIT)                                          \
    static struct net_device *bad_dev;                                                             \
    static void bad_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *stats)           \
    {                                                                                              \
        dev_lstats_read(dev, &stats->tx_packets, &stats->tx_bytes);                                \
    }                                                                                              \
    static const struct net_device_ops bad_ops = {                                                 \
        .ndo_uninit = UNINIT,                                                                      \
        .ndo_start_xmit = XMIT,                                                                    \
        .ndo_get_stats64 = bad_get_stats64,                                                        \
    };                                                                                             \
    static void bad_setup(struct net_device *dev)                                                  \
    {                                                                                              \
        ether_setup(dev);                                                                          \
        dev->netdev_ops = &bad_ops;                                                                \
    }                                                                                              \
    int dummy_init_module(void)                                                                    \
    {                                                                                              \
        bad_dev = alloc_netdev(0, NAME, NET_NAME_ENUM, bad_setup);                                 \
        if (!bad_dev)                                                                              \
            return -ENOMEM;                                                                        \
        return register_netdev(bad_dev);                                                           \
    }                                                                                              \
    /* no needs_free_netdev here: the driver frees its device */                                   \
    void dummy_cleanup_module(void)                                                                \
    {                                                                                              \
        BEFORE_EXIT;                                                                               \
        if (bad_dev) {                                                                             \
            unregister_netdev(bad_dev);                                                            \
            free_netdev(bad_dev);                                                                  \
        }                                                                                          \
    }

#endif
