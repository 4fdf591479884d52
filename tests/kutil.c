/* kutil.c - helpers shared by the kernel core's test programs. */
#include "cordon_kernel.h"
#include "kutil.h"

unsigned test_heap_objects_live(void)
{
    struct cdn_heap_stats hs;
    cdn_kernel_heap_stats(&hs);
    return hs.live_objects;
}
