/* SPDX-License-Identifier: GPL-2.0 */
/* linux/rtnetlink.h in the dummy driver's view: all of it is in netdevice.h. */
#include "netdevice.h"
