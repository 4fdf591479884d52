/*
 * ring_floor.c - `cordon-bench ringfloor`: what the transmit ring's host
 * bookkeeping costs by itself, on one thread, with no domain and no
 * messages: the floor under any isolated transmit built this way.
 *
 * native: alloc_skb, write a byte, free it (what the native dummy row does
 * around the driver's few instructions). ring: the same, plus what the
 * host does for a packet it hands to a ring - an in-flight number
 * (cdn_inflight_post), an 8-byte descriptor - and the free a batch later,
 * through the table (cdn_inflight_take), as completions arrive. Both loops
 * alternate in every round; the ratio is the median of the rounds'.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/core/core_impl.h"
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

/* *oldest: the oldest number not yet taken back, across calls. */
static int ring_loop(long n, struct cdn_inflight *tab, uint32_t *oldest)
{
    const uint8_t *base = cdn_heap_base(cdn_kernel_heap());
    static struct cdn_net_tx_desc desc[FLOOR_BATCH];
    for (long i = 0; i < n; i++) {
        struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
        uint32_t seq;
        if (!skb || cdn_inflight_post(tab, skb, &seq) != CDN_OK)
            return -1;
        skb->data[0] = (unsigned char)i;
        struct cdn_net_tx_desc *d = &desc[i % FLOOR_BATCH];
        d->data_off = (uint32_t)(skb->data - base);
        d->len = (uint16_t)skb->len;
        d->protocol = skb->protocol;
        /* a batch's completions arrive while the next one is produced */
        if (i % FLOOR_BATCH == FLOOR_BATCH - 1 && tab->live >= 2 * FLOOR_BATCH)
            for (int k = 0; k < FLOOR_BATCH; k++) {
                int stale;
                kfree_skb(cdn_inflight_take(tab, (*oldest)++, &stale));
            }
    }
    __asm__ volatile("" ::"r"(desc) : "memory"); /* the descriptors are used */
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
    double nat[100], ring[100];
    int failed = 0;
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
        nat[r] = (double)(t1 - t0) / (double)n;
        ring[r] = (double)(t2 - t1) / (double)n;
    }
    cdn_inflight_free(&tab);
    cdn_kernel_exit();
    if (failed) {
        fprintf(stderr, "cordon-bench: ringfloor: an allocation failed\n");
        return 1;
    }
    double ratio[100];
    for (int r = 0; r < rounds; r++)
        ratio[r] = nat[r] / ring[r];
    double rm = bench_median(ratio, rounds), nm = bench_median(nat, rounds),
           gm = bench_median(ring, rounds);
    if (o->json)
        printf("{\"bench\":\"ringfloor\",\"tsc_ghz\":%.4f,\"packets\":%ld,\"rounds\":%d,"
               "\"native_ticks_per_op\":%.1f,\"ring_ticks_per_op\":%.1f,\"ratio\":%.3f}\n",
               tpn, n, rounds, nm, gm, rm);
    else
        printf("native (alloc, touch, free)          %6.1f ticks/pkt\n"
               "ring bookkeeping, no domain, no I/O  %6.1f ticks/pkt\n"
               "native / ring                        %6.1f%%  (the ceiling of an isolated\n"
               "                                              transmit that keeps these books)\n"
               "(medians of %d rounds of %ld packets, one thread; TSC at %.3f GHz)\n",
               nm, gm, rm * 100, rounds, n, tpn);
    return 0;
}
