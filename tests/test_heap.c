/*
 * test_heap.c - the shared heap: allocation, ownership rules, forged
 * references, a process domain writing objects it was handed, and reclaiming
 * everything a crashed domain owned.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>

#include "cordon/heap.h"
#include "util.h"

#define SEC 1000000000LL
enum { DOM_A = 1, DOM_B = 2 };

static void test_alloc_free_reuse(void **state)
{
    (void)state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(1u << 20, &h), CDN_OK);
    cdn_href r[100];
    void *p;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(cdn_heap_alloc(h, DOM_A, (size_t)(1 + i * 37), &r[i], &p), CDN_OK);
        memset(p, i, (size_t)(1 + i * 37)); /* whole object is usable */
    }
    for (int i = 0; i < 100; i++)
        for (int j = i + 1; j < 100; j++)
            assert_true(r[i] != r[j]);
    assert_int_equal(cdn_heap_owned_by(h, DOM_A), 100);
    for (int i = 0; i < 100; i++)
        assert_int_equal(cdn_heap_free(h, r[i], DOM_A), CDN_OK);
    struct cdn_heap_stats st;
    cdn_heap_get_stats(h, &st);
    assert_int_equal(st.live_objects, 0);
    assert_int_equal(st.live_bytes, 0);
    /* a freed reference stays dead even when its memory is reused */
    cdn_href again;
    assert_int_equal(cdn_heap_alloc(h, DOM_A, 1, &again, NULL), CDN_OK);
    assert_int_equal(cdn_heap_free(h, r[0], DOM_A), CDN_EBADH);
    assert_int_equal(cdn_heap_alloc(h, DOM_A, CDN_HEAP_MAX_OBJ + 1, &again, NULL), CDN_ETOOBIG);
    assert_int_equal(cdn_heap_alloc(h, 64, 8, &again, NULL), CDN_EINVAL);
    cdn_heap_destroy(h);
    assert_int_equal(cdn_heap_create(12345, &h), CDN_EINVAL);
    cdn_heap_destroy(NULL);
}

static void test_exhaustion(void **state)
{
    (void)state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(1u << 20, &h), CDN_OK);
    cdn_href r;
    int n = 0;
    while (cdn_heap_alloc(h, DOM_A, 4096, &r, NULL) == CDN_OK)
        n++;
    assert_int_equal(n, (1 << 20) / 4096);
    assert_int_equal(cdn_heap_alloc(h, DOM_A, 4096, &r, NULL), CDN_ENOMEM);
    cdn_heap_destroy(h);
}

static void test_ownership_rules(void **state)
{
    (void)state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(0, &h), CDN_OK);
    cdn_href r;
    assert_int_equal(cdn_heap_alloc(h, CDN_HEAP_HOST, 1500, &r, NULL), CDN_OK);
    /* only the owner may pass it on or free it */
    assert_int_equal(cdn_heap_move(h, r, DOM_A, DOM_B), CDN_EPERM);
    assert_int_equal(cdn_heap_free(h, r, DOM_A), CDN_EPERM);
    assert_int_equal(cdn_heap_move(h, r, CDN_HEAP_HOST, DOM_A), CDN_OK);
    assert_int_equal(cdn_heap_free(h, r, CDN_HEAP_HOST), CDN_EPERM);
    assert_int_equal(cdn_heap_access(h, r, CDN_HEAP_HOST, 1, NULL, NULL), CDN_EPERM);
    void *p;
    size_t len;
    assert_int_equal(cdn_heap_access(h, r, DOM_A, 1500, &p, &len), CDN_OK);
    assert_int_equal(len, 1500);
    assert_int_equal(cdn_heap_access(h, r, DOM_A, 1501, &p, &len), CDN_ETOOBIG);
    /* lent out: the owner can neither free nor move it */
    assert_int_equal(cdn_heap_lend(h, r, DOM_A, DOM_B), CDN_OK);
    assert_int_equal(cdn_heap_access(h, r, DOM_B, 10, &p, &len), CDN_OK);
    assert_int_equal(cdn_heap_free(h, r, DOM_A), CDN_EPERM);
    assert_int_equal(cdn_heap_move(h, r, DOM_A, CDN_HEAP_HOST), CDN_EPERM);
    assert_int_equal(cdn_heap_lend(h, r, DOM_B, DOM_B), CDN_EPERM); /* borrower can't re-lend */
    assert_int_equal(cdn_heap_return(h, r, DOM_A), CDN_EPERM);      /* owner never borrowed */
    assert_int_equal(cdn_heap_return(h, r, DOM_B), CDN_OK);
    assert_int_equal(cdn_heap_return(h, r, DOM_B), CDN_EPERM);
    assert_int_equal(cdn_heap_access(h, r, DOM_B, 1, NULL, NULL), CDN_EPERM);
    assert_int_equal(cdn_heap_free(h, r, DOM_A), CDN_OK);
    /* forged references: wrong generation, misaligned, out of range */
    cdn_href forged[] = {r, r ^ (1ull << 32), r + 1, r + 64, (cdn_href)1 << 40, 0xffffffffull};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++)
        assert_int_equal(cdn_heap_access(h, forged[i], DOM_A, 1, NULL, NULL), CDN_EBADH);
    struct cdn_heap_stats st;
    cdn_heap_get_stats(h, &st);
    assert_int_equal(st.violations, 11 + 6); /* 11 refusals above, 6 forgeries */
    cdn_heap_destroy(h);
}

/* The host takes back and frees an object whoever owns it, in one step,
 * but not while it is lent, and not through a stale reference. */
static void test_free_any(void **state)
{
    (void)state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(0, &h), CDN_OK);
    cdn_href r, q;
    assert_int_equal(cdn_heap_alloc(h, CDN_HEAP_HOST, 64, &r, NULL), CDN_OK);
    assert_int_equal(cdn_heap_alloc(h, CDN_HEAP_HOST, 64, &q, NULL), CDN_OK);
    assert_int_equal(cdn_heap_move(h, r, CDN_HEAP_HOST, DOM_A), CDN_OK);
    assert_int_equal(cdn_heap_owned_by(h, DOM_A), 1);
    assert_int_equal(cdn_heap_free_any(h, r), CDN_OK); /* a domain's: taken back */
    assert_int_equal(cdn_heap_owned_by(h, DOM_A), 0);
    assert_int_equal(cdn_heap_free_any(h, r), CDN_EBADH); /* stale now */
    assert_int_equal(cdn_heap_lend(h, q, CDN_HEAP_HOST, DOM_B), CDN_OK);
    assert_int_equal(cdn_heap_free_any(h, q), CDN_EPERM); /* lent out */
    assert_int_equal(cdn_heap_return(h, q, DOM_B), CDN_OK);
    assert_int_equal(cdn_heap_free_any(h, q), CDN_OK); /* the host's own */
    assert_int_equal(cdn_heap_free_any(NULL, q), CDN_EINVAL);
    struct cdn_heap_stats st;
    cdn_heap_get_stats(h, &st);
    assert_int_equal(st.live_objects, 0);
    assert_int_equal(st.frees, 2);
    assert_int_equal(st.violations, 2);
    cdn_heap_destroy(h);
}

/* The bulk form: the good refs in a batch are freed even when others in it
 * are stale, forged or lent; the first refusal is what it returns. */
static void test_free_any_bulk(void **state)
{
    (void)state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(0, &h), CDN_OK);
    cdn_href refs[6];
    for (int i = 0; i < 5; i++)
        assert_int_equal(cdn_heap_alloc(h, CDN_HEAP_HOST, 64, &refs[i], NULL), CDN_OK);
    assert_int_equal(cdn_heap_move(h, refs[1], CDN_HEAP_HOST, DOM_A), CDN_OK);
    assert_int_equal(cdn_heap_lend(h, refs[3], CDN_HEAP_HOST, DOM_B), CDN_OK);
    refs[5] = refs[0] ^ (1ull << 40); /* forged: a generation never given out */
    cdn_href batch[7] = {refs[0], refs[1], refs[2], refs[3], refs[0], refs[4], refs[5]};
    /* refs[3] is lent (EPERM, the first refusal), refs[0] comes twice */
    assert_int_equal(cdn_heap_free_any_bulk(h, batch, 7), CDN_EPERM);
    struct cdn_heap_stats st;
    cdn_heap_get_stats(h, &st);
    assert_int_equal(st.live_objects, 1); /* only the lent one is left */
    assert_int_equal(st.frees, 4);
    assert_int_equal(st.violations, 3);
    assert_int_equal(cdn_heap_owned_by(h, DOM_A), 0);
    assert_int_equal(cdn_heap_return(h, refs[3], DOM_B), CDN_OK);
    assert_int_equal(cdn_heap_free_any_bulk(h, &refs[3], 1), CDN_OK);
    assert_int_equal(cdn_heap_free_any_bulk(h, NULL, 0), CDN_OK);
    assert_int_equal(cdn_heap_free_any_bulk(h, NULL, 1), CDN_EINVAL);
    assert_int_equal(cdn_heap_free_any_bulk(NULL, refs, 1), CDN_EINVAL);
    cdn_heap_get_stats(h, &st);
    assert_int_equal(st.live_objects, 0);
    cdn_heap_destroy(h);
}

static void test_reclaim_counts(void **state)
{
    (void)state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(0, &h), CDN_OK);
    cdn_href mine[50], theirs, lent;
    for (int i = 0; i < 50; i++)
        assert_int_equal(cdn_heap_alloc(h, DOM_A, 64u << (i % 8), &mine[i], NULL), CDN_OK);
    assert_int_equal(cdn_heap_alloc(h, DOM_B, 100, &theirs, NULL), CDN_OK);
    assert_int_equal(cdn_heap_alloc(h, DOM_B, 100, &lent, NULL), CDN_OK);
    assert_int_equal(cdn_heap_lend(h, lent, DOM_B, DOM_A), CDN_OK);
    assert_int_equal(cdn_heap_reclaim(h, DOM_A), 50);
    assert_int_equal(cdn_heap_owned_by(h, DOM_A), 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(cdn_heap_access(h, mine[i], DOM_A, 1, NULL, NULL), CDN_EBADH);
    /* B's objects survive, and A's borrow is gone: B may free again */
    assert_int_equal(cdn_heap_owned_by(h, DOM_B), 2);
    assert_int_equal(cdn_heap_free(h, lent, DOM_B), CDN_OK);
    struct cdn_heap_stats st;
    cdn_heap_get_stats(h, &st);
    assert_int_equal(st.reclaimed, 50);
    assert_int_equal(st.live_objects, 1);
    cdn_heap_destroy(h);
}

/* A process domain gets the heap mapped; the host hands it an object by
 * reference, the domain fills it, the host sees the bytes. Then the domain
 * crashes and the host reclaims what it owned: nothing is left behind. */
static void test_domain_uses_heap_then_crashes(void **state)
{
    enum cdn_backend be = (enum cdn_backend)(uintptr_t)*state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(0, &h), CDN_OK);
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = be;
    cfg.module_path = test_module_path("echo");
    cfg.heap = h;
    struct cdn_domain *dom;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    assert_int_equal(cdn_domain_start(dom), CDN_OK);
    cdn_href r;
    uint8_t *p;
    assert_int_equal(cdn_heap_alloc(h, DOM_A, 4096, &r, (void **)&p), CDN_OK);
    memset(p, 1, 4096);
    struct cdn_msg q, a;
    test_msg_u64(&q, 8, r);
    uint64_t len = 4096, byte = 0xab;
    memcpy(q.data + 8, &len, 8);
    memcpy(q.data + 16, &byte, 8);
    q.inline_len = 24;
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_OK);
    assert_int_equal(test_get_u64(&a), 4096); /* it saw our bytes */
    for (int i = 0; i < 4096; i++)
        assert_int_equal(p[i], 0xab); /* we see its bytes */
    /* an out-of-heap reference is refused by the domain-side bounds check */
    test_msg_u64(&q, 8, cdn_heap_size(h) - 8);
    len = 64;
    memcpy(q.data + 8, &len, 8);
    q.inline_len = 24;
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_EINVAL);
    for (int i = 0; i < 20; i++)
        assert_int_equal(cdn_heap_alloc(h, DOM_A, 512, &r, NULL), CDN_OK);
    if (be == CDN_BACKEND_PROCESS) {
        test_msg_u64(&q, 3, 0); /* segfault */
        assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_EDEAD);
    } else {
        cdn_domain_kill(dom, "test");
    }
    assert_int_equal(cdn_domain_wait(dom, NULL, 5 * SEC), CDN_OK);
    assert_int_equal(cdn_heap_reclaim(h, DOM_A), 21);
    struct cdn_heap_stats st;
    cdn_heap_get_stats(h, &st);
    assert_int_equal(st.live_objects, 0);
    assert_int_equal(st.live_bytes, 0);
    cdn_domain_destroy(dom);
    cdn_heap_destroy(h);
}

static int setup_process(void **state)
{
    *state = (void *)(uintptr_t)CDN_BACKEND_PROCESS;
    return 0;
}

static int setup_inproc(void **state)
{
    *state = (void *)(uintptr_t)CDN_BACKEND_INPROC;
    return 0;
}

/* Pointers inside objects (and at their end) resolve to the object, by
 * its size class; an inner reference is checked like the object's, with
 * the room left from where it points. */
static void test_inner_references(void **state)
{
    (void)state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(0, &h), CDN_OK);
    cdn_href a, b;
    void *pa, *pb;
    assert_int_equal(cdn_heap_alloc(h, CDN_HEAP_HOST, 1000, &a, &pa), CDN_OK);
    assert_int_equal(cdn_heap_alloc(h, 1, 100, &b, &pb), CDN_OK);
    cdn_href r;
    size_t len, delta;
    assert_int_equal(cdn_heap_ref_within(h, (char *)pa + 300, &r, &len, &delta), CDN_OK);
    assert_true(r == a && len == 1000 && delta == 300);
    assert_int_equal(cdn_heap_ref_within(h, (char *)pa + 1000, &r, &len, &delta), CDN_OK);
    assert_true(r == a && delta == 1000); /* the end of a */
    assert_int_equal(cdn_heap_ref_within(h, (char *)pa + 1001, &r, &len, &delta), CDN_EBADH);
    void *p;
    assert_int_equal(cdn_heap_access_within(h, a + 300, CDN_HEAP_HOST, 700, &p), CDN_OK);
    assert_ptr_equal(p, (char *)pa + 300);
    assert_int_equal(cdn_heap_access_within(h, a + 300, CDN_HEAP_HOST, 701, &p), CDN_ETOOBIG);
    assert_int_equal(cdn_heap_access_within(h, a + 300, 1, 10, &p), CDN_EPERM); /* not 1's */
    assert_int_equal(cdn_heap_access_within(h, b + 50, 1, 50, &p), CDN_OK);
    /* a stale generation: the object freed and its place reused */
    assert_int_equal(cdn_heap_free(h, b, 1), CDN_OK);
    cdn_href b2;
    assert_int_equal(cdn_heap_alloc(h, 1, 100, &b2, &pb), CDN_OK);
    assert_int_equal(cdn_heap_access_within(h, b + 50, 1, 10, &p), CDN_EBADH);
    assert_int_equal(cdn_heap_access_within(h, b2 + 50, 1, 10, &p), CDN_OK);
    cdn_heap_destroy(h);
}

/* Objects over 64 KiB take whole chunks in a row: inner pointers anywhere
 * in them resolve to them, a freed span is reused by the next object of
 * its length, and reclaim finds them. */
static void test_large_objects(void **state)
{
    (void)state;
    struct cdn_heap *h;
    assert_int_equal(cdn_heap_create(0, &h), CDN_OK);
    cdn_href small, big, big2;
    void *ps, *pb, *pb2, *p;
    assert_int_equal(cdn_heap_alloc(h, CDN_HEAP_HOST, 100, &small, &ps), CDN_OK);
    assert_int_equal(cdn_heap_alloc(h, CDN_HEAP_HOST, 200000, &big, &pb), CDN_OK);
    memset(pb, 7, 200000); /* all of it is ours */
    cdn_href r;
    size_t len, delta;
    assert_int_equal(cdn_heap_ref_within(h, (char *)pb + 150000, &r, &len, &delta), CDN_OK);
    assert_true(r == big && len == 200000 && delta == 150000); /* in its third chunk */
    assert_int_equal(cdn_heap_access_within(h, big + 199999, CDN_HEAP_HOST, 1, &p), CDN_OK);
    assert_int_equal(cdn_heap_access_within(h, big + 199999, CDN_HEAP_HOST, 2, &p), CDN_ETOOBIG);
    assert_int_equal(cdn_heap_ref_within(h, (char *)pb + 200001, &r, &len, &delta), CDN_EBADH);
    assert_int_equal(cdn_heap_free(h, big, CDN_HEAP_HOST), CDN_OK);
    assert_int_equal(cdn_heap_alloc(h, 1, 199000, &big2, &pb2), CDN_OK);
    assert_ptr_equal(pb2, pb); /* the same span, a new generation */
    assert_true(big2 != big);
    assert_int_equal(cdn_heap_access_within(h, big + 10, CDN_HEAP_HOST, 1, &p), CDN_EBADH);
    assert_int_equal(cdn_heap_reclaim(h, 1), 1);
    assert_int_equal(cdn_heap_alloc(h, 1, CDN_HEAP_MAX_OBJ, &big, &pb),
                     CDN_ENOMEM); /* 16 MiB heap */
    cdn_heap_destroy(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_free_reuse),
        cmocka_unit_test(test_inner_references),
        cmocka_unit_test(test_large_objects),
        cmocka_unit_test(test_exhaustion),
        cmocka_unit_test(test_ownership_rules),
        cmocka_unit_test(test_free_any),
        cmocka_unit_test(test_free_any_bulk),
        cmocka_unit_test(test_reclaim_counts),
        cmocka_unit_test_setup(test_domain_uses_heap_then_crashes, setup_process),
        cmocka_unit_test_setup(test_domain_uses_heap_then_crashes, setup_inproc),
    };
    return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
