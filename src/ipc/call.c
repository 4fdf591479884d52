/*
 * call.c - synchronous request/reply on top of an endpoint: the serve loop
 * (the callee side) and cdn_ep_call (the caller side, which services nested
 * requests from the peer while it waits for its own reply).
 */
#include <string.h>

#include "endpoint.h"

/* Status codes a peer may legitimately put in an error reply. */
static int peer_status_valid(int32_t s)
{
    return cdn_is_status(s);
}

void cdn_ep_make_reply(const struct cdn_msg *req, cdn_handler_fn handler, void *arg,
                       struct cdn_msg *rep)
{
    /* Field by field, not memset: this runs once per call. data[] past
     * inline_len is never sent. */
    rep->rpc_id = req->rpc_id;
    rep->flags = 0;
    rep->inline_len = 0;
    rep->ext_len = 0;
    rep->ack = 0;
    rep->ext = NULL;
    if (req->rpc_id == CDN_RPC_PING || req->rpc_id == CDN_RPC_STOP) {
        /* empty reply */
    } else if (!handler) {
        cdn_msg_set_error(rep, CDN_ENOENT);
    } else {
        int st = handler(arg, req, rep);
        if (st != CDN_OK)
            cdn_msg_set_error(rep, st);
    }
    rep->call_id = req->call_id;
    rep->flags = (uint8_t)(CDN_MSG_REPLY | (rep->flags & CDN_MSG_ERROR));
}

int cdn_ep_serve_one(struct cdn_ep *ep, const struct cdn_msg *req, cdn_handler_fn handler,
                     void *arg, struct cdn_wait *w)
{
    struct cdn_msg rep;
    cdn_ep_make_reply(req, handler, arg, &rep);
    if (req->flags & CDN_MSG_ONEWAY)
        return CDN_OK; /* the sender is not waiting: the reply is dropped */
    return cdn_ep_send_w(ep, &rep, w);
}

int cdn_ep_serve(struct cdn_ep *ep, cdn_handler_fn handler, void *arg)
{
    struct cdn_msg req;
    for (;;) {
        struct cdn_wait w = cdn_wait_for(-1);
        int r = cdn_ep_recv_w(ep, &req, &w);
        if (r != CDN_OK)
            return r;
        if (!(req.flags & CDN_MSG_REQUEST))
            return cdn_ep_violation_set(ep, "reply received while serving", ep->rx.pos - 1,
                                        req.call_id);
        r = cdn_ep_serve_one(ep, &req, handler, arg, &w);
        if (r != CDN_OK)
            return r;
        if (req.rpc_id == CDN_RPC_STOP)
            return CDN_OK;
    }
}

int cdn_ep_call(struct cdn_ep *ep, struct cdn_msg *req, struct cdn_msg *reply,
                cdn_handler_fn handler, void *arg, int64_t timeout_ns)
{
    if (!ep || !req || !reply)
        return CDN_EINVAL;
    struct cdn_wait w = cdn_wait_for(timeout_ns);
    uint32_t id = ++ep->next_call_id;
    if (id == 0)
        id = ++ep->next_call_id;
    req->call_id = id;
    req->flags = CDN_MSG_REQUEST;
    int r = cdn_ep_send_w(ep, req, &w);
    if (r != CDN_OK)
        return r;
    for (;;) {
        r = cdn_ep_recv_w(ep, reply, &w);
        if (r != CDN_OK)
            return r;
        if (reply->flags & CDN_MSG_REPLY) {
            if (reply->call_id != id)
                return cdn_ep_violation_set(ep, "reply to a call that is not outstanding",
                                            ep->rx.pos - 1, reply->call_id);
            if (reply->flags & CDN_MSG_ERROR) {
                int32_t s;
                memcpy(&s, reply->data, sizeof s);
                if (!peer_status_valid(s))
                    return cdn_ep_violation_set(ep, "error reply with an invalid status",
                                                ep->rx.pos - 1, (uint32_t)s);
                return s;
            }
            return CDN_OK;
        }
        /* A nested request from the peer: serve it, keep waiting. */
        r = cdn_ep_serve_one(ep, reply, handler, arg, &w);
        if (r != CDN_OK)
            return r;
    }
}
