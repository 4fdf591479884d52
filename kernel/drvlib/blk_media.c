/*
 * blk_media.c - cdn_blk_media inside a domain: the device's memory belongs
 * to the host (kernel/block/blk.c). Each chunk is asked for once over the
 * cdn_blk_media_chunk rpc; its shared-heap reference is checked against this
 * domain's mapping of the heap and the pointer kept. A restarted domain
 * starts with an empty table and finds the same chunks, data intact.
 */
#include "cordon/glue.h"
#include "linux/blk-mq.h"

#define MEDIA_CACHE 4096u /* chunks: 256 MiB of media */

static struct gendisk *cached_disk;
static void *cached[MEDIA_CACHE];

void *cdn_blk_media(struct gendisk *disk, u32 index, bool alloc)
{
    if (disk != cached_disk) {
        memset(cached, 0, sizeof cached);
        cached_disk = disk;
    }
    if (index < MEDIA_CACHE && cached[index])
        return cached[index];
    u64 ref = cdn_blk_media_chunk(disk, index, alloc);
    void *p = NULL;
    if (!ref || cdn_glue_shared_in(cdn_glue_current(), ref, CDN_BLK_MEDIA_CHUNK,
                                   CDN_BLK_MEDIA_CHUNK, &p) != CDN_OK)
        return NULL;
    if (index < MEDIA_CACHE)
        cached[index] = p;
    return p;
}
