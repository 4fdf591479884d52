/*
 * supervisor.c - a plain domain kept alive (cordon/supervisor.h).
 *
 * Invariants:
 *   - s->dom and s->glue are the live instance's, or both NULL (none live:
 *     the next cdn_sup_glue starts one, if the policy allows);
 *   - a dead instance's glue is retired (no call crosses it; every other
 *     glue refuses its shadows) and its heap objects reclaimed before the
 *     next instance starts, so nothing of the old instance can be reached
 *     through the new one; the last SUP_RETIRED retired glues keep their
 *     shadows allocated (a host still pointing at one reads stale fields,
 *     never freed memory), older ones are destroyed;
 *   - s->spare, when set, is a started-but-not-greeted domain of the same
 *     configuration (cdn_domain_start_async), never one that served calls.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cordon/error.h"
#include "cordon/heap.h"
#include "cordon/supervisor.h"

#define SUP_MAX_RESTART_LOG 64 /* restart times remembered for the policy */
#define SUP_GRAVES          8  /* dead instances whose exit is still under way */
#define SUP_RETIRED         8  /* dead instances whose glue (and shadows) are kept */

struct cdn_sup {
    struct cdn_sup_config cfg; /* its strings are the supervisor's copies */
    char *module_path, *module_arg, *launcher_path;
    struct cdn_domain *dom, *spare;
    struct cdn_domain *grave[SUP_GRAVES]; /* killed, their exit not yet reaped */
    int ngrave;
    /* the last dead instances' glues, retired (cdn_glue_retire), with the
     * domains their channel lives in: a host still pointing at one of
     * their shadows reads stale fields, and passing it on fails cleanly */
    struct {
        struct cdn_glue *glue;
        struct cdn_domain *dom;
    } retired[SUP_RETIRED];
    int nretired;
    struct cdn_glue *glue;
    uint64_t generation;
    int error;
    char reason[256]; /* why the last start failed, as the domain said */
    int gave_up;
    int64_t restart_at[SUP_MAX_RESTART_LOG]; /* ring of recent restart times */
    uint32_t nrestarts;
    struct cdn_sup_stats stats;
};

static int64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000ll + t.tv_nsec;
}

static uint32_t heap_id(const struct cdn_sup *s)
{
    return s->cfg.heap_domain_id ? s->cfg.heap_domain_id : 1;
}

/* The spare: launched ahead of need, so a restart skips the launch. */
static void prepare_spare(struct cdn_sup *s)
{
    if (!s->cfg.policy.warm_spare || s->spare || s->cfg.domain.backend != CDN_BACKEND_PROCESS)
        return;
    if (cdn_domain_create(&s->cfg.domain, &s->spare) != CDN_OK) {
        s->spare = NULL;
        return;
    }
    if (cdn_domain_start_async(s->spare) != CDN_OK) {
        cdn_domain_destroy(s->spare);
        s->spare = NULL;
    }
}

/* Starts an instance (the spare if there is one) and binds its glue. */
static int start_instance(struct cdn_sup *s)
{
    int r;
    struct cdn_domain *dom = NULL;
    if (s->spare) {
        dom = s->spare;
        s->spare = NULL;
        r = cdn_domain_start_finish(dom);
        if (r != CDN_OK) { /* the spare died meanwhile: launch one now */
            cdn_domain_destroy(dom);
            dom = NULL;
        }
    }
    if (!dom) {
        r = cdn_domain_create(&s->cfg.domain, &dom);
        if (r != CDN_OK)
            return r;
        r = cdn_domain_start(dom);
        if (r != CDN_OK) {
            snprintf(s->reason, sizeof s->reason, "%s", cdn_domain_reason(dom));
            cdn_domain_destroy(dom);
            return r;
        }
    }
    struct cdn_glue *g;
    r = cdn_glue_create(CDN_GLUE_HOST, cdn_domain_ep(dom), &g);
    if (r != CDN_OK) {
        cdn_domain_kill(dom, "supervisor: no glue");
        cdn_domain_destroy(dom);
        return r;
    }
    if (s->cfg.domain.heap)
        cdn_glue_set_heap(g, s->cfg.domain.heap, heap_id(s));
    if (s->cfg.policy.call_timeout_ns)
        cdn_glue_set_timeout(g, s->cfg.policy.call_timeout_ns);
    r = s->cfg.bind ? s->cfg.bind(g, s->cfg.arg) : CDN_OK;
    if (r == CDN_OK)
        cdn_domain_set_handler(dom, cdn_glue_dispatch_fn(g), g);
    if (r != CDN_OK) {
        snprintf(s->reason, sizeof s->reason, "bind: %s", cdn_strerror(r));
        cdn_domain_kill(dom, "supervisor: bind failed");
        cdn_domain_wait(dom, NULL, 1000000000ll);
        cdn_glue_destroy(g);
        cdn_domain_destroy(dom);
        return r;
    }
    s->dom = dom;
    s->glue = g;
    s->generation++;
    return CDN_OK;
}

/* Reaps the dead instances whose exit has ended (all of them, waiting,
 * when wait_ns is not 0): a process with much memory takes milliseconds
 * to exit, which a restart need not wait for. */
static void bury(struct cdn_sup *s, int64_t wait_ns)
{
    int kept = 0;
    for (int i = 0; i < s->ngrave; i++) {
        if (wait_ns == 0 && cdn_domain_wait(s->grave[i], NULL, 0) != CDN_OK) {
            s->grave[kept++] = s->grave[i];
            continue;
        }
        cdn_domain_destroy(s->grave[i]); /* waits (bounded) for the end */
    }
    s->ngrave = kept;
}

/* Ends the dead (or doomed) instance: its handles revoked with its glue,
 * its heap objects reclaimed; its process reaped later (bury). */
static void end_instance(struct cdn_sup *s, const char *why)
{
    if (!s->dom)
        return;
    if (cdn_domain_alive(s->dom))
        cdn_domain_kill(s->dom, why);
    /* it must not run again before its objects are taken back (its exit
     * need not have finished: bury) */
    if (cdn_domain_wait_stopped(s->dom, 1000000000ll) != CDN_OK)
        cdn_domain_wait(s->dom, NULL, 1000000000ll);
    cdn_glue_retire(s->glue);
    if (s->nretired == SUP_RETIRED) { /* the oldest goes: its shadows freed */
        cdn_glue_destroy(s->retired[0].glue);
        bury(s, 0);
        if (s->ngrave == SUP_GRAVES)
            bury(s, 1);
        s->grave[s->ngrave++] = s->retired[0].dom; /* reaped when its exit ends */
        memmove(&s->retired[0], &s->retired[1], sizeof s->retired[0] * (SUP_RETIRED - 1));
        s->nretired--;
    }
    s->retired[s->nretired].glue = s->glue;
    s->retired[s->nretired].dom = s->dom;
    s->nretired++;
    if (s->cfg.domain.heap)
        s->stats.objects_reclaimed += cdn_heap_reclaim(s->cfg.domain.heap, heap_id(s));
    s->dom = NULL;
    s->glue = NULL;
}

/* Whether the policy allows one more restart now (and counts it). */
static int may_restart(struct cdn_sup *s, int64_t now)
{
    const struct cdn_sup_policy *p = &s->cfg.policy;
    int max = p->max_restarts < SUP_MAX_RESTART_LOG ? p->max_restarts : SUP_MAX_RESTART_LOG;
    int64_t window = p->window_ns ? p->window_ns : CDN_SUP_WINDOW_DEFAULT;
    if (max <= 0)
        return 0;
    int recent = 0;
    for (uint32_t i = 0; i < s->nrestarts && i < SUP_MAX_RESTART_LOG; i++)
        recent += now - s->restart_at[i] < window;
    if (recent >= max)
        return 0;
    s->restart_at[s->nrestarts++ % SUP_MAX_RESTART_LOG] = now;
    return 1;
}

static void free_strings(struct cdn_sup *s)
{
    free(s->module_path);
    free(s->module_arg);
    free(s->launcher_path);
}

int cdn_sup_start(const struct cdn_sup_config *cfg, struct cdn_sup **out, char *why, size_t why_len)
{
    *out = NULL;
    if (why && why_len)
        why[0] = 0;
    if (!cfg || !cfg->bind)
        return CDN_EINVAL;
    struct cdn_sup *s = calloc(1, sizeof *s);
    if (!s)
        return CDN_ENOMEM;
    s->cfg = *cfg;
    /* the caller's strings may not outlive this call; restarts need them */
    s->module_path = cfg->domain.module_path ? strdup(cfg->domain.module_path) : NULL;
    s->module_arg = cfg->domain.module_arg ? strdup(cfg->domain.module_arg) : NULL;
    s->launcher_path = cfg->domain.launcher_path ? strdup(cfg->domain.launcher_path) : NULL;
    s->cfg.domain.module_path = s->module_path;
    s->cfg.domain.module_arg = s->module_arg;
    s->cfg.domain.launcher_path = s->launcher_path;
    int r = (cfg->domain.module_path && !s->module_path) ||
                    (cfg->domain.module_arg && !s->module_arg) ||
                    (cfg->domain.launcher_path && !s->launcher_path)
                ? CDN_ENOMEM
                : start_instance(s);
    if (r != CDN_OK) {
        if (why && why_len)
            snprintf(why, why_len, "%s", s->reason);
        free_strings(s);
        free(s);
        return r;
    }
    prepare_spare(s);
    *out = s;
    return CDN_OK;
}

struct cdn_glue *cdn_sup_glue(struct cdn_sup *s)
{
    if (s->gave_up)
        return NULL;
    if (s->dom && cdn_domain_alive(s->dom)) {
        int e = cdn_glue_last_error(s->glue);
        /* a call past its deadline, or a broken protocol: the instance
         * cannot be trusted to be in step any more */
        if (e != CDN_ETIMEDOUT && e != CDN_EPROTO)
            return s->glue;
    }
    int64_t t0 = now_ns();
    end_instance(s, "supervisor: restart");
    if (!may_restart(s, t0)) {
        s->gave_up = 1;
        s->stats.gave_up = 1;
        s->error = CDN_EDEAD;
        if (s->spare) {
            cdn_domain_kill(s->spare, "supervisor: gave up");
            cdn_domain_wait(s->spare, NULL, 1000000000ll);
            cdn_domain_destroy(s->spare);
            s->spare = NULL;
        }
        return NULL;
    }
    s->error = start_instance(s);
    if (s->error != CDN_OK)
        return NULL;
    s->stats.restarts++;
    s->stats.last_restart_ns = now_ns() - t0;
    /* the next spare is launched after the restart, not as part of it (a
     * posix_spawn: about a millisecond of the host's time) */
    prepare_spare(s);
    return s->glue;
}

uint64_t cdn_sup_generation(const struct cdn_sup *s)
{
    return s->generation;
}

int cdn_sup_error(const struct cdn_sup *s)
{
    return s->error;
}

const char *cdn_sup_reason(const struct cdn_sup *s)
{
    return s->reason;
}

void cdn_sup_get_stats(const struct cdn_sup *s, struct cdn_sup_stats *out)
{
    *out = s->stats;
}

struct cdn_domain *cdn_sup_domain(struct cdn_sup *s)
{
    return s->dom;
}

void cdn_sup_destroy(struct cdn_sup *s)
{
    if (!s)
        return;
    if (s->dom) {
        cdn_domain_stop(s->dom, 1000000000ll);
        cdn_domain_wait(s->dom, NULL, 1000000000ll);
        cdn_glue_destroy(s->glue);
        cdn_domain_destroy(s->dom);
        if (s->cfg.domain.heap)
            cdn_heap_reclaim(s->cfg.domain.heap, heap_id(s));
    }
    if (s->spare) {
        cdn_domain_kill(s->spare, "supervisor: destroyed");
        cdn_domain_wait(s->spare, NULL, 1000000000ll);
        cdn_domain_destroy(s->spare);
    }
    for (int i = 0; i < s->nretired; i++) {
        cdn_glue_destroy(s->retired[i].glue);
        cdn_domain_destroy(s->retired[i].dom);
    }
    bury(s, 1);
    free_strings(s);
    free(s);
}
