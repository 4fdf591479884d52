/*
 * skbuff.c - socket buffers for the host. Data lives in the shared heap, so
 * an isolated driver reads packets in place; the host frees both parts and
 * first makes every domain forget the skb (no dangling handle).
 */
#include "../../src/glue/hmap.h"
#include "../core/core_impl.h"
#include "cordon/glue.h"
#include "linux/skbuff.h"

/* Every live skb, so that the core can tell a double free (or a driver that
 * failed to free) from a normal one, in every mode: native drivers too. */
static struct cdn_hmap live;

int cdn_skb_live(const struct sk_buff *skb)
{
    return cdn_hmap_get(&live, (uint64_t)(uintptr_t)skb) != NULL;
}

unsigned long cdn_skbs_live(void)
{
    return (unsigned long)live.count;
}

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
    if (cdn_hmap_put(&live, (uint64_t)(uintptr_t)skb, skb, 0) != 0) {
        cdn_heap_free(h, ref, CDN_HEAP_HOST);
        free(skb);
        return NULL;
    }
    cdn_kstats.skbs_allocated++;
    return skb;
}

void kfree_skb(struct sk_buff *skb)
{
    if (!skb)
        return;
    if (cdn_hmap_del(&live, (uint64_t)(uintptr_t)skb) != 0) {
        cdn_kstats.skb_double_frees++;
        printk(KERN_ERR "skb %p freed twice (or never allocated); ignored\n", (void *)skb);
        return;
    }
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
