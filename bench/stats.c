/* stats.c - timing and summary statistics for the benchmarks. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cordon/channel.h"
#include "stats.h"

double bench_tsc_per_ns(void)
{
    int64_t t0 = cdn_now_ns();
    uint64_t c0 = bench_tsc();
    while (cdn_now_ns() - t0 < 50000000)
        ;
    int64_t t1 = cdn_now_ns();
    uint64_t c1 = bench_tsc();
    return (double)(c1 - c0) / (double)(t1 - t0);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void bench_summarise(struct bench_result *r, const char *name, uint64_t *ticks, size_t n,
                     double per_op_divisor, double tsc_per_ns)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->samples = n;
    if (n == 0)
        return;
    qsort(ticks, n, sizeof *ticks, cmp_u64);
    double med = (double)ticks[n / 2] / per_op_divisor;
    size_t i99 = (size_t)((double)n * 0.99);
    if (i99 >= n)
        i99 = n - 1;
    double p99 = (double)ticks[i99] / per_op_divisor;
    r->median_cycles = med;
    r->median_ns = med / tsc_per_ns;
    r->p99_ns = p99 / tsc_per_ns;
}

int bench_pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

double bench_steal_ms(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    char line[512];
    double total = 0;
    if (fgets(line, sizeof line, f)) { /* "cpu  user nice system idle iowait irq softirq steal" */
        unsigned long long v[8] = {0};
        if (sscanf(line, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]) == 8) {
            long hz = sysconf(_SC_CLK_TCK);
            total = hz > 0 ? (double)v[7] * 1000.0 / (double)hz : 0;
        }
    }
    fclose(f);
    return total;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double bench_median(double *v, int n)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_paired_ratio(const double *x, const double *base, int n)
{
    double r[128];
    int k = 0;
    for (int i = 0; i < n && k < 128; i++)
        if (base[i] > 0 && x[i] >= 0)
            r[k++] = x[i] / base[i];
    return bench_median(r, k);
}
