/* linux/spinlock.h - spinlocks for code that runs on several host threads
 * (a domain is single-threaded: there they cost an uncontended atomic). */
#ifndef CDN_LINUX_SPINLOCK_H
#define CDN_LINUX_SPINLOCK_H

typedef struct {
    volatile int locked;
} spinlock_t;

#define DEFINE_SPINLOCK(x) spinlock_t x = {0}

static inline void spin_lock_init(spinlock_t *l)
{
    l->locked = 0;
}

static inline void spin_lock(spinlock_t *l)
{
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
            __builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

#endif
