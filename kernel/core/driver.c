/*
 * driver.c - loading a driver natively or into a domain, and the supervisor
 * that restarts it or takes it down when it fails (see cordon_kernel.h).
 */
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core_impl.h"
#include "subsys.h"
#include "cordon_params.h"
#include "cordon/cap.h"
#include "cordon_rings.h"

const char *cdn_drv_mode_name(enum cdn_drv_mode m)
{
    return m == CDN_DRV_NATIVE ? "native" : m == CDN_DRV_INPROC ? "inproc" : "process";
}

/* Every loaded isolated driver, so that the cores can find a failed
 * crossing's driver. Host-thread only, like the rest of the core. */
static struct cdn_driver *drivers;

struct cdn_driver *cdn_core_driver_of(struct cdn_glue *g)
{
    struct cdn_driver *d = drivers;
    while (d && (!g || d->glue != g))
        d = d->next;
    return d;
}

static void unlink_driver(struct cdn_driver *drv)
{
    for (struct cdn_driver **p = &drivers; *p; p = &(*p)->next)
        if (*p == drv) {
            *p = drv->next;
            return;
        }
}

struct cdn_rings *cdn_core_rings(struct cdn_driver *drv, unsigned ring)
{
    if (!(drv->desc->rings & ring) || !drv->policy.rings)
        return NULL;
    if (!drv->rings && !(drv->rings = calloc(1, sizeof *drv->rings)))
        return NULL;
    struct cdn_inflight *t = ring == CDN_RINGS_TX ? &drv->rings->skbs : &drv->rings->rqs;
    if (!t->obj && cdn_inflight_init(t) != CDN_OK)
        return NULL;
    return drv->rings;
}

struct cdn_driver *cdn_core_ring_driver(const void *table, unsigned ring, const void *obj,
                                        uint64_t *ref)
{
    struct cdn_glue *g = table ? cdn_glue_owner_of(table) : NULL;
    struct cdn_driver *drv = g ? cdn_core_driver_of(g) : NULL;
    if (!drv || !cdn_core_rings(drv, ring))
        return NULL;
    *ref = cdn_glue_ref_of(g, obj);
    return *ref ? drv : NULL; /* the domain must know the object to name it */
}

/* Unload: the driver's heap, once its domains are gone. What it still
 * owned there is taken back first. */
static void heap_put(struct cdn_driver *drv)
{
    if (!drv->heap)
        return;
    cdn_kstats.objects_reclaimed += cdn_heap_reclaim(drv->heap, 1);
    cdn_core_heap_put(drv->heap);
    drv->heap = NULL;
}

int cdn_core_driver_heaps(struct cdn_heap **out, int max)
{
    int n = 0;
    for (struct cdn_driver *d = drivers; d; d = d->next)
        if (d->heap && n++ < max)
            out[n - 1] = d->heap;
    return n;
}

/* Each subsystem's hooks on a driver's objects (subsys.h). */
static void subsys_rings_reclaim(struct cdn_driver *drv)
{
    const struct cdn_subsys *s;
    for (unsigned i = 0; (s = cdn_subsys_at(i)) != NULL; i++)
        if (s->rings_reclaim)
            s->rings_reclaim(drv);
}

static void subsys_orphan(struct cdn_driver *drv)
{
    const struct cdn_subsys *s;
    for (unsigned i = 0; (s = cdn_subsys_at(i)) != NULL; i++)
        if (s->orphan)
            s->orphan(drv->glue, drv);
}

static void subsys_release_orphans(struct cdn_driver *drv)
{
    const struct cdn_subsys *s;
    for (unsigned i = 0; (s = cdn_subsys_at(i)) != NULL; i++)
        if (s->release_orphans)
            s->release_orphans(drv);
}

/* Unload: whatever the driver still held goes back, and the tables go. */
static void rings_free(struct cdn_driver *drv)
{
    if (!drv->rings)
        return;
    subsys_rings_reclaim(drv);
    cdn_inflight_free(&drv->rings->skbs);
    cdn_inflight_free(&drv->rings->rqs);
    free(drv->rings);
    drv->rings = NULL;
}

void cdn_driver_policy_init(struct cdn_driver_policy *p)
{
    memset(p, 0, sizeof *p);
    p->on_failure = CDN_RESTART;
    p->while_down = CDN_FAIL_FAST;
    p->restart_window_ns = 1000000000LL;
    p->call_timeout_ns = 5000000000LL;
    p->heartbeat_ns = 1000000000LL;
    p->strict = 1;
    p->warm_spare = 1;
    p->rings = 1;
}

/*
 * Requests from the driver go through here to the generated dispatch. The
 * dispatch fails a request only when it does not validate — a forged or
 * stale handle, an rpc id the IDL does not declare, a string or array larger
 * than declared, a count that disagrees — never because the host function
 * failed (that result travels in the reply). In strict mode (the default)
 * such a request is a protocol violation: the channel is marked broken, the
 * crossing in progress fails with EPROTO, and the supervisor kills and
 * restarts the driver, with the reason kept.
 */
/* A ring message from the driver: completions (cordon_rings.h). */
static int ring_dispatch(struct cdn_driver *drv, const struct cdn_msg *req)
{
    const void *buf = req->ext_len ? req->ext : (const void *)req->data;
    uint32_t len = req->ext_len ? req->ext_len : req->inline_len;
    if (!(req->flags & CDN_MSG_ONEWAY))
        return CDN_EPROTO; /* completions are posted, never calls */
    const struct cdn_subsys *s;
    for (unsigned i = 0; (s = cdn_subsys_at(i)) != NULL; i++)
        if (s->done && s->done_rpc == req->rpc_id)
            return s->done(drv, buf, len);
    return CDN_ENOENT;
}

static int driver_dispatch(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    struct cdn_glue *g = arg;
    struct cdn_driver *drv = cdn_glue_user(g);
    int st =
        cdn_rpc_is_ring(req->rpc_id) ? ring_dispatch(drv, req) : drv->desc->dispatch(g, req, rep);
    if (st != CDN_OK && st != CDN_ENOMEM) {
        drv->stats.rejected++;
        if (drv->policy.strict) {
            char why[96];
            snprintf(why, sizeof why, "request rpc %u rejected (%s)", (unsigned)req->rpc_id,
                     cdn_strerror(st));
            cdn_ep_protocol_error(cdn_domain_ep(drv->dom), why);
        }
    }
    return st;
}

static void domain_config(const struct cdn_driver *drv, struct cdn_domain_config *cfg)
{
    cdn_domain_config_init(cfg);
    cfg->heartbeat_timeout_ns = drv->policy.heartbeat_ns;
    cfg->memory_limit = drv->mode == CDN_DRV_PROCESS ? drv->policy.memory_limit : 0;
    cfg->backend = drv->mode == CDN_DRV_INPROC ? CDN_BACKEND_INPROC : CDN_BACKEND_PROCESS;
    cfg->module_path = drv->path;
    cfg->heap = drv->heap;
    cfg->domain_policy = drv->policy.wait;
    cfg->cpu = drv->cpu;
}

/*
 * The warm spare: a domain launched ahead of need (spawned, sandboxed, its
 * module loaded), asleep until its HELLO is answered. A restart takes it
 * instead of launching one, which is most of a restart's time. Launched
 * after a (re)start has finished, so it is not part of the measured
 * recovery; its launch (a posix_spawn) costs the host about a millisecond
 * at that point.
 */
static void prepare_spare(struct cdn_driver *drv)
{
    if (drv->mode != CDN_DRV_PROCESS || !drv->policy.warm_spare || drv->spare)
        return;
    struct cdn_domain_config cfg;
    domain_config(drv, &cfg);
    if (cdn_domain_create(&cfg, &drv->spare) != CDN_OK)
        return;
    if (cdn_domain_start_async(drv->spare) != CDN_OK) {
        cdn_domain_destroy(drv->spare);
        drv->spare = NULL;
    }
}

/* Dead domains whose exit has begun but not ended are kept until it has:
 * reaping one (cdn_domain_destroy) waits for its whole exit, which for a
 * domain with much memory takes milliseconds that no one needs to wait. */
static void bury(struct cdn_driver *drv, int64_t wait_ns)
{
    int kept = 0;
    for (int i = 0; i < drv->ngrave; i++) {
        struct cdn_domain *d = drv->graveyard[i];
        if (wait_ns == 0 && cdn_domain_wait(d, NULL, 0) != CDN_OK) {
            drv->graveyard[kept++] = d;
            continue;
        }
        cdn_domain_destroy(d); /* waits (bounded) for the end */
    }
    drv->ngrave = kept;
}

static int params_isolated(struct cdn_driver *drv);

/* Starts the domain (the warm spare, if there is one), its glue, and runs
 * the driver's init through it (its module parameters set first). */
static int start_isolated(struct cdn_driver *out)
{
    const struct cdn_driver_desc *d = out->desc;
    int r = CDN_ELOAD;
    if (out->spare) {
        out->dom = out->spare;
        out->spare = NULL;
        r = cdn_domain_start_finish(out->dom);
        if (r != CDN_OK) { /* the spare died meanwhile: launch one now */
            cdn_domain_destroy(out->dom);
            out->dom = NULL;
        }
    }
    if (!out->dom) {
        struct cdn_domain_config cfg;
        domain_config(out, &cfg);
        r = cdn_domain_create(&cfg, &out->dom);
        if (r == CDN_OK)
            r = cdn_domain_start(out->dom);
    }
    if (r == CDN_OK)
        r = cdn_glue_create(CDN_GLUE_HOST, cdn_domain_ep(out->dom), &out->glue);
    if (r != CDN_OK) {
        snprintf(out->reason, sizeof out->reason, "%s: %s", cdn_strerror(r),
                 out->dom ? cdn_domain_reason(out->dom) : "");
        cdn_domain_destroy(out->dom);
        out->dom = NULL;
        return r;
    }
    cdn_glue_set_heap(out->glue, out->heap, 1);
    if (out->policy.call_timeout_ns > 0)
        cdn_glue_set_timeout(out->glue, out->policy.call_timeout_ns);
    d->glue_init(out->glue);
    /* every way a request can arrive goes through driver_dispatch: the
     * domain's handler, the glue's (nested requests during a call) and the
     * async runtime's */
    cdn_glue_set_user(out->glue, out);
    cdn_glue_set_dispatch(out->glue, driver_dispatch);
    cdn_domain_set_handler(out->dom, driver_dispatch, out->glue);
    if (out->rt)
        cdn_driver_use_async(out, out->rt);
    if (d->check_glue && (r = d->check_glue(out->glue)) != CDN_OK) {
        snprintf(out->reason, sizeof out->reason,
                 r == CDN_EPROTO ? "glue mismatch: the module's glue comes from another IDL "
                                   "than the host's (rebuild both from one)"
                                 : "glue check: %s",
                 cdn_strerror(r));
        return r;
    }
    r = params_isolated(out);
    if (r)
        return r;
    r = d->call_init(out->glue);
    if (r && !out->reason[0]) {
        /* the domain's own failure, or its init's errno: never no reason */
        int st = cdn_glue_last_error(out->glue);
        if (cdn_core_crossing_status(st))
            snprintf(out->reason, sizeof out->reason, "module init: %s", cdn_strerror(st));
        else
            snprintf(out->reason, sizeof out->reason, "module init returned %d", r);
    }
    return r;
}

static void tear_down(struct cdn_driver *drv, const char *why);

/* What came of setting drv's parameters (res): unknown names are warned
 * about, a bad value fails the load. Messages quote the host's own copy of
 * the string, whatever the domain said. */
static int params_report(struct cdn_driver *drv, const struct cdn_params_result *res)
{
    char name[CDN_PARAM_NAME], value[CDN_PARAM_VALUE];
    for (int i = 0; i < res->ntokens && i < 64; i++)
        if ((res->unknown >> i) & 1 && cdn_params_token(drv->params, i, name, value) == 0)
            printk(KERN_WARNING "%s: unknown parameter '%s' ignored\n", drv->desc->name, name);
    if (res->status == 0)
        return 0;
    if (res->bad_index >= CDN_PARAMS_TOKENS)
        snprintf(drv->reason, sizeof drv->reason, "more than %d module parameters",
                 CDN_PARAMS_TOKENS);
    else if (res->bad_index >= 0 && cdn_params_token(drv->params, res->bad_index, name, value) == 0)
        snprintf(drv->reason, sizeof drv->reason, "invalid value '%s' for parameter '%s'", value,
                 name);
    else
        snprintf(drv->reason, sizeof drv->reason,
                 "malformed parameter string (word %d: a name of at most %d characters, a "
                 "value of at most %d)",
                 res->bad_index + 1, CDN_PARAM_NAME - 1, CDN_PARAM_VALUE - 1);
    printk(KERN_ERR "%s: %s\n", drv->desc->name, drv->reason);
    return -EINVAL;
}

/* A native driver's parameters: its records are in the host, under its
 * module name. */
static int params_native(struct cdn_driver *drv)
{
    const struct cdn_kparam *begin, *end;
    cdn_params_section(&begin, &end);
    struct cdn_params_result res;
    cdn_params_apply(begin, end, drv->desc->name, drv->params, &res);
    return params_report(drv, &res);
}

/* An isolated driver's: sent to its domain, which sets its own and says
 * which tokens were bad or unknown. The answer is checked against the
 * string sent before anything in it is believed. */
static int params_isolated(struct cdn_driver *drv)
{
    if (!drv->params[0])
        return 0;
    struct cdn_wbuf w;
    struct cdn_rbuf r;
    struct cdn_msg store;
    cdn_wbuf_init(&w, drv->glue);
    cdn_w_bytes(&w, drv->params, strlen(drv->params));
    int st = cdn_glue_call(drv->glue, CDN_RPC_MODULE_PARAMS, &w, &r, &store);
    cdn_wbuf_release(&w);
    struct cdn_params_reply rep = {0, 0, 0, 0, 0};
    if (st == CDN_OK) {
        const void *p = cdn_r_bytes(&r, sizeof rep);
        if (p)
            memcpy(&rep, p, sizeof rep);
        st = cdn_r_finish(&r);
    }
    struct cdn_params_result mine;
    cdn_params_apply(NULL, NULL, "", drv->params, &mine); /* the shape, from our side */
    int n = mine.ntokens;
    uint64_t possible = n >= 64 ? ~0ull : (1ull << n) - 1;
    if (st == CDN_OK && (rep.ntokens != n || (rep.status != 0 && rep.status != -EINVAL) ||
                         rep.bad_index < -1 || rep.bad_index >= n || (rep.unknown & ~possible) ||
                         (rep.status == 0) != (rep.bad_index == -1)))
        st = CDN_EPROTO;
    if (st != CDN_OK) {
        snprintf(drv->reason, sizeof drv->reason, "module parameters: %s", cdn_strerror(st));
        return st;
    }
    struct cdn_params_result res = {rep.status, rep.bad_index, rep.ntokens, rep.unknown};
    return params_report(drv, &res);
}

int cdn_driver_load_policy(const struct cdn_driver_desc *d, enum cdn_drv_mode mode, int cpu,
                           const char *module_dir, const struct cdn_driver_policy *policy,
                           struct cdn_driver *out)
{
    memset(out, 0, sizeof *out);
    out->desc = d;
    out->mode = mode;
    out->cpu = cpu;
    if (policy)
        out->policy = *policy;
    else
        cdn_driver_policy_init(&out->policy);
    if (out->policy.params) {
        if (strlen(out->policy.params) >= sizeof out->params) {
            snprintf(out->reason, sizeof out->reason, "module parameters longer than %zu",
                     sizeof out->params - 1);
            return -EINVAL;
        }
        memcpy(out->params, out->policy.params, strlen(out->policy.params) + 1);
        out->policy.params = NULL; /* the caller's string need not outlive the call */
    }
    if (mode == CDN_DRV_NATIVE) {
        int err = params_native(out);
        return err ? err : d->native_init();
    }
    snprintf(out->path, sizeof out->path, "%s/%s.so", module_dir, d->name);
    if (cdn_core_heap_new(&out->heap) != CDN_OK) {
        snprintf(out->reason, sizeof out->reason, "no memory for the driver's heap");
        return CDN_ENOMEM;
    }
    out->next = drivers;
    drivers = out;
    int r = start_isolated(out);
    if (r == 0) {
        prepare_spare(out);
        return 0;
    }
    /* As Linux unloads a module whose init failed: nothing of it stays -
     * not in the supervisor's list (the caller may reuse or drop *out),
     * not its domain, not a device its init registered before failing.
     * Torn down, it is a driver that is down, and unloads as one. */
    if (out->dom)
        tear_down(out, "init failed");
    cdn_driver_unload(out);
    return r;
}

int cdn_driver_load(const struct cdn_driver_desc *d, enum cdn_drv_mode mode, int cpu,
                    const char *module_dir, struct cdn_driver *out)
{
    return cdn_driver_load_policy(d, mode, cpu, module_dir, NULL, out);
}

/* Ends the dead (or about to be killed) domain and takes back everything it
 * had: devices orphaned, handles revoked, shared-heap objects reclaimed. */
static void tear_down(struct cdn_driver *drv, const char *why)
{
    if (cdn_domain_alive(drv->dom))
        cdn_domain_kill(drv->dom, why);
    /* It must not run again before its objects are taken back; its exit
     * need not have finished (see bury). */
    if (cdn_domain_wait_stopped(drv->dom, 1000000000LL) != CDN_OK)
        cdn_domain_wait(drv->dom, NULL, 1000000000LL);
    /* host objects first: nothing may point into what the glue frees */
    subsys_orphan(drv);
    subsys_rings_reclaim(drv); /* what it held in its rings comes back */
    if (drv->rt) {
        /* Calls of other fibers still in flight on the old channel fail
         * (detach); let them return out of the glue, and put back what they
         * lent the driver, before the glue and the driver's heap objects go.
         * Bounded: their calls have already failed. */
        cdn_async_detach(drv->rt, cdn_domain_ep(drv->dom));
        for (int n = 0; cdn_glue_calls_in_progress(drv->glue) > 0 && n < 100000; n++)
            cdn_async_yield(drv->rt);
        cdn_glue_set_async(drv->glue, NULL);
    }
    struct cdn_cap_stats cs;
    cdn_cap_get_stats(cdn_glue_caps(drv->glue), &cs);
    cdn_kstats.objects_reclaimed += cs.live; /* handles revoked with the glue */
    cdn_glue_destroy(drv->glue);
    if (drv->ngrave == (int)(sizeof drv->graveyard / sizeof drv->graveyard[0]))
        bury(drv, -1);
    drv->graveyard[drv->ngrave++] = drv->dom;
    drv->glue = NULL;
    drv->dom = NULL;
    cdn_kstats.objects_reclaimed += cdn_heap_reclaim(drv->heap, 1);
}

int cdn_driver_restart(struct cdn_driver *drv, double *ms)
{
    if (drv->mode == CDN_DRV_NATIVE || (!drv->dom && !drv->down))
        return CDN_EINVAL;
    int64_t t0 = cdn_now_ns();
    drv->restarting = 1;
    if (drv->dom)
        tear_down(drv, "restart");
    /* Twice at most: a first attempt can fail for a reason of its own (the
     * warm spare died meanwhile, an init call met a slow moment of the
     * machine); the second is a fresh launch. Only then is the driver down. */
    int r = CDN_ELOAD;
    for (int attempt = 0; attempt < 2 && r != 0; attempt++) {
        cdn_kernel_recovering = drv;
        r = start_isolated(drv);
        cdn_kernel_recovering = NULL;
        if (r != 0 && drv->dom)
            tear_down(drv, "restart failed"); /* its devices orphaned again */
    }
    drv->restarting = 0;
    drv->down = r != 0;
    cdn_kstats.restarts++;
    double took = (double)(cdn_now_ns() - t0) / 1e6;
    if (r == 0) {
        drv->stats.restarts++;
        drv->stats.last_restart_ms = took;
    }
    if (ms)
        *ms = took;
    bury(drv, 0);
    if (r == 0)
        prepare_spare(drv);
    return r;
}

int cdn_core_crossing_status(int st)
{
    return st == CDN_EDEAD || st == CDN_ETIMEDOUT || st == CDN_EPROTO;
}

int cdn_driver_check(struct cdn_driver *drv)
{
    if (drv->mode == CDN_DRV_NATIVE)
        return CDN_OK;
    if (drv->down)
        return CDN_EDEAD;
    if (drv->restarting)
        return CDN_OK; /* the restart in progress decides */
    int st = cdn_glue_last_error(drv->glue);
    if (cdn_domain_alive(drv->dom) && !cdn_core_crossing_status(st))
        return CDN_OK;
    /* A call on this glue is still on our own stack (a nested path that
     * cannot wait for it to unwind): restart at the next step instead. */
    if (cdn_glue_calls_in_progress(drv->glue) > 0 && !(drv->rt && cdn_async_in_fiber(drv->rt)))
        return CDN_EDEAD;
    drv->stats.failures++;
    /* Why, in order of precedence: the host's own reason for killing it
     * (protocol violation, watchdog), how it ended, the failed call. */
    const char *why = cdn_domain_reason(drv->dom);
    struct cdn_exit_info info;
    char how[96];
    if (why[0])
        snprintf(drv->reason, sizeof drv->reason, "%s", why);
    else if (cdn_ep_broken(cdn_domain_ep(drv->dom)))
        snprintf(drv->reason, sizeof drv->reason, "protocol violation: %s",
                 cdn_ep_violation(cdn_domain_ep(drv->dom)));
    else if (!cdn_domain_alive(drv->dom) && cdn_domain_wait(drv->dom, &info, 100000000LL) == 0)
        snprintf(drv->reason, sizeof drv->reason, "%s", cdn_exit_describe(&info, how, sizeof how));
    else
        snprintf(drv->reason, sizeof drv->reason, "a call failed: %s", cdn_strerror(st));
    int64_t now = cdn_now_ns();
    if (now - drv->window_start > drv->policy.restart_window_ns) {
        drv->window_start = now;
        drv->window_restarts = 0;
    }
    int budget_left =
        drv->policy.max_restarts <= 0 || drv->window_restarts < drv->policy.max_restarts;
    if (drv->policy.on_failure == CDN_STAY_DOWN || !budget_left) {
        printk(KERN_ERR "%s: driver failed (%s); staying down\n", drv->desc->name, drv->reason);
        tear_down(drv, "taken down");
        drv->down = 1;
        return CDN_EDEAD;
    }
    drv->window_restarts++;
    printk(KERN_WARNING "%s: driver failed (%s); restarting\n", drv->desc->name, drv->reason);
    return cdn_driver_restart(drv, NULL) == 0 ? CDN_OK : CDN_EDEAD;
}

int cdn_core_crossing_failed(struct cdn_glue *g)
{
    struct cdn_driver *d = cdn_core_driver_of(g);
    if (!d)
        return 0;
    if (d->restarting) {
        /* Another fiber is restarting it: by policy, wait for that and let
         * the caller try again, or fail fast. */
        if (d->policy.while_down != CDN_WAIT_FOR_RESTART || !d->rt || !cdn_async_in_fiber(d->rt))
            return 0;
        while (d->restarting)
            cdn_async_yield(d->rt);
        return !d->down;
    }
    unsigned long before = d->stats.restarts;
    return cdn_driver_check(d) == CDN_OK && d->stats.restarts > before;
}

/* owner, if it is a loaded driver (it is only trusted once found here). */
static struct cdn_driver *loaded(void *owner)
{
    struct cdn_driver *drv = drivers;
    while (drv && drv != owner)
        drv = drv->next;
    return drv;
}

struct cdn_async *cdn_core_driver_rt(void *owner)
{
    struct cdn_driver *drv = loaded(owner);
    return drv ? drv->rt : NULL;
}

int cdn_core_rt_in_use(const struct cdn_async *rt)
{
    for (struct cdn_driver *drv = drivers; drv; drv = drv->next)
        if (drv->rt == rt)
            return 1;
    return 0;
}

int cdn_core_wait_driver(void *owner)
{
    struct cdn_driver *drv = loaded(owner);
    if (!drv || drv->down || drv->policy.while_down != CDN_WAIT_FOR_RESTART)
        return 0;
    /* Only another fiber can be restarting it while we run: let it finish.
     * Bounded: a restart's own calls have deadlines. */
    while (drv->restarting && drv->rt)
        cdn_async_yield(drv->rt);
    return !drv->down && !drv->restarting;
}

void cdn_core_rings_idle(void *arg)
{
    (void)arg;
    const struct cdn_subsys *s;
    for (unsigned i = 0; (s = cdn_subsys_at(i)) != NULL; i++)
        if (s->rings_idle)
            s->rings_idle();
}

int cdn_driver_use_async(struct cdn_driver *drv, struct cdn_async *rt)
{
    if (drv->mode == CDN_DRV_NATIVE)
        return CDN_OK;
    drv->rt = rt;
    /* The rings post batches and watch requests in flight when the host
     * has nothing else to do. */
    cdn_async_set_idle(rt, cdn_core_rings_idle, NULL);
    int r = cdn_async_attach(rt, cdn_domain_ep(drv->dom), driver_dispatch, drv->glue);
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
    unlink_driver(drv);
    if (drv->spare) {
        cdn_domain_destroy(drv->spare);
        drv->spare = NULL;
    }
    bury(drv, -1);
    if (!drv->dom) {
        /* down: tear_down took everything back; its devices go with it */
        subsys_release_orphans(drv);
        rings_free(drv);
        heap_put(drv);
        return;
    }
    if (drv->rt) {
        cdn_async_detach(drv->rt, cdn_domain_ep(drv->dom));
        cdn_glue_set_async(drv->glue, NULL);
    }
    if (cdn_domain_alive(drv->dom))
        drv->desc->call_exit(drv->glue);
    cdn_domain_stop(drv->dom, 2000000000LL);
    /* Whatever its exit left behind - it died in there, or never undid
     * what its init registered - goes now, while the glue can still say
     * what was the driver's: nothing may point into the glue we free. A
     * driver whose exit ran cleanly left nothing. */
    subsys_orphan(drv);
    subsys_release_orphans(drv);
    rings_free(drv);
    cdn_glue_destroy(drv->glue);
    cdn_domain_destroy(drv->dom);
    drv->glue = NULL;
    drv->dom = NULL;
    heap_put(drv);
}
