/*
 * test_net_dummy.c - the dummy network driver (drivers/net/dummy.c) in its
 * three modes: native (linked into the host), inproc and process (isolated
 * behind the glue generated from drivers/net/dummy.idl). Each mode brings the
 * driver up, transmits packets through the host's dev_queue_xmit, and checks
 * that every packet was counted and freed and that the statistics agree.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cordon_kernel.h"
#include "dummy_host.h"
#include "util.h"

#define SEC 1000000000LL

int dummy_init_module(void); /* drivers/net/dummy.c, native build */
void dummy_cleanup_module(void);

enum mode { NATIVE, INPROC, PROCESS };

struct loaded {
    cdn_domain *dom;
    struct cdn_glue *g;
};

static const char *driver_path(const char *name)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = 0;
    *strrchr(exe, '/') = 0;
    snprintf(path, sizeof path, "%s/../lib/cordon/%s.so", exe, name);
    return path;
}

static int load(enum mode m, struct loaded *l)
{
    memset(l, 0, sizeof *l);
    if (m == NATIVE)
        return dummy_init_module();
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = m == INPROC ? CDN_BACKEND_INPROC : CDN_BACKEND_PROCESS;
    cfg.module_path = driver_path("dummy");
    cfg.heap = cdn_kernel_heap();
    assert_int_equal(cdn_domain_create(&cfg, &l->dom), CDN_OK);
    int r = cdn_domain_start(l->dom);
    if (r != CDN_OK)
        fail_msg("start: %s (%s)", cdn_strerror(r), cdn_domain_reason(l->dom));
    assert_int_equal(cdn_glue_create(CDN_GLUE_HOST, cdn_domain_ep(l->dom), &l->g), CDN_OK);
    cdn_glue_set_heap(l->g, cdn_kernel_heap(), 1);
    dummy_host_init(l->g);
    cdn_domain_set_handler(l->dom, dummy_host_dispatch, l->g);
    return dummy_call_dummy_init_module(l->g);
}

static void unload(enum mode m, struct loaded *l)
{
    if (m == NATIVE) {
        dummy_cleanup_module();
        return;
    }
    dummy_call_dummy_cleanup_module(l->g);
    assert_int_equal(cdn_glue_last_error(l->g), CDN_OK);
    assert_int_equal(cdn_domain_stop(l->dom, 5 * SEC), CDN_OK);
    cdn_glue_destroy(l->g);
    cdn_domain_destroy(l->dom);
}

static void run_mode(enum mode m)
{
    assert_int_equal(cdn_kernel_init(16u << 20), 0);
    struct cdn_kernel_stats k0, k1;
    cdn_kernel_get_stats(&k0);
    struct loaded l;
    assert_int_equal(load(m, &l), 0);
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
        assert_int_equal(dev_queue_xmit(skb), 0);
        bytes += len;
    }
    struct rtnl_link_stats64 st;
    dev_get_stats(dev, &st);
    assert_int_equal(st.tx_packets, N);
    assert_int_equal(st.tx_bytes, bytes);
    cdn_kernel_get_stats(&k1);
    assert_int_equal(k1.skbs_allocated - k0.skbs_allocated, N);
    assert_int_equal(k1.skbs_freed - k0.skbs_freed, N); /* the driver freed every one */
    struct cdn_heap_stats hs;
    cdn_heap_get_stats(cdn_kernel_heap(), &hs);
    assert_int_equal(hs.live_objects, 0); /* no packet data left behind */
    if (l.g) {
        struct cdn_glue_stats gs;
        cdn_glue_get_stats(l.g, &gs);
        assert_true(gs.objects < 8); /* skbs are forgotten as they are freed */
    }
    unload(m, &l);
    assert_null(dev_get_by_name("dummy0")); /* unregistered (and freed: needs_free_netdev) */
    cdn_kernel_exit();
}

static void test_dummy_native(void **state)
{
    (void)state;
    run_mode(NATIVE);
}

static void test_dummy_inproc(void **state)
{
    (void)state;
    run_mode(INPROC);
}

static void test_dummy_process(void **state)
{
    (void)state;
    run_mode(PROCESS);
}

/* The driver's printk lines reach the host's log from every mode. */
static void test_dummy_log(void **state)
{
    (void)state;
    char buf[8192];
    assert_non_null(strstr(cdn_kernel_log_tail(buf, sizeof buf), "domain: dummy: 1 device(s) ready"));
    assert_non_null(strstr(buf, "dummy: 1 device(s) ready"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dummy_native),
        cmocka_unit_test(test_dummy_inproc),
        cmocka_unit_test(test_dummy_process),
        cmocka_unit_test(test_dummy_log),
    };
    return cmocka_run_group_tests_name("net-dummy", tests, NULL, NULL);
}
