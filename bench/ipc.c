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

/* Two processes, one cache line, no cordon code: the physical floor. */
static size_t run_raw_pingpong(uint64_t *t, size_t n, int dom_cpu)
{
    volatile uint64_t *line = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
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

static cdn_domain *start_null(enum cdn_backend be, enum cdn_wait_policy pol, int cpu)
{
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = be;
    cfg.module_path = bench_module_path("null");
    cfg.cpu = cpu;
    cfg.host_policy = pol;
    cfg.domain_policy = pol;
    cdn_domain *dom;
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

static size_t run_calls(cdn_domain *dom, uint64_t *t, size_t n)
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

static size_t run_batch(cdn_domain *dom, uint64_t *t, size_t n, unsigned k)
{
    cdn_ep *ep = cdn_domain_ep(dom);
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

static void stop(cdn_domain *dom)
{
    if (dom)
        cdn_domain_stop(dom, SEC);
    cdn_domain_destroy(dom);
}

enum { R_DIRECT, R_RAW, R_INPROC, R_SPIN, R_ADAPT, R_PIPE, R_SOCK, R_PIPE_SAME, R_B4, R_B8, R_B32, R_N };

int bench_ipc(const struct bench_opts *o)
{
    size_t n_fast = o->quick ? 5000 : 200000, n_slow = o->quick ? 500 : 20000;
    size_t n_batch = o->quick ? 500 : 20000, warm = o->quick ? 500 : 20000;
    uint64_t *t = malloc(sizeof(uint64_t) * (n_fast + warm));
    if (!t)
        return 1;
    bench_pin(o->host_cpu);
    double tpn = bench_tsc_per_ns();
    struct bench_result r[R_N];
    memset(r, 0, sizeof r);
    int step = 0, steps = 9, failed = 0;
    size_t got;

    bench_progress(++step, steps, "direct-call");
    got = run_direct(t, o->quick ? 1000 : 20000);
    bench_summarise(&r[R_DIRECT], "direct-call", t, got, 1000.0, tpn);

    bench_progress(++step, steps, "raw-pingpong");
    got = run_raw_pingpong(t, n_fast + warm, o->dom_cpu);
    bench_summarise(&r[R_RAW], "raw-pingpong", t + warm, got > warm ? got - warm : 0, 1, tpn);

    const struct {
        int idx;
        const char *name;
        enum cdn_backend be;
        enum cdn_wait_policy pol;
    } doms[] = {
        {R_INPROC, "inproc-channel", CDN_BACKEND_INPROC, CDN_WAIT_SPIN},
        {R_SPIN, "process-spin", CDN_BACKEND_PROCESS, CDN_WAIT_SPIN},
        {R_ADAPT, "process-adaptive", CDN_BACKEND_PROCESS, CDN_WAIT_ADAPTIVE},
    };
    for (size_t d = 0; d < sizeof doms / sizeof doms[0]; d++) {
        bench_progress(++step, steps, doms[d].name);
        cdn_domain *dom = start_null(doms[d].be, doms[d].pol, o->dom_cpu);
        got = dom ? run_calls(dom, t, n_fast + warm) : 0;
        if (got < n_fast + warm)
            failed = 1;
        bench_summarise(&r[doms[d].idx], doms[d].name, t + warm, got > warm ? got - warm : 0, 1,
                        tpn);
        if (doms[d].idx == R_SPIN && dom) {
            static const unsigned ks[] = {4, 8, 32};
            static const char *names[] = {"process-spin-batch4", "process-spin-batch8",
                                          "process-spin-batch32"};
            for (int b = 0; b < 3; b++) {
                size_t g = run_batch(dom, t, n_batch, ks[b]);
                if (g < n_batch)
                    failed = 1;
                bench_summarise(&r[R_B4 + b], names[b], t, g, ks[b], tpn);
            }
        }
        stop(dom);
    }

    bench_progress(++step, steps, "pipe-rpc");
    got = run_fd_rpc(t, n_slow, 0, o->dom_cpu);
    bench_summarise(&r[R_PIPE], "pipe-rpc", t, got, 1, tpn);
    bench_progress(++step, steps, "socketpair-rpc");
    got = run_fd_rpc(t, n_slow, 1, o->dom_cpu);
    bench_summarise(&r[R_SOCK], "socketpair-rpc", t, got, 1, tpn);
    bench_progress(++step, steps, "pipe-rpc-samecore");
    got = run_fd_rpc(t, n_slow, 0, o->host_cpu);
    bench_summarise(&r[R_PIPE_SAME], "pipe-rpc-samecore", t, got, 1, tpn);
    r[R_PIPE_SAME].note = "(both ends on one CPU)";
    bench_progress(++step, steps, "done");

    /* Targets from the foundation issue, as ratios measured in this run. */
    double t1 = r[R_SPIN].median_ns / r[R_RAW].median_ns;
    double t2 = r[R_B32].median_ns / r[R_SPIN].median_ns;
    double t3 = r[R_PIPE].median_ns / r[R_SPIN].median_ns;
    char tj[512], tt[512];
    snprintf(tj, sizeof tj,
             "[{\"target\":\"process-spin / raw-pingpong <= 1.5\",\"ratio\":%.3f,\"pass\":%s},"
             "{\"target\":\"process-spin-batch32 / process-spin <= 0.25\",\"ratio\":%.3f,\"pass\":%s},"
             "{\"target\":\"pipe-rpc / process-spin >= 100\",\"ratio\":%.1f,\"pass\":%s}]",
             t1, t1 <= 1.5 ? "true" : "false", t2, t2 <= 0.25 ? "true" : "false", t3,
             t3 >= 100 ? "true" : "false");
    snprintf(tt, sizeof tt,
             "targets:\n  process-spin / raw-pingpong        = %6.3f  (<= 1.5)  %s\n"
             "  process-spin-batch32 / process-spin = %6.3f  (<= 0.25) %s\n"
             "  pipe-rpc / process-spin             = %6.1f  (>= 100)  %s\n",
             t1, t1 <= 1.5 ? "ok" : "MISSED", t2, t2 <= 0.25 ? "ok" : "MISSED", t3,
             t3 >= 100 ? "ok" : "MISSED");
    bench_print(stdout, "ipc", r, R_N, tpn, o, tj, tt);
    free(t);
    return failed;
}
