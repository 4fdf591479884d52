/*
 * printk.c - printk inside a domain: format here, then hand the line to the
 * host (cdn_kernel_log is a generated rpc in every driver's IDL). A domain
 * has no file descriptors to write to.
 */
#include <stdarg.h>
#include <stdio.h>

#include "linux/kernel.h"

int printk(const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cdn_kernel_log(buf);
    return n;
}
