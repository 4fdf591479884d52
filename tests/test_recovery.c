/*
 * test_recovery.c - a driver domain dies mid-traffic and is restarted: the
 * host keeps running, fails the packets sent while it is down (and frees
 * them), reclaims the dead domain's handles and heap objects, and the
 * restarted driver re-attaches to the same net_device (same pointer, same
 * name, still registered), after which traffic flows again.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/core/core_impl.h"
#include "cordon_kernel.h"
#include "linux/netdevice.h"
#include "util.h"

extern const struct cdn_driver_desc cdn_dummy_driver;

static int send(struct net_device *dev, int n)
{
    int ok = 0;
    for (int i = 0; i < n; i++) {
        struct sk_buff *skb = alloc_skb(64, GFP_KERNEL);
        assert_non_null(skb);
        skb->dev = dev;
        ok += dev_queue_xmit(skb) == 0;
    }
    return ok;
}

static void test_crash_and_restart(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver drv;
    int r = cdn_driver_load(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &drv);
    if (r != 0)
        fail_msg("load: %d %s", r, drv.reason);
    struct net_device *dev = dev_get_by_name("dummy0");
    assert_non_null(dev);
    assert_int_equal(send(dev, 100), 100);

    /* the driver dies (as if it crashed) */
    kill(cdn_domain_pid(drv.dom), SIGKILL);
    assert_int_equal(send(dev, 10), 0); /* fail, promptly, and nothing leaks */
    assert_int_equal(cdn_skbs_live(), 0);
    assert_false(cdn_domain_alive(drv.dom));

    double ms = 0;
    assert_int_equal(cdn_driver_restart(&drv, &ms), 0);
    fprintf(stderr, "restart took %.2f ms\n", ms);
    assert_true(ms < 2000);
    /* the same device, re-attached */
    assert_ptr_equal(dev_get_by_name("dummy0"), dev);
    assert_null(dev_get_by_name("dummy1"));
    assert_int_equal(dev->reg_state, 1);
    assert_int_equal(dev->orphaned, 0);
    assert_non_null(dev->netdev_ops->ndo_start_xmit);
    assert_int_equal(send(dev, 100), 100);
    struct rtnl_link_stats64 st;
    dev_get_stats(dev, &st);
    assert_int_equal(st.tx_packets, 100); /* the new instance's own count */

    /* a restart of a live (say, hung) driver works the same way */
    assert_int_equal(cdn_driver_restart(&drv, NULL), 0);
    assert_ptr_equal(dev_get_by_name("dummy0"), dev);
    assert_int_equal(send(dev, 50), 50);

    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.restarts, 2);
    assert_int_equal(k.devices_reattached, 2);
    assert_int_equal(k.skbs_allocated, k.skbs_freed);
    cdn_driver_unload(&drv);
    struct cdn_heap_stats hs;
    cdn_heap_get_stats(cdn_kernel_heap(), &hs);
    assert_int_equal(hs.live_objects, 0);
    cdn_kernel_exit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_and_restart),
    };
    return cmocka_run_group_tests_name("recovery", tests, NULL, NULL);
}
