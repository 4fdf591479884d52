/* dummysplit_module.c - drivers/net/dummy.c as a cordon module, behind the
 * glue generated from the IDL that cordon-split wrote for it (no hand-written
 * IDL involved): see tests/test_split_e2e.c. */
#include "driver_module.h"
#include "dummysplit_domain.h"

CDN_DRIVER_MODULE(dummysplit, dummysplit_domain_init, dummysplit_domain_dispatch);
