// SPDX-License-Identifier: GPL-2.0
/*
 * service.c - the registry of services (cordon_service.h): who serves the
 * kernel's side of a channel, by id. A channel holds its service's module
 * for as long as it uses it.
 */
#include <linux/errno.h>
#include <linux/module.h>
#include <linux/mutex.h>

#include "cordon.h"
#include "cordon/kabi.h"

static struct cordon_service *services[CORDON_SERVICE_MAX + 1];
static DEFINE_MUTEX(services_lock);

int cordon_service_register(struct cordon_service *s)
{
	int err = 0;

	if (!s || !s->start || s->id == CORDON_SERVICE_NONE || s->id > CORDON_SERVICE_MAX)
		return -EINVAL;
	mutex_lock(&services_lock);
	if (services[s->id])
		err = -EBUSY;
	else
		services[s->id] = s;
	mutex_unlock(&services_lock);
	return err;
}
EXPORT_SYMBOL_GPL(cordon_service_register);

void cordon_service_unregister(struct cordon_service *s)
{
	mutex_lock(&services_lock);
	if (s && s->id <= CORDON_SERVICE_MAX && services[s->id] == s)
		services[s->id] = NULL;
	mutex_unlock(&services_lock);
}
EXPORT_SYMBOL_GPL(cordon_service_unregister);

/* The service registered under id, with its module held; NULL if none. */
struct cordon_service *cordon_service_get(u32 id)
{
	struct cordon_service *s = NULL;

	if (id > CORDON_SERVICE_MAX)
		return NULL;
	mutex_lock(&services_lock);
	if (services[id] && try_module_get(services[id]->owner))
		s = services[id];
	mutex_unlock(&services_lock);
	return s;
}

void cordon_service_put(struct cordon_service *s)
{
	if (s)
		module_put(s->owner);
}

struct cdn_ep *cordon_chan_ep(struct cordon_chan *c)
{
	return c->ep;
}
EXPORT_SYMBOL_GPL(cordon_chan_ep);

struct cdn_heap *cordon_chan_heap(struct cordon_chan *c)
{
	return c->heap;
}
EXPORT_SYMBOL_GPL(cordon_chan_heap);

void cordon_chan_set_data(struct cordon_chan *c, void *data)
{
	c->service_data = data;
}
EXPORT_SYMBOL_GPL(cordon_chan_set_data);

void *cordon_chan_data(struct cordon_chan *c)
{
	return c->service_data;
}
EXPORT_SYMBOL_GPL(cordon_chan_data);
