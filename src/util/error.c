/* error.c - status code descriptions. */
#include "cordon/error.h"

const char *cdn_strerror(int status)
{
    switch (status) {
    case CDN_OK:
        return "success";
    case CDN_EINVAL:
        return "invalid argument";
    case CDN_ENOMEM:
        return "out of memory";
    case CDN_ESYS:
        return "system call failed";
    case CDN_EAGAIN:
        return "try again";
    case CDN_ETIMEDOUT:
        return "timed out";
    case CDN_EDEAD:
        return "domain is dead";
    case CDN_EPROTO:
        return "protocol violation by peer";
    case CDN_ETOOBIG:
        return "payload too big";
    case CDN_ESTATE:
        return "invalid state for this operation";
    case CDN_ELOAD:
        return "module load failed";
    case CDN_ENOENT:
        return "no such object";
    case CDN_ELIMIT:
        return "limit reached";
    case CDN_EPERM:
        return "not permitted: not the owner";
    case CDN_EBADH:
        return "invalid handle";
    default:
        return "unknown status";
    }
}
