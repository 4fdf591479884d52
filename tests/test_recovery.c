/*
 * test_recovery.c - a driver domain dies mid-traffic. The supervisor applies
 * the driver's policy: by default it restarts the driver at the first failed
 * crossing, the restarted driver re-attaches to the same net_device (same
 * pointer, same name, still registered) and traffic flows again; the host
 * reclaims the dead domain's handles and heap objects and leaks no skb.
 * Other policies: stay down; a restart budget; requests that wait for a
 * restart instead of failing fast.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernel/net/net_impl.h"
#include "cordon_kernel.h"
#include "linux/netdevice.h"
#include "kutil.h"
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

/* Kills the driver's domain and waits until it is gone and until the
 * transmit path will look at the domain's health again: packets are
 * posted without waiting, so the first one posted after that notices. */
static void kill_driver(struct cdn_driver *drv)
{
    kill(cdn_domain_pid(drv->dom), SIGKILL);
    /* gone as the transmit path will see it: its pidfd readable */
    int64_t t0 = cdn_now_ns();
    while (cdn_domain_alive(drv->dom) && cdn_now_ns() - t0 < 2000000000LL)
        usleep(50);
    assert_false(cdn_domain_alive(drv->dom));
    /* and as the monitor thread tells posters: the endpoint marked dead
     * (with both CPUs busy - a spinning domain beside the host - the
     * thread may get a CPU only some time after the death) */
    while (!cdn_ep_marked_dead(cdn_domain_ep(drv->dom)) && cdn_now_ns() - t0 < 2000000000LL)
        usleep(50);
    assert_true(cdn_ep_marked_dead(cdn_domain_ep(drv->dom)));
    usleep(200);
}

static struct net_device *load(struct cdn_driver *drv, const struct cdn_driver_policy *pol)
{
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    int r =
        cdn_driver_load_policy(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), pol, drv);
    if (r != 0)
        fail_msg("load: %d %s", r, drv->reason);
    struct net_device *dev = dev_get_by_name("dummy0");
    assert_non_null(dev);
    assert_int_equal(send(dev, 100), 100);
    return dev;
}

static void finish(struct cdn_driver *drv)
{
    struct net_device *dev = dev_get_by_name("dummy0");
    if (dev)
        cdn_txring_sync(dev); /* the driver's last completions */
    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.skbs_allocated, k.skbs_freed);
    cdn_driver_unload(drv);
    assert_int_equal(test_heap_objects_live(), 0);
    cdn_kernel_exit();
}

static void test_crash_and_restart(void **state)
{
    (void)state;
    struct cdn_driver drv;
    struct net_device *dev = load(&drv, NULL);

    /* the driver dies (as if it crashed): the first packet after it fails
     * (and is freed), the supervisor restarts the driver, the rest go through */
    kill_driver(&drv);
    assert_int_equal(send(dev, 10), 9);
    assert_int_equal(cdn_txring_sync(dev), 0);
    assert_int_equal(cdn_skbs_live(), 0);
    assert_int_equal(drv.stats.failures, 1);
    assert_int_equal(drv.stats.restarts, 1);
    assert_non_null(strstr(drv.reason, "SIGKILL"));
    fprintf(stderr, "restart took %.2f ms\n", drv.stats.last_restart_ms);
    assert_true(drv.stats.last_restart_ms > 0 && drv.stats.last_restart_ms < 2000);
    /* the same device, re-attached */
    assert_ptr_equal(dev_get_by_name("dummy0"), dev);
    assert_null(dev_get_by_name("dummy1"));
    assert_int_equal(dev->reg_state, NETREG_REGISTERED);
    assert_int_equal(dev->orphaned, 0);
    assert_non_null(dev->netdev_ops->ndo_start_xmit);
    assert_int_equal(send(dev, 100), 100);
    struct rtnl_link_stats64 st;
    dev_get_stats(dev, &st);
    assert_int_equal(st.tx_packets, 109); /* the new instance's own count */

    /* configuration the host gave the driver survives a restart: the
     * recorder replays it into the new instance */
    assert_int_equal(dev_change_carrier(dev, false), 0);
    assert_int_equal(dev->carrier, 0);

    /* a restart of a live (say, misbehaving) driver, asked for by hand */
    double ms = 0;
    assert_int_equal(cdn_driver_restart(&drv, &ms), 0);
    assert_true(ms > 0);
    assert_ptr_equal(dev_get_by_name("dummy0"), dev);
    assert_int_equal(dev->carrier, 0); /* replayed: the new driver turned it off again */
    assert_int_equal(send(dev, 50), 50);
    assert_int_equal(cdn_driver_check(&drv), CDN_OK); /* healthy: nothing to do */

    struct cdn_kernel_stats k;
    cdn_kernel_get_stats(&k);
    assert_int_equal(k.restarts, 2);
    assert_int_equal(k.devices_reattached, 2);
    assert_int_equal(k.config_replayed, 1);
    finish(&drv);
}

static void test_stay_down(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.on_failure = CDN_STAY_DOWN;
    struct cdn_driver drv;
    struct net_device *dev = load(&drv, &pol);
    kill_driver(&drv);
    int64_t t0 = cdn_now_ns();
    assert_int_equal(send(dev, 1000), 0); /* all fail, and fast */
    assert_true(cdn_now_ns() - t0 < 1000000000LL);
    cdn_txring_sync(dev);
    assert_int_equal(cdn_skbs_live(), 0);
    assert_true(drv.down);
    assert_null(drv.dom);
    assert_int_equal(drv.stats.restarts, 0);
    assert_int_equal(cdn_driver_check(&drv), CDN_EDEAD);
    /* the device stays registered (host clients keep their pointer), inert */
    assert_ptr_equal(dev_get_by_name("dummy0"), dev);
    assert_int_equal(dev->orphaned, 1);
    /* a person can still bring it back by hand */
    assert_int_equal(cdn_driver_restart(&drv, NULL), 0);
    assert_false(drv.down);
    assert_int_equal(send(dev, 10), 10);
    finish(&drv);
}

static void test_restart_budget(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.max_restarts = 2;
    pol.restart_window_ns = 60 * 1000000000LL;
    struct cdn_driver drv;
    struct net_device *dev = load(&drv, &pol);
    for (int i = 0; i < 2; i++) {
        kill_driver(&drv);
        assert_int_equal(send(dev, 5), 4);
    }
    kill_driver(&drv); /* the third failure in the window */
    assert_int_equal(send(dev, 5), 0);
    assert_true(drv.down);
    assert_int_equal(drv.stats.failures, 3);
    assert_int_equal(drv.stats.restarts, 2);
    finish(&drv);
}

/* Fibers: one hits the dead driver and runs the restart (whose calls yield);
 * the others arrive at the orphaned device meanwhile. */
struct sender {
    struct net_device *dev;
    int n, ok;
};

static void sender_main(void *arg)
{
    struct sender *s = arg;
    s->ok = send(s->dev, s->n);
}

static int run_fibers(struct cdn_driver *drv, struct net_device *dev, struct sender *s, int k)
{
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    assert_int_equal(cdn_driver_use_async(drv, rt), CDN_OK);
    kill_driver(drv);
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    for (int i = 0; i < k; i++) {
        s[i] = (struct sender){dev, 20, 0};
        cdn_async_spawn(rt, sender_main, &s[i]);
    }
    cdn_finish_end(rt, &f);
    int total = 0;
    for (int i = 0; i < k; i++)
        total += s[i].ok;
    cdn_async_detach(rt, cdn_domain_ep(drv->dom));
    cdn_glue_set_async(drv->glue, NULL);
    drv->rt = NULL;
    cdn_async_destroy(rt);
    return total;
}

static void test_wait_for_restart(void **state)
{
    (void)state;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    pol.while_down = CDN_WAIT_FOR_RESTART;
    struct cdn_driver drv;
    struct net_device *dev = load(&drv, &pol);
    struct sender s[4];
    /* 4 x 20 packets: a fiber's packet in flight when the driver died
     * fails (at most one per fiber: 4); every packet that arrived while the
     * restart ran waited for it and went through */
    int waited = run_fibers(&drv, dev, s, 4);
    fprintf(stderr, "wait-for-restart: %d of 80 sent\n", waited);
    assert_true(waited >= 76);
    assert_int_equal(drv.stats.restarts, 1);
    finish(&drv);

    /* the same with fail-fast: packets that arrive during the restart drop */
    cdn_driver_policy_init(&pol);
    dev = load(&drv, &pol);
    int ok = run_fibers(&drv, dev, s, 4);
    fprintf(stderr, "fail-fast: %d of 80 sent\n", ok);
    assert_true(ok < 76);
    assert_int_equal(drv.stats.restarts, 1);
    finish(&drv);
}

/* Two dummy drivers down at once: the one restarted gets back its own
 * device, never the other's, which stays orphaned. b is loaded first, so
 * a's device is the first the core's list shows. */
static void test_restart_gets_its_own_device(void **state)
{
    (void)state;
    struct cdn_driver_policy stay, restart;
    cdn_driver_policy_init(&stay);
    cdn_driver_policy_init(&restart);
    stay.on_failure = CDN_STAY_DOWN;
    struct cdn_driver a, b;
    struct net_device *db = load(&b, &restart); /* dummy0 */
    assert_int_equal(
        cdn_driver_load_policy(&cdn_dummy_driver, CDN_DRV_PROCESS, -1, test_lib_dir(), &stay, &a),
        0);
    struct net_device *da = dev_get_by_name("dummy1");
    assert_non_null(da);
    assert_int_equal(send(da, 10), 10);
    kill_driver(&a);
    assert_int_equal(send(da, 10), 0);
    assert_true(a.down);
    assert_int_equal(da->orphaned, 1);
    kill_driver(&b);
    assert_int_equal(send(db, 10), 9); /* the first finds it dead; it is restarted */
    assert_int_equal(b.stats.restarts, 1);
    assert_int_equal(db->orphaned, 0);
    assert_int_equal(da->orphaned, 1); /* still the stayed-down driver's */
    assert_ptr_equal(dev_get_by_name("dummy0"), db);
    assert_ptr_equal(dev_get_by_name("dummy1"), da);
    assert_int_equal(send(db, 100), 100);
    assert_int_equal(send(da, 10), 0);
    cdn_txring_sync(db);
    cdn_driver_unload(&a);
    finish(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crash_and_restart),
        cmocka_unit_test(test_stay_down),
        cmocka_unit_test(test_restart_budget),
        cmocka_unit_test(test_wait_for_restart),
        cmocka_unit_test(test_restart_gets_its_own_device),
    };
    return cmocka_run_group_tests_name("recovery", tests, NULL, NULL);
}
