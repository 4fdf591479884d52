/*
 * domain.c - the backend-independent part of a domain's life: configuration,
 * the start handshake, calls, and the end.
 *
 * A call that fails with CDN_EPROTO means the domain broke the channel
 * protocol; the host then kills it at once and keeps the reason. The host
 * never waits on a domain without a bound: every wait either has a deadline
 * or ends when the liveness check (pidfd / thread flag) reports death.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "domain_impl.h"

#define DEFAULT_START_TIMEOUT_NS 5000000000LL

void cdn_domain_config_init(struct cdn_domain_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->backend = CDN_BACKEND_PROCESS;
    cfg->cpu = -1;
    cfg->host_policy = CDN_WAIT_SPIN;
    cfg->domain_policy = CDN_WAIT_SPIN;
}

static int copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        return CDN_EINVAL;
    memcpy(dst, src, n + 1);
    return CDN_OK;
}

int cdn_domain_create(const struct cdn_domain_config *cfg, struct cdn_domain **out)
{
    if (!cfg || !out)
        return CDN_EINVAL;
    *out = NULL;
    if (cfg->backend != CDN_BACKEND_PROCESS && cfg->backend != CDN_BACKEND_INPROC)
        return CDN_EINVAL;
    if (cfg->backend == CDN_BACKEND_PROCESS && !cfg->module_path)
        return CDN_EINVAL;
    if (cfg->backend == CDN_BACKEND_INPROC && !cfg->module_path && !cfg->module)
        return CDN_EINVAL;
    if (cfg->host_policy > CDN_WAIT_ADAPTIVE || cfg->domain_policy > CDN_WAIT_ADAPTIVE)
        return CDN_EINVAL;
    if (cfg->cpu < -1 || cfg->cpu >= CPU_SETSIZE)
        return CDN_EINVAL;
    if (cfg->heartbeat_timeout_ns < 0)
        return CDN_EINVAL;
    /* A cap below 1 MiB could not even run the launcher; an inproc domain
     * shares the host's memory, so a cap would be a promise not kept. */
    if (cfg->memory_limit && cfg->memory_limit != CDN_DOMAIN_MEMORY_UNCAPPED &&
        (cfg->memory_limit < (1u << 20) || cfg->backend != CDN_BACKEND_PROCESS))
        return CDN_EINVAL;
    struct cdn_chan_geometry geom = cfg->geometry;
    if (geom.ring_slots == 0 && geom.ext_slot_size == 0)
        geom = cdn_chan_default_geometry;
    if (cdn_geometry_check(&geom) != CDN_OK)
        return CDN_EINVAL;

    struct cdn_domain *dom = calloc(1, sizeof *dom);
    if (!dom)
        return CDN_ENOMEM;
    dom->cfg = *cfg;
    dom->cfg.geometry = geom;
    dom->pid = -1;
    dom->pidfd = -1;
    dom->wd_stopfd = -1;
    dom->region.fd = -1;
    dom->ops = cfg->backend == CDN_BACKEND_PROCESS ? &cdn_process_ops : &cdn_inproc_ops;
    int r = CDN_OK;
    if (cfg->module_path)
        r = copy_str(dom->module_path, sizeof dom->module_path, cfg->module_path);
    if (r == CDN_OK && cfg->module_arg)
        r = copy_str(dom->module_arg, sizeof dom->module_arg, cfg->module_arg);
    if (r == CDN_OK && cfg->launcher_path)
        r = copy_str(dom->launcher_path, sizeof dom->launcher_path, cfg->launcher_path);
    if (r == CDN_OK)
        r = cdn_region_create(&geom, &dom->region);
    if (r == CDN_OK)
        r = cdn_ep_create(&dom->region, CDN_SIDE_HOST, cfg->host_policy, &dom->ep);
    if (r != CDN_OK) {
        cdn_region_release(&dom->region);
        free(dom);
        return r;
    }
    cdn_ep_set_peer_policy(dom->ep, cfg->domain_policy);
    cdn_ep_set_peer_check(dom->ep, dom->ops->peer_dead, dom);
    *out = dom;
    return CDN_OK;
}

int cdn_domain_await_hello(struct cdn_domain *dom)
{
    int64_t timeout =
        dom->cfg.start_timeout_ns > 0 ? dom->cfg.start_timeout_ns : DEFAULT_START_TIMEOUT_NS;
    /* The domain waits for our answer asleep (see the launcher): wake it. */
    cdn_ep_set_peer_policy(dom->ep, CDN_WAIT_ADAPTIVE);
    struct cdn_msg m;
    int r = cdn_ep_recv(dom->ep, &m, timeout);
    if (r != CDN_OK)
        return r;
    uint32_t abi = 0;
    memcpy(&abi, m.data, sizeof abi);
    if (m.rpc_id != CDN_RPC_HELLO || !(m.flags & CDN_MSG_REQUEST) || m.inline_len != sizeof abi ||
        abi != CDN_MODULE_ABI)
        return cdn_ep_protocol_error(dom->ep, "bad HELLO from domain");
    struct cdn_msg rep;
    memset(&rep, 0, sizeof rep);
    rep.rpc_id = CDN_RPC_HELLO;
    rep.call_id = m.call_id;
    rep.flags = CDN_MSG_REPLY;
    r = cdn_ep_send(dom->ep, &rep, timeout);
    cdn_ep_set_peer_policy(dom->ep, dom->cfg.domain_policy);
    return r;
}

/*
 * The monitor thread, one per running domain. It does two jobs, both from
 * a blocking poll(2) so that it costs nothing while all is well:
 *   - death: a process domain's pidfd turns readable when the child dies;
 *     the monitor marks the host endpoint dead at once. Every post and
 *     send then sees it in the endpoint's dead flag (an atomic load), so
 *     a host that only posts (data-path rings) learns of a crash within
 *     microseconds without any system call of its own;
 *   - hangs (when heartbeat_timeout_ns > 0): it samples the heartbeat word
 *     every quarter timeout and kills the domain when it has not moved for
 *     a whole timeout.
 * It only reads the shared word, stores the dead flag and sends a kill
 * (all safe from any thread); the host thread does everything else.
 */
static void *watchdog_main(void *arg)
{
    struct cdn_domain *dom = arg;
    const uint32_t *word = cdn_region_heartbeat(&dom->region);
    int64_t timeout = dom->cfg.heartbeat_timeout_ns;
    int period_ms = -1; /* death only: sleep until something happens */
    if (timeout > 0)
        period_ms = (int)(timeout / 4 > 1000000 ? timeout / 4 / 1000000 : 1);
    uint32_t last = __atomic_load_n(word, __ATOMIC_RELAXED);
    int64_t last_change = cdn_now_ns();
    struct pollfd fds[2] = {
        {.fd = dom->wd_stopfd, .events = POLLIN},
        {.fd = dom->cfg.backend == CDN_BACKEND_PROCESS ? dom->pidfd : -1, .events = POLLIN}};
    for (;;) {
        int n = poll(fds, 2, period_ms);
        if (n < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break; /* watchdog_stop */
        if (fds[1].revents) {
            cdn_ep_mark_dead(dom->ep);
            break;
        }
        if (timeout <= 0)
            continue;
        uint32_t v = __atomic_load_n(word, __ATOMIC_RELAXED);
        int64_t now = cdn_now_ns();
        if (v != last) {
            last = v;
            last_change = now;
        } else if (now - last_change >= timeout) {
            snprintf(dom->wd_reason, sizeof dom->wd_reason,
                     "watchdog: no heartbeat for %lld ms (hung in module code)",
                     (long long)((now - last_change) / 1000000));
            __atomic_store_n(&dom->wd_fired, 1, __ATOMIC_RELEASE);
            cdn_ep_mark_dead(dom->ep);
            dom->ops->kill(dom);
            break;
        }
    }
    return NULL;
}

static void watchdog_start(struct cdn_domain *dom)
{
    int process = dom->cfg.backend == CDN_BACKEND_PROCESS && dom->pidfd >= 0;
    if ((dom->cfg.heartbeat_timeout_ns <= 0 && !process) || dom->wd_started)
        return;
    dom->wd_stopfd = eventfd(0, EFD_CLOEXEC);
    if (dom->wd_stopfd < 0)
        return; /* no monitor: deaths are still seen by the host's own checks */
    if (pthread_create(&dom->wd_thread, NULL, watchdog_main, dom) == 0) {
        dom->wd_started = 1;
    } else {
        close(dom->wd_stopfd);
        dom->wd_stopfd = -1;
    }
}

static void watchdog_stop(struct cdn_domain *dom)
{
    if (!dom->wd_started)
        return;
    uint64_t one = 1;
    while (write(dom->wd_stopfd, &one, sizeof one) < 0 && errno == EINTR)
        ;
    pthread_join(dom->wd_thread, NULL);
    close(dom->wd_stopfd);
    dom->wd_stopfd = -1;
    dom->wd_started = 0;
}

static int start_failed(struct cdn_domain *dom, int r)
{
    if (dom->state == CDN_DOM_RUNNING) {
        if (r == CDN_EPROTO)
            cdn_domain_kill(dom, cdn_ep_violation(dom->ep));
        else if (r == CDN_ETIMEDOUT)
            cdn_domain_kill(dom, "no HELLO before the start timeout");
        else if (r != CDN_EDEAD)
            cdn_domain_kill(dom, "start failed");
    }
    return r == CDN_EDEAD ? CDN_ELOAD : r;
}

int cdn_domain_start_async(struct cdn_domain *dom)
{
    if (!dom)
        return CDN_EINVAL;
    if (dom->state != CDN_DOM_CREATED)
        return CDN_ESTATE;
    if (dom->cfg.backend != CDN_BACKEND_PROCESS)
        return cdn_domain_start(dom);
    dom->hello_pending = 1;
    int r = dom->ops->start(dom);
    if (r != CDN_OK) {
        dom->hello_pending = 0;
        return start_failed(dom, r);
    }
    return CDN_OK;
}

int cdn_domain_start_finish(struct cdn_domain *dom)
{
    if (!dom)
        return CDN_EINVAL;
    if (!dom->hello_pending)
        return dom->state == CDN_DOM_RUNNING ? CDN_OK : CDN_ESTATE;
    dom->hello_pending = 0;
    int r = cdn_domain_await_hello(dom);
    if (r == CDN_EDEAD && dom->cfg.backend == CDN_BACKEND_PROCESS)
        cdn_process_start_death(dom);
    if (r != CDN_OK)
        return start_failed(dom, r);
    watchdog_start(dom);
    return CDN_OK;
}

int cdn_domain_start(struct cdn_domain *dom)
{
    if (!dom)
        return CDN_EINVAL;
    if (dom->state != CDN_DOM_CREATED)
        return CDN_ESTATE;
    int r = dom->ops->start(dom);
    if (r != CDN_OK)
        return start_failed(dom, r);
    watchdog_start(dom);
    return CDN_OK;
}

struct cdn_ep *cdn_domain_ep(struct cdn_domain *dom)
{
    return dom ? dom->ep : NULL;
}

void cdn_domain_set_handler(struct cdn_domain *dom, cdn_handler_fn handler, void *arg)
{
    dom->handler = handler;
    dom->handler_arg = arg;
}

int cdn_domain_call(struct cdn_domain *dom, struct cdn_msg *req, struct cdn_msg *reply,
                    int64_t timeout_ns)
{
    if (!dom || !req || !reply)
        return CDN_EINVAL;
    if (dom->state != CDN_DOM_RUNNING)
        return dom->state == CDN_DOM_ENDED ? CDN_EDEAD : CDN_ESTATE;
    if (req->rpc_id >= CDN_RPC_CONTROL_BASE && req->rpc_id != CDN_RPC_PING)
        return CDN_EINVAL;
    int r = cdn_ep_call(dom->ep, req, reply, dom->handler, dom->handler_arg, timeout_ns);
    if (r == CDN_EPROTO && cdn_ep_broken(dom->ep))
        cdn_domain_kill(dom, cdn_ep_violation(dom->ep));
    return r;
}

int cdn_domain_alive(struct cdn_domain *dom)
{
    if (!dom || dom->state != CDN_DOM_RUNNING)
        return 0;
    return !dom->ops->peer_dead(dom);
}

int cdn_domain_kill(struct cdn_domain *dom, const char *reason)
{
    if (!dom)
        return CDN_EINVAL;
    if (dom->state != CDN_DOM_RUNNING)
        return CDN_ESTATE;
    if (!dom->reason[0]) {
        if (__atomic_load_n(&dom->wd_fired, __ATOMIC_ACQUIRE))
            snprintf(dom->reason, sizeof dom->reason, "%s", dom->wd_reason);
        else
            snprintf(dom->reason, sizeof dom->reason, "%s", reason ? reason : "killed by host");
    }
    dom->killed_by_host = 1;
    cdn_ep_mark_dead(dom->ep);
    return dom->ops->kill(dom);
}

int cdn_domain_wait(struct cdn_domain *dom, struct cdn_exit_info *info, int64_t timeout_ns)
{
    if (!dom)
        return CDN_EINVAL;
    if (dom->state == CDN_DOM_CREATED)
        return CDN_ESTATE;
    if (dom->state == CDN_DOM_RUNNING) {
        int r = dom->ops->wait(dom, timeout_ns);
        if (r != CDN_OK)
            return r;
        dom->state = CDN_DOM_ENDED;
        watchdog_stop(dom);
        dom->exit.killed_by_host =
            dom->killed_by_host || __atomic_load_n(&dom->wd_fired, __ATOMIC_ACQUIRE);
        cdn_ep_mark_dead(dom->ep);
    }
    if (info)
        *info = dom->exit;
    return CDN_OK;
}

int cdn_domain_stop(struct cdn_domain *dom, int64_t timeout_ns)
{
    if (!dom)
        return CDN_EINVAL;
    if (dom->state != CDN_DOM_RUNNING)
        return dom->state == CDN_DOM_ENDED ? CDN_OK : CDN_ESTATE;
    int64_t deadline = cdn_now_ns() + (timeout_ns > 0 ? timeout_ns : 0);
    struct cdn_msg req, rep;
    memset(&req, 0, sizeof req);
    req.rpc_id = CDN_RPC_STOP;
    int r = cdn_ep_call(dom->ep, &req, &rep, dom->handler, dom->handler_arg, timeout_ns);
    if (r == CDN_OK) {
        int64_t left = deadline - cdn_now_ns();
        r = cdn_domain_wait(dom, NULL, left > 0 ? left : 0);
    }
    if (r != CDN_OK && dom->state == CDN_DOM_RUNNING) {
        cdn_domain_kill(dom, "did not stop in time");
        r = cdn_domain_wait(dom, NULL, 1000000000LL);
        if (r == CDN_OK)
            r = CDN_ETIMEDOUT; /* ended, but only by the kill */
    }
    return r;
}

int cdn_domain_wait_stopped(struct cdn_domain *dom, int64_t timeout_ns)
{
    if (!dom)
        return CDN_EINVAL;
    if (dom->state != CDN_DOM_RUNNING)
        return dom->state == CDN_DOM_ENDED ? CDN_OK : CDN_ESTATE;
    if (dom->cfg.backend != CDN_BACKEND_PROCESS)
        return cdn_domain_wait(dom, NULL, timeout_ns);
    /* PF_EXITING (0x4) in /proc/PID/stat's flags: the kernel is tearing the
     * process down and it will not run user code again. Its exit (freeing
     * its memory) can take much longer; nothing needs to wait for that. */
    int64_t deadline = cdn_now_ns() + (timeout_ns < 0 ? INT64_MAX / 2 : timeout_ns);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)dom->pid);
    for (;;) {
        if (cdn_domain_wait(dom, NULL, 0) == CDN_OK)
            return CDN_OK;
        FILE *f = fopen(path, "re");
        if (!f)
            return CDN_OK; /* gone */
        char buf[1024];
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        /* fields after the command name, which ends at the last ')':
         * state ppid pgrp session tty_nr tpgid flags */
        char *p = strrchr(buf, ')');
        char state = 0;
        unsigned long flags = 0;
        if (p && sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) == 2 &&
            (state == 'Z' || state == 'X' || (flags & 0x4)))
            return CDN_OK;
        if (cdn_now_ns() >= deadline)
            return CDN_ETIMEDOUT;
        struct timespec ts = {0, 20000};
        nanosleep(&ts, NULL);
    }
}

const char *cdn_domain_reason(const struct cdn_domain *dom)
{
    if (dom && !dom->reason[0] && __atomic_load_n(&dom->wd_fired, __ATOMIC_ACQUIRE))
        return dom->wd_reason;
    return dom ? dom->reason : "";
}

pid_t cdn_domain_pid(const struct cdn_domain *dom)
{
    return dom ? dom->pid : -1;
}

void cdn_domain_destroy(struct cdn_domain *dom)
{
    if (!dom)
        return;
    if (dom->state == CDN_DOM_RUNNING) {
        cdn_domain_kill(dom, "destroyed while running");
        cdn_domain_wait(dom, NULL, 2000000000LL);
    }
    watchdog_stop(dom);
    dom->ops->release(dom);
    if (dom->leaked)
        return; /* a thread still uses the channel; see inproc release() */
    cdn_ep_destroy(dom->ep);
    cdn_region_release(&dom->region);
    free(dom);
}

const char *cdn_exit_describe(const struct cdn_exit_info *info, char *buf, size_t len)
{
    if (info->signaled) {
        const char *name = sigabbrev_np(info->signo);
        snprintf(buf, len, "killed by SIG%s%s%s", name ? name : "?",
                 info->signo == SIGSYS ? " (seccomp: forbidden system call)" : "",
                 info->killed_by_host ? " (by the host)" : "");
    } else if (info->exited) {
        snprintf(buf, len, "exited with status %d", info->code);
    } else {
        snprintf(buf, len, "still running");
    }
    return buf;
}
