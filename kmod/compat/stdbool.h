/* stdbool.h for cordon's shared code in the kernel. */
#ifndef CORDON_COMPAT_STDBOOL_H
#define CORDON_COMPAT_STDBOOL_H
#include <linux/types.h>
#endif
