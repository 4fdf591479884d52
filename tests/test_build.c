/*
 * test_build.c - the build's dependencies are exact: `make -n -W HEADER`
 * (as if HEADER had just changed) would rebuild what includes it and
 * nothing else. Every object is compiled with -MMD, so this holds for any
 * header; the cases below are the ones the hand-written lists used to get
 * wrong (a module built from sources in one command, its headers listed
 * by hand). Run from the source tree (as make test does), against the
 * build directory this test binary belongs to.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* What make would run for targets if header had changed (header NULL:
 * as things are). */
static char *what_if(const char *header, const char *targets)
{
    if (access("Makefile", R_OK) != 0 || (header && access(header, R_OK) != 0))
        fail_msg("run from the source tree: Makefile or %s not found", header);
    char dir[PATH_MAX], build[PATH_MAX], cmd[3 * PATH_MAX];
    assert_int_equal(cdn_self_dir(dir, sizeof dir), CDN_OK); /* BUILD/tests */
    char *slash = strrchr(dir, '/');
    assert_non_null(slash);
    *slash = 0;
    assert_non_null(realpath(dir, build));
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    const char *rel = strncmp(build, cwd, strlen(cwd)) == 0 ? build + strlen(cwd) + 1 : build;
    char list[2 * PATH_MAX] = "";
    for (const char *t = targets; *t;) {
        size_t n = strcspn(t, " ");
        snprintf(list + strlen(list), sizeof list - strlen(list), " %s/%.*s", rel, (int)n, t);
        t += n;
        t += *t == ' ';
    }
    snprintf(cmd, sizeof cmd, "make -n %s%s BUILD=%s%s 2>&1", header ? "-W " : "",
             header ? header : "", rel, list);
    char *out;
    int st = test_run(cmd, &out);
    if (st != 0)
        fail_msg("%s: status %d\n%s", cmd, st, out);
    return out;
}

/* Whether make would compile object (a compile line naming it as its
 * output; a link line names every object of its module). */
static int compiles(const char *out, const char *object)
{
    for (const char *line = out; *line;) {
        size_t n = strcspn(line, "\n");
        char buf[4096];
        snprintf(buf, sizeof buf, "%.*s", (int)n, line);
        const char *o = strstr(buf, " -o ");
        if (strstr(buf, " -c ") && o && strstr(o, object))
            return 1;
        line += n + (line[n] == '\n');
    }
    return 0;
}

/* Whether the header's change alone would make make compile object. An
 * object the build would compile anyway (a file edited since the build)
 * says nothing either way and is not held against the rule; make test
 * builds everything first, so there every object counts. */
struct what {
    char *changed, *as_is;
};

static struct what what_if_changed(const char *header, const char *targets)
{
    struct what w = {what_if(header, targets), what_if(NULL, targets)};
    return w;
}

static void expect(const struct what *w, const char *object, int rebuilt)
{
    if (compiles(w->as_is, object))
        return; /* stale anyway: no evidence */
    if (compiles(w->changed, object) != rebuilt)
        fail_msg("%s %s, but make -n says:\n%s", object, rebuilt ? "is not rebuilt" : "is rebuilt",
                 w->changed);
}

static void what_free(struct what *w)
{
    free(w->changed);
    free(w->as_is);
}

/* The driver wrapper's header: every module that includes it (the split
 * drivers' too), and none of the objects that do not. */
static void test_driver_module_header(void **state)
{
    (void)state;
    struct what w = what_if_changed("kernel/drvlib/driver_module.h",
                                    "lib/cordon/dummysplit.so lib/cordon/null_blk.so "
                                    "lib/cordon/dummy.so");
    struct what *out = &w;
    expect(out, "mobj/dummysplit/tests/modules/dummysplit_module.o", 1);
    expect(out, "mobj/null_blk/drivers/block/null_blk_module.o", 1);
    expect(out, "mobj/dummy/drivers/net/dummy_module.o", 1);
    expect(out, "mobj/dummy/drivers/net/dummy.o", 0);
    expect(out, "mobj/null_blk/kernel/drvlib/rqring.o", 0);
    what_free(out);
}

/* A header of one test driver: its modules, nothing of the real drivers. */
static void test_test_driver_header(void **state)
{
    (void)state;
    struct what w = what_if_changed("tests/modules/bad_netdev.h",
                                    "lib/cordon/net_bad.so lib/cordon/net_ring_bad.so "
                                    "lib/cordon/dummy.so");
    struct what *out = &w;
    expect(out, "mobj/net_bad/tests/modules/net_bad.o", 1);
    expect(out, "mobj/net_ring_bad/tests/modules/net_ring_bad.o", 1);
    expect(out, "mobj/dummy/", 0);
    what_free(out);
}

/* The module-parameter header: the modules' parameter code and the
 * host's, and no ring code. */
static void test_params_header(void **state)
{
    (void)state;
    struct what w = what_if_changed("kernel/include/cordon_params.h", "lib/cordon/nullsplit.so");
    struct what *out = &w;
    expect(out, "mobj/nullsplit/kernel/lib/params.o", 1);
    expect(out, "mobj/nullsplit/kernel/drvlib/blk_media.o", 0);
    what_free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_module_header),
        cmocka_unit_test(test_test_driver_header),
        cmocka_unit_test(test_params_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
