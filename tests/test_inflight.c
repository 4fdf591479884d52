/*
 * test_inflight.c - the rings' in-flight table (kernel/core/inflight.c,
 * inflight.h) on its own: numbers handed out in order, a held slot skipped,
 * runs posted and taken back whole or in part, across the wrap of the
 * slots, numbers from the past and the future told apart, and a drain
 * that hands every object back once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/core/inflight.h"
#include "util.h"

static char objs[4 * CDN_RING_SLOTS]; /* distinct addresses to post */

static void *obj(int i)
{
    return &objs[i];
}

static void post_all(struct cdn_inflight *t, int from, uint32_t n, uint32_t *first)
{
    void *v[CDN_RING_SLOTS];
    for (uint32_t i = 0; i < n; i++)
        v[i] = obj(from + (int)i);
    assert_int_equal(cdn_inflight_post_run(t, v, n, first), n);
}

static void test_runs_in_order(void **state)
{
    (void)state;
    struct cdn_inflight t;
    assert_int_equal(cdn_inflight_init(&t), CDN_OK);
    uint32_t first, stale, forged;
    void *out[CDN_RING_SLOTS];
    /* many laps of the slots, in runs of 32 that do not divide evenly into
     * them (the table starts at 1): every run wraps now and then */
    uint32_t oldest = t.next_seq;
    for (int lap = 0; lap < 40; lap++) {
        post_all(&t, lap, 32, &first);
        if (t.live >= 96) {
            assert_int_equal(cdn_inflight_take_run(&t, oldest, 32, out, &stale, &forged), 32);
            assert_int_equal(stale + forged, 0);
            for (int i = 0; i < 32; i++)
                assert_ptr_equal(out[i], obj(lap - 2 + i));
            oldest += 32;
        }
    }
    assert_int_equal(t.live, 64);
    /* taken twice: from the past; never handed out: from the future */
    assert_int_equal(cdn_inflight_take_run(&t, oldest - 32, 32, out, &stale, &forged), 0);
    assert_int_equal(stale, 32);
    assert_int_equal(forged, 0);
    assert_int_equal(cdn_inflight_take_run(&t, t.next_seq, 4, out, &stale, &forged), 0);
    assert_int_equal(forged, 4);
    /* a run that reaches past the last number: the numbers in flight come
     * out, the rest are forged */
    assert_int_equal(cdn_inflight_take_run(&t, t.next_seq - 2, 4, out, &stale, &forged), 2);
    assert_int_equal(forged, 2);
    assert_int_equal(t.live, 62);
    cdn_inflight_free(&t);
}

static int drained;
static void count_drain(void *o, void *arg)
{
    (void)o;
    (void)arg;
    drained++;
}

static void test_held_slot_skipped(void **state)
{
    (void)state;
    struct cdn_inflight t;
    assert_int_equal(cdn_inflight_init(&t), CDN_OK);
    uint32_t first, stale, forged, held;
    void *out[CDN_RING_SLOTS];
    post_all(&t, 0, CDN_RING_SLOTS, &first);
    held = first + 10; /* the driver keeps this one */
    assert_int_equal(cdn_inflight_take_run(&t, first, 10, out, &stale, &forged), 10);
    assert_int_equal(cdn_inflight_take_run(&t, held + 1, CDN_RING_SLOTS - 11, out, &stale, &forged),
                     CDN_RING_SLOTS - 11);
    assert_int_equal(t.live, 1);
    /* full table minus one: a run stops before the held slot rather than
     * skip a number inside it */
    void *v[CDN_RING_SLOTS];
    for (uint32_t i = 0; i < CDN_RING_SLOTS; i++)
        v[i] = obj((int)(CDN_RING_SLOTS + i));
    uint32_t k = cdn_inflight_post_run(&t, v, 32, &first);
    assert_int_equal(k, 10); /* slots of numbers first..first+9, then the held one */
    uint32_t k2 = cdn_inflight_post_run(&t, v + k, 32, &first);
    assert_true(k2 > 0);
    assert_int_equal(first % CDN_RING_SLOTS, (held + 1) % CDN_RING_SLOTS); /* skipped over it */
    /* the held one still comes back under its own number, once */
    int past;
    assert_ptr_equal(cdn_inflight_take(&t, held, &past), obj(10));
    assert_null(cdn_inflight_take(&t, held, &past));
    assert_true(past);
    /* every slot held: nothing posts */
    drained = 0;
    assert_int_equal(cdn_inflight_drain(&t, count_drain, NULL), k + k2);
    assert_int_equal(drained, (int)(k + k2));
    assert_int_equal(t.live, 0);
    post_all(&t, 0, CDN_RING_SLOTS, &first);
    assert_int_equal(cdn_inflight_post_run(&t, v, 1, &first), 0);

    cdn_inflight_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_in_order),
        cmocka_unit_test(test_held_slot_skipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
