/*
 * lock.h - the one lock the glue runtime keeps for its process-wide tables,
 * and its one thread-local variable, in a form that builds both in a
 * process (pthreads) and in cordon.ko (a kernel mutex; the kernel's side
 * has no per-thread "current glue": that is the domain's).
 */
#ifndef CORDON_UTIL_LOCK_H
#define CORDON_UTIL_LOCK_H

#ifdef __KERNEL__
#include <linux/mutex.h>
#define CDN_STATIC_LOCK(name) static DEFINE_MUTEX(name)
#define cdn_lock(l)           mutex_lock(l)
#define cdn_unlock(l)         mutex_unlock(l)
#define CDN_THREAD_LOCAL
#else
#include <pthread.h>
#define CDN_STATIC_LOCK(name) static pthread_mutex_t name = PTHREAD_MUTEX_INITIALIZER
#define cdn_lock(l)           pthread_mutex_lock(l)
#define cdn_unlock(l)         pthread_mutex_unlock(l)
#define CDN_THREAD_LOCAL      __thread
#endif

#endif
