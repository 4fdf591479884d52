/*
 * cordon-bench - measures cordon against its baselines, side by side in one
 * run. See docs/benchmarks.md for what each number means.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cordon/domain.h"

#ifndef CDN_INSTALL_LIBDIR
#define CDN_INSTALL_LIBDIR "/usr/local/lib"
#endif

static void usage(FILE *f)
{
    fprintf(f, "usage: cordon-bench ipc|idlc [--json] [--quick]\n"
               "       cordon-bench net|blk [--json] [--quick] [--only S] [--rounds N] [--mode M]\n"
               "                            [--ops N]\n"
               "       cordon-bench net [--gen touch|pktgen] [--size BYTES] [--batch N]\n"
               "                        [--senders N] ...\n"
               "       cordon-bench blk [--bs BYTES] [--qd N] [--rwmix-read PCT] [--area MIB] ...\n"
               "       cordon-bench ringfloor [--json] [--rounds N] [--ops N]\n"
               "       cordon-bench faults [--faults N] [--seed S]\n"
               "                           [--workload net|blk|both|hostile] [--json]\n"
               "\n"
               "  ipc      null-call round trips: direct call, raw cache-line ping-pong,\n"
               "           inproc channel, process domain (spin, adaptive, batched),\n"
               "           pipe and socketpair RPC; async runtime, handles, heap; calls\n"
               "           through IDL-generated glue\n"
               "  idlc     cordon-idlc on a generated IDL of more than 2,500 lines\n"
               "  net      pktgen-like transmit through the dummy driver: native, inproc,\n"
               "           process; 64 B and 1500 B; 1 and 32 packets in flight\n"
               "  blk      fio-like I/O through null_blk (memory backed, every read\n"
               "           verified): native, inproc, process; 4K QD1/QD16, 512B QD16\n"
               "  ringfloor  the transmit ring's host bookkeeping alone (one thread, no\n"
               "           domain): the ceiling of an isolated transmit kept that way;\n"
               "           and a minimal cross-CPU ring of bare descriptors: what the\n"
               "           second CPU itself costs\n"
               "  faults   fault-injection campaign against isolated drivers under load:\n"
               "           net (a misbehaving driver under traffic) and blk (null_blk\n"
               "           with a fault shim, every read verified, signals mid-I/O);\n"
               "           crashes, hangs, aborts, wild writes, bad values, forged\n"
               "           handles, undeclared rpcs, oversized messages, slow replies;\n"
               "           exit status 1 if a fault was not recovered, an acknowledged\n"
               "           write was lost, a read returned wrong data, or anything leaked;\n"
               "           --workload hostile: N attacks by hostile drivers (heap snoop and\n"
               "           wipe, pool hog, request flood, name squat, memory grabs, crash,\n"
               "           hang, forged handles, keepalive) beside innocent null_blk and\n"
               "           dummy under verified load; exit status 1 on any breach or\n"
               "           victim failure\n"
               "\n"
               "  --json   one JSON object on stdout instead of a table\n"
               "  --quick  fewer samples (a smoke test; do not report these numbers)\n"
               "  --only S net, blk: only the rows whose name contains S\n"
               "  --rounds N  net, blk: N rounds per row (default 3; the median is shown)\n"
               "  --ops N  net, blk: packets or I/Os per run (default 200000 and 64000)\n"
               "  --size BYTES, --batch N  net: one row of this packet size (1..65535) and\n"
               "           burst (packets per crossing, 1..1024) instead of the four rows\n"
               "  --senders N  net: N fibers send at once, each its own bursts (1..64)\n"
               "  --bs BYTES, --qd N  blk: one row of this block size (512..65536, whole\n"
               "           sectors) and queue depth (1..64) instead of the three rows\n"
               "  --rwmix-read PCT  blk: percentage of reads (0..100, default 50)\n"
               "  --area MIB  blk: the part of the disk the I/Os go to (1..48, default\n"
               "           16; fio's size): small enough to stay in the caches, the\n"
               "           isolated modes pay more (docs/benchmarks.md)\n"
               "  --gen G  net: how the sender makes a packet: touch (default: writes one\n"
               "           byte) or pktgen (Ethernet/IPv4/UDP headers, checksum,\n"
               "           timestamp, zeroed payload, as Linux's pktgen)\n"
               "  --mode M net, blk: run only mode M (native, inproc, process): for\n"
               "           profiling; ratios to native need the native rows\n"
               "  --help   this text\n"
               "\n"
               "Progress goes to stderr. Exit status: 0 ok, 1 a benchmark failed, 2 usage.\n");
}

const char *bench_module_path(const char *name)
{
    static char path[PATH_MAX];
    const char *dir = getenv("CORDON_MODULE_DIR");
    if (dir && *dir) {
        snprintf(path, sizeof path, "%s/%s.so", dir, name);
        return path;
    }
    char exe[PATH_MAX];
    if (cdn_self_dir(exe, sizeof exe) == CDN_OK) {
        snprintf(path, sizeof path, "%s/../lib/cordon/%s.so", exe, name);
        if (access(path, R_OK) == 0)
            return path;
    }
    snprintf(path, sizeof path, "%s/cordon/%s.so", CDN_INSTALL_LIBDIR, name);
    return path;
}

void bench_progress(int i, int n, const char *what)
{
    fprintf(stderr, "[%d/%d] %s\n", i, n, what);
}

void bench_print(FILE *out, const char *bench, const struct bench_result *r, size_t n,
                 double tsc_per_ns, const struct bench_opts *o, const char *targets_json,
                 const char *targets_text)
{
    if (o->json) {
        fprintf(out, "{\"bench\":\"%s\",\"tsc_ghz\":%.4f,\"host_cpu\":%d,\"domain_cpu\":%d,", bench,
                tsc_per_ns, o->host_cpu, o->dom_cpu);
        fprintf(out, "\"quick\":%s,\"results\":[", o->quick ? "true" : "false");
        for (size_t i = 0; i < n; i++)
            fprintf(out,
                    "%s{\"name\":\"%s\",\"median_ns\":%.2f,\"p99_ns\":%.2f,\"median_cycles\":%.1f,"
                    "\"samples\":%zu}",
                    i ? "," : "", r[i].name, r[i].median_ns, r[i].p99_ns, r[i].median_cycles,
                    r[i].samples);
        fprintf(out, "],\"targets\":%s}\n", targets_json);
        return;
    }
    fprintf(out, "%-24s %12s %12s %14s %10s\n", "name", "median ns", "p99 ns", "median cycles",
            "samples");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%-24s %12.1f %12.1f %14.0f %10zu%s%s\n", r[i].name, r[i].median_ns,
                r[i].p99_ns, r[i].median_cycles, r[i].samples, r[i].note ? "  " : "",
                r[i].note ? r[i].note : "");
    fprintf(out, "(cycles are TSC ticks at %.3f GHz; batch rows are per call)\n%s", tsc_per_ns,
            targets_text);
}

/* Parses a whole number in [lo, hi] for option `name`; 0, or -1 after
 * saying what was wrong. */
static int int_arg(const char *name, const char *text, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (!*text || *end || v < lo || v > hi) {
        fprintf(stderr, "cordon-bench: %s takes a number from %ld to %ld, not '%s'\n", name, lo, hi,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    struct bench_opts o = {
        .json = 0, .quick = 0, .host_cpu = 0, .dom_cpu = 1, .mode = -1, .read_pct = -1};
    long v;
    const char *cmd = NULL;
    int nfaults = 500;
    unsigned long long seed = 1;
    const char *workload = "both";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            o.json = 1;
        else if (strcmp(argv[i], "--faults") == 0 && i + 1 < argc) {
            if (int_arg("--faults", argv[++i], 1, 10000000, &v) != 0)
                return 2;
            nfaults = (int)v;
        } else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc)
            workload = argv[++i];
        else if (strcmp(argv[i], "--quick") == 0)
            o.quick = 1;
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            o.only = argv[++i];
        else if (strcmp(argv[i], "--gen") == 0 && i + 1 < argc) {
            const char *g = argv[++i];
            if (strcmp(g, "pktgen") == 0)
                o.pktgen = 1;
            else if (strcmp(g, "touch") != 0) {
                fprintf(stderr, "cordon-bench: --gen takes touch or pktgen\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
            const char *m = argv[++i];
            o.mode = strcmp(m, "native") == 0    ? 0
                     : strcmp(m, "inproc") == 0  ? 1
                     : strcmp(m, "process") == 0 ? 2
                                                 : -2;
            if (o.mode == -2) {
                fprintf(stderr, "cordon-bench: --mode takes native, inproc or process\n");
                return 2;
            }
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            if (int_arg("--size", argv[++i], 1, 65535, &v) != 0)
                return 2;
            o.size = (unsigned)v;
        } else if (strcmp(argv[i], "--batch") == 0 && i + 1 < argc) {
            if (int_arg("--batch", argv[++i], 1, 1024, &v) != 0)
                return 2;
            o.batch = (int)v;
        } else if (strcmp(argv[i], "--senders") == 0 && i + 1 < argc) {
            if (int_arg("--senders", argv[++i], 1, 64, &v) != 0)
                return 2;
            o.senders = (int)v;
        } else if (strcmp(argv[i], "--bs") == 0 && i + 1 < argc) {
            if (int_arg("--bs", argv[++i], 512, 65536, &v) != 0)
                return 2;
            if (v % 512) {
                fprintf(stderr, "cordon-bench: --bs takes whole 512-byte sectors\n");
                return 2;
            }
            o.bs = (unsigned)v;
        } else if (strcmp(argv[i], "--qd") == 0 && i + 1 < argc) {
            if (int_arg("--qd", argv[++i], 1, 64, &v) != 0)
                return 2;
            o.qd = (int)v;
        } else if (strcmp(argv[i], "--rwmix-read") == 0 && i + 1 < argc) {
            if (int_arg("--rwmix-read", argv[++i], 0, 100, &v) != 0)
                return 2;
            o.read_pct = (int)v;
        } else if (strcmp(argv[i], "--area") == 0 && i + 1 < argc) {
            if (int_arg("--area", argv[++i], 1, 48, &v) != 0)
                return 2;
            o.area_mib = (int)v;
        } else if (strcmp(argv[i], "--ops") == 0 && i + 1 < argc) {
            if (int_arg("--ops", argv[++i], 64, 1000000000L, &o.ops) != 0)
                return 2;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            if (int_arg("--rounds", argv[++i], 1, 99, &v) != 0)
                return 2;
            o.rounds = (int)v;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (!cmd && argv[i][0] != '-')
            cmd = argv[i];
        else {
            fprintf(stderr, "cordon-bench: unknown argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!cmd) {
        usage(stderr);
        return 2;
    }
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
        o.dom_cpu = 0;
        fprintf(stderr, "cordon-bench: one CPU only; host and domain share it\n");
    }
    if (strcmp(cmd, "ipc") == 0)
        return bench_ipc(&o);
    if (strcmp(cmd, "idlc") == 0)
        return bench_idlc(&o);
    if (strcmp(cmd, "net") == 0)
        return bench_net(&o);
    if (strcmp(cmd, "blk") == 0)
        return bench_blk(&o);
    if (strcmp(cmd, "ringfloor") == 0)
        return bench_ringfloor(&o);
    if (strcmp(cmd, "faults") == 0)
        return bench_faults(&o, nfaults, seed ? seed : 1, workload);
    fprintf(stderr, "cordon-bench: unknown benchmark '%s'\n", cmd);
    usage(stderr);
    return 2;
}
