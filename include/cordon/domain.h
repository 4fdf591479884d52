/*
 * cordon/domain.h - protection domains, seen from the trusted host.
 *
 * A domain runs a module (code the host does not trust) and talks to the host
 * only through a channel (cordon/channel.h). Two backends share one API:
 *
 *   CDN_BACKEND_PROCESS  the real isolation backend. The host spawns the
 *       launcher (cordon-domain), which maps the channel, reads the module
 *       file, closes every file descriptor, sets no_new_privs and a seccomp
 *       allow-list whose default action kills the process, optionally pins
 *       itself to a core, and only then links the module into its address
 *       space and runs it. The host watches the domain through a pidfd.
 *   CDN_BACKEND_INPROC   a thread in the host process with the same channel
 *       and the same generated glue. No memory isolation: for debugging,
 *       differential tests, and measuring glue cost apart from the crossing.
 *
 * Lifecycle: cdn_domain_create -> cdn_domain_start -> calls ->
 * cdn_domain_stop (graceful) or cdn_domain_kill -> cdn_domain_wait ->
 * cdn_domain_destroy. A domain is single-host-thread: calls on one domain
 * must not be made from two threads at once.
 */
#ifndef CORDON_DOMAIN_H
#define CORDON_DOMAIN_H

#include <stdint.h>
#include <sys/types.h>

#include "cordon/channel.h"
#include "cordon/heap.h"
#include "cordon/module.h"

#ifdef __cplusplus
extern "C" {
#endif

enum cdn_backend { CDN_BACKEND_PROCESS = 0, CDN_BACKEND_INPROC = 1 };

struct cdn_domain_config {
    enum cdn_backend backend;
    /* Path of the module shared object. Required for PROCESS; for INPROC
     * either this or `module` must be set. */
    const char *module_path;
    /* INPROC only: a module already linked into the host. */
    const struct cdn_module *module;
    /* Opaque argument string handed to the module (cdn_dom_arg); <= 255 bytes. */
    const char *module_arg;
    /* CPU to pin the domain to, or -1 to leave placement to the scheduler. */
    int cpu;
    enum cdn_wait_policy host_policy;   /* how the host waits for replies */
    enum cdn_wait_policy domain_policy; /* how the domain waits for requests */
    /* Channel size; all zero selects cdn_chan_default_geometry. */
    struct cdn_chan_geometry geometry;
    /* How long start() waits for the domain's HELLO; 0 selects 5 s. */
    int64_t start_timeout_ns;
    /* PROCESS only: launcher path; NULL searches $CORDON_LAUNCHER, then the
     * running program's directory and ../bin, then the install prefix. */
    const char *launcher_path;
    /* A shared heap to map into the domain (cdn_dom_heap), or NULL. */
    struct cdn_heap *heap;
    /* PROCESS only, for debugging: keep the launcher's stderr open and allow
     * the domain to write to it. Weakens the sandbox; off by default. */
    int keep_stderr;
    /* Heartbeat watchdog: if the domain neither waits on its channel nor
     * receives from it for this long (it is stuck in module code, with or
     * without a call in flight), a host thread kills it and records why
     * (cdn_domain_reason: "watchdog: ..."). Must exceed the longest call the
     * domain may legitimately spend in module code. 0: no watchdog. */
    int64_t heartbeat_timeout_ns;
    /* PROCESS only: a cap on the memory the domain can take, set by the
     * launcher before module code runs: RLIMIT_DATA for private data, and
     * RLIMIT_AS for everything it maps beyond the launcher, the module, the
     * channel and the heap (shared, anonymous and MAP_NORESERVE mappings,
     * fiber stacks); nothing can be locked in memory (RLIMIT_MEMLOCK 0).
     * 0: CDN_DOMAIN_MEMORY_DEFAULT; CDN_DOMAIN_MEMORY_UNCAPPED: no cap. */
    uint64_t memory_limit;
};

#define CDN_DOMAIN_MEMORY_DEFAULT  (256ull << 20)
#define CDN_DOMAIN_MEMORY_UNCAPPED UINT64_MAX

/* The directory of the running executable (no trailing slash) into buf:
 * where the launcher, the modules and the tools are looked for beside it.
 * CDN_OK, or CDN_ESYS / CDN_ENOENT if it cannot be said. */
int cdn_self_dir(char *buf, size_t cap);

/* Fills cfg with defaults: PROCESS backend, no pinning, spin on both sides. */
void cdn_domain_config_init(struct cdn_domain_config *cfg);

struct cdn_domain;

/* How a domain ended. */
struct cdn_exit_info {
    int exited; /* 1: it exited; code holds its exit status */
    int code;
    int signaled;       /* 1: a signal killed it; signo holds the signal */
    int signo;          /* SIGSYS means the seccomp filter killed it */
    int killed_by_host; /* 1: the host called cdn_domain_kill */
};

/* Validates cfg and allocates the domain and its channel; does not run it. */
int cdn_domain_create(const struct cdn_domain_config *cfg, struct cdn_domain **out);

/* Starts the domain and waits for its HELLO (bounded by start_timeout_ns). */
int cdn_domain_start(struct cdn_domain *dom);

/* A start in two halves, for a warm spare: start_async launches the domain
 * (PROCESS: spawn, sandbox, module load) and returns; the domain then waits,
 * asleep, for its HELLO to be answered. start_finish answers it; only then
 * may calls be made. The INPROC backend starts fully in start_async. */
int cdn_domain_start_async(struct cdn_domain *dom);
int cdn_domain_start_finish(struct cdn_domain *dom);

/* The host's endpoint on the domain's channel, for batching and custom loops. */
struct cdn_ep *cdn_domain_ep(struct cdn_domain *dom);

/* Handler for requests the domain sends to the host (nested calls). */
void cdn_domain_set_handler(struct cdn_domain *dom, cdn_handler_fn handler, void *arg);

/* Synchronous call into the domain; see cdn_ep_call. A protocol violation
 * makes the host kill the domain (the reason is kept: cdn_domain_reason). */
int cdn_domain_call(struct cdn_domain *dom, struct cdn_msg *req, struct cdn_msg *reply,
                    int64_t timeout_ns);

/* Nonzero while the domain is running. */
int cdn_domain_alive(struct cdn_domain *dom);

/* Asks the domain to stop and waits up to timeout_ns; kills it if it does
 * not. CDN_OK: it stopped by itself; CDN_ETIMEDOUT: it had to be killed (it
 * has ended all the same, and cdn_domain_reason says so). */
int cdn_domain_stop(struct cdn_domain *dom, int64_t timeout_ns);

/* Kills the domain at once (SIGKILL for PROCESS; INPROC: see docs). */
int cdn_domain_kill(struct cdn_domain *dom, const char *reason);

/* Waits up to timeout_ns for the domain to end and reports how it ended. */
int cdn_domain_wait(struct cdn_domain *dom, struct cdn_exit_info *info, int64_t timeout_ns);

/* After a kill: waits up to timeout_ns until the domain can no longer run
 * module code (PROCESS: ended, or its exit has begun; INPROC: its thread
 * ended). Cheaper than cdn_domain_wait, which waits for the whole exit. */
int cdn_domain_wait_stopped(struct cdn_domain *dom, int64_t timeout_ns);

/* Why the host killed the domain, or "" if it did not. */
const char *cdn_domain_reason(const struct cdn_domain *dom);

/* The domain's process id (PROCESS backend), or -1. */
pid_t cdn_domain_pid(const struct cdn_domain *dom);

/* Stops (if needed) and frees everything. Safe on NULL. */
void cdn_domain_destroy(struct cdn_domain *dom);

/* Formats info as text ("exited with status 3", "killed by SIGSYS (seccomp)"). */
const char *cdn_exit_describe(const struct cdn_exit_info *info, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
