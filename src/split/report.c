/* report.c - the analysis report, as text or as JSON. */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"

static void json_str(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', o);
        if ((unsigned char)*s >= 32)
            fputc(*s, o);
    }
    fputc('"', o);
}

static void json_list(FILE *o, const char *key, const struct name_set *s)
{
    fprintf(o, "\"%s\":[", key);
    for (int i = 0; i < s->n; i++) {
        if (i)
            fputc(',', o);
        json_str(o, s->v[i]);
    }
    fputc(']', o);
}

/* Whether access k repeats an earlier one (same struct, field and kind). */
static int seen_before(struct analysis *a, int k, int written)
{
    for (int j = 0; j < k; j++)
        if (a->acc[j].written == written && strcmp(a->acc[j].strct, a->acc[k].strct) == 0 &&
            strcmp(a->acc[j].field, a->acc[k].field) == 0)
            return 1;
    return 0;
}

/* The fields of struct i the driver reads (written 0) or writes, once each. */
static void json_fields(struct analysis *a, FILE *r, int i, int written)
{
    int first = 1;
    for (int k = 0; k < a->nacc; k++)
        if (strcmp(a->acc[k].strct, a->structs.v[i]) == 0 && a->acc[k].written == written &&
            !seen_before(a, k, written)) {
            fprintf(r, "%s", first ? "" : ",");
            json_str(r, a->acc[k].field);
            first = 0;
        }
}

void report_json(struct analysis *a, FILE *r, const char *modname, const struct split_timing *t)
{
    fprintf(r, "{\"module\":");
    json_str(r, modname);
    fputc(',', r);
    json_list(r, "drv_to_kernel", &a->drv_to_kernel);
    fputc(',', r);
    json_list(r, "kernel_to_drv", &a->kernel_to_drv);
    fprintf(r, ",\"structs\":{");
    for (int i = 0; i < a->structs.n; i++) {
        fprintf(r, "%s", i ? "," : "");
        json_str(r, a->structs.v[i]);
        fprintf(r, ":{\"read\":[");
        json_fields(a, r, i, 0);
        fprintf(r, "],\"written\":[");
        json_fields(a, r, i, 1);
        fprintf(r, "]}");
    }
    fprintf(r, "},");
    json_list(r, "locks", &a->locks);
    fputc(',', r);
    json_list(r, "shared_syncs", &a->shared_syncs);
    fputc(',', r);
    json_list(r, "warnings", &a->warnings);
    fputc(',', r);
    json_list(r, "kernel_globals", &a->kernel_globals);
    fputc(',', r);
    json_list(r, "inline_asm", &a->inline_asm);
    fputc(',', r);
    json_list(r, "kernel_in_ops", &a->kernel_in_ops);
    fputc(',', r);
    json_list(r, "kernel_fn_values", &a->kernel_fn_values);
    fputc(',', r);
    fprintf(r, "\"module_entries\":[");
    for (int i = 0, n = 0; i < a->kernel_to_drv.n; i++)
        if (a->kernel_to_drv.module_entry[i]) {
            fprintf(r, "%s", n++ ? "," : "");
            json_str(r, a->kernel_to_drv.v[i]);
        }
    fprintf(r, "],");
    json_list(r, "protected_fields", &a->protected_fields);
    fprintf(r,
            ",\"parse_errors\":%d,\"seconds\":%.3f,\"parse_seconds\":%.3f,"
            "\"precompiled_headers\":%d}\n",
            t->parse_errors, t->seconds, t->parse_seconds, t->precompiled_headers);
}

void report_text(struct analysis *a, FILE *r, const struct split_timing *t)
{
    fprintf(r,
            "cordon-split: %d driver -> kernel, %d kernel -> driver functions, %d structs, "
            "%d field accesses, %d lock/atomic/RCU uses, %d warnings, %d parse errors, "
            "%.2f s (%.2f s parsing, %d precompiled headers)\n",
            a->drv_to_kernel.n, a->kernel_to_drv.n, a->structs.n, a->nacc, a->locks.n,
            a->warnings.n, t->parse_errors, t->seconds, t->parse_seconds, t->precompiled_headers);
    for (int i = 0; i < a->shared_syncs.n; i++)
        fprintf(r, "shared sync: %s\n", a->shared_syncs.v[i]);
    for (int i = 0; i < a->protected_fields.n; i++)
        fprintf(r, "protected field: %s\n", a->protected_fields.v[i]);
    for (int i = 0; i < a->kernel_globals.n; i++)
        fprintf(r, "kernel global: %s (%s)\n", a->kernel_globals.v[i], a->kernel_globals.note[i]);
    for (int i = 0; i < a->warnings.n; i++)
        fprintf(r, "warning: %s\n", a->warnings.v[i]);
}
