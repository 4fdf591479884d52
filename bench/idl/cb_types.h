/* cb_types.h - the domain functions behind bench/idl/cb.idl. */
#ifndef CB_TYPES_H
#define CB_TYPES_H

#include <stdint.h>

int32_t int_call(int32_t x);
uint32_t string_call(const char *s);
uint64_t array_call(const uint64_t *a);

#endif
