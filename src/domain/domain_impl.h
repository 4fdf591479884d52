/* domain_impl.h - private state of a domain and the backend interface. */
#ifndef CORDON_RUNTIME_DOMAIN_IMPL_H
#define CORDON_RUNTIME_DOMAIN_IMPL_H

#include <limits.h>
#include <pthread.h>

#include "cordon/domain.h"
#include "module_ctx.h"

enum cdn_dom_state { CDN_DOM_CREATED, CDN_DOM_RUNNING, CDN_DOM_ENDED };

struct cdn_domain;

/* What differs between the process and inproc backends. */
/* A process domain died before its HELLO: the reason, from its exit and
 * what its launcher left in the control page (domain_process.c). */
void cdn_process_start_death(struct cdn_domain *dom);

struct cdn_backend_ops {
    int (*start)(struct cdn_domain *dom);
    int (*peer_dead)(void *dom); /* installed as the host endpoint's peer check */
    int (*kill)(struct cdn_domain *dom);
    /* Waits up to timeout_ns for the end; fills dom->exit. */
    int (*wait)(struct cdn_domain *dom, int64_t timeout_ns);
    /* Frees backend resources; the domain has ended or been abandoned. */
    void (*release)(struct cdn_domain *dom);
};

struct cdn_domain {
    struct cdn_domain_config cfg;
    const struct cdn_backend_ops *ops;
    char module_path[PATH_MAX];
    char module_arg[CDN_MODULE_ARG_MAX + 1];
    char launcher_path[PATH_MAX];
    struct cdn_region region;
    struct cdn_ep *ep; /* host side */
    cdn_handler_fn handler;
    void *handler_arg;
    enum cdn_dom_state state;
    char reason[192];
    struct cdn_exit_info exit;
    int killed_by_host;

    /* process backend */
    pid_t pid;
    int pidfd;

    /* inproc backend */
    pthread_t thread;
    int thread_started;
    int thread_done;   /* atomic: module main returned */
    int host_killed;   /* atomic: the host killed the domain */
    int thread_status; /* module main's return value */
    int leaked;        /* thread could not be stopped; memory deliberately kept */
    struct cdn_ep *dom_ep;
    struct cdn_dom_ctx ctx;
    void *dl_handle;
    const struct cdn_module *module;

    int hello_pending; /* started with cdn_domain_start_async; HELLO not yet answered */

    /* monitor thread: death and heartbeat watchdog (domain.c) */
    pthread_t wd_thread;
    int wd_started;
    int wd_stopfd; /* eventfd: written to stop the monitor */
    int wd_fired;  /* atomic: the watchdog killed the domain; wd_reason is set */
    char wd_reason[96];
};

extern const struct cdn_backend_ops cdn_process_ops;
extern const struct cdn_backend_ops cdn_inproc_ops;

/* Host side of the start handshake: waits for HELLO and answers it. */
int cdn_domain_await_hello(struct cdn_domain *dom);

#endif
