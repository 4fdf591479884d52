/*
 * test_blk_null.c - the null_blk driver (drivers/block/null_blk.c) in its
 * three modes, with every byte read back checked against what was written;
 * and a misbehaving block driver in a process domain.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/block/blk_impl.h"
#include "cordon_kernel.h"
#include "linux/blk-mq.h"
#include "kutil.h"
#include "util.h"

extern const struct cdn_driver_desc cdn_null_blk_driver;

static void fill(uint8_t *b, size_t n, uint64_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        b[i] = (uint8_t)(seed >> 56);
    }
}

static void test_null_blk(void **state)
{
    enum cdn_drv_mode m = test_mode(state);
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv;
    int r = cdn_driver_load(&cdn_null_blk_driver, m, -1, test_lib_dir(), &drv);
    if (r != 0)
        fail_msg("load: %d %s", r, drv.reason);
    struct gendisk *disk = cdn_blk_disk_by_name("nullb0");
    assert_non_null(disk);
    assert_int_equal(get_capacity(disk), (64ull << 20) >> 9);
    static uint8_t w[65536], rd[65536];
    /* writes of several sizes and alignments, then every one read back */
    static const struct {
        uint64_t sector;
        uint32_t bytes;
    } io[] = {{0, 4096},    {8, 512},   {9, 512},      {100, 65536},
              {1000, 4096}, {77, 1536}, {131070, 1024}};
    for (size_t i = 0; i < sizeof io / sizeof io[0]; i++) {
        fill(w, io[i].bytes, io[i].sector);
        assert_int_equal(cdn_blk_rw(disk, REQ_OP_WRITE, io[i].sector, io[i].bytes, w), 0);
    }
    for (size_t i = 0; i < sizeof io / sizeof io[0]; i++) {
        fill(w, io[i].bytes, io[i].sector);
        memset(rd, 0, sizeof rd);
        assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, io[i].sector, io[i].bytes, rd), 0);
        if (memcmp(w, rd, io[i].bytes) != 0)
            fail_msg("%s: data mismatch at sector %llu", cdn_drv_mode_name(m),
                     (unsigned long long)io[i].sector);
    }
    /* never written: zeros */
    memset(rd, 1, 4096);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 50000, 4096, rd), 0);
    for (int i = 0; i < 4096; i++)
        assert_int_equal(rd[i], 0);
    /* past the end: the driver fails it, cleanly */
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, (64ull << 20) >> 9, 512, rd), -EIO);
    /* nothing left behind per request: the only shared-heap objects are the
     * chunks of the device's memory that were written (kept by the host) */
    unsigned chunks = 0;
    for (u32 i = 0; i < disk->media_chunks; i++)
        chunks += disk->media[i] != NULL;
    assert_int_equal(chunks, 4); /* 128 sectors each: chunks 0 and 1 (sectors 0-227), 7, 1023 */
    assert_int_equal(test_heap_objects_live(), chunks);
    if (drv.glue) {
        struct cdn_glue_stats gs;
        cdn_glue_get_stats(drv.glue, &gs);
        assert_true(gs.objects < 12);
    }
    cdn_driver_unload(&drv);
    assert_null(cdn_blk_disk_by_name("nullb0"));
    assert_int_equal(test_heap_objects_live(), 0); /* the media went with the disk */
    cdn_kernel_exit();
}

/* tests/modules/blk_bad.c, every request a glue call (test_blk_ring below
 * covers the ring). The driver keeps a pointer to its descriptor: static. */
static const struct cdn_driver_desc *blk_bad(void)
{
    static struct cdn_driver_desc d;
    d = cdn_null_blk_driver;
    d.name = "blk_bad";
    d.rings = 0;
    return &d;
}

/* blk_bad loaded in a process domain; its disk, badb0. */
static struct gendisk *load_blk_bad(struct cdn_driver *drv)
{
    int r = cdn_driver_load(blk_bad(), CDN_DRV_PROCESS, -1, test_lib_dir(), drv);
    if (r != 0)
        fail_msg("load blk_bad: %d %s", r, drv->reason);
    struct gendisk *disk = cdn_blk_disk_by_name("badb0");
    assert_non_null(disk);
    return disk;
}

/* blk-mq's contract for queue_rq: BLK_STS_RESOURCE / BLK_STS_DEV_RESOURCE
 * without ending the request means "busy, try later". Through per-call
 * glue: a request busy twice goes again after a short delay each time and
 * succeeds; one that stays busy fails once the driver's call deadline has
 * passed; neither counts as a lost request or restarts the driver. */
static void test_busy_request_goes_again(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.call_timeout_ns = 150000000LL; /* 150 ms */
    struct cdn_driver drv;
    int r = cdn_driver_load_policy(blk_bad(), CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv);
    if (r != 0)
        fail_msg("load blk_bad: %d %s", r, drv.reason);
    struct gendisk *disk = cdn_blk_disk_by_name("badb0");
    assert_non_null(disk);
    assert_null(disk->rqr); /* per-call glue */
    static uint8_t b[4096];
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 6000, 4096, b), 0);
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.blk_busy_retries, 2);
    assert_int_equal(k.blk_not_completed, 0);
    int64_t t0 = cdn_now_ns();
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 7000, 4096, b), -EIO); /* busy for good */
    assert_true(cdn_now_ns() - t0 >= pol.call_timeout_ns);
    cdn_kernel_get_stats(&k);
    assert_true(k.blk_busy_retries > 2 + 10); /* about every 3 ms meanwhile */
    assert_int_equal(k.blk_not_completed, 0);
    assert_int_equal(drv.stats.restarts, 0);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 8, 4096, b), 0); /* and on it goes */
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
}

static void test_misbehaving_block_driver(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv;
    struct gendisk *disk = load_blk_bad(&drv);
    static uint8_t b[4096];
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 0, 4096, b), 0);
    assert_int_equal(b[0], 0xab);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 1000, 4096, b), -EIO); /* never completed */
    /* completed twice: the request itself succeeds; the second completion
     * is a one-way message with a stale handle that the host reads during
     * the next crossing (sector 3000's), refuses, and, in strict mode, treats
     * as a protocol violation: the driver is restarted and the request in
     * flight issued again to the new instance */
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 2000, 4096, b), 0);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 3000, 4096, b), -EIO); /* then: bad status */
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 8, 4096, b), 0);       /* and on it goes */
    assert_ptr_equal(cdn_blk_disk_by_name("badb0"), disk);                /* the same disk */
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    if (getenv("CORDON_TEST_VERBOSE"))
        fprintf(stderr, "not completed %lu, retried %lu, restarts %lu, rejected %lu (%s)\n",
                k.blk_not_completed, k.blk_retried, drv.stats.restarts, drv.stats.rejected,
                drv.reason);
    assert_int_equal(k.blk_not_completed, 2); /* 1000, and 3000 when the driver was killed */
    assert_int_equal(k.blk_retried, 1);
    assert_int_equal(drv.stats.restarts, 1);
    assert_int_equal(drv.stats.rejected, 1);
    assert_non_null(strstr(drv.reason, "rejected"));
    assert_int_equal(k.blk_double_completions, 0); /* refused by the glue, before the core */
    assert_int_equal(test_heap_objects_live(), 0);
    assert_true(cdn_domain_alive(drv.dom));
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
}

/* A block driver that frees its own disk: while it is still added
 * (refused, as Linux requires del_gendisk first), and deleted and freed
 * from inside the queue_rq the core is running: the core finishes the I/O
 * without touching freed memory (ASan would say), then frees the disk. */
static void test_driver_frees_its_disk(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv; /* the synchronous path: the core is inside the call */
    static uint8_t b[4096];
    struct cdn_kernel_stats k;
    for (int round = 0; round < 3; round++) {
        struct gendisk *disk = load_blk_bad(&drv);
        assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 8, 4096, b), 0);
        if (round == 0) {
            /* 5000: the I/O completed before the driver removed its disk;
             * the disk is gone when the call returns (not to be touched) */
            assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 5000, 4096, b), 0);
            assert_null(cdn_blk_disk_by_name("badb0"));
            assert_false(cdn_blk_disk_live(disk));
        } else if (round == 1) {
            /* the same, with the client holding the disk: deleted, kept
             * until the put, refusing I/O meanwhile */
            cdn_blk_disk_get(disk);
            assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 5000, 4096, b), 0);
            assert_null(cdn_blk_disk_by_name("badb0"));
            assert_int_equal(disk->added, 0);
            assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 8, 4096, b), -EINVAL);
            cdn_blk_disk_put(disk);
        } else {
            /* 4000: put while added: refused, the disk kept and working */
            assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 4000, 4096, b), 0);
            cdn_kernel_get_stats(&k);
            assert_int_equal(k.disk_bad_puts, 1);
            assert_ptr_equal(cdn_blk_disk_by_name("badb0"), disk);
            assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 8, 4096, b), 0);
        }
        assert_true(cdn_domain_alive(drv.dom));
        cdn_driver_unload(&drv);
        assert_null(cdn_blk_disk_by_name("badb0"));
    }
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

/* An asynchronous request holds its disk until its end_io has run: the
 * driver deletes and puts the disk while serving it (blk_bad 5000), and
 * the end_io can still look at rq->disk (ASan would say if it were freed);
 * the disk goes right after. */
static int seen_added = -1;
static blk_status_t seen_status = 99;
static void end_io_looks_at_disk(struct request *rq, blk_status_t status)
{
    seen_added = rq->disk->added;
    seen_status = status;
}

static void test_async_request_holds_its_disk(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv;
    struct gendisk *disk = load_blk_bad(&drv);
    struct request *rq = cdn_blk_alloc_request(disk, 4096);
    assert_non_null(rq);
    rq->op = REQ_OP_READ;
    rq->sector = 5000;
    rq->nr_bytes = 4096;
    rq->end_io = end_io_looks_at_disk;
    blk_execute_rq_nowait(rq, false); /* no async runtime: ends before it returns */
    assert_int_equal(seen_status, BLK_STS_OK);
    assert_int_equal(seen_added, 0); /* deleted, not yet freed */
    assert_null(cdn_blk_disk_by_name("badb0"));
    blk_mq_free_request(rq);
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
}

/* The request ring against null_blk with a fault shim around its
 * completions (tests/modules/blk_faulty.c; the sector picks the fault): a
 * status outside the block layer's set, a request ended twice, one never
 * ended, a crash mid-request. Each is reported; the requests the driver
 * lost are issued again to the restarted driver; the data stays right. */
#define FAULT(k) (120000ull + 8ull * (k))
static void test_blk_ring(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(32u << 20), 0);
    struct cdn_driver_desc d = cdn_null_blk_driver;
    d.name = "blk_faulty";
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.call_timeout_ns = 300000000LL; /* a request never ended: 300 ms */
    struct cdn_driver drv;
    int r = cdn_driver_load_policy(&d, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv);
    if (r != 0)
        fail_msg("load: %d %s", r, drv.reason);
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    assert_int_equal(cdn_driver_use_async(&drv, rt), CDN_OK);
    struct gendisk *disk = cdn_blk_disk_by_name("nullb0");
    assert_non_null(disk);
    assert_non_null(disk->rqr); /* the ring is in use */
    static uint8_t w[4096], b[4096];
    memset(w, 0x5e, sizeof w);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_WRITE, 64, 4096, w), 0);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 64, 4096, b), 0);
    assert_memory_equal(b, w, 4096);

    /* ended twice: the request succeeds, the second end is counted */
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, FAULT(5), 4096, b), 0);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 64, 4096, b), 0);
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.blk_double_completions, 1);
    assert_int_equal(drv.stats.restarts, 0);

    /* a status outside the block layer's set: a protocol violation; the
     * driver is restarted and the request issued again, once (the shim
     * misbehaves on every try, so the request then fails) */
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, FAULT(4), 4096, b), -EIO);
    assert_int_equal(drv.stats.restarts >= 1, 1);
    assert_ptr_equal(cdn_blk_disk_by_name("nullb0"), disk);

    /* never ended: the idle watch's deadline kills the driver; the retry on
     * the new instance is lost again, and the request fails */
    unsigned long before = drv.stats.restarts;
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, FAULT(6), 4096, b), -EIO);
    assert_true(drv.stats.restarts > before);

    /* a crash mid-request: issued again to the restarted driver, which
     * crashes again (the same request); the data written before survives */
    before = drv.stats.restarts;
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, FAULT(0), 4096, b), -EIO);
    assert_true(drv.stats.restarts > before);
    assert_non_null(strstr(drv.reason, "SIGSEGV"));
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 64, 4096, b), 0);
    assert_memory_equal(b, w, 4096); /* the device's memory outlived its drivers */

    cdn_kernel_get_stats(&k);
    assert_true(k.blk_retried >= 3);
    cdn_driver_unload(&drv);
    cdn_async_destroy(rt);
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

/* Writes a pattern made from seed at sector 0 of disk, or checks it. */
static void pattern_io(struct gendisk *disk, int write, uint64_t seed)
{
    static uint8_t w[4096], rd[4096];
    fill(w, sizeof w, seed);
    if (write) {
        assert_int_equal(cdn_blk_rw(disk, REQ_OP_WRITE, 0, sizeof w, w), 0);
        return;
    }
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 0, sizeof rd, rd), 0);
    assert_memory_equal(rd, w, sizeof w);
}

/* One driver source loaded three times in one kernel (as cordon-bench blk
 * does): each instance's disk gets its own number from the core, and the
 * disks keep their data apart. */
static void test_null_blk_three_in_one_kernel(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(32u << 20), 0);
    static const enum cdn_drv_mode modes[] = {CDN_DRV_NATIVE, CDN_DRV_INPROC, CDN_DRV_PROCESS};
    struct cdn_driver drv[3];
    struct gendisk *disk[3];
    for (int m = 0; m < 3; m++) {
        int r = cdn_driver_load(&cdn_null_blk_driver, modes[m], -1, test_lib_dir(), &drv[m]);
        if (r != 0)
            fail_msg("load %s: %d %s", cdn_drv_mode_name(modes[m]), r, drv[m].reason);
        char name[16];
        snprintf(name, sizeof name, "nullb%d", m);
        disk[m] = cdn_blk_disk_by_name(name);
        assert_non_null(disk[m]);
        for (int k = 0; k < m; k++)
            assert_ptr_not_equal(disk[m], disk[k]);
    }
    for (int m = 0; m < 3; m++)
        pattern_io(disk[m], 1, 100 + (uint64_t)m);
    for (int m = 0; m < 3; m++)
        pattern_io(disk[m], 0, 100 + (uint64_t)m);
    /* the middle one goes: its number is free again, the others keep theirs */
    cdn_driver_unload(&drv[1]);
    assert_null(cdn_blk_disk_by_name("nullb1"));
    assert_ptr_equal(cdn_blk_disk_by_name("nullb2"), disk[2]);
    assert_int_equal(
        cdn_driver_load(&cdn_null_blk_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &drv[1]), 0);
    assert_non_null(disk[1] = cdn_blk_disk_by_name("nullb1"));
    pattern_io(disk[2], 0, 102);
    for (int m = 2; m >= 0; m--)
        cdn_driver_unload(&drv[m]);
    cdn_kernel_exit();
}

/* Names the core refuses (one already registered, an empty one, a
 * template other than one %d) and the ones it takes. */
static void test_disk_names(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv;
    assert_int_equal(
        cdn_driver_load(&cdn_null_blk_driver, CDN_DRV_NATIVE, -1, test_lib_dir(), &drv), 0);
    struct gendisk *nb0 = cdn_blk_disk_by_name("nullb0");
    assert_non_null(nb0);
    struct blk_mq_tag_set set = {
        .ops = nb0->queue->tag_set->ops, .nr_hw_queues = 1, .queue_depth = 1};
    static const struct {
        const char *name;
        int err;
    } cases[] = {
        {"nullb0", -EEXIST}, {"", -EINVAL},    {"disk%s", -EINVAL}, {"d%d%d", -EINVAL},
        {"d%d%n", -EINVAL},  {"d%x", -EINVAL}, {"nullb%d", 0},      {"other", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct gendisk *d = cdn_blk_mq_alloc_disk(&set);
        assert_non_null(d);
        snprintf(d->disk_name, sizeof d->disk_name, "%s", cases[i].name);
        int err = add_disk(d);
        if (err != cases[i].err)
            fail_msg("add_disk(\"%s\"): %d, want %d", cases[i].name, err, cases[i].err);
        if (err == 0) {
            if (strcmp(cases[i].name, "nullb%d") == 0)
                assert_string_equal(d->disk_name, "nullb1"); /* the lowest free number */
            assert_ptr_equal(cdn_blk_disk_by_name(d->disk_name), d);
            del_gendisk(d);
        }
        put_disk(d);
    }
    assert_ptr_equal(cdn_blk_disk_by_name("nullb0"), nb0);
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
}

static void kill_domain(struct cdn_driver *drv)
{
    kill(cdn_domain_pid(drv->dom), SIGKILL);
    while (cdn_domain_alive(drv->dom))
        usleep(50);
}

/* Two drivers of one kind down at once: the one restarted gets back its own
 * disk, never the other's (which stays orphaned, failing its I/O). */
static void test_restart_gets_its_own_disk(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(32u << 20), 0);
    struct cdn_driver_policy stay, restart;
    cdn_driver_policy_init(&stay);
    cdn_driver_policy_init(&restart);
    stay.on_failure = CDN_STAY_DOWN;
    stay.warm_spare = restart.warm_spare = 0;
    struct cdn_driver a, b;
    /* b first: a's disk, added last, is the first the core's list shows */
    assert_int_equal(cdn_driver_load_policy(&cdn_null_blk_driver, CDN_DRV_PROCESS, -1,
                                            test_lib_dir(), &restart, &b),
                     0);
    assert_int_equal(cdn_driver_load_policy(&cdn_null_blk_driver, CDN_DRV_PROCESS, -1,
                                            test_lib_dir(), &stay, &a),
                     0);
    struct gendisk *db = cdn_blk_disk_by_name("nullb0"), *da = cdn_blk_disk_by_name("nullb1");
    assert_non_null(da);
    assert_non_null(db);
    pattern_io(da, 1, 7);
    pattern_io(db, 1, 8);
    kill_domain(&a);
    static uint8_t buf[4096];
    assert_int_equal(cdn_blk_rw(da, REQ_OP_READ, 0, sizeof buf, buf), -EIO);
    assert_true(a.down);
    assert_true(da->orphaned);
    kill_domain(&b);
    pattern_io(db, 0, 8); /* noticed, restarted, its disk re-attached, the read retried */
    assert_int_equal(b.stats.restarts, 1);
    assert_false(db->orphaned);
    assert_true(da->orphaned); /* still the stayed-down driver's */
    assert_string_equal(db->disk_name, "nullb0");
    assert_ptr_equal(cdn_blk_disk_by_name("nullb0"), db);
    assert_int_equal(cdn_blk_rw(da, REQ_OP_READ, 0, sizeof buf, buf), -EIO);
    cdn_driver_unload(&b);
    cdn_driver_unload(&a);
    cdn_kernel_exit();
}

/* A driver whose init fails is unloaded at once, as Linux unloads a module
 * whose init failed: here the second instance of a driver with a fixed disk
 * name, refused by add_disk (-EEXIST). Its domain goes; the first instance
 * keeps serving; the caller's struct is free to reuse. */
static void test_init_failure_unloads(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver first, again;
    struct gendisk *disk = load_blk_bad(&first);
    for (int i = 0; i < 3; i++) { /* the same struct each time, as a caller would */
        assert_int_equal(cdn_driver_load(blk_bad(), CDN_DRV_PROCESS, -1, test_lib_dir(), &again),
                         -EEXIST);
        assert_null(again.dom);
        assert_null(again.glue);
    }
    static uint8_t b[4096];
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 0, 4096, b), 0);
    assert_int_equal(b[0], 0xab);
    assert_ptr_equal(cdn_blk_disk_by_name("badb0"), disk);
    /* the supervisor's list is sane: a failed crossing of the first finds it */
    kill(cdn_domain_pid(first.dom), SIGKILL);
    while (cdn_domain_alive(first.dom))
        usleep(50);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 0, 4096, b), 0); /* restarted, retried */
    assert_int_equal(first.stats.restarts, 1);
    cdn_driver_unload(&first);
    assert_null(cdn_blk_disk_by_name("badb0"));
    cdn_kernel_exit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CDN_TEST_EVERY_MODE(test_null_blk),
        cmocka_unit_test(test_misbehaving_block_driver),
        cmocka_unit_test(test_driver_frees_its_disk),
        cmocka_unit_test(test_async_request_holds_its_disk),
        cmocka_unit_test(test_blk_ring),
        cmocka_unit_test(test_null_blk_three_in_one_kernel),
        cmocka_unit_test(test_disk_names),
        cmocka_unit_test(test_restart_gets_its_own_disk),
        cmocka_unit_test(test_init_failure_unloads),
        cmocka_unit_test(test_busy_request_goes_again),
    };
    return cmocka_run_group_tests_name("blk-null", tests, NULL, NULL);
}
