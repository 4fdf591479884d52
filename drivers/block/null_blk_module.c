/* null_blk_module.c - null_blk.c as a cordon module (isolated modes). */
#include "driver_module.h"
#include "null_blk_domain.h"

CDN_DRIVER_MODULE(null_blk, null_blk_domain_init, null_blk_domain_dispatch);
