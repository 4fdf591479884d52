/* linux/skbuff.h - socket buffers. The packet bytes live in the shared heap,
 * so a domain reads them in place (zero copy); the sk_buff itself is a host
 * object the domain sees through a shadow. */
#ifndef CDN_LINUX_SKBUFF_H
#define CDN_LINUX_SKBUFF_H

#include "linux/kernel.h"

struct net_device;

struct sk_buff {
    unsigned int len;
    unsigned char *data; /* in the shared heap */
    struct net_device *dev;
    u16 protocol;
    u64 cookie; /* host-private; never crosses */
};

/* Host: allocates an skb with `size` bytes of data in the host's heap. */
struct sk_buff *alloc_skb(unsigned int size, gfp_t flags);
/* The same, for dev (skb->dev set): its data in the heap of dev's driver,
 * so that sending it there copies nothing (as Linux's netdev_alloc_skb
 * allocates with the device's needs in mind). */
struct sk_buff *netdev_alloc_skb(struct net_device *dev, unsigned int size);
/* cordon: moves skb's data into heap `to` (a copy, counted in
 * cdn_kernel_stats.skbs_copied) unless it is there already. A driver's
 * domain maps its own heap and no other: data bound for it must live
 * there. 0, -ENOMEM, or -EINVAL for a pointer that is no live skb. */
struct cdn_heap;
int cdn_skb_bind_heap(struct sk_buff *skb, struct cdn_heap *to);
void kfree_skb(struct sk_buff *skb);
void consume_skb(struct sk_buff *skb);

static inline void dev_kfree_skb(struct sk_buff *skb)
{
    consume_skb(skb);
}

static inline void skb_tx_timestamp(struct sk_buff *skb)
{
    (void)skb;
}

#endif
