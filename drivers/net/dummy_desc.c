/* dummy_desc.c - how the host loads drivers/net/dummy.c in each mode. */
#include "cordon_kernel.h"
#include "dummy_host.h"

int dummy_init_module(void);
void dummy_cleanup_module(void);

const struct cdn_driver_desc cdn_dummy_driver = {
    .name = "dummy",
    .native_init = dummy_init_module,
    .native_exit = dummy_cleanup_module,
    .glue_init = dummy_host_init,
    .dispatch = dummy_host_dispatch,
    .call_init = dummy_call_dummy_init_module,
    .call_exit = dummy_call_dummy_cleanup_module,
    .check_glue = dummy_host_check,
    .rings = CDN_RINGS_TX,
};
