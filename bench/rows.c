/*
 * rows.c - one row of `cordon-bench net` or `blk`, measured and printed
 * the same way for both: each round runs each isolated mode in a kernel of
 * its own beside a native instance (two domains spinning on the one domain
 * CPU would share it), the caller's round function interleaving the two in
 * slices; a round's ratio pairs the isolated mode with the native run
 * beside it, and the row shows the medians over rounds.
 */
#include <stdio.h>

#include "rows.h"
#include "cordon_kernel.h"

int bench_load_driver(const struct cdn_driver_desc *desc, enum cdn_drv_mode mode, int cpu,
                      const char *moddir, struct cdn_async *rt, struct cdn_driver *drv)
{
    int r = cdn_driver_load(desc, mode, cpu, moddir, drv);
    if (r != 0) {
        fprintf(stderr, "cordon-bench: cannot load %s (%s): %d %s\n", desc->name,
                cdn_drv_mode_name(mode), r, drv->reason);
        return -1;
    }
    cdn_driver_use_async(drv, rt);
    return 0;
}

int bench_row_measure(const struct bench_opts *o, const char *name, int rounds, int *step,
                      int steps, bench_round_fn fn, void *arg, struct bench_row *row)
{
    *row = (struct bench_row){{{0}}, {{0}}, {{0}}, 0};
    int failed = 0;
    for (int round = 0; round < rounds; round++) {
        char what[80];
        snprintf(what, sizeof what, "%s round %d", name, round + 1);
        bench_progress(++*step, steps, what);
        for (int k = 1; k < 3; k++) {
            int x = round % 2 ? 3 - k : k; /* inproc first, then process first */
            if ((o->mode > 0 && x != o->mode) || (o->mode == 0 && k == 2))
                continue; /* native alone: one run a round */
            int wanted[3] = {1, o->mode != 0 && x == 1, o->mode != 0 && x == 2};
            double rate[3] = {0, 0, 0}, ticks[3] = {0, 0, 0};
            double st0 = bench_steal_ms();
            failed |= fn(wanted, arg, rate, ticks) != 0;
            row->steal_ms += bench_steal_ms() - st0;
            row->rate[x][round] = rate[x];
            row->ticks[x][round] = ticks[x];
            row->native_beside[x][round] = rate[0];
            row->rate[0][round] = rate[0];
            row->ticks[0][round] = ticks[0];
        }
    }
    return failed;
}

void bench_row_print(const struct bench_opts *o, const char *name, const struct bench_row *row,
                     int rounds, const struct bench_row_format *f, int *first)
{
    static const enum cdn_drv_mode modes[] = {CDN_DRV_NATIVE, CDN_DRV_INPROC, CDN_DRV_PROCESS};
    for (int m = 0; m < 3; m++) {
        if (o->mode >= 0 && m != o->mode)
            continue;
        double rate[100], ticks[100];
        for (int r = 0; r < rounds; r++) {
            rate[r] = row->rate[m][r];
            ticks[r] = row->ticks[m][r];
        }
        double med = bench_median(rate, rounds), tmed = bench_median(ticks, rounds);
        double ratio = m == 0 ? 1 : bench_paired_ratio(row->rate[m], row->native_beside[m], rounds);
        if (o->json)
            printf("%s{\"name\":\"%s\",\"mode\":\"%s\",\"ops_per_s\":%.0f,\"ticks_per_op\":%.1f,"
                   "\"ratio_to_native\":%.3f,\"steal_ms\":%.0f}",
                   *first ? "" : ",", name, cdn_drv_mode_name(modes[m]), med, tmed, ratio,
                   row->steal_ms);
        else
            printf("%-*s %-8s %12.*f %12.0f %9.1f%% %9.0f\n", f->name_width, name,
                   cdn_drv_mode_name(modes[m]), f->precision, med / f->unit, tmed, ratio * 100,
                   row->steal_ms);
        *first = 0;
    }
}
