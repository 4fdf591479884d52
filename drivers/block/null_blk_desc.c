/* null_blk_desc.c - how the host loads drivers/block/null_blk.c in each mode. */
#include "cordon_kernel.h"
#include "null_blk_host.h"

int null_init(void);
void null_exit(void);

const struct cdn_driver_desc cdn_null_blk_driver = {
    .name = "null_blk",
    .native_init = null_init,
    .native_exit = null_exit,
    .glue_init = null_blk_host_init,
    .dispatch = null_blk_host_dispatch,
    .call_init = null_blk_call_null_init,
    .call_exit = null_blk_call_null_exit,
    .check_glue = null_blk_host_check,
    .rings = CDN_RINGS_RQ,
};
