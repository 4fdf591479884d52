/* rows.h - the rows of `cordon-bench net` and `blk` (rows.c): their rounds,
 * the drivers a round loads, and how a row is printed. */
#ifndef CORDON_BENCH_ROWS_H
#define CORDON_BENCH_ROWS_H

#include "bench.h"
#include "cordon/async.h"
#include "cordon_kernel.h"

/*
 * A row of `net` or `blk` (rows.c). The round function loads native and
 * the wanted isolated mode (wanted[0..2]: native, inproc, process) in one
 * kernel, runs them interleaved, and gives each its rate (ops per second)
 * and TSC ticks per op; nonzero if the round failed.
 */
typedef int (*bench_round_fn)(const int wanted[3], void *arg, double rate[3], double ticks[3]);
struct bench_row {
    double rate[3][100], ticks[3][100];
    double native_beside[3][100]; /* native's rate in the kernel of mode m's round */
    double steal_ms;
};
struct bench_row_format {
    int name_width; /* the name column */
    double unit;    /* ops per second per unit shown (1e6: Mpps) */
    int precision;  /* digits after the point */
};
/* Loads desc in mode (domain on cpu) and attaches it to rt for a round;
 * -1, reported on stderr, if it does not load. */
int bench_load_driver(const struct cdn_driver_desc *desc, enum cdn_drv_mode mode, int cpu,
                      const char *moddir, struct cdn_async *rt, struct cdn_driver *drv);
/* Runs `rounds` rounds (progress lines step/steps); nonzero if any failed. */
int bench_row_measure(const struct bench_opts *o, const char *name, int rounds, int *step,
                      int steps, bench_round_fn fn, void *arg, struct bench_row *row);
/* Prints the row's modes (those o->mode asks for) as table lines or JSON
 * results (*first: no comma before the first). */
void bench_row_print(const struct bench_opts *o, const char *name, const struct bench_row *row,
                     int rounds, const struct bench_row_format *f, int *first);

#endif
