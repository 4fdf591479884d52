/* dummy_module.c - dummy.c as a cordon module (isolated modes). */
#include "dummy_domain.h"
#include "driver_module.h"

CDN_DRIVER_MODULE(dummy, dummy_domain_init, dummy_domain_dispatch);
