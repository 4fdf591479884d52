// SPDX-License-Identifier: GPL-2.0
/*
 * bell.c - the doorbell: how either side of a channel sleeps until the
 * other rings. The shared endpoint code sleeps on a word of the region's
 * control page (futex.h); in the kernel that sleep is on the channel's wait
 * queue, and the domain's side reaches the same queue through
 * CORDON_IOC_WAIT and CORDON_IOC_WAKE. Every sleep is bounded: a peer that
 * never rings delays a waiter by one slice, never more.
 */
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/rculist.h>
#include <linux/spinlock.h>
#include <linux/wait.h>

#include "cordon.h"
#include "cordon/kabi.h"
#include "../src/ipc/futex.h"

static LIST_HEAD(chans);
static DEFINE_SPINLOCK(chans_lock);

void cordon_bell_add(struct cordon_chan *c)
{
	spin_lock(&chans_lock);
	list_add_rcu(&c->node, &chans);
	spin_unlock(&chans_lock);
}

void cordon_bell_del(struct cordon_chan *c)
{
	spin_lock(&chans_lock);
	list_del_rcu(&c->node);
	spin_unlock(&chans_lock);
	synchronize_rcu();
}

/* The wait queue of the channel whose region holds word, or NULL. */
static struct cordon_chan *chan_of(const u32 *word)
{
	struct cordon_chan *c, *found = NULL;

	rcu_read_lock();
	list_for_each_entry_rcu(c, &chans, node)
	{
		const u8 *w = (const u8 *)word, *base = c->region;

		if (base && w >= base && w + sizeof(*word) <= base + c->size) {
			found = c;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

static long timeout_jiffies(s64 ns)
{
	if (ns <= 0)
		return 1;
	if (ns > CORDON_WAIT_MAX_NS)
		ns = CORDON_WAIT_MAX_NS;
	return max_t(long, 1, nsecs_to_jiffies(ns));
}

/* (The channel outlives its endpoint's waits: both end at release.) */
void cdn_kbell_wait(uint32_t *word, uint32_t expected, int64_t timeout_ns)
{
	struct cordon_chan *c = chan_of(word);

	if (!c)
		return;
	wait_event_interruptible_timeout(c->bell,
					 READ_ONCE(*word) != expected ||
						 atomic_read(&c->kicks) != READ_ONCE(c->kick_seen),
					 timeout_jiffies(timeout_ns));
}

void cdn_kbell_wake(uint32_t *word, int count)
{
	struct cordon_chan *c = chan_of(word);

	if (c)
		wake_up_all(&c->bell);
}

/* CORDON_IOC_WAIT: the domain sleeps on a word of its own region. */
long cordon_bell_wait_user(struct cordon_chan *c, u32 offset, u32 expected, s64 timeout_ns)
{
	const u32 *word;
	long left;

	if (!c->region || offset % 4 || offset > c->size - sizeof(u32))
		return -EINVAL;
	word = (const u32 *)((const u8 *)c->region + offset);
	atomic64_inc(&c->waits);
	left = wait_event_interruptible_timeout(c->bell, READ_ONCE(*word) != expected,
						timeout_jiffies(timeout_ns));
	return left < 0 ? left : 0;
}
