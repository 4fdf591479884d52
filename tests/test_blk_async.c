/*
 * test_blk_async.c - asynchronous block I/O (blk_execute_rq_nowait and
 * end_io; kernel/block/rq_async.c): null_blk in its three modes with many
 * requests in flight and every byte read back checked; misuse of the API;
 * and a driver that crashes, hangs or lies with requests in flight (the
 * fault shim of tests/modules/blk_faulty.c).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/core/core_impl.h"
#include "cordon_kernel.h"
#include "linux/blk-mq.h"
#include "kutil.h"
#include "util.h"

extern const struct cdn_driver_desc cdn_null_blk_driver;

#define FAULT(k) (120000ull + 8ull * (k)) /* blk_faulty.c: the sector names the fault */
#define NO_END   0xffu

/* A set of requests submitted together from a fiber, and their ends. */
struct batch {
    struct cdn_async *rt;
    struct request **rq;
    int n, ended;
    blk_status_t status[32];
    int ends[32]; /* end_io calls per request: must be exactly 1 */
    struct cdn_event ev;
    int64_t give_up_at; /* submit_bounded */
};

static void count_end(struct request *rq, blk_status_t status)
{
    struct batch *b = rq->end_io_data;
    for (int i = 0; i < b->n; i++)
        if (b->rq[i] == rq) {
            b->status[i] = status;
            b->ends[i]++;
        }
    b->ended++;
    cdn_event_signal(b->rt, &b->ev);
}

static void submit_all(void *arg)
{
    struct batch *b = arg;
    for (int i = 0; i < b->n; i++) {
        b->status[i] = NO_END;
        b->ends[i] = 0;
        b->rq[i]->end_io = count_end;
        b->rq[i]->end_io_data = b;
        blk_execute_rq_nowait(b->rq[i], false);
    }
    while (b->ended < b->n) {
        cdn_event_init(&b->ev);
        if (b->ended < b->n)
            cdn_event_wait(b->rt, &b->ev);
    }
}

/* As submit_all, but gives up waiting at b->give_up_at (cdn_now_ns):
 * for a test whose failure would otherwise be a hang. */
static void submit_bounded(void *arg)
{
    struct batch *b = arg;
    for (int i = 0; i < b->n; i++) {
        b->status[i] = NO_END;
        b->rq[i]->end_io = count_end;
        b->rq[i]->end_io_data = b;
        blk_execute_rq_nowait(b->rq[i], false);
    }
    while (b->ended < b->n && cdn_now_ns() < b->give_up_at)
        cdn_async_sleep(b->rt, 10000000LL);
}

static void submit_twice(void *arg)
{
    struct batch *b = arg;
    struct request *rq = b->rq[0];
    b->status[0] = NO_END;
    rq->end_io = count_end;
    rq->end_io_data = b;
    blk_execute_rq_nowait(rq, false);
    assert_true(rq->in_flight);
    blk_execute_rq_nowait(rq, false);
    blk_mq_free_request(rq);
    assert_true(rq->in_flight);
    while (b->ended < 1) {
        cdn_event_init(&b->ev);
        if (b->ended < 1)
            cdn_event_wait(b->rt, &b->ev);
    }
}

/* Submits rq[0..n) at once and returns when every one has ended. */
static void run(struct cdn_async *rt, struct batch *b, struct request **rq, int n)
{
    memset(b, 0, sizeof *b);
    b->rt = rt;
    b->rq = rq;
    b->n = n;
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    assert_int_equal(cdn_async_spawn(rt, submit_all, b), 0);
    cdn_finish_end(rt, &f);
    for (int i = 0; i < n; i++)
        assert_int_equal(b->ends[i], 1); /* exactly once each */
}

static void set_io(struct request *rq, int op, uint64_t sector, uint32_t bytes, uint8_t seed)
{
    rq->op = (u8)op;
    rq->sector = sector;
    rq->nr_bytes = bytes;
    if (op == REQ_OP_WRITE)
        for (uint32_t i = 0; i < bytes; i++)
            rq->data[i] = (uint8_t)(seed + i * 7);
}

static int holds(const struct request *rq, uint32_t bytes, uint8_t seed)
{
    for (uint32_t i = 0; i < bytes; i++)
        if (rq->data[i] != (uint8_t)(seed + i * 7))
            return 0;
    return 1;
}

/* A kernel with null_blk (or a module built from it) loaded in mode m,
 * driven by its own async runtime; returns its disk. */
struct rig {
    struct cdn_driver_desc desc; /* the driver keeps a pointer to it */
    struct cdn_driver drv;
    struct cdn_async *rt;
};

static struct gendisk *start(struct rig *g, const char *module, enum cdn_drv_mode m,
                             const struct cdn_driver_policy *pol)
{
    assert_int_equal(cdn_kernel_init(32u << 20), 0);
    g->desc = cdn_null_blk_driver;
    g->desc.name = module;
    int r = cdn_driver_load_policy(&g->desc, m, -1, test_lib_dir(), pol, &g->drv);
    if (r != 0)
        fail_msg("load %s: %d %s", module, r, g->drv.reason);
    assert_int_equal(cdn_async_create(NULL, &g->rt), CDN_OK);
    assert_int_equal(cdn_driver_use_async(&g->drv, g->rt), CDN_OK);
    struct gendisk *disk = cdn_blk_disk_by_name("nullb0");
    assert_non_null(disk);
    return disk;
}

static void stop(struct rig *g)
{
    cdn_driver_unload(&g->drv);
    cdn_async_destroy(g->rt);
}

static void test_async(void **state)
{
    enum cdn_drv_mode m = test_mode(state);
    struct rig g;
    struct gendisk *disk = start(&g, "null_blk", m, NULL);
    struct cdn_async *rt = g.rt;
    enum { N = 24 };
    struct request *rq[N];
    for (int i = 0; i < N; i++)
        assert_non_null(rq[i] = cdn_blk_alloc_request(disk, 4096));
    struct batch b;
    /* 24 writes in flight at once (a ring batch, then more), sizes 512..4096 */
    for (int i = 0; i < N; i++)
        set_io(rq[i], REQ_OP_WRITE, (uint64_t)i * 16, 512u * (1 + i % 8), (uint8_t)i);
    run(rt, &b, rq, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(b.status[i], BLK_STS_OK);
    /* the same requests again, now reads: each sees what was written */
    for (int i = 0; i < N; i++) {
        memset(rq[i]->data, 0, 4096);
        set_io(rq[i], REQ_OP_READ, (uint64_t)i * 16, 512u * (1 + i % 8), 0);
    }
    run(rt, &b, rq, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(b.status[i], BLK_STS_OK);
        if (!holds(rq[i], 512u * (1 + i % 8), (uint8_t)i))
            fail_msg("%s: request %d read back wrong data", cdn_drv_mode_name(m), i);
    }
    /* past the end of the disk: the driver fails it; the others go on */
    set_io(rq[0], REQ_OP_READ, (64ull << 20) >> 9, 512, 0);
    set_io(rq[1], REQ_OP_READ, 0, 512, 0);
    run(rt, &b, rq, 2);
    assert_int_equal(b.status[0], BLK_STS_IOERR);
    assert_int_equal(b.status[1], BLK_STS_OK);
    for (int i = 0; i < N; i++)
        blk_mq_free_request(rq[i]);
    /* nothing left but the chunks of the device's memory */
    struct cdn_heap_stats hs;
    cdn_kernel_heap_stats(&hs);
    unsigned chunks = 0;
    for (u32 i = 0; i < disk->media_chunks; i++)
        chunks += disk->media[i] != NULL;
    assert_int_equal(hs.live_objects, chunks);
    stop(&g);
    cdn_kernel_exit();
}

/* Requests a caller gets wrong: each ends at once with an error, or is
 * refused, and nothing is lost or freed under the driver. */
static void test_async_misuse(void **state)
{
    (void)state;
    struct rig g;
    struct gendisk *disk = start(&g, "null_blk", CDN_DRV_PROCESS, NULL);
    struct cdn_async *rt = g.rt;
    assert_null(cdn_blk_alloc_request(disk, 0));
    assert_null(cdn_blk_alloc_request(disk, 1000)); /* not whole sectors */
    assert_null(cdn_blk_alloc_request(NULL, 512));
    struct request *rq[3];
    for (int i = 0; i < 3; i++)
        assert_non_null(rq[i] = cdn_blk_alloc_request(disk, 1024));
    struct batch b;
    set_io(rq[0], REQ_OP_WRITE, 0, 2048, 1); /* more than its buffer */
    set_io(rq[1], REQ_OP_FLUSH, 0, 512, 1);  /* not a read or a write */
    set_io(rq[2], REQ_OP_READ, 0, 700, 1);   /* not whole sectors */
    run(rt, &b, rq, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(b.status[i], BLK_STS_IOERR);
    /* submitted twice: the second is refused, the first ends once; freed
     * while in flight: refused (kept, not freed under the driver) */
    set_io(rq[0], REQ_OP_WRITE, 8, 512, 3);
    memset(&b, 0, sizeof b);
    b.rt = rt;
    b.rq = rq;
    b.n = 1;
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    assert_int_equal(cdn_async_spawn(rt, submit_twice, &b), 0);
    cdn_finish_end(rt, &f);
    assert_int_equal(b.ends[0], 1);
    assert_int_equal(b.status[0], BLK_STS_OK);
    for (int i = 0; i < 3; i++)
        blk_mq_free_request(rq[i]);
    assert_int_equal(test_heap_objects_live(), 1); /* the one chunk written */
    stop(&g);
    cdn_kernel_exit();
}

/* A driver that fails with requests in flight beside good ones. Reads it
 * lost go again to the restarted driver (and the good ones then succeed
 * with the right data); a write it lost fails (its shared buffer may have
 * been changed); the request that kills it fails after its one retry. */
static void test_async_driver_faults(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.call_timeout_ns = 300000000LL; /* a request never ended: 300 ms */
    struct rig g;
    struct gendisk *disk = start(&g, "blk_faulty", CDN_DRV_PROCESS, &pol);
    struct cdn_async *rt = g.rt;
    assert_non_null(disk->rqr);
    struct request *rq[4];
    for (int i = 0; i < 4; i++)
        assert_non_null(rq[i] = cdn_blk_alloc_request(disk, 4096));
    struct batch b;
    set_io(rq[0], REQ_OP_WRITE, 64, 4096, 9);
    set_io(rq[1], REQ_OP_WRITE, 128, 4096, 10);
    run(rt, &b, rq, 2);
    assert_int_equal(b.status[0], BLK_STS_OK);
    assert_int_equal(b.status[1], BLK_STS_OK);

    static const unsigned faults[] = {0 /* crash */, 6 /* never ends */, 4 /* bad status */};
    for (unsigned f = 0; f < sizeof faults / sizeof faults[0]; f++) {
        unsigned long restarts = g.drv.stats.restarts;
        /* one batch: a good read, the fault, another good read, a write */
        set_io(rq[0], REQ_OP_READ, 64, 4096, 0);
        set_io(rq[1], REQ_OP_READ, FAULT(faults[f]), 4096, 0);
        set_io(rq[2], REQ_OP_READ, 128, 4096, 0);
        set_io(rq[3], REQ_OP_WRITE, 256, 4096, 11);
        run(rt, &b, rq, 4);
        assert_true(g.drv.stats.restarts > restarts);
        assert_int_equal(b.status[1], BLK_STS_IOERR); /* it fails on its retry too */
        /* a read ends well, with the right data, whether it had gone
         * through before the failure or was issued again after it */
        if (b.status[0] == BLK_STS_OK)
            assert_true(holds(rq[0], 4096, 9));
        if (b.status[2] == BLK_STS_OK)
            assert_true(holds(rq[2], 4096, 10));
        /* a write ends OK or with an error, never unanswered */
        assert_true(b.status[3] == BLK_STS_OK || b.status[3] == BLK_STS_IOERR);
        if (faults[f] == 0) {
            assert_non_null(strstr(g.drv.reason, "SIGSEGV"));
            /* the crash is in the fault's own end, after the first good
             * read ended: the second was lost with it and went again */
        }
        assert_ptr_equal(cdn_blk_disk_by_name("nullb0"), disk);
    }
    /* the good reads, alone now: the data outlived every driver */
    set_io(rq[0], REQ_OP_READ, 64, 4096, 0);
    set_io(rq[1], REQ_OP_READ, 128, 4096, 0);
    run(rt, &b, rq, 2);
    assert_int_equal(b.status[0], BLK_STS_OK);
    assert_int_equal(b.status[1], BLK_STS_OK);
    assert_true(holds(rq[0], 4096, 9));
    assert_true(holds(rq[1], 4096, 10));
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_true(k.blk_retried >= 3);
    for (int i = 0; i < 4; i++)
        blk_mq_free_request(rq[i]);
    stop(&g);
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

/* A driver that keeps every request it is given (blk_faulty's fault 6),
 * 256 of them - a full in-flight table - with 44 ordinary writes behind
 * them: those wait for a slot (as blk-mq waits for a tag), the kept ones
 * fail when the call deadline passes and the driver is given up, and the
 * 44 then go to the restarted driver and succeed. Each ends once. */
enum { KEEP_N = CDN_RING_SLOTS + 44 };
static struct {
    struct rig *g;
    struct request *rq[KEEP_N];
    int ends[KEEP_N];
    blk_status_t status[KEEP_N];
    uint32_t held_at_end[KEEP_N]; /* requests the driver held when it ended */
    int ended;
    struct cdn_event ev;
} keep;

static void keep_end(struct request *rq, blk_status_t status)
{
    for (int i = 0; i < KEEP_N; i++)
        if (keep.rq[i] == rq) {
            keep.ends[i]++;
            keep.status[i] = status;
            keep.held_at_end[i] = keep.g->drv.rings ? keep.g->drv.rings->rqs.live : 0;
        }
    keep.ended++;
    cdn_event_signal(keep.g->rt, &keep.ev);
}

static void keep_submit(void *arg)
{
    (void)arg;
    for (int i = 0; i < KEEP_N; i++) {
        keep.rq[i]->end_io = keep_end;
        blk_execute_rq_nowait(keep.rq[i], false);
    }
    while (keep.ended < KEEP_N) {
        cdn_event_init(&keep.ev);
        if (keep.ended < KEEP_N)
            cdn_event_wait(keep.g->rt, &keep.ev);
    }
}

static void test_driver_keeps_every_request(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.call_timeout_ns = 200000000LL; /* no request finished for 200 ms: hung */
    struct rig g;
    struct gendisk *disk = start(&g, "blk_faulty", CDN_DRV_PROCESS, &pol);
    memset(&keep, 0, sizeof keep);
    keep.g = &g;
    for (int i = 0; i < KEEP_N; i++) {
        assert_non_null(keep.rq[i] = cdn_blk_alloc_request(disk, 512));
        if (i < (int)CDN_RING_SLOTS)
            set_io(keep.rq[i], REQ_OP_WRITE, FAULT(6), 512, (uint8_t)i); /* kept, never ended */
        else
            set_io(keep.rq[i], REQ_OP_WRITE, (uint64_t)i * 8, 512, (uint8_t)i);
    }
    struct cdn_finish f;
    cdn_finish_begin(g.rt, &f);
    assert_int_equal(cdn_async_spawn(g.rt, keep_submit, NULL), 0);
    cdn_finish_end(g.rt, &f);
    for (int i = 0; i < KEEP_N; i++) {
        assert_int_equal(keep.ends[i], 1); /* exactly once each */
        if (i < (int)CDN_RING_SLOTS) {
            assert_int_equal(keep.status[i], BLK_STS_IOERR); /* given up with the driver */
        } else {
            if (keep.status[i] != BLK_STS_OK)
                fail_msg("write %d behind the full table: status %d", i, keep.status[i]);
            assert_true(keep.held_at_end[i] < CDN_RING_SLOTS); /* ended after the restart */
        }
    }
    assert_int_equal(g.drv.stats.restarts, 1);
    assert_non_null(strstr(g.drv.reason, "timed out"));
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_true(k.blk_busy_retries >= KEEP_N - CDN_RING_SLOTS); /* they waited for a slot */
    /* the restarted driver serves the disk, and kept what the 44 wrote */
    struct request *ok = cdn_blk_alloc_request(disk, 512);
    assert_non_null(ok);
    struct batch b;
    set_io(ok, REQ_OP_READ, (uint64_t)(KEEP_N - 1) * 8, 512, 0);
    run(g.rt, &b, &ok, 1);
    assert_int_equal(b.status[0], BLK_STS_OK);
    assert_true(holds(ok, 512, (uint8_t)(KEEP_N - 1)));
    assert_int_equal(g.drv.stats.restarts, 1);
    blk_mq_free_request(ok);
    for (int i = 0; i < KEEP_N; i++)
        blk_mq_free_request(keep.rq[i]);
    stop(&g);
    cdn_kernel_exit();
}

/* A driver that keeps a request and posts an empty completion message
 * every 100 ms: noise is not progress. The kept request's own deadline
 * (1 s here) fails the driver; the request ends once, after its retry on
 * the restarted driver is kept too. Without per-request deadlines it
 * stayed pending for good. */
static void test_keepalive_does_not_stall(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.call_timeout_ns = 1000000000LL;
    struct rig g;
    struct gendisk *disk = start(&g, "blk_faulty", CDN_DRV_PROCESS, &pol);
    struct request *rq[2];
    for (int i = 0; i < 2; i++)
        assert_non_null(rq[i] = cdn_blk_alloc_request(disk, 512));
    set_io(rq[0], REQ_OP_READ, FAULT(12), 512, 0);
    set_io(rq[1], REQ_OP_WRITE, 64, 512, 3);
    struct batch b;
    memset(&b, 0, sizeof b);
    b.rt = g.rt;
    b.rq = rq;
    b.n = 2;
    int64_t t0 = cdn_now_ns();
    b.give_up_at = t0 + 10000000000LL;
    struct cdn_finish f;
    cdn_finish_begin(g.rt, &f);
    assert_int_equal(cdn_async_spawn(g.rt, submit_bounded, &b), 0);
    cdn_finish_end(g.rt, &f);
    int64_t took = cdn_now_ns() - t0;
    assert_int_equal(b.ends[0], 1);
    assert_int_equal(b.status[0], BLK_STS_IOERR);
    assert_int_equal(b.status[1], BLK_STS_OK);
    assert_true(took < 6000000000LL); /* two deadlines of 1 s, and the restarts */
    assert_true(g.drv.stats.restarts >= 1);
    assert_non_null(strstr(g.drv.reason, "timed out"));
    for (int i = 0; i < 2; i++)
        blk_mq_free_request(rq[i]);
    stop(&g);
    cdn_kernel_exit();
}

/* Writes submitted while the driver is dead, before anything noticed: the
 * post fails, so the driver never had them, and they go to the restarted
 * driver instead of failing - a write lost in flight still fails (the dead
 * driver could have changed its buffer). Every byte reads back. */
static void test_unsent_writes_go_again(void **state)
{
    (void)state;
    struct rig g;
    struct gendisk *disk = start(&g, "null_blk", CDN_DRV_PROCESS, NULL);
    enum { N = 8 };
    struct request *rq[N];
    for (int i = 0; i < N; i++)
        assert_non_null(rq[i] = cdn_blk_alloc_request(disk, 4096));
    kill(cdn_domain_pid(g.drv.dom), SIGKILL);
    while (cdn_domain_alive(g.drv.dom))
        usleep(50);
    struct batch b;
    for (int i = 0; i < N; i++)
        set_io(rq[i], REQ_OP_WRITE, (uint64_t)i * 8, 4096, (uint8_t)(40 + i));
    run(g.rt, &b, rq, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(b.status[i], BLK_STS_OK);
    assert_int_equal(g.drv.stats.restarts, 1);
    assert_non_null(strstr(g.drv.reason, "SIGKILL"));
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.blk_retried, N);
    for (int i = 0; i < N; i++) {
        memset(rq[i]->data, 0, 4096);
        set_io(rq[i], REQ_OP_READ, (uint64_t)i * 8, 4096, 0);
    }
    run(g.rt, &b, rq, N);
    for (int i = 0; i < N; i++) {
        assert_int_equal(b.status[i], BLK_STS_OK);
        assert_true(holds(rq[i], 4096, (uint8_t)(40 + i)));
    }
    for (int i = 0; i < N; i++)
        blk_mq_free_request(rq[i]);
    stop(&g);
    cdn_kernel_exit();
}

/* "Busy, try later" (queue_rq returning BLK_STS_RESOURCE or
 * BLK_STS_DEV_RESOURCE without ending the request) through the request
 * ring, asynchronously and synchronously: blk_bad's sector 6000 is busy
 * twice and then served, 7000 is busy for good. The first goes again after
 * a short delay each time and succeeds; the second fails once the call
 * deadline has passed; the requests beside them are not held up for it,
 * nothing counts as lost, and the driver is not restarted. */
static void test_busy_requests_through_the_ring(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(32u << 20), 0);
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.call_timeout_ns = 150000000LL;                 /* 150 ms */
    struct cdn_driver_desc desc = cdn_null_blk_driver; /* with its request ring */
    desc.name = "blk_bad";
    struct cdn_driver drv;
    int r = cdn_driver_load_policy(&desc, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, &drv);
    if (r != 0)
        fail_msg("load blk_bad: %d %s", r, drv.reason);
    struct gendisk *disk = cdn_blk_disk_by_name("badb0");
    assert_non_null(disk);
    assert_non_null(disk->rqr);
    /* synchronous, no runtime: the issuer serves the channel itself */
    static uint8_t buf[4096];
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 6000, 4096, buf), 0);
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.blk_busy_retries, 2);
    /* asynchronous, from a fiber, beside requests that go through at once */
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    assert_int_equal(cdn_driver_use_async(&drv, rt), CDN_OK);
    struct request *rq[4];
    for (int i = 0; i < 4; i++)
        assert_non_null(rq[i] = cdn_blk_alloc_request(disk, 4096));
    set_io(rq[0], REQ_OP_READ, 8, 4096, 0);
    set_io(rq[1], REQ_OP_READ, 6000, 4096, 0);
    set_io(rq[2], REQ_OP_READ, 7000, 4096, 0);
    set_io(rq[3], REQ_OP_WRITE, 16, 4096, 1);
    int64_t t0 = cdn_now_ns();
    struct batch b;
    run(rt, &b, rq, 4);
    assert_int_equal(b.status[0], BLK_STS_OK);
    assert_int_equal(b.status[1], BLK_STS_OK);
    assert_int_equal(b.status[2], BLK_STS_IOERR); /* busy for good */
    assert_int_equal(b.status[3], BLK_STS_OK);
    assert_true(cdn_now_ns() - t0 >= pol.call_timeout_ns);
    cdn_kernel_get_stats(&k);
    /* 6000 twice on each path; 7000 went again, more than once, and failed
     * only at its deadline (the elapsed time above). How many times it went
     * depends on how the VM schedules the 3 ms back-offs: not counted. */
    assert_true(k.blk_busy_retries >= 2 + 2 + 2);
    assert_int_equal(k.blk_not_completed, 0);
    assert_int_equal(k.blk_retried, 0);
    assert_int_equal(drv.stats.restarts, 0);
    for (int i = 0; i < 4; i++)
        blk_mq_free_request(rq[i]);
    cdn_driver_unload(&drv);
    cdn_async_destroy(rt);
    cdn_kernel_exit();
}

/* A driver that stays down by policy: requests fail at once, none hang. */
static void test_async_stay_down(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.on_failure = CDN_STAY_DOWN;
    struct rig g;
    struct gendisk *disk = start(&g, "blk_faulty", CDN_DRV_PROCESS, &pol);
    struct cdn_async *rt = g.rt;
    struct request *rq[3];
    for (int i = 0; i < 3; i++)
        assert_non_null(rq[i] = cdn_blk_alloc_request(disk, 512));
    struct batch b;
    set_io(rq[0], REQ_OP_READ, 0, 512, 0);
    set_io(rq[1], REQ_OP_READ, FAULT(1), 512, 0); /* abort() */
    set_io(rq[2], REQ_OP_READ, 8, 512, 0);
    run(rt, &b, rq, 3);
    assert_int_equal(b.status[1], BLK_STS_IOERR);
    assert_true(g.drv.down);
    /* down: new requests end with an error at once */
    set_io(rq[0], REQ_OP_READ, 0, 512, 0);
    run(rt, &b, rq, 1);
    assert_int_equal(b.status[0], BLK_STS_IOERR);
    for (int i = 0; i < 3; i++)
        blk_mq_free_request(rq[i]);
    stop(&g);
    cdn_kernel_exit();
}

/* A domain with nothing to do for longer than its heartbeat timeout is
 * idle, not hung: the watchdog leaves it alone. */
static void test_idle_domain_lives(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.heartbeat_ns = 200000000LL; /* 200 ms */
    struct rig g;
    struct gendisk *disk = start(&g, "null_blk", CDN_DRV_PROCESS, &pol);
    struct cdn_async *rt = g.rt;
    struct request *rq[1];
    assert_non_null(rq[0] = cdn_blk_alloc_request(disk, 512));
    struct batch b;
    set_io(rq[0], REQ_OP_WRITE, 0, 512, 5);
    run(rt, &b, rq, 1);
    assert_int_equal(b.status[0], BLK_STS_OK);
    usleep(700000); /* idle: 3.5 heartbeat timeouts */
    set_io(rq[0], REQ_OP_READ, 0, 512, 0);
    run(rt, &b, rq, 1);
    assert_int_equal(b.status[0], BLK_STS_OK);
    assert_true(holds(rq[0], 512, 5));
    assert_int_equal(g.drv.stats.failures, 0);
    blk_mq_free_request(rq[0]);
    stop(&g);
    cdn_kernel_exit();
}

/* A driver loaded, used and unloaded, its runtime destroyed; then another
 * in the same kernel crashes with reads in flight: they are issued again on
 * the new runtime (nothing remembers the old one). */
static void test_async_second_driver(void **state)
{
    (void)state;
    struct rig g;
    struct gendisk *disk = start(&g, "null_blk", CDN_DRV_PROCESS, NULL);
    struct request *rq[4];
    assert_non_null(rq[0] = cdn_blk_alloc_request(disk, 4096));
    struct batch b;
    set_io(rq[0], REQ_OP_WRITE, 64, 4096, 21);
    run(g.rt, &b, rq, 1);
    assert_int_equal(b.status[0], BLK_STS_OK);
    blk_mq_free_request(rq[0]);
    stop(&g); /* the disk goes with its driver */
    assert_null(cdn_blk_disk_by_name("nullb0"));

    g.desc = cdn_null_blk_driver;
    g.desc.name = "blk_faulty";
    assert_int_equal(cdn_driver_load(&g.desc, CDN_DRV_PROCESS, -1, test_lib_dir(), &g.drv), 0);
    assert_int_equal(cdn_async_create(NULL, &g.rt), CDN_OK);
    assert_int_equal(cdn_driver_use_async(&g.drv, g.rt), CDN_OK);
    disk = cdn_blk_disk_by_name("nullb0");
    assert_non_null(disk);
    for (int i = 0; i < 4; i++)
        assert_non_null(rq[i] = cdn_blk_alloc_request(disk, 4096));
    set_io(rq[0], REQ_OP_WRITE, 64, 4096, 22);
    run(g.rt, &b, rq, 1);
    assert_int_equal(b.status[0], BLK_STS_OK);
    set_io(rq[0], REQ_OP_READ, 64, 4096, 0);
    set_io(rq[1], REQ_OP_READ, FAULT(0), 4096, 0); /* a crash, then its retry crashes too */
    run(g.rt, &b, rq, 2);
    assert_true(g.drv.stats.restarts >= 1);
    assert_int_equal(b.status[1], BLK_STS_IOERR);
    if (b.status[0] == BLK_STS_OK)
        assert_true(holds(rq[0], 4096, 22));
    /* the restarted driver serves on the second runtime */
    set_io(rq[2], REQ_OP_READ, 64, 4096, 0);
    set_io(rq[3], REQ_OP_READ, 64, 4096, 0);
    run(g.rt, &b, rq + 2, 2);
    assert_int_equal(b.status[0], BLK_STS_OK);
    assert_int_equal(b.status[1], BLK_STS_OK);
    assert_true(holds(rq[2], 4096, 22));
    assert_true(holds(rq[3], 4096, 22));
    for (int i = 0; i < 4; i++)
        blk_mq_free_request(rq[i]);
    stop(&g);
    cdn_kernel_exit();
}

/* A submitter that refills from end_io: each end resubmits the request
 * at once. Natively every end comes inline, so without the held
 * submissions this would recurse 200,000 deep. */
struct chain {
    struct cdn_async *rt;
    long left, ended, errors;
    int done;
    struct cdn_event ev;
};

static void chain_end(struct request *rq, blk_status_t status)
{
    struct chain *c = rq->end_io_data;
    c->ended++;
    c->errors += status != BLK_STS_OK;
    if (--c->left > 0) {
        rq->sector = (rq->sector + 8) % 4096;
        blk_execute_rq_nowait(rq, false);
    } else {
        c->done = 1;
        cdn_event_signal(c->rt, &c->ev);
    }
}

static void chain_main(void *arg)
{
    struct request *rq = arg;
    struct chain *c = rq->end_io_data;
    blk_execute_rq_nowait(rq, false);
    while (!c->done) {
        cdn_event_init(&c->ev);
        if (!c->done)
            cdn_event_wait(c->rt, &c->ev);
    }
}

static void resubmit_from_end_io(enum cdn_drv_mode m, long n)
{
    struct rig g;
    struct gendisk *disk = start(&g, "null_blk", m, NULL);
    struct request *rq = cdn_blk_alloc_request(disk, 512);
    assert_non_null(rq);
    struct chain c = {g.rt, n, 0, 0, 0, {0}};
    set_io(rq, REQ_OP_WRITE, 0, 512, 7);
    rq->end_io = chain_end;
    rq->end_io_data = &c;
    struct cdn_finish f;
    cdn_finish_begin(g.rt, &f);
    assert_int_equal(cdn_async_spawn(g.rt, chain_main, rq), 0);
    cdn_finish_end(g.rt, &f);
    assert_int_equal(c.ended, n);
    assert_int_equal(c.errors, 0);
    assert_false(rq->in_flight);
    blk_mq_free_request(rq);
    stop(&g);
    cdn_kernel_exit();
}

static void test_resubmit_from_end_io(void **state)
{
    (void)state;
    resubmit_from_end_io(CDN_DRV_NATIVE, 200000);
    resubmit_from_end_io(CDN_DRV_PROCESS, 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CDN_TEST_EVERY_MODE(test_async),
        cmocka_unit_test(test_async_misuse),
        cmocka_unit_test(test_async_driver_faults),
        cmocka_unit_test(test_async_stay_down),
        cmocka_unit_test(test_idle_domain_lives),
        cmocka_unit_test(test_async_second_driver),
        cmocka_unit_test(test_resubmit_from_end_io),
        cmocka_unit_test(test_driver_keeps_every_request),
        cmocka_unit_test(test_keepalive_does_not_stall),
        cmocka_unit_test(test_unsent_writes_go_again),
        cmocka_unit_test(test_busy_requests_through_the_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
