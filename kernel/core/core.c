/*
 * core.c - host kernel core: bring-up, printk and its log, counters.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_impl.h"
#include "subsys.h"
#include "cordon/glue.h"

#define LOG_LINES 64
#define LOG_LINE  256

static struct cdn_heap *heap;
static size_t heap_bytes; /* each heap's size */
/* Driver heaps given back at unload while host objects still lived in
 * them (an skb a client holds): freed when the kernel goes. */
static struct cdn_heap *retired[64];
static int nretired;
static char log_ring[LOG_LINES][LOG_LINE];
static unsigned log_next;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
struct cdn_kernel_stats cdn_kstats;

int cdn_kernel_init(size_t heap_size)
{
    if (heap)
        return 0;
    memset(&cdn_kstats, 0, sizeof cdn_kstats);
    heap_bytes = heap_size ? heap_size : (64u << 20);
    if (cdn_heap_create(heap_bytes, &heap) != 0)
        return -ENOMEM;
    const struct cdn_subsys *s;
    for (unsigned i = 0; (s = cdn_subsys_at(i)) != NULL; i++) {
        int r = s->init ? s->init() : 0;
        if (r != 0) {
            while (i-- > 0)
                if (cdn_subsys_at(i)->exit)
                    cdn_subsys_at(i)->exit();
            cdn_heap_destroy(heap);
            heap = NULL;
            return r;
        }
    }
    return 0;
}

void cdn_kernel_exit(void)
{
    const struct cdn_subsys *s;
    for (unsigned i = 0; (s = cdn_subsys_at(i)) != NULL; i++)
        if (s->exit)
            s->exit();
    cdn_heap_destroy(heap);
    heap = NULL;
    while (nretired > 0)
        cdn_heap_destroy(retired[--nretired]);
}

int cdn_core_heap_new(struct cdn_heap **out)
{
    return heap ? cdn_heap_create(heap_bytes, out) : CDN_ESTATE;
}

void cdn_core_heap_put(struct cdn_heap *h)
{
    if (!h)
        return;
    struct cdn_heap_stats st;
    cdn_heap_get_stats(h, &st);
    if (st.live_objects == 0)
        cdn_heap_destroy(h);
    else if (nretired < (int)(sizeof retired / sizeof retired[0]))
        retired[nretired++] = h;
    /* else leaked: never freed under a live object */
}

struct cdn_heap *cdn_kernel_heap(void)
{
    return heap;
}

struct cdn_heap *cdn_kernel_heap_of(const void *shadow)
{
    struct cdn_glue *g = shadow ? cdn_glue_owner_of(shadow) : NULL;
    struct cdn_driver *drv = g ? cdn_core_driver_of(g) : NULL;
    return drv && drv->heap ? drv->heap : heap;
}

void cdn_kernel_heap_stats(struct cdn_heap_stats *out)
{
    struct cdn_heap *hs[128];
    int n = cdn_kernel_heaps(hs, 128);
    memset(out, 0, sizeof *out);
    for (int i = 0; i < n && i < 128; i++) {
        struct cdn_heap_stats s;
        cdn_heap_get_stats(hs[i], &s);
        out->allocs += s.allocs;
        out->frees += s.frees;
        out->moves += s.moves;
        out->lends += s.lends;
        out->returns += s.returns;
        out->violations += s.violations;
        out->reclaimed += s.reclaimed;
        out->live_objects += s.live_objects;
        out->live_bytes += s.live_bytes;
    }
}

int cdn_kernel_heaps(struct cdn_heap **out, int max)
{
    int n = 0;
    if (heap && n < max)
        out[n] = heap;
    n += heap != NULL;
    n += cdn_core_driver_heaps(out + (n < max ? n : max), max > n ? max - n : 0);
    for (int i = 0; i < nretired; i++, n++)
        if (n < max)
            out[n] = retired[i];
    return n;
}

static void log_line(const char *prefix, const char *msg)
{
    /* strip a KERN_* level */
    if (msg[0] == '<' && msg[1] && msg[2] == '>')
        msg += 3;
    pthread_mutex_lock(&log_lock);
    snprintf(log_ring[log_next % LOG_LINES], LOG_LINE, "%s%s", prefix, msg);
    size_t n = strlen(log_ring[log_next % LOG_LINES]);
    if (n && log_ring[log_next % LOG_LINES][n - 1] == '\n')
        log_ring[log_next % LOG_LINES][n - 1] = 0;
    const char *env = getenv("CORDON_PRINTK");
    if (env && *env == '1')
        fprintf(stderr, "[kernel] %s\n", log_ring[log_next % LOG_LINES]);
    log_next++;
    pthread_mutex_unlock(&log_lock);
}

int printk(const char *fmt, ...)
{
    char buf[LOG_LINE];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    log_line("", buf);
    return n;
}

void cdn_kernel_log(const char *msg)
{
    log_line("domain: ", msg);
}

const char *cdn_kernel_log_tail(char *buf, size_t len)
{
    return cdn_kernel_log_since(0, buf, len);
}

unsigned long cdn_kernel_log_count(void)
{
    pthread_mutex_lock(&log_lock);
    unsigned long n = log_next;
    pthread_mutex_unlock(&log_lock);
    return n;
}

const char *cdn_kernel_log_since(unsigned long since, char *buf, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    pthread_mutex_lock(&log_lock);
    unsigned first = log_next > LOG_LINES ? log_next - LOG_LINES : 0;
    if (first < since)
        first = (unsigned)since;
    for (unsigned i = first; i < log_next && k + 1 < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s\n", log_ring[i % LOG_LINES]);
    pthread_mutex_unlock(&log_lock);
    return buf;
}

void cdn_kernel_get_stats(struct cdn_kernel_stats *out)
{
    *out = cdn_kstats;
}

/* The subsystems' registrations (subsys.h); absent when none is linked. */
extern const struct cdn_subsys *const __start_cdn_subsys[]
    __attribute__((weak, visibility("hidden")));
extern const struct cdn_subsys *const __stop_cdn_subsys[]
    __attribute__((weak, visibility("hidden")));

const struct cdn_subsys *cdn_subsys_at(unsigned i)
{
    if (!__start_cdn_subsys || i >= (unsigned)(__stop_cdn_subsys - __start_cdn_subsys))
        return NULL;
    return __start_cdn_subsys[i];
}
