/*
 * faults.c - `cordon-bench faults`: the fault-injection campaign. Runs the
 * network workload (bench/faults_net.c) and the block workload
 * (bench/faults_blk.c), each with its own isolated driver under traffic and
 * the supervisor's default policy (restart, strict), and reports them
 * together: the host must survive every fault, every restartable fault must
 * be recovered, no acknowledged write may be lost and no read may return
 * wrong data, and nothing may leak.
 *
 *   cordon-bench faults [--faults N] [--seed S] [--workload net|blk|both] [--json]
 *
 * With both workloads, N faults are split evenly between them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, long n, double p)
{
    if (n <= 0)
        return 0;
    long i = (long)((double)n * p);
    return v[i < n ? i : n - 1];
}

static void print_json_kinds(const struct campaign *c)
{
    printf("{");
    for (int i = 0; i < c->nkinds; i++)
        printf("%s\"%s\":%ld", i ? "," : "", c->kind_name[i], c->per_kind[i]);
    printf("}");
}

int bench_faults(const struct bench_opts *o, int nfaults, uint64_t seed, const char *workload)
{
    int do_net = !strcmp(workload, "net") || !strcmp(workload, "both");
    int do_blk = !strcmp(workload, "blk") || !strcmp(workload, "both");
    if (!do_net && !do_blk) {
        fprintf(stderr, "cordon-bench: --workload takes net, blk or both\n");
        return 2;
    }
    struct campaign cs[2];
    int n = 0;
    int each = do_net && do_blk ? (nfaults + 1) / 2 : nfaults;
    if (do_net) {
        if (campaign_net(o, each, seed, &cs[n]) != 0)
            return 1;
        n++;
    }
    if (do_blk) {
        if (campaign_blk(o, do_net ? nfaults - each : nfaults, seed + 1, &cs[n]) != 0)
            return 1;
        n++;
    }
    struct campaign t = {.workload = "all"};
    long nrec = 0;
    for (int i = 0; i < n; i++)
        nrec += cs[i].restarts;
    double *rec = calloc((size_t)nrec + 1, sizeof *rec);
    double ratio = 0;
    nrec = 0;
    for (int i = 0; i < n; i++) {
        t.injected += cs[i].injected;
        t.recovered += cs[i].recovered;
        t.not_recovered += cs[i].not_recovered;
        t.restarts += cs[i].restarts;
        t.acknowledged_lost += cs[i].acknowledged_lost;
        t.data_mismatches += cs[i].data_mismatches;
        t.leaked += cs[i].leaked;
        t.heap_left += cs[i].heap_left;
        ratio += cs[i].throughput_ratio / n;
        memcpy(rec + nrec, cs[i].rec_ms, sizeof *rec * (size_t)cs[i].restarts);
        nrec += cs[i].restarts;
        qsort(cs[i].rec_ms, (size_t)cs[i].restarts, sizeof(double), cmp_d);
    }
    qsort(rec, (size_t)nrec, sizeof *rec, cmp_d);
    if (o->json) {
        printf("{\"faults_injected\":%ld,\"host_crashes\":0,\"recovered\":%ld,"
               "\"not_recovered\":%ld,\"restarts\":%ld,\"acknowledged_lost\":%ld,"
               "\"data_mismatches\":%ld,\"recovery_ms_p50\":%.3f,\"recovery_ms_p99\":%.3f,"
               "\"throughput_ratio_during_campaign\":%.3f,\"skbs_leaked\":%ld,"
               "\"heap_objects_left\":%u,\"seed\":%llu,\"workloads\":{",
               t.injected, t.recovered, t.not_recovered, t.restarts, t.acknowledged_lost,
               t.data_mismatches, pct(rec, nrec, 0.5), pct(rec, nrec, 0.99), ratio, t.leaked,
               t.heap_left, (unsigned long long)seed);
        for (int i = 0; i < n; i++) {
            const struct campaign *c = &cs[i];
            printf("%s\"%s\":{\"faults_injected\":%ld,\"recovered\":%ld,\"not_recovered\":%ld,"
                   "\"restarts\":%ld,\"acknowledged_lost\":%ld,\"data_mismatches\":%ld,"
                   "\"recovery_ms_p50\":%.3f,\"recovery_ms_p99\":%.3f,"
                   "\"throughput_ratio_during_campaign\":%.3f,\"kinds\":",
                   i ? "," : "", c->workload, c->injected, c->recovered, c->not_recovered,
                   c->restarts, c->acknowledged_lost, c->data_mismatches,
                   pct(c->rec_ms, c->restarts, 0.5), pct(c->rec_ms, c->restarts, 0.99),
                   c->throughput_ratio);
            print_json_kinds(c);
            printf("}");
        }
        printf("}}\n");
    } else {
        for (int i = 0; i < n; i++) {
            const struct campaign *c = &cs[i];
            printf("%s: %ld faults (", c->workload, c->injected);
            for (int k = 0; k < c->nkinds; k++)
                printf("%s%s %ld", k ? ", " : "", c->kind_name[k], c->per_kind[k]);
            printf(")\n  recovered %ld, not recovered %ld, restarts %ld, recovery ms p50 %.2f "
                   "p99 %.2f, throughput during / clean %.3f\n",
                   c->recovered, c->not_recovered, c->restarts, pct(c->rec_ms, c->restarts, 0.5),
                   pct(c->rec_ms, c->restarts, 0.99), c->throughput_ratio);
        }
        printf("host crashes 0 (this process survived them all)\n"
               "recovered %ld of %ld, restarts %ld, recovery ms p50 %.2f, p99 %.2f\n"
               "acknowledged writes lost %ld, reads with wrong data %ld\n"
               "skbs leaked %ld, shared-heap objects left %u\n",
               t.recovered, t.injected, t.restarts, pct(rec, nrec, 0.5), pct(rec, nrec, 0.99),
               t.acknowledged_lost, t.data_mismatches, t.leaked, t.heap_left);
    }
    for (int i = 0; i < n; i++)
        free(cs[i].rec_ms);
    free(rec);
    return t.not_recovered || t.leaked || t.heap_left || t.acknowledged_lost || t.data_mismatches
               ? 1
               : 0;
}
