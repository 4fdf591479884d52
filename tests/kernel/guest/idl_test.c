/*
 * idl_test.c - in the guest: tests/idl/demo.idl with the kernel as host.
 * A child process is the domain: the generated domain glue and the demo
 * driver (tests/modules/idl_demo.c's functions) over a channel and heap
 * from cordon.ko, sleeping on the module's doorbell. The parent asks the
 * kernel's idltest service (generated host glue in cordon_idltest.ko) to
 * make every call the user-space suite makes, and checks the kernel saw
 * what the user-space host sees (tests/test_idl_e2e.c, check_outcome).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../idltest/idltest.h"
#include "check.h"
#include "cordon/glue.h"
#include "cordon/kabi.h"
#include "demo_domain.h"

/* the demo driver, with the module wrapper left out: this process is its
 * domain (no launcher, no sandbox: the glue is what is tested here) */
#define cordon_module idl_demo_module_unused
#include "../../modules/idl_demo.c"
#undef cordon_module

static int domain(int fd, void *region, size_t rsize, void *heap, size_t hsize)
{
    struct cdn_region reg = {.fd = fd, .base = region, .size = rsize};
    reg.geom = (struct cdn_chan_geometry){64, 4096};
    cdn_ipc_use_kernel_bell(fd, &reg);
    struct cdn_ep *ep;
    struct cdn_glue *g;
    if (cdn_ep_create(&reg, CDN_SIDE_DOMAIN, CDN_WAIT_ADAPTIVE, &ep) != CDN_OK ||
        cdn_glue_create(CDN_GLUE_DOMAIN, ep, &g) != CDN_OK)
        return 1;
    cdn_glue_set_heap_mapping(g, heap, hsize);
    demo_domain_init(g);
    return cdn_ep_serve(ep, demo_domain_dispatch, g) == CDN_OK ? 0 : 1;
}

int main(void)
{
    int fd = open(CORDON_DEVICE, O_RDWR | O_CLOEXEC);
    struct cordon_create a = {
        .ring_slots = 64, .ext_slot_size = 4096, .service = IDLTEST_SERVICE, .heap_size = 1 << 20};
    CHECK("idltest_channel", fd >= 0 && ioctl(fd, CORDON_IOC_CREATE, &a) == 0, "%s",
          strerror(errno));
    if (fd < 0)
        return check_summary();
    void *region = mmap(NULL, a.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *heap =
        mmap(NULL, a.heap_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)a.region_size);
    CHECK("idltest_maps", region != MAP_FAILED && heap != MAP_FAILED, "%s", strerror(errno));
    if (region == MAP_FAILED || heap == MAP_FAILED)
        return check_summary();
    pid_t pid = fork();
    if (pid == 0)
        _exit(domain(fd, region, a.region_size, heap, a.heap_size));

    struct cordon_service_call call = {.cmd = IDLTEST_RUN};
    int st = ioctl(fd, CORDON_IOC_SERVICE, &call);
    struct idltest_outcome o;
    memcpy(&o, call.buf, sizeof o);
    CHECK("kernel_ran_the_calls", st == 0 && call.len == sizeof o && !o.setup_err,
          "ioctl %d (%s), len %u, setup_err %d", st, strerror(errno), call.len, o.setup_err);
    CHECK("probe_every_rpc", o.probe == 0 && o.probe_err == 0, "probe %d, last error %d", o.probe,
          o.probe_err);
    CHECK("in_out_fields", o.flags == 0x111 && o.mtu == 1507, "flags 0x%x mtu %u", o.flags, o.mtu);
    CHECK("array_field", memcmp(o.addr, "\x02\x00\x5e\x10\x20\x30", 6) == 0, "addr differs");
    CHECK("unused_field_untouched", o.secret == 0x5ec12e7, "secret 0x%llx",
          (unsigned long long)o.secret);
    CHECK("ops_table_installed", o.has_ops, "no trampolines in the ops table");
    CHECK("trampoline_open", o.open_ret == 1508, "open returned %d", o.open_ret);
    CHECK("trampoline_xmit_nested", o.xmit_ret == GREEN && o.tx_packets == 1 && o.tx_bytes == 100,
          "xmit %d, tx %llu/%llu", o.xmit_ret, (unsigned long long)o.tx_packets,
          (unsigned long long)o.tx_bytes);
    CHECK("projection_export_rpc", o.kick == 12 + 7 * 1000000ull, "kick %llu",
          (unsigned long long)o.kick);
    CHECK("read_only_not_taken_back", o.host_limit_after == 42, "host_limit %u",
          o.host_limit_after);
    CHECK("write_only_comes_back", o.drv_counter_after == 1042, "drv_counter %u",
          o.drv_counter_after);
    CHECK("heap_move_to_domain", o.take_sum == 128 && o.owner_after_take == 1, "sum %u owner %u",
          o.take_sum, o.owner_after_take);
    CHECK("heap_move_back", o.consume_ok == 0 && o.owner_after_consume == CDN_HEAP_HOST,
          "consume %d owner %u", o.consume_ok, o.owner_after_consume);
    CHECK("heap_not_twice", o.consume_again == CDN_EBADH, "second consume %d", o.consume_again);
    static const int32_t want[10] = {CDN_EBADH,  CDN_EPROTO, CDN_EPROTO, CDN_EPROTO, CDN_EPROTO,
                                     CDN_EPROTO, CDN_EPROTO, CDN_EPROTO, CDN_EBADH,  CDN_EPROTO};
    int bad = 0;
    for (int i = 0; i < 10; i++)
        bad += o.malformed[i] != want[i];
    CHECK("malformed_requests_refused", bad == 0 && o.host_calls_during_malformed == 0,
          "%d cases differ, %d host calls", bad, o.host_calls_during_malformed);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    munmap(region, a.region_size);
    munmap(heap, a.heap_size);
    close(fd);
    return check_summary();
}
