/* faults.h - what one workload of the fault campaign reports (bench/faults*.c). */
#ifndef CORDON_BENCH_FAULTS_H
#define CORDON_BENCH_FAULTS_H

#include <stdint.h>
#include <stdio.h>

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

/* A verified area of a disk (1,024 blocks of 4 KiB): every acknowledged
 * write is remembered, every successful read compared (mismatches), and
 * campaign_area_lost reads every block back at the end. */
struct gendisk;
struct campaign_area {
    struct gendisk *disk;
    uint8_t *expect; /* what each acknowledged block holds */
    uint8_t *known;  /* per block: 1 if expect[] is what the disk must hold */
    long mismatches, ok_ios, errors;
    uint64_t stamp;
};
int campaign_area_init(struct campaign_area *a, struct gendisk *disk);
void campaign_area_free(struct campaign_area *a);
/* One verified 4 KiB read or write of a random block. */
void campaign_area_io(struct campaign_area *a, uint64_t *seed);
/* Acknowledged blocks that do not read back as written. */
long campaign_area_lost(struct campaign_area *a);

/* The hostile campaign (bench/hostile.c): nattacks attacks, reported on
 * out; 0, or 1 if anything was breached or it could not run. */
int campaign_hostile(FILE *out, const struct bench_opts *o, int nattacks, uint64_t seed);

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
