/* SPDX-License-Identifier: GPL-2.0 */
/* idltest_impl.h - the idltest module's own declarations. */
#ifndef CORDON_IDLTEST_IMPL_H
#define CORDON_IDLTEST_IMPL_H

#include "cordon/glue.h"
#include "demo_types.h"

extern int idltest_host_calls;
extern struct device *idltest_registered;

#endif
