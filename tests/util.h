/* util.h - helpers shared by the test programs. */
#ifndef CORDON_TESTS_UTIL_H
#define CORDON_TESTS_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cordon/domain.h"

/* Path of a test module: <dir of this test binary>/modules/<name>.so */
const char *test_module_path(const char *name);

/* <dir of this test binary>/../lib/cordon: where the driver modules are. */
const char *test_lib_dir(void);

/* Creates and starts a domain running test module `name`. */
struct cdn_domain *test_start(enum cdn_backend backend, const char *name, const char *arg,
                              enum cdn_wait_policy policy);

/* Runs a shell command; returns its exit status (128 if it did not exit)
 * and, if out is not NULL, its stdout (caller frees). */
int test_run(const char *cmd, char **out);

/* A request with one u64 in its inline data. */
void test_msg_u64(struct cdn_msg *m, uint16_t rpc, uint64_t v);
uint64_t test_get_u64(const struct cdn_msg *m);

#endif
