/*
 * cordon/supervisor.h - a plain domain kept alive: any component behind a
 * generated glue (a library, a parser), restarted when it dies, the way
 * the kernel core restarts a driver.
 *
 * The supervisor owns the domain, its glue and, through the glue, what
 * the instance held. Each instance runs from cfg->domain; for each new one
 * the supervisor creates the host glue on its endpoint (with the heap and
 * its domain id set), then calls cfg->bind, which installs the generated
 * glue (MODULE_host_init) and may check it (MODULE_host_check).
 *
 * When an instance dies (killed, crashed, hung past its call deadline or
 * its heartbeat, or broke the protocol), the call in flight returns the
 * rpc's dead value and cdn_glue_last_error says why (CDN_EDEAD, CDN_ETIMEDOUT,
 * CDN_EPROTO); the next cdn_sup_glue() reclaims the dead instance's heap
 * objects, revokes every handle of its glue, and starts the next instance
 * (the warm spare, if kept). Calls are never replayed: a library call may
 * have had effects, and only the caller knows whether to repeat it.
 *
 * Objects the dead instance created (an open stream, a parser, an ops
 * table) died with it. Their host-side shadows stay allocated while the
 * glue that made them is among the last 8 retired (cdn_glue_retire): a
 * call through one (an ops table's slot) fails with the dead value, and
 * passing one to the new instance is refused (CDN_EBADH), never sent as if
 * the new instance had made it. cdn_sup_generation() changes with each
 * instance: record it beside such an object and drop the object once the
 * generation changes; after 8 more restarts its memory is freed.
 *
 * Policy: at most policy.max_restarts restarts within policy.window_ns;
 * beyond that the supervisor gives up and cdn_sup_glue() returns NULL
 * (the component is broken, not unlucky). One host thread at a time.
 */
#ifndef CORDON_SUPERVISOR_H
#define CORDON_SUPERVISOR_H

#include <stddef.h>
#include <stdint.h>

#include "cordon/domain.h"
#include "cordon/glue.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cdn_sup;

struct cdn_sup_policy {
    int max_restarts;        /* within window_ns; 0: never restart */
    int64_t window_ns;       /* 0: CDN_SUP_WINDOW_DEFAULT */
    int warm_spare;          /* keep the next instance started (PROCESS backend) */
    int64_t call_timeout_ns; /* each call's deadline (cdn_glue_set_timeout); 0: the glue's */
};

#define CDN_SUP_WINDOW_DEFAULT (10ll * 1000000000ll)

/* Installs the generated glue on a new instance's glue; CDN_OK or an error
 * (the instance is then killed and the start fails). */
typedef int (*cdn_sup_bind_fn)(struct cdn_glue *g, void *arg);

struct cdn_sup_config {
    struct cdn_domain_config domain; /* how to start an instance (heap included) */
    uint32_t heap_domain_id;         /* the heap id the instance's objects carry; 0: 1 */
    struct cdn_sup_policy policy;
    cdn_sup_bind_fn bind;
    void *arg;
};

/* Starts the first instance. CDN_OK, or its error (and *out NULL), with
 * why it failed in why (the domain's reason: "module needs 'libz.so.1'",
 * an unresolved symbol, ...) when why is not NULL. */
int cdn_sup_start(const struct cdn_sup_config *cfg, struct cdn_sup **out, char *why,
                  size_t why_len);

/* The live instance's glue, after restarting a dead one; NULL once the
 * policy has given up, or if a restart failed (cdn_sup_error says why). */
struct cdn_glue *cdn_sup_glue(struct cdn_sup *s);

/* Which instance is live: 1 for the first, +1 per restart. */
uint64_t cdn_sup_generation(const struct cdn_sup *s);

/* Why the last restart failed (CDN_OK if none did), and the domain's words. */
int cdn_sup_error(const struct cdn_sup *s);
const char *cdn_sup_reason(const struct cdn_sup *s);

struct cdn_sup_stats {
    uint32_t restarts;
    uint32_t objects_reclaimed; /* heap objects the dead instances held */
    int64_t last_restart_ns;    /* how long the last restart took */
    int gave_up;
};
void cdn_sup_get_stats(const struct cdn_sup *s, struct cdn_sup_stats *out);

/* The live instance's domain (to kill it in a test, or read its pid). */
struct cdn_domain *cdn_sup_domain(struct cdn_sup *s);

/* Stops the instance (and the spare) and frees everything. */
void cdn_sup_destroy(struct cdn_sup *s);

#ifdef __cplusplus
}
#endif
#endif
