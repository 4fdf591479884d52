/*
 * params.c - the domain's end of CDN_RPC_MODULE_PARAMS: the host sends the
 * module parameters the driver was loaded with, before it calls the
 * driver's init; the domain sets its own (cordon_params.h) and answers
 * which token was bad or unknown. The host formats any message from its
 * own copy of the string: nothing but numbers comes back.
 */
#include <string.h>

#include "cordon_params.h"
#include "driver_module.h"
#include "linux/kernel.h"

int cdn_dom_params_serve(struct cdn_glue *g, const struct cdn_msg *req, struct cdn_msg *rep)
{
    struct cdn_rbuf r;
    cdn_rbuf_from_msg(&r, req);
    char params[CDN_PARAMS_MAX + 1];
    struct cdn_params_result res = {-EINVAL, -1, 0, 0};
    if (r.len <= CDN_PARAMS_MAX && !memchr(r.buf, 0, r.len)) {
        memcpy(params, r.buf, r.len);
        params[r.len] = 0;
        const struct cdn_kparam *begin, *end;
        cdn_params_section(&begin, &end);
        cdn_params_apply(begin, end, "", params, &res);
    }
    struct cdn_params_reply out = {res.status, res.bad_index, res.ntokens, 0, res.unknown};
    struct cdn_wbuf w;
    cdn_wbuf_init(&w, g);
    cdn_w_bytes(&w, &out, sizeof out);
    return cdn_glue_reply(g, &w, rep);
}
