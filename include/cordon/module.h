/*
 * cordon/module.h - what a module (the untrusted code in a domain) provides
 * and what it may use.
 *
 * A module is a shared object that exports one symbol:
 *
 *     const struct cdn_module cordon_module = {
 *         .abi = CDN_MODULE_ABI, .name = "null", .main = null_main,
 *     };
 *
 * main() runs inside the sandbox; it normally calls cdn_ep_serve() on
 * cdn_dom_ep(ctx) and returns its status. Its return value becomes the domain's
 * exit status (0 for CDN_OK, 1 otherwise).
 *
 * In a process domain the module can use libc functions that need no system
 * calls beyond the allow-list (memory allocation, futexes, time) and the
 * libcordon API. Anything else (files, sockets, new threads) kills it.
 */
#ifndef CORDON_MODULE_H
#define CORDON_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include "cordon/channel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CDN_MODULE_ABI    1u
#define CDN_MODULE_SYMBOL "cordon_module"

struct cdn_dom_ctx;

struct cdn_module {
    uint32_t abi; /* CDN_MODULE_ABI */
    const char *name;
    int (*main)(struct cdn_dom_ctx *ctx);
};

/* The domain's endpoint on its channel. */
struct cdn_ep *cdn_dom_ep(struct cdn_dom_ctx *ctx);

/* The argument string the host configured (never NULL; may be ""). */
const char *cdn_dom_arg(struct cdn_dom_ctx *ctx);

/* The domain's mapping of its channel region (tests use it to play hostile). */
void cdn_dom_region(struct cdn_dom_ctx *ctx, void **base, size_t *size);

/* The domain's mapping of its shared heap (base NULL, size 0 if none). */
void cdn_dom_heap(struct cdn_dom_ctx *ctx, void **base, size_t *size);

/*
 * The bytes of the heap object at reference `ref` (as the host sent it), if
 * [offset, offset + len) lies inside the heap; NULL otherwise. The domain
 * cannot check ownership (the host keeps that); it can only stay in bounds.
 */
void *cdn_dom_heap_ptr(struct cdn_dom_ctx *ctx, uint64_t ref, size_t len);

#ifdef __cplusplus
}
#endif
#endif
