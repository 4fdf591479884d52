/*
 * retain.c - which translation units the analysis still points into.
 *
 * A cursor is valid only while its unit lives, and the IDL writer reads
 * the declarations of what crosses (signatures, struct fields, enums) long
 * after the walk. A unit none of those point into is disposed of as soon
 * as it is walked, so a large driver does not hold every unit at once.
 *
 * Invariant: every set whose cursors are read after the walk is listed in
 * kept_sets below; a set not listed there holds only null cursors or
 * cursors used during the walk of their own unit.
 */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <stddef.h>

#include "analysis.h"

static int set_points_into(const struct name_set *s, CXTranslationUnit tu)
{
    for (int i = 0; i < s->n; i++)
        if (!clang_Cursor_isNull(s->decl[i]) && clang_Cursor_getTranslationUnit(s->decl[i]) == tu)
            return 1;
    return 0;
}

int unit_in_use(struct analysis *a, CXTranslationUnit tu)
{
    const struct name_set *kept_sets[] = {
        &a->drv_to_kernel, &a->kernel_to_drv, &a->structs,
        &a->enums,         &a->void_casts,    &a->pending_refs,
    };
    for (size_t i = 0; i < sizeof kept_sets / sizeof kept_sets[0]; i++)
        if (set_points_into(kept_sets[i], tu))
            return 1;
    return a->uses_media && clang_Cursor_getTranslationUnit(a->media_disk_decl) == tu;
}
