// SPDX-License-Identifier: GPL-2.0
/*
 * dummy_kmod.c - the dummy driver isolated with the kernel as host: its
 * kernel-side glue module, cordon_dummy.ko. The glue is cordon-idlc's host
 * side of dummy.idl, compiled against the running kernel's own headers;
 * cordon.ko's net host (kmod/net.c) runs the rest. The driver itself
 * (dummy.c, the same file the user-space host runs) lives in a domain.
 */
#include <linux/module.h>

#include "cordon_log.h"
#include "cordon_net.h"
#include "cordon_service.h"
#include "dummy_host.h"

/* The driver's printk lines: sanitised, rate-limited (cordon.ko). */
void cdn_kernel_log(const char *msg)
{
	cordon_domain_log("dummy", msg);
}

static struct cordon_net_driver dummy_isolated = {
	.name = "dummy",
	.service = CORDON_SERVICE_DUMMY,
	.owner = THIS_MODULE,
	.host_init = dummy_host_init,
	.dispatch = dummy_host_dispatch,
	.check_glue = dummy_host_check,
	.call_init = dummy_call_dummy_init_module,
	.call_exit = dummy_call_dummy_cleanup_module,
	.rpc_rtnl_lock = dummy_RPC_rtnl_lock,
	.rpc_rtnl_unlock = dummy_RPC_rtnl_unlock,
};

static int __init dummy_kmod_init(void)
{
	return cordon_net_register(&dummy_isolated);
}

static void __exit dummy_kmod_exit(void)
{
	cordon_net_unregister(&dummy_isolated);
}

module_init(dummy_kmod_init);
module_exit(dummy_kmod_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cordon: the dummy driver, isolated in a user-space domain");
