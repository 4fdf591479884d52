/* names.c - name sets, and the rules that classify a function by its name. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

int set_find(const struct name_set *s, const char *x)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0)
            return i;
    return -1;
}

void out_of_memory(void)
{
    fprintf(stderr, "cordon-split: out of memory\n");
    exit(2);
}

void grow_or_die(void **items, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return;
    int ncap = *cap ? *cap : 64;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(*items, (size_t)ncap * size);
    if (!p)
        out_of_memory();
    memset((char *)p + (size_t)*cap * size, 0, (size_t)(ncap - *cap) * size);
    *items = p;
    *cap = ncap;
}

int set_add(struct name_set *s, const char *x, const char *note, CXCursor decl)
{
    int i = set_find(s, x);
    if (i >= 0)
        return i;
    if (s->n == s->cap) {
        int cap = s->cap;
        grow_or_die((void **)&s->v, &cap, s->n + 1, sizeof *s->v);
        cap = s->cap;
        grow_or_die((void **)&s->note, &cap, s->n + 1, sizeof *s->note);
        cap = s->cap;
        grow_or_die((void **)&s->decl, &cap, s->n + 1, sizeof *s->decl);
        cap = s->cap;
        grow_or_die((void **)&s->module_entry, &cap, s->n + 1, sizeof *s->module_entry);
        s->cap = cap;
    }
    s->v[s->n] = strdup(x);
    s->note[s->n] = note ? strdup(note) : NULL;
    s->decl[s->n] = decl;
    return s->n++;
}

static const char *const local_lib[] = {
    "kmalloc", "kzalloc", "kfree", "memcpy", "memset", "memmove", "memcmp", "strlen", "strcmp",
    "strncmp", "strcpy", "strncpy", "strlcpy", "strscpy", "snprintf", "sprintf", "sscanf", "printk",
    "_printk", "vsnprintf", "kstrdup", "kcalloc", "kmalloc_array", "krealloc", "vfree", "vmalloc",
    "vzalloc", "kvfree", "kvmalloc", "kvzalloc", "__kmalloc", "kmem_cache_alloc", "kmem_cache_free",
    "might_sleep", "__might_sleep", "__warn_printk", "warn_slowpath_fmt", "dump_stack",
    /* per-CPU memory is the domain's own, like its heap */
    "__alloc_percpu", "__alloc_percpu_gfp", "free_percpu", "kmalloc_node", "kzalloc_node",
    "kcalloc_node", "kmalloc_array_node", "__kmalloc_node", "kmalloc_trace", "kmalloc_node_trace",
    "kmalloc_large", "kmalloc_large_node", "strchr", "strrchr", "strstr", "kstrndup", "kmemdup",
    "bitmap_zalloc", "bitmap_free", "kstrtoint", "kstrtouint", "kstrtobool", "kstrtoull",
    "kstrtoll", "kstrtoul", "kstrtol", "kstrtou8", "kstrtou16", "kstrtos32",
    /* cordon's domain library (kernel/drvlib/) */
    "cdn_blk_media", NULL};

/* Declared, never defined: the kernel's compile-time checks (a call to one
 * is a build error in a real build), not functions. Also the hardening and
 * debugging hooks that header inlines call on a failed check (FORTIFY_SOURCE,
 * list and refcount debugging): a domain reports those itself. */
int is_compile_time_check(const char *n)
{
    return strncmp(n, "__compiletime_assert", 20) == 0 || strncmp(n, "__bad_", 6) == 0 ||
           strcmp(n, "____wrong_branch_error") == 0 || strstr(n, "_wrong_size") != NULL ||
           strcmp(n, "__get_user_bad") == 0 || strcmp(n, "__put_user_bad") == 0 ||
           strstr(n, "_overflow") != NULL || strcmp(n, "fortify_panic") == 0 ||
           strncmp(n, "__real_", 7) == 0 || strcmp(n, "__check_object_size") == 0 ||
           strncmp(n, "__list_", 7) == 0 || strcmp(n, "refcount_warn_saturate") == 0;
}

/* A kernel function that frees the object its first struct argument points
 * to (kfree_skb, consume_skb, free_netdev, put_disk, ...): afterwards both
 * sides must drop the object, so the argument is [dealloc(callee)]. Decided
 * by name, as a person would at first sight; each use is a warning. */
int is_freeing_fn(const char *n, int nargs)
{
    size_t l = strlen(n);
    if (strstr(n, "free") != NULL || strncmp(n, "consume_", 8) == 0 ||
        strstr(n, "_end_request") != NULL || strncmp(n, "put_", 4) == 0)
        return 1;
    /* X_destroy(obj) and X_release(obj) free obj; with more arguments the
     * object is named by them (device_destroy(class, devt) frees the device
     * devt names, not the class) */
    return nargs == 1 && l > 8 &&
           (strcmp(n + l - 8, "_destroy") == 0 || strcmp(n + l - 8, "_release") == 0);
}

/* Functions the domain implements itself: memory, strings, printing and the
 * synchronisation primitives (a lock is reported in "locks" and its cost is
 * the domain's; it is not a call into the kernel). */
int is_local_lib(struct analysis *a, const char *n)
{
    for (int i = 0; local_lib[i]; i++)
        if (strcmp(local_lib[i], n) == 0)
            return 1;
    /* bitmap searches are pure library code */
    if (strncmp(n, "_find_", 6) == 0 || strncmp(n, "find_next_", 10) == 0 ||
        strncmp(n, "find_first_", 11) == 0)
        return 1;
    return is_lock_name(n) || set_find(&a->user_local, n) >= 0;
}

int is_lock_name(const char *n)
{
    /* the lock primitives and what their macros expand to (_raw_write_lock_bh,
     * __mutex_init, __init_rwsem, __spin_lock_init ...) */
    return strncmp(n, "spin_", 5) == 0 || strncmp(n, "_raw_", 5) == 0 ||
           strcmp(n, "__mutex_init") == 0 || strcmp(n, "__init_rwsem") == 0 ||
           strncmp(n, "__spin_lock", 11) == 0 || strncmp(n, "__raw_spin", 10) == 0 ||
           strncmp(n, "__rwlock_init", 13) == 0 || strncmp(n, "mutex_", 6) == 0 ||
           strncmp(n, "atomic", 6) == 0 || strncmp(n, "rcu_", 4) == 0 ||
           strncmp(n, "synchronize_rcu", 15) == 0 || strncmp(n, "read_lock", 9) == 0 ||
           strncmp(n, "write_lock", 10) == 0 || strncmp(n, "down_", 5) == 0 ||
           strncmp(n, "up_", 3) == 0 || strncmp(n, "local_bh", 8) == 0 ||
           strncmp(n, "__local_bh", 10) == 0 || strncmp(n, "u64_stats", 9) == 0;
}

void set_filter(struct name_set *s, int (*keep)(void *ctx, const char *name), void *ctx)
{
    int kept = 0;
    for (int i = 0; i < s->n; i++) {
        if (!keep(ctx, s->v[i])) {
            free(s->v[i]);
            free(s->note[i]);
            continue;
        }
        s->v[kept] = s->v[i];
        s->note[kept] = s->note[i];
        s->decl[kept] = s->decl[i];
        s->module_entry[kept] = s->module_entry[i];
        kept++;
    }
    s->n = kept;
}
