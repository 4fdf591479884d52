/* util.c - helpers shared by the test programs. */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

const char *test_module_path(const char *name)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    assert_int_equal(cdn_self_dir(exe, sizeof exe), CDN_OK);
    snprintf(path, sizeof path, "%s/modules/%s.so", exe, name);
    return path;
}

const char *test_lib_dir(void)
{
    static char path[PATH_MAX];
    char exe[PATH_MAX];
    assert_int_equal(cdn_self_dir(exe, sizeof exe), CDN_OK);
    snprintf(path, sizeof path, "%s/../lib/cordon", exe);
    return path;
}

struct cdn_domain *test_start(enum cdn_backend backend, const char *name, const char *arg,
                              enum cdn_wait_policy policy)
{
    struct cdn_domain_config cfg;
    cdn_domain_config_init(&cfg);
    cfg.backend = backend;
    cfg.module_path = test_module_path(name);
    cfg.module_arg = arg;
    cfg.host_policy = policy;
    cfg.domain_policy = policy;
    struct cdn_domain *dom = NULL;
    assert_int_equal(cdn_domain_create(&cfg, &dom), CDN_OK);
    int r = cdn_domain_start(dom);
    if (r != CDN_OK)
        fprintf(stderr, "start %s: %s (%s)\n", name, cdn_strerror(r), cdn_domain_reason(dom));
    assert_int_equal(r, CDN_OK);
    return dom;
}

void test_msg_u64(struct cdn_msg *m, uint16_t rpc, uint64_t v)
{
    memset(m, 0, sizeof *m);
    m->rpc_id = rpc;
    memcpy(m->data, &v, sizeof v);
    m->inline_len = sizeof v;
}

uint64_t test_get_u64(const struct cdn_msg *m)
{
    uint64_t v;
    memcpy(&v, m->data, sizeof v);
    return v;
}

int test_run(const char *cmd, char **out)
{
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t n;
    while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
        len += n;
        if (len + 1 == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    buf[len] = 0;
    int st = pclose(p);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
