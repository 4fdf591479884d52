/*
 * ring_floor.c - `cordon-bench ringfloor`: what the transmit ring's host
 * bookkeeping costs by itself, on one thread, with no domain and no
 * messages: the floor under any isolated transmit built this way.
 *
 * native: alloc_skb, write a byte, free it (what the native dummy row does
 * around the driver's few instructions). ring: the same, plus what the
 * host does for the packets it hands to a ring - in-flight numbers for a
 * batch (cdn_inflight_post_run), 8-byte descriptors - and the free a batch
 * later, taken out of the table as a run (cdn_inflight_take_run) and freed
 * in bulk, as completions arrive. bare: the ring's work without the table.
 * xcore: the bare books with the descriptors going to a thread on the
 * domain's CPU (below). The loops alternate in every round; ratios are
 * medians of the rounds'.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/net/net_impl.h"
#include "bench.h"
#include "cordon_rings.h"
#include "linux/skbuff.h"

#define FLOOR_BATCH 32

static int native_loop(long n)
{
    for (long i = 0; i < n; i++) {
        struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
        if (!skb)
            return -1;
        skb->data[0] = (unsigned char)i;
        consume_skb(skb);
    }
    return 0;
}

/* An skb's descriptor, as the transmit ring writes it (describe in
 * kernel/net/txring.c). */
static inline void describe(struct cdn_txring_desc *d, const struct sk_buff *skb,
                            const uint8_t *base)
{
    d->data_off = (uint32_t)(skb->data - base);
    d->len = (uint16_t)skb->len;
    d->protocol = skb->protocol;
}

/* The descriptors of one batch. */
static void write_descs(struct cdn_txring_desc *desc, struct sk_buff *const *skbs, uint32_t n,
                        const uint8_t *base)
{
    for (uint32_t j = 0; j < n; j++)
        describe(&desc[j], skbs[j], base);
    __asm__ volatile("" ::"r"(desc) : "memory"); /* the descriptors are used */
}

/* What the transmit ring does on the host (kernel/net/txring.c): a batch
 * of 32 is entered in the in-flight table under consecutive numbers and
 * described; a batch's completions arrive while the next one is produced
 * (two in flight), are taken out of the table as a run and freed in bulk.
 * *oldest: the oldest number not yet taken back, across calls. */
static int ring_loop(long n, struct cdn_inflight *tab, uint32_t *oldest)
{
    const uint8_t *base = cdn_heap_base(cdn_kernel_heap());
    static struct cdn_txring_desc desc[FLOOR_BATCH];
    struct sk_buff *batch[FLOOR_BATCH];
    for (long i = 0; i < n; i++) {
        struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
        if (!skb)
            return -1;
        skb->data[0] = (unsigned char)i;
        batch[i % FLOOR_BATCH] = skb;
        if (i % FLOOR_BATCH != FLOOR_BATCH - 1)
            continue;
        uint32_t first;
        if (cdn_inflight_post_run(tab, (void *const *)batch, FLOOR_BATCH, &first) != FLOOR_BATCH)
            return -1;
        write_descs(desc, batch, FLOOR_BATCH, base);
        if (tab->live >= 2 * FLOOR_BATCH) {
            void *done[FLOOR_BATCH];
            uint32_t stale, forged;
            uint32_t got = cdn_inflight_take_run(tab, *oldest, FLOOR_BATCH, done, &stale, &forged);
            *oldest += FLOOR_BATCH;
            if (got)
                cdn_kfree_skb_bulk((struct sk_buff *const *)done, got);
        }
    }
    return 0;
}

/* The same without the table: the batches' skbs kept in a bare ring of
 * pointers, freed in bulk two batches later - what the books cost beyond
 * holding packets in flight at all. */
static int bare_loop(long n)
{
    const uint8_t *base = cdn_heap_base(cdn_kernel_heap());
    static struct cdn_txring_desc desc[FLOOR_BATCH];
    static struct sk_buff *ring[4 * FLOOR_BATCH];
    unsigned long head = 0, tail = 0;
    for (long i = 0; i < n; i++) {
        struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
        if (!skb)
            return -1;
        skb->data[0] = (unsigned char)i;
        ring[head++ % (4 * FLOOR_BATCH)] = skb;
        if (i % FLOOR_BATCH != FLOOR_BATCH - 1)
            continue;
        write_descs(desc, &ring[(head - FLOOR_BATCH) % (4 * FLOOR_BATCH)], FLOOR_BATCH, base);
        if (head - tail >= 2 * FLOOR_BATCH) {
            cdn_kfree_skb_bulk(&ring[tail % (4 * FLOOR_BATCH)], FLOOR_BATCH);
            tail += FLOOR_BATCH;
        }
    }
    while (tail < head)
        kfree_skb(ring[tail++ % (4 * FLOOR_BATCH)]);
    return 0;
}

/*
 * The least any transmit through a domain on the other CPU must do: the
 * bare books above, and each packet's 8-byte descriptor written into
 * memory both CPUs share, the producer's index published once a batch; a
 * consumer thread on the domain's CPU reads every descriptor and publishes
 * how far it got, and the host frees what was consumed, in bulk, a batch
 * later. No validation, no messages, no driver. Two things make it the
 * best of the variants tried (docs/benchmarks.md): each batch's
 * descriptors start a 4 KiB page of their own, as the channel's extension
 * chunks do - packed together, the consumer's hardware prefetchers, which
 * stay within a page, pulled in the lines the producer was writing next -
 * and the producer asks for the lines of the batch after next ahead of
 * time (PREFETCHW), so that taking them back from the consumer's cache
 * overlaps its own work. What is left is the price of the second CPU
 * itself: the cache lines that must move.
 *
 * Run a second time with the consumer reading only the index, never the
 * descriptors (no transmit can do that: the domain must learn what to
 * send), it shows what the index exchange alone costs.
 */
#define XC_SLOTS 256u /* as CDN_RING_SLOTS */

#define XC_PAGE    4096u
#define XC_BATCHES (XC_SLOTS / FLOOR_BATCH)

struct xcore_ring {
    /* batch b's descriptors at the start of page b % XC_BATCHES */
    _Alignas(
        XC_PAGE) struct cdn_txring_desc desc[XC_BATCHES][XC_PAGE / sizeof(struct cdn_txring_desc)];
    /* 128 bytes apart: the spatial prefetcher fetches lines in pairs */
    _Alignas(128) unsigned long produced; /* host: descriptors written */
    _Alignas(128) unsigned long consumed; /* consumer: descriptors read */
    _Alignas(128) int stop;
    int read_descs;         /* the consumer reads each descriptor */
    unsigned long checksum; /* the consumer's, so that the reads happen */
    int cpu;
};

/* The descriptor of the packet numbered i. */
static inline struct cdn_txring_desc *xcore_desc(struct xcore_ring *x, unsigned long i)
{
    return &x->desc[(i / FLOOR_BATCH) % XC_BATCHES][i % FLOOR_BATCH];
}

static void *xcore_consumer(void *arg)
{
    struct xcore_ring *x = arg;
    bench_pin(x->cpu);
    unsigned long at = 0, sum = 0;
    while (!__atomic_load_n(&x->stop, __ATOMIC_RELAXED)) {
        unsigned long upto = __atomic_load_n(&x->produced, __ATOMIC_ACQUIRE);
        if (upto == at) {
            __builtin_ia32_pause();
            continue;
        }
        if (__atomic_load_n(&x->read_descs, __ATOMIC_RELAXED))
            for (unsigned long i = at; i < upto; i++)
                sum += xcore_desc(x, i)->len + xcore_desc(x, i)->data_off;
        at = upto;
        __atomic_store_n(&x->consumed, at, __ATOMIC_RELEASE);
    }
    x->checksum = sum;
    return NULL;
}

static inline void prefetch_for_write(const void *p)
{
#if defined(__x86_64__)
    __asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
    __builtin_prefetch(p, 1, 3);
#endif
}

/* Frees the held skbs up to what the consumer says it consumed. */
static void xcore_reap(struct xcore_ring *x, struct sk_buff **held, unsigned long *tail)
{
    unsigned long done = __atomic_load_n(&x->consumed, __ATOMIC_ACQUIRE);
    for (; *tail < done; *tail += FLOOR_BATCH)
        cdn_kfree_skb_bulk(&held[*tail % XC_SLOTS], FLOOR_BATCH);
}

static int xcore_loop(long n, struct xcore_ring *x, int read_descs)
{
    const uint8_t *base = cdn_heap_base(cdn_kernel_heap());
    static struct sk_buff *held[XC_SLOTS];
    __atomic_store_n(&x->read_descs, read_descs, __ATOMIC_RELAXED);
    unsigned long head = __atomic_load_n(&x->produced, __ATOMIC_RELAXED), tail = head;
    for (long i = 0; i < n; i++) {
        struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
        if (!skb)
            return -1;
        skb->data[0] = (unsigned char)i;
        while (head - tail == XC_SLOTS) /* full: wait for the consumer */
            xcore_reap(x, held, &tail);
        describe(xcore_desc(x, head), skb, base);
        held[head++ % XC_SLOTS] = skb;
        if (head % FLOOR_BATCH)
            continue;
        __atomic_store_n(&x->produced, head, __ATOMIC_RELEASE);
        const char *next = (const char *)xcore_desc(x, head + FLOOR_BATCH);
        for (size_t off = 0; off < FLOOR_BATCH * sizeof(struct cdn_txring_desc); off += 64)
            prefetch_for_write(next + off);
        if (head - tail >= 2 * FLOOR_BATCH) /* as the ring: completions a batch later */
            xcore_reap(x, held, &tail);
    }
    while (tail < head) /* the last ones */
        xcore_reap(x, held, &tail);
    return 0;
}

int bench_ringfloor(const struct bench_opts *o)
{
    bench_pin(o->host_cpu);
    double tpn = bench_tsc_per_ns();
    const int rounds = o->rounds ? o->rounds : o->quick ? 3 : 15;
    long n = o->ops ? o->ops : o->quick ? 100000 : 1000000;
    if (cdn_kernel_init(64u << 20) != 0)
        return 1;
    struct cdn_inflight tab;
    if (cdn_inflight_init(&tab) != CDN_OK)
        return 1;
    uint32_t oldest = 1;
    double nat[100], ring[100], bare[100], xcore[100], xindex[100];
    int failed = 0;
    static struct xcore_ring x;
    memset(&x, 0, sizeof x);
    x.cpu = o->dom_cpu;
    pthread_t consumer;
    if (pthread_create(&consumer, NULL, xcore_consumer, &x) != 0) {
        fprintf(stderr, "cordon-bench: ringfloor: cannot start the consumer thread\n");
        cdn_inflight_free(&tab);
        cdn_kernel_exit();
        return 1;
    }
    n = n < FLOOR_BATCH ? FLOOR_BATCH : n - n % FLOOR_BATCH; /* whole batches */
    for (int r = 0; r < rounds && !failed; r++) {
        bench_progress(r + 1, rounds, "ringfloor");
        uint64_t t0 = bench_tsc();
        failed |= native_loop(n);
        uint64_t t1 = bench_tsc();
        failed |= ring_loop(n, &tab, &oldest);
        uint64_t t2 = bench_tsc();
        while (tab.live) { /* the last completions */
            int stale;
            struct sk_buff *skb = cdn_inflight_take(&tab, oldest++, &stale);
            if (skb)
                kfree_skb(skb);
        }
        uint64_t t3 = bench_tsc();
        failed |= bare_loop(n);
        uint64_t t4 = bench_tsc();
        failed |= xcore_loop(n, &x, 1);
        uint64_t t5 = bench_tsc();
        failed |= xcore_loop(n, &x, 0);
        xindex[r] = (double)(bench_tsc() - t5) / (double)n;
        xcore[r] = (double)(t5 - t4) / (double)n;
        bare[r] = (double)(t4 - t3) / (double)n;
        nat[r] = (double)(t1 - t0) / (double)n;
        ring[r] = (double)(t2 - t1) / (double)n;
    }
    __atomic_store_n(&x.stop, 1, __ATOMIC_RELAXED);
    pthread_join(consumer, NULL);
    cdn_inflight_free(&tab);
    cdn_kernel_exit();
    if (failed) {
        fprintf(stderr, "cordon-bench: ringfloor: an allocation failed\n");
        return 1;
    }
    double ratio[100], bratio[100], xratio[100], iratio[100];
    for (int r = 0; r < rounds; r++) {
        ratio[r] = nat[r] / ring[r];
        bratio[r] = nat[r] / bare[r];
        xratio[r] = nat[r] / xcore[r];
        iratio[r] = nat[r] / xindex[r];
    }
    double xm = bench_median(xcore, rounds), xrm = bench_median(xratio, rounds),
           im = bench_median(xindex, rounds), irm = bench_median(iratio, rounds);
    double rm = bench_median(ratio, rounds), nm = bench_median(nat, rounds),
           gm = bench_median(ring, rounds), bm = bench_median(bare, rounds),
           brm = bench_median(bratio, rounds);
    if (o->json)
        printf("{\"bench\":\"ringfloor\",\"tsc_ghz\":%.4f,\"packets\":%ld,\"rounds\":%d,"
               "\"native_ticks_per_op\":%.1f,\"ring_ticks_per_op\":%.1f,\"ratio\":%.3f,"
               "\"bare_ticks_per_op\":%.1f,\"bare_ratio\":%.3f,"
               "\"xcore_ticks_per_op\":%.1f,\"xcore_ratio\":%.3f,"
               "\"xcore_index_ticks_per_op\":%.1f,\"xcore_index_ratio\":%.3f}\n",
               tpn, n, rounds, nm, gm, rm, bm, brm, xm, xrm, im, irm);
    else
        printf("native (alloc, touch, free)             %6.1f ticks/pkt\n"
               "ring bookkeeping, no domain, no I/O     %6.1f ticks/pkt\n"
               "  the same without the in-flight table  %6.1f ticks/pkt\n"
               "native / ring                           %6.1f%%  (the ceiling of an isolated\n"
               "                                                 transmit that keeps these books)\n"
               "native / ring without the table         %6.1f%%  (packets held in flight alone)\n"
               "bare books + descriptors read on CPU %-2d %6.1f ticks/pkt\n"
               "  the same, the consumer reading only the index\n"
               "                                        %6.1f ticks/pkt\n"
               "native / bare books + descriptors       %6.1f%%  (the least a transmit to a\n"
               "                                                 domain on the other CPU costs)\n"
               "native / the index alone                %6.1f%%  (the exchange of indices)\n"
               "(medians of %d rounds of %ld packets in batches of %d, two in flight; one\n"
               " thread, and for the last two rows a consumer thread; TSC at %.3f GHz)\n",
               nm, gm, bm, rm * 100, brm * 100, o->dom_cpu, xm, im, xrm * 100, irm * 100, rounds, n,
               FLOOR_BATCH, tpn);
    return 0;
}
