/*
 * test_bench_cli.c - cordon-bench as a user runs it: help, usage errors
 * (exit status 2 and a message naming the option), and the generators'
 * own rows (--size/--batch/--senders for net, --bs/--qd/--rwmix-read for
 * blk) producing the JSON a script reads; and cordon-demo, the main job,
 * end to end on a short run. The binaries are taken from $CORDON_BIN (set
 * by the Makefile), else build/bin.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Runs build/bin/<tool> with args (stderr folded into the output); returns
 * its exit status and its output (caller frees). */
static int run_tool(const char *tool, const char *args, char **out)
{
    const char *d = getenv("CORDON_BIN");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s/%s %s 2>&1", d && *d ? d : "build/bin", tool, args);
    return test_run(cmd, out);
}

static int run(const char *args, char **out)
{
    return run_tool("cordon-bench", args, out);
}

static void test_help(void **state)
{
    (void)state;
    char *out;
    assert_int_equal(run("--help", &out), 0);
    assert_non_null(strstr(out, "usage: cordon-bench"));
    assert_non_null(strstr(out, "--rwmix-read"));
    free(out);
}

/* Each bad argument: status 2 and a line that names what was wrong. */
static void test_usage_errors(void **state)
{
    (void)state;
    static const struct {
        const char *args, *says;
    } bad[] = {
        {"", "usage"},
        {"frobnicate", "unknown benchmark"},
        {"net --senders 0", "--senders takes a number from 1 to 64"},
        {"net --batch 5000", "--batch takes"},
        {"net --size abc", "not 'abc'"},
        {"net --gen pktgen --size 40", "at least 58 bytes"},
        {"blk --bs 1000", "whole 512-byte sectors"},
        {"blk --qd 65", "--qd takes"},
        {"blk --rwmix-read 101", "--rwmix-read takes"},
        {"blk --area 49", "--area takes a number from 1 to 48"},
        {"blk --area 1 --bs 65536 --qd 64", "holds fewer than 64 blocks"},
        {"net --mode sideways", "--mode takes"},
        {"net --bogus", "unknown argument '--bogus'"},
        {"blk --rounds 0", "--rounds takes a number from 1 to 99"},
        {"net --ops 10k", "not '10k'"},
        {"faults --faults -5", "--faults takes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *out;
        int st = run(bad[i].args, &out);
        if (st != 2 || !strstr(out, bad[i].says))
            fail_msg("cordon-bench %s: status %d, output: %s", bad[i].args, st, out);
        free(out);
    }
}

/* A row of the user's choosing, natively (quick), as JSON. */
static void test_custom_rows(void **state)
{
    (void)state;
    char *out;
    int st =
        run("blk --bs 4096 --qd 2 --rwmix-read 100 --area 2 --quick --mode native --json", &out);
    if (st != 0)
        fail_msg("blk custom row: status %d: %s", st, out);
    assert_non_null(strstr(out, "\"rwmix_read\":100"));
    assert_non_null(strstr(out, "\"area_mib\":2"));
    assert_non_null(strstr(out, "\"name\":\"blk-4K-qd2\",\"mode\":\"native\""));
    assert_non_null(strstr(out, "\"verify_failures\":0"));
    assert_null(strstr(out, "blk-512B-qd16")); /* only the row asked for */
    free(out);
    st = run("net --size 128 --batch 8 --senders 3 --quick --mode native --json", &out);
    if (st != 0)
        fail_msg("net custom row: status %d: %s", st, out);
    assert_non_null(strstr(out, "\"senders\":3"));
    assert_non_null(strstr(out, "\"name\":\"net-128B-batch8\",\"mode\":\"native\""));
    assert_null(strstr(out, "net-64B-batch1"));
    free(out);
    st = run("ringfloor --quick --json", &out);
    if (st != 0)
        fail_msg("ringfloor: status %d: %s", st, out);
    assert_non_null(strstr(out, "\"bench\":\"ringfloor\""));
    assert_non_null(strstr(out, "\"ratio\":"));
    assert_non_null(strstr(out, "\"bare_ratio\":"));
    assert_non_null(strstr(out, "\"xcore_ratio\":"));
    assert_non_null(strstr(out, "\"xcore_index_ratio\":"));
    free(out);
}

/* Counts the occurrences of needle in hay. */
static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* The demo on a short run: both drivers side by side with their ratios,
 * every packet counted, every read verified, both crashes recovered; and
 * its usage errors. */
static void test_demo(void **state)
{
    (void)state;
    char *out;
    int st = run_tool("cordon-demo", "--seconds 0.3", &out);
    if (st != 0)
        fail_msg("cordon-demo --seconds 0.3: status %d, output: %s", st, out);
    assert_int_equal(count(out, "isolated / native: "), 2);
    assert_int_equal(count(out, "0 failed:"), 2);          /* both dummies */
    assert_int_equal(count(out, "0 data mismatches:"), 2); /* both null_blks */
    assert_non_null(strstr(out, "dummy0 is the same device: yes"));
    assert_non_null(strstr(out, "0 differ from what was acknowledged"));
    free(out);
    assert_int_equal(run_tool("cordon-demo", "--seconds 0", &out), 2);
    assert_non_null(strstr(out, "--seconds takes"));
    free(out);
    assert_int_equal(run_tool("cordon-demo", "--frob", &out), 2);
    assert_non_null(strstr(out, "unknown argument '--frob'"));
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_custom_rows),
        cmocka_unit_test(test_demo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
