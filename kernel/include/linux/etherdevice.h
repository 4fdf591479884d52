#ifndef CDN_LINUX_ETHERDEVICE_H
#define CDN_LINUX_ETHERDEVICE_H
#include "linux/netdevice.h"
#endif
