// SPDX-License-Identifier: GPL-2.0
/*
 * async_stub.c - the kernel's side has no fibers: a glue in cordon.ko never
 * gets an async runtime (cdn_glue_set_async is not called), so the glue
 * runtime's calls into one are never reached. These keep the link whole
 * and say so if that ever changes.
 */
#include <linux/bug.h>

#include "cordon/async.h"

void cdn_async_yield(struct cdn_async *rt)
{
	WARN_ON_ONCE(1);
}

int cdn_async_call(struct cdn_async *rt, struct cdn_ep *ep, struct cdn_msg *req,
		   struct cdn_msg *reply, int64_t timeout_ns)
{
	WARN_ON_ONCE(1);
	return CDN_EINVAL;
}

int cdn_async_poll(struct cdn_async *rt)
{
	WARN_ON_ONCE(1);
	return CDN_EINVAL;
}

int cdn_async_in_fiber(const struct cdn_async *rt)
{
	return 0;
}
