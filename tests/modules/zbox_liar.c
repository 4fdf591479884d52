/*
 * zbox_liar.c - a hostile "zlib" behind examples/zlib's glue: it answers
 * uncompress by claiming it wrote a megabyte into the caller's 4 KiB
 * buffer, and crc32 by exiting mid-call. The host must refuse the lie
 * ({{*destLen}} checked on the reply) and leave the caller's length as it
 * was, and the supervisor must replace the instance.
 */
#include <stdlib.h>
#include <zlib.h>

#include "cordon/module.h"
#include "zbox_domain.h"

int uncompress(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen)
{
    (void)dest, (void)source, (void)sourceLen;
    *destLen = 1ul << 20; /* more than any buffer it was lent */
    return Z_OK;
}

int compress2(Bytef *dest, uLongf *destLen, const Bytef *source, uLong sourceLen, int level)
{
    (void)dest, (void)source, (void)sourceLen, (void)level;
    *destLen = 0;
    return Z_OK;
}

uLong compressBound(uLong sourceLen)
{
    return sourceLen;
}

uLong crc32(uLong crc, const Bytef *buf, uInt len)
{
    (void)crc, (void)buf, (void)len;
    exit(3); /* dies in the middle of a call */
}

int inflateInit_(z_streamp strm, const char *version, int stream_size)
{
    (void)version, (void)stream_size;
    strm->msg = NULL;
    return Z_OK;
}

int inflate(z_streamp strm, int flush)
{
    (void)flush;
    strm->next_out += 1u << 20; /* past the buffer it was given */
    return Z_OK;
}

int inflateEnd(z_streamp strm)
{
    (void)strm;
    return Z_OK;
}

uLong crc32_z(uLong crc, const Bytef *buf, z_size_t len)
{
    (void)crc, (void)buf;
    return len;
}

static int liar_main(struct cdn_dom_ctx *ctx)
{
    return cdn_dom_serve_glue(ctx, zbox_domain_init, zbox_domain_dispatch);
}

const struct cdn_module cordon_module = {
    .abi = CDN_MODULE_ABI,
    .name = "zbox_liar",
    .main = liar_main,
};
