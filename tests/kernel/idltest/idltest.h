/*
 * idltest.h - between the guest's idl_test and the kernel's idltest
 * service: the commands, and what the kernel saw when it ran
 * tests/idl/demo.idl's calls with its generated host glue against the
 * test's domain.
 */
#ifndef CORDON_IDLTEST_H
#define CORDON_IDLTEST_H

#include <linux/types.h>

#define IDLTEST_SERVICE 64 /* CORDON_SERVICE_MODULES */
#define IDLTEST_RUN	1  /* run every call; out: struct idltest_outcome */

struct idltest_outcome {
	__s32 probe, probe_err;
	__u32 flags, mtu;
	__u8 addr[6], has_ops, pad;
	__u64 secret;
	__s32 open_ret, xmit_ret;
	__u64 tx_packets, tx_bytes, kick;
	__u32 host_limit_after, drv_counter_after;
	__u32 take_sum, owner_after_take, owner_after_consume;
	__s32 consume_ok, consume_again;
	__s32 malformed[10];
	__s32 host_calls_during_malformed;
	__s32 setup_err;
};

#endif
