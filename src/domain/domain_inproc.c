/*
 * domain_inproc.c - the inproc backend: the module runs on a thread of the
 * host process, behind the same channel and glue as a process domain.
 *
 * There is no memory isolation here. Killing is cooperative: the host marks
 * both endpoints dead, so the module's next channel operation fails and its
 * serve loop returns. A module that spins without touching the channel
 * cannot be stopped; destroy() then leaves its memory mapped on purpose
 * (freeing it under a running thread would be worse) and says so.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain_impl.h"

static int inproc_peer_dead(void *arg)
{
    struct cdn_domain *dom = arg;
    return __atomic_load_n(&dom->thread_done, __ATOMIC_ACQUIRE);
}

/* The domain side's view of the host: dead once the host killed us. */
static int inproc_host_dead(void *arg)
{
    struct cdn_domain *dom = arg;
    return __atomic_load_n(&dom->host_killed, __ATOMIC_ACQUIRE);
}

static void *inproc_thread(void *arg)
{
    struct cdn_domain *dom = arg;
    if (dom->cfg.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(dom->cfg.cpu, &set);
        pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    }
    int rc = cdn_dom_hello(dom->dom_ep, 5000000000LL);
    if (rc == CDN_OK)
        rc = dom->module->main(&dom->ctx);
    dom->thread_status = rc;
    __atomic_store_n(&dom->thread_done, 1, __ATOMIC_RELEASE);
    cdn_ep_mark_dead(dom->ep); /* wake a host sleeping on this channel */
    return NULL;
}

static int inproc_resolve_module(struct cdn_domain *dom)
{
    if (dom->cfg.module) {
        dom->module = dom->cfg.module;
    } else {
        dom->dl_handle = dlopen(dom->module_path, RTLD_NOW | RTLD_LOCAL);
        if (!dom->dl_handle) {
            snprintf(dom->reason, sizeof dom->reason, "dlopen: %s", dlerror());
            return CDN_ELOAD;
        }
        dom->module = dlsym(dom->dl_handle, CDN_MODULE_SYMBOL);
    }
    if (!dom->module || dom->module->abi != CDN_MODULE_ABI || !dom->module->main) {
        snprintf(dom->reason, sizeof dom->reason, "module lacks %s or has the wrong ABI",
                 CDN_MODULE_SYMBOL);
        return CDN_ELOAD;
    }
    return CDN_OK;
}

static int inproc_start(struct cdn_domain *dom)
{
    int r = inproc_resolve_module(dom);
    if (r != CDN_OK)
        return r;
    r = cdn_ep_create(&dom->region, CDN_SIDE_DOMAIN, dom->cfg.domain_policy, &dom->dom_ep);
    if (r != CDN_OK)
        return r;
    cdn_ep_set_peer_policy(dom->dom_ep, dom->cfg.host_policy);
    cdn_ep_set_peer_check(dom->dom_ep, inproc_host_dead, dom);
    dom->ctx.ep = dom->dom_ep;
    dom->ctx.arg = dom->module_arg;
    dom->ctx.region_base = dom->region.base;
    dom->ctx.region_size = dom->region.size;
    if (dom->cfg.heap) {
        dom->ctx.heap_base = cdn_heap_base(dom->cfg.heap);
        dom->ctx.heap_size = cdn_heap_size(dom->cfg.heap);
    }
    int e = pthread_create(&dom->thread, NULL, inproc_thread, dom);
    if (e != 0) {
        errno = e;
        return CDN_ESYS;
    }
    dom->thread_started = 1;
    dom->state = CDN_DOM_RUNNING;
    return cdn_domain_await_hello(dom);
}

static int inproc_kill(struct cdn_domain *dom)
{
    __atomic_store_n(&dom->host_killed, 1, __ATOMIC_RELEASE);
    if (dom->dom_ep)
        cdn_ep_mark_dead(dom->dom_ep);
    return CDN_OK;
}

static int inproc_wait(struct cdn_domain *dom, int64_t timeout_ns)
{
    if (!dom->thread_started)
        return CDN_ESTATE;
    int64_t deadline = timeout_ns < 0 ? INT64_MAX : cdn_now_ns() + timeout_ns;
    while (!__atomic_load_n(&dom->thread_done, __ATOMIC_ACQUIRE)) {
        if (cdn_now_ns() >= deadline)
            return CDN_ETIMEDOUT;
        struct timespec ts = {0, 200000};
        nanosleep(&ts, NULL);
    }
    pthread_join(dom->thread, NULL);
    dom->thread_started = 0;
    memset(&dom->exit, 0, sizeof dom->exit);
    dom->exit.exited = 1;
    dom->exit.code = dom->thread_status == CDN_OK ? 0 : 1;
    return CDN_OK;
}

static void inproc_release(struct cdn_domain *dom)
{
    if (dom->thread_started) {
        /* The thread ignored the kill: keep everything it might touch. */
        fprintf(stderr, "cordon: inproc domain thread did not stop; leaking its channel\n");
        pthread_detach(dom->thread);
        dom->leaked = 1;
        return;
    }
    cdn_ep_destroy(dom->dom_ep);
    dom->dom_ep = NULL;
    if (dom->dl_handle)
        dlclose(dom->dl_handle);
    dom->dl_handle = NULL;
}

const struct cdn_backend_ops cdn_inproc_ops = {
    .start = inproc_start,
    .peer_dead = inproc_peer_dead,
    .kill = inproc_kill,
    .wait = inproc_wait,
    .release = inproc_release,
};
