/* dummy_module.c - dummy.c as a cordon module (isolated modes), serving the
 * transmit ring. */
#include "driver_module.h"
#include "dummy_domain.h"

static void dummy_rings(struct cdn_glue *g)
{
    cdn_dom_txring_setup(g, dummy_TYPE_net_device);
}

CDN_DRIVER_MODULE_RINGS(dummy, dummy_domain_init, dummy_domain_dispatch, dummy_rings);
