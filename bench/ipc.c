/*
 * ipc.c - `cordon-bench ipc`: the cost of one null call across a boundary,
 * for cordon's channels and for the baselines they are judged against, all
 * in one run and with the same placement (host on one CPU, the other side on
 * the other).
 *
 * Every sample is one round trip timed with the TSC (lfence; rdtsc on both
 * ends, ~25 cycles of overhead included in every row alike), except
 * direct-call, whose samples time 1000 calls each because one call is
 * shorter than the timer's resolution, and the batch rows, which time
 * k sends followed by k receives and divide by k.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cordon/domain.h"

#define SEC 1000000000LL

__attribute__((noinline)) static int null_fn(int x)
{
    __asm__ volatile("" ::: "memory");
    return x;
}

static int (*volatile null_ptr)(int) = null_fn;

static size_t run_direct(uint64_t *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t a = bench_tsc();
        for (int k = 0; k < 1000; k++)
            null_ptr(k);
        t[i] = bench_tsc() - a;
    }
    return n;
}

/* Both endpoints driven by one thread: the software cost of a round trip
 * (encode, publish, copy, decode, serve, reply) with no cross-core traffic. */
static int null_handler(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    (void)arg;
    (void)req;
    (void)rep;
    return CDN_OK;
}

static size_t run_one_thread(uint64_t *t, size_t n)
{
    struct cdn_region reg;
    struct cdn_ep *h, *d;
    if (cdn_region_create(NULL, &reg) != CDN_OK)
        return 0;
    if (cdn_ep_create(&reg, CDN_SIDE_HOST, CDN_WAIT_SPIN, &h) != CDN_OK ||
        cdn_ep_create(&reg, CDN_SIDE_DOMAIN, CDN_WAIT_SPIN, &d) != CDN_OK)
        return 0;
    cdn_ep_set_peer_policy(h, CDN_WAIT_SPIN);
    cdn_ep_set_peer_policy(d, CDN_WAIT_SPIN);
    struct cdn_msg q, req, a;
    memset(&q, 0, sizeof q);
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = bench_tsc();
        for (int k = 0; k < 100; k++) {
            q.rpc_id = 1;
            q.flags = CDN_MSG_REQUEST;
            q.call_id = (uint32_t)k;
            if (cdn_ep_send(h, &q, 0) != CDN_OK || cdn_ep_recv(d, &req, 0) != CDN_OK)
                goto out;
            memset(&a, 0, sizeof a);
            null_handler(NULL, &req, &a);
            a.call_id = req.call_id;
            a.flags = CDN_MSG_REPLY;
            if (cdn_ep_send(d, &a, 0) != CDN_OK || cdn_ep_recv(h, &a, 0) != CDN_OK)
                goto out;
        }
        t[i] = bench_tsc() - s;
        got++;
    }
out:
    cdn_ep_destroy(h);
    cdn_ep_destroy(d);
    cdn_region_release(&reg);
    return got;
}

/* Two processes, one cache line, no cordon code: the physical floor. */
static size_t run_raw_pingpong(uint64_t *t, size_t n, int dom_cpu)
{
    volatile uint64_t *line =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (line == MAP_FAILED)
        return 0;
    *line = 0;
    pid_t pid = fork();
    if (pid == 0) {
        bench_pin(dom_cpu);
        uint64_t want = 1;
        for (;;) {
            uint64_t v;
            while ((v = __atomic_load_n(line, __ATOMIC_ACQUIRE)) != want) {
                if (v == UINT64_MAX)
                    _exit(0);
                __builtin_ia32_pause();
            }
            __atomic_store_n(line, want + 1, __ATOMIC_RELEASE);
            want += 2;
        }
    }
    uint64_t v = 1;
    for (size_t i = 0; i < n; i++) {
        uint64_t a = bench_tsc();
        __atomic_store_n(line, v, __ATOMIC_RELEASE);
        while (__atomic_load_n(line, __ATOMIC_ACQUIRE) != v + 1)
            __builtin_ia32_pause();
        t[i] = bench_tsc() - a;
        v += 2;
    }
    __atomic_store_n(line, UINT64_MAX, __ATOMIC_RELEASE);
    waitpid(pid, NULL, 0);
    munmap((void *)line, 4096);
    return n;
}

/* A request/reply server over a pipe pair or a socketpair. */
static size_t run_fd_rpc(uint64_t *t, size_t n, int use_socket, int peer_cpu)
{
    int a[2], b[2];
    if (use_socket) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, a) != 0)
            return 0;
        b[0] = a[1];
        b[1] = a[0];
    } else if (pipe(a) != 0 || pipe(b) != 0) {
        return 0;
    }
    /* parent writes a[1], reads b[0]; child reads a[0], writes b[1] */
    pid_t pid = fork();
    if (pid == 0) {
        bench_pin(peer_cpu);
        /* Close the parent's ends so that its close() gives us EOF. */
        close(use_socket ? a[0] : a[1]);
        if (!use_socket)
            close(b[0]);
        uint64_t x;
        while (read(use_socket ? a[1] : a[0], &x, sizeof x) == sizeof x)
            if (write(use_socket ? a[1] : b[1], &x, sizeof x) != sizeof x)
                break;
        _exit(0);
    }
    int wfd = use_socket ? a[0] : a[1], rfd = use_socket ? a[0] : b[0];
    size_t got = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t x = i, y;
        uint64_t s = bench_tsc();
        if (write(wfd, &x, sizeof x) != sizeof x || read(rfd, &y, sizeof y) != sizeof y)
            break;
        t[i] = bench_tsc() - s;
        got++;
    }
    close(a[0]);
    close(a[1]);
    if (!use_socket) {
        close(b[0]);
        close(b[1]);
    }
    waitpid(pid, NULL, 0);
    return got;
}

static struct cdn_domain *start_null(enum cdn_backend be, enum cdn_wait_policy pol, int cpu)
{
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = be;
    cfg.module_path = bench_module_path("null");
    cfg.cpu = cpu;
    cfg.host_policy = pol;
    cfg.domain_policy = pol;
    struct cdn_domain *dom;
    if (cdn_domain_create(&cfg, &dom) != CDN_OK)
        return NULL;
    int r = cdn_domain_start(dom);
    if (r != CDN_OK) {
        fprintf(stderr, "cordon-bench: cannot start null module (%s): %s: %s\n", cfg.module_path,
                cdn_strerror(r), cdn_domain_reason(dom));
        cdn_domain_destroy(dom);
        return NULL;
    }
    return dom;
}

static size_t run_calls(struct cdn_domain *dom, uint64_t *t, size_t n)
{
    struct cdn_msg q, a;
    memset(&q, 0, sizeof q);
    for (size_t i = 0; i < n; i++) {
        q.rpc_id = 1;
        uint64_t s = bench_tsc();
        if (cdn_domain_call(dom, &q, &a, SEC) != CDN_OK)
            return i;
        t[i] = bench_tsc() - s;
    }
    return n;
}

static size_t run_batch(struct cdn_domain *dom, uint64_t *t, size_t n, unsigned k)
{
    struct cdn_ep *ep = cdn_domain_ep(dom);
    struct cdn_msg q, a;
    memset(&q, 0, sizeof q);
    q.rpc_id = 1;
    q.flags = CDN_MSG_REQUEST;
    for (size_t i = 0; i < n; i++) {
        uint64_t s = bench_tsc();
        for (unsigned j = 0; j < k; j++) {
            q.call_id = j + 1;
            if (cdn_ep_send(ep, &q, SEC) != CDN_OK)
                return i;
        }
        for (unsigned j = 0; j < k; j++)
            if (cdn_ep_recv(ep, &a, SEC) != CDN_OK || a.call_id != j + 1)
                return i;
        t[i] = bench_tsc() - s;
    }
    return n;
}

static void stop(struct cdn_domain *dom)
{
    if (dom)
        cdn_domain_stop(dom, SEC);
    cdn_domain_destroy(dom);
}

enum {
    R_DIRECT,
    R_ONE_THREAD,
    R_RAW,
    R_INPROC,
    R_SPIN,
    R_ADAPT,
    R_PIPE,
    R_SOCK,
    R_PIPE_SAME,
    R_B4,
    R_B8,
    R_B32,
    R_N
};

/* The spinning variants are measured in interleaved rounds (each round runs
 * each variant once, starting and stopping its peer), and their samples are
 * pooled, so that slow drift of the machine hits all of them alike. Only one
 * spinning peer exists at a time: two would fight over the other CPU. */
#define ROUNDS 5

struct variant {
    int idx;
    const char *name;
    int kind; /* 0 raw, 1 domain */
    enum cdn_backend be;
    enum cdn_wait_policy pol;
    uint64_t *t;
    size_t n;
};

static size_t run_variant_chunk(struct variant *v, const struct bench_opts *o, size_t chunk,
                                size_t warm, uint64_t *scratch, int *failed)
{
    size_t got;
    if (v->kind == 0) {
        got = run_raw_pingpong(scratch, chunk + warm, o->dom_cpu);
    } else {
        struct cdn_domain *dom = start_null(v->be, v->pol, o->dom_cpu);
        got = dom ? run_calls(dom, scratch, chunk + warm) : 0;
        stop(dom);
    }
    if (got < chunk + warm) {
        *failed = 1;
        return 0;
    }
    memcpy(v->t + v->n, scratch + warm, chunk * sizeof *scratch);
    v->n += chunk;
    return chunk;
}

int bench_ipc(const struct bench_opts *o)
{
    size_t chunk = o->quick ? 1000 : 40000, warm = o->quick ? 200 : 4000;
    size_t n_slow = o->quick ? 500 : 20000, n_batch = o->quick ? 500 : 20000;
    size_t cap = chunk * ROUNDS;
    uint64_t *scratch = malloc(sizeof(uint64_t) * (cap + warm));
    struct variant vars[] = {
        {R_RAW, "raw-pingpong", 0, 0, 0, NULL, 0},
        {R_INPROC, "inproc-channel", 1, CDN_BACKEND_INPROC, CDN_WAIT_SPIN, NULL, 0},
        {R_SPIN, "process-spin", 1, CDN_BACKEND_PROCESS, CDN_WAIT_SPIN, NULL, 0},
        {R_ADAPT, "process-adaptive", 1, CDN_BACKEND_PROCESS, CDN_WAIT_ADAPTIVE, NULL, 0},
    };
    const size_t nv = sizeof vars / sizeof vars[0];
    for (size_t v = 0; v < nv; v++)
        vars[v].t = malloc(sizeof(uint64_t) * cap);
    bench_pin(o->host_cpu);
    double tpn = bench_tsc_per_ns();
    struct bench_result r[R_N + BENCH_ASYNC_ROWS + BENCH_IDL_ROWS];
    memset(r, 0, sizeof r);
    int step = 0, steps = ROUNDS + 8, failed = 0;
    size_t got;

    bench_progress(++step, steps, "direct-call");
    got = run_direct(scratch, o->quick ? 1000 : 20000);
    bench_summarise(&r[R_DIRECT], "direct-call", scratch, got, 1000.0, tpn);
    got = run_one_thread(scratch, o->quick ? 1000 : 20000);
    bench_summarise(&r[R_ONE_THREAD], "channel-1thread", scratch, got, 100.0, tpn);
    r[R_ONE_THREAD].note = "(software path only: both ends on one thread)";

    char what[96];
    for (int round = 0; round < ROUNDS; round++) {
        snprintf(what, sizeof what,
                 "round %d/%d: raw-pingpong, inproc-channel, process-spin, "
                 "process-adaptive",
                 round + 1, ROUNDS);
        bench_progress(++step, steps, what);
        for (size_t v = 0; v < nv; v++)
            run_variant_chunk(&vars[v], o, chunk, warm, scratch, &failed);
    }
    for (size_t v = 0; v < nv; v++)
        bench_summarise(&r[vars[v].idx], vars[v].name, vars[v].t, vars[v].n, 1, tpn);

    bench_progress(++step, steps, "process-spin-batch4/8/32");
    struct cdn_domain *dom = start_null(CDN_BACKEND_PROCESS, CDN_WAIT_SPIN, o->dom_cpu);
    static const unsigned ks[] = {4, 8, 32};
    static const char *names[] = {"process-spin-batch4", "process-spin-batch8",
                                  "process-spin-batch32"};
    for (int b = 0; b < 3; b++) {
        size_t g = dom ? run_batch(dom, scratch, n_batch, ks[b]) : 0;
        if (g < n_batch)
            failed = 1;
        bench_summarise(&r[R_B4 + b], names[b], scratch, g, ks[b], tpn);
    }
    stop(dom);

    bench_progress(++step, steps, "pipe-rpc");
    got = run_fd_rpc(scratch, n_slow, 0, o->dom_cpu);
    bench_summarise(&r[R_PIPE], "pipe-rpc", scratch, got, 1, tpn);
    bench_progress(++step, steps, "socketpair-rpc");
    got = run_fd_rpc(scratch, n_slow, 1, o->dom_cpu);
    bench_summarise(&r[R_SOCK], "socketpair-rpc", scratch, got, 1, tpn);
    bench_progress(++step, steps, "pipe-rpc-samecore");
    got = run_fd_rpc(scratch, n_slow, 0, o->host_cpu);
    bench_summarise(&r[R_PIPE_SAME], "pipe-rpc-samecore", scratch, got, 1, tpn);
    r[R_PIPE_SAME].note = "(both ends on one CPU)";
    bench_progress(++step, steps, "async runtime, handles, heap");
    int extra = bench_async_rows(o, r + R_N, tpn, scratch, cap + warm);
    if (extra < 0) {
        failed = 1;
        extra = -extra;
    }
    bench_progress(++step, steps, "generated glue (idl-*)");
    double paired = -1;
    int idl = bench_idl_rows(o, r + R_N + extra, tpn, scratch, cap + warm, &paired);
    if (idl <= 0) {
        failed = 1;
        idl = -idl;
    }
    extra += idl;
    bench_progress(++step, steps, "done");
    /* Targets from the foundation issue, as ratios measured in this run. */
    /* -1: the idl rows did not run (reported as failed) */
    /* The glue target is judged on the paired median (see bench/idl.c); the
     * difference of the two rows' medians is printed beside it. */
    double glue_rows =
        idl ? r[R_N + extra - 3].median_cycles - r[R_N + extra - 4].median_cycles : -1;
    double glue = idl ? paired : -1;
    double t1 = r[R_SPIN].median_ns / r[R_RAW].median_ns;
    double t2 = r[R_B32].median_ns / r[R_SPIN].median_ns;
    double t3 = r[R_PIPE].median_ns / r[R_SPIN].median_ns;
    char tj[1024], tt[1024];
    snprintf(
        tj, sizeof tj,
        "[{\"target\":\"process-spin / raw-pingpong <= 1.5\",\"ratio\":%.3f,\"pass\":%s},"
        "{\"target\":\"process-spin-batch32 / process-spin <= 0.25\",\"ratio\":%.3f,\"pass\":%s},"
        "{\"target\":\"pipe-rpc / process-spin >= 100\",\"ratio\":%.1f,\"pass\":%s},"
        "{\"target\":\"idl-int-call - idl-null-ping <= 50 cycles\",\"cycles\":%.0f,"
        "\"difference_of_medians\":%.0f,\"pass\":%s}]",
        t1, t1 <= 1.5 ? "true" : "false", t2, t2 <= 0.25 ? "true" : "false", t3,
        t3 >= 100 ? "true" : "false", glue, glue_rows, glue >= 0 && glue <= 50 ? "true" : "false");
    snprintf(tt, sizeof tt,
             "targets:\n  process-spin / raw-pingpong        = %6.3f  (<= 1.5)  %s\n"
             "  process-spin-batch32 / process-spin = %6.3f  (<= 0.25) %s\n"
             "  pipe-rpc / process-spin             = %6.1f  (>= 100)  %s\n"
             "  idl-int-call - idl-null-ping        = %6.0f cycles (<= 50) %s"
             "  (paired median; difference of the medians: %.0f)\n",
             t1, t1 <= 1.5 ? "ok" : "MISSED", t2, t2 <= 0.25 ? "ok" : "MISSED", t3,
             t3 >= 100 ? "ok" : "MISSED", glue,
             glue < 0     ? "FAILED"
             : glue <= 50 ? "ok"
                          : "MISSED",
             glue_rows);
    bench_print(stdout, "ipc", r, R_N + (size_t)extra, tpn, o, tj, tt);
    for (size_t v = 0; v < nv; v++)
        free(vars[v].t);
    free(scratch);
    return failed;
}
