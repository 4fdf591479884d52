/* stdint.h for cordon's shared code in the kernel: linux/types.h has the
 * types, linux/limits.h the limits under other names. */
#ifndef CORDON_COMPAT_STDINT_H
#define CORDON_COMPAT_STDINT_H
#include <linux/limits.h>
#include <linux/types.h>

#define UINT8_MAX  U8_MAX
#define UINT16_MAX U16_MAX
#define UINT32_MAX U32_MAX
#define UINT64_MAX U64_MAX
#define INT32_MAX  S32_MAX
#define INT64_MAX  S64_MAX
#define INT64_MIN  S64_MIN
#endif
