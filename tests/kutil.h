/* kutil.h - helpers shared by the kernel core's test programs (linked by
 * the Makefile's KTEST). */
#ifndef CORDON_TESTS_KUTIL_H
#define CORDON_TESTS_KUTIL_H

/* Objects live in every heap the kernel core has now, added up: 0 when a
 * test has given back everything it and its drivers allocated. */
unsigned test_heap_objects_live(void);

#endif
