// SPDX-License-Identifier: GPL-2.0
/*
 * names.c - the check of the device name patterns drivers give the hosts
 * (a net device's "dummy%d", a disk's "nullb%d"): the host numbers the
 * pattern and the name reaches sysfs and devtmpfs, so only plain names
 * pass.
 */
#include <linux/ctype.h>

#include "cordon.h"

bool cordon_name_pattern_ok(const char *p, size_t cap, bool need_hole)
{
	size_t i;
	int holes = 0;

	for (i = 0; i < cap && p[i]; i++) {
		if (p[i] == '%') {
			if (p[i + 1] != 'd')
				return false;
			holes++;
			i++;
		} else if (!islower(p[i]) && !isdigit(p[i]) && p[i] != '_' && p[i] != '-') {
			return false;
		}
	}
	if (i == 0 || i >= cap || holes > 1 || (need_hole && !holes))
		return false;
	return !holes || i + 8 < cap; /* room for the number the host gives */
}
