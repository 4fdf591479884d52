/* test_ring.c - endpoints over one region inside one process: ordering,
 * wraparound, full and empty rings, extension payloads, and corruption. */
#include <pthread.h>
#include <string.h>

#include "util.h"

struct pair {
    struct cdn_region region;
    struct cdn_ep *host, *dom;
};

static void pair_open(struct pair *p, uint32_t slots, uint32_t ext, enum cdn_wait_policy pol)
{
    struct cdn_chan_geometry g = {.ring_slots = slots, .ext_slot_size = ext};
    assert_int_equal(cdn_region_create(&g, &p->region), CDN_OK);
    assert_int_equal(cdn_ep_create(&p->region, CDN_SIDE_HOST, pol, &p->host), CDN_OK);
    assert_int_equal(cdn_ep_create(&p->region, CDN_SIDE_DOMAIN, pol, &p->dom), CDN_OK);
}

static void pair_close(struct pair *p)
{
    cdn_ep_destroy(p->host);
    cdn_ep_destroy(p->dom);
    cdn_region_release(&p->region);
}

static void req(struct cdn_msg *m, uint64_t v)
{
    test_msg_u64(m, 1, v);
    m->flags = CDN_MSG_REQUEST;
}

static void test_empty_and_full(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 4, 0, CDN_WAIT_SPIN);
    struct cdn_msg m;
    assert_int_equal(cdn_ep_recv(p.dom, &m, 0), CDN_EAGAIN);
    for (uint64_t i = 0; i < 4; i++) {
        req(&m, i);
        assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_OK);
    }
    req(&m, 99);
    assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_EAGAIN);
    assert_int_equal(cdn_ep_send(p.host, &m, 1000000), CDN_ETIMEDOUT);
    /* The consumer sends nothing back (no acks), so it releases explicitly,
     * in batches of half a ring: after one receive the ring is still full,
     * after two, two slots are free. */
    assert_int_equal(cdn_ep_recv(p.dom, &m, 0), CDN_OK);
    assert_int_equal(test_get_u64(&m), 0);
    assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_EAGAIN);
    assert_int_equal(cdn_ep_recv(p.dom, &m, 0), CDN_OK);
    req(&m, 4);
    assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_OK);
    req(&m, 5);
    assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_OK);
    assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_EAGAIN);
    assert_false(cdn_ep_broken(p.host));
    assert_false(cdn_ep_broken(p.dom));
    pair_close(&p);
}

static void test_wraparound_order(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 8, 0, CDN_WAIT_SPIN);
    struct cdn_msg m;
    uint64_t sent = 0, got = 0;
    /* Uneven bursts so positions wrap at every offset of the ring. */
    for (int round = 0; round < 5000; round++) {
        int burst = 1 + round % 8;
        for (int i = 0; i < burst; i++) {
            req(&m, sent);
            if (cdn_ep_send(p.host, &m, 0) != CDN_OK)
                break;
            sent++;
        }
        while (got < sent) {
            assert_int_equal(cdn_ep_recv(p.dom, &m, 0), CDN_OK);
            assert_int_equal(test_get_u64(&m), got);
            got++;
        }
    }
    assert_true(sent > 8 * 1000);
    struct cdn_ep_stats st;
    cdn_ep_get_stats(p.dom, &st);
    assert_int_equal(st.received, sent);
    assert_int_equal(st.protocol_errors, 0);
    pair_close(&p);
}

static void test_ext_payload(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 4, 1024, CDN_WAIT_SPIN);
    uint8_t big[1024], over[1025];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    struct cdn_msg m, out;
    for (int k = 0; k < 10; k++) {
        req(&m, (uint64_t)k);
        m.ext = big;
        m.ext_len = (uint32_t)(sizeof big - (size_t)k * 50);
        assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_OK);
        assert_int_equal(cdn_ep_recv(p.dom, &out, 0), CDN_OK);
        assert_int_equal(out.ext_len, m.ext_len);
        assert_memory_equal(out.ext, big, out.ext_len);
    }
    req(&m, 0);
    m.ext = over;
    m.ext_len = sizeof over;
    assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_ETOOBIG);
    pair_close(&p);
}

static void test_corrupt_sequence(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 4, 0, CDN_WAIT_SPIN);
    struct cdn_msg m;
    /* The host's receive ring is ring 1, right after ring 0. */
    uint8_t *ring1 = (uint8_t *)p.region.base + 4096 + 4 * 64;
    uint32_t bogus = 12345;
    memcpy(ring1, &bogus, 4);
    assert_int_equal(cdn_ep_recv(p.host, &m, 0), CDN_EPROTO);
    assert_true(cdn_ep_broken(p.host));
    assert_non_null(strstr(cdn_ep_violation(p.host), "impossible sequence"));
    /* Broken stays broken. */
    assert_int_equal(cdn_ep_recv(p.host, &m, 0), CDN_EPROTO);
    req(&m, 1);
    assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_EPROTO);
    pair_close(&p);
}

static void test_forged_full_slot(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 4, 64, CDN_WAIT_SPIN);
    uint8_t *slot = (uint8_t *)p.region.base + 4096 + 4 * 64;
    /* Mark slot 0 of ring 1 full with a header claiming a huge extension. */
    memset(slot, 0, 64);
    uint32_t seq = 1, ext = 1u << 30;
    memcpy(slot, &seq, 4);
    slot[18] = CDN_MSG_REPLY | CDN_MSG_EXT;
    memcpy(slot + 12, &ext, 4);
    struct cdn_msg m;
    assert_int_equal(cdn_ep_recv(p.host, &m, 0), CDN_EPROTO);
    assert_non_null(strstr(cdn_ep_violation(p.host), "malformed"));
    pair_close(&p);
}

/* A peer that acknowledges messages it was never sent. */
static void test_forged_ack(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 4, 0, CDN_WAIT_SPIN);
    struct cdn_msg m;
    memset(&m, 0, sizeof m);
    m.flags = CDN_MSG_REPLY;
    assert_int_equal(cdn_ep_send(p.dom, &m, 0), CDN_OK); /* honest: ack 0 */
    assert_int_equal(cdn_ep_recv(p.host, &m, 0), CDN_OK);
    uint8_t *slot = (uint8_t *)p.region.base + 4096 + 4 * 64 + 64; /* ring 1, slot 1 */
    memset(slot + 4, 0, 60);
    uint32_t ack = 3, seq = 2;
    memcpy(slot + 4, &ack, 4);
    slot[18] = CDN_MSG_REPLY;
    memcpy(slot, &seq, 4);
    assert_int_equal(cdn_ep_recv(p.host, &m, 0), CDN_EPROTO);
    assert_non_null(strstr(cdn_ep_violation(p.host), "ack beyond"));
    pair_close(&p);
}

/* Request/reply with acks: after a warm-up lap no consumer ever writes a
 * slot, and a long run still never stalls for want of a release. */
static void test_acks_keep_ring_flowing(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 2, 0, CDN_WAIT_SPIN);
    struct cdn_msg m;
    for (uint64_t i = 0; i < 10000; i++) {
        req(&m, i);
        assert_int_equal(cdn_ep_send(p.host, &m, 0), CDN_OK);
        assert_int_equal(cdn_ep_recv(p.dom, &m, 0), CDN_OK);
        m.flags = CDN_MSG_REPLY;
        assert_int_equal(cdn_ep_send(p.dom, &m, 0), CDN_OK);
        assert_int_equal(cdn_ep_recv(p.host, &m, 0), CDN_OK);
        assert_int_equal(test_get_u64(&m), i);
    }
    pair_close(&p);
}

struct echo_arg {
    struct cdn_ep *ep;
    uint64_t n;
};

static void *echo_thread(void *a)
{
    struct echo_arg *e = a;
    struct cdn_msg m;
    for (uint64_t i = 0; i < e->n; i++) {
        if (cdn_ep_recv(e->ep, &m, 5000000000LL) != CDN_OK)
            return (void *)1;
        m.flags = CDN_MSG_REPLY;
        if (cdn_ep_send(e->ep, &m, 5000000000LL) != CDN_OK)
            return (void *)1;
    }
    return NULL;
}

/* Two threads with the adaptive policy: they sleep and wake each other, and
 * nothing is lost to a missed wake-up. */
static void test_adaptive_threads(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 4, 0, CDN_WAIT_ADAPTIVE);
    struct echo_arg e = {.ep = p.dom, .n = 20000};
    pthread_t t;
    pthread_create(&t, NULL, echo_thread, &e);
    struct cdn_msg m;
    for (uint64_t i = 0; i < e.n; i++) {
        req(&m, i);
        assert_int_equal(cdn_ep_send(p.host, &m, 5000000000LL), CDN_OK);
        assert_int_equal(cdn_ep_recv(p.host, &m, 5000000000LL), CDN_OK);
        assert_int_equal(test_get_u64(&m), i);
    }
    void *rv;
    pthread_join(t, &rv);
    assert_null(rv);
    pair_close(&p);
}

static void test_mark_dead(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 4, 0, CDN_WAIT_ADAPTIVE);
    cdn_ep_mark_dead(p.host);
    struct cdn_msg m;
    int64_t t0 = cdn_now_ns();
    assert_int_equal(cdn_ep_recv(p.host, &m, 10000000000LL), CDN_EDEAD);
    assert_true(cdn_now_ns() - t0 < 1000000000LL);
    pair_close(&p);
}

/* cdn_ep_wait_readable sleeps once: a quiet channel gives CDN_EAGAIN (a
 * thread with other work to look at gets back to it), not the whole
 * timeout; a message that is there gives CDN_OK, and is still there. */
static void test_wait_readable_sleeps_once(void **state)
{
    (void)state;
    struct pair p;
    pair_open(&p, 4, 0, CDN_WAIT_ADAPTIVE);
    assert_int_equal(cdn_ep_wait_readable(p.host, 10000000000LL), CDN_EAGAIN);
    struct cdn_msg m;
    req(&m, 7);
    assert_int_equal(cdn_ep_send(p.dom, &m, 0), CDN_OK);
    assert_int_equal(cdn_ep_wait_readable(p.host, 10000000000LL), CDN_OK);
    assert_int_equal(cdn_ep_recv(p.host, &m, 0), CDN_OK);
    assert_int_equal(test_get_u64(&m), 7);
    pair_close(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_full),
        cmocka_unit_test(test_wraparound_order),
        cmocka_unit_test(test_ext_payload),
        cmocka_unit_test(test_corrupt_sequence),
        cmocka_unit_test(test_forged_full_slot),
        cmocka_unit_test(test_adaptive_threads),
        cmocka_unit_test(test_mark_dead),
        cmocka_unit_test(test_wait_readable_sleeps_once),
        cmocka_unit_test(test_forged_ack),
        cmocka_unit_test(test_acks_keep_ring_flowing),
    };
    return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
