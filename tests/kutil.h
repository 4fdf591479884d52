/* kutil.h - helpers shared by the kernel core's test programs (linked by
 * the Makefile's KTEST). */
#ifndef CORDON_TESTS_KUTIL_H
#define CORDON_TESTS_KUTIL_H

#include "cordon_kernel.h"

/* Objects live in every heap the kernel core has now, added up: 0 when a
 * test has given back everything it and its drivers allocated. */
unsigned test_heap_objects_live(void);

/*
 * One test body run in several driver modes: the body takes its mode with
 * test_mode(state), and the list of tests names it once,
 *     CDN_TEST_EVERY_MODE(test_x),   native, inproc and process
 *     CDN_TEST_ISOLATED(test_x),     inproc and process
 * each instance named "test_x (mode)" in cmocka's output.
 */
extern const enum cdn_drv_mode test_modes[3];
static inline enum cdn_drv_mode test_mode(void **state)
{
    return *(const enum cdn_drv_mode *)*state;
}
#define CDN_TEST_IN_MODE(fn, i, name)                                                              \
    {                                                                                              \
#fn " (" name ")", fn, NULL, NULL, (void *)&test_modes[i]                                  \
    }
#define CDN_TEST_ISOLATED(fn)   CDN_TEST_IN_MODE(fn, 1, "inproc"), CDN_TEST_IN_MODE(fn, 2, "process")
#define CDN_TEST_EVERY_MODE(fn) CDN_TEST_IN_MODE(fn, 0, "native"), CDN_TEST_ISOLATED(fn)

#endif
