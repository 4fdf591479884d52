/*
 * driver.c - loading a driver natively or into a domain (see cordon_kernel.h).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core_impl.h"

const char *cdn_drv_mode_name(enum cdn_drv_mode m)
{
    return m == CDN_DRV_NATIVE ? "native" : m == CDN_DRV_INPROC ? "inproc" : "process";
}

/* Starts the domain, its glue, and runs the driver's init through it. */
static int start_isolated(struct cdn_driver *out)
{
    const struct cdn_driver_desc *d = out->desc;
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = out->mode == CDN_DRV_INPROC ? CDN_BACKEND_INPROC : CDN_BACKEND_PROCESS;
    cfg.module_path = out->path;
    cfg.heap = cdn_kernel_heap();
    cfg.cpu = out->cpu;
    int r = cdn_domain_create(&cfg, &out->dom);
    if (r == CDN_OK)
        r = cdn_domain_start(out->dom);
    if (r == CDN_OK)
        r = cdn_glue_create(CDN_GLUE_HOST, cdn_domain_ep(out->dom), &out->glue);
    if (r != CDN_OK) {
        snprintf(out->reason, sizeof out->reason, "%s: %s", cdn_strerror(r),
                 out->dom ? cdn_domain_reason(out->dom) : "");
        cdn_domain_destroy(out->dom);
        out->dom = NULL;
        return r;
    }
    cdn_glue_set_heap(out->glue, cdn_kernel_heap(), 1);
    d->glue_init(out->glue);
    cdn_domain_set_handler(out->dom, d->dispatch, out->glue);
    if (out->rt)
        cdn_driver_use_async(out, out->rt);
    return d->call_init(out->glue);
}

int cdn_driver_load(const struct cdn_driver_desc *d, enum cdn_drv_mode mode, int cpu,
                    const char *module_dir, struct cdn_driver *out)
{
    memset(out, 0, sizeof *out);
    out->desc = d;
    out->mode = mode;
    out->cpu = cpu;
    if (mode == CDN_DRV_NATIVE)
        return d->native_init();
    snprintf(out->path, sizeof out->path, "%s/%s.so", module_dir, d->name);
    return start_isolated(out);
}

int cdn_driver_restart(struct cdn_driver *drv, double *ms)
{
    if (drv->mode == CDN_DRV_NATIVE || !drv->dom)
        return CDN_EINVAL;
    int64_t t0 = cdn_now_ns();
    if (cdn_domain_alive(drv->dom))
        cdn_domain_kill(drv->dom, "restart");
    cdn_domain_wait(drv->dom, NULL, 1000000000LL);
    /* host objects first: nothing may point into what the glue frees */
    cdn_net_orphan(drv->glue);
    if (drv->rt) {
        cdn_async_detach(drv->rt, cdn_domain_ep(drv->dom));
        cdn_glue_set_async(drv->glue, NULL);
    }
    struct cdn_cap_stats cs;
    cdn_cap_get_stats(cdn_glue_caps(drv->glue), &cs);
    cdn_kstats.objects_reclaimed += cs.live; /* handles revoked with the glue */
    cdn_glue_destroy(drv->glue);
    cdn_domain_destroy(drv->dom);
    drv->glue = NULL;
    drv->dom = NULL;
    cdn_kstats.objects_reclaimed += cdn_heap_reclaim(cdn_kernel_heap(), 1);
    cdn_kernel_recovering = 1;
    int r = start_isolated(drv);
    cdn_kernel_recovering = 0;
    cdn_kstats.restarts++;
    if (ms)
        *ms = (double)(cdn_now_ns() - t0) / 1e6;
    return r;
}

int cdn_driver_use_async(struct cdn_driver *drv, cdn_async *rt)
{
    if (drv->mode == CDN_DRV_NATIVE)
        return CDN_OK;
    drv->rt = rt;
    int r = cdn_async_attach(rt, cdn_domain_ep(drv->dom), drv->desc->dispatch, drv->glue);
    if (r == CDN_OK)
        cdn_glue_set_async(drv->glue, rt);
    return r;
}

void cdn_driver_unload(struct cdn_driver *drv)
{
    if (drv->mode == CDN_DRV_NATIVE) {
        drv->desc->native_exit();
        return;
    }
    if (drv->rt) {
        cdn_async_detach(drv->rt, cdn_domain_ep(drv->dom));
        cdn_glue_set_async(drv->glue, NULL);
    }
    if (cdn_domain_alive(drv->dom))
        drv->desc->call_exit(drv->glue);
    cdn_domain_stop(drv->dom, 2000000000LL);
    cdn_glue_destroy(drv->glue);
    cdn_domain_destroy(drv->dom);
    drv->glue = NULL;
    drv->dom = NULL;
}
