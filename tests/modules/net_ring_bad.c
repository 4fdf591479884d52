/*
 * net_ring_bad.c - a network driver that misbehaves on purpose behind the
 * transmit ring (cordon_rings.h), with the glue of drivers/net/dummy.idl.
 * The packet length picks the fault:
 *   61  return a value that is neither NETDEV_TX_OK nor NETDEV_TX_BUSY,
 *       keeping the skb
 *   62  free the skb twice
 *   63  return NETDEV_TX_BUSY without freeing (legal: the host drops it)
 *   64  free the skb, then return NETDEV_TX_BUSY (it lies)
 *   65  keep the skb for good (return OK, never free it)
 *   66  post a completion naming a number the host never handed out
 *   67  post a completion message whose length disagrees with its counts
 *   68  crash (SIGSEGV) in the middle of a batch
 *   69  free the skb, then unregister and free its own device in the middle
 *       of a batch (the rest of the batch finds no device)
 *   70  hang (spin for good) in the middle of a batch
 *   71  rewrite its device's MTU, flags and features (the next reply that
 *       carries the device sends them: they must reach no real device)
 *   else  behave (count and free)
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <string.h>

#include "bad_netdev.h"
#include "driver_module.h"
#include "dummy_domain.h"

static volatile uintptr_t crash_at = 8;
static struct net_device *bad_dev; /* (defined by BAD_NETDEV below) */

static netdev_tx_t ring_bad_xmit(struct sk_buff *skb, struct net_device *dev)
{
    if (!bad_dev) { /* gone (69): nothing to count on */
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    dev_lstats_add(dev, skb->len);
    switch (skb->len) {
    case 61:
        return (netdev_tx_t)7;
    case 62:
        dev_kfree_skb(skb);
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    case 63:
        return NETDEV_TX_BUSY;
    case 64:
        dev_kfree_skb(skb);
        return NETDEV_TX_BUSY;
    case 65:
        return NETDEV_TX_OK; /* held: never freed */
    case 66: {
        struct {
            struct cdn_ring_done_hdr hdr;
            struct cdn_ring_run run;
        } m = {{1, 0, 0}, {0x7fffffffu, 1, 0}};
        cdn_glue_post(cdn_glue_current(), CDN_RPC_TXRING_DONE, &m, sizeof m);
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    case 67: {
        struct {
            struct cdn_ring_done_hdr hdr;
            struct cdn_ring_run run;
        } m = {{5, 0, 0}, {1, 1, 0}}; /* says 5 runs, carries 1 */
        cdn_glue_post(cdn_glue_current(), CDN_RPC_TXRING_DONE, &m, sizeof m);
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
    case 68:
        *(volatile int *)crash_at = 1;
        return NETDEV_TX_OK;
    case 69:
        dev_kfree_skb(skb);
        unregister_netdev(bad_dev);
        free_netdev(bad_dev);
        bad_dev = NULL;
        return NETDEV_TX_OK;
    case 71:
        dev->mtu = 7;
        dev->flags = 0;
        dev->features = ~0ull;
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    case 70:
        for (;;)
            __asm__ volatile("" ::: "memory");
    default:
        dev_kfree_skb(skb);
        return NETDEV_TX_OK;
    }
}

BAD_NETDEV("rbad%d", ring_bad_xmit)

static void ring_bad_rings(struct cdn_glue *g)
{
    cdn_dom_txring_setup(g, dummy_TYPE_net_device);
}

CDN_DRIVER_MODULE_RINGS(net_ring_bad, dummy_domain_init, dummy_domain_dispatch, ring_bad_rings);
