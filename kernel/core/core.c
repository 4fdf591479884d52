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

#define LOG_LINES 64
#define LOG_LINE  256

static struct cdn_heap *heap;
static char log_ring[LOG_LINES][LOG_LINE];
static unsigned log_next;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
struct cdn_kernel_stats cdn_kstats;

int cdn_kernel_init(size_t heap_size)
{
    if (heap)
        return 0;
    memset(&cdn_kstats, 0, sizeof cdn_kstats);
    cdn_net_reset();
    cdn_blk_reset();
    if (cdn_skb_pool_init() != 0)
        return -ENOMEM;
    int r = cdn_heap_create(heap_size ? heap_size : (64u << 20), &heap);
    if (r != 0)
        cdn_skb_pool_exit();
    return r;
}

void cdn_kernel_exit(void)
{
    cdn_skb_pool_exit();
    cdn_heap_destroy(heap);
    heap = NULL;
}

struct cdn_heap *cdn_kernel_heap(void)
{
    return heap;
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
    size_t k = 0;
    buf[0] = 0;
    pthread_mutex_lock(&log_lock);
    unsigned first = log_next > LOG_LINES ? log_next - LOG_LINES : 0;
    for (unsigned i = first; i < log_next && k + 1 < len; i++)
        k += (size_t)snprintf(buf + k, len - k, "%s\n", log_ring[i % LOG_LINES]);
    pthread_mutex_unlock(&log_lock);
    return buf;
}

void cdn_kernel_get_stats(struct cdn_kernel_stats *out)
{
    *out = cdn_kstats;
}
