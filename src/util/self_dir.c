/* self_dir.c - the directory of the running executable (cordon/domain.h). */
#define _GNU_SOURCE
#include <string.h>
#include <unistd.h>

#include "cordon/domain.h"

int cdn_self_dir(char *buf, size_t cap)
{
    if (!buf || cap < 2)
        return CDN_EINVAL;
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0 || (size_t)n >= cap - 1)
        return CDN_ESYS; /* unreadable, or possibly cut short */
    buf[n] = 0;
    char *slash = strrchr(buf, '/');
    if (!slash)
        return CDN_ENOENT;
    *slash = 0;
    return CDN_OK;
}
