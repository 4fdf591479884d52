/*
 * domain_process.c - the process backend: a domain is a sandboxed child
 * process running the cordon-domain launcher.
 *
 * The host keeps a pidfd for the child. Liveness checks poll it (no signal
 * handlers, no SIGCHLD races), kills go through pidfd_send_signal, and the
 * exit status is collected with waitid(P_PIDFD).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../ipc/layout.h"
#include "domain_impl.h"
#include "launch_proto.h"

/* What the launcher said before it exited (cdn_launch_note), read once
 * into out (CDN_NOTE_SIZE bytes), printable ASCII only; "" if nothing. The
 * domain may have written anything there: it is quoted, never parsed. */
static void launch_note(const struct cdn_domain *dom, char *out)
{
    char raw[CDN_NOTE_SIZE];
    memcpy(raw, cdn_launch_note(dom->region.base), sizeof raw);
    size_t n = 0;
    for (; n < sizeof raw - 1 && raw[n]; n++)
        out[n] = raw[n] >= 0x20 && raw[n] < 0x7f ? raw[n] : '?';
    out[n] = 0;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#ifndef CDN_INSTALL_BINDIR
#define CDN_INSTALL_BINDIR "/usr/local/bin"
#endif

extern char **environ;

static int file_executable(const char *p)
{
    return access(p, X_OK) == 0;
}

/* Finds the launcher: explicit path, $CORDON_LAUNCHER, next to the running
 * program, ../bin relative to it, then the install directory. */
static int find_launcher(struct cdn_domain *dom, char *out, size_t cap)
{
    if (dom->launcher_path[0]) {
        snprintf(out, cap, "%s", dom->launcher_path);
        return file_executable(out) ? CDN_OK : CDN_ENOENT;
    }
    const char *env = getenv("CORDON_LAUNCHER");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return file_executable(out) ? CDN_OK : CDN_ENOENT;
    }
    char exe[PATH_MAX];
    if (cdn_self_dir(exe, sizeof exe) == CDN_OK) {
        snprintf(out, cap, "%s/cordon-domain", exe);
        if (file_executable(out))
            return CDN_OK;
        snprintf(out, cap, "%s/../bin/cordon-domain", exe);
        if (file_executable(out))
            return CDN_OK;
    }
    snprintf(out, cap, "%s/cordon-domain", CDN_INSTALL_BINDIR);
    return file_executable(out) ? CDN_OK : CDN_ENOENT;
}

static const char *policy_name(enum cdn_wait_policy p)
{
    return p == CDN_WAIT_SPIN ? "spin" : "adaptive";
}

static int process_peer_dead(void *arg)
{
    struct cdn_domain *dom = arg;
    if (dom->pidfd < 0)
        return 1;
    struct pollfd pfd = {.fd = dom->pidfd, .events = POLLIN};
    return poll(&pfd, 1, 0) > 0;
}

static int process_start(struct cdn_domain *dom)
{
    char launcher[PATH_MAX];
    if (find_launcher(dom, launcher, sizeof launcher) != CDN_OK) {
        snprintf(dom->reason, sizeof dom->reason, "launcher not found (tried %s)", launcher);
        return CDN_ENOENT;
    }
    char fd_s[16], slots_s[16], ext_s[16], cpu_s[16], parent_s[24];
    snprintf(fd_s, sizeof fd_s, "%d", CDN_LAUNCH_FD);
    snprintf(slots_s, sizeof slots_s, "%u", dom->cfg.geometry.ring_slots);
    snprintf(ext_s, sizeof ext_s, "%u", dom->cfg.geometry.ext_slot_size);
    snprintf(cpu_s, sizeof cpu_s, "%d", dom->cfg.cpu);
    snprintf(parent_s, sizeof parent_s, "%d", (int)getpid());
    char heap_s[24];
    snprintf(heap_s, sizeof heap_s, "%zu", dom->cfg.heap ? cdn_heap_size(dom->cfg.heap) : 0);
    char *argv[24];
    int a = 0;
    argv[a++] = launcher;
    argv[a++] = "--fd";
    argv[a++] = fd_s;
    argv[a++] = "--slots";
    argv[a++] = slots_s;
    argv[a++] = "--ext";
    argv[a++] = ext_s;
    argv[a++] = "--policy";
    argv[a++] = (char *)policy_name(dom->cfg.domain_policy);
    argv[a++] = "--peer-policy";
    argv[a++] = (char *)policy_name(dom->cfg.host_policy);
    argv[a++] = "--cpu";
    argv[a++] = cpu_s;
    argv[a++] = "--parent";
    argv[a++] = parent_s;
    argv[a++] = "--module";
    argv[a++] = dom->module_path;
    argv[a++] = "--arg";
    argv[a++] = dom->module_arg;
    if (dom->cfg.keep_stderr)
        argv[a++] = "--keep-stderr";
    if (dom->cfg.heap) {
        argv[a++] = "--heap-size";
        argv[a++] = heap_s;
    }
    char mem_s[24];
    uint64_t mem = dom->cfg.memory_limit ? dom->cfg.memory_limit : CDN_DOMAIN_MEMORY_DEFAULT;
    if (mem != CDN_DOMAIN_MEMORY_UNCAPPED) {
        snprintf(mem_s, sizeof mem_s, "%llu", (unsigned long long)mem);
        argv[a++] = "--mem-limit";
        argv[a++] = mem_s;
    }
    argv[a] = NULL;

    /* Move the fds out of the way first: if the heap's fd were 3, dup2-ing
     * the channel onto 3 would clobber it before it reached 4. */
    int chan_fd = fcntl(dom->region.fd, F_DUPFD_CLOEXEC, 16);
    int heap_fd = dom->cfg.heap ? fcntl(cdn_heap_fd(dom->cfg.heap), F_DUPFD_CLOEXEC, 16) : -1;
    if (chan_fd < 0 || (dom->cfg.heap && heap_fd < 0)) {
        if (chan_fd >= 0)
            close(chan_fd);
        return CDN_ESYS;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, chan_fd, CDN_LAUNCH_FD);
    if (heap_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, heap_fd, CDN_LAUNCH_HEAP_FD);
    pid_t pid;
    int e = posix_spawn(&pid, launcher, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(chan_fd);
    if (heap_fd >= 0)
        close(heap_fd);
    if (e != 0) {
        errno = e;
        snprintf(dom->reason, sizeof dom->reason, "spawn %s: %s", launcher, strerror(e));
        return CDN_ESYS;
    }
    dom->pid = pid;
    /* The child is ours and unreaped, so its pid cannot be reused before we
     * open the pidfd. */
    dom->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (dom->pidfd < 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        dom->pid = -1;
        return CDN_ESYS;
    }
    dom->state = CDN_DOM_RUNNING;
    if (dom->hello_pending)
        return CDN_OK; /* cdn_domain_start_finish completes the handshake */
    int r = cdn_domain_await_hello(dom);
    if (r == CDN_EDEAD)
        cdn_process_start_death(dom);
    return r;
}

void cdn_process_start_death(struct cdn_domain *dom)
{
    struct cdn_exit_info info;
    if (dom->reason[0] || cdn_domain_wait(dom, &info, 1000000000LL) != CDN_OK)
        return;
    const char *why = info.exited ? cdn_launch_exit_text(info.code) : NULL;
    char buf[96], said[CDN_NOTE_SIZE];
    launch_note(dom, said);
    snprintf(dom->reason, sizeof dom->reason, "domain died during start: %s%s%s",
             why ? why : cdn_exit_describe(&info, buf, sizeof buf), said[0] ? ": " : "", said);
}

static int process_kill(struct cdn_domain *dom)
{
    if (dom->pidfd < 0)
        return CDN_ESTATE;
    if (syscall(SYS_pidfd_send_signal, dom->pidfd, SIGKILL, NULL, 0) != 0 && errno != ESRCH)
        return CDN_ESYS;
    return CDN_OK;
}

static int process_wait(struct cdn_domain *dom, int64_t timeout_ns)
{
    if (dom->pidfd < 0)
        return CDN_ESTATE;
    int ms = timeout_ns < 0 ? -1 : (int)((timeout_ns + 999999) / 1000000);
    struct pollfd pfd = {.fd = dom->pidfd, .events = POLLIN};
    int n;
    do {
        n = poll(&pfd, 1, ms);
    } while (n < 0 && errno == EINTR);
    if (n == 0)
        return CDN_ETIMEDOUT;
    if (n < 0)
        return CDN_ESYS;
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid((idtype_t)P_PIDFD, (id_t)dom->pidfd, &si, WEXITED) != 0)
        return CDN_ESYS;
    memset(&dom->exit, 0, sizeof dom->exit);
    if (si.si_code == CLD_EXITED) {
        dom->exit.exited = 1;
        dom->exit.code = si.si_status;
    } else {
        dom->exit.signaled = 1;
        dom->exit.signo = si.si_status;
    }
    return CDN_OK;
}

static void process_release(struct cdn_domain *dom)
{
    if (dom->pidfd >= 0)
        close(dom->pidfd);
    dom->pidfd = -1;
}

const struct cdn_backend_ops cdn_process_ops = {
    .start = process_start,
    .peer_dead = process_peer_dead,
    .kill = process_kill,
    .wait = process_wait,
    .release = process_release,
};
