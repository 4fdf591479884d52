/*
 * zbox_demo.c - an application using zlib isolated in a domain
 * (examples/zlib: zbox.idl, zbox_module.c; docs/libraries.md).
 *
 *   zbox-demo [FILE]           compress FILE (or a built-in text) in the
 *                              domain, decompress, verify; then feed zlib
 *                              hostile input, and kill the domain mid-work
 *   zbox-demo --bench [--json] each call isolated beside the direct call
 *                              (this process pinned to CPU 0, the domain to 1)
 *
 * Exit status: 0 when every step gave what it should, 1 if not, 2 for a
 * usage error or a domain that cannot start.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cordon/cordon.h"
#include "cordon/supervisor.h"
#include "zbox_host.h"

/* ---- the isolated zlib ---- */

struct box {
    struct cdn_heap *heap;
    struct cdn_sup *sup;
};

/* Each new instance: the generated glue installed and checked. */
static int bind_zbox(struct cdn_glue *g, void *arg)
{
    (void)arg;
    zbox_host_init(g);
    return zbox_host_check(g);
}

static int box_open(struct box *b, int warm_spare, int cpu, char *why, size_t why_len)
{
    char dir[4096], module[4200];
    if (cdn_self_dir(dir, sizeof dir) != CDN_OK)
        return CDN_ENOENT;
    snprintf(module, sizeof module, "%s/../lib/cordon/zbox.so", dir);
    int r = cdn_heap_create(0, &b->heap);
    if (r != CDN_OK)
        return r;
    struct cdn_sup_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cdn_domain_config_init(&cfg.domain);
    cfg.domain.module_path = module;
    cfg.domain.heap = b->heap;
    cfg.domain.geometry = (struct cdn_chan_geometry)zbox_GEOMETRY; /* carries every call */
    cfg.domain.cpu = cpu;
    cfg.policy.max_restarts = 1000;
    cfg.policy.warm_spare = warm_spare;
    cfg.policy.call_timeout_ns = 2000000000ll;
    cfg.bind = bind_zbox;
    r = cdn_sup_start(&cfg, &b->sup, why, why_len);
    if (r != CDN_OK)
        cdn_heap_destroy(b->heap);
    return r;
}

/* box_open with a warm spare, saying why on stderr if it fails. */
static int box_open_or_say(struct box *b, int cpu)
{
    char why[256];
    int r = box_open(b, 1, cpu, why, sizeof why);
    if (r != CDN_OK)
        fprintf(stderr, "zbox-demo: cannot start the domain: %s (%s)\n", cdn_strerror(r), why);
    return r;
}

static void box_close(struct box *b)
{
    cdn_sup_destroy(b->sup);
    cdn_heap_destroy(b->heap);
}

/* A buffer in the shared heap (the domain sees it only while lent). */
static void *heap_buf(struct box *b, size_t len, cdn_href *ref)
{
    void *p;
    return cdn_heap_alloc(b->heap, CDN_HEAP_HOST, len, ref, &p) == CDN_OK ? p : NULL;
}

/* ---- the walk-through ---- */

static const char sample[] =
    "cordon isolates a C library in a process of its own: a crash or a hostile input in the "
    "library cannot reach the application, which sees a clean error and a restarted library. ";

static int failures;

static void step(int ok, const char *what)
{
    printf("%s %s\n", ok ? "  ok  " : "  FAIL", what);
    failures += !ok;
}

static int walk_through(const char *path)
{
    struct box b;
    if (box_open_or_say(&b, -1) != CDN_OK)
        return 2;
    cdn_href in_ref, z_ref, out_ref;
    size_t cap = 60000;
    unsigned char *in = heap_buf(&b, cap, &in_ref), *z = heap_buf(&b, 65536, &z_ref),
                  *out = heap_buf(&b, cap, &out_ref);
    size_t n = 0;
    if (path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
            perror(path);
            box_close(&b);
            return 2;
        }
        n = fread(in, 1, cap, f);
        fclose(f);
    } else {
        while (n + sizeof sample - 1 <= cap)
            memcpy(in + n, sample, sizeof sample - 1), n += sizeof sample - 1;
    }
    printf("zlib in a domain (pid %d), %zu bytes of %s\n",
           (int)cdn_domain_pid(cdn_sup_domain(b.sup)), n, path ? path : "text");

    struct cdn_glue *g = cdn_sup_glue(b.sup);
    unsigned long zlen = 65536, outlen = cap;
    int zr = zbox_call_compress2(g, z, &zlen, in, n, Z_BEST_COMPRESSION);
    printf("compress2: %d, %zu -> %lu bytes\n", zr, n, zlen);
    step(zr == Z_OK, "compressed in the domain");
    int ur = zbox_call_uncompress(g, out, &outlen, z, zlen);
    step(ur == Z_OK && outlen == n && memcmp(in, out, n) == 0,
         "decompressed in the domain, every byte as it was");
    unsigned long want = crc32(0, in, (uInt)(n < 16384 ? n : 16384));
    step(zbox_call_crc32(g, 0, in, (uint32_t)(n < 16384 ? n : 16384)) == want &&
             zbox_call_crc32_z(g, 0, in, n < 16384 ? n : 16384) == want,
         "crc32 by value and in place agree with the direct call");

    /* hostile input: the library's own error, and the library still works */
    unsigned char junk[512];
    srand(7);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)rand();
    memcpy(z, junk, sizeof junk);
    outlen = cap;
    ur = zbox_call_uncompress(g, out, &outlen, z, sizeof junk);
    printf("uncompress(512 random bytes): %d (%s)\n", ur,
           ur == Z_DATA_ERROR ? "Z_DATA_ERROR" : "?");
    step(ur == Z_DATA_ERROR && cdn_glue_last_error(g) == CDN_OK,
         "garbage gets zlib's own error; the domain lives on");

    /* the domain dies: the call says so with the rpc's dead value, and the
     * supervisor starts the next instance (its warm spare) */
    uint64_t gen = cdn_sup_generation(b.sup);
    kill(cdn_domain_pid(cdn_sup_domain(b.sup)), SIGKILL);
    outlen = cap;
    zlen = 65536;
    zr = zbox_call_compress2(g, z, &zlen, in, n, 6);
    printf("compress2 after SIGKILL: %d, last error %s\n", zr,
           cdn_strerror(cdn_glue_last_error(g)));
    step(zr == -99 && cdn_glue_last_error(g) == CDN_EDEAD, "a dead domain returns [dead(-99)]");
    g = cdn_sup_glue(b.sup);
    struct cdn_sup_stats st;
    cdn_sup_get_stats(b.sup, &st);
    printf("restarted in %.2f ms (generation %llu)\n", (double)st.last_restart_ns / 1e6,
           (unsigned long long)cdn_sup_generation(b.sup));
    step(g && cdn_sup_generation(b.sup) == gen + 1, "the supervisor restarted it");
    zlen = 65536;
    zr = g ? zbox_call_compress2(g, z, &zlen, in, n, 6) : -1;
    outlen = cap;
    ur = g ? zbox_call_uncompress(g, out, &outlen, z, zlen) : -1;
    step(zr == Z_OK && ur == Z_OK && outlen == n && memcmp(in, out, n) == 0,
         "the new instance compresses and decompresses");
    cdn_heap_free(b.heap, in_ref, CDN_HEAP_HOST);
    cdn_heap_free(b.heap, z_ref, CDN_HEAP_HOST);
    cdn_heap_free(b.heap, out_ref, CDN_HEAP_HOST);
    box_close(&b);
    printf("%s\n", failures ? "some steps failed" : "every step as expected");
    return failures ? 1 : 0;
}

/* ---- the benchmark: each call isolated beside the direct call ---- */

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000ll + t.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

enum { ROUNDS = 11, CALLS = 2000, CASES = 10 };

struct bench {
    struct box *b;
    struct cdn_glue *g;
    unsigned char *src, *z, *dst, *c; /* in the shared heap */
    unsigned long zsmall, z4k;        /* compressed sizes */
    volatile unsigned long sink;
};

/* One timed run of CALLS calls of case c; ns per call. */
static int64_t run_case(struct bench *x, int c)
{
    int64_t t0 = now_ns();
    for (int i = 0; i < CALLS; i++) {
        unsigned long len = 4096, zl = 65536;
        switch (c) {
        case 0: /* a small call: 64 bytes of input */
            len = 4096;
            x->sink += (unsigned long)uncompress(x->dst, &len, x->z, x->zsmall);
            break;
        case 1:
            x->sink += (unsigned long)zbox_call_uncompress(x->g, x->dst, &len, x->z, x->zsmall);
            break;
        case 2: /* 4 KiB where it lies */
            x->sink += crc32_z(0, x->src, 4096);
            break;
        case 3:
            x->sink += zbox_call_crc32_z(x->g, 0, x->src, 4096);
            break;
        case 4: /* 4 KiB copied with the call */
            x->sink += zbox_call_crc32(x->g, 0, x->src, 4096);
            break;
        case 5: /* 64 bytes copied with the call */
            x->sink += crc32(0, x->src, 64);
            break;
        case 6:
            x->sink += zbox_call_crc32(x->g, 0, x->src, 64);
            break;
        case 7: /* compressing 4 KiB */
            zl = 16384;
            x->sink += (unsigned long)compress2(x->c, &zl, x->src, 4096, 6);
            break;
        case 8:
            zl = 16384;
            x->sink += (unsigned long)zbox_call_compress2(x->g, x->c, &zl, x->src, 4096, 6);
            break;
        default: /* 64 bytes where they lie */
            x->sink += zbox_call_crc32_z(x->g, 0, x->src, 64);
            break;
        }
    }
    return (now_ns() - t0) / CALLS;
}

static int zbox_bench(int json)
{
    /* as cordon-bench does: this process on CPU 0, the domain on CPU 1 */
    int cpu = -1;
    if (sysconf(_SC_NPROCESSORS_ONLN) >= 2) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        if (sched_setaffinity(0, sizeof set, &set) == 0)
            cpu = 1;
    }
    struct box b;
    if (box_open_or_say(&b, cpu) != CDN_OK)
        return 2;
    struct bench x = {.b = &b, .g = cdn_sup_glue(b.sup)};
    cdn_href r1, r2, r3, r4;
    x.src = heap_buf(&b, 16384, &r1);
    x.z = heap_buf(&b, 16384, &r2);
    x.dst = heap_buf(&b, 16384, &r3);
    x.c = heap_buf(&b, 16384, &r4);
    for (int i = 0; i < 16384; i++)
        x.src[i] = (unsigned char)("cordon zlib bench "[i % 18] + (i / 997));
    x.zsmall = 16384;
    compress2(x.z, &x.zsmall, x.src, 64, 6);
    /* every isolated call must succeed, or its time means nothing */
    static const int isolated[] = {1, 3, 4, 6, 8, 9};
    for (size_t i = 0; i < sizeof isolated / sizeof isolated[0]; i++) {
        run_case(&x, isolated[i]);
        if (cdn_glue_last_error(x.g) != CDN_OK) {
            fprintf(stderr, "zbox-demo: case %d failed: %s\n", isolated[i],
                    cdn_strerror(cdn_glue_last_error(x.g)));
            box_close(&b);
            return 1;
        }
    }
    static int64_t t[CASES][ROUNDS];
    for (int round = 0; round < ROUNDS; round++) /* alternating, so drift hits all alike */
        for (int c = 0; c < CASES; c++)
            t[c][round] = run_case(&x, c);
    int64_t m[CASES];
    for (int c = 0; c < CASES; c++) {
        qsort(t[c], ROUNDS, sizeof t[c][0], cmp_i64);
        m[c] = t[c][ROUNDS / 2];
    }
    /* restarts: kill the domain, let the next call find it dead, restart */
    enum { KILLS = 40 };
    int64_t rs[KILLS];
    int dead_ok = 0;
    for (int k = 0; k < KILLS; k++) {
        /* a crash some time after the last restart: its spare has had time
         * to launch (the launch is not the restart's) */
        nanosleep(&(struct timespec){0, 100000000}, NULL);
        kill(cdn_domain_pid(cdn_sup_domain(b.sup)), SIGKILL);
        unsigned long len = 4096;
        dead_ok += zbox_call_uncompress(x.g, x.dst, &len, x.z, x.zsmall) == -99;
        x.g = cdn_sup_glue(b.sup);
        struct cdn_sup_stats st;
        cdn_sup_get_stats(b.sup, &st);
        rs[k] = st.last_restart_ns;
        if (!x.g)
            break;
    }
    qsort(rs, KILLS, sizeof rs[0], cmp_i64);
    double small = (double)m[1] / (double)m[0], shared4k = (double)m[3] / (double)m[2],
           byval4k = (double)m[4] / (double)m[3];
    if (json) {
        printf("{\"calls\":%d,\"rounds\":%d,\"ns\":{\"uncompress64_direct\":%lld,"
               "\"uncompress64_isolated\":%lld,\"crc4k_direct\":%lld,\"crc4k_shared\":%lld,"
               "\"crc4k_byvalue\":%lld,\"crc64_direct\":%lld,\"crc64_byvalue\":%lld,"
               "\"crc64_shared\":%lld,\"compress4k_direct\":%lld,\"compress4k_isolated\":%lld},"
               "\"ratios\":{\"small\":%.2f,\"shared4k\":%.2f,\"byvalue4k_vs_shared\":%.2f},"
               "\"restart_ms\":{\"p50\":%.3f,\"p99\":%.3f},\"dead_value_seen\":%d}\n",
               CALLS, ROUNDS, (long long)m[0], (long long)m[1], (long long)m[2], (long long)m[3],
               (long long)m[4], (long long)m[5], (long long)m[6], (long long)m[9], (long long)m[7],
               (long long)m[8], small, shared4k, byval4k, (double)rs[KILLS / 2] / 1e6,
               (double)rs[KILLS * 99 / 100] / 1e6, dead_ok);
    } else {
        printf("median ns per call over %d rounds of %d calls, alternating\n", ROUNDS, CALLS);
        printf("  %-34s %8s %9s %7s\n", "call", "direct", "isolated", "ratio");
        printf("  %-34s %8lld %9lld %6.2fx  (target <= 4)\n", "uncompress, 64 B of input",
               (long long)m[0], (long long)m[1], small);
        printf("  %-34s %8lld %9lld %6.2fx  (target <= 1.5)\n", "crc32_z 4 KiB, shared heap",
               (long long)m[2], (long long)m[3], shared4k);
        printf("  %-34s %8lld %9lld %6.2fx  (vs shared; target <= 2)\n", "crc32 4 KiB, by value",
               (long long)m[3], (long long)m[4], byval4k);
        printf("  %-34s %8lld %9lld %6.2fx\n", "crc32 64 B, by value", (long long)m[5],
               (long long)m[6], (double)m[6] / (double)m[5]);
        printf("  %-34s %8lld %9lld %6.2fx\n", "crc32_z 64 B, shared heap", (long long)m[5],
               (long long)m[9], (double)m[9] / (double)m[5]);
        printf("  %-34s %8lld %9lld %6.2fx\n", "compress2 4 KiB, shared heap", (long long)m[7],
               (long long)m[8], (double)m[8] / (double)m[7]);
        printf("restart after SIGKILL (warm spare, kills 100 ms apart), %d kills: p50 %.3f ms, p99 "
               "%.3f ms; "
               "dead value returned %d/%d\n",
               KILLS, (double)rs[KILLS / 2] / 1e6, (double)rs[KILLS * 99 / 100] / 1e6, dead_ok,
               KILLS);
    }
    box_close(&b);
    return 0;
}

static void usage(FILE *o)
{
    fprintf(o, "usage: zbox-demo [FILE]\n       zbox-demo --bench [--json]\n"
               "zlib isolated in a cordon domain (docs/libraries.md).\n");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") == 0) {
        usage(stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--bench") == 0)
        return zbox_bench(argc > 2 && strcmp(argv[2], "--json") == 0);
    if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
        usage(stderr);
        return 2;
    }
    return walk_through(argc == 2 ? argv[1] : NULL);
}
