/* module_ctx.h - the context a module's main() receives (both backends). */
#ifndef CORDON_RUNTIME_MODULE_CTX_H
#define CORDON_RUNTIME_MODULE_CTX_H

#include <stddef.h>

#include "cordon/module.h"

#define CDN_MODULE_ARG_MAX 255

struct cdn_dom_ctx {
    struct cdn_ep *ep;
    const char *arg;
    void *region_base;
    size_t region_size;
    void *heap_base;
    size_t heap_size;
};

/* Domain side of the start handshake: sends HELLO and waits for the host's
 * answer. Returns CDN_OK when the host accepted the domain. */
int cdn_dom_hello(struct cdn_ep *ep, int64_t timeout_ns);

#endif
