/* string.h for cordon's shared code in the kernel. */
#ifndef CORDON_COMPAT_STRING_H
#define CORDON_COMPAT_STRING_H
#include <linux/string.h>
#endif
