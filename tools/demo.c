/*
 * cordon-demo - the main job, on its built-in default: the host brings up its
 * kernel core and runs the dummy network driver natively and isolated in a
 * sandboxed process domain on the other CPU, side by side, pushing traffic
 * for a few seconds with a live progress line; then the same for null_blk,
 * with every byte read back verified. Prints native vs isolated throughput,
 * then kills each isolated driver mid-traffic and shows its recovery.
 *
 *   cordon-demo [--seconds S] [--help]
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../bench/stats.h"
#include "cordon/async.h"
#include "cordon_kernel.h"
#include "linux/blk-mq.h"
#include "linux/netdevice.h"

extern const struct cdn_driver_desc cdn_dummy_driver, cdn_null_blk_driver;

static double seconds = 2.0;
static int tty; /* live progress only when a person watches */

static const char *moddir(void)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    if (cdn_self_dir(exe, sizeof exe) != CDN_OK)
        return "/usr/local/lib/cordon";
    snprintf(path, sizeof path, "%s/../lib/cordon", exe);
    return path;
}

static int load(const struct cdn_driver_desc *d, enum cdn_drv_mode m, struct cdn_driver *drv)
{
    int r = cdn_driver_load(d, m, 1, moddir(), drv);
    if (r != 0)
        fprintf(stderr, "cordon-demo: cannot load %s (%s): %d %s\n", d->name, cdn_drv_mode_name(m),
                r, drv->reason);
    return r;
}

/*
 * Native and isolated side by side: both drivers are loaded in one kernel
 * and take turns in short slices of equal work (native first, then
 * isolated first, and so on), so both see the same machine: this VM's speed
 * drifts over seconds, and two runs one after the other compared its phases
 * as much as the modes. The ratio is the median over pairs of slices of
 * native's slice time over the isolated one's.
 */
struct paired {
    const char *what; /* the devices, for the progress line */
    const char *unit; /* "Mpps", "kIOPS" */
    double scale;     /* ops per second per unit */
    int64_t t0;
    int64_t next_progress;
    double busy_ns[2];     /* [0] native, [1] isolated */
    unsigned long done[2]; /* operations */
    double *ratio;         /* per pair */
    size_t nratio, capratio;
};

/* The median of the pairs so far (of a copy: the progress line asks a few
 * times a second, over at most a few thousand pairs). */
static double paired_median(const struct paired *p)
{
    double *v = p->nratio ? malloc(p->nratio * sizeof *v) : NULL;
    if (!v)
        return 0;
    memcpy(v, p->ratio, p->nratio * sizeof *v);
    double m = bench_median(v, (int)p->nratio);
    free(v);
    return m;
}

static double paired_rate(const struct paired *p, int side)
{
    return p->busy_ns[side] > 0 ? (double)p->done[side] / (p->busy_ns[side] / 1e9) / p->scale : 0;
}

/* Records one pair of slices of `ops` operations each. */
static void paired_add(struct paired *p, unsigned long ops, const int64_t ns[2])
{
    for (int s = 0; s < 2; s++) {
        p->busy_ns[s] += (double)ns[s];
        p->done[s] += ops;
    }
    if (p->nratio == p->capratio) {
        size_t cap = p->capratio ? 2 * p->capratio : 256;
        double *r = realloc(p->ratio, cap * sizeof *r);
        if (!r)
            return; /* the pair still counts in the rates */
        p->ratio = r;
        p->capratio = cap;
    }
    if (ns[1] > 0)
        p->ratio[p->nratio++] = (double)ns[0] / (double)ns[1];
    int64_t now = cdn_now_ns();
    if (tty && now >= p->next_progress) {
        fprintf(stderr,
                "\r  %5.1f s  %s  native %8.3f %s  isolated %8.3f %s  isolated/native %5.1f%%",
                (double)(now - p->t0) / 1e9, p->what, paired_rate(p, 0), p->unit, paired_rate(p, 1),
                p->unit, 100 * paired_median(p));
        p->next_progress = now + 200000000;
    }
}

static void paired_begin(struct paired *p, const char *what, const char *unit, double scale)
{
    *p = (struct paired){.what = what, .unit = unit, .scale = scale, .t0 = cdn_now_ns()};
}

/* Prints the ratio line; returns the median ratio. */
static double paired_end(struct paired *p)
{
    if (tty)
        fprintf(stderr, "\n");
    double m = bench_median(p->ratio, (int)p->nratio); /* sorts them: the quartiles below */
    if (p->nratio) {
        printf(
            "  isolated / native: %.1f%% (median of %zu pairs of slices run in turns; the middle "
            "half of the pairs %.1f-%.1f%%)\n",
            100 * m, p->nratio, 100 * p->ratio[p->nratio / 4], 100 * p->ratio[3 * p->nratio / 4]);
    }
    free(p->ratio);
    p->ratio = NULL;
    return m;
}

/* Bursts of 32 packets (one crossing each for the isolated driver). */
#define NET_SLICE 65536ul
static unsigned long net_slice(struct net_device *dev)
{
    unsigned long failed = 0;
    for (unsigned long k = 0; k < NET_SLICE; k++) {
        struct sk_buff *skb = netdev_alloc_skb(dev, 64);
        if (!skb)
            return failed + NET_SLICE - k;
        skb->dev = dev;
        failed += dev_queue_xmit_more(skb, k % 32 != 31) != 0;
    }
    return failed;
}

/* dummy natively (dummy0) and isolated (dummy1), in turns for `seconds`;
 * returns 0 if every packet was counted by its driver. */
static int net_demo(void)
{
    cdn_kernel_init(64u << 20);
    struct cdn_driver drv[2];
    if (load(&cdn_dummy_driver, CDN_DRV_NATIVE, &drv[0]) != 0)
        return -1;
    if (load(&cdn_dummy_driver, CDN_DRV_PROCESS, &drv[1]) != 0) {
        cdn_driver_unload(&drv[0]);
        return -1;
    }
    struct net_device *dev[2] = {dev_get_by_name("dummy0"), dev_get_by_name("dummy1")};
    unsigned long failed[2] = {0, 0};
    struct paired p;
    paired_begin(&p, "dummy0/dummy1", "Mpps", 1e6);
    for (int pair = 0; cdn_now_ns() - p.t0 < (int64_t)(seconds * 1e9); pair++) {
        int64_t ns[2];
        for (int k = 0; k < 2; k++) {
            int s = bench_mode_order(pair, k, 2);
            int64_t t = cdn_now_ns();
            failed[s] += net_slice(dev[s]);
            ns[s] = cdn_now_ns() - t;
        }
        paired_add(&p, NET_SLICE, ns);
    }
    int ok = 1;
    for (int s = 0; s < 2; s++) {
        cdn_txring_sync(dev[s]);
        struct rtnl_link_stats64 st;
        dev_get_stats(dev[s], &st);
        printf(
            "  %-8s %s %10lu packets sent, %10llu counted by the driver, %lu failed: %.3f Mpps\n",
            cdn_drv_mode_name(drv[s].mode), dev[s]->name, p.done[s],
            (unsigned long long)st.tx_packets, failed[s], paired_rate(&p, s));
        ok &= st.tx_packets == p.done[s] && !failed[s];
    }
    paired_end(&p);
    cdn_driver_unload(&drv[1]);
    cdn_driver_unload(&drv[0]);
    cdn_kernel_exit();
    return ok ? 0 : -1;
}

/* Traffic into an isolated dummy; the driver is killed halfway; the host's
 * supervisor notices (a failed transmit), restarts it, and traffic resumes
 * on the same device. */
static int crash_run(void)
{
    cdn_kernel_init(64u << 20);
    struct cdn_driver drv;
    if (load(&cdn_dummy_driver, CDN_DRV_PROCESS, &drv) != 0)
        return -1;
    struct net_device *dev = dev_get_by_name("dummy0");
    int64_t t0 = cdn_now_ns();
    unsigned long sent = 0, refused = 0;
    int killed = 0;
    unsigned long restarts = 0;
    while (cdn_now_ns() - t0 < (int64_t)(seconds * 1e9)) {
        if (!killed && cdn_now_ns() - t0 > (int64_t)(seconds * 0.5e9)) {
            kill(cdn_domain_pid(drv.dom), SIGKILL); /* the driver "crashes" */
            killed = 1;
            printf("  t=%.2fs  driver domain killed (SIGKILL) mid-traffic\n",
                   (double)(cdn_now_ns() - t0) / 1e9);
        }
        struct sk_buff *skb = netdev_alloc_skb(dev, 64);
        sent++;
        refused += dev_queue_xmit_more(skb, sent % 32 != 0) != 0;
        if (drv.stats.restarts > restarts) {
            restarts = drv.stats.restarts;
            printf("  t=%.2fs  the supervisor saw the failure (%s) and restarted the driver in "
                   "%.2f ms; dummy0 is the same device: %s\n",
                   (double)(cdn_now_ns() - t0) / 1e9, drv.reason, drv.stats.last_restart_ms,
                   dev_get_by_name("dummy0") == dev ? "yes" : "NO");
        }
        if (drv.down)
            break;
    }
    cdn_txring_sync(dev);
    struct rtnl_link_stats64 st;
    dev_get_stats(dev, &st);
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    /* Lost: packets refused while the driver was down, and packets it had
     * been given and never answered for (the core took them back). */
    unsigned long lost = refused + k.skbs_reclaimed;
    printf("  %lu packets sent, %lu transmitted, %lu lost to the crash (%lu in flight in the "
           "dead domain, %lu refused); %lu skbs leaked; the new instance counted %llu\n",
           sent, sent - lost, lost, k.skbs_reclaimed, refused, k.skbs_allocated - k.skbs_freed,
           (unsigned long long)st.tx_packets);
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
    return restarts == 1 && k.skbs_allocated == k.skbs_freed ? 0 : -1;
}

/* The queue's issuer: one fiber keeps QD requests in flight
 * (blk_execute_rq_nowait, as fio through io_uring), random 4 KiB I/O, half
 * writes, every read verified, for a slice of `quota` I/Os. Request slot k
 * works on its own part of the disk, so two requests in flight never touch
 * the same block. */
enum { BLK_QD = 16, SLICE_BLOCKS = 256, BS = 4096, BLK_SLICE = 2048 }; /* 16 MiB, as the bench */

struct blk_issuer;
struct blk_slot {
    struct blk_issuer *b;
    struct request *rq;
    struct blk_slot *next_done;
    uint64_t first_block;
    blk_status_t status;
};

struct blk_issuer {
    struct cdn_async *rt;
    struct gendisk *disk;
    uint8_t *expect; /* what each byte of the slices should read as */
    uint64_t seed;
    long quota; /* I/Os of the slice being run */
    struct blk_slot slot[BLK_QD];
    struct blk_slot *done; /* ended, not yet checked */
    struct cdn_event ev;
    unsigned long ios, errors, mismatches;
};

static void blk_end_io(struct request *rq, blk_status_t status)
{
    struct blk_slot *sl = rq->end_io_data;
    sl->status = status;
    sl->next_done = sl->b->done;
    sl->b->done = sl;
    cdn_event_signal(sl->b->rt, &sl->b->ev);
}

static void blk_submit(struct blk_issuer *b, struct blk_slot *sl)
{
    uint64_t x = b->seed;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b->seed = x;
    struct request *rq = sl->rq;
    rq->sector = (sl->first_block + x % SLICE_BLOCKS) * (BS >> 9);
    rq->nr_bytes = BS;
    rq->op = x & (1ull << 40) ? REQ_OP_WRITE : REQ_OP_READ;
    if (rq->op == REQ_OP_WRITE) { /* written in place: the driver reads it there */
        memset(rq->data, (int)(x & 0xff), BS);
        memcpy(rq->data, &x, sizeof x);
    }
    blk_execute_rq_nowait(rq, false);
}

/* Checks an ended request against what its slice should hold. */
static void blk_check(struct blk_issuer *b, struct blk_slot *sl)
{
    struct request *rq = sl->rq;
    uint8_t *want = b->expect + (rq->sector << 9);
    b->ios++;
    if (sl->status != BLK_STS_OK)
        b->errors++;
    else if (rq->op == REQ_OP_WRITE)
        memcpy(want, rq->data, BS);
    else if (memcmp(rq->data, want, BS) != 0)
        b->mismatches++;
}

/* One slice: b->quota I/Os, every one ended before it returns (the next
 * slice is the other driver's). */
static void blk_issue(void *arg)
{
    struct blk_issuer *b = arg;
    long submitted = 0;
    int inflight = 0;
    for (int k = 0; k < BLK_QD && submitted < b->quota; k++, submitted++, inflight++)
        blk_submit(b, &b->slot[k]);
    while (inflight > 0) {
        while (!b->done) {
            cdn_event_init(&b->ev);
            if (!b->done)
                cdn_event_wait(b->rt, &b->ev);
        }
        struct blk_slot *list = b->done;
        b->done = NULL;
        while (list) {
            struct blk_slot *sl = list;
            list = sl->next_done; /* before the resubmit: its end may come at once */
            blk_check(b, sl);
            inflight--;
            if (submitted < b->quota) {
                blk_submit(b, sl);
                submitted++;
                inflight++;
            }
        }
    }
}

static int blk_issuer_start(struct blk_issuer *b, struct cdn_async *rt, const char *disk)
{
    *b = (struct blk_issuer){.rt = rt, .seed = 88172645463325252ull};
    b->disk = cdn_blk_disk_by_name(disk);
    b->expect = calloc(BLK_QD, (size_t)SLICE_BLOCKS * BS); /* a fresh null_blk reads zeros */
    if (!b->disk || !b->expect)
        return -1;
    for (int k = 0; k < BLK_QD; k++) {
        struct blk_slot *sl = &b->slot[k];
        *sl = (struct blk_slot){.b = b, .first_block = (uint64_t)k * SLICE_BLOCKS};
        sl->rq = cdn_blk_alloc_request(b->disk, BS);
        if (!sl->rq)
            return -1;
        sl->rq->end_io = blk_end_io;
        sl->rq->end_io_data = sl;
    }
    return 0;
}

static void blk_issuer_end(struct blk_issuer *b)
{
    for (int k = 0; k < BLK_QD; k++)
        if (b->slot[k].rq)
            blk_mq_free_request(b->slot[k].rq);
    free(b->expect);
}

/* null_blk natively (nullb0) and isolated (nullb1): 4 KiB random I/O at
 * queue depth 16, half writes, every read verified, in turns for
 * `seconds`; returns 0 if nothing failed and every read matched. */
static int blk_demo(void)
{
    cdn_kernel_init(64u << 20);
    struct cdn_async *rt;
    if (cdn_async_create(NULL, &rt) != CDN_OK)
        return -1;
    struct cdn_driver drv[2];
    struct blk_issuer b[2];
    int loaded = 0, ok = 1;
    static const enum cdn_drv_mode modes[2] = {CDN_DRV_NATIVE, CDN_DRV_PROCESS};
    static const char *const disks[2] = {"nullb0", "nullb1"};
    for (; loaded < 2; loaded++) {
        if (load(&cdn_null_blk_driver, modes[loaded], &drv[loaded]) != 0)
            break;
        cdn_driver_use_async(&drv[loaded], rt);
        if (blk_issuer_start(&b[loaded], rt, disks[loaded]) != 0) {
            fprintf(stderr, "cordon-demo: no disk %s, or out of memory\n", disks[loaded]);
            blk_issuer_end(&b[loaded]);
            cdn_driver_unload(&drv[loaded]);
            break;
        }
    }
    if (loaded == 2) {
        struct paired p;
        paired_begin(&p, "nullb0/nullb1", "kIOPS", 1e3);
        for (int pair = 0; cdn_now_ns() - p.t0 < (int64_t)(seconds * 1e9); pair++) {
            int64_t ns[2];
            for (int k = 0; k < 2; k++) {
                int s = bench_mode_order(pair, k, 2);
                b[s].quota = BLK_SLICE;
                struct cdn_finish f;
                int64_t t = cdn_now_ns();
                cdn_finish_begin(rt, &f);
                cdn_async_spawn(rt, blk_issue, &b[s]);
                cdn_finish_end(rt, &f);
                ns[s] = cdn_now_ns() - t;
            }
            paired_add(&p, BLK_SLICE, ns);
        }
        for (int s = 0; s < 2; s++) {
            printf("  %-8s %s %10lu I/Os, %lu errors, %lu data mismatches: %.1f kIOPS\n",
                   cdn_drv_mode_name(modes[s]), disks[s], b[s].ios, b[s].errors, b[s].mismatches,
                   paired_rate(&p, s));
            ok &= !b[s].errors && !b[s].mismatches && b[s].ios == p.done[s];
        }
        paired_end(&p);
    } else {
        ok = 0;
    }
    while (loaded-- > 0) {
        blk_issuer_end(&b[loaded]);
        cdn_driver_unload(&drv[loaded]);
    }
    cdn_async_destroy(rt);
    cdn_kernel_exit();
    return ok ? 0 : -1;
}

/* I/O into an isolated null_blk; the driver is killed halfway, with requests
 * in flight; the supervisor restarts it, the request in flight is issued
 * again, and every block written before the crash still reads back (the
 * device's memory is the host's). */
static int blk_crash_run(void)
{
    cdn_kernel_init(64u << 20);
    struct cdn_driver drv;
    if (load(&cdn_null_blk_driver, CDN_DRV_PROCESS, &drv) != 0)
        return -1;
    struct gendisk *disk = cdn_blk_disk_by_name("nullb0");
    enum { BLOCKS = 2048 };
    uint8_t *expect = calloc(BLOCKS, BS), buf[BS];
    uint64_t x = 88172645463325252ull;
    unsigned long ios = 0, errors = 0, mismatches = 0;
    int killed = 0;
    int64_t t0 = cdn_now_ns();
    while (cdn_now_ns() - t0 < (int64_t)(seconds * 1e9)) {
        if (!killed && cdn_now_ns() - t0 > (int64_t)(seconds * 0.5e9)) {
            kill(cdn_domain_pid(drv.dom), SIGKILL);
            killed = 1;
            printf("  t=%.2fs  null_blk's domain killed (SIGKILL) after %lu verified I/Os\n",
                   (double)(cdn_now_ns() - t0) / 1e9, ios);
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint64_t blk = x % BLOCKS;
        unsigned long r0 = drv.stats.restarts;
        if (x & (1ull << 40)) {
            memset(buf, (int)(x & 0xff), BS);
            memcpy(buf, &x, sizeof x);
            if (cdn_blk_rw(disk, REQ_OP_WRITE, blk * (BS / 512), BS, buf) == 0)
                memcpy(expect + blk * BS, buf, BS);
            else
                errors++;
        } else if (cdn_blk_rw(disk, REQ_OP_READ, blk * (BS / 512), BS, buf) != 0) {
            errors++;
        } else if (memcmp(buf, expect + blk * BS, BS) != 0) {
            mismatches++;
        }
        ios++;
        if (drv.stats.restarts > r0) {
            struct cdn_kernel_stats k;
            cdn_kernel_get_stats(&k);
            printf("  t=%.2fs  the supervisor restarted it in %.2f ms (%s); requests issued "
                   "again on the new instance: %lu\n",
                   (double)(cdn_now_ns() - t0) / 1e9, drv.stats.last_restart_ms, drv.reason,
                   k.blk_retried);
        }
    }
    unsigned long lost = 0;
    for (uint64_t b = 0; b < BLOCKS; b++)
        if (cdn_blk_rw(disk, REQ_OP_READ, b * (BS / 512), BS, buf) != 0 ||
            memcmp(buf, expect + b * BS, BS) != 0)
            lost++;
    printf("  %lu I/Os, %lu failed, %lu reads with wrong data; all %d blocks read back at the "
           "end: %lu differ from what was acknowledged\n",
           ios, errors, mismatches, BLOCKS, lost);
    int ok = killed && drv.stats.restarts == 1 && !errors && !mismatches && !lost;
    free(expect);
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
            if (seconds <= 0 || seconds > 600) {
                fprintf(stderr, "cordon-demo: --seconds takes 0..600\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--help") == 0) {
            printf("usage: cordon-demo [--seconds S]\n"
                   "Runs drivers/net/dummy.c and drivers/block/null_blk.c natively and isolated\n"
                   "in a sandboxed process domain, side by side in slices taken in turns, for S\n"
                   "seconds per driver (default 2), and compares; then kills each isolated driver\n"
                   "mid-traffic and shows its recovery (S seconds each).\n"
                   "Exit status: 0 ok, 1 a run failed or data did not verify, 2 usage.\n");
            return 0;
        } else {
            fprintf(stderr, "cordon-demo: unknown argument '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    tty = isatty(2);
    setvbuf(stdout, NULL, _IOLBF, 0);
    bench_pin(0);
    printf("cordon demo: one driver source, run natively and isolated (host on CPU 0, domain on "
           "CPU 1)\n\n");
    printf("dummy network driver, 64-byte packets through dev_queue_xmit in bursts of 32,\n"
           "native (dummy0) and isolated (dummy1) in turns for %.1f s:\n",
           seconds);
    int nd = net_demo();
    printf(
        "\nnull_blk (memory backed), 4 KiB random I/O at queue depth 16, half writes, every read "
        "verified,\nnative (nullb0) and isolated (nullb1) in turns for %.1f s:\n",
        seconds);
    int bd = blk_demo();
    printf("\ncrash and recovery: the isolated dummy driver is killed mid-traffic\n");
    int cr = crash_run();
    printf("\ncrash and recovery: the isolated null_blk is killed mid-I/O\n");
    int bc = blk_crash_run();
    printf("\n(each ratio pairs slices of equal work run a few milliseconds apart; cordon-bench\n"
           " net and blk measure all three modes and every size the same way: docs/benchmarks.md\n"
           " has those tables, docs/reliability.md the fault campaign, cordon-bench faults)\n");
    return nd == 0 && bd == 0 && cr == 0 && bc == 0 ? 0 : 1;
}
