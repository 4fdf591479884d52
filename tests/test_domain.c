/*
 * test_domain.c - domains end to end: lifecycle, a million ordered messages
 * across processes, nested calls, the sandbox, crashes and hangs in the
 * middle of calls, a hostile module, and unloadable modules. Most tests run
 * over both backends.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define SEC 1000000000LL

static enum cdn_backend backend_of(void **state)
{
    return (enum cdn_backend)(uintptr_t)*state;
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

static void stop_ok(struct cdn_domain *dom)
{
    assert_int_equal(cdn_domain_stop(dom, 5 * SEC), CDN_OK);
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 0), CDN_OK);
    assert_true(info.exited);
    assert_int_equal(info.code, 0);
    cdn_domain_destroy(dom);
}

static void test_lifecycle_echo(void **state)
{
    struct cdn_domain *dom = test_start(backend_of(state), "echo", "", CDN_WAIT_SPIN);
    assert_true(cdn_domain_alive(dom));
    struct cdn_msg q, a;
    test_msg_u64(&q, 1, 0x1122334455667788ull);
    uint8_t ext[3000];
    for (size_t i = 0; i < sizeof ext; i++)
        ext[i] = (uint8_t)(i ^ 0x5a);
    q.ext = ext;
    q.ext_len = sizeof ext;
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_OK);
    assert_int_equal(test_get_u64(&a), 0x1122334455667788ull);
    assert_int_equal(a.ext_len, sizeof ext);
    assert_memory_equal(a.ext, ext, sizeof ext);
    /* An rpc the module does not know: a clean error, the domain lives on. */
    test_msg_u64(&q, 42, 0);
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_ENOENT);
    assert_true(cdn_domain_alive(dom));
    /* Reserved control ids are not for callers. */
    test_msg_u64(&q, CDN_RPC_STOP, 0);
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_EINVAL);
    stop_ok(dom);
}

/* 10^6 messages, pipelined 16 deep, each checked in order on both sides. */
static void test_million_in_order(void **state)
{
    struct cdn_domain *dom = test_start(backend_of(state), "echo", "", CDN_WAIT_SPIN);
    struct cdn_ep *ep = cdn_domain_ep(dom);
    const uint64_t total = 1000000, depth = 16;
    uint64_t sent = 0, got = 0;
    struct cdn_msg q, a;
    while (got < total) {
        while (sent < total && sent - got < depth) {
            test_msg_u64(&q, 2, sent + 1);
            q.flags = CDN_MSG_REQUEST;
            q.call_id = (uint32_t)(sent + 1);
            assert_int_equal(cdn_ep_send(ep, &q, 5 * SEC), CDN_OK);
            sent++;
        }
        assert_int_equal(cdn_ep_recv(ep, &a, 5 * SEC), CDN_OK);
        got++;
        assert_int_equal(a.flags, CDN_MSG_REPLY); /* no error: domain saw no gap */
        assert_int_equal(a.call_id, (uint32_t)got);
        assert_int_equal(test_get_u64(&a), got * 3);
    }
    struct cdn_ep_stats st;
    cdn_ep_get_stats(ep, &st);
    assert_int_equal(st.received, total + 1); /* + HELLO */
    assert_int_equal(st.protocol_errors, 0);
    stop_ok(dom);
}

struct host_ctx {
    struct cdn_domain *dom;
    int calls;
};

/* Host rpc 100: data = (x, depth). Answers x*2 at depth 0, else calls the
 * domain's rpc 5 with (x+1, depth-1) and passes its answer on. */
static int host_handler(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    struct host_ctx *h = arg;
    h->calls++;
    if (req->rpc_id != 100)
        return CDN_ENOENT;
    uint64_t x, d;
    memcpy(&x, req->data, 8);
    memcpy(&d, req->data + 8, 8);
    uint64_t out = x * 2;
    if (d > 0) {
        struct cdn_msg q, a;
        test_msg_u64(&q, 5, x + 1);
        uint64_t nd = d - 1;
        memcpy(q.data + 8, &nd, 8);
        q.inline_len = 16;
        int r = cdn_ep_call(cdn_domain_ep(h->dom), &q, &a, host_handler, h, 5 * SEC);
        if (r != CDN_OK)
            return r;
        out = test_get_u64(&a);
    }
    memcpy(rep->data, &out, 8);
    rep->inline_len = 8;
    return CDN_OK;
}

static void test_nested_calls(void **state)
{
    struct cdn_domain *dom = test_start(backend_of(state), "echo", "", CDN_WAIT_SPIN);
    struct host_ctx h = {.dom = dom};
    cdn_domain_set_handler(dom, host_handler, &h);
    /* host -> domain(5) -> host(100) -> domain(5) -> ... depth 4 each way. */
    struct cdn_msg q, a;
    test_msg_u64(&q, 5, 10);
    uint64_t depth = 4;
    memcpy(q.data + 8, &depth, 8);
    q.inline_len = 16;
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_OK);
    /* Each domain level adds 1 and passes x+1 down; the innermost host level
     * doubles: x=10 -> host x=10 d=4 -> dom x=11 -> host x=11 d=3 -> ... */
    assert_int_equal(h.calls, 5);
    assert_int_equal(test_get_u64(&a), (10 + 4) * 2 + 5);
    stop_ok(dom);
}

static void expect_death_mid_call(void **state, uint16_t rpc, int want_signal, int want_code)
{
    struct cdn_domain *dom = test_start(backend_of(state), "echo", "", CDN_WAIT_ADAPTIVE);
    struct cdn_msg q, a;
    test_msg_u64(&q, rpc, 0);
    int64_t t0 = cdn_now_ns();
    assert_int_equal(cdn_domain_call(dom, &q, &a, 30 * SEC), CDN_EDEAD);
    assert_true(cdn_now_ns() - t0 < 2 * SEC); /* noticed promptly, not at the deadline */
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 5 * SEC), CDN_OK);
    if (want_signal) {
        assert_true(info.signaled);
        assert_int_equal(info.signo, want_signal);
    } else {
        assert_true(info.exited);
        assert_int_equal(info.code, want_code);
    }
    assert_false(cdn_domain_alive(dom));
    assert_int_equal(cdn_domain_call(dom, &q, &a, SEC), CDN_EDEAD);
    cdn_domain_destroy(dom);
}

static void test_segfault_mid_call(void **state)
{
    expect_death_mid_call(state, 3, SIGSEGV, 0);
}

static void test_exit_mid_call(void **state)
{
    expect_death_mid_call(state, 4, 0, 3);
}

static void test_abort_mid_call(void **state)
{
    expect_death_mid_call(state, 7, SIGABRT, 0);
}

/* A host that only posts never waits in the channel, so nobody of its own
 * polls the pidfd: the domain's monitor thread must mark the endpoint dead
 * by itself, soon after the child dies, and a ratelimited look must not be
 * needed for it. */
static void test_monitor_marks_death(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_ep *ep = cdn_domain_ep(dom);
    assert_false(cdn_ep_marked_dead(ep));
    usleep(20000);
    assert_false(cdn_ep_marked_dead(ep)); /* alive and quiet: left alone */
    assert_int_equal(kill(cdn_domain_pid(dom), SIGKILL), 0);
    int64_t t0 = cdn_now_ns();
    while (!cdn_ep_marked_dead(ep) && cdn_now_ns() - t0 < 2 * SEC)
        usleep(50);
    assert_true(cdn_ep_marked_dead(ep));
    fprintf(stderr, "monitor marked the death after %.3f ms\n", (double)(cdn_now_ns() - t0) / 1e6);
    struct cdn_msg q;
    test_msg_u64(&q, 1, 0);
    assert_int_equal(cdn_ep_send(ep, &q, 0), CDN_EDEAD); /* a post sees it at once */
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 5 * SEC), CDN_OK);
    assert_true(info.signaled);
    cdn_domain_destroy(dom);
}

/* The rate limit of those looks: due on the first call, then once the
 * coarse clock moves or after `every` calls. */
static void test_ratelimit(void **state)
{
    (void)state;
    for (int tries = 0; tries < 100; tries++) {
        struct cdn_ratelimit r = {0, 0};
        assert_true(cdn_ratelimit_due(&r, 4)); /* the first call looks */
        int64_t first = r.at;
        int d[4];
        for (int i = 0; i < 4; i++)
            d[i] = cdn_ratelimit_due(&r, 4);
        if (cdn_coarse_ns() != first)
            continue; /* a tick passed meanwhile: try again */
        /* within one tick: the 4th call after a look is the next look */
        assert_int_equal(d[0] + d[1] + d[2], 0);
        assert_int_equal(d[3], 1);
        /* the clock moves: due at once, however few the calls */
        int64_t t = cdn_coarse_ns();
        while (cdn_coarse_ns() == t)
            usleep(100);
        assert_true(cdn_ratelimit_due(&r, 1000000));
        return;
    }
    fail_msg("the coarse clock ticked during every try");
}

static void test_hang_times_out(void **state)
{
    struct cdn_domain *dom = test_start(backend_of(state), "echo", "", CDN_WAIT_SPIN);
    struct cdn_msg q, a;
    test_msg_u64(&q, 6, 0);
    int64_t t0 = cdn_now_ns();
    assert_int_equal(cdn_domain_call(dom, &q, &a, SEC / 5), CDN_ETIMEDOUT);
    int64_t took = cdn_now_ns() - t0;
    assert_true(took >= SEC / 5 && took < 2 * SEC);
    assert_int_equal(cdn_domain_kill(dom, "hung"), CDN_OK);
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 5 * SEC), CDN_OK);
    assert_true(info.signaled);
    assert_int_equal(info.signo, SIGKILL);
    assert_true(info.killed_by_host);
    assert_string_equal(cdn_domain_reason(dom), "hung");
    cdn_domain_destroy(dom);
}

static void expect_sigsys(const char *module, const char *arg, int fails_start)
{
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.module_path = test_module_path(module);
    cfg.module_arg = arg;
    struct cdn_domain *dom;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    int r = cdn_domain_start(dom);
    if (fails_start) {
        assert_int_equal(r, CDN_ELOAD);
        assert_non_null(strstr(cdn_domain_reason(dom), "SIGSYS"));
    } else {
        assert_int_equal(r, CDN_OK);
    }
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 5 * SEC), CDN_OK);
    assert_true(info.signaled);
    assert_int_equal(info.signo, SIGSYS);
    char buf[128];
    assert_non_null(strstr(cdn_exit_describe(&info, buf, sizeof buf), "seccomp"));
    cdn_domain_destroy(dom);
}

static void test_seccomp_open(void **state)
{
    (void)state;
    expect_sigsys("echo", "open", 0);
}

static void test_seccomp_socket(void **state)
{
    (void)state;
    expect_sigsys("echo", "socket", 0);
}

static void test_seccomp_constructor(void **state)
{
    (void)state;
    expect_sigsys("ctor_open", "", 1);
}

/* The module overwrites its whole channel region with garbage, forever. The
 * host must see a protocol error (or a timeout if the garbage happens to look
 * idle), kill the domain, and never crash; ASan checks it reads nothing out
 * of bounds. */
static void test_hostile_scribbler(void **state)
{
    for (int round = 0; round < 20; round++) {
        struct cdn_domain *dom;
        struct cdn_domain_config cfg;
        cdn_domain_config_init(&cfg);
        cfg.backend = backend_of(state);
        cfg.module_path = test_module_path("hostile");
        cfg.module_arg = "scribble";
        cfg.start_timeout_ns = SEC;
        assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
        int r = cdn_domain_start(dom);
        if (r == CDN_OK) {
            /* The HELLO went through before the scribbling began. */
            struct cdn_msg q, a;
            for (int i = 0; i < 50 && r == CDN_OK; i++) {
                test_msg_u64(&q, 1, (uint64_t)i);
                r = cdn_domain_call(dom, &q, &a, SEC / 10);
            }
        }
        assert_true(r == CDN_EPROTO || r == CDN_ETIMEDOUT || r == CDN_EDEAD);
        if (r == CDN_EPROTO)
            assert_true(cdn_ep_broken(cdn_domain_ep(dom)));
        cdn_domain_destroy(dom);
    }
}

static void test_hostile_bad_replies(void **state)
{
    struct cdn_domain *dom = test_start(backend_of(state), "hostile", "badmsg", CDN_WAIT_SPIN);
    struct cdn_msg q, a;
    test_msg_u64(&q, 1, 1);
    assert_int_equal(cdn_domain_call(dom, &q, &a, 5 * SEC), CDN_EPROTO);
    assert_non_null(strstr(cdn_domain_reason(dom), "not outstanding"));
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 5 * SEC), CDN_OK);
    assert_true(info.killed_by_host);
    cdn_domain_destroy(dom);
}

static void test_hostile_sequence_words(void **state)
{
    struct cdn_domain *dom = test_start(backend_of(state), "hostile", "seq", CDN_WAIT_SPIN);
    struct cdn_msg q, a;
    int r = CDN_OK;
    /* Once the module has corrupted the ring, the host's next receive sees it. */
    for (int i = 0; i < 100 && r != CDN_EPROTO; i++) {
        test_msg_u64(&q, 1, 1);
        r = cdn_domain_call(dom, &q, &a, SEC / 20);
        assert_true(r == CDN_ETIMEDOUT || r == CDN_EPROTO);
    }
    assert_int_equal(r, CDN_EPROTO);
    assert_non_null(strstr(cdn_domain_reason(dom), "impossible sequence"));
    cdn_domain_destroy(dom);
}

static void test_bad_module_file(void **state)
{
    char path[] = "/tmp/cordon-badmod-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not an ELF file at all", 22), 22);
    close(fd);
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = backend_of(state);
    cfg.module_path = path;
    struct cdn_domain *dom;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    assert_int_equal(cdn_domain_start(dom), CDN_ELOAD);
    assert_true(strlen(cdn_domain_reason(dom)) > 0);
    cdn_domain_destroy(dom);
    unlink(path);

    cfg.module_path = "/nonexistent/module.so";
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    assert_int_equal(cdn_domain_start(dom), CDN_ELOAD);
    cdn_domain_destroy(dom);
}

static void test_config_errors(void **state)
{
    (void)state;
    struct cdn_domain_config cfg;
    struct cdn_domain *dom;
    cdn_domain_config_init(&cfg);
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_EINVAL); /* no module */
    cfg.module_path = test_module_path("echo");
    cfg.geometry.ring_slots = 3;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_EINVAL);
    cfg.geometry.ring_slots = 8;
    cfg.cpu = -5;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_EINVAL);
    cfg.cpu = 1;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    struct cdn_msg q, a;
    test_msg_u64(&q, 1, 0);
    assert_int_equal(cdn_domain_call(dom, &q, &a, SEC), CDN_ESTATE); /* not started */
    cdn_domain_destroy(dom);
}

#define BOTH(fn) cmocka_unit_test_setup(fn, setup_process), cmocka_unit_test_setup(fn, setup_inproc)

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_lifecycle_echo),
        BOTH(test_million_in_order),
        BOTH(test_nested_calls),
        cmocka_unit_test_setup(test_segfault_mid_call, setup_process),
        cmocka_unit_test_setup(test_exit_mid_call, setup_process),
        cmocka_unit_test_setup(test_abort_mid_call, setup_process),
        cmocka_unit_test_setup(test_hang_times_out, setup_process),
        cmocka_unit_test(test_monitor_marks_death),
        cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_seccomp_open),
        cmocka_unit_test(test_seccomp_socket),
        cmocka_unit_test(test_seccomp_constructor),
        cmocka_unit_test_setup(test_hostile_scribbler, setup_process),
        BOTH(test_hostile_bad_replies),
        cmocka_unit_test_setup(test_hostile_sequence_words, setup_process),
        BOTH(test_bad_module_file),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests_name("domain", tests, NULL, NULL);
}
