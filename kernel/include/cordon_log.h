/*
 * cordon_log.h - where a domain's printk lines go: the generated rpc that
 * hands each formatted line to the host, whichever host that is (the
 * kernel core here, cordon.ko in a real kernel: kmod/cordon_log.h).
 */
#ifndef CORDON_LOG_H
#define CORDON_LOG_H

void cdn_kernel_log(const char *msg);

#endif
