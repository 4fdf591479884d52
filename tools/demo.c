/*
 * cordon-demo - the main job, on its built-in default: the host brings up its
 * kernel core, runs the dummy network driver natively and then isolated in a
 * sandboxed process domain on the other CPU, pushing traffic for a few seconds
 * each with a live progress line; then the same for null_blk, with every
 * byte read back verified. Prints native vs isolated throughput.
 *
 *   cordon-demo [--seconds S] [--help]
 */
#define _GNU_SOURCE
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return "/usr/local/lib/cordon";
    exe[n] = 0;
    *strrchr(exe, '/') = 0;
    snprintf(path, sizeof path, "%s/../lib/cordon", exe);
    return path;
}

static void pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    sched_setaffinity(0, sizeof s, &s);
}

static int load(const struct cdn_driver_desc *d, enum cdn_drv_mode m, struct cdn_driver *drv)
{
    int r = cdn_driver_load(d, m, 1, moddir(), drv);
    if (r != 0)
        fprintf(stderr, "cordon-demo: cannot load %s (%s): %d %s\n", d->name, cdn_drv_mode_name(m),
                r, drv->reason);
    return r;
}

/* Transmits for `seconds`, with a progress line; returns packets per second. */
static double net_run(enum cdn_drv_mode m)
{
    cdn_kernel_init(64u << 20);
    struct cdn_driver drv;
    if (load(&cdn_dummy_driver, m, &drv) != 0)
        return -1;
    struct net_device *dev = dev_get_by_name("dummy0");
    int64_t t0 = cdn_now_ns(), next = t0;
    unsigned long sent = 0, failed = 0;
    while (cdn_now_ns() - t0 < (int64_t)(seconds * 1e9)) {
        for (int k = 0; k < 256; k++) { /* bursts of 32: one crossing each */
            struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
            skb->dev = dev;
            failed += dev_queue_xmit_more(skb, k % 32 != 31) != 0;
            sent++;
        }
        int64_t now = cdn_now_ns();
        if (tty && now >= next) {
            fprintf(stderr, "\r  dummy0 (%-7s) %10lu packets  %7.3f Mpps", cdn_drv_mode_name(m),
                    sent, (double)sent / ((double)(now - t0) / 1e9) / 1e6);
            next = now + 200000000;
        }
    }
    cdn_net_tx_sync(dev);
    double secs = (double)(cdn_now_ns() - t0) / 1e9;
    struct rtnl_link_stats64 st;
    dev_get_stats(dev, &st);
    if (tty)
        fprintf(stderr, "\n");
    printf("  %-8s %10lu packets sent, %10llu counted by the driver, %lu failed: %.3f Mpps\n",
           cdn_drv_mode_name(m), sent, (unsigned long long)st.tx_packets, failed,
           (double)sent / secs / 1e6);
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
    return st.tx_packets == sent && !failed ? (double)sent / secs : -1;
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
        struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
        skb->dev = dev;
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
    cdn_net_tx_sync(dev);
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
 * writes, every read verified. Request slot k works on its own slice of the
 * disk, so two requests in flight never touch the same block. */
enum { BLK_QD = 16, SLICE_BLOCKS = 128, BS = 4096 };

struct blk_issuer;
struct blk_slot {
    struct blk_issuer *b;
    struct request *rq;
    struct blk_slot *next_done;
    uint64_t first_block;
    blk_status_t status;
};

struct blk_issuer {
    cdn_async *rt;
    struct gendisk *disk;
    uint8_t *expect; /* what each byte of the slices should read as */
    uint64_t seed;
    int64_t until;
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

static void blk_issue(void *arg)
{
    struct blk_issuer *b = arg;
    int inflight = 0;
    for (int k = 0; k < BLK_QD; k++) {
        struct blk_slot *sl = &b->slot[k];
        if (!sl->rq)
            continue;
        sl->rq->end_io = blk_end_io;
        sl->rq->end_io_data = sl;
        blk_submit(b, sl);
        inflight++;
    }
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
            if (cdn_now_ns() < b->until)
                blk_submit(b, sl);
            else
                inflight--;
        }
    }
}

struct blk_progress {
    struct blk_issuer *b;
    enum cdn_drv_mode mode;
    int64_t t0, until;
    cdn_async *rt;
};

static void blk_watch(void *arg)
{
    struct blk_progress *p = arg;
    while (cdn_now_ns() < p->until) {
        double secs = (double)(cdn_now_ns() - p->t0) / 1e9;
        fprintf(stderr, "\r  nullb0 (%-7s) %10lu I/Os  %8.1f kIOPS  %lu mismatches",
                cdn_drv_mode_name(p->mode), p->b->ios,
                secs > 0 ? (double)p->b->ios / secs / 1e3 : 0, p->b->mismatches);
        int64_t next = cdn_now_ns() + 200000000;
        while (cdn_now_ns() < next && cdn_now_ns() < p->until)
            cdn_async_yield(p->rt);
    }
}

/* 4 KiB random I/O at queue depth 16 (16 requests in flight from one
 * fiber) for `seconds`, half writes, every read verified. */
static double blk_run(enum cdn_drv_mode m, unsigned long *mismatches)
{
    cdn_kernel_init(64u << 20);
    struct cdn_driver drv;
    if (load(&cdn_null_blk_driver, m, &drv) != 0)
        return -1;
    cdn_async *rt;
    cdn_async_create(NULL, &rt);
    cdn_driver_use_async(&drv, rt);
    struct blk_issuer *b = calloc(1, sizeof *b);
    b->rt = rt;
    b->disk = cdn_blk_disk_by_name("nullb0");
    b->expect = calloc(BLK_QD, (size_t)SLICE_BLOCKS * BS); /* a fresh null_blk reads zeros */
    b->seed = 88172645463325252ull;
    for (int k = 0; k < BLK_QD; k++) {
        b->slot[k].b = b;
        b->slot[k].first_block = (uint64_t)k * SLICE_BLOCKS;
        b->slot[k].rq = b->disk ? cdn_blk_alloc_request(b->disk, BS) : NULL;
        b->errors += !b->slot[k].rq;
    }
    int64_t t0 = cdn_now_ns();
    b->until = t0 + (int64_t)(seconds * 1e9);
    struct blk_progress prog = {b, m, t0, b->until, rt};
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    cdn_async_spawn(rt, blk_issue, b);
    if (tty)
        cdn_async_spawn(rt, blk_watch, &prog);
    cdn_finish_end(rt, &f);
    double secs = (double)(cdn_now_ns() - t0) / 1e9;
    unsigned long ios = b->ios, errors = b->errors;
    *mismatches = b->mismatches;
    if (tty)
        fprintf(stderr, "\n");
    printf("  %-8s %10lu I/Os, %lu errors, %lu data mismatches: %.1f kIOPS\n", cdn_drv_mode_name(m),
           ios, errors, *mismatches, (double)ios / secs / 1e3);
    for (int k = 0; k < BLK_QD; k++)
        blk_mq_free_request(b->slot[k].rq);
    free(b->expect);
    free(b);
    cdn_driver_unload(&drv);
    cdn_async_destroy(rt);
    cdn_kernel_exit();
    return errors || *mismatches ? -1 : (double)ios / secs;
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
                   "in a sandboxed process domain, S seconds each (default 2), and compares.\n"
                   "Exit status: 0 ok, 1 a run failed or data did not verify, 2 usage.\n");
            return 0;
        } else {
            fprintf(stderr, "cordon-demo: unknown argument '%s' (try --help)\n", argv[i]);
            return 2;
        }
    }
    tty = isatty(2);
    setvbuf(stdout, NULL, _IOLBF, 0);
    pin(0);
    printf("cordon demo: one driver source, run natively and isolated (host on CPU 0, domain on "
           "CPU 1)\n\n");
    printf("dummy network driver, 64-byte packets through dev_queue_xmit:\n");
    double nn = net_run(CDN_DRV_NATIVE), np = net_run(CDN_DRV_PROCESS);
    if (nn > 0 && np > 0)
        printf("  isolated / native: %.1f%%\n\n", 100 * np / nn);
    printf("null_blk (memory backed), 4 KiB random I/O at queue depth 16, half writes, every read "
           "verified:\n");
    unsigned long mm1, mm2;
    double bn = blk_run(CDN_DRV_NATIVE, &mm1), bp = blk_run(CDN_DRV_PROCESS, &mm2);
    if (bn > 0 && bp > 0)
        printf("  isolated / native: %.1f%%\n", 100 * bp / bn);
    printf("\ncrash and recovery: the isolated dummy driver is killed mid-traffic\n");
    int cr = crash_run();
    printf("\ncrash and recovery: the isolated null_blk is killed mid-I/O\n");
    int bc = blk_crash_run();
    printf("\n(the modes above ran one after the other, so this VM's speed phases show in\n"
           " their ratios; cordon-bench net and blk interleave them in slices and pair the\n"
           " rounds: docs/benchmarks.md has those tables, docs/reliability.md the fault\n"
           " campaign, cordon-bench faults)\n");
    return nn > 0 && np > 0 && bn > 0 && bp > 0 && cr == 0 && bc == 0 ? 0 : 1;
}
