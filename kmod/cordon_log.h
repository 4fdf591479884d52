/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cordon_log.h - a domain's printk lines, handed to the kernel's log by the
 * glue module of the domain's driver (the IDL's cdn_kernel_log rpc; the
 * user-space host declares the same in kernel/include/cordon_log.h).
 */
#ifndef CORDON_KMOD_LOG_H
#define CORDON_KMOD_LOG_H

void cdn_kernel_log(const char *msg);

#endif
