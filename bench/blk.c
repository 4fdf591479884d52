/*
 * blk.c - `cordon-bench blk`: an fio-like generator driving null_blk
 * (memory backed) through the host's block core in native, inproc and
 * process modes, side by side. Queue depth Q = Q requests in flight from
 * one fiber (asynchronous submission, as fio with io_uring). Every read is
 * checked against what the generator last wrote there.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rows.h"
#include "cordon_kernel.h"
#include "linux/blk-mq.h"

extern const struct cdn_driver_desc cdn_null_blk_driver;

#define AREA_DEFAULT_MIB 16 /* the generator works on the first 16 MiB */

/*
 * The generator: one fiber keeps qd requests in flight (as fio with
 * io_uring at iodepth qd): it submits with blk_execute_rq_nowait, reaps
 * the requests whose end_io ran, checks them, and submits the next I/O on
 * each. Slot k of the qd works on the blocks b with b % qd == k, so two
 * requests in flight never touch the same block and every read can be
 * checked against what was last written there.
 */
struct job;
struct slot {
    struct job *j;
    struct request *rq;
    struct slot *next_done;
    uint32_t k;
    blk_status_t status;
};

struct job {
    struct cdn_async *rt;
    struct gendisk *disk;
    uint32_t bs;
    int qd;
    uint64_t area;  /* bytes at the start of the disk the I/Os go to */
    long quota;     /* I/Os of the slice being run */
    long submitted; /* of this slice */
    long done;      /* in all */
    uint64_t seed;
    uint8_t *expect; /* what each byte of the area should read as */
    int read_pct;    /* percentage of reads */
    struct slot slots[64];
    int live;               /* slots with a request */
    struct slot *done_list; /* ended, not yet reaped */
    struct cdn_event ev;
    long mismatches, errors;
};

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void slot_end_io(struct request *rq, blk_status_t status)
{
    struct slot *sl = rq->end_io_data;
    sl->status = status;
    sl->next_done = sl->j->done_list;
    sl->j->done_list = sl;
    cdn_event_signal(sl->j->rt, &sl->j->ev);
}

/* Makes the next I/O of slot sl and submits it. */
static void slot_submit(struct job *j, struct slot *sl)
{
    struct request *rq = sl->rq;
    uint64_t blocks = j->area / j->bs / (uint64_t)j->qd; /* this slot's (>= 1: checked) */
    uint64_t r = next_rand(&j->seed);
    uint64_t off = ((r % blocks) * (uint64_t)j->qd + sl->k) * j->bs;
    rq->sector = off >> 9;
    rq->nr_bytes = j->bs;
    if ((int)((r >> 40) % 100) >= j->read_pct) { /* a write (100 - read_pct in 100) */
        /* cheap to make, still unique: a fill byte and a stamp per sector
         * (a slow generator would hide the driver's cost in every mode) */
        rq->op = REQ_OP_WRITE;
        memset(rq->data, (int)(r & 0xff), j->bs);
        for (uint32_t k = 0; k < j->bs; k += 512) {
            uint64_t stamp = r ^ k;
            memcpy(rq->data + k, &stamp, sizeof stamp);
        }
    } else {
        rq->op = REQ_OP_READ;
    }
    j->submitted++;
    blk_execute_rq_nowait(rq, false);
}

/* Checks an ended request: a read against what was written there, a
 * write becomes what later reads must see. */
static void slot_reap(struct job *j, struct slot *sl)
{
    struct request *rq = sl->rq;
    uint64_t off = rq->sector << 9;
    j->done++;
    if (sl->status != BLK_STS_OK)
        j->errors++;
    else if (rq->op == REQ_OP_WRITE)
        memcpy(j->expect + off, rq->data, j->bs);
    else if (memcmp(rq->data, j->expect + off, j->bs) != 0)
        j->mismatches++;
}

/* One slice: j->quota I/Os, qd in flight, and every one ended before it
 * returns (the next slice is another mode's). */
static void io_slice(void *arg)
{
    struct job *j = arg;
    int inflight = 0;
    j->submitted = 0;
    for (int k = 0; k < j->live && j->submitted < j->quota; k++, inflight++)
        slot_submit(j, &j->slots[k]);
    while (inflight > 0) {
        while (!j->done_list) {
            cdn_event_init(&j->ev);
            if (!j->done_list)
                cdn_event_wait(j->rt, &j->ev);
        }
        struct slot *list = j->done_list;
        j->done_list = NULL;
        while (list) {
            struct slot *sl = list;
            list = sl->next_done;
            inflight--;
            slot_reap(j, sl);
            if (j->submitted < j->quota) {
                slot_submit(j, sl);
                inflight++;
            }
        }
    }
}

static int job_start(struct job *j, struct cdn_async *rt, struct gendisk *disk, uint32_t bs, int qd,
                     uint64_t area, int read_pct)
{
    *j = (struct job){.rt = rt,
                      .disk = disk,
                      .bs = bs,
                      .qd = qd,
                      .area = area,
                      .seed = 0x9e3779b97f4a7c15ull,
                      .read_pct = read_pct};
    j->expect = calloc(1, area); /* a fresh null_blk reads zeros */
    if (!j->expect)
        return -1;
    for (int k = 0; k < qd; k++) {
        struct request *rq = cdn_blk_alloc_request(disk, bs);
        if (!rq)
            return -1;
        j->slots[k] = (struct slot){j, rq, NULL, (uint32_t)k, 0};
        rq->end_io = slot_end_io;
        rq->end_io_data = &j->slots[k];
        j->live++;
    }
    return 0;
}

static void job_end(struct job *j)
{
    for (int k = 0; k < j->live; k++)
        blk_mq_free_request(j->slots[k].rq);
    j->live = 0;
    free(j->expect);
    j->expect = NULL;
}

/*
 * One round: null_blk loaded for each wanted mode in one kernel (nullb0,
 * nullb1, ... in load order), the I/Os run in slices of SLICE, the modes
 * taking turns (forwards, then backwards), as the net bench does: this
 * VM's speed drifts over seconds, slices a few milliseconds apart see the
 * same machine. iops[m], ticks[m]: each wanted mode's rate and TSC ticks
 * per I/O; *bad: reads that did not match, errors, I/Os not done.
 */
#define SLICE 4096L
static int run_round(const int *wanted, uint32_t bs, int qd, uint64_t area, int read_pct, long ios,
                     int cpu, double tpn, const char *moddir, double *iops, double *ticks,
                     long *bad)
{
    static const enum cdn_drv_mode modes[] = {CDN_DRV_NATIVE, CDN_DRV_INPROC, CDN_DRV_PROCESS};
    *bad = 0;
    /* each disk's media takes up to `area` of the shared heap */
    if (cdn_kernel_init((size_t)(2 * area + (32u << 20))) != 0)
        return -1;
    struct cdn_async *rt;
    struct cdn_async_config ac = {.stack_size = 256u << 10};
    if (cdn_async_create(&ac, &rt) != CDN_OK) {
        cdn_kernel_exit();
        return -1;
    }
    struct cdn_driver drv[3];
    struct job job[3];
    int loaded[3] = {0, 0, 0}, started[3] = {0, 0, 0}, failed = 0, ndisks = 0;
    for (int m = 0; m < 3 && !failed; m++) {
        if (!wanted[m])
            continue;
        if (bench_load_driver(&cdn_null_blk_driver, modes[m], cpu, moddir, rt, &drv[m]) != 0) {
            failed = 1;
            break;
        }
        loaded[m] = 1;
        char name[16];
        snprintf(name, sizeof name, "nullb%d", ndisks++);
        struct gendisk *disk = cdn_blk_disk_by_name(name);
        if (!disk || job_start(&job[m], rt, disk, bs, qd, area, read_pct) != 0) {
            fprintf(stderr, "cordon-bench: null_blk (%s): no disk %s, or out of memory\n",
                    cdn_drv_mode_name(modes[m]), name);
            failed = 1;
        }
        started[m] = 1;
    }
    uint64_t spent[3] = {0, 0, 0};
    long given[3] = {0, 0, 0};
    for (int turn = 0; !failed; turn++) {
        int any = 0;
        for (int k = 0; k < 3; k++) {
            int m = bench_mode_order(turn, k, 3);
            if (!wanted[m] || given[m] >= ios)
                continue;
            struct job *j = &job[m];
            j->quota = ios - given[m] < SLICE ? ios - given[m] : SLICE;
            struct cdn_finish f;
            uint64_t t0 = bench_tsc();
            cdn_finish_begin(rt, &f);
            cdn_async_spawn(rt, io_slice, j);
            cdn_finish_end(rt, &f);
            spent[m] += bench_tsc() - t0;
            given[m] += j->quota;
            any = 1;
        }
        if (!any)
            break;
    }
    for (int m = 0; m < 3; m++) {
        if (!started[m])
            continue;
        struct job *j = &job[m];
        long wrong = j->mismatches + j->errors + (j->done != ios);
        if (wrong && getenv("CORDON_BENCH_VERBOSE"))
            fprintf(stderr, "blk %s bs %u qd %d: %ld of %ld done, %ld mismatches, %ld errors\n",
                    cdn_drv_mode_name(modes[m]), bs, qd, j->done, ios, j->mismatches, j->errors);
        *bad += wrong;
        iops[m] = spent[m] ? (double)j->done / ((double)spent[m] / tpn / 1e9) : 0;
        ticks[m] = j->done ? (double)spent[m] / (double)j->done : 0;
        job_end(j);
    }
    for (int m = 2; m >= 0; m--)
        if (loaded[m])
            cdn_driver_unload(&drv[m]);
    cdn_async_destroy(rt);
    cdn_kernel_exit();
    return failed ? -1 : 0;
}

struct blk_round_arg {
    uint32_t bs;
    int qd;
    uint64_t area;
    int read_pct;
    long ios;
    int cpu;
    double tpn;
    const char *moddir;
    long bad; /* in all rounds */
};

static int blk_round(const int wanted[3], void *arg, double rate[3], double ticks[3])
{
    struct blk_round_arg *a = arg;
    long bad;
    int r = run_round(wanted, a->bs, a->qd, a->area, a->read_pct, a->ios, a->cpu, a->tpn, a->moddir,
                      rate, ticks, &bad);
    a->bad += bad;
    return r != 0 || bad != 0;
}

int bench_blk(const struct bench_opts *o)
{
    char moddir[PATH_MAX];
    snprintf(moddir, sizeof moddir, "%s", bench_module_path("null_blk"));
    *strrchr(moddir, '/') = 0;
    bench_pin(o->host_cpu);
    double tpn = bench_tsc_per_ns();
    struct {
        uint32_t bs;
        int qd;
        char name[32];
    } cfgs[3] = {{4096, 1, "blk-4K-qd1"}, {4096, 16, "blk-4K-qd16"}, {512, 16, "blk-512B-qd16"}};
    int ncfgs = 3;
    if (o->bs || o->qd) { /* one row of the user's choosing */
        cfgs[0].bs = o->bs ? o->bs : 4096;
        cfgs[0].qd = o->qd ? o->qd : 16;
        if (cfgs[0].bs % 1024 == 0)
            snprintf(cfgs[0].name, sizeof cfgs[0].name, "blk-%uK-qd%d", cfgs[0].bs / 1024,
                     cfgs[0].qd);
        else
            snprintf(cfgs[0].name, sizeof cfgs[0].name, "blk-%uB-qd%d", cfgs[0].bs, cfgs[0].qd);
        ncfgs = 1;
    }
    const int read_pct = o->read_pct >= 0 ? o->read_pct : 50;
    const uint64_t area = (uint64_t)(o->area_mib ? o->area_mib : AREA_DEFAULT_MIB) << 20;
    const int rounds = o->rounds ? o->rounds : o->quick ? 1 : 3;
    long ios = o->ops ? o->ops : o->quick ? 8000 : 64000;
    int failed = 0, step = 0, steps = 0;
    for (int c = 0; c < ncfgs; c++)
        steps += !o->only || strstr(cfgs[c].name, o->only) ? rounds : 0;
    long bad_total = 0;
    for (int c = 0; c < ncfgs; c++)
        if (area / cfgs[c].bs / (uint64_t)cfgs[c].qd == 0) {
            fprintf(stderr,
                    "cordon-bench: blk: --area %llu MiB holds fewer than %d blocks of %u bytes\n",
                    (unsigned long long)(area >> 20), cfgs[c].qd, cfgs[c].bs);
            return 2;
        }
    if (o->json)
        printf("{\"bench\":\"blk\",\"tsc_ghz\":%.4f,\"ios\":%ld,\"rounds\":%d,\"rwmix_read\":%d,"
               "\"area_mib\":%llu,\"results\":[",
               tpn, ios, rounds, read_pct, (unsigned long long)(area >> 20));
    else
        printf("%-16s %-8s %12s %12s %10s %9s\n", "name", "mode", "kIOPS", "ticks/io", "vs native",
               "steal ms");
    int first = 1;
    for (int c = 0; c < ncfgs; c++) {
        if (o->only && !strstr(cfgs[c].name, o->only))
            continue;
        struct blk_round_arg ra = {cfgs[c].bs, cfgs[c].qd, area,   read_pct, ios,
                                   o->dom_cpu, tpn,        moddir, 0};
        struct bench_row row;
        failed |= bench_row_measure(o, cfgs[c].name, rounds, &step, steps, blk_round, &ra, &row);
        bad_total += ra.bad;
        static const struct bench_row_format fmt = {16, 1e3, 1};
        bench_row_print(o, cfgs[c].name, &row, rounds, &fmt, &first);
    }
    if (o->json)
        printf("],\"verify_failures\":%ld}\n", bad_total);
    else
        printf("(medians of %d rounds of %ld I/Os over the first %llu MiB; vs native: the median\n"
               " of each round's ratio; every read checked byte for byte against what was\n"
               " written: %ld failures)\n",
               rounds, ios, (unsigned long long)(area >> 20), bad_total);
    return failed;
}
