/*
 * attacker.c - a module that tries to take more than its sandbox gives.
 * rpc ids (data = u64 argument; the answer is a u64, or the words below):
 *   1 shared map   mmap MAP_SHARED|MAP_ANONYMOUS this many MiB and touch
 *                  every page: answer 1 if it worked, 0 if refused
 *   2 noreserve    the same with a private MAP_NORESERVE mapping
 *   3 locked       mmap this many MiB with MAP_LOCKED (the filter kills)
 *   4 identity     answer uid, euid, gid, egid and the capability sets
 *                  (effective, permitted, inheritable; two words each)
 *                  as ten u32s
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cordon/module.h"

static uint64_t arg_u64(const struct cdn_msg *m)
{
    uint64_t v = 0;
    memcpy(&v, m->data, m->inline_len < 8 ? m->inline_len : 8);
    return v;
}

static void put_u64(struct cdn_msg *m, uint64_t v)
{
    memcpy(m->data, &v, 8);
    m->inline_len = 8;
}

/* Maps and touches mib MiB with the given flags: 1 if all of it worked. */
static uint64_t take(uint64_t mib, int flags)
{
    size_t len = (size_t)mib << 20;
    uint8_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        return 0;
    for (size_t i = 0; i < len; i += 4096)
        p[i] = 1; /* kept: the memory stays taken */
    return 1;
}

struct caps_hdr {
    uint32_t version;
    int pid;
};

static int handle(void *arg, const struct cdn_msg *req, struct cdn_msg *rep)
{
    (void)arg;
    switch (req->rpc_id) {
    case 1:
        put_u64(rep, take(arg_u64(req), MAP_SHARED | MAP_ANONYMOUS));
        return CDN_OK;
    case 2:
        put_u64(rep, take(arg_u64(req), MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE));
        return CDN_OK;
    case 3:
        put_u64(rep, take(arg_u64(req), MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED));
        return CDN_OK;
    case 4: {
        uint32_t w[10] = {(uint32_t)getuid(), (uint32_t)geteuid(), (uint32_t)getgid(),
                          (uint32_t)getegid()};
        struct caps_hdr h = {0x20080522, 0};
        uint32_t d[6]; /* two words of (effective, permitted, inheritable) */
        if (syscall(SYS_capget, &h, d) != 0)
            memset(d, 0xff, sizeof d);
        memcpy(&w[4], d, sizeof d);
        memcpy(rep->data, w, sizeof w);
        rep->inline_len = sizeof w;
        return CDN_OK;
    }
    default:
        return CDN_ENOENT;
    }
}

static int attacker_main(struct cdn_dom_ctx *ctx)
{
    return cdn_ep_serve(cdn_dom_ep(ctx), handle, NULL);
}

const struct cdn_module cordon_module = {CDN_MODULE_ABI, "attacker", attacker_main};
