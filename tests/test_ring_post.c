/*
 * test_ring_post.c - the poster both data-path rings share
 * (kernel/core/ring_post.h) on its own, with the channel's post replaced
 * (the binary is linked with --wrap=cdn_glue_post): a batch posted in
 * messages as the table allows, a post that fails, a table with no free
 * slot, a wait for room that gives up, a nested flush, and a detach while
 * a post is in progress - the ring freed when the flush returns, never
 * before (ASan in `make test` would see it). Every object gathered ends in
 * the table or is given back, once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../kernel/core/core_impl.h"
#include "../kernel/core/ring_post.h"
#include "util.h"

struct test_desc {
    uint32_t id;
    uint32_t last;
};

struct test_ring {
    struct cdn_ring_post post; /* first, as in the real rings */
    struct {
        struct cdn_ring_batch_hdr hdr;
        struct test_desc d[CDN_RING_BATCH_MAX];
    } msg;
};

/* What the fake post saw and what it does. */
static struct {
    int posts;          /* messages posted */
    uint32_t described; /* descriptors in them */
    int fail_at;        /* post number (1-based) that fails, or 0 */
    int detach_at;      /* post number during which the ring is detached, or 0 */
    struct test_ring *ring;
    struct cdn_inflight *tab;
    int given_back[2 * CDN_RING_BATCH_MAX];
    int last_why;
    int before_status; /* what ops.before returns */
    int sealed;
} fake;

static char objs[2 * CDN_RING_BATCH_MAX];

static int index_of(const void *obj)
{
    return (int)((const char *)obj - objs);
}

static void give_back(struct cdn_ring_post *p, void *obj, int why)
{
    (void)p;
    fake.given_back[index_of(obj)]++;
    fake.last_why = why;
}

static void reclaim(void *obj, void *arg)
{
    give_back(arg, obj, CDN_EDEAD);
}

int __wrap_cdn_glue_post(struct cdn_glue *g, uint16_t rpc, const void *buf, uint32_t len);
int __wrap_cdn_glue_post(struct cdn_glue *g, uint16_t rpc, const void *buf, uint32_t len)
{
    (void)g;
    assert_int_equal(rpc, 0xfe02u);
    const struct cdn_ring_batch_hdr *hdr = buf;
    assert_int_equal(len, sizeof *hdr + hdr->count * sizeof(struct test_desc));
    assert_int_equal(hdr->ref, 77);
    const struct test_desc *d = (const void *)(hdr + 1);
    for (uint32_t i = 0; i < hdr->count; i++) /* consecutive numbers, in order */
        assert_ptr_equal(fake.tab->obj[(hdr->first_seq + i) % CDN_RING_SLOTS], &objs[d[i].id]);
    assert_int_equal(d[hdr->count - 1].last, 1);
    fake.posts++;
    fake.described += hdr->count;
    if (fake.posts == fake.detach_at) {
        /* the driver fails while we post: its reclaim hands back everything
         * in the table, and its device goes (and with it the ring) */
        cdn_inflight_drain(fake.tab, reclaim, &fake.ring->post);
        cdn_ring_post_detach(&fake.ring->post, give_back);
        fake.ring = NULL;
        return CDN_EDEAD;
    }
    return fake.posts == fake.fail_at ? CDN_EDEAD : CDN_OK;
}

static int before(struct cdn_ring_post *p, struct cdn_inflight *tab)
{
    (void)p;
    (void)tab;
    return fake.before_status;
}

static void describe(const struct cdn_ring_post *p, const void *obj, void *desc)
{
    (void)p;
    struct test_desc *d = desc;
    d->id = (uint32_t)index_of(obj);
    d->last = 0;
}

static void sealed(struct cdn_ring_post *p, void *descs, uint32_t k)
{
    (void)p;
    ((struct test_desc *)descs)[k - 1].last = 1;
    fake.sealed++;
}

static const struct cdn_ring_post_ops ops = {
    .rpc = 0xfe02u,
    .desc_size = sizeof(struct test_desc),
    .before = before,
    .describe = describe,
    .sealed = sealed,
    .give_back = give_back,
};

static struct cdn_driver drv;

static struct test_ring *new_ring(struct cdn_inflight *tab, int n)
{
    memset(&fake, 0, sizeof fake);
    struct test_ring *t = cdn_ring_post_new(&drv, 77, sizeof *t);
    assert_non_null(t);
    fake.ring = t;
    fake.tab = tab;
    for (int i = 0; i < n; i++)
        t->post.pending[t->post.npending++] = &objs[i];
    return t;
}

static void check_each_once(struct cdn_inflight *tab, int n)
{
    for (int i = 0; i < n; i++) {
        int in_table = 0;
        for (uint32_t s = 0; s < CDN_RING_SLOTS; s++)
            in_table += tab->obj[s] == &objs[i];
        if (in_table + fake.given_back[i] != 1)
            fail_msg("object %d: %d in the table, given back %d times", i, in_table,
                     fake.given_back[i]);
    }
}

static void setup_kernel(struct cdn_inflight *tab)
{
    assert_int_equal(cdn_kernel_init(4u << 20), 0);
    assert_int_equal(cdn_inflight_init(tab), CDN_OK);
    memset(&drv, 0, sizeof drv);
}

static void teardown_kernel(struct cdn_inflight *tab)
{
    cdn_inflight_free(tab);
    cdn_kernel_exit();
}

static void test_posted_whole(void **state)
{
    (void)state;
    struct cdn_inflight tab;
    setup_kernel(&tab);
    struct test_ring *t = new_ring(&tab, 40);
    int gone;
    assert_int_equal(cdn_ring_post_flush(&t->post, &tab, &ops, &t->msg, &gone), CDN_OK);
    assert_false(gone);
    assert_int_equal(fake.posts, 1);
    assert_int_equal(fake.described, 40);
    assert_int_equal(fake.sealed, 1);
    assert_int_equal(tab.live, 40);
    assert_int_equal(t->post.npending, 0);
    assert_false(t->post.busy);
    check_each_once(&tab, 40);
    /* nothing gathered: nothing posted */
    assert_int_equal(cdn_ring_post_flush(&t->post, &tab, &ops, &t->msg, &gone), CDN_OK);
    assert_int_equal(fake.posts, 1);
    /* a flush while one is posting leaves the batch for it */
    t->post.pending[t->post.npending++] = &objs[40];
    t->post.busy = 1;
    assert_int_equal(cdn_ring_post_flush(&t->post, &tab, &ops, &t->msg, &gone), CDN_OK);
    assert_int_equal(t->post.npending, 1);
    t->post.busy = 0;
    cdn_ring_post_detach(&t->post, give_back); /* the gathered one goes back */
    assert_int_equal(fake.given_back[40], 1);
    assert_int_equal(fake.last_why, CDN_EDEAD);
    teardown_kernel(&tab);
}

/* The table has room for fewer than the batch: as many messages as it
 * takes room, the rest given back as "no slot" (CDN_ELIMIT). */
static void test_table_full(void **state)
{
    (void)state;
    struct cdn_inflight tab;
    setup_kernel(&tab);
    static char held[CDN_RING_SLOTS];
    void *v[CDN_RING_SLOTS];
    for (uint32_t i = 0; i < CDN_RING_SLOTS - 10; i++)
        v[i] = &held[i];
    uint32_t first;
    assert_int_equal(cdn_inflight_post_run(&tab, v, CDN_RING_SLOTS - 10, &first),
                     CDN_RING_SLOTS - 10);
    struct test_ring *t = new_ring(&tab, 30);
    int gone;
    assert_int_equal(cdn_ring_post_flush(&t->post, &tab, &ops, &t->msg, &gone), CDN_ELIMIT);
    assert_false(gone);
    assert_int_equal(fake.described, 10);
    assert_int_equal(tab.live, CDN_RING_SLOTS);
    for (int i = 0; i < 30; i++)
        assert_int_equal(fake.given_back[i], i < 10 ? 0 : 1);
    assert_int_equal(fake.last_why, CDN_ELIMIT);
    check_each_once(&tab, 30);
    cdn_ring_post_detach(&t->post, give_back);
    teardown_kernel(&tab);
}

/* A post that fails: its numbers are taken back out of the table before
 * the flush returns, and everything not posted is given back. */
static void test_post_fails(void **state)
{
    (void)state;
    struct cdn_inflight tab;
    setup_kernel(&tab);
    struct test_ring *t = new_ring(&tab, 20);
    fake.fail_at = 1;
    int gone;
    assert_int_equal(cdn_ring_post_flush(&t->post, &tab, &ops, &t->msg, &gone), CDN_EDEAD);
    assert_false(gone);
    assert_int_equal(tab.live, 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(fake.given_back[i], 1);
    assert_int_equal(fake.last_why, CDN_EDEAD);
    assert_false(t->post.busy);
    /* before() says stop: nothing is posted, all given back with its reason */
    for (int i = 0; i < 5; i++)
        t->post.pending[t->post.npending++] = &objs[20 + i];
    fake.before_status = CDN_ETIMEDOUT;
    assert_int_equal(cdn_ring_post_flush(&t->post, &tab, &ops, &t->msg, &gone), CDN_ETIMEDOUT);
    assert_int_equal(fake.posts, 1);
    for (int i = 20; i < 25; i++)
        assert_int_equal(fake.given_back[i], 1);
    assert_int_equal(fake.last_why, CDN_ETIMEDOUT);
    cdn_ring_post_detach(&t->post, give_back);
    teardown_kernel(&tab);
}

/* The ring is detached while its post is in progress (the driver failed and
 * its device went): the detach only marks it; the flush frees it on the way
 * out and says so; each object is handed back once (by the reclaim). */
static void test_detached_during_post(void **state)
{
    (void)state;
    struct cdn_inflight tab;
    setup_kernel(&tab);
    struct test_ring *t = new_ring(&tab, 50);
    fake.detach_at = 1;
    int gone;
    int st = cdn_ring_post_flush(&t->post, &tab, &ops, &t->msg, &gone);
    assert_true(gone); /* t is freed: not touched again */
    assert_int_equal(st, CDN_EDEAD);
    assert_null(fake.ring);
    assert_int_equal(tab.live, 0);
    for (int i = 0; i < 50; i++)
        assert_int_equal(fake.given_back[i], 1);
    teardown_kernel(&tab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_posted_whole),
        cmocka_unit_test(test_table_full),
        cmocka_unit_test(test_post_fails),
        cmocka_unit_test(test_detached_during_post),
    };
    return cmocka_run_group_tests_name("ring-post", tests, NULL, NULL);
}
