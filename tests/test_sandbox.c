/*
 * test_sandbox.c - what a process domain cannot take, whatever its module
 * does: memory beyond its cap through any kind of mapping, locked memory,
 * a privileged identity, writable code; and what the host is told when the
 * launcher refuses a module. Each test would pass on a sandbox without the
 * rule it names only if the rule were there: each checks the attack's
 * success path as well (uncapped, or the attack's own answer).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define SEC 1000000000LL

static struct cdn_domain *start_attacker(uint64_t memory_limit)
{
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.module_path = test_module_path("attacker");
    cfg.memory_limit = memory_limit;
    struct cdn_domain *dom = NULL;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    assert_int_equal(cdn_domain_start(dom), CDN_OK);
    return dom;
}

static uint64_t ask(struct cdn_domain *dom, uint16_t rpc, uint64_t arg)
{
    struct cdn_msg q, a;
    test_msg_u64(&q, rpc, arg);
    assert_int_equal(cdn_domain_call(dom, &q, &a, 20 * SEC), CDN_OK);
    return test_get_u64(&a);
}

/* Shared anonymous and MAP_NORESERVE memory counts against the cap: a
 * domain capped at 64 MiB cannot touch 1 GiB of either. */
static void test_cap_counts_every_mapping(void **state)
{
    (void)state;
    struct cdn_domain *dom = start_attacker(64ull << 20);
    assert_int_equal(ask(dom, 1, 32), 1);   /* within the cap */
    assert_int_equal(ask(dom, 1, 1024), 0); /* shared: refused */
    assert_int_equal(ask(dom, 2, 1024), 0); /* noreserve: refused */
    assert_true(cdn_domain_alive(dom));
    cdn_domain_destroy(dom);
    /* the default cap (no limit configured) holds too */
    dom = start_attacker(0);
    assert_int_equal(ask(dom, 1, 1024), 0);
    cdn_domain_destroy(dom);
    /* uncapped, the same attack succeeds: the test tells the two apart */
    dom = start_attacker(CDN_DOMAIN_MEMORY_UNCAPPED);
    assert_int_equal(ask(dom, 1, 512), 1);
    cdn_domain_destroy(dom);
}

/* MAP_LOCKED is refused by the filter: the domain dies by SIGSYS. */
static void test_no_locked_memory(void **state)
{
    (void)state;
    struct cdn_domain *dom = start_attacker(0);
    struct cdn_msg q, a;
    test_msg_u64(&q, 3, 64);
    assert_int_equal(cdn_domain_call(dom, &q, &a, 10 * SEC), CDN_EDEAD);
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 5 * SEC), CDN_OK);
    assert_true(info.signaled);
    assert_int_equal(info.signo, SIGSYS);
    cdn_domain_destroy(dom);
}

/* Checked from inside: no root identity, no capability in any set. */
static void test_unprivileged_identity(void **state)
{
    (void)state;
    struct cdn_domain *dom = start_attacker(0);
    struct cdn_msg q, a;
    test_msg_u64(&q, 4, 0);
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_OK);
    uint32_t w[10];
    assert_int_equal(a.inline_len, sizeof w);
    memcpy(w, a.data, sizeof w);
    for (int i = 0; i < 4; i++)
        assert_int_not_equal(w[i], 0); /* uid, euid, gid, egid */
    for (int i = 4; i < 10; i++)
        assert_int_equal(w[i], 0); /* every capability set, both words */
    if (geteuid() == 0)
        assert_int_equal(w[0], 65534); /* as root, the host drops it to nobody */
    cdn_domain_destroy(dom);
}

/* A segment that is writable and executable is refused before any module
 * code runs, and the host is told why. */
static void test_wx_segment_refused(void **state)
{
    (void)state;
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.module_path = test_module_path("wx");
    struct cdn_domain *dom = NULL;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    assert_int_equal(cdn_domain_start(dom), CDN_ELOAD);
    assert_non_null(strstr(cdn_domain_reason(dom), "writable and executable"));
    cdn_domain_destroy(dom);
}

/* A library outside the allowed set: refused with its name in the reason,
 * never a crash of the launcher. */
static void test_needed_library_refused_with_reason(void **state)
{
    (void)state;
    for (int spare = 0; spare < 2; spare++) {
        struct cdn_domain_config cfg;
        cdn_domain_config_init(&cfg);
        cfg.module_path = test_module_path("needs_libm");
        struct cdn_domain *dom = NULL;
        assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
        int r = spare ? cdn_domain_start_async(dom) : cdn_domain_start(dom);
        if (spare && r == CDN_OK)
            r = cdn_domain_start_finish(dom);
        assert_int_equal(r, CDN_ELOAD);
        const char *why = cdn_domain_reason(dom);
        assert_non_null(strstr(why, "libm.so"));
        assert_null(strstr(why, "SIGSEGV"));
        cdn_domain_destroy(dom);
    }
}

/* cdn_domain_stop says when it had to kill. */
static void test_stop_says_it_killed(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_msg q;
    test_msg_u64(&q, 6, 0); /* hang, one-way: no call in flight */
    q.flags = CDN_MSG_REQUEST | CDN_MSG_ONEWAY;
    assert_int_equal(cdn_ep_send(cdn_domain_ep(dom), &q, SEC), CDN_OK);
    assert_int_equal(cdn_domain_stop(dom, SEC / 5), CDN_ETIMEDOUT);
    assert_false(cdn_domain_alive(dom));
    assert_non_null(strstr(cdn_domain_reason(dom), "did not stop"));
    cdn_domain_destroy(dom);
    dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    assert_int_equal(cdn_domain_stop(dom, 5 * SEC), CDN_OK);
    cdn_domain_destroy(dom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_counts_every_mapping),
        cmocka_unit_test(test_no_locked_memory),
        cmocka_unit_test(test_unprivileged_identity),
        cmocka_unit_test(test_wx_segment_refused),
        cmocka_unit_test(test_needed_library_refused_with_reason),
        cmocka_unit_test(test_stop_says_it_killed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
