/* linux/module.h - module boilerplate. module_init/module_exit name the
 * functions the host calls (directly in native mode, through the glue's
 * export rpcs in a domain). */
#ifndef CDN_LINUX_MODULE_H
#define CDN_LINUX_MODULE_H

#include "linux/kernel.h"
#include "linux/moduleparam.h"

#define __init
#define __exit
/* Visible to analysis (cordon-split finds the entry points here), as Linux's
 * own macros are; nothing calls these pointers. */
#define module_init(fn) __attribute__((unused)) static int (*const cdn_module_init_fn)(void) = fn
#define module_exit(fn) __attribute__((unused)) static void (*const cdn_module_exit_fn)(void) = fn
#define MODULE_LICENSE(l)
#define MODULE_AUTHOR(a)
#define MODULE_DESCRIPTION(d)
#define MODULE_ALIAS_RTNL_LINK(n)

#endif
