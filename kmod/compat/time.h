/* time.h for cordon's shared code in the kernel: the monotonic clocks. */
#ifndef CORDON_COMPAT_TIME_H
#define CORDON_COMPAT_TIME_H
#include <linux/time.h>
#include <linux/timekeeping.h>

#define timespec timespec64

static inline int clock_gettime(int clock, struct timespec64 *ts)
{
	if (clock == CLOCK_MONOTONIC_COARSE)
		ktime_get_coarse_ts64(ts);
	else
		ktime_get_ts64(ts);
	return 0;
}
#endif
