/* glue_impl.h - private state of a glue context. */
#ifndef CORDON_GLUE_IMPL_H
#define CORDON_GLUE_IMPL_H

#include "cordon/glue.h"
#include "../util/lock.h"
#include "hmap.h"

struct cdn_glue {
    enum cdn_glue_side side;
    int in_call; /* callers inside cdn_glue_call / send_oneway (fibers may wait there) */
    struct cdn_ep *ep;
    struct cdn_async *rt;
    cdn_handler_fn dispatch;
    int64_t timeout_ns;
    uint32_t wire_max;          /* largest payload: the channel's extension chunk, or inline */
    struct cdn_cap_table *caps; /* host: handles for host objects */
    /* ref -> (object, type); object -> (ref). On the host, host objects are
     * resolved through `caps` and only mapped object -> ref here. */
    struct cdn_hmap by_ref, by_obj;
    struct cdn_hmap shadows; /* objects this glue allocated (freed on forget) */
    struct cdn_hmap shared;  /* domain: heap pointer -> (ref, len) */
    struct cdn_hmap strings; /* storage of received char * string fields -> size */
    size_t string_bytes;     /* their total: at most CDN_GLUE_STRING_BYTES */
    struct cdn_hmap results; /* rpc id + 1 -> the string its last call returned */
    int retired;             /* its domain died: no call crosses; shadows kept */
    uint64_t next_id;        /* domain: counter for domain-chosen ids */
    struct cdn_heap *heap;
    uint32_t heap_domain;
    uint8_t *heap_base;
    size_t heap_size;
    int64_t dead_value;
    int last_error;
    void *user;
    uint8_t *reply_ext; /* extension bytes of the reply being sent */
    uint32_t reply_ext_cap;
    struct cdn_glue_stats stats;
    uint64_t id;
    struct cdn_ratelimit peer_look; /* a poster's looks at the peer (peer_gone) */
    struct cdn_reentrant_lock lock; /* each use of ep (lock.h) */
};

#endif
