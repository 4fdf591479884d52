/* stdint.h for cordon's shared code in the kernel: linux/types.h has them. */
#ifndef CORDON_COMPAT_STDINT_H
#define CORDON_COMPAT_STDINT_H
#include <linux/types.h>
#endif
