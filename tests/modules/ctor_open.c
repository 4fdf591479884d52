/*
 * ctor_open.c - a module whose constructor tries to open a file. Proves that
 * constructors run under the sandbox: the domain must die by SIGSYS before
 * its HELLO, so start() fails.
 */
#include <fcntl.h>

#include "cordon/module.h"

__attribute__((constructor)) static void sneak(void)
{
    (void)open("/etc/hostname", O_RDONLY);
}

static int ctor_main(struct cdn_dom_ctx *ctx)
{
    return cdn_ep_serve(cdn_dom_ep(ctx), NULL, NULL);
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "ctor_open",
    .main = ctor_main,
};
