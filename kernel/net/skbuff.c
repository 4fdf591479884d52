/*
 * skbuff.c - socket buffers for the host. Data lives in the shared heap, so
 * an isolated driver reads packets in place; the host frees both parts and
 * first makes every domain forget the skb (no dangling handle).
 */
#include "../core/core_impl.h"
#include "cordon/glue.h"
#include "linux/skbuff.h"

struct sk_buff *alloc_skb(unsigned int size, gfp_t flags)
{
    (void)flags;
    struct cdn_heap *h = cdn_kernel_heap();
    if (!h || size == 0 || size > CDN_HEAP_MAX_OBJ)
        return NULL;
    struct sk_buff *skb = calloc(1, sizeof *skb);
    if (!skb)
        return NULL;
    cdn_href ref;
    void *data;
    if (cdn_heap_alloc(h, CDN_HEAP_HOST, size, &ref, &data) != 0) {
        free(skb);
        return NULL;
    }
    skb->data = data;
    skb->len = size;
    cdn_kstats.skbs_allocated++;
    return skb;
}

void kfree_skb(struct sk_buff *skb)
{
    if (!skb)
        return;
    cdn_glue_forget_everywhere(skb);
    cdn_href ref;
    size_t len;
    if (skb->data && cdn_heap_ref_of(cdn_kernel_heap(), skb->data, &ref, &len) == 0) {
        /* Whoever holds the buffer now, it goes back to the host to be freed. */
        uint32_t owner;
        if (cdn_heap_owner(cdn_kernel_heap(), ref, &owner) == 0 && owner != CDN_HEAP_HOST)
            cdn_heap_move(cdn_kernel_heap(), ref, owner, CDN_HEAP_HOST);
        cdn_heap_free(cdn_kernel_heap(), ref, CDN_HEAP_HOST);
    }
    cdn_kstats.skbs_freed++;
    free(skb);
}

void consume_skb(struct sk_buff *skb)
{
    kfree_skb(skb);
}
