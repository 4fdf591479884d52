/*
 * hostile_test.c - in the guest: a hostile domain against cordon.ko's net
 * host. The domain here is this test's own child, speaking the channel
 * protocol by hand: completions for packets never posted, malformed
 * completion messages, unknown rpcs, a flood of log lines; then a driver
 * that never answers its init, and one killed with packets in flight. The
 * kernel must refuse and count each, stay up (run.sh fails on any kernel
 * warning), and keep the device, orphaned, when the domain's file goes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../../src/domain/module_ctx.h"
#include "check.h"
#include "cordon/kabi.h"
#include "cordon_rings.h"

#define SEC 1000000000LL

struct chan {
    int fd;
    struct cordon_create a;
    struct cdn_region reg;
    void *heap;
};

static int open_dummy(struct chan *c)
{
    memset(c, 0, sizeof *c);
    c->fd = open(CORDON_DEVICE, O_RDWR | O_CLOEXEC);
    c->a = (struct cordon_create){.ring_slots = 64,
                                  .ext_slot_size = 4096,
                                  .service = CORDON_SERVICE_DUMMY,
                                  .heap_size = 1 << 20};
    if (c->fd < 0 || ioctl(c->fd, CORDON_IOC_CREATE, &c->a) != 0)
        return -1;
    c->reg.fd = c->fd;
    c->reg.size = c->a.region_size;
    c->reg.geom = (struct cdn_chan_geometry){64, 4096};
    c->reg.base = mmap(NULL, c->a.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
    c->heap = mmap(NULL, c->a.heap_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
                   (off_t)c->a.region_size);
    return c->reg.base == MAP_FAILED || c->heap == MAP_FAILED ? -1 : 0;
}

static void close_chan(struct chan *c)
{
    munmap(c->reg.base, c->reg.size);
    munmap(c->heap, c->a.heap_size);
    close(c->fd);
}

static int net_stats(int fd, struct cordon_net_stats *s)
{
    struct cordon_service_call call = {.cmd = CORDON_NET_STATS};
    int r = ioctl(fd, CORDON_IOC_SERVICE, &call);
    memcpy(s, call.buf, sizeof *s);
    return r;
}

static int send_oneway(struct cdn_ep *ep, uint16_t rpc, const void *p, uint32_t n)
{
    struct cdn_msg m = {.rpc_id = rpc, .flags = CDN_MSG_REQUEST | CDN_MSG_ONEWAY};
    if (n <= CDN_INLINE_MAX) {
        memcpy(m.data, p, n);
        m.inline_len = (uint8_t)n;
    } else {
        m.ext = p;
        m.ext_len = n;
    }
    return cdn_ep_send(ep, &m, SEC);
}

/* Forged and malformed completions, unknown rpcs, a log flood. */
static void test_forged_completions(void)
{
    struct chan c;
    if (open_dummy(&c) != 0) {
        CHECK("hostile_channel", 0, "%s", strerror(errno));
        return;
    }
    cdn_ipc_use_kernel_bell(c.fd, &c.reg);
    struct cdn_ep *ep;
    cdn_ep_create(&c.reg, CDN_SIDE_DOMAIN, CDN_WAIT_ADAPTIVE, &ep);
    CHECK("hostile_hello_answered", cdn_dom_hello(ep, 5 * SEC) == CDN_OK, "no answer");
    struct {
        struct cdn_ring_done_hdr h;
        struct cdn_ring_run r[3];
        struct cdn_ring_verdict v[2];
    } done = {.h = {.nruns = 3, .nverdicts = 2},
              .r = {{1000, 5, 0}, {0, 300, 0}, {7, 1, -5}},
              .v = {{99, -1}, {0xffffffffu, 16}}};
    int sent = send_oneway(ep, CDN_RPC_TXRING_DONE, &done, sizeof done) == CDN_OK;
    struct cdn_ring_done_hdr lying = {.nruns = 100}; /* says 100 runs, carries none */
    sent += send_oneway(ep, CDN_RPC_TXRING_DONE, &lying, sizeof lying) == CDN_OK;
    sent += send_oneway(ep, 0x1234, "x", 1) == CDN_OK;
    /* more log lines than anyone should print: the driver's printk rpc
     * (dummy_RPC_cdn_kernel_log, 14 in dummy.idl), a valid string each */
    uint8_t line[44];
    uint32_t len = 40;
    memcpy(line, &len, 4);
    memset(line + 4, 'A', 40);
    for (int i = 0; i < 2000; i++)
        send_oneway(ep, 14, line, sizeof line);
    /* RTNL, asked for outside the driver's init or exit (dummy_RPC_rtnl_lock,
     * 12): refused, or every network configuration would wait for us */
    struct cdn_msg q = {.rpc_id = 12, .flags = CDN_MSG_REQUEST}, rep;
    int rtnl = cdn_ep_call(ep, &q, &rep, NULL, NULL, 5 * SEC); /* an error reply's status */
    CHECK("rtnl_refused_outside_init", rtnl == CDN_ESTATE, "the call gave %d", rtnl);
    int sk = socket(AF_INET, SOCK_DGRAM, 0); /* needs RTNL: would hang if the domain held it */
    struct ifreq ifr = {.ifr_name = "lo"};
    int lo = ioctl(sk, SIOCGIFFLAGS, &ifr) == 0 && ioctl(sk, SIOCSIFFLAGS, &ifr) == 0;
    close(sk);
    CHECK("rtnl_free_for_others", lo, "could not set lo's flags");
    struct cordon_net_stats s = {0};
    for (int i = 0; i < 200 && s.protocol_errors < 6; i++) {
        usleep(10000);
        net_stats(c.fd, &s);
    }
    FILE *dm = popen("dmesg | grep -c 'cordon: dummy domain'", "r");
    int logged = -1;
    if (dm) {
        if (fscanf(dm, "%d", &logged) != 1)
            logged = -1;
        pclose(dm);
    }
    CHECK("domain_log_flood_limited", logged >= 1 && logged < 100,
          "%d of 2000 lines reached the kernel log", logged);
    CHECK("forged_completions_refused", sent >= 3 && s.protocol_errors >= 6 && s.completed == 0,
          "sent %d, protocol errors %llu, completed %llu", sent,
          (unsigned long long)s.protocol_errors, (unsigned long long)s.completed);
    cdn_ep_destroy(ep);
    close_chan(&c);
}

/* A domain that takes the HELLO and then never answers: the driver's init
 * fails within its bound, and nothing is left behind. */
static void test_hung_init(void)
{
    struct chan c;
    if (open_dummy(&c) != 0)
        return;
    cdn_ipc_use_kernel_bell(c.fd, &c.reg);
    struct cdn_ep *ep;
    cdn_ep_create(&c.reg, CDN_SIDE_DOMAIN, CDN_WAIT_ADAPTIVE, &ep);
    cdn_dom_hello(ep, 5 * SEC);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct cordon_service_call call = {.cmd = CORDON_NET_INIT};
    int r = ioctl(c.fd, CORDON_IOC_SERVICE, &call);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    int32_t st;
    memcpy(&st, call.buf, 4);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK("hung_driver_init_bounded", r == 0 && st != 0 && secs < 10,
          "init returned %d status %d after %.1f s", r, st, secs);
    cdn_ep_destroy(ep);
    close_chan(&c);
}

/* The real driver, killed with packets queued: the device stays, orphaned,
 * when the domain's file goes. */
static void test_killed_mid_traffic(void)
{
    struct chan c;
    if (open_dummy(&c) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        if (dup2(c.fd, 3) != 3 || fcntl(3, F_SETFD, 0) != 0)
            _exit(127);
        execl("/lib/cordon/cordon-domain", "cordon-domain", "--kernel", "--fd", "3", "--slots",
              "64", "--ext", "4096", "--heap-size", "1048576", "--module", "/lib/cordon/dummy.so",
              (char *)NULL);
        _exit(127);
    }
    struct cordon_service_call call = {.cmd = CORDON_NET_INIT};
    int r = ioctl(c.fd, CORDON_IOC_SERVICE, &call);
    int32_t st;
    memcpy(&st, call.buf, 4);
    char name[IFNAMSIZ + 1] = "";
    memcpy(name, call.buf + 4, IFNAMSIZ);
    CHECK("victim_driver_up", r == 0 && st == 0, "init %d status %d", r, st);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    ioctl(s, SIOCGIFFLAGS, &ifr);
    ifr.ifr_flags |= IFF_UP;
    ioctl(s, SIOCSIFFLAGS, &ifr);
    close(s);
    pid_t ping = fork();
    if (ping == 0) { /* traffic, from another process (it gets no channel: CLOEXEC) */
        execl("/bin/ping", "ping", "-c", "2000", "-i", "0", "-w", "3", "-I", name, "10.99.0.1",
              (char *)NULL);
        _exit(127);
    }
    usleep(200000);
    kill(pid, SIGKILL); /* the driver dies with packets in flight */
    waitpid(pid, NULL, 0);
    usleep(200000);
    close_chan(&c); /* the domain's file goes: the kernel orphans the device */
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s", name);
    struct stat sb;
    /* it waits for a new driver (net_recovery_test takes one over, and sees
     * one nobody takes unregistered); rmmod of the glue module ends it */
    CHECK("killed_driver_device_orphaned", stat(path, &sb) == 0, "%s is gone", path);
    kill(ping, SIGKILL);
    waitpid(ping, NULL, 0);
}

int main(void)
{
    test_forged_completions();
    test_hung_init();
    test_killed_mid_traffic();
    return check_summary();
}
