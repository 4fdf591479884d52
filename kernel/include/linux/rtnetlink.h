/* linux/rtnetlink.h - rtnl_lock and rtnl_unlock, as Linux declares them
 * here (the kernel core keeps them with the rest in netdevice.h). */
#ifndef CORDON_LINUX_RTNETLINK_H
#define CORDON_LINUX_RTNETLINK_H
#include "linux/netdevice.h"
#endif
