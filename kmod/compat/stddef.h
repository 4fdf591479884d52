/* stddef.h for cordon's shared code in the kernel. */
#ifndef CORDON_COMPAT_STDDEF_H
#define CORDON_COMPAT_STDDEF_H
#include <linux/stddef.h>
#include <linux/types.h>
#endif
