/*
 * test_net_dummy.c - the dummy network driver (drivers/net/dummy.c) in its
 * three modes: native (linked into the host), inproc and process (isolated
 * behind the glue generated from drivers/net/dummy.idl). Each mode brings the
 * driver up, transmits packets through the host's dev_queue_xmit, and checks
 * that every packet was counted and freed and that the statistics agree.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <signal.h>
#include <stdlib.h>

#include "../kernel/net/net_impl.h"
#include "cordon_kernel.h"
#include "linux/blk-mq.h"
#include "linux/netdevice.h"
#include "kutil.h"
#include "util.h"

#define SEC 1000000000LL

extern const struct cdn_driver_desc cdn_dummy_driver;

enum mode { NATIVE = CDN_DRV_NATIVE, INPROC = CDN_DRV_INPROC, PROCESS = CDN_DRV_PROCESS };

static void test_dummy(void **state)
{
    enum mode m = (enum mode)test_mode(state);
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_kernel_stats k0, k1;
    cdn_kernel_get_stats(&k0);
    struct cdn_driver l;
    int r = cdn_driver_load(&cdn_dummy_driver, (enum cdn_drv_mode)m, -1, test_lib_dir(), &l);
    if (r != 0)
        fail_msg("load: %d %s", r, l.reason);
    struct net_device *dev = dev_get_by_name(m == NATIVE ? "dummy0" : "dummy0");
    assert_non_null(dev);
    /* what setup() did, seen by the host */
    assert_true(dev->flags & IFF_NOARP);
    assert_false(dev->flags & IFF_MULTICAST);
    assert_int_equal(dev->type, ARPHRD_ETHER);
    assert_int_equal(dev->mtu, ETH_DATA_LEN);
    assert_true(dev->dev_addr[0] & 0x02);
    assert_non_null(dev->netdev_ops);
    assert_non_null(dev->netdev_ops->ndo_start_xmit);

    enum { N = 2000 };
    uint64_t bytes = 0;
    for (int i = 0; i < N; i++) {
        unsigned len = 60 + (unsigned)(i % 1400);
        struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
        assert_non_null(skb);
        memset(skb->data, i & 0xff, len);
        skb->dev = dev;
        /* bursts of 97: more than one ring message each (at most 64 per message) */
        bool more = i % 97 != 96 && i + 1 < N;
        assert_int_equal(dev_queue_xmit_more(skb, more), 0);
        bytes += len;
    }
    struct rtnl_link_stats64 st;
    dev_get_stats(dev, &st);
    assert_int_equal(st.tx_packets, N);
    assert_int_equal(st.tx_bytes, bytes);
    /* with the transmit ring (isolated modes), frees come back batched */
    assert_int_equal(cdn_txring_sync(dev), 0);
    cdn_kernel_get_stats(&k1);
    assert_int_equal(k1.skbs_allocated - k0.skbs_allocated, N);
    assert_int_equal(k1.skbs_freed - k0.skbs_freed, N); /* the driver freed every one */
    assert_int_equal(test_heap_objects_live(), 0);      /* no packet data left behind */
    if (l.glue) {
        struct cdn_glue_stats gs;
        cdn_glue_get_stats(l.glue, &gs);
        assert_true(gs.objects < 8); /* skbs are forgotten as they are freed */
    }
    cdn_driver_unload(&l);                  /* module_exit: unregisters (and frees) dummy0 */
    assert_null(dev_get_by_name("dummy0")); /* unregistered (and freed: needs_free_netdev) */
    cdn_kernel_exit();
}

/* A kernel with net_bad (tests/modules/net_bad.c) loaded in a process
 * domain: with its transmit ring or a glue call per packet, and module
 * parameters (may be NULL). */
static void load_net_bad(struct cdn_driver *l, unsigned rings, const char *params)
{
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    static struct cdn_driver_desc bad; /* the driver keeps a pointer to it */
    bad = cdn_dummy_driver;
    bad.name = "net_bad";
    bad.rings = rings;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.params = params;
    int r = cdn_driver_load_policy(&bad, CDN_DRV_PROCESS, -1, test_lib_dir(), &pol, l);
    if (r != 0)
        fail_msg("load net_bad: %d %s", r, l->reason);
}

/* A driver that misbehaves (tests/modules/net_bad.c) in a process domain:
 * the host reports each fault, frees what the driver did not, refuses what it
 * made up, survives its crash, and leaks nothing. */
static void test_misbehaving_driver(void **state)
{
    (void)state;
    struct cdn_driver l;
    load_net_bad(&l, 0, NULL); /* every packet a glue call: tests/test_net_ring.c covers the ring */
    struct net_device *dev = dev_get_by_name("bad0");
    assert_non_null(dev);
    struct cdn_kernel_stats k;
    unsigned lens[] = {100, 61, 100, 62, 100, 63, 100, 64, 100};
    int rc[9];
    for (int i = 0; i < 9; i++) {
        struct sk_buff *skb = alloc_skb(lens[i], GFP_KERNEL);
        assert_non_null(skb);
        skb->dev = dev;
        rc[i] = dev_queue_xmit(skb);
    }
    cdn_kernel_get_stats(&k);
    if (getenv("CORDON_TEST_VERBOSE"))
        for (int i = 0; i < 9; i++)
            fprintf(stderr, "len %u -> %d\n", lens[i], rc[i]);
    assert_int_equal(rc[0], 0);
    assert_int_equal(rc[1], -EBUSY); /* out-of-range return: reported, dropped */
    assert_int_equal(k.xmit_bad_returns >= 1, 1);
    assert_int_equal(rc[2], 0); /* the supervisor restarted it; traffic goes on */
    /* double free: the domain's own glue no longer has a reference for the
     * skb, so the second free never leaves the domain (and no double free
     * reaches the core) */
    assert_int_equal(rc[3], 0);
    assert_int_equal(k.skb_double_frees, 0);
    /* a made-up skb: the glue sends a reference the host never issued; the
     * host refuses it before the core sees it and, in strict mode (the
     * default), restarts the driver for it */
    assert_int_equal(rc[5], -EBUSY);
    assert_int_equal(rc[6], 0);
    assert_int_equal(rc[7], -EBUSY); /* crash mid-transmit */
    assert_int_equal(rc[8], 0);      /* restarted again, the same device */
    assert_true(cdn_domain_alive(l.dom));
    assert_int_equal(l.stats.failures, 3);
    assert_int_equal(l.stats.restarts, 3);
    assert_int_equal(l.stats.rejected, 1);
    assert_non_null(strstr(l.reason, "SIGSEGV")); /* the last failure, described */

    /* Requests that reach the host and fail validation — a forged handle, an
     * undeclared rpc id, a string over its declared bound — are protocol
     * violations in strict mode: the driver is killed and restarted. A slow
     * reply under the deadline is just slow. */
    unsigned raw[] = {69, 100, 70, 100, 71, 100, 72, 100};
    for (int i = 0; i < 8; i++) {
        struct sk_buff *skb = alloc_skb(raw[i], GFP_KERNEL);
        assert_non_null(skb);
        skb->dev = dev;
        int r2 = dev_queue_xmit(skb);
        if (getenv("CORDON_TEST_VERBOSE"))
            fprintf(stderr, "raw len %u -> %d (rejected %lu)\n", raw[i], r2, l.stats.rejected);
        if (raw[i] == 100 || raw[i] == 72)
            assert_int_equal(r2, 0);
        else
            assert_int_equal(r2, -EBUSY);
    }
    assert_int_equal(l.stats.rejected, 4);
    assert_int_equal(l.stats.restarts, 6);
    assert_non_null(strstr(l.reason, "request rpc 14 rejected")); /* the oversized log line */
    cdn_kernel_get_stats(&k);
    assert_ptr_equal(dev_get_by_name("bad0"), dev);
    /* every skb is accounted for: freed by the driver or reclaimed by the core */
    assert_int_equal(k.skbs_allocated, 17);
    assert_int_equal(k.skbs_freed, 17);
    assert_int_equal(cdn_skbs_live(), 0);
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_driver_unload(&l);
    cdn_kernel_exit();
}

/* A driver that frees its own device: while registered (refused, as
 * Linux's BUG_ON there), and unregistered and freed from inside the
 * transmit the core is running on it, with a bad return after: the core
 * finishes its call without touching freed memory (ASan would say), a
 * client's dev_hold keeps the memory until its dev_put, and the name is
 * free for the restarted driver. */
static int send_one(struct net_device *dev, unsigned len)
{
    struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);
    assert_non_null(skb);
    skb->dev = dev;
    return dev_queue_xmit(skb);
}

static void test_driver_frees_its_device(void **state)
{
    (void)state;
    struct cdn_driver l;
    load_net_bad(&l, 0, NULL); /* the synchronous path: the core is inside the call */
    /* No reference held: the core's call is the last user, and frees the
     * device when the call is over; its error path reads nothing freed. */
    struct net_device *dev = dev_get_by_name("bad0");
    assert_non_null(dev);
    assert_int_equal(send_one(dev, 100), 0);
    assert_int_equal(send_one(dev, 74), -EBUSY); /* the bad return, reported */
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.xmit_bad_returns, 1);
    assert_int_equal(k.netdevs_freed, 1);
    assert_int_equal(l.stats.restarts, 1);
    /* Held: the memory stays until dev_put, the device unregistered. */
    dev = dev_get_by_name("bad0");
    assert_non_null(dev); /* the restarted driver's new device, under the freed name */
    dev_hold(dev);
    assert_int_equal(send_one(dev, 74), -EBUSY);
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.netdevs_freed, 1);
    assert_int_equal(dev->reg_state, NETREG_UNREGISTERED);
    assert_int_equal(l.stats.restarts, 2);
    struct net_device *now = dev_get_by_name("bad0");
    assert_non_null(now);
    assert_ptr_not_equal(now, dev);
    assert_int_equal(send_one(dev, 100), -ENODEV); /* the old one takes nothing */
    dev_put(dev);
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.netdevs_freed, 2);
    /* 76: freed (put off: the core is in the call), then registered again
     * before the call is over: the glue forgot the device's handle at the
     * free, so the register names nothing - a protocol violation, the
     * driver restarted; the device is freed when the call returns */
    assert_int_equal(send_one(now, 76), -EBUSY);
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.netdevs_freed, 3);
    assert_int_equal(l.stats.restarts, 3);
    assert_non_null(strstr(l.reason, "invalid handle"));
    now = dev_get_by_name("bad0"); /* the fourth instance's */
    assert_non_null(now);
    /* the fourth instance frees its registered device: refused, kept */
    assert_int_equal(send_one(now, 73), 0);
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.netdev_bad_frees, 1);
    assert_ptr_equal(dev_get_by_name("bad0"), now);
    assert_int_equal(now->reg_state, NETREG_REGISTERED);
    assert_int_equal(send_one(now, 100), 0);
    cdn_driver_unload(&l);
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.netdevs_allocated, 4);
    assert_int_equal(k.netdevs_freed, 4);
    assert_int_equal(cdn_skbs_live(), 0);
    cdn_kernel_exit();
}

/* A driver that dies in its exit: while the core calls it back during the
 * unregister (ndo_uninit), or before it unregisters anything. Either way
 * the core frees the device - the driver will never call free_netdev now -
 * its name is free again, and the host goes on. */
static void unload_crashing(const char *params)
{
    struct cdn_driver l;
    load_net_bad(&l, CDN_RINGS_TX, params);
    struct net_device *dev = dev_get_by_name("bad0");
    assert_non_null(dev);
    for (int i = 0; i < 100; i++) {
        struct sk_buff *skb = alloc_skb(100, GFP_KERNEL);
        assert_non_null(skb);
        skb->dev = dev;
        assert_int_equal(dev_queue_xmit_more(skb, i % 32 != 31), 0);
    }
    cdn_driver_unload(&l); /* its exit: SIGSEGV */
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_null(dev_get_by_name("bad0"));
    assert_int_equal(k.netdevs_allocated, 1);
    assert_int_equal(k.netdevs_freed, 1);
    assert_int_equal(cdn_skbs_live(), 0);
    cdn_kernel_exit();
    /* the name is free: a well-behaved driver gets bad0 again */
    load_net_bad(&l, CDN_RINGS_TX, NULL);
    assert_non_null(dev_get_by_name("bad0"));
    cdn_driver_unload(&l);
    cdn_kernel_exit();
}

static void test_crash_in_uninit(void **state)
{
    (void)state;
    unload_crashing("crash_in_uninit=1"); /* exit -> unregister_netdev -> ndo_uninit */
}

static void test_crash_in_exit(void **state)
{
    (void)state;
    unload_crashing("crash_in_exit=1"); /* bad0 still registered when it dies */
}

/* The driver's printk lines reach the host's log from every mode. */
static void test_dummy_log(void **state)
{
    (void)state;
    char buf[8192];
    assert_non_null(
        strstr(cdn_kernel_log_tail(buf, sizeof buf), "domain: dummy: 1 device(s) ready"));
    assert_non_null(strstr(buf, "dummy: 1 device(s) ready"));
}

/* Names as Linux's dev_alloc_name gives them: the lowest free number of
 * the template, so a number comes back when its device goes. */
static void test_dummy_names(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver a, b, c;
    assert_int_equal(cdn_driver_load(&cdn_dummy_driver, CDN_DRV_NATIVE, -1, test_lib_dir(), &a), 0);
    assert_int_equal(cdn_driver_load(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &b),
                     0);
    struct net_device *d1 = dev_get_by_name("dummy1");
    assert_non_null(dev_get_by_name("dummy0"));
    assert_non_null(d1);
    cdn_driver_unload(&a);
    assert_null(dev_get_by_name("dummy0"));
    assert_int_equal(cdn_driver_load(&cdn_dummy_driver, CDN_DRV_INPROC, -1, test_lib_dir(), &c), 0);
    assert_non_null(dev_get_by_name("dummy0")); /* the free number, not dummy2 */
    assert_null(dev_get_by_name("dummy2"));
    assert_ptr_equal(dev_get_by_name("dummy1"), d1);
    cdn_driver_unload(&c);
    cdn_driver_unload(&b);
    cdn_kernel_exit();
}

/*
 * Heap isolation: null_blk stores a secret on its disk, a hostile net
 * driver searches every byte it can map for it, then overwrites and
 * punches out all of its heap. It finds nothing (its heap is its own; the
 * disk's memory lives in null_blk's), and every byte reads back. With one
 * heap for all drivers, it found the secret and destroyed the disk.
 */
extern const struct cdn_driver_desc cdn_null_blk_driver;

static void test_heap_isolation(void **state)
{
    (void)state;
    struct cdn_driver bad, nb;
    load_net_bad(&bad, 0, NULL);
    assert_int_equal(
        cdn_driver_load(&cdn_null_blk_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &nb), 0);
    struct gendisk *disk = cdn_blk_disk_by_name("nullb0");
    assert_non_null(disk);
    enum { BYTES = 64 * 1024 };
    static uint8_t secret[BYTES], back[BYTES];
    for (size_t i = 0; i < BYTES; i += 16)
        memcpy(secret + i, "cordon-secret:\x01", 16);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_WRITE, 0, BYTES, secret), 0);
    struct net_device *dev = dev_get_by_name("bad0");
    assert_non_null(dev);
    assert_int_equal(send_one(dev, 77), 0); /* snoop */
    char log[8192];
    cdn_kernel_log_tail(log, sizeof log);
    const char *said = strstr(log, "snoop: ");
    assert_non_null(said);
    assert_int_equal(strncmp(said, "snoop: 0 secrets", 16), 0);
    assert_int_equal(send_one(dev, 78), 0);  /* wipe all it can reach */
    assert_int_equal(send_one(dev, 100), 0); /* and it goes on */
    memset(back, 0, sizeof back);
    assert_int_equal(cdn_blk_rw(disk, REQ_OP_READ, 0, BYTES, back), 0);
    assert_memory_equal(back, secret, BYTES);
    cdn_driver_unload(&bad);
    cdn_driver_unload(&nb);
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

/* A driver that hands the host ever more functions by pointer (setup
 * functions: each binds a trampoline of a pool every glue shares) takes
 * only its own share: the fifth is refused and the hog, in strict mode,
 * is the one failed; the next driver of the interface loads. Before the
 * per-glue share, the hog took the whole pool and the victim could not
 * load, with no reason given. */
static void test_trampoline_pool_is_shared_fairly(void **state)
{
    (void)state;
    struct cdn_driver bad, victim;
    load_net_bad(&bad, 0, NULL);
    struct net_device *dev = dev_get_by_name("bad0");
    assert_non_null(dev);
    send_one(dev, 79);
    assert_int_equal(bad.stats.failures, 1); /* it was the violator */
    assert_non_null(strstr(bad.reason, "rejected"));
    assert_int_equal(
        cdn_driver_load(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &victim), 0);
    assert_non_null(dev_get_by_name("dummy0"));
    cdn_driver_unload(&victim);
    cdn_driver_unload(&bad);
    cdn_kernel_exit();
}

/* Glue from two IDLs: the host's dummy glue against a module built with
 * null_blk's. The load fails before anything else crosses, and says why;
 * before the fingerprint check the first rpc id the two disagreed on was
 * all there was to go by. The same module with its own host glue loads. */
static void test_glue_from_another_idl(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver_desc wrong = cdn_dummy_driver;
    wrong.name = "null_blk"; /* null_blk.so, on dummy's host glue */
    struct cdn_driver drv;
    int r = cdn_driver_load(&wrong, CDN_DRV_PROCESS, -1, test_lib_dir(), &drv);
    assert_int_equal(r, CDN_EPROTO);
    assert_non_null(strstr(drv.reason, "glue mismatch"));
    assert_int_equal(
        cdn_driver_load(&cdn_null_blk_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &drv), 0);
    cdn_driver_unload(&drv);
    cdn_kernel_exit();
}

/* A name squatter: a driver cannot register a device under a name that
 * is taken (-EEXIST, as Linux), nor take one by renaming its device
 * through its projection later; lookups find the first device. */
static void test_no_name_squatting(void **state)
{
    (void)state;
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_driver a, b;
    assert_int_equal(cdn_driver_load(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &a),
                     0);
    struct net_device *real = dev_get_by_name("dummy0");
    assert_non_null(real);
    struct net_device *squat = alloc_netdev(0, "dummy0", 0, NULL);
    assert_non_null(squat);
    assert_int_equal(register_netdev(squat), -EEXIST);
    free_netdev(squat);
    /* a second driver instance names its device dummy1, not dummy0 */
    assert_int_equal(cdn_driver_load(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &b),
                     0);
    assert_ptr_equal(dev_get_by_name("dummy0"), real);
    struct net_device *second = dev_get_by_name("dummy1");
    assert_non_null(second);
    /* renamed through its projection (what a crossing's copy-in does) */
    snprintf(second->name, sizeof second->name, "dummy0");
    assert_ptr_equal(dev_get_by_name("dummy0"), real);
    assert_ptr_equal(dev_get_by_name("dummy1"), second);
    cdn_driver_unload(&b);
    cdn_driver_unload(&a);
    cdn_kernel_exit();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CDN_TEST_EVERY_MODE(test_dummy),
        cmocka_unit_test(test_dummy_log),
        cmocka_unit_test(test_misbehaving_driver),
        cmocka_unit_test(test_driver_frees_its_device),
        cmocka_unit_test(test_crash_in_uninit),
        cmocka_unit_test(test_crash_in_exit),
        cmocka_unit_test(test_dummy_names),
        cmocka_unit_test(test_heap_isolation),
        cmocka_unit_test(test_no_name_squatting),
        cmocka_unit_test(test_glue_from_another_idl),
        cmocka_unit_test(test_trampoline_pool_is_shared_fairly),
    };
    return cmocka_run_group_tests_name("net-dummy", tests, NULL, NULL);
}
