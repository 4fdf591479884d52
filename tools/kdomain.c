/*
 * kdomain.c - cordon-kdomain: starts an isolated driver with the kernel as
 * host (cordon.ko and the driver's glue module loaded): creates the
 * driver's channel on /dev/cordon, starts its sandboxed domain
 * (cordon-domain --kernel with the driver's module), runs the driver's
 * init, and keeps the driver up until it is told to stop (SIGINT, SIGTERM),
 * then runs the driver's exit.
 *
 * The driver is supervised: when its domain dies, or the kernel gives it
 * up, a new domain takes its device (the net device, or with --block the
 * disk) over: a warm spare, launched ahead, so the restart does not wait
 * for a process to start; up to --max-restarts times. Exit status 0, 1 on a failure (said on
 * stderr), 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cordon/channel.h"
#include "cordon/kabi.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cordon-kdomain [--launcher PATH] [--heap-mib N (4; --block: 32)]\n"
            "                      [--block [--max-restarts N]] SERVICE MODULE.so\n"
            "Runs the isolated driver MODULE.so with the kernel as host: SERVICE is the\n"
            "id its glue module registered (dummy: %d, null_blk: %d; null_blk needs\n"
            "--block). The driver's domain is restarted when it fails, and the new one\n"
            "takes its device over (at most --max-restarts times, default 100).\n"
            "Stops on SIGINT or SIGTERM.\n",
            CORDON_SERVICE_DUMMY, CORDON_SERVICE_NULL_BLK);
}

static int service(int fd, uint32_t cmd, const void *in, uint32_t in_len, void *out, size_t n)
{
    struct cordon_service_call call = {.cmd = cmd, .len = in_len};
    if (in_len)
        memcpy(call.buf, in, in_len);
    int r = ioctl(fd, CORDON_IOC_SERVICE, &call);
    if (r == 0 && out)
        memcpy(out, call.buf, n < call.len ? n : call.len);
    return r;
}

struct opts {
    const char *launcher, *module;
    long heap_mib, svc, max_restarts;
    int block;
};

/* A channel and its domain, before the driver's init. */
struct dom {
    int fd;
    pid_t pid;
};

static int launch(const struct opts *o, struct dom *d)
{
    d->pid = -1;
    d->fd = open(CORDON_DEVICE, O_RDWR | O_CLOEXEC);
    struct cordon_create a = {.ring_slots = 64,
                              .ext_slot_size = 4096,
                              .service = (uint32_t)o->svc,
                              .heap_size = (uint64_t)o->heap_mib << 20};
    if (d->fd < 0 || ioctl(d->fd, CORDON_IOC_CREATE, &a) != 0) {
        fprintf(stderr, "cordon-kdomain: %s: %s (is cordon.ko loaded, and service %ld?)\n",
                CORDON_DEVICE, strerror(errno), o->svc);
        if (d->fd >= 0)
            close(d->fd);
        d->fd = -1;
        return -1;
    }
    d->pid = fork();
    if (d->pid == 0) {
        char heap[32], parent[32];
        snprintf(heap, sizeof heap, "%llu", (unsigned long long)a.heap_size);
        snprintf(parent, sizeof parent, "%d", (int)getppid());
        if (dup2(d->fd, 3) != 3 || fcntl(3, F_SETFD, 0) != 0)
            _exit(127);
        execl(o->launcher, "cordon-domain", "--kernel", "--fd", "3", "--slots", "64", "--ext",
              "4096", "--heap-size", heap, "--policy", "adaptive", "--peer-policy", "adaptive",
              "--parent", parent, "--module", o->module, "--keep-stderr", (char *)NULL);
        fprintf(stderr, "cordon-kdomain: %s: %s\n", o->launcher, strerror(errno));
        _exit(127);
    }
    return d->pid > 0 ? 0 : -1;
}

static void end(struct dom *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
    }
    if (d->fd >= 0)
        close(d->fd); /* the kernel takes down, or orphans, what the driver left */
    d->pid = -1;
    d->fd = -1;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* What differs between a net and a block driver's channel. */
struct kind {
    uint32_t init, exit, stats;
};
static const struct kind net_kind = {CORDON_NET_INIT, CORDON_NET_EXIT, CORDON_NET_STATS};
static const struct kind blk_kind = {CORDON_BLK_INIT, CORDON_BLK_EXIT, CORDON_BLK_STATS};

/* The driver's init on d; claim: "" (a new device) or the orphan to take
 * over. 0 with the device's name in name, or the init's status. */
static int32_t driver_init(const struct kind *k, struct dom *d, const char *claim, char *name,
                           size_t cap, int *reattached)
{
    union {
        struct cordon_net_init net;
        struct cordon_blk_init blk;
    } out;
    memset(&out, 0, sizeof out);
    out.net.status = -1;
    if (service(d->fd, k->init, claim, (uint32_t)strlen(claim), &out, sizeof out) != 0)
        return -1;
    int32_t st = k == &net_kind ? out.net.status : out.blk.status;
    const char *n = k == &net_kind ? out.net.name : out.blk.name;
    size_t len = k == &net_kind ? sizeof out.net.name : sizeof out.blk.name;
    *reattached = (int)(k == &net_kind ? out.net.reattached : out.blk.reattached);
    snprintf(name, cap, "%.*s", (int)len, n);
    return st;
}

/* Whether the driver's domain has died, or the kernel gave it up. */
static int driver_failed(const struct kind *k, struct dom *d)
{
    if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
        d->pid = -1;
        return 1;
    }
    union {
        struct cordon_net_stats net;
        struct cordon_blk_stats blk;
    } s;
    memset(&s, 0, sizeof s);
    if (service(d->fd, k->stats, NULL, 0, &s, sizeof s) != 0)
        return 0;
    return k == &net_kind ? !s.net.attached : !s.blk.attached;
}

static int run(const struct opts *o, const struct kind *k)
{
    struct dom d, spare = {-1, -1};
    char name[64] = "", again[64];
    int reattached;
    if (launch(o, &d) != 0)
        return 1;
    int32_t st = driver_init(k, &d, "", name, sizeof name, &reattached);
    if (st != 0) {
        fprintf(stderr, "cordon-kdomain: the driver's init failed (%d)\n", st);
        end(&d);
        return 1;
    }
    printf("cordon-kdomain: %s is up, its driver in domain %d\n", name, (int)d.pid);
    fflush(stdout);
    long restarts = 0;
    int rc = 0;
    while (!stop) {
        if (spare.fd < 0 && launch(o, &spare) != 0)
            spare.fd = -1; /* the next restart launches its own */
        usleep(10000);
        if (stop || !driver_failed(k, &d))
            continue;
        if (restarts++ >= o->max_restarts) {
            fprintf(stderr, "cordon-kdomain: %s: the driver failed %ld times; giving up\n", name,
                    restarts);
            rc = 1;
            break;
        }
        double t0 = now_ms();
        end(&d);
        if (spare.fd >= 0) {
            d = spare;
            spare.fd = spare.pid = -1;
        } else if (launch(o, &d) != 0) {
            rc = 1;
            break;
        }
        st = driver_init(k, &d, name, again, sizeof again, &reattached);
        if (st != 0 || !reattached) {
            fprintf(stderr, "cordon-kdomain: %s: the restarted driver's init failed (%d)\n", name,
                    st);
            rc = 1;
            break;
        }
        printf("cordon-kdomain: %s: driver restarted in %.1f ms, now in domain %d\n", name,
               now_ms() - t0, (int)d.pid);
        fflush(stdout);
    }
    if (stop && service(d.fd, k->exit, NULL, 0, NULL, 0) != 0) {
        fprintf(stderr, "cordon-kdomain: the driver's exit failed: %s\n", strerror(errno));
        rc = 1;
    }
    end(&spare);
    end(&d);
    return rc;
}

int main(int argc, char **argv)
{
    struct opts o = {.launcher = CDN_INSTALL_BINDIR "/cordon-domain", .max_restarts = 100};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--launcher") == 0 && i + 1 < argc) {
            o.launcher = argv[++i];
        } else if (strcmp(argv[i], "--heap-mib") == 0 && i + 1 < argc) {
            o.heap_mib = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--block") == 0) {
            o.block = 1;
        } else if (strcmp(argv[i], "--max-restarts") == 0 && i + 1 < argc) {
            o.max_restarts = strtol(argv[++i], NULL, 10);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (!o.heap_mib)
        o.heap_mib = o.block ? 32 : 4; /* a disk's memory lives in its heap too */
    if (argc - i != 2 || o.heap_mib < 1 || o.heap_mib > (long)(CORDON_HEAP_MAX >> 20) ||
        o.max_restarts < 0) {
        usage(stderr);
        return 2;
    }
    o.svc = strtol(argv[i], NULL, 10);
    o.module = argv[i + 1];
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return run(&o, o.block ? &blk_kind : &net_kind);
}
