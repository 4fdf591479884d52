/* kutil.c - helpers shared by the kernel core's test programs. */
#include "cordon_kernel.h"
#include "kutil.h"

unsigned test_heap_objects_live(void)
{
    struct cdn_heap_stats hs;
    cdn_kernel_heap_stats(&hs);
    return hs.live_objects;
}

const enum cdn_drv_mode test_modes[3] = {CDN_DRV_NATIVE, CDN_DRV_INPROC, CDN_DRV_PROCESS};
