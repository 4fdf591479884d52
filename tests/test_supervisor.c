/*
 * test_supervisor.c - a library in a supervised domain (cordon/supervisor.h),
 * through examples/zlib's glue: zlib itself (zbox.so) and a hostile one
 * (tests/modules/zbox_liar.c).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cordon/supervisor.h"
#include "util.h"
#include "zbox_host.h"

static int bind_zbox(struct cdn_glue *g, void *arg)
{
    (void)arg;
    zbox_host_init(g);
    return zbox_host_check(g);
}

struct fixture {
    struct cdn_heap *heap;
    struct cdn_sup *sup;
    unsigned char *src, *z, *dst;
    cdn_href refs[3];
};

static int start(struct fixture *f, const char *module, int max_restarts, int small_channel,
                 char *why, size_t why_len)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s.so", test_lib_dir(), module);
    memset(f, 0, sizeof *f);
    assert_int_equal(cdn_heap_create(0, &f->heap), CDN_OK);
    struct cdn_sup_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cdn_domain_config_init(&cfg.domain);
    cfg.domain.module_path = path;
    cfg.domain.heap = f->heap;
    if (!small_channel)
        cfg.domain.geometry = (struct cdn_chan_geometry)zbox_GEOMETRY;
    cfg.policy.max_restarts = max_restarts;
    cfg.policy.warm_spare = 1;
    cfg.policy.call_timeout_ns = 2000000000ll;
    cfg.bind = bind_zbox;
    int r = cdn_sup_start(&cfg, &f->sup, why, why_len);
    if (r != CDN_OK)
        return r;
    void *p[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(cdn_heap_alloc(f->heap, CDN_HEAP_HOST, 16384, &f->refs[i], &p[i]), CDN_OK);
    f->src = p[0], f->z = p[1], f->dst = p[2];
    uint32_t x = 12345; /* half text, half noise: compresses, but not to nothing */
    for (int i = 0; i < 16384; i++) {
        x = x * 1103515245u + 12345u;
        f->src[i] = i % 2 ? (unsigned char)(x >> 24) : (unsigned char)("supervised zlib "[i % 16]);
    }
    return CDN_OK;
}

static void stop(struct fixture *f)
{
    for (int i = 0; i < 3; i++)
        cdn_heap_free(f->heap, f->refs[i], CDN_HEAP_HOST);
    cdn_sup_destroy(f->sup);
    cdn_heap_destroy(f->heap);
}

/* One round trip; 1 if every byte came back. */
static int round_trip(struct fixture *f, struct cdn_glue *g)
{
    unsigned long zl = 16384, ol = 16384;
    if (zbox_call_compress2(g, f->z, &zl, f->src, 16384, 6) != Z_OK)
        return 0;
    if (zbox_call_uncompress(g, f->dst, &ol, f->z, zl) != Z_OK || ol != 16384)
        return 0;
    return memcmp(f->src, f->dst, 16384) == 0;
}

/* zlib in a domain: its results, its own errors on garbage, checksums by
 * value and in place. */
static void test_library_round_trip(void **state)
{
    (void)state;
    struct fixture f;
    assert_int_equal(start(&f, "zbox", 3, 0, NULL, 0), CDN_OK);
    struct cdn_glue *g = cdn_sup_glue(f.sup);
    assert_true(round_trip(&f, g));
    assert_int_equal(zbox_call_compressBound(g, 1000), compressBound(1000));
    memset(f.z, 0x5a, 256);
    unsigned long ol = 16384;
    assert_int_equal(zbox_call_uncompress(g, f.dst, &ol, f.z, 256), Z_DATA_ERROR);
    assert_int_equal(cdn_glue_last_error(g), CDN_OK);
    unsigned long want = crc32(0, f.src, 4096);
    assert_int_equal(zbox_call_crc32(g, 0, f.src, 4096), want);
    assert_int_equal(zbox_call_crc32_z(g, 0, f.src, 4096), want);
    /* a length longer than the lent buffer is refused before zlib runs */
    ol = 1ul << 20;
    assert_int_equal(zbox_call_uncompress(g, f.dst, &ol, f.z, 256), -99);
    assert_int_equal(ol, 1ul << 20);
    stop(&f);
}

/* Inflates f->z (zl bytes) into f->dst in 1 KiB steps of input: next_in
 * and next_out point inside the heap buffers and come back advanced.
 * Returns inflate's last result; stops after `steps` steps if > 0. */
static int stream_inflate(struct cdn_glue *g, z_stream *zs, struct fixture *f, unsigned long zl,
                          int steps)
{
    int r = Z_OK;
    for (int i = 0; r == Z_OK && (steps <= 0 || i < steps); i++) {
        size_t used = (size_t)((unsigned char *)zs->next_in - f->z) + zs->avail_in;
        if (zs->avail_in == 0 && used < zl)
            zs->avail_in = (uInt)(zl - used < 1024 ? zl - used : 1024);
        r = zbox_call_inflate(g, zs, Z_NO_FLUSH);
    }
    return r;
}

/* Streaming through a z_stream whose pointers move inside shared buffers;
 * a stream opened before the domain died gets zlib's own error from the
 * next instance, never another stream's bytes. */
static void test_stream_across_restart(void **state)
{
    (void)state;
    struct fixture f;
    assert_int_equal(start(&f, "zbox", 3, 0, NULL, 0), CDN_OK);
    struct cdn_glue *g = cdn_sup_glue(f.sup);
    unsigned long zl = 16384;
    assert_int_equal(zbox_call_compress2(g, f.z, &zl, f.src, 16384, 1), Z_OK);
    assert_true(zl > 2048); /* several steps of input */
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.next_in = f.z;
    zs.next_out = f.dst;
    zs.avail_out = 16384;
    assert_int_equal(zbox_call_inflateInit_(g, &zs, ZLIB_VERSION, (int)sizeof zs), Z_OK);
    assert_int_equal(stream_inflate(g, &zs, &f, zl, 0), Z_STREAM_END);
    assert_int_equal(zs.total_out, 16384);
    assert_ptr_equal(zs.next_out, f.dst + 16384); /* at the end of its buffer */
    assert_memory_equal(f.src, f.dst, 16384);
    assert_int_equal(zbox_call_inflateEnd(g, &zs), Z_OK);

    /* a second stream, killed part way */
    memset(&zs, 0, sizeof zs);
    memset(f.dst, 0, 16384);
    zs.next_in = f.z;
    zs.next_out = f.dst;
    zs.avail_out = 16384;
    assert_int_equal(zbox_call_inflateInit_(g, &zs, ZLIB_VERSION, (int)sizeof zs), Z_OK);
    assert_int_equal(stream_inflate(g, &zs, &f, zl, 1), Z_OK);
    uint64_t gen = cdn_sup_generation(f.sup);
    kill(cdn_domain_pid(cdn_sup_domain(f.sup)), SIGKILL);
    assert_int_equal(zbox_call_inflate(g, &zs, Z_NO_FLUSH), -99);
    g = cdn_sup_glue(f.sup);
    assert_int_equal(cdn_sup_generation(f.sup), gen + 1);
    /* the caller should drop it (the generation changed); passing it on
     * anyway gets zlib's own refusal from an instance that never saw it */
    assert_int_equal(zbox_call_inflate(g, &zs, Z_NO_FLUSH), Z_STREAM_ERROR);
    stop(&f);
}

/* Buffers over 64 KiB cross in the shared heap like any other: 300 KB
 * compressed and back. */
static void test_buffers_over_64k(void **state)
{
    (void)state;
    struct fixture f;
    assert_int_equal(start(&f, "zbox", 3, 0, NULL, 0), CDN_OK);
    struct cdn_glue *g = cdn_sup_glue(f.sup);
    enum { N = 300000 };
    cdn_href rs, rz, rd;
    unsigned char *s, *z, *d;
    assert_int_equal(cdn_heap_alloc(f.heap, CDN_HEAP_HOST, N, &rs, (void **)&s), CDN_OK);
    assert_int_equal(cdn_heap_alloc(f.heap, CDN_HEAP_HOST, N + 1024, &rz, (void **)&z), CDN_OK);
    assert_int_equal(cdn_heap_alloc(f.heap, CDN_HEAP_HOST, N, &rd, (void **)&d), CDN_OK);
    for (int i = 0; i < N; i++)
        s[i] = f.src[i % 16384];
    unsigned long zl = N + 1024, dl = N;
    assert_int_equal(zbox_call_compress2(g, z, &zl, s, N, 6), Z_OK);
    assert_int_equal(zbox_call_uncompress(g, d, &dl, z, zl), Z_OK);
    assert_int_equal(dl, N);
    assert_memory_equal(s, d, N);
    cdn_heap_free(f.heap, rs, CDN_HEAP_HOST);
    cdn_heap_free(f.heap, rz, CDN_HEAP_HOST);
    cdn_heap_free(f.heap, rd, CDN_HEAP_HOST);
    stop(&f);
}

/* Killed mid-work: the call returns the rpc's dead value, the next glue is
 * a new instance (a new generation) that works. */
static void test_restart_after_kill(void **state)
{
    (void)state;
    struct fixture f;
    assert_int_equal(start(&f, "zbox", 3, 0, NULL, 0), CDN_OK);
    struct cdn_glue *g = cdn_sup_glue(f.sup);
    assert_int_equal(cdn_sup_generation(f.sup), 1);
    kill(cdn_domain_pid(cdn_sup_domain(f.sup)), SIGKILL);
    unsigned long zl = 16384;
    assert_int_equal(zbox_call_compress2(g, f.z, &zl, f.src, 16384, 6), -99);
    assert_int_equal(cdn_glue_last_error(g), CDN_EDEAD);
    assert_int_equal(zl, 16384); /* nothing applied */
    g = cdn_sup_glue(f.sup);
    assert_non_null(g);
    assert_int_equal(cdn_sup_generation(f.sup), 2);
    assert_true(round_trip(&f, g));
    struct cdn_sup_stats st;
    cdn_sup_get_stats(f.sup, &st);
    assert_int_equal(st.restarts, 1);
    assert_true(st.last_restart_ns > 0);
    stop(&f);
}

/* A lying library: the length it claims is refused, the caller's value
 * kept; a library that dies in a call is replaced; the policy gives up
 * after its restarts. */
static void test_hostile_library(void **state)
{
    (void)state;
    struct fixture f;
    assert_int_equal(start(&f, "zbox_liar", 3, 0, NULL, 0), CDN_OK);
    struct cdn_glue *g = cdn_sup_glue(f.sup);
    unsigned long ol = 4096;
    assert_int_equal(zbox_call_uncompress(g, f.dst, &ol, f.z, 100), -99);
    assert_int_equal(cdn_glue_last_error(g), CDN_EPROTO);
    assert_int_equal(ol, 4096); /* the lie never reached the caller */
    g = cdn_sup_glue(f.sup);    /* a protocol breaker is replaced */
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.next_in = f.z;
    zs.avail_in = 100;
    zs.next_out = f.dst;
    zs.avail_out = 4096;
    assert_int_equal(zbox_call_inflateInit_(g, &zs, ZLIB_VERSION, (int)sizeof zs), Z_OK);
    assert_int_equal(zbox_call_inflate(g, &zs, Z_NO_FLUSH), -99); /* next_out out of bounds */
    assert_ptr_equal(zs.next_out, f.dst);                         /* never applied */
    g = cdn_sup_glue(f.sup);
    assert_int_equal(cdn_sup_generation(f.sup), 2);        /* its own glue refused: it lives */
    assert_int_equal(zbox_call_crc32(g, 0, f.src, 16), 0); /* [dead(0)]: it exited */
    assert_int_equal(cdn_glue_last_error(g), CDN_EDEAD);
    g = cdn_sup_glue(f.sup);
    assert_int_equal(cdn_sup_generation(f.sup), 3);
    assert_int_equal(zbox_call_crc32(g, 0, f.src, 16), 0);
    g = cdn_sup_glue(f.sup);
    assert_int_equal(cdn_sup_generation(f.sup), 4);
    assert_int_equal(zbox_call_crc32(g, 0, f.src, 16), 0);
    assert_null(cdn_sup_glue(f.sup)); /* a fourth death within the window: given up */
    struct cdn_sup_stats st;
    cdn_sup_get_stats(f.sup, &st);
    assert_true(st.gave_up);
    assert_int_equal(st.restarts, 3);
    stop(&f);
}

/* The default channel carries 4 KiB a message; zbox's by-value crc32
 * needs 16 KiB: the glue check refuses the channel at start, with a
 * reason, instead of failing one call at run time. A module that cannot
 * load says why. */
static void test_start_refused_with_reason(void **state)
{
    (void)state;
    struct fixture f;
    char why[256];
    assert_int_equal(start(&f, "zbox", 3, 1, why, sizeof why), CDN_ELIMIT);
    assert_non_null(strstr(why, "bind"));
    cdn_heap_destroy(f.heap);
    assert_int_equal(start(&f, "no_such_module", 3, 0, why, sizeof why), CDN_ELOAD);
    assert_true(why[0] != 0);
    cdn_heap_destroy(f.heap);
}

/* The example's own program, as a user runs it: every step as expected. */
static void test_example_program(void **state)
{
    (void)state;
    const char *bin = getenv("CORDON_BIN");
    char cmd[4200], *out;
    snprintf(cmd, sizeof cmd, "%s/zbox-demo 2>&1", bin && *bin ? bin : "build/bin");
    int rc = test_run(cmd, &out);
    if (rc != 0 || !strstr(out, "every step as expected"))
        fail_msg("zbox-demo exited %d:\n%s", rc, out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_library_round_trip),
        cmocka_unit_test(test_restart_after_kill),
        cmocka_unit_test(test_stream_across_restart),
        cmocka_unit_test(test_buffers_over_64k),
        cmocka_unit_test(test_hostile_library),
        cmocka_unit_test(test_start_refused_with_reason),
        cmocka_unit_test(test_example_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
