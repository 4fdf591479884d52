/*
 * test_async.c - fibers, finish scopes, and asynchronous calls into process
 * domains: ten thousand fibers with interleaved calls, nested call chains in
 * both directions, the explicit limit on calls in flight, a domain that dies
 * under 32 waiting fibers, and the stack guard page.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon/async.h"
#include "cordon/channel.h"
#include "util.h"

#define SEC 1000000000LL

struct counter {
    struct cdn_async *rt;
    int value;
    int order[64];
    int n;
};

struct child {
    struct counter *c;
    int id;
};

static void step_fiber(void *arg)
{
    struct child *ch = arg;
    for (int i = 0; i < 3; i++) {
        ch->c->order[ch->c->n++] = ch->id;
        cdn_async_yield(ch->c->rt);
    }
    ch->c->value++;
}

static void test_spawn_yield_finish(void **state)
{
    (void)state;
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    struct counter c = {.rt = rt};
    struct child kids[4];
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    for (int i = 0; i < 4; i++) {
        kids[i] = (struct child){&c, i};
        assert_int_equal(cdn_async_spawn(rt, step_fiber, &kids[i]), CDN_OK);
    }
    assert_int_equal(c.value, 0); /* nothing runs before the root blocks */
    cdn_finish_end(rt, &f);
    assert_int_equal(c.value, 4);
    /* Round robin: 0 1 2 3 0 1 2 3 0 1 2 3 */
    assert_int_equal(c.n, 12);
    for (int i = 0; i < 12; i++)
        assert_int_equal(c.order[i], i % 4);
    struct cdn_async_stats st;
    cdn_async_get_stats(rt, &st);
    assert_int_equal(st.spawned, 4);
    assert_int_equal(st.finished, 4);
    assert_int_equal(st.live_fibers, 0);
    cdn_async_destroy(rt);
}

static void leaf(void *arg)
{
    struct counter *c = arg;
    cdn_async_yield(c->rt);
    c->value++;
}

/* A fiber that opens its own scope, spawns leaves, and waits for them. */
static void parent_fiber(void *arg)
{
    struct counter *c = arg;
    struct cdn_finish f;
    cdn_finish_begin(c->rt, &f);
    for (int i = 0; i < 10; i++)
        cdn_async_spawn(c->rt, leaf, c);
    cdn_finish_end(c->rt, &f);
    assert_int_equal(c->value % 10, 0); /* all ten of this scope are done */
    c->value += 1000;
}

/* cdn_async_sleep: a fiber waits at least the time asked while another
 * keeps running; the root and a NULL runtime wait too. */
struct sleeper {
    struct cdn_async *rt;
    int64_t slept_ns;
    int done;
    long other_steps;
};

static void sleep_fiber(void *arg)
{
    struct sleeper *s = arg;
    int64_t t0 = cdn_now_ns();
    cdn_async_sleep(s->rt, 20000000LL); /* 20 ms */
    s->slept_ns = cdn_now_ns() - t0;
    s->done = 1;
}

static void busy_fiber(void *arg)
{
    struct sleeper *s = arg;
    while (!s->done) {
        s->other_steps++;
        cdn_async_yield(s->rt);
    }
}

static void test_sleep(void **state)
{
    (void)state;
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    struct sleeper s = {.rt = rt};
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    assert_int_equal(cdn_async_spawn(rt, sleep_fiber, &s), 0);
    assert_int_equal(cdn_async_spawn(rt, busy_fiber, &s), 0);
    cdn_finish_end(rt, &f);
    assert_true(s.done);
    assert_true(s.slept_ns >= 20000000LL);
    assert_true(s.other_steps > 10); /* the other fiber ran meanwhile */
    int64_t t0 = cdn_now_ns();
    cdn_async_sleep(rt, 5000000LL); /* from the root */
    assert_true(cdn_now_ns() - t0 >= 5000000LL);
    t0 = cdn_now_ns();
    cdn_async_sleep(NULL, 5000000LL); /* no runtime: a plain sleep */
    assert_true(cdn_now_ns() - t0 >= 5000000LL);
    cdn_async_sleep(rt, 0);
    cdn_async_sleep(rt, -1); /* nothing to wait for */
    cdn_async_destroy(rt);
}

static void test_nested_finish(void **state)
{
    (void)state;
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    struct counter c = {.rt = rt};
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    cdn_async_spawn(rt, parent_fiber, &c);
    cdn_finish_end(rt, &f);
    assert_int_equal(c.value, 1010);
    assert_int_equal(cdn_async_run(rt), CDN_OK);
    cdn_async_destroy(rt);
}

/* Recurses until the stack runs out; the limit is only there to keep the
 * compiler from calling the recursion infinite. */
static int recurse(int depth, volatile char *sink)
{
    volatile char buf[1024];
    buf[0] = (char)depth;
    *sink = buf[0];
    if (depth > 1000000)
        return depth;
    return recurse(depth + 1, sink) + buf[0];
}

static void overflow_fiber(void *arg)
{
    volatile char sink;
    (void)arg;
    (void)recurse(0, &sink);
}

/* Overflowing a fiber stack hits the guard page: a clean SIGSEGV, not a
 * silent write into whatever lies below. Runs in a child process. */
static void test_guard_page(void **state)
{
    (void)state;
    pid_t pid = fork();
    if (pid == 0) {
        struct cdn_async_config cfg = {.stack_size = 32768};
        struct cdn_async *rt;
        if (cdn_async_create(&cfg, &rt) != CDN_OK)
            _exit(2);
        cdn_async_spawn(rt, overflow_fiber, NULL);
        cdn_async_run(rt);
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGSEGV);
}

/* ---- calls into a process domain ---- */

struct caller {
    struct cdn_async *rt;
    struct cdn_domain *dom;
    uint64_t id;
    int calls, ok, errors, last_status;
};

static void call_fiber(void *arg)
{
    struct caller *c = arg;
    for (int i = 0; i < c->calls; i++) {
        struct cdn_msg q, a;
        uint64_t v = c->id * 1000 + (uint64_t)i;
        test_msg_u64(&q, 1, v);
        int r = cdn_async_call(c->rt, cdn_domain_ep(c->dom), &q, &a, 30 * SEC);
        c->last_status = r;
        if (r == CDN_OK && test_get_u64(&a) == v)
            c->ok++;
        else
            c->errors++;
        if (i % 2 == 0)
            cdn_async_yield(c->rt); /* interleave */
    }
}

/* Replies too big for a slot: each fiber must read its own reply's
 * extension bytes, even when other replies arrive (and reuse its freed call
 * entry) before it runs again. A regression test: the bytes used to live in
 * the call entry and were overwritten by the next call that took it. */
static void ext_call_fiber(void *arg)
{
    struct caller *c = arg;
    uint8_t out[200], in[200];
    for (int i = 0; i < c->calls; i++) {
        for (size_t k = 0; k < sizeof out; k++)
            out[k] = (uint8_t)(c->id * 31 + (uint64_t)i * 7 + k);
        struct cdn_msg q, a;
        memset(&q, 0, sizeof q);
        q.rpc_id = 1; /* echo: reply = request */
        q.ext = out;
        q.ext_len = sizeof out;
        int r = cdn_async_call(c->rt, cdn_domain_ep(c->dom), &q, &a, 30 * SEC);
        c->last_status = r;
        if (r == CDN_OK && a.ext_len == sizeof in) {
            memcpy(in, a.ext, sizeof in);
            if (memcmp(in, out, sizeof in) == 0)
                c->ok++;
            else
                c->errors++;
        } else {
            c->errors++;
        }
    }
}

static void test_extension_replies_stay_apart(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(dom), NULL, NULL), CDN_OK);
    enum { N = 32, CALLS = 200 };
    struct caller cs[N];
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    for (int i = 0; i < N; i++) {
        cs[i] = (struct caller){.rt = rt, .dom = dom, .id = (uint64_t)i, .calls = CALLS};
        assert_int_equal(cdn_async_spawn(rt, ext_call_fiber, &cs[i]), CDN_OK);
    }
    cdn_finish_end(rt, &f);
    for (int i = 0; i < N; i++)
        if (cs[i].errors)
            fail_msg("fiber %d: %d of %d replies were not its own (last status %s)", i,
                     cs[i].errors, CALLS, cdn_strerror(cs[i].last_status));
    assert_int_equal(cdn_async_detach(rt, cdn_domain_ep(dom)), CDN_OK);
    cdn_async_destroy(rt);
    cdn_domain_destroy(dom);
}

static void test_ten_thousand_fibers(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_async_config cfg = {.stack_size = 16384, .max_outstanding = 16384};
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(&cfg, &rt), CDN_OK);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(dom), NULL, NULL), CDN_OK);
    enum { N = 10000, CALLS = 3 };
    struct caller *cs = calloc(N, sizeof *cs);
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    for (int i = 0; i < N; i++) {
        cs[i] = (struct caller){.rt = rt, .dom = dom, .id = (uint64_t)i, .calls = CALLS};
        assert_int_equal(cdn_async_spawn(rt, call_fiber, &cs[i]), CDN_OK);
    }
    cdn_finish_end(rt, &f);
    int ok = 0;
    for (int i = 0; i < N; i++) {
        if (cs[i].errors)
            fail_msg("fiber %d: %d errors, last status %s", i, cs[i].errors,
                     cdn_strerror(cs[i].last_status));
        ok += cs[i].ok;
    }
    assert_int_equal(ok, N * CALLS);
    struct cdn_async_stats st;
    cdn_async_get_stats(rt, &st);
    assert_int_equal(st.calls, N * CALLS);
    /* Many in flight at once: the scheduler polls every 16 hand-overs, so
     * at least the first 15 fibers' calls are out before any reply is taken
     * (more, up to the ring's 64, when the domain is slower than the host). */
    assert_true(st.outstanding_peak >= 15);
    assert_int_equal(st.outstanding, 0);
    free(cs);
    assert_int_equal(cdn_async_detach(rt, cdn_domain_ep(dom)), CDN_OK);
    cdn_async_destroy(rt);
    assert_int_equal(cdn_domain_stop(dom, 5 * SEC), CDN_OK);
    cdn_domain_destroy(dom);
}

static void test_outstanding_limit(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_async_config cfg = {.max_outstanding = 4};
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(&cfg, &rt), CDN_OK);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(dom), NULL, NULL), CDN_OK);
    struct caller cs[5];
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    for (int i = 0; i < 5; i++) {
        cs[i] = (struct caller){.rt = rt, .dom = dom, .id = (uint64_t)i, .calls = 1};
        cdn_async_spawn(rt, call_fiber, &cs[i]);
    }
    cdn_finish_end(rt, &f);
    /* The first four are in flight before anything is polled; the fifth
     * finds the table full and is told so. */
    for (int i = 0; i < 4; i++)
        assert_int_equal(cs[i].ok, 1);
    assert_int_equal(cs[4].last_status, CDN_ELIMIT);
    cdn_async_destroy(rt);
    cdn_domain_stop(dom, 5 * SEC);
    cdn_domain_destroy(dom);
}

struct nest {
    struct cdn_async *rt;
    struct cdn_domain *dom;
    int host_levels;
};

/* Host rpc 100 (x, depth): at depth 0 answers 2x; otherwise calls the
 * domain's rpc 5 with (x+1, depth-1) from this fiber, asynchronously. */
static int nest_handler(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    struct nest *n = arg;
    n->host_levels++;
    uint64_t x, d;
    memcpy(&x, req->data, 8);
    memcpy(&d, req->data + 8, 8);
    uint64_t out = x * 2;
    if (d > 0) {
        assert_true(cdn_async_in_fiber(n->rt));
        struct cdn_msg q, a;
        test_msg_u64(&q, 5, x + 1);
        uint64_t nd = d - 1;
        memcpy(q.data + 8, &nd, 8);
        q.inline_len = 16;
        int r = cdn_async_call(n->rt, cdn_domain_ep(n->dom), &q, &a, 5 * SEC);
        if (r != CDN_OK)
            return r;
        out = test_get_u64(&a);
    }
    memcpy(rep->data, &out, 8);
    rep->inline_len = 8;
    return CDN_OK;
}

static void test_nested_chain(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    struct nest n = {.rt = rt, .dom = dom};
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(dom), nest_handler, &n), CDN_OK);
    /* From the root: host -> dom(5) -> host(100) -> dom(5) -> ... depth 5. */
    struct cdn_msg q, a;
    test_msg_u64(&q, 5, 10);
    uint64_t depth = 5;
    memcpy(q.data + 8, &depth, 8);
    q.inline_len = 16;
    assert_int_equal(cdn_async_call(rt, cdn_domain_ep(dom), &q, &a, 5 * SEC), CDN_OK);
    assert_int_equal(n.host_levels, 6);
    assert_int_equal(test_get_u64(&a), (10 + 5) * 2 + 6);
    cdn_async_destroy(rt);
    cdn_domain_stop(dom, 5 * SEC);
    cdn_domain_destroy(dom);
}

struct victim {
    struct cdn_async *rt;
    struct cdn_domain *dom;
    int status[32];
    int64_t killed_at, last_done;
};

struct vcall {
    struct victim *v;
    int i;
};

static void victim_fiber(void *arg)
{
    struct vcall *vc = arg;
    struct cdn_msg q, a;
    test_msg_u64(&q, vc->i == 0 ? 6 : 1, 0); /* the first hangs the domain */
    vc->v->status[vc->i] = cdn_async_call(vc->v->rt, cdn_domain_ep(vc->v->dom), &q, &a, 30 * SEC);
    vc->v->last_done = cdn_now_ns();
}

static void killer_fiber(void *arg)
{
    struct victim *v = arg;
    struct cdn_async_stats st;
    do {
        cdn_async_yield(v->rt);
        cdn_async_get_stats(v->rt, &st);
    } while (st.outstanding < 32);
    v->killed_at = cdn_now_ns();
    kill(cdn_domain_pid(v->dom), SIGSEGV); /* as if it crashed */
}

static void test_death_wakes_all_waiters(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(dom), NULL, NULL), CDN_OK);
    struct victim v = {.rt = rt, .dom = dom};
    struct vcall vc[32];
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    for (int i = 0; i < 32; i++) {
        vc[i] = (struct vcall){&v, i};
        cdn_async_spawn(rt, victim_fiber, &vc[i]);
    }
    cdn_async_spawn(rt, killer_fiber, &v);
    cdn_finish_end(rt, &f);
    for (int i = 0; i < 32; i++)
        assert_int_equal(v.status[i], CDN_EDEAD);
    assert_true(v.last_done - v.killed_at < SEC / 2);
    struct cdn_exit_info info;
    assert_int_equal(cdn_domain_wait(dom, &info, 5 * SEC), CDN_OK);
    assert_int_equal(info.signo, SIGSEGV);
    /* The channel stays failed: new calls fail fast. */
    struct cdn_msg q, a;
    test_msg_u64(&q, 1, 0);
    assert_int_equal(cdn_async_call(rt, cdn_domain_ep(dom), &q, &a, SEC), CDN_EDEAD);
    cdn_async_destroy(rt);
    cdn_domain_destroy(dom);
}

static void timeout_fiber(void *arg)
{
    struct caller *c = arg;
    struct cdn_msg q, a;
    test_msg_u64(&q, 6, 0); /* hangs */
    c->last_status = cdn_async_call(c->rt, cdn_domain_ep(c->dom), &q, &a, SEC / 10);
}

static void test_call_timeout(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(dom), NULL, NULL), CDN_OK);
    struct caller c = {.rt = rt, .dom = dom};
    int64_t t0 = cdn_now_ns();
    cdn_async_spawn(rt, timeout_fiber, &c);
    assert_int_equal(cdn_async_run(rt), CDN_OK);
    assert_int_equal(c.last_status, CDN_ETIMEDOUT);
    assert_true(cdn_now_ns() - t0 < 2 * SEC);
    struct cdn_async_stats st;
    cdn_async_get_stats(rt, &st);
    assert_int_equal(st.outstanding, 1); /* abandoned, kept for the late reply */
    cdn_async_destroy(rt);
    cdn_domain_destroy(dom); /* kills the hung domain */
}

/* A domain that answers with call ids it was never given. */
static void test_forged_reply_id(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "hostile", "badmsg", CDN_WAIT_SPIN);
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(NULL, &rt), CDN_OK);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(dom), NULL, NULL), CDN_OK);
    struct cdn_msg q, a;
    test_msg_u64(&q, 1, 0);
    assert_int_equal(cdn_async_call(rt, cdn_domain_ep(dom), &q, &a, 5 * SEC), CDN_EPROTO);
    assert_non_null(strstr(cdn_ep_violation(cdn_domain_ep(dom)), "not outstanding"));
    cdn_async_destroy(rt);
    cdn_domain_destroy(dom);
}

/* Answers a request with its own payload. */
static int answer(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    (void)arg;
    memcpy(rep->data, req->data, req->inline_len);
    rep->inline_len = req->inline_len;
    return CDN_OK;
}

/* Runs rt for ms milliseconds or until ep (if not NULL) is broken, from a
 * fiber, checking all the while that the fibers stay within bound. */
struct bounded_run {
    struct cdn_async *rt;
    struct cdn_ep *ep;
    int64_t end;
    uint32_t bound, worst;
};

static void watch_fibers(void *arg)
{
    struct bounded_run *b = arg;
    struct cdn_async_stats st;
    while (cdn_now_ns() < b->end && !(b->ep && cdn_ep_broken(b->ep))) {
        cdn_async_yield(b->rt);
        cdn_async_get_stats(b->rt, &st);
        if (st.live_fibers > b->worst)
            b->worst = st.live_fibers;
    }
}

static void poll_bounded(struct cdn_async *rt, struct cdn_ep *ep, int64_t ms, uint32_t bound)
{
    struct bounded_run b = {rt, ep, cdn_now_ns() + ms * 1000000LL, bound + 1, 0};
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    assert_int_equal(cdn_async_spawn(rt, watch_fibers, &b), CDN_OK);
    cdn_finish_end(rt, &f);
    if (b.worst > b.bound) /* the servers and the watcher */
        fail_msg("%u fibers live, bound %u", b.worst, b.bound);
}

/* A handler whose work needs the peer: it calls back (rpc 9) and waits
 * for an answer a flooding peer never gives, up to arg's nanoseconds. */
struct call_back {
    struct cdn_async *rt;
    struct cdn_ep *ep;
    int64_t timeout_ns;
};

static int answer_after_callback(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    struct call_back *cb = arg;
    struct cdn_msg q, a;
    test_msg_u64(&q, 9, 0);
    int st = cdn_async_call(cb->rt, cb->ep, &q, &a, cb->timeout_ns);
    if (st == CDN_EDEAD)
        return st; /* the channel went: nothing to answer */
    return answer(NULL, req, rep);
}

/* A peer that sends valid requests without end, each of which makes the
 * host call it back, and never answers a callback: the host serves at
 * most max_serving of its requests at once (back-pressure: the rest wait
 * in the peer's own ring), each freed by its callback's deadline. Before
 * the bound, the host spawned a fiber for every request (tens of
 * thousands, with their stacks and mappings). */
static void test_flood_is_bounded(void **state)
{
    (void)state;
    struct cdn_domain *dom =
        test_start(CDN_BACKEND_PROCESS, "hostile", "flood-drain", CDN_WAIT_SPIN);
    struct cdn_async_config cfg = {.max_serving = 16};
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(&cfg, &rt), CDN_OK);
    struct cdn_ep *ep = cdn_domain_ep(dom);
    struct call_back cb = {rt, ep, 100000000LL};
    assert_int_equal(cdn_async_attach(rt, ep, answer_after_callback, &cb), CDN_OK);
    poll_bounded(rt, NULL, 1500, 16);
    struct cdn_async_stats st;
    cdn_async_get_stats(rt, &st);
    assert_true(st.serving_peak <= 16);
    assert_true(st.requests_served > 32); /* served all the while, within the bound */
    cdn_domain_kill(dom, "test");
    cdn_async_detach(rt, ep);
    assert_int_equal(cdn_async_run(rt), CDN_OK);
    cdn_async_destroy(rt);
    cdn_domain_destroy(dom);
}

/* A peer that sends requests and never takes the replies: once a reply
 * has waited reply_timeout_ns for room, the peer is a violator and its
 * channel fails. (The host's ring is first filled with one-way messages
 * the peer never reads, so that the replies have no room.) */
static void test_unread_replies_fail_the_peer(void **state)
{
    (void)state;
    struct cdn_domain *dom = test_start(CDN_BACKEND_PROCESS, "hostile", "flood", CDN_WAIT_SPIN);
    struct cdn_ep *ep = cdn_domain_ep(dom);
    struct cdn_msg m;
    test_msg_u64(&m, 7, 0);
    m.flags = CDN_MSG_REQUEST | CDN_MSG_ONEWAY;
    while (cdn_ep_send(ep, &m, 0) == CDN_OK)
        ;
    struct cdn_async_config cfg = {.max_serving = 16, .reply_timeout_ns = 300000000LL};
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(&cfg, &rt), CDN_OK);
    assert_int_equal(cdn_async_attach(rt, ep, answer, NULL), CDN_OK);
    int64_t t0 = cdn_now_ns();
    poll_bounded(rt, ep, 5000, 16);
    assert_true(cdn_ep_broken(ep));
    assert_true(cdn_now_ns() - t0 < 2 * SEC);
    assert_non_null(strstr(cdn_ep_violation(ep), "does not take the replies"));
    assert_int_equal(cdn_async_run(rt), CDN_OK); /* its servers all ended */
    cdn_async_destroy(rt);
    cdn_domain_destroy(dom);
}

/* Fibers still serving a detached (dead) peer's requests must never
 * reach the channel attached after it, in its slot or any other: they
 * wait for ring room, the flooder is killed and detached, an innocent
 * domain is attached (taking the freed slot), and both innocents answer
 * calls. Before channel generations, the stale fibers sent their replies
 * into the innocent's ring and it died of a protocol violation. */
struct innocents {
    struct cdn_async *rt;
    struct cdn_ep *ep[2];
    int ok;
};

static void call_innocents(void *arg)
{
    struct innocents *in = arg;
    for (int round = 0; round < 50; round++)
        for (int i = 0; i < 2; i++) {
            struct cdn_msg q, a;
            test_msg_u64(&q, 2, (uint64_t)round + 1); /* echo's in-order sequence */
            if (cdn_async_call(in->rt, in->ep[i], &q, &a, 5 * SEC) == CDN_OK &&
                test_get_u64(&a) == 3 * ((uint64_t)round + 1))
                in->ok++;
        }
}

static void test_dead_peers_fibers_stay_away(void **state)
{
    (void)state;
    struct cdn_domain *bad =
        test_start(CDN_BACKEND_PROCESS, "hostile", "flood-drain", CDN_WAIT_SPIN);
    struct cdn_domain *before = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    struct cdn_async_config cfg = {.max_serving = 16};
    struct cdn_async *rt;
    assert_int_equal(cdn_async_create(&cfg, &rt), CDN_OK);
    struct call_back cb = {rt, cdn_domain_ep(bad), 60 * SEC};
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(bad), answer_after_callback, &cb), CDN_OK);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(before), answer, NULL), CDN_OK);
    poll_bounded(rt, NULL, 300, 16); /* its servers now wait for ring room */
    struct cdn_async_stats st;
    cdn_async_get_stats(rt, &st);
    assert_int_equal(st.live_fibers, 16); /* each waiting for the flooder to call back */
    cdn_domain_kill(bad, "test");
    assert_int_equal(cdn_async_detach(rt, cdn_domain_ep(bad)), CDN_OK);
    struct cdn_domain *after = test_start(CDN_BACKEND_PROCESS, "echo", "", CDN_WAIT_SPIN);
    assert_int_equal(cdn_async_attach(rt, cdn_domain_ep(after), answer, NULL), CDN_OK);
    struct innocents in = {rt, {cdn_domain_ep(before), cdn_domain_ep(after)}, 0};
    assert_int_equal(cdn_async_spawn(rt, call_innocents, &in), CDN_OK);
    assert_int_equal(cdn_async_run(rt), CDN_OK);
    assert_int_equal(in.ok, 100);
    assert_false(cdn_ep_broken(cdn_domain_ep(before)));
    assert_false(cdn_ep_broken(cdn_domain_ep(after)));
    assert_true(cdn_domain_alive(before) && cdn_domain_alive(after));
    cdn_async_get_stats(rt, &st);
    assert_int_equal(st.live_fibers, 0); /* the stale servers ended, sending nothing */
    cdn_async_destroy(rt);
    cdn_domain_destroy(before);
    cdn_domain_destroy(after);
    cdn_domain_destroy(bad);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_yield_finish),
        cmocka_unit_test(test_nested_finish),
        cmocka_unit_test(test_sleep),
        cmocka_unit_test(test_guard_page),
        cmocka_unit_test(test_ten_thousand_fibers),
        cmocka_unit_test(test_extension_replies_stay_apart),
        cmocka_unit_test(test_outstanding_limit),
        cmocka_unit_test(test_nested_chain),
        cmocka_unit_test(test_death_wakes_all_waiters),
        cmocka_unit_test(test_call_timeout),
        cmocka_unit_test(test_forged_reply_id),
        cmocka_unit_test(test_flood_is_bounded),
        cmocka_unit_test(test_unread_replies_fail_the_peer),
        cmocka_unit_test(test_dead_peers_fibers_stay_away),
    };
    return cmocka_run_group_tests_name("async", tests, NULL, NULL);
}
