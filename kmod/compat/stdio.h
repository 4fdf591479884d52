/* stdio.h for cordon's shared code in the kernel: snprintf only. */
#ifndef CORDON_COMPAT_STDIO_H
#define CORDON_COMPAT_STDIO_H
#include <linux/kernel.h>
#endif
