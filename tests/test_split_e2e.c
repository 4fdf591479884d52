/*
 * test_split_e2e.c - the analyzer's output, used for real: cordon-split
 * writes an IDL for drivers/net/dummy.c (the build does it, see the
 * Makefile: build/gen/dummysplit/dummysplit.idl), cordon-idlc compiles it,
 * and the same driver source runs isolated on that glue, inproc and in a
 * process domain: it registers dummy0, transmits, counts, reports its
 * statistics, survives a crash and a restart, and unloads without a leak.
 * The same for drivers/block/null_blk.c: every byte written is read back.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cordon_kernel.h"
#include "dummysplit_host.h"
#include "linux/blk-mq.h"
#include "linux/netdevice.h"
#include "nullsplit_host.h"
#include "kutil.h"
#include "util.h"

static const struct cdn_driver_desc dummysplit = {
    .name = "dummysplit",
    .glue_init = dummysplit_host_init,
    .dispatch = dummysplit_host_dispatch,
    .call_init = dummysplit_call_dummy_init_module,
    .call_exit = dummysplit_call_dummy_cleanup_module,
};

static void test_generated_idl(void **state)
{
    enum cdn_drv_mode mode = test_mode(state);
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv;
    int r = cdn_driver_load(&dummysplit, mode, -1, test_lib_dir(), &drv);
    if (r != 0)
        fail_msg("load on the generated IDL: %d %s", r, drv.reason);
    struct net_device *dev = dev_get_by_name("dummy0");
    assert_non_null(dev);
    /* what the driver's setup wrote, carried back by the generated projection */
    assert_true(dev->flags & IFF_NOARP);
    assert_non_null(dev->netdev_ops);
    enum { N = 500 };
    uint64_t bytes = 0;
    for (int i = 0; i < N; i++) {
        unsigned len = 60 + (unsigned)(i % 1000);
        struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
        assert_non_null(skb);
        skb->dev = dev;
        assert_int_equal(dev_queue_xmit(skb), 0);
        bytes += len;
    }
    struct rtnl_link_stats64 st;
    dev_get_stats(dev, &st);
    assert_int_equal(st.tx_packets, N);
    assert_int_equal(st.tx_bytes, bytes);
    if (mode == CDN_DRV_PROCESS) {
        /* recovery works on generated glue too */
        kill(cdn_domain_pid(drv.dom), SIGKILL);
        int ok = 0;
        for (int i = 0; i < 10; i++) {
            struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
            skb->dev = dev;
            ok += dev_queue_xmit(skb) == 0;
        }
        assert_int_equal(ok, 9);
        assert_int_equal(drv.stats.restarts, 1);
        assert_ptr_equal(dev_get_by_name("dummy0"), dev);
    }
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.skbs_allocated, k.skbs_freed);
    cdn_driver_unload(&drv);
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

static const struct cdn_driver_desc nullsplit = {
    .name = "nullsplit",
    .glue_init = nullsplit_host_init,
    .dispatch = nullsplit_host_dispatch,
    .call_init = nullsplit_call_null_init,
    .call_exit = nullsplit_call_null_exit,
};

static void test_generated_idl_blk(void **state)
{
    enum cdn_drv_mode mode = test_mode(state);
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv;
    int r = cdn_driver_load(&nullsplit, mode, -1, test_lib_dir(), &drv);
    if (r != 0)
        fail_msg("load on the generated IDL: %d %s", r, drv.reason);
    struct gendisk *disk = cdn_blk_disk_by_name("nullb0");
    assert_non_null(disk);
    assert_int_equal(get_capacity(disk), (64ull << 20) >> 9);
    static uint8_t w[8192], rd[8192];
    static const struct {
        uint64_t sector;
        uint32_t bytes;
    } io[] = {{0, 4096}, {8, 512}, {100, 8192}, {131070, 1024}, {77, 1536}};
    enum { NIO = sizeof io / sizeof io[0] };
    for (int i = 0; i < NIO; i++) {
        for (uint32_t k = 0; k < io[i].bytes; k++)
            w[k] = (uint8_t)(io[i].sector * 7 + k);
        assert_int_equal(cdn_blk_rw(disk, REQ_OP_WRITE, io[i].sector, io[i].bytes, w), 0);
    }
    for (int i = 0; i < NIO; i++) {
        for (uint32_t k = 0; k < io[i].bytes; k++)
            w[k] = (uint8_t)(io[i].sector * 7 + k);
        memset(rd, 0, sizeof rd);
        assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, io[i].sector, io[i].bytes, rd), 0);
        assert_memory_equal(rd, w, io[i].bytes);
    }
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, (64ull << 20) >> 9, 512, rd), -EIO);
    cdn_driver_unload(&drv);
    assert_null(cdn_blk_disk_by_name("nullb0"));
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CDN_TEST_ISOLATED(test_generated_idl),
        CDN_TEST_ISOLATED(test_generated_idl_blk),
    };
    return cmocka_run_group_tests_name("split-e2e", tests, NULL, NULL);
}
