/*
 * test_install.c - what `make install` installs is enough to build and run
 * a driver outside this tree: scripts/install_check.sh installs into a
 * scratch directory, builds a copy of the dummy driver and a host against
 * the installed headers, libraries and pkg-config files alone, and runs it
 * native, inproc and process. Run from the source tree (as make test does).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

static void test_driver_outside_the_tree(void **state)
{
    (void)state;
    if (access("scripts/install_check.sh", R_OK) != 0)
        fail_msg("run from the source tree: scripts/install_check.sh not found");
    char *out;
    int st = test_run("bash scripts/install_check.sh 2>&1", &out);
    if (st != 0)
        fail_msg("install_check.sh: status %d, output:\n%s", st, out);
    static const char *const said[] = {
        "oot_host native: 10000 packets sent, 10000 counted by the driver, 0 failed",
        "oot_host inproc: 10000 packets sent, 10000 counted by the driver, 0 failed",
        "oot_host process: 10000 packets sent, 10000 counted by the driver, 0 failed",
    };
    for (size_t i = 0; i < sizeof said / sizeof said[0]; i++)
        if (!strstr(out, said[i]))
            fail_msg("install_check.sh did not say \"%s\":\n%s", said[i], out);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_outside_the_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
