/* stats.h - timing and summary statistics for the benchmarks. */
#ifndef CORDON_BENCH_STATS_H
#define CORDON_BENCH_STATS_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t bench_tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi)::"memory");
    return ((uint64_t)hi << 32) | lo;
}

/* TSC ticks per nanosecond, measured against CLOCK_MONOTONIC over ~50 ms. */
double bench_tsc_per_ns(void);

struct bench_result {
    char name[48];
    double median_ns, p99_ns, median_cycles;
    size_t samples;
    const char *note;
};

/* Summarises samples (TSC ticks per operation; sorted in place). */
void bench_summarise(struct bench_result *r, const char *name, uint64_t *ticks, size_t n,
                     double per_op_divisor, double tsc_per_ns);

/* The median of v[0..n) (sorts v in place); 0 if n == 0. */
double bench_median(double *v, int n);

/* The median over rounds of x[i] / base[i], rounds with base[i] <= 0 left
 * out. On a VM whose speed drifts over seconds, the ratio of two runs made
 * one after the other is steadier than the ratio of two medians taken over
 * different moments. */
double bench_paired_ratio(const double *x, const double *base, int n);

/* The order in which round `round` runs `n` modes: forwards on even
 * rounds, backwards on odd ones, so a drift in the machine's speed during
 * a round does not always favour the mode that runs first. */
static inline int bench_mode_order(int round, int i, int n)
{
    return round % 2 ? n - 1 - i : i;
}

/* Pins the calling thread to one CPU; returns 0 or -1. */
int bench_pin(int cpu);

/* Time the hypervisor has taken from the machine's CPUs so far (the
 * "steal" column of /proc/stat, summed), in milliseconds; 0 if unknown.
 * On a shared VM it explains outliers: a domain whose CPU is stolen for
 * milliseconds stalls its host. */
double bench_steal_ms(void);

#endif
