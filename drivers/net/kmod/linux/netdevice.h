/* SPDX-License-Identifier: GPL-2.0 */
/*
 * linux/netdevice.h as the kernel half of the dummy driver's glue sees it:
 * the driver's view of the network core, the structs dummy.idl projects and
 * no more (linux/etherdevice.h and linux/rtnetlink.h beside it add nothing
 * of their own). tests/kernel/run.sh puts these files beside the generated
 * host glue, so the IDL's includes find them before Linux's.
 *
 * Why not Linux's own: a reply from the domain writes the fields of the
 * objects it names, and if those were the real net_device a hostile driver
 * could rewrite a live device's flags, MTU or features at any call. These
 * objects are the driver's model of its device, kept on the host for its
 * handles; the real net_device is cordon.ko's (kmod/net.c), made from the
 * model once the driver's init has returned, its fields checked, and it
 * outlives the domain: a restarted driver's model takes the same device
 * over.
 */
#ifndef CORDON_KMOD_DUMMY_VIEW_H
#define CORDON_KMOD_DUMMY_VIEW_H

#include <linux/types.h>

struct net_device;
struct sk_buff;
struct rtnl_link_stats64;

enum netdev_tx { NETDEV_TX_OK = 0, NETDEV_TX_BUSY = 16 };

struct net_device_ops {
	s32 (*ndo_init)(struct net_device *dev);
	void (*ndo_uninit)(struct net_device *dev);
	enum netdev_tx (*ndo_start_xmit)(struct sk_buff *skb, struct net_device *dev);
	void (*ndo_get_stats64)(struct net_device *dev, struct rtnl_link_stats64 *storage);
	s32 (*ndo_change_carrier)(struct net_device *dev, bool new_carrier);
};

struct net_device {
	char name[16];
	unsigned int flags;
	unsigned int priv_flags;
	unsigned int mtu, min_mtu, max_mtu;
	unsigned short type;
	unsigned short hard_header_len;
	unsigned char addr_len;
	unsigned char dev_addr[6];
	u64 features, hw_features, hw_enc_features;
	bool needs_free_netdev;
	const struct net_device_ops *netdev_ops;
	/* the host's own (not projected) */
	void *chan;	 /* the struct cordon_netchan whose driver made it */
	bool registered; /* register_netdevice took it */
	bool carrier;	 /* netif_carrier_on/off, as the driver last said */
};

struct sk_buff {
	u32 len;
	u16 protocol;
	unsigned char *data;
};

struct rtnl_link_stats64 {
	u64 rx_packets, tx_packets, rx_bytes, tx_bytes, rx_dropped, tx_dropped;
};

/* The host functions dummy.idl names (drivers/net/kmod/dummy_kmod.c). */
struct net_device *alloc_netdev_mqs(int sizeof_priv, const char *name,
				    unsigned char name_assign_type,
				    void (*setup)(struct net_device *dev), unsigned int txqs,
				    unsigned int rxqs);
void free_netdev(struct net_device *dev);
int register_netdevice(struct net_device *dev);
int register_netdev(struct net_device *dev);
void unregister_netdevice(struct net_device *dev);
void unregister_netdev(struct net_device *dev);
void ether_setup(struct net_device *dev);
void eth_hw_addr_random(struct net_device *dev);
void netif_carrier_on(struct net_device *dev);
void netif_carrier_off(struct net_device *dev);
void consume_skb(struct sk_buff *skb);
void rtnl_lock(void);
void rtnl_unlock(void);
void cdn_kernel_log(const char *msg);

#endif
