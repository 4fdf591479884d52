/*
 * test_watchdog.c - detection beyond call deadlines: the heartbeat watchdog
 * catches a domain stuck in module code with no call in flight (a one-way
 * request that never returns), a quiet but healthy domain is left alone, a
 * hung call ends with EDEAD long before its own deadline, and a memory cap
 * turns an allocation storm into a failed malloc inside the domain.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define MS  1000000LL
#define SEC 1000000000LL

static struct cdn_domain *start_echo(enum cdn_backend backend, enum cdn_wait_policy policy,
                                     int64_t heartbeat_ns, uint64_t memory_limit)
{
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = backend;
    cfg.module_path = test_module_path("echo");
    cfg.domain_policy = policy;
    cfg.heartbeat_timeout_ns = heartbeat_ns;
    cfg.memory_limit = memory_limit;
    struct cdn_domain *dom = NULL;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    assert_int_equal(cdn_domain_start(dom), CDN_OK);
    return dom;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A one-way request makes the domain spin forever; the host has no call in
 * flight, so only the heartbeat can notice. */
static void test_hang_between_calls(void **state)
{
    (void)state;
    struct cdn_domain *dom = start_echo(CDN_BACKEND_PROCESS, CDN_WAIT_SPIN, 100 * MS, 0);
    struct cdn_msg q;
    test_msg_u64(&q, 6, 0);
    q.flags = CDN_MSG_REQUEST | CDN_MSG_ONEWAY;
    q.call_id = 0;
    int64_t t0 = cdn_now_ns();
    assert_int_equal(cdn_ep_send(cdn_domain_ep(dom), &q, SEC), CDN_OK);
    while (cdn_domain_alive(dom) && cdn_now_ns() - t0 < 5 * SEC)
        sleep_ms(5);
    int64_t took = cdn_now_ns() - t0;
    assert_false(cdn_domain_alive(dom));
    assert_true(took >= 100 * MS && took < 2 * SEC);
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 2 * SEC), CDN_OK);
    assert_true(info.signaled);
    assert_int_equal(info.signo, SIGKILL);
    assert_true(info.killed_by_host);
    assert_true(strncmp(cdn_domain_reason(dom), "watchdog:", 9) == 0);
    /* the dead domain fails calls at once */
    struct cdn_msg a;
    test_msg_u64(&q, 1, 7);
    assert_int_equal(cdn_domain_call(dom, &q, &a, SEC), CDN_EDEAD);
    cdn_domain_destroy(dom);
}

/* A healthy domain with nothing to do for many timeouts keeps beating,
 * whether it spins or sleeps on the futex. */
static void test_quiet_domain_is_left_alone(void **state)
{
    (void)state;
    enum cdn_wait_policy pol[] = {CDN_WAIT_SPIN, CDN_WAIT_ADAPTIVE};
    for (int i = 0; i < 2; i++) {
        struct cdn_domain *dom = start_echo(CDN_BACKEND_PROCESS, pol[i], 30 * MS, 0);
        sleep_ms(300);
        assert_true(cdn_domain_alive(dom));
        struct cdn_msg q, a;
        test_msg_u64(&q, 2, 1);
        assert_int_equal(cdn_domain_call(dom, &q, &a, SEC), CDN_OK);
        assert_int_equal(test_get_u64(&a), 3);
        assert_string_equal(cdn_domain_reason(dom), "");
        cdn_domain_destroy(dom);
    }
}

/* Over the inproc backend the watchdog cannot kill a thread, but it marks
 * the channel dead, so the host stops waiting. */
static void test_hung_call_ends_before_its_deadline(void **state)
{
    (void)state;
    enum cdn_backend be[] = {CDN_BACKEND_PROCESS, CDN_BACKEND_INPROC};
    for (int i = 0; i < 2; i++) {
        struct cdn_domain *dom = start_echo(be[i], CDN_WAIT_SPIN, 100 * MS, 0);
        struct cdn_msg q, a;
        test_msg_u64(&q, 6, 0);
        int64_t t0 = cdn_now_ns();
        assert_int_equal(cdn_domain_call(dom, &q, &a, 20 * SEC), CDN_EDEAD);
        assert_true(cdn_now_ns() - t0 < 3 * SEC);
        assert_true(strncmp(cdn_domain_reason(dom), "watchdog:", 9) == 0);
        cdn_domain_destroy(dom);
    }
}

static void test_memory_limit_stops_a_storm(void **state)
{
    (void)state;
    struct cdn_domain *dom = start_echo(CDN_BACKEND_PROCESS, CDN_WAIT_SPIN, 0, 64ull << 20);
    struct cdn_msg q, a;
    test_msg_u64(&q, 9, 4); /* 4 MiB: within the cap */
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_OK);
    assert_int_equal(test_get_u64(&a), 1);
    test_msg_u64(&q, 9, 256); /* 256 MiB: refused inside the domain */
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_OK);
    assert_int_equal(test_get_u64(&a), 0);
    assert_true(cdn_domain_alive(dom)); /* and it carries on */
    test_msg_u64(&q, 2, 1);
    assert_int_equal(cdn_domain_call(dom, &q, &a, SEC), CDN_OK);
    cdn_domain_destroy(dom);
    /* without the cap the same storm succeeds: the test can tell the two apart */
    dom = start_echo(CDN_BACKEND_PROCESS, CDN_WAIT_SPIN, 0, CDN_DOMAIN_MEMORY_UNCAPPED);
    test_msg_u64(&q, 9, 256);
    assert_int_equal(cdn_domain_call(dom, &q, &a, 10 * SEC), CDN_OK);
    assert_int_equal(test_get_u64(&a), 1);
    cdn_domain_destroy(dom);
}

static void test_bad_memory_limit_refused(void **state)
{
    (void)state;
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.module_path = test_module_path("echo");
    struct cdn_domain *dom = NULL;
    cfg.memory_limit = 1000; /* below 1 MiB: the launcher could not even start */
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_EINVAL);
    cfg.memory_limit = 64ull << 20;
    cfg.backend = CDN_BACKEND_INPROC; /* shares the host's memory: no cap possible */
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_EINVAL);
    cfg.memory_limit = 0;
    cfg.backend = CDN_BACKEND_PROCESS;
    cfg.heartbeat_timeout_ns = -1;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hang_between_calls),
        cmocka_unit_test(test_quiet_domain_is_left_alone),
        cmocka_unit_test(test_memory_limit_stops_a_storm),
        cmocka_unit_test(test_bad_memory_limit_refused),
        /* last: its inproc case leaves a spinning thread behind (by design:
         * a thread cannot be killed), which would slow the tests after it */
        cmocka_unit_test(test_hung_call_ends_before_its_deadline),
    };
    return cmocka_run_group_tests_name("watchdog", tests, NULL, NULL);
}
