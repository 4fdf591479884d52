/*
 * test_net_ring.c - the transmit ring against a driver that misbehaves
 * behind it (tests/modules/net_ring_bad.c), in a process domain: every
 * wrong answer is reported and counted, nothing the driver says is applied
 * unless it checks out, forged or malformed completions get the driver
 * restarted (strict mode), and at the end every skb has been freed exactly
 * once - by the driver, by the core on its behalf, or by the reclaim.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/net/net_impl.h"
#include "cordon_kernel.h"
#include "linux/netdevice.h"
#include "kutil.h"
#include "util.h"

extern const struct cdn_driver_desc cdn_dummy_driver;

static struct cdn_kernel_stats kst(void)
{
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    return k;
}

/* Sends packets of the given lengths as one burst (one ring message), then
 * waits for the driver's completions. Returns what cdn_txring_sync said. */
static int burst(struct net_device *dev, const unsigned *lens, int n)
{
    for (int i = 0; i < n; i++) {
        struct sk_buff *skb = alloc_skb(lens[i], GFP_KERNEL);
        assert_non_null(skb);
        skb->dev = dev;
        assert_int_equal(dev_queue_xmit_more(skb, i + 1 < n), 0);
    }
    return cdn_txring_sync(dev);
}

/* A kernel with net_ring_bad loaded in a process domain (pol: NULL for the
 * default policy); returns its device, which has a transmit ring. */
static struct net_device *load_ring_bad(struct cdn_driver *l, const struct cdn_driver_policy *pol)
{
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    static struct cdn_driver_desc d; /* the driver keeps a pointer to it */
    d = cdn_dummy_driver;
    d.name = "net_ring_bad";
    int r = cdn_driver_load_policy(&d, CDN_DRV_PROCESS, -1, test_lib_dir(), pol, l);
    if (r != 0)
        fail_msg("load: %d %s", r, l->reason);
    struct net_device *dev = dev_get_by_name("rbad0");
    assert_non_null(dev);
    assert_non_null(dev->txr); /* the ring is in use */
    return dev;
}

static void test_ring_misbehaving_driver(void **state)
{
    (void)state;
    struct cdn_driver l;
    struct net_device *dev = load_ring_bad(&l, NULL);

    /* Wrong answers inside one batch: each reported, none applied blindly. */
    unsigned mixed[] = {100, 61, 100, 62, 100, 63, 100, 64, 100};
    assert_int_equal(burst(dev, mixed, 9), 0);
    struct cdn_kernel_stats k = kst();
    assert_int_equal(k.xmit_bad_returns, 2); /* 61 (a made-up verdict), 64 (BUSY after freeing) */
    assert_int_equal(k.skbs_reclaimed, 1);   /* 61 kept its skb: the core freed it */
    assert_int_equal(k.skb_double_frees, 1); /* 62 */
    assert_int_equal(k.xmit_dropped, 2);     /* 61 and 63 (BUSY: the core drops) */
    assert_int_equal(cdn_skbs_live(), 0);
    assert_int_equal(l.stats.failures, 0); /* wrong answers, not a broken protocol */

    /* A driver may hold a packet (a real NIC holds it until TX completion). */
    unsigned hold[] = {65, 100};
    assert_int_equal(burst(dev, hold, 2), 0);
    assert_int_equal(cdn_skbs_live(), 1);

    /* A completion naming a number never handed out: forged. Strict mode
     * restarts the driver; the held skb comes back with the old domain. */
    unsigned forged[] = {66};
    assert_int_not_equal(burst(dev, forged, 1), 0);
    assert_int_equal(l.stats.failures, 1);
    assert_int_equal(l.stats.restarts, 1);
    assert_non_null(strstr(l.reason, "rpc 65025 rejected")); /* CDN_RPC_TXRING_DONE */
    assert_int_equal(cdn_skbs_live(), 0);
    assert_ptr_equal(dev_get_by_name("rbad0"), dev);
    assert_non_null(dev->txr); /* the restarted driver's ring */

    /* A completion message whose length disagrees with its counts. */
    unsigned malformed[] = {100, 67};
    assert_int_not_equal(burst(dev, malformed, 2), 0);
    assert_int_equal(l.stats.restarts, 2);

    /* A crash in the middle of a batch: the batch's skbs are reclaimed. */
    unsigned crash[] = {100, 100, 68, 100};
    assert_int_not_equal(burst(dev, crash, 4), 0);
    assert_int_equal(l.stats.restarts, 3);
    assert_non_null(strstr(l.reason, "SIGSEGV"));
    assert_int_equal(cdn_skbs_live(), 0);

    /* Traffic goes on through the restarted driver. */
    unsigned good[64];
    for (int i = 0; i < 64; i++)
        good[i] = 100 + (unsigned)i; /* clear of the fault lengths */
    int gr = burst(dev, good, 64);
    if (gr != 0) {
        char buf[4096];
        fail_msg("good burst: %d, failures %lu restarts %lu reason %s\nlog:\n%s", gr,
                 l.stats.failures, l.stats.restarts, l.reason,
                 cdn_kernel_log_tail(buf, sizeof buf));
    }
    struct rtnl_link_stats64 st;
    dev_get_stats(dev, &st);
    assert_int_equal(st.tx_packets, 64); /* the new instance's own count */

    cdn_driver_unload(&l);
    k = kst();
    assert_int_equal(k.skbs_allocated, k.skbs_freed);
    assert_int_equal(cdn_skbs_live(), 0);
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

/* A driver that unregisters and frees its own device in the middle of a
 * batch, with more batches behind it: the device leaves the host's list at
 * once, the ring with it; packets already in flight still complete (or
 * are handed back), later ones are dropped; nothing leaks, nothing is
 * freed twice, and the driver is not counted as failed. A client that held
 * the device keeps valid memory until its dev_put (ASan checks). */
static void test_ring_driver_frees_its_device(void **state)
{
    (void)state;
    struct cdn_driver l;
    struct net_device *dev = load_ring_bad(&l, NULL);
    dev_hold(dev);
    /* four bursts of 32 back to back, the device freed by the 6th packet */
    int sent = 0, refused = 0;
    for (int b = 0; b < 4; b++)
        for (int i = 0; i < 32; i++) {
            struct sk_buff *skb = alloc_skb(b == 0 && i == 5 ? 69 : 100, GFP_KERNEL);
            assert_non_null(skb);
            skb->dev = dev;
            if (dev_queue_xmit_more(skb, i + 1 < 32) == 0)
                sent++;
            else
                refused++;
        }
    cdn_txring_sync(dev); /* -EIO once the ring is gone: nothing to sync */
    assert_int_equal(sent + refused, 128);
    assert_null(dev_get_by_name("rbad0"));
    assert_null(dev->txr);
    /* a packet for the gone device: dropped by the core, not sent */
    struct sk_buff *late = alloc_skb(100, GFP_KERNEL);
    assert_non_null(late);
    late->dev = dev;
    assert_int_not_equal(dev_queue_xmit(late), 0);
    dev_put(dev); /* the last reference: the device's memory goes now */
    assert_int_equal(l.stats.failures, 0);
    /* what was in flight comes back with the driver's completions or at
     * unload; every skb is freed exactly once */
    cdn_driver_unload(&l);
    struct cdn_kernel_stats k = kst();
    assert_int_equal(k.skbs_allocated, k.skbs_freed);
    assert_int_equal(k.skb_double_frees, 0);
    assert_int_equal(cdn_skbs_live(), 0);
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

/* A driver that holds every packet: the in-flight table fills, the sender
 * waits for the call deadline, and the supervisor restarts the driver (a
 * transmit timeout, as Linux's watchdog resets a stuck NIC). */
static void test_ring_full_is_a_hung_transmit(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.call_timeout_ns = 200000000LL; /* 200 ms */
    struct cdn_driver l;
    struct net_device *dev = load_ring_bad(&l, &pol);
    int failed = 0;
    for (unsigned i = 0; i < CDN_RING_SLOTS + 8; i++) {
        struct sk_buff *skb = alloc_skb(65, GFP_KERNEL); /* 65: held for good */
        assert_non_null(skb);
        skb->dev = dev;
        failed += dev_queue_xmit(skb) != 0;
    }
    assert_true(failed >= 1);
    struct cdn_kernel_stats k = kst();
    assert_true(k.ring_full_waits >= 1);
    assert_int_equal(l.stats.restarts, 1);
    assert_non_null(strstr(l.reason, "timed out"));
    cdn_driver_unload(&l);
    k = kst();
    assert_int_equal(k.skbs_allocated, k.skbs_freed);
    cdn_kernel_exit();
}

/* The completions' bulk free: every live skb in the batch is freed; one
 * named twice in it, or a pointer that is no skb, is reported and skipped;
 * NULL is nothing (as kfree_skb(NULL)). */
static void test_bulk_free(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct sk_buff *a = alloc_skb(64, GFP_KERNEL), *b = alloc_skb(1500, GFP_KERNEL),
                   *c = alloc_skb(9000, GFP_KERNEL);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    struct sk_buff not_an_skb;
    struct sk_buff *batch[] = {a, NULL, b, a, &not_an_skb, c};
    cdn_kfree_skb_bulk(batch, 6);
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.skbs_freed, 3);
    assert_int_equal(k.skb_double_frees, 2);
    assert_int_equal(cdn_skbs_live(), 0);
    struct cdn_heap_stats hs;
    cdn_kernel_heap_stats(&hs);
    assert_int_equal(hs.live_objects, 0);
    assert_int_equal(hs.violations, 0); /* refused before the heap */
    /* more than one pass of the internal batch */
    struct sk_buff *many[150];
    for (int i = 0; i < 150; i++)
        assert_non_null(many[i] = alloc_skb(64, GFP_KERNEL));
    cdn_kfree_skb_bulk(many, 150);
    assert_int_equal(cdn_skbs_live(), 0);
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.skbs_freed, 153);
    cdn_kernel_exit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_misbehaving_driver),
        cmocka_unit_test(test_ring_full_is_a_hung_transmit),
        cmocka_unit_test(test_ring_driver_frees_its_device),
        cmocka_unit_test(test_bulk_free),
    };
    return cmocka_run_group_tests_name("net-ring", tests, NULL, NULL);
}
