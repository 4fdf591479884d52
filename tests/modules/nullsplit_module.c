/* nullsplit_module.c - drivers/block/null_blk.c as a cordon module, behind
 * the glue generated from the IDL cordon-split wrote for it (no hand-written
 * IDL involved): see tests/test_split_e2e.c. */
#include "driver_module.h"
#include "nullsplit_domain.h"

CDN_DRIVER_MODULE(nullsplit, nullsplit_domain_init, nullsplit_domain_dispatch);
