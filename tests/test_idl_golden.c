/*
 * test_idl_golden.c - the generated glue for tests/idl/demo.idl must match
 * the reviewed copies in tests/golden/ byte for byte. After an intended
 * change to the generator, `make golden` rewrites them; review the diff.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/idl/compile.h"
#include "../src/idl/gen.h"
#include "util.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    FILE *m = open_memstream(&buf, &cap);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    *len = cap;
    return buf;
}

static void test_golden_demo(void **state)
{
    (void)state;
    size_t len;
    char *src = slurp("tests/idl/demo.idl", &len);
    if (!src)
        fail_msg("run from the repository root (tests/idl/demo.idl not found)");
    struct idl_file f;
    assert_int_equal(idl_compile(&f, "tests/idl/demo.idl", src, len, stderr), 0);
    char dir[] = "/tmp/cordon-golden-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(idl_generate(&f, dir, GEN_HOST | GEN_DOMAIN), 0);
    static const char *files[] = {"demo_common.h", "demo_host.h", "demo_host.c", "demo_domain.h",
                                  "demo_domain.c"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/%s", dir, files[i]);
        snprintf(b, sizeof b, "tests/golden/%s", files[i]);
        size_t la, lb;
        char *ga = slurp(a, &la), *gb = slurp(b, &lb);
        assert_non_null(ga);
        if (!gb)
            fail_msg("%s missing: run `make golden`", b);
        if (la != lb || memcmp(ga, gb, la) != 0) {
            size_t line = 1, k = 0;
            while (k < la && k < lb && ga[k] == gb[k])
                line += ga[k++] == '\n';
            fail_msg("%s differs from %s at line %zu (run `make golden` if intended)", a, b, line);
        }
        free(ga);
        free(gb);
        unlink(a);
    }
    rmdir(dir);
    idl_file_free(&f);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_demo),
    };
    return cmocka_run_group_tests_name("idl-golden", tests, NULL, NULL);
}
