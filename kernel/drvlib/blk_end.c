/* blk_end.c - the driver's blk_mq_end_request, wrapped (-Wl,--wrap): a
 * request that came through the request ring ends there; any other goes to
 * the generated rpc. For modules with no wrapper of their own. */
#include "linux/blk-mq.h"
#include "rings.h"

void __real_blk_mq_end_request(struct request *rq, blk_status_t error);
void __wrap_blk_mq_end_request(struct request *rq, blk_status_t error);

void __wrap_blk_mq_end_request(struct request *rq, blk_status_t error)
{
    if (!cdn_dom_blk_end(rq, error))
        __real_blk_mq_end_request(rq, error);
}
