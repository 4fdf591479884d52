// SPDX-License-Identifier: GPL-2.0
/*
 * echo.c - the test service: a kernel thread that answers every request
 * on a channel with the request's own payload, through the shared serve
 * code. It shows the channel working end to end between the kernel and a
 * domain, and takes the hostile tests' garbage: on the first violation the
 * endpoint gives up on the domain (the thread ends; nothing else is hurt).
 */
#include <linux/kthread.h>
#include <linux/string.h>

#include "cordon.h"
#include "cordon/kabi.h"
#include "../src/ipc/endpoint.h"

/* How long one receive waits before the thread checks whether to stop. */
#define ECHO_POLL_NS (50 * NSEC_PER_MSEC)

static int echo(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
	rep->inline_len = req->inline_len;
	memcpy(rep->data, req->data, req->inline_len);
	rep->ext = req->ext; /* the endpoint's private copy: valid until the next receive */
	rep->ext_len = req->ext_len;
	return CDN_OK;
}

static int echo_thread(void *arg)
{
	struct cordon_chan *c = arg;

	while (!kthread_should_stop()) {
		struct cdn_wait w = cdn_wait_for(ECHO_POLL_NS);
		struct cdn_msg req;
		int st = cdn_ep_recv_w(c->ep, &req, &w);

		if (st == CDN_ETIMEDOUT || st == CDN_EAGAIN)
			continue;
		if (st != CDN_OK)
			break; /* broken or dead: the domain's doing, reported by STATS */
		if (!(req.flags & CDN_MSG_REQUEST))
			continue;
		w = cdn_wait_for(ECHO_POLL_NS);
		if (cdn_ep_serve_one(c->ep, &req, echo, NULL, &w) != CDN_OK && cdn_ep_broken(c->ep))
			break;
	}
	/* the file's release stops us; until then, wait for it */
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
	return 0;
}

static int echo_start(struct cordon_chan *c)
{
	struct task_struct *t = kthread_run(echo_thread, c, "cordon-echo");

	if (IS_ERR(t))
		return PTR_ERR(t);
	c->server = t;
	return 0;
}

static void echo_stop(struct cordon_chan *c)
{
	if (!c->server)
		return;
	cdn_ep_mark_dead(c->ep); /* wakes it if it sleeps on the channel */
	kthread_stop(c->server);
	c->server = NULL;
}

static struct cordon_service echo_service = {
	.id = CORDON_SERVICE_ECHO,
	.name = "echo",
	.owner = THIS_MODULE,
	.start = echo_start,
	.stop = echo_stop,
};

int cordon_echo_init(void)
{
	return cordon_service_register(&echo_service);
}

void cordon_echo_exit(void)
{
	cordon_service_unregister(&echo_service);
}
