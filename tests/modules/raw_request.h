/* raw_request.h - for the misbehaving test drivers: send hand-made bytes as
 * rpc `rpc`, past the typed stubs (through the glue's raw call, so the async
 * runtime still routes the reply), and wait for the host's answer, if any. */
#ifndef CORDON_TESTS_RAW_REQUEST_H
#define CORDON_TESTS_RAW_REQUEST_H

#include "cordon/glue.h"

static inline void raw_request(uint16_t rpc, const void *payload, uint32_t len)
{
    struct cdn_glue *g = cdn_glue_current();
    struct cdn_wbuf w;
    struct cdn_rbuf r;
    struct cdn_msg store;
    cdn_wbuf_init(&w, g);
    cdn_w_bytes(&w, payload, len);
    cdn_glue_call(g, rpc, &w, &r, &store);
}

#endif
