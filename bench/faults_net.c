/*
 * faults_net.c - the network workload of `cordon-bench faults`: a
 * deliberately misbehaving network driver (tests/modules/net_bad.c behind
 * the dummy IDL) in a process domain while traffic flows. Each fault is a
 * packet whose length tells the driver how to misbehave: an out-of-range
 * return value, a double free, a made-up object, a crash, a hang, abort(),
 * wild writes over its own channel, an allocation storm, a forged handle,
 * an undeclared rpc id, an oversized message, a slow reply. The supervisor
 * (kernel/core/driver.c) restarts the driver when it died, hung or broke the
 * protocol, and traffic goes on.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon_kernel.h"
#include "faults.h"
#include "linux/netdevice.h"

extern const struct cdn_driver_desc cdn_dummy_driver;

static const struct {
    unsigned len;
    const char *name;
} kinds[] = {
    {61, "bad-return"},    {62, "double-free"},    {63, "forged-object"},     {64, "segfault"},
    {65, "hang"},          {66, "abort"},          {67, "wild-writes"},       {68, "alloc-storm"},
    {69, "forged-handle"}, {70, "undeclared-rpc"}, {71, "oversized-message"}, {72, "slow-reply"}};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* Posts one packet; with more, others follow in the same ring message. */
static int post(struct net_device *dev, unsigned len, bool more)
{
    struct sk_buff *skb = netdev_alloc_skb(dev, len);
    if (!skb)
        return -ENOMEM;
    return dev_queue_xmit_more(skb, more);
}

/* One packet through the transmit ring, and the driver's answer for it:
 * 0 only if it was posted and the driver then answered in time. */
static int xmit(struct net_device *dev, unsigned len)
{
    int r = post(dev, len, false);
    int s = cdn_txring_sync(dev);
    return r ? r : s;
}

int campaign_net(const struct bench_opts *o, int nfaults, uint64_t seed, struct campaign *c)
{
    memset(c, 0, sizeof *c);
    struct cdn_driver_desc bad = cdn_dummy_driver;
    bad.name = "net_bad";
    struct cdn_driver drv;
    if (campaign_begin(o, &bad, 128ull << 20, &drv) != 0)
        return 1;
    struct net_device *dev = dev_get_by_name("bad0");

    /* a clean run first: the throughput to compare with (bursts of 32) */
    int64_t t0 = cdn_now_ns();
    long clean = 0;
    while (cdn_now_ns() - t0 < 200000000LL)
        for (int i = 0; i < 32; i++)
            clean += post(dev, 100, i < 31) == 0;
    double clean_pps = (double)clean / ((double)(cdn_now_ns() - t0) / 1e9);

    long injected = 0, recovered = 0, not_recovered = 0, restarts = 0, normal_ok = 0;
    long per_kind[NKINDS] = {0};
    double *rec_ms = calloc((size_t)nfaults + 1, sizeof(double));
    int64_t c0 = cdn_now_ns();
    for (int f = 0; f < nfaults; f++) {
        /* normal traffic, then the faulty packet at the end of the burst */
        for (uint64_t k = campaign_rnd(&seed) % 64; k > 0; k--)
            normal_ok += post(dev, 100, true) == 0;
        unsigned kind = (unsigned)(campaign_rnd(&seed) % NKINDS);
        unsigned long before = drv.stats.restarts;
        xmit(dev, kinds[kind].len);
        injected++;
        per_kind[kind]++;
        /* The supervisor restarted the driver inside the transmit (or the
         * sync after it) if the fault called for it; does the driver work
         * again? A failure here (say, a fault that only shows on the next
         * crossing) gets the supervisor's step and another try. */
        int ok = 0;
        for (int attempt = 0; attempt < 3 && !ok; attempt++) {
            ok = xmit(dev, 100) == 0;
            if (!ok)
                cdn_driver_check(&drv);
        }
        if (drv.stats.restarts > before) /* one sample per fault: the last restart */
            rec_ms[restarts++] = drv.stats.last_restart_ms;
        if (ok)
            recovered++;
        else
            not_recovered++;
        if ((f + 1) % (nfaults / 10 ? nfaults / 10 : 1) == 0)
            fprintf(stderr, "[net %d/%d faults] recovered %ld, restarts %ld\n", f + 1, nfaults,
                    recovered, restarts);
    }
    double secs = (double)(cdn_now_ns() - c0) / 1e9;
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    c->workload = "net";
    c->injected = injected;
    c->recovered = recovered;
    c->not_recovered = not_recovered;
    c->restarts = restarts;
    c->rec_ms = rec_ms;
    c->leaked = (long)(k.skbs_allocated - k.skbs_freed);
    c->throughput_ratio = clean_pps > 0 ? ((double)normal_ok / secs) / clean_pps : 0;
    c->nkinds = (int)NKINDS;
    for (size_t i = 0; i < NKINDS; i++) {
        c->kind_name[i] = kinds[i].name;
        c->per_kind[i] = per_kind[i];
    }
    campaign_end(c, &drv);
    return 0;
}
