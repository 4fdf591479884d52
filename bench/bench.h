/* bench.h - the cordon-bench subcommands. */
#ifndef CORDON_BENCH_BENCH_H
#define CORDON_BENCH_BENCH_H

#include <stdio.h>

#include "stats.h"

struct bench_opts {
    int json;
    int quick;    /* fewer samples: for smoke tests, not for reporting */
    int host_cpu; /* the host side's CPU; the domain gets the other one */
    int dom_cpu;
    const char *only; /* net/blk: run only the rows whose name contains this */
    int rounds;       /* net/blk: rounds per row (0: the default) */
    int mode;         /* net/blk: only this cdn_drv_mode (-1: all three) */
    int pktgen;       /* net: build packets as Linux's pktgen does (--gen pktgen) */
    long ops;         /* net/blk: packets or I/Os per run (0: the default) */
    unsigned size;    /* net: one row of this packet size (0: 64 and 1500) */
    int batch;        /* net: one row of this burst (0: 1 and 32) */
    int senders;      /* net: fibers sending at once (0: 1) */
    unsigned bs;      /* blk: one row of this block size (0: the three rows) */
    int qd;           /* blk: its queue depth (0: 16) */
    int read_pct;     /* blk: percentage of reads (fio's rwmixread; -1: 50) */
    int area_mib;     /* blk: the generator's working area in MiB (0: 16) */
};

/* Locates a benchmark module (<exe>/../lib/cordon/NAME.so, $CORDON_MODULE_DIR,
 * or the install prefix). Returns a static buffer. */
const char *bench_module_path(const char *name);

/* Prints a progress line on stderr ("[i/n] name"). */
void bench_progress(int i, int n, const char *what);

/* Prints results as a table, or as the JSON object of the bench. */
void bench_print(FILE *out, const char *bench, const struct bench_result *r, size_t n,
                 double tsc_per_ns, const struct bench_opts *o, const char *targets_json,
                 const char *targets_text);

int bench_ipc(const struct bench_opts *o);

/* Appends the async/capability/heap rows to r; returns how many (negative if
 * any failed). BENCH_ASYNC_ROWS bounds it. */
#define BENCH_ASYNC_ROWS 13
#define BENCH_IDL_ROWS   4
/* *paired_glue: median over iterations of (int call - null call), ticks. */
int bench_idl_rows(const struct bench_opts *o, struct bench_result *r, double tpn,
                   uint64_t *scratch, size_t cap, double *paired_glue);
int bench_idlc(const struct bench_opts *o);
int bench_net(const struct bench_opts *o);
/* The transmit ring's host bookkeeping alone, one thread (ring_floor.c). */
int bench_ringfloor(const struct bench_opts *o);
int bench_blk(const struct bench_opts *o);
/* The fault campaign; workload is "net", "blk" or "both". */
int bench_faults(const struct bench_opts *o, int nfaults, uint64_t seed, const char *workload);
int bench_async_rows(const struct bench_opts *o, struct bench_result *r, double tpn,
                     uint64_t *scratch, size_t cap);

#endif
