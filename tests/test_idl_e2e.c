/*
 * test_idl_e2e.c - the host side of tests/idl/demo.idl: real host functions,
 * the generated host glue, and the domain module tests/modules/idl_demo.c.
 * Every rpc, projection direction, ops-table trampoline, shared buffer and
 * nested call is exercised over an inproc and a process domain, and the two
 * runs must give identical results. Malformed requests from the domain are
 * rejected by the generated dispatch without calling the host function.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/supervisor.h"
#include "demo_host.h"
#include "util.h"

#define SEC 1000000000LL

/* ---- the "kernel": host implementations ---- */

static int host_calls;
static struct device *registered;
static int freed;
static int consumed;

int32_t add(int32_t a, int64_t b, uint8_t c, bool flip)
{
    host_calls++;
    int64_t s = a + b + c;
    return (int32_t)(flip ? -s : s);
}

uint64_t checksum(uint32_t n, const uint32_t *words, const uint8_t *mac, const int16_t *zs)
{
    host_calls++;
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += words[i];
    for (int i = 0; i < 6; i++)
        s += mac[i];
    for (int i = 0; zs[i]; i++)
        s += (uint64_t)zs[i];
    return s;
}

uint32_t name_len(const char *name)
{
    host_calls++;
    return (uint32_t)strlen(name);
}

enum color next_color(enum color c)
{
    host_calls++;
    return c == RED ? GREEN : c == GREEN ? BLUE : c == BLUE ? NEG : RED;
}

struct device *device_alloc(const char *name, uint32_t mtu)
{
    host_calls++;
    struct device *d = calloc(1, sizeof *d);
    snprintf(d->name, sizeof d->name, "%s", name);
    d->mtu = mtu;
    d->host_secret = 0x5ec12e7;
    return d;
}

static int label_seen; /* the domain's char * field arrived */

int32_t device_register(struct device *dev)
{
    host_calls++;
    label_seen = dev->label && strcmp(dev->label, "demo-label") == 0;
    dev->label = (char *)"host-seen";
    dev->flags |= 0x100;
    registered = dev;
    return 0;
}

void device_free(struct device *dev)
{
    host_calls++;
    freed++;
    free(dev);
}

uint32_t buffer_sum(void *buf, uint32_t len)
{
    host_calls++;
    uint32_t s = 0;
    for (uint32_t i = 0; i < len; i++)
        s += ((uint8_t *)buf)[i];
    return s;
}

void divide(int32_t a, int32_t b, int32_t *quotient, int32_t *rem)
{
    host_calls++;
    if (!b || !quotient || !rem)
        return;
    *quotient = a / b;
    *rem += a % b;
}

uint32_t pair_sum(pair_t *p)
{
    host_calls++;
    return p ? p->a + p->b : 0; /* a projection pointer may be NULL */
}

void describe(uint32_t id, char *name, uint8_t *bytes, uint32_t cap)
{
    host_calls++;
    snprintf(name, 16, "dev%u", id);
    for (uint32_t i = 0; i < cap; i++)
        bytes[i] = (uint8_t)(id + i);
}

int32_t consume(void *buf)
{
    host_calls++;
    consumed += buf != NULL;
    return 0;
}

int32_t call_twice(int (*cb)(struct device *dev), struct device *dev)
{
    host_calls++;
    return cb ? cb(dev) + cb(dev) : -1; /* calls back into the domain, twice */
}

int32_t bump_stats(struct device *dev, uint64_t by)
{
    host_calls++;
    dev->stats.tx_packets += by;
    return (int32_t)by * 2;
}

/* ---- the suite ---- */

struct outcome {
    int32_t probe;
    uint32_t flags, mtu;
    uint8_t addr[6];
    uint64_t secret;
    int open_ret;
    int xmit_ret;
    uint64_t tx_packets, tx_bytes;
    uint64_t kick;
    uint32_t host_limit_after, drv_counter_after;
    uint32_t take_sum, owner_after_take, owner_after_consume;
    int32_t consume_ok, consume_again, give_not_owned_ret, give_not_owned_err;
    int32_t malformed[10];
    int host_calls_during_malformed;
    int32_t fresh_retry; /* a failed call's new object, sent again */
    int32_t fill_ret;
    char name42[32];
    int name0_null;
    char fill_tag[16];
    uint16_t fill_vals[4];
    int dead_ret, dead_err;
    uint64_t dead_kick;
    int dead_kick_err;
};

static void run_demo(enum cdn_backend be, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    registered = NULL;
    struct cdn_heap *heap;
    assert_int_equal(cdn_heap_create(0, &heap), CDN_OK);
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = be;
    cfg.module_path = test_module_path("idl_demo");
    cfg.heap = heap;
    struct cdn_domain *dom;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    int r = cdn_domain_start(dom);
    if (r != CDN_OK)
        fail_msg("start: %s (%s)", cdn_strerror(r), cdn_domain_reason(dom));
    struct cdn_glue *g;
    assert_int_equal(cdn_glue_create(CDN_GLUE_HOST, cdn_domain_ep(dom), &g), CDN_OK);
    cdn_glue_set_heap(g, heap, 1);
    demo_host_init(g);
    cdn_domain_set_handler(dom, demo_host_dispatch, g);

    /* every domain -> host rpc, from the domain's probe */
    label_seen = 0;
    o->probe = demo_call_demo_probe(g, 7);
    assert_int_equal(cdn_glue_last_error(g), CDN_OK);
    assert_true(label_seen);
    assert_non_null(registered);
    o->flags = registered->flags;
    o->mtu = registered->mtu;
    memcpy(o->addr, registered->addr, 6);
    o->secret = registered->host_secret;
    assert_non_null(registered->ops);
    assert_non_null(registered->ops->open);
    assert_non_null(registered->ops->xmit);

    /* host -> domain through the ops table's trampolines */
    o->open_ret = registered->ops->open(registered);
    cdn_href ref;
    uint8_t *buf;
    assert_int_equal(cdn_heap_alloc(heap, CDN_HEAP_HOST, 100, &ref, (void **)&buf), CDN_OK);
    memset(buf, 3, 100);
    struct packet pkt = {.len = 100, .prio = RED, .data = buf};
    o->xmit_ret = (int)registered->ops->xmit(&pkt, registered);
    o->tx_packets = registered->stats.tx_packets;
    o->tx_bytes = registered->stats.tx_bytes;

    /* shared buffers change hands: host -> domain ([move]) and back */
    cdn_href b2, b3;
    uint8_t *p2;
    assert_int_equal(cdn_heap_alloc(heap, CDN_HEAP_HOST, 64, &b2, (void **)&p2), CDN_OK);
    memset(p2, 2, 64);
    o->take_sum = demo_call_demo_take(g, p2, 64);
    cdn_heap_owner(heap, b2, &o->owner_after_take);
    o->consume_ok = demo_call_demo_probe(g, 20);
    cdn_heap_owner(heap, b2, &o->owner_after_consume);
    o->consume_again = demo_call_demo_probe(g, 21); /* no longer the domain's */
    void *p3;
    assert_int_equal(cdn_heap_alloc(heap, 1, 64, &b3, &p3), CDN_OK); /* the domain's */
    o->give_not_owned_ret = (int32_t)demo_call_demo_take(g, p3, 64);
    o->give_not_owned_err = cdn_glue_last_error(g);

    /* export rpc with a projection argument and nested calls back */
    registered->host_limit = 42;
    registered->drv_counter = 7; /* never sent: the domain's value replaces it */
    o->kick = demo_call_demo_kick(g, registered, 3);
    o->host_limit_after = registered->host_limit;
    o->drv_counter_after = registered->drv_counter;

    /* malformed requests from the domain */
    int before = host_calls;
    for (uint32_t i = 0; i < 10; i++)
        o->malformed[i] = demo_call_demo_probe(g, 666 + i);
    o->host_calls_during_malformed = host_calls - before;

    /* a string result, and a NULL one */
    const char *nm = demo_call_demo_name(g, 42);
    snprintf(o->name42, sizeof o->name42, "%s", nm ? nm : "(null)");
    o->name0_null = demo_call_demo_name(g, 0) == NULL && cdn_glue_last_error(g) == CDN_OK;

    /* [out] string and array filled by the domain */
    char tag[16] = "unchanged";
    uint16_t vals[4] = {1, 2, 3, 4};
    o->fill_ret = demo_call_demo_fill(g, tag, vals);
    snprintf(o->fill_tag, sizeof o->fill_tag, "%s", tag);
    memcpy(o->fill_vals, vals, sizeof vals);

    /* a call that failed after exporting a new object, then again */
    struct device *first = registered;
    o->fresh_retry = demo_call_demo_probe(g, 30);
    if (registered != first) {
        free(registered);
        registered = first;
    }

    /* a dead domain: the stub returns the dead value and says why */
    cdn_domain_kill(dom, "test");
    cdn_domain_wait(dom, NULL, 5 * SEC);
    o->dead_ret = demo_call_demo_probe(g, 1);
    o->dead_err = cdn_glue_last_error(g);
    o->dead_kick = demo_call_demo_kick(g, registered, 1); /* [dead(12345)] */
    o->dead_kick_err = cdn_glue_last_error(g);

    cdn_glue_destroy(g);
    cdn_domain_destroy(dom);
    free(registered);
    registered = NULL;
    cdn_heap_destroy(heap);
}

static void check_outcome(const struct outcome *o)
{
    assert_int_equal(o->probe, 0);
    assert_int_equal(o->flags, 0x111);
    assert_int_equal(o->mtu, 1507);
    assert_memory_equal(o->addr, "\x02\x00\x5e\x10\x20\x30", 6);
    assert_int_equal(o->secret, 0x5ec12e7); /* [unused]: the domain never touched it */
    assert_int_equal(o->open_ret, 1508);
    assert_int_equal(o->xmit_ret, GREEN);
    assert_int_equal(o->tx_packets, 1);
    assert_int_equal(o->tx_bytes, 100);
    assert_int_equal(o->kick, 12 + 7 * 1000000ull);
    assert_int_equal(o->host_limit_after, 42);    /* the domain's write did not cross */
    assert_int_equal(o->drv_counter_after, 1042); /* it saw 42, and its field came back */
    assert_int_equal(o->take_sum, 128);
    assert_int_equal(o->owner_after_take, 1);
    assert_int_equal(o->consume_ok, 0);
    assert_int_equal(o->owner_after_consume, CDN_HEAP_HOST);
    assert_int_equal(o->consume_again, CDN_EBADH);
    assert_int_equal(o->give_not_owned_ret, -5);
    assert_int_equal(o->give_not_owned_err, CDN_EPERM);
    static const int32_t want[10] = {CDN_EBADH,  CDN_EPROTO, CDN_EPROTO, CDN_EPROTO, CDN_EPROTO,
                                     CDN_EPROTO, CDN_EPROTO, CDN_EPROTO, CDN_EBADH,  CDN_EPROTO};
    for (int i = 0; i < 10; i++)
        if (o->malformed[i] != want[i])
            fail_msg("malformed case %d: got %d (%s), want %s", 666 + i, o->malformed[i],
                     cdn_strerror(o->malformed[i]), cdn_strerror(want[i]));
    assert_int_equal(o->host_calls_during_malformed, 0);
    assert_int_equal(o->dead_ret, -5);
    assert_int_equal(o->fresh_retry, 0);
    assert_int_equal(o->fill_ret, 10);
    assert_string_equal(o->name42, "name-42");
    assert_true(o->name0_null);
    assert_string_equal(o->fill_tag, "filled");
    assert_int_equal(o->fill_vals[0], 11);
    assert_int_equal(o->fill_vals[3], 44);
    assert_int_equal(o->dead_err, CDN_EDEAD);
    assert_int_equal(o->dead_kick, 12345); /* the rpc's own dead value */
    assert_int_equal(o->dead_kick_err, CDN_EDEAD);
}

static struct outcome by_backend[2];

struct async_case {
    struct cdn_glue *g;
    int32_t probe;
    int open_ret;
};

static void async_fiber(void *arg)
{
    struct async_case *c = arg;
    c->probe = demo_call_demo_probe(c->g, 7);
    c->open_ret = registered ? registered->ops->open(registered) : -1;
}

/* The same glue through the async runtime: calls suspend only their fiber,
 * and the domain's nested calls are served on other fibers meanwhile. */
static void test_demo_async(void **state)
{
    (void)state;
    registered = NULL;
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.module_path = test_module_path("idl_demo");
    struct cdn_domain *dom;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    assert_int_equal(cdn_domain_start(dom), CDN_OK);
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    struct cdn_glue *g;
    assert_int_equal(cdn_glue_create(CDN_GLUE_HOST, cdn_domain_ep(dom), &g), CDN_OK);
    demo_host_init(g);
    cdn_glue_set_async(g, rt);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(dom), demo_host_dispatch, g), CDN_OK);
    struct async_case c = {.g = g};
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    cdn_async_spawn(rt, async_fiber, &c);
    cdn_finish_end(rt, &f);
    assert_int_equal(c.probe, 0);
    assert_int_equal(c.open_ret, 1508);
    struct cdn_async_stats st;
    cdn_async_get_stats(rt, &st);
    assert_true(st.requests_served >= 8); /* the probe's calls into the host, on fibers */
    cdn_async_destroy(rt);
    cdn_glue_destroy(g);
    cdn_domain_destroy(dom);
    free(registered);
    registered = NULL;
}

static int bind_demo(struct cdn_glue *g, void *arg)
{
    (void)arg;
    demo_host_init(g);
    return demo_host_check(g);
}

/* Under a supervisor: the host keeps pointing at the ops table the dead
 * instance installed (a shadow of its glue). Calling through it fails with
 * the dead value instead of reaching freed memory, and passing the device
 * (whose ops are that shadow) to the new instance is refused, not sent as
 * if the new instance had made it. */
static void test_supervised_stale_objects(void **state)
{
    (void)state;
    registered = NULL;
    struct cdn_heap *heap;
    assert_int_equal(cdn_heap_create(0, &heap), CDN_OK);
    struct cdn_sup_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cdn_domain_config_init(&cfg.domain);
    cfg.domain.module_path = test_module_path("idl_demo");
    cfg.domain.heap = heap;
    cfg.policy.max_restarts = 2;
    cfg.policy.warm_spare = 1;
    cfg.bind = bind_demo;
    struct cdn_sup *sup;
    char why[256];
    if (cdn_sup_start(&cfg, &sup, why, sizeof why) != CDN_OK)
        fail_msg("start: %s", why);
    struct cdn_glue *g = cdn_sup_glue(sup);
    assert_int_equal(demo_call_demo_probe(g, 7), 0);
    assert_non_null(registered);
    struct device *dev = registered;
    assert_non_null(dev->ops);
    assert_true(dev->ops->open(dev) > 0); /* through the live instance */
    kill(cdn_domain_pid(cdn_sup_domain(sup)), SIGKILL);
    assert_int_equal(demo_call_demo_probe(g, 1), -5);
    g = cdn_sup_glue(sup);
    assert_non_null(g);
    assert_int_equal(dev->ops->open(dev), -5);               /* the retired glue: no crossing */
    assert_int_equal(demo_call_demo_kick(g, dev, 1), 12345); /* its ops: refused */
    assert_true(cdn_glue_last_error(g) != CDN_OK);
    registered = NULL;
    assert_int_equal(demo_call_demo_probe(g, 7), 0); /* the new instance works */
    assert_non_null(registered);
    cdn_sup_destroy(sup);
    free(dev);
    free(registered);
    registered = NULL;
    cdn_heap_destroy(heap);
}

static void test_demo_inproc(void **state)
{
    (void)state;
    run_demo(CDN_BACKEND_INPROC, &by_backend[0]);
    check_outcome(&by_backend[0]);
}

static void test_demo_process(void **state)
{
    (void)state;
    run_demo(CDN_BACKEND_PROCESS, &by_backend[1]);
    check_outcome(&by_backend[1]);
}

static void test_backends_agree(void **state)
{
    (void)state;
    assert_memory_equal(&by_backend[0], &by_backend[1], sizeof by_backend[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_demo_inproc),
        cmocka_unit_test(test_demo_process),
        cmocka_unit_test(test_backends_agree),
        cmocka_unit_test(test_demo_async),
        cmocka_unit_test(test_supervised_stale_objects),
    };
    return cmocka_run_group_tests_name("idl-e2e", tests, NULL, NULL);
}
