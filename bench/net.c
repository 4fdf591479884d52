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

#include "bench.h"
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
        struct sk_buff *skb = alloc_skb(s->size, GFP_KERNEL);
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

/* Returns packets per second, or a negative value on failure. */
static double run_one(enum cdn_drv_mode mode, unsigned size, int batch, long packets, int cpu,
                      double tpn, const char *moddir, int pktgen, double *ticks_per_op)
{
    if (cdn_kernel_init(64u << 20) != 0)
        return -1;
    struct cdn_driver drv;
    int r = cdn_driver_load(&cdn_dummy_driver, mode, cpu, moddir, &drv);
    if (r != 0) {
        fprintf(stderr, "cordon-bench: cannot load dummy (%s): %d %s\n", cdn_drv_mode_name(mode), r,
                drv.reason);
        cdn_kernel_exit();
        return -1;
    }
    cdn_async *rt;
    cdn_async_create(NULL, &rt);
    cdn_driver_use_async(&drv, rt);
    struct net_device *dev = dev_get_by_name("dummy0");
    long per = packets / batch * batch;
    struct sender s = {dev, size, batch, per, pktgen, 0};
    struct cdn_finish f;
    uint64_t t0 = bench_tsc();
    cdn_finish_begin(rt, &f);
    cdn_async_spawn(rt, send_loop, &s);
    cdn_finish_end(rt, &f);
    uint64_t t1 = bench_tsc();
    int failed = !dev || s.failed;
    struct rtnl_link_stats64 st;
    if (dev) {
        dev_get_stats(dev, &st);
        failed |= st.tx_packets != (uint64_t)per;
    }
    if (failed)
        fprintf(stderr,
                "cordon-bench: net %s %uB batch %d: sender %s, tx_packets %llu of %ld (glue: %s)\n",
                cdn_drv_mode_name(mode), size, batch, s.failed ? "saw errors" : "ok",
                dev ? (unsigned long long)st.tx_packets : 0ull, per,
                drv.glue ? cdn_strerror(cdn_glue_last_error(drv.glue)) : "-");
    if (getenv("CORDON_BENCH_VERBOSE")) {
        struct cdn_kernel_stats k;
        cdn_kernel_get_stats(&k);
        struct cdn_glue_stats gs = {0};
        if (drv.glue)
            cdn_glue_get_stats(drv.glue, &gs);
        fprintf(stderr,
                "  %s: %lu batches, %lu completion messages, %lu full-table waits (%.2f ms), %llu "
                "full-channel posts\n",
                cdn_drv_mode_name(mode), k.ring_batches, k.ring_completions, k.ring_full_waits,
                (double)k.ring_full_wait_ns / 1e6, (unsigned long long)gs.post_waits);
    }
    cdn_driver_unload(&drv);
    cdn_async_destroy(rt);
    cdn_kernel_exit();
    if (failed)
        return -1;
    double ns = (double)(t1 - t0) / tpn;
    *ticks_per_op = (double)(t1 - t0) / (double)per;
    return (double)per / (ns / 1e9);
}

static int net_row_wanted(const struct bench_opts *o, unsigned size, int batch)
{
    char name[48];
    snprintf(name, sizeof name, "net-%uB-batch%d", size, batch);
    return !o->only || strstr(name, o->only);
}

int bench_net(const struct bench_opts *o)
{
    char moddir[PATH_MAX];
    snprintf(moddir, sizeof moddir, "%s", bench_module_path("dummy"));
    *strrchr(moddir, '/') = 0;
    bench_pin(o->host_cpu);
    double tpn = bench_tsc_per_ns();
    static const unsigned sizes[] = {64, 1500};
    static const int batches[] = {1, 32};
    static const enum cdn_drv_mode modes[] = {CDN_DRV_NATIVE, CDN_DRV_INPROC, CDN_DRV_PROCESS};
    const int rounds = o->rounds ? o->rounds : o->quick ? 1 : 3;
    long packets = o->ops ? o->ops : o->quick ? 20000 : 200000;
    int failed = 0, step = 0, steps = 0;
    for (int si = 0; si < 2; si++)
        for (int bi = 0; bi < 2; bi++)
            steps += net_row_wanted(o, sizes[si], batches[bi]) ? rounds : 0;
    if (o->json)
        printf("{\"bench\":\"net\",\"generator\":\"%s\",\"tsc_ghz\":%.4f,\"packets\":%ld,"
               "\"rounds\":%d,\"results\":[",
               o->pktgen ? "pktgen" : "touch", tpn, packets, rounds);
    else
        printf("%-22s %-8s %12s %12s %10s %9s\n", "name", "mode", "Mpps", "ticks/pkt", "vs native",
               "steal ms");
    int first = 1;
    for (int si = 0; si < 2; si++)
        for (int bi = 0; bi < 2; bi++) {
            if (!net_row_wanted(o, sizes[si], batches[bi]))
                continue;
            double pps[3][100], ticks[3][100], steal[3] = {0, 0, 0};
            for (int round = 0; round < rounds; round++) {
                char what[64];
                snprintf(what, sizeof what, "net-%uB-batch%d round %d", sizes[si], batches[bi],
                         round + 1);
                bench_progress(++step, steps, what);
                for (int k = 0; k < 3; k++) {
                    int mi = bench_mode_order(round, k, 3);
                    if (o->mode >= 0 && mi != o->mode) {
                        pps[mi][round] = ticks[mi][round] = 0;
                        continue;
                    }
                    double st0 = bench_steal_ms();
                    pps[mi][round] = run_one(modes[mi], sizes[si], batches[bi], packets, o->dom_cpu,
                                             tpn, moddir, o->pktgen, &ticks[mi][round]);
                    steal[mi] += bench_steal_ms() - st0;
                    failed |= pps[mi][round] < 0;
                }
            }
            double med[3], tmed[3], ratio[3];
            for (int mi = 0; mi < 3; mi++)
                ratio[mi] = bench_paired_ratio(pps[mi], pps[0], rounds);
            for (int mi = 0; mi < 3; mi++) {
                med[mi] = bench_median(pps[mi], rounds);
                tmed[mi] = bench_median(ticks[mi], rounds);
            }
            for (int mi = 0; mi < 3; mi++) {
                if (o->mode >= 0 && mi != o->mode)
                    continue;
                char name[48];
                snprintf(name, sizeof name, "net-%uB-batch%d", sizes[si], batches[bi]);
                if (o->json)
                    printf("%s{\"name\":\"%s\",\"mode\":\"%s\",\"ops_per_s\":%.0f,"
                           "\"ticks_per_op\":%.1f,\"ratio_to_native\":%.3f,\"steal_ms\":%.0f}",
                           first ? "" : ",", name, cdn_drv_mode_name(modes[mi]), med[mi], tmed[mi],
                           ratio[mi], steal[mi]);
                else
                    printf("%-22s %-8s %12.3f %12.0f %9.1f%% %9.0f\n", name,
                           cdn_drv_mode_name(modes[mi]), med[mi] / 1e6, tmed[mi], ratio[mi] * 100,
                           steal[mi]);
                first = 0;
            }
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
