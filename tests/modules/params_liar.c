/*
 * params_liar.c - the dummy driver (drivers/net/dummy.c, unchanged) in a
 * module whose answer to the host's module parameters lies. Linked with
 * --wrap=cdn_dom_params_serve: a parameter string holding "lie=K" gets
 * answer K below; any other goes to the real one. Each lie must fail the
 * load as a protocol error, whatever it claims (tests/test_params.c).
 */
#include <string.h>

#include "cordon_params.h"
#include "driver_module.h"

int __real_cdn_dom_params_serve(struct cdn_glue *g, const struct cdn_msg *req, struct cdn_msg *rep);
int __wrap_cdn_dom_params_serve(struct cdn_glue *g, const struct cdn_msg *req, struct cdn_msg *rep);

static int answer(struct cdn_glue *g, struct cdn_msg *rep, const void *p, size_t n)
{
    struct cdn_wbuf w;
    cdn_wbuf_init(&w, g);
    cdn_w_bytes(&w, p, n);
    return cdn_glue_reply(g, &w, rep);
}

int __wrap_cdn_dom_params_serve(struct cdn_glue *g, const struct cdn_msg *req, struct cdn_msg *rep)
{
    struct cdn_rbuf r;
    cdn_rbuf_from_msg(&r, req);
    char s[CDN_PARAMS_MAX + 1];
    size_t n = r.len < CDN_PARAMS_MAX ? r.len : CDN_PARAMS_MAX;
    memcpy(s, r.buf, n);
    s[n] = 0;
    const char *lie = strstr(s, "lie=");
    if (!lie)
        return __real_cdn_dom_params_serve(g, req, rep);
    /* the truth for "lie=K numdummies=1": two tokens, nothing bad, "lie" unknown */
    struct cdn_params_reply out = {0, -1, 2, 0, 1};
    switch (lie[4]) {
    case '1':
        out.ntokens = 7; /* a count that is not the string's */
        break;
    case '2':
        out.status = 5; /* a status no parser gives */
        break;
    case '3':
        out.status = -22;
        out.bad_index = 9; /* a token the string does not have */
        break;
    case '4':
        out.unknown = 1ull << 40; /* unknown bits past the last token */
        break;
    case '5':
        return answer(g, rep, &out, 4); /* too short */
    case '6':
        out.bad_index = 0; /* "fine", yet a token at fault */
        break;
    default:
        out.status = -22; /* "invalid", yet no token at fault */
        break;
    }
    return answer(g, rep, &out, sizeof out);
}
