/*
 * faults.c - `cordon-bench faults`: the fault-injection campaign. Runs the
 * network workload (bench/faults_net.c) and the block workload
 * (bench/faults_blk.c), each with its own isolated driver under traffic and
 * the supervisor's default policy (restart, strict), and reports them
 * together: the host must survive every fault, every restartable fault must
 * be recovered, no acknowledged write may be lost and no read may return
 * wrong data, and nothing may leak.
 *
 *   cordon-bench faults [--faults N] [--seed S] [--workload net|blk|both|hostile] [--json]
 *
 * With both workloads, N faults are split evenly between them. The hostile
 * workload (bench/hostile.c) runs N attacks of hostile drivers beside
 * innocent ones instead.
 *
 * The campaign runs in a child process (the host under test) and this
 * process only reports: host_crashes is whether that child died, as its
 * parent saw it, not a constant.
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cordon_kernel.h"
#include "faults.h"

int campaign_begin(const struct bench_opts *o, const struct cdn_driver_desc *d,
                   uint64_t memory_limit, struct cdn_driver *drv)
{
    char moddir[PATH_MAX];
    snprintf(moddir, sizeof moddir, "%s", bench_module_path(d->name));
    *strrchr(moddir, '/') = 0;
    bench_pin(o->host_cpu);
    if (cdn_kernel_init(64u << 20) != 0)
        return 1;
    struct cdn_driver_policy pol;
    cdn_driver_policy_init(&pol); /* restart, strict */
    pol.call_timeout_ns = CAMPAIGN_HANG_NS;
    pol.heartbeat_ns = 4 * CAMPAIGN_HANG_NS;
    pol.memory_limit = memory_limit; /* an allocation storm fails inside the domain */
    if (cdn_driver_load_policy(d, CDN_DRV_PROCESS, o->dom_cpu, moddir, &pol, drv) != 0) {
        fprintf(stderr, "cordon-bench: cannot load %s: %s\n", d->name, drv->reason);
        cdn_kernel_exit();
        return 1;
    }
    return 0;
}

void campaign_end(struct campaign *c, struct cdn_driver *drv)
{
    cdn_driver_unload(drv);
    struct cdn_heap_stats hs;
    cdn_kernel_heap_stats(&hs);
    c->heap_left = hs.live_objects;
    cdn_kernel_exit();
}

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

static void print_json_kinds(FILE *out, const struct campaign *c)
{
    fprintf(out, "{");
    for (int i = 0; i < c->nkinds; i++)
        fprintf(out, "%s\"%s\":%ld", i ? "," : "", c->kind_name[i], c->per_kind[i]);
    fprintf(out, "}");
}

static int run_campaign(FILE *out, const struct bench_opts *o, int nfaults, uint64_t seed,
                        const char *workload)
{
    if (!strcmp(workload, "hostile"))
        return campaign_hostile(out, o, nfaults, seed);
    int do_net = !strcmp(workload, "net") || !strcmp(workload, "both");
    int do_blk = !strcmp(workload, "blk") || !strcmp(workload, "both");
    if (!do_net && !do_blk) {
        fprintf(stderr, "cordon-bench: --workload takes net, blk, both or hostile\n");
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
        fprintf(out,
                "{\"faults_injected\":%ld,\"host_crashes\":@HOST_CRASHES@,\"recovered\":%ld,"
                "\"not_recovered\":%ld,\"restarts\":%ld,\"acknowledged_lost\":%ld,"
                "\"data_mismatches\":%ld,\"recovery_ms_p50\":%.3f,\"recovery_ms_p99\":%.3f,"
                "\"throughput_ratio_during_campaign\":%.3f,\"skbs_leaked\":%ld,"
                "\"heap_objects_left\":%u,\"seed\":%llu,\"workloads\":{",
                t.injected, t.recovered, t.not_recovered, t.restarts, t.acknowledged_lost,
                t.data_mismatches, pct(rec, nrec, 0.5), pct(rec, nrec, 0.99), ratio, t.leaked,
                t.heap_left, (unsigned long long)seed);
        for (int i = 0; i < n; i++) {
            const struct campaign *c = &cs[i];
            fprintf(out,
                    "%s\"%s\":{\"faults_injected\":%ld,\"recovered\":%ld,\"not_recovered\":%ld,"
                    "\"restarts\":%ld,\"acknowledged_lost\":%ld,\"data_mismatches\":%ld,"
                    "\"recovery_ms_p50\":%.3f,\"recovery_ms_p99\":%.3f,"
                    "\"throughput_ratio_during_campaign\":%.3f,\"kinds\":",
                    i ? "," : "", c->workload, c->injected, c->recovered, c->not_recovered,
                    c->restarts, c->acknowledged_lost, c->data_mismatches,
                    pct(c->rec_ms, c->restarts, 0.5), pct(c->rec_ms, c->restarts, 0.99),
                    c->throughput_ratio);
            print_json_kinds(out, c);
            fprintf(out, "}");
        }
        fprintf(out, "}}\n");
    } else {
        for (int i = 0; i < n; i++) {
            const struct campaign *c = &cs[i];
            fprintf(out, "%s: %ld faults (", c->workload, c->injected);
            for (int k = 0; k < c->nkinds; k++)
                fprintf(out, "%s%s %ld", k ? ", " : "", c->kind_name[k], c->per_kind[k]);
            fprintf(out,
                    ")\n  recovered %ld, not recovered %ld, restarts %ld, recovery ms p50 %.2f "
                    "p99 %.2f, throughput during / clean %.3f\n",
                    c->recovered, c->not_recovered, c->restarts, pct(c->rec_ms, c->restarts, 0.5),
                    pct(c->rec_ms, c->restarts, 0.99), c->throughput_ratio);
        }
        fprintf(out,
                "host crashes @HOST_CRASHES@ (the host process under test, as its parent saw it)\n"
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

int bench_faults(const struct bench_opts *o, int nfaults, uint64_t seed, const char *workload)
{
    int fd[2];
    if (pipe(fd) != 0)
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        close(fd[0]);
        char *buf = NULL;
        size_t len = 0;
        FILE *mem = open_memstream(&buf, &len);
        int r = mem ? run_campaign(mem, o, nfaults, seed, workload) : 1;
        if (mem)
            fclose(mem);
        for (size_t done = 0; buf && done < len;) {
            ssize_t n = write(fd[1], buf + done, len - done);
            if (n <= 0)
                break;
            done += (size_t)n;
        }
        _exit(r);
    }
    close(fd[1]);
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    for (ssize_t n; text && (n = read(fd[0], text + len, cap - len - 1)) > 0;) {
        len += (size_t)n;
        if (cap - len < 4096) {
            char *t = realloc(text, cap *= 2);
            if (!t)
                break;
            text = t;
        }
    }
    close(fd[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    int crashed = WIFSIGNALED(st);
    if (!text)
        return 1;
    text[len] = 0;
    if (crashed) {
        fprintf(stderr, "cordon-bench: the host under test died by signal %d\n", WTERMSIG(st));
        if (o->json)
            printf("{\"host_crashes\":1,\"signal\":%d}\n", WTERMSIG(st));
        free(text);
        return 1;
    }
    /* the one field only the parent can know: the child did not crash */
    static const char mark[] = "@HOST_CRASHES@";
    const char *p = text;
    for (const char *q; (q = strstr(p, mark)) != NULL; p = q + sizeof mark - 1) {
        fwrite(p, 1, (size_t)(q - p), stdout);
        fputc('0', stdout);
    }
    fputs(p, stdout);
    free(text);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
