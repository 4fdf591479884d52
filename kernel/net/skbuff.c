/*
 * skbuff.c - socket buffers for the host. Data lives in the shared heap, so
 * an isolated driver reads packets in place; the host frees both parts and
 * first makes every domain forget the skb (no dangling handle).
 */
#include <string.h>
#include <sys/mman.h>

#include "net_impl.h"
#include "cordon/glue.h"
#include "linux/netdevice.h"
#include "linux/skbuff.h"

/*
 * skb heads come from one pool, reserved when the kernel comes up and
 * touched as it is used (as Linux's skbuff_head_cache): a freed head goes
 * on a LIFO list and is the next one handed out, so the same few heads stay
 * warm in the cache whether packets are freed at once (a native driver) or
 * a batch later (a transmit ring). Each head carries its state, so the core
 * tells a double free, or a pointer that is no skb at all, from a normal
 * free without a lookup: the pointer must lie in the pool on a head's
 * boundary, and the head must be live.
 */
#define SKB_POOL_MAX 65536u /* live skbs at once; alloc_skb fails beyond */

enum { HEAD_FREE = 0, HEAD_LIVE = 0x5c1b };

struct skb_head {
    struct sk_buff skb;    /* first: the skb's address is the head's */
    cdn_href data_ref;     /* its data in the shared heap */
    struct cdn_heap *heap; /* which: the host's, or the driver's it is bound for */
    uint32_t state;
    uint32_t next_free; /* index + 1 of the next free head, or 0 */
};

static struct skb_head *pool;
static uint32_t pool_used; /* heads ever handed out (the rest never touched) */
static uint32_t free_top;  /* index + 1 of the first free head, or 0 */
static unsigned long nlive;

static struct skb_head *head_of(const struct sk_buff *skb)
{
    uintptr_t at = (uintptr_t)skb, base = (uintptr_t)pool;
    if (!pool || at < base || at >= base + (uintptr_t)pool_used * sizeof *pool ||
        (at - base) % sizeof *pool != 0)
        return NULL;
    return (struct skb_head *)skb;
}

int cdn_skb_pool_init(void)
{
    if (pool)
        return 0;
    void *p = mmap(NULL, SKB_POOL_MAX * sizeof *pool, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return -ENOMEM;
    pool = p;
    pool_used = free_top = 0;
    nlive = 0;
    return 0;
}

void cdn_skb_pool_exit(void)
{
    if (pool)
        munmap(pool, SKB_POOL_MAX * sizeof *pool);
    pool = NULL;
    pool_used = free_top = 0;
    nlive = 0;
}

int cdn_skb_live(const struct sk_buff *skb)
{
    struct skb_head *h = head_of(skb);
    return h && h->state == HEAD_LIVE;
}

unsigned long cdn_skbs_live(void)
{
    return nlive;
}

/* An skb whose data lives in heap. */
static struct sk_buff *skb_alloc_in(struct cdn_heap *heap, unsigned int size)
{
    if (!heap || !pool || size == 0 || size > CDN_HEAP_CHUNK)
        return NULL;
    struct skb_head *h;
    if (free_top) {
        h = &pool[free_top - 1];
        free_top = h->next_free;
    } else if (pool_used < SKB_POOL_MAX) {
        h = &pool[pool_used++];
    } else {
        return NULL;
    }
    void *data;
    if (cdn_heap_alloc(heap, CDN_HEAP_HOST, size, &h->data_ref, &data) != 0) {
        h->next_free = free_top;
        free_top = (uint32_t)(h - pool) + 1;
        return NULL;
    }
    memset(&h->skb, 0, sizeof h->skb);
    h->heap = heap;
    h->skb.data = data;
    h->skb.len = size;
    h->state = HEAD_LIVE;
    nlive++;
    cdn_kstats.skbs_allocated++;
    return &h->skb;
}

struct sk_buff *alloc_skb(unsigned int size, gfp_t flags)
{
    (void)flags;
    return skb_alloc_in(cdn_kernel_heap(), size);
}

struct sk_buff *netdev_alloc_skb(struct net_device *dev, unsigned int size)
{
    struct sk_buff *skb = skb_alloc_in(dev && dev->heap ? dev->heap : cdn_kernel_heap(), size);
    if (skb)
        skb->dev = dev;
    return skb;
}

int cdn_skb_bind_heap(struct sk_buff *skb, struct cdn_heap *to)
{
    struct skb_head *h = head_of(skb);
    if (!h || h->state != HEAD_LIVE)
        return -EINVAL;
    if (h->heap == to)
        return 0;
    cdn_href ref;
    void *data;
    if (cdn_heap_alloc(to, CDN_HEAP_HOST, skb->len, &ref, &data) != 0)
        return -ENOMEM;
    memcpy(data, skb->data, skb->len);
    cdn_heap_free_any(h->heap, h->data_ref);
    h->heap = to;
    h->data_ref = ref;
    skb->data = data;
    cdn_kstats.skbs_copied++;
    return 0;
}

/* skb's head, if skb is a live skb, now marked free (so a second mention
 * is caught as a double free); NULL, reported, if it is not. */
static struct skb_head *take_live(struct sk_buff *skb)
{
    struct skb_head *h = head_of(skb);
    if (!h || h->state != HEAD_LIVE) {
        cdn_kstats.skb_double_frees++;
        printk(KERN_ERR "skb %p freed twice (or never allocated); ignored\n", (void *)skb);
        return NULL;
    }
    h->state = HEAD_FREE;
    return h;
}

/* A head whose skb is forgotten and whose data is freed goes back on the
 * list, the next one handed out. */
static void push_free(struct skb_head *h)
{
    h->next_free = free_top;
    free_top = (uint32_t)(h - pool) + 1;
    nlive--;
    cdn_kstats.skbs_freed++;
}

void kfree_skb(struct sk_buff *skb)
{
    struct skb_head *h = skb ? take_live(skb) : NULL;
    if (!h)
        return;
    cdn_glue_forget_everywhere(skb);
    /* Whoever holds the buffer now, it goes back to the host to be freed. */
    cdn_heap_free_any(h->heap, h->data_ref);
    push_free(h);
}

void cdn_kfree_skb_bulk(struct sk_buff *const *skbs, uint32_t n)
{
    struct skb_head *heads[64];
    void *objs[64];
    cdn_href refs[64];
    while (n > 0) {
        uint32_t k = n < 64 ? n : 64, nheads = 0;
        /* Only live skbs go on, each once; nothing else is handed to the
         * glues or the heap. A run ends where the heap changes (a batch
         * comes from one driver's ring: one heap). */
        struct cdn_heap *heap = NULL;
        for (uint32_t i = 0; i < k; i++) {
            struct skb_head *h = skbs[i] ? take_live(skbs[i]) : NULL; /* NULL: as kfree_skb */
            if (!h)
                continue;
            if (heap && h->heap != heap) {
                k = i; /* the rest in the next round */
                h->state = HEAD_LIVE;
                break;
            }
            heap = h->heap;
            refs[nheads] = h->data_ref;
            objs[nheads] = &h->skb;
            heads[nheads++] = h;
        }
        cdn_glue_forget_everywhere_bulk(objs, nheads);
        if (heap)
            cdn_heap_free_any_bulk(heap, refs, nheads);
        for (uint32_t i = 0; i < nheads; i++)
            push_free(heads[i]);
        skbs += k;
        n -= k;
    }
}

void consume_skb(struct sk_buff *skb)
{
    kfree_skb(skb);
}
