/* idl_bench.c - the domain side of bench/idl/cb.idl. */
#include <string.h>

#include "cb_domain.h"
#include "cordon/module.h"

int32_t int_call(int32_t x)
{
    return x + 1;
}

uint32_t string_call(const char *s)
{
    return (uint32_t)strlen(s);
}

uint64_t array_call(const uint64_t *a)
{
    uint64_t s = 0;
    for (int i = 0; i < 32; i++)
        s += a[i];
    return s;
}

static int cb_main(struct cdn_dom_ctx *ctx)
{
    return cdn_dom_serve_glue(ctx, cb_domain_init, cb_domain_dispatch);
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "idl_bench",
    .main = cb_main,
};
