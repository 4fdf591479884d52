/*
 * chan_test.c - in the guest: a domain's channel to cordon.ko. The domain
 * side is the library's own channel code (libcordon's src/ipc), the
 * kernel's side the same code compiled into the module; the module's echo
 * service answers. Then the domain turns hostile: bad arguments, garbage in
 * the rings, a flood of doorbells. The kernel must refuse each, stop
 * talking to that domain only, and stay healthy (run.sh checks dmesg).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../../src/ipc/layout.h"
#include "check.h"
#include "cordon/channel.h"
#include "cordon/kabi.h"

#define SEC 1000000000LL

struct chan {
    int fd;
    struct cdn_region reg;
    struct cdn_ep *ep;
};

static int open_chan(struct chan *c, uint32_t slots, uint32_t ext, uint32_t service)
{
    memset(c, 0, sizeof *c);
    c->fd = open(CORDON_DEVICE, O_RDWR | O_CLOEXEC);
    if (c->fd < 0)
        return -errno;
    struct cordon_create a = {.ring_slots = slots, .ext_slot_size = ext, .service = service};
    if (ioctl(c->fd, CORDON_IOC_CREATE, &a) != 0)
        return -errno;
    void *base = mmap(NULL, a.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
    if (base == MAP_FAILED)
        return -errno;
    c->reg.fd = c->fd;
    c->reg.base = base;
    c->reg.size = a.region_size;
    c->reg.geom.ring_slots = slots;
    c->reg.geom.ext_slot_size = ext;
    return 0;
}

static void close_chan(struct chan *c)
{
    if (c->ep)
        cdn_ep_destroy(c->ep);
    if (c->reg.base)
        munmap(c->reg.base, c->reg.size);
    if (c->fd >= 0)
        close(c->fd);
}

static int stats(struct chan *c, struct cordon_stats *s)
{
    return ioctl(c->fd, CORDON_IOC_STATS, s);
}

/* Calls the echo service n times with payloads of every inline size and a
 * few extension sizes; returns how many came back wrong. */
static int echo_calls(struct chan *c, int n)
{
    static uint8_t ext[4096], back[4096];
    int wrong = 0;
    for (int i = 0; i < n; i++) {
        struct cdn_msg req = {.rpc_id = 7, .inline_len = (uint8_t)(i % (CDN_INLINE_MAX + 1))};
        for (int k = 0; k < req.inline_len; k++)
            req.data[k] = (uint8_t)(i * 31 + k);
        uint32_t elen = i % 5 == 0 ? (uint32_t)(i % 4096) + 1 : 0;
        for (uint32_t k = 0; k < elen; k++)
            ext[k] = (uint8_t)(i + k * 7);
        req.ext = elen ? ext : NULL;
        req.ext_len = elen;
        struct cdn_msg rep;
        int st = cdn_ep_call(c->ep, &req, &rep, NULL, NULL, 5 * SEC);
        if (st != CDN_OK || rep.inline_len != req.inline_len ||
            memcmp(rep.data, req.data, req.inline_len) != 0 || rep.ext_len != elen) {
            wrong++;
            continue;
        }
        if (elen) {
            memcpy(back, rep.ext, elen);
            wrong += memcmp(back, ext, elen) != 0;
        }
    }
    return wrong;
}

static void test_echo(void)
{
    struct chan c;
    int st = open_chan(&c, 64, 4096, CORDON_SERVICE_ECHO);
    CHECK("channel_create", st == 0, "open/create/mmap: %s", strerror(-st));
    if (st)
        return;
    cdn_ipc_use_kernel_bell(c.fd, &c.reg);
    st = cdn_ep_create(&c.reg, CDN_SIDE_DOMAIN, CDN_WAIT_ADAPTIVE, &c.ep);
    CHECK("endpoint_on_kernel_region", st == CDN_OK, "cdn_ep_create: %d", st);
    if (st == CDN_OK) {
        int wrong = echo_calls(&c, 2000);
        CHECK("echo_2000_calls", wrong == 0, "%d of 2000 calls came back wrong", wrong);
        struct cordon_stats s;
        CHECK("kernel_counted",
              stats(&c, &s) == 0 && s.received >= 2000 && s.sent >= 2000 && !s.broken,
              "received %llu sent %llu broken %u (%s)", (unsigned long long)s.received,
              (unsigned long long)s.sent, s.broken, s.violation);
    }
    close_chan(&c);
}

static void test_bad_arguments(void)
{
    int fd = open(CORDON_DEVICE, O_RDWR);
    struct cordon_create a = {.ring_slots = 3, .ext_slot_size = 4096};
    CHECK("create_bad_geometry", ioctl(fd, CORDON_IOC_CREATE, &a) == -1 && errno == EINVAL,
          "ring_slots 3 accepted");
    a = (struct cordon_create){.ring_slots = 64, .ext_slot_size = 4096, .pad = 1};
    CHECK("create_bad_padding", ioctl(fd, CORDON_IOC_CREATE, &a) == -1 && errno == EINVAL,
          "nonzero padding accepted");
    a = (struct cordon_create){.ring_slots = 64, .ext_slot_size = 4096, .service = 99};
    CHECK("create_unknown_service", ioctl(fd, CORDON_IOC_CREATE, &a) == -1 && errno == ENOENT,
          "unknown service accepted");
    a = (struct cordon_create){.ring_slots = 64, .ext_slot_size = 4096, .service = 100000};
    CHECK("create_service_out_of_range", ioctl(fd, CORDON_IOC_CREATE, &a) == -1 && errno == ENOENT,
          "accepted");
    a = (struct cordon_create){.ring_slots = 64, .ext_slot_size = 4096, .heap_size = 4096};
    CHECK("create_heap_not_chunks", ioctl(fd, CORDON_IOC_CREATE, &a) == -1 && errno == EINVAL,
          "a heap of 4096 bytes accepted");
    a = (struct cordon_create){
        .ring_slots = 64, .ext_slot_size = 4096, .heap_size = CORDON_HEAP_MAX + 65536};
    CHECK("create_heap_too_big", ioctl(fd, CORDON_IOC_CREATE, &a) == -1 && errno == EINVAL,
          "a heap over the limit accepted");
    struct cordon_wait w = {.offset = 0, .expected = 0, .timeout_ns = 1000};
    CHECK("wait_before_create", ioctl(fd, CORDON_IOC_WAIT, &w) == -1 && errno == EINVAL,
          "wait on no region");
    CHECK("mmap_before_create",
          mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EINVAL,
          "mapped no region");
    a = (struct cordon_create){.ring_slots = 64, .ext_slot_size = 4096};
    CHECK("create", ioctl(fd, CORDON_IOC_CREATE, &a) == 0, "%s", strerror(errno));
    CHECK("create_twice", ioctl(fd, CORDON_IOC_CREATE, &a) == -1 && errno == EBUSY,
          "a second region");
    w = (struct cordon_wait){.offset = (uint32_t)a.region_size, .timeout_ns = 1000};
    CHECK("wait_offset_past_region", ioctl(fd, CORDON_IOC_WAIT, &w) == -1 && errno == EINVAL,
          "offset %u accepted", w.offset);
    w = (struct cordon_wait){.offset = 2, .timeout_ns = 1000};
    CHECK("wait_offset_unaligned", ioctl(fd, CORDON_IOC_WAIT, &w) == -1 && errno == EINVAL,
          "offset 2 accepted");
    w = (struct cordon_wait){.offset = 64, .expected = 0, .timeout_ns = 1000LL * SEC};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ioctl(fd, CORDON_IOC_WAIT, &w);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    CHECK("wait_is_bounded", ms < 1000, "a 1000 s wait lasted %ld ms", ms);
    CHECK("mmap_too_long",
          mmap(NULL, a.region_size + 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED,
          "mapped past the region");
    CHECK("mmap_offset", mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096) == MAP_FAILED,
          "mapped at offset");
    CHECK("unknown_ioctl", ioctl(fd, _IO('c', 99)) == -1 && errno == ENOTTY, "accepted");
    struct cordon_service_call call = {.cmd = 1};
    CHECK("service_call_without_service",
          ioctl(fd, CORDON_IOC_SERVICE, &call) == -1 && errno == ENOTTY, "accepted");
    CHECK("mmap_heap_without_heap",
          mmap(NULL, 65536, PROT_READ, MAP_SHARED, fd, (off_t)a.region_size) == MAP_FAILED,
          "mapped a heap that is not there");
    close(fd);
}

/* The domain writes garbage where the kernel reads: the kernel's endpoint
 * must see a violation, stop serving that channel, and say why. */
static void test_garbage_in_ring(void)
{
    struct chan c;
    if (open_chan(&c, 64, 4096, CORDON_SERVICE_ECHO) != 0) {
        CHECK("garbage_channel", 0, "no channel");
        return;
    }
    struct cdn_region_layout l;
    cdn_layout_compute(&c.reg.geom, &l);
    uint8_t *d2h = (uint8_t *)c.reg.base + l.ring_off[CDN_RING_D2H];
    /* slot 0 "full" (seq 1) with flags that are neither request nor reply:
     * the header first, then the sequence word that publishes it (the
     * kernel may look at any moment) */
    memset(d2h + 4, 0xff, CDN_SLOT_SIZE - 4);
    __atomic_store_n((uint32_t *)d2h, 1u, __ATOMIC_RELEASE);
    ioctl(c.fd, CORDON_IOC_WAKE);
    struct cordon_stats s = {0};
    for (int i = 0; i < 100 && !s.broken; i++) {
        usleep(10000);
        stats(&c, &s);
    }
    CHECK("garbage_header_refused", s.broken && s.protocol_errors >= 1, "broken %u errors %llu",
          s.broken, (unsigned long long)s.protocol_errors);
    CHECK("garbage_reason_given", strstr(s.violation, "malformed") != NULL, "violation '%s'",
          s.violation);
    close_chan(&c);

    /* an impossible sequence word */
    if (open_chan(&c, 64, 4096, CORDON_SERVICE_ECHO) != 0)
        return;
    d2h = (uint8_t *)c.reg.base + l.ring_off[CDN_RING_D2H];
    __atomic_store_n((uint32_t *)d2h, 0xdeadbeefu, __ATOMIC_RELEASE);
    ioctl(c.fd, CORDON_IOC_WAKE);
    memset(&s, 0, sizeof s);
    for (int i = 0; i < 100 && !s.broken; i++) {
        usleep(10000);
        stats(&c, &s);
    }
    CHECK("impossible_sequence_refused", s.broken, "violation '%s'", s.violation);
    close_chan(&c);
}

/* Random bytes everywhere in the region, again and again, while the
 * kernel serves it; then an honest channel beside it still works. */
static void test_scribbler(void)
{
    struct chan bad, good;
    if (open_chan(&bad, 64, 4096, CORDON_SERVICE_ECHO) != 0 ||
        open_chan(&good, 64, 4096, CORDON_SERVICE_ECHO) != 0) {
        CHECK("scribbler_channels", 0, "no channels");
        return;
    }
    uint64_t x = 88172645463325252ull;
    uint32_t *words = bad.reg.base;
    size_t n = bad.reg.size / 4;
    for (int round = 0; round < 200; round++) {
        for (int k = 0; k < 4096; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            words[x % n] = (uint32_t)(x >> 32);
        }
        ioctl(bad.fd, CORDON_IOC_WAKE);
    }
    cdn_ipc_use_kernel_bell(good.fd, &good.reg);
    int st = cdn_ep_create(&good.reg, CDN_SIDE_DOMAIN, CDN_WAIT_ADAPTIVE, &good.ep);
    int wrong = st == CDN_OK ? echo_calls(&good, 500) : -1;
    CHECK("neighbour_unharmed_by_scribbler", wrong == 0, "%d wrong calls", wrong);
    close_chan(&bad);
    close_chan(&good);
}

/* A flood of doorbells on one channel must not stop another's calls. */
static void test_doorbell_flood(void)
{
    struct chan noisy, good;
    if (open_chan(&noisy, 64, 4096, CORDON_SERVICE_ECHO) != 0 ||
        open_chan(&good, 64, 4096, CORDON_SERVICE_ECHO) != 0) {
        CHECK("flood_channels", 0, "no channels");
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        for (;;)
            ioctl(noisy.fd, CORDON_IOC_WAKE);
    }
    cdn_ipc_use_kernel_bell(good.fd, &good.reg);
    int st = cdn_ep_create(&good.reg, CDN_SIDE_DOMAIN, CDN_WAIT_ADAPTIVE, &good.ep);
    int wrong = st == CDN_OK ? echo_calls(&good, 500) : -1;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    CHECK("calls_through_a_doorbell_flood", wrong == 0, "%d wrong calls", wrong);
    close_chan(&noisy);
    close_chan(&good);
}

int main(void)
{
    test_echo();
    test_bad_arguments();
    test_garbage_in_ring();
    test_scribbler();
    test_doorbell_flood();
    return check_summary();
}
