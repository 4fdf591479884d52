/*
 * lock.h - the glue runtime's locking, in a form that builds both in a
 * process (pthreads) and in cordon.ko (kernel mutexes): the lock of its
 * process-wide tables, each glue's channel lock (only the kernel needs
 * one), and its one thread-local variable (the kernel's side has no
 * per-thread "current glue": that is the domain's).
 */
#ifndef CORDON_UTIL_LOCK_H
#define CORDON_UTIL_LOCK_H

#ifdef __KERNEL__
#include <linux/mutex.h>
#include <linux/sched.h>
#define CDN_STATIC_LOCK(name) static DEFINE_MUTEX(name)
#define cdn_lock(l)           mutex_lock(l)
#define cdn_unlock(l)         mutex_unlock(l)
#define CDN_THREAD_LOCAL

/*
 * A glue's channel in the kernel: calls come from any thread that reaches
 * a trampoline, besides the thread that serves the channel, so each use of
 * the endpoint holds this lock. A call serves nested requests that may call
 * back out through the same glue, from the same thread: the lock is
 * re-entrant for its holder. (A process has one thread per channel: there
 * it costs nothing.)
 */
struct cdn_reentrant_lock {
    struct mutex m;
    struct task_struct *owner;
    unsigned depth;
};

static inline void cdn_reentrant_init(struct cdn_reentrant_lock *l)
{
    mutex_init(&l->m);
    l->owner = NULL;
    l->depth = 0;
}

static inline void cdn_reentrant_take(struct cdn_reentrant_lock *l)
{
    if (READ_ONCE(l->owner) == current) {
        l->depth++;
        return;
    }
    mutex_lock(&l->m);
    WRITE_ONCE(l->owner, current);
    l->depth = 1;
}

static inline void cdn_reentrant_drop(struct cdn_reentrant_lock *l)
{
    if (--l->depth == 0) {
        WRITE_ONCE(l->owner, NULL);
        mutex_unlock(&l->m);
    }
}
#else
#include <pthread.h>
#define CDN_STATIC_LOCK(name) static pthread_mutex_t name = PTHREAD_MUTEX_INITIALIZER
#define cdn_lock(l)           pthread_mutex_lock(l)
#define cdn_unlock(l)         pthread_mutex_unlock(l)
#define CDN_THREAD_LOCAL      __thread

struct cdn_reentrant_lock {
    char unused;
};
static inline void cdn_reentrant_init(struct cdn_reentrant_lock *l)
{
    (void)l;
}
static inline void cdn_reentrant_take(struct cdn_reentrant_lock *l)
{
    (void)l;
}
static inline void cdn_reentrant_drop(struct cdn_reentrant_lock *l)
{
    (void)l;
}
#endif

#endif
