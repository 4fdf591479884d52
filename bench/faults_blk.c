/*
 * faults_blk.c - the block workload of `cordon-bench faults`: the real
 * null_blk driver (memory backed) in a process domain under a verified
 * fio-like load, with faults from two sources:
 *
 *   inside the driver   tests/modules/blk_faulty.c wraps the driver's
 *                       completions; a request to a "fault sector" makes it
 *                       crash, abort, hang, scribble over its channel,
 *                       complete wrongly, twice or never, send a forged
 *                       handle, an undeclared rpc id or an oversized
 *                       message, storm the allocator, or reply slowly
 *   from outside        a helper thread sends SIGKILL, SIGSEGV or SIGSTOP
 *                       (a hang) at a random moment, usually while data
 *                       requests are in flight
 *
 * Every acknowledged write is remembered; every successful read is compared
 * with it (data_mismatches), and at the end every block is read back
 * (acknowledged_lost). A write that failed is not acknowledged: its block's
 * contents are then unknown until the next acknowledged write.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cordon_kernel.h"
#include "faults.h"
#include "linux/blk-mq.h"

extern const struct cdn_driver_desc cdn_null_blk_driver;

#define BS         4096u
#define BLOCKS     1024u     /* the verified area: 4 MiB */
#define FAULT_BASE 120000ull /* blk_faulty.c's CDN_FAULT_BASE */

static const struct {
    int code; /* blk_faulty.c's fault number, or -signal for the helper */
    const char *name;
} kinds[] = {{0, "segfault"},
             {1, "abort"},
             {2, "hang"},
             {3, "wild-writes"},
             {4, "bad-status"},
             {5, "double-completion"},
             {6, "never-completed"},
             {7, "forged-handle"},
             {8, "undeclared-rpc"},
             {9, "oversized-message"},
             {10, "alloc-storm"},
             {11, "slow-reply"},
             {-SIGKILL, "sigkill-mid-io"},
             {-SIGSEGV, "sigsegv-mid-io"},
             {-SIGSTOP, "sigstop-mid-io"}};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static void fill(uint8_t *b, uint64_t stamp)
{
    for (uint32_t k = 0; k < BS; k += 8)
        memcpy(b + k, &(uint64_t){stamp ^ (k * 0x9e3779b97f4a7c15ull)}, 8);
}

int campaign_area_init(struct campaign_area *a, struct gendisk *disk)
{
    memset(a, 0, sizeof *a);
    a->disk = disk;
    a->expect = calloc(BLOCKS, BS);
    a->known = malloc(BLOCKS);
    if (!disk || !a->expect || !a->known) {
        campaign_area_free(a);
        return 1;
    }
    memset(a->known, 1, BLOCKS); /* never written: zeros, and expect[] is zeros */
    return 0;
}

void campaign_area_free(struct campaign_area *a)
{
    free(a->expect);
    free(a->known);
    a->expect = a->known = NULL;
}

long campaign_area_lost(struct campaign_area *a)
{
    long lost = 0;
    for (uint32_t b = 0; b < BLOCKS; b++) {
        uint8_t buf[BS];
        if (!a->known[b])
            continue;
        if (cdn_blk_rw(a->disk, REQ_OP_READ, (uint64_t)b * (BS / 512), BS, buf) != 0 ||
            memcmp(buf, a->expect + (size_t)b * BS, BS) != 0)
            lost++;
    }
    return lost;
}

void campaign_area_io(struct campaign_area *a, uint64_t *seed)
{
    uint64_t r = campaign_rnd(seed);
    uint32_t blk = (uint32_t)(r % BLOCKS);
    uint8_t buf[BS];
    if (r & (1ull << 40)) {
        fill(buf, ++a->stamp);
        if (cdn_blk_rw(a->disk, REQ_OP_WRITE, (uint64_t)blk * (BS / 512), BS, buf) == 0) {
            memcpy(a->expect + (size_t)blk * BS, buf, BS);
            a->known[blk] = 1;
            a->ok_ios++;
        } else {
            a->known[blk] = 0; /* not acknowledged: old or new, we cannot say */
            a->errors++;
        }
    } else {
        if (cdn_blk_rw(a->disk, REQ_OP_READ, (uint64_t)blk * (BS / 512), BS, buf) == 0) {
            a->ok_ios++;
            if (a->known[blk] && memcmp(buf, a->expect + (size_t)blk * BS, BS) != 0)
                a->mismatches++;
        } else {
            a->errors++;
        }
    }
}

struct signaller {
    pid_t pid;
    int sig;
    long delay_ns;
    volatile int done;
};

static void *signal_later(void *arg)
{
    struct signaller *s = arg;
    struct timespec ts = {0, s->delay_ns};
    nanosleep(&ts, NULL);
    if (s->pid > 0)
        kill(s->pid, s->sig);
    s->done = 1;
    return NULL;
}

int campaign_blk(const struct bench_opts *o, int nfaults, uint64_t seed, struct campaign *c)
{
    memset(c, 0, sizeof *c);
    struct cdn_driver_desc d = cdn_null_blk_driver;
    d.name = "blk_faulty";
    struct cdn_driver drv;
    if (campaign_begin(o, &d, 256ull << 20, &drv) != 0)
        return 1;
    struct campaign_area a;
    if (campaign_area_init(&a, cdn_blk_disk_by_name("nullb0")) != 0) {
        campaign_end(c, &drv);
        return 1;
    }

    /* a clean run first: the throughput to compare with */
    int64_t t0 = cdn_now_ns();
    while (cdn_now_ns() - t0 < 200000000LL)
        campaign_area_io(&a, &seed);
    double clean_iops = (double)a.ok_ios / ((double)(cdn_now_ns() - t0) / 1e9);
    long ok0 = a.ok_ios;

    double *rec_ms = calloc((size_t)nfaults + 1, sizeof(double));
    long per_kind[NKINDS] = {0};
    int64_t c0 = cdn_now_ns();
    for (int f = 0; f < nfaults; f++) {
        for (uint64_t k = campaign_rnd(&seed) % 32; k > 0; k--)
            campaign_area_io(&a, &seed);
        unsigned kind = (unsigned)(campaign_rnd(&seed) % NKINDS);
        per_kind[kind]++;
        unsigned long before = drv.stats.restarts;
        if (kinds[kind].code >= 0) {
            uint8_t buf[BS];
            uint64_t sector = FAULT_BASE + (uint64_t)kinds[kind].code * 8;
            cdn_blk_rw(a.disk, REQ_OP_READ, sector, BS, buf); /* it may fail: that is the point */
        } else {
            /* mid-I/O: verified traffic while a signal lands at a random moment */
            struct signaller s = {.pid = drv.dom ? cdn_domain_pid(drv.dom) : -1,
                                  .sig = -kinds[kind].code,
                                  .delay_ns = (long)(campaign_rnd(&seed) % 200000)};
            pthread_t t;
            pthread_create(&t, NULL, signal_later, &s);
            for (int n = 0; !s.done && n < 100000; n++)
                campaign_area_io(&a, &seed);
            pthread_join(t, NULL);
            for (int n = 0; n < 4; n++)
                campaign_area_io(&a, &seed); /* one of these meets the dead (or stopped) driver */
        }
        c->injected++;
        /* Recovered: a verified read and write go through again (the
         * supervisor restarted the driver if the fault called for it). */
        int ok = 0;
        for (int attempt = 0; attempt < 3 && !ok; attempt++) {
            long e0 = a.errors;
            campaign_area_io(&a, &seed);
            campaign_area_io(&a, &seed);
            ok = a.errors == e0;
            if (!ok)
                cdn_driver_check(&drv);
        }
        if (drv.stats.restarts > before)
            rec_ms[c->restarts++] = drv.stats.last_restart_ms;
        if (ok)
            c->recovered++;
        else {
            c->not_recovered++;
            if (c->not_recovered == 1) /* the first one: why, for whoever reads the run */
                fprintf(stderr, "cordon-bench: blk fault %d (%s) not recovered: driver %s (%s)\n",
                        f, kinds[kind].name, drv.down ? "down" : "up", drv.reason);
        }
        if ((f + 1) % (nfaults / 10 ? nfaults / 10 : 1) == 0)
            fprintf(stderr, "[blk %d/%d faults] recovered %ld, restarts %ld, mismatches %ld\n",
                    f + 1, nfaults, c->recovered, c->restarts, a.mismatches);
    }
    double secs = (double)(cdn_now_ns() - c0) / 1e9;
    /* every block read back: what was acknowledged must be there */
    c->workload = "blk";
    c->acknowledged_lost = campaign_area_lost(&a);
    c->data_mismatches = a.mismatches;
    c->rec_ms = rec_ms;
    c->throughput_ratio = clean_iops > 0 ? ((double)(a.ok_ios - ok0) / secs) / clean_iops : 0;
    c->nkinds = (int)NKINDS;
    for (size_t i = 0; i < NKINDS; i++) {
        c->kind_name[i] = kinds[i].name;
        c->per_kind[i] = per_kind[i];
    }
    campaign_area_free(&a);
    campaign_end(c, &drv);
    return 0;
}
