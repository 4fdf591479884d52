/*
 * net_test.c - in the guest: the dummy driver isolated, the kernel as host.
 * A child process is the driver's domain: drivers/net/dummy.c (the same
 * file the user-space host runs) with its generated domain glue and the
 * domain library's transmit ring, on a channel and heap from cordon.ko.
 * The parent asks cordon_dummy.ko to run the driver's init, then uses the
 * device as any program would: it appears as a real net device, comes up,
 * and transmits what AF_PACKET sockets send it; the kernel's and the
 * driver's counts must agree exactly. Then the driver's exit takes it away.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
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
#include "guest_util.h"
#include "net_util.h"
#include "cordon/kabi.h"
#include "cordon/module.h"

#define PACKETS   100000
#define FRAME_LEN 128
extern const struct cdn_module cordon_module; /* dummy_module.c */

static int domain(int fd, void *region, size_t rsize, void *heap, size_t hsize)
{
    struct cdn_region reg = {.fd = fd, .base = region, .size = rsize};
    reg.geom = (struct cdn_chan_geometry){64, 4096};
    cdn_ipc_use_kernel_bell(fd, &reg);
    struct cdn_ep *ep;
    if (cdn_ep_create(&reg, CDN_SIDE_DOMAIN, CDN_WAIT_ADAPTIVE, &ep) != CDN_OK)
        return 1;
    if (cdn_dom_hello(ep, -1) != CDN_OK) /* as the launcher does */
        return 1;
    struct cdn_dom_ctx ctx = {.ep = ep,
                              .arg = "",
                              .region_base = region,
                              .region_size = rsize,
                              .heap_base = heap,
                              .heap_size = hsize};
    return cordon_module.main(&ctx) == CDN_OK ? 0 : 1;
}

/* Sends n frames of FRAME_LEN bytes on the device through AF_PACKET;
 * returns how many the socket took. */
static long send_frames(const char *name, long n)
{
    return send_frames_len(name, n, FRAME_LEN);
}

int main(void)
{
    int fd = open(CORDON_DEVICE, O_RDWR | O_CLOEXEC);
    struct cordon_create a = {.ring_slots = 64,
                              .ext_slot_size = 4096,
                              .service = CORDON_SERVICE_DUMMY,
                              .heap_size = 4 << 20};
    CHECK("dummy_channel", fd >= 0 && ioctl(fd, CORDON_IOC_CREATE, &a) == 0, "%s", strerror(errno));
    if (fd < 0)
        return check_summary();
    void *region = mmap(NULL, a.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *heap =
        mmap(NULL, a.heap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.region_size);
    if (region == MAP_FAILED || heap == MAP_FAILED) {
        CHECK("dummy_maps", 0, "%s", strerror(errno));
        return check_summary();
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (getenv("CORDON_NET_TEST_IN_PROCESS")) /* no sandbox: for debugging */
            _exit(domain(fd, region, a.region_size, heap, a.heap_size));
        /* the driver's domain: the sandboxed launcher with dummy.so */
        char heap_size[32];
        snprintf(heap_size, sizeof heap_size, "%llu", (unsigned long long)a.heap_size);
        if (dup2(fd, 3) != 3 || fcntl(3, F_SETFD, 0) != 0) /* (dup2 onto itself keeps CLOEXEC) */
            _exit(127);
        execl("/lib/cordon/cordon-domain", "cordon-domain", "--kernel", "--fd", "3", "--slots",
              "64", "--ext", "4096", "--heap-size", heap_size, "--policy", "adaptive",
              "--peer-policy", "adaptive", "--module", "/lib/cordon/dummy.so", "--keep-stderr",
              (char *)NULL);
        _exit(127);
    }

    /* the domain is the sandboxed launcher: seccomp filter on, no root */
    CHECK("domain_sandboxed", domain_sandboxed(pid), "the domain's status says otherwise");
    unsigned char init[4 + IFNAMSIZ] = {0};
    int r = service(fd, CORDON_NET_INIT, NULL, 0, init, sizeof init);
    int32_t st;
    memcpy(&st, init, 4);
    char name[IFNAMSIZ + 1] = "";
    memcpy(name, init + 4, IFNAMSIZ);
    CHECK("driver_init_in_domain", r == 0 && st == 0 && name[0], "ioctl %d status %d name '%s'", r,
          st, name);
    char path[256];
    snprintf(path, sizeof path, "/sys/class/net/%s", name);
    struct stat sb;
    CHECK("real_net_device", name[0] && stat(path, &sb) == 0, "no %s", path);
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
    write_str(path, "1"); /* no router solicitations: every packet is the test's */
    CHECK("device_up", set_up(name, 1) == 0, "%s", strerror(errno));

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long sent = send_frames(name, PACKETS);
    struct cordon_net_stats ns = {0};
    service(fd, CORDON_NET_SYNC, NULL, 0, &ns, sizeof ns);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("cordon-guest: %ld frames through the isolated dummy in %.2f s (%.0f/s, TCG)\n", sent,
           secs, (double)sent / secs);
    CHECK("socket_took_every_frame", sent == PACKETS, "%ld of %d", sent, PACKETS);
    CHECK("ring_carried_every_frame",
          ns.posted == (uint64_t)sent && ns.completed == (uint64_t)sent && ns.dropped == 0 &&
              ns.protocol_errors == 0,
          "queued %llu posted %llu completed %llu dropped %llu errors %llu",
          (unsigned long long)ns.queued, (unsigned long long)ns.posted,
          (unsigned long long)ns.completed, (unsigned long long)ns.dropped,
          (unsigned long long)ns.protocol_errors);
    snprintf(path, sizeof path, "/sys/class/net/%s/statistics/tx_packets", name);
    long tx = read_num(path);
    snprintf(path, sizeof path, "/sys/class/net/%s/statistics/tx_bytes", name);
    long bytes = read_num(path);
    CHECK("driver_counts_agree", tx == sent && bytes == sent * FRAME_LEN,
          "the driver counted %ld packets, %ld bytes; the test sent %ld (%ld bytes)", tx, bytes,
          sent, sent * FRAME_LEN);
    /* the kernel's own packet generator, straight at the driver's xmit */
    long before = tx;
    int pg = system("insmod /lib/cordon/native/pktgen.ko") == 0 ? 0 : 1;
    char cmd[64];
    snprintf(cmd, sizeof cmd, "add_device %s", name);
    if (!pg)
        pg = write_str("/proc/net/pktgen/kpktgend_0", cmd) == 0 ? 0 : 2;
    snprintf(path, sizeof path, "/proc/net/pktgen/%s", name);
    if (!pg)
        pg = write_str(path, "count 100000") == 0 && write_str(path, "pkt_size 128") == 0 &&
                     write_str(path, "delay 0") == 0
                 ? 0
                 : 3;
    if (!pg)
        pg = write_str("/proc/net/pktgen/pgctrl", "start\n") == 0
                 ? 0
                 : 4; /* (it drops the last character) */
    service(fd, CORDON_NET_SYNC, NULL, 0, &ns, sizeof ns);
    snprintf(path, sizeof path, "/sys/class/net/%s/statistics/tx_packets", name);
    tx = read_num(path);
    CHECK("pktgen_through_the_domain", !pg && tx == before + 100000 && ns.dropped == 0,
          "pktgen step %d (%s); the driver counted %ld more packets, %llu dropped", pg,
          strerror(errno), tx - before, (unsigned long long)ns.dropped);
    write_str("/proc/net/pktgen/kpktgend_0", "rem_device_all");
    system("rmmod pktgen");
    CHECK("device_down", set_up(name, 0) == 0, "%s", strerror(errno));
    /* down and up again: the ring and the counters carry on */
    int cycled = set_up(name, 1) == 0 && send_frames(name, 1000) == 1000;
    service(fd, CORDON_NET_SYNC, NULL, 0, &ns, sizeof ns);
    snprintf(path, sizeof path, "/sys/class/net/%s/statistics/tx_packets", name);
    long tx2 = read_num(path);
    CHECK("down_and_up_again", cycled && tx2 == tx + 1000 && set_up(name, 0) == 0,
          "after a down/up the driver counted %ld more, not 1000", tx2 - tx);
    printf("cordon-guest: the kernel posted %llu packets to the domain, the domain completed "
           "%llu, dropped %llu; the driver counted %ld (tx_packets)\n",
           (unsigned long long)ns.posted, (unsigned long long)ns.completed,
           (unsigned long long)ns.dropped, tx2);
    CHECK("driver_exit_in_domain", service(fd, CORDON_NET_EXIT, NULL, 0, NULL, 0) == 0, "%s",
          strerror(errno));
    snprintf(path, sizeof path, "/sys/class/net/%s", name);
    CHECK("device_gone", stat(path, &sb) != 0, "%s still there", path);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);

    /* Linux's own dummy.ko in the same guest, the same frames: the ratio is
     * an indication only (TCG: absolute speed means nothing) */
    if (system("insmod /lib/cordon/native/dummy.ko") == 0) {
        write_str("/proc/sys/net/ipv6/conf/dummy0/disable_ipv6", "1");
        set_up("dummy0", 1);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        long nsent = send_frames("dummy0", PACKETS);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double nsecs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        printf("cordon-guest: %ld frames through Linux's dummy.ko in %.2f s (%.0f/s, TCG); "
               "isolated/native %.2f\n",
               nsent, nsecs, (double)nsent / nsecs,
               ((double)sent / secs) / ((double)nsent / nsecs));
        set_up("dummy0", 0);
        system("rmmod dummy");
    }
    munmap(region, a.region_size);
    munmap(heap, a.heap_size);
    close(fd);
    return check_summary();
}
