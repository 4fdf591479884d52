/*
 * hostile.c - `cordon-bench faults --workload hostile`: the hostile-driver
 * campaign. Two innocent drivers carry verified load - null_blk (nullb0,
 * every acknowledged write remembered, every read compared) and dummy
 * (dummy0, its transmit counter compared with what was sent) - while two
 * attackers run beside them:
 *
 *   net_bad (tests/modules/net_bad.c) on the host's async runtime, each
 *   attack one packet whose length names it: search its heap for the
 *   victim's data, wipe and punch out its heap, take every trampoline of a
 *   shared pool, flood the host with requests, rename its device over the
 *   victim's, take 1 GiB of shared memory, lock memory, report its
 *   identity, crash, hang, scribble over its channel, forge a handle, call
 *   an undeclared rpc
 *
 *   blk_faulty (tests/modules/blk_faulty.c, nullb1), each attack one
 *   request: keep it and post empty completions every 100 ms (keepalive)
 *
 * Attacks rotate through the kinds. After each, the victims get a burst of
 * verified traffic, and the host's resources are sampled; between attacks,
 * a quiet burst with no attack before it. The victims' throughput is the
 * median burst rate after attacks over the median of the quiet bursts,
 * taken alternately in one run. A breach is any
 * attack that got what it was after: a secret found, a victim device
 * renamed, memory over the cap taken or locked, a privileged identity, a
 * victim that could not load because of the pool, a request kept past
 * twice its deadline. The host must not crash (the campaign runs in a child
 * process, as the fault campaign does), the victims must never fail, read
 * wrong data or lose a write, and the host's resources must stay under the
 * documented per-domain bounds (docs/architecture.md, "Isolation
 * invariants").
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cordon/async.h"
#include "cordon_kernel.h"
#include "faults.h"
#include "stats.h"
#include "linux/blk-mq.h"
#include "linux/netdevice.h"

extern const struct cdn_driver_desc cdn_null_blk_driver;
extern const struct cdn_driver_desc cdn_dummy_driver;

#define ATTACK_DEADLINE_NS 200000000LL /* the attackers' call deadline */
#define SECRET             "cordon-secret"

enum check { NONE, SNOOP, POOL, SQUAT, SHARED, LOCKED, IDENTITY, KEEPALIVE };

static const struct {
    int len; /* net_bad's packet length; 0: the block attacker's keepalive */
    const char *name;
    enum check check;
} attacks[] = {
    {77, "heap-snoop", SNOOP},     {78, "heap-wipe", NONE},
    {79, "pool-hog", POOL},        {80, "request-flood", NONE},
    {81, "name-squat", SQUAT},     {82, "shared-1gib", SHARED},
    {83, "locked-memory", LOCKED}, {84, "identity", IDENTITY},
    {64, "crash", NONE},           {65, "hang", NONE},
    {67, "wild-writes", NONE},     {69, "forged-handle", NONE},
    {70, "undeclared-rpc", NONE},  {0, "keepalive", KEEPALIVE},
};
#define NATTACKS (sizeof attacks / sizeof attacks[0])

struct hostile {
    long attacks, breaches, per_kind[NATTACKS], breach_kind[NATTACKS];
    long incomplete; /* attacks that must report and did not (a hole in the check) */
    long victim_failed_ios, victim_mismatches, victim_lost, victim_restarts;
    long victim_tx_wrong;      /* dummy0's count disagreed with what was sent */
    long secrets_found;        /* bytes of victim data an attacker read */
    long fibers_peak;          /* host fibers live at once */
    long serving_peak;         /* a peer's requests in service at once */
    long maps_base, maps_peak; /* host mappings */
    long rss_base_kib, rss_peak_kib;
    long heaps_peak;
    double throughput_ratio;
    double kind_ratio[NATTACKS]; /* the same, after this kind of attack only */
    long attacker_restarts;
    double keepalive_ms_max;
};

static long count_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "re");
    long n = 0;
    for (int ch; f && (ch = fgetc(f)) != EOF;)
        n += ch == '\n';
    if (f)
        fclose(f);
    return n;
}

static long rss_kib(void)
{
    long pages = 0, rss = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    if (f)
        fclose(f);
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* attacker: 0 for a victim; else 1 + whether it uses its rings. Only
 * null_blk spins on the domains' CPU: the others sleep when idle, so that
 * two spinning domains do not take turns at one CPU. */
static int load(const struct cdn_driver_desc *d, const struct bench_opts *o, int attacker,
                struct cdn_driver *drv)
{
    char moddir[PATH_MAX];
    snprintf(moddir, sizeof moddir, "%s", bench_module_path(d->name));
    *strrchr(moddir, '/') = 0;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol);
    if (d != &cdn_null_blk_driver)
        pol.wait = CDN_WAIT_ADAPTIVE;
    if (attacker) {
        pol.call_timeout_ns = ATTACK_DEADLINE_NS;
        pol.heartbeat_ns = 2 * ATTACK_DEADLINE_NS;
        pol.memory_limit = 64ull << 20;
        pol.rings = attacker - 1; /* net: each attack a call of its own; block: the ring */
    }
    int cpu = d == &cdn_null_blk_driver ? o->dom_cpu : attacker ? o->host_cpu : -1;
    int r = cdn_driver_load_policy(d, CDN_DRV_PROCESS, cpu, moddir, &pol, drv);
    if (r != 0)
        fprintf(stderr, "cordon-bench: cannot load %s: %s\n", d->name, drv->reason);
    return r;
}

/* What the attacker said about `what` ("snoop: ", ...) since log line
 * `since` (this attack's lines only), or NULL. */
static const char *said(unsigned long since, const char *what, char *log, size_t len)
{
    cdn_kernel_log_since(since, log, len);
    const char *last = NULL;
    for (const char *p = log; (p = strstr(p, what)) != NULL; p++)
        last = p;
    return last ? last + strlen(what) : NULL;
}

struct victims {
    struct campaign_area area;
    struct net_device *net;
    unsigned long sent;
    uint64_t seed;
};

/* A burst of verified traffic to both victims; the block I/O rate (I/Os
 * per ns: the throughput compared; the dummy's transmit is checked for
 * its count only). */
static double victim_burst(struct victims *v, struct hostile *h, int ios)
{
    long e0 = v->area.errors;
    int64_t t0 = cdn_now_ns();
    for (int i = 0; i < ios; i++)
        campaign_area_io(&v->area, &v->seed);
    double rate = (double)ios / (double)(cdn_now_ns() - t0 + 1);
    h->victim_failed_ios += v->area.errors - e0;
    for (int i = 0; i < 32; i++) {
        struct sk_buff *skb = netdev_alloc_skb(v->net, 64);
        if (skb && dev_queue_xmit_more(skb, i != 31) == 0)
            v->sent++;
    }
    struct rtnl_link_stats64 st;
    dev_get_stats(v->net, &st);
    if (st.tx_packets != v->sent) {
        h->victim_tx_wrong++;
        v->sent = st.tx_packets; /* counted once */
    }
    return rate;
}

struct net_attack {
    struct net_device *dev;
    int len;
};

static void send_attack(void *arg)
{
    struct net_attack *a = arg;
    struct sk_buff *skb = netdev_alloc_skb(a->dev, (unsigned)a->len);
    if (skb)
        dev_queue_xmit(skb); /* it may fail: that is the point */
}

/* One attack; 1 if it got what it was after. */
static int attack(int kind, const struct bench_opts *o, struct cdn_async *rt,
                  struct cdn_driver *bad, struct cdn_driver *blkbad, struct victims *v,
                  struct hostile *h)
{
    char log[16384];
    const char *s;
    if (attacks[kind].check == KEEPALIVE) {
        struct gendisk *d1 = cdn_blk_disk_by_name("nullb1");
        uint8_t buf[512];
        int64_t t0 = cdn_now_ns();
        if (d1)
            cdn_blk_rw(d1, REQ_OP_READ, 120000ull + 8 * 12, sizeof buf, buf);
        double ms = (double)(cdn_now_ns() - t0) / 1e6;
        if (ms > h->keepalive_ms_max)
            h->keepalive_ms_max = ms;
        cdn_driver_check(blkbad);
        /* a kept request ends by its own deadline: twice it (the retry of a
         * read on the restarted driver) and the restarts */
        return ms > 4.0 * ATTACK_DEADLINE_NS / 1e6 + 200;
    }
    struct net_device *dev = dev_get_by_name("bad0");
    if (!dev) {
        cdn_driver_check(bad);
        dev = dev_get_by_name("bad0");
    }
    if (!dev)
        return 0; /* down: nothing to attack with (counted as not tried) */
    struct net_attack a = {dev, attacks[kind].len};
    unsigned long since = cdn_kernel_log_count();
    struct cdn_finish f;
    cdn_finish_begin(rt, &f);
    cdn_async_spawn(rt, send_attack, &a);
    cdn_finish_end(rt, &f);
    cdn_driver_check(bad);
    switch (attacks[kind].check) {
    case SNOOP:
        s = said(since, "snoop: ", log, sizeof log);
        if (!s) {
            h->incomplete++; /* it did not get to say: not counted as held */
            return 0;
        }
        if (atol(s) > 0) {
            h->secrets_found += atol(s) * (long)strlen(SECRET);
            return 1;
        }
        return 0;
    case POOL: {
        /* the next driver of the interface must load */
        struct cdn_driver extra;
        if (load(&cdn_dummy_driver, o, 2, &extra) != 0)
            return 1;
        cdn_driver_unload(&extra);
        return 0;
    }
    case SQUAT:
        return dev_get_by_name("dummy0") != v->net;
    case SHARED:
        s = said(since, "shared: ", log, sizeof log);
        h->incomplete += !s;
        return s && atoi(s) == 1;
    case LOCKED:
        s = said(since, "locked: ", log, sizeof log);
        return s && atoi(s) == 1;
    case IDENTITY: {
        s = said(since, "identity: uid ", log, sizeof log);
        if (!s) {
            h->incomplete++;
            return 0;
        }
        unsigned uid = 0, caps = 0;
        if (sscanf(s, "%u caps %u", &uid, &caps) != 2)
            return 0;
        return (geteuid() == 0 && uid == 0) || caps != 0;
    }
    default:
        return 0;
    }
}

static void sample(struct cdn_async *rt, struct hostile *h)
{
    struct cdn_async_stats st;
    cdn_async_get_stats(rt, &st);
    if ((long)st.fibers_peak > h->fibers_peak)
        h->fibers_peak = st.fibers_peak;
    if ((long)st.serving_peak > h->serving_peak)
        h->serving_peak = st.serving_peak;
    long m = count_maps(), r = rss_kib();
    h->maps_peak = m > h->maps_peak ? m : h->maps_peak;
    h->rss_peak_kib = r > h->rss_peak_kib ? r : h->rss_peak_kib;
    struct cdn_heap *heaps[128];
    long n = cdn_kernel_heaps(heaps, 128);
    h->heaps_peak = n > h->heaps_peak ? n : h->heaps_peak;
}

static void report(FILE *out, const struct bench_opts *o, const struct hostile *h)
{
    double ratio = h->throughput_ratio;
    if (o->json) {
        fprintf(out,
                "{\"workload\":\"hostile\",\"attacks\":%ld,\"breaches\":%ld,\"incomplete\":%ld,"
                "\"host_crashes\":@HOST_CRASHES@,\"victim_failed_ios\":%ld,"
                "\"victim_reads_wrong\":%ld,\"victim_writes_lost\":%ld,\"victim_restarts\":%ld,"
                "\"victim_tx_count_wrong\":%ld,\"victim_bytes_read_by_attackers\":%ld,"
                "\"victim_throughput_ratio\":%.3f,\"attacker_restarts\":%ld,"
                "\"keepalive_ms_max\":%.1f,\"host_fibers_peak\":%ld,\"serving_peak\":%ld,"
                "\"host_mappings_base\":%ld,\"host_mappings_peak\":%ld,"
                "\"host_rss_kib_base\":%ld,\"host_rss_kib_peak\":%ld,\"heaps_peak\":%ld,"
                "\"kinds\":{",
                h->attacks, h->breaches, h->incomplete, h->victim_failed_ios, h->victim_mismatches,
                h->victim_lost, h->victim_restarts, h->victim_tx_wrong, h->secrets_found, ratio,
                h->attacker_restarts, h->keepalive_ms_max, h->fibers_peak, h->serving_peak,
                h->maps_base, h->maps_peak, h->rss_base_kib, h->rss_peak_kib, h->heaps_peak);
        for (size_t k = 0; k < NATTACKS; k++)
            fprintf(
                out, "%s\"%s\":{\"tried\":%ld,\"breaches\":%ld,\"victim_throughput_ratio\":%.3f}",
                k ? "," : "", attacks[k].name, h->per_kind[k], h->breach_kind[k], h->kind_ratio[k]);
        fprintf(out, "}}\n");
        return;
    }
    fprintf(out, "hostile: %ld attacks (", h->attacks);
    for (size_t k = 0; k < NATTACKS; k++)
        fprintf(out, "%s%s %ld", k ? ", " : "", attacks[k].name, h->per_kind[k]);
    fprintf(out,
            ")\n  breaches %ld, attacks that did not report %ld; host crashes @HOST_CRASHES@\n"
            "  victims: failed I/Os %ld, reads with wrong data %ld, writes lost %ld, restarts "
            "%ld, transmit counts wrong %ld, bytes read by attackers %ld\n"
            "  victim throughput during / alone %.3f; attacker restarts %ld; longest kept "
            "request %.0f ms\n"
            "  host: fibers peak %ld (a peer's requests in service peak %ld), mappings %ld -> "
            "peak %ld, RSS %ld KiB -> peak %ld KiB, heaps peak %ld\n",
            h->breaches, h->incomplete, h->victim_failed_ios, h->victim_mismatches, h->victim_lost,
            h->victim_restarts, h->victim_tx_wrong, h->secrets_found, ratio, h->attacker_restarts,
            h->keepalive_ms_max, h->fibers_peak, h->serving_peak, h->maps_base, h->maps_peak,
            h->rss_base_kib, h->rss_peak_kib, h->heaps_peak);
}

int campaign_hostile(FILE *out, const struct bench_opts *o, int nattacks, uint64_t seed)
{
    struct hostile h;
    memset(&h, 0, sizeof h);
    bench_pin(o->host_cpu);
    if (cdn_kernel_init(32u << 20) != 0) /* each driver's heap: 32 MiB */
        return 1;
    struct cdn_driver nb, dm, bad, blkbad;
    struct cdn_driver_desc bad_desc = cdn_dummy_driver, blkbad_desc = cdn_null_blk_driver;
    bad_desc.name = "net_bad";
    blkbad_desc.name = "blk_faulty";
    if (load(&cdn_null_blk_driver, o, 0, &nb) != 0)
        return 1;
    if (load(&cdn_dummy_driver, o, 0, &dm) != 0 || load(&bad_desc, o, 1, &bad) != 0 ||
        load(&blkbad_desc, o, 2, &blkbad) != 0)
        return 1;
    struct cdn_async *rt;
    if (cdn_async_create(NULL, &rt) != CDN_OK || cdn_driver_use_async(&bad, rt) != CDN_OK)
        return 1;
    struct victims v = {.net = dev_get_by_name("dummy0"), .seed = seed};
    if (!v.net || campaign_area_init(&v.area, cdn_blk_disk_by_name("nullb0")) != 0)
        return 1;
    /* the secret the snoop looks for, on the victim's disk */
    uint8_t secret[4096];
    for (size_t i = 0; i < sizeof secret; i += 16)
        memcpy(secret + i, SECRET ":\x01\x02", 16);
    cdn_blk_rw(v.area.disk, REQ_OP_WRITE, 8192, sizeof secret, secret);

    h.maps_base = count_maps();
    h.rss_base_kib = rss_kib();
    for (int64_t w = cdn_now_ns(); cdn_now_ns() - w < 100000000LL;)
        victim_burst(&v, &h, 16); /* warm-up */
    double *quiet = calloc((size_t)nattacks + 1, sizeof *quiet);
    double *after = calloc((size_t)nattacks + 1, sizeof *after);
    if (!quiet || !after)
        return 1;
    for (int i = 0; i < nattacks; i++) {
        quiet[i] = victim_burst(&v, &h, 32);
        int kind = (int)((uint64_t)i % NATTACKS);
        h.per_kind[kind]++;
        h.attacks++;
        if (attack(kind, o, rt, &bad, &blkbad, &v, &h)) {
            h.breaches++;
            h.breach_kind[kind]++;
        }
        sample(rt, &h);
        after[i] = victim_burst(&v, &h, 32);
        if ((i + 1) % (nattacks / 10 ? nattacks / 10 : 1) == 0)
            fprintf(stderr, "[hostile %d/%d attacks] breaches %ld, victim failures %ld\n", i + 1,
                    nattacks, h.breaches, h.victim_failed_ios);
    }
    /* per kind first: the median below sorts the arrays */
    double *mine = calloc((size_t)nattacks / NATTACKS + 1, sizeof *mine);
    for (size_t k = 0; mine && k < NATTACKS; k++) {
        int n = 0;
        for (int i = (int)k; i < nattacks; i += (int)NATTACKS)
            mine[n++] = after[i];
        h.kind_ratio[k] = n ? bench_median(mine, n) : 0;
    }
    free(mine);
    double mq = bench_median(quiet, nattacks);
    for (size_t k = 0; k < NATTACKS; k++)
        h.kind_ratio[k] = mq > 0 ? h.kind_ratio[k] / mq : 0;
    h.throughput_ratio = mq > 0 ? bench_median(after, nattacks) / mq : 0;
    free(quiet);
    free(after);
    h.victim_mismatches = v.area.mismatches;
    h.victim_lost = campaign_area_lost(&v.area);
    uint8_t back[4096];
    if (cdn_blk_rw(v.area.disk, REQ_OP_READ, 8192, sizeof back, back) != 0 ||
        memcmp(back, secret, sizeof back) != 0)
        h.victim_lost++;
    h.victim_restarts =
        (long)(nb.stats.restarts + dm.stats.restarts + nb.stats.failures + dm.stats.failures);
    h.attacker_restarts = (long)(bad.stats.restarts + blkbad.stats.restarts);
    report(out, o, &h);
    campaign_area_free(&v.area);
    cdn_driver_unload(&bad);
    cdn_async_destroy(rt);
    cdn_driver_unload(&blkbad);
    cdn_driver_unload(&dm);
    cdn_driver_unload(&nb);
    cdn_kernel_exit();
    return h.breaches || h.incomplete || h.victim_failed_ios || h.victim_mismatches ||
                   h.victim_lost || h.victim_restarts || h.victim_tx_wrong
               ? 1
               : 0;
}
