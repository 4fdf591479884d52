/* null_blk_module.c - null_blk.c as a cordon module (isolated modes),
 * serving the request ring. */
#include "driver_module.h"
#include "null_blk_domain.h"

static void null_blk_rings(struct cdn_glue *g)
{
    cdn_dom_rqring_setup(g, null_blk_TYPE_gendisk);
}

CDN_DRIVER_MODULE_RINGS(null_blk, null_blk_domain_init, null_blk_domain_dispatch, null_blk_rings);
