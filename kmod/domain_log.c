// SPDX-License-Identifier: GPL-2.0
/*
 * domain_log.c - a domain's printk lines in the kernel's log (the IDL's
 * cdn_kernel_log rpc, which each driver's glue module implements with
 * this): printable ASCII only, at most 255 characters, marked as the
 * domain's, and rate-limited, so a domain's flood is not the log's.
 */
#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/printk.h>

#include "cordon_service.h"

void cordon_domain_log(const char *driver, const char *msg)
{
	char line[256];
	size_t i;

	for (i = 0; msg[i] && i < sizeof(line) - 1; i++)
		line[i] = isprint(msg[i]) ? msg[i] : '?';
	line[i] = 0;
	pr_info_ratelimited("cordon: %s domain: %s\n", driver, line);
}
EXPORT_SYMBOL_GPL(cordon_domain_log);
