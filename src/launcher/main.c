/*
 * cordon-domain - the launcher of a process domain.
 *
 * The order of steps is the security argument, so it is spelled out:
 *   1. parse arguments; ask for SIGKILL if the host dies; pin to a core
 *   2. read the module file into private memory (plain data, nothing runs)
 *   3. map the channel from its fd, then close every file descriptor
 *   4. map and relocate the module with our own loader (no module code runs)
 *   5. cap the address space (everything it maps, shared and locked memory
 *      included), drop to an unprivileged identity with no capabilities,
 *      set no_new_privs and install the seccomp filter (default: kill)
 *   6. only now run module code: constructors, then cordon_module.main()
 * The host learns the result through its pidfd; exit codes are listed in
 * src/domain/launch_proto.h. Once the channel is mapped, a refusal also
 * leaves its reason in the control page (cdn_launch_note), since every
 * descriptor, stderr included, is closed by then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../ipc/layout.h"

#include "../domain/launch_proto.h"
#include "../domain/module_ctx.h"
#include "elf_load.h"
#include "sandbox.h"

#define MODULE_MAX_BYTES (64u << 20)

struct launch_args {
    int fd;
    struct cdn_chan_geometry geom;
    enum cdn_wait_policy policy, peer_policy;
    int cpu;
    long parent;
    const char *module;
    const char *arg;
    int keep_stderr;
    size_t heap_size;
    unsigned long long mem_limit; /* RLIMIT_DATA, and RLIMIT_AS above what is mapped */
    int kernel;                   /* fd is a /dev/cordon channel: the kernel is the host */
};

/* Where a refusal's reason goes once the channel is mapped (else NULL). */
static char *note;
static int sandboxed; /* the filter is in: no more writes to stderr */

/* Exits with code, leaving the reason in the control page (and on stderr
 * while there is one). */
static int refuse(int code, const char *fmt, ...)
{
    char buf[CDN_NOTE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (note)
        memcpy(note, buf, sizeof buf);
    if (!sandboxed)
        fprintf(stderr, "cordon-domain: %s\n", buf); /* fails harmlessly once fd 2 is closed */
    return code;
}

/* The launcher's own address-space size, read while it may still open
 * files (no module code has run): what the cap comes on top of. */
static unsigned long long mapped_bytes(void)
{
    unsigned long long pages = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (f) {
        if (fscanf(f, "%llu", &pages) != 1)
            pages = 0;
        fclose(f);
    }
    return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/*
 * Least privilege: the identity the module runs under. As root, every
 * capability leaves the bounding set, the supplementary groups go, and the
 * process becomes CDN_DOMAIN_UID/GID (nobody); whatever the start, it must
 * end with no capability at all, or the domain does not start. Changing
 * identity clears the parent-death signal, so it is set again after.
 */
#define CDN_DOMAIN_UID 65534
#define CDN_DOMAIN_GID 65534
#define CAP_WORDS      2

struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};

static int drop_identity(long parent)
{
    if (geteuid() == 0) {
        for (int cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
            if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
                return -1;
        if (syscall(SYS_setgroups, 0, NULL) != 0 ||
            setresgid(CDN_DOMAIN_GID, CDN_DOMAIN_GID, CDN_DOMAIN_GID) != 0 ||
            setresuid(CDN_DOMAIN_UID, CDN_DOMAIN_UID, CDN_DOMAIN_UID) != 0)
            return -1;
    }
    struct cap_header h = {0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0};
    struct cap_data d[CAP_WORDS];
    memset(d, 0xff, sizeof d);
    if (syscall(SYS_capset, &h, d) == 0)
        return -1; /* raising every capability worked: nothing was dropped */
    if (syscall(SYS_capget, &h, d) != 0)
        return -1;
    for (int i = 0; i < CAP_WORDS; i++)
        if (d[i].effective || d[i].permitted || d[i].inheritable)
            return -1;
    if (geteuid() == 0 || getuid() == 0)
        return -1;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (parent && getppid() != (pid_t)parent)
        return -1; /* the host died while the signal was unset */
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: cordon-domain --fd N --slots S --ext E --module PATH\n"
               "                     [--policy spin|adaptive] [--peer-policy spin|adaptive]\n"
               "                     [--cpu C] [--arg STRING] [--parent PID] [--keep-stderr]\n"
               "                     [--heap-size BYTES] [--mem-limit BYTES] [--kernel]\n"
               "Runs a cordon module in a sandboxed process domain. Started by the host\n"
               "library (libcordon); not meant to be run by hand. With --kernel, fd N is a\n"
               "/dev/cordon channel whose host is the kernel (cordon.ko): the region and\n"
               "the heap are mapped from it, and it stays open for the doorbell.\n");
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_policy(const char *s, enum cdn_wait_policy *out)
{
    if (strcmp(s, "spin") == 0)
        *out = CDN_WAIT_SPIN;
    else if (strcmp(s, "adaptive") == 0)
        *out = CDN_WAIT_ADAPTIVE;
    else
        return -1;
    return 0;
}

static int parse_args(int argc, char **argv, struct launch_args *a)
{
    memset(a, 0, sizeof *a);
    a->fd = -1;
    a->cpu = -1;
    a->arg = "";
    long v;
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i];
        if (strcmp(k, "--keep-stderr") == 0) {
            a->keep_stderr = 1;
            continue;
        }
        if (strcmp(k, "--kernel") == 0) {
            a->kernel = 1;
            continue;
        }
        if (strcmp(k, "--help") == 0) {
            usage(stdout);
            exit(0);
        }
        if (i + 1 >= argc)
            return -1;
        const char *val = argv[++i];
        if (strcmp(k, "--fd") == 0 && parse_long(val, 0, INT_MAX, &v) == 0)
            a->fd = (int)v;
        else if (strcmp(k, "--slots") == 0 && parse_long(val, 0, CDN_RING_MAX, &v) == 0)
            a->geom.ring_slots = (uint32_t)v;
        else if (strcmp(k, "--ext") == 0 && parse_long(val, 0, CDN_EXT_MAX, &v) == 0)
            a->geom.ext_slot_size = (uint32_t)v;
        else if (strcmp(k, "--cpu") == 0 && parse_long(val, -1, CPU_SETSIZE - 1, &v) == 0)
            a->cpu = (int)v;
        else if (strcmp(k, "--parent") == 0 && parse_long(val, 1, INT_MAX, &v) == 0)
            a->parent = v;
        else if (strcmp(k, "--policy") == 0 && parse_policy(val, &a->policy) == 0)
            ;
        else if (strcmp(k, "--peer-policy") == 0 && parse_policy(val, &a->peer_policy) == 0)
            ;
        else if (strcmp(k, "--heap-size") == 0 && parse_long(val, 0, 1L << 30, &v) == 0)
            a->heap_size = (size_t)v;
        else if (strcmp(k, "--mem-limit") == 0 && parse_long(val, 1 << 20, LONG_MAX, &v) == 0)
            a->mem_limit = (unsigned long long)v;
        else if (strcmp(k, "--module") == 0)
            a->module = val;
        else if (strcmp(k, "--arg") == 0 && strlen(val) <= CDN_MODULE_ARG_MAX)
            a->arg = val;
        else
            return -1;
    }
    if (a->fd < 0 || !a->module || cdn_geometry_check(&a->geom) != CDN_OK)
        return -1;
    return 0;
}

static uint8_t *read_module(const char *path, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat st;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        st.st_size <= MODULE_MAX_BYTES) {
        buf = malloc((size_t)st.st_size);
        size_t got = 0;
        while (buf && got < (size_t)st.st_size) {
            ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
            if (n <= 0) {
                free(buf);
                buf = NULL;
                break;
            }
            got += (size_t)n;
        }
        *size = got;
    }
    close(fd);
    return buf;
}

/*
 * A channel whose host is the kernel: fd is the domain's /dev/cordon file,
 * moved to CDN_LAUNCH_KERNEL_FD (it stays open: the doorbell is an ioctl on
 * it). The region is at offset 0, the heap right after it.
 */
static int map_kernel_channel(const struct launch_args *a, struct cdn_region *region, void **heap)
{
    size_t size = cdn_region_size(&a->geom);
    if (size == 0 || (a->fd != CDN_LAUNCH_KERNEL_FD && dup2(a->fd, CDN_LAUNCH_KERNEL_FD) < 0))
        return -1;
    void *base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, CDN_LAUNCH_KERNEL_FD, 0);
    if (base == MAP_FAILED)
        return -1;
    memset(region, 0, sizeof *region);
    region->fd = CDN_LAUNCH_KERNEL_FD;
    region->base = base;
    region->size = size;
    region->geom = a->geom;
    if (a->heap_size) {
        *heap = mmap(NULL, a->heap_size, PROT_READ | PROT_WRITE, MAP_SHARED, CDN_LAUNCH_KERNEL_FD,
                     (off_t)size);
        if (*heap == MAP_FAILED)
            return -1;
    }
    return cdn_ipc_use_kernel_bell(CDN_LAUNCH_KERNEL_FD, region) == CDN_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct launch_args a;
    if (parse_args(argc, argv, &a) != 0) {
        usage(stderr);
        return CDN_LAUNCH_USAGE;
    }

    /* 1. Die with the host; bail out if it is already gone. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (a.parent && getppid() != (pid_t)a.parent)
        return CDN_LAUNCH_USAGE;
    if (a.cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(a.cpu, &set);
        sched_setaffinity(0, sizeof set, &set); /* best effort: placement, not safety */
    }

    /* 2. The module as data. */
    size_t mod_size = 0;
    uint8_t *mod = read_module(a.module, &mod_size);
    if (!mod) {
        fprintf(stderr, "cordon-domain: cannot read module %s: %s\n", a.module, strerror(errno));
        return CDN_LAUNCH_MODREAD;
    }

    /* 3. The channel, then no descriptors at all (but the kernel's
     * channel file, the doorbell of a domain whose host is the kernel). */
    struct cdn_region region;
    void *heap = NULL;
    int kernel_fd = -1;
    if (a.kernel) {
        if (map_kernel_channel(&a, &region, &heap) != 0)
            return refuse(CDN_LAUNCH_CHANNEL, "cannot map the kernel's channel on fd %d: %s", a.fd,
                          strerror(errno));
        kernel_fd = CDN_LAUNCH_KERNEL_FD;
    } else {
        if (cdn_region_map(a.fd, &a.geom, &region) != CDN_OK)
            return refuse(CDN_LAUNCH_CHANNEL, "cannot map channel fd %d", a.fd);
        region.fd = -1; /* closed below with everything else */
    }
    note = cdn_launch_note(region.base);
    if (a.heap_size && !a.kernel) {
        struct stat hst;
        if (fstat(CDN_LAUNCH_HEAP_FD, &hst) != 0 || (size_t)hst.st_size != a.heap_size)
            return refuse(CDN_LAUNCH_CHANNEL, "the heap's fd is missing or of the wrong size");
        heap = mmap(NULL, a.heap_size, PROT_READ | PROT_WRITE, MAP_SHARED, CDN_LAUNCH_HEAP_FD, 0);
        if (heap == MAP_FAILED)
            return refuse(CDN_LAUNCH_CHANNEL, "cannot map the heap: %s", strerror(errno));
    }
    int first_closed = kernel_fd >= 0 ? kernel_fd + 1 : 3;
    if (a.keep_stderr) {
        close(0);
        close(1);
        syscall(SYS_close_range, first_closed, ~0U, 0);
    } else {
        close(0);
        close(1);
        close(2);
        syscall(SYS_close_range, first_closed, ~0U, 0);
    }

    /* 4. Link the module. Nothing of it runs yet. */
    struct cdn_elf_image img;
    char err[256];
    if (cdn_elf_load(mod, mod_size, &img, err, sizeof err) != 0)
        return refuse(CDN_LAUNCH_LINK, "%s", err);
    free(mod);
    const struct cdn_module *m = cdn_elf_symbol(&img, CDN_MODULE_SYMBOL);
    if (!m || m->abi != CDN_MODULE_ABI || !m->main)
        return refuse(CDN_LAUNCH_ABI, "no %s symbol of ABI %d with a main function",
                      CDN_MODULE_SYMBOL, CDN_MODULE_ABI);

    struct cdn_ep *ep;
    if (cdn_ep_create(&region, CDN_SIDE_DOMAIN, a.policy, &ep) != CDN_OK)
        return refuse(CDN_LAUNCH_CHANNEL, "cannot create the channel's endpoint");
    cdn_ep_set_peer_policy(ep, a.peer_policy);

    /* 5. The sandbox. The memory cap: RLIMIT_DATA for private data, and
     * RLIMIT_AS for everything the module can map on top of what is mapped
     * now (shared and anonymous mappings, fiber stacks, MAP_NORESERVE
     * included); RLIMIT_MEMLOCK 0, so nothing can be locked in memory. An
     * allocation storm then fails inside the domain instead of pressing on
     * the host's memory. */
    if (a.mem_limit) {
        struct rlimit rl = {(rlim_t)a.mem_limit, (rlim_t)a.mem_limit};
        unsigned long long now = mapped_bytes();
        struct rlimit as = {(rlim_t)(now + a.mem_limit), (rlim_t)(now + a.mem_limit)};
        if (now == 0 || setrlimit(RLIMIT_DATA, &rl) != 0 || setrlimit(RLIMIT_AS, &as) != 0)
            return refuse(CDN_LAUNCH_SANDBOX, "cannot set the memory cap");
    }
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_MEMLOCK, &none) != 0)
        return refuse(CDN_LAUNCH_SANDBOX, "cannot forbid locked memory");
    if (drop_identity(a.parent) != 0)
        return refuse(CDN_LAUNCH_SANDBOX, "cannot drop to uid %d with no capabilities",
                      CDN_DOMAIN_UID);
    if (cdn_sandbox_enter(a.keep_stderr, kernel_fd) != 0)
        return refuse(CDN_LAUNCH_SANDBOX, "cannot install the seccomp filter");
    sandboxed = 1;

    /* 6. Module code, under the filter. */
    cdn_elf_run_init(&img);
    /* The host may keep this domain as a warm spare and answer the HELLO
     * only when it needs it: wait without a bound, asleep on the futex (the
     * host wakes us; PDEATHSIG ends us if the host dies), then go back to
     * the configured policy. */
    cdn_ep_set_policy(ep, CDN_WAIT_ADAPTIVE);
    if (cdn_dom_hello(ep, -1) != CDN_OK)
        return refuse(CDN_LAUNCH_CHANNEL, "the HELLO handshake failed");
    cdn_ep_set_policy(ep, a.policy);
    struct cdn_dom_ctx ctx = {
        .ep = ep,
        .arg = a.arg,
        .region_base = region.base,
        .region_size = region.size,
        .heap_base = heap,
        .heap_size = a.heap_size,
    };
    int rc = m->main(&ctx);
    /* _exit: no atexit handlers or stdio flushing on the way out; the module
     * has no business with either, and a flush would be a forbidden write. */
    _exit(rc == CDN_OK ? 0 : 1);
}
