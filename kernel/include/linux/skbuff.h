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

/* Host: allocates an skb with `size` bytes of data in the shared heap. */
struct sk_buff *alloc_skb(unsigned int size, gfp_t flags);
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
