/*
 * blk_test.c - in the guest: null_blk isolated, the kernel as host. The
 * driver (drivers/block/null_blk.c, the same file the user-space host runs)
 * serves a real blk-mq disk from a sandboxed domain; this program is what
 * uses the disk and what supervises the domain:
 *
 *   1. the disk: O_DIRECT and buffered I/O, every byte checked; an ext2
 *      file system made, filled, remounted and read back;
 *   2. recovery: the domain killed (SIGKILL, SIGSEGV) or hung (SIGSTOP)
 *      under traffic; the supervisor (here) closes its channel, starts a
 *      new domain and names the orphaned disk; the file system stays
 *      mounted through it;
 *   3. a crash campaign and a hostile campaign (blk_faulty.so: the real
 *      driver with a fault shim) against a victim disk served by an honest
 *      domain: no acknowledged write lost, no read with wrong data, the
 *      victim never stalls;
 *   4. an indication of speed against Linux's own null_blk.ko (TCG), when
 *      asked for (cordon.bench_rounds=N; make bench-all asks for 3).
 *
 * Campaign sizes come from the kernel command line (cordon.faults=N,
 * default 200); run.sh fails the suite on any kernel warning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "guest_util.h"
#include "cordon/kabi.h"

#define HEAP_SIZE  (32u << 20)
#define SECTORS    131072u /* null_blk.c's 64 MiB */
#define BLOCK      4096u
#define FAULT_BASE 120000ull /* blk_faulty.c's CDN_FAULT_BASE, in sectors */
#define NULLB      "/lib/cordon/null_blk.so"
#define FAULTY     "/lib/cordon/blk_faulty.so"

/* ---- a domain, and its supervision ---- */

struct dom {
    int fd;
    pid_t pid;
    char name[32]; /* its disk */
    char why[128]; /* what went wrong last */
    const char *module;
    size_t region_size; /* its channel's region (mapped at offset 0) */
};

static int blk_stats(const struct dom *d, struct cordon_blk_stats *s)
{
    memset(s, 0, sizeof *s);
    return service(d->fd, CORDON_BLK_STATS, NULL, 0, s, sizeof *s);
}

/* A channel and a domain running module on it, before its driver's init:
 * 0, or -1 with why in d->why. */
static int dom_launch(struct dom *d, const char *module)
{
    d->module = module;
    d->pid = -1;
    d->fd = open(CORDON_DEVICE, O_RDWR | O_CLOEXEC);
    struct cordon_create a = {.ring_slots = 64,
                              .ext_slot_size = 4096,
                              .service = CORDON_SERVICE_NULL_BLK,
                              .heap_size = HEAP_SIZE};
    if (d->fd < 0 || ioctl(d->fd, CORDON_IOC_CREATE, &a) != 0) {
        snprintf(d->why, sizeof d->why, "channel: %s", strerror(errno));
        return -1;
    }
    d->region_size = a.region_size;
    d->pid = fork();
    if (d->pid == 0) {
        char heap[32];
        snprintf(heap, sizeof heap, "%u", HEAP_SIZE);
        if (dup2(d->fd, 3) != 3 || fcntl(3, F_SETFD, 0) != 0)
            _exit(127);
        execl("/lib/cordon/cordon-domain", "cordon-domain", "--kernel", "--fd", "3", "--slots",
              "64", "--ext", "4096", "--heap-size", heap, "--policy", "adaptive", "--peer-policy",
              "adaptive", "--mem-limit", "201326592", "--module", module, "--keep-stderr",
              (char *)NULL);
        _exit(127);
    }
    return d->pid > 0 ? 0 : -1;
}

/* The driver's init in d's domain; claim: "" for a new disk, or the
 * orphaned disk to take over. */
static int dom_init(struct dom *d, const char *claim, struct cordon_blk_init *out)
{
    memset(out, 0, sizeof *out);
    out->status = -1;
    if (service(d->fd, CORDON_BLK_INIT, claim, (uint32_t)strlen(claim), out, sizeof *out) != 0 ||
        out->status != 0) {
        snprintf(d->why, sizeof d->why, "init: %s, status %d", strerror(errno), out->status);
        return -1;
    }
    memcpy(d->name, out->name, sizeof d->name);
    d->name[sizeof d->name - 1] = 0;
    return 0;
}

static int dom_start(struct dom *d, const char *module, const char *claim,
                     struct cordon_blk_init *out)
{
    return dom_launch(d, module) == 0 ? dom_init(d, claim, out) : -1;
}

/* The domain is gone for good: killed if it still runs, its channel closed
 * (the disk, if it had one, is orphaned). */
static void dom_end(struct dom *d)
{
    if (d->pid > 0) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, NULL, 0);
    }
    if (d->fd >= 0)
        close(d->fd);
    d->pid = -1;
    d->fd = -1;
}

/* Whether the domain has died, or the kernel gave up on it. */
static int dom_failed(struct dom *d)
{
    if (d->pid > 0 && waitpid(d->pid, NULL, WNOHANG) == d->pid) {
        d->pid = -1;
        return 1;
    }
    struct cordon_blk_stats s;
    return blk_stats(d, &s) == 0 && !s.attached;
}

/* The supervisor keeps a warm spare: a domain launched on a channel of its
 * own, waiting for its init, so a restart does not wait for a process to
 * start (as the user-space supervisor does). */
static struct dom spare = {.fd = -1, .pid = -1};

static void spare_ready(const char *module)
{
    if (spare.fd >= 0 && spare.module != module)
        dom_end(&spare);
    if (spare.fd < 0 && dom_launch(&spare, module) != 0)
        dom_end(&spare);
}

/* The supervisor's restart: a new domain (the spare, if one is ready)
 * takes over d's disk. Returns the time from the decision to the driver's
 * init having returned with the disk (ms), or -1. The next spare is
 * launched afterwards, outside that time. */
static double dom_restart(struct dom *d)
{
    char name[32];
    memcpy(name, d->name, sizeof name);
    double t0 = now_ms();
    dom_end(d);
    struct cordon_blk_init in;
    int r;
    if (spare.fd >= 0 && spare.module == d->module) {
        *d = spare;
        spare.fd = spare.pid = -1;
        r = dom_init(d, name, &in);
    } else {
        r = dom_start(d, d->module, name, &in);
    }
    double took = now_ms() - t0;
    if (r != 0 || !in.reattached || strcmp(in.name, name) != 0) {
        fprintf(stderr, "cordon-guest: restart of %s failed: %s\n", name, d->why);
        memcpy(d->name, name, sizeof name);
        return -1;
    }
    spare_ready(d->module);
    return took;
}

/* ---- data ---- */

/* The bytes block b (4 KiB) holds at generation gen. */
static void fill(uint8_t *p, uint64_t b, uint32_t gen)
{
    uint64_t x = (b + 1) * 0x9e3779b97f4a7c15ull ^ ((uint64_t)gen << 32);
    for (unsigned i = 0; i < BLOCK; i += 8) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        memcpy(p + i, &x, 8);
    }
    memcpy(p, &b, 8);
    memcpy(p + 8, &gen, 4);
}

static void *aligned(size_t n)
{
    void *p = NULL;
    return posix_memalign(&p, 4096, n) == 0 ? p : NULL;
}

static int dev_open(const char *name, int flags)
{
    char path[64];
    snprintf(path, sizeof path, "/dev/%s", name);
    for (int i = 0; i < 100; i++) { /* devtmpfs makes the node as the disk is added */
        int fd = open(path, flags);
        if (fd >= 0 || errno != ENOENT)
            return fd;
        usleep(10000);
    }
    return -1;
}

static void drop_caches(int fd)
{
    ioctl(fd, BLKFLSBUF, 0);
    int f = open("/proc/sys/vm/drop_caches", O_WRONLY);
    if (f >= 0) {
        (void)!write(f, "3", 1);
        close(f);
    }
}

/* O_DIRECT: requests of many sizes written, read back whole. */
static void test_direct(const char *name)
{
    int fd = dev_open(name, O_RDWR | O_DIRECT);
    const size_t span = 8u << 20;
    uint8_t *w = aligned(span), *r = aligned(span);
    if (fd < 0 || !w || !r) {
        CHECK("direct_io_written_and_read", 0, "open: %s", strerror(errno));
        return;
    }
    for (size_t b = 0; b < span / BLOCK; b++)
        fill(w + b * BLOCK, b, 1);
    static const size_t sizes[] = {512, 4096, 3584, 65536, 131072, 1024, 262144};
    size_t off = 0, k = 0, bad_io = 0;
    while (off < span) {
        size_t n = sizes[k++ % (sizeof sizes / sizeof sizes[0])];
        if (off + n > span)
            n = span - off;
        if (pwrite(fd, w + off, n, (off_t)off) != (ssize_t)n)
            bad_io++;
        off += n;
    }
    memset(r, 0, span);
    if (pread(fd, r, span, 0) != (ssize_t)span)
        bad_io++;
    CHECK("direct_io_written_and_read", !bad_io && memcmp(w, r, span) == 0,
          "%zu failed I/Os; data %s", bad_io, memcmp(w, r, span) ? "differs" : "matches");
    /* never written: zeros, as a fresh disk */
    memset(r, 0xee, BLOCK);
    int zero = pread(fd, r, BLOCK, 32u << 20) == BLOCK;
    for (unsigned i = 0; zero && i < BLOCK; i++)
        zero = r[i] == 0;
    CHECK("direct_io_unwritten_reads_zeros", zero, "a block never written is not zeros");
    /* past the end: an error, not a crash */
    CHECK("direct_io_past_the_end", pread(fd, r, BLOCK, (off_t)SECTORS * 512) <= 0,
          "a read past the end succeeded");
    free(w);
    free(r);
    close(fd);
}

/* Buffered: through the page cache, fsync, caches dropped, read back. */
static void test_buffered(const char *name)
{
    int fd = dev_open(name, O_RDWR);
    const size_t span = 2u << 20;
    const off_t at = 16 << 20;
    uint8_t *w = malloc(span), *r = malloc(span);
    if (fd < 0 || !w || !r) {
        CHECK("buffered_io_written_and_read", 0, "open: %s", strerror(errno));
        return;
    }
    for (size_t b = 0; b < span / BLOCK; b++)
        fill(w + b * BLOCK, (uint64_t)at / BLOCK + b, 7);
    int ok = 1;
    for (size_t o = 0; o < span && ok; o += 1000) { /* odd sizes: the cache merges them */
        size_t n = span - o < 1000 ? span - o : 1000;
        ok = pwrite(fd, w + o, n, at + (off_t)o) == (ssize_t)n;
    }
    ok = ok && fsync(fd) == 0;
    drop_caches(fd);
    ok = ok && pread(fd, r, span, at) == (ssize_t)span;
    CHECK("buffered_io_written_and_read", ok && memcmp(w, r, span) == 0, "%s",
          ok ? "data differs" : strerror(errno));
    free(w);
    free(r);
    close(fd);
}

/*
 * More device memory than the domain's heap holds: a write into every
 * 64 KiB chunk of the disk's second half. The writes the heap cannot hold
 * fail (EIO), at once and without a hang; the disk keeps serving, and the
 * data it holds is intact.
 */
static void test_heap_full(const char *name)
{
    int fd = dev_open(name, O_RDWR | O_DIRECT);
    uint8_t *buf = aligned(BLOCK), *want = aligned(BLOCK);
    long ok = 0, failed = 0, other = 0;
    double t0 = now_ms();
    for (uint64_t chunk = 512; fd >= 0 && chunk < SECTORS / 128; chunk++) {
        uint64_t b = chunk * 16 + 15; /* the last 4 KiB of the chunk */
        fill(buf, b, 9);
        ssize_t r = pwrite(fd, buf, BLOCK, (off_t)(b * BLOCK));
        if (r == BLOCK)
            ok++;
        else if (r < 0 && errno == EIO)
            failed++;
        else
            other++;
    }
    double took = now_ms() - t0;
    int intact = fd >= 0;
    for (uint64_t b = 0; intact && b < 2048; b += 97) { /* the O_DIRECT test's data */
        fill(want, b, 1);
        intact = pread(fd, buf, BLOCK, (off_t)(b * BLOCK)) == BLOCK && !memcmp(buf, want, BLOCK);
    }
    printf("cordon-guest: heap full: %ld chunk writes stored, %ld refused (EIO) in %.0f ms\n", ok,
           failed, took);
    CHECK("blk_heap_full_fails_writes_not_the_disk", ok > 0 && failed > 0 && !other && intact,
          "%ld stored, %ld EIO, %ld other; earlier data %s", ok, failed, other,
          intact ? "intact" : "damaged");
    if (fd >= 0)
        close(fd);
    free(buf);
    free(want);
}

static int sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- traffic under faults ---- */

/*
 * Two children use the disk while the supervisor injects faults. The
 * writer rewrites random blocks of [0, WBLOCKS) with rising generations and
 * records each acknowledged one (acked[]) after pwrite returns; a failed
 * write marks its block uncertain. The reader reads random blocks of
 * [WBLOCKS, 2 * WBLOCKS), written once before, and checks every byte.
 */
#define WBLOCKS 1024u
struct traffic {
    volatile int stop;
    volatile uint32_t acked[WBLOCKS]; /* 0: uncertain (a write failed) */
    volatile long writes, write_errors, reads, read_errors, bad_reads;
    volatile double max_read_ms; /* the longest a read of the reader took */
};

/* A child of the supervisor closes the channels it inherited: a domain's
 * channel must go when the supervisor closes it. */
static void close_inherited(void)
{
    for (int fd = 3; fd < 256; fd++)
        close(fd);
}

static void writer(struct traffic *t, const char *name)
{
    int fd = dev_open(name, O_RDWR | O_DIRECT);
    uint8_t *buf = aligned(BLOCK);
    uint32_t gen = 100;
    unsigned seed = 1;
    while (fd >= 0 && !t->stop) {
        uint32_t b = (uint32_t)rand_r(&seed) % WBLOCKS;
        fill(buf, b, ++gen);
        if (pwrite(fd, buf, BLOCK, (off_t)b * BLOCK) == BLOCK) {
            t->acked[b] = gen;
            t->writes++;
        } else {
            t->acked[b] = 0;
            t->write_errors++;
        }
    }
    _exit(0);
}

static void reader(struct traffic *t, const char *name)
{
    int fd = dev_open(name, O_RDONLY | O_DIRECT);
    uint8_t *buf = aligned(BLOCK), *want = aligned(BLOCK);
    unsigned seed = 2;
    while (fd >= 0 && !t->stop) {
        uint32_t b = WBLOCKS + (uint32_t)rand_r(&seed) % WBLOCKS;
        double t0 = now_ms();
        if (pread(fd, buf, BLOCK, (off_t)b * BLOCK) != BLOCK) {
            t->read_errors++;
            continue;
        }
        double took = now_ms() - t0;
        if (took > t->max_read_ms)
            t->max_read_ms = took;
        fill(want, b, 1);
        t->reads++;
        if (memcmp(buf, want, BLOCK) != 0)
            t->bad_reads++;
    }
    _exit(0);
}

/* Writes the blocks the traffic starts from (generation 1). */
static int prefill(const char *name)
{
    int fd = dev_open(name, O_RDWR | O_DIRECT);
    uint8_t *buf = aligned(2 * WBLOCKS * BLOCK);
    if (fd < 0 || !buf)
        return -1;
    for (uint32_t b = 0; b < 2 * WBLOCKS; b++)
        fill(buf + (size_t)b * BLOCK, b, 1);
    int ok = pwrite(fd, buf, 2 * WBLOCKS * BLOCK, 0) == (ssize_t)(2 * WBLOCKS * BLOCK);
    free(buf);
    close(fd);
    return ok ? 0 : -1;
}

static struct traffic *traffic_start(const char *name, pid_t pids[2])
{
    struct traffic *t =
        mmap(NULL, sizeof *t, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (t == MAP_FAILED)
        return NULL;
    for (uint32_t b = 0; b < WBLOCKS; b++)
        t->acked[b] = 1;
    if ((pids[0] = fork()) == 0) {
        close_inherited();
        writer(t, name);
    }
    if ((pids[1] = fork()) == 0) {
        close_inherited();
        reader(t, name);
    }
    return t;
}

/* Stops the traffic; returns the acknowledged writes found lost (blocks
 * whose data is not their last acknowledged generation). */
static long traffic_stop(struct traffic *t, pid_t pids[2], const char *name)
{
    t->stop = 1;
    waitpid(pids[0], NULL, 0);
    waitpid(pids[1], NULL, 0);
    int fd = dev_open(name, O_RDONLY | O_DIRECT);
    uint8_t *buf = aligned(BLOCK), *want = aligned(BLOCK);
    long lost = fd < 0 ? -1 : 0;
    for (uint32_t b = 0; fd >= 0 && b < WBLOCKS; b++) {
        if (!t->acked[b])
            continue; /* its last write failed: either content is right */
        fill(want, b, t->acked[b]);
        if (pread(fd, buf, BLOCK, (off_t)b * BLOCK) != BLOCK || memcmp(buf, want, BLOCK) != 0)
            lost++;
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    free(want);
    return lost;
}

/* A read that triggers blk_faulty's fault kind, from a child (it may wait
 * for a restart or two). */
static pid_t poison_read(const char *name, unsigned kind)
{
    pid_t p = fork();
    if (p == 0) {
        close_inherited();
        int fd = dev_open(name, O_RDONLY | O_DIRECT);
        uint8_t *buf = aligned(BLOCK);
        _exit(fd >= 0 && pread(fd, buf, BLOCK, (off_t)(FAULT_BASE + 8ull * kind) * 512) == BLOCK
                  ? 0
                  : 1);
    }
    return p;
}

struct campaign {
    long faults, recovered, restarts, unrecovered;
    unsigned long long protocol_errors, fences; /* the kernel's counts, over every channel */
    double restart_ms[4096];
    int nrestart;
};

/* Waits (up to limit_ms) until child has exited, restarting d each time it
 * fails meanwhile; without a child, until d has failed and been restarted.
 * -1 if that did not happen in time, or a restart failed. */
static int supervise_until(struct dom *d, pid_t child, double limit_ms, struct campaign *c)
{
    double until = now_ms() + limit_ms;
    long before = c->restarts;
    while (now_ms() < until) {
        if (child > 0 && waitpid(child, NULL, WNOHANG) == child)
            return 0;
        if (child <= 0 && c->restarts > before)
            return 0;
        if (dom_failed(d)) {
            struct cordon_blk_stats st;
            if (blk_stats(d, &st) == 0) { /* the channel's last word, before it goes */
                c->protocol_errors += st.protocol_errors;
                c->fences += st.fences;
            }
            double ms = dom_restart(d);
            if (ms < 0)
                return -1;
            if (c->nrestart < 4096)
                c->restart_ms[c->nrestart++] = ms;
            c->restarts++;
        } else {
            usleep(2000);
        }
    }
    return -1;
}

static void report(const char *what, struct campaign *c, struct traffic *t, long lost)
{
    qsort(c->restart_ms, (size_t)c->nrestart, sizeof(double), cmp_double);
    double p50 = c->nrestart ? c->restart_ms[c->nrestart / 2] : 0;
    double p99 = c->nrestart ? c->restart_ms[(c->nrestart * 99) / 100] : 0;
    printf(
        "cordon-guest: %s: %ld faults (%ld not recovered), %ld restarts, restart p50 %.1f ms p99 "
        "%.1f ms; traffic %ld writes (%ld failed), %ld reads (%ld failed, %ld wrong); "
        "%ld acknowledged writes lost\n",
        what, c->faults, c->unrecovered, c->restarts, p50, p99, t->writes, t->write_errors,
        t->reads, t->read_errors, t->bad_reads, lost);
}

/* Faults from outside the driver: SIGKILL, SIGSEGV, a hang (SIGSTOP). */
static void crash_campaign(struct dom *d, long faults)
{
    pid_t pids[2];
    struct traffic *t = traffic_start(d->name, pids);
    static struct campaign c;
    memset(&c, 0, sizeof c);
    unsigned seed = 3;
    for (long i = 0; t && i < faults; i++) {
        usleep(5000 + (unsigned)rand_r(&seed) % 20000); /* traffic runs meanwhile */
        int sig = i % 50 == 49 ? SIGSTOP : i % 2 ? SIGSEGV : SIGKILL;
        unsigned kind = (unsigned)(i / 2) % 3; /* and inside the driver: segfault, abort */
        pid_t poison = -1;
        if (i % 10 == 5 && kind < 2)
            poison = poison_read(d->name, kind);
        else
            kill(d->pid, sig);
        c.faults++;
        long before = c.restarts;
        if (supervise_until(d, poison, 20000, &c) != 0 || c.restarts == before)
            c.unrecovered++;
        else
            c.recovered++;
    }
    long lost = t ? traffic_stop(t, pids, d->name) : -1;
    report("crash campaign", &c, t, lost);
    CHECK("crash_campaign_every_fault_recovered", t && c.unrecovered == 0 && c.faults == faults,
          "%ld of %ld faults not recovered", c.unrecovered, c.faults);
    CHECK("crash_campaign_no_acknowledged_write_lost", lost == 0, "%ld lost", lost);
    CHECK("crash_campaign_no_wrong_read", t && t->bad_reads == 0, "%ld wrong reads",
          t ? t->bad_reads : -1);
    CHECK("crash_campaign_io_went_on", t && t->writes > faults && t->reads > faults,
          "%ld writes, %ld reads", t ? t->writes : 0, t ? t->reads : 0);
}

/*
 * A hostile domain (blk_faulty.so) serves its own disk beside a victim
 * disk whose honest domain carries the traffic: each attack is a request
 * to the hostile disk that makes its driver misbehave, or garbage the
 * supervisor writes over the hostile channel's shared memory.
 */
static void hostile_campaign(struct dom *victim, long attacks)
{
    struct dom h;
    struct cordon_blk_init in;
    if (dom_start(&h, FAULTY, "", &in) != 0) {
        CHECK("hostile_domain_started", 0, "%s", h.why);
        return;
    }
    pid_t pids[2];
    struct traffic *t = traffic_start(victim->name, pids);
    static struct campaign c;
    memset(&c, 0, sizeof c);
    /* kinds: 3 wild writes, 4 bad status, 5 twice, 6 never (rare), 7 forged
     * handle, 8 undeclared rpc, 9 oversized, 10 allocation storm, 11 slow,
     * 12 keepalive (rare), 13 forged completions; 99: the supervisor
     * scribbles the channel's region */
    static const unsigned kinds[] = {3, 4, 5, 7, 8, 9, 10, 11, 13, 99};
    for (long i = 0; t && i < attacks; i++) {
        unsigned kind = i % 40 == 17 ? 6 : i % 40 == 37 ? 12 : kinds[i % 10];
        c.faults++;
        pid_t p;
        if (kind == 99) { /* garbage in every byte of the region (both rings) and the heap */
            void *reg = mmap(NULL, h.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, h.fd, 0);
            void *heap = mmap(NULL, HEAP_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, h.fd,
                              (off_t)h.region_size);
            unsigned s = (unsigned)i;
            for (size_t o = 0; reg != MAP_FAILED && o + 4 <= h.region_size; o += 4)
                *(volatile uint32_t *)((char *)reg + o) = (uint32_t)rand_r(&s);
            for (size_t o = 0; heap != MAP_FAILED && o + 4 <= HEAP_SIZE; o += 4)
                *(volatile uint32_t *)((char *)heap + o) = (uint32_t)rand_r(&s);
            if (reg != MAP_FAILED)
                munmap(reg, h.region_size);
            if (heap != MAP_FAILED)
                munmap(heap, HEAP_SIZE);
            p = poison_read(h.name, 100); /* an ordinary read: it meets the garbage */
        } else {
            p = poison_read(h.name, kind);
        }
        double t0 = now_ms();
        int r = supervise_until(&h, p, 20000, &c);
        if (r != 0) {
            struct cordon_blk_stats hs1;
            blk_stats(&h, &hs1);
            printf("cordon-guest: attack %ld (kind %u) not over after %.0f ms: hostile domain %d "
                   "%s, attached %u, posted %llu, completed %llu, failed %llu (%s)\n",
                   i, kind, now_ms() - t0, (int)h.pid,
                   h.pid > 0 && kill(h.pid, 0) == 0 ? "alive" : "gone", hs1.attached,
                   (unsigned long long)hs1.posted, (unsigned long long)hs1.completed,
                   (unsigned long long)hs1.failed, h.why);
            c.unrecovered++;
        } else
            c.recovered++;
    }
    struct cordon_blk_stats hs;
    blk_stats(&h, &hs);
    long lost = t ? traffic_stop(t, pids, victim->name) : -1;
    report("hostile campaign", &c, t, lost);
    printf("cordon-guest: hostile campaign: the victim's longest read took %.1f ms; the kernel "
           "refused %llu completions or messages and gave up %llu hostile domains\n",
           t ? t->max_read_ms : -1.0, c.protocol_errors + hs.protocol_errors, c.fences + hs.fences);
    CHECK("hostile_campaign_kernel_kept_serving", t && c.unrecovered == 0,
          "%ld of %ld attacks left the hostile disk unrecovered", c.unrecovered, c.faults);
    CHECK("hostile_campaign_victim_data_intact", lost == 0 && t && t->bad_reads == 0,
          "%ld writes lost, %ld wrong reads", lost, t ? t->bad_reads : -1);
    CHECK("hostile_campaign_victim_never_failed", t && !t->read_errors && !t->write_errors,
          "%ld read errors, %ld write errors", t ? t->read_errors : -1, t ? t->write_errors : -1);
    /* the bound: a victim read never waited on the hostile domain's
     * deadline (3 s) or restarts */
    CHECK("hostile_campaign_victim_not_stalled", t && t->max_read_ms < 1000.0,
          "a victim read took %.0f ms", t ? t->max_read_ms : -1.0);
    dom_end(&h);
}

/* ---- an indication of speed (TCG) ---- */

/* 4 KiB requests at random blocks of the first 8 MiB (prefilled) for secs seconds,
 * qd at a time (Linux AIO, O_DIRECT); IOPS, or -1. */
static double run_io(const char *name, int write, unsigned qd, double secs)
{
    int fd = dev_open(name, O_RDWR | O_DIRECT);
    aio_context_t ctx = 0;
    if (fd < 0 || syscall(SYS_io_setup, qd, &ctx) != 0)
        return -1;
    uint8_t *bufs = aligned((size_t)qd * BLOCK);
    struct iocb cb[64], *cbp[64];
    struct io_event ev[64];
    unsigned seed = 7, inflight = 0;
    long done = 0, errors = 0;
    memset(cb, 0, sizeof cb);
    for (unsigned i = 0; i < qd; i++) {
        fill(bufs + (size_t)i * BLOCK, i, 3);
        cb[i].aio_fildes = (uint32_t)fd;
        cb[i].aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
        cb[i].aio_buf = (uint64_t)(uintptr_t)(bufs + (size_t)i * BLOCK);
        cb[i].aio_nbytes = BLOCK;
        cb[i].aio_data = i;
    }
    double t0 = now_ms(), end = t0 + secs * 1e3;
    unsigned free_list[64], nfree = qd;
    for (unsigned i = 0; i < qd; i++)
        free_list[i] = i;
    while (now_ms() < end || inflight) {
        unsigned n = 0;
        while (nfree && now_ms() < end) {
            unsigned i = free_list[--nfree];
            cb[i].aio_offset = (int64_t)((unsigned)rand_r(&seed) % (2 * WBLOCKS)) * BLOCK;
            cbp[n++] = &cb[i];
        }
        if (n && syscall(SYS_io_submit, ctx, (long)n, cbp) != (long)n)
            break;
        inflight += n;
        struct timespec limit = {10, 0}; /* a request lost would hang the test */
        long got = syscall(SYS_io_getevents, ctx, 1L, (long)qd, ev, &limit);
        if (got <= 0) {
            printf("cordon-guest: bench on %s: no completion in 10 s (%u in flight)\n", name,
                   inflight);
            sh("dmesg | tail -n 20");
            break;
        }
        for (long k = 0; k < got; k++) {
            free_list[nfree++] = (unsigned)ev[k].data;
            if (ev[k].res != BLOCK)
                errors++;
            done++;
        }
        inflight -= (unsigned)got;
    }
    double took = now_ms() - t0;
    if (!inflight) /* (io_destroy would wait for a lost request forever) */
        syscall(SYS_io_destroy, ctx);
    close(fd);
    free(bufs);
    return errors || inflight ? -1 : (double)done / (took / 1e3);
}

/*
 * The isolated null_blk against Linux's null_blk.ko (memory backed, no
 * interrupt emulation), rounds alternating; each round makes its disk
 * afresh (both name it nullb0). Printed, never asserted: under TCG the
 * figures are an indication only.
 */
static void bench(long rounds)
{
    static const struct {
        const char *name;
        int write;
        unsigned qd;
    } cases[] = {{"4k randread QD1", 0, 1},
                 {"4k randread QD16", 0, 16},
                 {"4k randwrite QD1", 1, 1},
                 {"4k randwrite QD16", 1, 16}};
    enum { NCASES = 4 };
    double iso[NCASES][16], nat[NCASES][16];
    long n = 0;
    for (long r = 0; r < rounds && r < 16; r++) {
        struct dom b;
        struct cordon_blk_init in;
        if (dom_start(&b, NULLB, "", &in) != 0 || prefill(b.name) != 0)
            break;
        printf("cordon-guest: bench round %ld: isolated %s\n", r + 1, b.name);
        fflush(stdout);
        for (int k = 0; k < NCASES; k++)
            iso[k][n] = run_io(b.name, cases[k].write, cases[k].qd, 1.0);
        printf("cordon-guest: bench round %ld: native\n", r + 1);
        fflush(stdout);
        service(b.fd, CORDON_BLK_EXIT, NULL, 0, NULL, 0);
        dom_end(&b);
        if (sh("insmod /lib/cordon/native/configfs.ko 2>/dev/null; insmod "
               "/lib/cordon/native/null_blk.ko nr_devices=1 memory_backed=1 irqmode=0 gb=1") != 0)
            break;
        int ok = prefill("nullb0") == 0;
        for (int k = 0; k < NCASES; k++)
            nat[k][n] = ok ? run_io("nullb0", cases[k].write, cases[k].qd, 1.0) : -1;
        sh("rmmod null_blk");
        n++;
    }
    int all = 1;
    for (int k = 0; k < NCASES; k++)
        for (long r = 0; r < n; r++)
            all = all && iso[k][r] > 0 && nat[k][r] > 0;
    CHECK("blk_bench_ran", n == rounds && all, "%ld of %ld rounds; every request %s", n, rounds,
          all ? "completed" : "did not complete");
    for (int k = 0; k < NCASES && n; k++) {
        double ratio[16];
        for (long r = 0; r < n; r++)
            ratio[r] = nat[k][r] > 0 ? iso[k][r] / nat[k][r] : -1;
        qsort(iso[k], (size_t)n, sizeof(double), cmp_double);
        qsort(nat[k], (size_t)n, sizeof(double), cmp_double);
        qsort(ratio, (size_t)n, sizeof(double), cmp_double);
        printf("cordon-guest: bench %s: isolated %.0f IOPS, null_blk.ko %.0f IOPS (medians of %ld "
               "alternating rounds, TCG); isolated/native %.2f\n",
               cases[k].name, iso[k][n / 2], nat[k][n / 2], n, ratio[n / 2]);
    }
}

int main(void)
{
    long faults = cmdline_num("cordon.faults=", 200);
    struct dom d;
    struct cordon_blk_init in;
    int r = dom_start(&d, NULLB, "", &in);
    CHECK("blk_driver_init_in_domain", r == 0 && !in.reattached && d.name[0], "%s", d.why);
    if (r != 0)
        return check_summary();
    char path[128];
    snprintf(path, sizeof path, "/sys/block/%s/size", d.name);
    CHECK("blk_real_disk", read_num(path) == SECTORS, "%s: %ld sectors", path, read_num(path));
    CHECK("blk_domain_sandboxed", domain_sandboxed(d.pid), "the domain's status says otherwise");

    test_direct(d.name);
    test_buffered(d.name);

    /* a file system on it, kept mounted through a crash of its driver */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "for m in crc16 mbcache jbd2 crc32c_generic ext4; do insmod /lib/cordon/native/$m.ko "
             "2>/dev/null; done; mke2fs -q /dev/%s >/dev/null && mkdir -p /mnt && "
             "mount -t ext2 /dev/%s /mnt && dd if=/dev/urandom of=/mnt/f bs=64k count=32 "
             "2>/dev/null && md5sum /mnt/f >/tmp/f.md5 && umount /mnt && mount -t ext2 /dev/%s "
             "/mnt && md5sum -c -s /tmp/f.md5",
             d.name, d.name, d.name);
    int fs = sh(cmd);
    CHECK("blk_ext2_made_filled_remounted", fs == 0, "step failed (%d)", fs);
    double ms = -1;
    if (fs == 0) {
        kill(d.pid, SIGKILL); /* the driver dies under a mounted file system */
        ms = dom_restart(&d);
        drop_caches(-1);
        snprintf(cmd, sizeof cmd,
                 "dd if=/dev/urandom of=/mnt/g bs=64k count=8 2>/dev/null && sync && "
                 "echo 3 >/proc/sys/vm/drop_caches && md5sum -c -s /tmp/f.md5 && umount /mnt && "
                 "mount -t ext2 /dev/%s /mnt && md5sum -c -s /tmp/f.md5 && umount /mnt",
                 d.name);
        fs = sh(cmd);
    }
    CHECK("blk_ext2_survives_a_driver_crash", ms >= 0 && fs == 0,
          "restart %.1f ms, file system step %d", ms, fs);
    sh("umount /mnt 2>/dev/null");

    /* a hang: the kernel gives the domain up at the deadline */
    if (prefill(d.name) == 0) {
        kill(d.pid, SIGSTOP);
        pid_t p = poison_read(d.name, 100); /* an ordinary read: it waits */
        double t0 = now_ms();
        while (!dom_failed(&d) && now_ms() - t0 < 10000)
            usleep(10000);
        double gave_up = now_ms() - t0;
        struct cordon_blk_stats s;
        blk_stats(&d, &s);
        double rs = dom_restart(&d);
        int st = -1;
        waitpid(p, &st, 0);
        printf("cordon-guest: a hung domain given up after %.0f ms (%s), restarted in %.1f ms\n",
               gave_up, s.fence_reason, rs);
        CHECK("blk_hung_domain_given_up",
              gave_up < 6000 && rs >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
              "given up after %.0f ms (%s), restart %.1f ms, the read %s", gave_up, s.fence_reason,
              rs, WIFEXITED(st) && !WEXITSTATUS(st) ? "went through" : "failed");
    } else {
        CHECK("blk_prefilled", 0, "the blocks for the traffic could not be written");
    }

    /* a domain that dies while its channel stays open (no I/O in flight,
     * so no deadline would ever fire): the kernel sees its process go */
    kill(d.pid, SIGKILL);
    double t0 = now_ms(), seen_ms = -1;
    struct cordon_blk_stats dead;
    while (now_ms() - t0 < 2000 && seen_ms < 0) {
        if (blk_stats(&d, &dead) == 0 && !dead.attached)
            seen_ms = now_ms() - t0;
        else
            usleep(5000);
    }
    waitpid(d.pid, NULL, 0);
    d.pid = -1;
    double back = dom_restart(&d);
    CHECK("blk_dead_domain_seen_with_its_channel_open",
          seen_ms >= 0 && strstr(dead.fence_reason, "process is gone") && back >= 0,
          "seen after %.0f ms (%s), restart %.1f ms", seen_ms, dead.fence_reason, back);

    test_heap_full(d.name);

    /* campaigns: crashes of the disk's own driver, then a hostile neighbour */
    struct cordon_blk_stats s;
    r = prefill(d.name);
    blk_stats(&d, &s);
    int wst = 0;
    pid_t gone = waitpid(d.pid, &wst, WNOHANG);
    if (r != 0) {
        char c2[256];
        snprintf(c2, sizeof c2,
                 "for i in 1 2 3; do cat /proc/%d/syscall; grep State /proc/%d/status; "
                 "sleep 0.3; done",
                 (int)d.pid, (int)d.pid);
        sh(c2);
    }
    CHECK("blk_serves_after_recovery", r == 0,
          "%s; attached %u, fences %llu (%s); domain %s (status %#x)", strerror(errno), s.attached,
          (unsigned long long)s.fences, s.fence_reason, gone == d.pid ? "ended" : "alive", wst);
    /* the crash campaign's driver is blk_faulty.so: null_blk.c with a shim
     * that crashes it on a given sector; the hostile campaign's victim is
     * the plain driver again (each switch is a restart) */
    d.module = FAULTY;
    if (faults && r == 0 && dom_restart(&d) >= 0 && prefill(d.name) == 0)
        crash_campaign(&d, faults);
    d.module = NULLB;
    if (faults && dom_restart(&d) >= 0 && prefill(d.name) == 0)
        hostile_campaign(&d, faults);
    else if (faults)
        CHECK("blk_victim_ready", 0, "%s", d.why);

    CHECK("blk_exit_in_domain", service(d.fd, CORDON_BLK_EXIT, NULL, 0, NULL, 0) == 0, "%s",
          strerror(errno));
    snprintf(path, sizeof path, "/sys/block/%s", d.name);
    struct stat sb;
    CHECK("blk_disk_gone", stat(path, &sb) != 0, "%s still there", path);
    dom_end(&d);
    dom_end(&spare);
    long rounds = cmdline_num("cordon.bench_rounds=", 0); /* make bench-all: 3 */
    if (rounds > 0)
        bench(rounds);
    if (check_failed)
        sh("dmesg | grep -v -E 'EXT4|I/O error' | tail -n 25");
    return check_summary();
}
