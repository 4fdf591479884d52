/* test_cap.c - capability tables: issue, resolve, revoke, and forgery. */
#include <stdlib.h>
#include <string.h>

#include "cordon/cap.h"
#include "util.h"

enum { T_NETDEV = 1, T_SKB = 2 };

static void test_insert_lookup_revoke(void **state)
{
    (void)state;
    struct cdn_cap_table *t;
    assert_int_equal(cdn_cap_create(8, &t), CDN_OK);
    int a = 1, b = 2;
    cdn_handle ha, hb;
    assert_int_equal(cdn_cap_insert(t, &a, T_NETDEV, &ha), CDN_OK);
    assert_int_equal(cdn_cap_insert(t, &b, T_SKB, &hb), CDN_OK);
    assert_int_equal(cdn_handle_type(ha), T_NETDEV);
    void *o;
    assert_int_equal(cdn_cap_lookup(t, ha, T_NETDEV, &o), CDN_OK);
    assert_ptr_equal(o, &a);
    assert_int_equal(cdn_cap_lookup(t, hb, T_SKB, &o), CDN_OK);
    assert_ptr_equal(o, &b);
    /* wrong type, both ways */
    assert_int_equal(cdn_cap_lookup(t, ha, T_SKB, &o), CDN_EBADH);
    /* a handle with the type bits rewritten to the other type */
    cdn_handle retyped = (ha & ~(0xffffull << 48)) | ((cdn_handle)T_SKB << 48);
    assert_int_equal(cdn_cap_lookup(t, retyped, T_SKB, &o), CDN_EBADH);
    /* revoke: stale afterwards, even once the slot is reused */
    assert_int_equal(cdn_cap_revoke(t, ha, T_NETDEV, &o), CDN_OK);
    assert_ptr_equal(o, &a);
    assert_int_equal(cdn_cap_lookup(t, ha, T_NETDEV, &o), CDN_EBADH);
    assert_int_equal(cdn_cap_revoke(t, ha, T_NETDEV, &o), CDN_EBADH);
    cdn_handle hc;
    assert_int_equal(cdn_cap_insert(t, &b, T_NETDEV, &hc), CDN_OK);
    assert_true(hc != ha);
    assert_int_equal(cdn_cap_lookup(t, ha, T_NETDEV, &o), CDN_EBADH);
    assert_int_equal(cdn_cap_lookup(t, CDN_HANDLE_NULL, T_NETDEV, &o), CDN_EBADH);
    struct cdn_cap_stats st;
    cdn_cap_get_stats(t, &st);
    assert_int_equal(st.live, 2);
    assert_int_equal(st.wrong_type, 1);
    assert_int_equal(st.forged, 2); /* retyped + null */
    assert_int_equal(st.stale, 3);
    cdn_cap_destroy(t);
}

static void test_full_and_revoke_all(void **state)
{
    (void)state;
    struct cdn_cap_table *t;
    assert_int_equal(cdn_cap_create(100, &t), CDN_OK);
    cdn_handle h[100];
    int objs[100];
    for (int i = 0; i < 100; i++)
        assert_int_equal(cdn_cap_insert(t, &objs[i], T_SKB, &h[i]), CDN_OK);
    cdn_handle extra;
    assert_int_equal(cdn_cap_insert(t, &objs[0], T_SKB, &extra), CDN_ELIMIT);
    assert_int_equal(cdn_cap_revoke_all(t, NULL, NULL), 100);
    void *o;
    for (int i = 0; i < 100; i++)
        assert_int_equal(cdn_cap_lookup(t, h[i], T_SKB, &o), CDN_EBADH);
    struct cdn_cap_stats st;
    cdn_cap_get_stats(t, &st);
    assert_int_equal(st.live, 0);
    assert_int_equal(cdn_cap_insert(t, &objs[0], T_SKB, &extra), CDN_OK);
    cdn_cap_destroy(t);
    assert_int_equal(cdn_cap_create(0, &t), CDN_EINVAL);
    assert_int_equal(cdn_cap_create(CDN_CAP_MAX_SLOTS, &t), CDN_EINVAL);
    cdn_cap_destroy(NULL);
}

/* Two domains' tables, full of objects of two types. A million random
 * 64-bit values, plus every live handle with one bit flipped: none may
 * resolve to an object of the other domain, and none to the wrong type. */
static void test_forgery(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct cdn_cap_table *ta, *tb;
    assert_int_equal(cdn_cap_create(N, &ta), CDN_OK);
    assert_int_equal(cdn_cap_create(N, &tb), CDN_OK);
    static int obj_a[N], obj_b[N];
    static cdn_handle ha[N];
    for (int i = 0; i < N; i++) {
        cdn_handle hb;
        assert_int_equal(cdn_cap_insert(ta, &obj_a[i], i % 2 ? T_SKB : T_NETDEV, &ha[i]), CDN_OK);
        assert_int_equal(cdn_cap_insert(tb, &obj_b[i], i % 2 ? T_SKB : T_NETDEV, &hb), CDN_OK);
    }
    uint64_t x = 0x243f6a8885a308d3ull;
    int hits = 0;
    for (int i = 0; i < 1000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        for (uint16_t type = T_NETDEV; type <= T_SKB; type++) {
            void *o;
            if (cdn_cap_lookup(ta, x, type, &o) == CDN_OK) {
                hits++;
                int k = (int)((int *)o - obj_a);
                assert_true(k >= 0 && k < N);                     /* domain A's own object */
                assert_int_equal(k % 2 ? T_SKB : T_NETDEV, type); /* of that type */
            }
        }
    }
    for (int i = 0; i < N; i++)
        for (int bit = 0; bit < 64; bit++) {
            void *o;
            cdn_handle f = ha[i] ^ (1ull << bit);
            uint16_t type = i % 2 ? T_SKB : T_NETDEV;
            if (cdn_cap_lookup(ta, f, type, &o) == CDN_OK) {
                int k = (int)((int *)o - obj_a);
                assert_true(k >= 0 && k < N);
                assert_int_equal(k % 2 ? T_SKB : T_NETDEV, type);
            }
            assert_int_not_equal(cdn_cap_lookup(tb, ha[i], type, &o) == CDN_OK &&
                                     o >= (void *)obj_a && o < (void *)(obj_a + N),
                                 1);
        }
    struct cdn_cap_stats st;
    cdn_cap_get_stats(ta, &st);
    assert_true(st.forged + st.stale + st.wrong_type >= 2000000 - (uint64_t)hits);
    cdn_cap_destroy(ta);
    cdn_cap_destroy(tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_lookup_revoke),
        cmocka_unit_test(test_full_and_revoke_all),
        cmocka_unit_test(test_forgery),
    };
    return cmocka_run_group_tests_name("cap", tests, NULL, NULL);
}
