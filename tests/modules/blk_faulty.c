/*
 * blk_faulty.c - the real null_blk driver (drivers/block/null_blk.c, not a
 * line changed) with a fault shim for cordon-bench's block campaign. The
 * module is linked with --wrap=blk_mq_end_request, so every completion the
 * driver makes passes through here first. A request to a sector at or past
 * CDN_FAULT_BASE names a fault, (sector - CDN_FAULT_BASE) / 8:
 *   0 segfault   1 abort   2 hang   3 wild writes over the channel
 *   4 complete with an out-of-range status   5 complete twice
 *   6 never complete   7 forged handle   8 undeclared rpc id
 *   9 oversized message   10 allocation storm   11 slow reply (10 ms)
 *   12 keepalive: never complete, and post an empty completion message
 *      every 100 ms from then on (a request kept "alive" by noise)
 *   13 forged completions: a run far ahead of what was posted, a run longer
 *      than the slots, a verdict for a number never posted; then complete
 * Any other request completes normally, through the real stub.
 */
#include <linux/blk-mq.h>
#include <linux/module.h>
#include <stdlib.h>
#include <string.h>

#include "driver_module.h"
#include "raw_request.h"
#include "null_blk_domain.h"

#define CDN_FAULT_BASE 120000ull

void __real_blk_mq_end_request(struct request *rq, blk_status_t error);
void __wrap_blk_mq_end_request(struct request *rq, blk_status_t error);

/* The real end of a request: through the request ring if it came that
 * way, else the generated rpc. */
static void end_request(struct request *rq, blk_status_t error)
{
    if (!cdn_dom_blk_end(rq, error))
        __real_blk_mq_end_request(rq, error);
}

static volatile uintptr_t crash_at = 8;
static void *region_base;
static size_t region_size;
static struct cdn_glue *ring_glue;

/* Fault 12: completion messages that complete nothing, forever. */
static void keepalive(void *arg)
{
    (void)arg;
    for (;;) {
        cdn_async_sleep(cdn_glue_async(ring_glue), 100000000LL);
        struct cdn_ring_done_hdr empty = {0, 0, 0};
        if (cdn_glue_post(ring_glue, CDN_RPC_RQRING_DONE, &empty, sizeof empty) != CDN_OK)
            return;
    }
}

void __wrap_blk_mq_end_request(struct request *rq, blk_status_t error)
{
    u64 sector = blk_rq_pos(rq);
    if (sector < CDN_FAULT_BASE) {
        end_request(rq, error);
        return;
    }
    switch ((sector - CDN_FAULT_BASE) / 8) {
    case 0:
        *(volatile int *)crash_at = 1;
        break;
    case 1:
        abort();
    case 2:
        for (;;)
            __asm__ volatile("" ::: "memory");
    case 3:
        if (region_base)
            for (size_t i = 4096; i < region_size; i += 8)
                *(volatile uint64_t *)((char *)region_base + i) = 0x5a5a5a5a5a5a5a5aull ^ i;
        break;
    case 4:
        end_request(rq, 77);
        return;
    case 5:
        end_request(rq, error);
        end_request(rq, error);
        return;
    case 6:
        return; /* lost */
    case 7: {
        uint64_t forged = 0x00070000deadbeefull;
        raw_request(null_blk_RPC_set_capacity, &forged, sizeof forged);
        break;
    }
    case 8: {
        uint32_t junk = 42;
        raw_request(999, &junk, sizeof junk);
        break;
    }
    case 9: {
        static char line[1004];
        uint32_t n = 1000;
        memcpy(line, &n, 4);
        memset(line + 4, 'x', 1000);
        raw_request(null_blk_RPC_cdn_kernel_log, line, sizeof line);
        break;
    }
    case 10: {
        size_t got = 0;
        void *p;
        while (got < (512u << 20) && (p = malloc(1u << 20)) != NULL) {
            memset(p, 1, 4096);
            got += 1u << 20; /* leaked on purpose */
        }
        break;
    }
    case 11: {
        volatile unsigned long spin = 0;
        while (spin < 20000000ul)
            spin++;
        break;
    }
    case 12: {
        static int started;
        if (!started && ring_glue && cdn_glue_async(ring_glue))
            started = cdn_async_spawn(cdn_glue_async(ring_glue), keepalive, NULL) == CDN_OK;
        return; /* kept */
    }
    case 13: {
        struct {
            struct cdn_ring_done_hdr h;
            struct cdn_ring_run run;
        } ahead = {{1, 0, 0}, {0x7ffffff0u, 1, 0}}, longer = {{1, 0, 0}, {0, 300, 0}};
        struct {
            struct cdn_ring_done_hdr h;
            struct cdn_ring_verdict v;
        } never = {{0, 1, 0}, {0x6fffffffu, 9}};
        if (ring_glue) {
            cdn_glue_post(ring_glue, CDN_RPC_RQRING_DONE, &ahead, sizeof ahead);
            cdn_glue_post(ring_glue, CDN_RPC_RQRING_DONE, &longer, sizeof longer);
            cdn_glue_post(ring_glue, CDN_RPC_RQRING_DONE, &never, sizeof never);
        }
        break;
    }
    default:
        break;
    }
    end_request(rq, error);
}

static void note_region(struct cdn_dom_ctx *ctx)
{
    cdn_dom_region(ctx, &region_base, &region_size);
}

/* Served with the request ring too (the host decides which path it uses):
 * the same faults then happen inside a batch. */
static void null_blk_rings(struct cdn_glue *g)
{
    ring_glue = g;
    cdn_dom_rqring_setup(g, null_blk_TYPE_gendisk);
}

CDN_DRIVER_MODULE_RINGS_HOOK(null_blk, null_blk_domain_init, null_blk_domain_dispatch,
                             null_blk_rings, note_region);
