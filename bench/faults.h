/* faults.h - what one workload of the fault campaign reports (bench/faults*.c). */
#ifndef CORDON_BENCH_FAULTS_H
#define CORDON_BENCH_FAULTS_H

#include <stdint.h>

#include "bench.h"

#define CAMPAIGN_MAX_KINDS 16

struct campaign {
    const char *workload;
    long injected, recovered, not_recovered, restarts;
    long acknowledged_lost; /* acknowledged writes not read back at the end */
    long data_mismatches;   /* successful reads that returned the wrong bytes */
    long leaked;            /* skbs (net) */
    unsigned heap_left;     /* shared-heap objects left after unload */
    double throughput_ratio;
    double *rec_ms; /* one sample per fault that needed a restart */
    const char *kind_name[CAMPAIGN_MAX_KINDS];
    long per_kind[CAMPAIGN_MAX_KINDS];
    int nkinds;
};

struct cdn_driver;
struct cdn_driver_desc;
/* The start of a workload: brings the kernel core up and loads driver d
 * (its module is d->name, beside the benchmark modules) into a process
 * domain under the campaign's policy: restart, strict, CAMPAIGN_HANG_NS call
 * deadlines, a heartbeat of four of them, and a memory cap. 0, or 1 (said
 * on stderr) if it could not. d must outlive the driver. */
int campaign_begin(const struct bench_opts *o, const struct cdn_driver_desc *d,
                   uint64_t memory_limit, struct cdn_driver *drv);
/* The end of a workload: unloads the driver, counts the shared-heap objects
 * left, shuts the kernel core down. */
void campaign_end(struct campaign *c, struct cdn_driver *drv);

/* Run nfaults faults of the workload; 0, or 1 if it could not run at all. */
int campaign_net(const struct bench_opts *o, int nfaults, uint64_t seed, struct campaign *c);
int campaign_blk(const struct bench_opts *o, int nfaults, uint64_t seed, struct campaign *c);

/* xorshift64: the campaign's only source of randomness (same seed, same run) */
static inline uint64_t campaign_rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

#define CAMPAIGN_HANG_NS 50000000LL /* a call that takes longer is a hang */

#endif
