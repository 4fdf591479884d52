// SPDX-License-Identifier: GPL-2.0
/*
 * main.c - cordon.ko: the kernel half of cordon. /dev/cordon gives each
 * opener one channel: CORDON_IOC_CREATE allocates its region (the ring
 * layout of src/ipc, checked by the same code the library uses), mmap maps
 * it into the domain, and the doorbell ioctls let the domain sleep and ring
 * (bell.c). The kernel's end of the channel is the shared endpoint code.
 *
 * What the module trusts: nothing the domain writes. Ioctl arguments are
 * copied in and checked (geometry, offsets, padding, timeouts); the region
 * is read only through the endpoint, which copies each slot out before it
 * looks at it and stops at the first violation.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "cordon.h"
#include "cordon/heap.h"
#include "cordon/kabi.h"
#include "../src/ipc/endpoint.h"

static int cordon_open(struct inode *inode, struct file *f)
{
	struct cordon_chan *c = kzalloc(sizeof(*c), GFP_KERNEL);

	if (!c)
		return -ENOMEM;
	mutex_init(&c->lock);
	init_waitqueue_head(&c->bell);
	INIT_LIST_HEAD(&c->node);
	f->private_data = c;
	return 0;
}

static int cordon_release(struct inode *inode, struct file *f)
{
	struct cordon_chan *c = f->private_data;

	if (c->service) {
		if (c->service->stop)
			c->service->stop(c);
		cordon_service_put(c->service);
	}
	if (c->region) {
		cordon_bell_del(c);
		cdn_ep_destroy(c->ep);
		vfree(c->region);
	}
	cdn_heap_destroy(c->heap);
	put_pid(c->domain);
	kfree(c);
	return 0;
}

void cordon_chan_note_domain(struct cordon_chan *c)
{
	struct pid *p;

	if (READ_ONCE(c->domain))
		return;
	p = get_task_pid(current, PIDTYPE_TGID);
	if (cmpxchg(&c->domain, NULL, p))
		put_pid(p); /* another thread of it came first */
}

bool cordon_chan_domain_gone(struct cordon_chan *c)
{
	struct pid *p = READ_ONCE(c->domain);
	struct task_struct *t;
	bool gone;

	if (!p)
		return false;
	rcu_read_lock();
	t = pid_task(p, PIDTYPE_TGID);
	gone = !t || (t->flags & PF_EXITING) || t->exit_state;
	rcu_read_unlock();
	return gone;
}
EXPORT_SYMBOL_GPL(cordon_chan_domain_gone);

static long create(struct cordon_chan *c, struct cordon_create __user *uarg)
{
	struct cordon_create arg;
	struct cdn_chan_geometry geom;
	struct cdn_region_layout l;
	struct cordon_service *s = NULL;
	long err;

	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	geom.ring_slots = arg.ring_slots;
	geom.ext_slot_size = arg.ext_slot_size;
	if (arg.pad || cdn_layout_compute(&geom, &l) != CDN_OK || arg.heap_size % 65536 ||
	    arg.heap_size > CORDON_HEAP_MAX)
		return -EINVAL;
	if (arg.service != CORDON_SERVICE_NONE) {
		s = cordon_service_get(arg.service);
		if (!s)
			return -ENOENT;
	}
	mutex_lock(&c->lock);
	err = -EBUSY;
	if (c->region)
		goto out;
	err = -ENOMEM;
	if (arg.heap_size && cdn_heap_create(arg.heap_size, &c->heap) != CDN_OK)
		goto out;
	c->region = vmalloc_user(l.total);
	if (!c->region)
		goto free_heap;
	cdn_layout_init(c->region, &geom);
	c->size = l.total;
	c->reg.fd = -1;
	c->reg.base = c->region;
	c->reg.size = l.total;
	c->reg.geom = geom;
	if (cdn_ep_create(&c->reg, CDN_SIDE_HOST, CDN_WAIT_ADAPTIVE, &c->ep) != CDN_OK)
		goto free_region;
	cordon_bell_add(c);
	if (s) {
		c->service = s; /* the service may look itself up through c */
		err = s->start(c);
		if (err) {
			c->service = NULL;
			goto unregister;
		}
		s = NULL;
	}
	arg.region_size = l.total;
	err = copy_to_user(uarg, &arg, sizeof(arg)) ? -EFAULT : 0;
	goto out; /* the channel stands; release takes it down */
unregister:
	cordon_bell_del(c);
	cdn_ep_destroy(c->ep);
	c->ep = NULL;
free_region:
	vfree(c->region);
	c->region = NULL;
	c->size = 0;
free_heap:
	cdn_heap_destroy(c->heap);
	c->heap = NULL;
out:
	mutex_unlock(&c->lock);
	cordon_service_put(s);
	return err;
}

static long service_call(struct cordon_chan *c, struct cordon_service_call __user *uarg)
{
	struct cordon_service_call *call;
	u32 out_len = 0;
	long err;

	if (!READ_ONCE(c->service) || !c->service->command)
		return -ENOTTY;
	call = kmalloc(sizeof(*call), GFP_KERNEL);
	if (!call)
		return -ENOMEM;
	err = -EFAULT;
	if (copy_from_user(call, uarg, sizeof(*call)))
		goto out;
	err = -EINVAL;
	if (call->len > sizeof(call->buf))
		goto out;
	err = c->service->command(c, call->cmd, call->buf, call->len, &out_len);
	if (err)
		goto out;
	call->len = min_t(u32, out_len, sizeof(call->buf));
	err = copy_to_user(uarg, call, sizeof(*call)) ? -EFAULT : 0;
out:
	kfree(call);
	return err;
}

static long stats(struct cordon_chan *c, struct cordon_stats __user *uarg)
{
	struct cordon_stats s;
	struct cdn_ep_stats es;

	memset(&s, 0, sizeof(s));
	mutex_lock(&c->lock);
	if (c->ep) {
		cdn_ep_get_stats(c->ep, &es);
		s.received = es.received;
		s.sent = es.sent;
		s.protocol_errors = es.protocol_errors;
		s.broken = cdn_ep_broken(c->ep);
		strscpy(s.violation, cdn_ep_violation(c->ep), sizeof(s.violation));
	}
	mutex_unlock(&c->lock);
	s.waits = atomic64_read(&c->waits);
	s.wakes = atomic64_read(&c->wakes);
	return copy_to_user(uarg, &s, sizeof(s)) ? -EFAULT : 0;
}

static long cordon_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct cordon_chan *c = f->private_data;
	struct cordon_wait w;

	switch (cmd) {
	case CORDON_IOC_CREATE:
		return create(c, (struct cordon_create __user *)arg);
	case CORDON_IOC_WAIT:
		cordon_chan_note_domain(c);
		if (copy_from_user(&w, (void __user *)arg, sizeof(w)))
			return -EFAULT;
		if (!READ_ONCE(c->region))
			return -EINVAL;
		return cordon_bell_wait_user(c, w.offset, w.expected, w.timeout_ns);
	case CORDON_IOC_WAKE:
		cordon_chan_note_domain(c);
		atomic64_inc(&c->wakes);
		wake_up_all(&c->bell);
		return 0;
	case CORDON_IOC_STATS:
		return stats(c, (struct cordon_stats __user *)arg);
	case CORDON_IOC_SERVICE:
		return service_call(c, (struct cordon_service_call __user *)arg);
	default:
		return -ENOTTY;
	}
}

/* Offset 0: the channel's region; offset region size: its heap. */
static int cordon_mmap(struct file *f, struct vm_area_struct *vma)
{
	struct cordon_chan *c = f->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	unsigned long off = vma->vm_pgoff << PAGE_SHIFT;
	int err = -EINVAL;

	mutex_lock(&c->lock);
	if (c->region && off == 0 && len <= c->size)
		err = remap_vmalloc_range(vma, c->region, 0);
	else if (c->heap && off == c->size && len <= cdn_heap_size(c->heap))
		err = remap_vmalloc_range(vma, cdn_heap_base(c->heap), 0);
	mutex_unlock(&c->lock);
	return err;
}

static const struct file_operations cordon_fops = {
	.owner = THIS_MODULE,
	.open = cordon_open,
	.release = cordon_release,
	.unlocked_ioctl = cordon_ioctl,
	.mmap = cordon_mmap,
};

static struct miscdevice cordon_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "cordon",
	.fops = &cordon_fops,
	.mode = 0600,
};

static int __init cordon_init(void)
{
	int err = cordon_echo_init();

	if (err)
		return err;
	err = misc_register(&cordon_dev);
	if (err)
		cordon_echo_exit();
	return err;
}

static void __exit cordon_exit(void)
{
	misc_deregister(&cordon_dev);
	cordon_echo_exit();
}

module_init(cordon_init);
module_exit(cordon_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("cordon: drivers isolated in user-space domains, the kernel as host");
