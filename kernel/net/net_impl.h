/*
 * net_impl.h - the net subsystem's private declarations, shared by its
 * files (dev.c, skbuff.c, txring.c) and reached by the core only through
 * its hooks (kernel/core/subsys.h).
 */
#ifndef CORDON_KERNEL_NET_IMPL_H
#define CORDON_KERNEL_NET_IMPL_H

#include <stdbool.h>

#include "../core/core_impl.h"

struct net_device;
struct sk_buff;

/* kfree_skb on each of skbs[0..n) (a run of completions), in one pass:
 * the glues asked once, the heap once (as Linux's napi_consume_skb frees
 * transmitted skbs in bulk). A pointer that is no live skb is reported and
 * skipped, as kfree_skb does. */
void cdn_kfree_skb_bulk(struct sk_buff *const *skbs, uint32_t n);

/* The subsystem's hooks (dev.c registers them). */
/* Forgets all network devices and restarts naming (kernel bring-up). */
void cdn_net_reset(void);
/* Points devices whose ops belong to glue g at inert ops and remembers their
 * driver (owner); returns how many. */
int cdn_net_orphan(struct cdn_glue *g, void *owner);
/* A driver that stayed down is unloaded: free the devices it left orphaned. */
int cdn_net_release_orphans(void *owner);
/* A ring message from the driver (a completion batch): checks and applies
 * it. Returns CDN_OK, or CDN_EPROTO / CDN_EBADH for a malformed message or
 * a forged handle (what the supervisor's strict mode punishes). */
int cdn_txring_done(struct cdn_driver *drv, const void *buf, uint32_t len);
/* The driver's domain is gone: frees every skb it held and every packet
 * waiting for a batch (counted as reclaimed), and drops the devices'
 * rings (made again when the restarted driver re-attaches). */
void cdn_net_rings_reclaim(struct cdn_driver *drv);
/* The host is idle: bursts left open go out. */
void cdn_net_rings_idle(void);

/* The transmit ring of a device whose driver has one (register_netdevice). */
void cdn_txring_attach(struct net_device *dev);
void cdn_txring_detach(struct net_device *dev);
int cdn_txring_xmit(struct net_device *dev, struct sk_buff *skb, bool more);
int cdn_txring_flush(struct net_device *dev);

/* The skb head pool (skbuff.c), made and dropped with the kernel. */
int cdn_skb_pool_init(void);
void cdn_skb_pool_exit(void);
/* Nonzero while skb is allocated and not yet freed. */
int cdn_skb_live(const struct sk_buff *skb);
unsigned long cdn_skbs_live(void);

#endif
