/*
 * net.c - `cordon-bench net`: a pktgen-like transmitter driving the dummy
 * driver through the host's dev_queue_xmit, in native, inproc and process
 * modes, side by side in one run.
 *
 * Batch B means B packets per crossing, as pktgen's burst: the sender marks
 * every packet but the last of each burst with xmit_more
 * (dev_queue_xmit_more), and an isolated driver with a transmit ring gets
 * each burst in one message. A native driver is called for each packet at
 * once, whatever the hint. The sender runs on a fiber of the async runtime in
 * every mode, so every row has the same structure.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rows.h"
#include "cordon_kernel.h"
#include "linux/netdevice.h"

extern const struct cdn_driver_desc cdn_dummy_driver;

struct sender {
    struct net_device *dev;
    unsigned size;
    int batch;
    long packets;
    int pktgen; /* build each packet as Linux's pktgen does */
    int failed;
};

/* The IPv4 header checksum (RFC 1071), as ip_send_check computes it. */
static uint16_t ip_checksum(const uint8_t *h, size_t n)
{
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/*
 * What Linux's pktgen does for each packet when it does not clone one
 * (net/core/pktgen.c, fill_packet_ipv4 and pktgen_finalize_skb): an
 * Ethernet header, an IPv4 header with its checksum, a UDP header, the
 * pktgen header (magic, sequence number, a wall-clock timestamp) and the
 * rest of the payload zeroed. size >= 58 (the headers).
 */
static void pktgen_fill(struct sk_buff *skb, const struct net_device *dev, unsigned size,
                        uint32_t seq)
{
    static const uint8_t dst[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    uint8_t *p = skb->data;
    memcpy(p, dst, 6);
    memcpy(p + 6, dev->dev_addr, 6);
    put16(p + 12, 0x0800); /* ETH_P_IP */
    uint8_t *ip = p + 14;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(size - 14));
    put16(ip + 4, (uint16_t)seq); /* id */
    put16(ip + 6, 0);
    ip[8] = 32; /* ttl */
    ip[9] = 17; /* UDP */
    put16(ip + 10, 0);
    put32(ip + 12, 0xc0a80001); /* 192.168.0.1 */
    put32(ip + 16, 0xc0a80002);
    put16(ip + 10, ip_checksum(ip, 20));
    uint8_t *udp = ip + 20;
    put16(udp, 9);
    put16(udp + 2, 9);
    put16(udp + 4, (uint16_t)(size - 34));
    put16(udp + 6, 0);
    uint8_t *pg = udp + 8;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts); /* pktgen: ktime_get_real_ts64 */
    put32(pg, 0xbe9be955);              /* PKTGEN_MAGIC */
    put32(pg + 4, seq);
    put32(pg + 8, (uint32_t)ts.tv_sec);
    put32(pg + 12, (uint32_t)(ts.tv_nsec / 1000));
    memset(pg + 16, 0, size - 58); /* skb_put_zero of the rest */
    skb->protocol = 0x0008;        /* htons(ETH_P_IP) */
}

static void send_loop(void *arg)
{
    struct sender *s = arg;
    for (long i = 0; i < s->packets; i++) {
        /* as Linux's pktgen: allocated for the device (in its driver's
         * heap, so nothing is copied on the way) */
        struct sk_buff *skb = netdev_alloc_skb(s->dev, s->size);
        if (!skb) {
            s->failed = 1;
            return;
        }
        if (s->pktgen)
            pktgen_fill(skb, s->dev, s->size, (uint32_t)i);
        else
            skb->data[0] = (unsigned char)i; /* the least a generator does */
        skb->dev = s->dev;
        bool more = (i + 1) % s->batch != 0 && i + 1 < s->packets;
        if (dev_queue_xmit_more(skb, more) != 0)
            s->failed = 1;
    }
}

/*
 * One round: the three modes loaded side by side in one kernel (native
 * dummy0, inproc dummy1, process dummy2), and the packets sent in slices of
 * SLICE, the modes taking turns (forwards, then backwards: ABC CBA ...).
 * This VM's speed drifts by up to 2x over seconds; slices a millisecond
 * apart see the same machine, so the ratios compare like with like.
 * pps[m] and ticks[m] get each wanted mode's rate and TSC ticks per packet;
 * returns 0, or -1 on a failure (reported).
 */
#define SLICE 8192L
static int run_round(const int *wanted, unsigned size, int batch, int senders, long packets,
                     int cpu, double tpn, const char *moddir, int pktgen, double *pps,
                     double *ticks)
{
    static const enum cdn_drv_mode modes[] = {CDN_DRV_NATIVE, CDN_DRV_INPROC, CDN_DRV_PROCESS};
    if (cdn_kernel_init(64u << 20) != 0)
        return -1;
    struct cdn_async *rt;
    cdn_async_create(NULL, &rt);
    struct cdn_driver drv[3];
    struct net_device *dev[3] = {NULL, NULL, NULL};
    int loaded[3] = {0, 0, 0}, failed = 0;
    for (int m = 0; m < 3 && !failed; m++) {
        if (!wanted[m])
            continue;
        if (bench_load_driver(&cdn_dummy_driver, modes[m], cpu, moddir, rt, &drv[m]) != 0) {
            failed = 1;
            break;
        }
        loaded[m] = 1;
        /* its device: the dummy%d the earlier modes' did not take */
        for (int i = 0; i < 8 && !dev[m]; i++) {
            char name[16];
            snprintf(name, sizeof name, "dummy%d", i);
            struct net_device *d = dev_get_by_name(name);
            if (d && d != dev[0] && d != dev[1] && d != dev[2])
                dev[m] = d;
        }
        failed |= !dev[m];
    }
    long per = packets / batch * batch;
    uint64_t spent[3] = {0, 0, 0};
    long sent[3] = {0, 0, 0};
    for (int turn = 0; !failed; turn++) {
        int any = 0;
        for (int k = 0; k < 3 && !failed; k++) {
            int m = bench_mode_order(turn, k, 3);
            if (!wanted[m] || sent[m] >= per)
                continue;
            long n = per - sent[m] < SLICE ? per - sent[m] : SLICE;
            n = n / batch * batch;
            if (n == 0)
                n = per - sent[m];
            /* senders fibers share the slice, each with its own bursts */
            struct sender s[64];
            long share = n / batch / senders * batch, given = 0;
            for (int j = 0; j < senders; j++) {
                long mine = j + 1 < senders ? share : n - given;
                s[j] = (struct sender){dev[m], size, batch, mine, pktgen, 0};
                given += mine;
            }
            struct cdn_finish f;
            uint64_t t0 = bench_tsc();
            cdn_finish_begin(rt, &f);
            for (int j = 0; j < senders; j++)
                if (s[j].packets > 0)
                    cdn_async_spawn(rt, send_loop, &s[j]);
            cdn_finish_end(rt, &f);
            spent[m] += bench_tsc() - t0;
            sent[m] += n;
            for (int j = 0; j < senders; j++)
                failed |= s[j].failed;
            any = 1;
        }
        if (!any)
            break;
    }
    for (int m = 0; m < 3; m++) {
        if (!wanted[m] || !dev[m])
            continue;
        cdn_txring_sync(dev[m]); /* the last completions are in */
        struct rtnl_link_stats64 st;
        dev_get_stats(dev[m], &st);
        if (st.tx_packets != (uint64_t)per) {
            fprintf(stderr,
                    "cordon-bench: net %s %uB batch %d: tx_packets %llu of %ld (glue: %s)\n",
                    cdn_drv_mode_name(modes[m]), size, batch, (unsigned long long)st.tx_packets,
                    per, drv[m].glue ? cdn_strerror(cdn_glue_last_error(drv[m].glue)) : "-");
            failed = 1;
        }
        pps[m] = spent[m] ? (double)per / ((double)spent[m] / tpn / 1e9) : 0;
        ticks[m] = (double)spent[m] / (double)per;
    }
    if (getenv("CORDON_BENCH_VERBOSE")) {
        struct cdn_kernel_stats k;
        cdn_kernel_get_stats(&k);
        fprintf(stderr, "  %lu batches, %lu completion messages, %lu full-table waits (%.2f ms)\n",
                k.ring_batches, k.ring_completions, k.ring_full_waits,
                (double)k.ring_full_wait_ns / 1e6);
    }
    for (int m = 2; m >= 0; m--)
        if (loaded[m])
            cdn_driver_unload(&drv[m]);
    cdn_async_destroy(rt);
    cdn_kernel_exit();
    return failed ? -1 : 0;
}

static int net_row_wanted(const struct bench_opts *o, unsigned size, int batch)
{
    char name[48];
    snprintf(name, sizeof name, "net-%uB-batch%d", size, batch);
    return !o->only || strstr(name, o->only);
}

struct net_round_arg {
    unsigned size;
    int batch, senders;
    long packets;
    int cpu;
    double tpn;
    const char *moddir;
    int pktgen;
};

static int net_round(const int wanted[3], void *arg, double rate[3], double ticks[3])
{
    struct net_round_arg *a = arg;
    return run_round(wanted, a->size, a->batch, a->senders, a->packets, a->cpu, a->tpn, a->moddir,
                     a->pktgen, rate, ticks);
}

int bench_net(const struct bench_opts *o)
{
    char moddir[PATH_MAX];
    snprintf(moddir, sizeof moddir, "%s", bench_module_path("dummy"));
    *strrchr(moddir, '/') = 0;
    bench_pin(o->host_cpu);
    double tpn = bench_tsc_per_ns();
    unsigned sizes[2] = {64, 1500};
    int batches[2] = {1, 32};
    int nsizes = 2, nbatches = 2;
    if (o->size) { /* one row of the user's choosing */
        sizes[0] = o->size;
        nsizes = 1;
    }
    if (o->batch) {
        batches[0] = o->batch;
        nbatches = 1;
    }
    if (o->pktgen && o->size && o->size < 58) {
        fprintf(stderr, "cordon-bench: --gen pktgen builds packets of at least 58 bytes\n");
        return 2;
    }
    const int rounds = o->rounds ? o->rounds : o->quick ? 1 : 3;
    long packets = o->ops ? o->ops : o->quick ? 20000 : 200000;
    const int senders = o->senders ? o->senders : 1;
    int failed = 0, step = 0, steps = 0;
    for (int si = 0; si < nsizes; si++)
        for (int bi = 0; bi < nbatches; bi++)
            steps += net_row_wanted(o, sizes[si], batches[bi]) ? rounds : 0;
    if (o->json)
        printf("{\"bench\":\"net\",\"generator\":\"%s\",\"tsc_ghz\":%.4f,\"packets\":%ld,"
               "\"rounds\":%d,\"senders\":%d,\"results\":[",
               o->pktgen ? "pktgen" : "touch", tpn, packets, rounds, senders);
    else
        printf("%-22s %-8s %12s %12s %10s %9s\n", "name", "mode", "Mpps", "ticks/pkt", "vs native",
               "steal ms");
    int first = 1;
    for (int si = 0; si < nsizes; si++)
        for (int bi = 0; bi < nbatches; bi++) {
            if (!net_row_wanted(o, sizes[si], batches[bi]))
                continue;
            char name[48];
            snprintf(name, sizeof name, "net-%uB-batch%d", sizes[si], batches[bi]);
            struct net_round_arg ra = {sizes[si],  batches[bi], senders, packets,
                                       o->dom_cpu, tpn,         moddir,  o->pktgen};
            struct bench_row row;
            failed |= bench_row_measure(o, name, rounds, &step, steps, net_round, &ra, &row);
            static const struct bench_row_format fmt = {22, 1e6, 3};
            bench_row_print(o, name, &row, rounds, &fmt, &first);
        }
    if (o->json)
        printf("]}\n");
    else
        printf("(medians of %d rounds of %ld packets; vs native: the median of each round's\n"
               " ratio; ticks are TSC at %.3f GHz; steal: CPU time the hypervisor took from\n"
               " this VM during all rounds of the row)\n",
               rounds, packets, tpn);
    return failed;
}
