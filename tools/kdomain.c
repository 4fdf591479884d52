/*
 * kdomain.c - cordon-kdomain: starts an isolated driver with the kernel as
 * host (cordon.ko and the driver's glue module loaded): creates the
 * driver's channel on /dev/cordon, starts its sandboxed domain
 * (cordon-domain --kernel with the driver's module), runs the driver's
 * init, and keeps the driver up until it is told to stop (SIGINT, SIGTERM),
 * then runs the driver's exit. Exit status 0, 1 on a failure (said on
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
            "usage: cordon-kdomain [--launcher PATH] [--heap-mib N] SERVICE MODULE.so\n"
            "Runs the isolated driver MODULE.so with the kernel as host: SERVICE is the\n"
            "id its glue module registered (dummy: %d). Stops on SIGINT or SIGTERM.\n",
            CORDON_SERVICE_DUMMY);
}

static int service(int fd, uint32_t cmd, void *out, size_t n)
{
    struct cordon_service_call call = {.cmd = cmd};
    int r = ioctl(fd, CORDON_IOC_SERVICE, &call);
    if (r == 0 && out)
        memcpy(out, call.buf, n < call.len ? n : call.len);
    return r;
}

int main(int argc, char **argv)
{
    const char *launcher = CDN_INSTALL_BINDIR "/cordon-domain";
    long heap_mib = 4;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--launcher") == 0 && i + 1 < argc) {
            launcher = argv[++i];
        } else if (strcmp(argv[i], "--heap-mib") == 0 && i + 1 < argc) {
            heap_mib = strtol(argv[++i], NULL, 10);
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (argc - i != 2 || heap_mib < 1 || heap_mib > (long)(CORDON_HEAP_MAX >> 20)) {
        usage(stderr);
        return 2;
    }
    long svc = strtol(argv[i], NULL, 10);
    const char *module = argv[i + 1];
    int fd = open(CORDON_DEVICE, O_RDWR);
    struct cordon_create a = {.ring_slots = 64,
                              .ext_slot_size = 4096,
                              .service = (uint32_t)svc,
                              .heap_size = (uint64_t)heap_mib << 20};
    if (fd < 0 || ioctl(fd, CORDON_IOC_CREATE, &a) != 0) {
        fprintf(stderr, "cordon-kdomain: %s: %s (is cordon.ko loaded, and service %ld?)\n",
                CORDON_DEVICE, strerror(errno), svc);
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        char heap[32], parent[32];
        snprintf(heap, sizeof heap, "%llu", (unsigned long long)a.heap_size);
        snprintf(parent, sizeof parent, "%d", (int)getppid());
        if (dup2(fd, 3) != 3 || fcntl(3, F_SETFD, 0) != 0)
            _exit(127);
        execl(launcher, "cordon-domain", "--kernel", "--fd", "3", "--slots", "64", "--ext", "4096",
              "--heap-size", heap, "--policy", "adaptive", "--peer-policy", "adaptive", "--parent",
              parent, "--module", module, "--keep-stderr", (char *)NULL);
        fprintf(stderr, "cordon-kdomain: %s: %s\n", launcher, strerror(errno));
        _exit(127);
    }
    unsigned char init[4 + IFNAMSIZ] = {0};
    int32_t st = -1;
    if (service(fd, CORDON_NET_INIT, init, sizeof init) == 0)
        memcpy(&st, init, 4);
    if (st != 0) {
        fprintf(stderr, "cordon-kdomain: the driver's init failed (%d)\n", st);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        return 1;
    }
    char name[IFNAMSIZ + 1] = "";
    memcpy(name, init + 4, IFNAMSIZ);
    printf("cordon-kdomain: %s is up, its driver in domain %d\n", name, (int)pid);
    fflush(stdout);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    while (!stop && waitpid(pid, NULL, WNOHANG) == 0)
        pause();
    int rc = 0;
    if (stop && service(fd, CORDON_NET_EXIT, NULL, 0) != 0) {
        fprintf(stderr, "cordon-kdomain: the driver's exit failed: %s\n", strerror(errno));
        rc = 1;
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(fd); /* the kernel takes down what the driver left */
    return rc;
}
