/*
 * net_recovery_test.c - in the guest: the isolated dummy's net device
 * outlives its driver. The driver's domain is killed (SIGKILL, SIGSEGV),
 * hung (SIGSTOP), or dies with its channel left open; the device stays
 * registered with the same index and name, what the stack sends meanwhile
 * waits in its queue, a new domain (a warm spare) takes the device over,
 * and traffic resumes counted exactly. Then the campaigns: crashes of the
 * device's own driver, and a hostile driver (tests/modules/net_ring_bad.c:
 * the packet's length picks its misdeed) beside a victim that must keep
 * its traffic. run.sh fails the suite on any kernel warning.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "check.h"
#include "net_util.h"

#define DUMMY "/lib/cordon/dummy.so"
#define BAD   "/lib/cordon/net_ring_bad.so"

/* ---- a domain, and its supervision ---- */

struct dom {
    int fd;
    pid_t pid;
    char name[IFNAMSIZ]; /* its device */
    char why[128];       /* what went wrong last */
    const char *module;
};

static int net_stats(const struct dom *d, struct cordon_net_stats *s)
{
    memset(s, 0, sizeof *s);
    return service(d->fd, CORDON_NET_STATS, NULL, 0, s, sizeof *s);
}

/* Posts what is queued and waits for its completions (bounded). */
static int net_sync(const struct dom *d, struct cordon_net_stats *s)
{
    memset(s, 0, sizeof *s);
    return service(d->fd, CORDON_NET_SYNC, NULL, 0, s, sizeof *s);
}

static int dom_launch(struct dom *d, const char *module)
{
    d->module = module;
    d->pid = -1;
    d->fd = open(CORDON_DEVICE, O_RDWR | O_CLOEXEC);
    struct cordon_create a = {.ring_slots = 64,
                              .ext_slot_size = 4096,
                              .service = CORDON_SERVICE_DUMMY,
                              .heap_size = 1 << 20};
    if (d->fd < 0 || ioctl(d->fd, CORDON_IOC_CREATE, &a) != 0) {
        snprintf(d->why, sizeof d->why, "channel: %s", strerror(errno));
        return -1;
    }
    d->pid = fork();
    if (d->pid == 0) {
        if (dup2(d->fd, 3) != 3 || fcntl(3, F_SETFD, 0) != 0)
            _exit(127);
        execl("/lib/cordon/cordon-domain", "cordon-domain", "--kernel", "--fd", "3", "--slots",
              "64", "--ext", "4096", "--heap-size", "1048576", "--policy", "adaptive",
              "--peer-policy", "adaptive", "--module", module, "--keep-stderr", (char *)NULL);
        _exit(127);
    }
    return d->pid > 0 ? 0 : -1;
}

/* The driver's init; claim: "" for a new device, or the orphan to take over. */
static int dom_init(struct dom *d, const char *claim, struct cordon_net_init *out)
{
    memset(out, 0, sizeof *out);
    out->status = -1;
    if (service(d->fd, CORDON_NET_INIT, claim, (uint32_t)strlen(claim), out, sizeof *out) != 0 ||
        out->status != 0) {
        snprintf(d->why, sizeof d->why, "init: %s, status %d", strerror(errno), out->status);
        return -1;
    }
    memcpy(d->name, out->name, sizeof d->name);
    d->name[sizeof d->name - 1] = 0;
    return 0;
}

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
    struct cordon_net_stats s;
    return net_stats(d, &s) == 0 && !s.attached;
}

/* Warm spares, one a module: launched ahead, waiting for their init. */
static struct dom spares[2] = {{.fd = -1, .pid = -1}, {.fd = -1, .pid = -1}};

static struct dom *spare_of(const char *module)
{
    return &spares[strcmp(module, DUMMY) == 0 ? 0 : 1];
}

static void spare_ready(const char *module)
{
    struct dom *s = spare_of(module);
    if (s->fd < 0 && dom_launch(s, module) != 0)
        dom_end(s);
}

/* A new domain takes d's device over: the time from the decision to its
 * init having returned with the device (ms), or -1. */
static double dom_restart(struct dom *d)
{
    char name[IFNAMSIZ];
    memcpy(name, d->name, sizeof name);
    double t0 = now_ms();
    dom_end(d);
    struct dom *s = spare_of(d->module);
    struct cordon_net_init in;
    int r;
    if (s->fd >= 0) {
        *d = *s;
        s->fd = s->pid = -1;
        r = dom_init(d, name, &in);
    } else {
        r = dom_launch(d, d->module) == 0 ? dom_init(d, name, &in) : -1;
    }
    double took = now_ms() - t0;
    if (r != 0 || !in.reattached || strcmp(in.name, name) != 0) {
        static int told;
        fprintf(stderr, "cordon-guest: restart of %s failed: %s\n", name, d->why);
        if (!told++) /* what the kernel said about it */
            system("dmesg | grep -E 'cordon|dummy' | tail -n 20");
        memcpy(d->name, name, sizeof name);
        return -1;
    }
    spare_ready(d->module);
    return took;
}

static int dom_start(struct dom *d, const char *module)
{
    struct cordon_net_init in;
    if (dom_launch(d, module) != 0 || dom_init(d, "", &in) != 0)
        return -1;
    char path[96];
    snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", d->name);
    write_str(path, "1"); /* no router solicitations: every packet is the test's */
    return set_up(d->name, 1);
}

/* n frames on d's device, counted exactly by its driver. */
static int counted_exactly(struct dom *d, long n, size_t len)
{
    struct cordon_net_stats s;
    net_sync(d, &s);
    long before = net_counter(d->name, "tx_packets");
    long sent = send_frames_len(d->name, n, len);
    net_sync(d, &s);
    long after = net_counter(d->name, "tx_packets");
    if (sent == n && after - before == n)
        return 1;
    snprintf(d->why, sizeof d->why, "sent %ld of %ld, counted %ld", sent, n, after - before);
    return 0;
}

static double pct(double *v, int n, int p)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n ? v[(n * p) / 100 < n ? (n * p) / 100 : n - 1] : 0;
}

/* ---- single faults ---- */

static void test_kill(struct dom *d)
{
    unsigned idx = if_nametoindex(d->name);
    send_frames_len(d->name, 500, 128);
    kill(d->pid, SIGKILL); /* packets in flight */
    double ms = dom_restart(d);
    CHECK("net_device_survives_its_driver", ms >= 0 && if_nametoindex(d->name) == idx,
          "restart %.1f ms, index %u then %u (%s)", ms, idx, if_nametoindex(d->name), d->why);
    CHECK("net_traffic_resumes", counted_exactly(d, 200, 128), "%s", d->why);
}

/* What the stack sends while no driver serves the device waits for the
 * next one, and is counted by it. */
static void test_queued_during_outage(struct dom *d)
{
    kill(d->pid, SIGKILL);
    waitpid(d->pid, NULL, 0);
    d->pid = -1;
    close(d->fd); /* orphaned */
    d->fd = -1;
    long before = net_counter(d->name, "tx_packets");
    long sent = send_frames_len(d->name, 300, 128);
    double ms = dom_restart(d);
    struct cordon_net_stats s;
    net_sync(d, &s);
    long after = net_counter(d->name, "tx_packets");
    CHECK("net_outage_traffic_sent_after_restart", ms >= 0 && sent == 300 && after - before == 300,
          "sent %ld, the new driver counted %ld (restart %.1f ms)", sent, after - before, ms);
}

/* Dead with its channel open and nothing in flight: seen by its process. */
static void test_dead_channel_open(struct dom *d)
{
    kill(d->pid, SIGKILL);
    double t0 = now_ms(), seen = -1;
    struct cordon_net_stats s;
    while (now_ms() - t0 < 2000 && seen < 0) {
        if (net_stats(d, &s) == 0 && !s.attached)
            seen = now_ms() - t0;
        else
            usleep(5000);
    }
    double ms = dom_restart(d);
    CHECK("net_dead_domain_seen_with_its_channel_open",
          seen >= 0 && strstr(s.fence_reason, "process is gone") && ms >= 0,
          "seen after %.0f ms (%s), restart %.1f ms", seen, s.fence_reason, ms);
}

/* A hung driver holding packets: given up at the deadline. */
static void test_hang(struct dom *d)
{
    kill(d->pid, SIGSTOP);
    send_frames_len(d->name, 20, 128);
    double t0 = now_ms(), gave_up = -1;
    struct cordon_net_stats s;
    while (now_ms() - t0 < 8000 && gave_up < 0) {
        if (net_stats(d, &s) == 0 && !s.attached)
            gave_up = now_ms() - t0;
        else
            usleep(10000);
    }
    double ms = dom_restart(d);
    printf("cordon-guest: a hung net driver given up after %.0f ms (%s), restarted in %.1f ms\n",
           gave_up, s.fence_reason, ms);
    CHECK("net_hung_domain_given_up",
          gave_up >= 0 && gave_up < 6000 && strstr(s.fence_reason, "deadline") && ms >= 0 &&
              counted_exactly(d, 100, 128),
          "given up after %.0f ms (%s), restart %.1f ms: %s", gave_up, s.fence_reason, ms, d->why);
}

/* The carrier the device was given survives its driver. */
static void test_carrier(struct dom *d)
{
    char path[96];
    snprintf(path, sizeof path, "/sys/class/net/%s/carrier", d->name);
    int off = write_str(path, "0") == 0 && read_num(path) == 0;
    kill(d->pid, SIGKILL);
    double ms = dom_restart(d);
    int kept = read_num(path) == 0;
    int on = write_str(path, "1") == 0 && read_num(path) == 1;
    CHECK("net_carrier_kept_across_restart", off && kept && on && ms >= 0,
          "off %d, kept %d, back on %d", off, kept, on);
}

/* Renamed by its user, the device is still the one its supervisor
 * names by the name it was registered under. */
static int rename_dev(const char *from, const char *to)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", from);
    snprintf(ifr.ifr_newname, sizeof ifr.ifr_newname, "%s", to);
    int r = set_up(from, 0) == 0 && ioctl(s, SIOCSIFNAME, &ifr) == 0 && set_up(to, 1) == 0 ? 0 : -1;
    close(s);
    return r;
}

static void test_renamed(struct dom *d)
{
    const char *other = "cdnren0";
    unsigned idx = if_nametoindex(d->name);
    int renamed = rename_dev(d->name, other) == 0;
    kill(d->pid, SIGKILL);
    dom_end(d);
    struct dom *s = spare_of(d->module);
    struct cordon_net_init in = {.status = -1};
    char registered[IFNAMSIZ];
    memcpy(registered, d->name, sizeof registered);
    int r = -1;
    if (s->fd >= 0) {
        *d = *s;
        s->fd = s->pid = -1;
        r = dom_init(d, registered, &in); /* by the name it was registered under */
    }
    int same =
        r == 0 && in.reattached && strcmp(in.name, other) == 0 && if_nametoindex(other) == idx;
    int back = rename_dev(other, registered) == 0;
    memcpy(d->name, registered, sizeof registered);
    spare_ready(d->module);
    CHECK("net_renamed_device_taken_over_by_its_first_name",
          renamed && same && back && counted_exactly(d, 50, 128),
          "renamed %d, taken over %d (init %d, reattached %u, now '%s'), renamed back %d: %s",
          renamed, same, r, in.reattached, in.name, back, d->why);
}

/* ---- campaigns ---- */

static void crash_campaign(struct dom *d, long faults)
{
    static double ms[4096];
    int n = 0;
    long unrecovered = 0, sent = 0, wrong_index = 0;
    unsigned idx = if_nametoindex(d->name);
    long start = net_counter(d->name, "tx_packets");
    long dropped_start = net_counter(d->name, "tx_dropped");
    double t0 = now_ms();
    for (long i = 0; i < faults; i++) {
        sent += send_frames_len(d->name, 100, 128);
        kill(d->pid, i % 2 ? SIGSEGV : SIGKILL);
        double t = dom_restart(d);
        if (t >= 0 && n < 4096)
            ms[n++] = t;
        int ok = t >= 0 && counted_exactly(d, 20, 128);
        sent += 20;
        if (!ok) {
            unrecovered++;
            fprintf(stderr, "cordon-guest: fault %ld: %s\n", i, d->why);
            if (dom_failed(d))
                dom_restart(d);
        }
        wrong_index += if_nametoindex(d->name) != idx;
    }
    long counted = net_counter(d->name, "tx_packets") - start;
    long dropped = net_counter(d->name, "tx_dropped") - dropped_start;
    printf("cordon-guest: net crash campaign: %ld faults in %.0f s (%ld not recovered), restart "
           "p50 %.1f ms p99 %.1f ms; %ld frames sent, %ld counted by the drivers, %ld not (in "
           "flight to a killed driver; tx_dropped grew by %ld)\n",
           faults, (now_ms() - t0) / 1e3, unrecovered, pct(ms, n, 50), pct(ms, n, 99), sent,
           counted, sent - counted, dropped);
    CHECK("net_crash_campaign_recovered", unrecovered == 0 && wrong_index == 0 && counted <= sent,
          "%ld not recovered, %ld with another index, %ld counted of %ld sent", unrecovered,
          wrong_index, counted, sent);
}

/* A hostile driver's misdeeds, one a round (net_ring_bad.c: the length
 * picks it, 61-71), beside a victim whose every round must be exact. */
static void hostile_campaign(struct dom *victim, long attacks)
{
    struct dom a;
    if (dom_start(&a, BAD) != 0) {
        CHECK("net_hostile_driver_up", 0, "%s", a.why);
        return;
    }
    spare_ready(BAD);
    static double vms[4096];
    int nv = 0;
    double t0 = now_ms();
    long restarts = 0, victim_bad = 0, unrecovered = 0, rewritten = 0;
    char mtu_path[64], flags_path[64];
    snprintf(mtu_path, sizeof mtu_path, "/sys/class/net/%s/mtu", a.name);
    snprintf(flags_path, sizeof flags_path, "/sys/class/net/%s/flags", a.name);
    long mtu = read_num(mtu_path);
    unsigned long long errors = 0, fences = 0;
    for (long i = 0; i < attacks; i++) {
        size_t len = (size_t)(61 + i % 11);
        send_frames_len(a.name, 1, len);
        send_frames_len(a.name, 5, 128);
        struct cordon_net_stats s;
        net_sync(&a, &s); /* bounded: the drain gives up when the domain is given up */
        if (len == 71) {  /* its model rewritten: the real device unchanged */
            struct cordon_net_stats st;
            net_sync(&a, &st); /* (a counter read carries the model back) */
            char fl[32] = "";
            int f = open(flags_path, O_RDONLY);
            if (f >= 0) {
                ssize_t got = read(f, fl, sizeof fl - 1);
                fl[got > 0 ? got : 0] = 0;
                close(f);
            }
            long flags = strtol(fl, NULL, 16);
            rewritten += read_num(mtu_path) != mtu || !(flags & IFF_UP);
        }
        double v0 = now_ms();
        int ok = counted_exactly(victim, 50, 128);
        if (nv < 4096)
            vms[nv++] = now_ms() - v0;
        if (!ok) {
            victim_bad++;
            fprintf(stderr, "cordon-guest: attack %ld (%zu): victim %s\n", i, len, victim->why);
        }
        /* the attacker's fate: a misdeed the host refuses, or one it gives
         * the driver up for (a crash, a hang, a kept packet) */
        if (len == 69) /* it let its own device go (the host kept the real one):
                        * from here it drops everything, so it is replaced */
            kill(a.pid, SIGKILL);
        if (len == 68 || len == 70 || len == 65 || len == 69) {
            double w0 = now_ms();
            while (now_ms() - w0 < 8000 && !dom_failed(&a))
                usleep(5000);
        }
        if (dom_failed(&a)) {
            struct cordon_net_stats last;
            if (net_stats(&a, &last) == 0) {
                errors += last.protocol_errors;
                fences += last.fences;
            }
            if (dom_restart(&a) < 0) {
                unrecovered++;
                break;
            }
            restarts++;
        }
    }
    struct cordon_net_stats last;
    if (net_stats(&a, &last) == 0)
        errors += last.protocol_errors;
    int up = if_nametoindex(a.name) != 0 && counted_exactly(&a, 10, 128);
    printf("cordon-guest: net hostile campaign: %ld attacks in %.0f s, %ld restarts of the "
           "hostile driver, %llu of its completions refused, %llu given up by the kernel; victim: "
           "%ld rounds wrong, round p50 %.1f ms, longest %.1f ms\n",
           attacks, (now_ms() - t0) / 1e3, restarts, errors, fences, victim_bad, pct(vms, nv, 50),
           pct(vms, nv, 100));
    CHECK("net_hostile_campaign_victim_unharmed", victim_bad == 0 && unrecovered == 0 && up,
          "%ld victim rounds wrong, %ld not recovered, attacker device %s (%s)", victim_bad,
          unrecovered, up ? "serves" : "does not serve", a.why);
    CHECK("net_hostile_model_writes_reach_no_device", rewritten == 0 && mtu > 0,
          "%ld rounds found the real device's MTU (%ld) or flags changed", rewritten, mtu);
    CHECK("net_hostile_victim_round_bounded", pct(vms, nv, 100) < 2000,
          "longest victim round %.1f ms", pct(vms, nv, 100));
    /* an orphan nobody takes is unregistered after its grace */
    dom_end(&a);
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s", a.name);
    struct stat sb;
    int kept = stat(path, &sb) == 0;
    t0 = now_ms();
    while (stat(path, &sb) == 0 && now_ms() - t0 < 13000)
        usleep(50000);
    double gone = now_ms() - t0;
    CHECK("net_orphan_unregistered_after_grace", kept && stat(path, &sb) != 0 && gone > 8000,
          "kept %d, gone after %.0f ms", kept, gone);
}

int main(void)
{
    long faults = cmdline_num("cordon.faults=", 200);
    struct dom d;
    int r = dom_start(&d, DUMMY);
    CHECK("net_recovery_driver_up", r == 0, "%s", d.why);
    if (r != 0)
        return check_summary();
    spare_ready(DUMMY);
    test_kill(&d);
    test_queued_during_outage(&d);
    test_dead_channel_open(&d);
    test_hang(&d);
    test_carrier(&d);
    test_renamed(&d);
    if (faults) {
        crash_campaign(&d, faults);
        hostile_campaign(&d, faults);
    }
    CHECK("net_recovery_exit", service(d.fd, CORDON_NET_EXIT, NULL, 0, NULL, 0) == 0, "%s",
          strerror(errno));
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s", d.name);
    struct stat sb;
    CHECK("net_recovery_device_gone", stat(path, &sb) != 0, "%s still there", path);
    dom_end(&d);
    dom_end(&spares[0]);
    dom_end(&spares[1]);
    return check_summary();
}
